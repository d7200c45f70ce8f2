//! KPIs (绩效指标): the supervisor's targets computed from the stored records for a period —
//! figure cards graded against the site's targets, charts with their numbers as tables,
//! breakdowns and the analysis table (客户关系数据分析表), every figure opening the board
//! filtered to the tickets behind it — and the daily work log (see [`log`]).

mod analysis;
mod charts;
mod head_office;
mod recurring;
pub mod measures;
pub mod review;
pub mod log;


use chrono::{Duration, NaiveDate, Utc};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::domain::drill::DrillRun;
use crate::domain::kpi::{board_link, compute, grade, Grade, Group, GroupStats, Kpis, PeriodKind, Rate, Scope};
use crate::domain::locale::{format_number, to_local};
use crate::domain::settings::KpiTargets;
use crate::ui::context::{use_app, AppContext};
use crate::ui::i18n::{t, t_string, use_i18n, I18n};
use crate::ui::settings::department_text;
use crate::ui::widgets::fill;
use crate::ui::widgets::terms::{category_text, kind_text};
use charts::{BarChart, ColumnChart};

fn grade_text(i18n: I18n, g: Grade) -> &'static str {
    match g {
        Grade::Excellent => t_string!(i18n, kpi.grade_excellent),
        Grade::Good => t_string!(i18n, kpi.grade_good),
        Grade::Fair => t_string!(i18n, kpi.grade_fair),
        Grade::NeedsImprovement => t_string!(i18n, kpi.grade_needs),
    }
}

/// The drill runs from the live cache, newest first (the KPI view and the daily log).
pub(crate) fn use_runs(ctx: AppContext) -> Memo<Vec<DrillRun>> {
    Memo::new(move |_| ctx.cache.with(|c| c.runs().iter().map(|r| r.1.clone()).collect()))
}

/// Today's local date on this device.
pub(crate) fn local_today() -> NaiveDate {
    to_local(Utc::now(), crate::platform::utc_offset_minutes()).date_naive()
}

/// One KPI card's content.
struct Card {
    title: &'static str,
    value: String,
    detail: String,
    grade: Option<Grade>,
    link: Option<String>,
}

fn percent_text(i18n: I18n, rate: Rate) -> String {
    rate.percent().map(|p| format!("{} %", format_number(p, 1))).unwrap_or_else(|| t_string!(i18n, kpi.none).to_owned())
}

fn rate_card(i18n: I18n, title: &'static str, rate: Rate, target: u32, link: Option<String>) -> Card {
    let of = fill(&fill(t_string!(i18n, kpi.of), "hits", &rate.hits.to_string()), "of", &rate.of.to_string());
    let detail = format!("{of} · {}", fill(t_string!(i18n, kpi.target_min), "target", &format!("{target} %")));
    Card { title, value: percent_text(i18n, rate), detail, grade: rate.percent().map(grade), link }
}

