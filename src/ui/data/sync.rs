//! Export and import (导出/导入): files that carry this tablet's changes to head office and
//! back, the preview before an import, the import ledger with undo, the conflicts to review,
//! and head office's view of the devices it has heard from.

use std::collections::BTreeMap;

use base64::Engine;
use chrono::Utc;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::domain::export::{self, CheckedPayload, DeviceInfo, Envelope, ExportMeta, ImportError, Payload, PhotoData, RecordProblemKind, SiteInfo};
use crate::domain::locale::{format_datetime, format_number};
use crate::domain::merge::{conflicts, Outcome};
use crate::platform::broadcast::{self, Topic};
use crate::platform::files::{self, FileError};
use crate::store::sync::{export_records, preview, Counts, LedgerEntry, SyncStore};
use crate::store::{PhotoStore, RecordStore, SettingsStore};
use crate::ui::shell::store_error_text;
use crate::ui::context::{use_app, AppContext};
use crate::ui::drills::data::store_of;
use crate::ui::i18n::{t, t_string, use_i18n, I18n};
use crate::ui::widgets::fill;

fn kind_label(i18n: I18n, store_name: &str) -> &'static str {
    match store_name {
        "tickets" => t_string!(i18n, sync.kind_tickets),
        "ticket_events" => t_string!(i18n, sync.kind_events),
        "drill_plans" => t_string!(i18n, sync.kind_plans),
        _ => t_string!(i18n, sync.kind_runs),
    }
}

fn problem_kind_text(i18n: I18n, kind: &RecordProblemKind) -> String {
    match kind {
        RecordProblemKind::MissingField(f) => fill(t_string!(i18n, sync.p_missing), "field", f),
        RecordProblemKind::WrongType => t_string!(i18n, sync.p_wrong_type).to_owned(),
        RecordProblemKind::UnknownValue(v) => fill(t_string!(i18n, sync.p_unknown_value), "value", v),
        RecordProblemKind::UnknownKind(v) => fill(t_string!(i18n, sync.p_unknown_kind), "value", v),
        RecordProblemKind::MissingId => t_string!(i18n, sync.p_missing_id).to_owned(),
        RecordProblemKind::Duplicate => t_string!(i18n, sync.p_duplicate).to_owned(),
        RecordProblemKind::Other(text) => fill(t_string!(i18n, sync.p_other), "text", text),
    }
}

/// A file problem in the user's language (the JSON path stays as written in the file).
pub fn import_error_text(i18n: I18n, e: &ImportError) -> String {
    match e {
        ImportError::Unreadable => t_string!(i18n, sync.e_unreadable).to_owned(),
        ImportError::Truncated => t_string!(i18n, sync.e_truncated).to_owned(),
        ImportError::NotJson { line, column } => fill(&fill(t_string!(i18n, sync.e_not_json), "line", &line.to_string()), "column", &column.to_string()),
        ImportError::NotAnExport => t_string!(i18n, sync.e_not_export).to_owned(),
        ImportError::NewerSchema { found, supported } => fill(&fill(t_string!(i18n, sync.e_newer), "found", &found.to_string()), "supported", &supported.to_string()),
        ImportError::InvalidEnvelope { path, kind } => fill(&fill(t_string!(i18n, sync.e_envelope), "path", path), "problem", &problem_kind_text(i18n, kind)),
        ImportError::BadChecksum => t_string!(i18n, sync.e_checksum).to_owned(),
        ImportError::NeedsPassphrase => t_string!(i18n, sync.e_needs_passphrase).to_owned(),
        ImportError::WrongPassphrase => t_string!(i18n, sync.e_wrong_passphrase).to_owned(),
        ImportError::WeakEncryption => t_string!(i18n, sync.e_weak).to_owned(),
        ImportError::CountsMismatch => t_string!(i18n, sync.e_counts).to_owned(),
        ImportError::InvalidRecords(list) => {
            let mut lines = vec![fill(t_string!(i18n, sync.e_records), "count", &list.len().to_string())];
            lines.extend(list.iter().take(5).map(|p| {
                fill(&fill(&fill(t_string!(i18n, sync.e_record), "index", &(p.index + 1).to_string()), "path", &p.path), "problem", &problem_kind_text(i18n, &p.kind))
            }));
            lines.join("\n")
        }
    }
}

