//! Personal data retention on the Data view (issue 21): how many closed tickets are past the
//! site's retention period, the purge (archive first, checked, then erased), and opening an
//! archive to answer a resident's or a legal request. A supervisor's.

use chrono::Utc;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::retention::{self, ArchiveCheck, Gathered};
use crate::domain::access::AccessEvent;
use crate::domain::export::{self, CheckedPayload, DeviceInfo, ImportError, SiteInfo};
use crate::domain::locale::{format_date, format_datetime};
use crate::domain::record::RecordKind;
use crate::domain::ticket::Ticket;
use crate::platform::files::{self, FileError};
use crate::ui::context::{use_app, AppContext};
use crate::ui::data::messages::import_error_text;
use crate::ui::drills::data::store_of;
use crate::ui::i18n::{t, t_string, use_i18n, I18n};
use crate::ui::shell::store_error_text;
use crate::ui::widgets::{fill, fill_count};

/// Archive, check, erase. Returns the message to show; nothing is erased unless the archive
/// handed to the user read back whole.
async fn archive_and_purge(ctx: AppContext, passphrase: String, progress: RwSignal<Option<String>>, i18n: I18n) -> Result<String, String> {
    let store_text = |e: crate::store::StoreError| store_error_text(i18n, &e).to_owned();
    let store = store_of(ctx).map_err(store_text)?;
    let months = ctx.site.with_untracked(|s| s.targets.retention_months);
    let ids = ctx.cache.with_untracked(|c| retention::due(c.tickets(), months, Utc::now()));
    if ids.is_empty() {
        return Ok(t_string!(i18n, retention.none_due).to_owned());
    }
    progress.set(Some(fill_count(t_string!(i18n, retention.reading), ids.len())));
    let gathered: Gathered = retention::gather(&store, &ids).await.map_err(store_text)?;
    let device = ctx.device.get_untracked().map(|d| DeviceInfo { id: d.id, name: d.name }).unwrap_or(DeviceInfo { id: uuid::Uuid::nil(), name: String::new() });
    let site = ctx.site.with_untracked(|s| SiteInfo { name: s.site_name.clone(), code: s.site_code.clone() });
    let offset = crate::platform::utc_offset_minutes();
    let (envelope, payload_text) = retention::archive(&gathered, device, site.clone(), Utc::now(), offset);
    progress.set(Some(t_string!(i18n, retention.encrypting).to_owned()));
    crate::platform::next_turn().await;
    let refused = |_| t_string!(i18n, sync.browser_refused).to_owned();
    let (encryption, sealed) = files::encrypt(&payload_text, &passphrase).await.map_err(refused)?;
    let file_text = export::to_file_text(&export::seal(envelope, encryption, &sealed));
    // Read back what is handed to the user, with the passphrase they typed, before erasing.
    progress.set(Some(t_string!(i18n, retention.checking).to_owned()));
    let read_back = export::read(&file_text).map_err(|e| import_error_text(i18n, &e))?;
    let decrypted = match (&read_back.encryption, &read_back.ciphertext) {
        (Some(enc), Some(c)) => Some(files::decrypt(enc, c, &passphrase).await.map_err(refused)?),
        _ => None,
    };
    retention::check_archive(&file_text, decrypted.as_deref(), &gathered, Utc::now()).map_err(|e| match e {
        ArchiveCheck::Unreadable(e) => import_error_text(i18n, &e),
        ArchiveCheck::Incomplete { expected, found } => fill(&fill(t_string!(i18n, retention.incomplete), "expected", &expected.to_string()), "found", &found.to_string()),
    })?;
    let local = crate::domain::locale::to_local(Utc::now(), offset);
    let name = retention::archive_file_name(&site.code, local.naive_local());
    files::download(&file_text, &name, "application/json").map_err(refused)?;
    progress.set(Some(t_string!(i18n, retention.erasing).to_owned()));
    let purged = retention::purge(&store, &ctx, ctx.who(), &gathered).await.map_err(store_text)?;
    crate::ui::live::commit(ctx, &purged.changed);
    crate::ui::lock::log(ctx, AccessEvent::Purged { records: purged.tickets });
    let done = fill_count(t_string!(i18n, retention.done), purged.tickets);
    let done = fill(&fill(&done, "steps", &purged.steps.to_string()), "photos", &purged.photos.to_string());
    Ok(fill(&done, "file", &name))
}

/// How many closed tickets are past the retention period, from the live cache.
fn due_count(ctx: AppContext) -> Memo<usize> {
    Memo::new(move |_| {
        let months = ctx.site.with(|s| s.targets.retention_months);
        let now = Utc::now();
        ctx.cache.with(|c| c.tickets().filter(|i| retention::is_due(i, months, now)).count())
    })
}

