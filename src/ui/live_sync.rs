//! Continuous live sync with the company's CouchDB (issue 20): while the tablet is unlocked
//! and a server is set, one loop per tab runs a pass, then waits — on the server's long-poll
//! `_changes`, woken at once by a local write, "Sync now", or the network coming back. When
//! the server does not answer it retries after 2 s doubling to 5 minutes. What a pull wrote
//! goes into the live cache by record and other tabs are told the ids, like an import.
//!
//! One loop at a time: a new start (sign-in, a saved server) ends the one before it by its
//! generation, so a pass is never run twice at the same time.

use std::cell::{Cell, RefCell};

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::app::Stamps;
use crate::app::replicate::{pass_showing, PassReport, Progress, ReplicateError};
use crate::domain::couch::{retry_delay_ms, CouchConfig};
use crate::platform::broadcast::{self, Topic};
use crate::platform::couch::FetchCouch;
use crate::store::couch::CouchError;
use crate::store::{DeviceStore, StoreError};
use crate::ui::app::SplitNotLoaded;
use crate::ui::context::AppContext;

/// What the Data view's card says about live sync.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum SyncState {
    /// No server set (or the tablet is locked).
    #[default]
    Off,
    Syncing(Option<Progress>),
    UpToDate { sent: usize, received: usize, refused: usize },
    /// The server did not answer; `waiting` local changes are not on it yet.
    Offline { waiting: usize },
    /// The server answered no, with its reason.
    Refused { reason: String, waiting: usize },
    /// The loop's own code could not be fetched (no network before the service worker
    /// stored it); it starts when the network is back.
    NotLoaded,
    Failed(StoreError),
}

/// How long a long-poll waits on the server before the loop looks again (CouchDB's default
/// heartbeat is 60 s; proxies often cut idle requests at 30 to 60).
const LONG_POLL_MS: u32 = 25_000;
/// A local write after this long without one is pushed at once; a burst of them (a run of
/// steps) is pushed once more, this long after the last.
const LOCAL_QUIET_MS: i32 = 400;
/// After a refusal nothing changes by retrying at once: the next try is after this, or on
/// "Sync now" or a changed server.
const AFTER_REFUSAL_MS: u32 = 300_000;

thread_local! {
    static GENERATION: Cell<u64> = const { Cell::new(0) };
    static WOKEN: Cell<bool> = const { Cell::new(false) };
    static WAKE: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    static POLL: RefCell<Option<web_sys::AbortController>> = const { RefCell::new(None) };
    static LOCAL_WRITES: Cell<u64> = const { Cell::new(0) };
    /// When the last local write was committed (ms since the epoch).
    static LAST_LOCAL_WRITE: Cell<f64> = const { Cell::new(f64::NEG_INFINITY) };
    static LISTENING: Cell<bool> = const { Cell::new(false) };
    /// A loop is between its start and its end (a pass may be in flight).
    static RUNNING: Cell<bool> = const { Cell::new(false) };
}

/// Held by the one running loop; a loop started meanwhile waits until it is dropped.
struct Running;

impl Running {
    async fn take(generation: u64) -> Option<Running> {
        while RUNNING.with(Cell::get) {
            crate::platform::sleep_ms(50).await;
        }
        // A newer start came while this one waited: that one runs.
        current(generation).then(|| {
            RUNNING.with(|r| r.set(true));
            Running
        })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.with(|r| r.set(false));
    }
}

fn current(generation: u64) -> bool {
    GENERATION.with(Cell::get) == generation
}

/// The server this tablet replicates with (`None`: not set or locked), read again after each
/// sign-in or lock.
pub fn couch_config(ctx: AppContext) -> RwSignal<Option<CouchConfig>> {
    let config = RwSignal::new(None);
    Effect::new(move |_| {
        if !ctx.loaded.get() {
            return;
        }
        ctx.session.track();
        spawn_local(async move {
            let Ok(store) = ctx.store() else { return };
            if let Ok(found) = store.load_couch_config().await {
                config.try_set(found);
            }
        });
    });
    config
}

/// Ends the wait the loop is in (a timer or a long-poll) so it runs a pass now.
pub fn sync_now() {
    WOKEN.with(|w| w.set(true));
    if let Some(resolve) = WAKE.with(|w| w.borrow_mut().take()) {
        let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
    }
    if let Some(poll) = POLL.with(|p| p.borrow_mut().take()) {
        poll.abort();
    }
}

/// A committed local write: pushed at once when it is the first for a while (waiting for
/// quiet first added its length to every edit's way to the other tablets), and once the
/// writes have been quiet for a moment, so the last of a burst goes up too.
pub fn local_change() {
    let now = js_sys::Date::now();
    let mine = LOCAL_WRITES.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    if now - LAST_LOCAL_WRITE.with(|t| t.replace(now)) >= f64::from(LOCAL_QUIET_MS) {
        sync_now();
        return;
    }
    spawn_local(async move {
        crate::platform::sleep_ms(LOCAL_QUIET_MS).await;
        if LOCAL_WRITES.with(Cell::get) == mine {
            sync_now();
        }
    });
}

