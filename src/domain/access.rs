//! The access log (issue 19): who signed in or failed to, who revealed a resident's phone
//! number, and every export, import, purge and credential change, for head office to review.
//! Kept sealed like residents' data; only wrong guesses made while the tablet is locked wait
//! in the clear (who was tried and when: nothing of a resident) until the next sign-in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::keyring::SlotKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum AccessEvent {
    SetUp,
    SignedIn { kind: SlotKind },
    /// A wrong, refused or not-yet-allowed try; `staff` is whose credential was tried.
    SignInFailed { kind: SlotKind, staff: Option<Uuid> },
    PhoneRevealed { ticket: Uuid },
    Exported { records: usize, encrypted: bool, redacted: bool },
    Imported { file: String, records: usize },
    ImportUndone { file: String },
    /// Residents' data of this many tickets erased past the retention period (issue 21).
    Purged { records: usize },
    /// A retention archive opened to read what a purge erased (a resident's or a legal
    /// request).
    ArchiveOpened { file: String, records: usize },
    CredentialSet { staff: Uuid, kind: SlotKind },
    CredentialEnabled { staff: Uuid },
    CredentialRemoved { staff: Uuid },
    AccessLogExported,
}

impl AccessEvent {
    /// The catalogue key of the event's name (`access.<key>`).
    pub fn key(&self) -> &'static str {
        match self {
            AccessEvent::SetUp => "set_up",
            AccessEvent::SignedIn { .. } => "signed_in",
            AccessEvent::SignInFailed { .. } => "sign_in_failed",
            AccessEvent::PhoneRevealed { .. } => "phone_revealed",
            AccessEvent::Exported { .. } => "exported",
            AccessEvent::Imported { .. } => "imported",
            AccessEvent::ImportUndone { .. } => "import_undone",
            AccessEvent::Purged { .. } => "purged",
            AccessEvent::ArchiveOpened { .. } => "archive_opened",
            AccessEvent::CredentialSet { .. } => "credential_set",
            AccessEvent::CredentialEnabled { .. } => "credential_enabled",
            AccessEvent::CredentialRemoved { .. } => "credential_removed",
            AccessEvent::AccessLogExported => "log_exported",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEntry {
    /// UUID v7: entries sort by when they were made.
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub utc_offset_min: i32,
    /// Who was signed in (or on duty); `None` before anyone is.
    pub by: Option<Uuid>,
    #[serde(flatten)]
    pub event: AccessEvent,
}

impl AccessEntry {
    pub fn new(by: Option<Uuid>, at: DateTime<Utc>, utc_offset_min: i32, event: AccessEvent) -> AccessEntry {
        // A counter within the millisecond, so two entries made in one keep their order.
        thread_local! {
            static ORDER: uuid::timestamp::context::ContextV7 = const { uuid::timestamp::context::ContextV7::new() };
        }
        let id = ORDER.with(|order| Uuid::new_v7(uuid::Timestamp::from_unix(order, at.timestamp().max(0) as u64, at.timestamp_subsec_nanos())));
        AccessEntry { id, at, utc_offset_min, by, event }
    }
}
