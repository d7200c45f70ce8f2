//! Export and import (导出/导入): the files that carry a tablet's changes to head office and
//! back. Reading and checking a file, the preview, the apply with its ledger entry, undo,
//! the conflicts left to review, and building an export; the browser's part (choosing and
//! saving files, WebCrypto) stays in the view.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::app::Stamps;
use crate::domain::clock::Stamp;
use crate::domain::export::{self, CheckedPayload, DeviceInfo, Envelope, ExportMeta, ExportOptions, ExportScope, Payload, PhotoData, SiteInfo};
use crate::domain::ledger::{flagged_records, record_label, Counts, LedgerEntry, UndoReport};
use crate::domain::merge::{conflicts, merge_incoming, Conflict};
use crate::domain::record::{Record, RecordKind};
use crate::domain::settings::{DeviceIdentity, SiteSettings};
use crate::store::sync::SyncStore;
use crate::store::{PhotoStore, RecordStore, SettingsStore, StoreError};

/// What applying a payload would do, without writing anything.
pub async fn preview<S: RecordStore>(store: &S, payload: &CheckedPayload) -> Result<Counts, StoreError> {
    let mut counts = Counts::new();
    let keys: Vec<(RecordKind, Uuid)> = payload.records.iter().map(|r| (r.kind, r.id)).collect();
    let stored_all = store.get_many(&keys).await?;
    for (r, stored) in payload.records.iter().zip(stored_all) {
        let (_, outcome) = merge_incoming(stored.as_ref(), r);
        *counts.entry(r.kind).or_default().entry(outcome).or_default() += 1;
    }
    Ok(counts)
}

/// Why an import did not happen: the file, or the storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportFailure {
    File(crate::domain::export::ImportError),
    Store(StoreError),
}

/// The whole pipeline for one file's text: read and check the envelope, check the payload
/// (`decrypted` is the payload text when the file was encrypted), then apply. Every check
/// runs before anything is written.
pub async fn import_file<S: SyncStore>(store: &S, text: &str, decrypted: Option<&str>, file_name: &str, now: DateTime<Utc>, ledger_id: Uuid) -> Result<LedgerEntry, ImportFailure> {
    use crate::domain::export::{open, read};
    let envelope = read(text).map_err(ImportFailure::File)?;
    let payload = open(&envelope, decrypted, now).map_err(ImportFailure::File)?;
    let entry = LedgerEntry::for_envelope(ledger_id, &envelope, file_name, now);
    store.apply_import(&payload.records, &payload.photos, entry).await.map_err(ImportFailure::Store)
}

/// The records of an export: every change after `since` (tombstones included), leaving out
/// sample data, which never travels.
pub async fn export_records<S: RecordStore>(store: &S, since: Option<crate::domain::clock::Stamp>) -> Result<Vec<Record>, StoreError> {
    let mut records = Vec::new();
    for kind in RecordKind::ALL {
        records.extend(store.changed_since(kind, since).await?.into_iter().filter(|r| !crate::domain::sample::is_sample(r)));
    }
    Ok(records)
}

/// One file imported: its ledger entry and the records it changed (what the cache and the
/// other tabs read again).
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub entry: LedgerEntry,
    pub changed: Vec<(RecordKind, Uuid)>,
}

/// Applies a file already read and checked (the preview's payload) in one transaction, and
/// moves this device's clock past everything in it, so an edit made after the import is
/// stamped later than anything imported.
pub async fn import_checked<S: SyncStore>(store: &S, clock: &impl Stamps, envelope: &Envelope, payload: &CheckedPayload, file_name: &str, now: DateTime<Utc>) -> Result<Imported, StoreError> {
    let entry = LedgerEntry::for_envelope(Uuid::now_v7(), envelope, file_name, now);
    let entry = store.apply_import(&payload.records, &payload.photos, entry).await?;
    if let Some(highest) = payload.records.iter().map(|r| r.updated_at).max() {
        clock.observe(highest);
    }
    let changed = entry.priors.iter().map(|p| (p.kind, p.id)).collect();
    Ok(Imported { entry, changed })
}

/// Puts back what the import changed, for every record not changed again since.
pub async fn undo_import<S: SyncStore>(store: &S, ledger_id: Uuid) -> Result<UndoReport, StoreError> {
    store.undo_import(ledger_id).await
}

