//! Import through the storage contract (in-memory store): two tablets and head office, files
//! imported in different orders, again, and undone; malformed files write nothing.

mod common;

use chrono::{TimeZone, Utc};
use common::run;
use patroldesk::domain::clock::Stamp;
use patroldesk::domain::export::{build, to_file_text, DeviceInfo, ExportMeta, ImportError, Payload, SiteInfo};
use patroldesk::domain::merge::{conflicts, Outcome};
use patroldesk::domain::record::{Record, RecordKind};
use patroldesk::domain::sample::{ticket_records, SampleSpec};
use patroldesk::store::memory::MemoryStore;
use patroldesk::app::sync::{export_records, import_file, ImportFailure};
use patroldesk::store::sync::SyncStore;
use patroldesk::store::{RecordStore, StoreError};
use serde_json::json;
use uuid::Uuid;

fn stamp(ms: i64, device: u128) -> Stamp {
    Stamp { wall_ms: ms, counter: 0, device: Uuid::from_u128(device) }
}

/// A tablet's records, re-stamped as if born on that tablet (sample data never travels).
fn tablet_records(seed: u64, device: u128) -> Vec<Record> {
    let now = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
    let spec = SampleSpec { seed, tickets: 15, days: 5, now, offset_min: 480, chinese: true, staff: vec![] };
    (0..15)
        .flat_map(|i| ticket_records(&spec, i))
        .map(|mut r| {
            r.origin_device = Uuid::from_u128(device);
            r.created_at.device = Uuid::from_u128(device);
            r.updated_at.device = Uuid::from_u128(device);
            r
        })
        .collect()
}

fn export_of(store: &MemoryStore, device: u128) -> String {
    let records = run(export_records(store, None)).unwrap();
    let meta = ExportMeta {
        app_version: "test".into(),
        export_id: Uuid::from_u128(device * 1000 + records.len() as u128),
        device: DeviceInfo { id: Uuid::from_u128(device), name: format!("tablet {device}") },
        site: SiteInfo { name: "东湖花园".into(), code: "DH01".into() },
        exported_at: Utc::now(),
        utc_offset_min: 480,
        since: None,
    };
    to_file_text(&build(meta, Payload { records, ..Payload::default() }, false).0)
}

fn import(store: &MemoryStore, text: &str, n: u128) -> Result<patroldesk::store::sync::LedgerEntry, ImportFailure> {
    run(import_file(store, text, None, "file.json", Utc::now(), Uuid::from_u128(n)))
}

/// Tablet A and B share a plan (head office sent it to both), edit it, and take in tickets.
fn two_tablets() -> (MemoryStore, MemoryStore) {
    let plan = Record::create_with_id(Uuid::from_u128(500), RecordKind::DrillPlan, json!({"name": {"en": "Fire", "zh": "消防"}, "plan_type": "fire", "target_min": 20, "roles": [], "steps": []}), stamp(1, 9), None);
    let doomed = Record::create_with_id(Uuid::from_u128(501), RecordKind::DrillPlan, json!({"name": {"en": "Old", "zh": "旧"}, "plan_type": "fire", "target_min": 5, "roles": [], "steps": []}), stamp(1, 9), None);
    let a = MemoryStore::new();
    let b = MemoryStore::new();
    run(a.put_many(&tablet_records(1, 1))).unwrap();
    run(b.put_many(&tablet_records(2, 2))).unwrap();
    // A renames the plan and deletes the old one; B changes the same name (a conflict) and the target.
    let mut body = plan.body.clone();
    body["name"] = json!({"en": "Fire evacuation", "zh": "消防疏散"});
    run(a.put_many(&[plan.edited(body, stamp(100, 1), None), doomed.tombstoned(stamp(101, 1), None)])).unwrap();
    let mut body = plan.body.clone();
    body["name"] = json!({"en": "Fire drill", "zh": "消防演练"});
    body["target_min"] = json!(25);
    run(b.put_many(&[plan.edited(body, stamp(102, 2), None), doomed.clone()])).unwrap();
    (a, b)
}

