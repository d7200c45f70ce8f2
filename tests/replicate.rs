//! Live replication against a CouchDB database in memory (issue 20): two tablets converge
//! through the server to the same data, a conflict is settled the same way whoever settles it,
//! a tombstone travels, what the server sends is checked like a file, and a connection cut at
//! every single call of a pass loses and duplicates nothing.

mod common;

use std::collections::BTreeMap;

use chrono::{Duration, TimeZone, Utc};
use common::run;
use patroldesk::app::replicate::{pass, ReplicateError};
use patroldesk::domain::clock::Stamp;
use patroldesk::domain::couch::{to_doc, DocProblem};
use patroldesk::domain::record::{Record, RecordKind};
use patroldesk::domain::sample::{ticket_records, SampleSpec};
use patroldesk::store::couch::{CouchApi, CouchError, MemoryCouch};
use patroldesk::store::memory::MemoryStore;
use patroldesk::store::RecordStore;
use serde_json::json;
use uuid::Uuid;

const URL: &str = "http://127.0.0.1:5984/patroldesk-dh01";

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 8, 0, 0).unwrap()
}

/// A tablet's clock at this file's fixed `now()`: a stamp from the system clock would be
/// refused as from the future by the other tablets once the real date is a day past it.
struct ClockAtNow(std::cell::RefCell<patroldesk::domain::clock::Hlc>);

impl patroldesk::app::Stamps for ClockAtNow {
    fn stamp(&self) -> Result<Stamp, patroldesk::store::StoreError> {
        Ok(self.0.borrow_mut().tick(now().timestamp_millis()))
    }

    fn observe(&self, seen: Stamp) {
        self.0.borrow_mut().observe(seen, now().timestamp_millis());
    }
}

fn tablet(n: u128) -> Uuid {
    Uuid::from_u128(0xabc000 + n)
}

fn stamp(ms_after: i64, device: Uuid) -> Stamp {
    Stamp { wall_ms: now().timestamp_millis() - 3_600_000 + ms_after, counter: 0, device }
}

/// A tablet holding `tickets` tickets of its own (not `stocked`'s), and those records.
fn holding_its_own(seed: u64, tickets: usize) -> (MemoryStore, Vec<Record>) {
    let spec = SampleSpec { seed, tickets, days: 5, now: now() - Duration::hours(3), offset_min: 480, chinese: true, staff: vec![] };
    let store = MemoryStore::new();
    let records: Vec<Record> = (0..tickets).flat_map(|i| ticket_records(&spec, i)).collect();
    run(store.put_many(&records)).unwrap();
    (store, records)
}

/// A tablet holding `tickets` sample tickets with their steps.
fn stocked(tickets: usize) -> MemoryStore {
    let store = MemoryStore::new();
    let spec = SampleSpec { seed: 20, tickets, days: 5, now: now() - Duration::hours(2), offset_min: 480, chinese: true, staff: vec![] };
    let records: Vec<Record> = (0..tickets).flat_map(|i| ticket_records(&spec, i)).collect();
    run(store.put_many(&records)).unwrap();
    store
}

/// Everything a tablet holds, by kind and id.
fn everything(store: &MemoryStore) -> BTreeMap<(RecordKind, Uuid), Record> {
    RecordKind::ALL.into_iter().flat_map(|k| run(store.changed_since(k, None)).unwrap()).map(|r| ((r.kind, r.id), r)).collect()
}

/// Passes until one goes through (a cut connection is retried, as the app does).
fn pass_until_done(store: &MemoryStore, couch: &MemoryCouch, device: Uuid) {
    for _ in 0..20 {
        match run(pass(store, couch, device, URL, now())) {
            Ok(_) => return,
            Err(ReplicateError::Couch(CouchError::Offline)) => continue,
            Err(e) => panic!("{e}"),
        }
    }
    panic!("no pass went through");
}

#[test]
fn two_tablets_converge_through_the_server() {
    let couch = MemoryCouch::new();
    let a = stocked(5);
    let b = MemoryStore::new();
    let report = run(pass(&a, &couch, tablet(1), URL, now())).unwrap();
    assert_eq!(report.pushed, everything(&a).len());
    assert_eq!(couch.winners().len(), everything(&a).len(), "one document per record");
    let report = run(pass(&b, &couch, tablet(2), URL, now())).unwrap();
    assert_eq!(report.pulled, everything(&a).len());
    assert_eq!(everything(&b), everything(&a));
    // Nothing new: a pass moves nothing.
    let again = run(pass(&a, &couch, tablet(1), URL, now())).unwrap();
    assert_eq!((again.pushed, again.pulled), (0, 0), "{again:?}");
}

#[test]
fn edits_made_on_both_tablets_while_apart_merge_field_by_field_and_converge() {
    let couch = MemoryCouch::new();
    let a = stocked(3);
    let b = MemoryStore::new();
    pass_until_done(&a, &couch, tablet(1));
    pass_until_done(&b, &couch, tablet(2));
    let ticket = everything(&a).into_values().find(|r| r.kind == RecordKind::Ticket).unwrap();
    // Offline apart: A changes the description, B the phone number of the same ticket.
    let mut body = ticket.body.clone();
    body["description"] = json!("A: 已关阀，等师傅");
    run(a.put_many(&[ticket.edited(body, stamp(10_000, tablet(1)), None)])).unwrap();
    let mut body = ticket.body.clone();
    body["phone"] = json!("13911112222");
    run(b.put_many(&[ticket.edited(body, stamp(20_000, tablet(2)), None)])).unwrap();
    // Online again, in turn.
    pass_until_done(&a, &couch, tablet(1));
    pass_until_done(&b, &couch, tablet(2));
    pass_until_done(&a, &couch, tablet(1));
    assert_eq!(everything(&a), everything(&b), "both tablets hold the same data");
    let merged = &everything(&a)[&(RecordKind::Ticket, ticket.id)];
    assert_eq!(merged.body["description"], json!("A: 已关阀，等师傅"));
    assert_eq!(merged.body["phone"], json!("13911112222"));
    assert_eq!(couch.conflicted(), 0, "the conflict was settled on the server too");
}

