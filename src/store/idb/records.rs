//! Records: reads by key, index and page, the change bounds behind the unexported count,
//! and the one write path (records, with their photos when they have any).

use std::future::IntoFuture;

use idb::{CursorDirection, KeyRange, Query, TransactionMode, TransactionResult};
use uuid::Uuid;
use wasm_bindgen::JsValue;

use super::{classify, Head, IdbStore, PHOTOS};
use crate::domain::clock::Stamp;
use crate::domain::record::{IndexName, Record, RecordKind};
use crate::store::{supersedes, ChangeSummary, ChangedPage, PageWanted, PutReport, RecordStore, Row, StoreError};

/// Reads `keys` inside `tx` (`None` where there is no such record). For more than a few keys,
/// which exist is learnt first from each store's key list, so a new record costs no request; the rest are
/// issued in batches before any is awaited, as awaiting each `get` in turn costs a task
/// turn per record (requests in one transaction still complete in order). Together these
/// took the apply of a 2,000-ticket import from 8.3 s to 2.5 s.
pub(super) async fn read_records(tx: &idb::Transaction, keys: &[(RecordKind, Uuid)]) -> Result<Vec<Option<JsValue>>, StoreError> {
    use std::future::IntoFuture;
    const BATCH: usize = 1024;
    let mut out = vec![None; keys.len()];
    // A few keys (another tab's change, a small file) are read straight away: the key lists
    // would cost as much as the store is large.
    let wanted: Vec<usize> = if keys.len() <= DIRECT_READS {
        (0..keys.len()).collect()
    } else {
        let mut present = std::collections::HashSet::new();
        for kind in RecordKind::ALL.into_iter().filter(|k| keys.iter().any(|(kind, _)| kind == k)) {
            let stored = tx.object_store(kind.store_name()).map_err(classify)?.get_all_keys(None, None).map_err(classify)?.await.map_err(classify)?;
            present.extend(stored.iter().filter_map(|k| Uuid::parse_str(&k.as_string()?).ok()).map(|id| (kind, id)));
        }
        (0..keys.len()).filter(|&i| present.contains(&keys[i])).collect()
    };
    for chunk in wanted.chunks(BATCH) {
        let mut pending = Vec::with_capacity(chunk.len());
        for &i in chunk {
            let (kind, id) = keys[i];
            let store = tx.object_store(kind.store_name()).map_err(classify)?;
            pending.push((i, store.get(JsValue::from_str(&id.to_string())).map_err(classify)?.into_future()));
        }
        for (i, request) in pending {
            out[i] = request.await.map_err(classify)?;
        }
    }
    Ok(out)
}

/// How a sealed record shows in its stored JSON (as a key; a user's text equal to the word
/// only costs that record the slower path).
const SEALED_KEY: &str = "\"sealed\"";

/// Up to this many keys, [`read_records`] asks for each without reading the key lists first.
const DIRECT_READS: usize = 256;

/// Records per page when a whole store is read at start (see `read_live_rows`).
const READ_PAGE: u32 = 1000;

/// A stored row's `updated_at`, read from the row without decoding it.
fn row_stamp(row: &JsValue) -> Result<Stamp, StoreError> {
    let text = js_sys::Reflect::get(row, &JsValue::from_str("updated_at")).ok().and_then(|v| v.as_string()).unwrap_or_default();
    text.parse::<Stamp>().map_err(|e| StoreError::Corrupt { key: text, reason: e.0 })
}

/// A stored row's id, read from the row without decoding it.
fn row_id(row: &JsValue) -> Option<Uuid> {
    js_sys::Reflect::get(row, &JsValue::from_str("id")).ok()?.as_string().and_then(|id| Uuid::parse_str(&id).ok())
}

impl IdbStore {
    async fn get_all(&self, kind: RecordKind, index: Option<IndexName>, query: Option<Query>) -> Result<Vec<Record>, StoreError> {
        let name = kind.store_name();
        let tx = self.db.transaction(&[name], TransactionMode::ReadOnly).map_err(classify)?;
        let store = tx.object_store(name).map_err(classify)?;
        let values = match index {
            Some(index) => store
                .index(index.name())
                .map_err(classify)?
                .get_all(query, None)
                .map_err(classify)?
                .await
                .map_err(classify)?,
            None => store.get_all(query, None).map_err(classify)?.await.map_err(classify)?,
        };
        tx.await.map_err(classify)?;
        values.iter().map(|v| self.from_js(v)).collect()
    }

