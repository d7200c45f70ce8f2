//! What the replicator keeps on the tablet (issue 20): the last server revision known per
//! document — in the record's row when a pull wrote it, in a batch entry of `pushed_revs` when
//! a push sent it — and the checkpoints. Revisions and sequences say nothing of a resident.

use wasm_bindgen::{JsCast, JsValue};

use idb::{TransactionMode, TransactionResult};

use super::codec::{row_rev, set_row_rev};
use super::{classify, IdbStore};
use crate::domain::couch::{compare_revs, parse_doc_id};
use crate::domain::couch::Checkpoint;
use crate::domain::record::Record;
use crate::domain::clock::Stamp;
use crate::domain::record::RecordKind;
use crate::store::couch::{push_queue_key, Pulled, ReplicaStore, PUSH_QUEUE};
use uuid::Uuid;
use crate::store::{decode, encode, StoreError};

/// Where schema versions before 4 kept a pushed revision (still read).
const REV_PREFIX: &str = "couch-rev:";
/// A `pushed_revs` entry's lists (the `by_doc` index is on the first).
const PACK_IDS: &str = "ids";
const PACK_REVS: &str = "revs";
const CHECKPOINT_PREFIX: &str = "couch-checkpoint:";
/// Set by the first pull that writes a revision into a record's row.
const REVS_IN_ROWS: &str = "couch-revs-in-rows";

impl ReplicaStore for IdbStore {
    async fn known_revs(&self, doc_ids: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        use std::future::IntoFuture;
        // A revision is kept with the record's row when a pull wrote it, in a batch entry of
        // `pushed_revs` when a push sent it (a settings entry before schema version 4). All
        // read in one transaction, every request issued before any is awaited; the one
        // furthest along is the server's.
        let mut names: Vec<&str> = doc_ids.iter().filter_map(|id| parse_doc_id(id)).map(|(kind, _)| kind.store_name()).collect();
        names.extend([super::SETTINGS, super::PUSHED_REVS]);
        names.sort_unstable();
        names.dedup();
        let tx = self.db.transaction(&names, TransactionMode::ReadOnly).map_err(classify)?;
        let settings = tx.object_store(super::SETTINGS).map_err(classify)?;
        let packs = tx.object_store(super::PUSHED_REVS).map_err(classify)?;
        let by_doc = packs.index(super::BY_DOC).map_err(classify)?;
        let mut pending = Vec::with_capacity(doc_ids.len());
        for id in doc_ids {
            let entry = settings.get(JsValue::from_str(&format!("{REV_PREFIX}{id}"))).map_err(classify)?.into_future();
            let row = match parse_doc_id(id) {
                Some((kind, record)) => Some(tx.object_store(kind.store_name()).map_err(classify)?.get(JsValue::from_str(&record.to_string())).map_err(classify)?.into_future()),
                None => None,
            };
            let in_packs = by_doc.get_all_keys(Some(idb::Query::Key(JsValue::from_str(id))), None).map_err(classify)?.into_future();
            pending.push((entry, row, in_packs));
        }
        let mut out: Vec<Option<String>> = Vec::with_capacity(doc_ids.len());
        // Each batch entry naming one of these is read once, however many of them it names.
        let mut pack_keys: Vec<f64> = Vec::new();
        for (entry, row, in_packs) in pending {
            let sent = entry.await.map_err(classify)?.and_then(|v| v.as_string());
            let pulled = match row {
                Some(row) => row.await.map_err(classify)?.as_ref().and_then(row_rev),
                None => None,
            };
            pack_keys.extend(in_packs.await.map_err(classify)?.iter().filter_map(JsValue::as_f64));
            out.push(further_along(sent, pulled));
        }
        pack_keys.sort_by(f64::total_cmp);
        pack_keys.dedup();
        let wanted: std::collections::HashMap<&str, usize> = doc_ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
        let mut reads = Vec::with_capacity(pack_keys.len());
        for key in pack_keys {
            reads.push(packs.get(JsValue::from_f64(key)).map_err(classify)?.into_future());
        }
        for read in reads {
            let Some(pack) = read.await.map_err(classify)? else { continue };
            let (ids, revs) = pack_lists(&pack);
            for (id, rev) in ids.iter().zip(revs.iter()) {
                let (Some(id), Some(rev)) = (id.as_string(), rev.as_string()) else { continue };
                if let Some(&i) = wanted.get(id.as_str()) {
                    out[i] = further_along(out[i].take(), Some(rev));
                }
            }
        }
        tx.await.map_err(classify)?;
        Ok(out)
    }