#[test]
fn a_conflict_settled_by_two_tablets_at_once_is_settled_once() {
    let couch = MemoryCouch::new();
    let a = stocked(1);
    let b = MemoryStore::new();
    pass_until_done(&a, &couch, tablet(1));
    pass_until_done(&b, &couch, tablet(2));
    let ticket = everything(&a).into_values().find(|r| r.kind == RecordKind::Ticket).unwrap();
    let mut body = ticket.body.clone();
    body["description"] = json!("A");
    run(a.put_many(&[ticket.edited(body, stamp(10_000, tablet(1)), None)])).unwrap();
    let mut body = ticket.body.clone();
    body["unit"] = json!("3-2-1201");
    run(b.put_many(&[ticket.edited(body, stamp(20_000, tablet(2)), None)])).unwrap();
    // Both push before either pulls: the server holds two leaves.
    run(patroldesk::app::replicate::push(&a, &couch, tablet(1), URL)).unwrap();
    run(patroldesk::app::replicate::push(&b, &couch, tablet(2), URL)).unwrap();
    assert_eq!(couch.conflicted(), 1);
    // Each settles it on its own; the second writes what the first wrote.
    let settled_a = run(pass(&a, &couch, tablet(1), URL, now())).unwrap().settled;
    let winners_after_a = couch.winners();
    pass_until_done(&b, &couch, tablet(2));
    assert_eq!(settled_a, 1);
    assert_eq!(couch.conflicted(), 0);
    assert_eq!(couch.winners(), winners_after_a, "b's settling wrote the same revision");
    assert_eq!(everything(&a), everything(&b));
}

#[test]
fn a_tombstone_travels_and_an_older_copy_does_not_bring_the_record_back() {
    let couch = MemoryCouch::new();
    let a = stocked(2);
    let b = MemoryStore::new();
    pass_until_done(&a, &couch, tablet(1));
    pass_until_done(&b, &couch, tablet(2));
    let ticket = everything(&a).into_values().find(|r| r.kind == RecordKind::Ticket).unwrap();
    run(a.put_many(&[ticket.tombstoned(stamp(30_000, tablet(1)), None)])).unwrap();
    pass_until_done(&a, &couch, tablet(1));
    pass_until_done(&b, &couch, tablet(2));
    assert!(everything(&b)[&(RecordKind::Ticket, ticket.id)].is_deleted());
    // A third tablet that still holds the old copy joins.
    let c = MemoryStore::new();
    run(c.put_many(&[ticket.clone()])).unwrap();
    pass_until_done(&c, &couch, tablet(3));
    pass_until_done(&b, &couch, tablet(2));
    assert!(everything(&c)[&(RecordKind::Ticket, ticket.id)].is_deleted());
    assert!(everything(&b)[&(RecordKind::Ticket, ticket.id)].is_deleted());
}

#[test]
fn what_the_server_sends_is_checked_like_a_file_and_refused_documents_are_not_written() {
    let couch = MemoryCouch::new();
    let b = MemoryStore::new();
    let a = stocked(1);
    let ticket = everything(&a).into_values().find(|r| r.kind == RecordKind::Ticket).unwrap();
    let future = ticket.edited(ticket.body.clone(), Stamp { wall_ms: (now() + Duration::days(3)).timestamp_millis(), counter: 0, device: tablet(9) }, None);
    let mut doc = to_doc(&future, Some("1-ffff"));
    doc["_revisions"] = json!({ "start": 1, "ids": ["ffff"] });
    run(couch.bulk_docs(&[doc])).unwrap();
    let report = run(pass(&b, &couch, tablet(2), URL, now())).unwrap();
    assert_eq!(report.refused.len(), 1);
    assert!(matches!(&report.refused[0].1, DocProblem::Invalid(_)));
    assert!(everything(&b).is_empty(), "nothing of a refused document is written");
}

#[test]
fn a_connection_cut_at_any_call_of_a_pass_loses_and_duplicates_nothing() {
    // How many calls a whole pass takes, each way.
    let probe = MemoryCouch::new();
    let a = stocked(4);
    run(pass(&a, &probe, tablet(1), URL, now())).unwrap();
    let push_calls = probe.calls.get();
    let b = MemoryStore::new();
    probe.calls.set(0);
    run(pass(&b, &probe, tablet(2), URL, now())).unwrap();
    let pull_calls = probe.calls.get();
    assert!(push_calls > 3 && pull_calls > 3, "{push_calls} {pull_calls}");

    for cut in 0..push_calls {
        let couch = MemoryCouch::new();
        let a = stocked(4);
        couch.cut_after(cut);
        assert_eq!(run(pass(&a, &couch, tablet(1), URL, now())).err(), Some(ReplicateError::Couch(CouchError::Offline)), "cut at call {cut}");
        pass_until_done(&a, &couch, tablet(1));
        assert_eq!(couch.winners().len(), everything(&a).len(), "push cut at call {cut}");
        assert_eq!(couch.conflicted(), 0);
        for cut_b in [0, cut.min(pull_calls.saturating_sub(1))] {
            let b = MemoryStore::new();
            couch.cut_after(cut_b);
            let _ = run(pass(&b, &couch, tablet(2), URL, now()));
            pass_until_done(&b, &couch, tablet(2));
            assert_eq!(everything(&b), everything(&a), "push cut at {cut}, pull cut at {cut_b}");
        }
    }
}

