//! The in-memory store: the same contract as IndexedDB, for native tests of everything
//! that stores. Values go through JSON like they do in the browser, so a type that does not
//! round-trip fails here first.

use std::cell::RefCell;
use std::collections::BTreeMap;

use uuid::Uuid;

use super::{decode, encode, supersedes, DraftStore, PutReport, RecordStore, SettingsStore, StoreError, DEVICE_KEY, SITE_KEY};
use crate::domain::clock::Stamp;
use crate::domain::draft::Draft;
use crate::domain::record::{IndexName, Record, RecordKind};
use crate::domain::settings::{DeviceIdentity, SiteSettings};

#[derive(Debug, Default)]
pub struct MemoryStore {
    settings: RefCell<BTreeMap<String, String>>,
    /// Records as JSON text, like IndexedDB holds them as structured clones.
    records: RefCell<BTreeMap<(RecordKind, Uuid), String>>,
    drafts: RefCell<BTreeMap<String, String>>,
    photos: RefCell<BTreeMap<String, (String, Vec<u8>)>>,
    ledger: RefCell<BTreeMap<Uuid, String>>,
    /// When set, the next write fails with this error and changes nothing (tests of the
    /// failure paths).
    fail_next_write: RefCell<Option<StoreError>>,
    /// How many times a whole store was read (`live`, `live_rows`, `changed_since`): tests
    /// of the use cases check that an everyday action reads only by key and index.
    whole_reads: std::cell::Cell<usize>,
    /// Records found changed after a stamp, counted or read (the push's look for what
    /// waits to go up).
    changed_rows: std::cell::Cell<usize>,
    /// Changed by every write of records but a pull's as the server has them.
    local_writes: std::cell::Cell<u64>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whole-store reads so far (see the field).
    pub fn whole_store_reads(&self) -> usize {
        self.whole_reads.get()
    }

    /// Records found changed after a stamp so far (see the field).
    pub fn changed_rows_read(&self) -> usize {
        self.changed_rows.get()
    }

    pub fn fail_next_write(&self, error: StoreError) {
        *self.fail_next_write.borrow_mut() = Some(error);
    }

    fn write(&self, key: &str, json: String) -> Result<(), StoreError> {
        if let Some(error) = self.fail_next_write.borrow_mut().take() {
            return Err(error);
        }
        self.settings.borrow_mut().insert(key.to_owned(), json);
        Ok(())
    }

    /// The records, to change: the local-write mark changes with them (only a pull storing
    /// them as the server has them writes without it).
    fn records_mut(&self) -> std::cell::RefMut<'_, BTreeMap<(RecordKind, Uuid), String>> {
        self.local_writes.set(self.local_writes.get() + 1);
        self.records.borrow_mut()
    }

    /// [`RecordStore::put_many`]; `marks_local_write` false only for a pull storing records
    /// as the server has them.
    async fn write_records(&self, records: &[Record], marks_local_write: bool) -> Result<PutReport, StoreError> {
        // Decide and encode everything first: a failure leaves the store untouched, like an
        // aborted transaction.
        let mut report = PutReport::default();
        let mut encoded = Vec::with_capacity(records.len());
        for r in records {
            let stored = self.get(r.kind, r.id).await?;
            // A batch may hold the same record twice: compare with the batch's own newer copy.
            let pending = encoded
                .iter()
                .rev()
                .find(|((k, id), _, _)| *k == r.kind && *id == r.id)
                .map(|(_, _, rec): &(_, _, Record)| rec.clone());
            if supersedes(r, pending.as_ref().or(stored.as_ref())) {
                encoded.push(((r.kind, r.id), encode(&r.id.to_string(), r)?, r.clone()));
            } else {
                report.stale.push(r.id);
            }
        }
        if let Some(error) = self.fail_next_write.borrow_mut().take() {
            return Err(error);
        }
        let mut stored = if marks_local_write { self.records_mut() } else { self.records.borrow_mut() };
        stored.extend(encoded.into_iter().map(|(key, json, _)| (key, json)));
        Ok(report)
    }

    fn all_of(&self, kind: RecordKind) -> Result<Vec<Record>, StoreError> {
        self.records
            .borrow()
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .map(|((_, id), json)| decode(&id.to_string(), json))
            .collect()
    }

    fn read<T: for<'de> serde::Deserialize<'de>>(&self, key: &str) -> Result<Option<T>, StoreError> {
        self.settings.borrow().get(key).map(|json| decode(key, json)).transpose()
    }
}

