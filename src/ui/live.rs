//! The live record cache in the app: loaded once after start (tickets first, so the board
//! shows; then their events; then drills), and afterwards changed only by what a committed
//! write returned ([`commit`]) or by the records another tab names ([`apply_keys`]).
//! Everything here runs under the app's root owner, so a tab's message arriving while a
//! view is being torn down never touches a disposed signal.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::Changed;
use crate::domain::clock::Stamp;
use crate::domain::record::{Record, RecordKind};
use crate::domain::ticket::Ticket;
use crate::domain::workflow::TicketEvent;
use crate::platform::broadcast::{self, Topic};
use crate::store::{DeviceStore, RecordStore, SettingsStore, StoreError};
use crate::ui::context::AppContext;

/// Reads the records into the cache. The board's summary first, when it covers every
/// stored record (`highest`, the store's highest stamp), so the board paints from one small
/// read; then the tickets (the board shows from their own copies of their progress), plans
/// and runs, and the events.
pub async fn load(ctx: AppContext, store: &DeviceStore, highest: Option<Stamp>) -> Result<(), StoreError> {
    let mut summary_current = false;
    if let Some(highest) = highest {
        if let Some(summary) = store.load_board_summary().await? {
            if summary.as_of == highest {
                summary_current = true;
                ctx.cache.update(|c| c.load_summary(summary));
                crate::platform::mark("pd-board-summary");
                crate::platform::next_turn().await;
            }
        }
    }
    let (tickets, bad_tickets) = store.live_rows::<Ticket>(RecordKind::Ticket).await?;
    ctx.cache.update(|c| {
        c.load_tickets(tickets);
        if let Some(h) = highest {
            c.covers(h);
        }
    });
    crate::platform::mark("pd-board-read");
    // No current summary: write one now, so the next start has it even if this page is
    // left before the rest is read.
    if !summary_current {
        save_summary(ctx).await;
    }
    // Let the first look paint before the rest is read.
    crate::platform::next_turn().await;
    crate::platform::mark("pd-board-shown");
    // Plans, runs and measures are few: before the events, so the drill views need not wait for those.
    let plans = store.live(RecordKind::DrillPlan).await?;
    let runs = store.live(RecordKind::DrillRun).await?;
    let measures = store.live(RecordKind::Improvement).await?;
    ctx.cache.update(|c| c.load_drills(plans, runs, measures));
    let (events, bad_events) = store.live_rows::<TicketEvent>(RecordKind::TicketEvent).await?;
    ctx.cache.update(|c| c.load_events(events));
    crate::platform::mark("pd-board-settled");
    if bad_tickets + bad_events > 0 {
        ctx.storage_error.set(Some(StoreError::Corrupt {
            key: RecordKind::Ticket.store_name().into(),
            reason: format!("{} records do not read", bad_tickets + bad_events),
        }));
    }
    Ok(())
}

/// A committed write of this tab: the cache applies exactly what it stored, the other tabs
/// are told which records to read, and the unexported count takes in the write from what
/// the cache knew before it (counting from storage after each step held up the next one).
pub fn commit(ctx: AppContext, changed: &Changed) {
    if changed.records.is_empty() {
        return;
    }
    let unexported = ctx.unexported.get_untracked();
    let counted_before: Vec<bool> = ctx.cache.with_untracked(|c| {
        changed.records.iter().map(|r| c.stamp_of(r.kind, r.id).is_some_and(|s| unexported.counts(s))).collect()
    });
    ctx.cache.update(|c| {
        c.apply(&changed.records);
    });
    ctx.unexported.update(|u| {
        let count = u.count;
        for (r, before) in changed.records.iter().zip(counted_before) {
            u.count_written(r.updated_at, before);
        }
        LOCAL_COUNTED.with(|n| n.set(n.get() + (u.count - count)));
    });
    broadcast::announce(Topic::Records(changed.keys()));
    save_summary_soon(ctx);
    crate::ui::live_sync::local_change();
}

thread_local! {
    /// Changes since the summary was last written; a write is due when none came for a while.
    static SUMMARY_CHANGES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How long the records must stay unchanged before the summary is written: a stretch of
/// steps does not pay for it (writing it took tens of milliseconds inside the next step).
const SUMMARY_QUIET_MS: i32 = 5000;

/// Writes the board's summary from the cache once the records have been quiet for a while,
/// or when the page is hidden ([`save_summary_on_hide`]). A summary left unwritten (the tab
/// killed first) is older than the records, and the next start reads the tickets instead:
/// it can be late, never wrong.
fn save_summary_soon(ctx: AppContext) {
    let mine = SUMMARY_CHANGES.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    spawn_local(async move {
        crate::platform::sleep_ms(SUMMARY_QUIET_MS).await;
        if SUMMARY_CHANGES.with(|n| n.get()) == mine {
            save_summary(ctx).await;
        }
    });
}

/// Writes the summary when the page is hidden (screen off, another app, tab closed), if a
/// change is waiting for it.
pub fn save_summary_on_hide(ctx: AppContext) {
    let hidden = move || {
        let waiting = SUMMARY_CHANGES.with(|n| n.get()) != 0;
        let is_hidden = web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden());
        if waiting && is_hidden {
            spawn_local(save_summary(ctx));
        }
    };
    let on_visibility = leptos::prelude::window_event_listener_untyped("visibilitychange", move |_| hidden());
    let on_pagehide = leptos::prelude::window_event_listener_untyped("pagehide", move |_| spawn_local(save_summary(ctx)));
    // For the life of the page.
    std::mem::forget((on_visibility, on_pagehide));
}