/// Stops the loop (the tablet locked): its pending wait ends and it sees it is not current.
pub fn stop(ctx: AppContext) {
    GENERATION.with(|g| g.set(g.get() + 1));
    sync_now();
    ctx.live_sync.try_set(SyncState::Off);
}

/// Starts (or restarts with a changed server) the loop.
pub fn start(ctx: AppContext) {
    let generation = GENERATION.with(|g| {
        g.set(g.get() + 1);
        g.get()
    });
    sync_now();
    listen_to_network();
    spawn_local(run_when_loaded(ctx, generation));
}

/// The loop's code — the replicator, the server's protocol, the checks on what comes from
/// it — is wasm of its own under `--features split` (scripts/build-app.mjs), fetched after
/// the first view has painted and only by a tablet with a server set: most tablets never
/// need it, and none needs it for the first view.
#[cfg_attr(feature = "split", leptos::wasm_split::wasm_split(live_sync_loop, wasm_split_path = ::leptos::wasm_split, fallible))]
fn live_sync_loop(ctx: AppContext, generation: u64) -> Result<std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>, SplitNotLoaded> {
    Ok(Box::pin(run(ctx, generation)))
}

/// The server this tablet replicates with; without one (or locked, or unreadable) the state
/// says so and there is nothing to run.
async fn server_set(ctx: AppContext, store: &DeviceStore, generation: u64) -> Option<CouchConfig> {
    match store.load_couch_config().await {
        Ok(Some(config)) => Some(config),
        Ok(None) | Err(StoreError::Locked) => {
            if current(generation) {
                ctx.live_sync.try_set(SyncState::Off);
            }
            None
        }
        Err(e) => {
            ctx.live_sync.try_set(SyncState::Failed(e));
            None
        }
    }
}

async fn run_when_loaded(ctx: AppContext, generation: u64) {
    let Ok(store) = ctx.store() else { return };
    if server_set(ctx, &store, generation).await.is_none() {
        return;
    }
    crate::platform::after_paint().await;
    let mut attempt = 0u32;
    while current(generation) {
        #[cfg(feature = "split")]
        let loaded = live_sync_loop(ctx, generation).await;
        #[cfg(not(feature = "split"))]
        let loaded = live_sync_loop(ctx, generation);
        match loaded {
            Ok(run) => return run.await,
            Err(SplitNotLoaded) => {
                if current(generation) {
                    ctx.live_sync.try_set(SyncState::NotLoaded);
                }
                wait(retry_delay_ms(attempt)).await;
                attempt += 1;
            }
        }
    }
}

/// The browser saying the network is back wakes the loop; going away cuts the long-poll.
fn listen_to_network() {
    if LISTENING.with(|l| l.replace(true)) {
        return;
    }
    let Some(window) = web_sys::window() else { return };
    let wake = Closure::<dyn Fn()>::new(sync_now);
    let _ = window.add_event_listener_with_callback("online", wake.as_ref().unchecked_ref());
    let _ = window.add_event_listener_with_callback("offline", wake.as_ref().unchecked_ref());
    wake.forget();
}

/// Waits `ms`, or less if woken.
async fn wait(ms: u32) {
    if WOKEN.with(|w| w.replace(false)) {
        return;
    }
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms.min(i32::MAX as u32) as i32);
        }
        WAKE.with(|w| *w.borrow_mut() = Some(resolve));
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    WOKEN.with(|w| w.set(false));
}

/// Waits on the server's long-poll for a change after `since`, or less if woken. The wait
/// ends on our side too (a wake or the deadline), not only when the aborted request fails:
/// a request held by something in between may never fail.
async fn wait_for_server(couch: &FetchCouch, since: &serde_json::Value) -> Result<(), CouchError> {
    if WOKEN.with(|w| w.replace(false)) {
        return Ok(());
    }
    let Ok(controller) = web_sys::AbortController::new() else { return Err(CouchError::Offline) };
    let signal = controller.signal();
    // Resolved by a wake, or by the deadline: pouchdb-server ignores `timeout` and holds a
    // long-poll until a change.
    let woken = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, (LONG_POLL_MS + 5_000) as i32);
        }
        WAKE.with(|w| *w.borrow_mut() = Some(resolve));
    });
    POLL.with(|p| *p.borrow_mut() = Some(controller.clone()));
    let poll = Box::pin(couch.wait_for_changes(since, LONG_POLL_MS, &signal));
    let wake = wasm_bindgen_futures::JsFuture::from(woken);
    let result = match futures::future::select(poll, wake).await {
        futures::future::Either::Left((result, _)) => result,
        futures::future::Either::Right(_) => {
            controller.abort();
            Ok(())
        }
    };
    POLL.with(|p| p.borrow_mut().take());
    WAKE.with(|w| w.borrow_mut().take());
    // Woken: not an error of the network.
    if signal.aborted() {
        WOKEN.with(|w| w.set(false));
        return Ok(());
    }
    result
}

