//! IndexedDB implementation of the storage contract.
//!
//! Records are stored as plain JS objects (so IndexedDB can index their fields) made with
//! `JSON.parse` of the serde JSON, and read back through `JSON.stringify`: the same text the
//! in-memory store round-trips in native tests. Settings are stored as JSON text.

use std::rc::Rc;

use idb::{CursorDirection, Database, DatabaseEvent, Factory, KeyPath, KeyRange, ObjectStoreParams, Query, TransactionMode, TransactionResult};
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};

use super::{decode, encode, supersedes, ChangeSummary, DraftStore, PhotoStore, PutReport, RecordStore, Row, SettingsStore, StoreError, DEVICE_KEY, SITE_KEY};
use crate::domain::clock::Stamp;
use crate::domain::draft::Draft;
use crate::domain::record::{IndexName, Record, RecordKind};
use crate::domain::settings::{DeviceIdentity, SiteSettings};

pub const DB_NAME: &str = "patroldesk";

/// The schema version. Every released version has a fixture in `tests/fixtures/` and a
/// test that opens it with the current code (tests/browser.rs).
/// - 1: `settings` (device identity, site settings and roster).
/// - 2: one store per record kind with its indexes; `photos`, `drafts`, `import_ledger`.
pub const SCHEMA_VERSION: u32 = 2;

const SETTINGS: &str = "settings";
pub const PHOTOS: &str = "photos";
pub const DRAFTS: &str = "drafts";
pub const IMPORT_LEDGER: &str = "import_ledger";

#[derive(serde::Deserialize)]
struct Head {
    #[serde(default)]
    deleted_at: Option<Stamp>,
}

/// An open database handle.
#[derive(Clone)]
pub struct IdbStore {
    db: Rc<Database>,
}

/// Turns an `idb` error into one the user can act on, by the DOMException's name.
fn classify(error: idb::Error) -> StoreError {
    let name = match &error {
        idb::Error::DomException(e) => Some(e.name()),
        _ => None,
    };
    match name.as_deref() {
        Some("QuotaExceededError") => StoreError::QuotaExceeded,
        Some("InvalidStateError") | Some("SecurityError") | Some("UnknownError") => {
            StoreError::Unavailable(error.to_string())
        }
        _ => StoreError::Aborted(error.to_string()),
    }
}

/// Runs every migration step above `old` in order, inside the upgrade transaction: if one
/// fails the whole upgrade is rolled back and the database stays at its old version.
fn migrate(db: &Database, old: u32) -> Result<(), idb::Error> {
    if old < 1 {
        db.create_object_store(SETTINGS, ObjectStoreParams::new())?;
    }
    if old < 2 {
        for kind in RecordKind::ALL {
            let mut params = ObjectStoreParams::new();
            params.key_path(Some(KeyPath::new_single("id")));
            let store = db.create_object_store(kind.store_name(), params)?;
            let updated = IndexName::UpdatedAt;
            store.create_index(updated.name(), KeyPath::new_single(updated.key_path()), None)?;
            for index in kind.indexes() {
                store.create_index(index.name(), KeyPath::new_single(index.key_path()), None)?;
            }
        }
        // Photos are Blobs keyed by their SHA-256; drafts by form id.
        db.create_object_store(PHOTOS, ObjectStoreParams::new())?;
        db.create_object_store(DRAFTS, ObjectStoreParams::new())?;
        let mut ledger = ObjectStoreParams::new();
        ledger.key_path(Some(KeyPath::new_single("id")));
        db.create_object_store(IMPORT_LEDGER, ledger)?;
    }
    Ok(())
}

fn to_js(record: &Record) -> Result<JsValue, StoreError> {
    let text = encode(&record.id.to_string(), record)?;
    js_sys::JSON::parse(&text).map_err(|_| StoreError::Corrupt { key: record.id.to_string(), reason: "JSON.parse".into() })
}

fn from_js(value: &JsValue) -> Result<Record, StoreError> {
    let text: String = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| StoreError::Corrupt { key: "?".into(), reason: "not JSON-compatible".into() })?;
    decode("record", &text)
}

