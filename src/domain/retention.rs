//! Retention (保存期限, issue 21): residents' personal data is kept only as long as its purpose
//! needs (PIPL art. 19 and 47; GB/T 35273 §6.1). A ticket closed longer ago than the site's
//! retention period is *purged*: the reporter's name and phone and the ticket's photos are
//! erased, and the name and phone are struck out of every text that may quote them (the
//! description, each step's note, work done, cause and return-visit comment).
//!
//! A purge is a stamped change like an edit: it travels by file and by replication, and the
//! merge keeps it. A purged record carries `purged_at`; every write of an erased field older
//! than that stamp is gone on every copy that has seen the purge, so an older copy that still
//! holds the values never brings them back (see [`forget_erased_writes`], applied by
//! [`super::merge::merge`]). What KPIs read — status, category, department, unit, location,
//! clocks, scores — is untouched.

use chrono::{DateTime, Months, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::clock::Stamp;
use super::record::{Record, RecordKind};

/// Residents' data is kept this many months after a ticket is closed, unless the site says
/// otherwise: a dispute over a repair or a complaint can be raised within the general
/// limitation period of three years (Civil Code art. 188), and the return visit that needed
/// the phone number is long done by then.
pub const RETENTION_MONTHS_DEFAULT: u32 = 36;
pub const RETENTION_MONTHS_MIN: u32 = 1;
/// Ten years: no purpose of a property-service record needs a resident's phone longer.
pub const RETENTION_MONTHS_MAX: u32 = 120;

/// What stands where a name or phone number was struck out of a text.
pub const STRUCK: &str = "•••";

/// The body fields a purge erases or strikes names out of, per kind. `unit` stays: it names
/// the home, not the person, and the unit's history (a leak that keeps coming back) is what
/// the next resident and the maintenance team need.
pub fn erased_fields(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Ticket => &["reporter_name", "phone", "photos", "description"],
        RecordKind::TicketEvent => &["note", "action"],
        RecordKind::DrillPlan | RecordKind::DrillRun | RecordKind::Improvement => &[],
    }
}

/// The names and phone numbers to strike out of a ticket's texts: every value its reporter
/// name and phone have had (the field-write history included).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Personal {
    words: Vec<String>,
}

impl Personal {
    /// What `ticket` (opened, not sealed) holds of its reporter.
    pub fn of_ticket(ticket: &Record) -> Personal {
        let mut found = Personal::default();
        for field in ["reporter_name", "phone"] {
            let values = ticket.body.get(field).into_iter().chain(ticket.writes.iter().filter(|w| w.field == field).map(|w| &w.value));
            for value in values.filter_map(Value::as_str) {
                found.add(value);
                if field == "phone" {
                    found.add(&value.chars().filter(char::is_ascii_digit).collect::<String>());
                }
            }
        }
        // The longest first, so "李娜娜" is struck whole before "李娜" could leave "娜".
        found.words.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
        found
    }

    /// Also strikes what `other` knows.
    pub fn extend(&mut self, other: Personal) {
        for word in other.words {
            self.add(&word);
        }
        self.words.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
    }

    fn add(&mut self, value: &str) {
        let value = value.trim();
        // A one-character "name" would strike that character out of every text.
        if value.chars().count() >= 2 && !self.words.iter().any(|w| w == value) {
            self.words.push(value.to_owned());
        }
    }

    /// `text` with every known name and phone, and anything that reads as a mainland mobile
    /// number, replaced by [`STRUCK`].
    pub fn strike(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for word in &self.words {
            out = out.replace(word.as_str(), STRUCK);
        }
        strike_mobiles(&out)
    }

    /// Every text inside `value` struck ([`Personal::strike`]).
    pub fn strike_json(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.strike(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.strike_json(v)).collect()),
            Value::Object(fields) => Value::Object(fields.iter().map(|(k, v)| (k.clone(), self.strike_json(v))).collect::<Map<_, _>>()),
            other => other.clone(),
        }
    }
}

/// Eleven digits starting with 1 that are not part of a longer number: a mainland mobile.
fn strike_mobiles(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if run == 0 {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let digits: String = chars[i..i + run].iter().collect();
        if run == 11 && digits.starts_with('1') {
            out.push_str(STRUCK);
        } else {
            out.push_str(&digits);
        }
        i += run;
    }
    out
}

