//! Emergency drills (应急预案与演练): plans as checklists, timed runs that survive reload,
//! findings that become tickets, and a printable record.

pub(crate) mod data;
pub mod due;
pub mod editor;
pub mod record;
pub mod run;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

use crate::domain::drill::{adopt_built_in, newer_built_in, DrillPlan, Evaluation, PlanType, RunMode};
use crate::domain::locale::format_datetime;
use crate::domain::record::Record;
use crate::ui::context::use_app;
use crate::ui::i18n::{t, t_string, use_i18n, I18n};
use crate::ui::widgets::fill;

pub fn role_text(i18n: I18n, key: &str) -> String {
    match key {
        "commander" => t_string!(i18n, drill_role.commander),
        "communications" => t_string!(i18n, drill_role.communications),
        "evacuation_guide" => t_string!(i18n, drill_role.evacuation_guide),
        "fire_fighting" => t_string!(i18n, drill_role.fire_fighting),
        "cordon" => t_string!(i18n, drill_role.cordon),
        "first_aid" => t_string!(i18n, drill_role.first_aid),
        "logistics" => t_string!(i18n, drill_role.logistics),
        "engineering" => t_string!(i18n, drill_role.engineering),
        other => return other.to_owned(),
    }
    .to_owned()
}

/// A step's target from the start: minutes, seconds where the plan counts them.
pub fn target_text(i18n: I18n, seconds: u32) -> String {
    let (min, sec) = ((seconds / 60).to_string(), (seconds % 60).to_string());
    match (seconds / 60, seconds % 60) {
        (_, 0) => fill(t_string!(i18n, drills.by_min), "min", &min),
        (0, _) => fill(t_string!(i18n, drills.by_sec), "sec", &sec),
        _ => fill(&fill(t_string!(i18n, drills.by_min_sec), "min", &min), "sec", &sec),
    }
}

pub fn plan_type_text(i18n: I18n, t: PlanType) -> &'static str {
    match t {
        PlanType::Fire => t_string!(i18n, plan_type.fire),
        PlanType::Lift => t_string!(i18n, plan_type.lift),
        PlanType::Flood => t_string!(i18n, plan_type.flood),
        PlanType::Power => t_string!(i18n, plan_type.power),
        PlanType::Gas => t_string!(i18n, plan_type.gas),
        PlanType::Typhoon => t_string!(i18n, plan_type.typhoon),
        PlanType::Security => t_string!(i18n, plan_type.security),
        PlanType::Other => t_string!(i18n, plan_type.other),
    }
}

pub fn evaluation_text(i18n: I18n, e: Evaluation) -> &'static str {
    match e {
        Evaluation::Good => t_string!(i18n, drills.eval_good),
        Evaluation::Acceptable => t_string!(i18n, drills.eval_acceptable),
        Evaluation::NeedsRedrill => t_string!(i18n, drills.eval_needs_redrill),
    }
}

pub fn mode_text(i18n: I18n, m: RunMode) -> &'static str {
    match m {
        RunMode::Drill => t_string!(i18n, drills.mode_drill),
        RunMode::Real => t_string!(i18n, drills.mode_real),
    }
}

