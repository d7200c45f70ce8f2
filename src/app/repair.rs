//! Finding and repairing this device's records stamped in the future (修复时间戳): what a
//! tablet holds after importing a bad file with an older version, or after its clock was once
//! set years ahead. The rules are [`crate::domain::restamp`]'s; the repair is one transaction
//! with its ledger entry, and undoes like an import.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::app::{Changed, Stamps, Who};
use crate::domain::clock::{latest_allowed_ms, rolled_over_range, Stamp};
use crate::domain::export::{DeviceInfo, SiteInfo};
use crate::domain::ledger::LedgerEntry;
use crate::domain::record::{Record, RecordKind};
use crate::domain::restamp::{is_future_stamped, restamped};
use crate::domain::settings::{DeviceIdentity, SiteSettings};
use crate::store::sync::SyncStore;
use crate::store::{RecordStore, SettingsStore, StoreError};

/// The latest stamp a record may carry at `now`.
pub fn bound_at(now: DateTime<Utc>) -> Stamp {
    Stamp::last_of(latest_allowed_ms(now.timestamp_millis()))
}

/// The records whose last change is stamped beyond the bound, read from the `updated_at`
/// index alone (those past the bound, and the 14-digit stamps older versions rolled over
/// into): on a sound tablet, two empty index ranges per kind.
pub async fn find_future_stamped<S: RecordStore>(store: &S, now: DateTime<Utc>) -> Result<Vec<Record>, StoreError> {
    let bound = bound_at(now);
    let (after, before) = rolled_over_range();
    let mut found = Vec::new();
    for kind in RecordKind::ALL {
        found.extend(store.changed_since(kind, Some(bound)).await?);
        found.extend(store.changed_between(kind, after, before).await?);
    }
    // A store ordering by the stamps themselves (not their text) finds a rolled-over one twice.
    let mut seen = std::collections::HashSet::new();
    found.retain(|r| seen.insert((r.kind, r.id)));
    Ok(found)
}

/// What a repair did: its ledger entry, the records as they were and as they are now.
#[derive(Debug, Clone, PartialEq)]
pub struct Repaired {
    pub entry: LedgerEntry,
    pub before: Vec<Record>,
    pub changed: Changed,
    /// The export watermark was in the future too, and was set back: the next "changes
    /// since the last export" carries everything.
    pub watermark_reset: bool,
}

/// Re-stamps every record found by [`find_future_stamped`] and those of `also` (records an
/// export found with a future stamp inside, e.g. a field write) in one transaction, with a
/// ledger entry. The clock is not moved: the repair's stamps are the present.
pub async fn repair_future_stamps<S: SyncStore + SettingsStore>(
    store: &S,
    clock: &impl Stamps,
    who: Who,
    device: &DeviceIdentity,
    site: &SiteSettings,
    also: &[(RecordKind, Uuid)],
) -> Result<Repaired, StoreError> {
    let mut before = find_future_stamped(store, who.now).await?;
    let extra = store.get_many(also).await?;
    for r in extra.into_iter().flatten() {
        if is_future_stamped(&r, who.now) && !before.iter().any(|b| b.kind == r.kind && b.id == r.id) {
            before.push(r);
        }
    }
    let mut fixed = Vec::with_capacity(before.len());
    for r in &before {
        if let Some(f) = restamped(r, who.now, clock.stamp()?, who.actor) {
            fixed.push(f);
        }
    }
    let entry = LedgerEntry::for_repair(
        Uuid::now_v7(),
        DeviceInfo { id: device.id, name: device.name.clone() },
        SiteInfo { name: site.site_name.clone(), code: site.site_code.clone() },
        who.now,
    );
    let entry = if fixed.is_empty() { entry } else { store.apply_import(&fixed, &[], entry).await? };
    let watermark_reset = match store.load_export_watermark().await? {
        Some(w) if w > bound_at(who.now) => {
            store.save_export_watermark(Stamp { wall_ms: 0, counter: 0, device: Uuid::nil() }).await?;
            true
        }
        _ => false,
    };
    Ok(Repaired { entry, before, changed: Changed::of(fixed), watermark_reset })
}
