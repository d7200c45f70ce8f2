//! The quick patrol report (巡查速报): from any view, one button opens a form that saves a
//! patrol finding in three taps — open, category, save — plus the photo. Location starts as
//! the last one used; details are added later (the ticket is marked so).

use chrono::Utc;
use leptos::html::Dialog;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::domain::ticket::{IntakeField, QuickReport, Ticket, DESCRIPTION_MAX, LOCATION_MAX};
use crate::platform::prefs;
use crate::ui::context::use_app;
use crate::ui::i18n::{t_string, use_i18n};
use crate::ui::intake::photos::{self, AttachedPhotos, PhotoPicker};
use crate::ui::intake::save::save_new_ticket;
use crate::ui::widgets::draft::{DraftKeeper, DraftOffer};
use crate::ui::widgets::terms::category_text;
use crate::ui::widgets::{fill, problem_text, TextField};

#[component]
pub fn QuickReportButton() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let dialog = NodeRef::<Dialog>::new();
    let category = RwSignal::new(String::new());
    let location = RwSignal::new(prefs::last_patrol_location());
    let note = RwSignal::new(String::new());
    let photos: AttachedPhotos = RwSignal::new_local(Vec::new());
    let photos_busy = RwSignal::new(false);
    let saving = RwSignal::new(false);
    let problem = RwSignal::new(None::<crate::domain::validation::Problem>);
    let confirmation = RwSignal::new(None::<String>);

    let report = move || QuickReport { category: category.get(), location: location.get(), note: note.get() };
    let pristine = QuickReport { location: location.get_untracked(), ..QuickReport::default() };
    let draft = DraftKeeper::new("quick-report", report, &pristine, move |r: QuickReport| {
        category.set(r.category);
        location.set(r.location);
        note.set(r.note);
    });

    let open = move |_| {
        confirmation.set(None);
        if let Some(d) = dialog.get() {
            let _ = d.show_modal();
        }
    };
    let close = move || {
        if let Some(d) = dialog.get() {
            d.close();
        }
    };

    let save = move |_| {
        if saving.get_untracked() || photos_busy.get_untracked() {
            return;
        }
        let cats = ctx.site.with_untracked(|s| s.categories.clone());
        let form = match untrack(report).validate(&cats) {
            Ok(form) => form,
            Err(ps) => {
                problem.set(ps.first().map(|(_, p)| *p));
                if matches!(ps.first(), Some((IntakeField::Category, _))) {
                    crate::ui::intake::focus("quick-category-group");
                }
                return;
            }
        };
        problem.set(None);
        saving.set(true);
        let attached: Vec<_> = photos.get_untracked().into_iter().map(|a| a.photo).collect();
        let sla = ctx.site.with_untracked(|s| s.sla.clone());
        let offset = crate::platform::utc_offset_minutes();
        spawn_local(async move {
            let metas = attached.iter().map(|p| p.meta.clone()).collect();
            let place = form.location.clone();
            let build = move |number| Ticket::from_quick(form, number, &sla, Utc::now(), offset, metas);
            match save_new_ticket(ctx, build, &attached).await {
                Ok(number) => {
                    crate::ui::shell::remember(ctx, prefs::store_patrol_location(&place));
                    confirmation.set(Some(fill(t_string!(i18n, quick.saved), "number", &number)));
                    category.set(String::new());
                    note.set(String::new());
                    photos::clear(photos);
                    draft.saved(&QuickReport { location: place, ..QuickReport::default() });
                    close();
                }
                Err(e) => ctx.storage_error.set(Some(e)),
            }
            saving.set(false);
        });
    };

    let chips = move || {
        let cats = ctx.site.with(|s| s.categories.clone());
        cats.iter()
            .filter(|c| c.active)
            .map(|c| {
                let key = c.key.clone();
                let id = format!("quick-cat-{key}");
                let name = category_text(i18n, &cats, &key);
                let k1 = key.clone();
                view! {
                    <label for=id.clone() class="choice-item">
                        <input type="radio" name="quick-category" id=id.clone()
                            prop:checked=move || category.get() == k1
                            on:change=move |_| category.set(key.clone())/>
                        <span class="choice">{name}</span>
                    </label>
                }
            })
            .collect_view()
    };

    view! {
        <button type="button" class="btn btn-primary quick-open" on:click=open data-testid="quick-open">
            {move || t_string!(i18n, quick.open)}
        </button>
        <p class="quick-confirmation" role="status" data-testid="quick-confirmation">{move || confirmation.get()}</p>
        <dialog node_ref=dialog class="quick-dialog" aria-labelledby="quick-title">
            // A form only so the browser keeps no copy of the note in its session file; Enter
            // in the location does not save a report half-filled.
            <form autocomplete="off" on:submit=|ev: web_sys::SubmitEvent| ev.prevent_default()>
            <h2 id="quick-title">{move || t_string!(i18n, quick.title)}</h2>
            <DraftOffer keeper=draft/>
            <fieldset class="choices quick-categories" id="quick-category-group" tabindex="-1"
                aria-describedby="quick-problem">
                <legend>{move || t_string!(i18n, quick.category)}</legend>
                {chips}
            </fieldset>
            <p class="field-error" id="quick-problem" aria-live="polite">{move || problem.get().map(|p| problem_text(i18n, p))}</p>
            <TextField id="quick-location" value=location maxlength=LOCATION_MAX
                label=Signal::derive(move || t_string!(i18n, quick.location).to_string())
                problem=Signal::derive(|| None)/>
            <PhotoPicker id="quick-photos" photos=photos busy=photos_busy/>
            <TextField id="quick-note" value=note maxlength=DESCRIPTION_MAX multiline=true
                label=Signal::derive(move || t_string!(i18n, quick.note).to_string())
                problem=Signal::derive(|| None)/>
            <div class="form-actions">
                <button type="button" class="btn btn-primary" on:click=save prop:disabled=move || saving.get() || photos_busy.get()>
                    {move || t_string!(i18n, quick.save)}
                </button>
                <button type="button" class="btn" on:click=move |_| close()>{move || t_string!(i18n, quick.cancel)}</button>
            </div>
            </form>
        </dialog>
    }
}
