//! Hostile and careless files, one class at a time, each with its own error: stamps from the
//! future, keys given twice, ids in other spellings, fields the schema forbids, counts that
//! do not add up, photos nobody uses, and texts or files beyond their limits.

use serde_json::{json, Value};

use super::tests::{now, sample_export};
use super::*;
use crate::domain::clock::MAX_AHEAD_MS;

fn file() -> Value {
    serde_json::from_str(&sample_export(false).1).unwrap()
}

/// The file with `f` applied and its checksum made right again (a hand-made file), read
/// and opened at head office's clock.
fn import(f: impl Fn(&mut Value)) -> Result<CheckedPayload, ImportError> {
    let mut v = file();
    f(&mut v);
    v["payload_sha256"] = sha256_hex(canonical_text(&v["payload"]).as_bytes()).into();
    open(&read(&v.to_string())?, None, now())
}

fn first_problem(r: Result<CheckedPayload, ImportError>) -> (Part, String, RecordProblemKind) {
    match r {
        Err(ImportError::InvalidRecords { problems, .. }) => (problems[0].part, problems[0].path.clone(), problems[0].kind.clone()),
        other => panic!("expected record problems, got {:?}", other.err()),
    }
}

fn index_of(v: &Value, kind: &str) -> usize {
    v["payload"]["records"].as_array().unwrap().iter().position(|r| r["kind"] == kind).unwrap()
}

fn stamp_at(ms: i64) -> String {
    format!("{ms:013}-000000-{}", "0".repeat(31) + "7")
}

const Y2100: i64 = 4_102_444_800_000;

#[test]
fn a_stamp_from_the_future_refuses_the_file_naming_the_record_and_the_stamp() {
    let ahead = now().timestamp_millis() + MAX_AHEAD_MS;
    for (distance, ms) in [("a day and a second", ahead + 1_000), ("2100", Y2100), ("2286", 9_999_999_999_999)] {
        for field in ["created_at", "updated_at", "deleted_at"] {
            let stamp = stamp_at(ms);
            let (part, path, kind) = first_problem(import(|v| {
                let t = index_of(v, "ticket");
                v["payload"]["records"][t][field] = stamp.clone().into();
            }));
            assert_eq!(part, Part::Record);
            assert!(path.ends_with(&format!("].{field}")), "{distance}: {path}");
            assert!(matches!(kind, RecordProblemKind::FromTheFuture { ref written, .. } if *written == stamp), "{distance} {field}: {kind:?}");
        }
    }
    // The maximum stamp, as the issue found it.
    let max = "9999999999999-999999-ffffffffffffffffffffffffffffffff";
    let (_, path, kind) = first_problem(import(|v| v["payload"]["records"][0]["updated_at"] = max.into()));
    assert_eq!(path, "payload.records[0].updated_at");
    assert!(matches!(kind, RecordProblemKind::FromTheFuture { .. }));
    // Within the bound is accepted: a tablet whose clock is 23 hours fast.
    assert!(import(|v| v["payload"]["records"][0]["updated_at"] = stamp_at(ahead - 3_600_000).into()).is_ok());
}

#[test]
fn field_writes_and_event_times_from_the_future_are_refused_too() {
    let later = stamp_at(Y2100);
    let write = |base: Option<&str>, at: &str| json!({"field": "description", "value": "x", "at": at, "base": base});
    let (_, path, _) = first_problem(import(|v| {
        let t = index_of(v, "ticket");
        v["payload"]["records"][t]["writes"] = json!([write(None, &later)]);
    }));
    assert!(path.ends_with(".writes[0].at"), "{path}");
    let (_, path, _) = first_problem(import(|v| {
        let t = index_of(v, "ticket");
        let sound = v["payload"]["records"][t]["updated_at"].clone();
        v["payload"]["records"][t]["writes"] = json!([write(Some(&later), sound.as_str().unwrap())]);
    }));
    assert!(path.ends_with(".writes[0].base"), "{path}");
    let (_, path, kind) = first_problem(import(|v| {
        let e = index_of(v, "ticket_event");
        v["payload"]["records"][e]["body"]["at"] = "2286-01-01T00:00:00Z".into();
    }));
    assert!(path.ends_with(".body.at"), "{path}");
    assert!(matches!(kind, RecordProblemKind::FromTheFuture { .. }));
    let (_, path, _) = first_problem(import(|v| {
        let r = index_of(v, "drill_run");
        v["payload"]["records"][r]["body"]["events"][0]["at"] = "2100-01-01T00:00:00Z".into();
    }));
    assert!(path.contains(".body.events[0].at"), "{path}");
}

