//! Live sync with the company's CouchDB (issue 20) on the Data view: where the tablet
//! replicates (a supervisor's, kept sealed with residents' data), the state of the last pass,
//! and "Sync now". What a pull wrote goes into the live cache by record, and other tabs are
//! told the ids, like an import.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::replicate::{pass, ReplicateError};
use crate::app::Stamps;
use crate::domain::couch::{ConfigProblem, CouchConfig};
use crate::platform::broadcast::{self, Topic};
use crate::platform::couch::FetchCouch;
use crate::store::couch::CouchError;
use crate::store::StoreError;
use crate::ui::context::use_app;
use crate::ui::i18n::{t, t_string, use_i18n, I18n};
use crate::ui::shell::store_error_text;
use crate::ui::widgets::{fill, fill_count};

fn error_text(i18n: I18n, e: &ReplicateError) -> String {
    match e {
        ReplicateError::Couch(CouchError::Offline) => t_string!(i18n, live_sync.offline).to_owned(),
        ReplicateError::Couch(CouchError::Refused(reason)) => fill(t_string!(i18n, live_sync.refused), "reason", reason),
        ReplicateError::Store(e) => store_error_text(i18n, e).to_owned(),
    }
}

#[component]
pub fn LiveSyncCard() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let config = RwSignal::new(None::<CouchConfig>);
    let url = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let state = RwSignal::new(None::<String>);
    let form_status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    Effect::new(move |_| {
        if !ctx.loaded.get() {
            return;
        }
        ctx.session.track();
        spawn_local(async move {
            let Ok(store) = ctx.store() else { return };
            if let Ok(found) = store.load_couch_config().await {
                if let Some(c) = &found {
                    url.try_set(c.url.clone());
                    user.try_set(c.user.clone());
                }
                config.try_set(found);
            }
        });
    });
    let save = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let candidate = CouchConfig { url: url.get_untracked().trim().to_owned(), user: user.get_untracked().trim().to_owned(), password: password.get_untracked() };
        match candidate.check() {
            Err(ConfigProblem::Url) => return form_status.set(Some(t_string!(i18n, live_sync.url_invalid).to_owned())),
            Err(ConfigProblem::TooLong) => return form_status.set(Some(t_string!(i18n, live_sync.too_long).to_owned())),
            Ok(()) => {}
        }
        spawn_local(async move {
            let result = async { ctx.store()?.save_couch_config(&candidate).await }.await;
            form_status.set(Some(match result {
                Ok(()) => {
                    password.set(String::new());
                    config.set(Some(candidate));
                    t_string!(i18n, live_sync.saved).to_owned()
                }
                Err(StoreError::Locked) => t_string!(i18n, live_sync.needs_sign_in).to_owned(),
                Err(e) => store_error_text(i18n, &e).to_owned(),
            }));
        });
    };
    let sync_now = move |_| {
        let Some(cfg) = config.get_untracked() else { return };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        state.set(Some(t_string!(i18n, live_sync.syncing).to_owned()));
        spawn_local(async move {
            let outcome = async {
                let store = ctx.store()?;
                let device = ctx.device.get_untracked().ok_or(StoreError::Unavailable("no device identity".into()))?;
                let couch = FetchCouch::new(&cfg.url, cfg.authorization());
                Ok::<_, ReplicateError>(pass(&store, &couch, device.id, cfg.url.trim_end_matches('/'), chrono::Utc::now()).await?)
            }
            .await;
            match outcome {
                Ok(report) => {
                    for r in &report.written {
                        ctx.observe(r.updated_at);
                    }
                    ctx.cache.update(|c| {
                        c.apply(&report.written);
                    });
                    let keys: Vec<_> = report.written.iter().map(|r| (r.kind, r.id)).collect();
                    if !keys.is_empty() {
                        broadcast::announce(Topic::Records(keys));
                    }
                    crate::ui::live::refresh_unexported(ctx);
                    let mut line = fill(&fill(t_string!(i18n, live_sync.up_to_date), "sent", &report.pushed.to_string()), "received", &report.pulled.to_string());
                    if !report.refused.is_empty() {
                        line = format!("{line} {}", fill_count(t_string!(i18n, live_sync.refused_docs), report.refused.len()));
                    }
                    state.set(Some(line));
                }
                Err(e) => state.set(Some(error_text(i18n, &e))),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="card" data-testid="live-sync">
            <h2>{t!(i18n, live_sync.title)}</h2>
            <p class="hint">{t!(i18n, live_sync.intro)}</p>
            <Show when=move || config.with(Option::is_some) fallback=move || view! { <p>{t!(i18n, live_sync.not_set)}</p> }>
                <button type="button" class="btn btn-primary" data-testid="sync-now" disabled=move || busy.get() on:click=sync_now>
                    {move || if busy.get() { t_string!(i18n, live_sync.syncing) } else { t_string!(i18n, live_sync.sync_now) }}
                </button>
            </Show>
            <p role="status" data-testid="sync-state">{move || state.get()}</p>
            <Show when=move || ctx.may_administer()>
                <form class="stack" on:submit=save data-testid="live-sync-form">
                    <label class="field">
                        <span>{t!(i18n, live_sync.url)}</span>
                        <input type="text" inputmode="url" spellcheck="false" data-testid="couch-url" autocomplete="off" prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev))/>
                    </label>
                    <label class="field">
                        <span>{t!(i18n, live_sync.user)}</span>
                        <input type="text" data-testid="couch-user" autocomplete="off" prop:value=move || user.get() on:input=move |ev| user.set(event_target_value(&ev))/>
                    </label>
                    <label class="field">
                        <span>{t!(i18n, live_sync.password)}</span>
                        <input type="password" data-testid="couch-password" autocomplete="off" prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                    </label>
                    <button type="submit" class="btn" data-testid="couch-save">{t!(i18n, live_sync.save)}</button>
                    <p role="status" data-testid="couch-status">{move || form_status.get()}</p>
                </form>
            </Show>
        </div>
    }
}
