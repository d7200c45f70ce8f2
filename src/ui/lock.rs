//! Sign-in and the lock (issue 19). Once staff sign-in is set up the tablet starts locked,
//! and locks again after the idle time, when the page stays hidden past a short grace, and
//! from the header. Locking drops the data key and the cache of records, and the views (with
//! their photos' object URLs) give way to this screen; unlocking as a person is what "on
//! duty" means, so every step is stamped with whoever signed in.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::app::security::{self, SecurityError};
use crate::domain::access::AccessEvent;
use crate::domain::ticket::{LockedReport, QuickReport, Ticket};
use crate::domain::keyring::{Key, SlotKind, UnlockError, HIDDEN_GRACE_S};
use crate::platform::crypto::{sealer, WebCipher};
use crate::store::idb::AtRest;
use crate::store::{RecordStore, SettingsStore, StoreError};
use crate::ui::app::SplitNotLoaded;
use crate::ui::context::{use_app, AppContext, Session};
use crate::ui::i18n::{t, t_string, use_i18n, I18n};
use crate::ui::widgets::fill;

/// Locks now: nothing of the records stays in the page.
pub fn lock(ctx: AppContext) {
    if matches!(ctx.session.get_untracked(), Session::Open | Session::Locked) {
        return;
    }
    // The views go first: a form torn down writes its draft, sealed, as it goes. The key
    // is dropped a turn later, once those writes have sealed what they hold.
    ctx.session.set(Session::Locked);
    ctx.cache.update(|c| c.clear());
    ctx.on_duty.set(None);
    spawn_local(async move {
        crate::platform::next_turn().await;
        if ctx.session.get_untracked() != Session::Locked {
            return;
        }
        if let Some(store) = ctx.store.get_value() {
            store.set_at_rest(AtRest::Locked);
        }
        ctx.data_key.set_value(None);
    });
}

/// Adds an entry to the access log under whoever is signed in (or on duty).
pub fn log(ctx: AppContext, event: AccessEvent) {
    spawn_local(async move {
        let Ok(store) = ctx.store() else { return };
        match security::record(&store, &ctx.who(), event).await {
            Ok(()) => ctx.access_logged.update(|n| *n += 1),
            Err(e) => ctx.storage_error.set(Some(e)),
        }
    });
}

/// Opens the records with the data key for `who` (`None`: the site's recovery key), then
/// finishes any sealing a closed tab left half-way.
pub async fn signed_in(ctx: AppContext, key: Key, who: Option<Uuid>) -> Result<(), StoreError> {
    let store = ctx.store()?;
    store.set_at_rest(AtRest::Sealed(Rc::new(sealer(&key))));
    ctx.data_key.set_value(Some(key));
    ctx.on_duty.set(who);
    ctx.session.set(Session::SignedIn(who));
    store.seal_waiting_access().await?;
    // Read again: this tab may have written since it started.
    let highest = store.highest_stamp().await?;
    crate::ui::app::load_records(ctx, &store, highest).await?;
    take_locked_reports(ctx, &store, &key).await?;
    if store.sealing_pending().await? {
        finish_sealing(ctx).await;
    }
    Ok(())
}

/// Finishing a sealing pass that a closed tab left half-way is rare, and its code (sealing
/// every kind of record and the import ledger) is wasm of its own under `--features split`,
/// out of the first load. Until it can be fetched the records stay as they are (readable,
/// nothing lost), and it is fetched again when the network is back, as at the next sign-in.
async fn finish_sealing(ctx: AppContext) {
    #[cfg(feature = "split")]
    let pass = sealing_pass(ctx).await;
    #[cfg(not(feature = "split"))]
    let pass = sealing_pass(ctx);
    match pass {
        Ok(pass) => pass.await,
        Err(SplitNotLoaded) => {
            use wasm_bindgen::JsCast;
            let again = wasm_bindgen::closure::Closure::once_into_js(move || {
                if matches!(ctx.session.get_untracked(), Session::SignedIn(_)) {
                    spawn_local(finish_sealing(ctx));
                }
            });
            let once = web_sys::AddEventListenerOptions::new();
            once.set_once(true);
            if let Some(window) = web_sys::window() {
                let _ = window.add_event_listener_with_callback_and_add_event_listener_options("online", again.unchecked_ref(), &once);
            }
        }
    }
}

#[cfg_attr(feature = "split", leptos::wasm_split::wasm_split(sealing_pass, wasm_split_path = ::leptos::wasm_split, fallible))]
fn sealing_pass(ctx: AppContext) -> Result<std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>, SplitNotLoaded> {
    Ok(Box::pin(crate::ui::settings::sign_in::seal_existing(ctx)))
}

