//! The import ledger (导入记录): each import, undo of the latest, and the conflicts imports
//! left to review.

use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::app::sync::{self, OpenConflict};
use crate::domain::ledger::{LedgerEntry, LedgerSource};
use crate::domain::locale::format_datetime;
use crate::platform::broadcast::{self, Topic};
use crate::ui::context::use_app;
use crate::ui::data::messages::{kind_label, store_or_report};
use crate::ui::drills::data::store_of;
use crate::ui::i18n::{t, t_string, use_i18n};
use crate::ui::widgets::{fill, fill_count};

#[component]
pub fn LedgerCard() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let entries = RwSignal::new(Vec::<LedgerEntry>::new());
    let conflicted = RwSignal::new(Vec::<OpenConflict>::new());
    let busy = RwSignal::new(false);
    let status = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        // Read once storage is open, and again after each import or undo.
        ctx.loaded.track();
        ctx.imports.track();
        spawn_local(async move {
            let Ok(store) = store_of(ctx) else { return };
            match sync::ledger_with_conflicts(&store).await {
                Ok((list, open)) => {
                    conflicted.set(open);
                    entries.set(list);
                }
                Err(e) => ctx.storage_error.set(Some(e)),
            }
        });
    });
    let undo = move |id: Uuid| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let Some(store) = store_or_report(ctx, busy) else { return };
            match sync::undo_import(&store, id).await {
                Ok(report) => {
                    let file = entries.with_untracked(|list| list.iter().find(|e| e.id == id).map(|e| e.file_name.clone())).unwrap_or_default();
                    crate::ui::lock::log(ctx, crate::domain::access::AccessEvent::ImportUndone { file });
                    status.set(Some(fill(&fill(t_string!(i18n, sync.undone), "restored", &report.restored.to_string()), "kept", &report.kept.to_string())));
                    // An undo may remove records physically: load everything again, here
                    // and in the other tabs (rare, and asked for).
                    broadcast::announce(Topic::AllRecords);
                    if let Err(e) = crate::ui::live::reload(ctx).await {
                        ctx.storage_error.set(Some(e));
                    }
                    ctx.imports.update(|n| *n += 1);
                    crate::ui::live_sync::local_change();
                }
                Err(e) => ctx.storage_error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let value_text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(o) => o.get("zh").or(o.get("en")).and_then(|v| v.as_str()).map(str::to_owned).unwrap_or_else(|| v.to_string()),
        other => other.to_string(),
    };

    view! {
        <div class="card" data-testid="ledger">
            <h2>{t!(i18n, sync.ledger_title)}</h2>
            <Show when=move || entries.with(|e| e.is_empty())>
                <p class="field-hint">{t!(i18n, sync.ledger_empty)}</p>
            </Show>
            <ul class="ledger-list">
                {move || {
                    let lang = ctx.lang.get();
                    let list = entries.get();
                    let latest = list.iter().find(|e| !e.undone).map(|e| e.id);
                    list.into_iter().map(|e| {
                        let changed = e.changed();
                        let text = match e.source {
                            LedgerSource::File => fill_count(&fill(&fill(t_string!(i18n, sync.ledger_line), "device", &e.device.name), "site", &e.site.name), changed),
                            LedgerSource::StampRepair => fill_count(t_string!(i18n, sync.ledger_repair_line), changed),
                        };
                        let when = format_datetime(lang, e.imported_at, crate::platform::utc_offset_minutes());
                        let id = e.id;
                        view! {
                            <li data-testid="ledger-entry">
                                <span>{format!("{when} · {text}")}</span>
                                {e.undone.then(|| view! { <span class="badge-pending">{t_string!(i18n, sync.undone_badge)}</span> })}
                                {(latest == Some(id)).then(|| view! {
                                    <button type="button" class="btn" prop:disabled=move || busy.get() on:click=move |_| undo(id)>{t_string!(i18n, sync.undo)}</button>
                                })}
                            </li>
                        }
                    }).collect_view()
                }}
            </ul>
            <p role="status" data-testid="ledger-status">{move || status.get()}</p>
            <Show when=move || conflicted.with(|c| !c.is_empty())>
                <h3>{t!(i18n, sync.conflicts_title)}</h3>
                <p class="field-hint">{t!(i18n, sync.conflicts_hint)}</p>
                <ul class="conflict-list" data-testid="conflicts">
                    {move || conflicted.get().into_iter().flat_map(|open| {
                        let label = format!("{} · {}", kind_label(i18n, open.kind), open.label);
                        open.conflicts.into_iter().map(move |c| (label.clone(), c))
                    }).map(|(label, c)| {
                        let text = fill(&fill(&fill(t_string!(i18n, sync.conflict_line), "field", &c.field), "kept", &value_text(&c.kept)), "lost", &value_text(&c.lost));
                        view! { <li data-testid="conflict">{format!("{label}: {text}")}</li> }
                    }).collect_view()}
                </ul>
            </Show>
        </div>
    }
}

