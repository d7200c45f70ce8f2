//! The app-wide state every view may read. It is deliberately narrow: site settings, who is
//! on duty, the device, and the storage handle. Features keep their own state and ask the
//! store for records; putting records here would make every view re-render on every save.

use leptos::prelude::*;
use uuid::Uuid;

use crate::domain::clock::{Hlc, Stamp};
use crate::domain::locale::Lang;
use crate::domain::settings::{DeviceIdentity, SiteSettings};
use crate::store::idb::IdbStore;
use crate::store::{ChangeSummary, StoreError};

#[derive(Clone, Copy)]
pub struct AppContext {
    pub site: RwSignal<SiteSettings>,
    pub device: RwSignal<Option<DeviceIdentity>>,
    /// The staff member using the tablet; actions are stamped with them.
    pub on_duty: RwSignal<Option<Uuid>>,
    /// The last storage failure, shown by the one notice component until dismissed.
    pub storage_error: RwSignal<Option<StoreError>>,
    /// Set when the first load from storage has finished (forms wait for it, so they never
    /// overwrite stored settings with empty defaults).
    pub loaded: RwSignal<bool>,
    pub lang: RwSignal<Lang>,
    /// IndexedDB handle; local (not Send) because it wraps JS objects.
    pub store: StoredValue<Option<IdbStore>, LocalStorage>,
    /// This device's hybrid clock, resumed from the highest stored stamp at start.
    pub clock: StoredValue<Option<Hlc>>,
    /// Bumped whenever records change here or in another tab; views that list records
    /// re-query when it moves.
    pub records_version: RwSignal<u64>,
    /// Changes not yet carried by an export (the Data view and the nav badge).
    pub unexported: RwSignal<ChangeSummary>,
}

impl AppContext {
    /// A stamp for a local change, or `None` before the device identity is loaded.
    pub fn stamp(&self) -> Option<Stamp> {
        let now = js_sys::Date::now() as i64;
        let mut stamp = None;
        self.clock.update_value(|c| stamp = c.as_mut().map(|c| c.tick(now)));
        stamp
    }
}

pub fn use_app() -> AppContext {
    expect_context::<AppContext>()
}