    /// Every live record of `kind` with its body read straight into `T`, and how many did
    /// not read as one. One `getAll` and one `JSON.stringify` for the whole store, then each
    /// record decoded from its own slice of that text: going through `JSON.stringify` and a
    /// `serde_json::Value` per record was most of a cold start (10k tickets with 70k events:
    /// 9.5 s of reading with the CPU 4× slower).
    async fn read_live_rows<T: serde::de::DeserializeOwned>(&self, kind: RecordKind) -> Result<(Vec<Row<T>>, usize), StoreError> {
        let name = kind.store_name();
        // Sized once from the store's count: grown page by page, the vector of 70,000 steps
        // was copied at each doubling, and wasm memory keeps its highest mark (+20 MB).
        let count = {
            let tx = self.db.transaction(&[name], TransactionMode::ReadOnly).map_err(classify)?;
            let n = tx.object_store(name).map_err(classify)?.count(None).map_err(classify)?.await.map_err(classify)?;
            tx.await.map_err(classify)?;
            n as usize
        };
        let mut rows = Vec::with_capacity(count);
        let mut unreadable = 0;
        let mut after: Option<JsValue> = None;
        // A page at a time, each in its own transaction, with a turn of the event loop
        // between pages: reading 10,000 tickets in one getAll was one long task of half a
        // second on a slow tablet, during which the board (already shown from its summary)
        // could not take a tap. A record written between two pages is applied to the cache
        // by its own commit or another tab's message, so nothing is missed.
        loop {
            let tx = self.db.transaction(&[name], TransactionMode::ReadOnly).map_err(classify)?;
            let query = match &after {
                Some(key) => Some(Query::KeyRange(KeyRange::lower_bound(key, Some(true)).map_err(classify)?)),
                None => None,
            };
            let values = tx.object_store(name).map_err(classify)?.get_all(query, Some(READ_PAGE)).map_err(classify)?.await.map_err(classify)?;
            tx.await.map_err(classify)?;
            let Some(last) = values.last() else { break };
            after = js_sys::Reflect::get(last, &JsValue::from_str("id")).ok();
            let text = js_sys::JSON::stringify(&values.iter().collect::<js_sys::Array>())
                .ok()
                .and_then(|s| s.as_string())
                .ok_or_else(|| StoreError::Corrupt { key: name.into(), reason: "not JSON-compatible".into() })?;
            let slices: Vec<&serde_json::value::RawValue> = serde_json::from_str(&text).map_err(|e| StoreError::Corrupt { key: name.into(), reason: e.to_string() })?;
            for slice in slices {
                let read = if slice.get().contains(SEALED_KEY) {
                    self.open_row::<T>(slice.get())?
                } else {
                    serde_json::from_str::<Row<T>>(slice.get()).map_err(|e| e.to_string())
                };
                match read {
                    Ok(row) if row.deleted_at.is_none() => rows.push(row),
                    Ok(_) => {}
                    // A tombstone's body may be anything: only a live record that does not
                    // read is unreadable.
                    Err(_) if serde_json::from_str::<Head>(slice.get()).is_ok_and(|h| h.deleted_at.is_some()) => {}
                    Err(_) => unreadable += 1,
                }
            }
            if values.len() < READ_PAGE as usize || after.is_none() {
                break;
            }
            crate::platform::next_turn().await;
        }
        crate::platform::mark(&format!("pd-got-{name}"));
        Ok((rows, unreadable))
    }

