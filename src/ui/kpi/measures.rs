//! Improvement measures (改进措施跟踪, issue 22): the supervisor's table — measure, owner,
//! expected effect, dates, tracked result — with the result worked out from the tickets the
//! measure addresses, before its start and after it. Recorded from a recurring problem on the
//! KPI view (its category and place filled in) or from scratch; printable on A4.

use std::sync::Arc;

use chrono::{Duration, NaiveDate, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use uuid::Uuid;

use crate::app::improvements::{save_measure, MeasureError};
use crate::domain::improvement::{effect, review_overdue, Effect as MeasureResult, EffectKpi, Improvement, MeasurePlace, MeasureStatus, Measured};
use crate::domain::locale::{format_date, format_number, to_local};
use crate::domain::record::Record;
use crate::domain::validation::Problem;
use crate::ui::context::{use_app, AppContext};
use crate::ui::i18n::{t, t_string, use_i18n, I18n};
use crate::ui::widgets::terms::category_text;
use crate::ui::widgets::{fill, problem_text};

/// The link that opens the form for a recurring problem: what it addresses filled in.
pub fn new_measure_href(category: Option<&str>, place: Option<&MeasurePlace>, cause: Option<&str>) -> String {
    let enc = |s: &str| String::from(js_sys::encode_uri_component(s));
    let mut url = "/kpi/measures?new=1".to_owned();
    if let Some(c) = category {
        url.push_str(&format!("&category={}", enc(c)));
    }
    match place {
        Some(MeasurePlace::Unit(u)) => url.push_str(&format!("&unit={}", enc(u))),
        Some(MeasurePlace::Location(l)) => url.push_str(&format!("&location={}", enc(l))),
        Some(MeasurePlace::Building(b)) => url.push_str(&format!("&building={}", enc(b))),
        None => {}
    }
    if let Some(c) = cause {
        url.push_str(&format!("&cause={}", enc(c)));
    }
    url
}

pub fn kpi_text(i18n: I18n, kpi: EffectKpi) -> &'static str {
    match kpi {
        EffectKpi::Tickets => t_string!(i18n, measures.kpi_tickets),
        EffectKpi::Satisfaction => t_string!(i18n, measures.kpi_satisfaction),
        EffectKpi::Response => t_string!(i18n, measures.kpi_response),
        EffectKpi::ComplaintsInTime => t_string!(i18n, measures.kpi_complaints),
        EffectKpi::Completion => t_string!(i18n, measures.kpi_completion),
        EffectKpi::Reopened => t_string!(i18n, measures.kpi_reopened),
    }
}

pub fn status_text(i18n: I18n, status: MeasureStatus) -> &'static str {
    match status {
        MeasureStatus::Planned => t_string!(i18n, measures.status_planned),
        MeasureStatus::InProgress => t_string!(i18n, measures.status_in_progress),
        MeasureStatus::Done => t_string!(i18n, measures.status_done),
        MeasureStatus::Dropped => t_string!(i18n, measures.status_dropped),
    }
}

/// A figure of the measure's KPI as shown: a count, or a percentage; "—" for nothing to count.
pub fn figure(i18n: I18n, kpi: EffectKpi, value: Option<f64>) -> String {
    match value {
        None => t_string!(i18n, kpi.none).to_owned(),
        Some(v) if kpi.is_percent() => format!("{} %", format_number(v, 1)),
        Some(v) => format_number(v, 0),
    }
}

fn change_text(i18n: I18n, kpi: EffectKpi, change: Option<f64>) -> String {
    match change {
        None => t_string!(i18n, kpi.none).to_owned(),
        Some(c) => {
            let sign = if c > 0.0 { "+" } else if c < 0.0 { "−" } else { "±" };
            let abs = if kpi.is_percent() { format!("{} pp", format_number(c.abs(), 1)) } else { format_number(c.abs(), 0) };
            format!("{sign}{abs}")
        }
    }
}

/// What a measure addresses, in words.
pub fn addresses_text(i18n: I18n, ctx: AppContext, m: &Improvement) -> String {
    let cats = ctx.site.with_untracked(|s| s.categories.clone());
    let mut parts = Vec::new();
    if let Some(c) = m.category.as_deref().filter(|c| !c.is_empty()) {
        parts.push(category_text(i18n, &cats, c).to_string());
    }
    match &m.place {
        Some(MeasurePlace::Unit(u)) => parts.push(fill(t_string!(i18n, measures.at_unit), "place", u)),
        Some(MeasurePlace::Location(l)) => parts.push(fill(t_string!(i18n, measures.at_location), "place", l)),
        Some(MeasurePlace::Building(b)) => parts.push(fill(t_string!(i18n, measures.at_building), "place", b)),
        None => {}
    }
    if let Some(c) = m.cause.as_deref().filter(|c| !c.is_empty()) {
        parts.push(fill(t_string!(i18n, measures.with_cause), "cause", c));
    }
    parts.join(" · ")
}

