//! Repairing records stamped in the future (修复时间戳): a tablet that imported a bad file
//! before files were checked, or whose clock was once set years ahead, holds records whose
//! stamps win over every real edit and would poison every device they travel to.
//!
//! Each stamp beyond the bound is moved to just after the latest sound stamp of the same
//! record, keeping the order of the moved ones among themselves: the values shown stay as
//! they are, and every edit made after the repair, on any device, wins over them. The moved
//! stamps depend only on the record, so two tablets repairing copies of one record agree. The
//! record's `updated_at` becomes the repair's own stamp, so the repaired copy is exported and
//! replaces the stored one.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::clock::{latest_allowed_ms, Stamp, MAX_COUNTER};
use super::export::checks::{event_times_of, stamps_of};
use super::record::Record;

/// Whether any stamp or event time of the record is beyond the bound at `now`.
pub fn is_future_stamped(record: &Record, now: DateTime<Utc>) -> bool {
    let latest = latest_allowed_ms(now.timestamp_millis());
    stamps_of(record).iter().any(|(_, s)| s.wall_ms > latest) || event_times_of(record).iter().any(|(_, t)| t.timestamp_millis() > latest)
}

/// The record with every stamp beyond the bound moved back (see the module), `updated_at`
/// set to `repair`, and event times beyond the bound set to the repair's time. `None` when
/// nothing in it is beyond the bound.
pub fn restamped(record: &Record, now: DateTime<Utc>, repair: Stamp, actor: Option<Uuid>) -> Option<Record> {
    if !is_future_stamped(record, now) {
        return None;
    }
    let latest = latest_allowed_ms(now.timestamp_millis());
    let all = stamps_of(record);
    let sound = all.iter().map(|(_, s)| *s).filter(|s| s.wall_ms <= latest).max();
    let floor = sound.unwrap_or(repair).min(repair);
    let mut future: Vec<Stamp> = all.iter().map(|(_, s)| *s).filter(|s| s.wall_ms > latest).collect();
    future.sort();
    future.dedup();
    let moved: BTreeMap<Stamp, Stamp> = future
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let counter = (floor.counter as usize + 1 + i).min(MAX_COUNTER as usize) as u32;
            (*s, Stamp { wall_ms: floor.wall_ms, counter, device: s.device })
        })
        .collect();
    let fix = |s: Stamp| moved.get(&s).copied().unwrap_or(s);
    let mut r = record.clone();
    r.created_at = fix(r.created_at);
    r.deleted_at = r.deleted_at.map(fix);
    r.purged_at = r.purged_at.map(fix);
    for w in &mut r.writes {
        w.at = fix(w.at);
        w.base = w.base.map(fix);
    }
    r.writes.sort_by(|x, y| (x.field.as_str(), x.at).cmp(&(y.field.as_str(), y.at)));
    let repair_time = Value::String(repair.utc().to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    let late = |v: &Value| v.as_str().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).is_some_and(|t| t.timestamp_millis() > latest);
    if late(&r.body["at"]) && r.kind == super::record::RecordKind::TicketEvent {
        r.body["at"] = repair_time.clone();
    }
    if let Some(events) = r.body.get_mut("events").and_then(Value::as_array_mut) {
        for e in events.iter_mut().filter(|e| late(&e["at"])) {
            e["at"] = repair_time.clone();
        }
    }
    r.updated_at = repair;
    r.updated_by = actor;
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::merge::merge;
    use crate::domain::record::RecordKind;
    use chrono::TimeZone;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap()
    }
    fn at(ms: i64, device: u128) -> Stamp {
        Stamp { wall_ms: ms, counter: 0, device: Uuid::from_u128(device) }
    }
    const Y2286: i64 = 9_999_999_000_000;

    fn poisoned() -> Record {
        let t0 = now().timestamp_millis() - 3_600_000;
        let r = Record::create(RecordKind::Ticket, json!({"description": "漏水", "status": "new"}), at(t0, 1), None);
        let r = r.edited(json!({"description": "楼上漏水", "status": "new"}), at(t0 + 1000, 1), None);
        r.edited(json!({"description": "2286 年写的", "status": "new"}), at(Y2286, 9), None)
    }

    #[test]
    fn a_sound_record_is_left_alone() {
        let t0 = now().timestamp_millis();
        let r = Record::create(RecordKind::Ticket, json!({}), at(t0, 1), None);
        assert!(restamped(&r, now(), at(t0 + 5, 1), None).is_none());
    }

    #[test]
    fn the_repair_keeps_what_is_shown_and_lets_every_later_edit_win() {
        let r = poisoned();
        let repair = at(now().timestamp_millis(), 1);
        let fixed = restamped(&r, now(), repair, None).unwrap();
        assert!(!is_future_stamped(&fixed, now()));
        assert_eq!(fixed.updated_at, repair);
        // Still the value shown: the moved write stays the latest of its field.
        let shown = merge(&fixed, &fixed);
        assert_eq!(shown.body["description"], "2286 年写的");
        // An edit made after the repair, here or on another tablet, wins.
        let later = fixed.edited(json!({"description": "已修好", "status": "new"}), at(now().timestamp_millis() + 60_000, 2), None);
        assert_eq!(merge(&fixed, &later).body["description"], "已修好");
        assert_eq!(merge(&later, &fixed).body["description"], "已修好");
    }

    #[test]
    fn two_tablets_repairing_one_record_agree_on_its_stamps() {
        let r = poisoned();
        let a = restamped(&r, now(), at(now().timestamp_millis(), 1), None).unwrap();
        let b = restamped(&r, now() + chrono::Duration::hours(3), at(now().timestamp_millis() + 3 * 3_600_000, 2), None).unwrap();
        assert_eq!(a.writes, b.writes, "the moved stamps depend on the record alone");
        let merged = merge(&a, &b);
        assert_eq!(merged.writes.len(), a.writes.len());
        assert!(crate::domain::merge::conflicts(&merged).is_empty());
    }

    #[test]
    fn a_tombstone_and_event_times_from_the_future_are_moved_too() {
        let t0 = now().timestamp_millis();
        let ev = Record::create(RecordKind::TicketEvent, json!({"at": "2286-01-01T00:00:00Z", "ticket_id": Uuid::nil()}), at(Y2286, 3), None);
        let dead = ev.tombstoned(at(Y2286 + 5, 3), None);
        let fixed = restamped(&dead, now(), at(t0, 1), None).unwrap();
        assert!(!is_future_stamped(&fixed, now()), "{fixed:?}");
        assert!(fixed.created_at < fixed.deleted_at.unwrap(), "order kept");
        assert!(fixed.body["at"].as_str().unwrap().starts_with("2026-12-02"));
    }
}