    /// A sealed record's row: its body's box opened into the body, then the body read as
    /// `T`. The field writes are left alone (a row does not carry them): opening each of
    /// their boxes made the unlock of 10,000 tickets and their steps several times slower.
    /// The outer error is for the read as a whole (locked); the inner one is this record's.
    fn open_row<T: serde::de::DeserializeOwned>(&self, text: &str) -> Result<Result<Row<T>, String>, StoreError> {
        #[derive(serde::Deserialize)]
        struct SealedRow {
            id: Uuid,
            created_at: Stamp,
            updated_at: Stamp,
            origin_device: Uuid,
            #[serde(default)]
            deleted_at: Option<Stamp>,
            body: serde_json::Map<String, serde_json::Value>,
            #[serde(default, rename = "writes", deserialize_with = "crate::store::row_edits")]
            edits: Vec<crate::domain::record::EditMark>,
            #[serde(default)]
            purged_at: Option<Stamp>,
        }
        let row: SealedRow = match serde_json::from_str(text) {
            Ok(row) => row,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let mut body = row.body;
        if let Some(sealed) = body.remove(crate::domain::sealing::SEALED) {
            let sealer = self.sealer()?.ok_or(StoreError::Locked)?;
            match sealer.open_fields(row.id, &sealed) {
                Ok(fields) => body.extend(fields),
                Err(e) => return Ok(Err(e.to_string())),
            }
        }
        let body = match serde_json::from_value::<T>(serde_json::Value::Object(body)) {
            Ok(body) => body,
            Err(e) => return Ok(Err(e.to_string())),
        };
        Ok(Ok(Row { id: row.id, created_at: row.created_at, updated_at: row.updated_at, origin_device: row.origin_device, deleted_at: row.deleted_at, body, edits: row.edits, purged_at: row.purged_at }))
    }

    /// [`RecordStore::put_many`] plus photo Blobs (keyed by their SHA-256) in the same
    /// transaction: a ticket is never stored without its photos, nor photos without it.
    pub(super) async fn write_with_photos(&self, records: &[Record], photos: &[(String, web_sys::Blob)]) -> Result<PutReport, StoreError> {
        let mut names: Vec<&str> = records.iter().map(|r| r.kind.store_name()).collect();
        if !photos.is_empty() {
            names.push(PHOTOS);
        }
        if !records.is_empty() {
            names.push(super::SETTINGS);
        }
        names.sort_unstable();
        names.dedup();
        let mut report = PutReport::default();
        if names.is_empty() {
            return Ok(report);
        }
        let values = self.rows_js(&records.iter().map(|r| (r, None)).collect::<Vec<_>>())?;
        // Sealed before the transaction opens: reading a Blob's bytes is a promise, and
        // awaiting one inside would let the transaction commit half-way.
        let mut sealed_photos = Vec::with_capacity(photos.len());
        for (sha256, blob) in photos {
            sealed_photos.push((sha256, self.photo_at_rest(blob).await?));
        }
        // Read, compare and write in the same transaction, so no other tab's write can slip
        // in between the comparison and the put.
        let tx = self.db.transaction(&names, TransactionMode::ReadWrite).map_err(classify)?;
        let probe = tx.object_store(names[0]).map_err(classify)?.transaction();
        // Every read issued before the first is awaited (a round trip to IndexedDB each,
        // one after another, made a batch of 1,000 cost 0.4 s); they answer in order.
        let mut reads = Vec::with_capacity(records.len());
        for record in records {
            let read = tx.object_store(record.kind.store_name()).and_then(|store| store.get(JsValue::from_str(&record.id.to_string())));
            match read {
                Ok(request) => reads.push(request.into_future()),
                Err(e) => {
                    let _ = tx.abort();
                    return Err(classify(e));
                }
            }
        }
        // A record twice in one batch is compared with its earlier version in the batch,
        // which the read issued beforehand did not see.
        let mut written: std::collections::HashMap<(RecordKind, uuid::Uuid), usize> = std::collections::HashMap::new();
        for (i, ((record, value), read)) in records.iter().zip(values).zip(reads).enumerate() {
            let stored = match read.await {
                Ok(stored) => stored,
                Err(e) => {
                    let _ = tx.abort();
                    return Err(classify(e));
                }
            };
            super::codec::keep_rev(stored.as_ref(), &value);
            let stored = match written.get(&(record.kind, record.id)) {
                Some(&earlier) => Some(records[earlier].clone()),
                None => match stored.as_ref().map(|v| self.from_js(v)).transpose() {
                    Ok(stored) => stored,
                    Err(e) => {
                        let _ = tx.abort();
                        return Err(e);
                    }
                },
            };
            if !supersedes(record, stored.as_ref()) {
                report.stale.push(record.id);
                continue;
            }
            let put = tx.object_store(record.kind.store_name()).and_then(|store| store.put(&value, None));
            if let Err(e) = put {
                let _ = tx.abort();
                return Err(classify(e));
            }
            written.insert((record.kind, record.id), i);
        }
        for (sha256, blob) in &sealed_photos {
            let put = tx.object_store(PHOTOS).and_then(|store| store.put(blob, Some(&JsValue::from_str(sha256))));
            if let Err(e) = put {
                let _ = tx.abort();
                return Err(classify(e));
            }
        }
        if !written.is_empty() {
            if let Err(e) = super::mark_local_write(&tx) {
                let _ = tx.abort();
                return Err(e);
            }
        }
        match tx.commit().map_err(classify)?.await.map_err(classify)? {
            TransactionResult::Committed => Ok(report),
            TransactionResult::Aborted => Err(match probe.error() {
                Some(e) => classify(idb::Error::DomException(e)),
                None => StoreError::Aborted("aborted".to_owned()),
            }),
        }
    }
}

impl RecordStore for IdbStore {
    async fn get(&self, kind: RecordKind, id: Uuid) -> Result<Option<Record>, StoreError> {
        let name = kind.store_name();
        let tx = self.db.transaction(&[name], TransactionMode::ReadOnly).map_err(classify)?;
        let store = tx.object_store(name).map_err(classify)?;
        let value = store.get(JsValue::from_str(&id.to_string())).map_err(classify)?.await.map_err(classify)?;
        tx.await.map_err(classify)?;
        value.as_ref().map(|v| self.from_js(v)).transpose()
    }