    async fn store_pulled(&self, incoming: &[(Record, String, String)], first_pull: bool) -> Result<Pulled, StoreError> {
        if first_pull {
            if let Some(pulled) = self.add_pulled(incoming).await? {
                return Ok(pulled);
            }
        }
        self.merge_pulled(incoming).await
    }

    async fn queued_for_push(&self) -> Result<Vec<(RecordKind, Uuid, Stamp)>, StoreError> {
        Ok(self
            .settings_with_prefix(PUSH_QUEUE)
            .await?
            .into_iter()
            .filter_map(|(k, v)| Some((k.as_string()?.strip_prefix(PUSH_QUEUE).and_then(parse_doc_id)?, v.parse::<Stamp>().ok()?)))
            .map(|((kind, id), stamp)| (kind, id, stamp))
            .collect())
    }

    async fn unqueue(&self, sent: &[(RecordKind, Uuid, Stamp)]) -> Result<(), StoreError> {
        use std::future::IntoFuture;
        if sent.is_empty() {
            return Ok(());
        }
        in_transaction!(self.db, &[super::SETTINGS], |tx| {
            let settings = tx.object_store(super::SETTINGS).map_err(classify)?;
            let mut reads = Vec::with_capacity(sent.len());
            for (kind, id, _) in sent {
                let key = JsValue::from_str(&push_queue_key(*kind, *id));
                reads.push((settings.get(key.clone()).map_err(classify)?.into_future(), key));
            }
            for ((read, key), (_, _, stamp)) in reads.into_iter().zip(sent) {
                if read.await.map_err(classify)?.and_then(|v| v.as_string()) == Some(stamp.to_string()) {
                    settings.delete(idb::Query::Key(key)).map_err(classify)?;
                }
            }
            Ok(())
        })
    }

    async fn local_write_mark(&self) -> Result<Option<String>, StoreError> {
        self.read_text(super::LOCAL_WRITE_MARK).await
    }

    async fn knows_any_rev(&self) -> Result<bool, StoreError> {
        if self.read_text(REVS_IN_ROWS).await?.is_some() {
            return Ok(true);
        }
        let tx = self.db.transaction(&[super::SETTINGS, super::PUSHED_REVS], TransactionMode::ReadOnly).map_err(classify)?;
        let store = tx.object_store(super::SETTINGS).map_err(classify)?;
        let range = super::access::prefix_range(REV_PREFIX)?;
        let first = store.get_all_keys(Some(idb::Query::KeyRange(range)), Some(1)).map_err(classify)?.await.map_err(classify)?;
        let packs = tx.object_store(super::PUSHED_REVS).map_err(classify)?.count(None).map_err(classify)?.await.map_err(classify)?;
        tx.await.map_err(classify)?;
        Ok(!first.is_empty() || packs > 0)
    }

    async fn remember_revs(&self, revs: &[(String, String)]) -> Result<(), StoreError> {
        if revs.is_empty() {
            return Ok(());
        }
        let pack = js_sys::Object::new();
        let ids: js_sys::Array = revs.iter().map(|(id, _)| JsValue::from_str(id)).collect();
        let list: js_sys::Array = revs.iter().map(|(_, rev)| JsValue::from_str(rev)).collect();
        js_sys::Reflect::set(&pack, &JsValue::from_str(PACK_IDS), &ids).map_err(|_| StoreError::Aborted("pushed revisions".into()))?;
        js_sys::Reflect::set(&pack, &JsValue::from_str(PACK_REVS), &list).map_err(|_| StoreError::Aborted("pushed revisions".into()))?;
        self.put_raw(&[(super::PUSHED_REVS, pack.into(), None)]).await
    }

    async fn load_checkpoint(&self, replication: &str) -> Result<Option<Checkpoint>, StoreError> {
        let key = format!("{CHECKPOINT_PREFIX}{replication}");
        self.read_text(&key).await?.map(|j| decode(&key, &j)).transpose()
    }

    async fn save_checkpoint(&self, replication: &str, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        let key = format!("{CHECKPOINT_PREFIX}{replication}");
        self.write_text(&key, encode(&key, checkpoint)?).await
    }

