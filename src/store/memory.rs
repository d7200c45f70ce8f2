//! The in-memory store: the same contract as IndexedDB, for native tests of everything
//! that stores. Values go through JSON like they do in the browser, so a type that does not
//! round-trip fails here first.

use std::cell::RefCell;
use std::collections::BTreeMap;

use uuid::Uuid;

use super::{decode, encode, RecordStore, SettingsStore, StoreError, DEVICE_KEY, SITE_KEY};
use crate::domain::clock::Stamp;
use crate::domain::record::{IndexName, Record, RecordKind};
use crate::domain::settings::{DeviceIdentity, SiteSettings};

#[derive(Debug, Default)]
pub struct MemoryStore {
    settings: RefCell<BTreeMap<String, String>>,
    /// Records as JSON text, like IndexedDB holds them as structured clones.
    records: RefCell<BTreeMap<(RecordKind, Uuid), String>>,
    /// When set, the next write fails with this error and changes nothing (tests of the
    /// failure paths).
    fail_next_write: RefCell<Option<StoreError>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
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
}

impl RecordStore for MemoryStore {
    async fn get(&self, kind: RecordKind, id: Uuid) -> Result<Option<Record>, StoreError> {
        self.records.borrow().get(&(kind, id)).map(|json| decode(&id.to_string(), json)).transpose()
    }

    async fn put_many(&self, records: &[Record]) -> Result<(), StoreError> {
        // Encode everything first: a failure leaves the store untouched, like an aborted
        // transaction.
        let encoded = records
            .iter()
            .map(|r| Ok(((r.kind, r.id), encode(&r.id.to_string(), r)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        if let Some(error) = self.fail_next_write.borrow_mut().take() {
            return Err(error);
        }
        self.records.borrow_mut().extend(encoded);
        Ok(())
    }

    async fn query(&self, kind: RecordKind, index: IndexName, value: &str) -> Result<Vec<Record>, StoreError> {
        Ok(self
            .all_of(kind)?
            .into_iter()
            .filter(|r| !r.is_deleted() && index.value_of(r).as_deref() == Some(value))
            .collect())
    }

    async fn live(&self, kind: RecordKind) -> Result<Vec<Record>, StoreError> {
        Ok(self.all_of(kind)?.into_iter().filter(|r| !r.is_deleted()).collect())
    }

    async fn changed_since(&self, kind: RecordKind, since: Option<Stamp>) -> Result<Vec<Record>, StoreError> {
        let mut changed: Vec<Record> =
            self.all_of(kind)?.into_iter().filter(|r| since.is_none_or(|s| r.updated_at > s)).collect();
        changed.sort_by_key(|r| r.updated_at);
        Ok(changed)
    }
}