/// A record an import left with conflicts still to review.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenConflict {
    pub kind: RecordKind,
    pub label: String,
    pub conflicts: Vec<Conflict>,
}

/// The ledger and the conflicts still open on the records its imports flagged, read by key.
pub async fn ledger_with_conflicts<S: SyncStore>(store: &S) -> Result<(Vec<LedgerEntry>, Vec<OpenConflict>), StoreError> {
    let ledger = store.ledger().await?;
    let keys = flagged_records(&ledger);
    let records = store.get_many(&keys).await?;
    let open = records
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let found = conflicts(&r);
            (!found.is_empty()).then(|| OpenConflict { kind: r.kind, label: record_label(&r), conflicts: found })
        })
        .collect();
    Ok((ledger, open))
}

/// An export ready to save: the envelope (payload in the clear; the view seals it when the
/// user asked for encryption), the payload's canonical text, and the file name.
#[derive(Debug, Clone)]
pub struct ExportFile {
    pub envelope: Envelope,
    pub payload_text: String,
    pub name: String,
    pub records: usize,
    /// Photos the records name that the device could not read: said to the user, not
    /// dropped quietly.
    pub photos_missing: usize,
    /// Records in the file stamped beyond the bound: other devices refuse the file until
    /// they are repaired ([`crate::app::repair`]).
    pub future_stamped: Vec<(RecordKind, Uuid)>,
}

/// Builds an export of this device's records as `options` say. `on_photo(done, total)`
/// reports progress while photos are read.
pub async fn build_export<S: PhotoStore + SettingsStore>(
    store: &S,
    options: ExportOptions,
    device: &DeviceIdentity,
    site: &SiteSettings,
    now: DateTime<Utc>,
    offset_min: i32,
    mut on_photo: impl FnMut(usize, usize),
) -> Result<ExportFile, StoreError> {
    let since = match options.scope {
        ExportScope::All => None,
        // A watermark from the future (a clock once set years ahead) would leave out every
        // change since: everything goes instead.
        ExportScope::SinceLast => store.load_export_watermark().await?.filter(|w| *w <= crate::app::repair::bound_at(now)),
    };
    let records = export_records(store, since).await?;
    let future_stamped = records.iter().filter(|r| crate::domain::restamp::is_future_stamped(r, now)).map(|r| (r.kind, r.id)).collect();
    let mut photos = Vec::new();
    let mut photos_missing = 0;
    if options.photos {
        let shas = export::photo_refs(&records);
        for (i, sha) in shas.iter().enumerate() {
            on_photo(i, shas.len());
            // A photo that is missing or does not read is counted; the export goes on.
            match store.photo_file(sha).await {
                Ok(Some((mime, bytes))) => photos.push(PhotoData::new(sha.clone(), mime, &bytes)),
                _ => photos_missing += 1,
            }
        }
    }
    let meta = ExportMeta {
        app_version: env!("CARGO_PKG_VERSION").into(),
        export_id: Uuid::now_v7(),
        device: DeviceInfo { id: device.id, name: device.name.clone() },
        site: SiteInfo { name: site.site_name.clone(), code: site.site_code.clone() },
        exported_at: now,
        utc_offset_min: offset_min,
        since,
    };
    let count = records.len();
    let (envelope, payload_text) = export::build(meta, Payload { records, photos, settings: Some(site.clone()) }, options.redacted);
    let local = crate::domain::locale::to_local(now, offset_min);
    let name = export::file_name(&site.site_code, &device.short_code(), local.naive_local(), options);
    Ok(ExportFile { envelope, payload_text, name, records: count, photos_missing, future_stamped })
}

/// After the file is saved: the changes up to it no longer count as "not yet exported".
/// A redacted file is a report, not a copy of the data, and moves nothing.
pub async fn mark_exported<S: SettingsStore>(store: &S, file: &ExportFile) -> Result<Option<Stamp>, StoreError> {
    if file.envelope.redacted {
        return Ok(None);
    }
    match file.envelope.until {
        Some(until) => store.save_export_watermark(until).await.map(|_| Some(until)),
        None => Ok(None),
    }
}
