//! Personal fields sealed at rest (issue 19): what is stored holds none of a resident's data
//! in the clear, reads back whole with the key, and refuses a wrong key, a changed box or a
//! box moved onto another record. What stays readable is what indexes and KPIs need.

use chrono::{TimeZone, Utc};
use patroldesk::domain::clock::Stamp;
use patroldesk::domain::keyring::CryptoError;
use patroldesk::domain::record::{Record, RecordKind};
use patroldesk::domain::sample::{ticket_records, SampleSpec};
use patroldesk::domain::sealing::{is_sealed, Sealer, SEALED};
use serde_json::json;
use uuid::Uuid;

const KEY: [u8; 32] = [42; 32];

/// The data key with seeded nonces (the browser's come from `getRandomValues`).
fn sealer(key: &[u8; 32]) -> Sealer {
    let rng = std::cell::RefCell::new(fastrand::Rng::with_seed(19));
    Sealer::new(key, move |out: &mut [u8]| {
        rng.borrow_mut().fill(out);
        Ok(())
    })
}

/// A ticket and its events, with the reporter's details replaced by marker strings, and an
/// edit that writes a new phone number (a field write holds personal data too).
fn records() -> Vec<Record> {
    let now = Utc.with_ymd_and_hms(2026, 12, 6, 8, 0, 0).unwrap();
    let spec = SampleSpec { seed: 19, tickets: 1, days: 5, now, offset_min: 480, chinese: true, staff: vec![] };
    let mut records = ticket_records(&spec, 0);
    records.sort_by_key(|r| r.kind != RecordKind::Ticket);
    let ticket = &mut records[0];
    assert_eq!(ticket.kind, RecordKind::Ticket);
    ticket.body["reporter_name"] = json!("MARKER-NAME-李娜");
    ticket.body["phone"] = json!("13912345678");
    ticket.body["unit"] = json!("MARKER-UNIT-3-2-1201");
    ticket.body["description"] = json!("MARKER-DESC 厨房漏水");
    let mut edited_body = ticket.body.clone();
    edited_body["phone"] = json!("13987654321");
    edited_body["reporter_name"] = json!("MARKER-NAME-李娜娜");
    let later = Stamp { wall_ms: now.timestamp_millis() + 1000, counter: 0, device: Uuid::from_u128(9) };
    records[0] = ticket.edited(edited_body, later, None);
    for event in records.iter_mut().filter(|r| r.kind == RecordKind::TicketEvent) {
        event.body["note"] = json!("MARKER-NOTE 已联系业主");
    }
    records
}

#[test]
fn sealed_records_hold_no_personal_text_and_open_back_whole() {
    let c = sealer(&KEY);
    for record in records() {
        let sealed = c.seal(&record).unwrap();
        let text = serde_json::to_string(&sealed).unwrap();
        for marker in ["MARKER", "1391234", "1398765", "李娜"] {
            assert!(!text.contains(marker), "{marker} left in the clear: {text}");
        }
        assert!(is_sealed(&sealed));
        // What indexes, the board summary and merging by stamp need stays readable.
        for field in ["status", "category", "number", "received_at", "ticket_id", "to", "at"] {
            assert_eq!(sealed.body.get(field), record.body.get(field), "{field}");
        }
        assert_eq!((sealed.id, sealed.updated_at, sealed.writes.len()), (record.id, record.updated_at, record.writes.len()));
        assert_eq!(c.open(&sealed).unwrap(), record);
        assert_eq!(c.seal(&sealed).unwrap(), sealed, "sealing twice changes nothing");
    }
}

#[test]
fn a_wrong_key_a_changed_box_or_a_box_moved_to_another_record_does_not_open() {
    let c = sealer(&KEY);
    let all = records();
    let ticket = c.seal(&all[0]).unwrap();
    assert_eq!(sealer(&[7; 32]).open(&ticket), Err(CryptoError::Refused));

    let mut changed = ticket.clone();
    let boxed = changed.body[SEALED].as_str().unwrap().to_owned();
    let flipped = if boxed.ends_with('A') { format!("{}B", &boxed[..boxed.len() - 1]) } else { format!("{}A", &boxed[..boxed.len() - 1]) };
    changed.body[SEALED] = json!(flipped);
    assert_eq!(c.open(&changed), Err(CryptoError::Refused));

    // Another ticket's box copied onto this one.
    let mut other = all[0].clone();
    other.id = Uuid::from_u128(77);
    let other = c.seal(&other).unwrap();
    let mut swapped = ticket.clone();
    swapped.body[SEALED] = other.body[SEALED].clone();
    assert_eq!(c.open(&swapped), Err(CryptoError::Refused));

    // A sealed phone write moved onto the reporter-name write of the same record.
    let mut moved = ticket.clone();
    let phone = moved.writes.iter().position(|w| w.field == "phone").unwrap();
    let boxed_phone = moved.writes[phone].value.clone();
    let name = moved.writes.iter_mut().find(|w| w.field == "reporter_name").expect("the edit wrote the name");
    name.value = boxed_phone;
    assert_eq!(c.open(&moved), Err(CryptoError::Refused));
}

#[test]
fn plans_and_runs_are_left_as_they_are() {
    let c = sealer(&KEY);
    let plan = Record::create_with_id(Uuid::from_u128(1), RecordKind::DrillPlan, json!({"name": {"en": "Fire", "zh": "消防"}}), Stamp { wall_ms: 1, counter: 0, device: Uuid::nil() }, None);
    assert_eq!(c.seal(&plan).unwrap(), plan);
    assert!(!is_sealed(&plan));
}

#[test]
fn drafts_and_summaries_seal_as_text_and_plain_text_reads_as_it_is() {
    let c = sealer(&KEY);
    let boxed = c.seal_text("{\"phone\":\"13912345678\"}").unwrap();
    assert!(boxed.starts_with("sealed:") && !boxed.contains("1391234"));
    assert_eq!(c.open_text(&boxed).unwrap(), "{\"phone\":\"13912345678\"}");
    assert_eq!(c.open_text("{\"a\":1}").unwrap(), "{\"a\":1}", "written before sign-in was set up");
    assert_eq!(sealer(&[7; 32]).open_text(&boxed), Err(CryptoError::Refused));
    let bytes = c.seal_bytes(b"photo").unwrap();
    let mut changed = bytes.clone();
    *changed.last_mut().unwrap() ^= 1;
    assert_eq!(c.open_bytes(&changed), Err(CryptoError::Refused));
    assert_eq!(c.open_bytes(&bytes).unwrap(), b"photo");
}
