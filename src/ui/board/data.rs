//! Reading the board's tickets (each with its state derived from its events) and writing a
//! step of the workflow.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use leptos::prelude::*;
use uuid::Uuid;

use crate::domain::clock::Stamp;
use crate::domain::record::{Record, RecordKind};
use crate::domain::ticket::{Ticket, TicketEvent, TicketStatus};
use crate::domain::workflow::{derive, Action, TicketState};
use crate::platform::broadcast::{self, Topic};
use crate::store::idb::IdbStore;
use crate::store::{RecordStore, StoreError};
use crate::ui::app::refresh_records;
use crate::ui::context::AppContext;

/// A ticket as the board shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardItem {
    pub record: Record,
    pub ticket: Ticket,
    pub state: TicketState,
}

/// Every live ticket with its derived state. Records that no longer read as tickets are
/// counted and left out (the caller reports them), never a reason to show nothing.
pub async fn load_items(store: &IdbStore) -> Result<(Vec<Arc<BoardItem>>, usize), StoreError> {
    let tickets = store.live(RecordKind::Ticket).await?;
    let events = store.live(RecordKind::TicketEvent).await?;
    let mut by_ticket: HashMap<Uuid, Vec<(Stamp, TicketEvent)>> = HashMap::new();
    let mut unreadable = 0;
    for e in events {
        match serde_json::from_value::<TicketEvent>(e.body) {
            Ok(event) => by_ticket.entry(event.ticket_id).or_default().push((e.created_at, event)),
            Err(_) => unreadable += 1,
        }
    }
    let mut items = Vec::with_capacity(tickets.len());
    for record in tickets {
        let Ok(ticket) = serde_json::from_value::<Ticket>(record.body.clone()) else {
            unreadable += 1;
            continue;
        };
        let state = derive(&ticket, by_ticket.get(&record.id).map(Vec::as_slice).unwrap_or(&[]));
        items.push(Arc::new(BoardItem { record, ticket, state }));
    }
    Ok((items, unreadable))
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
        ticket_id: item.record.id,
        at: Utc::now(),
        utc_offset_min: crate::platform::utc_offset_minutes(),
        by: actor,
        from: Some(item.state.status),
        to,
        note,
        action: action.clone(),
    };
    // The ticket's own copy of what the indexes need: the state derived after this event.
    let mut events: Vec<(Stamp, TicketEvent)> =
        item.state.history.iter().map(|h| (h.stamp, h.event.clone())).collect();
    events.push((event_stamp, event.clone()));
    let after = derive(&item.ticket, &events);
    let mut ticket = item.ticket.clone();
    ticket.status = after.status;
    ticket.department = after.department;
    ticket.assignee = after.assignee;
    ticket.priority = after.priority;
    ticket.urgency = after.urgency;
    ticket.importance = after.importance;

    let event_record = Record::create(RecordKind::TicketEvent, serde_json::to_value(&event).map_err(encode)?, event_stamp, actor);
    let ticket_record = item.record.edited(serde_json::to_value(&ticket).map_err(encode)?, ticket_stamp, actor);
    // A stale ticket copy (another tab wrote a later one) is fine: the event is what counts,
    // and every tab derives the state from the events.
    store.put_many(&[event_record, ticket_record]).await?;
    broadcast::announce(Topic::Records);
    refresh_records(ctx, &store).await?;
    Ok(after.status)
}