impl crate::store::couch::ReplicaStore for MemoryStore {
    async fn store_pulled(&self, incoming: &[(Record, String, String)], _first_pull: bool) -> Result<crate::store::couch::Pulled, StoreError> {
        let keys: Vec<(RecordKind, Uuid)> = incoming.iter().map(|(r, _, _)| (r.kind, r.id)).collect();
        let stored = self.get_many(&keys).await?;
        let mut pulled = crate::store::couch::Pulled::default();
        let writes: Vec<Record> = incoming.iter().zip(&stored).filter_map(|((record, _, _), stored)| pulled.settle(stored.as_ref(), record)).collect();
        if !writes.is_empty() {
            self.write_records(&writes, pulled.merged_here).await?;
        }
        self.photos.borrow_mut().retain(|sha, _| !pulled.photos_erased.contains(sha));
        if pulled.erases {
            self.settings.borrow_mut().remove(super::BOARD_SUMMARY_KEY);
        }
        self.remember_revs(&incoming.iter().map(|(_, id, rev)| (id.clone(), rev.clone())).collect::<Vec<_>>()).await?;
        Ok(pulled)
    }

    async fn known_revs(&self, doc_ids: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        let settings = self.settings.borrow();
        Ok(doc_ids.iter().map(|id| settings.get(&format!("couch-rev:{id}")).cloned()).collect())
    }

    async fn queued_for_push(&self) -> Result<Vec<(RecordKind, Uuid, crate::domain::clock::Stamp)>, StoreError> {
        let settings = self.settings.borrow();
        Ok(settings
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(crate::store::couch::PUSH_QUEUE).and_then(crate::domain::couch::parse_doc_id)?, v.parse().ok()?)))
            .map(|((kind, id), stamp)| (kind, id, stamp))
            .collect())
    }

    async fn unqueue(&self, sent: &[(RecordKind, Uuid, crate::domain::clock::Stamp)]) -> Result<(), StoreError> {
        let mut settings = self.settings.borrow_mut();
        for (kind, id, stamp) in sent {
            let key = crate::store::couch::push_queue_key(*kind, *id);
            if settings.get(&key) == Some(&stamp.to_string()) {
                settings.remove(&key);
            }
        }
        Ok(())
    }

    async fn local_write_mark(&self) -> Result<Option<String>, StoreError> {
        Ok(Some(self.local_writes.get().to_string()))
    }

    async fn knows_any_rev(&self) -> Result<bool, StoreError> {
        Ok(self.settings.borrow().keys().any(|k| k.starts_with("couch-rev:")))
    }

    async fn remember_revs(&self, revs: &[(String, String)]) -> Result<(), StoreError> {
        if let Some(error) = self.fail_next_write.borrow_mut().take() {
            return Err(error);
        }
        let mut settings = self.settings.borrow_mut();
        for (id, rev) in revs {
            settings.insert(format!("couch-rev:{id}"), rev.clone());
        }
        Ok(())
    }

    async fn load_checkpoint(&self, replication: &str) -> Result<Option<crate::domain::couch::Checkpoint>, StoreError> {
        let key = format!("couch-checkpoint:{replication}");
        self.read(&key)
    }

    async fn save_checkpoint(&self, replication: &str, checkpoint: &crate::domain::couch::Checkpoint) -> Result<(), StoreError> {
        let key = format!("couch-checkpoint:{replication}");
        self.write(&key, encode(&key, checkpoint)?)
    }

    async fn missing_photos(&self, shas: &[String]) -> Result<Vec<String>, StoreError> {
        let photos = self.photos.borrow();
        Ok(shas.iter().filter(|s| !photos.contains_key(*s)).cloned().collect())
    }

    async fn photo_bytes(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        Ok(self.photos.borrow().get(sha256).cloned())
    }

    async fn put_photos(&self, photos: &[(String, String, Vec<u8>)]) -> Result<(), StoreError> {
        if let Some(error) = self.fail_next_write.borrow_mut().take() {
            return Err(error);
        }
        self.photos.borrow_mut().extend(photos.iter().map(|(sha, mime, bytes)| (sha.clone(), (mime.clone(), bytes.clone()))));
        Ok(())
    }
}

