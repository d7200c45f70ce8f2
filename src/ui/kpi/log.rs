//! The daily work log (工作日志): what one person (or the whole team) did on one day —
//! tickets received, handled, resolved, overdue, drills run, problems still open — ready to
//! print on A4. The day and the person are in the address, so a log can be bookmarked.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use uuid::Uuid;

use crate::domain::kpi::daily_log;
use crate::domain::locale::{format_date, format_datetime};
use crate::ui::board::data::BoardItem;
use crate::ui::context::use_app;
use crate::ui::i18n::{t, t_string, use_i18n};
use crate::ui::kpi::{local_today, use_runs};
use crate::ui::widgets::fill;
use crate::ui::widgets::terms::{action_text, category_text, status_text};

#[component]
pub fn DailyLogPage() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let query = use_query_map();
    let navigate = StoredValue::new_local(use_navigate());
    let day = Memo::new(move |_| query.with(|q| q.get("day").and_then(|d| d.parse::<NaiveDate>().ok())).unwrap_or_else(local_today));
    let staff = Memo::new(move |_| query.with(|q| q.get("staff").and_then(|s| Uuid::parse_str(&s).ok())));
    let go = move |day: NaiveDate, staff: Option<Uuid>| {
        let mut url = format!("/kpi/log?day={day}");
        if let Some(s) = staff {
            url.push_str(&format!("&staff={s}"));
        }
        navigate.with_value(|n| n(&url, NavigateOptions { replace: true, scroll: false, ..Default::default() }));
    };
    let (items, loaded) = crate::ui::live::use_tickets(ctx);
    let runs = use_runs(ctx);
    let offset = crate::platform::utc_offset_minutes();
    let log = Memo::new(move |_| {
        let (day, staff) = (day.get(), staff.get());
        items.with(|all| {
            let tickets: Vec<_> = all.iter().map(|i| (i.id, &i.ticket, &i.state)).collect();
            runs.with(|rs| daily_log(&tickets, &rs.iter().collect::<Vec<_>>(), day, offset, staff, chrono::Utc::now()))
        })
    });
    let print = move |_| crate::platform::print();

    view! {
        <section class="daily-log" aria-labelledby="view-title">
            <h1 id="view-title">{t!(i18n, log.title)}</h1>
            <p class="no-print"><A href="/kpi">{t!(i18n, log.back)}</A></p>
            <div class="log-controls no-print">
                <div class="field">
                    <label for="log-day">{t!(i18n, log.day)}</label>
                    <input type="date" id="log-day" prop:value=move || day.get().to_string()
                        on:change=move |ev| if let Ok(d) = event_target_value(&ev).parse() { go(d, staff.get_untracked()) }/>
                </div>
                <div class="field">
                    <label for="log-staff">{t!(i18n, log.staff)}</label>
                    <select id="log-staff" on:change=move |ev| go(day.get_untracked(), Uuid::parse_str(&event_target_value(&ev)).ok())>
                        <option value="" selected=move || staff.get().is_none()>{t!(i18n, log.team)}</option>
                        {move || ctx.site.with(|s| s.roster.clone()).into_iter().map(|m| {
                            let id = m.id;
                            view! { <option value=id.to_string() selected=move || staff.get() == Some(id)>{m.name}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <button type="button" class="btn" on:click=print>{t!(i18n, log.print)}</button>
            </div>
            <p class="log-heading" data-testid="log-heading">{move || {
                let lang = ctx.lang.get();
                let who = staff.get().and_then(|id| ctx.site.with(|s| s.staff(id).map(|m| m.name.clone())))
                    .unwrap_or_else(|| t_string!(i18n, log.team).to_owned());
                let site = ctx.site.with(|s| s.site_name.clone());
                [site, format_date(lang, day.get()), who].into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" · ")
            }}</p>
            <Show when=move || loaded.get() fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || {
                    let l = log.get();
                    let lang = ctx.lang.get();
                    let by_id: HashMap<Uuid, Arc<BoardItem>> = items.with(|all| all.iter().map(|i| (i.id, i.clone())).collect());
                    let cats = ctx.site.with(|s| s.categories.clone());
                    let line = move |id: Uuid, extra: String| {
                        by_id.get(&id).cloned().map(|item| {
                            let t = item.ticket.clone();
                            // Only the parts a ticket has: a patrol finding has a place, not a unit.
                            let category = category_text(i18n, &cats, &t.category);
                            let parts = [category.as_str(), t.unit.trim(), t.location.trim(), t.description.trim(), status_text(i18n, item.state.status)];
                            let text = format!("{}{extra}", parts.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" · "));
                            view! {
                                <li data-testid="log-ticket">
                                    <A href=format!("/ticket/{id}")>{t.number}</A>
                                    " "
                                    <span>{text}</span>
                                </li>
                            }
                        })
                    };
                    let line = StoredValue::new(line);
                    let list = move |title: String, test_id: &'static str, lines: Vec<(Uuid, String)>| {
                        let count = lines.len();
                        let label = title.clone();
                        view! {
                            <section class="card log-section" data-testid=test_id aria-label=label>
                                <h2>{title}" "<span class="count">{format!("({count})")}</span></h2>
                                {if count == 0 {
                                    view! { <p class="field-hint">{t_string!(i18n, log.nothing)}</p> }.into_any()
                                } else {
                                    view! { <ul class="log-list">{lines.iter().map(|(id, extra)| line.with_value(|f| f(*id, extra.clone()))).collect_view()}</ul> }.into_any()
                                }}
                            </section>
                        }
                    };
                    let plain = |ids: &[Uuid]| ids.iter().map(|id| (*id, String::new())).collect::<Vec<_>>();
                    let handled: Vec<(Uuid, String)> = l.handled.iter().map(|h| {
                        let steps: Vec<&str> = h.actions.iter().map(|a| action_text(i18n, a)).collect();
                        (h.id, format!(" — {}", steps.join("、")))
                    }).collect();
                    let run_list = runs.with(|rs| l.drills.iter().filter_map(|i| rs.get(*i)).map(|r| {
                        let state = r.state(chrono::Utc::now());
                        let minutes = state.elapsed.num_minutes();
                        format!("{} · {} · {}", r.plan.name.get(lang), format_datetime(lang, r.started_at, r.utc_offset_min), fill(t_string!(i18n, log.minutes), "minutes", &minutes.to_string()))
                    }).collect::<Vec<_>>());
                    let summary = fill(&fill(&fill(&fill(t_string!(i18n, log.summary), "received", &l.received.len().to_string()),
                        "handled", &l.handled.len().to_string()), "resolved", &l.resolved.len().to_string()), "overdue", &l.overdue.len().to_string());
                    view! {
                        <p class="log-summary" data-testid="log-summary">{summary}</p>
                        {list(t_string!(i18n, log.received).to_owned(), "log-received", plain(&l.received))}
                        {list(t_string!(i18n, log.handled).to_owned(), "log-handled", handled)}
                        {list(t_string!(i18n, log.resolved).to_owned(), "log-resolved", plain(&l.resolved))}
                        {list(t_string!(i18n, log.overdue).to_owned(), "log-overdue", plain(&l.overdue))}
                        <section class="card log-section" data-testid="log-drills" aria-label=t_string!(i18n, log.drills)>
                            <h2>{t_string!(i18n, log.drills)}" "<span class="count">{format!("({})", run_list.len())}</span></h2>
                            {if run_list.is_empty() { view! { <p class="field-hint">{t_string!(i18n, log.nothing)}</p> }.into_any() }
                             else { view! { <ul class="log-list">{run_list.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul> }.into_any() }}
                        </section>
                        {list(t_string!(i18n, log.open_problems).to_owned(), "log-open", plain(&l.open_tickets))}
                        {(!l.open_findings.is_empty()).then(|| view! {
                            <section class="card log-section" data-testid="log-findings" aria-label=t_string!(i18n, log.open_findings)>
                                <h2>{t_string!(i18n, log.open_findings)}</h2>
                                <ul class="log-list">{l.open_findings.iter().map(|(_, text)| view! { <li>{text.clone()}</li> }).collect_view()}</ul>
                            </section>
                        })}
                        <p class="log-signature">{t_string!(i18n, log.signature)}</p>
                    }
                }}
            </Show>
        </section>
    }
}
