//! Staff sign-in in Settings (issue 19): setting it up with the first supervisor (the site's
//! recovery key is shown once, to print), then each person's PIN and passphrase, enabling a
//! credential disabled by wrong guesses, removing one, and the idle time before the lock.
//! Setting up seals what was stored in the clear, with its progress in the shell.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::app::security::{self, SecurityError};
use crate::domain::keyring::{check_secret, SecretProblem, SlotKind, LOCK_AFTER_RANGE, PASSPHRASE_MIN};
use crate::domain::settings::StaffRole;
use crate::platform::crypto::{sealer, WebCipher};
use crate::store::idb::AtRest;
use crate::store::SettingsStore;
use crate::ui::context::{use_app, AppContext, Session};
use crate::ui::i18n::{t, t_string, use_i18n, I18n};
use crate::ui::widgets::fill;

fn secret_problem_text(i18n: I18n, problem: &SecretProblem) -> String {
    match problem {
        SecretProblem::PinFormat => t_string!(i18n, sign_in.pin_format).to_owned(),
        SecretProblem::PinTooSimple => t_string!(i18n, sign_in.pin_simple).to_owned(),
        SecretProblem::PassphraseTooShort { min } => fill(t_string!(i18n, sign_in.passphrase_short), "min", &min.to_string()),
    }
}

fn security_error_text(i18n: I18n, e: &SecurityError) -> String {
    match e {
        SecurityError::Secret(p) => secret_problem_text(i18n, p),
        SecurityError::Store(e) => crate::ui::shell::store_error_text(i18n, e).to_owned(),
        _ => t_string!(i18n, lock.failed).to_owned(),
    }
}

thread_local! {
    static SEALING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Seals what the tablet stored in the clear, showing its progress; run after set-up and,
/// if a tab closed half-way, after the next sign-in. Once at a time.
pub async fn seal_existing(ctx: AppContext) {
    let Ok(store) = ctx.store() else { return };
    if SEALING.with(|s| s.replace(true)) {
        return;
    }
    ctx.sealing.set(Some((0, 0)));
    let total = store.sealing_total().await.unwrap_or(0);
    ctx.sealing.set(Some((0, total)));
    let result = store.seal_existing(move |done| ctx.sealing.set(Some((done.min(total), total)))).await;
    ctx.sealing.set(None);
    SEALING.with(|s| s.set(false));
    if let Err(e) = result {
        // Locked half-way is no loss: the pass resumes after the next sign-in.
        if e != crate::store::StoreError::Locked {
            ctx.storage_error.set(Some(e));
        }
    }
}

/// The shell's line while sealing runs.
#[component]
pub fn SealingProgress() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    view! {
        {move || ctx.sealing.get().map(|(done, total)| view! {
            <div class="notice" role="status" data-testid="sealing-progress">
                <span>{fill(&fill(t_string!(i18n, sign_in.sealing), "done", &done.to_string()), "total", &total.to_string())}</span>
                <progress max=total.max(1) value=done></progress>
            </div>
        })}
    }
}