impl crate::store::AccessLogStore for MemoryStore {
    async fn append_access(&self, entry: &crate::domain::access::AccessEntry) -> Result<(), StoreError> {
        let key = format!("{}{}", crate::store::ACCESS_PREFIX, entry.id);
        self.write(&key, encode(&key, entry)?)
    }

    async fn access_log(&self) -> Result<Vec<crate::domain::access::AccessEntry>, StoreError> {
        let texts: Vec<(String, String)> = self.settings.borrow().iter().filter(|(k, _)| k.starts_with(crate::store::ACCESS_PREFIX)).map(|(k, v)| (k.clone(), v.clone())).collect();
        let mut entries = texts.iter().map(|(k, v)| decode(k, v)).collect::<Result<Vec<crate::domain::access::AccessEntry>, _>>()?;
        entries.reverse();
        Ok(entries)
    }
}

impl SettingsStore for MemoryStore {
    async fn load_device(&self) -> Result<Option<DeviceIdentity>, StoreError> {
        self.read(DEVICE_KEY)
    }

    async fn save_device(&self, device: &DeviceIdentity) -> Result<(), StoreError> {
        self.write(DEVICE_KEY, encode(DEVICE_KEY, device)?)
    }

    async fn load_site(&self) -> Result<Option<SiteSettings>, StoreError> {
        self.read(SITE_KEY)
    }

    async fn save_site(&self, site: &SiteSettings) -> Result<(), StoreError> {
        self.write(SITE_KEY, encode(SITE_KEY, site)?)
    }

    async fn next_sequence(&self, scope: &str) -> Result<u32, StoreError> {
        let next = self.read::<u32>(scope)?.unwrap_or(0) + 1;
        self.write(scope, next.to_string())?;
        Ok(next)
    }

    async fn load_export_watermark(&self) -> Result<Option<Stamp>, StoreError> {
        self.read(super::WATERMARK_KEY)
    }

    async fn save_export_watermark(&self, stamp: Stamp) -> Result<(), StoreError> {
        self.write(super::WATERMARK_KEY, encode(super::WATERMARK_KEY, &stamp)?)
    }

    async fn load_follow_up(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.read(&super::follow_up_store_key(key))
    }

    async fn load_board_summary(&self) -> Result<Option<crate::domain::board::BoardSummary>, StoreError> {
        Ok(self.read(super::BOARD_SUMMARY_KEY).ok().flatten())
    }

    async fn save_board_summary(&self, summary: &crate::domain::board::BoardSummary) -> Result<(), StoreError> {
        self.write(super::BOARD_SUMMARY_KEY, encode(super::BOARD_SUMMARY_KEY, summary)?)
    }

    async fn save_follow_up(&self, key: &str, plan: &str) -> Result<(), StoreError> {
        let key = super::follow_up_store_key(key);
        self.write(&key, encode(&key, &plan)?)
    }

    async fn load_keyring(&self) -> Result<Option<crate::domain::keyring::Keyring>, StoreError> {
        self.read(super::KEYRING_KEY)
    }

    async fn save_keyring(&self, keyring: &crate::domain::keyring::Keyring) -> Result<(), StoreError> {
        self.write(super::KEYRING_KEY, encode(super::KEYRING_KEY, keyring)?)
    }
}

impl RecordStore for MemoryStore {
    async fn get(&self, kind: RecordKind, id: Uuid) -> Result<Option<Record>, StoreError> {
        self.records.borrow().get(&(kind, id)).map(|json| decode(&id.to_string(), json)).transpose()
    }

    async fn put_many(&self, records: &[Record]) -> Result<PutReport, StoreError> {
        self.write_records(records, true).await
    }

    async fn purge_device(&self, device: Uuid) -> Result<usize, StoreError> {
        let mut doomed: Vec<(RecordKind, Uuid)> = Vec::new();
        for kind in RecordKind::ALL {
            doomed.extend(self.all_of(kind)?.into_iter().filter(|r| r.origin_device == device).map(|r| (r.kind, r.id)));
        }
        if let Some(error) = self.fail_next_write.borrow_mut().take() {
            return Err(error);
        }
        let mut records = self.records_mut();
        for key in &doomed {
            records.remove(key);
        }
        Ok(doomed.len())
    }