#[test]
fn an_envelope_from_the_future_is_refused() {
    let r = import(|v| v["exported_at"] = "2286-01-01T00:00:00Z".into());
    assert!(matches!(r, Err(ImportError::InvalidEnvelope { ref path, kind: RecordProblemKind::FromTheFuture { .. } }) if path == "exported_at"), "{r:?}");
    let r = import(|v| v["until"] = stamp_at(Y2100).into());
    assert!(matches!(r, Err(ImportError::InvalidEnvelope { ref path, .. }) if path == "until"), "{r:?}");
}

#[test]
fn a_key_given_twice_is_refused_at_every_level() {
    let text = sample_export(false).1;
    let dup = |needle: &str, twice: &str| {
        assert!(text.contains(needle), "{needle}");
        read(&text.replacen(needle, &format!("{twice}{needle}"), 1)).map(|_| ())
    };
    // The envelope: a wrong checksum, then the right one.
    let r = dup("\"payload_sha256\"", &format!("\"payload_sha256\": \"{}\",\n  ", "0".repeat(64)));
    assert!(matches!(r, Err(ImportError::DuplicateKey { ref key, .. }) if key == "payload_sha256"), "{r:?}");
    // The payload.
    let r = dup("\"records\": [", "\"records\": [],\n    ");
    assert!(matches!(r, Err(ImportError::DuplicateKey { ref key, .. }) if key == "records"), "{r:?}");
    // A record: its id twice.
    let r = dup("\"id\": \"", "\"id\": \"0190a000-0000-7000-8000-000000000001\",\n        ");
    assert!(matches!(r, Err(ImportError::DuplicateKey { ref key, .. }) if key == "id"), "{r:?}");
    // A body.
    let r = dup("\"description\": ", "\"description\": \"first\",\n          ");
    assert!(matches!(r, Err(ImportError::DuplicateKey { ref key, line, .. }) if key == "description" && line > 1), "{r:?}");
}

#[test]
fn ids_in_any_other_spelling_are_refused() {
    let v = file();
    let id = v["payload"]["records"][0]["id"].as_str().unwrap().to_owned();
    for other in [id.to_uppercase(), format!("{{{id}}}"), format!("urn:uuid:{id}"), id.replace('-', "")] {
        let (_, path, kind) = first_problem(import(|v| v["payload"]["records"][0]["id"] = other.clone().into()));
        assert_eq!((path.as_str(), kind), ("payload.records[0].id", RecordProblemKind::NotCanonicalId(other.clone())));
    }
    // In a body, and on the envelope.
    let (_, path, _) = first_problem(import(|v| {
        let e = index_of(v, "ticket_event");
        let upper = v["payload"]["records"][e]["body"]["ticket_id"].as_str().unwrap().to_uppercase();
        v["payload"]["records"][e]["body"]["ticket_id"] = upper.into();
    }));
    assert!(path.ends_with(".body.ticket_id"), "{path}");
    let r = import(|v| {
        let upper = v["export_id"].as_str().unwrap().to_uppercase();
        v["export_id"] = upper.into();
    });
    assert!(matches!(r, Err(ImportError::InvalidEnvelope { ref path, kind: RecordProblemKind::NotCanonicalId(_) }) if path == "export_id"), "{r:?}");
}

#[test]
fn fields_the_schema_forbids_in_the_payload_are_refused() {
    let (part, path, kind) = first_problem(import(|v| v["payload"]["extra"] = json!({"a": 1})));
    assert_eq!((part, path.as_str(), kind), (Part::Payload, "payload.extra", RecordProblemKind::UnknownField("extra".into())));
}