/// The idle lock and the hidden-page lock, for the life of the page.
pub fn watch(ctx: AppContext) {
    let last_touch = Rc::new(Cell::new(js_sys::Date::now()));
    let hidden_since = Rc::new(Cell::new(None::<f64>));
    for event in ["pointerdown", "keydown", "input", "wheel"] {
        let last_touch = last_touch.clone();
        std::mem::forget(window_event_listener_untyped(event, move |_| last_touch.set(js_sys::Date::now())));
    }
    let on_visibility = {
        let (last_touch, hidden_since) = (last_touch.clone(), hidden_since.clone());
        move |_| {
            let hidden = web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden());
            let now = js_sys::Date::now();
            if hidden {
                hidden_since.set(Some(now));
            } else {
                if hidden_since.take().is_some_and(|at| now - at > f64::from(HIDDEN_GRACE_S) * 1000.0) {
                    lock(ctx);
                }
                last_touch.set(now);
            }
        }
    };
    std::mem::forget(window_event_listener_untyped("visibilitychange", on_visibility));
    let tick = move || {
        if !matches!(ctx.session.get_untracked(), Session::SignedIn(_)) {
            return;
        }
        let now = js_sys::Date::now();
        let idle_ms = ctx.keyring.with_untracked(|k| k.as_ref().map_or(u32::MAX, |k| k.lock_after_min())) as f64 * 60_000.0;
        let hidden_too_long = hidden_since.get().is_some_and(|at| now - at > f64::from(HIDDEN_GRACE_S) * 1000.0);
        if now - last_touch.get() >= idle_ms || hidden_too_long {
            lock(ctx);
        }
    };
    // For the life of the page (the handle clears nothing when dropped).
    let _ = set_interval_with_handle(tick, std::time::Duration::from_secs(5));
}

/// The header's lock button and who is signed in.
#[component]
pub fn SignedInAs() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let name = move || match ctx.session.get() {
        Session::SignedIn(Some(id)) => ctx.site.with(|s| s.staff(id).map(|m| m.name.clone())).unwrap_or_default(),
        Session::SignedIn(None) => t_string!(i18n, lock.recovery_user).to_owned(),
        _ => String::new(),
    };
    view! {
        <span class="signed-in" data-testid="signed-in">{name}</span>
        <button type="button" class="btn" data-testid="lock-now" on:click=move |_| lock(ctx)>
            {t!(i18n, lock.lock_now)}
        </button>
    }
}

/// A credential kind's name (the lock screen, the access log).
pub fn slot_kind_text(i18n: I18n, kind: SlotKind) -> &'static str {
    match kind {
        SlotKind::Pin => t_string!(i18n, lock.pin),
        SlotKind::Passphrase => t_string!(i18n, lock.passphrase),
        SlotKind::Recovery => t_string!(i18n, lock.recovery),
    }
}

fn unlock_error_text(i18n: I18n, error: &SecurityError, lang: crate::domain::locale::Lang) -> String {
    match error {
        SecurityError::Unlock(UnlockError::Wrong { left }) => fill(t_string!(i18n, lock.wrong), "left", &left.to_string()),
        SecurityError::Unlock(UnlockError::WaitUntil(until)) => {
            fill(t_string!(i18n, lock.wait), "time", &crate::domain::locale::format_datetime(lang, *until, crate::platform::utc_offset_minutes()))
        }
        SecurityError::Unlock(UnlockError::Disabled) => t_string!(i18n, lock.disabled).to_owned(),
        SecurityError::Unlock(UnlockError::NoSlot) => t_string!(i18n, lock.no_slot).to_owned(),
        SecurityError::Store(e) => crate::ui::shell::store_error_text(i18n, e).to_owned(),
        _ => t_string!(i18n, lock.failed).to_owned(),
    }
}