    async fn query(&self, kind: RecordKind, index: IndexName, value: &str) -> Result<Vec<Record>, StoreError> {
        // Only records whose text holds the value are decoded: an index lookup, not a scan
        // of every record, for tests that query once per ticket.
        let records = self.records.borrow();
        let quoted = serde_json::to_string(value).map_err(|e| StoreError::Corrupt { key: value.to_owned(), reason: e.to_string() })?;
        records
            .iter()
            .filter(|((k, _), json)| *k == kind && json.contains(&quoted))
            .map(|((_, id), json)| decode::<Record>(&id.to_string(), json))
            .filter(|r| r.as_ref().map_or(true, |r| !r.is_deleted() && index.value_of(r).as_deref() == Some(value)))
            .collect()
    }

    async fn live(&self, kind: RecordKind) -> Result<Vec<Record>, StoreError> {
        self.whole_reads.set(self.whole_reads.get() + 1);
        Ok(self.all_of(kind)?.into_iter().filter(|r| !r.is_deleted()).collect())
    }

    async fn changed_since(&self, kind: RecordKind, since: Option<Stamp>) -> Result<Vec<Record>, StoreError> {
        self.whole_reads.set(self.whole_reads.get() + 1);
        let mut changed: Vec<Record> =
            self.all_of(kind)?.into_iter().filter(|r| since.is_none_or(|s| r.updated_at > s)).collect();
        changed.sort_by_key(|r| r.updated_at);
        self.changed_rows.set(self.changed_rows.get() + changed.len());
        Ok(changed)
    }
}

impl DraftStore for MemoryStore {
    async fn load_draft(&self, form: &str) -> Result<Option<Draft>, StoreError> {
        self.drafts.borrow().get(form).map(|json| decode(form, json)).transpose()
    }

    async fn save_draft(&self, draft: &Draft) -> Result<(), StoreError> {
        let json = encode(&draft.form, draft)?;
        if let Some(error) = self.fail_next_write.borrow_mut().take() {
            return Err(error);
        }
        self.drafts.borrow_mut().insert(draft.form.clone(), json);
        Ok(())
    }

    async fn discard_draft(&self, form: &str) -> Result<(), StoreError> {
        self.drafts.borrow_mut().remove(form);
        Ok(())
    }
}

impl super::PhotoStore for MemoryStore {
    /// Mime type and bytes.
    type Blob = (String, Vec<u8>);

    async fn put_many_with_photos(&self, records: &[Record], photos: &[(String, Self::Blob)]) -> Result<PutReport, StoreError> {
        // put_many takes a failure injected for the write before anything is kept, so the
        // photos below are only kept when the records were.
        let report = self.put_many(records).await?;
        self.photos.borrow_mut().extend(photos.iter().cloned());
        Ok(report)
    }

    async fn photo(&self, sha256: &str) -> Result<Option<Self::Blob>, StoreError> {
        Ok(self.stored_photo(sha256))
    }

    async fn photo_file(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        Ok(self.stored_photo(sha256))
    }
}

impl MemoryStore {
    /// A stored photo (mime, bytes) by its SHA-256.
    pub fn stored_photo(&self, sha256: &str) -> Option<(String, Vec<u8>)> {
        self.photos.borrow().get(sha256).cloned()
    }

    /// Every stored record of every kind, tombstones included (tests compare databases).
    pub fn everything(&self) -> Result<Vec<Record>, StoreError> {
        let mut all = Vec::new();
        for kind in RecordKind::ALL {
            all.extend(self.all_of(kind)?);
        }
        Ok(all)
    }
}

impl super::sync::SyncStore for MemoryStore {
    async fn apply_import(
        &self,
        records: &[Record],
        photos: &[(String, String, Vec<u8>)],
        mut entry: super::sync::LedgerEntry,
    ) -> Result<super::sync::LedgerEntry, StoreError> {
        let super::sync::Decided { writes, photos_erased, erases } = super::sync::decide(records, |r| self.get_now(r.kind, r.id), &mut entry);
        let new_photos: Vec<_> = photos
            .iter()
            .filter(|(sha, _, _)| !self.photos.borrow().contains_key(sha) && !photos_erased.contains(sha))
            .cloned()
            .collect();
        let erasing = photos_erased.iter().any(|sha| self.photos.borrow().contains_key(sha));
        if writes.is_empty() && new_photos.is_empty() && !erasing {
            return Ok(entry);
        }
        let encoded = writes.iter().map(|r| Ok(((r.kind, r.id), encode(&r.id.to_string(), r)?))).collect::<Result<Vec<_>, StoreError>>()?;
        let ledger_text = encode("ledger", &entry)?;
        if let Some(error) = self.fail_next_write.borrow_mut().take() {
            return Err(error);
        }
        self.records_mut().extend(encoded);
        // This store stands for a tablet with live sync set up: what an import wrote waits
        // for the next push.
        self.settings.borrow_mut().extend(writes.iter().map(|r| (crate::store::couch::push_queue_key(r.kind, r.id), r.updated_at.to_string())));
        self.photos.borrow_mut().extend(new_photos.into_iter().map(|(sha, mime, bytes)| (sha, (mime, bytes))));
        self.photos.borrow_mut().retain(|sha, _| !photos_erased.contains(sha));
        if erases {
            self.settings.borrow_mut().remove(super::BOARD_SUMMARY_KEY);
        }
        self.ledger.borrow_mut().insert(entry.id, ledger_text);
        Ok(entry)
    }

