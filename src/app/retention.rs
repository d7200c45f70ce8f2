//! Purging residents' data past the site's retention (issue 21), archive first:
//!
//! 1. [`due`] picks the closed tickets past the retention period from the live cache (no
//!    store is read to count them, so the Data page can offer the purge when it is due).
//! 2. [`gather`] reads those tickets by key and their steps by index, with their photos.
//! 3. [`archive`] builds the archive export of what will be erased; the view encrypts it,
//!    hands it to the user, and [`check_archive`] reads that very text back — counts,
//!    checksum and every record present — before anything is erased.
//! 4. [`purge`] writes the erasure as a stamped change in one transaction, with the photos,
//!    drafts and import-ledger copies of the same data.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Changed, Stamps, Who};
use crate::app::cache::BoardItem;
use crate::domain::draft::Draft;
use crate::domain::export::{self, CheckedPayload, DeviceInfo, Envelope, ExportMeta, ImportError, Payload, PhotoData, SiteInfo};
use crate::domain::record::{IndexName, Record, RecordKind};
use crate::domain::retention::{self, Personal};
use crate::domain::ticket::TicketStatus;
use crate::store::sync::{PurgeWrite, SyncStore};
use crate::store::{DraftStore, PhotoStore, StoreError};

/// The forms whose drafts may hold a resident's name or phone (typed and not yet saved).
pub const DRAFT_FORMS: [&str; 2] = ["intake", "quick-report"];

/// Whether a ticket still holds something a purge would erase.
pub fn holds_personal(item: &BoardItem) -> bool {
    let t = &item.ticket;
    !t.reporter_name.is_empty() || !t.phone.is_empty() || !t.photos.is_empty() || Personal::default().strike(&t.description) != t.description
}

/// Whether a ticket's residents' data is due for erasure at `now`: closed longer than
/// `months` ago and still holding some.
pub fn is_due(item: &BoardItem, months: u32, now: DateTime<Utc>) -> bool {
    item.state.status == TicketStatus::Closed && retention::is_due(item.state.closed_at, months, now) && holds_personal(item)
}

/// The tickets due for erasure at `now` ([`is_due`]), oldest closing first.
pub fn due<'a>(items: impl Iterator<Item = &'a std::sync::Arc<BoardItem>>, months: u32, now: DateTime<Utc>) -> Vec<Uuid> {
    let mut found: Vec<(DateTime<Utc>, Uuid)> = items
        .filter(|i| is_due(i, months, now))
        .filter_map(|i| i.state.closed_at.map(|c| (c, i.id)))
        .collect();
    found.sort();
    found.into_iter().map(|(_, id)| id).collect()
}

/// What a purge will erase, as stored now: the tickets, their steps and their photos.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gathered {
    pub tickets: Vec<Record>,
    pub steps: Vec<Record>,
    /// (sha256, mime, bytes) of the photos the tickets name that this device holds.
    pub photos: Vec<(String, String, Vec<u8>)>,
}

/// Reads the tickets by key and their steps by index. A ticket deleted or already purged
/// meanwhile is left out.
pub async fn gather<S: PhotoStore>(store: &S, ids: &[Uuid]) -> Result<Gathered, StoreError> {
    let keys: Vec<(RecordKind, Uuid)> = ids.iter().map(|id| (RecordKind::Ticket, *id)).collect();
    let mut gathered = Gathered::default();
    let mut shas = BTreeSet::new();
    for ticket in store.get_many(&keys).await?.into_iter().flatten().filter(|t| !t.is_deleted() && !t.is_purged()) {
        gathered.steps.extend(store.query(RecordKind::TicketEvent, IndexName::TicketId, &ticket.id.to_string()).await?);
        shas.extend(export::photo_refs(std::slice::from_ref(&ticket)));
        gathered.tickets.push(ticket);
    }
    for sha in shas {
        if let Some((mime, bytes)) = store.photo_file(&sha).await? {
            gathered.photos.push((sha, mime, bytes));
        }
    }
    Ok(gathered)
}

/// The archive of `gathered`: an export envelope marked as an archive, with the payload's
/// canonical text for the view to encrypt.
pub fn archive(gathered: &Gathered, device: DeviceInfo, site: SiteInfo, now: DateTime<Utc>, offset_min: i32) -> (Envelope, String) {
    let meta = ExportMeta {
        app_version: env!("CARGO_PKG_VERSION").into(),
        export_id: Uuid::now_v7(),
        device,
        site,
        exported_at: now,
        utc_offset_min: offset_min,
        since: None,
    };
    let records = gathered.tickets.iter().chain(&gathered.steps).cloned().collect();
    let photos = gathered.photos.iter().map(|(sha, mime, bytes)| PhotoData::new(sha.clone(), mime.clone(), bytes)).collect();
    let (mut envelope, text) = export::build(meta, Payload { records, photos, settings: None }, false);
    envelope.archive = true;
    (envelope, text)
}

