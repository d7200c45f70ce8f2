//! One ticket: every field, its photos (tap to enlarge), its deadlines, the full history as a
//! timeline (who and when, including moves that lost to another tablet), and its next steps.

use std::sync::Arc;

use leptos::html::Dialog;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::app::workflow::read_ticket;
use crate::domain::locale::format_datetime;
use crate::domain::ticket::TicketStatus;
use crate::domain::workflow::{offered_actions, Action, Satisfaction, Step};
use crate::ui::board::action::{ActionDialog, PendingAction, StepButton};
use crate::ui::board::card::{resolve_text, respond_text, ClockBadge};
use crate::ui::board::data::BoardItem;
use crate::ui::context::use_app;
use crate::ui::i18n::{t, t_string, use_i18n};
use crate::ui::intake::StoredPhoto;
use crate::ui::settings::department_text;
use crate::ui::widgets::fill;
use crate::ui::widgets::terms::{action_text, category_text, channel_text, hold_text, kind_text, method_text, satisfaction_text, status_text};

/// One ticket. From the live cache once its events are in; before that (a link opened
/// straight after start), read by key — the ticket and its events by index — so opening a
/// ticket costs the same however many are stored.
#[component]
pub fn TicketPage() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id")).and_then(|s| uuid::Uuid::parse_str(&s).ok()));
    let cached = Memo::new(move |_| id.get().and_then(|id| ctx.cache.with(|c| c.ticket(id).filter(|i| i.settled).cloned())));
    let events_loaded = Memo::new(move |_| ctx.cache.with(|c| c.events_loaded()));
    // None: not read yet; Some(None): read, and not stored.
    let by_key = RwSignal::new(None::<Option<Arc<BoardItem>>>);
    // A step taken before the events are in changes the ticket's stamp: read it again.
    let stamp = Memo::new(move |_| id.get().and_then(|id| ctx.cache.with(|c| c.ticket(id).map(|i| i.updated_at))));
    Effect::new(move |_| {
        stamp.track();
        let (Some(id), false, true) = (id.get(), events_loaded.get(), ctx.loaded.get()) else { return };
        if cached.with_untracked(Option::is_some) {
            return;
        }
        spawn_local(async move {
            let Ok(store) = ctx.store() else { return };
            match read_ticket(&store, id).await {
                Ok(found) => {
                    let item = found.map(|(record, ticket, events)| Arc::new(BoardItem::from_stored(&record, ticket, &events)));
                    by_key.try_set(Some(item));
                }
                Err(e) => {
                    ctx.storage_error.try_set(Some(e));
                }
            }
        });
    });
    let item = Memo::new(move |_| match cached.get() {
        Some(item) => Some(Some(item)),
        None if events_loaded.get() => Some(None),
        None => by_key.get(),
    });
    // Outside the part drawn from the ticket: a change to the ticket (here or in another
    // tab) redraws the page but keeps an open step dialog and what is typed in it.
    let pending: PendingAction = RwSignal::new(None);
    let message = RwSignal::new(None::<String>);
    view! {
        <section class="ticket-detail" aria-labelledby="view-title">
            <p><A href="/board">{t!(i18n, detail.back)}</A></p>
            {move || match item.get() {
                None => view! { <h1 id="view-title">{t!(i18n, board.loading)}</h1> }.into_any(),
                Some(Some(item)) => view! { <Detail item=item pending=pending message=message/> }.into_any(),
                Some(None) => view! { <h1 id="view-title">{t!(i18n, detail.not_found)}</h1> }.into_any(),
            }}
            <ActionDialog pending=pending on_done=move |m: String| message.set(Some(m))/>
        </section>
    }
}

