//! IndexedDB implementation of the storage contract.
//!
//! Values are stored as JSON text: the same bytes the in-memory store round-trips in native
//! tests, and readable in DevTools when a device has to be looked at by hand.

use idb::{Database, DatabaseEvent, Factory, TransactionMode, TransactionResult};
use wasm_bindgen::JsValue;

use super::{decode, encode, SettingsStore, StoreError, DEVICE_KEY, SITE_KEY};
use crate::domain::settings::{DeviceIdentity, SiteSettings};

pub const DB_NAME: &str = "patroldesk";
/// Version 1: the `settings` store (device identity, site settings and roster).
pub const SCHEMA_VERSION: u32 = 1;
const SETTINGS: &str = "settings";

/// An open database handle.
#[derive(Clone)]
pub struct IdbStore {
    db: std::rc::Rc<Database>,
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

impl IdbStore {
    /// Opens (and creates or upgrades) the app's database under `name`.
    pub async fn open(name: &str) -> Result<Self, StoreError> {
        let factory = Factory::new().map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let mut request = factory
            .open(name, Some(SCHEMA_VERSION))
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        request.on_upgrade_needed(|event| {
            // Errors here abort the upgrade transaction, which fails the open request:
            // reported by the await below, so nothing is lost by ignoring them here.
            if let Ok(db) = event.database() {
                if !db.store_names().iter().any(|n| n == SETTINGS) {
                    let _ = db.create_object_store(SETTINGS, idb::ObjectStoreParams::new());
                }
            }
        });
        let db = request.await.map_err(classify)?;
        Ok(IdbStore { db: std::rc::Rc::new(db) })
    }

    async fn read_text(&self, key: &str) -> Result<Option<String>, StoreError> {
        let tx = self.db.transaction(&[SETTINGS], TransactionMode::ReadOnly).map_err(classify)?;
        let store = tx.object_store(SETTINGS).map_err(classify)?;
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
        let tx = self.db.transaction(&[SETTINGS], TransactionMode::ReadWrite).map_err(classify)?;
        let store = tx.object_store(SETTINGS).map_err(classify)?;
        store
            .put(&JsValue::from_str(&json), Some(&JsValue::from_str(key)))
            .map_err(classify)?
            .await
            .map_err(classify)?;
        match tx.commit().map_err(classify)?.await.map_err(classify)? {
            TransactionResult::Committed => Ok(()),
            TransactionResult::Aborted => Err(StoreError::Aborted("aborted".to_owned())),
        }
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
}