/// The archive's file name: the site, the day and what it is.
pub fn archive_file_name(site_code: &str, local: chrono::NaiveDateTime) -> String {
    format!("patroldesk-{}-archive-{}.json", if site_code.is_empty() { "SITE" } else { site_code }, local.format("%Y%m%d-%H%M"))
}

/// Why an archive did not check out: nothing is erased.
#[derive(Debug, Clone, PartialEq)]
pub enum ArchiveCheck {
    /// The file does not open as an archive (damaged, or the passphrase does not open it).
    Unreadable(ImportError),
    /// It opens, but does not hold every record and photo to be erased.
    Incomplete { expected: usize, found: usize },
}

/// Reads the archive back from the text handed to the user (`decrypted`: its payload as the
/// passphrase opened it) and checks it holds exactly what will be erased, byte for byte.
pub fn check_archive(file_text: &str, decrypted: Option<&str>, gathered: &Gathered, now: DateTime<Utc>) -> Result<CheckedPayload, ArchiveCheck> {
    let envelope = export::read(file_text).map_err(ArchiveCheck::Unreadable)?;
    let payload = export::open_archive(&envelope, decrypted, now).map_err(ArchiveCheck::Unreadable)?;
    let expected: BTreeSet<String> = gathered
        .tickets
        .iter()
        .chain(&gathered.steps)
        .map(|r| serde_json::to_string(r).unwrap_or_default())
        .chain(gathered.photos.iter().map(|(sha, _, bytes)| format!("{sha}:{}", export::sha256_hex(bytes))))
        .collect();
    let found: BTreeSet<String> = payload
        .records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap_or_default())
        .chain(payload.photos.iter().map(|(sha, _, bytes)| format!("{sha}:{}", export::sha256_hex(bytes))))
        .collect();
    let held = expected.intersection(&found).count();
    if held != expected.len() || found.len() != expected.len() {
        return Err(ArchiveCheck::Incomplete { expected: expected.len(), found: held });
    }
    Ok(payload)
}

/// What a purge wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Purged {
    pub tickets: usize,
    pub steps: usize,
    pub photos: usize,
    pub changed: Changed,
}

/// Erases the residents' data of `gathered` (checked into an archive first) in one
/// transaction: each ticket and step stamped as purged, the tickets' photos deleted, and
/// names and phones struck out of the drafts. KPIs read nothing a purge changes.
pub async fn purge<S: SyncStore + DraftStore>(store: &S, clock: &impl Stamps, who: Who, gathered: &Gathered) -> Result<Purged, StoreError> {
    let mut write = PurgeWrite::default();
    let mut everyone = Personal::default();
    let mut steps_of: std::collections::HashMap<&str, Vec<&Record>> = std::collections::HashMap::new();
    for step in &gathered.steps {
        steps_of.entry(step.body.get("ticket_id").and_then(|v| v.as_str()).unwrap_or_default()).or_default().push(step);
    }
    for ticket in &gathered.tickets {
        let personal = Personal::of_ticket(ticket);
        write.records.push(ticket.purged(&personal, clock.stamp()?, who.actor));
        for step in steps_of.get(ticket.id.to_string().as_str()).into_iter().flatten() {
            write.records.push(step.purged(&personal, clock.stamp()?, who.actor));
        }
        everyone.extend(personal);
    }
    write.photos = gathered.photos.iter().map(|(sha, _, _)| sha.clone()).collect();
    for ticket in &gathered.tickets {
        write.photos.extend(export::photo_refs(std::slice::from_ref(ticket)));
    }
    write.photos.sort();
    write.photos.dedup();
    for form in DRAFT_FORMS {
        if let Some(draft) = store.load_draft(form).await? {
            let fields = everyone.strike_json(&draft.fields);
            if fields != draft.fields {
                write.drafts.push(Draft { fields, ..draft });
            }
        }
    }
    let stored = store.apply_purge(&write).await?;
    Ok(Purged {
        tickets: gathered.tickets.len(),
        steps: stored.len() - gathered.tickets.len(),
        photos: write.photos.len(),
        changed: Changed::of(stored),
    })
}
