//! The team review (季度评审, issue 22): each person's card for a month or a quarter, printable
//! on A4. Only a signed-in supervisor (or the site's recovery key) sees other people's cards;
//! anyone else signed in sees their own, and an open tablet, where anyone can pick anyone as
//! on duty, shows none.

use chrono::Utc;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::components::A;
use leptos_router::NavigateOptions;
use uuid::Uuid;

use crate::domain::kpi::{review_period, staff_cards, Rate, ReviewSpan, StaffCard};
use crate::domain::locale::format_number;
use crate::domain::settings::StaffRole;
use crate::ui::context::{use_app, AppContext, Session};
use crate::ui::i18n::{t, t_string, use_i18n, I18n};
use crate::ui::widgets::{fill, fill_count};

/// Whose cards this session may see: `None` for everyone's.
fn visible_to(ctx: AppContext) -> Option<Vec<Uuid>> {
    match ctx.session.get() {
        Session::SignedIn(None) => None,
        Session::SignedIn(Some(id)) if ctx.site.with(|s| s.staff(id).map(|m| m.role)) == Some(StaffRole::Supervisor) => None,
        Session::SignedIn(Some(id)) => Some(vec![id]),
        Session::Open | Session::Locked => Some(Vec::new()),
    }
}

fn rate_text(i18n: I18n, r: Rate) -> String {
    match r.percent() {
        Some(p) => fill(&fill(&fill(t_string!(i18n, review.rate), "percent", &format_number(p, 1)), "hits", &r.hits.to_string()), "of", &r.of.to_string()),
        None => t_string!(i18n, kpi.none).to_owned(),
    }
}

/// The choices offered: this and the last period of each span.
const CHOICES: [(&str, ReviewSpan, u32); 4] = [("quarter", ReviewSpan::Quarter, 0), ("last-quarter", ReviewSpan::Quarter, 1), ("month", ReviewSpan::Month, 0), ("last-month", ReviewSpan::Month, 1)];

fn choice_text(i18n: I18n, key: &str) -> &'static str {
    match key {
        "quarter" => t_string!(i18n, review.this_quarter),
        "last-quarter" => t_string!(i18n, review.last_quarter),
        "month" => t_string!(i18n, review.this_month),
        _ => t_string!(i18n, review.last_month),
    }
}

