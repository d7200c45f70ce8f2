//! The frame around every view: header (app, site, who is on duty, language), navigation,
//! and the two notices that can appear anywhere (new version ready, storage failure).

use leptos::prelude::*;
use leptos_router::components::A;

use crate::domain::locale::Lang;
use crate::platform::{prefs, update};
use crate::store::StoreError;
use crate::ui::context::{use_app, Session};
use crate::ui::i18n::{t, t_string, use_i18n};

#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let site_name = move || {
        let site = ctx.site.get();
        (!site.site_name.is_empty()).then_some(site.site_name)
    };
    view! {
        <header class="shell-header">
            <div class="brand">
                <span class="brand-mark" aria-hidden="true"></span>
                <span class="brand-name">{t!(i18n, app_name)}</span>
                <span class="site-name" data-testid="site-name">
                    {move || match site_name() {
                        Some(name) => view! { <span>{name}</span> }.into_any(),
                        None => view! {
                            <A href="/settings" attr:class="site-unset">{t!(i18n, header.site_not_set)}</A>
                        }.into_any(),
                    }}
                </span>
            </div>
            <div class="header-controls">
                <Show when=move || ctx.session.get() != Session::Locked>
                    <crate::ui::intake::quick::QuickReportButton/>
                </Show>
                <Today/>
                {move || match ctx.session.get() {
                    Session::Open => view! { <OnDutyPicker/> }.into_any(),
                    Session::Locked => ().into_any(),
                    Session::SignedIn(_) => view! { <crate::ui::lock::SignedInAs/> }.into_any(),
                }}
                <LanguageSwitch/>
            </div>
        </header>
    }
}

/// Today's date in the chosen language, at the device's offset.
#[component]
fn Today() -> impl IntoView {
    let ctx = use_app();
    let today = move || {
        let local = crate::domain::locale::to_local(chrono::Utc::now(), crate::platform::utc_offset_minutes());
        crate::domain::locale::format_date(ctx.lang.get(), local.date_naive())
    };
    view! { <span class="today" data-testid="today">{today}</span> }
}