#[component]
pub fn SignInSection() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    // Held here, above the set-up form, which gives way to the credentials once set up.
    let recovery = RwSignal::new(None::<String>);
    view! {
        <section class="card" aria-labelledby="sign-in-title" data-testid="sign-in-section">
            <h2 id="sign-in-title">{t!(i18n, sign_in.title)}</h2>
            {move || match recovery.get() {
                Some(text) => view! { <RecoveryKey text=text done=move || recovery.set(None)/> }.into_any(),
                None => view! {
                    <Show when=move || ctx.keyring.with(Option::is_some) fallback=move || view! { <SetUp recovery=recovery/> }>
                        <Credentials/>
                    </Show>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn SetUp(recovery: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let supervisor = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let passphrase = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let supervisors = move || ctx.site.with(|s| s.active_staff().filter(|m| m.role == StaffRole::Supervisor).map(|m| (m.id, m.name.clone())).collect::<Vec<_>>());
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Ok(who) = Uuid::parse_str(&supervisor.get_untracked()) else {
            error.set(Some(t_string!(i18n, lock.choose_person).to_owned()));
            return;
        };
        let (pin_now, pass_now) = (pin.get_untracked(), passphrase.get_untracked());
        if let Err(p) = check_secret(SlotKind::Pin, &pin_now).and_then(|()| check_secret(SlotKind::Passphrase, &pass_now)) {
            error.set(Some(secret_problem_text(i18n, &p)));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let outcome = async {
                let store = ctx.store()?;
                // Before the keyring: a tab closed in between still seals after sign-in.
                store.mark_sealing_pending().await?;
                let (key, recovery_text) = security::set_up(&store, &WebCipher, who, &pin_now, &pass_now, &ctx.who()).await?;
                // The drop box for quick reports made while locked.
                let mut keyring = store.load_keyring().await?.ok_or(SecurityError::NotSetUp)?;
                keyring.drop_box = Some(crate::platform::crypto::new_drop_box(&key).await.map_err(|e| SecurityError::Crypto(e.to_string()))?);
                store.save_keyring(&keyring).await?;
                store.set_at_rest(AtRest::Sealed(Rc::new(sealer(&key))));
                ctx.data_key.set_value(Some(key));
                ctx.on_duty.set(Some(who));
                ctx.session.set(Session::SignedIn(Some(who)));
                // Last: this replaces the set-up form.
                ctx.keyring.set(store.load_keyring().await?);
                Ok::<_, SecurityError>(recovery_text)
            }
            .await;
            match outcome {
                Ok(text) => {
                    // The progress shows with the recovery key, so nobody takes a half-sealed
                    // tablet for a finished one.
                    ctx.sealing.set(Some((0, 0)));
                    recovery.set(Some(text));
                    seal_existing(ctx).await;
                }
                Err(e) => {
                    busy.set(false);
                    error.set(Some(security_error_text(i18n, &e)));
                }
            }
        });
    };
    view! {
            <p class="hint">{t!(i18n, sign_in.intro)}</p>
            <form autocomplete="off" on:submit=submit class="stack">
                <label class="field">
                    <span>{t!(i18n, sign_in.first_supervisor)}</span>
                    <select data-testid="setup-supervisor" prop:value=move || supervisor.get() on:change=move |ev| supervisor.set(event_target_value(&ev))>
                        <option value="">{move || t_string!(i18n, lock.choose_person)}</option>
                        {move || supervisors().into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                    </select>
                </label>
                <Show when=move || supervisors().is_empty()>
                    <p class="hint" data-testid="setup-needs-supervisor">{t!(i18n, sign_in.need_supervisor)}</p>
                </Show>
                <label class="field">
                    <span>{t!(i18n, sign_in.pin)}</span>
                    <input type="password" inputmode="numeric" autocomplete="new-password" data-testid="setup-pin"
                        prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev))/>
                </label>
                <label class="field">
                    <span>{fill(t_string!(i18n, sign_in.passphrase), "min", &PASSPHRASE_MIN.to_string())}</span>
                    <input type="password" autocomplete="new-password" data-testid="setup-passphrase"
                        prop:value=move || passphrase.get() on:input=move |ev| passphrase.set(event_target_value(&ev))/>
                </label>
                <button type="submit" class="btn btn-primary" data-testid="setup-sign-in" disabled=move || busy.get()>{t!(i18n, sign_in.set_up)}</button>
                <p class="field-error" role="alert">{move || error.get()}</p>
            </form>
    }
}

/// The site's recovery key, shown once: printed or written down, then gone from the page.
#[component]
fn RecoveryKey(text: String, done: impl Fn() + 'static) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="recovery-key" data-testid="recovery-panel">
            <h3>{t!(i18n, sign_in.recovery_title)}</h3>
            <p class="hint">{t!(i18n, sign_in.recovery_help)}</p>
            <p class="recovery-text" data-testid="recovery-key" translate="no">{text}</p>
            <div class="actions">
                <button type="button" class="btn" on:click=move |_| crate::platform::print()>{t!(i18n, sign_in.print)}</button>
                <button type="button" class="btn btn-primary" data-testid="recovery-done" on:click=move |_| done()>{t!(i18n, sign_in.recovery_done)}</button>
            </div>
        </div>
    }
}

