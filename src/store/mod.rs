//! The storage contract, declared once. Every feature reads and writes through a
//! [`SettingsStore`] (and, as features land, the record stores beside it); the
//! implementations are [`memory::MemoryStore`] (everywhere, for native tests) and
//! `idb::IdbStore` (IndexedDB, in the browser).

pub mod couch;
pub mod memory;
pub mod sync;

#[cfg(target_arch = "wasm32")]
pub mod idb;

/// The store this device keeps its data in. Views and use cases name only the traits; this
/// alias is the one place that says which implementation the browser app runs on.
#[cfg(target_arch = "wasm32")]
pub type DeviceStore = idb::IdbStore;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

use crate::domain::board::BoardSummary;
use crate::domain::clock::Stamp;
use crate::domain::draft::Draft;
use crate::domain::record::{IndexName, Record, RecordKind};
use crate::domain::settings::{DeviceIdentity, SiteSettings};

/// Everything that can go wrong in storage, in the terms the user needs to act on.
/// One notice component turns each into a message and a next step in the user's language.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum StoreError {
    /// The browser refuses storage altogether (private mode, disabled by policy).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// The device or the browser's quota for this app is full.
    #[error("storage full")]
    QuotaExceeded,
    /// Another tab holds an older version of the database open.
    #[error("database upgrade blocked by another tab")]
    UpgradeBlocked,
    /// The write did not commit; none of it was kept.
    #[error("transaction aborted: {0}")]
    Aborted(String),
    /// A stored value could not be read back as the record it should be.
    #[error("corrupt record {key}: {reason}")]
    Corrupt { key: String, reason: String },
    /// The tablet is locked: residents' data can be neither read nor written until someone
    /// signs in.
    #[error("locked")]
    Locked,
}

/// Device identity and site settings. Small, read at start, written from Settings.
#[allow(async_fn_in_trait)] // used only through generics on one thread (wasm); no Send needed
pub trait SettingsStore {
    async fn load_device(&self) -> Result<Option<DeviceIdentity>, StoreError>;
    async fn save_device(&self, device: &DeviceIdentity) -> Result<(), StoreError>;
    async fn load_site(&self) -> Result<Option<SiteSettings>, StoreError>;
    async fn save_site(&self, site: &SiteSettings) -> Result<(), StoreError>;
    /// Increments the counter `scope` and returns its new value (1 the first time), read and
    /// written in one transaction so two tabs can never be handed the same number.
    async fn next_sequence(&self, scope: &str) -> Result<u32, StoreError>;
    /// The follow-up plan (跟进计划) written in the analysis table for `key`
    /// ([`crate::domain::kpi::follow_up_key`]), each under its own key so two rows saved at
    /// once never overwrite each other.
    async fn load_follow_up(&self, key: &str) -> Result<Option<String>, StoreError>;
    async fn save_follow_up(&self, key: &str, plan: &str) -> Result<(), StoreError>;
    /// The highest stamp this device's last export carried: "changes not yet exported" and
    /// the next incremental export start after it.
    async fn load_export_watermark(&self) -> Result<Option<Stamp>, StoreError>;
    async fn save_export_watermark(&self, stamp: Stamp) -> Result<(), StoreError>;
    /// The board's summary for a cold start ([`BoardSummary`]): one small read instead of
    /// every ticket. `Ok(None)` when there is none, or it no longer reads (a newer or
    /// older app wrote it): then the board is read in full, as it always can be.
    async fn load_board_summary(&self) -> Result<Option<BoardSummary>, StoreError>;
    async fn save_board_summary(&self, summary: &BoardSummary) -> Result<(), StoreError>;
    /// The key slots ([`crate::domain::keyring::Keyring`]): only wrapped keys, salts and the
    /// count of wrong guesses. `Ok(None)` until staff sign-in is set up.
    async fn load_keyring(&self) -> Result<Option<crate::domain::keyring::Keyring>, StoreError>;
    async fn save_keyring(&self, keyring: &crate::domain::keyring::Keyring) -> Result<(), StoreError>;
}

pub(crate) const KEYRING_KEY: &str = "keyring";

/// The access log ([`crate::domain::access`]), kept beside the settings under
/// [`ACCESS_PREFIX`]`<entry id>`: an entry id is a UUID v7, so the keys sort by time.
#[allow(async_fn_in_trait)]
pub trait AccessLogStore {
    async fn append_access(&self, entry: &crate::domain::access::AccessEntry) -> Result<(), StoreError>;
    /// Every entry, newest first.
    async fn access_log(&self) -> Result<Vec<crate::domain::access::AccessEntry>, StoreError>;
}

pub(crate) const ACCESS_PREFIX: &str = "access:";