    async fn missing_photos(&self, shas: &[String]) -> Result<Vec<String>, StoreError> {
        use std::future::IntoFuture;
        // Keys only: a photo is not read (nor opened) to know it is here.
        let tx = self.db.transaction(&[super::PHOTOS], TransactionMode::ReadOnly).map_err(classify)?;
        let store = tx.object_store(super::PHOTOS).map_err(classify)?;
        let mut pending = Vec::with_capacity(shas.len());
        for sha in shas {
            pending.push(store.count(Some(idb::Query::Key(JsValue::from_str(sha)))).map_err(classify)?.into_future());
        }
        let mut missing = Vec::new();
        for (sha, request) in shas.iter().zip(pending) {
            if request.await.map_err(classify)? == 0 {
                missing.push(sha.clone());
            }
        }
        tx.await.map_err(classify)?;
        Ok(missing)
    }

    async fn photo_bytes(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        use crate::store::PhotoStore;
        self.photo_file(sha256).await
    }

    async fn put_photos(&self, photos: &[(String, String, Vec<u8>)]) -> Result<(), StoreError> {
        let mut items = Vec::with_capacity(photos.len());
        for (sha, mime, bytes) in photos {
            items.push((super::PHOTOS, JsValue::from(self.photo_blob_at_rest(mime, bytes)?), Some(JsValue::from_str(sha))));
        }
        self.put_raw(&items).await
    }
}

impl IdbStore {
    /// A first pull's batch written with `add`, without reading first: one request per record
    /// instead of two. `add` never replaces a stored record: if one is there after all (another
    /// tab pulling the same documents, an import meanwhile), the transaction aborts with a
    /// ConstraintError, nothing of the batch is written, and `None` says to merge it instead.
    async fn add_pulled(&self, incoming: &[(Record, String, String)]) -> Result<Option<Pulled>, StoreError> {
        let names = pulled_stores(incoming, &[super::SETTINGS]);
        let mut pulled = Pulled::default();
        let new: Vec<(&Record, Option<&str>)> = incoming.iter().filter(|(record, _, _)| pulled.settle(None, record).is_some()).map(|(record, _, rev)| (record, Some(rev.as_str()))).collect();
        let rows = self.rows_js(&new)?;
        let tx = self.db.transaction(&names, TransactionMode::ReadWrite).map_err(classify)?;
        let issued: Result<(), StoreError> = (|| {
            // Each kind's store asked for once, not once a row (5,000 rows a batch).
            let mut stores: Vec<(RecordKind, idb::ObjectStore)> = Vec::new();
            for ((record, _), row) in new.iter().zip(&rows) {
                let at = match stores.iter().position(|(kind, _)| *kind == record.kind) {
                    Some(at) => at,
                    None => {
                        stores.push((record.kind, tx.object_store(record.kind.store_name()).map_err(classify)?));
                        stores.len() - 1
                    }
                };
                stores[at].1.add(row, None).map_err(classify)?;
            }
            tx.object_store(super::SETTINGS).map_err(classify)?.put(&JsValue::from_str("1"), Some(&JsValue::from_str(REVS_IN_ROWS))).map_err(classify)?;
            Ok(())
        })();
        if let Err(e) = issued {
            let _ = tx.abort();
            return Err(e);
        }
        // A failed `add` reaches the transaction as its request's error event, before the
        // abort; whatever it was, the batch is written again the ordinary way, which reports a
        // failure of its own (a full disk) as any write does.
        match tx.commit().map_err(classify)?.await {
            Ok(TransactionResult::Committed) => Ok(Some(pulled)),
            Ok(TransactionResult::Aborted) | Err(_) => Ok(None),
        }
    }

