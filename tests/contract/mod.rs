//! The record storage contract, written once over `RecordStore` and run on both stores:
//! natively on the in-memory store (tests/record_store.rs) and in headless Chromium on
//! IndexedDB (tests/browser.rs). Each case takes an empty store; what only one store can
//! show (injected failures, two connections, schema migrations) stays beside it.
#![allow(dead_code)]

use patroldesk::domain::clock::{Hlc, Stamp};
use patroldesk::domain::record::{IndexName, Record, RecordKind};
use patroldesk::domain::ticket::Ticket;
use patroldesk::store::{delete, ChangeSummary, ChangedPage, PageWanted, RecordStore};
use serde_json::json;
use uuid::Uuid;

pub fn ticket(c: &mut Hlc, ms: i64, status: &str, category: &str) -> Record {
    Record::create(RecordKind::Ticket, json!({"status": status, "category": category}), c.tick(ms), None)
}

fn clock(n: u128) -> Hlc {
    Hlc::new(Uuid::from_u128(n))
}

pub async fn tombstones_are_hidden_from_views_but_travel_in_changes<S: RecordStore>(store: &S) {
    let mut c = clock(1);
    let a = ticket(&mut c, 1, "new", "lift");
    let b = ticket(&mut c, 2, "new", "lift");
    store.put_many(&[a.clone(), b.clone()]).await.unwrap();
    delete(store, RecordKind::Ticket, a.id, c.tick(3), None).await.unwrap();

    let live: Vec<_> = store.live(RecordKind::Ticket).await.unwrap().into_iter().map(|r| r.id).collect();
    assert_eq!(live, vec![b.id]);
    let by_status = store.query(RecordKind::Ticket, IndexName::Status, "new").await.unwrap();
    assert_eq!(by_status.iter().map(|r| r.id).collect::<Vec<_>>(), vec![b.id]);
    let changed = store.changed_since(RecordKind::Ticket, None).await.unwrap();
    assert_eq!(changed.iter().map(|r| r.id).collect::<Vec<_>>(), vec![b.id, a.id], "oldest change first; the deletion is the newest");
    assert!(changed[1].is_deleted());
    // The tombstone is still there by id.
    assert!(store.get(RecordKind::Ticket, a.id).await.unwrap().unwrap().is_deleted());
    assert_eq!(store.change_summary(None).await.unwrap(), ChangeSummary { count: 2, oldest: Some(b.updated_at), since: None });
}

pub async fn deleting_twice_or_deleting_nothing_changes_nothing<S: RecordStore>(store: &S) {
    let mut c = clock(1);
    let a = ticket(&mut c, 1, "new", "lift");
    store.put_many(&[a.clone()]).await.unwrap();
    delete(store, RecordKind::Ticket, a.id, c.tick(2), None).await.unwrap();
    let first = store.get(RecordKind::Ticket, a.id).await.unwrap();
    delete(store, RecordKind::Ticket, a.id, c.tick(3), None).await.unwrap();
    assert_eq!(store.get(RecordKind::Ticket, a.id).await.unwrap(), first);
    delete(store, RecordKind::Ticket, Uuid::from_u128(404), c.tick(4), None).await.unwrap();
    assert_eq!(store.changed_since(RecordKind::Ticket, None).await.unwrap().len(), 1);
}

pub async fn index_queries_match_exactly<S: RecordStore>(store: &S) {
    let mut c = clock(1);
    let mut records = vec![ticket(&mut c, 1, "new", "lift"), ticket(&mut c, 2, "dispatched", "lift"), ticket(&mut c, 3, "new", "plumbing")];
    records.push(Record::create(RecordKind::Ticket, json!({"status": "new", "category": "lift", "department": "engineering"}), c.tick(4), None));
    store.put_many(&records).await.unwrap();
    let count = |v: Vec<Record>| v.len();
    assert_eq!(count(store.query(RecordKind::Ticket, IndexName::Category, "lift").await.unwrap()), 3);
    assert_eq!(count(store.query(RecordKind::Ticket, IndexName::Status, "new").await.unwrap()), 3);
    assert_eq!(count(store.query(RecordKind::Ticket, IndexName::Department, "engineering").await.unwrap()), 1);
    assert_eq!(count(store.query(RecordKind::Ticket, IndexName::Status, "closed").await.unwrap()), 0);
    assert!(store.query(RecordKind::TicketEvent, IndexName::TicketId, "x").await.unwrap().is_empty());
    assert_eq!(store.highest_stamp().await.unwrap(), Some(records[3].updated_at));
}

