//! Records as CouchDB documents (issue 20): the mapping, the strict reading of what the
//! server sends, and conflicts settled by the app's merge the same way on every device.

use chrono::{Duration, TimeZone, Utc};
use patroldesk::domain::clock::Stamp;
use patroldesk::domain::couch::{
    compare_revs, doc_id, from_doc, next_rev, push_doc, missing_from_revs_diff, parse_doc_id, replication_id, resolve, resume_from, revs_diff_request, to_doc, ChangesResponse,
    pull_progress, retry_delay_ms, seq_number, Checkpoint, CouchAuth, CouchConfig, ConfigProblem, Direction, DocProblem,
};
use patroldesk::domain::export::RecordProblemKind;
use patroldesk::domain::merge::merge;
use patroldesk::domain::record::{Record, RecordKind};
use patroldesk::domain::sample::{ticket_records, SampleSpec};
use serde_json::json;
use uuid::Uuid;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 8, 0, 0).unwrap()
}

fn stamp(ms_after: i64, device: u128) -> Stamp {
    Stamp { wall_ms: now().timestamp_millis() - 3_600_000 + ms_after, counter: 0, device: Uuid::from_u128(device) }
}

fn sample() -> Vec<Record> {
    let spec = SampleSpec { seed: 20, tickets: 3, days: 5, now: now(), offset_min: 480, chinese: true, staff: vec![] };
    (0..3).flat_map(|i| ticket_records(&spec, i)).collect()
}

fn a_ticket() -> Record {
    sample().into_iter().find(|r| r.kind == RecordKind::Ticket).unwrap()
}

#[test]
fn a_record_travels_as_its_own_document_and_reads_back_whole() {
    for record in sample() {
        let doc = to_doc(&record, Some("2-abc"));
        assert_eq!(doc["_id"], json!(doc_id(record.kind, record.id)));
        assert_eq!(doc["_rev"], json!("2-abc"));
        assert!(doc.as_object().unwrap().keys().all(|k| k == "record" || k.starts_with('_')), "no record field beside CouchDB's");
        assert_eq!(from_doc(&doc, now()).unwrap(), record);
    }
    let id = Uuid::parse_str("0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000").unwrap();
    assert_eq!(doc_id(RecordKind::TicketEvent, id), "ticket_event:0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000");
    assert_eq!(parse_doc_id("ticket_event:0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000"), Some((RecordKind::TicketEvent, id)));
    for other in ["_design/kpi", "ticket:0190AAAA-BBBB-7CCC-8DDD-EEEEFFFF0000", "person:0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000", "ticket:", "ticket"] {
        assert_eq!(parse_doc_id(other), None, "{other}");
    }
}

#[test]
fn what_the_server_sends_is_read_as_strictly_as_a_file() {
    let ticket = a_ticket();
    let doc = to_doc(&ticket, None);

    let mut deleted = doc.clone();
    deleted["_deleted"] = json!(true);
    assert_eq!(from_doc(&deleted, now()), Err(DocProblem::CouchDeleted), "a CouchDB deletion is never a record");

    let mut moved = doc.clone();
    moved["_id"] = json!(doc_id(RecordKind::Ticket, Uuid::from_u128(5)));
    assert_eq!(from_doc(&moved, now()), Err(DocProblem::IdMismatch));

    assert_eq!(from_doc(&json!({"_id": "_design/kpi", "views": {}}), now()), Err(DocProblem::NotARecord));

    let future = ticket.edited(ticket.body.clone(), Stamp { wall_ms: (now() + Duration::days(3)).timestamp_millis(), counter: 0, device: Uuid::from_u128(9) }, None);
    match from_doc(&to_doc(&future, None), now()) {
        Err(DocProblem::Invalid(problems)) => assert!(problems.iter().any(|(_, k)| matches!(k, RecordProblemKind::FromTheFuture { .. })), "{problems:?}"),
        other => panic!("a stamp three days ahead was taken: {other:?}"),
    }

    let mut malformed = doc.clone();
    malformed["record"]["body"].as_object_mut().unwrap().remove("status");
    assert!(matches!(from_doc(&malformed, now()), Err(DocProblem::Invalid(_))));

    let mut too_long = doc;
    too_long["record"]["body"]["description"] = json!("漏".repeat(5_000));
    match from_doc(&too_long, now()) {
        Err(DocProblem::Invalid(problems)) => assert!(problems.iter().any(|(_, k)| matches!(k, RecordProblemKind::TooLong { .. }))),
        other => panic!("an oversize text was taken: {other:?}"),
    }
}

