//! Which drills are due, in words: beside each plan on the Drills view, and per site on the
//! KPI view (head office reads every site it has runs from).

use leptos::prelude::*;

use crate::domain::drill::schedule::{drills_due, Due, DueRow};
use crate::domain::locale::{format_date, to_local, Lang};
use crate::ui::context::use_app;
use crate::ui::i18n::{t_string, use_i18n, I18n};
use crate::ui::widgets::fill;

/// A plan's drill status in words (colour only repeats it).
pub fn due_badge(i18n: I18n, lang: Lang, due: Due) -> String {
    let date = |d| format_date(lang, d);
    match due {
        Due::Never => t_string!(i18n, drills.due_never).to_owned(),
        Due::Overdue { last, due } => fill(&fill(t_string!(i18n, drills.due_overdue), "date", &date(due)), "last", &date(last)),
        Due::Soon { last, due } => fill(&fill(t_string!(i18n, drills.due_soon), "date", &date(due)), "last", &date(last)),
        Due::Later { due, .. } => fill(t_string!(i18n, drills.due_later), "date", &date(due)),
    }
}

/// The KPI view's table: every plan at every site, overdue ones first within a site.
/// This tablet's site code, and every plan at every site known here with its drill status
/// today (from the cache, tracked: runs are dozens a year, not thousands).
pub fn due_rows(ctx: crate::ui::context::AppContext) -> (String, Vec<DueRow>) {
    let own = ctx.site.with(|s| s.site_code.clone());
    let today = to_local(chrono::Utc::now(), crate::platform::utc_offset_minutes()).date_naive();
    let rows = ctx.cache.with(|c| {
        let plans = c.plans();
        let runs = c.runs();
        let plan_refs: Vec<_> = plans.iter().map(|p| (p.0.id, &p.1)).collect();
        let run_refs: Vec<_> = runs.iter().map(|r| &r.1).collect();
        drills_due(&plan_refs, &run_refs, &own, today)
    });
    (own, rows)
}

#[component]
pub fn DrillsDue() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    // Until the runs are read every plan would look never drilled.
    let ready = crate::ui::live::drills_ready(ctx);
    let rows = Memo::new(move |_| {
        let (own, mut rows) = due_rows(ctx);
        // Stable: sites keep their order, overdue first within each.
        rows.sort_by_key(|r| (r.site != own, r.site.clone(), !r.due.is_overdue(), !matches!(r.due, Due::Soon { .. })));
        rows
    });
    view! {
        <Show when=move || ready.get()>
        <section class="card" aria-labelledby="due-title" data-testid="drills-due">
            <h2 id="due-title">{move || t_string!(i18n, drills.due_title)}</h2>
            <p>{move || rows.with(|rs| {
                let overdue = rs.iter().filter(|r| r.due.is_overdue()).count();
                let soon = rs.iter().filter(|r| matches!(r.due, Due::Soon { .. })).count();
                fill(&fill(t_string!(i18n, drills.due_summary), "overdue", &overdue.to_string()), "soon", &soon.to_string())
            })}</p>
            <table class="kpi-table">
                    <thead><tr>
                        <th scope="col">{move || t_string!(i18n, kpi.site)}</th>
                        <th scope="col">{move || t_string!(i18n, drills.due_plan)}</th>
                        <th scope="col">{move || t_string!(i18n, drills.due_every)}</th>
                        <th scope="col">{move || t_string!(i18n, drills.due_status)}</th>
                    </tr></thead>
                    <tbody>
                        {move || {
                            let lang = ctx.lang.get();
                            rows.get().into_iter().map(|row| {
                                let site = if row.site.is_empty() { t_string!(i18n, drills.own_site).to_owned() } else { row.site.clone() };
                                view! {
                                    <tr data-testid="due-row" class:due-overdue=row.due.is_overdue()>
                                        <td>{site}</td>
                                        <th scope="row">{row.name.get(lang).to_owned()}</th>
                                        <td>{fill(t_string!(i18n, drills.months), "months", &row.interval_months.to_string())}</td>
                                        <td>{due_badge(i18n, lang, row.due)}</td>
                                    </tr>
                                }
                            }).collect_view()
                        }}
                    </tbody>
            </table>
        </section>
        </Show>
    }
}