pub(crate) const BOARD_SUMMARY_KEY: &str = "board_summary";

pub(crate) const WATERMARK_KEY: &str = "export_watermark";

/// Settings-store key of a follow-up plan.
pub fn follow_up_store_key(key: &str) -> String {
    format!("follow_up:{key}")
}

/// Unsaved form state (see [`Draft`]). Kept apart from records: drafts never sync and are
/// never counted as unexported changes.
#[allow(async_fn_in_trait)]
pub trait DraftStore {
    async fn load_draft(&self, form: &str) -> Result<Option<Draft>, StoreError>;
    async fn save_draft(&self, draft: &Draft) -> Result<(), StoreError>;
    /// Forgets a form's draft (after the form was saved, or the user discarded it).
    async fn discard_draft(&self, form: &str) -> Result<(), StoreError>;
}

/// How many changes this device holds that no export has carried yet, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChangeSummary {
    pub count: usize,
    pub oldest: Option<Stamp>,
    /// The watermark counted from (`None`: nothing exported yet, every record counts).
    #[serde(default)]
    pub since: Option<Stamp>,
}

impl ChangeSummary {
    /// Whether a record whose stored version has this stamp is already in the count.
    pub fn counts(&self, stamp: Stamp) -> bool {
        Some(stamp) > self.since
    }

    /// A committed local write, counted without reading storage: the record joins the count
    /// unless its previous version was in it already. The caller passes `false` when it
    /// does not know the previous version, which may count a record twice until the next
    /// full count, never miss one. `oldest` keeps the first unexported change of a record
    /// changed twice, where a full count sees only the version stored now.
    pub fn count_written(&mut self, stamp: Stamp, counted_before: bool) {
        if !counted_before {
            self.count += 1;
        }
        self.oldest = Some(self.oldest.map_or(stamp, |o| o.min(stamp)));
    }
}

/// What a [`RecordStore::put_many`] did besides committing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PutReport {
    /// Records not written because the stored version is newer.
    pub stale: Vec<Uuid>,
}

impl PutReport {
    pub fn all_written(&self) -> bool {
        self.stale.is_empty()
    }
}

/// A page of changes (see [`RecordStore::changed_page`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangedPage {
    pub records: Vec<Record>,
    /// The page's last stamp, skipped records included: where the next page starts.
    pub last: Option<Stamp>,
    /// Nothing came after this page when it was read.
    pub ended: bool,
}

/// Which page of one kind's changes to read (see [`RecordStore::changed_pages`]).
pub struct PageWanted<'a> {
    pub kind: RecordKind,
    pub after: Option<Stamp>,
    pub skip: &'a std::collections::HashSet<(Uuid, Stamp)>,
}

/// A page of `changed` (in stamp order) of `limit` records that does not split a stamp: a
/// full page ends before its last stamp's run, unless that run is the whole page (then the
/// page is the whole run). See [`RecordStore::changed_page`].
pub fn whole_stamps(mut changed: Vec<Record>, limit: usize) -> Vec<Record> {
    if changed.len() < limit || limit == 0 {
        return changed;
    }
    let last = changed[limit - 1].updated_at;
    let run_starts = changed[..limit].iter().position(|r| r.updated_at == last).unwrap_or(0);
    if run_starts > 0 {
        changed.truncate(run_starts);
    } else {
        let run_ends = changed.iter().position(|r| r.updated_at != last).unwrap_or(changed.len());
        changed.truncate(run_ends);
    }
    changed
}

/// Whether `incoming` may replace `stored`: only a write with the same or a later stamp
/// does. Equal stamps mean the same write replayed, so replacing is harmless.
pub fn supersedes(incoming: &Record, stored: Option<&Record>) -> bool {
    stored.is_none_or(|s| incoming.updated_at >= s.updated_at)
}

