//! The record storage contract on the in-memory store: the shared cases of
//! tests/contract (the same ones run against IndexedDB in tests/browser.rs), and what only
//! this store can show (an injected write failure, drafts, purging).

mod common;
mod contract;

use common::run;
use patroldesk::domain::clock::Hlc;
use patroldesk::domain::record::{Record, RecordKind};
use patroldesk::store::memory::MemoryStore;
use patroldesk::store::{ChangeSummary, RecordStore, StoreError};
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
fn the_shared_contract_holds_on_the_in_memory_store() {
    run(contract::tombstones_are_hidden_from_views_but_travel_in_changes(&MemoryStore::new()));
    run(contract::deleting_twice_or_deleting_nothing_changes_nothing(&MemoryStore::new()));
    run(contract::index_queries_match_exactly(&MemoryStore::new()));
    run(contract::changes_since_a_watermark_and_their_summary(&MemoryStore::new()));
    run(contract::changes_read_a_page_at_a_time_never_split_a_stamp(&MemoryStore::new()));
    run(contract::several_kinds_pages_read_together_are_each_kinds_page(&MemoryStore::new()));
    run(contract::the_later_stamp_wins_whichever_write_arrives_last(&MemoryStore::new()));
    run(contract::live_rows_type_the_bodies_and_count_what_does_not_read(&MemoryStore::new()));
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
fn the_same_two_edits_in_the_other_order_give_the_same_record() {
    let mut tab_a = Hlc::new(Uuid::from_u128(0xa));
    let mut tab_b = Hlc::new(Uuid::from_u128(0xb));
    let original = ticket(&mut tab_a, 1, "new", "lift");
    let from_a = original.edited(json!({"status": "assessed", "category": "lift"}), tab_a.tick(10), None);
    let from_b = original.edited(json!({"status": "new", "category": "plumbing"}), tab_b.tick(20), None);
    let store = MemoryStore::new();
    run(store.put_many(&[from_a.clone()])).unwrap();
    assert!(run(store.put_many(&[from_b.clone()])).unwrap().all_written());
    assert_eq!(run(store.get(RecordKind::Ticket, original.id)).unwrap(), Some(from_b));
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
    assert_eq!(store.everything().unwrap(), vec![mine]);
    assert_eq!(run(store.purge_device(SAMPLE_DEVICE)).unwrap(), 0);
}
