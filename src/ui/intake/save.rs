//! Saving a new ticket: number it, stamp it, and write the ticket, its first history event
//! and its photos in one transaction.

use chrono::Utc;
use leptos::prelude::*;

use crate::domain::locale::to_local;
use crate::domain::record::{Record, RecordKind};
use crate::domain::ticket::{sequence_scope, ticket_number, Ticket, TicketEvent};
use crate::platform::broadcast::{self, Topic};
use crate::platform::photos::Photo;
use crate::store::{SettingsStore, StoreError};
use crate::ui::app::refresh_records;
use crate::ui::context::AppContext;

/// Saves a ticket built by `build` from its number. Returns the number once the
/// transaction has committed; on any error nothing of the ticket is stored (a ticket number
/// may be skipped, never reused).
pub async fn save_new_ticket(
    ctx: AppContext,
    build: impl FnOnce(String) -> Ticket,
    photos: &[Photo],
) -> Result<String, StoreError> {
    save_new_ticket_with_id(ctx, build, photos).await.map(|(_, number)| number)
}

/// [`save_new_ticket`], also returning the new ticket's id (to link it from elsewhere).
pub async fn save_new_ticket_with_id(
    ctx: AppContext,
    build: impl FnOnce(String) -> Ticket,
    photos: &[Photo],
) -> Result<(uuid::Uuid, String), StoreError> {
    let not_open = || ctx.storage_error.get_untracked().unwrap_or(StoreError::Unavailable("not open".into()));
    let store = ctx.store.get_value().ok_or_else(not_open)?;
    let device = ctx.device.get_untracked().ok_or_else(not_open)?;
    let offset = crate::platform::utc_offset_minutes();
    let now = Utc::now();
    let local_date = to_local(now, offset).date_naive();
    let sequence = store.next_sequence(&sequence_scope(local_date)).await?;
    let site = ctx.site.get_untracked();
    let ticket = build(ticket_number(&site.site_code, &device.short_code(), local_date, sequence));
    let number = ticket.number.clone();

    let actor = ctx.on_duty.get_untracked();
    let (Some(ticket_stamp), Some(event_stamp)) = (ctx.stamp(), ctx.stamp()) else { return Err(not_open()) };
    let encode = |e: serde_json::Error| StoreError::Corrupt { key: number.clone(), reason: e.to_string() };
    let record = Record::create(RecordKind::Ticket, serde_json::to_value(&ticket).map_err(encode)?, ticket_stamp, actor);
    let event = TicketEvent {
        ticket_id: record.id,
        at: now,
        utc_offset_min: offset,
        by: actor,
        from: None,
        to: ticket.status,
        note: String::new(),
        action: crate::domain::workflow::Action::Received,
    };
    let event = Record::create(RecordKind::TicketEvent, serde_json::to_value(&event).map_err(encode)?, event_stamp, actor);
    let blobs: Vec<_> = photos.iter().map(|p| (p.meta.sha256.clone(), p.blob.clone())).collect();
    let id = record.id;
    store.put_many_with_photos(&[record, event], &blobs).await?;

    broadcast::announce(Topic::Records);
    leptos::task::spawn_local(async {
        crate::platform::health::request_persistence().await;
    });
    refresh_records(ctx, &store).await?;
    Ok((id, number))
}