async fn waiting(store: &DeviceStore, device: uuid::Uuid, config: &CouchConfig) -> usize {
    crate::app::replicate::waiting(store, device, config.database()).await.unwrap_or(0)
}

/// The records a pull wrote: into the cache by record, other tabs told the ids.
/// A batch the pull stored, into the live cache and the other tabs' (as soon as its
/// transaction has committed, not at the end of the pass: a pass cut half-way has stored it).
fn apply_pulled(ctx: AppContext, written: &[crate::domain::record::Record]) {
    for r in written {
        ctx.observe(r.updated_at);
    }
    ctx.cache.try_update(|c| {
        c.apply(written);
    });
    broadcast::announce(Topic::Records(written.iter().map(|r| (r.kind, r.id)).collect()));
    crate::ui::live::refresh_unexported_soon(ctx);
}

async fn run(ctx: AppContext, generation: u64) {
    let Some(_running) = Running::take(generation).await else { return };
    let Ok(store) = ctx.store() else { return };
    let Some(config) = server_set(ctx, &store, generation).await else { return };
    let Some(device) = ctx.device.get_untracked().map(|d| d.id) else { return };
    let couch = FetchCouch::new(&config);
    let mut session_open = false;
    let mut attempt = 0u32;
    let mut last_done = SyncState::Off;
    while current(generation) {
        WOKEN.with(|w| w.set(false));
        // A quiet pass (most of them) does not make the line, read aloud as a status, flicker.
        if !matches!(ctx.live_sync.get_untracked(), SyncState::UpToDate { .. }) {
            ctx.live_sync.try_set(SyncState::Syncing(None));
        }
        let result: Result<PassReport, ReplicateError> = async {
            if config.needs_session() && !session_open {
                couch.open_session(&config.user, &config.password).await?;
                session_open = true;
            }
            let show = move |p: Progress| {
                if current(generation) && p != (Progress::Pulling { percent: Some(100) }) {
                    ctx.live_sync.try_set(SyncState::Syncing(Some(p)));
                }
            };
            // Applied even if this run has been replaced meanwhile (the records are stored),
            // never into a locked tablet's memory.
            let stored = move |written: &[crate::domain::record::Record]| {
                if ctx.session.get_untracked() != crate::ui::context::Session::Locked {
                    apply_pulled(ctx, written);
                }
            };
            pass_showing(&store, &couch, device, config.database(), chrono::Utc::now(), &show, &stored).await
        }
        .await;
        if !current(generation) {
            return;
        }
        match result {
            Ok(report) => {
                attempt = 0;
                // A pass that moved nothing (the echo of this tablet's own push, a long-poll
                // ended by its deadline) leaves the line saying what the last one did.
                let this = SyncState::UpToDate { sent: report.pushed, received: report.pulled, refused: report.refused.len() };
                if report.pushed > 0 || report.pulled > 0 || !report.refused.is_empty() || last_done == SyncState::Off {
                    last_done = this;
                }
                ctx.live_sync.try_set(last_done.clone());
                if let Err(CouchError::Offline) = wait_for_server(&couch, &report.last_seq).await {
                    if current(generation) && !WOKEN.with(Cell::get) {
                        ctx.live_sync.try_set(SyncState::Offline { waiting: waiting(&store, device, &config).await });
                        wait(retry_delay_ms(attempt)).await;
                        attempt += 1;
                    }
                }
            }
            Err(ReplicateError::Couch(CouchError::Offline)) => {
                ctx.live_sync.try_set(SyncState::Offline { waiting: waiting(&store, device, &config).await });
                wait(retry_delay_ms(attempt)).await;
                attempt += 1;
            }
            // The session expired: sign in again once before calling it a refusal.
            Err(ReplicateError::Couch(CouchError::Refused(reason))) if reason.starts_with("401") && session_open => {
                session_open = false;
            }
            Err(ReplicateError::Couch(CouchError::Refused(reason))) => {
                session_open = false;
                ctx.live_sync.try_set(SyncState::Refused { reason, waiting: waiting(&store, device, &config).await });
                wait(AFTER_REFUSAL_MS).await;
            }
            Err(ReplicateError::Store(StoreError::Locked)) => return,
            Err(ReplicateError::Store(e)) => {
                ctx.live_sync.try_set(SyncState::Failed(e));
                wait(retry_delay_ms(attempt)).await;
                attempt += 1;
            }
        }
    }
}
