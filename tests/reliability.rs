//! The reliability corpus: well over a thousand malformed or mutated import files, generated
//! from a real export — truncated, wrong types, huge strings, deep nesting, duplicate ids,
//! bad UTF-8, wrong checksums, stamps from the future, keys given twice, ids in another
//! spelling, photos no record uses, texts beyond their limit. Every one must be refused with an error (never a panic) and
//! leave the store exactly as it was. Plus a property test feeding arbitrary text and
//! arbitrary JSON to the reader.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};

use chrono::{TimeZone, Utc};
use common::run;
use patroldesk::domain::export::{build, canonical_text, read, sha256_hex, to_file_text, DeviceInfo, ExportMeta, Payload, SiteInfo};
use patroldesk::domain::record::Record;
use patroldesk::domain::sample::{drill_run_record, ticket_records, SampleSpec};
use patroldesk::store::memory::MemoryStore;
use patroldesk::app::sync::{import_file, ImportFailure};
use patroldesk::domain::export::{ImportError, RecordProblemKind};
use patroldesk::store::sync::SyncStore;
use proptest::prelude::*;
use serde_json::{json, Value};
use uuid::Uuid;

fn good_file() -> String {
    let now = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
    let spec = SampleSpec { seed: 11, tickets: 12, days: 5, now, offset_min: 480, chinese: true, staff: vec![] };
    let mut records: Vec<Record> = (0..12).flat_map(|i| ticket_records(&spec, i)).collect();
    records.push(drill_run_record(&spec, 0));
    let meta = ExportMeta {
        app_version: "test".into(),
        export_id: Uuid::from_u128(1),
        device: DeviceInfo { id: Uuid::from_u128(2), name: "平板".into() },
        site: SiteInfo { name: "东湖花园".into(), code: "DH01".into() },
        exported_at: now,
        utc_offset_min: 480,
        since: None,
    };
    to_file_text(&build(meta, Payload { records, ..Payload::default() }, false).0)
}

/// Every JSON pointer to a value inside the payload's records (the places to damage).
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| pointers(v, format!("{at}/{k}"), out)),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| pointers(v, format!("{at}/{i}"), out)),
        _ => out.push(at),
    }
}

fn rehash(mut v: Value) -> String {
    v["payload_sha256"] = sha256_hex(canonical_text(&v["payload"]).as_bytes()).into();
    v.to_string()
}