/// The purge offered where a supervisor works, once it is due.
#[component]
pub fn RetentionOffer() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let due = due_count(ctx);
    view! {
        <Show when=move || { ctx.may_administer() && due.get() > 0 }>
            <p class="notice" data-testid="retention-offer">
                <a href="/data#retention">{move || fill_count(t_string!(i18n, retention.offer), due.get())}</a>
            </p>
        </Show>
    }
}

#[component]
pub fn RetentionCard() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let months = move || ctx.site.with(|s| s.targets.retention_months);
    // Counted from the live cache: offering the purge reads no store.
    let due = due_count(ctx);
    let passphrase = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let progress = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<(bool, String)>);

    let start = move |_| {
        if busy.get_untracked() {
            return;
        }
        let pass = passphrase.get_untracked();
        if !export::passphrase_long_enough(&pass) {
            status.set(Some((false, fill(t_string!(i18n, sync.passphrase_short), "count", &export::PASSPHRASE_MIN_CHARS.to_string()))));
            crate::ui::widgets::focus_by_id("retention-passphrase");
            return;
        }
        busy.set(true);
        status.set(None);
        spawn_local(async move {
            let result = archive_and_purge(ctx, pass, progress, i18n).await;
            status.set(Some(match result {
                Ok(text) => (true, text),
                Err(reason) => (false, fill(t_string!(i18n, retention.failed), "reason", &reason)),
            }));
            if status.get_untracked().is_some_and(|(ok, _)| ok) {
                passphrase.set(String::new());
            }
            progress.set(None);
            busy.set(false);
        });
    };

    let rule = move || {
        let offset = crate::platform::utc_offset_minutes();
        let before = crate::domain::retention::closed_before(months(), Utc::now()).map(|d| format_date(ctx.lang.get(), crate::domain::locale::to_local(d, offset).date_naive())).unwrap_or_default();
        fill(&fill(t_string!(i18n, retention.rule), "months", &months().to_string()), "date", &before)
    };

    view! {
        <div class="card" id="retention" data-testid="retention">
            <h2>{t!(i18n, retention.title)}</h2>
            <p>{rule}</p>
            <p role="status" data-testid="retention-due" class=move || { if due.get() > 0 { "notice" } else { "saved-note" } }>
                {move || { if due.get() > 0 { fill_count(t_string!(i18n, retention.due), due.get()) } else { t_string!(i18n, retention.none_due).to_owned() } }}
            </p>
            <Show when=move || { due.get() > 0 }>
                <p class="field-hint">{t!(i18n, retention.archive_hint)}</p>
                <div class="field">
                    <label for="retention-passphrase">{t!(i18n, retention.passphrase)}</label>
                    <input type="password" id="retention-passphrase" autocomplete="new-password" prop:value=move || passphrase.get() on:input=move |ev| passphrase.set(event_target_value(&ev))/>
                    <p class="field-hint">{move || fill(t_string!(i18n, sync.passphrase_hint), "count", &export::PASSPHRASE_MIN_CHARS.to_string())}</p>
                </div>
                <div class="form-actions">
                    <button type="button" class="btn btn-danger" data-testid="purge" prop:disabled=move || busy.get() || !ctx.loaded.get() on:click=start>
                        {move || fill_count(t_string!(i18n, retention.purge), due.get())}
                    </button>
                </div>
            </Show>
            <p role="status" data-testid="retention-status" class=move || match status.get() { Some((false, _)) => "notice notice-error", _ => "saved-note" }>
                {move || progress.get().or_else(|| status.get().map(|(_, s)| s))}
            </p>
            <ArchiveReader/>
        </div>
    }
}

/// An archive opened: its file name and the tickets it holds (newest first), with their steps.
#[derive(Clone)]
struct OpenedArchive {
    file: String,
    tickets: Vec<(Ticket, usize)>,
}

fn opened(file: String, payload: &CheckedPayload) -> OpenedArchive {
    let mut steps = std::collections::HashMap::<String, usize>::new();
    for r in payload.records.iter().filter(|r| r.kind == RecordKind::TicketEvent) {
        *steps.entry(r.body.get("ticket_id").and_then(|v| v.as_str()).unwrap_or_default().to_owned()).or_default() += 1;
    }
    let mut tickets: Vec<(Ticket, usize)> = payload
        .records
        .iter()
        .filter(|r| r.kind == RecordKind::Ticket)
        .filter_map(|r| serde_json::from_value::<Ticket>(r.body.clone()).ok().map(|t| (t, steps.get(&r.id.to_string()).copied().unwrap_or(0))))
        .collect();
    tickets.sort_by_key(|t| std::cmp::Reverse(t.0.received_at));
    OpenedArchive { file, tickets }
}

