//! The in-memory store: the same contract as IndexedDB, for native tests of everything
//! that stores. Values go through JSON like they do in the browser, so a type that does not
//! round-trip fails here first.

use std::cell::RefCell;
use std::collections::BTreeMap;

use super::{decode, encode, SettingsStore, StoreError, DEVICE_KEY, SITE_KEY};
use crate::domain::settings::{DeviceIdentity, SiteSettings};

#[derive(Debug, Default)]
pub struct MemoryStore {
    settings: RefCell<BTreeMap<String, String>>,
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
