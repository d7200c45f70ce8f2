//! The envelope every stored record travels in: identity, who and when (hybrid clock
//! stamps), where it was born, and a tombstone instead of physical deletion — a deletion
//! must be able to travel to head office like any other change.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::clock::Stamp;

/// The kinds of synchronised records, each in its own object store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Ticket,
    TicketEvent,
    DrillPlan,
    DrillRun,
    /// An improvement measure (issue 22, database version 3).
    Improvement,
}

impl RecordKind {
    pub const ALL: [RecordKind; 5] =
        [RecordKind::Ticket, RecordKind::TicketEvent, RecordKind::DrillPlan, RecordKind::DrillRun, RecordKind::Improvement];

    /// The object store holding this kind.
    pub fn store_name(self) -> &'static str {
        match self {
            RecordKind::Ticket => "tickets",
            RecordKind::TicketEvent => "ticket_events",
            RecordKind::DrillPlan => "drill_plans",
            RecordKind::DrillRun => "drill_runs",
            RecordKind::Improvement => "improvements",
        }
    }

    /// The indexes queried on this kind besides `updated_at`, which every kind has.
    pub fn indexes(self) -> &'static [IndexName] {
        match self {
            RecordKind::Ticket => &[IndexName::Status, IndexName::Category, IndexName::Department],
            RecordKind::TicketEvent => &[IndexName::TicketId],
            RecordKind::DrillPlan => &[],
            RecordKind::DrillRun => &[IndexName::PlanId],
            RecordKind::Improvement => &[],
        }
    }
}

/// Indexed fields. Body fields are indexed by their path inside the record's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndexName {
    UpdatedAt,
    Status,
    Category,
    Department,
    TicketId,
    PlanId,
}

impl IndexName {
    pub fn name(self) -> &'static str {
        match self {
            IndexName::UpdatedAt => "updated_at",
            IndexName::Status => "status",
            IndexName::Category => "category",
            IndexName::Department => "department",
            IndexName::TicketId => "ticket_id",
            IndexName::PlanId => "plan_id",
        }
    }

    /// The IndexedDB key path of the index.
    pub fn key_path(self) -> &'static str {
        match self {
            IndexName::UpdatedAt => "updated_at",
            IndexName::Status => "body.status",
            IndexName::Category => "body.category",
            IndexName::Department => "body.department",
            IndexName::TicketId => "body.ticket_id",
            IndexName::PlanId => "body.plan_id",
        }
    }

    /// The indexed value of a record, read the same way IndexedDB reads the key path.
    pub fn value_of(self, record: &Record) -> Option<String> {
        match self {
            IndexName::UpdatedAt => Some(record.updated_at.to_string()),
            other => {
                let field = other.key_path().trim_start_matches("body.");
                record.body.get(field).and_then(|v| v.as_str()).map(str::to_owned)
            }
        }
    }
}

/// A stored record: the envelope plus the kind's own fields in `body`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: Uuid,
    pub kind: RecordKind,
    pub created_at: Stamp,
    pub updated_at: Stamp,
    /// Staff id of whoever made the change; `None` when nobody was chosen as on duty.
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
    pub origin_device: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Stamp>,
    /// When residents' data was erased from it ([`super::retention`]): writes of the erased
    /// fields older than this are gone on every copy that has seen it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purged_at: Option<Stamp>,
    pub body: serde_json::Value,
    /// Every edit of a field someone types (not fields derived from events), with the stamp
    /// of the value the editor saw, so tablets merge field by field and concurrent edits of
    /// one field are found and kept (see [`super::merge`]). Empty until the first edit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub writes: Vec<FieldWrite>,
}

/// One edit of one top-level body field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldWrite {
    pub field: String,
    pub value: serde_json::Value,
    /// When it was written.
    pub at: Stamp,
    /// The stamp of the value it replaced, as the editor saw it (`None` for the value the
    /// record was created with). An edit "saw" every write up to this stamp.
    pub base: Option<Stamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<Uuid>,
}

/// When a typed field was corrected, without its value: what data accuracy counts (a row
/// read for the live cache carries these, not the writes' values, which may be sealed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditMark {
    pub field: String,
    pub at: Stamp,
}

impl Record {
    /// The corrections of this record: every field write that replaced a value (not the
    /// value a record was created with), leaving out a purge's erasures.
    pub fn edit_marks(&self) -> Vec<EditMark> {
        edit_marks(&self.writes.iter().map(|w| (w.field.as_str(), w.at, w.base)).collect::<Vec<_>>(), self.purged_at)
    }
}

/// [`Record::edit_marks`] from `(field, at, base)`.
pub fn edit_marks(writes: &[(&str, Stamp, Option<Stamp>)], purged_at: Option<Stamp>) -> Vec<EditMark> {
    writes
        .iter()
        .filter(|(_, at, base)| base.is_some() && purged_at.is_none_or(|p| *at < p))
        .map(|(field, at, _)| EditMark { field: (*field).to_owned(), at: *at })
        .collect()
}

