//! What a store must do atomically to import export files: the one-transaction apply with
//! its ledger entry, and undo of an import (the use cases around them are `app::sync`). The merge rules are the domain's
//! ([`crate::domain::merge`]); this declares what a store must do atomically, once for every
//! implementation.

use std::collections::HashMap;

use uuid::Uuid;

use crate::domain::merge::{conflicts, merge_incoming, Outcome};
use crate::domain::record::{Record, RecordKind};

use super::{RecordStore, StoreError};

pub use crate::domain::ledger::{fingerprint, Counts, LedgerEntry, LedgerSource, Prior, UndoReport};

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
    /// Writes a purge of residents' data ([`crate::domain::retention`]) in one transaction:
    /// each record merged with what is stored now (a step taken since it was read is kept,
    /// the erased values are not), the photos named deleted, the drafts given replaced, and
    /// every import-ledger entry's previous versions of these records erased, and the board's
    /// summary dropped (it may quote a resident; the next is written from the purged
    /// records, and a cold start without one reads the tickets). Returns the records as stored.
    async fn apply_purge(&self, purge: &PurgeWrite) -> Result<Vec<Record>, StoreError>;
}

/// What one purge writes (see [`SyncStore::apply_purge`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PurgeWrite {
    pub records: Vec<Record>,
    pub photos: Vec<String>,
    pub drafts: Vec<crate::domain::draft::Draft>,
}

impl PurgeWrite {
    /// The records by kind and id, for the ledger's erase.
    pub fn by_key(&self) -> HashMap<(RecordKind, Uuid), Record> {
        self.records.iter().map(|r| ((r.kind, r.id), r.clone())).collect()
    }
}

/// What an import decided: the records to write, and the photos a purge it carries (or
/// meets) has erased — never added, and deleted where stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decided {
    pub writes: Vec<Record>,
    pub photos_erased: Vec<String>,
    /// A purge reached a record stored here: the board's summary, which may quote the
    /// resident, is dropped in the same transaction.
    pub erases: bool,
}

/// The decision for each record of an import against what is stored (used inside each
/// store's transaction): the records to write, the priors, the counts and the conflicts.
pub fn decide(records: &[Record], stored: impl Fn(&Record) -> Option<Record>, entry: &mut LedgerEntry) -> Decided {
    let mut writes: Vec<Record> = Vec::new();
    let mut photos_erased: Vec<String> = Vec::new();
    let mut erases = false;
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
        // A repair's records replace what is stored: their stamps were moved back on purpose,
        // and a merge would keep the stored ones from the future.
        let (merged, outcome) = match entry.source {
            LedgerSource::StampRepair if current.as_ref() != Some(r) => (Some(r.clone()), Outcome::Updated),
            LedgerSource::StampRepair => (None, Outcome::Identical),
            LedgerSource::File => merge_incoming(current.as_ref(), r),
        };
        *entry.counts.entry(r.kind).or_default().entry(outcome).or_default() += 1;
        if let Some(merged) = merged {
            if outcome == Outcome::Conflicting || !conflicts(&merged).is_empty() {
                entry.conflicted.push(key);
            }
            let before = match current {
                // Undo never puts back what a purge erased.
                Some(c) if merged.is_purged() => {
                    erases |= c.purged_at != merged.purged_at;
                    photos_erased.extend(crate::domain::retention::photos_erased(&[&c, r], &merged));
                    Some(crate::domain::merge::merge(&c, &merged))
                }
                other => other,
            };
            if merged.is_purged() {
                photos_erased.extend(crate::domain::retention::photos_erased(&[r], &merged));
            }
            match prior_at.get(&key) {
                Some(&at) => entry.priors[at].after = fingerprint(&merged),
                None => {
                    prior_at.insert(key, entry.priors.len());
                    entry.priors.push(Prior { kind: r.kind, id: r.id, before, after: fingerprint(&merged) });
                }
            }
            written.insert(key, writes.len());
            writes.push(merged);
        }
    }
    entry.conflicted.sort();
    entry.conflicted.dedup();
    photos_erased.sort();
    photos_erased.dedup();
    Decided { writes, photos_erased, erases }
}

