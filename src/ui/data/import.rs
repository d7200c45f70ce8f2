//! Import (导入): files chosen, read and checked, each previewed against what is stored,
//! then applied one transaction per file, after which the cache and the other tabs read
//! what changed.

use chrono::Utc;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::sync;
use crate::domain::export::{self, CheckedPayload, Envelope, ImportError, RecordProblemKind};
use crate::domain::ledger::{Counts, LedgerEntry};
use crate::domain::locale::format_datetime;
use crate::domain::merge::Outcome;
use crate::platform::broadcast::{self, Topic};
use crate::platform::files::{self, FileError};
use crate::ui::context::{use_app, AppContext};
use crate::ui::data::messages::{import_error_text, kind_label, store_or_report};
use crate::ui::drills::data::store_of;
use crate::ui::i18n::{t, t_string, use_i18n};
use crate::ui::shell::store_error_text;
use crate::ui::widgets::fill;

/// One chosen file on its way in.
#[derive(Clone)]
struct Incoming {
    name: String,
    text: String,
    envelope: Option<Envelope>,
    payload: Option<CheckedPayload>,
    counts: Option<Counts>,
    error: Option<ImportError>,
    result: Option<Result<LedgerEntry, String>>,
}

async fn check_file(ctx: AppContext, item: &mut Incoming, passphrase: &str) {
    let Some(envelope) = item.envelope.clone() else { return };
    let decrypted = match (&envelope.encryption, &envelope.ciphertext) {
        (Some(enc), Some(c)) if !passphrase.is_empty() => match files::decrypt(enc, c, passphrase).await {
            Ok(text) => Some(text),
            Err(FileError::WrongPassphrase) => {
                item.error = Some(ImportError::WrongPassphrase);
                return;
            }
            Err(FileError::Unsupported(e)) => {
                item.error = Some(ImportError::InvalidEnvelope { path: "encryption".into(), kind: RecordProblemKind::Other(e) });
                return;
            }
        },
        _ => None,
    };
    match export::open(&envelope, decrypted.as_deref(), Utc::now()) {
        Ok(payload) => {
            item.error = None;
            match store_of(ctx) {
                Ok(store) => match sync::preview(&store, &payload).await {
                    Ok(counts) => item.counts = Some(counts),
                    Err(e) => ctx.storage_error.set(Some(e)),
                },
                Err(e) => ctx.storage_error.set(Some(e)),
            }
            item.payload = Some(payload);
        }
        Err(e) => item.error = Some(e),
    }
}