/// Opens an archive by explicit choice, logged in the access log; shows what it holds and
/// changes nothing on the tablet.
#[component]
fn ArchiveReader() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let chosen = StoredValue::new_local(None::<web_sys::File>);
    let passphrase = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let archive = RwSignal::new(None::<OpenedArchive>);

    let on_file = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let file = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).and_then(|i| i.files()).and_then(|l| l.get(0));
        chosen.set_value(file);
        problem.set(None);
    };
    let open = move |_| {
        if busy.get_untracked() {
            return;
        }
        let Some(file) = chosen.get_value() else {
            problem.set(Some(t_string!(i18n, retention.choose_file).to_owned()));
            return;
        };
        busy.set(true);
        problem.set(None);
        let pass = passphrase.get_untracked();
        spawn_local(async move {
            let name = file.name();
            let result: Result<OpenedArchive, ImportError> = async {
                if file.size() as usize > export::checks::MAX_FILE_BYTES {
                    return Err(ImportError::TooLarge { bytes: file.size() as usize, max: export::checks::MAX_FILE_BYTES });
                }
                let text = files::read_text(&file).await.map_err(|_| ImportError::Unreadable)?;
                let envelope = export::read(&text)?;
                if !envelope.archive {
                    return Err(ImportError::Archive { is_archive: false });
                }
                let decrypted = match (&envelope.encryption, &envelope.ciphertext) {
                    (Some(_), Some(_)) if pass.is_empty() => return Err(ImportError::NeedsPassphrase),
                    (Some(enc), Some(c)) => Some(files::decrypt(enc, c, &pass).await.map_err(|e| match e {
                        FileError::WrongPassphrase => ImportError::WrongPassphrase,
                        _ => ImportError::WeakEncryption,
                    })?),
                    _ => None,
                };
                let payload = export::open_archive(&envelope, decrypted.as_deref(), Utc::now())?;
                Ok(opened(name.clone(), &payload))
            }
            .await;
            match result {
                Ok(a) => {
                    crate::ui::lock::log(ctx, AccessEvent::ArchiveOpened { file: a.file.clone(), records: a.tickets.len() });
                    archive.set(Some(a));
                }
                Err(e) => problem.set(Some(import_error_text(i18n, &e))),
            }
            busy.set(false);
        });
    };

    view! {
        <h3>{t!(i18n, retention.open_title)}</h3>
        <p class="field-hint">{t!(i18n, retention.open_hint)}</p>
        <div class="field">
            <label for="archive-file">{t!(i18n, retention.archive_file)}</label>
            <input type="file" id="archive-file" class="file-input" accept=".json,application/json" on:change=on_file/>
        </div>
        <div class="field">
            <label for="archive-passphrase">{t!(i18n, retention.archive_passphrase)}</label>
            <input type="password" id="archive-passphrase" autocomplete="off" prop:value=move || passphrase.get() on:input=move |ev| passphrase.set(event_target_value(&ev))/>
        </div>
        <div class="form-actions">
            <button type="button" class="btn" data-testid="archive-open" prop:disabled=move || busy.get() on:click=open>{t!(i18n, retention.open)}</button>
            <Show when=move || archive.with(Option::is_some)>
                <button type="button" class="btn" on:click=move |_| { archive.set(None); passphrase.set(String::new()); }>{t!(i18n, retention.close)}</button>
                <button type="button" class="btn" on:click=move |_| crate::platform::print()>{t!(i18n, retention.print)}</button>
            </Show>
        </div>
        <p role="alert" class="notice notice-error" hidden=move || problem.with(Option::is_none)>{move || problem.get()}</p>
        {move || archive.get().map(|a| {
            let offset = crate::platform::utc_offset_minutes();
            view! {
                <p role="status" data-testid="archive-summary">{fill(&fill_count(t_string!(i18n, retention.archive_holds), a.tickets.len()), "file", &a.file)}</p>
                <div class="table-scroll">
                    <table class="kpi-table" data-testid="archive-table">
                        <thead><tr>
                            <th scope="col">{t!(i18n, records.number)}</th>
                            <th scope="col">{t!(i18n, records.received)}</th>
                            <th scope="col">{t!(i18n, intake.unit)}</th>
                            <th scope="col">{t!(i18n, intake.reporter_name)}</th>
                            <th scope="col">{t!(i18n, intake.phone)}</th>
                            <th scope="col">{t!(i18n, intake.description)}</th>
                            <th scope="col">{t!(i18n, retention.steps)}</th>
                        </tr></thead>
                        <tbody>
                            {a.tickets.into_iter().map(|(t, steps)| view! {
                                <tr>
                                    <td>{t.number.clone()}</td>
                                    <td>{format_datetime(ctx.lang.get_untracked(), t.received_at, offset)}</td>
                                    <td>{t.unit.clone()}</td>
                                    <td>{t.reporter_name.clone()}</td>
                                    <td>{t.phone.clone()}</td>
                                    <td>{t.description.clone()}</td>
                                    <td>{steps}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
        })}
    }
}