#[component]
fn Detail(item: Arc<BoardItem>, pending: PendingAction, message: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let t = item.ticket.clone();
    let s = item.state.clone();
    let lang = ctx.lang.get_untracked();
    let offset = t.utc_offset_min;
    let cats = ctx.site.with_untracked(|st| st.categories.clone());
    let staff_name = move |id: Option<uuid::Uuid>| {
        id.and_then(|id| ctx.site.with_untracked(|st| st.staff(id).map(|m| m.name.clone())))
            .unwrap_or_else(|| t_string!(i18n, detail.unknown_staff).to_string())
    };
    let now = chrono::Utc::now();
    let respond = s.respond_clock(now);
    let title = fill(t_string!(i18n, detail.title), "number", &t.number);
    let enlarged = RwSignal::new(None::<(String, u32, u32)>);
    let photo_dialog = NodeRef::<Dialog>::new();
    Effect::new(move |_| {
        if let (Some(_), Some(d)) = (enlarged.get(), photo_dialog.get()) {
            if !d.open() {
                let _ = d.show_modal();
            }
        }
    });
    let dissatisfied = s.status == TicketStatus::ReturnVisited
        && s.return_visit.as_ref().is_some_and(|v| v.satisfaction == Satisfaction::Dissatisfied);
    let state_for_badge = s.clone();
    let ticket_id = item.id;

    let fact = |label: &'static str, value: String| {
        (!value.is_empty()).then(|| view! { <dt>{label}</dt><dd>{value}</dd> })
    };

    view! {
        <h1 id="view-title">{title}</h1>
        <p class="form-status" role="status" data-testid="detail-status">{move || message.get()}</p>
        <p class="detail-status">
            <strong data-testid="detail-state">{status_text(i18n, s.status)}</strong>
            " · "{kind_text(i18n, t.kind)}" · "{category_text(i18n, &cats, &t.category)}" · "{s.priority.label()}
        </p>
        {t.drill_run.map(|run| view! {
            <p><A href=format!("/drills/run/{run}")>{t_string!(i18n, drills.from_drill)}</A></p>
        })}
        {dissatisfied.then(|| view! {
            <div class="notice notice-error" role="alert">
                <span>{t_string!(i18n, act.dissatisfied)}</span>
                <StepButton ticket=ticket_id step=Step::Reopen pending=pending/>
            </div>
        })}
        <section class="card" aria-labelledby="actions-title">
            <h2 id="actions-title">{t!(i18n, detail.actions)}</h2>
            <div class="card-actions">
                {offered_actions(s.status, t.kind).into_iter().map(|step| view! {
                    <StepButton ticket=ticket_id step=step pending=pending/>
                }).collect_view()}
            </div>
        </section>
        <section class="card" aria-labelledby="sla-title">
            <h2 id="sla-title">{t!(i18n, detail.sla)}</h2>
            <dl class="facts">
                <dt>{t!(i18n, detail.respond)}</dt>
                <dd data-testid="detail-respond">{format_datetime(lang, respond.due, offset)}" · "{match s.first_response_at {
                    Some(at) => (move || fill(t_string!(i18n, clock.responded_at), "time", &format_datetime(ctx.lang.get(), at, offset))).into_any(),
                    // Not answered: the response clock while it runs; nothing once the ticket is done.
                    None => {
                        let state = s.clone();
                        respond_text(i18n, &state).map(|_| {
                            let parts = Signal::derive(move || respond_text(i18n, &state).unwrap_or_default());
                            view! { <ClockBadge parts=parts test_id="respond-clock"/> }
                        }).into_any()
                    }
                }}</dd>
                <dt>{t!(i18n, detail.resolve)}</dt>
                <dd data-testid="detail-resolve">{format_datetime(lang, s.resolve_clock(now).due, offset)}" · "<ClockBadge parts=Signal::derive(move || resolve_text(i18n, &state_for_badge)) test_id="resolve-clock"/></dd>
            </dl>
        </section>
        <section class="card" aria-labelledby="fields-title">
            <h2 id="fields-title">{t!(i18n, detail.fields)}</h2>
            <dl class="facts facts-text">
                {fact(t_string!(i18n, detail.reporter), t.reporter_name.clone())}
                // Masked until a tap: a tablet shown around the lobby does not show residents' numbers.
                {(!t.phone.is_empty()).then(|| {
                    let whole = t.phone.clone();
                    let hidden = crate::domain::phone::masked(&whole);
                    let shown = RwSignal::new(false);
                    view! {
                        <dt>{t_string!(i18n, detail.phone)}</dt>
                        <dd class="phone-fact">
                            <span data-testid="detail-phone">{move || if shown.get() { whole.clone() } else { hidden.clone() }}</span>" "
                            <button type="button" class="btn" data-testid="reveal-phone" on:click=move |_| {
                                    // Each reveal is in the access log: who saw whose number, when.
                                    if !shown.get_untracked() {
                                        crate::ui::lock::log(ctx, crate::domain::access::AccessEvent::PhoneRevealed { ticket: ticket_id });
                                    }
                                    shown.update(|s| *s = !*s);
                                }>
                                {move || if shown.get() { t_string!(i18n, detail.hide_phone) } else { t_string!(i18n, detail.show_phone) }}
                            </button>
                        </dd>
                    }
                })}
                {fact(t_string!(i18n, detail.unit), t.unit.clone())}
                {fact(t_string!(i18n, detail.location), t.location.clone())}
                {fact(t_string!(i18n, detail.channel), channel_text(i18n, t.channel).to_owned())}
                {fact(t_string!(i18n, board.received), format_datetime(lang, t.received_at, offset))}
                {fact(t_string!(i18n, board.department), s.department.map(|d| department_text(i18n, d).to_owned()).unwrap_or_default())}
                {fact(t_string!(i18n, board.assignee), s.assignee.map(|a| staff_name(Some(a))).unwrap_or_default())}
                {fact(t_string!(i18n, detail.description), t.description.clone())}
                {s.return_visit.as_ref().map(|v| {
                    let score = fill(&fill(t_string!(i18n, detail.score), "score", &v.score.to_string()), "satisfaction", satisfaction_text(i18n, v.satisfaction));
                    fact(t_string!(i18n, detail.return_visit), format!("{score} · {}", method_text(i18n, v.method)))
                })}
            </dl>
            {crate::domain::places::place_of(&t).is_some().then(|| view! {
                <p><A href=crate::ui::records::records_href(&t.unit, &t.location) attr:data-testid="detail-records">{t!(i18n, records.history_link)}</A></p>
            })}
        </section>
        {(!t.photos.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="photos-title">
                <h2 id="photos-title">{t!(i18n, detail.photos)}</h2>
                <ul class="photo-list">
                    {t.photos.iter().enumerate().map(|(i, p)| {
                        let label = fill(t_string!(i18n, detail.enlarge), "n", &(i + 1).to_string());
                        let photo = (p.sha256.clone(), p.width, p.height);
                        let shown = photo.clone();
                        view! {
                            <li class="photo-item">
                                <button type="button" class="photo-button" aria-label=label on:click=move |_| enlarged.set(Some(photo.clone()))>
                                    <StoredPhoto sha256=shown.0 width=shown.1 height=shown.2/>
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        })}
        <section class="card" aria-labelledby="history-title">
            <h2 id="history-title">{t!(i18n, detail.history)}</h2>
            <ol class="timeline" data-testid="history">
                {s.history.iter().map(|h| {
                    let e = &h.event;
                    let what = match &e.action {
                        Action::Hold { reason } => format!("{} · {}", action_text(i18n, e.action.key()), hold_text(i18n, *reason)),
                        Action::Dispatch { department, .. } | Action::Reassign { department, .. } =>
                            format!("{} · {}", action_text(i18n, e.action.key()), department_text(i18n, *department)),
                        Action::Resolve { work_done, .. } => format!("{} · {}", action_text(i18n, e.action.key()), work_done),
                        Action::ReturnVisit { score, .. } => format!("{} · {}", action_text(i18n, e.action.key()),
                            satisfaction_text(i18n, Satisfaction::from_score(*score))),
                        other => action_text(i18n, other.key()).to_owned(),
                    };
                    let to = status_text(i18n, e.to);
                    let who = fill(t_string!(i18n, detail.by), "name", &staff_name(e.by));
                    let when = format_datetime(lang, e.at, e.utc_offset_min);
                    let applied = h.applied;
                    view! {
                        <li class="timeline-entry" class:not-applied=!applied data-testid="history-entry">
                            <p class="timeline-what"><strong>{what}</strong>" → "{to}</p>
                            <p class="timeline-meta">{when}" · "{who}</p>
                            {(!e.note.is_empty()).then(|| view! { <p class="timeline-note">{e.note.clone()}</p> })}
                            {(!applied).then(|| view! { <p class="timeline-note">{t_string!(i18n, detail.not_applied)}</p> })}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
        <dialog node_ref=photo_dialog class="photo-dialog" aria-label=move || t_string!(i18n, detail.photos)
            on:close=move |_| enlarged.set(None)>
            {move || enlarged.get().map(|(sha, w, h)| view! { <StoredPhoto sha256=sha width=w height=h/> })}
            <button type="button" class="btn" on:click=move |_| if let Some(d) = photo_dialog.get() { d.close() }>
                {t!(i18n, detail.close_photo)}
            </button>
        </dialog>
    }
}
