//! Taking in a report: number it, stamp it, and store the ticket, its first history event
//! and its photos in one transaction (the intake form and the quick patrol report).

use uuid::Uuid;

use super::{to_body, Changed, Stamps, Who};
use crate::domain::locale::to_local;
use crate::domain::record::{Record, RecordKind};
use crate::domain::settings::{DeviceIdentity, SiteSettings};
use crate::domain::ticket::{sequence_scope, site_or_placeholder, ticket_number, Ticket};
use crate::domain::workflow::TicketEvent;
use crate::domain::workflow::Action;
use crate::store::{PhotoStore, SettingsStore, StoreError};

/// A ticket saved.
#[derive(Debug, Clone, PartialEq)]
pub struct Saved {
    pub id: Uuid,
    pub number: String,
    pub changed: Changed,
}

/// Saves a ticket built by `build` from its number. Returns once the transaction has
/// committed; on any error nothing of the ticket is stored (a ticket number may be skipped,
/// never reused: the sequence is taken in a transaction of its own first).
pub async fn save_ticket<S: PhotoStore + SettingsStore>(
    store: &S,
    stamps: &impl Stamps,
    who: Who,
    device: &DeviceIdentity,
    site: &SiteSettings,
    build: impl FnOnce(String) -> Ticket,
    photos: &[(String, S::Blob)],
) -> Result<Saved, StoreError> {
    let local_date = to_local(who.now, who.offset_min).date_naive();
    let sequence = store.next_sequence(&sequence_scope(local_date)).await?;
    let mut ticket = build(ticket_number(&site.site_code, &device.short_code(), local_date, sequence));
    ticket.site = site_or_placeholder(&site.site_code).to_owned();
    let number = ticket.number.clone();
    let record = Record::create(RecordKind::Ticket, to_body(&number, &ticket)?, stamps.stamp()?, who.actor);
    let event = TicketEvent {
        ticket_id: record.id,
        at: who.now,
        utc_offset_min: who.offset_min,
        by: who.actor,
        from: None,
        to: ticket.status,
        note: String::new(),
        action: Action::Received,
    };
    let event = Record::create(RecordKind::TicketEvent, to_body(&number, &event)?, stamps.stamp()?, who.actor);
    let id = record.id;
    let records = vec![record, event];
    store.put_many_with_photos(&records, photos).await?;
    Ok(Saved { id, number, changed: Changed::of(records) })
}
