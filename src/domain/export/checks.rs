//! What a file may hold, beyond being the right shape: its size, how many records, how long
//! each text, ids in one form only, and no stamp from the future. Imported data is
//! untrusted; each limit is named in the message that refuses it (and in the README and
//! `docs/export.schema.json`).

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::RecordProblemKind;
use crate::domain::clock::{latest_allowed_ms, Stamp};
use crate::domain::record::{Record, RecordKind};
use crate::domain::{improvement, settings, ticket};

/// The largest file read, in bytes: ten thousand tickets with their history are about 75 MB.
pub const MAX_FILE_BYTES: usize = 160 * 1024 * 1024;
/// The most records one file may carry (ten thousand tickets are about 80,000 records).
pub const MAX_RECORDS: usize = 250_000;
/// The most photos one file may carry.
pub const MAX_PHOTOS: usize = 20_000;
/// The largest photo, in bytes. A stored photo is a JPEG of at most 1,600 px on its long
/// side (the intake's size), well under 1 MB; four leave room for a busy scene.
pub const MAX_PHOTO_BYTES: usize = 4 * 1024 * 1024;
/// The photo types the intake stores.
pub const PHOTO_TYPES: [&str; 3] = ["image/jpeg", "image/png", "image/webp"];
/// Any text without a form limit of its own: the longest form field (a description).
pub const MAX_TEXT_CHARS: usize = ticket::DESCRIPTION_MAX;
/// The app version on an envelope.
pub const APP_VERSION_MAX: usize = 40;

/// The longest value a body field may hold: the intake form's limit for the ticket fields
/// staff type, the drill editor's for plan names, else [`MAX_TEXT_CHARS`].
pub fn text_limit(kind: RecordKind, field: &str) -> usize {
    match (kind, field) {
        (RecordKind::Ticket, "reporter_name") => ticket::REPORTER_MAX,
        (RecordKind::Ticket, "unit") => ticket::UNIT_MAX,
        (RecordKind::Ticket, "location") => ticket::LOCATION_MAX,
        (RecordKind::Ticket, "description") => ticket::DESCRIPTION_MAX,
        (RecordKind::Ticket, "category") => ticket::CATEGORY_NAME_MAX,
        (RecordKind::Ticket, "phone") => crate::domain::phone::PHONE_MAX,
        (RecordKind::Ticket, "site") => settings::SITE_CODE_MAX,
        (RecordKind::Improvement, "measure") => improvement::MEASURE_MAX,
        (RecordKind::Improvement, "notes") => improvement::NOTES_MAX,
        (RecordKind::Improvement, "cause") => improvement::CAUSE_MAX,
        (RecordKind::Improvement, "category") => ticket::CATEGORY_NAME_MAX,
        _ => MAX_TEXT_CHARS,
    }
}

/// Keys whose string values are ids (a UUID): they must be in the canonical form, lower case
/// with hyphens, so that one record is never known under two spellings.
const ID_KEYS: [&str; 20] = [
    "id", "by", "created_by", "updated_by", "origin_device", "assignee", "drill_run", "finding", "owner", "plan_id", "run_id", "staff",
    "step", "ticket", "ticket_id", "visitor", "actor", "export_id", "editing", "device",
];

/// Whether `text` reads as a UUID in a form other than the canonical one.
pub fn non_canonical_id(text: &str) -> bool {
    Uuid::try_parse(text).is_ok_and(|id| id.hyphenated().to_string() != text)
}

/// Problems found walking a value: (path, problem).
pub type Found = Vec<(String, RecordProblemKind)>;

/// Walks a record's (or the settings') JSON: every id in the canonical form, every text
/// within its limit. `kind` picks the field limits; `None` for the settings.
pub fn walk(value: &Value, at: &str, kind: Option<RecordKind>, found: &mut Found) {
    walk_inner(value, at, &mut Vec::new(), kind, None, 0, found);
}

/// One step down from a value: the path is written out only for a value with a problem
/// (every record of a file and of a pull is walked, and nearly all have none).
enum Step<'v> {
    Key(&'v str),
    Index(usize),
}

fn path_of(at: &str, steps: &[Step]) -> String {
    use std::fmt::Write;
    let mut path = at.to_owned();
    for step in steps {
        let _ = match step {
            Step::Key(key) => write!(path, ".{key}"),
            Step::Index(i) => write!(path, "[{i}]"),
        };
    }
    path
}

