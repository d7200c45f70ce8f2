//! The Data view's messages in the user's language: record kinds, file problems, and the
//! storage that is not there.

use leptos::prelude::*;

use crate::domain::export::{ImportError, RecordProblemKind};
use crate::domain::record::RecordKind;
use crate::ui::context::AppContext;
use crate::ui::drills::data::store_of;
use crate::ui::i18n::{t_string, I18n};
use crate::ui::widgets::fill;

pub fn kind_label(i18n: I18n, kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Ticket => t_string!(i18n, sync.kind_tickets),
        RecordKind::TicketEvent => t_string!(i18n, sync.kind_events),
        RecordKind::DrillPlan => t_string!(i18n, sync.kind_plans),
        RecordKind::DrillRun => t_string!(i18n, sync.kind_runs),
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