#[test]
fn revisions_are_ordered_as_couchdb_picks_its_winner() {
    use std::cmp::Ordering::*;
    assert_eq!(compare_revs("3-a", "2-z"), Greater);
    assert_eq!(compare_revs("10-a", "9-z"), Greater, "the position is a number, not text");
    assert_eq!(compare_revs("2-b", "2-a"), Greater);
    assert_eq!(compare_revs("2-a", "2-a"), Equal);
}

/// Three tablets edited one ticket between replications: a description, a phone number, and
/// the description again later.
fn three_leaves() -> Vec<(String, Record)> {
    let base = a_ticket();
    let mut body = base.body.clone();
    body["description"] = json!("A: 厨房漏水，已关阀");
    let a = base.edited(body, stamp(1_000, 1), None);
    let mut body = base.body.clone();
    body["phone"] = json!("13911112222");
    let b = base.edited(body, stamp(2_000, 2), None);
    let mut body = base.body.clone();
    body["description"] = json!("C: 厨房漏水，师傅已到");
    let c = base.edited(body, stamp(3_000, 3), None);
    vec![("2-aaa".into(), a), ("2-ccc".into(), c), ("2-bbb".into(), b)]
}

#[test]
fn a_conflict_is_settled_by_the_field_merge_the_same_way_whatever_the_order() {
    let leaves = three_leaves();
    let resolution = resolve(&leaves).unwrap();
    assert_eq!(resolution.write_on, "2-ccc");
    assert_eq!(resolution.delete, vec!["2-aaa".to_owned(), "2-bbb".to_owned()]);
    assert_eq!(resolution.merged.body["description"], json!("C: 厨房漏水，师傅已到"), "the latest write of a field wins");
    assert_eq!(resolution.merged.body["phone"], json!("13911112222"), "a concurrent edit of another field is kept");
    // Every order of the leaves (as two devices would list them) settles the same.
    let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    for order in orders {
        let shuffled: Vec<_> = order.iter().map(|&i| leaves[i].clone()).collect();
        assert_eq!(resolve(&shuffled).unwrap(), resolution, "{order:?}");
    }
    // And the merged document read back from the server is that record.
    assert_eq!(from_doc(&to_doc(&resolution.merged, Some(&resolution.write_on)), now()).unwrap(), resolution.merged);
    assert_eq!(resolve(&leaves[..1]), None, "one leaf: nothing to settle");
}

#[test]
fn a_step_written_twice_is_one_step_and_a_tombstone_is_not_undone_by_an_edit() {
    let step = sample().into_iter().find(|r| r.kind == RecordKind::TicketEvent).unwrap();
    let settled = resolve(&[("1-x".into(), step.clone()), ("1-y".into(), step.clone())]).unwrap();
    assert_eq!(settled.merged, step, "an immutable step merges with itself unchanged");

    let ticket = a_ticket();
    let gone = ticket.tombstoned(stamp(1_000, 1), None);
    let mut body = ticket.body.clone();
    body["description"] = json!("edited elsewhere, later");
    let edited = ticket.edited(body, stamp(2_000, 2), None);
    let settled = resolve(&[("2-a".into(), gone), ("2-b".into(), edited)]).unwrap();
    assert!(settled.merged.is_deleted(), "the app's tombstone travels and stays");
}

#[test]
fn a_record_by_file_and_by_replication_merges_to_the_same_result_in_either_order() {
    let leaves = three_leaves();
    let stored = a_ticket();
    let by_file = &leaves[0].1;
    let by_server = from_doc(&to_doc(&leaves[1].1, Some("2-ccc")), now()).unwrap();
    let file_first = merge(&merge(&stored, by_file), &by_server);
    let server_first = merge(&merge(&stored, &by_server), by_file);
    assert_eq!(file_first, server_first);
    assert_eq!(merge(&file_first, by_file), file_first, "the file again changes nothing");
}

