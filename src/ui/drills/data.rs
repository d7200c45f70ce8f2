//! Plans and runs in storage. Built-in plans are written on first use with fixed ids, so
//! every tablet has the same plan ids and runs from many tablets line up at head office.

use chrono::Utc;
use leptos::prelude::*;
use uuid::Uuid;

use crate::domain::drill::{built_in_plans, DrillPlan, DrillRun, RunChange, RunEvent};
use crate::domain::record::{Record, RecordKind};
use crate::platform::broadcast::{self, Topic};
use crate::store::idb::IdbStore;
use crate::store::{RecordStore, StoreError};
use crate::ui::app::refresh_records;
use crate::ui::context::AppContext;

pub fn store_of(ctx: AppContext) -> Result<IdbStore, StoreError> {
    ctx.store
        .get_value()
        .ok_or_else(|| ctx.storage_error.get_untracked().unwrap_or(StoreError::Unavailable("not open".into())))
}

fn stamp(ctx: AppContext) -> Result<crate::domain::clock::Stamp, StoreError> {
    ctx.stamp().ok_or_else(|| StoreError::Unavailable("no device identity".into()))
}

fn encode<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(value).map_err(|e| StoreError::Corrupt { key: "drill".into(), reason: e.to_string() })
}

async fn committed(ctx: AppContext, store: &IdbStore) -> Result<(), StoreError> {
    broadcast::announce(Topic::Records);
    refresh_records(ctx, store).await
}

/// Every plan (retired ones too). Built-in plans are not written until someone edits or
/// retires one: opening the Drills view must not create "changes not yet exported". Until
/// then they are shown from the app itself, under their fixed ids.
pub async fn load_plans(ctx: AppContext) -> Result<Vec<(Record, DrillPlan)>, StoreError> {
    let store = store_of(ctx)?;
    let records = store.live(RecordKind::DrillPlan).await?;
    let mut plans: Vec<(Record, DrillPlan)> =
        records.into_iter().filter_map(|r| serde_json::from_value(r.body.clone()).ok().map(|p| (r, p))).collect();
    // Stamped at the epoch: older than any real change, so an edit always supersedes it.
    let epoch = crate::domain::clock::Stamp { wall_ms: 0, counter: 0, device: Uuid::nil() };
    for (id, plan) in built_in_plans() {
        if !plans.iter().any(|(r, _)| r.id == id) {
            plans.push((Record::create_with_id(id, RecordKind::DrillPlan, encode(&plan)?, epoch, None), plan));
        }
    }
    plans.sort_by_key(|(r, _)| r.created_at);
    Ok(plans)
}

/// Deletes a plan written on a tablet (built-in plans and plans with runs are retired
/// instead, so history keeps its plan). The tombstone travels with the next export.
pub async fn delete_plan(ctx: AppContext, id: Uuid) -> Result<(), StoreError> {
    let store = store_of(ctx)?;
    crate::store::delete(&store, RecordKind::DrillPlan, id, stamp(ctx)?, ctx.on_duty.get_untracked()).await?;
    committed(ctx, &store).await
}

/// Saves a plan: a new record, or a later version of an existing one.
pub async fn save_plan(ctx: AppContext, existing: Option<Record>, plan: &DrillPlan) -> Result<Uuid, StoreError> {
    let store = store_of(ctx)?;
    let actor = ctx.on_duty.get_untracked();
    let record = match existing {
        Some(r) => r.edited(encode(plan)?, stamp(ctx)?, actor),
        None => Record::create(RecordKind::DrillPlan, encode(plan)?, stamp(ctx)?, actor),
    };
    let id = record.id;
    store.put_many(&[record]).await?;
    committed(ctx, &store).await?;
    Ok(id)
}

pub async fn load_runs(ctx: AppContext) -> Result<Vec<(Record, DrillRun)>, StoreError> {
    let store = store_of(ctx)?;
    let mut runs: Vec<(Record, DrillRun)> = store
        .live(RecordKind::DrillRun)
        .await?
        .into_iter()
        .filter_map(|r| serde_json::from_value(r.body.clone()).ok().map(|run| (r, run)))
        .collect();
    runs.sort_by(|a, b| b.1.started_at.cmp(&a.1.started_at));
    Ok(runs)
}

pub async fn start_run(ctx: AppContext, run: &DrillRun) -> Result<Uuid, StoreError> {
    let store = store_of(ctx)?;
    let record = Record::create(RecordKind::DrillRun, encode(run)?, stamp(ctx)?, ctx.on_duty.get_untracked());
    let id = record.id;
    store.put_many(&[record]).await?;
    committed(ctx, &store).await?;
    Ok(id)
}

/// Appends one change to a run, re-reading the stored run first so a change made in another
/// tab is not lost. Returns false if the run no longer accepts it (finished meanwhile).
pub async fn append(ctx: AppContext, run_id: Uuid, change: RunChange) -> Result<bool, StoreError> {
    append_with_photo(ctx, run_id, change, None).await
}

/// [`append`], storing a photo Blob in the same transaction.
pub async fn append_with_photo(
    ctx: AppContext,
    run_id: Uuid,
    change: RunChange,
    photo: Option<(String, web_sys::Blob)>,
) -> Result<bool, StoreError> {
    let store = store_of(ctx)?;
    let Some(record) = store.get(RecordKind::DrillRun, run_id).await? else { return Ok(false) };
    let mut run: DrillRun = serde_json::from_value(record.body.clone())
        .map_err(|e| StoreError::Corrupt { key: run_id.to_string(), reason: e.to_string() })?;
    if !run.accepts(&change) {
        return Ok(false);
    }
    run.events.push(RunEvent { id: Uuid::now_v7(), at: Utc::now(), by: ctx.on_duty.get_untracked(), change });
    let updated = record.edited(encode(&run)?, stamp(ctx)?, ctx.on_duty.get_untracked());
    store.put_many_with_photos(&[updated], photo.as_slice()).await?;
    committed(ctx, &store).await?;
    Ok(true)
}
