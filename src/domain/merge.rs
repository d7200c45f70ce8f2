//! Merging what several tablets recorded (合并): the rules that make importing files in any
//! order, any number of times, give the same data, with nothing lost.
//!
//! - A record's typed fields merge one by one: every edit is a [`FieldWrite`] and the write
//!   with the latest hybrid-clock stamp is the value (stamps never tie: they carry the device).
//! - Fields derived from events (a ticket's status…) come from the copy with the latest
//!   `updated_at`; a drill run's events are the union of both copies' events by id; ticket
//!   events are records of their own, never edited, so they merge as a union by id for free.
//! - A deletion is a tombstone stamp: the latest tombstone is kept and the record stays
//!   deleted; an edit made without having seen the deletion is listed as a conflict.
//! - A purge of residents' data ([`super::retention`]) is a stamp too: the latest is kept,
//!   and writes of an erased field older than it are gone from the merge, so an older copy
//!   never brings a purged name back.
//! - Writes are kept as a union, so merging is idempotent, commutative and associative, and a
//!   value that lost to a concurrent edit is never discarded: [`conflicts`] lists it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::clock::Stamp;
use super::record::{FieldWrite, Record, RecordKind};

/// Merges two copies of one record (same id and kind).
pub fn merge(a: &Record, b: &Record) -> Record {
    let (newer, older) = if b.updated_at > a.updated_at { (b, a) } else { (a, b) };
    // The creation side is the same on every copy; pick deterministically anyway.
    let first = if (b.created_at, b.origin_device) < (a.created_at, a.origin_device) { b } else { a };
    let mut writes: BTreeMap<(String, Stamp), FieldWrite> = BTreeMap::new();
    for w in a.writes.iter().chain(&b.writes) {
        writes.entry((w.field.clone(), w.at)).or_insert_with(|| w.clone());
    }
    let writes: Vec<FieldWrite> = writes.into_values().collect();
    let mut body = newer.body.clone();
    if let Some(fields) = body.as_object_mut() {
        for w in &writes {
            let latest = writes.iter().filter(|o| o.field == w.field).map(|o| o.at).max();
            if latest == Some(w.at) {
                fields.insert(w.field.clone(), w.value.clone());
            }
        }
        if a.kind == RecordKind::DrillRun {
            fields.insert("events".into(), union_by_id(&a.body["events"], &b.body["events"]));
        }
    }
    Record {
        id: a.id,
        kind: a.kind,
        created_at: first.created_at,
        created_by: first.created_by,
        origin_device: first.origin_device,
        updated_at: newer.updated_at,
        updated_by: newer.updated_by,
        deleted_at: a.deleted_at.max(b.deleted_at),
        purged_at: a.purged_at.max(b.purged_at),
        body,
        writes,
    }
    .with_older_body_fields(older)
    .without_purged_writes()
}

impl Record {
    /// A purge's erased values beat every older write, whichever copy held it.
    fn without_purged_writes(mut self) -> Record {
        super::retention::forget_erased_writes(&mut self);
        self
    }

