//! The record storage contract, on the in-memory store. The same cases run against
//! IndexedDB in tests/browser.rs.

mod common;

use common::run;
use patroldesk::domain::clock::Hlc;
use patroldesk::domain::record::{IndexName, Record, RecordKind};
use patroldesk::store::memory::MemoryStore;
use patroldesk::store::{delete, ChangeSummary, RecordStore, StoreError};
use serde_json::json;
use uuid::Uuid;

fn clock() -> Hlc {
    Hlc::new(Uuid::from_u128(0xd1))
}

fn ticket(c: &mut Hlc, ms: i64, status: &str, category: &str) -> Record {
    Record::create(RecordKind::Ticket, json!({"status": status, "category": category}), c.tick(ms), None)
}

#[test]
fn a_failed_batch_leaves_nothing_behind() {
    let store = MemoryStore::new();
    let mut c = clock();
    let batch = vec![ticket(&mut c, 1, "new", "lift"), ticket(&mut c, 2, "new", "plumbing")];
    store.fail_next_write(StoreError::QuotaExceeded);
    assert_eq!(run(store.put_many(&batch)), Err(StoreError::QuotaExceeded));
    for r in &batch {
        assert_eq!(run(store.get(RecordKind::Ticket, r.id)).unwrap(), None);
    }
    run(store.put_many(&batch)).unwrap();
    assert_eq!(run(store.live(RecordKind::Ticket)).unwrap().len(), 2);
}

#[test]
fn tombstones_are_hidden_from_views_but_travel_in_changes() {
    let store = MemoryStore::new();
    let mut c = clock();
    let a = ticket(&mut c, 1, "new", "lift");
    let b = ticket(&mut c, 2, "new", "lift");
    run(store.put_many(&[a.clone(), b.clone()])).unwrap();
    run(delete(&store, RecordKind::Ticket, a.id, c.tick(3), None)).unwrap();

    let live = run(store.live(RecordKind::Ticket)).unwrap();
    assert_eq!(live.iter().map(|r| r.id).collect::<Vec<_>>(), vec![b.id]);
    let by_status = run(store.query(RecordKind::Ticket, IndexName::Status, "new")).unwrap();
    assert_eq!(by_status.len(), 1);

    let changes = run(store.changed_since(RecordKind::Ticket, None)).unwrap();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes.last().unwrap().id, a.id, "the deletion is the newest change");
    assert!(changes.last().unwrap().is_deleted());
    // The tombstone is still there by id.
    assert!(run(store.get(RecordKind::Ticket, a.id)).unwrap().unwrap().is_deleted());
}

#[test]
fn deleting_twice_or_deleting_nothing_changes_nothing() {
    let store = MemoryStore::new();
    let mut c = clock();
    let a = ticket(&mut c, 1, "new", "lift");
    run(store.put_many(&[a.clone()])).unwrap();
    run(delete(&store, RecordKind::Ticket, a.id, c.tick(2), None)).unwrap();
    let first = run(store.get(RecordKind::Ticket, a.id)).unwrap();
    run(delete(&store, RecordKind::Ticket, a.id, c.tick(3), None)).unwrap();
    assert_eq!(run(store.get(RecordKind::Ticket, a.id)).unwrap(), first);
    run(delete(&store, RecordKind::Ticket, Uuid::from_u128(404), c.tick(4), None)).unwrap();
    assert_eq!(run(store.changed_since(RecordKind::Ticket, None)).unwrap().len(), 1);
}

#[test]
fn index_queries_match_exactly() {
    let store = MemoryStore::new();
    let mut c = clock();
    let records = vec![
        ticket(&mut c, 1, "new", "lift"),
        ticket(&mut c, 2, "dispatched", "lift"),
        ticket(&mut c, 3, "new", "plumbing"),
    ];
    run(store.put_many(&records)).unwrap();
    assert_eq!(run(store.query(RecordKind::Ticket, IndexName::Category, "lift")).unwrap().len(), 2);
    assert_eq!(run(store.query(RecordKind::Ticket, IndexName::Status, "new")).unwrap().len(), 2);
    assert_eq!(run(store.query(RecordKind::Ticket, IndexName::Status, "closed")).unwrap().len(), 0);
    assert!(run(store.query(RecordKind::TicketEvent, IndexName::TicketId, "x")).unwrap().is_empty());
}

#[test]
fn changes_since_a_watermark_and_their_summary() {
    let store = MemoryStore::new();
    let mut c = clock();
    let early = ticket(&mut c, 10, "new", "lift");
    let plan = Record::create(RecordKind::DrillPlan, json!({"name": "fire"}), c.tick(20), None);
    let late = ticket(&mut c, 30, "new", "lift");
    run(store.put_many(&[early.clone(), plan.clone(), late.clone()])).unwrap();

    assert_eq!(
        run(store.change_summary(None)).unwrap(),
        ChangeSummary { count: 3, oldest: Some(early.updated_at) }
    );
    let watermark = Some(early.updated_at);
    let since = run(store.changed_since(RecordKind::Ticket, watermark)).unwrap();
    assert_eq!(since.iter().map(|r| r.id).collect::<Vec<_>>(), vec![late.id]);
    assert_eq!(
        run(store.change_summary(watermark)).unwrap(),
        ChangeSummary { count: 2, oldest: Some(plan.updated_at) }
    );
    assert_eq!(run(store.change_summary(Some(late.updated_at))).unwrap(), ChangeSummary::default());
    assert_eq!(run(store.highest_stamp()).unwrap(), Some(late.updated_at));
}

