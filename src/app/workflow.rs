//! One step of the service workflow (assess, dispatch, start, hold, resolve, return visit,
//! close, reopen), read and checked against the ticket as stored, not as a view last saw it.

use thiserror::Error;
use uuid::Uuid;

use super::{from_body, to_body, Changed, Stamps, Who};
use crate::domain::clock::Stamp;
use crate::domain::record::{IndexName, Record, RecordKind};
use crate::domain::settings::StaffRole;
use crate::domain::ticket::{Ticket, TicketStatus};
use crate::domain::workflow::TicketEvent;
use crate::domain::workflow::{check, derive, Action, Refusal};
use crate::store::{RecordStore, StoreError};

/// Why a step was not written. Nothing is stored in any of these cases.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StepError {
    /// The workflow does not allow it from the ticket's stored state (another tab or tablet
    /// may have moved the ticket meanwhile), or a field is missing.
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// The ticket is not stored (deleted elsewhere).
    #[error("no such ticket")]
    Gone,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A step written.
#[derive(Debug, Clone, PartialEq)]
pub struct Performed {
    pub reached: TicketStatus,
    pub changed: Changed,
}

/// The events stored for a ticket, with their stamps; an event that does not read as one
/// is an error rather than a silent gap in the history the ticket's copy is derived from.
pub async fn events_of<S: RecordStore>(store: &S, ticket_id: Uuid) -> Result<Vec<(Stamp, TicketEvent)>, StoreError> {
    store
        .query(RecordKind::TicketEvent, IndexName::TicketId, &ticket_id.to_string())
        .await?
        .iter()
        .map(|r| from_body::<TicketEvent>(r).map(|e| (r.created_at, e)))
        .collect()
}

/// A ticket and its events read by key and index: what opening one ticket costs, however
/// many are stored.
pub async fn read_ticket<S: RecordStore>(store: &S, id: Uuid) -> Result<Option<(Record, Ticket, Vec<(Stamp, TicketEvent)>)>, StoreError> {
    let Some(record) = store.get(RecordKind::Ticket, id).await?.filter(|r| !r.is_deleted()) else { return Ok(None) };
    let ticket: Ticket = from_body(&record)?;
    let events = events_of(store, id).await?;
    Ok(Some((record, ticket, events)))
}

/// Writes one step: the event (append-only) and the ticket's copy of what its events decide
/// (status, department, assignee, priority, progress), in one transaction. The step is
/// checked against the state derived from the stored events, so a step another tab took
/// first is seen here and refused if this one no longer follows.
pub async fn perform<S: RecordStore>(
    store: &S,
    stamps: &impl Stamps,
    who: Who,
    role: Option<StaffRole>,
    ticket_id: Uuid,
    action: Action,
    note: &str,
) -> Result<Performed, StepError> {
    perform_steps(store, stamps, who, role, ticket_id, vec![(action, note.to_owned())]).await
}

/// Writes steps one person takes together (assess and dispatch; a return visit and the
/// close): each checked against the state the ones before it reach, all written in one
/// transaction or none. Each keeps its own event, so the history and the KPIs read as if
/// they had been taken one by one.
pub async fn perform_steps<S: RecordStore>(
    store: &S,
    stamps: &impl Stamps,
    who: Who,
    role: Option<StaffRole>,
    ticket_id: Uuid,
    steps: Vec<(Action, String)>,
) -> Result<Performed, StepError> {
    let (stored, ticket, mut events) = read_ticket(store, ticket_id).await?.ok_or(StepError::Gone)?;
    let mut records = Vec::with_capacity(steps.len() + 1);
    let mut state = derive(&ticket, &events);
    for (action, note) in steps {
        let note = note.trim().to_owned();
        let to = check(state.status, ticket.kind, &action, &note, role).map_err(StepError::Refused)?;
        let event = TicketEvent {
            ticket_id,
            at: who.now,
            utc_offset_min: who.offset_min,
            by: who.actor,
            from: Some(state.status),
            to,
            note,
            action,
        };
        let event_stamp = stamps.stamp()?;
        records.push(Record::create(RecordKind::TicketEvent, to_body(&ticket.number, &event)?, event_stamp, who.actor));
        events.push((event_stamp, event));
        state = derive(&ticket, &events);
    }
    let ticket_stamp = stamps.stamp()?;
    let ticket = ticket.with_progress(&events);
    let ticket_record = stored.edited(to_body(&ticket.number, &ticket)?, ticket_stamp, who.actor);
    records.push(ticket_record.clone());
    let report = store.put_many(&records).await?;
    // A stale ticket copy (another tab wrote a later one) is fine: the events are what count,
    // and every tab derives the state from the events. The cache keeps the later copy.
    if report.stale.contains(&ticket_record.id) {
        records.pop();
    }
    Ok(Performed { reached: ticket.status, changed: Changed::of(records) })
}