/// The body of `record` as a purge leaves it.
fn erased_body(record: &Record, personal: &Personal) -> Value {
    let mut body = record.body.clone();
    let Some(fields) = body.as_object_mut() else { return body };
    match record.kind {
        RecordKind::Ticket => {
            for field in ["reporter_name", "phone"] {
                if fields.contains_key(field) {
                    fields.insert(field.to_owned(), Value::String(String::new()));
                }
            }
            if fields.contains_key("photos") {
                fields.insert("photos".to_owned(), Value::Array(Vec::new()));
            }
            if let Some(description) = fields.get("description") {
                let struck = personal.strike_json(description);
                fields.insert("description".to_owned(), struck);
            }
        }
        RecordKind::TicketEvent => {
            for field in ["note", "action"] {
                if let Some(value) = fields.get(field) {
                    let struck = personal.strike_json(value);
                    fields.insert(field.to_owned(), struck);
                }
            }
        }
        RecordKind::DrillPlan | RecordKind::DrillRun | RecordKind::Improvement => {}
    }
    body
}

impl Record {
    /// The record with its residents' data erased, as a change stamped `stamp`: the erased
    /// values are written like an edit, and the writes they replace are forgotten.
    /// `personal` is what its ticket holds ([`Personal::of_ticket`]; for a ticket, its own).
    pub fn purged(&self, personal: &Personal, stamp: Stamp, actor: Option<Uuid>) -> Record {
        let mut purged = self.edited(erased_body(self, personal), stamp, actor);
        purged.purged_at = Some(stamp);
        forget_erased_writes(&mut purged);
        purged
    }

    pub fn is_purged(&self) -> bool {
        self.purged_at.is_some()
    }
}

/// The photos the `copies` of a ticket name that its purged version `purged` no longer does.
pub fn photos_erased(copies: &[&Record], purged: &Record) -> Vec<String> {
    if !purged.is_purged() || purged.kind != RecordKind::Ticket {
        return Vec::new();
    }
    let kept = photo_shas(purged);
    let mut gone: Vec<String> = copies.iter().flat_map(|c| photo_shas(c)).filter(|s| !kept.contains(s)).collect();
    gone.sort();
    gone.dedup();
    gone
}

fn photo_shas(record: &Record) -> Vec<String> {
    let named = record.body.get("photos").into_iter().chain(record.writes.iter().filter(|w| w.field == "photos").map(|w| &w.value));
    named.filter_map(Value::as_array).flatten().filter_map(|p| p.get("sha256").and_then(Value::as_str)).map(str::to_owned).collect()
}

/// Drops every write of an erased field made before the record's purge: those values are
/// gone, on this copy and on every copy this one merges with.
pub fn forget_erased_writes(record: &mut Record) {
    let Some(purged) = record.purged_at else { return };
    let erased = erased_fields(record.kind);
    record.writes.retain(|w| w.at >= purged || !erased.contains(&w.field.as_str()));
}

/// Whether a ticket closed at `closed_at` is past a retention of `months` at `now`.
pub fn is_due(closed_at: Option<DateTime<Utc>>, months: u32, now: DateTime<Utc>) -> bool {
    closed_at.and_then(|c| c.checked_add_months(Months::new(months))).is_some_and(|until| until <= now)
}

