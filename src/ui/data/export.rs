//! Export (导出): a file of this tablet's changes for head office, with photos, redacted or
//! encrypted as chosen. What goes in and the file's name are the use case's
//! ([`crate::app::sync::build_export`]); saving the file and WebCrypto are the browser's.

use chrono::Utc;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::app::sync::{self, ExportFile};
use crate::domain::export::{self, ExportOptions, ExportScope};
use crate::platform::files;
use crate::ui::context::{use_app, AppContext};
use crate::ui::drills::data::store_of;
use crate::ui::i18n::{t, t_string, use_i18n, I18n};
use crate::ui::shell::store_error_text;
use crate::ui::widgets::{fill, fill_count};

/// Builds the export (the use case), seals it when asked, saves the file, and only then
/// moves the watermark. Returns the file as built.
async fn run_export(ctx: AppContext, options: ExportOptions, passphrase: Option<String>, progress: RwSignal<Option<String>>, i18n: I18n) -> Result<ExportFile, String> {
    let store_text = |e: crate::store::StoreError| store_error_text(i18n, &e).to_owned();
    let store = store_of(ctx).map_err(store_text)?;
    let device = ctx.device.get_untracked().unwrap_or_else(|| crate::domain::settings::DeviceIdentity::new(Uuid::nil()));
    let site = ctx.site.get_untracked();
    let on_photo = |done: usize, total: usize| {
        progress.set(Some(fill(&fill(t_string!(i18n, sync.collecting_photos), "done", &done.to_string()), "total", &total.to_string())));
    };
    let file = sync::build_export(&store, options, &device, &site, Utc::now(), crate::platform::utc_offset_minutes(), on_photo).await.map_err(store_text)?;
    progress.set(Some(t_string!(i18n, sync.writing_file).to_owned()));
    crate::platform::next_turn().await;
    let mut envelope = file.envelope.clone();
    if let Some(pass) = passphrase.as_deref() {
        progress.set(Some(t_string!(i18n, sync.encrypting).to_owned()));
        let (enc, sealed) = files::encrypt(&file.payload_text, pass).await.map_err(|_| t_string!(i18n, sync.browser_refused).to_owned())?;
        envelope = export::seal(envelope, enc, &sealed);
    }
    files::download(&export::to_file_text(&envelope), &file.name, "application/json").map_err(|_| t_string!(i18n, sync.browser_refused).to_owned())?;
    sync::mark_exported(&store, &file).await.map_err(store_text)?;
    crate::ui::live::refresh_unexported(ctx);
    crate::ui::lock::log(ctx, crate::domain::access::AccessEvent::Exported { records: file.records, encrypted: options.encrypted, redacted: options.redacted });
    Ok(file)
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

    let start = move |scope: ExportScope| {
        if busy.get_untracked() {
            return;
        }
        let pass = encrypt.get_untracked().then(|| passphrase.get_untracked());
        if pass.as_deref().is_some_and(|p| !export::passphrase_long_enough(p)) {
            status.set(Some((false, fill(t_string!(i18n, sync.passphrase_short), "count", &export::PASSPHRASE_MIN_CHARS.to_string()))));
            crate::ui::widgets::focus_by_id("export-passphrase");
            return;
        }
        busy.set(true);
        status.set(None);
        spawn_local(async move {
            let options = ExportOptions { scope, photos: photos.get_untracked(), redacted: redacted.get_untracked(), encrypted: pass.is_some() };
            let result = run_export(ctx, options, pass, progress, i18n).await;
            let exported = |f: &ExportFile| fill(&fill_count(t_string!(i18n, sync.exported), f.records), "file", &f.name);
            if let Ok(f) = &result {
                if !f.future_stamped.is_empty() {
                    // Found inside the records (a field write, an event time): offer the repair.
                    ctx.future_stamped.update(|known| {
                        for key in &f.future_stamped {
                            if !known.contains(key) {
                                known.push(*key);
                            }
                        }
                    });
                }
            }
            status.set(Some(match result {
                Ok(f) if !f.future_stamped.is_empty() => (false, format!("{} {}", exported(&f), fill_count(t_string!(i18n, sync.export_future), f.future_stamped.len()))),
                Ok(f) if f.photos_missing == 0 => (true, exported(&f)),
                Ok(f) => (false, format!("{} {}", exported(&f), fill(t_string!(i18n, sync.photos_missing), "count", &f.photos_missing.to_string()))),
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
                    <p class="field-hint">{move || fill(t_string!(i18n, sync.passphrase_hint), "count", &export::PASSPHRASE_MIN_CHARS.to_string())}</p>
                </div>
            </Show>
            <div class="form-actions">
                <button type="button" class="btn btn-primary" prop:disabled=move || busy.get() || !ctx.loaded.get() on:click=move |_| start(ExportScope::SinceLast)>{t!(i18n, sync.export_changes)}</button>
                <button type="button" class="btn" prop:disabled=move || busy.get() || !ctx.loaded.get() on:click=move |_| start(ExportScope::All)>{t!(i18n, sync.export_all)}</button>
            </div>
            <p role="status" data-testid="export-status" class=move || match status.get() { Some((false, _)) => "notice notice-error", _ => "saved-note" }>
                {move || progress.get().or_else(|| status.get().map(|(_, s)| s))}
            </p>
        </div>
    }
}

