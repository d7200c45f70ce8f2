//! Intake (受理): a ticket is born here — at the front desk, on the phone, or in a corridor
//! with one hand on the tablet. The form follows the ticket kind's rules (domain::ticket),
//! keeps a draft while it is filled, and confirms with the ticket number only after the
//! ticket, its first history event and its photos have committed together.

mod photos;
pub mod quick;
mod recent;
pub(crate) mod save;

use chrono::Utc;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::domain::locale::format_datetime;
use crate::domain::ticket::{
    parse_local_datetime, Channel, IntakeField, IntakeForm, TicketKind, DESCRIPTION_MAX, LOCATION_MAX, REPORTER_MAX,
    UNIT_MAX,
};
use crate::domain::phone::PHONE_MAX;
use crate::domain::triage::{Level, Priority};
use crate::ui::context::use_app;
use crate::ui::i18n::{t, t_string, use_i18n};
use crate::ui::widgets::draft::{DraftKeeper, DraftOffer};
use crate::ui::widgets::terms::{category_text, channel_text, kind_text, level_text};
use crate::ui::widgets::{fill, problem_text, TextField};

pub use photos::{AttachedPhotos, PhotoPicker};
pub use recent::{RecentTickets, StoredPhoto};

/// The element each field's problem sends the focus to.
fn field_id(field: IntakeField) -> &'static str {
    match field {
        IntakeField::ReporterName => "reporter-name",
        IntakeField::Unit => "unit",
        IntakeField::Phone => "phone",
        IntakeField::Category => "category",
        IntakeField::Location => "location",
        IntakeField::Description => "description",
        IntakeField::ReceivedAt => "received-at",
    }
}

/// Moves the focus to a field, so a keyboard or screen-reader user lands on the problem.
pub(crate) use crate::ui::widgets::focus_by_id as focus;

#[component]
pub fn IntakePage() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    view! {
        <section class="intake" aria-labelledby="view-title">
            <h1 id="view-title">{t!(i18n, intake.title)}</h1>
            <Show when=move || ctx.loaded.get() fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                // Tickets taken before the site has a code are numbered SITE-…: said, not left to be found.
                <Show when=move || ctx.site.with(|s| s.site_code.trim().is_empty())>
                    <p class="notice" data-testid="intake-no-site">
                        {t!(i18n, intake.no_site)}" "
                        <leptos_router::components::A href="/settings">{t!(i18n, intake.no_site_link)}</leptos_router::components::A>
                    </p>
                </Show>
                <IntakeFormView/>
                <RecentTickets/>
            </Show>
        </section>
    }
}