    /// A batch merged with what is stored, each record read first.
    async fn merge_pulled(&self, incoming: &[(Record, String, String)]) -> Result<Pulled, StoreError> {
        use std::future::IntoFuture;
        let purges = incoming.iter().any(|(r, _, _)| r.is_purged());
        let names = pulled_stores(incoming, if purges { &[super::SETTINGS, super::PHOTOS] } else { &[super::SETTINGS] });
        in_transaction!(self.db, &names, |tx| {
            // Each record asked for directly: a batch is small beside a store of a year's
            // tickets, whose key list would cost more than the reads.
            let mut reads = Vec::with_capacity(incoming.len());
            for (record, _, _) in incoming {
                reads.push(tx.object_store(record.kind.store_name()).map_err(classify)?.get(JsValue::from_str(&record.id.to_string())).map_err(classify)?.into_future());
            }
            let settings = tx.object_store(super::SETTINGS).map_err(classify)?;
            let mut pulled = Pulled::default();
            let mut merged_rows = Vec::new();
            for ((record, _, rev), read) in incoming.iter().zip(reads) {
                let stored_row = read.await.map_err(classify)?;
                let stored = stored_row.as_ref().map(|v| self.from_js(v)).transpose()?;
                let store = tx.object_store(record.kind.store_name()).map_err(classify)?;
                // The revision goes into the record's row, with it.
                match (pulled.settle(stored.as_ref(), record), stored_row) {
                    // Written once every read has answered, all rows made at once.
                    (Some(merged), _) => merged_rows.push((merged, rev.as_str())),
                    // The same record at another revision (a conflict settled elsewhere to
                    // what is here): only the revision changes.
                    (None, Some(row)) if row_rev(&row).as_deref() != Some(rev.as_str()) => {
                        set_row_rev(&row, rev);
                        store.put(&row, None).map_err(classify)?;
                    }
                    (None, _) => {}
                }
            }
            let rows = self.rows_js(&merged_rows.iter().map(|(merged, rev)| (merged, Some(*rev))).collect::<Vec<_>>())?;
            for ((merged, _), row) in merged_rows.iter().zip(&rows) {
                tx.object_store(merged.kind.store_name()).map_err(classify)?.put(row, None).map_err(classify)?;
            }
            settings.put(&JsValue::from_str("1"), Some(&JsValue::from_str(REVS_IN_ROWS))).map_err(classify)?;
            if pulled.merged_here {
                super::mark_local_write(&tx)?;
            }
            if pulled.erases {
                settings.delete(idb::Query::Key(JsValue::from_str(crate::store::BOARD_SUMMARY_KEY))).map_err(classify)?;
            }
            if purges {
                let photos = tx.object_store(super::PHOTOS).map_err(classify)?;
                for sha256 in &pulled.photos_erased {
                    photos.delete(idb::Query::Key(JsValue::from_str(sha256))).map_err(classify)?;
                }
            }
            Ok(pulled)
        })
    }
}

/// The stores a batch from the server is written to, with `more`.
fn pulled_stores<'a>(incoming: &[(Record, String, String)], more: &[&'a str]) -> Vec<&'a str> {
    let mut names: Vec<&str> = incoming.iter().map(|(r, _, _)| r.kind.store_name()).collect();
    names.extend_from_slice(more);
    names.sort_unstable();
    names.dedup();
    names
}

const CONFIG_KEY: &str = "couch";

impl IdbStore {
    /// Whether a server is set for live sync (what an import writes is then queued for it).
    pub(super) async fn live_sync_set_up(&self) -> Result<bool, StoreError> {
        Ok(self.read_text(CONFIG_KEY).await?.is_some())
    }

    /// Where this tablet replicates, `None` when not set. Sealed once sign-in is set up.
    pub async fn load_couch_config(&self) -> Result<Option<crate::domain::couch::CouchConfig>, StoreError> {
        match self.read_text(CONFIG_KEY).await? {
            None => Ok(None),
            Some(text) => decode(CONFIG_KEY, &self.open_text(CONFIG_KEY, text)?).map(Some),
        }
    }

    /// A password is only kept sealed: with sign-in not set up, only an address without one.
    pub async fn save_couch_config(&self, config: &crate::domain::couch::CouchConfig) -> Result<(), StoreError> {
        let text = encode(CONFIG_KEY, config)?;
        let sealed = self.seal_text(CONFIG_KEY, text)?;
        if !config.password.is_empty() && !sealed.starts_with(crate::domain::sealing::SEALED_TEXT) {
            return Err(StoreError::Locked);
        }
        self.write_text(CONFIG_KEY, sealed).await
    }
}

/// The revision further along of two (either may be unknown).
fn further_along(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if compare_revs(&a, &b).is_ge() { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// A `pushed_revs` entry's document ids and revisions, side by side.
fn pack_lists(pack: &JsValue) -> (js_sys::Array, js_sys::Array) {
    let list = |name: &str| js_sys::Reflect::get(pack, &JsValue::from_str(name)).ok().and_then(|v| v.dyn_into::<js_sys::Array>().ok()).unwrap_or_default();
    (list(PACK_IDS), list(PACK_REVS))
}