#[test]
fn the_checkpoint_is_named_the_same_whatever_the_credentials_and_resumes_only_when_both_sides_agree() {
    let device = Uuid::from_u128(7);
    let id = replication_id(device, "https://couch.example.com/patroldesk-dh01", Direction::Push);
    assert_eq!(id, replication_id(device, "https://staff:secret@couch.example.com/patroldesk-dh01/", Direction::Push));
    assert_ne!(id, replication_id(device, "https://couch.example.com/patroldesk-dh01", Direction::Pull));
    assert_ne!(id, replication_id(Uuid::from_u128(8), "https://couch.example.com/patroldesk-dh01", Direction::Push));
    assert_eq!(id.len(), 32);

    let here = Checkpoint { last_seq: json!("42-g1AAAA"), session_id: "s1".into() };
    assert_eq!(resume_from(Some(&here), Some(&here.clone())), json!("42-g1AAAA"));
    let other = Checkpoint { last_seq: json!("40-g1AAAA"), session_id: "s0".into() };
    assert_eq!(resume_from(Some(&here), Some(&other)), json!(0), "sides disagree: start again, lose nothing");
    assert_eq!(resume_from(None, Some(&here)), json!(0));
}

#[test]
fn a_batch_of_changes_asks_only_for_record_documents_and_reads_what_is_missing() {
    let changes: ChangesResponse = serde_json::from_value(json!({
        "results": [
            {"seq": "1-a", "id": "ticket:0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000", "changes": [{"rev": "2-x"}, {"rev": "2-y"}]},
            {"seq": "2-a", "id": "_design/kpi", "changes": [{"rev": "1-d"}]},
            {"seq": "3-a", "id": "ticket_event:0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001", "changes": [{"rev": "1-e"}], "deleted": true}
        ],
        "last_seq": "3-a",
        "pending": 0
    }))
    .unwrap();
    let request = revs_diff_request(&changes.results);
    assert_eq!(request, json!({
        "ticket:0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000": ["2-x", "2-y"],
        "ticket_event:0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001": ["1-e"]
    }));
    let missing = missing_from_revs_diff(&json!({
        "ticket_event:0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001": {"missing": ["1-e"]},
        "ticket:0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000": {"missing": ["2-y", "2-x"]}
    }));
    assert_eq!(missing, vec![
        ("ticket:0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000".to_owned(), "2-x".to_owned()),
        ("ticket:0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000".to_owned(), "2-y".to_owned()),
        ("ticket_event:0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001".to_owned(), "1-e".to_owned()),
    ]);
}

#[test]
fn a_pushed_revision_hangs_on_the_one_known_and_is_the_same_on_every_tablet() {
    let ticket = a_ticket();
    let (first, revisions) = next_rev(&ticket, None);
    assert!(first.starts_with("1-") && first.len() == 34, "{first}");
    assert_eq!(revisions, json!({ "start": 1, "ids": [&first[2..]] }));
    let mut body = ticket.body.clone();
    body["description"] = json!("已更换阀芯");
    let edited = ticket.edited(body, stamp(5_000, 1), None);
    let (second, revisions) = next_rev(&edited, Some(&first));
    assert!(second.starts_with("2-"));
    assert_eq!(revisions, json!({ "start": 2, "ids": [&second[2..], &first[2..]] }));
    assert_eq!(next_rev(&edited, Some(&first)).0, second, "the same record on the same parent: the same revision");
    assert_ne!(next_rev(&edited, Some("1-other")).0, "", "another parent still gives a revision");
    assert_ne!(next_rev(&ticket, Some(&first)).0, second, "another record: another revision");
    let doc = push_doc(&edited, Some(&first));
    assert_eq!(doc["_rev"], json!(second));
    assert_eq!(from_doc(&doc, now()).unwrap(), edited, "CouchDB's own fields do not disturb the record");
    // Written straight as JSON (the push's way), it is the same document.
    let (rev, json_doc) = patroldesk::domain::couch::push_doc_json(&edited, Some(&first));
    assert_eq!(rev, second);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&json_doc).unwrap(), doc);
    // Two tablets settling the same conflict push the same document.
    let leaves = three_leaves();
    let a = resolve(&leaves).unwrap();
    let mut reversed = leaves.clone();
    reversed.reverse();
    let b = resolve(&reversed).unwrap();
    assert_eq!(push_doc(&a.merged, Some(&a.write_on)), push_doc(&b.merged, Some(&b.write_on)));
}