#[component]
fn IntakeFormView() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let kind = RwSignal::new(TicketKind::Repair);
    let reporter_name = RwSignal::new(String::new());
    let unit = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let channel = RwSignal::new(Channel::Phone);
    let category = RwSignal::new(String::new());
    let location = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let received_at = RwSignal::new(String::new());
    let urgency = RwSignal::new(Level::Low);
    let importance = RwSignal::new(Level::Low);
    let photos: AttachedPhotos = RwSignal::new_local(Vec::new());
    let photos_busy = RwSignal::new(false);
    let submitted = RwSignal::new(false);
    let saving = RwSignal::new(false);
    let status = RwSignal::new(None::<String>);

    let form = move || IntakeForm {
        kind: kind.get(),
        reporter_name: reporter_name.get(),
        unit: unit.get(),
        phone: phone.get(),
        channel: channel.get(),
        category: category.get(),
        location: location.get(),
        description: description.get(),
        received_at: received_at.get(),
        urgency: urgency.get(),
        importance: importance.get(),
    };
    let put_back = move |f: IntakeForm| {
        kind.set(f.kind);
        reporter_name.set(f.reporter_name);
        unit.set(f.unit);
        phone.set(f.phone);
        channel.set(f.channel);
        category.set(f.category);
        location.set(f.location);
        description.set(f.description);
        received_at.set(f.received_at);
        urgency.set(f.urgency);
        importance.set(f.importance);
    };
    let draft = DraftKeeper::new("intake", form, &IntakeForm::default(), put_back);
    // The form as a save left it: once the next ticket is typed, "Ticket … saved" belongs to
    // the one before and goes.
    let left_after_save = StoredValue::new(None::<IntakeForm>);
    Effect::new(move |_| {
        let now = form();
        if left_after_save.with_value(|left| left.as_ref().is_some_and(|left| *left != now)) {
            left_after_save.set_value(None);
            status.set(None);
        }
    });

    let offset = crate::platform::utc_offset_minutes();
    let problems = Memo::new(move |_| {
        let cats = ctx.site.with(|s| s.categories.clone());
        form().validate(&cats, offset, Utc::now()).err().unwrap_or_default()
    });
    // Shown after the first submit, then they follow the typing.
    let problem_of = move |field: IntakeField| {
        Signal::derive(move || {
            if !submitted.get() {
                return None;
            }
            problems.with(|ps| ps.iter().find(|(f, _)| *f == field).map(|(_, p)| *p))
        })
    };
    let required = move |field: IntakeField| Signal::derive(move || kind.get().requires(field));
    let asks = move |field: IntakeField| move || kind.get().asks_for(field);

    let preview = move || {
        let p = Priority::from_triage(urgency.get(), importance.get());
        let received = parse_local_datetime(received_at.get().trim(), offset).unwrap_or_else(Utc::now);
        let d = ctx.site.with(|s| s.sla.deadlines(kind.get(), p, received));
        let lang = ctx.lang.get();
        let text = fill(t_string!(i18n, intake.priority_preview), "priority", p.label());
        let text = fill(&text, "respond", &format_datetime(lang, d.respond_by, offset));
        fill(&text, "resolve", &format_datetime(lang, d.resolve_by, offset))
    };

    let on_submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() || photos_busy.get_untracked() {
            return;
        }
        submitted.set(true);
        let site = ctx.site.get_untracked();
        let valid = match form_untracked(&form).validate(&site.categories, offset, Utc::now()) {
            Ok(valid) => valid,
            Err(ps) => {
                status.set(Some(fill(t_string!(i18n, intake.fix_fields), "count", &ps.len().to_string())));
                if let Some((field, _)) = ps.first() {
                    focus(field_id(*field));
                }
                return;
            }
        };
        status.set(None);
        saving.set(true);
        let attached: Vec<_> = photos.get_untracked().into_iter().map(|a| a.photo).collect();
        spawn_local(async move {
            let metas = attached.iter().map(|p| p.meta.clone()).collect();
            let build = move |number| valid.into_ticket(number, &site.sla, offset, metas);
            match save::save_new_ticket(ctx, build, &attached).await {
                Ok(number) => {
                    status.set(Some(fill(t_string!(i18n, intake.saved), "number", &number)));
                    let keep = IntakeForm { kind: kind.get_untracked(), channel: channel.get_untracked(), ..IntakeForm::default() };
                    put_back(keep.clone());
                    photos::clear(photos);
                    submitted.set(false);
                    draft.saved(&keep);
                    left_after_save.set_value(Some(keep));
                }
                // The form keeps everything typed; the notice says what went wrong.
                Err(e) => ctx.storage_error.set(Some(e)),
            }
            saving.set(false);
        });
    };

    let kind_options = move || {
        TicketKind::ALL
            .into_iter()
            .map(|k| {
                let id = format!("kind-{}", k.key());
                view! {
                    <label for=id.clone() class="choice-item">
                        <input type="radio" name="kind" id=id.clone() value=k.key()
                            prop:checked=move || kind.get() == k
                            on:change=move |_| kind.set(k)/>
                        <span class="choice">{move || kind_text(i18n, k)}</span>
                    </label>
                }
            })
            .collect_view()
    };
    let level_choice = move |name: &'static str, signal: RwSignal<Level>| {
        Level::ALL
            .into_iter()
            .map(move |l| {
                let id = format!("{name}-{}", if l == Level::High { "high" } else { "low" });
                view! {
                    <label for=id.clone() class="choice-item">
                        <input type="radio" name=name id=id.clone()
                            prop:checked=move || signal.get() == l
                            on:change=move |_| signal.set(l)/>
                        <span class="choice">{move || level_text(i18n, l)}</span>
                    </label>
                }
            })
            .collect_view()
    };
    let category_problem = problem_of(IntakeField::Category);

    view! {
        <form autocomplete="off" class="card intake-form" on:submit=on_submit novalidate=true data-testid="intake-form">
            <DraftOffer keeper=draft/>
            <fieldset class="choices">
                <legend>{move || t_string!(i18n, intake.kind)}</legend>
                {kind_options}
            </fieldset>
            <div class="field-grid">
                <Show when=asks(IntakeField::ReporterName)>
                    <TextField id="reporter-name" value=reporter_name maxlength=REPORTER_MAX required=required(IntakeField::ReporterName)
                        label=Signal::derive(move || t_string!(i18n, intake.reporter_name).to_string())
                        problem=problem_of(IntakeField::ReporterName)/>
                </Show>
                <Show when=asks(IntakeField::Phone)>
                    <TextField id="phone" value=phone maxlength=PHONE_MAX input_type="tel" inputmode="tel"
                        required=required(IntakeField::Phone)
                        label=Signal::derive(move || t_string!(i18n, intake.phone).to_string())
                        hint=Signal::derive(move || t_string!(i18n, intake.phone_hint).to_string())
                        problem=Signal::derive(move || problem_of(IntakeField::Phone).get())/>
                </Show>
                <TextField id="unit" value=unit maxlength=UNIT_MAX required=required(IntakeField::Unit)
                    label=Signal::derive(move || t_string!(i18n, intake.unit).to_string())
                    hint=Signal::derive(move || t_string!(i18n, intake.unit_hint).to_string())
                    problem=problem_of(IntakeField::Unit)/>
                <EarlierReportsHint unit=unit location=location/>
                <TextField id="location" value=location maxlength=LOCATION_MAX required=required(IntakeField::Location)
                    label=Signal::derive(move || t_string!(i18n, intake.location).to_string())
                    hint=Signal::derive(move || t_string!(i18n, intake.location_hint).to_string())
                    problem=problem_of(IntakeField::Location)/>
                <div class="field" class:field-invalid=move || category_problem.get().is_some()>
                    <label for="category">
                        {move || t_string!(i18n, intake.category)}
                        <span class="field-required">{move || format!(" ({})", t_string!(i18n, intake.required_mark))}</span>
                    </label>
                    <select id="category" aria-required="true"
                        aria-invalid=move || category_problem.get().is_some().then_some("true")
                        aria-describedby=move || category_problem.get().map(|_| "category-error")
                        prop:value=move || category.get()
                        on:change=move |ev| category.set(event_target_value(&ev))>
                        <option value="">{move || t_string!(i18n, intake.choose_category)}</option>
                        {move || {
                            let cats = ctx.site.with(|s| s.categories.clone());
                            cats.iter().filter(|c| c.active).map(|c| {
                                let key = c.key.clone();
                                let selected = category.get_untracked() == key;
                                view! { <option value=key.clone() selected=selected>{category_text(i18n, &cats, &key)}</option> }
                            }).collect_view()
                        }}
                    </select>
                    <p class="field-error" id="category-error" aria-live="polite">
                        {move || category_problem.get().map(|p| problem_text(i18n, p))}
                    </p>
                </div>
                <Show when=move || kind.get() != TicketKind::PatrolIncident>
                    <div class="field">
                        <label for="channel">{move || t_string!(i18n, intake.channel)}</label>
                        <select id="channel" prop:value=move || channel.get().key()
                            on:change=move |ev| if let Some(c) = Channel::from_key(&event_target_value(&ev)) { channel.set(c) }>
                            {Channel::ALL.into_iter().map(|c| view! {
                                <option value=c.key() selected=move || channel.get() == c>{move || channel_text(i18n, c)}</option>
                            }).collect_view()}
                        </select>
                    </div>
                </Show>
                <TextField id="received-at" value=received_at input_type="datetime-local"
                    label=Signal::derive(move || t_string!(i18n, intake.received_at).to_string())
                    hint=Signal::derive(move || t_string!(i18n, intake.received_at_hint).to_string())
                    problem=problem_of(IntakeField::ReceivedAt)/>
            </div>
            <TextField id="description" value=description maxlength=DESCRIPTION_MAX multiline=true
                required=required(IntakeField::Description)
                label=Signal::derive(move || t_string!(i18n, intake.description).to_string())
                problem=problem_of(IntakeField::Description)/>
            <fieldset class="triage">
                <legend>{move || t_string!(i18n, intake.triage)}</legend>
                <div class="choices" role="radiogroup" aria-labelledby="urgency-label">
                    <span id="urgency-label" class="choices-label">{move || t_string!(i18n, intake.urgency)}</span>
                    {level_choice("urgency", urgency)}
                </div>
                <div class="choices" role="radiogroup" aria-labelledby="importance-label">
                    <span id="importance-label" class="choices-label">{move || t_string!(i18n, intake.importance)}</span>
                    {level_choice("importance", importance)}
                </div>
                <p class="priority-preview" data-testid="priority-preview" aria-live="polite">{preview}</p>
            </fieldset>
            <PhotoPicker id="intake-photos" photos=photos busy=photos_busy/>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" prop:disabled=move || saving.get() || photos_busy.get()>
                    {move || if saving.get() { t_string!(i18n, intake.saving) } else { t_string!(i18n, intake.save) }}
                </button>
                <p class="form-status" role="status" data-testid="intake-status">{move || status.get()}</p>
            </div>
        </form>
    }
}