pub async fn changes_since_a_watermark_and_their_summary<S: RecordStore>(store: &S) {
    let mut c = clock(1);
    let early = ticket(&mut c, 10, "new", "lift");
    let plan = Record::create(RecordKind::DrillPlan, json!({"name": "fire"}), c.tick(20), None);
    let late = ticket(&mut c, 30, "new", "lift");
    store.put_many(&[early.clone(), plan.clone(), late.clone()]).await.unwrap();
    assert_eq!(store.change_summary(None).await.unwrap(), ChangeSummary { count: 3, oldest: Some(early.updated_at), since: None });
    let watermark = Some(early.updated_at);
    let since = store.changed_since(RecordKind::Ticket, watermark).await.unwrap();
    assert_eq!(since.iter().map(|r| r.id).collect::<Vec<_>>(), vec![late.id]);
    assert_eq!(store.change_summary(watermark).await.unwrap(), ChangeSummary { count: 2, oldest: Some(plan.updated_at), since: watermark });
    assert_eq!(store.change_summary(Some(late.updated_at)).await.unwrap(), ChangeSummary { since: Some(late.updated_at), ..ChangeSummary::default() });
    assert_eq!(store.highest_stamp().await.unwrap(), Some(late.updated_at));
}

/// Changes read a page at a time (the push's way) come each once, in stamp order, however
/// the pages fall on records sharing a stamp (written in one go, e.g. by an import); those
/// stored at an `(id, stamp)` asked to be skipped are left out, and the pages still go on.
pub async fn changes_read_a_page_at_a_time_never_split_a_stamp<S: RecordStore>(store: &S) {
    let mut c = clock(1);
    let mut records = Vec::new();
    // Stamps 1, 2, 2, 2, 3, 4, 4, 4, 4, 4, 5.
    for (ms, n) in [(1, 1), (2, 3), (3, 1), (4, 5), (5, 1)] {
        let stamp = c.tick(ms);
        for _ in 0..n {
            records.push(Record::create(RecordKind::Ticket, json!({"status": "new", "category": "lift"}), stamp, None));
        }
    }
    store.put_many(&records).await.unwrap();
    let sorted = |mut ids: Vec<Uuid>| {
        ids.sort();
        ids
    };
    // Every other record skipped, and one at a stamp it is not stored at (not skipped).
    let mut skip: std::collections::HashSet<(Uuid, Stamp)> = records.iter().step_by(2).map(|r| (r.id, r.updated_at)).collect();
    skip.insert((records[1].id, records[0].updated_at));
    for skipping in [false, true] {
        let skip = if skipping { skip.clone() } else { Default::default() };
        let expected = sorted(records.iter().filter(|r| !skip.contains(&(r.id, r.updated_at))).map(|r| r.id).collect());
        for limit in 1..=records.len() + 1 {
            let mut read = Vec::new();
            let mut after = None;
            for _ in 0..=records.len() {
                let page = store.changed_page(RecordKind::Ticket, after, limit, &skip).await.unwrap();
                let Some(last) = page.last else { break };
                assert!(page.records.len() <= limit.max(5), "limit {limit}: a page is the limit, or one whole run");
                assert!(after.is_none_or(|a| a < last), "limit {limit}: pages go on");
                after = Some(last);
                read.extend(page.records);
            }
            assert_eq!(after, records.last().map(|r| r.updated_at), "limit {limit}: read to the end");
            assert!(read.windows(2).all(|w| w[0].updated_at <= w[1].updated_at), "limit {limit}: in stamp order");
            assert_eq!(sorted(read.iter().map(|r| r.id).collect()), expected, "limit {limit}, skipping {skipping}: every record once");
        }
    }
}

