//! Importing export files into a store: the preview, the one-transaction apply with its
//! ledger entry, and undo of an import. The merge rules are the domain's
//! ([`crate::domain::merge`]); this declares what a store must do atomically, once for every
//! implementation.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::export::{CheckedPayload, DeviceInfo, Envelope, SiteInfo};
use crate::domain::merge::{conflicts, merge_incoming, Outcome};
use crate::domain::record::{Record, RecordKind};

use super::{RecordStore, StoreError};

/// Per record kind (store name), how many records had each outcome.
pub type Counts = BTreeMap<String, BTreeMap<Outcome, usize>>;

/// One record's state before an import, and a fingerprint of it after (for undo).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prior {
    pub kind: RecordKind,
    pub id: Uuid,
    pub before: Option<Record>,
    /// [`fingerprint`] of the record as the import left it. Undo only needs to know
    /// whether the record changed since; a full copy doubled what an import wrote.
    pub after: String,
}

/// SHA-256 of a record's JSON: equal exactly when the records are.
pub fn fingerprint(record: &Record) -> String {
    crate::domain::export::sha256_hex(serde_json::to_string(record).unwrap_or_default().as_bytes())
}

/// An import, as the ledger keeps it (导入记录).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub id: Uuid,
    pub export_id: Uuid,
    pub device: DeviceInfo,
    pub site: SiteInfo,
    pub exported_at: DateTime<Utc>,
    pub imported_at: DateTime<Utc>,
    pub file_name: String,
    pub counts: Counts,
    /// Records that now have conflicts to review.
    pub conflicted: Vec<(RecordKind, Uuid)>,
    pub priors: Vec<Prior>,
    #[serde(default)]
    pub undone: bool,
}

impl LedgerEntry {
    /// A new entry for an import of `envelope` (filled in by the apply).
    pub fn for_envelope(id: Uuid, envelope: &Envelope, file_name: &str, imported_at: DateTime<Utc>) -> LedgerEntry {
        LedgerEntry {
            id,
            export_id: envelope.export_id,
            device: envelope.device.clone(),
            site: envelope.site.clone(),
            exported_at: envelope.exported_at,
            imported_at,
            file_name: file_name.to_owned(),
            counts: Counts::new(),
            conflicted: Vec::new(),
            priors: Vec::new(),
            undone: false,
        }
    }

    pub fn changed(&self) -> usize {
        self.priors.len()
    }
}

/// What undoing an import did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UndoReport {
    pub restored: usize,
    /// Records changed again since the import: left as they are.
    pub kept: usize,
}

/// The storage side of importing.
#[allow(async_fn_in_trait)]
pub trait SyncStore: RecordStore {
    /// Merges `records` into the store and adds missing photos, in one transaction, and
    /// writes `entry` (with counts and priors filled in) to the ledger in the same one —
    /// unless nothing changed, when nothing at all is written. Returns the entry.
    async fn apply_import(&self, records: &[Record], photos: &[(String, String, Vec<u8>)], entry: LedgerEntry) -> Result<LedgerEntry, StoreError>;
    /// Ledger entries, newest first.
    async fn ledger(&self) -> Result<Vec<LedgerEntry>, StoreError>;
    /// Puts back what an import changed, in one transaction, for every record not changed
    /// again since; marks the entry undone.
    async fn undo_import(&self, ledger_id: Uuid) -> Result<UndoReport, StoreError>;
}

/// What applying a payload would do, without writing anything.
pub async fn preview<S: RecordStore>(store: &S, payload: &CheckedPayload) -> Result<Counts, StoreError> {
    let mut counts = Counts::new();
    let keys: Vec<(RecordKind, Uuid)> = payload.records.iter().map(|r| (r.kind, r.id)).collect();
    let stored_all = store.get_many(&keys).await?;
    for (r, stored) in payload.records.iter().zip(stored_all) {
        let (_, outcome) = merge_incoming(stored.as_ref(), r);
        *counts.entry(r.kind.store_name().to_owned()).or_default().entry(outcome).or_default() += 1;
    }
    Ok(counts)
}

/// The decision for each record of an import against what is stored (used inside each
/// store's transaction): the records to write, the priors, the counts and the conflicts.
pub fn decide(records: &[Record], stored: impl Fn(&Record) -> Option<Record>, entry: &mut LedgerEntry) -> Vec<Record> {
    let mut writes: Vec<Record> = Vec::new();
    // Where each record's latest write and prior sit, so a file of 100,000 records is not
    // searched once per record.
    let mut written: HashMap<(RecordKind, Uuid), usize> = HashMap::new();
    let mut prior_at: HashMap<(RecordKind, Uuid), usize> = HashMap::new();
    for r in records {
        let key = (r.kind, r.id);
        // Earlier records of this same batch count as stored (a file never repeats an id,
        // but the same record may come in two files imported together).
        let current = match written.get(&key) {
            Some(&at) => Some(writes[at].clone()),
            None => stored(r),
        };
        let (merged, outcome) = merge_incoming(current.as_ref(), r);
        *entry.counts.entry(r.kind.store_name().to_owned()).or_default().entry(outcome).or_default() += 1;
        if let Some(merged) = merged {
            if outcome == Outcome::Conflicting || !conflicts(&merged).is_empty() {
                entry.conflicted.push(key);
            }
            match prior_at.get(&key) {
                Some(&at) => entry.priors[at].after = fingerprint(&merged),
                None => {
                    prior_at.insert(key, entry.priors.len());
                    entry.priors.push(Prior { kind: r.kind, id: r.id, before: current, after: fingerprint(&merged) });
                }
            }
            written.insert(key, writes.len());
            writes.push(merged);
        }
    }
    entry.conflicted.sort();
    entry.conflicted.dedup();
    writes
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
    let payload = open(&envelope, decrypted).map_err(ImportFailure::File)?;
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
