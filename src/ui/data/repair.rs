//! Records stamped in the future (时间戳异常): found at start, or inside an export, and
//! repaired on the user's word in one transaction that the ledger lists and can undo.

use chrono::Utc;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::repair::{bound_at, repair_future_stamps};
use crate::domain::locale::format_datetime;
use crate::platform::broadcast::{self, Topic};
use crate::ui::context::use_app;
use crate::ui::data::messages::store_or_report;
use crate::ui::i18n::{t, t_string, use_i18n};
use crate::ui::widgets::{fill, fill_count};

#[component]
pub fn FutureStampsCard() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let busy = RwSignal::new(false);
    let status = RwSignal::new(None::<String>);
    let count = move || ctx.future_stamped.with(Vec::len);
    let any = move || count() != 0;
    let repair = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        status.set(None);
        spawn_local(async move {
            let Some(store) = store_or_report(ctx, busy) else { return };
            let Some(device) = ctx.device.get_untracked() else {
                busy.set(false);
                return;
            };
            let also = ctx.future_stamped.get_untracked();
            match repair_future_stamps(&store, &ctx, ctx.who(), &device, &ctx.site.get_untracked(), &also).await {
                Ok(done) => {
                    ctx.cache.update(|c| {
                        c.replace(&done.before, &done.changed.records);
                    });
                    // Other tabs hold the copies from the future, which a plain read would keep.
                    broadcast::announce(Topic::AllRecords);
                    ctx.future_stamped.set(Vec::new());
                    crate::ui::live::refresh_unexported(ctx);
                    ctx.imports.update(|n| *n += 1);
                    status.set(Some(fill_count(t_string!(i18n, sync.future_repaired), done.changed.records.len())));
                }
                Err(e) => ctx.storage_error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let limit = move || format_datetime(ctx.lang.get(), bound_at(Utc::now()).utc(), crate::platform::utc_offset_minutes());
    view! {
        <Show when=move || any() || status.with(Option::is_some)>
            <div class="card" data-testid="future-stamps">
                <h2>{t!(i18n, sync.future_title)}</h2>
                <Show when=any>
                    <p class="notice notice-error" role="alert" data-testid="future-stamps-warning">
                        {move || fill(&fill_count(t_string!(i18n, sync.future_text), count()), "limit", &limit())}
                    </p>
                    <p class="field-hint">{t!(i18n, sync.future_clock_hint)}</p>
                    <button type="button" class="btn btn-primary" data-testid="future-stamps-repair" prop:disabled=move || busy.get() on:click=repair>
                        {move || if busy.get() { t_string!(i18n, sync.future_repairing).to_owned() } else { fill_count(t_string!(i18n, sync.future_repair), count()) }}
                    </button>
                </Show>
                <p role="status" data-testid="future-stamps-status">{move || status.get()}</p>
            </div>
        </Show>
    }
}
