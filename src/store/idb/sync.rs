//! Imports and their undo, each one transaction over the record stores, the photos and
//! the ledger.

use idb::{TransactionMode, TransactionResult};
use uuid::Uuid;
use wasm_bindgen::JsValue;

use super::records::read_records;
use super::{classify, IdbStore, DRAFTS, IMPORT_LEDGER, PHOTOS, SETTINGS};
use crate::domain::record::{Record, RecordKind};
use crate::store::StoreError;

/// Every record kind's store and `extra`, in one order.
fn record_stores_and(extra: &[&'static str]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = RecordKind::ALL.iter().map(|k| k.store_name()).chain(extra.iter().copied()).collect();
    names.sort_unstable();
    names
}

impl crate::store::sync::SyncStore for IdbStore {
    async fn apply_import(
        &self,
        records: &[Record],
        photos: &[(String, String, Vec<u8>)],
        mut entry: crate::store::sync::LedgerEntry,
    ) -> Result<crate::store::sync::LedgerEntry, StoreError> {
        // With live sync set up, what the import writes is queued for the next push (its
        // stamps are its own, likely older than the push checkpoint). A purge among the
        // records may drop the board's summary. Both are kept with the settings.
        let queue = self.live_sync_set_up().await?;
        let names = record_stores_and(&[IMPORT_LEDGER, PHOTOS, SETTINGS]);
        in_transaction!(self.db, &names, |tx| {
            super::mark_local_write(&tx)?;
            // Read what is stored, decide, then write — all inside this one transaction.
            let keys: Vec<(RecordKind, Uuid)> = records.iter().map(|r| (r.kind, r.id)).collect();
            let mut stored = std::collections::HashMap::new();
            let mut revs = std::collections::HashMap::new();
            for (key, value) in keys.iter().zip(read_records(&tx, &keys).await?) {
                if let Some(v) = value {
                    if let Some(rev) = super::codec::row_rev(&v) {
                        revs.insert(*key, rev);
                    }
                    stored.insert(*key, self.from_js(&v)?);
                }
            }
            let crate::store::sync::Decided { writes, photos_erased, erases } = crate::store::sync::decide(records, |r| stored.get(&(r.kind, r.id)).cloned(), &mut entry);
            let photo_store = tx.object_store(PHOTOS).map_err(classify)?;
            let mut new_photos = 0;
            for sha256 in &photos_erased {
                photo_store.delete(idb::Query::Key(JsValue::from_str(sha256))).map_err(classify)?;
            }
            for (sha256, mime, bytes) in photos.iter().filter(|(sha, _, _)| !photos_erased.contains(sha)) {
                let key = JsValue::from_str(sha256);
                if photo_store.get(key.clone()).map_err(classify)?.await.map_err(classify)?.is_none() {
                    photo_store.put(&JsValue::from(self.photo_blob_at_rest(mime, bytes)?), Some(&key)).map_err(classify)?;
                    new_photos += 1;
                }
            }
            if erases {
                tx.object_store(SETTINGS).map_err(classify)?.delete(idb::Query::Key(JsValue::from_str(crate::store::BOARD_SUMMARY_KEY))).map_err(classify)?;
            }
            if writes.is_empty() && new_photos == 0 && photos_erased.is_empty() {
                return Ok(entry);
            }
            let rows = self.rows_js(&writes.iter().map(|r| (r, revs.get(&(r.kind, r.id)).map(String::as_str))).collect::<Vec<_>>())?;
            for (r, row) in writes.iter().zip(&rows) {
                tx.object_store(r.kind.store_name()).map_err(classify)?.put(row, None).map_err(classify)?;
            }
            if queue {
                let settings = tx.object_store(SETTINGS).map_err(classify)?;
                for r in &writes {
                    let key = JsValue::from_str(&crate::store::couch::push_queue_key(r.kind, r.id));
                    settings.put(&JsValue::from_str(&r.updated_at.to_string()), Some(&key)).map_err(classify)?;
                }
            }
            tx.object_store(IMPORT_LEDGER).map_err(classify)?.put(&self.ledger_to_js(&entry)?, None).map_err(classify)?;
            Ok(entry)
        })
    }

    async fn ledger(&self) -> Result<Vec<crate::store::sync::LedgerEntry>, StoreError> {
        let tx = self.db.transaction(&[IMPORT_LEDGER], TransactionMode::ReadOnly).map_err(classify)?;
        let values = tx.object_store(IMPORT_LEDGER).map_err(classify)?.get_all(None, None).map_err(classify)?.await.map_err(classify)?;
        tx.await.map_err(classify)?;
        let mut list = values.iter().map(|v| self.ledger_from_js(v)).collect::<Result<Vec<_>, _>>()?;
        list.sort_by(|a, b| b.imported_at.cmp(&a.imported_at).then(b.id.cmp(&a.id)));
        Ok(list)
    }

    async fn undo_import(&self, ledger_id: Uuid) -> Result<crate::store::sync::UndoReport, StoreError> {
        let names = record_stores_and(&[IMPORT_LEDGER, PHOTOS, SETTINGS]);
        in_transaction!(self.db, &names, |tx| {
            super::mark_local_write(&tx)?;
            let ledger = tx.object_store(IMPORT_LEDGER).map_err(classify)?;
            let settings = tx.object_store(SETTINGS).map_err(classify)?;
            let Some(value) = ledger.get(JsValue::from_str(&ledger_id.to_string())).map_err(classify)?.await.map_err(classify)? else {
                return Ok(crate::store::sync::UndoReport::default());
            };
            let mut entry = self.ledger_from_js(&value)?;
            let mut report = crate::store::sync::UndoReport::default();
            if !entry.undone {
                for p in &entry.priors {
                    let store = tx.object_store(p.kind.store_name()).map_err(classify)?;
                    let key = JsValue::from_str(&p.id.to_string());
                    let current_row = store.get(key.clone()).map_err(classify)?.await.map_err(classify)?;
                    let current = current_row.as_ref().map(|v| self.from_js(v)).transpose()?;
                    if current.as_ref().map(crate::store::sync::fingerprint).as_ref() != Some(&p.after) {
                        report.kept += 1;
                        continue;
                    }
                    match &p.before {
                        Some(before) => {
                            let row = self.to_js(before)?;
                            super::codec::keep_rev(current_row.as_ref(), &row);
                            drop(store.put(&row, None).map_err(classify)?)
                        }
                        None => drop(store.delete(key).map_err(classify)?),
                    }
                    // Undone before it went up: it does not go (nor does the version put back).
                    settings.delete(idb::Query::Key(JsValue::from_str(&crate::store::couch::push_queue_key(p.kind, p.id)))).map_err(classify)?;
                    report.restored += 1;
                }
            }
            entry.undone = true;
            ledger.put(&self.ledger_to_js(&entry)?, None).map_err(classify)?;
            Ok(report)
        })
    }

    async fn apply_purge(&self, purge: &crate::store::sync::PurgeWrite) -> Result<Vec<Record>, StoreError> {
        let names = record_stores_and(&[DRAFTS, IMPORT_LEDGER, PHOTOS, SETTINGS]);
        in_transaction!(self.db, &names, |tx| {
            super::mark_local_write(&tx)?;
            let keys: Vec<(RecordKind, Uuid)> = purge.records.iter().map(|r| (r.kind, r.id)).collect();
            let mut written = Vec::with_capacity(keys.len());
            for (purged, value) in purge.records.iter().zip(read_records(&tx, &keys).await?) {
                let record = match &value {
                    Some(v) => crate::domain::merge::merge(&self.from_js(v)?, purged),
                    None => purged.clone(),
                };
                let row = self.to_js(&record)?;
                super::codec::keep_rev(value.as_ref(), &row);
                tx.object_store(record.kind.store_name()).map_err(classify)?.put(&row, None).map_err(classify)?;
                written.push(record);
            }
            let photo_store = tx.object_store(PHOTOS).map_err(classify)?;
            for sha256 in &purge.photos {
                photo_store.delete(idb::Query::Key(JsValue::from_str(sha256))).map_err(classify)?;
            }
            let drafts = tx.object_store(DRAFTS).map_err(classify)?;
            for draft in &purge.drafts {
                let json = self.seal_text(&draft.form, crate::store::encode(&draft.form, draft)?)?;
                drafts.put(&JsValue::from_str(&json), Some(&JsValue::from_str(&draft.form))).map_err(classify)?;
            }
            tx.object_store(SETTINGS).map_err(classify)?.delete(idb::Query::Key(JsValue::from_str(crate::store::BOARD_SUMMARY_KEY))).map_err(classify)?;
            // The ledger has one entry per import: read whole, inside this transaction, so an
            // import applied meanwhile cannot keep a previous version the purge missed.
            let by_key = purge.by_key();
            let ledger = tx.object_store(IMPORT_LEDGER).map_err(classify)?;
            for value in ledger.get_all(None, None).map_err(classify)?.await.map_err(classify)? {
                let mut entry = self.ledger_from_js(&value)?;
                if entry.erase_purged(&by_key) {
                    ledger.put(&self.ledger_to_js(&entry)?, None).map_err(classify)?;
                }
            }
            Ok(written)
        })
    }
}