fn walk_inner<'v>(value: &'v Value, at: &str, steps: &mut Vec<Step<'v>>, kind: Option<RecordKind>, key: Option<&str>, depth: usize, found: &mut Found) {
    match value {
        Value::String(text) => {
            let is_id = key.is_some_and(|k| ID_KEYS.contains(&k));
            if is_id && non_canonical_id(text) {
                found.push((path_of(at, steps), RecordProblemKind::NotCanonicalId(text.chars().take(60).collect())));
                return;
            }
            // The body's own fields have their form's limit; nested text the general one.
            let max = match (kind, key) {
                (Some(kind), Some(field)) if depth == 2 => text_limit(kind, field),
                _ => MAX_TEXT_CHARS,
            };
            if text.chars().count() > max {
                found.push((path_of(at, steps), RecordProblemKind::TooLong { max }));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                // An array under an id key (`ticket: [id, number]`) holds ids as strings.
                let inner_key = if matches!(item, Value::String(_)) { key } else { None };
                steps.push(Step::Index(i));
                walk_inner(item, at, steps, kind, inner_key, depth + 1, found);
                steps.pop();
            }
        }
        Value::Object(map) => {
            // A field write's value has the limits of the field it writes.
            let written = map.get("field").and_then(Value::as_str).filter(|_| map.contains_key("at"));
            for (k, v) in map {
                steps.push(Step::Key(k));
                if k == "value" && written.is_some() {
                    walk_inner(v, at, steps, kind, written, 2, found);
                } else {
                    walk_inner(v, at, steps, kind, Some(k), depth + 1, found);
                }
                steps.pop();
            }
        }
        _ => {}
    }
}

/// The stamps of a record that say when it changed, each with its path: the envelope's
/// stamps, every field write's, and the times of ticket and drill run events.
pub fn stamps_of(record: &Record) -> Vec<(String, Stamp)> {
    let mut out = vec![("created_at".to_owned(), record.created_at), ("updated_at".to_owned(), record.updated_at)];
    if let Some(d) = record.deleted_at {
        out.push(("deleted_at".to_owned(), d));
    }
    if let Some(p) = record.purged_at {
        out.push(("purged_at".to_owned(), p));
    }
    for (i, w) in record.writes.iter().enumerate() {
        out.push((format!("writes[{i}].at"), w.at));
        if let Some(b) = w.base {
            out.push((format!("writes[{i}].base"), b));
        }
    }
    out
}

/// The event times in a record's body (a ticket event's `at`, a drill run's events).
pub fn event_times_of(record: &Record) -> Vec<(String, DateTime<Utc>)> {
    let read = |v: &Value| v.as_str().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc));
    match record.kind {
        RecordKind::TicketEvent => read(&record.body["at"]).map(|t| vec![("body.at".to_owned(), t)]).unwrap_or_default(),
        RecordKind::DrillRun => record.body["events"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, e)| read(&e["at"]).map(|t| (format!("body.events[{i}].at"), t)))
            .collect(),
        RecordKind::Ticket | RecordKind::DrillPlan | RecordKind::Improvement => Vec::new(),
    }
}

/// The record's stamps and event times further ahead of `now` than any device may be.
pub fn future_in(record: &Record, now: DateTime<Utc>) -> Found {
    let now_ms = now.timestamp_millis();
    let mut found: Found = stamps_of(record)
        .into_iter()
        .filter(|(_, s)| s.is_beyond(now_ms))
        .map(|(path, s)| (path, RecordProblemKind::FromTheFuture { written: s.to_string(), at: s.utc() }))
        .collect();
    found.extend(
        event_times_of(record)
            .into_iter()
            .filter(|(_, t)| t.timestamp_millis() > latest_allowed_ms(now_ms))
            .map(|(path, t)| (path, RecordProblemKind::FromTheFuture { written: t.to_rfc3339(), at: t })),
    );
    found
}

/// The latest stamp a record carries anywhere (what the clock must not fall behind, and what
/// the repair looks for).
pub fn latest_stamp(record: &Record) -> Stamp {
    stamps_of(record).into_iter().map(|(_, s)| s).max().unwrap_or(record.updated_at)
}