#[test]
fn a_newer_write_replaces_an_older_one_by_id() {
    let store = MemoryStore::new();
    let mut c = clock();
    let a = ticket(&mut c, 1, "new", "lift");
    let a2 = a.edited(json!({"status": "assessed", "category": "lift"}), c.tick(2), Some(Uuid::from_u128(5)));
    run(store.put_many(&[a])).unwrap();
    run(store.put_many(&[a2.clone()])).unwrap();
    assert_eq!(run(store.get(RecordKind::Ticket, a2.id)).unwrap(), Some(a2));
    assert_eq!(run(store.live(RecordKind::Ticket)).unwrap().len(), 1);
}

#[test]
fn the_later_stamp_wins_whichever_write_arrives_last() {
    // Two tabs (or tablets) edit the same ticket; the edit stamped later must stay, even
    // when the earlier-stamped write reaches the store second.
    let store = MemoryStore::new();
    let mut tab_a = Hlc::new(Uuid::from_u128(0xa));
    let mut tab_b = Hlc::new(Uuid::from_u128(0xb));
    let original = ticket(&mut tab_a, 1, "new", "lift");
    run(store.put_many(&[original.clone()])).unwrap();
    let from_a = original.edited(json!({"status": "assessed", "category": "lift"}), tab_a.tick(10), None);
    let from_b = original.edited(json!({"status": "new", "category": "plumbing"}), tab_b.tick(20), None);

    assert!(run(store.put_many(&[from_b.clone()])).unwrap().all_written());
    let report = run(store.put_many(&[from_a.clone()])).unwrap();
    assert_eq!(report.stale, vec![from_a.id], "the older edit is reported, not written");
    assert_eq!(run(store.get(RecordKind::Ticket, original.id)).unwrap(), Some(from_b.clone()));

    // Same stamps in the other order give the same result.
    let other = MemoryStore::new();
    run(other.put_many(&[from_a.clone()])).unwrap();
    assert!(run(other.put_many(&[from_b.clone()])).unwrap().all_written());
    assert_eq!(run(other.get(RecordKind::Ticket, original.id)).unwrap(), Some(from_b.clone()));

    // Replaying the very same write is harmless, and within one batch order does not matter.
    assert!(run(store.put_many(&[from_b.clone()])).unwrap().all_written());
    let third = MemoryStore::new();
    let report = run(third.put_many(&[from_b.clone(), from_a.clone()])).unwrap();
    assert_eq!(report.stale, vec![from_a.id]);
    assert_eq!(run(third.get(RecordKind::Ticket, original.id)).unwrap(), Some(from_b));
}

#[test]
fn a_draft_is_kept_per_form_until_discarded() {
    use patroldesk::domain::draft::Draft;
    use patroldesk::store::DraftStore;
    let store = MemoryStore::new();
    let draft = Draft { form: "intake".into(), saved_at_ms: 1_700_000_000_000, fields: json!({"unit": "3-2-1201"}) };
    run(store.save_draft(&draft)).unwrap();
    assert_eq!(run(store.load_draft("intake")).unwrap(), Some(draft.clone()));
    assert_eq!(run(store.load_draft("site-settings")).unwrap(), None);
    // A failed write keeps the previous draft.
    store.fail_next_write(StoreError::QuotaExceeded);
    let newer = Draft { saved_at_ms: 1_700_000_001_000, ..draft.clone() };
    assert_eq!(run(store.save_draft(&newer)), Err(StoreError::QuotaExceeded));
    assert_eq!(run(store.load_draft("intake")).unwrap(), Some(draft));
    run(store.discard_draft("intake")).unwrap();
    assert_eq!(run(store.load_draft("intake")).unwrap(), None);
    // Drafts are not records: they never count as unexported changes.
    assert_eq!(run(store.change_summary(None)).unwrap(), ChangeSummary::default());
}

#[test]
fn purging_the_sample_device_removes_only_its_records() {
    use patroldesk::domain::sample::{ticket_records, SampleSpec, SAMPLE_DEVICE};
    let store = MemoryStore::new();
    let spec = SampleSpec { seed: 1, tickets: 5, days: 3, now: chrono::Utc::now(), offset_min: 480, chinese: false, staff: vec![] };
    let sample: Vec<Record> = (0..5).flat_map(|i| ticket_records(&spec, i)).collect();
    run(store.put_many(&sample)).unwrap();
    let mine = Record::create(RecordKind::Ticket, serde_json::json!({"number": "DH01-1"}), patroldesk::domain::clock::Stamp { wall_ms: 1, counter: 0, device: Uuid::from_u128(7) }, None);
    run(store.put_many(std::slice::from_ref(&mine))).unwrap();
    assert_eq!(run(store.purge_device(SAMPLE_DEVICE)).unwrap(), sample.len());
    assert_eq!(store.everything(), vec![mine]);
    assert_eq!(run(store.purge_device(SAMPLE_DEVICE)).unwrap(), 0);
}