#[test]
fn a_first_replication_asks_no_revs_diff_of_an_empty_database_nor_bulk_get_of_what_came_with_the_changes_and_survives_a_cut_at_any_call() {
    use patroldesk::app::replicate::BATCH;
    let probe = MemoryCouch::new();
    let a = stocked(300);
    let records = everything(&a).len();
    assert!(records > 2 * BATCH, "{records}: several batches");
    assert_eq!(run(pass(&a, &probe, tablet(1), URL, now())).unwrap().pushed, records);
    assert_eq!(probe.revs_diffs.get(), 0, "an empty database holds nothing to ask about");
    let calls = probe.calls.get();
    // An empty tablet's first pull takes the documents with the changes: no `_bulk_get`.
    let empty = MemoryStore::new();
    assert_eq!(run(pass(&empty, &probe, tablet(4), URL, now())).unwrap().pulled, records);
    assert_eq!(probe.bulk_gets.get(), 0);
    assert_eq!(everything(&empty), everything(&a));

    // A tablet holding the same records (they came to it by file) finds them all there: the
    // database is not empty, so it asks, and sends nothing.
    let twin = MemoryStore::new();
    run(twin.put_many(&everything(&a).into_values().collect::<Vec<_>>())).unwrap();
    let report = run(pass(&twin, &probe, tablet(3), URL, now())).unwrap();
    assert_eq!((report.pushed, report.pulled), (0, 0));
    assert!(probe.revs_diffs.get() > 0);

    for cut in 0..calls {
        let couch = MemoryCouch::new();
        let a = stocked(300);
        couch.cut_after(cut);
        assert_eq!(run(pass(&a, &couch, tablet(1), URL, now())).err(), Some(ReplicateError::Couch(CouchError::Offline)), "cut at call {cut}");
        pass_until_done(&a, &couch, tablet(1));
        assert_eq!(couch.winners().len(), records, "push cut at call {cut}");
        assert_eq!(couch.conflicted(), 0, "push cut at call {cut}");
        let b = MemoryStore::new();
        pass_until_done(&b, &couch, tablet(2));
        assert_eq!(everything(&b), everything(&a), "push cut at call {cut}");
    }
}

/// A first push starts sending before its records are counted (counting a year of them took
/// 0.4 s while the server waited): into an empty database it asks nothing first however few
/// it sends, and the count reaches the screen while the first batch goes.
#[test]
fn a_first_push_into_an_empty_database_asks_nothing_first_and_shows_its_count() {
    use patroldesk::app::replicate::{pass_showing, Progress, BATCH};
    use std::cell::RefCell;
    let couch = MemoryCouch::new();
    let a = stocked(5);
    let records = everything(&a).len();
    assert!(records < BATCH, "{records}: one batch");
    let seen = RefCell::new(Vec::new());
    let report = run(pass_showing(&a, &couch, tablet(1), URL, now(), &|p| seen.borrow_mut().push(p), &|_| {})).unwrap();
    assert_eq!(report.pushed, records);
    assert_eq!(couch.revs_diffs.get(), 0, "an empty database holds nothing to ask about");
    assert!(seen.borrow().contains(&Progress::Pushing { done: 0, of: records }), "{:?}", seen.borrow());
    // Into a database holding records, the first push of another tablet asks.
    let b = stocked(3);
    run(pass(&b, &couch, tablet(2), URL, now())).unwrap();
    assert!(couch.revs_diffs.get() > 0);
    assert_eq!(couch.conflicted(), 0);
}

#[test]
fn a_pass_shows_its_progress_and_where_the_pull_stopped() {
    use patroldesk::app::replicate::{pass_showing, Progress, BATCH, CHANGES_PAGE};
    use std::cell::RefCell;
    let couch = MemoryCouch::new();
    let a = stocked(400);
    let sent = everything(&a).len();
    assert!(sent > 2 * BATCH, "{sent}: several batches");
    let seen = RefCell::new(Vec::new());
    let report = run(pass_showing(&a, &couch, tablet(1), URL, now(), &|p| seen.borrow_mut().push(p), &|_| {})).unwrap();
    assert_eq!(report.pushed, sent);
    let pushing: Vec<Progress> = seen.borrow().iter().copied().filter(|p| matches!(p, Progress::Pushing { .. })).collect();
    let batches = sent.div_ceil(BATCH);
    assert_eq!(pushing.len(), batches);
    assert_eq!(pushing[0], Progress::Pushing { done: 0, of: sent });
    assert_eq!(pushing[batches - 1], Progress::Pushing { done: (batches - 1) * BATCH, of: sent });

    // B pulls in batches: the percentage climbs to 100 against the server's update_seq.
    let b = MemoryStore::new();
    seen.borrow_mut().clear();
    let told = RefCell::new(Vec::new());
    let report = run(pass_showing(&b, &couch, tablet(2), URL, now(), &|p| seen.borrow_mut().push(p), &|written| told.borrow_mut().extend_from_slice(written))).unwrap();
    assert_eq!(told.borrow().len(), sent, "every record stored is told, once");
    assert_eq!(report.pulled, sent);
    assert_eq!(report.last_seq, json!(sent));
    let percents: Vec<u8> = seen.borrow().iter().filter_map(|p| match p { Progress::Pulling { percent } => *percent, _ => None }).collect();
    assert_eq!(percents.first(), Some(&0));
    assert!(percents.windows(2).all(|w| w[0] <= w[1]), "{percents:?}");
    // Once at the start, then after every page of changes.
    assert!(percents.len() > sent.div_ceil(CHANGES_PAGE), "{percents:?}");
    assert_eq!(percents.last(), Some(&100), "{percents:?}");
}