fn cards(i18n: I18n, k: &Kpis, t: &KpiTargets, scope: &Scope) -> Vec<Card> {
    let link = |group| board_link(scope.period, scope.offset_min, group);
    let complaints = link(Some(&Group::Kind(crate::domain::ticket::TicketKind::Complaint)));
    let hours = |text: &str, h: Option<f64>| match h {
        Some(h) => fill(text, "hours", &format_number(h, 1)),
        None => String::new(),
    };
    let complaint_detail = [hours(t_string!(i18n, kpi.mean_hours), k.complaint_hours_mean), hours(t_string!(i18n, kpi.p90_hours), k.complaint_hours_p90)]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    let mut in_time = rate_card(i18n, t_string!(i18n, kpi.complaints_in_time), k.complaints_48h, t.complaints_in_time_pct, complaints.clone());
    in_time.detail = format!("{} · {}", fill(t_string!(i18n, kpi.within_hours), "hours", &t.complaint_hours.to_string()), in_time.detail);
    let mut response = rate_card(i18n, t_string!(i18n, kpi.response_in_time), k.response_24h, t.response_pct, link(None));
    response.detail = format!("{} · {}", fill(t_string!(i18n, kpi.within_hours), "hours", &t.response_hours.to_string()), response.detail);
    let mut satisfaction = rate_card(i18n, t_string!(i18n, kpi.satisfaction), k.satisfaction, t.satisfaction_pct, None);
    if let Some(score) = k.mean_score {
        satisfaction.detail = format!("{} · {}", satisfaction.detail, fill(t_string!(i18n, kpi.mean_score), "score", &format_number(score, 2)));
    }
    vec![
        satisfaction,
        in_time,
        Card {
            title: t_string!(i18n, kpi.complaint_time),
            // One unit style per language: "2.2 h" in English, "2.2 小时" in Chinese, as in the detail.
            value: k.complaint_hours_mean.map(|h| fill(t_string!(i18n, kpi.hours_value), "hours", &format_number(h, 1))).unwrap_or_else(|| t_string!(i18n, kpi.none).to_owned()),
            detail: [complaint_detail, fill(t_string!(i18n, kpi.target_max), "target", &fill(t_string!(i18n, kpi.hours_value), "hours", &t.complaint_hours.to_string()))].join(" · "),
            grade: None,
            link: complaints.clone(),
        },
        response,
        rate_card(i18n, t_string!(i18n, kpi.completion), k.completion, t.completion_pct, link(None)),
        Card {
            title: t_string!(i18n, kpi.per_day),
            value: format_number(k.per_day, 1),
            detail: format!("{} · {}", fill(t_string!(i18n, kpi.received_total), "count", &k.received.to_string()), fill(t_string!(i18n, kpi.target_min), "target", &t.per_day.to_string())),
            grade: None,
            link: link(None),
        },
        Card {
            title: t_string!(i18n, kpi.complaints),
            value: k.complaints.to_string(),
            detail: fill(t_string!(i18n, kpi.target_per_month), "target", &t.complaints_per_month.to_string()),
            grade: None,
            link: complaints,
        },
        Card { title: t_string!(i18n, kpi.overdue), value: k.overdue_now.to_string(), detail: String::new(), grade: None, link: Some("/board?overdue=1".into()) },
        Card {
            title: t_string!(i18n, kpi.reopened),
            value: percent_text(i18n, k.reopened),
            detail: fill(&fill(t_string!(i18n, kpi.of), "hits", &k.reopened.hits.to_string()), "of", &k.reopened.of.to_string()),
            grade: None,
            link: link(None),
        },
    ]
}