#[component]
pub fn ImportCard() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let files_in = RwSignal::new(Vec::<Incoming>::new());
    let passphrase = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let status = RwSignal::new(None::<String>);
    let apply_settings = RwSignal::new(false);
    // Whether any chosen file carries site settings that would change this tablet's.
    let offers_settings = move || {
        let site = ctx.site.get();
        files_in.with(|fs| {
            fs.iter().filter(|f| f.result.is_none()).filter_map(|f| f.payload.as_ref()?.settings.as_ref()).any(|other| {
                let mut merged = site.clone();
                merged.apply_from_file(other);
                merged != site
            })
        })
    };

    let on_files = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(list) = input.files() else { return };
        let chosen: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
        if chosen.is_empty() || busy.get_untracked() {
            return;
        }
        busy.set(true);
        status.set(Some(t_string!(i18n, sync.reading).to_owned()));
        spawn_local(async move {
            let mut items = Vec::new();
            for file in chosen {
                let name = file.name();
                let mut item = Incoming { name, text: String::new(), envelope: None, payload: None, counts: None, error: None, result: None };
                // Refused before reading: a file this size would not fit the page's memory.
                let size = file.size() as usize;
                let read = if size > export::checks::MAX_FILE_BYTES { Err(Some(ImportError::TooLarge { bytes: size, max: export::checks::MAX_FILE_BYTES })) } else { files::read_text(&file).await.map_err(|_| None) };
                match read {
                    Ok(text) => {
                        match export::read(&text) {
                            Ok(env) => item.envelope = Some(env),
                            Err(e) => item.error = Some(e),
                        }
                        item.text = text;
                    }
                    Err(too_large) => item.error = Some(too_large.unwrap_or(ImportError::Unreadable)),
                }
                check_file(ctx, &mut item, "").await;
                items.push(item);
                crate::platform::next_turn().await;
            }
            files_in.set(items);
            status.set(None);
            busy.set(false);
        });
        input.set_value("");
    };

    let needs_passphrase = move || files_in.with(|fs| fs.iter().any(|f| matches!(f.error, Some(ImportError::NeedsPassphrase | ImportError::WrongPassphrase))));
    let unlock = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let pass = passphrase.get_untracked();
        spawn_local(async move {
            let mut items = files_in.get_untracked();
            for item in items.iter_mut().filter(|f| matches!(f.error, Some(ImportError::NeedsPassphrase | ImportError::WrongPassphrase))) {
                check_file(ctx, item, &pass).await;
            }
            files_in.set(items);
            busy.set(false);
        });
    };
    let ready = move || files_in.with(|fs| fs.iter().filter(|f| f.payload.is_some() && f.result.is_none()).count());
    let apply = move |_| {
        if busy.get_untracked() || ready() == 0 {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let Some(store) = store_or_report(ctx, busy) else { return };
            let mut items = files_in.get_untracked();
            let total = items.len();
            let mut changed = Vec::new();
            for (i, item) in items.iter_mut().enumerate() {
                let (Some(env), Some(payload)) = (&item.envelope, &item.payload) else { continue };
                if item.result.is_some() {
                    continue;
                }
                status.set(Some(fill(&fill(t_string!(i18n, sync.importing), "done", &(i + 1).to_string()), "total", &total.to_string())));
                let result = sync::import_checked(&store, &ctx, env, payload, &item.name, Utc::now()).await;
                item.result = Some(match result {
                    Ok(imported) => {
                        let records = imported.changed.len();
                        crate::ui::lock::log(ctx, crate::domain::access::AccessEvent::Imported { file: item.name.clone(), records });
                        changed.extend(imported.changed);
                        Ok(imported.entry)
                    }
                    Err(e) => Err(store_error_text(i18n, &e).to_owned()),
                });
                crate::platform::next_turn().await;
            }
            // The view may have been left while the files were written.
            if apply_settings.try_get_untracked().unwrap_or(false) {
                let site = ctx.site.get_untracked();
                let from_files = items.iter().filter(|f| matches!(f.result, Some(Ok(_)))).filter_map(|f| f.payload.as_ref()?.settings.as_ref());
                match crate::app::settings::take_settings_from_files(&store, &site, from_files).await {
                    Ok(Some(site)) => crate::ui::settings::committed(ctx, site, None),
                    Ok(None) => {}
                    Err(e) => ctx.storage_error.set(Some(e)),
                }
            }
            files_in.set(items);
            ctx.imports.update(|n| *n += 1);
            status.set(None);
            busy.set(false);
            // The result is shown; now the cache takes in what the imports changed: the
            // records by id, or — past a few thousand, where reading them one by one costs
            // more — everything again, a page at a time. The other tabs do the same.
            let refreshed = if changed.len() > crate::ui::live::MAX_KEYS_TO_READ {
                crate::ui::live::reload(ctx).await
            } else {
                crate::ui::live::apply_keys(ctx, &changed).await
            };
            if let Err(e) = refreshed {
                ctx.storage_error.set(Some(e));
            }
            broadcast::announce(Topic::Records(changed));
            crate::ui::live_sync::local_change();
        });
    };

    view! {
        <div class="card" data-testid="import">
            <h2>{t!(i18n, sync.import_title)}</h2>
            <p>{t!(i18n, sync.import_hint)}</p>
            <label for="import-files" class="btn">{t!(i18n, sync.choose_files)}</label>
            <input type="file" id="import-files" class="file-input" accept=".json,application/json" multiple=true on:change=on_files prop:disabled=move || busy.get() || !ctx.loaded.get()/>
            <Show when=needs_passphrase>
                <div class="field">
                    <label for="import-passphrase">{t!(i18n, sync.passphrase)}</label>
                    <input type="password" id="import-passphrase" autocomplete="off" prop:value=move || passphrase.get() on:input=move |ev| passphrase.set(event_target_value(&ev))/>
                    <button type="button" class="btn" prop:disabled=move || busy.get() on:click=unlock>{t!(i18n, sync.unlock)}</button>
                </div>
            </Show>
            <ul class="import-files">
                {move || files_in.get().into_iter().map(|f| view! { <ImportFileView file=f/> }).collect_view()}
            </ul>
            <Show when=move || { ready() != 0 && offers_settings() }>
                <label class="check"><input type="checkbox" id="import-settings" prop:checked=move || apply_settings.get()
                    on:change=move |ev| apply_settings.set(event_target_checked(&ev))/>{t!(i18n, sync.apply_settings)}</label>
            </Show>
            <Show when=move || { ready() != 0 }>
                <button type="button" class="btn btn-primary" prop:disabled=move || busy.get() on:click=apply>
                    {move || match ready() {
                        1 => t_string!(i18n, sync.apply_one).to_owned(),
                        n => fill(t_string!(i18n, sync.apply), "count", &n.to_string()),
                    }}
                </button>
            </Show>
            <p role="status" data-testid="import-status">{move || status.get()}</p>
        </div>
    }
}

