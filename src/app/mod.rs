//! The use cases: every change the UI makes, written over the storage traits so each one is
//! tested natively on [`crate::store::memory::MemoryStore`]. Each write returns what it
//! committed ([`Changed`]); the live cache ([`cache::RecordCache`]) applies exactly that, so
//! no view reads a whole store again after a write.

pub mod board;
pub mod cache;
pub mod drills;
pub mod improvements;
pub mod intake;
pub mod repair;
pub mod replicate;
pub mod retention;
pub mod sample;
pub mod security;
pub mod settings;
pub mod sync;
pub mod workflow;

use std::cell::RefCell;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::clock::{Hlc, Stamp};
use crate::domain::record::{Record, RecordKind};
use crate::store::StoreError;

/// The records one committed write stored, as stored. What the live cache applies and
/// what other tabs are told about (by kind and id).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changed {
    pub records: Vec<Record>,
}

impl Changed {
    pub fn of(records: Vec<Record>) -> Changed {
        Changed { records }
    }

    /// The kinds and ids, for another tab to read just those.
    pub fn keys(&self) -> Vec<(RecordKind, Uuid)> {
        self.records.iter().map(|r| (r.kind, r.id)).collect()
    }
}

/// Who makes a change and when, as the device sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Who {
    /// The staff member on duty; `None` when nobody was chosen.
    pub actor: Option<Uuid>,
    pub now: DateTime<Utc>,
    /// The device's UTC offset now, in minutes (times are stored in UTC with it).
    pub offset_min: i32,
}

/// Hands out this device's hybrid-clock stamps, one per record written.
pub trait Stamps {
    /// `Err` before the device identity is known (storage not open yet).
    fn stamp(&self) -> Result<Stamp, StoreError>;
    /// Moves the clock past a stamp seen in imported records, so later local edits win.
    fn observe(&self, seen: Stamp);
}

/// A clock read from the system time: native tests, and anywhere a `Hlc` is held directly.
impl Stamps for RefCell<Hlc> {
    fn stamp(&self) -> Result<Stamp, StoreError> {
        Ok(self.borrow_mut().tick(Utc::now().timestamp_millis()))
    }

    fn observe(&self, seen: Stamp) {
        self.borrow_mut().observe(seen, Utc::now().timestamp_millis());
    }
}

pub(crate) fn to_body<T: serde::Serialize>(key: &str, value: &T) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(value).map_err(|e| StoreError::Corrupt { key: key.to_owned(), reason: e.to_string() })
}

pub(crate) fn from_body<T: serde::de::DeserializeOwned>(record: &Record) -> Result<T, StoreError> {
    serde_json::from_value(record.body.clone()).map_err(|e| StoreError::Corrupt { key: record.id.to_string(), reason: e.to_string() })
}