    async fn apply_purge(&self, purge: &super::sync::PurgeWrite) -> Result<Vec<Record>, StoreError> {
        let stored: Vec<Record> = purge
            .records
            .iter()
            .map(|r| self.get_now(r.kind, r.id).map_or_else(|| r.clone(), |s| crate::domain::merge::merge(&s, r)))
            .collect();
        let encoded = stored.iter().map(|r| Ok(((r.kind, r.id), encode(&r.id.to_string(), r)?))).collect::<Result<Vec<_>, StoreError>>()?;
        let by_key = purge.by_key();
        let mut ledger = Vec::new();
        for (id, text) in self.ledger.borrow().iter() {
            let mut entry: super::sync::LedgerEntry = decode("ledger", text)?;
            if entry.erase_purged(&by_key) {
                ledger.push((*id, encode("ledger", &entry)?));
            }
        }
        let drafts = purge.drafts.iter().map(|d| Ok((d.form.clone(), encode(&d.form, d)?))).collect::<Result<Vec<_>, StoreError>>()?;
        if let Some(error) = self.fail_next_write.borrow_mut().take() {
            return Err(error);
        }
        self.records_mut().extend(encoded);
        self.photos.borrow_mut().retain(|sha, _| !purge.photos.contains(sha));
        self.ledger.borrow_mut().extend(ledger);
        self.drafts.borrow_mut().extend(drafts);
        self.settings.borrow_mut().remove(super::BOARD_SUMMARY_KEY);
        Ok(stored)
    }

    async fn ledger(&self) -> Result<Vec<super::sync::LedgerEntry>, StoreError> {
        let mut list: Vec<super::sync::LedgerEntry> =
            self.ledger.borrow().values().map(|t| decode("ledger", t)).collect::<Result<_, _>>()?;
        list.sort_by(|a, b| b.imported_at.cmp(&a.imported_at).then(b.id.cmp(&a.id)));
        Ok(list)
    }

    async fn undo_import(&self, ledger_id: Uuid) -> Result<super::sync::UndoReport, StoreError> {
        let Some(text) = self.ledger.borrow().get(&ledger_id).cloned() else { return Ok(super::sync::UndoReport::default()) };
        let mut entry: super::sync::LedgerEntry = decode("ledger", &text)?;
        let mut report = super::sync::UndoReport::default();
        let mut changes = Vec::new();
        if !entry.undone {
            for p in &entry.priors {
                if self.get_now(p.kind, p.id).as_ref().map(super::sync::fingerprint).as_ref() == Some(&p.after) {
                    changes.push(((p.kind, p.id), p.before.as_ref().map(|b| encode(&b.id.to_string(), b)).transpose()?));
                    report.restored += 1;
                } else {
                    report.kept += 1;
                }
            }
        }
        entry.undone = true;
        let ledger_text = encode("ledger", &entry)?;
        if let Some(error) = self.fail_next_write.borrow_mut().take() {
            return Err(error);
        }
        let mut records = self.records_mut();
        for (key, before) in changes {
            // Undone before it went up: it does not go (nor does the version put back).
            self.settings.borrow_mut().remove(&crate::store::couch::push_queue_key(key.0, key.1));
            match before {
                Some(json) => records.insert(key, json),
                None => records.remove(&key),
            };
        }
        self.ledger.borrow_mut().insert(ledger_id, ledger_text);
        Ok(report)
    }
}

impl MemoryStore {
    fn get_now(&self, kind: RecordKind, id: Uuid) -> Option<Record> {
        self.records.borrow().get(&(kind, id)).and_then(|json| decode(&id.to_string(), json).ok())
    }
}