    /// Fields only the older copy has (written by a newer app version that the newer copy's
    /// tablet does not know yet) are kept rather than dropped.
    fn with_older_body_fields(mut self, older: &Record) -> Record {
        if let (Some(fields), Some(old)) = (self.body.as_object_mut(), older.body.as_object()) {
            for (k, v) in old {
                fields.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        self
    }
}

/// The union of two JSON arrays of objects by their `id`, ordered by (`at`, `id`).
fn union_by_id(a: &Value, b: &Value) -> Value {
    let mut by_id: BTreeMap<String, Value> = BTreeMap::new();
    for item in a.as_array().into_iter().flatten().chain(b.as_array().into_iter().flatten()) {
        let id = item.get("id").map(Value::to_string).unwrap_or_else(|| item.to_string());
        by_id.entry(id).or_insert_with(|| item.clone());
    }
    let mut items: Vec<Value> = by_id.into_values().collect();
    items.sort_by(|x, y| {
        let key = |v: &Value| (v.get("at").and_then(Value::as_str).unwrap_or("").to_owned(), v.get("id").map(Value::to_string).unwrap_or_default());
        key(x).cmp(&key(y))
    });
    Value::Array(items)
}

/// A value that lost to an edit made without seeing it, kept for a supervisor to review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    pub field: String,
    /// The value shown now, and when it was written.
    pub kept: Value,
    pub kept_at: Stamp,
    /// The value it replaced without having seen it.
    pub lost: Value,
    pub lost_at: Stamp,
    pub lost_by: Option<uuid::Uuid>,
}

/// The unresolved conflicts of a record: for each field, the writes that the winning write's
/// editor had not seen and whose value differs. Resolving one is an ordinary edit: it is
/// based on the latest write, so it has seen them all.
///
/// An edit made after a deletion by someone who had not seen it is listed under the field
/// `"(deleted)"`: the record stays deleted until someone restores it.
pub fn conflicts(record: &Record) -> Vec<Conflict> {
    let mut found = Vec::new();
    let mut fields: Vec<&str> = record.writes.iter().map(|w| w.field.as_str()).collect();
    fields.sort_unstable();
    fields.dedup();
    for field in fields {
        let Some(winner) = record.writes.iter().filter(|w| w.field == field).max_by_key(|w| w.at) else { continue };
        let seen = winner.base;
        for w in record.writes.iter().filter(|w| w.field == field && w.at != winner.at) {
            if seen.is_none_or(|s| w.at > s) && w.value != winner.value {
                found.push(Conflict {
                    field: field.to_owned(),
                    kept: winner.value.clone(),
                    kept_at: winner.at,
                    lost: w.value.clone(),
                    lost_at: w.at,
                    lost_by: w.by,
                });
            }
        }
    }
    if let Some(deleted) = record.deleted_at {
        for w in record.writes.iter().filter(|w| w.at > deleted && w.base.is_none_or(|b| b < deleted)) {
            found.push(Conflict {
                field: "(deleted)".into(),
                kept: Value::Null,
                kept_at: deleted,
                lost: w.value.clone(),
                lost_at: w.at,
                lost_by: w.by,
            });
        }
    }
    found
}

/// What importing one record does to the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Outcome {
    New,
    Updated,
    Identical,
    /// Updated, and the result has conflicts it did not have before.
    Conflicting,
}