    async fn put_many(&self, records: &[Record]) -> Result<PutReport, StoreError> {
        self.write_with_photos(records, &[]).await
    }

    async fn live_rows<T: serde::de::DeserializeOwned>(&self, kind: RecordKind) -> Result<(Vec<Row<T>>, usize), StoreError> {
        self.read_live_rows(kind).await
    }

    async fn get_many(&self, keys: &[(RecordKind, Uuid)]) -> Result<Vec<Option<Record>>, StoreError> {
        let names: Vec<&str> = RecordKind::ALL.iter().map(|k| k.store_name()).collect();
        let tx = self.db.transaction(&names, TransactionMode::ReadOnly).map_err(classify)?;
        let values = read_records(&tx, keys).await?;
        let out = values.iter().map(|v| v.as_ref().map(|v| self.from_js(v)).transpose()).collect::<Result<Vec<_>, _>>()?;
        tx.await.map_err(classify)?;
        Ok(out)
    }

    async fn purge_device(&self, device: Uuid) -> Result<usize, StoreError> {
        let mut names: Vec<&str> = RecordKind::ALL.iter().map(|k| k.store_name()).collect();
        names.push(super::SETTINGS);
        names.sort_unstable();
        in_transaction!(self.db, &names, |tx| {
            super::mark_local_write(&tx)?;
            let mut removed = 0;
            for kind in RecordKind::ALL {
                let store = tx.object_store(kind.store_name()).map_err(classify)?;
                let all = store.get_all(None, None).map_err(classify)?.await.map_err(classify)?;
                for value in all {
                    let record = self.from_js(&value)?;
                    if record.origin_device == device {
                        drop(store.delete(JsValue::from_str(&record.id.to_string())).map_err(classify)?);
                        removed += 1;
                    }
                }
            }
            Ok(removed)
        })
    }

    async fn query(&self, kind: RecordKind, index: IndexName, value: &str) -> Result<Vec<Record>, StoreError> {
        let found = self.get_all(kind, Some(index), Some(Query::Key(JsValue::from_str(value)))).await?;
        Ok(found.into_iter().filter(|r| !r.is_deleted()).collect())
    }

    async fn live(&self, kind: RecordKind) -> Result<Vec<Record>, StoreError> {
        Ok(self.get_all(kind, None, None).await?.into_iter().filter(|r| !r.is_deleted()).collect())
    }

