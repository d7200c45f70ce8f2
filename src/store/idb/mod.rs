//! IndexedDB implementation of the storage contract.
//!
//! Records are stored as plain JS objects (so IndexedDB can index their fields) made with
//! `JSON.parse` of the serde JSON, and read back through `JSON.stringify`: the same text the
//! in-memory store round-trips in native tests. Settings are stored as JSON text.
//!
//! Here: opening and upgrading the database; beside it the codec, the records, settings
//! and drafts, photos, and the import transactions.

use std::rc::Rc;

use idb::{Database, DatabaseEvent, Factory, KeyPath, ObjectStoreParams, TransactionMode, TransactionResult};
use wasm_bindgen::JsValue;

use super::StoreError;
use crate::domain::clock::Stamp;
use crate::domain::record::{IndexName, RecordKind};

pub const DB_NAME: &str = "patroldesk";

/// The schema version. Every released version has a fixture in `tests/fixtures/` and a
/// test that opens it with the current code (tests/browser.rs).
/// - 1: `settings` (device identity, site settings and roster).
/// - 2: one store per record kind with its indexes; `photos`, `drafts`, `import_ledger`.
/// - 3: `improvements` (improvement measures, issue 22).
/// - 4: `pushed_revs` (the server revisions a push sent, a batch per entry).
pub const SCHEMA_VERSION: u32 = 4;

const SETTINGS: &str = "settings";
pub const PHOTOS: &str = "photos";
pub const DRAFTS: &str = "drafts";
pub const IMPORT_LEDGER: &str = "import_ledger";
/// The revisions a push batch sent, `{ids, revs}` under an increasing key, found by document
/// through the `by_doc` index on `ids` (one write per batch: one per document cost a first
/// push of 79,446 documents 3 s).
pub(crate) const PUSHED_REVS: &str = "pushed_revs";
pub(crate) const BY_DOC: &str = "by_doc";

#[derive(serde::Deserialize)]
struct Head {
    #[serde(default)]
    deleted_at: Option<Stamp>,
}

/// An open database handle.
#[derive(Clone)]
pub struct IdbStore {
    db: Rc<Database>,
    /// Shared by every clone, so locking reaches every view and use case at once.
    at_rest: Rc<std::cell::RefCell<AtRest>>,
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
    let record_store = |kind: RecordKind| -> Result<(), idb::Error> {
        let mut params = ObjectStoreParams::new();
        params.key_path(Some(KeyPath::new_single("id")));
        let store = db.create_object_store(kind.store_name(), params)?;
        let updated = IndexName::UpdatedAt;
        store.create_index(updated.name(), KeyPath::new_single(updated.key_path()), None)?;
        for index in kind.indexes() {
            store.create_index(index.name(), KeyPath::new_single(index.key_path()), None)?;
        }
        Ok(())
    };
    if old < 2 {
        for kind in [RecordKind::Ticket, RecordKind::TicketEvent, RecordKind::DrillPlan, RecordKind::DrillRun] {
            record_store(kind)?;
        }
        // Photos are Blobs keyed by their SHA-256; drafts by form id.
        db.create_object_store(PHOTOS, ObjectStoreParams::new())?;
        db.create_object_store(DRAFTS, ObjectStoreParams::new())?;
        let mut ledger = ObjectStoreParams::new();
        ledger.key_path(Some(KeyPath::new_single("id")));
        db.create_object_store(IMPORT_LEDGER, ledger)?;
    }
    if old < 3 {
        record_store(RecordKind::Improvement)?;
    }
    if old < 4 {
        let mut params = ObjectStoreParams::new();
        params.auto_increment(true);
        let store = db.create_object_store(PUSHED_REVS, params)?;
        let mut by_doc = idb::IndexParams::new();
        by_doc.multi_entry(true);
        store.create_index(BY_DOC, KeyPath::new_single("ids"), Some(by_doc))?;
    }
    Ok(())
}

/// The settings entry every transaction writing records changes, except a pull storing
/// them exactly as the server has them ([`crate::store::couch::ReplicaStore::local_write_mark`]).
/// A fresh random value rather than a counter: written without reading first.
const LOCAL_WRITE_MARK: &str = "local-write-mark";

/// Changes the local-write mark inside `tx`, whose scope must hold the settings.
fn mark_local_write(tx: &idb::Transaction) -> Result<(), StoreError> {
    let mark = JsValue::from_str(&uuid::Uuid::new_v4().to_string());
    tx.object_store(SETTINGS).and_then(|settings| settings.put(&mark, Some(&JsValue::from_str(LOCAL_WRITE_MARK)))).map_err(classify)?;
    Ok(())
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

mod access;
mod codec;
mod photos;
pub use codec::AtRest;
mod records;
mod replica;
mod sealing;
mod settings;
mod sync;

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
        Ok(IdbStore { db: Rc::new(db), at_rest: Default::default() })
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

    /// Locks, unlocks or (before sign-in is set up) clears the sealing of residents' data.
    /// Locking drops the data key: what is sealed cannot be read again without a credential.
    pub fn set_at_rest(&self, at_rest: AtRest) {
        *self.at_rest.borrow_mut() = at_rest;
    }

    pub fn is_locked(&self) -> bool {
        matches!(*self.at_rest.borrow(), AtRest::Locked)
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