/// Two bars, before and after, to the same scale (the target marked as a line).
fn before_after_chart(i18n: I18n, kpi: EffectKpi, target: f64, m: &Measured) -> impl IntoView {
    let top = [m.value_before.unwrap_or(0.0), m.value_after.unwrap_or(0.0), target, if kpi.is_percent() { 100.0 } else { 1.0 }]
        .into_iter()
        .fold(0.0_f64, f64::max);
    let (w, h) = (160.0, 64.0);
    let bar = |v: Option<f64>| v.map(|v| (v / top * (h - 16.0)).max(1.0)).unwrap_or(0.0);
    let (b, a) = (bar(m.value_before), bar(m.value_after));
    let target_y = h - 14.0 - target / top * (h - 16.0);
    let label = fill(
        &fill(&fill(t_string!(i18n, measures.chart_label), "before", &figure(i18n, kpi, m.value_before)), "after", &figure(i18n, kpi, m.value_after)),
        "target",
        &figure(i18n, kpi, Some(target)),
    );
    view! {
        <svg class="measure-chart" viewBox=format!("0 0 {w} {h}") width=w height=h role="img" aria-label=label>
            <rect x="20" y=h - 14.0 - b width="40" height=b class="bar-before"/>
            <rect x="90" y=h - 14.0 - a width="40" height=a class="bar-after"/>
            <line x1="10" x2="150" y1=target_y y2=target_y class="target-line"/>
            <text x="40" y=h - 2.0 text-anchor="middle">{t_string!(i18n, measures.before)}</text>
            <text x="110" y=h - 2.0 text-anchor="middle">{t_string!(i18n, measures.after)}</text>
        </svg>
    }
}

/// The form's fields as typed.
#[derive(Clone, Default)]
struct Form {
    id: Option<Uuid>,
    measure: String,
    owner: String,
    category: String,
    place_kind: String,
    place: String,
    cause: String,
    kpi: String,
    target: String,
    start: String,
    review: String,
    status: String,
    notes: String,
}

impl Form {
    fn blank(today: NaiveDate) -> Form {
        Form {
            kpi: EffectKpi::Tickets.key().into(),
            start: today.to_string(),
            // A quarter: the team review's rhythm.
            review: (today + Duration::days(90)).to_string(),
            status: MeasureStatus::InProgress.key().into(),
            ..Form::default()
        }
    }

    fn of(id: Uuid, m: &Improvement) -> Form {
        let (place_kind, place) = match &m.place {
            Some(MeasurePlace::Unit(p)) => ("unit", p.clone()),
            Some(MeasurePlace::Location(p)) => ("location", p.clone()),
            Some(MeasurePlace::Building(p)) => ("building", p.clone()),
            None => ("", String::new()),
        };
        Form {
            id: Some(id),
            measure: m.measure.clone(),
            owner: m.owner.map(|o| o.to_string()).unwrap_or_default(),
            category: m.category.clone().unwrap_or_default(),
            place_kind: place_kind.into(),
            place,
            cause: m.cause.clone().unwrap_or_default(),
            kpi: m.kpi.key().into(),
            target: format_number(m.target, if m.target.fract() == 0.0 { 0 } else { 1 }),
            start: m.start.to_string(),
            review: m.review.to_string(),
            status: m.status.key().into(),
            notes: m.notes.clone(),
        }
    }