/// Reads `keys` inside `tx` (`None` where there is no such record). Which keys exist is
/// learnt first from each store's key list, so a new record costs no request; the rest are
/// issued in batches before any is awaited, as awaiting each `get` in turn costs a task
/// turn per record (requests in one transaction still complete in order). Together these
/// took the apply of a 2,000-ticket import from 8.3 s to 2.5 s.
async fn read_records(tx: &idb::Transaction, keys: &[(RecordKind, Uuid)]) -> Result<Vec<Option<JsValue>>, StoreError> {
    use std::future::IntoFuture;
    const BATCH: usize = 1024;
    let mut present = std::collections::HashSet::new();
    for kind in RecordKind::ALL.into_iter().filter(|k| keys.iter().any(|(kind, _)| kind == k)) {
        let stored = tx.object_store(kind.store_name()).map_err(classify)?.get_all_keys(None, None).map_err(classify)?.await.map_err(classify)?;
        present.extend(stored.iter().filter_map(|k| Uuid::parse_str(&k.as_string()?).ok()).map(|id| (kind, id)));
    }
    let mut out = vec![None; keys.len()];
    let wanted: Vec<usize> = (0..keys.len()).filter(|&i| present.contains(&keys[i])).collect();
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

/// Records per page when a whole store is read at start (see `read_live_rows`).
const READ_PAGE: u32 = 1000;

/// One turn of the event loop (a zero-delay timer): lets the page paint and take taps.
async fn next_turn() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Runs `body` inside a readwrite transaction over `names`, aborting on its error and
/// reporting the transaction's own error when the commit fails (quota and the like).
macro_rules! in_transaction {
    ($db:expr, $names:expr, |$tx:ident| $body:block) => {{
        let $tx = $db.transaction($names, TransactionMode::ReadWrite).map_err(classify)?;
        let probe = $tx.object_store($names[0]).map_err(classify)?.transaction();
        let outcome: Result<_, StoreError> = async { $body }.await;
        match outcome {
            Err(e) => {
                let _ = $tx.abort();
                Err(e)
            }
            Ok(value) => match $tx.commit().map_err(classify)?.await.map_err(classify)? {
                TransactionResult::Committed => Ok(value),
                TransactionResult::Aborted => Err(match probe.error() {
                    Some(e) => classify(idb::Error::DomException(e)),
                    None => StoreError::Aborted("aborted".to_owned()),
                }),
            },
        }
    }};
}

impl IdbStore {
    /// Opens (and creates or upgrades) the database under `name`.
    pub async fn open(name: &str) -> Result<Self, StoreError> {
        Self::open_with(name, || {}, || {}).await
    }

    /// Opens the database; `on_blocked` runs if another tab's open connection holds up an
    /// upgrade (the open then waits for it), and `on_version_change` if, later, another
    /// tab needs to upgrade: this connection closes so it is not the one holding it up.
    pub async fn open_with(
        name: &str,
        on_blocked: impl FnOnce() + 'static,
        on_version_change: impl FnOnce() + 'static,
    ) -> Result<Self, StoreError> {
        let factory = Factory::new().map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let mut request = factory
            .open(name, Some(SCHEMA_VERSION))
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        request.on_upgrade_needed(|event| {
            let old = event.old_version().unwrap_or(0);
            // A failing step aborts the upgrade transaction, and the open request reports
            // that error through the await below.
            if let Ok(db) = event.database() {
                if migrate(&db, old).is_err() {
                    web_sys::console::error_1(&"database upgrade failed".into());
                }
            }
        });
        request.on_blocked(move |_| on_blocked());
        let mut db = request.await.map_err(classify)?;
        db.on_version_change(move |event| {
            if let Ok(db) = event.database() {
                db.close();
            }
            on_version_change();
        });
        Ok(IdbStore { db: Rc::new(db) })
    }

    async fn read_text(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.read_text_in(SETTINGS, key).await
    }

    async fn read_text_in(&self, store_name: &str, key: &str) -> Result<Option<String>, StoreError> {
        let tx = self.db.transaction(&[store_name], TransactionMode::ReadOnly).map_err(classify)?;
        let store = tx.object_store(store_name).map_err(classify)?;
        let value = store.get(JsValue::from_str(key)).map_err(classify)?.await.map_err(classify)?;
        tx.await.map_err(classify)?;
        match value {
            None => Ok(None),
            Some(v) => v.as_string().map(Some).ok_or_else(|| StoreError::Corrupt {
                key: key.to_owned(),
                reason: "not text".to_owned(),
            }),
        }
    }

    /// Writes and waits for the transaction's `complete` event: only then is it saved.
    async fn write_text(&self, key: &str, json: String) -> Result<(), StoreError> {
        self.put_raw(&[(SETTINGS, JsValue::from_str(&json), Some(JsValue::from_str(key)))]).await
    }

    /// Puts values into stores in one readwrite transaction and waits for it to commit. A
    /// failing put aborts the transaction, so none of the batch is kept.
    pub async fn put_raw(&self, items: &[(&str, JsValue, Option<JsValue>)]) -> Result<(), StoreError> {
        let mut names: Vec<&str> = items.iter().map(|(s, _, _)| *s).collect();
        names.sort_unstable();
        names.dedup();
        if names.is_empty() {
            return Ok(());
        }
        let tx = self.db.transaction(&names, TransactionMode::ReadWrite).map_err(classify)?;
        for (store_name, value, key) in items {
            let put = tx
                .object_store(store_name)
                .and_then(|store| store.put(value, key.as_ref()))
                .map_err(classify);
            if let Err(e) = put {
                let _ = tx.abort();
                return Err(e);
            }
        }
        // A second handle on the same transaction, to read why it aborted: a full disk is
        // reported as an abort whose `error` is a QuotaExceededError.
        let probe = tx.object_store(names[0]).map_err(classify)?.transaction();
        match tx.commit().map_err(classify)?.await.map_err(classify)? {
            TransactionResult::Committed => Ok(()),
            TransactionResult::Aborted => Err(match probe.error() {
                Some(e) => classify(idb::Error::DomException(e)),
                None => StoreError::Aborted("aborted".to_owned()),
            }),
        }
    }

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
        values.iter().map(from_js).collect()
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
                match serde_json::from_str::<Row<T>>(slice.get()) {
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
            next_turn().await;
        }
        crate::platform::mark(&format!("pd-got-{name}"));
        Ok((rows, unreadable))
    }

    /// Counts a kind's changes after `since` and finds the oldest and newest of them, from
    /// the `updated_at` index alone: start-up and the unexported badge must not read every
    /// record (10k tickets and their events would cost seconds on a tablet).
    async fn change_bounds(&self, kind: RecordKind, since: Option<Stamp>) -> Result<(usize, Option<Stamp>, Option<Stamp>), StoreError> {
        let name = kind.store_name();
        let tx = self.db.transaction(&[name], TransactionMode::ReadOnly).map_err(classify)?;
        let index = tx.object_store(name).and_then(|s| s.index(IndexName::UpdatedAt.name())).map_err(classify)?;
        let range = || -> Result<Option<Query>, StoreError> {
            since
                .map(|s| {
                    KeyRange::lower_bound(&JsValue::from_str(&s.to_string()), Some(true))
                        .map(Query::KeyRange)
                        .map_err(classify)
                })
                .transpose()
        };
        let count = index.count(range()?).map_err(classify)?.await.map_err(classify)? as usize;
        let mut ends = [None, None];
        for (end, direction) in ends.iter_mut().zip([CursorDirection::Next, CursorDirection::Prev]) {
            let cursor = index.open_key_cursor(range()?, Some(direction)).map_err(classify)?.await.map_err(classify)?;
            if let Some(cursor) = cursor {
                let key = cursor.key().map_err(classify)?;
                let text = key.as_string().unwrap_or_default();
                *end = Some(text.parse::<Stamp>().map_err(|e| StoreError::Corrupt { key: text, reason: e.0 })?);
            }
        }
        tx.await.map_err(classify)?;
        Ok((count, ends[0], ends[1]))
    }

    /// [`RecordStore::put_many`] plus photo Blobs (keyed by their SHA-256) in the same
    /// transaction: a ticket is never stored without its photos, nor photos without it.
    async fn write_with_photos(&self, records: &[Record], photos: &[(String, web_sys::Blob)]) -> Result<PutReport, StoreError> {
        let mut names: Vec<&str> = records.iter().map(|r| r.kind.store_name()).collect();
        if !photos.is_empty() {
            names.push(PHOTOS);
        }
        names.sort_unstable();
        names.dedup();
        let mut report = PutReport::default();
        if names.is_empty() {
            return Ok(report);
        }
        let values = records.iter().map(to_js).collect::<Result<Vec<_>, StoreError>>()?;
        // Read, compare and write in the same transaction, so no other tab's write can slip
        // in between the comparison and the put.
        let tx = self.db.transaction(&names, TransactionMode::ReadWrite).map_err(classify)?;
        let probe = tx.object_store(names[0]).map_err(classify)?.transaction();
        for (record, value) in records.iter().zip(values) {
            let step = async {
                let store = tx.object_store(record.kind.store_name())?;
                let key = JsValue::from_str(&record.id.to_string());
                let stored = store.get(key)?.await?;
                Ok::<_, idb::Error>((store, stored))
            };
            let (store, stored) = match step.await {
                Ok(found) => found,
                Err(e) => {
                    let _ = tx.abort();
                    return Err(classify(e));
                }
            };
            let stored = match stored.as_ref().map(from_js).transpose() {
                Ok(stored) => stored,
                Err(e) => {
                    let _ = tx.abort();
                    return Err(e);
                }
            };
            // Requests in one transaction run in order, so a record put earlier in this batch
            // is what `get` returned here.
            if !supersedes(record, stored.as_ref()) {
                report.stale.push(record.id);
                continue;
            }
            if let Err(e) = store.put(&value, None) {
                let _ = tx.abort();
                return Err(classify(e));
            }
        }
        for (sha256, blob) in photos {
            let put = tx.object_store(PHOTOS).and_then(|store| store.put(blob, Some(&JsValue::from_str(sha256))));
            if let Err(e) = put {
                let _ = tx.abort();
                return Err(classify(e));
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

    /// A stored photo by its SHA-256.
    async fn read_photo(&self, sha256: &str) -> Result<Option<web_sys::Blob>, StoreError> {
        let tx = self.db.transaction(&[PHOTOS], TransactionMode::ReadOnly).map_err(classify)?;
        let store = tx.object_store(PHOTOS).map_err(classify)?;
        let value = store.get(JsValue::from_str(sha256)).map_err(classify)?.await.map_err(classify)?;
        tx.await.map_err(classify)?;
        Ok(value.and_then(|v| v.dyn_into::<web_sys::Blob>().ok()))
    }

    /// Closes the handle (tests delete their databases afterwards).
    pub fn close(&self) {
        self.db.close();
    }
}

/// Writes raw text under a settings key, bypassing the encoder: only for tests that need a
/// corrupt value on disk.
#[doc(hidden)]
pub async fn put_raw_for_tests(name: &str, key: &str, text: &str) -> Result<(), StoreError> {
    let store = IdbStore::open(name).await?;
    let result = store.write_text(key, text.to_owned()).await;
    store.close();
    result
}

/// Deletes a database by name; used by tests and by "erase this device".
pub async fn delete_database(name: &str) -> Result<(), StoreError> {
    let factory = Factory::new().map_err(|e| StoreError::Unavailable(e.to_string()))?;
    factory
        .delete(name)
        .map_err(|e| StoreError::Unavailable(e.to_string()))?
        .await
        .map_err(classify)
}

impl SettingsStore for IdbStore {
    async fn load_device(&self) -> Result<Option<DeviceIdentity>, StoreError> {
        self.read_text(DEVICE_KEY).await?.map(|j| decode(DEVICE_KEY, &j)).transpose()
    }

    async fn save_device(&self, device: &DeviceIdentity) -> Result<(), StoreError> {
        self.write_text(DEVICE_KEY, encode(DEVICE_KEY, device)?).await
    }

    async fn load_site(&self) -> Result<Option<SiteSettings>, StoreError> {
        self.read_text(SITE_KEY).await?.map(|j| decode(SITE_KEY, &j)).transpose()
    }

    async fn save_site(&self, site: &SiteSettings) -> Result<(), StoreError> {
        self.write_text(SITE_KEY, encode(SITE_KEY, site)?).await
    }

    async fn next_sequence(&self, scope: &str) -> Result<u32, StoreError> {
        // Readwrite transactions on one store run one after another, so the read and the
        // write below cannot interleave with another tab's.
        let tx = self.db.transaction(&[SETTINGS], TransactionMode::ReadWrite).map_err(classify)?;
        let probe = tx.object_store(SETTINGS).map_err(classify)?.transaction();
        let step = async {
            let store = tx.object_store(SETTINGS)?;
            let current = store.get(JsValue::from_str(scope))?.await?;
            Ok::<_, idb::Error>((store, current))
        };
        let (store, current) = step.await.map_err(classify)?;
        let current: u32 = match current.and_then(|v| v.as_string()) {
            None => 0,
            Some(text) => decode(scope, &text)?,
        };
        let next = current + 1;
        store.put(&JsValue::from_str(&next.to_string()), Some(&JsValue::from_str(scope))).map_err(classify)?;
        match tx.commit().map_err(classify)?.await.map_err(classify)? {
            TransactionResult::Committed => Ok(next),
            TransactionResult::Aborted => Err(match probe.error() {
                Some(e) => classify(idb::Error::DomException(e)),
                None => StoreError::Aborted("sequence".to_owned()),
            }),
        }
    }

    async fn load_export_watermark(&self) -> Result<Option<Stamp>, StoreError> {
        self.read_text(super::WATERMARK_KEY).await?.map(|j| decode(super::WATERMARK_KEY, &j)).transpose()
    }

    async fn save_export_watermark(&self, stamp: Stamp) -> Result<(), StoreError> {
        self.write_text(super::WATERMARK_KEY, encode(super::WATERMARK_KEY, &stamp)?).await
    }

    async fn load_board_summary(&self) -> Result<Option<crate::domain::board::BoardSummary>, StoreError> {
        // A summary that does not read is no loss: the board reads the tickets instead.
        Ok(self.read_text(super::BOARD_SUMMARY_KEY).await?.and_then(|j| decode(super::BOARD_SUMMARY_KEY, &j).ok()))
    }

    async fn save_board_summary(&self, summary: &crate::domain::board::BoardSummary) -> Result<(), StoreError> {
        self.write_text(super::BOARD_SUMMARY_KEY, encode(super::BOARD_SUMMARY_KEY, summary)?).await
    }

    async fn load_follow_up(&self, key: &str) -> Result<Option<String>, StoreError> {
        let key = super::follow_up_store_key(key);
        self.read_text(&key).await?.map(|j| decode(&key, &j)).transpose()
    }

    async fn save_follow_up(&self, key: &str, plan: &str) -> Result<(), StoreError> {
        let key = super::follow_up_store_key(key);
        self.write_text(&key, encode(&key, &plan)?).await
    }
}

impl RecordStore for IdbStore {
    async fn get(&self, kind: RecordKind, id: Uuid) -> Result<Option<Record>, StoreError> {
        let name = kind.store_name();
        let tx = self.db.transaction(&[name], TransactionMode::ReadOnly).map_err(classify)?;
        let store = tx.object_store(name).map_err(classify)?;
        let value = store.get(JsValue::from_str(&id.to_string())).map_err(classify)?.await.map_err(classify)?;
        tx.await.map_err(classify)?;
        value.as_ref().map(from_js).transpose()
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
        let out = values.iter().map(|v| v.as_ref().map(from_js).transpose()).collect::<Result<Vec<_>, _>>()?;
        tx.await.map_err(classify)?;
        Ok(out)
    }

    async fn purge_device(&self, device: Uuid) -> Result<usize, StoreError> {
        let names: Vec<&str> = RecordKind::ALL.iter().map(|k| k.store_name()).collect();
        in_transaction!(self.db, &names, |tx| {
            let mut removed = 0;
            for kind in RecordKind::ALL {
                let store = tx.object_store(kind.store_name()).map_err(classify)?;
                let all = store.get_all(None, None).map_err(classify)?.await.map_err(classify)?;
                for value in all {
                    let record = from_js(&value)?;
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

    async fn change_summary(&self, since: Option<Stamp>) -> Result<ChangeSummary, StoreError> {
        let mut summary = ChangeSummary::default();
        for kind in RecordKind::ALL {
            let (count, oldest, _) = self.change_bounds(kind, since).await?;
            summary.count += count;
            summary.oldest = match (summary.oldest, oldest) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        Ok(summary)
    }

    async fn highest_stamp(&self) -> Result<Option<Stamp>, StoreError> {
        // The last key of each updated_at index, no count: this runs on every start.
        let mut highest = None;
        for kind in RecordKind::ALL {
            let name = kind.store_name();
            let tx = self.db.transaction(&[name], TransactionMode::ReadOnly).map_err(classify)?;
            let index = tx.object_store(name).and_then(|s| s.index(IndexName::UpdatedAt.name())).map_err(classify)?;
            let cursor = index.open_key_cursor(None, Some(CursorDirection::Prev)).map_err(classify)?.await.map_err(classify)?;
            if let Some(cursor) = cursor {
                let text = cursor.key().map_err(classify)?.as_string().unwrap_or_default();
                let stamp = text.parse::<Stamp>().map_err(|e| StoreError::Corrupt { key: text, reason: e.0 })?;
                highest = highest.max(Some(stamp));
            }
            tx.await.map_err(classify)?;
        }
        Ok(highest)
    }
}

impl PhotoStore for IdbStore {
    type Blob = web_sys::Blob;

    async fn put_many_with_photos(&self, records: &[Record], photos: &[(String, web_sys::Blob)]) -> Result<PutReport, StoreError> {
        self.write_with_photos(records, photos).await
    }

    async fn photo(&self, sha256: &str) -> Result<Option<web_sys::Blob>, StoreError> {
        self.read_photo(sha256).await
    }
}

impl DraftStore for IdbStore {
    async fn load_draft(&self, form: &str) -> Result<Option<Draft>, StoreError> {
        self.read_text_in(DRAFTS, form).await?.map(|j| decode(form, &j)).transpose()
    }

    async fn save_draft(&self, draft: &Draft) -> Result<(), StoreError> {
        let json = encode(&draft.form, draft)?;
        self.put_raw(&[(DRAFTS, JsValue::from_str(&json), Some(JsValue::from_str(&draft.form)))]).await
    }

    async fn discard_draft(&self, form: &str) -> Result<(), StoreError> {
        let tx = self.db.transaction(&[DRAFTS], TransactionMode::ReadWrite).map_err(classify)?;
        tx.object_store(DRAFTS)
            .and_then(|store| store.delete(Query::Key(JsValue::from_str(form))))
            .map_err(classify)?;
        match tx.commit().map_err(classify)?.await.map_err(classify)? {
            TransactionResult::Committed => Ok(()),
            TransactionResult::Aborted => Err(StoreError::Aborted("discard draft".to_owned())),
        }
    }
}

/// A photo's bytes as a Blob of its type.
fn photo_blob(mime: &str, bytes: &[u8]) -> Result<web_sys::Blob, StoreError> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(|_| StoreError::Aborted("photo".into()))
}

fn ledger_to_js(entry: &super::sync::LedgerEntry) -> Result<JsValue, StoreError> {
    let text = encode("ledger", entry)?;
    js_sys::JSON::parse(&text).map_err(|_| StoreError::Corrupt { key: entry.id.to_string(), reason: "JSON.parse".into() })
}

fn ledger_from_js(value: &JsValue) -> Result<super::sync::LedgerEntry, StoreError> {
    let text = js_sys::JSON::stringify(value).ok().and_then(|s| s.as_string()).unwrap_or_default();
    decode("ledger", &text)
}


const SYNC_STORES: [&str; 6] = ["drill_plans", "drill_runs", IMPORT_LEDGER, PHOTOS, "ticket_events", "tickets"];

impl super::sync::SyncStore for IdbStore {
    async fn apply_import(
        &self,
        records: &[Record],
        photos: &[(String, String, Vec<u8>)],
        mut entry: super::sync::LedgerEntry,
    ) -> Result<super::sync::LedgerEntry, StoreError> {
        in_transaction!(self.db, &SYNC_STORES, |tx| {
            // Read what is stored, decide, then write — all inside this one transaction.
            let keys: Vec<(RecordKind, Uuid)> = records.iter().map(|r| (r.kind, r.id)).collect();
            let mut stored = std::collections::HashMap::new();
            for (key, value) in keys.iter().zip(read_records(&tx, &keys).await?) {
                if let Some(v) = value {
                    stored.insert(*key, from_js(&v)?);
                }
            }
            let writes = super::sync::decide(records, |r| stored.get(&(r.kind, r.id)).cloned(), &mut entry);
            let photo_store = tx.object_store(PHOTOS).map_err(classify)?;
            let mut new_photos = 0;
            for (sha256, mime, bytes) in photos {
                let key = JsValue::from_str(sha256);
                if photo_store.get(key.clone()).map_err(classify)?.await.map_err(classify)?.is_none() {
                    photo_store.put(&JsValue::from(photo_blob(mime, bytes)?), Some(&key)).map_err(classify)?;
                    new_photos += 1;
                }
            }
            if writes.is_empty() && new_photos == 0 {
                return Ok(entry);
            }
            for r in &writes {
                tx.object_store(r.kind.store_name()).map_err(classify)?.put(&to_js(r)?, None).map_err(classify)?;
            }
            tx.object_store(IMPORT_LEDGER).map_err(classify)?.put(&ledger_to_js(&entry)?, None).map_err(classify)?;
            Ok(entry)
        })
    }

    async fn ledger(&self) -> Result<Vec<super::sync::LedgerEntry>, StoreError> {
        let tx = self.db.transaction(&[IMPORT_LEDGER], TransactionMode::ReadOnly).map_err(classify)?;
        let values = tx.object_store(IMPORT_LEDGER).map_err(classify)?.get_all(None, None).map_err(classify)?.await.map_err(classify)?;
        tx.await.map_err(classify)?;
        let mut list = values.iter().map(ledger_from_js).collect::<Result<Vec<_>, _>>()?;
        list.sort_by(|a, b| b.imported_at.cmp(&a.imported_at).then(b.id.cmp(&a.id)));
        Ok(list)
    }

    async fn undo_import(&self, ledger_id: Uuid) -> Result<super::sync::UndoReport, StoreError> {
        in_transaction!(self.db, &SYNC_STORES, |tx| {
            let ledger = tx.object_store(IMPORT_LEDGER).map_err(classify)?;
            let Some(value) = ledger.get(JsValue::from_str(&ledger_id.to_string())).map_err(classify)?.await.map_err(classify)? else {
                return Ok(super::sync::UndoReport::default());
            };
            let mut entry = ledger_from_js(&value)?;
            let mut report = super::sync::UndoReport::default();
            if !entry.undone {
                for p in &entry.priors {
                    let store = tx.object_store(p.kind.store_name()).map_err(classify)?;
                    let key = JsValue::from_str(&p.id.to_string());
                    let current = store.get(key.clone()).map_err(classify)?.await.map_err(classify)?.map(|v| from_js(&v)).transpose()?;
                    if current.as_ref().map(super::sync::fingerprint).as_ref() != Some(&p.after) {
                        report.kept += 1;
                        continue;
                    }
                    match &p.before {
                        Some(before) => drop(store.put(&to_js(before)?, None).map_err(classify)?),
                        None => drop(store.delete(key).map_err(classify)?),
                    }
                    report.restored += 1;
                }
            }
            entry.undone = true;
            ledger.put(&ledger_to_js(&entry)?, None).map_err(classify)?;
            Ok(report)
        })
    }
}