async fn save_summary(ctx: AppContext) {
    SUMMARY_CHANGES.with(|n| n.set(0));
    let Ok(store) = ctx.store() else { return };
    let Some(summary) = ctx.cache.with_untracked(|c| c.summary(chrono::Utc::now())) else { return };
    // A summary that cannot be written costs the next start its head start, nothing more.
    let _ = store.save_board_summary(&summary).await;
}

/// A committed bulk write of this tab applied to the cache, the other tabs told once at
/// the end by the caller (sample data: thousands of records in batches).
pub fn commit_quietly(ctx: AppContext, changed: &Changed) {
    ctx.cache.update(|c| {
        c.apply(&changed.records);
    });
    crate::ui::live_sync::local_change();
}

/// Past this many records, loading everything again (a page at a time) is quicker than
/// reading each by id: the limit the broadcast channel names records up to.
pub const MAX_KEYS_TO_READ: usize = broadcast::MAX_KEYS;

/// Another tab (or a bulk write here) changed these records: read just them and apply.
pub async fn apply_keys(ctx: AppContext, keys: &[(RecordKind, uuid::Uuid)]) -> Result<(), StoreError> {
    let store = ctx.store()?;
    let records: Vec<Record> = store.get_many(keys).await?.into_iter().flatten().collect();
    ctx.cache.try_update(|c| {
        c.apply(&records);
    });
    refresh_unexported_soon(ctx);
    save_summary_soon(ctx);
    Ok(())
}

/// Loads every record again: only after a bulk change that removed records physically
/// (sample data), or a message too large to name its records.
pub async fn reload(ctx: AppContext) -> Result<(), StoreError> {
    let store = ctx.store()?;
    ctx.cache.try_update(|c| c.clear());
    refresh_unexported(ctx);
    let highest = store.highest_stamp().await?;
    load(ctx, &store, highest).await
}

thread_local! {
    static UNEXPORTED_CHANGES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// Records of this tab's writes added to the unexported count by [`commit`], ever.
    static LOCAL_COUNTED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// [`refresh_unexported`] once the records have been quiet for a moment (after another tab's
/// change or an import). Counting reads the `updated_at` index past the watermark — every
/// record on a tablet that never exported — and a write waits for that read to finish:
/// counted after every step, it made a step at 50,000 tickets take 0.85 s.
pub fn refresh_unexported_soon(ctx: AppContext) {
    let mine = UNEXPORTED_CHANGES.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    spawn_local(async move {
        crate::platform::sleep_ms(2000).await;
        if UNEXPORTED_CHANGES.with(|n| n.get()) == mine {
            refresh_unexported(ctx);
        }
    });
}

/// Counts the changes after the last export's watermark from the `updated_at` index alone
/// (no record is read).
pub fn refresh_unexported(ctx: AppContext) {
    spawn_local(async move {
        let Ok(store) = ctx.store() else { return };
        let counted_before = LOCAL_COUNTED.with(|n| n.get());
        let summary = async { store.change_summary(store.load_export_watermark().await?).await }.await;
        match summary {
            Ok(mut s) => {
                // Writes of this tab counted in memory while the count ran may or may not be
                // in it: added again, so the count can be high until the next full count,
                // never low. Counting again instead held up the writes that followed.
                let during = LOCAL_COUNTED.with(|n| n.get()) - counted_before;
                if during > 0 {
                    s.count += during;
                    s.oldest = match (s.oldest, ctx.unexported.get_untracked().oldest) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
                ctx.unexported.try_set(s);
            }
            Err(e) => {
                ctx.storage_error.try_set(Some(e));
            }
        }
    });
}

/// Every live ticket from the cache (settled: with its history), and whether the events
/// are in. For views that compute over all tickets (KPIs, the daily log): they recompute
/// from memory when the cache changes, never by reading storage.
pub fn use_tickets(ctx: AppContext) -> (Signal<Vec<std::sync::Arc<crate::app::cache::BoardItem>>>, Signal<bool>) {
    let items = Memo::new(move |_| ctx.cache.with(|c| c.tickets().cloned().collect::<Vec<_>>()));
    let settled = Memo::new(move |_| ctx.cache.with(|c| c.events_loaded()));
    (items.into(), settled.into())
}

/// Whether the plans and runs are in the cache (the drill views wait for it).
pub fn drills_ready(ctx: AppContext) -> Memo<bool> {
    Memo::new(move |_| ctx.cache.with(|c| c.drills_loaded()))
}

/// Waits until the events are in the cache (a spreadsheet asked for in the first seconds
/// after start), or storage failed to open.
pub async fn events_loaded(ctx: AppContext) -> Result<(), StoreError> {
    loop {
        if ctx.cache.with_untracked(|c| c.events_loaded()) {
            return Ok(());
        }
        if ctx.loaded.get_untracked() && ctx.store.with_value(Option::is_none) {
            return Err(ctx.store().err().unwrap_or(StoreError::Unavailable("not open".into())));
        }
        crate::platform::sleep_ms(50).await;
    }
}
