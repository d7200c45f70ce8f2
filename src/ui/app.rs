use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use leptos_router::{Lazy, LazyRoute};

use crate::domain::locale::Lang;
use crate::platform::{self, prefs};
use crate::store::idb::DB_NAME;
use crate::platform::broadcast::{self, Topic};
use crate::store::{ensure_device, DeviceStore, RecordStore, SettingsStore, StoreError};
use crate::domain::clock::Hlc;
use crate::ui::context::{AppContext, Session};
use crate::ui::i18n::{use_i18n, I18nContextProvider, Locale};
use crate::ui::shell::{Header, NavBar, StorageNotice, UpdateNotice};
use crate::ui::{board, data, drills, intake, kpi, records, settings};

pub fn to_locale(lang: Lang) -> Locale {
    match lang {
        Lang::En => Locale::en,
        Lang::ZhCn => Locale::zh_CN,
    }
}

/// A view whose code, built with `--features split` (scripts/build-app.mjs), is in the wasm
/// module of its group, fetched when a view of the group first opens. Groups, not a module a
/// view: the splitter makes a file of every set of modules some code is shared by, and a
/// module a view made 156 files (250 with the board split off too, whose first open then
/// instantiated 92 of them: a cold start to the board of 2.5 s). Fallible: a module that
/// cannot be fetched (offline before the service worker has stored it) shows a message
/// instead of stopping the app, and the view opens in its place when the network comes back
/// or the user tries again.
macro_rules! lazy_view {
    ($route:ident, $load:ident in $group:ident, $($page:ident)::+) => {
        struct $route;
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }
            async fn view(_: Self) -> AnyView {
                let load: LoadView = || {
                    Box::pin(async {
                        #[cfg(feature = "split")]
                        let view = $load().await;
                        #[cfg(not(feature = "split"))]
                        let view = $load();
                        view
                    })
                };
                match load().await {
                    Ok(view) => view,
                    Err(SplitNotLoaded) => view! { <ViewNotLoadedNotice load/> }.into_any(),
                }
            }
        }
        #[cfg_attr(feature = "split", leptos::wasm_split::wasm_split($group, wasm_split_path = ::leptos::wasm_split, fallible))]
        fn $load() -> Result<AnyView, SplitNotLoaded> {
            Ok(view! { <$($page)::+/> }.into_any())
        }
    };
}

/// A module split off the first load (a view, the live-sync loop, the sealing pass) could
/// not be fetched.
pub(crate) struct SplitNotLoaded;

impl From<leptos::wasm_split::SplitLoaderError> for SplitNotLoaded {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        SplitNotLoaded
    }
}

/// Fetches a split view's module (again) and builds the view.
type LoadView = fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<AnyView, SplitNotLoaded>>>>;

/// Stands in for a view whose module could not be fetched, and becomes it once it can be:
/// a user who opened a view just as the network dropped should not have to know to leave
/// and come back.
#[component]
fn ViewNotLoadedNotice(load: LoadView) -> impl IntoView {
    let i18n = use_i18n();
    let loaded = StoredValue::new_local(None::<AnyView>);
    let ready = RwSignal::new(false);
    let trying = RwSignal::new(false);
    // The view is built under this component's owner, where the app's contexts are: the tap
    // or the event that starts the load has none.
    let owner = StoredValue::new_local(Owner::current());
    let try_again = move || {
        if trying.get_untracked() || ready.get_untracked() {
            return;
        }
        let Some(owner) = owner.get_value() else { return };
        trying.set(true);
        owner.with(|| {
            leptos::task::spawn_local_scoped_with_cancellation(async move {
                if let Ok(view) = load().await {
                    loaded.try_set_value(Some(view));
                    ready.try_set(true);
                }
                trying.try_set(false);
            })
        });
    };
    let on_online = window_event_listener_untyped("online", move |_| try_again());
    on_cleanup(move || on_online.remove());
    view! {
        <Show
            when=move || ready.get()
            fallback=move || {
                view! {
                    <div class="notice notice-error" role="alert" data-testid="view-not-loaded">
                        <p>{move || crate::ui::i18n::t_string!(i18n, view_not_loaded)}</p>
                        <button
                            type="button"
                            data-testid="view-try-again"
                            prop:disabled=move || trying.get()
                            on:click=move |_| try_again()
                        >
                            {move || crate::ui::i18n::t_string!(i18n, view_try_again)}
                        </button>
                    </div>
                }
            }
        >
            {move || loaded.try_update_value(Option::take).flatten()}
        </Show>
    }
}

