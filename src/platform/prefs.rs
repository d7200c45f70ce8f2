//! Small per-device preferences in localStorage (gloo-storage). Records never go here:
//! localStorage is synchronous, small and easily cleared; they live in IndexedDB.

use gloo_storage::{LocalStorage, Storage};
use uuid::Uuid;

use crate::domain::locale::Lang;

const LANG_KEY: &str = "patroldesk.lang";
const ON_DUTY_KEY: &str = "patroldesk.on_duty";
const HEAD_OFFICE_SITES_KEY: &str = "patroldesk.head_office_sites";

/// The language chosen in the header, if any. A missing or unreadable value means "not
/// chosen", so the browser's language applies.
pub fn stored_lang() -> Option<Lang> {
    LocalStorage::get::<String>(LANG_KEY).ok().and_then(|t| Lang::from_tag(&t))
}

/// A preference the browser would not keep (storage disabled or full): the choice holds for
/// this visit only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotKept;

fn kept(result: Result<(), gloo_storage::errors::StorageError>) -> Result<(), NotKept> {
    result.map_err(|_| NotKept)
}

/// Remembers the language.
pub fn store_lang(lang: Lang) -> Result<(), NotKept> {
    kept(LocalStorage::set(LANG_KEY, lang.tag()))
}

/// The staff member last chosen as using this tablet.
pub fn stored_on_duty() -> Option<Uuid> {
    LocalStorage::get::<String>(ON_DUTY_KEY).ok().and_then(|s| Uuid::parse_str(&s).ok())
}

pub fn store_on_duty(id: Option<Uuid>) -> Result<(), NotKept> {
    match id {
        Some(id) => kept(LocalStorage::set(ON_DUTY_KEY, id.to_string())),
        None => {
            LocalStorage::delete(ON_DUTY_KEY);
            Ok(())
        }
    }
}

const PATROL_LOCATION_KEY: &str = "patroldesk.patrol_location";

/// Where the last quick patrol report was made: the next one is usually nearby, so the
/// quick form starts with it (a convenience, not a record).
pub fn last_patrol_location() -> String {
    LocalStorage::get::<String>(PATROL_LOCATION_KEY).unwrap_or_default()
}

pub fn store_patrol_location(location: &str) -> Result<(), NotKept> {
    kept(LocalStorage::set(PATROL_LOCATION_KEY, location))
}

/// The site databases head office last read (names, nothing of a resident).
pub fn stored_head_office_sites() -> String {
    LocalStorage::get::<String>(HEAD_OFFICE_SITES_KEY).unwrap_or_default()
}

pub fn store_head_office_sites(text: &str) -> Result<(), NotKept> {
    kept(LocalStorage::set(HEAD_OFFICE_SITES_KEY, text))
}