/// The synchronised records (tickets, events, drill plans and runs).
///
/// Reads that serve views (`query`, `live`) leave tombstones out; `changed_since` keeps
/// them, because an export must carry deletions.
#[allow(async_fn_in_trait)]
pub trait RecordStore {
    /// One record by id, tombstoned or not.
    async fn get(&self, kind: RecordKind, id: Uuid) -> Result<Option<Record>, StoreError>;
    /// Writes every record in one transaction: all are stored, or none is.
    ///
    /// A record whose stored version carries a later `updated_at` stamp is not written (two
    /// tabs or tablets editing the same record: the later stamp wins, whichever write
    /// arrives last); its id is reported in [`PutReport::stale`] so the UI can say so.
    async fn put_many(&self, records: &[Record]) -> Result<PutReport, StoreError>;
    /// Physically removes every record born on `device`, in one transaction, and returns how
    /// many. Only for sample data: real deletions are tombstones, so they travel.
    async fn purge_device(&self, device: Uuid) -> Result<usize, StoreError>;
    /// Several records by kind and id (tombstones included), in the order asked. Stores that
    /// can should read them in one transaction: an import preview asks for thousands.
    async fn get_many(&self, keys: &[(RecordKind, Uuid)]) -> Result<Vec<Option<Record>>, StoreError> {
        let mut out = Vec::with_capacity(keys.len());
        for (kind, id) in keys {
            out.push(self.get(*kind, *id).await?);
        }
        Ok(out)
    }
    /// Live records whose `index` equals `value`.
    async fn query(&self, kind: RecordKind, index: IndexName, value: &str) -> Result<Vec<Record>, StoreError>;
    /// Every live record of a kind.
    async fn live(&self, kind: RecordKind) -> Result<Vec<Record>, StoreError>;
    /// Every live record of a kind with its body read as `T`, and how many live records did
    /// not read as one (counted, never a reason to show nothing). Only for loading the live
    /// cache once at start: no user action reads a whole store.
    async fn live_rows<T: serde::de::DeserializeOwned>(&self, kind: RecordKind) -> Result<(Vec<Row<T>>, usize), StoreError> {
        let mut rows = Vec::new();
        let mut unreadable = 0;
        for mut record in self.live(kind).await? {
            let edits = record.edit_marks();
            match serde_json::from_value::<T>(std::mem::take(&mut record.body)) {
                Ok(body) => rows.push(Row {
                    id: record.id,
                    created_at: record.created_at,
                    updated_at: record.updated_at,
                    origin_device: record.origin_device,
                    deleted_at: None,
                    edits,
                    purged_at: record.purged_at,
                    body,
                }),
                Err(_) => unreadable += 1,
            }
        }
        Ok((rows, unreadable))
    }
    /// Records (tombstones included) changed after `since`, oldest change first.
    async fn changed_since(&self, kind: RecordKind, since: Option<Stamp>) -> Result<Vec<Record>, StoreError>;
    /// Up to about `limit` records (tombstones included) changed after `after`, in the order of
    /// the `updated_at` index, leaving out those stored at exactly a `(id, stamp)` of `skip`
    /// (what a pull has just stored as the server has it: stores that can, leave them out
    /// without decoding them). Records sharing a stamp are never split between two pages;
    /// the next page starts after [`ChangedPage::last`], which is `None` only at the end.
    async fn changed_page(&self, kind: RecordKind, after: Option<Stamp>, limit: usize, skip: &std::collections::HashSet<(Uuid, Stamp)>) -> Result<ChangedPage, StoreError> {
        let mut changed = self.changed_since(kind, after).await?;
        changed.sort_by_cached_key(|r| r.updated_at.to_string());
        let all = changed.len();
        let page = whole_stamps(changed, limit);
        let last = page.last().map(|r| r.updated_at);
        let ended = page.len() == all;
        Ok(ChangedPage { records: page.into_iter().filter(|r| !skip.contains(&(r.id, r.updated_at))).collect(), last, ended })
    }
    /// [`Self::changed_page`] of several kinds, read as they stood at one moment (stores
    /// that can, read them in one transaction: one wait, not one per kind, when the store
    /// is busy with other reads).
    async fn changed_pages(&self, wanted: &[PageWanted<'_>], limit: usize) -> Result<Vec<ChangedPage>, StoreError> {
        let mut pages = Vec::with_capacity(wanted.len());
        for w in wanted {
            pages.push(self.changed_page(w.kind, w.after, limit, w.skip).await?);
        }
        Ok(pages)
    }
    /// Records whose `updated_at` sorts strictly between `after` and `before` in the text
    /// order of the `updated_at` index (which is the stamps' order, except for the 14-digit
    /// stamps older versions could write: see [`crate::domain::clock::rolled_over_range`]).
    async fn changed_between(&self, kind: RecordKind, after: Stamp, before: Stamp) -> Result<Vec<Record>, StoreError> {
        let (lo, hi) = (after.to_string(), before.to_string());
        let all = self.changed_since(kind, None).await?;
        Ok(all.into_iter().filter(|r| { let t = r.updated_at.to_string(); t > lo && t < hi }).collect())
    }
    /// Counts changes after `since` over every kind, with the oldest one.
    async fn change_summary(&self, since: Option<Stamp>) -> Result<ChangeSummary, StoreError> {
        let mut summary = ChangeSummary { since, ..ChangeSummary::default() };
        for kind in RecordKind::ALL {
            let changed = self.changed_since(kind, since).await?;
            summary.count += changed.len();
            if let Some(first) = changed.first() {
                summary.oldest = Some(summary.oldest.map_or(first.updated_at, |o| o.min(first.updated_at)));
            }
        }
        Ok(summary)
    }
    /// The highest `updated_at` stored up to `bound`: what the clock resumes from when the
    /// highest of all is beyond the bound (see [`crate::domain::clock::Hlc::resume`]).
    async fn highest_stamp_until(&self, bound: Stamp) -> Result<Option<Stamp>, StoreError> {
        let mut highest = None;
        for kind in RecordKind::ALL {
            let sound = self.changed_since(kind, None).await?.into_iter().map(|r| r.updated_at).filter(|s| *s <= bound).max();
            highest = highest.max(sound);
        }
        Ok(highest)
    }
    /// The highest stamp stored (to resume the clock after a restart).
    async fn highest_stamp(&self) -> Result<Option<Stamp>, StoreError> {
        let mut highest = None;
        for kind in RecordKind::ALL {
            if let Some(last) = self.changed_since(kind, None).await?.last() {
                highest = highest.max(Some(last.updated_at));
            }
        }
        Ok(highest)
    }
}

/// A stored record's id, stamps and origin with its body read as its kind's type: what the
/// live cache loads at start ([`RecordStore::live_rows`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row<T> {
    pub id: Uuid,
    pub created_at: Stamp,
    pub updated_at: Stamp,
    pub origin_device: Uuid,
    #[serde(default)]
    pub deleted_at: Option<Stamp>,
    pub body: T,
    /// The record's corrections ([`crate::domain::record::EditMark`]), read from its
    /// field writes without their values.
    #[serde(default, rename = "writes", deserialize_with = "crate::store::row_edits")]
    pub edits: Vec<crate::domain::record::EditMark>,
    #[serde(default)]
    pub purged_at: Option<Stamp>,
}

