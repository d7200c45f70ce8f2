//! Drill plans and runs: start a run, append a check-off (or skip, note, finding, finish),
//! keep the run's written record and have the commander sign it, save, retire and delete
//! plans.

use thiserror::Error;
use uuid::Uuid;

use super::{from_body, to_body, Changed, Stamps, Who};
use crate::domain::drill::record::{sign_off_problem, RecordProblem, RunRecord, SignOffProblem};
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

/// Why the written record or its sign-off was not stored. Nothing is written in any case.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RecordError {
    #[error("the record has problems: {0:?}")]
    Invalid(Vec<RecordProblem>),
    /// Signed off (here or on another tablet): the record is closed.
    #[error("the record is signed off")]
    Closed,
    #[error("cannot sign off: {0:?}")]
    CannotSign(SignOffProblem),
    #[error("no such run")]
    Gone,
    #[error(transparent)]
    Store(#[from] StoreError),
}

async fn stored_run<S: RecordStore>(store: &S, run_id: Uuid) -> Result<(Record, DrillRun), RecordError> {
    let record = store.get(RecordKind::DrillRun, run_id).await?.filter(|r| !r.is_deleted()).ok_or(RecordError::Gone)?;
    let run: DrillRun = from_body(&record)?;
    Ok((record, run))
}

/// Saves the run's written record (organiser, commander, teams, evacuated, scenario,
/// notice, weather), checked, over the stored run so check-offs made meanwhile are kept.
pub async fn save_record<S: RecordStore>(store: &S, stamps: &impl Stamps, who: Who, run_id: Uuid, written: RunRecord) -> Result<Changed, RecordError> {
    let written = written.tidied();
    written.validate().map_err(RecordError::Invalid)?;
    let (record, mut run) = stored_run(store, run_id).await?;
    if !run.record_editable() {
        return Err(RecordError::Closed);
    }
    run.record = written;
    let updated = record.edited(to_body(&run_id.to_string(), &run)?, stamps.stamp()?, who.actor);
    store.put_many(std::slice::from_ref(&updated)).await?;
    Ok(Changed::of(vec![updated]))
}

/// The commander signs the finished record, under the commander's name as written in it.
pub async fn sign_off<S: RecordStore>(store: &S, stamps: &impl Stamps, who: Who, run_id: Uuid) -> Result<Changed, RecordError> {
    let (record, mut run) = stored_run(store, run_id).await?;
    if let Some(problem) = sign_off_problem(&run) {
        return Err(RecordError::CannotSign(problem));
    }
    let change = RunChange::SignOff { name: run.record.commander.clone(), staff: who.actor };
    run.events.push(RunEvent { id: Uuid::now_v7(), at: who.now, by: who.actor, change });
    let updated = record.edited(to_body(&run_id.to_string(), &run)?, stamps.stamp()?, who.actor);
    store.put_many(std::slice::from_ref(&updated)).await?;
    Ok(Changed::of(vec![updated]))
}