#[test]
fn head_office_gets_the_same_data_whatever_the_order_and_re_importing_changes_nothing() {
    let (a, b) = two_tablets();
    let (file_a, file_b) = (export_of(&a, 1), export_of(&b, 2));

    let office1 = MemoryStore::new();
    import(&office1, &file_a, 1).unwrap();
    // The preview says what the import will do, without writing.
    let env = patroldesk::domain::export::read(&file_b).unwrap();
    let payload = patroldesk::domain::export::open(&env, None, chrono::Utc::now()).unwrap();
    let before_preview = office1.everything().unwrap();
    let counts = run(patroldesk::app::sync::preview(&office1, &payload)).unwrap();
    assert_eq!(counts[&RecordKind::Ticket][&Outcome::New], 15);
    assert_eq!(counts[&RecordKind::DrillPlan].get(&Outcome::Conflicting), Some(&1));
    assert_eq!(counts[&RecordKind::DrillPlan].get(&Outcome::Identical), Some(&1));
    assert_eq!(office1.everything().unwrap(), before_preview);
    let second = import(&office1, &file_b, 2).unwrap();
    let office2 = MemoryStore::new();
    import(&office2, &file_b, 3).unwrap();
    import(&office2, &file_a, 4).unwrap();
    assert_eq!(office1.everything().unwrap(), office2.everything().unwrap(), "either order gives the same database");
    assert_eq!(office1.everything().unwrap().len(), a.everything().unwrap().len() + b.everything().unwrap().len() - 2, "the two shared plans are merged, not duplicated");

    // The plan: B's later name shows, A's is kept as a conflict; B's target and A's deletion both travelled.
    let plan = run(office1.get(RecordKind::DrillPlan, Uuid::from_u128(500))).unwrap().unwrap();
    assert_eq!(plan.body["name"]["zh"], "消防演练");
    assert_eq!(plan.body["target_min"], 25);
    let c = conflicts(&plan);
    assert_eq!((c.len(), c[0].lost["zh"].as_str()), (1, Some("消防疏散")));
    assert!(second.conflicted.contains(&(RecordKind::DrillPlan, Uuid::from_u128(500))));
    assert!(run(office1.get(RecordKind::DrillPlan, Uuid::from_u128(501))).unwrap().unwrap().is_deleted(), "the deletion travels");
    assert!(run(office1.live(RecordKind::DrillPlan)).unwrap().iter().all(|p| p.id != Uuid::from_u128(501)));

    // Importing a file again writes nothing, not even a ledger entry.
    let before = office1.everything().unwrap();
    let ledger = run(office1.ledger()).unwrap().len();
    let again = import(&office1, &file_a, 5).unwrap();
    assert_eq!(again.changed(), 0);
    assert!(again.counts.values().all(|by| by.keys().all(|o| *o == Outcome::Identical)));
    assert_eq!(office1.everything().unwrap(), before);
    assert_eq!(run(office1.ledger()).unwrap().len(), ledger);

    // Head office's own file back on tablet A brings B's work; A re-exporting then changes nothing at the office.
    let office_file = export_of(&office1, 99);
    import(&a, &office_file, 6).unwrap();
    assert_eq!(a.everything().unwrap(), office1.everything().unwrap());
    assert_eq!(import(&office1, &export_of(&a, 1), 7).unwrap().changed(), 0);
}

#[test]
fn undo_puts_back_exactly_what_the_import_changed() {
    let (a, b) = two_tablets();
    let office = MemoryStore::new();
    import(&office, &export_of(&a, 1), 1).unwrap();
    let before = office.everything().unwrap();
    let entry = import(&office, &export_of(&b, 2), 2).unwrap();
    assert!(entry.changed() > 0);
    // Someone edits one imported ticket after the import: undo leaves that one as it is.
    let new_ticket = entry.priors.iter().find(|p| p.kind == RecordKind::Ticket && p.before.is_none()).unwrap();
    let touched = run(office.get(RecordKind::Ticket, new_ticket.id)).unwrap().unwrap();
    assert_eq!(patroldesk::store::sync::fingerprint(&touched), new_ticket.after);
    let mut body = touched.body.clone();
    body["location"] = json!("北门");
    let edited = touched.edited(body, stamp(4_000_000_000_000, 3), None);
    run(office.put_many(std::slice::from_ref(&edited))).unwrap();
    let report = run(office.undo_import(entry.id)).unwrap();
    assert_eq!((report.restored, report.kept), (entry.changed() - 1, 1));
    let mut expected = before;
    expected.push(edited);
    let mut now = office.everything().unwrap();
    expected.sort_by_key(|r| (r.kind, r.id));
    now.sort_by_key(|r| (r.kind, r.id));
    let kinds = |v: &[Record]| RecordKind::ALL.map(|k| v.iter().filter(|r| r.kind == k).count());
    assert_eq!(kinds(&now), kinds(&expected));
    assert_eq!(now, expected);
    assert!(run(office.ledger()).unwrap().iter().find(|e| e.id == entry.id).unwrap().undone);
    // Undoing twice does nothing more.
    assert_eq!(run(office.undo_import(entry.id)).unwrap().restored, 0);
}

#[test]
fn a_malformed_or_refused_file_writes_nothing() {
    let (a, _) = two_tablets();
    let good = export_of(&a, 1);
    let office = MemoryStore::new();
    import(&office, &good, 1).unwrap();
    let before = office.everything().unwrap();
    let ledger = run(office.ledger()).unwrap();
    let mut newer: serde_json::Value = serde_json::from_str(&good).unwrap();
    newer["schema_version"] = 9.into();
    let mut altered: serde_json::Value = serde_json::from_str(&good).unwrap();
    altered["payload"]["records"][0]["body"]["note"] = "tampered".into();
    let cases: Vec<(String, fn(&ImportError) -> bool)> = vec![
        (good[..good.len() - 10].to_owned(), |e| *e == ImportError::Truncated),
        ("not json".into(), |e| matches!(e, ImportError::NotJson { .. })),
        (newer.to_string(), |e| matches!(e, ImportError::NewerSchema { found: 9, .. })),
        (altered.to_string(), |e| *e == ImportError::BadChecksum),
    ];
    for (text, expected) in cases {
        match import(&office, &text, 2) {
            Err(ImportFailure::File(e)) => assert!(expected(&e), "{e:?}"),
            other => panic!("{:?}", other.map(|e| e.changed())),
        }
        assert_eq!(office.everything().unwrap(), before);
        assert_eq!(run(office.ledger()).unwrap(), ledger);
    }
    // A storage failure during the apply keeps nothing of it either.
    let (_, b) = two_tablets();
    office.fail_next_write(StoreError::QuotaExceeded);
    assert_eq!(import(&office, &export_of(&b, 2), 3).map(|e| e.changed()), Err(ImportFailure::Store(StoreError::QuotaExceeded)));
    assert_eq!(office.everything().unwrap(), before);
    assert_eq!(run(office.ledger()).unwrap(), ledger);
}