/// Starts fetching the module of the view the app opens at while the app is drawn, instead of
/// once the router has drawn the route after the mount: a tablet opened at the board or a
/// ticket (a reload, a bookmark) needs the board's module. Called before the mount's task, so
/// the fetch and the compiling run beside it (on the browser's own task queue: Leptos'
/// executor is not set up yet).
pub fn preload_first_view() {
    #[cfg(feature = "split")]
    {
        let path = window().location().pathname().unwrap_or_default();
        if path.starts_with("/board") || path.starts_with("/ticket/") {
            wasm_bindgen_futures::spawn_local(async {
                let _ = __wasm_split_preload_board_view().await;
            });
        } else if ["/drills", "/kpi", "/records", "/data", "/settings"].iter().any(|p| path.starts_with(p)) {
            // Any view's preload fetches its whole group: this one is the rarely-first views'.
            wasm_bindgen_futures::spawn_local(async {
                let _ = __wasm_split_preload_drills_view().await;
            });
        }
    }
}

lazy_view!(BoardRoute, board_view in board_views, board::BoardPage);
lazy_view!(TicketRoute, ticket_view in board_views, board::detail::TicketPage);
lazy_view!(DrillsRoute, drills_view in rare_views, drills::DrillsPage);
lazy_view!(PlanEditorRoute, plan_editor_view in rare_views, drills::editor::PlanEditorPage);
lazy_view!(StartRunRoute, start_run_view in rare_views, drills::run::StartRunPage);
lazy_view!(RunRoute, run_view in rare_views, drills::run::RunPage);
lazy_view!(KpiRoute, kpi_view in rare_views, kpi::KpiPage);
lazy_view!(DailyLogRoute, daily_log_view in rare_views, kpi::log::DailyLogPage);
lazy_view!(TeamReviewRoute, team_review_view in rare_views, kpi::review::TeamReviewPage);
lazy_view!(MeasuresRoute, measures_view in rare_views, kpi::measures::MeasuresPage);
lazy_view!(RecordsRoute, records_view in rare_views, records::RecordsPage);
lazy_view!(DataRoute, data_view in rare_views, data::DataPage);
lazy_view!(SettingsRoute, settings_view in rare_views, settings::SettingsPage);

#[component]
pub fn App() -> impl IntoView {
    view! {
        <I18nContextProvider>
            <AppWithContext/>
        </I18nContextProvider>
    }
}

#[component]
fn AppWithContext() -> impl IntoView {
    let i18n = use_i18n();
    let lang = prefs::stored_lang().unwrap_or_else(platform::browser_lang);
    i18n.set_locale(to_locale(lang));

    let ctx = AppContext {
        session: RwSignal::new(crate::ui::context::Session::Open),
        keyring: RwSignal::new(None),
        data_key: StoredValue::new(None),
        sealing: RwSignal::new(None),
        access_logged: RwSignal::new(0),
        site: RwSignal::new(Default::default()),
        device: RwSignal::new(None),
        on_duty: RwSignal::new(prefs::stored_on_duty()),
        storage_error: RwSignal::new(None),
        prefs_not_kept: RwSignal::new(false),
        loaded: RwSignal::new(false),
        lang: RwSignal::new(lang),
        store: StoredValue::new_local(None),
        clock: StoredValue::new(None),
        cache: RwSignal::new(Default::default()),
        imports: RwSignal::new(0),
        unexported: RwSignal::new(Default::default()),
        future_stamped: RwSignal::new(Vec::new()),
        live_sync: RwSignal::new(Default::default()),
    };
    provide_context(ctx);

    Effect::new(move |_| {
        let lang = ctx.lang.get();
        i18n.set_locale(to_locale(lang));
    });

    // Another tab saved something: read just what it names from storage (the data itself
    // never travels over the channel, so a tab never shows what was not committed).
    broadcast::listen(move |topic| {
        spawn_local(async move {
            let Some(store) = ctx.store.get_value() else { return };
            // Locked, nothing of the records is read; the next sign-in reads them all.
            if store.is_locked() {
                return;
            }
            let result = match topic {
                Topic::Settings => store.load_site().await.map(|site| {
                    ctx.site.try_set(site.unwrap_or_default());
                }),
                Topic::Records(keys) => crate::ui::live::apply_keys(ctx, &keys).await,
                Topic::AllRecords => crate::ui::live::reload(ctx).await,
            };
            if let Err(e) = result {
                ctx.storage_error.try_set(Some(e));
            }
        });
    });

    // Live sync runs while the tablet is unlocked, from the first load on.
    Effect::new(move |before: Option<Option<Session>>| {
        if !ctx.loaded.get() {
            return None;
        }
        let session = ctx.session.get();
        if before.flatten() != Some(session) {
            match session {
                Session::Locked => crate::ui::live_sync::stop(ctx),
                Session::Open | Session::SignedIn(_) => crate::ui::live_sync::start(ctx),
            }
        }
        Some(session)
    });

    crate::ui::live::save_summary_on_hide(ctx);
    crate::ui::lock::watch(ctx);
    spawn_local(async move {
        // Nothing is read from storage before the view's first frame is on the screen.
        platform::after_paint().await;
        match load(ctx).await {
            Ok(()) => {}
            Err(e) => ctx.storage_error.set(Some(e)),
        }
        ctx.loaded.set(true);
    });

    view! {
        <Router>
            <a class="skip-link" href="#main">{move || crate::ui::i18n::t_string!(i18n, skip_to_content)}</a>
            <Header/>
            <UpdateNotice/>
            <StorageNotice/>
            <settings::sign_in::SealingProgress/>
            <main id="main" class="view" tabindex="-1">
              <Show when=move || ctx.session.get() != Session::Locked fallback=crate::ui::lock::LockScreen>
                <Routes fallback=|| view! { <intake::IntakePage/> }>
                    <Route path=path!("/") view=intake::IntakePage/>
                    <Route path=path!("/intake") view=intake::IntakePage/>
                    <Route path=path!("/board") view={Lazy::<BoardRoute>::new()}/>
                    <Route path=path!("/ticket/:id") view={Lazy::<TicketRoute>::new()}/>
                    <Route path=path!("/drills") view={Lazy::<DrillsRoute>::new()}/>
                    <Route path=path!("/drills/plan/:id") view={Lazy::<PlanEditorRoute>::new()}/>
                    <Route path=path!("/drills/start/:id") view={Lazy::<StartRunRoute>::new()}/>
                    <Route path=path!("/drills/run/:id") view={Lazy::<RunRoute>::new()}/>
                    <Route path=path!("/kpi") view={Lazy::<KpiRoute>::new()}/>
                    <Route path=path!("/kpi/log") view={Lazy::<DailyLogRoute>::new()}/>
                    <Route path=path!("/kpi/review") view={Lazy::<TeamReviewRoute>::new()}/>
                    <Route path=path!("/kpi/measures") view={Lazy::<MeasuresRoute>::new()}/>
                    <Route path=path!("/records") view={Lazy::<RecordsRoute>::new()}/>
                    <Route path=path!("/data") view={Lazy::<DataRoute>::new()}/>
                    <Route path=path!("/settings") view={Lazy::<SettingsRoute>::new()}/>
                </Routes>
              </Show>
            </main>
            <Show when=move || ctx.session.get() != Session::Locked>
                <NavBar/>
            </Show>
        </Router>
    }
}