#[test]
fn photos_travel_after_their_tickets_checked_against_their_id_and_survive_a_cut_anywhere() {
    use patroldesk::domain::couch::{photo_doc, DocProblem, PhotoProblem};
    use patroldesk::domain::export::sha256_hex;
    use patroldesk::store::couch::ReplicaStore;
    use patroldesk::store::PhotoStore;
    let a = stocked(3);
    // A ticket of A's gets a photo (a fake JPEG: only its bytes and their hash matter here).
    let jpeg: Vec<u8> = b"\xFF\xD8\xFF\xE0 photo of a leaking pipe".iter().copied().chain((0..5000).map(|i| (i % 251) as u8)).collect();
    let sha = sha256_hex(&jpeg);
    let ticket = everything(&a).into_values().find(|r| r.kind == RecordKind::Ticket).unwrap();
    let mut body = ticket.body.clone();
    body["photos"] = json!([{ "sha256": sha, "width": 800, "height": 600, "bytes": jpeg.len() }]);
    let with_photo = ticket.edited(body, stamp(10, tablet(1)), None);
    run(a.put_many_with_photos(std::slice::from_ref(&with_photo), &[(sha.clone(), ("image/jpeg".to_owned(), jpeg.clone()))])).unwrap();

    // Cut at every call of B's first pull; it resumes and ends with the photo, once.
    let couch = MemoryCouch::new();
    pass_until_done(&a, &couch, tablet(1));
    assert!(couch.winners().contains_key(&format!("photo:{sha}")));
    let probe_calls = {
        let probe = MemoryCouch::new();
        pass_until_done(&a, &probe, tablet(1));
        let b = MemoryStore::new();
        probe.calls.set(0);
        pass_until_done(&b, &probe, tablet(2));
        probe.calls.get()
    };
    for cut in 0..probe_calls {
        let b = MemoryStore::new();
        couch.cut_after(cut);
        let _ = run(pass(&b, &couch, tablet(2), URL, now()));
        pass_until_done(&b, &couch, tablet(2));
        assert_eq!(run(b.photo_bytes(&sha)).unwrap(), Some(("image/jpeg".to_owned(), jpeg.clone())), "cut at call {cut}");
        assert_eq!(everything(&b), everything(&a), "cut at call {cut}");
    }

    // A photo whose bytes are not the ones its id names is not kept.
    let c = MemoryStore::new();
    let other = MemoryCouch::new();
    let fake = "0".repeat(64);
    run(other.bulk_docs(&[photo_doc(&fake, "image/jpeg", &jpeg), photo_doc(&sha, "text/html", b"<script>")])).unwrap();
    let report = run(pass(&c, &other, tablet(3), URL, now())).unwrap();
    let problems: Vec<&DocProblem> = report.refused.iter().map(|(_, p)| p).collect();
    assert_eq!(problems, [&DocProblem::Photo(PhotoProblem::Checksum), &DocProblem::Photo(PhotoProblem::Type)]);
    assert_eq!(run(c.missing_photos(&[fake, sha])).unwrap().len(), 2);
}

#[test]
fn a_purge_travels_through_the_server_erases_the_photo_and_an_older_copy_does_not_bring_the_resident_back() {
    use patroldesk::app::retention::{gather, purge};
    use patroldesk::domain::export::sha256_hex;
    use patroldesk::store::PhotoStore;
    let couch = MemoryCouch::new();
    let a = stocked(3);
    let jpeg = b"\xFF\xD8\xFF\xE0 photo of the resident's kitchen".to_vec();
    let sha = sha256_hex(&jpeg);
    let ticket = everything(&a).into_values().find(|r| r.kind == RecordKind::Ticket).unwrap();
    let mut body = ticket.body.clone();
    body["reporter_name"] = json!("标记住户丙");
    body["phone"] = json!("13912340002");
    body["photos"] = json!([{ "sha256": sha, "width": 800, "height": 600, "bytes": jpeg.len() }]);
    let marked = ticket.edited(body, stamp(10, tablet(1)), None);
    run(a.put_many_with_photos(std::slice::from_ref(&marked), &[(sha.clone(), ("image/jpeg".to_owned(), jpeg))])).unwrap();
    let b = MemoryStore::new();
    pass_until_done(&a, &couch, tablet(1));
    pass_until_done(&b, &couch, tablet(2));
    assert!(b.stored_photo(&sha).is_some());
    // A third tablet keeps the copy from before the purge, offline.
    let c = MemoryStore::new();
    run(c.put_many(std::slice::from_ref(&marked))).unwrap();

    let gathered = run(gather(&a, &[marked.id])).unwrap();
    let clock = ClockAtNow(std::cell::RefCell::new(patroldesk::domain::clock::Hlc::new(tablet(1))));
    run(purge(&a, &clock, patroldesk::app::Who { actor: None, now: now(), offset_min: 480 }, &gathered)).unwrap();
    pass_until_done(&a, &couch, tablet(1));
    pass_until_done(&c, &couch, tablet(3));
    pass_until_done(&b, &couch, tablet(2));
    pass_until_done(&a, &couch, tablet(1));
    for (name, store) in [("A", &a), ("B", &b), ("C", &c)] {
        let text = serde_json::to_string(&everything(store).into_values().collect::<Vec<_>>()).unwrap();
        assert!(!text.contains("标记住户丙") && !text.contains("13912340002"), "{name} holds the resident");
        assert!(everything(store)[&(RecordKind::Ticket, marked.id)].is_purged(), "{name}");
    }
    assert!(b.stored_photo(&sha).is_none(), "the photo goes with the purge");
    let on_server = serde_json::to_string(&couch.winners()).unwrap();
    assert!(!on_server.contains("标记住户丙"), "the server's current revision holds no resident");
}