/// Merges an incoming copy with the stored one (if any): the record to store (`None` when
/// nothing changes) and what happened.
pub fn merge_incoming(stored: Option<&Record>, incoming: &Record) -> (Option<Record>, Outcome) {
    let Some(stored) = stored else { return (Some(incoming.clone()), Outcome::New) };
    let merged = merge(stored, incoming);
    if &merged == stored {
        return (None, Outcome::Identical);
    }
    let outcome = if conflicts(&merged).len() > conflicts(stored).len() { Outcome::Conflicting } else { Outcome::Updated };
    (Some(merged), outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use uuid::Uuid;

    fn stamp(ms: i64, device: u128) -> Stamp {
        Stamp { wall_ms: ms, counter: 0, device: Uuid::from_u128(device) }
    }

    fn plan() -> Record {
        Record::create_with_id(Uuid::from_u128(1), RecordKind::DrillPlan, json!({"name": "消防", "target_min": 20, "steps": []}), stamp(1, 1), None)
    }

    #[test]
    fn edits_of_different_fields_on_two_tablets_both_survive() {
        let base = plan();
        let a = base.edited(json!({"name": "消防疏散", "target_min": 20, "steps": []}), stamp(10, 1), None);
        let b = base.edited(json!({"name": "消防", "target_min": 25, "steps": []}), stamp(11, 2), None);
        let m = merge(&a, &b);
        assert_eq!(m.body, json!({"name": "消防疏散", "target_min": 25, "steps": []}));
        assert_eq!(m, merge(&b, &a));
        assert!(conflicts(&m).is_empty());
    }

    #[test]
    fn the_same_field_edited_on_two_tablets_is_a_conflict_and_the_loser_is_kept() {
        let base = plan();
        let a = base.edited(json!({"name": "A", "target_min": 20, "steps": []}), stamp(10, 1), None);
        let b = base.edited(json!({"name": "B", "target_min": 20, "steps": []}), stamp(11, 2), None);
        let m = merge(&a, &b);
        assert_eq!(m.body["name"], "B", "the later stamp shows");
        let c = conflicts(&m);
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].field.as_str(), &c[0].lost, &c[0].kept), ("name", &json!("A"), &json!("B")));
        // Resolving: an edit on the merged copy has seen both.
        let resolved = m.edited(json!({"name": "A", "target_min": 20, "steps": []}), stamp(20, 1), None);
        assert!(conflicts(&resolved).is_empty());
        // An edit that saw the other is no conflict.
        let later = a.edited(json!({"name": "C", "target_min": 20, "steps": []}), stamp(30, 1), None);
        assert!(conflicts(&merge(&later, &a)).is_empty());
    }

    #[test]
    fn a_deletion_wins_and_an_unseen_later_edit_is_listed() {
        let base = plan();
        let deleted = base.tombstoned(stamp(10, 1), None);
        let edited = base.edited(json!({"name": "X", "target_min": 20, "steps": []}), stamp(12, 2), None);
        let m = merge(&deleted, &edited);
        assert!(m.is_deleted());
        assert_eq!(conflicts(&m).iter().map(|c| c.field.as_str()).collect::<Vec<_>>(), vec!["(deleted)"]);
        // An older edit loses quietly.
        let old_edit = base.edited(json!({"name": "Y", "target_min": 20, "steps": []}), stamp(5, 2), None);
        let m = merge(&deleted, &old_edit);
        assert!(m.is_deleted() && conflicts(&m).is_empty());
    }

    #[test]
    fn run_events_merge_as_a_union() {
        let run = |events: Value| Record::create_with_id(Uuid::from_u128(9), RecordKind::DrillRun, json!({"location": "1栋", "events": events}), stamp(1, 1), None);
        let e = |id: u128, at: &str| json!({"id": Uuid::from_u128(id), "at": at, "change": {"type": "check"}});
        let mut a = run(json!([e(1, "2026-11-01T00:01:00Z")]));
        let mut b = run(json!([e(2, "2026-11-01T00:00:30Z")]));
        a.body["events"].as_array_mut().unwrap().push(e(3, "2026-11-01T00:02:00Z"));
        a.updated_at = stamp(5, 1);
        b.updated_at = stamp(6, 2);
        let m = merge(&a, &b);
        let ids: Vec<Value> = m.body["events"].as_array().unwrap().iter().map(|e| e["id"].clone()).collect();
        assert_eq!(ids, vec![json!(Uuid::from_u128(2)), json!(Uuid::from_u128(1)), json!(Uuid::from_u128(3))]);
        assert_eq!(merge(&m, &a), m);
    }

    #[test]
    fn incoming_outcomes() {
        let base = plan();
        assert_eq!(merge_incoming(None, &base).1, Outcome::New);
        assert_eq!(merge_incoming(Some(&base), &base), (None, Outcome::Identical));
        let a = base.edited(json!({"name": "A", "target_min": 20, "steps": []}), stamp(10, 1), None);
        let b = base.edited(json!({"name": "B", "target_min": 20, "steps": []}), stamp(11, 2), None);
        assert_eq!(merge_incoming(Some(&base), &a).1, Outcome::Updated);
        assert_eq!(merge_incoming(Some(&a), &b).1, Outcome::Conflicting);
        // An older copy arriving after a newer one changes nothing.
        assert_eq!(merge_incoming(Some(&a), &base).1, Outcome::Identical);
    }

    // ---- Properties over random edits on simulated tablets ----

    /// One tablet's action on the shared plan: edit a field, delete, or take in another
    /// tablet's copy (so tablets see each other's edits some of the time).
    #[derive(Debug, Clone)]
    enum Step {
        Edit { device: usize, field: usize, value: u8 },
        Delete { device: usize },
        Sync { from: usize, to: usize },
        RunEvent { device: usize },
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            6 => (0..3usize, 0..3usize, 0..4u8).prop_map(|(device, field, value)| Step::Edit { device, field, value }),
            1 => (0..3usize).prop_map(|device| Step::Delete { device }),
            3 => (0..3usize, 0..3usize).prop_map(|(from, to)| Step::Sync { from, to }),
            2 => (0..3usize).prop_map(|device| Step::RunEvent { device }),
        ]
    }

    const FIELDS: [&str; 3] = ["name", "target_min", "location"];

    /// Plays the steps on three tablets; returns each tablet's copies (a plan and a run).
    fn play(steps: &[Step]) -> Vec<Vec<Record>> {
        let plan = Record::create_with_id(Uuid::from_u128(1), RecordKind::DrillPlan, json!({"name": 0, "target_min": 0, "location": 0}), stamp(1, 0), None);
        let run = Record::create_with_id(Uuid::from_u128(2), RecordKind::DrillRun, json!({"name": 0, "target_min": 0, "location": 0, "events": []}), stamp(1, 0), None);
        let mut tablets: Vec<Vec<Record>> = vec![vec![plan, run]; 3];
        let mut clock = 10;
        for (n, s) in steps.iter().enumerate() {
            clock += 1;
            match *s {
                Step::Edit { device, field, value } => {
                    for copy in tablets[device].iter_mut() {
                        let mut body = copy.body.clone();
                        body[FIELDS[field]] = json!(value);
                        *copy = copy.edited(body, stamp(clock, device as u128 + 1), None);
                    }
                }
                Step::Delete { device } => tablets[device][0] = tablets[device][0].tombstoned(stamp(clock, device as u128 + 1), None),
                Step::Sync { from, to } => {
                    let incoming = tablets[from].clone();
                    for (mine, theirs) in tablets[to].iter_mut().zip(&incoming) {
                        *mine = merge(mine, theirs);
                    }
                }
                Step::RunEvent { device } => {
                    let copy = &mut tablets[device][1];
                    let id = Uuid::from_u128(1000 + n as u128);
                    copy.body["events"].as_array_mut().unwrap().push(json!({"id": id, "at": format!("2026-11-01T00:00:{:02}Z", n % 60)}));
                    copy.updated_at = stamp(clock, device as u128 + 1);
                }
            }
        }
        tablets
    }

    fn merge_all(order: &[usize], tablets: &[Vec<Record>]) -> Vec<Record> {
        let mut db = tablets[order[0]].clone();
        for &t in &order[1..] {
            for (mine, theirs) in db.iter_mut().zip(&tablets[t]) {
                *mine = merge(mine, theirs);
            }
        }
        db
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn merge_is_idempotent_commutative_and_associative(steps in prop::collection::vec(step(), 1..40)) {
            let t = play(&steps);
            for i in 0..2 {
                let (a, b, c) = (&t[0][i], &t[1][i], &t[2][i]);
                prop_assert_eq!(merge(a, a), a.clone());
                prop_assert_eq!(merge(a, b), merge(b, a));
                prop_assert_eq!(merge(&merge(a, b), c), merge(a, &merge(b, c)));
                let ab = merge(a, b);
                prop_assert_eq!(merge(&ab, b), ab.clone(), "importing the same file twice changes nothing");
            }
            // Head office importing the three tablets' files in every order gets one database.
            let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
            let first = merge_all(&orders[0], &t);
            for o in &orders[1..] {
                prop_assert_eq!(merge_all(o, &t), first.clone());
            }
        }

        #[test]
        fn nothing_is_lost(steps in prop::collection::vec(step(), 1..40)) {
            let t = play(&steps);
            let db = merge_all(&[0, 1, 2], &t);
            // Every run event of every tablet is in the merged run.
            let merged: Vec<&Value> = db[1].body["events"].as_array().unwrap().iter().map(|e| &e["id"]).collect();
            for tablet in &t {
                for e in tablet[1].body["events"].as_array().unwrap() {
                    prop_assert!(merged.contains(&&e["id"]));
                }
            }
            // Every write made anywhere is kept, the shown value is the latest write, and every
            // other distinct value of a field is either seen by the winner or listed as a conflict.
            for i in 0..2 {
                for tablet in &t {
                    for w in &tablet[i].writes {
                        prop_assert!(db[i].writes.contains(w));
                    }
                }
                let listed = conflicts(&db[i]);
                for field in FIELDS {
                    let Some(winner) = db[i].writes.iter().filter(|w| w.field == field).max_by_key(|w| w.at) else { continue };
                    prop_assert_eq!(&db[i].body[field], &winner.value);
                    for w in db[i].writes.iter().filter(|w| w.field == field && w.value != winner.value) {
                        let seen = winner.base.is_some_and(|b| w.at <= b);
                        prop_assert!(seen || listed.iter().any(|c| c.field == field && c.lost_at == w.at && c.lost == w.value));
                    }
                }
            }
            // A deletion anywhere deletes the plan everywhere after the merge.
            let deleted_somewhere = t.iter().any(|tablet| tablet[0].is_deleted());
            prop_assert_eq!(db[0].is_deleted(), deleted_somewhere);
        }
    }
}
