//! Reading the board's tickets (each with its state derived from its events) and writing a
//! step of the workflow.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use leptos::prelude::*;
use uuid::Uuid;

use crate::domain::board::search_text;
use crate::domain::clock::Stamp;
use crate::domain::record::{IndexName, Record, RecordKind};
use crate::domain::ticket::{Ticket, TicketEvent, TicketStatus};
use crate::domain::workflow::{at_a_glance, derive, Action, TicketState};
use crate::platform::broadcast::{self, Topic};
use crate::store::idb::IdbStore;
use crate::store::{RecordStore, StoreError};
use crate::ui::app::refresh_records;
use crate::ui::context::AppContext;

/// A ticket as the board shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardItem {
    pub id: Uuid,
    pub ticket: Ticket,
    pub state: TicketState,
    /// Whether `state` was derived from the events (otherwise it is the ticket's own copy,
    /// without history, and without clocks for a ticket saved before it kept one).
    pub settled: bool,
    /// [`search_text`] of the ticket, made once per load rather than per keystroke.
    pub search_text: String,
    /// Which read of the store this comes from: cards are keyed by id and read, so a card
    /// still shown after a keystroke is kept and one read again is redrawn.
    pub read: u32,
}

static READS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn next_read() -> u32 {
    READS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The board's first look: every live ticket with the state its own copy of its progress
/// gives, before any event is read. Reading 70,000 events takes seconds on a tablet; the
/// tickets alone are a fraction of that.
pub async fn load_glance(store: &IdbStore) -> Result<Vec<Arc<BoardItem>>, StoreError> {
    let (tickets, _) = store.live_rows::<Ticket>(RecordKind::Ticket).await?;
    let read = next_read();
    Ok(tickets
        .into_iter()
        .map(|row| {
            let state = at_a_glance(&row.body).unwrap_or_else(|| {
                let mut s = derive(&row.body, &[]);
                s.status = row.body.status;
                s
            });
            Arc::new(BoardItem { id: row.id, search_text: search_text(&row.body), ticket: row.body, state, settled: false, read })
        })
        .collect())
}

/// Every live ticket with its derived state. Records that no longer read as tickets are
/// counted and left out (the caller reports them), never a reason to show nothing.
pub async fn load_items(store: &IdbStore) -> Result<(Vec<Arc<BoardItem>>, usize), StoreError> {
    let (tickets, bad_tickets) = store.live_rows::<Ticket>(RecordKind::Ticket).await?;
    let (items, bad_events) = settle(store, tickets.into_iter().map(|row| (row.id, row.body))).await?;
    Ok((items, bad_tickets + bad_events))
}

/// `tickets` with their states derived from their events, which are read here (after a
/// first look the tickets are already in hand), and how many events did not read.
pub async fn settle(store: &IdbStore, tickets: impl IntoIterator<Item = (Uuid, Ticket)>) -> Result<(Vec<Arc<BoardItem>>, usize), StoreError> {
    let (events, bad_events) = store.live_rows::<TicketEvent>(RecordKind::TicketEvent).await?;
    let read = next_read();
    let mut by_ticket: HashMap<Uuid, Vec<(Stamp, TicketEvent)>> = HashMap::new();
    for e in events {
        by_ticket.entry(e.body.ticket_id).or_default().push((e.created_at, e.body));
    }
    let items = tickets
        .into_iter()
        .map(|(id, ticket)| {
            let state = derive(&ticket, by_ticket.get(&id).map(Vec::as_slice).unwrap_or(&[]));
            Arc::new(BoardItem { id, search_text: search_text(&ticket), ticket, state, settled: true, read })
        })
        .collect();
    Ok((items, bad_events))
}

/// Writes one step: the event (append-only) and the ticket's indexed fields (status,
/// department, assignee, priority) in one transaction. Returns the status reached.
pub async fn perform(ctx: AppContext, item: &BoardItem, action: Action, note: String, to: TicketStatus) -> Result<TicketStatus, StoreError> {
    let not_open = || ctx.storage_error.get_untracked().unwrap_or(StoreError::Unavailable("not open".into()));
    let store = ctx.store.get_value().ok_or_else(not_open)?;
    let actor = ctx.on_duty.get_untracked();
    let (Some(event_stamp), Some(ticket_stamp)) = (ctx.stamp(), ctx.stamp()) else { return Err(not_open()) };
    let encode = |e: serde_json::Error| StoreError::Corrupt { key: item.ticket.number.clone(), reason: e.to_string() };

    let event = TicketEvent {
        ticket_id: item.id,
        at: Utc::now(),
        utc_offset_min: crate::platform::utc_offset_minutes(),
        by: actor,
        from: Some(item.state.status),
        to,
        note,
        action: action.clone(),
    };
    // The ticket's own copy of what the indexes need: the state derived after this event,
    // from the stored events (the board's copy may be a first look without them, or older
    // than another tab's step).
    let mut events: Vec<(Stamp, TicketEvent)> = store
        .query(RecordKind::TicketEvent, IndexName::TicketId, &item.id.to_string())
        .await?
        .into_iter()
        .filter_map(|r| Some((r.created_at, serde_json::from_value(r.body).ok()?)))
        .collect();
    events.push((event_stamp, event.clone()));
    let ticket = item.ticket.clone().with_progress(&events);

    let event_record = Record::create(RecordKind::TicketEvent, serde_json::to_value(&event).map_err(encode)?, event_stamp, actor);
    // The stored copy, not the one read when the board loaded: its field writes must be
    // the latest for the edit to merge right.
    let stored = store.get(RecordKind::Ticket, item.id).await?.ok_or_else(|| StoreError::Aborted(format!("{} is no longer stored", item.ticket.number)))?;
    let ticket_record = stored.edited(serde_json::to_value(&ticket).map_err(encode)?, ticket_stamp, actor);
    // A stale ticket copy (another tab wrote a later one) is fine: the event is what counts,
    // and every tab derives the state from the events.
    store.put_many(&[event_record, ticket_record]).await?;
    broadcast::announce(Topic::Records);
    refresh_records(ctx, &store).await?;
    Ok(ticket.status)
}