/// Opens the database, makes sure this device has its identity, and reads the settings.
async fn load(ctx: AppContext) -> Result<(), StoreError> {
    // Another tab on an older or newer version: tell the user instead of hanging.
    platform::mark("pd-load");
    let blocked = move || ctx.storage_error.set(Some(StoreError::UpgradeBlocked));
    let store = DeviceStore::open_with(DB_NAME, blocked, blocked).await?;
    if ctx.storage_error.get_untracked() == Some(StoreError::UpgradeBlocked) {
        ctx.storage_error.set(None);
    }
    let device = ensure_device(&store, uuid::Uuid::now_v7()).await?;
    let site = store.load_site().await?.unwrap_or_default();
    let highest = store.highest_stamp().await?;
    let now_ms = js_sys::Date::now() as i64;
    // A highest stamp from the future (an older version imported a bad file, or the clock
    // was once set years ahead) is not adopted: the clock resumes from the highest sound one,
    // and the Data view offers to repair the records beyond it.
    let sound = match highest {
        Some(h) if h.is_beyond(now_ms) => store.highest_stamp_until(crate::app::repair::bound_at(chrono::Utc::now())).await?,
        other => other,
    };
    ctx.clock.set_value(Some(Hlc::resume(device.id, sound, now_ms)));
    ctx.device.set(Some(device));
    ctx.site.set(site);
    platform::mark("pd-store");
    // With sign-in set up the tablet starts locked: nothing of the records is read until
    // someone signs in.
    let keyring = store.load_keyring().await?;
    if keyring.is_some() {
        store.set_at_rest(crate::store::idb::AtRest::Locked);
        ctx.on_duty.set(None);
        ctx.session.set(Session::Locked);
    }
    ctx.keyring.set(keyring);
    ctx.store.set_value(Some(store.clone()));
    // Forms can start now; the records follow into the cache.
    ctx.loaded.set(true);
    crate::ui::live::refresh_unexported(ctx);
    if ctx.session.get_untracked() == Session::Locked {
        return Ok(());
    }
    load_records(ctx, &store, highest).await
}

/// The records into the cache (at start, or after sign-in), then the check for stamps from
/// the future. `highest` is the store's highest stamp, read once at start.
pub async fn load_records(ctx: AppContext, store: &DeviceStore, highest: Option<crate::domain::clock::Stamp>) -> Result<(), StoreError> {
    crate::ui::live::load(ctx, store, highest).await?;
    // After the board: two index ranges per kind, empty on a sound tablet, and the clock is
    // already safe from what they would find.
    let future = crate::app::repair::find_future_stamped(store, chrono::Utc::now()).await?;
    ctx.future_stamped.set(future.iter().map(|r| (r.kind, r.id)).collect());
    Ok(())
}