/// A tablet without a network hands its file to one with a network: what the import wrote
/// goes up with the next push, though it was stamped before that tablet's push checkpoint
/// (the `updated_at` index after the checkpoint does not find it), and the queue empties.
#[test]
fn a_record_relayed_by_file_reaches_the_server_though_stamped_before_the_push_checkpoint() {
    use patroldesk::store::couch::ReplicaStore;
    let couch = MemoryCouch::new();
    let a = stocked(3);
    pass_until_done(&a, &couch, tablet(1));
    // Made on a tablet in a basement an hour before A's last push, brought to A by file.
    let spec = SampleSpec { seed: 77, tickets: 2, days: 5, now: now() - Duration::hours(3), offset_min: 480, chinese: true, staff: vec![] };
    let basement: Vec<Record> = (0..2).flat_map(|i| ticket_records(&spec, i)).collect();
    let text = common::file_of(basement.clone(), 9);
    run(patroldesk::app::sync::import_file(&a, &text, None, "basement.json", now(), Uuid::from_u128(0x1e)))
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(run(a.queued_for_push()).unwrap().len(), basement.len());
    // The card's "N waiting" counts them, while the network is away.
    assert_eq!(run(patroldesk::app::replicate::waiting(&a, tablet(1), URL)).unwrap(), basement.len());
    let report = run(pass(&a, &couch, tablet(1), URL, now())).unwrap();
    assert_eq!(report.pushed, basement.len());
    assert!(run(a.queued_for_push()).unwrap().is_empty());
    assert_eq!(run(patroldesk::app::replicate::waiting(&a, tablet(1), URL)).unwrap(), 0);
    let b = MemoryStore::new();
    pass_until_done(&b, &couch, tablet(2));
    assert_eq!(everything(&b), everything(&a));
    for record in &basement {
        assert!(everything(&b).contains_key(&(record.kind, record.id)));
    }
    // Nothing goes twice, and the push checkpoint did not move back.
    assert_eq!(run(pass(&a, &couch, tablet(1), URL, now())).unwrap().pushed, 0);

    // An import undone before the next pass sends nothing, and leaves nothing queued.
    let spec = SampleSpec { seed: 78, tickets: 1, days: 5, now: now() - Duration::hours(3), offset_min: 480, chinese: true, staff: vec![] };
    let text = common::file_of(ticket_records(&spec, 0), 10);
    let entry = run(patroldesk::app::sync::import_file(&a, &text, None, "wrong.json", now(), Uuid::from_u128(0x1f))).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(!run(a.queued_for_push()).unwrap().is_empty());
    run(patroldesk::store::sync::SyncStore::undo_import(&a, entry.id)).unwrap();
    assert!(run(a.queued_for_push()).unwrap().is_empty());
    assert_eq!(run(pass(&a, &couch, tablet(1), URL, now())).unwrap().pushed, 0);
}

/// The server in memory with what a test needs around it: an edit saved on `store` while it
/// takes the push's first `_bulk_docs` (`edit`) or the first checkpoint (`edit_at_checkpoint`),
/// a user saving while the first replication runs; each `_bulk_docs` answered only after the
/// tablet's other work has had a turn (`slow`, as over a network); what each `_changes`
/// returned (`log`); and another tablet's document stored once the push has sent `foreign`'s
/// number of batches.
struct HookedServer<'a> {
    couch: &'a MemoryCouch,
    store: Option<&'a MemoryStore>,
    edit: std::cell::RefCell<Vec<Record>>,
    edit_at_checkpoint: std::cell::RefCell<Vec<Record>>,
    slow: bool,
    log: std::cell::RefCell<Vec<Call>>,
    foreign: std::cell::RefCell<Option<(usize, serde_json::Value)>>,
}

impl<'a> HookedServer<'a> {
    fn around(couch: &'a MemoryCouch) -> HookedServer<'a> {
        HookedServer { couch, store: None, edit: Default::default(), edit_at_checkpoint: Default::default(), slow: false, log: Default::default(), foreign: Default::default() }
    }

    fn save_edit(&self, edit: &std::cell::RefCell<Vec<Record>>) {
        let edits = std::mem::take(&mut *edit.borrow_mut());
        if let (Some(store), false) = (self.store, edits.is_empty()) {
            run(store.put_many(&edits)).unwrap();
        }
    }
}

impl CouchApi for HookedServer<'_> {
    async fn changes(&self, since: &serde_json::Value, limit: usize, with_docs: bool) -> Result<patroldesk::domain::couch::ChangesResponse, CouchError> {
        let changes = self.couch.changes(since, limit, with_docs).await?;
        self.log.borrow_mut().push(Call::Changes { results: changes.results.len() });
        self.log.borrow_mut().push(Call::DocsCarried { docs: changes.results.iter().filter(|c| c.doc.is_some()).count() });
        Ok(changes)
    }
    async fn revs_diff(&self, request: &serde_json::Value) -> Result<serde_json::Value, CouchError> {
        self.couch.revs_diff(request).await
    }
    async fn bulk_get(&self, wanted: &[(String, String)]) -> Result<Vec<serde_json::Value>, CouchError> {
        self.log.borrow_mut().push(Call::BulkGet { docs: wanted.len() });
        self.couch.bulk_get(wanted).await
    }
    async fn bulk_docs(&self, docs: &[serde_json::Value]) -> Result<(), CouchError> {
        YieldOnce(!self.slow).await;
        self.couch.bulk_docs(docs).await?;
        self.save_edit(&self.edit);
        self.log.borrow_mut().push(Call::BulkDocs);
        let batches = self.log.borrow().iter().filter(|c| **c == Call::BulkDocs).count();
        let due = self.foreign.borrow().as_ref().is_some_and(|(after, _)| batches >= *after);
        let foreign = if due { self.foreign.borrow_mut().take() } else { None };
        if let Some((_, doc)) = foreign {
            self.couch.bulk_docs(&[doc]).await?;
        }
        Ok(())
    }
    async fn leaves(&self, id: &str) -> Result<Vec<serde_json::Value>, CouchError> {
        self.couch.leaves(id).await
    }
    async fn get_local(&self, id: &str) -> Result<Option<patroldesk::domain::couch::Checkpoint>, CouchError> {
        self.couch.get_local(id).await
    }
    async fn put_local(&self, id: &str, checkpoint: &patroldesk::domain::couch::Checkpoint) -> Result<(), CouchError> {
        self.couch.put_local(id, checkpoint).await?;
        self.save_edit(&self.edit_at_checkpoint);
        Ok(())
    }
    async fn update_seq(&self) -> Result<serde_json::Value, CouchError> {
        self.couch.update_seq().await
    }
    async fn get_with_attachments(&self, id: &str) -> Result<Option<serde_json::Value>, CouchError> {
        self.couch.get_with_attachments(id).await
    }
    async fn holds_records(&self) -> Result<bool, CouchError> {
        self.couch.holds_records().await
    }
}

