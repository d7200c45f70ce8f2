//! The access log on the Data view (issue 19): the latest entries, and the whole log as a CSV
//! for head office. A supervisor's (the view hides it from everyone else).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::domain::access::{AccessEntry, AccessEvent};
use crate::ui::lock::slot_kind_text;
use crate::domain::locale::{format_datetime, to_local};
use crate::domain::spreadsheet::{csv, Cell};
use crate::platform::files;
use crate::store::AccessLogStore;
use crate::ui::context::{use_app, AppContext};
use crate::ui::i18n::{t, t_string, use_i18n, I18n};
use crate::ui::shell::store_error_text;
use crate::ui::widgets::{fill, fill_count};

const SHOWN: usize = 20;

fn event_text(i18n: I18n, event: &AccessEvent) -> &'static str {
    match event {
        AccessEvent::SetUp => t_string!(i18n, access.set_up),
        AccessEvent::SignedIn { .. } => t_string!(i18n, access.signed_in),
        AccessEvent::SignInFailed { .. } => t_string!(i18n, access.sign_in_failed),
        AccessEvent::PhoneRevealed { .. } => t_string!(i18n, access.phone_revealed),
        AccessEvent::Exported { .. } => t_string!(i18n, access.exported),
        AccessEvent::Imported { .. } => t_string!(i18n, access.imported),
        AccessEvent::ImportUndone { .. } => t_string!(i18n, access.import_undone),
        AccessEvent::Purged { .. } => t_string!(i18n, access.purged),
        AccessEvent::ArchiveOpened { .. } => t_string!(i18n, access.archive_opened),
        AccessEvent::CredentialSet { .. } => t_string!(i18n, access.credential_set),
        AccessEvent::CredentialEnabled { .. } => t_string!(i18n, access.credential_enabled),
        AccessEvent::CredentialRemoved { .. } => t_string!(i18n, access.credential_removed),
        AccessEvent::AccessLogExported => t_string!(i18n, access.log_exported),
    }
}

/// Names staff from the roster and tickets by their number (never a resident's details).
fn detail_text(ctx: AppContext, i18n: I18n, event: &AccessEvent) -> String {
    let name = |id: uuid::Uuid| ctx.site.with_untracked(|s| s.staff(id).map(|m| m.name.clone())).unwrap_or_else(|| id.to_string());
    match event {
        AccessEvent::SignedIn { kind } => slot_kind_text(i18n, *kind).to_owned(),
        AccessEvent::SignInFailed { kind, staff } => match staff {
            Some(id) => format!("{} · {}", name(*id), slot_kind_text(i18n, *kind)),
            None => slot_kind_text(i18n, *kind).to_owned(),
        },
        AccessEvent::PhoneRevealed { ticket } => ctx.cache.with_untracked(|c| c.ticket(*ticket).map(|t| t.ticket.number.clone())).unwrap_or_else(|| ticket.to_string()),
        AccessEvent::Exported { records, .. } => fill_count(t_string!(i18n, access.records), *records),
        AccessEvent::Imported { file, records } => format!("{file} · {}", fill_count(t_string!(i18n, access.records), *records)),
        AccessEvent::ImportUndone { file } => file.clone(),
        AccessEvent::ArchiveOpened { file, records } => format!("{file} · {}", fill_count(t_string!(i18n, access.records), *records)),
        AccessEvent::Purged { records } => fill_count(t_string!(i18n, access.records), *records),
        AccessEvent::CredentialSet { staff, kind } => format!("{} · {}", name(*staff), slot_kind_text(i18n, *kind)),
        AccessEvent::CredentialEnabled { staff } | AccessEvent::CredentialRemoved { staff } => name(*staff),
        AccessEvent::SetUp | AccessEvent::AccessLogExported => String::new(),
    }
}

fn by_text(ctx: AppContext, i18n: I18n, entry: &AccessEntry) -> String {
    match entry.by {
        Some(id) => ctx.site.with_untracked(|s| s.staff(id).map(|m| m.name.clone())).unwrap_or_else(|| id.to_string()),
        None => t_string!(i18n, access.nobody).to_owned(),
    }
}

#[component]
pub fn AccessLogCard() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let entries = RwSignal::new(Vec::<AccessEntry>::new());
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let read = move || {
        spawn_local(async move {
            let Ok(store) = ctx.store() else { return };
            match store.access_log().await {
                Ok(list) => {
                    entries.try_set(list);
                }
                Err(e) => ctx.storage_error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        if ctx.loaded.get() {
            ctx.imports.track();
            ctx.access_logged.track();
            read();
        }
    });
    let download = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = async {
                let store = ctx.store().map_err(|e| store_error_text(i18n, &e).to_owned())?;
                let list = store.access_log().await.map_err(|e| store_error_text(i18n, &e).to_owned())?;
                let headers = [t_string!(i18n, access.col_time), t_string!(i18n, access.col_who), t_string!(i18n, access.col_event), t_string!(i18n, access.col_detail)]
                    .map(str::to_owned);
                let rows: Vec<Vec<Cell>> = list
                    .iter()
                    .map(|e| {
                        vec![
                            Cell::Date(to_local(e.at, e.utc_offset_min).naive_local()),
                            Cell::Text(by_text(ctx, i18n, e)),
                            Cell::Text(event_text(i18n, &e.event).to_owned()),
                            Cell::Text(detail_text(ctx, i18n, &e.event)),
                        ]
                    })
                    .collect();
                let code = ctx.site.with_untracked(|s| s.site_code.clone());
                let date = chrono::Utc::now().format("%Y%m%d-%H%M");
                let name = format!("patroldesk-{code}-access-log-{date}.csv");
                files::download_bytes(&csv(&headers, &rows), &name, "text/csv").map_err(|_| t_string!(i18n, sync.browser_refused).to_owned())?;
                crate::app::security::record(&store, &ctx.who(), AccessEvent::AccessLogExported).await.map_err(|e| store_error_text(i18n, &e).to_owned())?;
                Ok::<_, String>(fill(t_string!(i18n, access.downloaded), "file", &name))
            }
            .await;
            status.set(Some(result.unwrap_or_else(|e| e)));
            busy.set(false);
            read();
        });
    };
    view! {
        <div class="card" data-testid="access-log">
            <h2>{t!(i18n, access.title)}</h2>
            <p class="hint">{t!(i18n, access.intro)}</p>
            <Show when=move || !entries.with(Vec::is_empty) fallback=move || view! { <p>{t!(i18n, access.empty)}</p> }>
                <table class="table">
                    <thead><tr>
                        <th scope="col">{t!(i18n, access.col_time)}</th>
                        <th scope="col">{t!(i18n, access.col_who)}</th>
                        <th scope="col">{t!(i18n, access.col_event)}</th>
                        <th scope="col">{t!(i18n, access.col_detail)}</th>
                    </tr></thead>
                    <tbody>
                        {move || entries.get().into_iter().take(SHOWN).map(|e| view! {
                            <tr data-testid="access-entry">
                                <td>{format_datetime(ctx.lang.get(), e.at, e.utc_offset_min)}</td>
                                <td>{by_text(ctx, i18n, &e)}</td>
                                <td>{event_text(i18n, &e.event)}</td>
                                <td>{detail_text(ctx, i18n, &e.event)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </Show>
            <button type="button" class="btn" data-testid="download-access-log" disabled=move || busy.get() on:click=download>{t!(i18n, access.download)}</button>
            <p role="status">{move || status.get()}</p>
        </div>
    }
}
