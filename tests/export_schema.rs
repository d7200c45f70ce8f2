//! Real export files (plain, redacted, encrypted, incremental) validate against
//! `docs/export.schema.json` with Python's `jsonschema` — a validator that is not this app's
//! reader — so the schema and the code cannot drift apart unnoticed.

use std::process::Command;

use chrono::TimeZone;
use patroldesk::domain::export::{build, seal, to_file_text, DeviceInfo, Encryption, ExportMeta, Payload, PhotoData, SiteInfo};
use patroldesk::domain::drill::built_in_plans;
use patroldesk::domain::record::{Record, RecordKind};
use patroldesk::domain::sample::{drill_run_record, sample_roster, ticket_records, SampleSpec};
use patroldesk::domain::settings::SiteSettings;
use uuid::Uuid;

fn payload() -> Payload {
    let now = chrono::Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
    let spec = SampleSpec { seed: 9, tickets: 40, days: 10, now, offset_min: 480, chinese: true, staff: sample_roster(true) };
    let mut records: Vec<Record> = (0..40).flat_map(|i| ticket_records(&spec, i)).collect();
    records.push(drill_run_record(&spec, 0));
    let (plan_id, plan) = built_in_plans().remove(0);
    let stamp = records[0].created_at;
    let plan = Record::create_with_id(plan_id, RecordKind::DrillPlan, serde_json::to_value(&plan).unwrap(), stamp, None);
    let mut body = plan.body.clone();
    body["target_min"] = 25.into();
    let edited = plan.edited(body, patroldesk::domain::clock::Stamp { wall_ms: stamp.wall_ms + 5, ..stamp }, None);
    records.push(edited);
    // An improvement measure, edited once (its notes).
    let measure = patroldesk::domain::improvement::Improvement {
        measure: "更换3栋立管阀门".into(),
        owner: Some(sample_roster(true)[0].id),
        category: Some("plumbing".into()),
        place: Some(patroldesk::domain::improvement::MeasurePlace::Building("3".into())),
        cause: None,
        kpi: patroldesk::domain::improvement::EffectKpi::Tickets,
        target: 2.0,
        start: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        review: chrono::NaiveDate::from_ymd_opt(2026, 12, 20).unwrap(),
        status: patroldesk::domain::improvement::MeasureStatus::InProgress,
        notes: String::new(),
    };
    let m = Record::create(RecordKind::Improvement, serde_json::to_value(&measure).unwrap(), stamp, None);
    let mut body = m.body.clone();
    body["notes"] = "已订购阀门".into();
    records.push(m.edited(body, patroldesk::domain::clock::Stamp { wall_ms: stamp.wall_ms + 7, ..stamp }, None));
    // A deleted ticket travels as a tombstone.
    let gone = records.iter().find(|r| r.kind == RecordKind::Ticket).unwrap().tombstoned(patroldesk::domain::clock::Stamp { wall_ms: stamp.wall_ms + 9, ..stamp }, None);
    records.retain(|r| r.id != gone.id);
    records.push(gone);
    use base64::Engine;
    let photo = b"\xff\xd8\xff\xe0 not really a jpeg".to_vec();
    Payload {
        records,
        photos: vec![PhotoData { sha256: patroldesk::domain::export::sha256_hex(&photo), mime: "image/jpeg".into(), data: base64::engine::general_purpose::STANDARD.encode(&photo) }],
        settings: Some(SiteSettings { site_name: "东湖花园".into(), site_code: "DH01".into(), roster: sample_roster(true), ..SiteSettings::default() }),
    }
}

fn meta(since: Option<patroldesk::domain::clock::Stamp>) -> ExportMeta {
    ExportMeta {
        app_version: env!("CARGO_PKG_VERSION").into(),
        export_id: Uuid::now_v7(),
        device: DeviceInfo { id: Uuid::now_v7(), name: "前台平板".into() },
        site: SiteInfo { name: "东湖花园".into(), code: "DH01".into() },
        exported_at: chrono::Utc::now(),
        utc_offset_min: 480,
        since,
    }
}

#[test]
fn real_exports_validate_against_the_published_schema() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("exports");
    std::fs::create_dir_all(&dir).unwrap();
    let (plain, _) = build(meta(None), payload(), false);
    let (redacted, _) = build(meta(None), payload(), true);
    let since = plain.until;
    let mut later = payload();
    later.records.truncate(3);
    later.photos.clear();
    later.settings = None;
    let (incremental, _) = build(meta(since), later, false);
    let encryption = Encryption { cipher: "AES-GCM".into(), kdf: "PBKDF2-SHA-256".into(), iterations: 600_000, salt: "c2FsdHNhbHRzYWx0c2FsdA==".into(), iv: "aXZpdml2aXZpdml2".into() };
    let sealed = seal(plain.clone(), encryption, b"ciphertext bytes");
    let mut paths = Vec::new();
    for (name, env) in [("plain", &plain), ("redacted", &redacted), ("incremental", &incremental), ("encrypted", &sealed)] {
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, to_file_text(env)).unwrap();
        paths.push(path);
    }
    let out = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/validate-export.py"))
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/export.schema.json"))
        .args(&paths)
        .output()
        .expect("python3 runs (make test installs python3-jsonschema)");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(report.matches(": valid").count(), 4, "{report}");

    // And the schema is not vacuous: a broken file is refused by the same validator.
    let mut broken: serde_json::Value = serde_json::from_str(&to_file_text(&plain)).unwrap();
    broken["payload"]["records"][0]["kind"] = "invoice".into();
    broken["counts"]["tickets"] = (-1).into();
    let path = dir.join("broken.json");
    std::fs::write(&path, broken.to_string()).unwrap();
    let out = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/validate-export.py"))
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/export.schema.json"))
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
}
