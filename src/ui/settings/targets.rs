//! KPI targets (工作标准): the standard each figure on the KPI view is graded against.
//! Companies set different ones, so they are the site's settings.

use leptos::prelude::*;

use crate::domain::settings::TargetField;
use crate::domain::validation::Problem;
use crate::ui::context::use_app;
use crate::ui::i18n::{t, t_string, use_i18n, I18n};
use crate::ui::settings::save_section;
use crate::ui::widgets::problem_text;

pub fn target_label(i18n: I18n, f: TargetField) -> &'static str {
    match f {
        TargetField::SatisfactionPct => t_string!(i18n, targets.satisfaction_pct),
        TargetField::ComplaintsInTimePct => t_string!(i18n, targets.complaints_in_time_pct),
        TargetField::ComplaintHours => t_string!(i18n, targets.complaint_hours),
        TargetField::ResponseHours => t_string!(i18n, targets.response_hours),
        TargetField::ResponsePct => t_string!(i18n, targets.response_pct),
        TargetField::CompletionPct => t_string!(i18n, targets.completion_pct),
        TargetField::PerDay => t_string!(i18n, targets.per_day),
        TargetField::ComplaintsPerMonth => t_string!(i18n, targets.complaints_per_month),
        TargetField::RepeatDays => t_string!(i18n, targets.repeat_days),
        TargetField::RetentionMonths => t_string!(i18n, targets.retention_months),
        TargetField::AccuracyPct => t_string!(i18n, targets.accuracy_pct),
    }
}

#[component]
pub fn TargetsSection() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let initial = ctx.site.get_untracked().targets;
    // Text per field, so a half-typed number stays as typed until saved.
    let cells: Vec<(TargetField, RwSignal<String>)> =
        TargetField::ALL.into_iter().map(|f| (f, RwSignal::new(f.get(&initial).to_string()))).collect();
    let problems = RwSignal::new(Vec::<(TargetField, Problem)>::new());
    let status = RwSignal::new(None::<&'static str>);
    let saving = RwSignal::new(false);

    let cells_for_submit = cells.clone();
    let on_submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        status.set(None);
        let mut site = ctx.site.get_untracked();
        let found: Vec<(TargetField, Problem)> = cells_for_submit
            .iter()
            .filter_map(|(f, text)| f.set(&mut site.targets, &text.get_untracked()).err().map(|p| (*f, p)))
            .collect();
        if let Some((first, _)) = found.first() {
            crate::ui::widgets::focus_by_id(&format!("target-{}", first.key()));
            problems.set(found);
            return;
        }
        problems.set(Vec::new());
        save_section(ctx, site, saving, status, t_string!(i18n, targets.saved));
    };
    let message_for = move |f: TargetField| problems.with(|ps| ps.iter().find(|(g, _)| *g == f).map(|(_, p)| problem_text(i18n, *p)));

    view! {
        <section class="card" aria-labelledby="targets-title">
            <h2 id="targets-title">{t!(i18n, targets.title)}</h2>
            <p class="field-hint">{t!(i18n, targets.hint)}</p>
            <form autocomplete="off" on:submit=on_submit novalidate=true data-testid="targets-form" class="targets-form">
                {cells.into_iter().map(|(f, text)| {
                    let id = format!("target-{}", f.key());
                    let error_id = format!("{id}-error");
                    let (min, max) = f.range();
                    view! {
                        <div class="field">
                            <label for=id.clone()>{move || target_label(i18n, f)}</label>
                            <input type="number" inputmode="numeric" id=id min=min max=max
                                aria-invalid=move || message_for(f).is_some().then_some("true")
                                aria-describedby=error_id.clone()
                                prop:value=move || text.get()
                                on:input=move |ev| text.set(event_target_value(&ev))/>
                            <p class="field-error" id=error_id aria-live="polite">{move || message_for(f)}</p>
                        </div>
                    }
                }).collect_view()}
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" prop:disabled=move || saving.get()>{t!(i18n, targets.save)}</button>
                    <span class="saved-note" role="status">{move || status.get()}</span>
                </div>
            </form>
        </section>
    }
}