    /// The measure typed, or the fields that do not read.
    fn read(&self) -> Result<Improvement, Vec<(&'static str, Problem)>> {
        let mut bad = Vec::new();
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let target = self.target.trim().replace(',', ".").parse::<f64>().ok();
        if target.is_none() {
            bad.push(("target", if self.target.trim().is_empty() { Problem::Required } else { Problem::InvalidFormat }));
        }
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let (start, review) = (date(&self.start), date(&self.review));
        if start.is_none() {
            bad.push(("start", Problem::Required));
        }
        if review.is_none() {
            bad.push(("review", Problem::Required));
        }
        let place = text(&self.place).and_then(|p| match self.place_kind.as_str() {
            "unit" => Some(MeasurePlace::Unit(p)),
            "location" => Some(MeasurePlace::Location(p)),
            "building" => Some(MeasurePlace::Building(p)),
            _ => None,
        });
        let m = Improvement {
            measure: self.measure.trim().to_owned(),
            owner: Uuid::parse_str(&self.owner).ok(),
            category: text(&self.category),
            place,
            cause: text(&self.cause),
            kpi: EffectKpi::from_key(&self.kpi).unwrap_or(EffectKpi::Tickets),
            target: target.unwrap_or(0.0),
            start: start.unwrap_or_default(),
            review: review.unwrap_or_default(),
            status: MeasureStatus::from_key(&self.status).unwrap_or(MeasureStatus::InProgress),
            notes: self.notes.trim().to_owned(),
        };
        let mut found = crate::domain::improvement::problems(&m);
        found.retain(|(f, _)| !bad.iter().any(|(b, _)| b == f));
        bad.extend(found);
        if bad.is_empty() { Ok(m) } else { Err(bad) }
    }
}