/// The form's current values without subscribing (inside an event handler).
fn form_untracked(form: &impl Fn() -> IntakeForm) -> IntakeForm {
    untrack(form)
}

/// How many tickets the unit (or, without one, the location) being typed already has, and how
/// many of them are not yet resolved: a resident reporting the same leak twice is caught at
/// the desk. Read from the cache's list of that place, so it costs the same with a year of
/// tickets; said politely to a screen reader as it changes.
#[component]
fn EarlierReportsHint(unit: RwSignal<String>, location: RwSignal<String>) -> impl IntoView {
    use crate::domain::places::{earlier_reports, place_typed};
    let i18n = use_i18n();
    let ctx = use_app();
    let earlier = Memo::new(move |_| {
        let place = place_typed(&unit.get(), &location.get())?;
        let reports = ctx.cache.with(|c| earlier_reports(c.at_place(&place).iter().map(|i| i.state.status)));
        (reports.total > 0).then_some(reports)
    });
    view! {
        <p class="hint earlier-reports" role="status" aria-live="polite" data-testid="earlier-reports">
            {move || earlier.get().map(|r| {
                let template = if r.total == 1 { t_string!(i18n, intake.earlier_reports_one) } else { t_string!(i18n, intake.earlier_reports) };
                let text = fill(&fill(template, "total", &r.total.to_string()), "open", &r.open.to_string());
                let href = crate::ui::records::records_href(&unit.get_untracked(), &location.get_untracked());
                view! {
                    {text}" "
                    <leptos_router::components::A href=href>{t!(i18n, records.see_history)}</leptos_router::components::A>
                }
            })}
        </p>
    }
}