/// A breakdown table: one row per group with a bar, the group's name opening the board.
fn breakdown(i18n: I18n, title: String, test_id: &'static str, rows: Vec<(String, GroupStats, Option<String>)>) -> impl IntoView {
    let max = rows.iter().map(|(_, g, _)| g.received).max().unwrap_or(1).max(1);
    let (label, heading, scroll_label) = (title.clone(), title.clone(), title.clone());
    view! {
        <section class="card kpi-breakdown" aria-label=label data-testid=test_id>
            <h2>{heading}</h2>
            // Scrolls sideways inside the card on a phone's width rather than widening the page.
            <div class="table-scroll" tabindex="0" role="group" aria-label=scroll_label>
            <table class="kpi-table">
                <thead><tr>
                    <th scope="col">{title}</th>
                    <th scope="col">{t_string!(i18n, kpi.received)}</th>
                    <th scope="col">{t_string!(i18n, kpi.completed)}</th>
                    <th scope="col">{t_string!(i18n, kpi.overdue_col)}</th>
                    <th scope="col"><span class="visually-hidden">{t_string!(i18n, kpi.bar)}</span></th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|(name, g, href)| {
                        let width = g.received as f64 * 100.0 / max as f64;
                        let name_cell = match href {
                            Some(href) => view! { <A href=href attr:title=t_string!(i18n, kpi.show_tickets)>{name}</A> }.into_any(),
                            None => view! { <span>{name}</span> }.into_any(),
                        };
                        view! {
                            <tr data-testid="kpi-row">
                                <th scope="row">{name_cell}</th>
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
            </div>
        </section>
    }
}

#[component]
pub fn KpiPage() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let choice = RwSignal::new(PeriodKind::default());
    let today = local_today();
    let custom_from = RwSignal::new((today - Duration::days(6)).to_string());
    let custom_to = RwSignal::new(today.to_string());
    let (items, loaded) = crate::ui::live::use_tickets(ctx);
    let runs = use_runs(ctx);
    let offset = crate::platform::utc_offset_minutes();
    let scope = Memo::new(move |_| {
        let now = Utc::now();
        let parse = |s: RwSignal<String>| s.get().parse::<NaiveDate>().ok().unwrap_or(today);
        let picked = match choice.get() {
            PeriodKind::Custom => PeriodKind::Custom.choice(parse(custom_from), parse(custom_to)),
            kind => kind.choice(today, today),
        };
        Scope { period: picked.period(now, offset), now, offset_min: offset }
    });
    // Data accuracy needs each ticket's corrections, which the other figures do not.
    let accuracy = Memo::new(move |_| {
        let period = scope.get().period;
        items.with(|all| {
            let tickets: Vec<_> = all.iter().map(|i| (i.id, &i.ticket, &i.state, i.edits.as_slice())).collect();
            crate::domain::kpi::data_accuracy(&tickets, period).0
        })
    });
    let kpis = Memo::new(move |_| {
        let scope = scope.get();
        let targets = ctx.site.with(|s| s.targets);
        items.with(|all| {
            let tickets: Vec<_> = all.iter().map(|i| (i.id, &i.ticket, &i.state)).collect();
            runs.with(|rs| compute(&tickets, &rs.iter().collect::<Vec<_>>(), &scope, &targets))
        })
    });

    let period_label = move |kind: PeriodKind| match kind {
        PeriodKind::Today => t_string!(i18n, kpi.today),
        PeriodKind::Week => t_string!(i18n, kpi.week),
        PeriodKind::Month => t_string!(i18n, kpi.month),
        PeriodKind::Last30 => t_string!(i18n, kpi.last30),
        PeriodKind::Custom => t_string!(i18n, kpi.custom),
    };

    view! {
        <section class="kpi" aria-labelledby="view-title">
            <h1 id="view-title">{t!(i18n, nav.kpi)}</h1>
            <p class="no-print"><A href="/kpi/log" attr:class="btn">{t!(i18n, log.open)}</A>" "<A href="/kpi/review" attr:class="btn">{t!(i18n, review.open)}</A>" "<A href="/kpi/measures" attr:class="btn">{t!(i18n, measures.open)}</A></p>
            <fieldset class="choices">
                <legend>{t!(i18n, kpi.period)}</legend>
                {PeriodKind::ALL.into_iter().map(|kind| {
                    let id = format!("period-{}", kind.key());
                    view! {
                        <label for=id.clone() class="choice-item">
                            <input type="radio" name="period" id=id.clone() prop:checked=move || choice.get() == kind on:change=move |_| choice.set(kind)/>
                            <span class="choice">{move || period_label(kind)}</span>
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <Show when=move || choice.get() == PeriodKind::Custom>
                <div class="custom-range">
                    <label for="period-from">{t!(i18n, kpi.from)}</label>
                    <input type="date" id="period-from" prop:value=move || custom_from.get() on:change=move |ev| custom_from.set(event_target_value(&ev))/>
                    <label for="period-to">{t!(i18n, kpi.to)}</label>
                    <input type="date" id="period-to" prop:value=move || custom_to.get() on:change=move |ev| custom_to.set(event_target_value(&ev))/>
                </div>
            </Show>
            <p class="kpi-period" data-testid="kpi-period">{move || {
                let (first, last) = scope.get().period.local_dates(offset);
                let lang = ctx.lang.get();
                fill(&fill(t_string!(i18n, kpi.period_range), "from", &crate::domain::locale::format_date(lang, first)), "to", &crate::domain::locale::format_date(lang, last))
            }}</p>
            <Show when=move || loaded.get() fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                <div class="kpi-cards" data-testid="kpi-cards">
                    {move || {
                        let _ = ctx.lang.get();
                        let targets = ctx.site.with(|s| s.targets);
                        let mut list = cards(i18n, &kpis.get(), &targets, &scope.get());
                        list.push(rate_card(i18n, t_string!(i18n, kpi.accuracy), accuracy.get(), targets.accuracy_pct, None));
                        list
                    }.into_iter().map(|c| {
                        let body = view! {
                            <p class="kpi-title">{c.title}</p>
                            <p class="kpi-value">{c.value}</p>
                            <p class="kpi-detail">{c.detail}</p>
                            {c.grade.map(|g| view! { <p class=format!("kpi-grade grade-{g:?}")>{grade_text(i18n, g)}</p> })}
                        };
                        match c.link {
                            Some(href) => view! { <A href=href attr:class="kpi-card" attr:data-testid="kpi-card">{body}</A> }.into_any(),
                            None => view! { <div class="kpi-card" data-testid="kpi-card">{body}</div> }.into_any(),
                        }
                    }).collect_view()}
                </div>
                {move || charts_view(i18n, ctx, &kpis.get(), &scope.get())}
                {move || sites_view(i18n, ctx, items, &scope.get())}
                <crate::ui::drills::due::DrillsDue/>
                {move || breakdowns_view(i18n, ctx, &kpis.get(), &scope.get())}
                <analysis::AnalysisSection items=items scope=scope/>
                <recurring::RecurringSection items=items scope=scope/>
                <head_office::HeadOfficeCard scope=scope/>
            </Show>
        </section>
    }
}

fn charts_view(i18n: I18n, ctx: AppContext, k: &Kpis, scope: &Scope) -> impl IntoView {
    let lang = ctx.lang.get();
    let targets = ctx.site.with(|s| s.targets);
    let note = t_string!(i18n, kpi.table_note).to_owned();
    let day_label = |d: NaiveDate| d.format("%m-%d").to_string();
    let volume: Vec<(String, Option<f64>)> = k.trend.iter().map(|p| (day_label(p.day), Some(p.received as f64))).collect();
    let completion: Vec<(String, Option<f64>)> =
        k.trend.iter().map(|p| (day_label(p.day), Rate { hits: p.completed, of: p.received }.percent())).collect();
    let trend_rows = k.trend.clone();
    let scores: Vec<(String, f64, Option<f64>)> =
        (1..=5).rev().map(|s| (fill(t_string!(i18n, kpi.score_n), "score", &s.to_string()), k.score_counts[s - 1] as f64, None)).collect();
    let score_rows = scores.clone();
    let drills: Vec<(String, f64, Option<f64>, usize, usize)> = k
        .drills
        .values()
        .map(|d| (d.name.get(lang).to_owned(), d.mean_minutes.unwrap_or(0.0), Some(f64::from(d.target_min)), d.runs, d.steps_late))
        .collect();
    let drill_bars: Vec<(String, f64, Option<f64>)> = drills.iter().map(|(n, m, t, _, _)| (n.clone(), *m, *t)).collect();
    let none = t_string!(i18n, kpi.none);
    let _ = scope;
    let open_findings = k.open_findings;
    view! {
        <section class="kpi-charts" aria-label=t_string!(i18n, kpi.charts)>
            <ColumnChart title=t_string!(i18n, kpi.trend_volume).to_owned() points=volume
                target=Some((f64::from(targets.per_day), fill(t_string!(i18n, kpi.target_min), "target", &targets.per_day.to_string())))
                table_note=note.clone()>
                <table class="kpi-table compact" data-testid="trend-table">
                    <thead><tr>
                        <th scope="col">{t_string!(i18n, kpi.day)}</th>
                        <th scope="col">{t_string!(i18n, kpi.received)}</th>
                        <th scope="col">{t_string!(i18n, kpi.completed)}</th>
                        <th scope="col">{t_string!(i18n, kpi.completion)}</th>
                        <th scope="col">{t_string!(i18n, kpi.visits)}</th>
                    </tr></thead>
                    <tbody>
                        {trend_rows.into_iter().map(|p| {
                            let rate = Rate { hits: p.completed, of: p.received }.percent().map(|v| format!("{} %", format_number(v, 1))).unwrap_or_else(|| none.to_owned());
                            let visits = fill(&fill(t_string!(i18n, kpi.of), "hits", &p.visits.hits.to_string()), "of", &p.visits.of.to_string());
                            view! { <tr><th scope="row">{crate::domain::locale::format_date(lang, p.day)}</th><td>{p.received}</td><td>{p.completed}</td><td>{rate}</td><td>{visits}</td></tr> }
                        }).collect_view()}
                    </tbody>
                </table>
            </ColumnChart>
            <ColumnChart title=t_string!(i18n, kpi.trend_completion).to_owned() points=completion unit=" %"
                target=Some((f64::from(targets.completion_pct), fill(t_string!(i18n, kpi.target_min), "target", &format!("{} %", targets.completion_pct))))
                table_note=t_string!(i18n, kpi.table_note_above).to_owned()>
                <p class="field-hint">{t_string!(i18n, kpi.trend_completion_hint)}</p>
            </ColumnChart>
            <BarChart title=t_string!(i18n, kpi.score_distribution).to_owned() rows=scores table_note=note.clone()>
                <table class="kpi-table compact" data-testid="score-table">
                    <thead><tr><th scope="col">{t_string!(i18n, kpi.score)}</th><th scope="col">{t_string!(i18n, kpi.visits)}</th></tr></thead>
                    <tbody>
                        {score_rows.into_iter().map(|(label, count, _)| view! { <tr><th scope="row">{label}</th><td>{count as usize}</td></tr> }).collect_view()}
                    </tbody>
                </table>
            </BarChart>
            <BarChart title=t_string!(i18n, kpi.drill_durations).to_owned() rows=drill_bars unit=" min" table_note=note>
                <table class="kpi-table compact" data-testid="drill-table">
                    <thead><tr>
                        <th scope="col">{t_string!(i18n, kpi.drills)}</th>
                        <th scope="col">{t_string!(i18n, kpi.runs)}</th>
                        <th scope="col">{t_string!(i18n, kpi.mean_duration)}</th>
                        <th scope="col">{t_string!(i18n, kpi.target_col)}</th>
                        <th scope="col">{t_string!(i18n, kpi.late_steps)}</th>
                    </tr></thead>
                    <tbody>
                        {drills.into_iter().map(|(name, mean, target, runs, late)| view! {
                            <tr><th scope="row">{name}</th><td>{runs}</td><td>{format_number(mean, 1)}</td><td>{target.map(|t| t as u32)}</td><td>{late}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <p class="kpi-findings" data-testid="open-findings">{fill(t_string!(i18n, kpi.open_findings), "count", &open_findings.to_string())}</p>
            </BarChart>
        </section>
    }
}

/// Head office: each site's figures side by side (shown once tickets of two sites are here).
fn sites_view(i18n: I18n, ctx: AppContext, items: Signal<Vec<std::sync::Arc<crate::ui::board::data::BoardItem>>>, scope: &Scope) -> impl IntoView {
    let targets = ctx.site.with(|s| s.targets);
    let _ = ctx.lang.get();
    let sites = items.with(|all| {
        let tickets: Vec<_> = all.iter().map(|i| (i.id, &i.ticket, &i.state)).collect();
        crate::domain::kpi::per_site(&tickets, scope, &targets)
    });
    let (from, to) = scope.period.local_dates(scope.offset_min);
    (sites.len() > 1).then(|| view! {
        <section class="card" aria-labelledby="sites-title" data-testid="by-site">
            <h2 id="sites-title">{t_string!(i18n, kpi.by_site)}</h2>
            <div class="table-scroll" tabindex="0" role="group" aria-labelledby="sites-title">
            <table class="kpi-table">
                <thead><tr>
                    <th scope="col">{t_string!(i18n, kpi.site)}</th>
                    <th scope="col">{t_string!(i18n, kpi.received)}</th>
                    <th scope="col">{t_string!(i18n, kpi.satisfaction)}</th>
                    <th scope="col">{t_string!(i18n, kpi.completion)}</th>
                    <th scope="col">{t_string!(i18n, kpi.response_in_time)}</th>
                    <th scope="col">{t_string!(i18n, kpi.complaints)}</th>
                    <th scope="col">{t_string!(i18n, kpi.overdue)}</th>
                </tr></thead>
                <tbody>
                    {sites.into_iter().map(|(site, k)| {
                        let href = format!("/board?from={from}&to={to}&q={site}-");
                        view! {
                            <tr data-testid="site-row">
                                <th scope="row"><A href=href attr:title=t_string!(i18n, kpi.show_tickets)>{site}</A></th>
                                <td>{k.received}</td>
                                <td>{percent_text(i18n, k.satisfaction)}</td>
                                <td>{percent_text(i18n, k.completion)}</td>
                                <td>{percent_text(i18n, k.response_24h)}</td>
                                <td>{k.complaints}</td>
                                <td>{k.overdue_now}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        </section>
    })
}

fn breakdowns_view(i18n: I18n, ctx: AppContext, k: &Kpis, scope: &Scope) -> impl IntoView {
    let cats = ctx.site.with(|s| s.categories.clone());
    let roster = ctx.site.with(|s| s.roster.clone());
    let _ = ctx.lang.get();
    let rows = |groups: Vec<(Group, String, GroupStats)>| {
        let mut v: Vec<_> = groups.into_iter().map(|(group, name, g)| (name, g, board_link(scope.period, scope.offset_min, Some(&group)))).collect();
        v.sort_by(|a, b| b.1.received.cmp(&a.1.received).then_with(|| a.0.cmp(&b.0)));
        v
    };
    let by_cat = rows(k.by_category.iter().map(|(c, g)| (Group::Category(c.clone()), category_text(i18n, &cats, c), *g)).collect());
    let by_dept = rows(k.by_department.iter().map(|(d, g)| {
        let name = d.map(|d| department_text(i18n, d)).unwrap_or_else(|| t_string!(i18n, kpi.unassigned)).to_owned();
        (Group::Department(*d), name, *g)
    }).collect());
    let by_kind = rows(k.by_kind.iter().map(|(kind, g)| (Group::Kind(*kind), kind_text(i18n, *kind).to_owned(), *g)).collect());
    // P1 first, as the triage reads, not by size.
    let by_priority: Vec<_> = k.by_priority.iter().map(|(p, g)| (p.label().to_owned(), *g, board_link(scope.period, scope.offset_min, Some(&Group::Priority(*p))))).collect();
    let by_assignee = rows(k.by_assignee.iter().map(|(a, g)| {
        let name = match a {
            None => t_string!(i18n, kpi.nobody).to_owned(),
            Some(id) => roster.iter().find(|m| m.id == *id).map(|m| m.name.clone()).unwrap_or_else(|| t_string!(i18n, kpi.former_staff).to_owned()),
        };
        (Group::Assignee(*a), name, *g)
    }).collect());
    view! {
        <div class="kpi-breakdowns">
            {breakdown(i18n, t_string!(i18n, kpi.by_category).to_owned(), "by-category", by_cat)}
            {breakdown(i18n, t_string!(i18n, kpi.by_department).to_owned(), "by-department", by_dept)}
            {breakdown(i18n, t_string!(i18n, kpi.by_kind).to_owned(), "by-kind", by_kind)}
            {breakdown(i18n, t_string!(i18n, kpi.by_priority).to_owned(), "by-priority", by_priority)}
            {breakdown(i18n, t_string!(i18n, kpi.by_assignee).to_owned(), "by-assignee", by_assignee)}
        </div>
    }
}
