use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

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
                    <Route path=path!("/board") view=board::BoardPage/>
                    <Route path=path!("/ticket/:id") view=board::detail::TicketPage/>
                    <Route path=path!("/drills") view=drills::DrillsPage/>
                    <Route path=path!("/drills/plan/:id") view=drills::editor::PlanEditorPage/>
                    <Route path=path!("/drills/start/:id") view=drills::run::StartRunPage/>
                    <Route path=path!("/drills/run/:id") view=drills::run::RunPage/>
                    <Route path=path!("/kpi") view=kpi::KpiPage/>
                    <Route path=path!("/kpi/log") view=kpi::log::DailyLogPage/>
                    <Route path=path!("/kpi/review") view=kpi::review::TeamReviewPage/>
                    <Route path=path!("/kpi/measures") view=kpi::measures::MeasuresPage/>
                    <Route path=path!("/records") view=records::RecordsPage/>
                    <Route path=path!("/data") view=data::DataPage/>
                    <Route path=path!("/settings") view=settings::SettingsPage/>
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
