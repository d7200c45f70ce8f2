//! The Data view's messages in the user's language: record kinds, file problems, and the
//! storage that is not there.

use leptos::prelude::*;

use crate::domain::export::{ImportError, Part, RecordProblemKind};
use crate::domain::locale::format_datetime;
use crate::domain::record::RecordKind;
use crate::ui::context::AppContext;
use crate::ui::drills::data::store_of;
use crate::ui::i18n::{t_string, I18n};
use crate::ui::widgets::{fill, fill_count};

pub fn kind_label(i18n: I18n, kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Ticket => t_string!(i18n, sync.kind_tickets),
        RecordKind::TicketEvent => t_string!(i18n, sync.kind_events),
        RecordKind::DrillPlan => t_string!(i18n, sync.kind_plans),
        RecordKind::DrillRun => t_string!(i18n, sync.kind_runs),
        RecordKind::Improvement => t_string!(i18n, sync.kind_measures),
    }
}

fn problem_kind_text(i18n: I18n, kind: &RecordProblemKind) -> String {
    match kind {
        RecordProblemKind::MissingField(f) => fill(t_string!(i18n, sync.p_missing), "field", f),
        RecordProblemKind::WrongType => t_string!(i18n, sync.p_wrong_type).to_owned(),
        RecordProblemKind::UnknownValue(v) => fill(t_string!(i18n, sync.p_unknown_value), "value", v),
        RecordProblemKind::UnknownField(f) => fill(t_string!(i18n, sync.p_unknown_field), "field", f),
        RecordProblemKind::UnknownKind(v) => fill(t_string!(i18n, sync.p_unknown_kind), "value", v),
        RecordProblemKind::MissingId => t_string!(i18n, sync.p_missing_id).to_owned(),
        RecordProblemKind::Duplicate => t_string!(i18n, sync.p_duplicate).to_owned(),
        RecordProblemKind::NotCanonicalId(v) => fill(t_string!(i18n, sync.p_not_canonical_id), "value", v),
        RecordProblemKind::TooLong { max } => fill(t_string!(i18n, sync.p_too_long), "max", &max.to_string()),
        RecordProblemKind::FromTheFuture { written, at } => {
            let offset = crate::platform::utc_offset_minutes();
            let lang = if i18n.get_locale_untracked() == crate::ui::i18n::Locale::en { crate::domain::locale::Lang::En } else { crate::domain::locale::Lang::ZhCn };
            let time = format_datetime(lang, *at, offset);
            fill(&fill(t_string!(i18n, sync.p_future), "time", &time), "stamp", written)
        }
        RecordProblemKind::PhotoNotBase64 => t_string!(i18n, sync.p_photo_base64).to_owned(),
        RecordProblemKind::PhotoType(v) => fill(t_string!(i18n, sync.p_photo_type), "value", v),
        RecordProblemKind::PhotoChecksum => t_string!(i18n, sync.p_photo_checksum).to_owned(),
        RecordProblemKind::PhotoTooLarge { max } => fill(t_string!(i18n, sync.p_photo_large), "max", &(max / (1024 * 1024)).to_string()),
        RecordProblemKind::PhotoNotReferenced => t_string!(i18n, sync.p_photo_unreferenced).to_owned(),
        RecordProblemKind::OutOfRange { min, max } => fill(&fill(t_string!(i18n, sync.p_out_of_range), "min", &min.to_string()), "max", &max.to_string()),
        RecordProblemKind::Other(text) => fill(t_string!(i18n, sync.p_other), "text", text),
    }
}

/// What a count on the envelope counts, in the user's language.
fn count_name(i18n: I18n, name: &str) -> String {
    match RecordKind::ALL.into_iter().find(|k| k.store_name() == name) {
        Some(kind) => kind_label(i18n, kind).to_owned(),
        None if name == "photos" => t_string!(i18n, sync.count_photos).to_owned(),
        None if name == "settings" => t_string!(i18n, sync.count_settings).to_owned(),
        None => name.to_owned(),
    }
}

