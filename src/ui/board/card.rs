//! A ticket on the board: the facts a supervisor scans for, the time left shown with colour,
//! icon and words (never colour alone), and the next steps as buttons.

use std::sync::Arc;

use chrono::Utc;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::domain::sla::SlaState;
use crate::domain::workflow::{offered_actions, TicketState};
use crate::ui::board::action::{PendingAction, StepButton};
use crate::ui::board::data::BoardItem;
use crate::ui::context::use_app;
use crate::ui::i18n::{t_string, use_i18n, I18n};
use crate::ui::widgets::fill;
use crate::ui::widgets::terms::{category_text, kind_text, span_text};

/// The clock that matters now: an unanswered ticket's response clock while it is late,
/// otherwise the resolution clock.
pub fn clock_text(i18n: I18n, state: &TicketState) -> (&'static str, &'static str, String) {
    // The nearer of the two clocks: until someone responds, the response deadline comes first.
    respond_text(i18n, state).unwrap_or_else(|| resolve_text(i18n, state))
}

/// The response clock while it still runs (open, nobody has responded): warned in its last
/// quarter like the resolution clock. `None` once answered or no longer open.
pub fn respond_text(i18n: I18n, state: &TicketState) -> Option<(&'static str, &'static str, String)> {
    if state.first_response_at.is_some() || !state.is_open() {
        return None;
    }
    let respond = state.respond_clock(Utc::now());
    let time = span_text(i18n, respond.remaining);
    Some(match respond.state {
        SlaState::Overdue => ("overdue", "!", fill(t_string!(i18n, clock.respond_overdue), "time", &time)),
        SlaState::DueSoon => ("due-soon", "◷", fill(t_string!(i18n, clock.respond_soon), "time", &time)),
        _ => ("on-track", "◷", fill(t_string!(i18n, clock.respond_due), "time", &time)),
    })
}

/// The resolution clock alone.
pub fn resolve_text(i18n: I18n, state: &TicketState) -> (&'static str, &'static str, String) {
    let c = state.resolve_clock(Utc::now());
    let time = span_text(i18n, c.remaining);
    match c.state {
        SlaState::Overdue => ("overdue", "!", fill(t_string!(i18n, clock.overdue), "time", &time)),
        SlaState::DueSoon => ("due-soon", "◷", fill(t_string!(i18n, clock.due_soon), "time", &time)),
        SlaState::OnTrack => ("on-track", "◷", fill(t_string!(i18n, clock.on_track), "time", &time)),
        SlaState::Paused => ("paused", "Ⅱ", t_string!(i18n, clock.paused).to_string()),
        SlaState::Met => ("met", "✓", t_string!(i18n, clock.met).to_string()),
        SlaState::MetLate => ("met-late", "✓", t_string!(i18n, clock.met_late).to_string()),
    }
}

/// A clock as the board shows it: class, icon (not colour alone) and words.
#[component]
pub fn ClockBadge(#[prop(into)] parts: Signal<(&'static str, &'static str, String)>, #[prop(optional)] test_id: &'static str) -> impl IntoView {
    let test_id = if test_id.is_empty() { "sla" } else { test_id };
    view! {
        <span class=move || format!("sla sla-{}", parts.get().0) data-testid=test_id>
            <span class="sla-icon" aria-hidden="true">{move || parts.get().1}</span>
            <span>{move || parts.get().2}</span>
        </span>
    }
}

#[component]
pub fn SlaBadge(#[prop(into)] state: Signal<TicketState>) -> impl IntoView {
    let i18n = use_i18n();
    // Borrowed, not cloned: a state carries its whole history, and a board draws dozens of these.
    let parts = move || state.with(|s| clock_text(i18n, s));
    view! {
        <span class=move || format!("sla sla-{}", parts().0) data-testid="sla">
            <span class="sla-icon" aria-hidden="true">{move || parts().1}</span>
            <span>{move || parts().2}</span>
        </span>
    }
}

#[component]
pub fn TicketCard(item: Arc<BoardItem>, pending: PendingAction) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let t = &item.ticket;
    let s = &item.state;
    // Every text follows the language: a card drawn before a switch must not keep the old one.
    let category_key = t.category.clone();
    let category = move || ctx.site.with_untracked(|st| category_text(i18n, &st.categories, &category_key));
    let place = if t.unit.is_empty() { t.location.clone() } else { t.unit.clone() };
    let records_href = crate::ui::records::records_href(&t.unit, &t.location);
    let assignee = s
        .assignee
        .and_then(|id| ctx.site.with_untracked(|st| st.staff(id).map(|m| m.name.clone())));
    let href = format!("/ticket/{}", item.id);
    let number = t.number.clone();
    let open_number = number.clone();
    let open_label = move || fill(t_string!(i18n, board.open_ticket), "number", &open_number);
    let actions = offered_actions(s.status, t.kind);
    let number_text = number.clone();
    let kind = t.kind;
    let state_signal = Signal::stored(s.clone());
    let repeat = ctx.cache.with_untracked(|c| c.is_repeat(item.id, ctx.site.with_untracked(|st| st.targets.repeat_days)));
    view! {
        <article class="ticket-card" data-testid="ticket-card" data-number=number.clone()>
            <header class="card-head">
                <A href=href attr:class="card-number" attr:aria-label=open_label>{number_text}</A>
                <span class=format!("prio prio-{}", s.priority.label())>{s.priority.label()}</span>
            </header>
            <p class="card-line"><span class="card-kind">{move || kind_text(i18n, kind)}</span>" · "{category}
                {repeat.then(|| view! { <span class="badge-repeat" data-testid="repeat-flag">{move || t_string!(i18n, records.repeat)}</span> })}</p>
            // Tap the unit (or place) for its records: every earlier report of it.
            <p class="card-line">{(!place.trim().is_empty()).then(|| {
                let label_place = place.clone();
                let label = move || fill(t_string!(i18n, records.place_label), "place", &label_place);
                view! { <A href=records_href attr:class="card-place" attr:aria-label=label>{place.clone()}</A> }
            })}</p>
            <p class="card-line card-assignee">{move || assignee.clone().unwrap_or_else(|| t_string!(i18n, board.unassigned).to_string())}</p>
            // A first look at a ticket saved before tickets kept their progress has no clocks yet.
            {(item.settled || t.progress.is_some()).then(|| view! { <SlaBadge state=state_signal/> })}
            <div class="card-actions">
                {actions.into_iter().map(|step| view! {
                    <StepButton ticket=item.id step=step pending=pending number=number.clone() small=true/>
                }).collect_view()}
            </div>
        </article>
    }
}