#[test]
fn a_record_edited_while_its_first_push_runs_goes_up_on_the_revision_just_sent() {
    use patroldesk::app::replicate::BATCH;
    let a = stocked(200);
    let all = everything(&a);
    assert!(all.len() > BATCH, "{}: two batches at least", all.len());
    // The oldest ticket goes in the first batch; it is edited while the server takes it, so
    // it comes round again at the end of the push, now on a revision of this push.
    let oldest = all.values().filter(|r| r.kind == RecordKind::Ticket).min_by_key(|r| r.updated_at).unwrap().clone();
    let mut body = oldest.body.clone();
    body["description"] = json!("edited while the first replication ran");
    let edited = oldest.edited(body, stamp(3_500_000, tablet(1)), None);
    let couch = MemoryCouch::new();
    let server = HookedServer { store: Some(&a), edit: std::cell::RefCell::new(vec![edited.clone()]), ..HookedServer::around(&couch) };
    let report = run(pass(&a, &server, tablet(1), URL, now())).unwrap();
    assert!(server.edit.borrow().is_empty(), "the edit was made during the push");
    assert_eq!(report.settled, 0, "no conflict to settle: the edit went up on the revision sent before it");
    assert_eq!(couch.conflicted(), 0);
    assert_eq!(report.pushed, all.len() + 1, "every record once, and the edit");
    let id = format!("ticket:{}", oldest.id);
    assert_eq!(couch.winners()[&id]["record"]["body"]["description"], json!("edited while the first replication ran"));
    let b = MemoryStore::new();
    pass_until_done(&b, &couch, tablet(2));
    assert_eq!(everything(&b), everything(&a));
}

/// A push reads every kind's changes together; a kind it found nothing more in is read
/// again before records read later are taken. Here a drill plan, then a step, are written
/// while the first batch goes up: the push has read every drill plan there was, but the step
/// comes in the events' next page, stamped after the plan. Taking the step without looking
/// at the plans again would move the checkpoint past the plan, and it would never go up.
#[test]
fn a_record_written_during_a_push_to_a_kind_it_had_read_to_the_end_still_goes_up() {
    use patroldesk::app::replicate::BATCH;
    use patroldesk::domain::couch::doc_id;
    let a = stocked(200);
    let all = everything(&a);
    assert!(all.values().filter(|r| r.kind == RecordKind::TicketEvent).count() > BATCH, "the events take two pages");
    assert!(all.values().all(|r| r.kind != RecordKind::DrillPlan), "no plan before the push");
    let highest = all.values().map(|r| r.updated_at).max().unwrap();
    let plan = Record::create(RecordKind::DrillPlan, json!({"title": "Fire drill, block 3"}), Stamp { wall_ms: highest.wall_ms + 1, counter: 0, device: tablet(1) }, None);
    let ticket = all.values().find(|r| r.kind == RecordKind::Ticket).unwrap();
    let step = Record::create(RecordKind::TicketEvent, json!({"ticket_id": ticket.id, "action": "note"}), Stamp { wall_ms: highest.wall_ms + 2, counter: 0, device: tablet(1) }, None);
    let couch = MemoryCouch::new();
    // Both written as the server takes the first batch, after the push's first look.
    let server = HookedServer { store: Some(&a), edit: std::cell::RefCell::new(vec![plan.clone(), step.clone()]), ..HookedServer::around(&couch) };
    run(pass(&a, &server, tablet(1), URL, now())).unwrap();
    assert!(server.edit.borrow().is_empty(), "both were written during the push");
    pass_until_done(&a, &couch, tablet(1));
    let winners = couch.winners();
    assert!(winners.contains_key(&doc_id(RecordKind::TicketEvent, step.id)), "the step went up");
    assert!(winners.contains_key(&doc_id(RecordKind::DrillPlan, plan.id)), "the plan went up, though the push had read the plans to their end before it was written");
}

#[test]
fn a_new_tablets_first_pull_is_not_read_back_by_the_push_after_it() {
    use patroldesk::app::replicate::{pushed_until, waiting};
    let a = stocked(30);
    let couch = MemoryCouch::new();
    pass_until_done(&a, &couch, tablet(1));
    let b = MemoryStore::new();
    let report = run(pass(&b, &couch, tablet(2), URL, now())).unwrap();
    assert_eq!((report.pushed, report.pulled), (0, everything(&a).len()));
    // Nothing but the pull wrote here: the push after it looks at none of what came (read
    // back, every record would be counted and read once more).
    assert_eq!(b.changed_rows_read(), 0);
    let highest = everything(&b).values().map(|r| r.updated_at).max();
    assert_eq!(run(pushed_until(&b, tablet(2), URL)).unwrap(), highest);
    assert_eq!(run(waiting(&b, tablet(2), URL)).unwrap(), 0);
    // And a later edit on B goes up as ever.
    let ticket = everything(&b).into_values().find(|r| r.kind == RecordKind::Ticket).unwrap();
    let mut body = ticket.body.clone();
    body["description"] = json!("edited on B after its first pull");
    let stamp = Stamp { wall_ms: highest.unwrap().wall_ms + 1, counter: 0, device: tablet(2) };
    run(b.put_many(&[ticket.edited(body, stamp, None)])).unwrap();
    let again = run(pass(&b, &couch, tablet(2), URL, now())).unwrap();
    assert_eq!((again.pushed, again.pulled), (1, 0));
    assert_eq!(couch.winners()[&format!("ticket:{}", ticket.id)]["record"]["body"]["description"], json!("edited on B after its first pull"));
}

