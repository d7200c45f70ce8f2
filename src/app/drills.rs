//! Drill plans and runs: start a run, append a check-off (or skip, note, finding, finish),
//! save, retire and delete plans.

use uuid::Uuid;

use super::{from_body, to_body, Changed, Stamps, Who};
use crate::domain::drill::{DrillPlan, DrillRun, RunChange, RunEvent};
use crate::domain::record::{Record, RecordKind};
use crate::store::{PhotoStore, RecordStore, StoreError};

/// Starts a run: one new record.
pub async fn start_run<S: RecordStore>(store: &S, stamps: &impl Stamps, who: Who, run: &DrillRun) -> Result<(Uuid, Changed), StoreError> {
    let record = Record::create(RecordKind::DrillRun, to_body("drill run", run)?, stamps.stamp()?, who.actor);
    store.put_many(std::slice::from_ref(&record)).await?;
    Ok((record.id, Changed::of(vec![record])))
}

/// Appends one change to a run, read from storage first so a change another tab made is
/// kept, with a photo in the same transaction. `Ok(None)` when the run no longer takes the
/// change (finished meanwhile) or is gone: nothing is written.
pub async fn append<S: PhotoStore>(
    store: &S,
    stamps: &impl Stamps,
    who: Who,
    run_id: Uuid,
    change: RunChange,
    photo: Option<(String, S::Blob)>,
) -> Result<Option<Changed>, StoreError> {
    let Some(record) = store.get(RecordKind::DrillRun, run_id).await?.filter(|r| !r.is_deleted()) else { return Ok(None) };
    let mut run: DrillRun = from_body(&record)?;
    if !run.accepts(&change) {
        return Ok(None);
    }
    run.events.push(RunEvent { id: Uuid::now_v7(), at: who.now, by: who.actor, change });
    let updated = record.edited(to_body(&run_id.to_string(), &run)?, stamps.stamp()?, who.actor);
    store.put_many_with_photos(std::slice::from_ref(&updated), photo.as_slice()).await?;
    Ok(Some(Changed::of(vec![updated])))
}

/// Saves a plan: a new record, or a later version of `existing` (a built-in plan the first
/// time it is edited or retired is written under its fixed id).
pub async fn save_plan<S: RecordStore>(store: &S, stamps: &impl Stamps, who: Who, existing: Option<&Record>, plan: &DrillPlan) -> Result<(Uuid, Changed), StoreError> {
    let body = to_body("drill plan", plan)?;
    let record = match existing {
        Some(r) => r.edited(body, stamps.stamp()?, who.actor),
        None => Record::create(RecordKind::DrillPlan, body, stamps.stamp()?, who.actor),
    };
    store.put_many(std::slice::from_ref(&record)).await?;
    Ok((record.id, Changed::of(vec![record])))
}

/// Deletes a plan written on a tablet by a tombstone, which travels with the next export.
/// Deleting a missing or already deleted plan changes nothing.
pub async fn delete_plan<S: RecordStore>(store: &S, stamps: &impl Stamps, who: Who, id: Uuid) -> Result<Changed, StoreError> {
    match store.get(RecordKind::DrillPlan, id).await? {
        Some(record) if !record.is_deleted() => {
            let tombstone = record.tombstoned(stamps.stamp()?, who.actor);
            store.put_many(std::slice::from_ref(&tombstone)).await?;
            Ok(Changed::of(vec![tombstone]))
        }
        _ => Ok(Changed::default()),
    }
}
