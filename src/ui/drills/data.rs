//! Plans and runs: read from the live cache, written through the use cases. Built-in plans
//! have fixed ids, so every tablet has the same plan ids and runs from many tablets line up
//! at head office.

use std::sync::Arc;

use leptos::prelude::*;
use uuid::Uuid;

use crate::app::drills::{self, RecordError};
use crate::domain::drill::record::RunRecord;
use crate::domain::drill::{DrillPlan, DrillRun, RunChange};
use crate::domain::record::Record;
use crate::store::{DeviceStore, StoreError};
use crate::ui::context::AppContext;
use crate::ui::live;

pub fn store_of(ctx: AppContext) -> Result<DeviceStore, StoreError> {
    ctx.store()
}

/// Every plan (retired ones too), from the cache; built-in plans are shown from the app
/// until someone edits or retires one. Untracked: callers decide what they follow.
pub fn plans(ctx: AppContext) -> Vec<(Record, DrillPlan)> {
    ctx.cache.with_untracked(|c| c.plans().into_iter().map(Arc::unwrap_or_clone).collect())
}

/// Every run, newest first, from the cache.
pub fn runs(ctx: AppContext) -> Vec<(Record, DrillRun)> {
    ctx.cache.with_untracked(|c| c.runs().into_iter().map(Arc::unwrap_or_clone).collect())
}

/// Deletes a plan written on a tablet (built-in plans and plans with runs are retired
/// instead, so history keeps its plan). The tombstone travels with the next export.
pub async fn delete_plan(ctx: AppContext, id: Uuid) -> Result<(), StoreError> {
    let changed = drills::delete_plan(&ctx.store()?, &ctx, ctx.who(), id).await?;
    live::commit(ctx, &changed);
    Ok(())
}

/// Saves a plan: a new record, or a later version of an existing one.
pub async fn save_plan(ctx: AppContext, existing: Option<Record>, plan: &DrillPlan) -> Result<Uuid, StoreError> {
    let (id, changed) = drills::save_plan(&ctx.store()?, &ctx, ctx.who(), existing.as_ref(), plan).await?;
    live::commit(ctx, &changed);
    Ok(id)
}

pub async fn start_run(ctx: AppContext, run: &DrillRun) -> Result<Uuid, StoreError> {
    let (id, changed) = drills::start_run(&ctx.store()?, &ctx, ctx.who(), run).await?;
    live::commit(ctx, &changed);
    Ok(id)
}

/// Appends one change to a run, re-reading the stored run first so a change made in another
/// tab is not lost. Returns false if the run no longer accepts it (finished meanwhile).
pub async fn append(ctx: AppContext, run_id: Uuid, change: RunChange) -> Result<bool, StoreError> {
    append_with_photo(ctx, run_id, change, None).await
}

/// [`append`], storing a photo Blob in the same transaction.
pub async fn append_with_photo(ctx: AppContext, run_id: Uuid, change: RunChange, photo: Option<(String, web_sys::Blob)>) -> Result<bool, StoreError> {
    match drills::append(&ctx.store()?, &ctx, ctx.who(), run_id, change, photo).await? {
        Some(changed) => {
            live::commit(ctx, &changed);
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Saves the run's written record over the stored run.
pub async fn save_record(ctx: AppContext, run_id: Uuid, record: RunRecord) -> Result<(), RecordError> {
    let changed = drills::save_record(&ctx.store()?, &ctx, ctx.who(), run_id, record).await?;
    live::commit(ctx, &changed);
    Ok(())
}

/// The commander's sign-off of a finished run.
pub async fn sign_off(ctx: AppContext, run_id: Uuid) -> Result<(), RecordError> {
    let changed = drills::sign_off(&ctx.store()?, &ctx, ctx.who(), run_id).await?;
    live::commit(ctx, &changed);
    Ok(())
}