/// Several kinds' pages read at one go are each the page `changed_page` reads, and say
/// whether anything came after them: a kind shorter than the limit has ended, a full one
/// may go on, an empty one has ended.
pub async fn several_kinds_pages_read_together_are_each_kinds_page<S: RecordStore>(store: &S) {
    let mut c = clock(1);
    let tickets: Vec<Record> = (0..4).map(|i| ticket(&mut c, i + 1, "new", "lift")).collect();
    let steps: Vec<Record> = (0..2).map(|i| Record::create(RecordKind::TicketEvent, json!({"ticket_id": tickets[0].id, "action": "note"}), c.tick(10 + i), None)).collect();
    store.put_many(&tickets).await.unwrap();
    store.put_many(&steps).await.unwrap();
    let skip: std::collections::HashSet<(Uuid, Stamp)> = [(steps[0].id, steps[0].updated_at)].into();
    let none = std::collections::HashSet::new();
    let after = Some(tickets[0].updated_at);
    let wanted = [
        PageWanted { kind: RecordKind::Ticket, after, skip: &none },
        PageWanted { kind: RecordKind::TicketEvent, after: None, skip: &skip },
        PageWanted { kind: RecordKind::DrillPlan, after: None, skip: &none },
    ];
    for limit in [2, 3, 4] {
        let pages = store.changed_pages(&wanted, limit).await.unwrap();
        assert_eq!(pages.len(), 3, "a page for each kind asked");
        for (w, page) in wanted.iter().zip(&pages) {
            assert_eq!(page, &store.changed_page(w.kind, w.after, limit, w.skip).await.unwrap(), "limit {limit}: {:?} as read alone", w.kind);
        }
        // Three tickets after the first, two steps (the first skipped), no plan. A full page
        // leaves its last stamp to the next one, so it may say it goes on when it does not.
        let ids = |page: &ChangedPage| page.records.iter().map(|r| r.id).collect::<Vec<_>>();
        let (ticket_ids, tickets_ended, step_ids, steps_last, steps_ended) = match limit {
            2 => (vec![tickets[1].id], false, vec![], steps[0].updated_at, false),
            3 => (vec![tickets[1].id, tickets[2].id], false, vec![steps[1].id], steps[1].updated_at, true),
            _ => (vec![tickets[1].id, tickets[2].id, tickets[3].id], true, vec![steps[1].id], steps[1].updated_at, true),
        };
        assert_eq!((ids(&pages[0]), pages[0].ended), (ticket_ids, tickets_ended), "limit {limit}: tickets");
        assert_eq!((ids(&pages[1]), pages[1].last, pages[1].ended), (step_ids, Some(steps_last), steps_ended), "limit {limit}: steps");
        assert_eq!((pages[2].records.len(), pages[2].last, pages[2].ended), (0, None, true), "no plan: ended");
    }
}

/// Two tabs (or tablets) edit the same ticket; the edit stamped later stays, even when the
/// earlier-stamped write reaches the store second, and replaying a write is harmless.
pub async fn the_later_stamp_wins_whichever_write_arrives_last<S: RecordStore>(store: &S) {
    let mut tab_a = clock(0xa);
    let mut tab_b = clock(0xb);
    let original = ticket(&mut tab_a, 1, "new", "lift");
    store.put_many(&[original.clone()]).await.unwrap();
    let from_a = original.edited(json!({"status": "assessed", "category": "lift"}), tab_a.tick(10), None);
    let from_b = original.edited(json!({"status": "new", "category": "plumbing"}), tab_b.tick(20), None);
    assert!(store.put_many(&[from_b.clone()]).await.unwrap().all_written());
    let report = store.put_many(&[from_a.clone()]).await.unwrap();
    assert_eq!(report.stale, vec![from_a.id], "the older edit is reported, not written");
    assert_eq!(store.get(RecordKind::Ticket, original.id).await.unwrap(), Some(from_b.clone()));
    assert!(store.put_many(&[from_b.clone()]).await.unwrap().all_written());
    // Within one batch, order does not matter either.
    let again = from_b.edited(json!({"status": "new", "category": "lift"}), tab_b.tick(30), None);
    let report = store.put_many(&[again.clone(), from_a.clone()]).await.unwrap();
    assert_eq!(report.stale, vec![from_a.id]);
    assert_eq!(store.get(RecordKind::Ticket, original.id).await.unwrap(), Some(again));
}

/// What the live cache loads at start: live records with their bodies typed, tombstones
/// left out, and a live record that does not read counted rather than failing the read.
pub async fn live_rows_type_the_bodies_and_count_what_does_not_read<S: RecordStore>(store: &S) {
    let mut c = clock(1);
    let good = serde_json::to_value(common_ticket()).unwrap();
    let a = Record::create(RecordKind::Ticket, good.clone(), c.tick(1), None);
    let b = Record::create(RecordKind::Ticket, good, c.tick(2), None);
    let unreadable = ticket(&mut c, 3, "new", "lift");
    store.put_many(&[a.clone(), b.clone(), unreadable]).await.unwrap();
    delete(store, RecordKind::Ticket, b.id, c.tick(4), None).await.unwrap();
    let (rows, bad) = store.live_rows::<Ticket>(RecordKind::Ticket).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![a.id]);
    assert_eq!(rows[0].updated_at, a.updated_at);
    assert_eq!(rows[0].origin_device, a.origin_device);
    assert_eq!(rows[0].body.number, "DH01-TEST-001");
    assert_eq!(bad, 1);
}

fn common_ticket() -> Ticket {
    use patroldesk::domain::ticket::{default_categories, QuickReport};
    let form = QuickReport { category: "plumbing".into(), location: "东门".into(), note: String::new() }.validate(&default_categories()).unwrap();
    Ticket::from_quick(form, "DH01-TEST-001".into(), &Default::default(), chrono::Utc::now(), 480, vec![])
}
