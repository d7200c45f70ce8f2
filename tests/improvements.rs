//! Improvement measures (issue 22) on the in-memory store: saved only when they read, edited
//! on the stored copy, and merged field by field between two tablets and head office by
//! file, in either order; a measure in a file is held to the form's rules.

mod common;

use std::cell::RefCell;

use chrono::{NaiveDate, TimeZone, Utc};
use common::{file_of, run};
use patroldesk::app::improvements::{delete_measure, save_measure, MeasureError};
use patroldesk::app::sync::{export_records, import_file};
use patroldesk::app::Who;
use patroldesk::domain::clock::Hlc;
use patroldesk::domain::export::ImportError;
use patroldesk::domain::improvement::{EffectKpi, Improvement, MeasurePlace, MeasureStatus};
use patroldesk::domain::record::{Record, RecordKind};
use patroldesk::domain::validation::Problem;
use patroldesk::store::memory::MemoryStore;
use patroldesk::store::RecordStore;
use uuid::Uuid;

fn who() -> Who {
    Who { actor: None, now: Utc::now(), offset_min: 480 }
}

fn measure() -> Improvement {
    Improvement {
        measure: "更换3栋立管阀门".into(),
        owner: None,
        category: Some("plumbing".into()),
        place: Some(MeasurePlace::Building("3".into())),
        cause: None,
        kpi: EffectKpi::Tickets,
        target: 2.0,
        start: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        review: NaiveDate::from_ymd_opt(2027, 2, 20).unwrap(),
        status: MeasureStatus::InProgress,
        notes: String::new(),
    }
}

fn everything(store: &MemoryStore, n: u128) -> String {
    file_of(run(export_records(store, None)).unwrap(), n)
}

fn import(store: &MemoryStore, text: &str, n: u128) {
    run(import_file(store, text, None, "f.json", Utc::now(), Uuid::from_u128(1000 + n))).unwrap();
}

fn stored(store: &MemoryStore) -> Vec<Record> {
    run(store.live(RecordKind::Improvement)).unwrap()
}

#[test]
fn a_measure_that_does_not_read_is_not_stored() {
    let store = MemoryStore::default();
    let clock = RefCell::new(Hlc::new(Uuid::from_u128(1)));
    let nothing = Improvement { category: None, place: None, ..measure() };
    match run(save_measure(&store, &clock, who(), None, &nothing)) {
        Err(MeasureError::Invalid(found)) => assert_eq!(found, vec![("addresses", Problem::Required)]),
        other => panic!("{other:?}"),
    }
    assert!(stored(&store).is_empty());
}

#[test]
fn edits_of_different_fields_on_two_tablets_both_stay_in_any_order() {
    let (a, b, office_ab, office_ba) = (MemoryStore::default(), MemoryStore::default(), MemoryStore::default(), MemoryStore::default());
    let (ca, cb) = (RefCell::new(Hlc::new(Uuid::from_u128(1))), RefCell::new(Hlc::new(Uuid::from_u128(2))));
    let (id, _) = run(save_measure(&a, &ca, who(), None, &measure())).unwrap();
    import(&b, &everything(&a, 1), 1);
    assert_eq!(stored(&b), stored(&a));

    // A marks it done; B, not having seen that, adds a note.
    run(save_measure(&a, &ca, who(), Some(id), &Improvement { status: MeasureStatus::Done, ..measure() })).unwrap();
    run(save_measure(&b, &cb, who(), Some(id), &Improvement { notes: "  已订购阀门 ".into(), ..measure() })).unwrap();
    let (from_a, from_b) = (everything(&a, 1), everything(&b, 2));
    import(&a, &from_b, 2);
    import(&b, &from_a, 1);
    import(&office_ab, &from_a, 1);
    import(&office_ab, &from_b, 2);
    import(&office_ba, &from_b, 2);
    import(&office_ba, &from_a, 1);
    for store in [&a, &b, &office_ab, &office_ba] {
        let records = stored(store);
        assert_eq!(records.len(), 1);
        let m: Improvement = serde_json::from_value(records[0].body.clone()).unwrap();
        assert_eq!((m.status, m.notes.as_str()), (MeasureStatus::Done, "已订购阀门"));
        assert_eq!(records, stored(&a), "every copy is the same record");
    }

    // A deletion travels as a tombstone and is not brought back by the older copy.
    run(delete_measure(&a, &ca, who(), id)).unwrap();
    import(&office_ab, &everything(&a, 1), 1);
    import(&office_ab, &from_b, 2);
    assert!(stored(&office_ab).is_empty());
}

#[test]
fn a_measure_in_a_file_is_held_to_the_forms_rules() {
    let store = MemoryStore::default();
    let clock = RefCell::new(Hlc::new(Uuid::from_u128(1)));
    run(save_measure(&store, &clock, who(), None, &measure())).unwrap();
    let mut records = run(export_records(&store, None)).unwrap();
    records[0].body["review"] = "2026-11-01".into();
    records[0].body["target"] = (-1).into();
    let text = file_of(records, 1);
    let env = patroldesk::domain::export::read(&text).unwrap();
    match patroldesk::domain::export::open(&env, None, Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap()) {
        Err(ImportError::InvalidRecords { problems, .. }) => {
            let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
            assert_eq!(paths, vec!["payload.records[0].body.target", "payload.records[0].body.review"]);
        }
        other => panic!("{other:?}"),
    }
}