#[component]
fn ImportFileView(file: Incoming) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    // Every text below is a closure: switching language redraws it at once.
    let source = file.envelope.clone().map(|e| {
        move || {
            let what = fill(&fill(t_string!(i18n, sync.from_device), "device", &e.device.name), "site", &e.site.name);
            format!("{what} · {}", format_datetime(ctx.lang.get(), e.exported_at, e.utc_offset_min))
        }
    });
    let outcomes = [Outcome::New, Outcome::Updated, Outcome::Identical, Outcome::Conflicting];
    let preview_table = file.counts.clone().filter(|_| file.result.is_none()).map(|counts| {
        view! {
            <table class="kpi-table compact" data-testid="import-preview">
                <thead><tr>
                    <th scope="col">{t!(i18n, sync.kind)}</th>
                    <th scope="col">{t!(i18n, sync.o_new)}</th>
                    <th scope="col">{t!(i18n, sync.o_updated)}</th>
                    <th scope="col">{t!(i18n, sync.o_identical)}</th>
                    <th scope="col">{t!(i18n, sync.o_conflicting)}</th>
                </tr></thead>
                <tbody>
                    {counts.into_iter().map(|(kind, by)| view! {
                        <tr data-kind=kind.store_name()>
                            <th scope="row">{move || kind_label(i18n, kind)}</th>
                            {outcomes.iter().map(|o| view! { <td>{by.get(o).copied().unwrap_or(0)}</td> }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
    });
    let error = file.error.clone().map(|e| view! { <p class="notice notice-error import-error" data-testid="import-error">{move || import_error_text(i18n, &e)}</p> });
    let result = file.result.clone().map(|r| match r {
        Ok(entry) if entry.changed() == 0 => view! { <p class="saved-note" data-testid="import-result">{t!(i18n, sync.nothing_new)}</p> }.into_any(),
        Ok(entry) => {
            let sum = move |o: Outcome| entry.counts.values().map(|by| by.get(&o).copied().unwrap_or(0)).sum::<usize>();
            let conflicts = entry.conflicted.len();
            let text = move || fill(&fill(&fill(t_string!(i18n, sync.imported), "new", &sum(Outcome::New).to_string()), "updated", &(sum(Outcome::Updated) + sum(Outcome::Conflicting)).to_string()), "conflicts", &conflicts.to_string());
            view! { <p class="saved-note" data-testid="import-result">{text}</p> }.into_any()
        }
        Err(e) => view! { <p class="notice notice-error" data-testid="import-result">{e}</p> }.into_any(),
    });
    view! {
        <li class="import-file" data-testid="import-file">
            <p class="import-name">{file.name.clone()}</p>
            {source.map(|s| view! { <p class="field-hint">{s}</p> })}
            {error}
            {preview_table}
            {result}
        </li>
    }
}