fn megabytes(bytes: usize) -> String {
    format!("{:.0}", (bytes as f64 / (1024.0 * 1024.0)).ceil())
}

/// A file problem in the user's language (the JSON path stays as written in the file).
pub fn import_error_text(i18n: I18n, e: &ImportError) -> String {
    match e {
        ImportError::Unreadable => t_string!(i18n, sync.e_unreadable).to_owned(),
        ImportError::TooLarge { bytes, max } => fill(&fill(t_string!(i18n, sync.e_too_large), "size", &megabytes(*bytes)), "max", &megabytes(*max)),
        ImportError::Truncated => t_string!(i18n, sync.e_truncated).to_owned(),
        ImportError::NotJson { line, column } => fill(&fill(t_string!(i18n, sync.e_not_json), "line", &line.to_string()), "column", &column.to_string()),
        ImportError::DuplicateKey { key, line, column } => {
            fill(&fill(&fill(t_string!(i18n, sync.e_duplicate_key), "key", key), "line", &line.to_string()), "column", &column.to_string())
        }
        ImportError::NotAnExport => t_string!(i18n, sync.e_not_export).to_owned(),
        ImportError::NewerSchema { found, supported } => fill(&fill(t_string!(i18n, sync.e_newer), "found", &found.to_string()), "supported", &supported.to_string()),
        ImportError::InvalidEnvelope { path, kind } => fill(&fill(t_string!(i18n, sync.e_envelope), "path", path), "problem", &problem_kind_text(i18n, kind)),
        ImportError::PayloadAndCiphertext => t_string!(i18n, sync.e_both_payloads).to_owned(),
        ImportError::BadChecksum => t_string!(i18n, sync.e_checksum).to_owned(),
        ImportError::NeedsPassphrase => t_string!(i18n, sync.e_needs_passphrase).to_owned(),
        ImportError::WrongPassphrase => t_string!(i18n, sync.e_wrong_passphrase).to_owned(),
        ImportError::WeakEncryption => t_string!(i18n, sync.e_weak).to_owned(),
        ImportError::TooManyRecords { count, max } => fill(&fill(t_string!(i18n, sync.e_too_many), "count", &count.to_string()), "max", &max.to_string()),
        ImportError::CountsMismatch { name, stated: Some(stated), found } => fill(
            &fill(&fill(t_string!(i18n, sync.e_counts_detail), "stated", &stated.to_string()), "name", &count_name(i18n, name)),
            "found",
            &found.to_string(),
        ),
        ImportError::CountsMismatch { name, stated: None, .. } => fill(t_string!(i18n, sync.e_counts_missing), "name", &count_name(i18n, name)),
        ImportError::InvalidRecords { problems, refused } => {
            let head = if *refused == 1 { t_string!(i18n, sync.e_records_one).to_owned() } else { fill_count(t_string!(i18n, sync.e_records), *refused) };
            let mut lines = vec![head];
            lines.extend(problems.iter().take(5).map(|p| {
                let template = match p.part {
                    Part::Record => t_string!(i18n, sync.e_record),
                    Part::Photo => t_string!(i18n, sync.e_photo),
                    Part::Settings => t_string!(i18n, sync.e_settings),
                    Part::Payload => t_string!(i18n, sync.e_payload),
                };
                fill(&fill(&fill(template, "index", &(p.index + 1).to_string()), "path", &p.path), "problem", &problem_kind_text(i18n, &p.kind))
            }));
            lines.join("\n")
        }
        ImportError::Archive { is_archive: true } => t_string!(i18n, sync.e_is_archive).to_owned(),
        ImportError::Archive { is_archive: false } => t_string!(i18n, sync.e_not_archive).to_owned(),
    }
}

/// The open store, or `None` with the reason shown and `busy` cleared: a button is never
/// left disabled because storage was not there.
pub fn store_or_report(ctx: AppContext, busy: RwSignal<bool>) -> Option<crate::store::DeviceStore> {
    match store_of(ctx) {
        Ok(store) => Some(store),
        Err(e) => {
            ctx.storage_error.set(Some(e));
            busy.set(false);
            None
        }
    }
}