/// Each person's credentials, and the idle time.
#[component]
fn Credentials() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let editing = RwSignal::new(None::<(Uuid, SlotKind)>);
    let secret = RwSignal::new(String::new());
    let minutes = RwSignal::new(ctx.keyring.with_untracked(|k| k.as_ref().map_or(5, |k| k.lock_after_min())).to_string());
    let run = move |work: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), SecurityError>>>>| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        status.set(None);
        spawn_local(async move {
            let result = work.await;
            if let Ok(store) = ctx.store() {
                if let Ok(k) = store.load_keyring().await {
                    ctx.keyring.set(k);
                }
            }
            status.set(Some(match result {
                Ok(()) => t_string!(i18n, sign_in.saved).to_owned(),
                Err(e) => security_error_text(i18n, &e),
            }));
            busy.set(false);
        });
    };
    let save_secret = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let Some((staff, kind)) = editing.get_untracked() else { return };
        let typed = secret.get_untracked();
        if let Err(p) = check_secret(kind, &typed) {
            status.set(Some(secret_problem_text(i18n, &p)));
            return;
        }
        let Some(key) = ctx.data_key.get_value() else { return };
        run(Box::pin(async move {
            let store = ctx.store()?;
            security::set_credential(&store, &WebCipher, &key, staff, kind, &typed, &ctx.who()).await?;
            editing.set(None);
            secret.set(String::new());
            Ok(())
        }));
    };
    let save_minutes = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let Ok(m) = minutes.get_untracked().trim().parse::<u32>() else { return };
        if !LOCK_AFTER_RANGE.contains(&m) {
            status.set(Some(fill(&fill(t_string!(i18n, sign_in.lock_after_range), "min", &LOCK_AFTER_RANGE.start().to_string()), "max", &LOCK_AFTER_RANGE.end().to_string())));
            return;
        }
        run(Box::pin(async move {
            let store = ctx.store()?;
            let mut keyring = store.load_keyring().await?.ok_or(SecurityError::NotSetUp)?;
            keyring.lock_after_min = Some(m);
            store.save_keyring(&keyring).await?;
            Ok(())
        }));
    };
    let rows = move || {
        let keyring = ctx.keyring.get().unwrap_or_default();
        ctx.site.with(|s| s.active_staff().cloned().collect::<Vec<_>>()).into_iter().map(|m| {
            let has = |kind| keyring.slot(Some(m.id), kind).is_some();
            let disabled = keyring.slots.iter().any(|s| s.staff == Some(m.id) && s.disabled);
            let mut state = Vec::new();
            if has(SlotKind::Pin) { state.push(t_string!(i18n, sign_in.has_pin)); }
            if has(SlotKind::Passphrase) { state.push(t_string!(i18n, sign_in.has_passphrase)); }
            if state.is_empty() { state.push(t_string!(i18n, sign_in.no_credential)); }
            if disabled { state.push(t_string!(i18n, sign_in.disabled)); }
            let id = m.id;
            let name = m.name.clone();
            let any = has(SlotKind::Pin) || has(SlotKind::Passphrase);
            view! {
                <tr data-testid="credential-row">
                    <th scope="row">{name.clone()}</th>
                    <td>{state.join(" · ")}</td>
                    <td class="actions">
                        <button type="button" class="btn" aria-label=fill(t_string!(i18n, sign_in.set_pin_for), "name", &name)
                            on:click=move |_| { secret.set(String::new()); editing.set(Some((id, SlotKind::Pin))); }>{t!(i18n, sign_in.set_pin)}</button>
                        <button type="button" class="btn" aria-label=fill(t_string!(i18n, sign_in.set_passphrase_for), "name", &name)
                            on:click=move |_| { secret.set(String::new()); editing.set(Some((id, SlotKind::Passphrase))); }>{t!(i18n, sign_in.set_passphrase)}</button>
                        {disabled.then(|| view! {
                            <button type="button" class="btn" aria-label=fill(t_string!(i18n, sign_in.enable_for), "name", &name)
                                on:click=move |_| run(Box::pin(async move { security::enable(&ctx.store()?, id, &ctx.who()).await }))>{t!(i18n, sign_in.enable)}</button>
                        })}
                        {any.then(|| view! {
                            <button type="button" class="btn" aria-label=fill(t_string!(i18n, sign_in.remove_for), "name", &name)
                                on:click=move |_| run(Box::pin(async move { security::remove(&ctx.store()?, id, &ctx.who()).await }))>{t!(i18n, sign_in.remove)}</button>
                        })}
                    </td>
                </tr>
            }
        }).collect_view()
    };
    let editing_label = move || {
        editing.get().map(|(id, kind)| {
            let name = ctx.site.with(|s| s.staff(id).map(|m| m.name.clone())).unwrap_or_default();
            let template = if kind == SlotKind::Pin { t_string!(i18n, sign_in.new_pin_for) } else { t_string!(i18n, sign_in.new_passphrase_for) };
            fill(template, "name", &name)
        })
    };
    view! {
        <p class="hint">{t!(i18n, sign_in.set_up_done)}</p>
        <table class="table credentials">
            <thead><tr><th scope="col">{t!(i18n, sign_in.person)}</th><th scope="col">{t!(i18n, sign_in.credentials)}</th><th scope="col"><span class="visually-hidden">{t!(i18n, sign_in.actions)}</span></th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <Show when=move || editing.get().is_some()>
            <form autocomplete="off" on:submit=save_secret class="stack" data-testid="credential-form">
                <label class="field">
                    <span>{editing_label}</span>
                    <input type="password" autocomplete="new-password" data-testid="credential-secret"
                        inputmode=move || if editing.get().is_some_and(|(_, k)| k == SlotKind::Pin) { "numeric" } else { "text" }
                        prop:value=move || secret.get() on:input=move |ev| secret.set(event_target_value(&ev))/>
                </label>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" data-testid="credential-save" disabled=move || busy.get()>{t!(i18n, sign_in.save)}</button>
                    <button type="button" class="btn" on:click=move |_| editing.set(None)>{t!(i18n, sign_in.cancel)}</button>
                </div>
            </form>
        </Show>
        <form autocomplete="off" on:submit=save_minutes class="inline-form">
            <label class="field">
                <span>{t!(i18n, sign_in.lock_after)}</span>
                <input type="number" inputmode="numeric" min=*LOCK_AFTER_RANGE.start() max=*LOCK_AFTER_RANGE.end() data-testid="lock-after"
                    prop:value=move || minutes.get() on:input=move |ev| minutes.set(event_target_value(&ev))/>
            </label>
            <button type="submit" class="btn" disabled=move || busy.get()>{t!(i18n, sign_in.save)}</button>
        </form>
        <p role="status" data-testid="sign-in-status">{move || status.get()}</p>
    }
}