#[component]
pub fn TeamReviewPage() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let query = use_query_map();
    let navigate = StoredValue::new_local(use_navigate());
    let choice = Memo::new(move |_| query.with(|q| q.get("period")).filter(|k| CHOICES.iter().any(|(c, _, _)| c == k)).unwrap_or_else(|| "quarter".to_owned()));
    let offset = crate::platform::utc_offset_minutes();
    let (items, loaded) = crate::ui::live::use_tickets(ctx);
    let period = Memo::new(move |_| {
        let key = choice.get();
        let (_, span, back) = CHOICES.iter().find(|(c, _, _)| *c == key).copied().unwrap_or(CHOICES[0]);
        review_period(span, back, Utc::now(), offset).0
    });
    let cards = Memo::new(move |_| {
        let period = period.get();
        let hours = ctx.site.with(|s| s.targets.response_hours);
        let runs = ctx.cache.with(|c| c.runs());
        let runs: Vec<(Uuid, &crate::domain::drill::DrillRun)> = runs.iter().map(|r| (r.0.id, &r.1)).collect();
        items.with(|all| {
            let tickets: Vec<_> = all.iter().map(|i| (i.id, &i.ticket, &i.state)).collect();
            staff_cards(&tickets, &runs, period, hours)
        })
    });

    let card_view = move |member: crate::domain::settings::StaffMember, card: StaffCard| {
        let grade = card.grade().map(|g| super::grade_text(i18n, g)).unwrap_or_else(|| t_string!(i18n, kpi.none));
        let roles: Vec<String> = card.drills.iter().map(|(_, role)| crate::ui::drills::role_text(i18n, role)).collect();
        let drills = if roles.is_empty() { t_string!(i18n, kpi.none).to_owned() } else { format!("{} · {}", fill_count(t_string!(i18n, review.drill_count), roles.len()), roles.join("、")) };
        view! {
            <article class="card review-card" data-testid="review-card" aria-label=member.name.clone()>
                <h2>{member.name.clone()}" "<span class="field-hint">{crate::ui::settings::role_text(i18n, member.role)}" · "{crate::ui::settings::department_text(i18n, member.department)}</span></h2>
                <dl class="facts">
                    <dt>{t_string!(i18n, review.handled)}</dt><dd data-testid="review-handled">{card.handled}</dd>
                    <dt>{t_string!(i18n, review.responded)}</dt><dd>{rate_text(i18n, card.responded)}</dd>
                    <dt>{t_string!(i18n, review.resolved)}</dt><dd>{rate_text(i18n, card.resolved)}</dd>
                    <dt>{t_string!(i18n, review.satisfaction)}</dt><dd data-testid="review-satisfaction">{rate_text(i18n, card.satisfaction)}" · "{grade}</dd>
                    <dt>{t_string!(i18n, review.reopened)}</dt><dd>{card.reopened}</dd>
                    <dt>{t_string!(i18n, review.drills)}</dt><dd>{drills}</dd>
                </dl>
                <p class="review-signature">{t_string!(i18n, review.signature)}</p>
            </article>
        }
    };

    view! {
        <section class="team-review" aria-labelledby="view-title">
            <h1 id="view-title">{t!(i18n, review.title)}</h1>
            <p class="no-print"><A href="/kpi">{t!(i18n, log.back)}</A></p>
            <div class="log-controls no-print">
                <div class="field">
                    <label for="review-period">{t!(i18n, review.period)}</label>
                    <select id="review-period" on:change=move |ev| {
                        let url = format!("/kpi/review?period={}", event_target_value(&ev));
                        navigate.with_value(|n| n(&url, NavigateOptions { replace: true, scroll: false, ..Default::default() }));
                    }>
                        {CHOICES.iter().map(|(key, _, _)| {
                            let key = *key;
                            view! { <option value=key selected=move || choice.get() == key>{move || choice_text(i18n, key)}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <button type="button" class="btn" on:click=move |_| crate::platform::print()>{t!(i18n, review.print)}</button>
            </div>
            <p class="log-heading" data-testid="review-heading">{move || {
                let (from, to) = period.get().local_dates(offset);
                let lang = ctx.lang.get();
                fill(&fill(t_string!(i18n, review.heading), "from", &crate::domain::locale::format_date(lang, from)), "to", &crate::domain::locale::format_date(lang, to))
            }}</p>
            <Show when=move || loaded.get() fallback=move || view! { <p>{t!(i18n, board.loading)}</p> }>
                {move || {
                    let _ = ctx.lang.get();
                    let allowed = visible_to(ctx);
                    if allowed.as_ref().is_some_and(Vec::is_empty) {
                        return view! { <p class="notice" data-testid="review-sign-in">{t_string!(i18n, review.sign_in_first)}</p> }.into_any();
                    }
                    let all = cards.get();
                    let roster: Vec<crate::domain::settings::StaffMember> = ctx.site.with(|s| s.roster.clone());
                    let shown: Vec<_> = roster
                        .into_iter()
                        .filter(|m| allowed.as_ref().is_none_or(|ids| ids.contains(&m.id)))
                        .filter(|m| m.active || all.contains_key(&m.id))
                        .map(|m| { let card = all.get(&m.id).cloned().unwrap_or(StaffCard { staff: m.id, ..StaffCard::default() }); card_view(m, card) })
                        .collect();
                    let only_own = allowed.is_some();
                    view! {
                        {only_own.then(|| view! { <p class="field-hint" data-testid="review-own-only">{t_string!(i18n, review.own_only)}</p> })}
                        <div class="review-cards">{shown}</div>
                    }.into_any()
                }}
            </Show>
        </section>
    }
}
