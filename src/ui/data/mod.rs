//! Data view: the state of storage on this device — whether the browser protects it, how
//! full it is, and how much has not been exported yet (losing the tablet must never be the
//! first time anyone learns that). Export, import, the ledger and the devices heard from each have their module.

mod sample;
mod sheets;
mod devices;
mod export;
mod access;
mod import;
mod live_sync;
mod ledger;
mod repair;
pub mod retention;
pub mod messages;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::domain::health::{format_bytes, is_nearly_full, usage_share};
use crate::domain::locale::{format_datetime, format_number};
use crate::platform::health::{self, StorageHealth};
use crate::ui::context::use_app;
use crate::ui::i18n::{t, t_string, use_i18n};
use crate::ui::widgets::fill;

#[component]
pub fn DataPage() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let health_state = RwSignal::new(None::<StorageHealth>);
    // Read again after every change (the unexported count moves with each), so usage
    // follows saves.
    Effect::new(move |_| {
        ctx.unexported.track();
        ctx.site.track();
        spawn_local(async move { health_state.set(Some(health::read().await)) });
    });

    let protection = move || match health_state.get().and_then(|h| h.persisted) {
        Some(true) => t_string!(i18n, data.persisted_yes),
        Some(false) => t_string!(i18n, data.persisted_no),
        None => t_string!(i18n, data.persisted_unknown),
    };
    let usage = move || {
        let h = health_state.get().unwrap_or_default();
        match (h.usage, h.quota, usage_share(h.usage, h.quota)) {
            (Some(u), Some(q), Some(share)) => {
                let text = fill(t_string!(i18n, data.usage_of), "used", &format_bytes(u));
                let text = fill(&text, "quota", &format_bytes(q));
                fill(&text, "share", &format!("{} %", format_number(share * 100.0, 1)))
            }
            _ => t_string!(i18n, data.usage_unknown).to_string(),
        }
    };
    let nearly_full = move || health_state.get().is_some_and(|h| is_nearly_full(h.usage, h.quota));
    let oldest = move || match ctx.unexported.get().oldest {
        Some(stamp) => format_datetime(ctx.lang.get(), stamp.utc(), crate::platform::utc_offset_minutes()),
        None => t_string!(i18n, data.none).to_string(),
    };

    view! {
        <section aria-labelledby="view-title">
            <h1 id="view-title">{t!(i18n, nav.data)}</h1>
            <repair::FutureStampsCard/>
            <div class="card" data-testid="storage-health">
                <h2>{t!(i18n, data.storage_section)}</h2>
                <Show when=nearly_full>
                    <p class="notice notice-error" role="alert">{t!(i18n, data.nearly_full)}</p>
                </Show>
                <dl class="facts facts-wide">
                    <dt>{t!(i18n, data.protection)}</dt>
                    <dd data-testid="persistence">{protection}</dd>
                    <dt>{t!(i18n, data.usage)}</dt>
                    <dd data-testid="usage">{usage}</dd>
                    <dt>{t!(i18n, data.unexported)}</dt>
                    <dd data-testid="unexported-count">{move || ctx.unexported.get().count}</dd>
                    <dt>{t!(i18n, data.oldest)}</dt>
                    <dd data-testid="unexported-oldest">{oldest}</dd>
                </dl>
            </div>
            <export::ExportCard/>
            <live_sync::LiveSyncCard/>
            <sheets::SheetsCard/>
            // Imports, their undo, sample data and the access log are a supervisor's once
            // sign-in is set up.
            <Show when=move || ctx.may_administer()
                fallback=move || view! { <p class="notice" data-testid="import-supervisor-only">{t!(i18n, sign_in.import_supervisor_only)}</p> }>
                <import::ImportCard/>
                <ledger::LedgerCard/>
                <devices::DevicesCard/>
                <retention::RetentionCard/>
                <sample::SampleDataCard/>
                <Show when=move || ctx.session.get() != crate::ui::context::Session::Open>
                    <access::AccessLogCard/>
                </Show>
            </Show>
        </section>
    }
}
