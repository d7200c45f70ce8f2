//! KPIs (绩效指标): the supervisor's targets computed from the stored records for a period,
//! each figure with its target and grade, and breakdowns whose rows open the board filtered
//! to the tickets behind them. (Charts over time, the analysis table and the daily log are
//! still to come.)

use std::collections::BTreeMap;

use chrono::Utc;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

use crate::domain::drill::DrillRun;
use crate::domain::kpi::{compute, grade, Grade, GroupStats, Kpis, PeriodChoice, Rate};
use crate::domain::locale::format_number;
use crate::domain::settings::Department;
use crate::ui::board::use_board_items;
use crate::ui::context::use_app;
use crate::ui::i18n::{t, t_string, use_i18n, I18n};
use crate::ui::settings::department_text;
use crate::ui::widgets::fill;
use crate::ui::widgets::terms::category_text;

fn grade_text(i18n: I18n, g: Grade) -> &'static str {
    match g {
        Grade::Excellent => t_string!(i18n, kpi.grade_excellent),
        Grade::Good => t_string!(i18n, kpi.grade_good),
        Grade::Fair => t_string!(i18n, kpi.grade_fair),
        Grade::NeedsImprovement => t_string!(i18n, kpi.grade_needs),
    }
}

/// One KPI card's content: (title, value, detail line, grade, board link).
type Card = (&'static str, String, String, Option<Grade>, Option<String>);

fn rate_card(i18n: I18n, title: &'static str, rate: Rate, target: f64, link: Option<String>) -> Card {
    let value = rate.percent().map(|p| format!("{} %", format_number(p, 1))).unwrap_or_else(|| t_string!(i18n, kpi.none).to_owned());
    let of = fill(&fill(t_string!(i18n, kpi.of), "hits", &rate.hits.to_string()), "of", &rate.of.to_string());
    let detail = format!("{of} · {}", fill(t_string!(i18n, kpi.target_min), "target", &format!("{} %", format_number(target, 0))));
    (title, value, detail, rate.percent().map(grade), link)
}

fn cards(i18n: I18n, k: &Kpis) -> Vec<Card> {
    vec![
        rate_card(i18n, t_string!(i18n, kpi.satisfaction), k.satisfaction, 95.0, None),
        rate_card(i18n, t_string!(i18n, kpi.complaints_48h), k.complaints_48h, 100.0, Some("/board?kind=complaint".into())),
        rate_card(i18n, t_string!(i18n, kpi.response_24h), k.response_24h, 100.0, None),
        rate_card(i18n, t_string!(i18n, kpi.completion), k.completion, 95.0, None),
        (
            t_string!(i18n, kpi.per_day),
            format_number(k.per_day, 1),
            fill(t_string!(i18n, kpi.target_min), "target", "30"),
            None,
            None,
        ),
        (
            t_string!(i18n, kpi.complaints),
            k.complaints.to_string(),
            fill(t_string!(i18n, kpi.target_max), "target", "10"),
            None,
            Some("/board?kind=complaint".into()),
        ),
        (t_string!(i18n, kpi.overdue), k.overdue_now.to_string(), String::new(), None, Some("/board?overdue=1".into())),
        rate_card(i18n, t_string!(i18n, kpi.reopened), k.reopened, 0.0, None),
    ]
}

#[component]
pub fn KpiPage() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let choice = RwSignal::new(PeriodChoice::Month);
    let (items, loaded) = use_board_items();
    let runs = RwSignal::new(Vec::<DrillRun>::new());
    Effect::new(move |_| {
        ctx.records_version.track();
        if !ctx.loaded.get() {
            return;
        }
        spawn_local(async move {
            match crate::ui::drills::data::load_runs(ctx).await {
                Ok(list) => runs.set(list.into_iter().map(|(_, r)| r).collect()),
                Err(e) => ctx.storage_error.set(Some(e)),
            }
        });
    });
    let kpis = Memo::new(move |_| {
        let now = Utc::now();
        let period = choice.get().period(now, crate::platform::utc_offset_minutes());
        items.with(|all| {
            let tickets: Vec<_> = all.iter().map(|i| (i.record.id, &i.ticket, &i.state)).collect();
            runs.with(|rs| compute(&tickets, &rs.iter().collect::<Vec<_>>(), period, now))
        })
    });

    let breakdown = move |title: &'static str, rows: Vec<(String, String, GroupStats)>, param: &'static str| {
        let max = rows.iter().map(|(_, _, g)| g.received).max().unwrap_or(1).max(1);
        view! {
            <section class="card" aria-label=title>
                <h2>{title}</h2>
                <table class="kpi-table">
                    <thead><tr>
                        <th scope="col">{title}</th>
                        <th scope="col">{t_string!(i18n, kpi.received)}</th>
                        <th scope="col">{t_string!(i18n, kpi.completed)}</th>
                        <th scope="col">{t_string!(i18n, kpi.overdue_col)}</th>
                        <th scope="col" aria-hidden="true"></th>
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|(key, name, g)| {
                            let href = if key.is_empty() { "/board".to_owned() } else { format!("/board?{param}={key}") };
                            let width = g.received as f64 * 100.0 / max as f64;
                            view! {
                                <tr data-testid="kpi-row">
                                    <th scope="row"><A href=href attr:title=t_string!(i18n, kpi.show_tickets)>{name}</A></th>
                                    <td>{g.received}</td>
                                    <td>{g.completed}</td>
                                    <td>{g.overdue}</td>
                                    // The bar repeats the count beside it: decorative for screen readers.
                                    <td class="bar-cell" aria-hidden="true">
                                        <svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" width="100%" height="16">
                                            <rect x="0" y="0" width=format!("{width:.1}") height="10"></rect>
                                        </svg>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        }
    };

    view! {
        <section class="kpi" aria-labelledby="view-title">
            <h1 id="view-title">{t!(i18n, nav.kpi)}</h1>
            <fieldset class="choices">
                <legend>{t!(i18n, kpi.period)}</legend>
                {PeriodChoice::ALL.into_iter().map(|p| {
                    let id = format!("period-{}", p.key());
                    let label = move || match p {
                        PeriodChoice::Today => t_string!(i18n, kpi.today),
                        PeriodChoice::Week => t_string!(i18n, kpi.week),
                        PeriodChoice::Month => t_string!(i18n, kpi.month),
                        PeriodChoice::Last30 => t_string!(i18n, kpi.last30),
                    };
                    view! {
                        <input type="radio" name="period" id=id.clone() prop:checked=move || choice.get() == p on:change=move |_| choice.set(p)/>
                        <label for=id class="choice">{label}</label>
                    }
                }).collect_view()}
            </fieldset>
            <Show when=move || loaded.get() fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                <div class="kpi-cards" data-testid="kpi-cards">
                    {move || { let _ = ctx.lang.get(); cards(i18n, &kpis.get()) }.into_iter().map(|(title, value, detail, g, link)| {
                        let body = view! {
                            <p class="kpi-title">{title}</p>
                            <p class="kpi-value">{value}</p>
                            <p class="kpi-detail">{detail}</p>
                            {g.map(|g| view! { <p class=format!("kpi-grade grade-{g:?}")>{grade_text(i18n, g)}</p> })}
                        };
                        match link {
                            Some(href) => view! { <A href=href attr:class="kpi-card" attr:data-testid="kpi-card">{body}</A> }.into_any(),
                            None => view! { <div class="kpi-card" data-testid="kpi-card">{body}</div> }.into_any(),
                        }
                    }).collect_view()}
                </div>
                {move || {
                    let k = kpis.get();
                    let cats = ctx.site.with(|s| s.categories.clone());
                    let _ = ctx.lang.get();
                    let rows = |m: &BTreeMap<String, GroupStats>, name: &dyn Fn(&str) -> String| {
                        let mut v: Vec<_> = m.iter().map(|(k, g)| (k.clone(), name(k), *g)).collect();
                        v.sort_by(|a, b| b.2.received.cmp(&a.2.received));
                        v
                    };
                    let by_cat = rows(&k.by_category, &|key| category_text(i18n, &cats, key));
                    let by_dept = rows(&k.by_department, &|key| Department::from_key(key)
                        .map(|d| department_text(i18n, d).to_owned())
                        .unwrap_or_else(|| t_string!(i18n, kpi.unassigned).to_owned()));
                    view! {
                        {breakdown(t_string!(i18n, kpi.by_category), by_cat, "category")}
                        {breakdown(t_string!(i18n, kpi.by_department), by_dept, "department")}
                        <p class="kpi-findings" data-testid="open-findings">{fill(t_string!(i18n, kpi.open_findings), "count", &k.open_findings.to_string())}</p>
                    }
                }}
            </Show>
        </section>
    }
}