#[test]
fn every_count_is_checked() {
    let r = import(|v| v["counts"]["photos"] = 3.into());
    assert_eq!(r.err(), Some(ImportError::CountsMismatch { name: "photos".into(), stated: Some(3), found: 1 }));
    let r = import(|v| v["counts"]["settings"] = 0.into());
    assert_eq!(r.err(), Some(ImportError::CountsMismatch { name: "settings".into(), stated: Some(0), found: 1 }));
    let r = import(|v| { v["counts"].as_object_mut().unwrap().remove("tickets"); });
    assert!(matches!(r, Err(ImportError::CountsMismatch { ref name, stated: None, .. }) if name == "tickets"), "{r:?}");
    let r = import(|v| v["counts"]["invoices"] = 2.into());
    assert_eq!(r.err(), Some(ImportError::CountsMismatch { name: "invoices".into(), stated: Some(2), found: 0 }));
    assert!(import(|v| v["counts"]["invoices"] = 0.into()).is_ok(), "a zero count of something unknown stands for nothing");
}

#[test]
fn each_photo_problem_is_named_as_a_photo_problem() {
    let unshown = |v: &mut Value| {
        let t = index_of(v, "ticket");
        v["payload"]["records"][t]["body"]["photos"] = json!([]);
    };
    assert_eq!(first_problem(import(unshown)), (Part::Photo, "payload.photos[0].sha256".into(), RecordProblemKind::PhotoNotReferenced));
    assert_eq!(first_problem(import(|v| v["payload"]["photos"][0]["mime"] = "text/html".into())), (Part::Photo, "payload.photos[0].mime".into(), RecordProblemKind::PhotoType("text/html".into())));
    assert_eq!(first_problem(import(|v| v["payload"]["photos"][0]["data"] = "not base64!".into())), (Part::Photo, "payload.photos[0].data".into(), RecordProblemKind::PhotoNotBase64));
    let big = base64::engine::general_purpose::STANDARD.encode(vec![0u8; checks::MAX_PHOTO_BYTES + 10]);
    assert_eq!(first_problem(import(|v| v["payload"]["photos"][0]["data"] = big.clone().into())).2, RecordProblemKind::PhotoTooLarge { max: checks::MAX_PHOTO_BYTES });
}

#[test]
fn a_file_of_only_an_unused_photo_is_refused() {
    let r = import(|v| {
        v["payload"]["records"] = json!([]);
        v["payload"]["settings"] = Value::Null;
        for k in ["tickets", "ticket_events", "drill_plans", "drill_runs", "settings"] {
            v["counts"][k] = 0.into();
        }
    });
    let (part, _, kind) = first_problem(r);
    assert_eq!((part, kind), (Part::Photo, RecordProblemKind::PhotoNotReferenced));
}

#[test]
fn a_runs_written_record_is_held_to_its_form_limits() {
    let (_, path, kind) = first_problem(import(|v| {
        let r = index_of(v, "drill_run");
        v["payload"]["records"][r]["body"]["record"] = json!({"organiser": "王".repeat(41)});
    }));
    assert!(path.ends_with(".body.record.organiser"), "{path}");
    assert_eq!(kind, RecordProblemKind::TooLong { max: crate::domain::drill::record::PERSON_MAX });
    let (_, path, kind) = first_problem(import(|v| {
        let r = index_of(v, "drill_run");
        v["payload"]["records"][r]["body"]["record"] = json!({"teams": [{"role": "cordon", "headcount": 10_001}]});
    }));
    assert!(path.ends_with(".body.record.teams[0].headcount"), "{path}");
    assert_eq!(kind, RecordProblemKind::OutOfRange { min: 0, max: crate::domain::drill::record::HEADCOUNT_MAX });
    // A run from an older app has no record, and one within the limits reads.
    assert!(import(|v| {
        let r = index_of(v, "drill_run");
        v["payload"]["records"][r]["body"]["record"] = json!({"commander": "李主管", "evacuated": 120, "notice": "unannounced"});
    })
    .is_ok());
}