/// The open store, or `None` with the reason shown and `busy` cleared: a button is never
/// left disabled because storage was not there.
fn store_or_report(ctx: AppContext, busy: RwSignal<bool>) -> Option<crate::store::DeviceStore> {
    match store_of(ctx) {
        Ok(store) => Some(store),
        Err(e) => {
            ctx.storage_error.set(Some(e));
            busy.set(false);
            None
        }
    }
}

/// Which export to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    All,
    SinceLast,
}

/// Builds and downloads an export; returns (file name, record count, photos that could
/// not be read and so are not in the file).
async fn run_export(ctx: AppContext, scope: Scope, photos: bool, redacted: bool, passphrase: Option<String>, progress: RwSignal<Option<String>>, i18n: I18n) -> Result<(String, usize, usize), String> {
    let store_text = |e: crate::store::StoreError| store_error_text(i18n, &e).to_owned();
    let store = store_of(ctx).map_err(store_text)?;
    let since = match scope {
        Scope::All => None,
        Scope::SinceLast => store.load_export_watermark().await.map_err(store_text)?,
    };
    let records = export_records(&store, since).await.map_err(store_text)?;
    let mut photo_data = Vec::new();
    let mut missing = 0;
    if photos {
        let mut shas: Vec<String> = Vec::new();
        for r in records.iter().filter(|r| !r.is_deleted()) {
            collect_photo_refs(&r.body, &mut shas);
        }
        shas.sort();
        shas.dedup();
        for (i, sha) in shas.iter().enumerate() {
            progress.set(Some(fill(&fill(t_string!(i18n, sync.collecting_photos), "done", &i.to_string()), "total", &shas.len().to_string())));
            // A photo that is not there or does not read is counted and said, not dropped quietly.
            let read = match store.photo(sha).await {
                Ok(Some(blob)) => files::blob_bytes(&blob).await.ok().map(|bytes| (blob.type_(), bytes)),
                _ => None,
            };
            match read {
                Some((mime, bytes)) => photo_data.push(PhotoData { sha256: sha.clone(), mime, data: base64::engine::general_purpose::STANDARD.encode(&bytes) }),
                None => missing += 1,
            }
            crate::platform::next_turn().await;
        }
    }
    progress.set(Some(t_string!(i18n, sync.writing_file).to_owned()));
    crate::platform::next_turn().await;
    let device = ctx.device.get_untracked().unwrap_or_else(|| crate::domain::settings::DeviceIdentity::new(Uuid::nil()));
    let site = ctx.site.get_untracked();
    let now = Utc::now();
    let meta = ExportMeta {
        app_version: env!("CARGO_PKG_VERSION").into(),
        export_id: Uuid::now_v7(),
        device: DeviceInfo { id: device.id, name: device.name.clone() },
        site: SiteInfo { name: site.site_name.clone(), code: site.site_code.clone() },
        exported_at: now,
        utc_offset_min: crate::platform::utc_offset_minutes(),
        since,
    };
    let count = records.len();
    let (mut envelope, text) = export::build(meta, Payload { records, photos: photo_data, settings: Some(site.clone()) }, redacted);
    if let Some(pass) = passphrase.as_deref() {
        progress.set(Some(t_string!(i18n, sync.encrypting).to_owned()));
        let (enc, sealed) = files::encrypt(&text, pass).await.map_err(|_| t_string!(i18n, sync.browser_refused).to_owned())?;
        envelope = export::seal(envelope, enc, &sealed);
    }
    let local = crate::domain::locale::to_local(now, crate::platform::utc_offset_minutes());
    let mut name = format!("patroldesk-{}-{}-{}", if site.site_code.is_empty() { "SITE" } else { &site.site_code }, device.short_code(), local.format("%Y%m%d-%H%M"));
    if scope == Scope::SinceLast {
        name.push_str("-changes");
    }
    if redacted {
        name.push_str("-redacted");
    }
    if passphrase.is_some() {
        name.push_str("-encrypted");
    }
    name.push_str(".json");
    files::download(&export::to_file_text(&envelope), &name, "application/json").map_err(|_| t_string!(i18n, sync.browser_refused).to_owned())?;
    // A redacted file is a report, not a copy of the data: it does not count as exported.
    if !redacted {
        if let Some(until) = envelope.until {
            store.save_export_watermark(until).await.map_err(store_text)?;
        }
    }
    crate::ui::live::refresh_unexported(ctx);
    Ok((name, count, missing))
}

