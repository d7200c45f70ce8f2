//! The app-wide state every view may read: site settings, who is on duty, the device, the
//! storage handle, and the live record cache. Records reach views only through the cache,
//! which changes by what committed writes returned (see [`crate::ui::live`]).

use leptos::prelude::*;
use uuid::Uuid;

use crate::app::cache::RecordCache;
use crate::app::{Stamps, Who};
use crate::domain::clock::{Hlc, Stamp};
use crate::domain::locale::Lang;
use crate::domain::settings::{DeviceIdentity, SiteSettings, StaffRole};
use crate::store::{ChangeSummary, DeviceStore, StoreError};

/// Who has unlocked the tablet (issue 19).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Session {
    /// Staff sign-in is not set up: the on-duty picker says who is using the tablet.
    Open,
    /// Set up and nobody signed in: only the lock screen shows.
    Locked,
    /// Signed in: `Some(staff)`, or `None` with the site's recovery key.
    SignedIn(Option<Uuid>),
}

#[derive(Clone, Copy)]
pub struct AppContext {
    pub session: RwSignal<Session>,
    /// The key slots as stored (`None`: sign-in not set up); the lock screen lists its people.
    pub keyring: RwSignal<Option<crate::domain::keyring::Keyring>>,
    /// The data key while someone is signed in (to add their colleagues' credentials);
    /// dropped by the lock.
    pub data_key: StoredValue<Option<crate::domain::keyring::Key>>,
    /// Bumped after each access-log entry: the Data view's log reads it again.
    pub access_logged: RwSignal<u64>,
    /// Sealing what was stored in the clear: values looked at, of how many.
    pub sealing: RwSignal<Option<(usize, usize)>>,
    pub site: RwSignal<SiteSettings>,
    pub device: RwSignal<Option<DeviceIdentity>>,
    /// The staff member using the tablet; actions are stamped with them.
    pub on_duty: RwSignal<Option<Uuid>>,
    /// The last storage failure, shown by the one notice component until dismissed.
    pub storage_error: RwSignal<Option<StoreError>>,
    /// Set once a preference (language, who is on duty) could not be remembered: said once,
    /// the choice still holds for this visit.
    pub prefs_not_kept: RwSignal<bool>,
    /// Set when the first load from storage has finished (forms wait for it, so they never
    /// overwrite stored settings with empty defaults).
    pub loaded: RwSignal<bool>,
    pub lang: RwSignal<Lang>,
    /// The storage handle; local (not Send) because it wraps JS objects.
    pub store: StoredValue<Option<DeviceStore>, LocalStorage>,
    /// This device's hybrid clock, resumed from the highest stored stamp at start.
    pub clock: StoredValue<Option<Hlc>>,
    /// What the views show of the records, kept current in place.
    pub cache: RwSignal<RecordCache>,
    /// Bumped after an import or its undo: the ledger cards read the (small) ledger again.
    pub imports: RwSignal<u64>,
    /// Changes not yet carried by an export (the Data view and the nav badge).
    pub unexported: RwSignal<ChangeSummary>,
    /// Records this device holds stamped in the future (found at start from the index, or
    /// inside an export): the Data view offers to repair them.
    pub future_stamped: RwSignal<Vec<(crate::domain::record::RecordKind, Uuid)>>,
    /// Live sync with the company's CouchDB: what the loop is doing (issue 20).
    pub live_sync: RwSignal<crate::ui::live_sync::SyncState>,
}

impl AppContext {
    /// A stamp for a local change, or `None` before the device identity is loaded.
    pub fn stamp(&self) -> Option<Stamp> {
        let now = js_sys::Date::now() as i64;
        let mut stamp = None;
        self.clock.update_value(|c| stamp = c.as_mut().map(|c| c.tick(now)));
        stamp
    }

    /// The open store, or the error that kept it from opening.
    pub fn store(&self) -> Result<DeviceStore, StoreError> {
        self.store.get_value().ok_or_else(|| self.storage_error.get_untracked().unwrap_or(StoreError::Unavailable("not open".into())))
    }

    /// Who is making a change, now.
    pub fn who(&self) -> Who {
        Who { actor: self.on_duty.get_untracked(), now: chrono::Utc::now(), offset_min: crate::platform::utc_offset_minutes() }
    }

    /// Whether settings, the roster, imports and purges may be used now: with sign-in set up,
    /// only by a supervisor signed in (or whoever used the site's recovery key); before it is
    /// set up, by anyone, as before (the first roster and set-up need it).
    pub fn may_administer(&self) -> bool {
        match self.session.get() {
            Session::Open | Session::SignedIn(None) => true,
            Session::Locked => false,
            Session::SignedIn(Some(id)) => self.site.with(|s| s.staff(id).map(|m| m.role)) == Some(StaffRole::Supervisor),
        }
    }

    /// The role of the staff member on duty (some steps are the supervisor's).
    pub fn role(&self) -> Option<StaffRole> {
        self.on_duty.get_untracked().and_then(|id| self.site.with_untracked(|s| s.staff(id).map(|m| m.role)))
    }
}

impl Stamps for AppContext {
    fn stamp(&self) -> Result<Stamp, StoreError> {
        AppContext::stamp(self).ok_or_else(|| StoreError::Unavailable("no device identity".into()))
    }

    fn observe(&self, seen: Stamp) {
        self.clock.update_value(|c| {
            if let Some(c) = c.as_mut() {
                c.observe(seen, js_sys::Date::now() as i64)
            }
        });
    }
}

pub fn use_app() -> AppContext {
    expect_context::<AppContext>()
}
