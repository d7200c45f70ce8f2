//! Head office's view of the tablets it has heard from (from the import ledger).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::domain::ledger::{devices_heard_from, DeviceHeard};
use crate::domain::locale::{format_datetime, format_number};
use crate::store::sync::SyncStore;
use crate::ui::context::use_app;
use crate::ui::drills::data::store_of;
use crate::ui::i18n::{t, t_string, use_i18n};

/// Head office: the devices heard from, and the last time each exported.
#[component]
pub fn DevicesCard() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let rows = RwSignal::new(Vec::<DeviceHeard>::new());
    Effect::new(move |_| {
        // Read once storage is open, and again after each import or undo.
        ctx.loaded.track();
        ctx.imports.track();
        spawn_local(async move {
            let Ok(store) = store_of(ctx) else { return };
            let list = match store.ledger().await {
                Ok(list) => list,
                Err(e) => return ctx.storage_error.set(Some(e)),
            };
            rows.set(devices_heard_from(&list));
        });
    });
    view! {
        <Show when=move || rows.with(|r| !r.is_empty())>
            <div class="card" data-testid="devices">
                <h2>{t!(i18n, sync.devices_title)}</h2>
                <table class="kpi-table">
                    <thead><tr>
                        <th scope="col">{t_string!(i18n, sync.device)}</th>
                        <th scope="col">{t_string!(i18n, sync.site)}</th>
                        <th scope="col">{t_string!(i18n, sync.last_export)}</th>
                        <th scope="col">{t_string!(i18n, sync.last_import)}</th>
                        <th scope="col">{t_string!(i18n, sync.imports)}</th>
                    </tr></thead>
                    <tbody>
                        {move || {
                            let lang = ctx.lang.get();
                            let offset = crate::platform::utc_offset_minutes();
                            rows.get().into_iter().map(|d| view! {
                                <tr data-testid="device-row">
                                    <th scope="row">{d.device.name}</th>
                                    <td>{d.site.name}</td>
                                    <td>{format_datetime(lang, d.last_export, offset)}</td>
                                    <td>{format_datetime(lang, d.last_import, offset)}</td>
                                    <td>{format_number(d.imports as f64, 0)}</td>
                                </tr>
                            }).collect_view()
                        }}
                    </tbody>
                </table>
            </div>
        </Show>
    }
}