#[test]
fn texts_beyond_their_form_limit_are_refused_with_the_limit() {
    let (_, path, kind) = first_problem(import(|v| {
        let t = index_of(v, "ticket");
        v["payload"]["records"][t]["body"]["description"] = "漏".repeat(crate::domain::ticket::DESCRIPTION_MAX + 1).into();
    }));
    assert!(path.ends_with(".body.description"));
    assert_eq!(kind, RecordProblemKind::TooLong { max: crate::domain::ticket::DESCRIPTION_MAX });
    let (_, _, kind) = first_problem(import(|v| {
        let t = index_of(v, "ticket");
        v["payload"]["records"][t]["body"]["reporter_name"] = "张".repeat(41).into();
    }));
    assert_eq!(kind, RecordProblemKind::TooLong { max: crate::domain::ticket::REPORTER_MAX });
    // At the limit is fine.
    assert!(import(|v| {
        let t = index_of(v, "ticket");
        v["payload"]["records"][t]["body"]["description"] = "漏".repeat(crate::domain::ticket::DESCRIPTION_MAX).into();
    })
    .is_ok());
    // An edit's value has the limit of the field it writes.
    let (_, path, kind) = first_problem(import(|v| {
        let t = index_of(v, "ticket");
        let at = v["payload"]["records"][t]["updated_at"].clone();
        v["payload"]["records"][t]["writes"] = json!([{"field": "unit", "value": "1".repeat(41), "at": at, "base": null}]);
    }));
    assert!(path.ends_with(".writes[0].value"), "{path}");
    assert_eq!(kind, RecordProblemKind::TooLong { max: crate::domain::ticket::UNIT_MAX });
    // A device name of 10 MB is refused at the envelope, before anything else is read.
    let r = import(|v| v["device"]["name"] = "平".repeat(5_000_000).into());
    assert_eq!(r.err(), Some(ImportError::InvalidEnvelope { path: "device.name".into(), kind: RecordProblemKind::TooLong { max: crate::domain::settings::DEVICE_NAME_MAX } }));
}

#[test]
fn a_file_or_a_payload_beyond_the_limits_is_refused_with_the_limit() {
    let huge = " ".repeat(checks::MAX_FILE_BYTES + 1);
    assert_eq!(read(&huge), Err(ImportError::TooLarge { bytes: checks::MAX_FILE_BYTES + 1, max: checks::MAX_FILE_BYTES }));
    let r = import(|v| v["payload"]["records"] = Value::Array(vec![json!({}); checks::MAX_RECORDS + 1]));
    assert_eq!(r.err(), Some(ImportError::TooManyRecords { count: checks::MAX_RECORDS + 1, max: checks::MAX_RECORDS }));
}

#[test]
fn the_refused_count_counts_records_not_the_listed_problems() {
    let r = import(|v| {
        for r in v["payload"]["records"].as_array_mut().unwrap() {
            r["created_at"] = "soon".into();
        }
    });
    let n = file()["payload"]["records"].as_array().unwrap().len();
    assert!(n > MAX_PROBLEMS);
    match r {
        Err(ImportError::InvalidRecords { problems, refused }) => assert_eq!((problems.len(), refused), (MAX_PROBLEMS, n)),
        other => panic!("{:?}", other.err()),
    }
}

#[test]
fn the_envelope_problems_have_their_own_errors() {
    // Both a readable and an encrypted payload.
    let r = import(|v| v["ciphertext"] = "AAAA".into());
    assert_eq!(r.err(), Some(ImportError::PayloadAndCiphertext));
    // A missing checksum is named, not left blank.
    let mut v = file();
    v.as_object_mut().unwrap().remove("payload_sha256");
    assert_eq!(read(&v.to_string()), Err(ImportError::InvalidEnvelope { path: "payload_sha256".into(), kind: RecordProblemKind::MissingField("payload_sha256".into()) }));
    let mut v = file();
    v.as_object_mut().unwrap().remove("payload");
    assert_eq!(read(&v.to_string()), Err(ImportError::InvalidEnvelope { path: "payload".into(), kind: RecordProblemKind::MissingField("payload".into()) }));
}