#[test]
fn after_a_first_pull_the_push_passes_over_what_came_and_sends_an_edit_made_meanwhile() {
    use patroldesk::app::replicate::pushed_until;
    let a = stocked(30);
    let couch = MemoryCouch::new();
    pass_until_done(&a, &couch, tablet(1));
    let all = everything(&a);
    // B's first pull stores everything; as its checkpoint is written, B's user edits a ticket
    // that came in it.
    let b = MemoryStore::new();
    // The oldest ticket, edited at a stamp older than much of what came.
    let ticket = all.values().filter(|r| r.kind == RecordKind::Ticket).min_by_key(|r| r.updated_at).unwrap().clone();
    let mut body = ticket.body.clone();
    body["description"] = json!("edited on B during its first pull");
    let edited = ticket.edited(body, Stamp { wall_ms: ticket.updated_at.wall_ms + 1, counter: 0, device: tablet(2) }, None);
    let server = HookedServer { store: Some(&b), edit_at_checkpoint: std::cell::RefCell::new(vec![edited.clone()]), ..HookedServer::around(&couch) };
    let report = run(pass(&b, &server, tablet(2), URL, now())).unwrap();
    assert!(server.edit_at_checkpoint.borrow().is_empty(), "the edit was made during the pull");
    assert_eq!(report.pulled, all.len());
    assert_eq!(report.pushed, 1, "only the edit goes up: what came is passed over");
    assert_eq!(couch.winners()[&format!("ticket:{}", ticket.id)]["record"]["body"]["description"], json!("edited on B during its first pull"));
    // The push has gone through everything B holds: the next pass reads nothing again.
    let highest = everything(&b).values().map(|r| r.updated_at).max();
    assert_eq!(run(pushed_until(&b, tablet(2), URL)).unwrap(), highest);
    let again = run(pass(&b, &couch, tablet(2), URL, now())).unwrap();
    assert_eq!((again.pushed, again.pulled), (0, 0));
    pass_until_done(&a, &couch, tablet(1));
    assert_eq!(everything(&a), everything(&b));
}