/// A row's field writes as corrections: `(field, at, base)` only, the values skipped.
pub(crate) fn row_edits<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<crate::domain::record::EditMark>, D::Error> {
    #[derive(Deserialize)]
    struct Write {
        field: String,
        at: Stamp,
        #[serde(default)]
        base: Option<Stamp>,
    }
    let writes: Vec<Write> = Vec::deserialize(d)?;
    // The purge's own erasures are dropped by the cache, which knows `purged_at`.
    Ok(writes.into_iter().filter(|w| w.base.is_some()).map(|w| crate::domain::record::EditMark { field: w.field, at: w.at }).collect())
}

/// Photos, stored by their SHA-256 beside the records that name them. The blob type is the
/// store's own (a browser `Blob` in IndexedDB, mime and bytes in memory), so a use case can
/// write a ticket and its photos in one transaction without knowing which store it has.
#[allow(async_fn_in_trait)]
pub trait PhotoStore: RecordStore {
    type Blob: Clone;
    /// [`RecordStore::put_many`] plus photos in the same transaction: a ticket is never
    /// stored without its photos, nor photos without it.
    async fn put_many_with_photos(&self, records: &[Record], photos: &[(String, Self::Blob)]) -> Result<PutReport, StoreError>;
    async fn photo(&self, sha256: &str) -> Result<Option<Self::Blob>, StoreError>;
    /// A photo's type and bytes, for an export; `None` when it is not stored.
    async fn photo_file(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>, StoreError>;
}

/// Deletes by writing a tombstone. Deleting a missing or already deleted record changes
/// nothing (so a repeated tap or a replayed import is harmless).
pub async fn delete<S: RecordStore>(
    store: &S,
    kind: RecordKind,
    id: Uuid,
    stamp: Stamp,
    actor: Option<Uuid>,
) -> Result<(), StoreError> {
    match store.get(kind, id).await? {
        Some(record) if !record.is_deleted() => store.put_many(&[record.tombstoned(stamp, actor)]).await.map(|_| ()),
        _ => Ok(()),
    }
}

/// Returns this device's identity, creating and storing it on first start with `new_id`.
/// The id is written before it is returned, so two starts can never see two ids.
pub async fn ensure_device<S: SettingsStore>(store: &S, new_id: Uuid) -> Result<DeviceIdentity, StoreError> {
    if let Some(device) = store.load_device().await? {
        return Ok(device);
    }
    let device = DeviceIdentity::new(new_id);
    store.save_device(&device).await?;
    Ok(device)
}

/// Decodes a stored JSON value, naming the key when it is not what it should be.
pub(crate) fn decode<T: for<'de> Deserialize<'de>>(key: &str, json: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt { key: key.to_owned(), reason: e.to_string() })
}

pub(crate) fn encode<T: Serialize>(key: &str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt { key: key.to_owned(), reason: e.to_string() })
}

/// Keys of the settings object store.
pub(crate) const DEVICE_KEY: &str = "device";
pub(crate) const SITE_KEY: &str = "site";