/// The corpus: (class, file text).
fn corpus(good: &str) -> Vec<(&'static str, String)> {
    let parsed: Value = serde_json::from_str(good).unwrap();
    let mut rng = fastrand::Rng::with_seed(2026);
    let mut out: Vec<(&'static str, String)> = Vec::new();
    // Cut short at 300 places.
    for _ in 0..300 {
        let at = rng.usize(1..good.len() - 1);
        let cut: String = good.char_indices().take_while(|(i, _)| *i < at).map(|(_, c)| c).collect();
        out.push(("truncated", cut));
    }
    // A typed leaf of a record replaced by a value of another type (checksum recomputed, so
    // the record checks must catch it): 300 places.
    let mut leaves = Vec::new();
    pointers(&parsed["payload"]["records"], "/payload/records".into(), &mut leaves);
    // Free-form fields where any string is a valid value are not damage.
    leaves.retain(|p| !["/description", "/note", "/location", "/unit", "/reporter_name", "/phone", "/comment", "/work_done", "/cause", "/summary", "/text", "/name", "/en", "/zh", "/role", "/reason", "/number", "/site", "/category", "/key"].iter().any(|f| p.ends_with(f)));
    leaves.retain(|p| !p.contains("/writes/") && !p.ends_with("_by") && !p.ends_with("/by") && !p.ends_with("/assignee") && !p.ends_with("/department") && !p.ends_with("/drill_run") && !p.ends_with("/visitor") && !p.ends_with("/staff") && !p.ends_with("/from") && !p.ends_with("/retired") && !p.ends_with("/critical") && !p.ends_with("/needs_details") && !p.ends_with("/target_min"));
    for _ in 0..300 {
        let p = &leaves[rng.usize(..leaves.len())];
        let mut v = parsed.clone();
        let target = v.pointer_mut(p).unwrap();
        *target = match target {
            Value::String(_) => json!({"nested": [1, 2, 3]}),
            Value::Number(_) => json!("not a number"),
            Value::Bool(_) => json!([]),
            _ => json!(42),
        };
        out.push(("wrong type", rehash(v)));
    }
    // A huge string where a number or a stamp belongs (without rehash and with): 100.
    for i in 0..100 {
        let p = &leaves[rng.usize(..leaves.len())];
        let mut v = parsed.clone();
        *v.pointer_mut(p).unwrap() = Value::String("漏".repeat(200_000));
        out.push(("huge string", if i % 2 == 0 { rehash(v) } else { v.to_string() }));
    }
    // Deep nesting, at the top and inside a record: 100.
    for i in 0..100 {
        let depth = 200 + i * 37;
        let deep = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let text = if i % 2 == 0 { deep } else { { assert!(good.contains("\"records\": [")); good.replacen("\"records\": [", &format!("\"records\": [{deep},"), 1) } };
        out.push(("deep nesting", text));
    }
    // Duplicate ids (rehashed): 100.
    let records = parsed["payload"]["records"].as_array().unwrap().clone();
    for _ in 0..100 {
        let mut v = parsed.clone();
        let dup = records[rng.usize(..records.len())].clone();
        v["payload"]["records"].as_array_mut().unwrap().push(dup);
        out.push(("duplicate id", rehash(v)));
    }
    // Bad UTF-8 (bytes flipped, read as the browser would, with replacement characters): 100.
    for _ in 0..100 {
        let mut bytes = good.as_bytes().to_vec();
        for _ in 0..3 {
            let at = rng.usize(..bytes.len());
            bytes[at] = 0xff;
        }
        out.push(("bad utf-8", String::from_utf8_lossy(&bytes).into_owned()));
    }
    // Wrong checksum: a value changed, or the checksum itself: 100.
    for i in 0..100 {
        let mut v = parsed.clone();
        if i % 2 == 0 {
            let mut strings = Vec::new();
            pointers(&v["payload"]["records"], "/payload/records".into(), &mut strings);
            let p = &strings[rng.usize(..strings.len())];
            *v.pointer_mut(p).unwrap() = json!("altered");
        } else {
            v["payload_sha256"] = sha256_hex(format!("{i}").as_bytes()).into();
        }
        out.push(("wrong checksum", v.to_string()));
    }
    // Stamps from the future at several distances (a day and a minute, a week, 2100, 2286,
    // the largest stamp), in every kind of stamp a record has: 100, rehashed.
    let now_ms = Utc::now().timestamp_millis();
    let distances = [now_ms + 24 * 3_600_000 + 60_000, now_ms + 7 * 24 * 3_600_000, 4_102_444_800_000, 9_999_999_999_999];
    for i in 0..100 {
        let mut v = parsed.clone();
        let n = rng.usize(..records.len());
        let stamp = if i % 10 == 9 {
            "9999999999999-999999-ffffffffffffffffffffffffffffffff".to_owned()
        } else {
            format!("{:013}-{:06}-{}", distances[i % distances.len()], rng.u32(..1000), "a".repeat(32))
        };
        let record = &mut v["payload"]["records"][n];
        match i % 5 {
            0 => record["created_at"] = stamp.into(),
            1 => record["updated_at"] = stamp.into(),
            2 => record["deleted_at"] = stamp.into(),
            3 => record["writes"] = json!([{"field": "note", "value": "x", "at": stamp, "base": null}]),
            _ => {
                let sound = record["updated_at"].clone();
                record["writes"] = json!([{"field": "note", "value": "x", "at": sound, "base": stamp}]);
            }
        }
        out.push(("future stamp", rehash(v)));
    }
    // A key given twice, at the envelope, the payload, a record and a body (checksum right for
    // the second value): 100.
    let levels: [(&str, &str); 4] = [
        ("\"payload_sha256\"", "\"payload_sha256\": \"00\",\n  "),
        ("\"records\": [", "\"records\": [],\n    "),
        ("\"origin_device\": ", "\"origin_device\": \"00000000-0000-0000-0000-000000000000\",\n      "),
        ("\"status\": ", "\"status\": \"closed\",\n        "),
    ];
    for i in 0..100 {
        let (needle, twice) = levels[i % levels.len()];
        let nth = rng.usize(..good.matches(needle).count().max(1));
        let at = good.match_indices(needle).nth(nth).map(|(at, _)| at).unwrap();
        out.push(("duplicate key", format!("{}{twice}{}", &good[..at], &good[at..])));
    }
    // Ids in another spelling (upper case, braces, urn:uuid:, no hyphens): 100, rehashed.
    let mut id_places = Vec::new();
    pointers(&parsed["payload"]["records"], "/payload/records".into(), &mut id_places);
    id_places.retain(|p| {
        let s = parsed.pointer(p).and_then(Value::as_str).unwrap_or_default();
        Uuid::try_parse(s).is_ok() && !p.contains("/writes/") && !p.ends_with("/value")
    });
    for i in 0..100 {
        let mut v = parsed.clone();
        let p = &id_places[rng.usize(..id_places.len())];
        let id = v.pointer(p).and_then(Value::as_str).unwrap().to_owned();
        let other = match i % 4 {
            0 => id.to_uppercase(),
            1 => format!("{{{id}}}"),
            2 => format!("urn:uuid:{id}"),
            _ => id.replace('-', ""),
        };
        *v.pointer_mut(p).unwrap() = other.into();
        out.push(("non-canonical id", rehash(v)));
    }
    // A photo no record of the file uses (counts right): 50.
    for i in 0..50 {
        let mut v = parsed.clone();
        let bytes: Vec<u8> = (0..(16 + i * 97)).map(|_| rng.u8(..)).collect();
        let sha = sha256_hex(&bytes);
        use base64::Engine;
        let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
        v["payload"]["photos"] = json!([{"sha256": sha, "mime": "image/jpeg", "data": data}]);
        v["counts"]["photos"] = 1.into();
        if i % 2 == 0 {
            // Only the photo: nothing else in the file.
            v["payload"]["records"] = json!([]);
            for k in ["tickets", "ticket_events", "drill_plans", "drill_runs"] {
                v["counts"][k] = 0.into();
            }
        }
        out.push(("unreferenced photo", rehash(v)));
    }
    // Texts beyond their form's limit (a description, a name, a unit, the device name): 50.
    let ticket_at: Vec<usize> = records.iter().enumerate().filter(|(_, r)| r["kind"] == "ticket").map(|(i, _)| i).collect();
    for i in 0..50 {
        let mut v = parsed.clone();
        let t = ticket_at[rng.usize(..ticket_at.len())];
        match i % 4 {
            0 => v["payload"]["records"][t]["body"]["description"] = "漏".repeat(2001 + i * 100).into(),
            1 => v["payload"]["records"][t]["body"]["reporter_name"] = "张".repeat(41).into(),
            2 => v["payload"]["records"][t]["body"]["unit"] = "1".repeat(41 + i).into(),
            _ => v["device"]["name"] = "平".repeat(41 + i * 1000).into(),
        }
        out.push(("oversize text", rehash(v)));
    }
    out
}

#[test]
fn every_malformed_file_is_refused_without_a_panic_and_without_writing() {
    let good = good_file();
    let store = MemoryStore::new();
    // The store already holds one import, so "unchanged" is a real comparison.
    run(import_file(&store, &good, None, "good.json", Utc::now(), Uuid::from_u128(1))).unwrap();
    let before = store.everything().unwrap();
    let ledger = run(store.ledger()).unwrap();
    let files = corpus(&good);
    assert!(files.len() >= 1500, "{} files", files.len());
    let mut by_class = std::collections::BTreeMap::<&str, usize>::new();
    for (n, (class, text)) in files.iter().enumerate() {
        let result = catch_unwind(AssertUnwindSafe(|| run(import_file(&store, text, None, "bad.json", Utc::now(), Uuid::from_u128(1000 + n as u128)))));
        let result = result.unwrap_or_else(|_| panic!("panic on file {n} ({class})"));
        assert!(result.is_err(), "file {n} ({class}) was accepted");
        // The classes this version added are each refused for their own reason.
        if let Err(ImportFailure::File(e)) = &result {
            let kinds: Vec<&RecordProblemKind> = match e {
                ImportError::InvalidRecords { problems, .. } => problems.iter().map(|p| &p.kind).collect(),
                ImportError::InvalidEnvelope { kind, .. } => vec![kind],
                _ => vec![],
            };
            let expected = match *class {
                "future stamp" => kinds.iter().any(|k| matches!(k, RecordProblemKind::FromTheFuture { .. })),
                "duplicate key" => matches!(e, ImportError::DuplicateKey { .. }),
                "non-canonical id" => kinds.iter().any(|k| matches!(k, RecordProblemKind::NotCanonicalId(_))),
                "unreferenced photo" => kinds.iter().any(|k| matches!(k, RecordProblemKind::PhotoNotReferenced)),
                "oversize text" => kinds.iter().any(|k| matches!(k, RecordProblemKind::TooLong { .. })),
                _ => true,
            };
            assert!(expected, "file {n} ({class}) refused for another reason: {e:?}");
        } else if ["future stamp", "duplicate key", "non-canonical id", "unreferenced photo", "oversize text"].contains(class) {
            panic!("file {n} ({class}): {result:?}");
        }
        *by_class.entry(class).or_default() += 1;
    }
    assert_eq!(store.everything().unwrap(), before, "no partial write");
    assert_eq!(run(store.ledger()).unwrap(), ledger);
    eprintln!("refused: {by_class:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Arbitrary text never panics the reader.
    #[test]
    fn the_reader_never_panics_on_arbitrary_text(text in ".{0,400}") {
        let _ = read(&text);
    }

    /// Arbitrary JSON shaped like an export never panics the reader or the payload checks.
    #[test]
    fn the_checks_never_panic_on_arbitrary_json(
        version in 0u64..5,
        records in prop::collection::vec(prop_oneof![
            Just(json!({})),
            Just(json!({"id": null})),
            any::<i64>().prop_map(|n| json!({"id": Uuid::nil(), "kind": "ticket", "body": n})),
            ".{0,20}".prop_map(|s| json!({"id": Uuid::nil(), "kind": s, "body": {}})),
            Just(json!({"id": Uuid::nil(), "kind": "drill_run", "created_at": "x", "body": {"events": "no"}})),
        ], 0..6),
    ) {
        let payload = json!({"records": records});
        let file = json!({
            "format": "patroldesk-export", "schema_version": version, "app_version": "x",
            "export_id": Uuid::nil(), "device": {"id": Uuid::nil(), "name": ""}, "site": {"name": "", "code": ""},
            "exported_at": "2026-11-29T00:00:00Z", "utc_offset_min": 0, "since": null, "until": null,
            "redacted": false, "photos_included": false, "counts": {},
            "payload_sha256": sha256_hex(canonical_text(&payload).as_bytes()), "payload": payload,
        });
        if let Ok(envelope) = read(&file.to_string()) {
            let _ = patroldesk::domain::export::open(&envelope, None, Utc::now());
        }
    }
}