#[component]
pub fn MeasuresPage() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let query = use_query_map();
    let navigate = StoredValue::new_local(use_navigate());
    let offset = crate::platform::utc_offset_minutes();
    let today = move || to_local(Utc::now(), offset).date_naive();
    let (items, loaded) = crate::ui::live::use_tickets(ctx);
    let measures = Memo::new(move |_| ctx.cache.with(|c| c.measures()));
    let form = RwSignal::new(None::<Form>);
    let problems = RwSignal::new(Vec::<(&'static str, Problem)>::new());
    let saving = RwSignal::new(false);
    let status = RwSignal::new(String::new());

    // Opened from a recurring problem (`new=1` with what it addresses) or a row's Edit.
    Effect::new(move |_| {
        let q = query.get();
        if q.get("new").is_some() {
            let mut f = Form::blank(today());
            f.category = q.get("category").unwrap_or_default();
            for kind in ["unit", "location", "building"] {
                if let Some(p) = q.get(kind) {
                    f.place_kind = kind.into();
                    f.place = p;
                }
            }
            f.cause = q.get("cause").unwrap_or_default();
            form.set(Some(f));
        }
    });

    let results = Memo::new(move |_| {
        let now = Utc::now();
        let targets = ctx.site.with(|s| s.targets);
        let list = measures.get();
        items.with(|all| {
            let tickets: Vec<_> = all.iter().map(|i| (i.id, &i.ticket, &i.state)).collect();
            list.iter().map(|m| (m.clone(), effect(&m.1, &tickets, now, offset, &targets))).collect::<Vec<(Arc<(Record, Improvement)>, MeasureResult)>>()
        })
    });

    let set = move |f: fn(&mut Form, String), v: String| form.update(|x| if let Some(x) = x { f(x, v) });
    let field = move |f: fn(&Form) -> String| form.with(|x| x.as_ref().map(f).unwrap_or_default());
    let problem = move |name: &'static str| {
        problems.with(|ps| {
            ps.iter().find(|(f, _)| *f == name).map(|(_, p)| match p {
                // A target may be a fraction (92.5 %): not the shared "whole number" wording.
                Problem::OutOfRange { min, max } if name == "target" => fill(&fill(t_string!(i18n, measures.target_range), "min", &min.to_string()), "max", &max.to_string()),
                p => problem_text(i18n, *p),
            })
        })
    };

    let save = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let Some(f) = form.get_untracked() else { return };
        let measure = match f.read() {
            Ok(m) => m,
            Err(found) => {
                problems.set(found);
                return;
            }
        };
        problems.set(Vec::new());
        saving.set(true);
        spawn_local(async move {
            let outcome = match ctx.store() {
                Ok(store) => save_measure(&store, &ctx, ctx.who(), f.id, &measure).await,
                Err(e) => Err(MeasureError::Store(e)),
            };
            match outcome {
                Ok((_, changed)) => {
                    crate::ui::live::commit(ctx, &changed);
                    form.set(None);
                    status.set(fill(t_string!(i18n, measures.saved), "measure", &measure.measure));
                    navigate.with_value(|n| n("/kpi/measures", NavigateOptions { replace: true, scroll: false, ..Default::default() }));
                }
                Err(MeasureError::Invalid(found)) => problems.set(found),
                Err(MeasureError::Store(e)) => ctx.storage_error.set(Some(e)),
            }
            saving.set(false);
        });
    };

    // A text field of the form, `measure-<name>`, with its problem (named as the domain names it).
    let text_input = move |name: &'static str, label: &'static str, get: fn(&Form) -> String, put: fn(&mut Form, String), max: usize| {
        let id = format!("measure-{name}");
        let hint = format!("{id}-problem");
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input id=id type="text" autocomplete="off" maxlength=max.to_string() aria-describedby=hint.clone()
                    aria-invalid=move || problem(name).map(|_| "true")
                    prop:value=move || field(get) on:input=move |ev| set(put, event_target_value(&ev))/>
                <p class="field-error" id=hint>{move || problem(name)}</p>
            </div>
        }
    };

    let form_view = move || {
        form.get().is_some().then(|| {
            let _ = ctx.lang.get();
            let roster = ctx.site.with(|s| s.roster.iter().filter(|m| m.active).cloned().collect::<Vec<_>>());
            let cats = ctx.site.with(|s| s.categories.clone());
            let editing = field(|f| f.id.map(|_| "1".to_owned()).unwrap_or_default()) == "1";
            view! {
                <form autocomplete="off" class="card measure-form no-print" novalidate=true data-testid="measure-form" on:submit=save>
                    <h2>{if editing { t_string!(i18n, measures.edit_title) } else { t_string!(i18n, measures.new_title) }}</h2>
                    {text_input("measure", t_string!(i18n, measures.measure), |f| f.measure.clone(), |f, v| f.measure = v, crate::domain::improvement::MEASURE_MAX)}
                    <div class="field">
                        <label for="measure-owner">{t_string!(i18n, measures.owner)}</label>
                        <select id="measure-owner" on:change=move |ev| set(|f, v| f.owner = v, event_target_value(&ev))>
                            <option value="" selected=move || field(|f| f.owner.clone()).is_empty()>{t_string!(i18n, kpi.none)}</option>
                            {roster.into_iter().map(|m| {
                                let id = m.id.to_string();
                                let id2 = id.clone();
                                view! { <option value=id selected=move || field(|f| f.owner.clone()) == id2>{m.name}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <fieldset class="stack">
                        <legend>{t_string!(i18n, measures.addresses)}</legend>
                        <p class="field-error" role="alert">{move || problem("addresses")}</p>
                        <div class="field">
                            <label for="measure-category">{t_string!(i18n, analysis.category)}</label>
                            <select id="measure-category" on:change=move |ev| set(|f, v| f.category = v, event_target_value(&ev))>
                                <option value="" selected=move || field(|f| f.category.clone()).is_empty()>{t_string!(i18n, measures.any_category)}</option>
                                {cats.iter().map(|c| {
                                    let key = c.key.clone();
                                    let k2 = key.clone();
                                    view! { <option value=key selected=move || field(|f| f.category.clone()) == k2>{category_text(i18n, &cats, &c.key)}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="measure-place-kind">{t_string!(i18n, measures.place_kind)}</label>
                            <select id="measure-place-kind" on:change=move |ev| set(|f, v| f.place_kind = v, event_target_value(&ev))>
                                {[("", t_string!(i18n, measures.no_place)), ("unit", t_string!(i18n, measures.unit)), ("location", t_string!(i18n, measures.location)), ("building", t_string!(i18n, measures.building))]
                                    .into_iter()
                                    .map(|(k, text)| view! { <option value=k selected=move || field(|f| f.place_kind.clone()) == k>{text}</option> })
                                    .collect_view()}
                            </select>
                        </div>
                        {text_input("place", t_string!(i18n, measures.place), |f| f.place.clone(), |f, v| f.place = v, crate::domain::improvement::PLACE_MAX)}
                        {text_input("cause", t_string!(i18n, measures.cause), |f| f.cause.clone(), |f, v| f.cause = v, crate::domain::improvement::CAUSE_MAX)}
                    </fieldset>
                    <div class="field">
                        <label for="measure-kpi">{t_string!(i18n, measures.kpi)}</label>
                        <select id="measure-kpi" on:change=move |ev| set(|f, v| f.kpi = v, event_target_value(&ev))>
                            {EffectKpi::ALL.into_iter().map(|k| view! { <option value=k.key() selected=move || field(|f| f.kpi.clone()) == k.key()>{kpi_text(i18n, k)}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="measure-target">{t_string!(i18n, measures.target)}</label>
                        <p class="field-hint" id="measure-target-hint">{t_string!(i18n, measures.target_hint)}</p>
                        <input id="measure-target" type="text" inputmode="decimal" autocomplete="off" maxlength="8" aria-describedby="measure-target-hint measure-target-problem"
                            aria-invalid=move || problem("target").map(|_| "true")
                            prop:value=move || field(|f| f.target.clone()) on:input=move |ev| set(|f, v| f.target = v, event_target_value(&ev))/>
                        <p class="field-error" id="measure-target-problem">{move || problem("target")}</p>
                    </div>
                    <div class="field">
                        <label for="measure-start">{t_string!(i18n, measures.start)}</label>
                        <input id="measure-start" type="date" prop:value=move || field(|f| f.start.clone()) on:input=move |ev| set(|f, v| f.start = v, event_target_value(&ev))/>
                        <p class="field-error">{move || problem("start")}</p>
                    </div>
                    <div class="field">
                        <label for="measure-review">{t_string!(i18n, measures.review)}</label>
                        <input id="measure-review" type="date" aria-describedby="measure-review-problem" prop:value=move || field(|f| f.review.clone()) on:input=move |ev| set(|f, v| f.review = v, event_target_value(&ev))/>
                        <p class="field-error" id="measure-review-problem">{move || problem("review").map(|p| format!("{} {}", t_string!(i18n, measures.review_after_start), p))}</p>
                    </div>
                    <div class="field">
                        <label for="measure-status">{t_string!(i18n, measures.status)}</label>
                        <select id="measure-status" on:change=move |ev| set(|f, v| f.status = v, event_target_value(&ev))>
                            {MeasureStatus::ALL.into_iter().map(|s| view! { <option value=s.key() selected=move || field(|f| f.status.clone()) == s.key()>{status_text(i18n, s)}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="measure-notes">{t_string!(i18n, measures.notes)}</label>
                        <textarea id="measure-notes" rows="3" maxlength=crate::domain::improvement::NOTES_MAX
                            prop:value=move || field(|f| f.notes.clone()) on:input=move |ev| set(|f, v| f.notes = v, event_target_value(&ev))></textarea>
                        <p class="field-error">{move || problem("notes")}</p>
                    </div>
                    <div class="form-actions">
                        <button type="submit" class="btn btn-primary" prop:disabled=move || saving.get()>{t_string!(i18n, measures.save)}</button>
                        <button type="button" class="btn" on:click=move |_| {
                            form.set(None);
                            problems.set(Vec::new());
                            navigate.with_value(|n| n("/kpi/measures", NavigateOptions { replace: true, scroll: false, ..Default::default() }));
                        }>{t_string!(i18n, measures.cancel)}</button>
                    </div>
                </form>
            }
        })
    };

    let row = move |m: Arc<(Record, Improvement)>, result: MeasureResult| {
        let (record, measure) = (&m.0, &m.1);
        let lang = ctx.lang.get();
        let owner = measure.owner.and_then(|o| ctx.site.with(|s| s.staff(o).map(|p| p.name.clone()))).unwrap_or_else(|| t_string!(i18n, kpi.none).to_owned());
        let expected = format!("{} {} {}", kpi_text(i18n, measure.kpi), if measure.kpi.lower_is_better() { "≤" } else { "≥" }, figure(i18n, measure.kpi, Some(measure.target)));
        let dates = format!("{} – {}", format_date(lang, measure.start), format_date(lang, measure.review));
        let overdue = review_overdue(measure, today());
        let result_view = match result {
            MeasureResult::NotStarted => view! { <p data-testid="measure-not-started">{fill(t_string!(i18n, measures.not_started), "date", &format_date(lang, measure.start))}</p> }.into_any(),
            MeasureResult::Measured(x) => {
                let from = to_local(x.before.from, offset).date_naive();
                let until = to_local(x.after.to - Duration::seconds(1), offset).date_naive();
                let met = match x.met {
                    Some(true) => t_string!(i18n, measures.met),
                    Some(false) => t_string!(i18n, measures.not_met),
                    None => t_string!(i18n, kpi.none),
                };
                view! {
                    {before_after_chart(i18n, measure.kpi, measure.target, &x)}
                    <table class="measure-result">
                        <tbody>
                            <tr><th scope="row">{fill(&fill(t_string!(i18n, measures.before_window), "from", &format_date(lang, from)), "n", &x.tickets_before.to_string())}</th>
                                <td data-testid="measure-before">{figure(i18n, measure.kpi, x.value_before)}</td></tr>
                            <tr><th scope="row">{fill(&fill(t_string!(i18n, measures.after_window), "to", &format_date(lang, until)), "n", &x.tickets_after.to_string())}</th>
                                <td data-testid="measure-after">{figure(i18n, measure.kpi, x.value_after)}</td></tr>
                            <tr><th scope="row">{t_string!(i18n, measures.change)}</th><td data-testid="measure-change">{change_text(i18n, measure.kpi, x.change)}</td></tr>
                            <tr><th scope="row">{t_string!(i18n, measures.target_met)}</th><td data-testid="measure-met">{met}</td></tr>
                        </tbody>
                    </table>
                }.into_any()
            }
        };
        let id = record.id;
        let edit_label = fill(t_string!(i18n, measures.edit_for), "measure", &measure.measure);
        let measure_for_edit = measure.clone();
        view! {
            <tr data-testid="measure-row">
                <th scope="row">{measure.measure.clone()}
                    {(!measure.notes.is_empty()).then(|| view! { <p class="field-hint" data-testid="measure-notes">{measure.notes.clone()}</p> })}</th>
                <td>{owner}</td>
                <td>{addresses_text(i18n, ctx, measure)}</td>
                <td data-testid="measure-expected">{expected}</td>
                <td>{dates}{overdue.then(|| view! { <span class="badge badge-warn" data-testid="measure-overdue">{t_string!(i18n, measures.review_overdue)}</span> })}</td>
                <td data-testid="measure-status">{status_text(i18n, measure.status)}</td>
                <td class="measure-result-cell">{result_view}</td>
                <td class="no-print">
                    <Show when=move || ctx.may_administer()>
                        <button type="button" class="btn" aria-label=edit_label.clone() on:click={
                            let m = measure_for_edit.clone();
                            move |_| {
                                problems.set(Vec::new());
                                form.set(Some(Form::of(id, &m)));
                                crate::ui::widgets::focus_by_id("measure-measure");
                            }
                        }>{t_string!(i18n, measures.edit)}</button>
                    </Show>
                </td>
            </tr>
        }
    };

    view! {
        <section class="measures" aria-labelledby="view-title">
            <h1 id="view-title">{t!(i18n, measures.title)}</h1>
            <p class="no-print"><A href="/kpi">{t!(i18n, log.back)}</A></p>
            <p class="field-hint">{t!(i18n, measures.hint)}</p>
            <div class="log-controls no-print">
                <Show when=move || ctx.may_administer() && form.with(Option::is_none)>
                    <button type="button" class="btn btn-primary" data-testid="measure-new" on:click=move |_| form.set(Some(Form::blank(today())))>{t!(i18n, measures.new)}</button>
                </Show>
                <button type="button" class="btn" on:click=move |_| crate::platform::print()>{t!(i18n, measures.print)}</button>
            </div>
            <Show when=move || !ctx.may_administer()>
                <p class="notice no-print" data-testid="measure-read-only">{t!(i18n, measures.supervisor_only)}</p>
            </Show>
            <p class="saved-note" role="status" data-testid="measure-status-line">{move || status.get()}</p>
            <Show when=move || ctx.may_administer()>{form_view}</Show>
            <Show when=move || loaded.get() fallback=move || view! { <p>{t!(i18n, board.loading)}</p> }>
                {move || {
                    let _ = ctx.lang.get();
                    let list = results.get();
                    if list.is_empty() {
                        return view! { <p data-testid="measures-none">{t_string!(i18n, measures.none)}</p> }.into_any();
                    }
                    view! {
                        <div class="table-scroll" tabindex="0" role="group" aria-labelledby="view-title">
                            <table class="kpi-table measures-table" data-testid="measures">
                                <thead><tr>
                                    <th scope="col">{t_string!(i18n, measures.measure)}</th>
                                    <th scope="col">{t_string!(i18n, measures.owner)}</th>
                                    <th scope="col">{t_string!(i18n, measures.addresses)}</th>
                                    <th scope="col">{t_string!(i18n, measures.expected)}</th>
                                    <th scope="col">{t_string!(i18n, measures.dates)}</th>
                                    <th scope="col">{t_string!(i18n, measures.status)}</th>
                                    <th scope="col">{t_string!(i18n, measures.result)}</th>
                                    <th scope="col" class="no-print"><span class="visually-hidden">{t_string!(i18n, measures.edit)}</span></th>
                                </tr></thead>
                                <tbody>{list.into_iter().map(|(m, e)| row(m, e)).collect_view()}</tbody>
                            </table>
                        </div>
                    }.into_any()
                }}
            </Show>
        </section>
    }
}