/// What shows while the tablet is locked: who is unlocking, and their credential.
#[component]
pub fn LockScreen() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let person = RwSignal::new(String::new());
    let kind = RwSignal::new(SlotKind::Pin);
    let secret = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let people = move || {
        let people = ctx.keyring.with(|k| k.as_ref().map(|k| k.people()).unwrap_or_default());
        ctx.site.with(|site| people.into_iter().filter_map(|id| site.staff(id).filter(|m| m.active).map(|m| (id, m.name.clone()))).collect::<Vec<_>>())
    };
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let kind_now = kind.get_untracked();
        let who = if kind_now == SlotKind::Recovery { None } else { Uuid::parse_str(&person.get_untracked()).ok() };
        if kind_now != SlotKind::Recovery && who.is_none() {
            error.set(Some(t_string!(i18n, lock.choose_person).to_owned()));
            return;
        }
        busy.set(true);
        error.set(None);
        let typed = secret.get_untracked();
        spawn_local(async move {
            let outcome = async {
                let store = ctx.store()?;
                let result = security::unlock(&store, &WebCipher, who, kind_now, &typed, &ctx.who()).await;
                // The count of wrong guesses changed either way.
                ctx.keyring.set(store.load_keyring().await.map_err(SecurityError::Store)?);
                let key = result?;
                signed_in(ctx, key, who).await.map_err(SecurityError::Store)
            }
            .await;
            match outcome {
                Ok(()) => secret.set(String::new()),
                Err(e) => error.set(Some(unlock_error_text(i18n, &e, ctx.lang.get_untracked()))),
            }
            busy.set(false);
        });
    };
    let label = move || slot_kind_text(i18n, kind.get());
    let kinds = [SlotKind::Pin, SlotKind::Passphrase, SlotKind::Recovery];
    view! {
        <section class="card lock-screen" data-testid="lock-screen" aria-labelledby="lock-title">
            <h1 id="lock-title">{t!(i18n, lock.title)}</h1>
            <p class="hint">{t!(i18n, lock.intro)}</p>
            <form autocomplete="off" on:submit=submit class="lock-form">
                <fieldset class="choice-row">
                    <legend>{t!(i18n, lock.method)}</legend>
                    {kinds.into_iter().map(|k| {
                        let text = move || slot_kind_text(i18n, k);
                        view! {
                            <label class="choice">
                                <input type="radio" name="unlock-kind" prop:checked=move || kind.get() == k
                                    on:change=move |_| { kind.set(k); secret.set(String::new()); error.set(None); }/>
                                <span>{text}</span>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <Show when=move || kind.get() != SlotKind::Recovery>
                    <label class="field">
                        <span>{t!(i18n, lock.who)}</span>
                        <select data-testid="unlock-person" prop:value=move || person.get()
                            on:change=move |ev| person.set(event_target_value(&ev))>
                            <option value="">{move || t_string!(i18n, lock.choose_person)}</option>
                            {move || people().into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                        </select>
                    </label>
                </Show>
                <label class="field">
                    <span>{label}</span>
                    <input type="password" data-testid="unlock-secret" autocomplete="off" autocapitalize="off" spellcheck="false"
                        inputmode=move || if kind.get() == SlotKind::Pin { "numeric" } else { "text" }
                        prop:value=move || secret.get() on:input=move |ev| secret.set(event_target_value(&ev))/>
                </label>
                <button type="submit" class="btn btn-primary" data-testid="unlock" disabled=move || busy.get()>
                    {move || if busy.get() { t_string!(i18n, lock.unlocking) } else { t_string!(i18n, lock.unlock) }}
                </button>
                <p class="field-error" role="alert" data-testid="unlock-error">{move || error.get()}</p>
            </form>
        </section>
        <LockedQuickReport/>
    }
}

/// The quick patrol reports made on the lock screen become tickets, received when they were
/// made and by nobody signed in (whoever made them did not sign in).
async fn take_locked_reports(ctx: AppContext, store: &crate::store::DeviceStore, key: &Key) -> Result<(), StoreError> {
    use base64::Engine;
    let waiting = store.locked_reports().await?;
    let Some(drop_box) = ctx.keyring.with_untracked(|k| k.as_ref().and_then(|k| k.drop_box.clone())) else { return Ok(()) };
    let device = ctx.device.get_untracked().ok_or(StoreError::Unavailable("no device identity".into()))?;
    for (stored_key, text) in waiting {
        let opened = async {
            let bytes = base64::engine::general_purpose::STANDARD.decode(&text).ok()?;
            let plain = crate::platform::crypto::drop_open(&drop_box, key, &bytes).await.ok()?;
            serde_json::from_slice::<LockedReport>(&plain).ok()
        }
        .await;
        let Some(locked) = opened else {
            // Not ours to open (another key): left as it is, never a half-made ticket.
            continue;
        };
        let site = ctx.site.get_untracked();
        let Ok(form) = locked.report.validate(&site.categories) else { continue };
        let who = crate::app::Who { actor: None, now: locked.at, offset_min: locked.utc_offset_min };
        let sla = site.sla.clone();
        let build = move |number| Ticket::from_quick(form, number, &sla, locked.at, locked.utc_offset_min, Vec::new());
        let saved = crate::app::intake::save_ticket(store, &ctx, who, &device, &site, build, &[]).await?;
        crate::ui::live::commit(ctx, &saved.changed);
        store.forget_locked_report(&stored_key).await?;
    }
    Ok(())
}

/// The quick patrol report on the lock screen: saved sealed to the drop box, and not shown
/// again here — it is read when someone signs in.
#[component]
fn LockedQuickReport() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let open = RwSignal::new(false);
    let category = RwSignal::new(String::new());
    let location = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let status = RwSignal::new(None::<String>);
    let save = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let report = QuickReport { category: category.get_untracked(), location: location.get_untracked(), note: note.get_untracked() };
        if report.validate(&ctx.site.with_untracked(|s| s.categories.clone())).is_err() {
            status.set(Some(t_string!(i18n, lock.report_category).to_owned()));
            return;
        }
        let Some(drop_box) = ctx.keyring.with_untracked(|k| k.as_ref().and_then(|k| k.drop_box.clone())) else { return };
        busy.set(true);
        spawn_local(async move {
            use base64::Engine;
            let locked = LockedReport { report, at: chrono::Utc::now(), utc_offset_min: crate::platform::utc_offset_minutes() };
            let result = async {
                let plain = serde_json::to_vec(&locked).map_err(|_| t_string!(i18n, lock.failed).to_owned())?;
                let sealed = crate::platform::crypto::drop_seal(&drop_box.public, &plain).await.map_err(|_| t_string!(i18n, lock.failed).to_owned())?;
                let store = ctx.store().map_err(|e| crate::ui::shell::store_error_text(i18n, &e).to_owned())?;
                store
                    .keep_locked_report(Uuid::now_v7(), base64::engine::general_purpose::STANDARD.encode(sealed))
                    .await
                    .map_err(|e| crate::ui::shell::store_error_text(i18n, &e).to_owned())
            }
            .await;
            match result {
                Ok(()) => {
                    category.set(String::new());
                    location.set(String::new());
                    note.set(String::new());
                    open.set(false);
                    status.set(Some(t_string!(i18n, lock.report_saved).to_owned()));
                }
                Err(message) => status.set(Some(message)),
            }
            busy.set(false);
        });
    };
    let categories = move || ctx.site.with(|s| s.active_categories().cloned().collect::<Vec<_>>());
    view! {
        <section class="card" aria-labelledby="locked-report-title">
            <h2 id="locked-report-title">{t!(i18n, lock.report_title)}</h2>
            <p class="hint">{t!(i18n, lock.report_hint)}</p>
            <Show when=move || open.get() fallback=move || view! {
                <button type="button" class="btn" data-testid="locked-report-open" on:click=move |_| { status.set(None); open.set(true); }>{t!(i18n, lock.report_open)}</button>
            }>
                <form autocomplete="off" on:submit=save class="stack" data-testid="locked-report">
                    <label class="field">
                        <span>{t!(i18n, lock.report_category_label)}</span>
                        <select data-testid="locked-report-category" prop:value=move || category.get() on:change=move |ev| category.set(event_target_value(&ev))>
                            <option value="">{move || t_string!(i18n, lock.report_choose)}</option>
                            {move || { let all = categories(); all.iter().map(|c| {
                                let name = crate::ui::widgets::terms::category_text(i18n, &all, &c.key);
                                view! { <option value=c.key.clone()>{name}</option> }
                            }).collect_view() }}
                        </select>
                    </label>
                    <label class="field">
                        <span>{t!(i18n, lock.report_location)}</span>
                        <input type="text" autocomplete="off" data-testid="locked-report-location" maxlength=crate::domain::ticket::LOCATION_MAX.to_string()
                            prop:value=move || location.get() on:input=move |ev| location.set(event_target_value(&ev))/>
                    </label>
                    <label class="field">
                        <span>{t!(i18n, lock.report_note)}</span>
                        <textarea data-testid="locked-report-note" maxlength=crate::domain::ticket::DESCRIPTION_MAX.to_string()
                            prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                    </label>
                    <div class="actions">
                        <button type="submit" class="btn btn-primary" data-testid="locked-report-save" disabled=move || busy.get()>{t!(i18n, lock.report_save)}</button>
                        <button type="button" class="btn" on:click=move |_| open.set(false)>{t!(i18n, sign_in.cancel)}</button>
                    </div>
                </form>
            </Show>
            <p role="status" data-testid="locked-report-status">{move || status.get()}</p>
        </section>
    }
}