    async fn changed_since(&self, kind: RecordKind, since: Option<Stamp>) -> Result<Vec<Record>, StoreError> {
        // The updated_at index is the stamp's text form, which sorts like the stamps.
        let range = match since {
            Some(s) => Some(Query::KeyRange(
                KeyRange::lower_bound(&JsValue::from_str(&s.to_string()), Some(true)).map_err(classify)?,
            )),
            None => None,
        };
        self.get_all(kind, Some(IndexName::UpdatedAt), range).await
    }

    async fn changed_page(&self, kind: RecordKind, after: Option<Stamp>, limit: usize, skip: &std::collections::HashSet<(Uuid, Stamp)>) -> Result<ChangedPage, StoreError> {
        let mut pages = self.changed_pages(&[PageWanted { kind, after, skip }], limit).await?;
        pages.pop().ok_or_else(|| StoreError::Corrupt { key: kind.store_name().into(), reason: "no page read".into() })
    }

    async fn changed_pages(&self, wanted: &[PageWanted<'_>], limit: usize) -> Result<Vec<ChangedPage>, StoreError> {
        let mut names: Vec<&str> = wanted.iter().map(|w| w.kind.store_name()).collect();
        names.sort_unstable();
        names.dedup();
        if names.is_empty() {
            return Ok(Vec::new());
        }
        // One transaction, every kind's page asked for at once: read one kind after another,
        // a push's small read waited behind each page the app's start-up read in between
        // (seven waits of 50-100 ms for one edit, right after the app started).
        let tx = self.db.transaction(&names, TransactionMode::ReadOnly).map_err(classify)?;
        let count = u32::try_from(limit).unwrap_or(u32::MAX);
        let mut asked = Vec::with_capacity(wanted.len());
        for w in wanted {
            let index = tx.object_store(w.kind.store_name()).map_err(classify)?.index(IndexName::UpdatedAt.name()).map_err(classify)?;
            let range = match w.after {
                Some(s) => Some(Query::KeyRange(KeyRange::lower_bound(&JsValue::from_str(&s.to_string()), Some(true)).map_err(classify)?)),
                None => None,
            };
            let rows = index.get_all(range, Some(count)).map_err(classify)?.into_future();
            asked.push((index, rows));
        }
        let mut read = Vec::with_capacity(wanted.len());
        for (index, rows) in asked {
            let rows = rows.await.map_err(classify)?;
            let ended = rows.len() < limit;
            // Each row's stamp and id read from the row itself: a skipped row is never decoded
            // (nor opened, when sealed). (A key cursor over the index, reading no row, was
            // slower still: a step per row.)
            let mut page: Vec<(Stamp, JsValue)> = rows.into_iter().map(|row| Ok((row_stamp(&row)?, row))).collect::<Result<_, StoreError>>()?;
            // A full page may end inside a run of one stamp: the run goes to the next page,
            // unless it is the whole page (then the whole run is this page).
            if page.len() == limit {
                if let Some(last) = page.last().map(|(stamp, _)| *stamp) {
                    page.retain(|(stamp, _)| *stamp != last);
                    if page.is_empty() {
                        let run = index.get_all(Some(Query::Key(JsValue::from_str(&last.to_string()))), None).map_err(classify)?.await.map_err(classify)?;
                        page = run.into_iter().map(|row| (last, row)).collect();
                    }
                }
            }
            read.push((page, ended));
        }
        tx.await.map_err(classify)?;
        let mut pages = Vec::with_capacity(wanted.len());
        for (w, (page, ended)) in wanted.iter().zip(read) {
            let last = page.last().map(|(stamp, _)| *stamp);
            let mut records = Vec::with_capacity(page.len());
            for (stamp, row) in page {
                if !w.skip.is_empty() && row_id(&row).is_some_and(|id| w.skip.contains(&(id, stamp))) {
                    continue;
                }
                records.push(self.from_js(&row)?);
            }
            pages.push(ChangedPage { records, last, ended });
        }
        Ok(pages)
    }

    async fn changed_between(&self, kind: RecordKind, after: Stamp, before: Stamp) -> Result<Vec<Record>, StoreError> {
        let (lo, hi) = (JsValue::from_str(&after.to_string()), JsValue::from_str(&before.to_string()));
        let range = Query::KeyRange(KeyRange::bound(&lo, &hi, Some(true), Some(true)).map_err(classify)?);
        self.get_all(kind, Some(IndexName::UpdatedAt), Some(range)).await
    }

    async fn change_summary(&self, since: Option<Stamp>) -> Result<ChangeSummary, StoreError> {
        let mut summary = ChangeSummary { since, ..ChangeSummary::default() };
        let range = || -> Result<Option<Query>, StoreError> {
            since.map(|s| KeyRange::lower_bound(&JsValue::from_str(&s.to_string()), Some(true)).map(Query::KeyRange).map_err(classify)).transpose()
        };
        // From the `updated_at` index alone: start-up and the unexported badge must not read
        // every record (10k tickets and their events would cost seconds on a tablet). Every
        // kind in one transaction, asked at once (see `changed_pages`).
        let tx = self.db.transaction(&all_kinds(), TransactionMode::ReadOnly).map_err(classify)?;
        let mut asked = Vec::with_capacity(RecordKind::ALL.len());
        for kind in RecordKind::ALL {
            let index = tx.object_store(kind.store_name()).and_then(|s| s.index(IndexName::UpdatedAt.name())).map_err(classify)?;
            let count = index.count(range()?).map_err(classify)?.into_future();
            let oldest = index.open_key_cursor(range()?, Some(CursorDirection::Next)).map_err(classify)?.into_future();
            asked.push((count, oldest));
        }
        for (count, oldest) in asked {
            summary.count += count.await.map_err(classify)? as usize;
            if let Some(cursor) = oldest.await.map_err(classify)? {
                let stamp = key_stamp(&cursor.key().map_err(classify)?)?;
                summary.oldest = Some(summary.oldest.map_or(stamp, |o: Stamp| o.min(stamp)));
            }
        }
        tx.await.map_err(classify)?;
        Ok(summary)
    }

    async fn highest_stamp_until(&self, bound: Stamp) -> Result<Option<Stamp>, StoreError> {
        // Only when the highest of all is beyond the bound.
        self.last_updated_at(Some(bound)).await
    }

    async fn highest_stamp(&self) -> Result<Option<Stamp>, StoreError> {
        // No count: this runs on every start.
        self.last_updated_at(None).await
    }
}

impl IdbStore {
    /// The highest key of every kind's `updated_at` index, at or below `bound` when given.
    async fn last_updated_at(&self, bound: Option<Stamp>) -> Result<Option<Stamp>, StoreError> {
        let tx = self.db.transaction(&all_kinds(), TransactionMode::ReadOnly).map_err(classify)?;
        let mut asked = Vec::with_capacity(RecordKind::ALL.len());
        for kind in RecordKind::ALL {
            let index = tx.object_store(kind.store_name()).and_then(|s| s.index(IndexName::UpdatedAt.name())).map_err(classify)?;
            let range = match bound {
                Some(b) => Some(Query::KeyRange(KeyRange::upper_bound(&JsValue::from_str(&b.to_string()), Some(false)).map_err(classify)?)),
                None => None,
            };
            asked.push(index.open_key_cursor(range, Some(CursorDirection::Prev)).map_err(classify)?.into_future());
        }
        let mut highest = None;
        for cursor in asked {
            if let Some(cursor) = cursor.await.map_err(classify)? {
                highest = highest.max(Some(key_stamp(&cursor.key().map_err(classify)?)?));
            }
        }
        tx.await.map_err(classify)?;
        Ok(highest)
    }
}

/// Every record kind's object store, for a transaction that reads them all.
fn all_kinds() -> Vec<&'static str> {
    RecordKind::ALL.iter().map(|k| k.store_name()).collect()
}

/// A stamp read from a key of the `updated_at` index.
fn key_stamp(key: &JsValue) -> Result<Stamp, StoreError> {
    let text = key.as_string().unwrap_or_default();
    text.parse::<Stamp>().map_err(|e| StoreError::Corrupt { key: text, reason: e.0 })
}