/// Chooses who is using the tablet; remembered on the device.
#[component]
fn OnDutyPicker() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let on_change = move |ev: web_sys::Event| {
        let value = event_target_value(&ev);
        let id = uuid::Uuid::parse_str(&value).ok();
        remember(ctx, prefs::store_on_duty(id));
        ctx.on_duty.set(id);
    };
    view! {
        <label class="header-field">
            <span class="header-field-label">{t!(i18n, header.on_duty)}</span>
            <select data-testid="on-duty" on:change=on_change
                prop:value=move || ctx.on_duty.get().map(|id| id.to_string()).unwrap_or_default()>
                <option value="">{move || t_string!(i18n, header.nobody)}</option>
                {move || ctx.site.get().active_staff().map(|m| {
                    let id = m.id.to_string();
                    let selected = ctx.on_duty.get_untracked() == Some(m.id);
                    view! { <option value=id selected=selected>{m.name.clone()}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}

#[component]
fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let on_change = move |ev: web_sys::Event| {
        if let Some(lang) = Lang::from_tag(&event_target_value(&ev)) {
            remember(ctx, prefs::store_lang(lang));
            ctx.lang.set(lang);
        }
    };
    view! {
        <label class="header-field">
            <span class="header-field-label">{t!(i18n, header.language)}</span>
            <select data-testid="language" on:change=on_change prop:value=move || ctx.lang.get().tag()>
                {Lang::ALL.into_iter().map(|lang| view! {
                    <option value=lang.tag() lang=lang.tag()>{lang.native_name()}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

#[component]
pub fn NavBar() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="shell-nav" aria-label=move || t_string!(i18n, nav.label)>
            <A href="/intake"><span class="nav-icon icon-intake" aria-hidden="true"></span>{t!(i18n, nav.intake)}</A>
            <A href="/board"><span class="nav-icon icon-board" aria-hidden="true"></span>{t!(i18n, nav.board)}</A>
            <A href="/drills"><span class="nav-icon icon-drills" aria-hidden="true"></span>{t!(i18n, nav.drills)}</A>
            <A href="/kpi"><span class="nav-icon icon-kpi" aria-hidden="true"></span>{t!(i18n, nav.kpi)}</A>
            <A href="/data">
                <span class="nav-icon icon-data" aria-hidden="true"></span>{t!(i18n, nav.data)}
                <UnexportedBadge/>
            </A>
            <A href="/settings"><span class="nav-icon icon-settings" aria-hidden="true"></span>{t!(i18n, nav.settings)}</A>
        </nav>
    }
}

/// The count of unexported changes on the Data tab, so it is seen from every view.
#[component]
fn UnexportedBadge() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let count = move || ctx.unexported.get().count;
    view! {
        <Show when=move || { count() > 0 }>
            <span class="nav-badge" data-testid="unexported-badge">
                <span aria-hidden="true">{count}</span>
                <span class="visually-hidden">
                    {move || crate::ui::widgets::fill(t_string!(i18n, nav.unexported_badge), "n", &count().to_string())}
                </span>
            </span>
        </Show>
    }
}

/// Tells the user a new build is waiting; the old one keeps running until they accept, so
/// a form being filled in is never interrupted and old and new files never mix. When another
/// tab applied the update, this tab still runs the old build: it is told to reload.
#[component]
pub fn UpdateNotice() -> impl IntoView {
    let i18n = use_i18n();
    let ready = RwSignal::new(update::already_waiting());
    let elsewhere = RwSignal::new(update::already_updated_elsewhere());
    update::on_update_ready(move || ready.set(true));
    update::on_updated_elsewhere(move || elsewhere.set(true));
    view! {
        <Show when=move || elsewhere.get()>
            <div class="notice notice-info" role="alert" data-testid="updated-elsewhere">
                <span>{t!(i18n, update.elsewhere)}</span>
                <button type="button" class="btn btn-primary" on:click=move |_| update::reload()>
                    {t!(i18n, update.reload)}
                </button>
            </div>
        </Show>
        <Show when=move || ready.get() && !elsewhere.get()>
            <div class="notice notice-info" role="status" data-testid="update-notice">
                <span>{t!(i18n, update.ready)}</span>
                <button type="button" class="btn btn-primary" on:click=move |_| update::apply_update()>
                    {t!(i18n, update.apply)}
                </button>
                <button type="button" class="btn" on:click=move |_| ready.set(false)>
                    {t!(i18n, update.later)}
                </button>
            </div>
        </Show>
    }
}

/// A storage failure in the user's language, with what to do next (never the English
/// detail inside the error, which is for the console).
pub fn store_error_text(i18n: crate::ui::i18n::I18n, error: &StoreError) -> &'static str {
    match error {
        StoreError::Unavailable(_) => t_string!(i18n, storage.unavailable),
        StoreError::QuotaExceeded => t_string!(i18n, storage.quota),
        StoreError::UpgradeBlocked => t_string!(i18n, storage.blocked),
        StoreError::Aborted(_) => t_string!(i18n, storage.aborted),
        StoreError::Corrupt { .. } => t_string!(i18n, storage.corrupt),
        StoreError::Locked => t_string!(i18n, storage.locked),
    }
}

/// A preference written: a failure is said once (the notice below), not on every change.
pub fn remember(ctx: crate::ui::context::AppContext, result: Result<(), prefs::NotKept>) {
    if result.is_err() && !ctx.prefs_not_kept.get_untracked() {
        ctx.prefs_not_kept.set(true);
    }
}

/// The one place storage failures are shown, each with what to do next.
#[component]
pub fn StorageNotice() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    view! {
        {move || ctx.storage_error.get().map(|error| {
            let needs_reload = matches!(error, StoreError::UpgradeBlocked | StoreError::Aborted(_));
            let message = store_error_text(i18n, &error);
            view! {
                <div class="notice notice-error" role="alert" data-testid="storage-notice">
                    <span>{message}</span>
                    <Show when=move || needs_reload>
                        <button type="button" class="btn" on:click=|_| {
                            if let Some(w) = web_sys::window() { let _ = w.location().reload(); }
                        }>{t!(i18n, storage.reload)}</button>
                    </Show>
                </div>
            }
        })}
        <Show when=move || ctx.prefs_not_kept.get()>
            <div class="notice" role="status" data-testid="prefs-notice">
                <span>{t!(i18n, storage.prefs_not_kept)}</span>
                <button type="button" class="btn" on:click=move |_| ctx.prefs_not_kept.set(false)>{t!(i18n, storage.dismiss)}</button>
            </div>
        </Show>
    }
}