#[test]
fn a_pull_cut_half_way_has_told_what_it_stored_before_the_cut() {
    use patroldesk::app::replicate::{pass_showing, CHANGES_PAGE};
    use std::cell::RefCell;
    // More than one page of changes, so a cut can fall between two stored pages.
    let a = stocked(800);
    let couch = MemoryCouch::new();
    pass_until_done(&a, &couch, tablet(1));
    assert!(everything(&a).len() > CHANGES_PAGE, "several pages");
    // The calls of a whole pull into an empty tablet (another one, so the checkpoints of the
    // tablet cut below stay unwritten).
    let calls = {
        let before = couch.calls.get();
        pass_until_done(&MemoryStore::new(), &couch, tablet(3));
        couch.calls.get() - before
    };
    let mut cut_after_a_stored_page = 0;
    for cut in 1..calls {
        let b = MemoryStore::new();
        couch.cut_after(cut);
        let told = RefCell::new(Vec::new());
        let result = run(pass_showing(&b, &couch, tablet(2), URL, now(), &|_| {}, &|written| told.borrow_mut().extend_from_slice(written)));
        couch.cut_after(usize::MAX);
        // Whatever happened, what the tablet holds is exactly what it was told.
        let held: BTreeMap<(RecordKind, Uuid), Record> = everything(&b);
        let told: BTreeMap<(RecordKind, Uuid), Record> = told.into_inner().into_iter().map(|r| ((r.kind, r.id), r)).collect();
        assert_eq!(told, held, "cut at call {cut}");
        if result.is_err() && !held.is_empty() {
            cut_after_a_stored_page += 1;
        }
    }
    assert!(cut_after_a_stored_page > 0, "some cut fell after a stored page");
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Call {
    BulkDocs,
    Changes { results: usize },
    BulkGet { docs: usize },
    /// Documents that came with a `_changes` page.
    DocsCarried { docs: usize },
}

/// Pending once, then ready: the other futures of a `join` run in between.
struct YieldOnce(bool);

impl std::future::Future for YieldOnce {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

/// Polls until done (the futures here are pending only to let others run).
fn run_interleaved<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// The server's changes read after the push's last `_bulk_docs`: what the pull read back.
fn read_after_the_push(log: &[Call]) -> usize {
    let last_bulk = log.iter().rposition(|c| *c == Call::BulkDocs).unwrap_or(0);
    changes_read(&log[last_bulk..])
}

/// How many changes the logged `_changes` reads returned.
fn changes_read(log: &[Call]) -> usize {
    log.iter().map(|c| if let Call::Changes { results } = c { *results } else { 0 }).sum()
}

/// A first push's own changes coming back are read while it runs (reading them after it took
/// 2–3.5 s of a year's first replication): the pull starts past them, and only what the last
/// batches sent is read after the push. Another tablet's record among them stops that reading
/// where it is, and still comes.
#[test]
fn a_first_push_passes_over_its_own_changes_while_it_runs_and_stops_at_another_tablets() {
    use patroldesk::app::replicate::{BATCH, CHANGES_PAGE};
    let a = stocked(1500);
    let records = everything(&a).len();
    assert!(records > 2 * CHANGES_PAGE, "{records}: pages of changes to pass over");
    let couch = MemoryCouch::new();
    let server = HookedServer { slow: true, ..HookedServer::around(&couch) };
    let report = run_interleaved(pass(&a, &server, tablet(1), URL, now())).unwrap();
    assert_eq!((report.pushed, report.pulled), (records, 0));
    let after = read_after_the_push(&server.log.borrow());
    assert!(after < CHANGES_PAGE + BATCH, "{after} of {records} changes read after the push");
    let b = MemoryStore::new();
    pass_until_done(&b, &couch, tablet(2));
    assert_eq!(everything(&b), everything(&a));

    // Another tablet's ticket reaches the server half-way through this tablet's first push.
    let spec = SampleSpec { seed: 31, tickets: 1, days: 5, now: now() - Duration::hours(3), offset_min: 480, chinese: true, staff: vec![] };
    let theirs = ticket_records(&spec, 0).into_iter().find(|r| r.kind == RecordKind::Ticket).unwrap();
    let couch = MemoryCouch::new();
    let server = HookedServer { slow: true, foreign: std::cell::RefCell::new(Some((records / BATCH / 2, patroldesk::domain::couch::push_doc(&theirs, None)))), ..HookedServer::around(&couch) };
    let a = stocked(1500);
    let report = run_interleaved(pass(&a, &server, tablet(1), URL, now())).unwrap();
    assert!(server.foreign.borrow().is_none(), "the other tablet's ticket went in during the push");
    assert_eq!(report.pulled, 1);
    assert!(everything(&a).contains_key(&(RecordKind::Ticket, theirs.id)));
}

/// Where the push's own changes were read to the end before the pull (a server answering at
/// once), the pull finds nothing after them and still checkpoints there: the next pass reads
/// none of them again.
#[test]
fn a_pull_finding_nothing_after_the_push_echo_checkpoints_past_it() {
    use patroldesk::app::replicate::CHANGES_PAGE;
    let a = stocked(800);
    let records = everything(&a).len();
    assert!(records > CHANGES_PAGE, "{records}: a page of changes to pass over");
    let couch = MemoryCouch::new();
    let server = HookedServer::around(&couch);
    assert_eq!(run(pass(&a, &server, tablet(1), URL, now())).unwrap().pushed, records);
    server.log.borrow_mut().clear();
    let again = run(pass(&a, &server, tablet(1), URL, now())).unwrap();
    assert_eq!((again.pushed, again.pulled), (0, 0));
    let read = changes_read(&server.log.borrow());
    assert_eq!(read, 0, "the second pass read the first one's echo again");
}

/// A new tablet's first pull comes in several pages, each batch's checkpoint written while
/// the next batch is stored; the last one's is written too, so the next pass reads none of
/// the changes again.
#[test]
fn a_first_pull_of_several_pages_checkpoints_its_last_page() {
    use patroldesk::app::replicate::PULL_PAGE;
    let a = stocked(400);
    let records = everything(&a).len();
    assert!(records > 2 * PULL_PAGE, "{records}: several pages to pull");
    let couch = MemoryCouch::new();
    pass_until_done(&a, &couch, tablet(1));
    let b = MemoryStore::new();
    let server = HookedServer::around(&couch);
    assert_eq!(run(pass(&b, &server, tablet(2), URL, now())).unwrap().pulled, records);
    let pages = server.log.borrow().iter().filter(|c| matches!(c, Call::Changes { results } if *results > 0)).count();
    assert!(pages > 2, "{pages} pages");
    assert_eq!(everything(&b), everything(&a));
    server.log.borrow_mut().clear();
    let again = run(pass(&b, &server, tablet(2), URL, now())).unwrap();
    assert_eq!((again.pushed, again.pulled), (0, 0));
    let read = changes_read(&server.log.borrow());
    assert_eq!(read, 0, "the second pass read the first pull's last page again");
}

/// A tablet back after a long time offline pulls others' records after its own push, reading
/// the changes without their documents (its push comes back among them). A page of such
/// changes is cut where the documents it lacks reach a pull page's worth: a page of 5,000
/// fetched up to 5,000 documents before any was read, and up to three pages are held at once.
/// Past it, the records come with the changes, as in a new tablet's first pull.
#[test]
fn a_pull_after_a_push_fetches_no_more_documents_a_page_than_a_pull_page() {
    use patroldesk::app::replicate::{CHANGES_PAGE, PULL_PAGE};
    let a = stocked(800);
    let records = everything(&a).len();
    assert!(records > CHANGES_PAGE, "{records}: a full page of changes without documents");
    let couch = MemoryCouch::new();
    pass_until_done(&a, &couch, tablet(1));
    // B has a ticket of its own to push first.
    let (b, own) = holding_its_own(32, 1);
    let server = HookedServer::around(&couch);
    let report = run(pass(&b, &server, tablet(2), URL, now())).unwrap();
    assert_eq!((report.pushed, report.pulled), (own.len(), records));
    let log = server.log.borrow();
    let mut fetched_a_page = vec![];
    for call in log.iter() {
        match call {
            Call::Changes { .. } => fetched_a_page.push(0),
            Call::BulkGet { docs } => *fetched_a_page.last_mut().unwrap() += docs,
            Call::BulkDocs | Call::DocsCarried { .. } => {}
        }
    }
    assert!(fetched_a_page.iter().all(|&docs| docs <= PULL_PAGE), "documents fetched per page of changes: {fetched_a_page:?}");
    // Past the page where others' records were dense, they come with the changes, a pull
    // page at a time, not asked for by id: a page of 5,000 is not read again and again for
    // 1,000 of its records at a time either.
    assert_eq!(fetched_a_page.iter().sum::<usize>(), PULL_PAGE, "documents asked for by id: {fetched_a_page:?}");
    let read = changes_read(&log);
    assert!(read <= records + own.len() + CHANGES_PAGE, "{read} changes read for {records}");
    assert_eq!(everything(&b), everything(&a).into_iter().chain(everything(&b)).collect());
    drop(log);
    server.log.borrow_mut().clear();
    let again = run(pass(&b, &server, tablet(2), URL, now())).unwrap();
    assert_eq!((again.pushed, again.pulled), (0, 0));
    assert_eq!(changes_read(&server.log.borrow()), 0, "the next pass read changes again");
}

/// Past the dense page, where the changes turn back to this tablet's own push coming back,
/// they are read without their documents again: the echo is not downloaded with its bodies.
#[test]
fn a_pull_after_a_push_reads_its_own_echo_without_the_documents() {
    use patroldesk::app::replicate::PULL_PAGE;
    let a = stocked(300);
    let theirs = everything(&a).len();
    assert!(theirs >= 2 * PULL_PAGE, "{theirs}: a cut page and a dense one");
    let couch = MemoryCouch::new();
    pass_until_done(&a, &couch, tablet(1));
    let (b, own) = holding_its_own(33, 600);
    assert!(own.len() > 3 * PULL_PAGE, "{}: pages of its own echo", own.len());
    let server = HookedServer::around(&couch);
    let report = run(pass(&b, &server, tablet(2), URL, now())).unwrap();
    assert_eq!((report.pushed, report.pulled), (own.len(), theirs));
    let carried: usize = server.log.borrow().iter().map(|c| if let Call::DocsCarried { docs } = c { *docs } else { 0 }).sum();
    assert!(carried <= theirs + PULL_PAGE, "{carried} documents came with the changes, {theirs} of them wanted");
    assert_eq!(everything(&b), everything(&a).into_iter().chain(everything(&b)).collect());
}