impl RecordKind {
    /// Body fields that are copies of what events decide (a ticket's status and assignment
    /// are derived from its events; a run's `events` merge as a union): never field-merged
    /// and never a conflict.
    pub fn derived_fields(self) -> &'static [&'static str] {
        match self {
            RecordKind::Ticket => &["status", "department", "assignee", "priority", "urgency", "importance", "progress"],
            RecordKind::DrillRun => &["events"],
            RecordKind::TicketEvent | RecordKind::DrillPlan | RecordKind::Improvement => &[],
        }
    }
}

impl Record {
    /// A new record with a fresh UUID v7 (time-ordered, so new records index well).
    pub fn create(kind: RecordKind, body: serde_json::Value, stamp: Stamp, actor: Option<Uuid>) -> Record {
        Record::create_with_id(Uuid::now_v7(), kind, body, stamp, actor)
    }

    pub fn create_with_id(
        id: Uuid,
        kind: RecordKind,
        body: serde_json::Value,
        stamp: Stamp,
        actor: Option<Uuid>,
    ) -> Record {
        Record {
            id,
            kind,
            created_at: stamp,
            updated_at: stamp,
            created_by: actor,
            updated_by: actor,
            origin_device: stamp.device,
            deleted_at: None,
            purged_at: None,
            body,
            writes: Vec::new(),
        }
    }

    /// The same record with new fields, stamped as a later change. Each typed field that
    /// changed gets a [`FieldWrite`] based on the value this copy holds (the first edit of a
    /// field also records the value it was created with, so every tablet knows it).
    pub fn edited(&self, body: serde_json::Value, stamp: Stamp, actor: Option<Uuid>) -> Record {
        let mut writes = self.writes.clone();
        let derived = self.kind.derived_fields();
        let empty = serde_json::Map::new();
        let old = self.body.as_object().unwrap_or(&empty);
        let new = body.as_object().unwrap_or(&empty);
        let mut fields: Vec<&String> = old.keys().chain(new.keys()).collect();
        fields.sort();
        fields.dedup();
        for field in fields {
            let (before, after) = (old.get(field), new.get(field));
            if before == after || derived.contains(&field.as_str()) {
                continue;
            }
            let current = writes.iter().filter(|w| &w.field == field).map(|w| w.at).max();
            if current.is_none() {
                let value = before.cloned().unwrap_or(serde_json::Value::Null);
                writes.push(FieldWrite { field: field.clone(), value, at: self.created_at, base: None, by: self.created_by });
            }
            let value = after.cloned().unwrap_or(serde_json::Value::Null);
            writes.push(FieldWrite { field: field.clone(), value, at: stamp, base: Some(current.unwrap_or(self.created_at)), by: actor });
        }
        // Kept in one order (field, stamp), the order a merge produces.
        writes.sort_by(|x, y| (x.field.as_str(), x.at).cmp(&(y.field.as_str(), y.at)));
        Record { body, updated_at: stamp, updated_by: actor, writes, ..self.clone() }
    }

    /// The tombstone of this record: hidden from views, kept so the deletion travels.
    pub fn tombstoned(&self, stamp: Stamp, actor: Option<Uuid>) -> Record {
        Record { deleted_at: Some(stamp), updated_at: stamp, updated_by: actor, ..self.clone() }
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stamp(ms: i64) -> Stamp {
        Stamp { wall_ms: ms, counter: 0, device: Uuid::from_u128(7) }
    }

    #[test]
    fn envelope_round_trips_through_json() {
        let r = Record::create(RecordKind::Ticket, json!({"status": "new", "note": "漏水"}), stamp(1), Some(Uuid::from_u128(3)));
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains("deleted_at"), "live records carry no tombstone field");
        let back: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
        let dead = r.tombstoned(stamp(2), None);
        let back: Record = serde_json::from_str(&serde_json::to_string(&dead).unwrap()).unwrap();
        assert_eq!(back, dead);
        assert!(back.is_deleted());
    }

    #[test]
    fn ids_are_uuid_v7() {
        let r = Record::create(RecordKind::DrillRun, json!({}), stamp(1), None);
        assert_eq!(r.id.get_version_num(), 7);
        assert_eq!(r.origin_device, Uuid::from_u128(7));
    }

    #[test]
    fn edits_and_tombstones_keep_identity_and_creation() {
        let r = Record::create(RecordKind::Ticket, json!({"status": "new"}), stamp(1), Some(Uuid::from_u128(1)));
        let e = r.edited(json!({"status": "assessed"}), stamp(5), Some(Uuid::from_u128(2)));
        assert_eq!((e.id, e.created_at, e.created_by), (r.id, r.created_at, r.created_by));
        assert_eq!((e.updated_at, e.updated_by), (stamp(5), Some(Uuid::from_u128(2))));
        let t = e.tombstoned(stamp(9), None);
        assert_eq!(t.deleted_at, Some(stamp(9)));
        assert_eq!(t.updated_at, stamp(9));
        assert_eq!(t.body, e.body);
    }

    #[test]
    fn index_values_read_the_body() {
        let r = Record::create(RecordKind::Ticket, json!({"status": "new", "category": "lift"}), stamp(1), None);
        assert_eq!(IndexName::Status.value_of(&r).as_deref(), Some("new"));
        assert_eq!(IndexName::Category.value_of(&r).as_deref(), Some("lift"));
        assert_eq!(IndexName::Department.value_of(&r), None);
        assert_eq!(IndexName::UpdatedAt.value_of(&r), Some(stamp(1).to_string()));
    }
}