#[test]
fn a_server_address_is_a_site_database_without_credentials_in_it() {
    let ok = |url: &str| CouchConfig { url: url.into(), ..CouchConfig::default() }.check();
    assert_eq!(ok("https://couch.example.com/patroldesk-dh01"), Ok(()));
    assert_eq!(ok("http://127.0.0.1:5984/patroldesk-dh01/"), Ok(()));
    assert_eq!(ok("/couch/patroldesk-dh01"), Ok(()), "the app's own origin, through its proxy");
    assert_eq!(ok("/elsewhere/patroldesk-dh01"), Err(ConfigProblem::Url));
    for bad in ["", "couch.example.com/patroldesk-dh01", "https://couch.example.com", "https://couch.example.com/", "https://admin:pw@couch.example.com/db",
        "https://couch.example.com/a/b", "ftp://couch.example.com/db", "https://couch.example.com/Patroldesk"] {
        assert_eq!(ok(bad), Err(ConfigProblem::Url), "{bad}");
    }
    // A cookie session: the password goes once to the server's `_session`, never in a header.
    let session = CouchConfig { url: "https://c.example.com/db/".into(), user: "dh01-tablet".into(), password: "秘密".into(), ..Default::default() };
    assert_eq!(session.authorization(), None);
    assert!(session.needs_session());
    assert_eq!((session.database(), session.server()), ("https://c.example.com/db", "https://c.example.com"));
    let proxied = CouchConfig { url: "/couch/patroldesk-dh01".into(), ..Default::default() };
    assert_eq!(proxied.server(), "/couch");
    assert!(!proxied.needs_session(), "no account: the proxy in front signs in");
    // A JWT is sent as a bearer token, and must look like one.
    let jwt = |token: &str| CouchConfig { url: "https://c.example.com/db".into(), auth: CouchAuth::Jwt, password: token.into(), ..Default::default() };
    assert_eq!(jwt("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkaDAxIn0.c2ln-_x").check(), Ok(()));
    assert_eq!(jwt("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkaDAxIn0.c2ln-_x").authorization().unwrap(), "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkaDAxIn0.c2ln-_x");
    for bad in ["", "secret", "a.b", "a..c", "a.b.c d", "a.b.c\nX-Evil: 1"] {
        assert_eq!(jwt(bad).check(), Err(ConfigProblem::Token), "{bad:?}");
    }
    assert_eq!(jwt(&format!("a.{}.c", "b".repeat(5000))).check(), Err(ConfigProblem::TooLong));
}

#[test]
fn retries_wait_two_seconds_doubling_to_five_minutes() {
    let waits: Vec<u32> = (0..10).map(retry_delay_ms).collect();
    assert_eq!(waits, [2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000]);
    assert_eq!(retry_delay_ms(u32::MAX), 300_000);
}

#[test]
fn pull_progress_comes_from_the_position_against_update_seq() {
    use serde_json::json;
    assert_eq!(seq_number(&json!("1234-g1AAAA")), Some(1234));
    assert_eq!(seq_number(&json!(57)), Some(57));
    assert_eq!(seq_number(&json!(null)), None);
    assert_eq!(pull_progress(&json!(0), &json!(200)), Some(0));
    assert_eq!(pull_progress(&json!("50-x"), &json!("200-y")), Some(25));
    assert_eq!(pull_progress(&json!(300), &json!(200)), Some(100), "the database grew while pulling");
    assert_eq!(pull_progress(&json!(0), &json!(0)), Some(100), "an empty database");
    assert_eq!(pull_progress(&json!("now"), &json!(5)), None);
}
