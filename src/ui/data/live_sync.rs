//! Live sync with the company's CouchDB (issue 20) on the Data view: where the tablet
//! replicates (a supervisor's, kept sealed with residents' data), the state of the last pass,
//! and "Sync now". What a pull wrote goes into the live cache by record, and other tabs are
//! told the ids, like an import.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::replicate::Progress;
use crate::domain::couch::{ConfigProblem, CouchAuth, CouchConfig};
use crate::store::StoreError;
use crate::ui::context::use_app;
use crate::ui::i18n::{t, t_string, use_i18n, I18n};
use crate::ui::live_sync::{self, SyncState};
use crate::ui::shell::store_error_text;
use crate::ui::widgets::{fill, fill_count};

fn state_text(i18n: I18n, state: &SyncState) -> Option<String> {
    Some(match state {
        SyncState::Off => return None,
        SyncState::Syncing(None) => t_string!(i18n, live_sync.syncing).to_owned(),
        SyncState::Syncing(Some(Progress::Pushing { done, of })) => fill(&fill(t_string!(i18n, live_sync.pushing), "done", &done.to_string()), "of", &of.to_string()),
        SyncState::Syncing(Some(Progress::Pulling { percent: Some(p) })) => fill(t_string!(i18n, live_sync.pulling), "percent", &p.to_string()),
        SyncState::Syncing(Some(Progress::Pulling { percent: None })) => t_string!(i18n, live_sync.syncing).to_owned(),
        SyncState::UpToDate { sent, received, refused } => {
            let line = fill(&fill(t_string!(i18n, live_sync.up_to_date), "sent", &sent.to_string()), "received", &received.to_string());
            if *refused == 0 {
                line
            } else {
                format!("{line} {}", fill_count(t_string!(i18n, live_sync.refused_docs), *refused))
            }
        }
        SyncState::Offline { waiting } => fill_count(t_string!(i18n, live_sync.offline), *waiting),
        SyncState::Refused { reason, waiting } => fill_count(&fill(t_string!(i18n, live_sync.refused), "reason", reason), *waiting),
        SyncState::NotLoaded => t_string!(i18n, live_sync.not_loaded).to_owned(),
        SyncState::Failed(e) => store_error_text(i18n, e).to_owned(),
    })
}

#[component]
pub fn LiveSyncCard() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let config = live_sync::couch_config(ctx);
    let url = RwSignal::new(String::new());
    let auth = RwSignal::new(CouchAuth::Session);
    let user = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let form_status = RwSignal::new(None::<String>);
    // The form shows what is stored (the password never).
    Effect::new(move |_| {
        if let Some(c) = config.get() {
            url.set(c.url);
            auth.set(c.auth);
            user.set(c.user);
        }
    });
    let save = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let candidate = CouchConfig { url: url.get_untracked().trim().to_owned(), auth: auth.get_untracked(), user: user.get_untracked().trim().to_owned(), password: password.get_untracked().trim().to_owned() };
        match candidate.check() {
            Err(ConfigProblem::Url) => return form_status.set(Some(t_string!(i18n, live_sync.url_invalid).to_owned())),
            Err(ConfigProblem::TooLong) => return form_status.set(Some(t_string!(i18n, live_sync.too_long).to_owned())),
            Err(ConfigProblem::Token) => return form_status.set(Some(t_string!(i18n, live_sync.token_invalid).to_owned())),
            Ok(()) => {}
        }
        spawn_local(async move {
            let result = async { ctx.store()?.save_couch_config(&candidate).await }.await;
            // The user may have left the view meanwhile: the loop starts regardless.
            form_status.try_set(Some(match result {
                Ok(()) => {
                    live_sync::start(ctx);
                    password.try_set(String::new());
                    config.try_set(Some(candidate));
                    t_string!(i18n, live_sync.saved).to_owned()
                }
                Err(StoreError::Locked) => t_string!(i18n, live_sync.needs_sign_in).to_owned(),
                Err(e) => store_error_text(i18n, &e).to_owned(),
            }));
        });
    };
    let busy = move || matches!(ctx.live_sync.get(), SyncState::Syncing(_));
    let sync_now = move |_| {
        if ctx.live_sync.get_untracked() == SyncState::Off {
            live_sync::start(ctx);
        } else {
            live_sync::sync_now();
        }
    };
    view! {
        <div class="card" data-testid="live-sync">
            <h2>{t!(i18n, live_sync.title)}</h2>
            <p class="hint">{t!(i18n, live_sync.intro)}</p>
            <Show when=move || config.with(Option::is_some) fallback=move || view! { <p>{t!(i18n, live_sync.not_set)}</p> }>
                <button type="button" class="btn btn-primary" data-testid="sync-now" disabled=busy on:click=sync_now>
                    {move || if busy() { t_string!(i18n, live_sync.syncing) } else { t_string!(i18n, live_sync.sync_now) }}
                </button>
            </Show>
            <p role="status" data-testid="sync-state">{move || state_text(i18n, &ctx.live_sync.get())}</p>
            <Show when=move || ctx.may_administer()>
                <form autocomplete="off" class="stack" on:submit=save data-testid="live-sync-form">
                    <label class="field">
                        <span>{t!(i18n, live_sync.url)}</span>
                        <input type="text" inputmode="url" spellcheck="false" data-testid="couch-url" autocomplete="off" prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev))/>
                    </label>
                    <label class="field">
                        <span>{t!(i18n, live_sync.auth)}</span>
                        <select data-testid="couch-auth" prop:value=move || if auth.get() == CouchAuth::Jwt { "jwt" } else { "session" }
                            on:change=move |ev| auth.set(if event_target_value(&ev) == "jwt" { CouchAuth::Jwt } else { CouchAuth::Session })>
                            <option value="session">{t!(i18n, live_sync.auth_session)}</option>
                            <option value="jwt">{t!(i18n, live_sync.auth_jwt)}</option>
                        </select>
                    </label>
                    <Show when=move || auth.get() == CouchAuth::Session>
                        <label class="field">
                            <span>{t!(i18n, live_sync.user)}</span>
                            <input type="text" data-testid="couch-user" autocomplete="off" prop:value=move || user.get() on:input=move |ev| user.set(event_target_value(&ev))/>
                        </label>
                    </Show>
                    <label class="field">
                        <span>{move || if auth.get() == CouchAuth::Jwt { t_string!(i18n, live_sync.token) } else { t_string!(i18n, live_sync.password) }}</span>
                        <input type="password" data-testid="couch-password" autocomplete="off" prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                    </label>
                    <button type="submit" class="btn" data-testid="couch-save" prop:disabled=move || !ctx.loaded.get()>{t!(i18n, live_sync.save)}</button>
                    <p role="status" data-testid="couch-status">{move || form_status.get()}</p>
                </form>
            </Show>
        </div>
    }
}
