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

