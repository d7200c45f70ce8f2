//! Improvement measures (issue 22): record one, edit it (field by field, so two tablets'
//! edits of different fields both stay), delete it by a tombstone that travels.

use thiserror::Error;
use uuid::Uuid;

use super::{to_body, Changed, Stamps, Who};
use crate::domain::improvement::{problems, Improvement};
use crate::domain::record::{Record, RecordKind};
use crate::domain::validation::Problem;
use crate::store::{RecordStore, StoreError};

/// Why a measure was not saved. Nothing is written in either case.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MeasureError {
    #[error("the measure has problems: {0:?}")]
    Invalid(Vec<(&'static str, Problem)>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Saves a new measure (`id` none) or an edit of a stored one: the edit is made on the
/// stored copy (one read by key), so a change that arrived meanwhile from another tablet
/// keeps its own fields.
pub async fn save_measure<S: RecordStore>(store: &S, stamps: &impl Stamps, who: Who, id: Option<Uuid>, measure: &Improvement) -> Result<(Uuid, Changed), MeasureError> {
    let mut measure = measure.clone();
    measure.measure = measure.measure.trim().to_owned();
    measure.notes = measure.notes.trim().to_owned();
    let found = problems(&measure);
    if !found.is_empty() {
        return Err(MeasureError::Invalid(found));
    }
    let body = to_body("improvement", &measure)?;
    let existing = match id {
        Some(id) => store.get(RecordKind::Improvement, id).await?.filter(|r| !r.is_deleted()),
        None => None,
    };
    let record = match existing {
        Some(r) => r.edited(body, stamps.stamp()?, who.actor),
        None => Record::create(RecordKind::Improvement, body, stamps.stamp()?, who.actor),
    };
    store.put_many(std::slice::from_ref(&record)).await?;
    Ok((record.id, Changed::of(vec![record])))
}

/// Deletes a measure by a tombstone. A missing or already deleted one changes nothing.
pub async fn delete_measure<S: RecordStore>(store: &S, stamps: &impl Stamps, who: Who, id: Uuid) -> Result<Changed, StoreError> {
    match store.get(RecordKind::Improvement, id).await? {
        Some(record) if !record.is_deleted() => {
            let tombstone = record.tombstoned(stamps.stamp()?, who.actor);
            store.put_many(std::slice::from_ref(&tombstone)).await?;
            Ok(Changed::of(vec![tombstone]))
        }
        _ => Ok(Changed::default()),
    }
}