/// The close time before which a ticket's data is due at `now`: shown beside the count.
pub fn closed_before(months: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    now.checked_sub_months(Months::new(months))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stamp(ms: i64, device: u128) -> Stamp {
        Stamp { wall_ms: ms, counter: 0, device: Uuid::from_u128(device) }
    }

    fn ticket() -> Record {
        Record::create_with_id(
            Uuid::from_u128(1),
            RecordKind::Ticket,
            json!({"reporter_name": "王小明", "phone": "13800138000", "unit": "1-2-301", "category": "water",
                   "description": "王小明家漏水，电话13800138000", "photos": [{"sha256": "ab", "width": 1, "height": 1, "bytes": 1}]}),
            stamp(1, 1),
            None,
        )
    }

    #[test]
    fn a_purge_erases_the_reporter_and_strikes_quotes() {
        let t = ticket().edited(
            json!({"reporter_name": "王晓明", "phone": "13800138000", "unit": "1-2-301", "category": "water",
                   "description": "王小明家漏水，电话13800138000", "photos": [{"sha256": "ab", "width": 1, "height": 1, "bytes": 1}]}),
            stamp(2, 1),
            None,
        );
        let personal = Personal::of_ticket(&t);
        let p = t.purged(&personal, stamp(10, 1), None);
        assert_eq!(p.body["reporter_name"], "");
        assert_eq!(p.body["phone"], "");
        assert_eq!(p.body["photos"], json!([]));
        assert_eq!(p.body["description"], "•••家漏水，电话•••");
        assert_eq!((p.body["unit"].as_str(), p.body["category"].as_str()), (Some("1-2-301"), Some("water")));
        let text = serde_json::to_string(&p).unwrap();
        for marker in ["王小明", "王晓明", "13800138000"] {
            assert!(!text.contains(marker), "{marker} left in {text}");
        }
        assert_eq!(p.purged_at, Some(stamp(10, 1)));
    }

    #[test]
    fn a_step_quoting_the_resident_is_struck_and_the_rest_kept() {
        let t = ticket();
        let step = Record::create(RecordKind::TicketEvent, json!({"ticket_id": t.id, "to": "resolved", "note": "已电话13800138000联系王小明",
            "action": {"type": "resolve", "work_done": "换阀门", "cause": "王小明家阀门老化"}}), stamp(3, 1), None);
        let p = step.purged(&Personal::of_ticket(&t), stamp(10, 1), None);
        assert_eq!(p.body["note"], "已电话•••联系•••");
        assert_eq!(p.body["action"], json!({"type": "resolve", "work_done": "换阀门", "cause": "•••家阀门老化"}));
        assert_eq!(p.body["to"], "resolved");
    }

    #[test]
    fn an_older_copy_never_brings_purged_values_back_in_either_order() {
        use crate::domain::merge::{conflicts, merge};
        let t = ticket();
        // Another tablet corrected the phone before it heard of the purge, and later took a step.
        let other = t.edited(json!({"reporter_name": "王小明", "phone": "13900139000", "unit": "1-2-301", "category": "water",
            "description": "王小明家漏水，电话13800138000", "photos": [{"sha256": "ab", "width": 1, "height": 1, "bytes": 1}]}), stamp(5, 2), None);
        let mut stepped = other.clone();
        stepped.body["status"] = json!("closed");
        stepped.updated_at = stamp(20, 2);
        let p = t.purged(&Personal::of_ticket(&t), stamp(10, 1), None);
        for older in [&t, &other, &stepped] {
            for m in [merge(&p, older), merge(older, &p)] {
                let text = serde_json::to_string(&m).unwrap();
                for marker in ["王小明", "13800138000"] {
                    assert!(!text.contains(marker), "{marker} came back: {text}");
                }
                assert_eq!((m.body["reporter_name"].as_str(), m.body["photos"].clone()), (Some(""), json!([])));
                assert!(m.is_purged());
                assert!(conflicts(&m).is_empty(), "an erased value is gone, not a conflict");
                assert_eq!(merge(&m, older), m, "merging again changes nothing");
            }
        }
        // A derived field the other tablet changed after the purge survives it.
        assert_eq!(merge(&p, &stepped).body["status"], "closed");
    }

    #[test]
    fn mobiles_are_struck_but_not_other_numbers() {
        let none = Personal::default();
        assert_eq!(none.strike("打13912345678或0755-12345678"), "打•••或0755-12345678");
        assert_eq!(none.strike("工单 BJ-20261201-0001"), "工单 BJ-20261201-0001");
        assert_eq!(none.strike("123456789012"), "123456789012");
    }

    #[test]
    fn due_counts_whole_months_from_closing() {
        let closed: DateTime<Utc> = "2024-01-31T10:00:00Z".parse().unwrap();
        assert!(!is_due(Some(closed), 36, "2027-01-31T09:59:59Z".parse().unwrap()));
        assert!(is_due(Some(closed), 36, "2027-01-31T10:00:00Z".parse().unwrap()));
        assert!(!is_due(None, 1, "2027-01-31T10:00:00Z".parse().unwrap()), "an open ticket is never due");
    }
}
