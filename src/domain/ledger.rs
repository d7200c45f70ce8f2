//! The import ledger (导入记录): each import with what it changed, so it can be undone, and
//! what head office reads from it (the devices it has heard from).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::export::{DeviceInfo, Envelope, SiteInfo};
use super::merge::Outcome;
use super::record::{Record, RecordKind};

/// Per record kind, how many records had each outcome.
pub type Counts = BTreeMap<RecordKind, BTreeMap<Outcome, usize>>;

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
    super::export::sha256_hex(serde_json::to_string(record).unwrap_or_default().as_bytes())
}

/// What an entry records: a file imported, or this device's records re-stamped because their
/// stamps were in the future ([`crate::domain::restamp`]). Both undo the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerSource {
    #[default]
    File,
    StampRepair,
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
    /// Written by store name ("tickets"), as entries always were; a name this version does
    /// not know is left out.
    #[serde(with = "counts_by_store_name")]
    pub counts: Counts,
    /// Records that now have conflicts to review.
    pub conflicted: Vec<(RecordKind, Uuid)>,
    pub priors: Vec<Prior>,
    #[serde(default)]
    pub undone: bool,
    /// Entries written before repairs existed are imports.
    #[serde(default)]
    pub source: LedgerSource,
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
            source: LedgerSource::File,
        }
    }

    /// A new entry for a repair of this device's future stamps (filled in by the apply):
    /// the records it lists are written as given, not merged, and undo puts them back.
    pub fn for_repair(id: Uuid, device: DeviceInfo, site: SiteInfo, now: DateTime<Utc>) -> LedgerEntry {
        LedgerEntry {
            id,
            export_id: id,
            device,
            site,
            exported_at: now,
            imported_at: now,
            file_name: String::new(),
            counts: Counts::new(),
            conflicted: Vec::new(),
            priors: Vec::new(),
            undone: false,
            source: LedgerSource::StampRepair,
        }
    }

    pub fn changed(&self) -> usize {
        self.priors.len()
    }

    /// Erases from the entry's previous versions what a purge erased from these records
    /// (by kind and id), so undo can never put a purged name back. Whether anything changed.
    pub fn erase_purged(&mut self, purged: &std::collections::HashMap<(RecordKind, Uuid), Record>) -> bool {
        let mut changed = false;
        for prior in &mut self.priors {
            let (Some(before), Some(purge)) = (&prior.before, purged.get(&(prior.kind, prior.id))) else { continue };
            let erased = super::merge::merge(before, purge);
            if &erased != before {
                prior.before = Some(erased);
                changed = true;
            }
        }
        changed
    }
}

/// What undoing an import did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UndoReport {
    pub restored: usize,
    /// Records changed again since the import: left as they are.
    pub kept: usize,
}

mod counts_by_store_name {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(counts: &Counts, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(counts.iter().map(|(kind, by)| (kind.store_name(), by)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Counts, D::Error> {
        let by_name: BTreeMap<String, BTreeMap<Outcome, usize>> = BTreeMap::deserialize(d)?;
        Ok(by_name
            .into_iter()
            .filter_map(|(name, by)| RecordKind::ALL.into_iter().find(|k| k.store_name() == name).map(|k| (k, by)))
            .collect())
    }
}

/// A device head office has heard from, as its imports show it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceHeard {
    pub device: DeviceInfo,
    pub site: SiteInfo,
    pub last_export: DateTime<Utc>,
    pub last_import: DateTime<Utc>,
    pub imports: usize,
}

/// Each device in the ledger (undone imports left out) with its latest export and import;
/// a device's latest name and site are the ones its newest export carried.
pub fn devices_heard_from(ledger: &[LedgerEntry]) -> Vec<DeviceHeard> {
    let mut by_device: BTreeMap<Uuid, DeviceHeard> = BTreeMap::new();
    for e in ledger.iter().filter(|e| !e.undone && e.source == LedgerSource::File) {
        let row = by_device.entry(e.device.id).or_insert_with(|| DeviceHeard {
            device: e.device.clone(),
            site: e.site.clone(),
            last_export: e.exported_at,
            last_import: e.imported_at,
            imports: 0,
        });
        if e.exported_at > row.last_export {
            row.device = e.device.clone();
            row.site = e.site.clone();
            row.last_export = e.exported_at;
        }
        row.last_import = row.last_import.max(e.imported_at);
        row.imports += 1;
    }
    by_device.into_values().collect()
}

/// The records the ledger's live imports flagged as conflicting, each once, oldest import
/// first as the ledger lists them.
pub fn flagged_records(ledger: &[LedgerEntry]) -> Vec<(RecordKind, Uuid)> {
    let mut seen = std::collections::BTreeSet::new();
    ledger.iter().filter(|e| !e.undone).flat_map(|e| e.conflicted.iter().copied()).filter(|k| seen.insert(*k)).collect()
}

/// What a person calls a record: a ticket's number, a plan's name (Chinese first), else its id.
pub fn record_label(record: &Record) -> String {
    let body = &record.body;
    body.get("number")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .or_else(|| body.get("name").and_then(|n| n.get("zh").or(n.get("en"))).and_then(|v| v.as_str()).map(str::to_owned))
        .unwrap_or_else(|| record.id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_written_by_store_name_and_unknown_names_are_left_out() {
        let mut counts = Counts::new();
        counts.entry(RecordKind::Ticket).or_default().insert(Outcome::New, 3);
        let json = serde_json::to_value(CountsHolder { counts: counts.clone() }).unwrap();
        assert_eq!(json, serde_json::json!({ "counts": { "tickets": { "New": 3 } } }));
        let back: CountsHolder = serde_json::from_value(serde_json::json!({ "counts": { "tickets": { "New": 3 }, "photos_v9": { "New": 1 } } })).unwrap();
        assert_eq!(back.counts, counts);
    }

    #[derive(Serialize, Deserialize)]
    struct CountsHolder {
        #[serde(with = "counts_by_store_name")]
        counts: Counts,
    }
}