#[component]
pub fn DrillsPage() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    // From the live cache: a save, a retire or another tab's run shows without a re-read.
    let plans = Memo::new(move |_| {
        ctx.cache.track();
        data::plans(ctx)
    });
    let runs = Memo::new(move |_| {
        ctx.cache.track();
        data::runs(ctx)
    });
    let show_retired = RwSignal::new(false);
    // Each plan's drill status at this site (runs are few: dozens a year, not thousands).
    let drills_read = crate::ui::live::drills_ready(ctx);
    let due_here = Memo::new(move |_| {
        if !drills_read.get() {
            return std::collections::HashMap::new();
        }
        let (own, rows) = due::due_rows(ctx);
        rows.into_iter().filter(|row| row.site == own).map(|row| (row.plan_id, row.due)).collect::<std::collections::HashMap<_, _>>()
    });
    let adopting = RwSignal::new(false);
    let adopt = move |record: Record, plan: DrillPlan| {
        let Some(newer) = newer_built_in(record.id, &plan) else { return };
        if adopting.get_untracked() {
            return;
        }
        adopting.set(true);
        let adopted = adopt_built_in(&plan, newer);
        spawn_local(async move {
            if let Err(e) = data::save_plan(ctx, Some(record), &adopted).await {
                ctx.storage_error.set(Some(e));
            }
            adopting.set(false);
        });
    };
    // `?plan=<id>` narrows the history to one plan (the plan rows link there).
    let query = leptos_router::hooks::use_query_map();
    let plan_filter = move || query.with(|q| q.get("plan")).and_then(|p| uuid::Uuid::parse_str(&p).ok());
    // Deleting takes two taps on the same button: the first only arms it.
    let armed_delete = RwSignal::new(None::<uuid::Uuid>);
    let delete = move |id: uuid::Uuid| {
        if armed_delete.get_untracked() != Some(id) {
            armed_delete.set(Some(id));
            return;
        }
        armed_delete.set(None);
        spawn_local(async move {
            if let Err(e) = data::delete_plan(ctx, id).await {
                ctx.storage_error.set(Some(e));
            }
        });
    };
    let set_retired = move |record: Record, mut plan: DrillPlan, retired: bool| {
        plan.retired = retired;
        spawn_local(async move {
            if let Err(e) = data::save_plan(ctx, Some(record), &plan).await {
                ctx.storage_error.set(Some(e));
            }
        });
    };

    view! {
        <section class="drills" aria-labelledby="view-title">
            <h1 id="view-title">{t!(i18n, nav.drills)}</h1>
            <section class="card" aria-labelledby="plans-title">
                <div class="section-head">
                    <h2 id="plans-title">{t!(i18n, drills.plans)}</h2>
                    <A href="/drills/plan/new" attr:class="btn btn-primary">{t!(i18n, drills.new_plan)}</A>
                </div>
                <label class="check">
                    <input type="checkbox" prop:checked=move || show_retired.get() on:change=move |ev| show_retired.set(event_target_checked(&ev))/>
                    <span>{t!(i18n, drills.show_retired)}</span>
                </label>
                <ul class="plan-list" data-testid="plan-list">
                    {move || {
                        let lang = ctx.lang.get();
                        plans.get().into_iter().filter(|(_, p)| show_retired.get() || !p.retired).map(|(record, plan)| {
                            let name = plan.name.get(lang).to_owned();
                            let id = record.id;
                            let (r2, p2) = (record.clone(), plan.clone());
                            let retired = plan.retired;
                            let facts = fill(&fill(t_string!(i18n, drills.steps_count), "count", &plan.steps.len().to_string()), "min", &plan.target_min.to_string());
                            let every = fill(t_string!(i18n, drills.interval_meta), "months", &plan.interval().to_string());
                            let due = due_here.with(|d| d.get(&id).copied());
                            let newer = newer_built_in(id, &plan).map(|n| n.builtin_revision);
                            let (r3, p3) = (record.clone(), plan.clone());
                            let (run_count, last) = runs.with(|rs| {
                                let mine: Vec<_> = rs.iter().filter(|(_, r)| r.plan_id == id).collect();
                                (mine.len(), mine.first().map(|(_, r)| crate::domain::locale::format_date(lang, crate::domain::locale::to_local(r.started_at, r.utc_offset_min).date_naive())))
                            });
                            let history = last.map(|date| fill(&fill(t_string!(i18n, drills.runs_count), "count", &run_count.to_string()), "date", &date));
                            view! {
                                <li class="plan-row" data-testid="plan-row" class:retired=retired>
                                    <div class="plan-text">
                                        <p class="plan-name">{name.clone()}{retired.then(|| view! { " " <span class="tag">{t_string!(i18n, drills.retired)}</span> })}</p>
                                        <p class="plan-meta">{plan_type_text(i18n, plan.plan_type)}" · "{facts}" · "{every}</p>
                                        {due.map(|d| view! { <p class="plan-due" data-testid="plan-due" class:due-overdue=d.is_overdue()>{due::due_badge(i18n, lang, d)}</p> })}
                                        {newer.map(|rev| view! {
                                            <p class="plan-meta newer-plan" data-testid="newer-plan">{fill(t_string!(i18n, drills.newer_plan), "rev", &rev.to_string())}" "
                                                <button type="button" class="btn" prop:disabled=move || adopting.get()
                                                    aria-label=fill(t_string!(i18n, drills.adopt), "name", &name)
                                                    on:click=move |_| adopt(r3.clone(), p3.clone())>{t_string!(i18n, drills.adopt_button)}</button>
                                            </p>
                                        })}
                                        {history.map(|h| view! {
                                            <p class="plan-meta"><A href=format!("/drills?plan={id}")>{fill(t_string!(i18n, drills.plan_history), "count", &run_count.to_string())}</A>" · "{h}</p>
                                        })}
                                    </div>
                                    <div class="card-actions">
                                        {(!retired).then(|| view! {
                                            <A href=format!("/drills/start/{id}") attr:class="btn btn-primary"
                                                attr:aria-label=fill(t_string!(i18n, drills.start), "name", &name)>{t_string!(i18n, drills.start_button)}</A>
                                        })}
                                        <A href=format!("/drills/plan/{id}") attr:class="btn"
                                            attr:aria-label=fill(t_string!(i18n, drills.edit), "name", &name)>{t_string!(i18n, drills.edit_button)}</A>
                                        <A href=format!("/drills/plan/new?copy={id}") attr:class="btn"
                                            attr:aria-label=fill(t_string!(i18n, drills.copy), "name", &name)>{t_string!(i18n, drills.copy_button)}</A>
                                        <button type="button" class="btn" class:btn-danger=!retired
                                            aria-label=fill(if retired { t_string!(i18n, drills.restore) } else { t_string!(i18n, drills.retire) }, "name", &name)
                                            on:click=move |_| set_retired(r2.clone(), p2.clone(), !retired)>
                                            {if retired { t_string!(i18n, drills.restore_button) } else { t_string!(i18n, drills.retire_button) }}
                                        </button>
                                        {(run_count == 0 && !crate::domain::drill::built_in_plans().iter().any(|(b, _)| *b == id)).then(|| view! {
                                            <button type="button" class="btn btn-danger" aria-label=fill(t_string!(i18n, drills.delete), "name", &name)
                                                on:click=move |_| delete(id)>
                                                {move || if armed_delete.get() == Some(id) { t_string!(i18n, drills.delete_confirm) } else { t_string!(i18n, drills.delete_button) }}
                                            </button>
                                        })}
                                    </div>
                                </li>
                            }
                        }).collect_view()
                    }}
                </ul>
            </section>
            <section class="card" aria-labelledby="history-title">
                <div class="section-head">
                    <h2 id="history-title">{t!(i18n, drills.history)}
                        {move || plan_filter().and_then(|id| plans.with(|ps| ps.iter().find(|(r, _)| r.id == id).map(|(_, p)| format!(" · {}", p.name.get(ctx.lang.get()))))) }
                    </h2>
                    <Show when=move || plan_filter().is_some()>
                        <A href="/drills" attr:class="btn">{t!(i18n, drills.all_runs)}</A>
                    </Show>
                </div>
                <Show when=move || !runs.with(Vec::is_empty) fallback=move || view! { <p class="empty">{t!(i18n, drills.no_runs)}</p> }>
                    <ul class="run-list" data-testid="run-list">
                        {move || {
                            let lang = ctx.lang.get();
                            let only = plan_filter();
                            runs.get().into_iter().filter(|(_, r)| only.is_none_or(|p| r.plan_id == p)).map(|(record, run)| {
                                let st = run.state(chrono::Utc::now());
                                let label = fill(&fill(t_string!(i18n, drills.run_of), "plan", run.plan.name.get(lang)), "mode", mode_text(i18n, run.mode));
                                view! {
                                    <li class="run-row">
                                        <A href=format!("/drills/run/{}", record.id)>{label}</A>
                                        <span class="plan-meta">" · "{format_datetime(lang, run.started_at, run.utc_offset_min)}" · "{run.location.clone()}
                                            {st.finished.map(|(_, e, _)| format!(" · {}", evaluation_text(i18n, e)))}</span>
                                    </li>
                                }
                            }).collect_view()
                        }}
                    </ul>
                </Show>
            </section>
        </section>
    }
}