/// Photo hashes referenced anywhere in a record body (`{"sha256": …}` objects).
fn collect_photo_refs(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let (Some(sha), Some(_)) = (map.get("sha256").and_then(|v| v.as_str()), map.get("width")) {
                out.push(sha.to_owned());
            }
            map.values().for_each(|v| collect_photo_refs(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_photo_refs(v, out)),
        _ => {}
    }
}

#[component]
pub fn ExportCard() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let photos = RwSignal::new(true);
    let redacted = RwSignal::new(false);
    let encrypt = RwSignal::new(false);
    let passphrase = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let progress = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<(bool, String)>);

    let start = move |scope: Scope| {
        if busy.get_untracked() {
            return;
        }
        let pass = encrypt.get_untracked().then(|| passphrase.get_untracked());
        if pass.as_ref().is_some_and(|p| p.chars().count() < 8) {
            status.set(Some((false, t_string!(i18n, sync.passphrase_short).to_owned())));
            crate::ui::widgets::focus_by_id("export-passphrase");
            return;
        }
        busy.set(true);
        status.set(None);
        spawn_local(async move {
            let result = run_export(ctx, scope, photos.get_untracked(), redacted.get_untracked(), pass, progress, i18n).await;
            status.set(Some(match result {
                Ok((name, count, 0)) => (true, fill(&fill(t_string!(i18n, sync.exported), "count", &count.to_string()), "file", &name)),
                Ok((name, count, missing)) => (false, format!("{} {}",
                    fill(&fill(t_string!(i18n, sync.exported), "count", &count.to_string()), "file", &name),
                    fill(t_string!(i18n, sync.photos_missing), "count", &missing.to_string()))),
                Err(e) => (false, fill(t_string!(i18n, sync.export_failed), "reason", &e)),
            }));
            progress.set(None);
            busy.set(false);
        });
    };

    view! {
        <div class="card" data-testid="export">
            <h2>{t!(i18n, sync.export_title)}</h2>
            <p>{t!(i18n, sync.export_hint)}</p>
            <div class="checks">
                <label class="check"><input type="checkbox" id="export-photos" prop:checked=move || photos.get() on:change=move |ev| photos.set(event_target_checked(&ev))/>{t!(i18n, sync.with_photos)}</label>
                <label class="check"><input type="checkbox" id="export-redacted" prop:checked=move || redacted.get() on:change=move |ev| redacted.set(event_target_checked(&ev))/>{t!(i18n, sync.redacted)}</label>
                <label class="check"><input type="checkbox" id="export-encrypt" prop:checked=move || encrypt.get() on:change=move |ev| encrypt.set(event_target_checked(&ev))/>{t!(i18n, sync.encrypt)}</label>
            </div>
            <Show when=move || encrypt.get()>
                <div class="field">
                    <label for="export-passphrase">{t!(i18n, sync.passphrase)}</label>
                    <input type="password" id="export-passphrase" autocomplete="new-password" prop:value=move || passphrase.get() on:input=move |ev| passphrase.set(event_target_value(&ev))/>
                    <p class="field-hint">{t!(i18n, sync.passphrase_hint)}</p>
                </div>
            </Show>
            <div class="form-actions">
                <button type="button" class="btn btn-primary" prop:disabled=move || busy.get() || !ctx.loaded.get() on:click=move |_| start(Scope::SinceLast)>{t!(i18n, sync.export_changes)}</button>
                <button type="button" class="btn" prop:disabled=move || busy.get() || !ctx.loaded.get() on:click=move |_| start(Scope::All)>{t!(i18n, sync.export_all)}</button>
            </div>
            <p role="status" data-testid="export-status" class=move || match status.get() { Some((false, _)) => "notice notice-error", _ => "saved-note" }>
                {move || progress.get().or_else(|| status.get().map(|(_, s)| s))}
            </p>
        </div>
    }
}

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
    match export::open(&envelope, decrypted.as_deref()) {
        Ok(payload) => {
            item.error = None;
            if let Ok(store) = store_of(ctx) {
                item.counts = preview(&store, &payload).await.ok();
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
                match files::read_text(&file).await {
                    Ok(text) => {
                        match export::read(&text) {
                            Ok(env) => item.envelope = Some(env),
                            Err(e) => item.error = Some(e),
                        }
                        item.text = text;
                    }
                    Err(_) => item.error = Some(ImportError::Unreadable),
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
                let entry = LedgerEntry::for_envelope(Uuid::now_v7(), env, &item.name, Utc::now());
                let result = store.apply_import(&payload.records, &payload.photos, entry).await;
                if let Ok(entry) = &result {
                    changed.extend(entry.priors.iter().map(|p| (p.kind, p.id)));
                }
                if let Some(highest) = payload.records.iter().map(|r| r.updated_at).max() {
                    // Local edits after an import must be stamped later than anything imported.
                    ctx.clock.update_value(|c| if let Some(c) = c.as_mut() { c.observe(highest, js_sys::Date::now() as i64) });
                }
                item.result = Some(result.map_err(|e| store_error_text(i18n, &e).to_owned()));
                crate::platform::next_turn().await;
            }
            // The view may have been left while the files were written.
            if apply_settings.try_get_untracked().unwrap_or(false) {
                let mut site = ctx.site.get_untracked();
                for settings in items.iter().filter(|f| matches!(f.result, Some(Ok(_)))).filter_map(|f| f.payload.as_ref()?.settings.as_ref()) {
                    site.apply_from_file(settings);
                }
                if site != ctx.site.get_untracked() {
                    if let Err(e) = crate::ui::settings::persist(ctx, site, None).await {
                        ctx.storage_error.set(Some(e));
                    }
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
    let lang = ctx.lang.get_untracked();
    let source = file.envelope.as_ref().map(|e| {
        let what = fill(&fill(t_string!(i18n, sync.from_device), "device", &e.device.name), "site", &e.site.name);
        format!("{what} · {}", format_datetime(lang, e.exported_at, e.utc_offset_min))
    });
    let outcomes = [Outcome::New, Outcome::Updated, Outcome::Identical, Outcome::Conflicting];
    let preview_table = file.counts.clone().filter(|_| file.result.is_none()).map(|counts| {
        view! {
            <table class="kpi-table compact" data-testid="import-preview">
                <thead><tr>
                    <th scope="col">{t_string!(i18n, sync.kind)}</th>
                    <th scope="col">{t_string!(i18n, sync.o_new)}</th>
                    <th scope="col">{t_string!(i18n, sync.o_updated)}</th>
                    <th scope="col">{t_string!(i18n, sync.o_identical)}</th>
                    <th scope="col">{t_string!(i18n, sync.o_conflicting)}</th>
                    <th scope="col">{t_string!(i18n, sync.o_invalid)}</th>
                </tr></thead>
                <tbody>
                    {counts.into_iter().map(|(kind, by)| view! {
                        <tr data-kind=kind.clone()>
                            <th scope="row">{kind_label(i18n, &kind)}</th>
                            {outcomes.iter().map(|o| view! { <td>{by.get(o).copied().unwrap_or(0)}</td> }).collect_view()}
                            <td>"0"</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
    });
    let error = file.error.as_ref().map(|e| view! { <p class="notice notice-error import-error" data-testid="import-error">{import_error_text(i18n, e)}</p> });
    let result = file.result.as_ref().map(|r| match r {
        Ok(entry) if entry.changed() == 0 => view! { <p class="saved-note" data-testid="import-result">{t_string!(i18n, sync.nothing_new)}</p> }.into_any(),
        Ok(entry) => {
            let sum = |o: Outcome| entry.counts.values().map(|by| by.get(&o).copied().unwrap_or(0)).sum::<usize>();
            let text = fill(&fill(&fill(t_string!(i18n, sync.imported), "new", &sum(Outcome::New).to_string()), "updated", &(sum(Outcome::Updated) + sum(Outcome::Conflicting)).to_string()), "conflicts", &entry.conflicted.len().to_string());
            view! { <p class="saved-note" data-testid="import-result">{text}</p> }.into_any()
        }
        Err(e) => view! { <p class="notice notice-error" data-testid="import-result">{e.clone()}</p> }.into_any(),
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

#[component]
pub fn LedgerCard() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let entries = RwSignal::new(Vec::<LedgerEntry>::new());
    let conflicted = RwSignal::new(Vec::<(String, Vec<crate::domain::merge::Conflict>)>::new());
    let busy = RwSignal::new(false);
    let status = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        // Read once storage is open, and again after each import or undo.
        ctx.loaded.track();
        ctx.imports.track();
        spawn_local(async move {
            let Ok(store) = store_of(ctx) else { return };
            match store.ledger().await {
                Ok(list) => {
                    // Conflicts still open on the records imports flagged.
                    let mut seen = std::collections::BTreeSet::new();
                    let mut found = Vec::new();
                    for (kind, id) in list.iter().filter(|e| !e.undone).flat_map(|e| e.conflicted.clone()) {
                        if !seen.insert((kind, id)) {
                            continue;
                        }
                        if let Ok(Some(r)) = store.get(kind, id).await {
                            let c = conflicts(&r);
                            if !c.is_empty() {
                                let label = r.body.get("number").and_then(|v| v.as_str()).map(str::to_owned)
                                    .or_else(|| r.body.get("name").and_then(|n| n.get("zh").or(n.get("en"))).and_then(|v| v.as_str()).map(str::to_owned))
                                    .unwrap_or_else(|| id.to_string());
                                found.push((format!("{} · {label}", kind_label(i18n, kind.store_name())), c));
                            }
                        }
                    }
                    conflicted.set(found);
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
            match store.undo_import(id).await {
                Ok(report) => {
                    status.set(Some(fill(&fill(t_string!(i18n, sync.undone), "restored", &report.restored.to_string()), "kept", &report.kept.to_string())));
                    // An undo may remove records physically: load everything again, here
                    // and in the other tabs (rare, and asked for).
                    broadcast::announce(Topic::AllRecords);
                    if let Err(e) = crate::ui::live::reload(ctx).await {
                        ctx.storage_error.set(Some(e));
                    }
                    ctx.imports.update(|n| *n += 1);
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
                        let text = fill(&fill(&fill(t_string!(i18n, sync.ledger_line), "device", &e.device.name), "site", &e.site.name), "count", &changed.to_string());
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
                    {move || conflicted.get().into_iter().flat_map(|(label, list)| list.into_iter().map(move |c| (label.clone(), c))).map(|(label, c)| {
                        let text = fill(&fill(&fill(t_string!(i18n, sync.conflict_line), "field", &c.field), "kept", &value_text(&c.kept)), "lost", &value_text(&c.lost));
                        view! { <li data-testid="conflict">{format!("{label}: {text}")}</li> }
                    }).collect_view()}
                </ul>
            </Show>
        </div>
    }
}

/// Head office: the devices heard from, and the last time each exported.
#[component]
pub fn DevicesCard() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let rows = RwSignal::new(Vec::<(String, String, chrono::DateTime<Utc>, chrono::DateTime<Utc>, usize)>::new());
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
            let mut by_device: BTreeMap<Uuid, (String, String, chrono::DateTime<Utc>, chrono::DateTime<Utc>, usize)> = BTreeMap::new();
            for e in list.iter().filter(|e| !e.undone) {
                let row = by_device.entry(e.device.id).or_insert((e.device.name.clone(), e.site.name.clone(), e.exported_at, e.imported_at, 0));
                row.2 = row.2.max(e.exported_at);
                row.3 = row.3.max(e.imported_at);
                row.4 += 1;
            }
            rows.set(by_device.into_values().collect());
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
                            rows.get().into_iter().map(|(device, site, exported, imported, n)| view! {
                                <tr data-testid="device-row">
                                    <th scope="row">{device}</th>
                                    <td>{site}</td>
                                    <td>{format_datetime(lang, exported, offset)}</td>
                                    <td>{format_datetime(lang, imported, offset)}</td>
                                    <td>{format_number(n as f64, 0)}</td>
                                </tr>
                            }).collect_view()
                        }}
                    </tbody>
                </table>
            </div>
        </Show>
    }
}
