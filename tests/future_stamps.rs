//! A tablet holding stamps from the future (from an older version that imported a bad file,
//! or a clock once set years ahead): found from the index, repaired in one transaction with
//! a ledger entry, after which its exports are accepted elsewhere, a real edit wins, and two
//! tablets that repair copies of one record agree. And a file with a future stamp never
//! moves the clock.

mod common;

use std::cell::RefCell;

use chrono::Utc;
use common::{device, run, site, who};
use patroldesk::app::repair::{find_future_stamped, repair_future_stamps};
use patroldesk::app::sync::{build_export, import_file, ImportFailure};
use patroldesk::app::{intake, Stamps};
use patroldesk::domain::clock::{Hlc, Stamp, ROLLED_OVER_WALL};
use patroldesk::domain::export::{self, ExportOptions, ExportScope, ImportError, RecordProblemKind};
use patroldesk::domain::ledger::LedgerSource;
use patroldesk::domain::record::{Record, RecordKind};
use patroldesk::domain::settings::DeviceIdentity;
use patroldesk::domain::ticket::{default_categories, QuickReport, Ticket};
use patroldesk::domain::triage::SlaPolicy;
use patroldesk::store::memory::MemoryStore;
use patroldesk::store::sync::SyncStore;
use patroldesk::store::{RecordStore, SettingsStore};
use uuid::Uuid;

const Y2286: i64 = 9_999_999_999_999;

fn save_report(store: &MemoryStore, hlc: &RefCell<Hlc>, dev: &DeviceIdentity, note: &str) -> Record {
    let build = |number| {
        let form = QuickReport { category: "plumbing".into(), location: "2号楼".into(), note: note.into() }.validate(&default_categories()).unwrap();
        Ticket::from_quick(form, number, &SlaPolicy::default(), Utc::now(), 480, vec![])
    };
    let saved = run(intake::save_ticket(store, hlc, who(), dev, &site(), build, &[])).unwrap();
    run(store.get(RecordKind::Ticket, saved.id)).unwrap().unwrap()
}

fn everything() -> ExportOptions {
    ExportOptions { scope: ExportScope::All, photos: false, redacted: false, encrypted: false }
}

fn export_text(store: &MemoryStore, dev: &DeviceIdentity) -> (String, usize) {
    let file = run(build_export(store, everything(), dev, &site(), Utc::now(), 480, |_, _| {})).unwrap();
    (export::to_file_text(&file.envelope), file.future_stamped.len())
}

fn at(wall_ms: i64, device: Uuid) -> Stamp {
    Stamp { wall_ms, counter: 0, device }
}

/// A ticket as an older version left it after importing a file "from 2286": its last change
/// stamped then, and its description written then.
fn poison(record: &Record, wall_ms: i64) -> Record {
    let stamp = at(wall_ms, Uuid::from_u128(0xbad));
    let mut body = record.body.clone();
    body["description"] = "2286 年的描述".into();
    record.edited(body, stamp, None)
}

#[test]
fn a_file_with_a_future_stamp_is_refused_and_the_clock_does_not_move() {
    let (tablet, office) = (MemoryStore::new(), MemoryStore::new());
    let dev = device(1);
    let hlc = RefCell::new(Hlc::new(dev.id));
    let ticket = save_report(&tablet, &hlc, &dev, "漏水");
    run(tablet.put_many(&[poison(&ticket, Y2286)])).unwrap();
    let (text, future) = export_text(&tablet, &dev);
    assert_eq!(future, 1, "the export says which records other devices will refuse");
    let office_clock = RefCell::new(Hlc::new(Uuid::from_u128(0x0ff1ce)));
    let r = import_file(&office, &text, None, "bad.json", Utc::now(), Uuid::now_v7());
    match run(r) {
        Err(ImportFailure::File(ImportError::InvalidRecords { problems, refused: 1 })) => {
            assert!(matches!(problems[0].kind, RecordProblemKind::FromTheFuture { .. }), "{problems:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(office.everything().unwrap().is_empty(), "nothing written");
    let next = office_clock.stamp().unwrap();
    assert!((next.wall_ms - Utc::now().timestamp_millis()).abs() < 60_000, "a present-day stamp: {next}");
}

#[test]
fn a_poisoned_tablet_is_found_repaired_and_then_accepted_by_a_fresh_head_office() {
    let tablet = MemoryStore::new();
    let dev = device(1);
    let hlc = RefCell::new(Hlc::new(dev.id));
    let sound = save_report(&tablet, &hlc, &dev, "正常");
    let poisoned = save_report(&tablet, &hlc, &dev, "漏水");
    let rolled = save_report(&tablet, &hlc, &dev, "电梯");
    run(tablet.put_many(&[poison(&poisoned, Y2286), poison(&rolled, ROLLED_OVER_WALL)])).unwrap();
    run(tablet.save_export_watermark(at(Y2286, dev.id))).unwrap();
    // The clock resumes from the highest sound stamp, not the poisoned one.
    let highest = run(tablet.highest_stamp()).unwrap().unwrap();
    assert!(highest.is_beyond(Utc::now().timestamp_millis()));
    let bound = patroldesk::app::repair::bound_at(Utc::now());
    let resumed = Hlc::resume(dev.id, Some(highest), Utc::now().timestamp_millis());
    assert!(resumed.clone().tick(Utc::now().timestamp_millis()) < bound);
    assert!(run(tablet.highest_stamp_until(bound)).unwrap().is_some_and(|s| s >= sound.updated_at));

    let found = run(find_future_stamped(&tablet, Utc::now())).unwrap();
    let mut ids: Vec<Uuid> = found.iter().map(|r| r.id).collect();
    ids.sort();
    let mut expected = vec![poisoned.id, rolled.id];
    expected.sort();
    assert_eq!(ids, expected, "both the year-2286 and the rolled-over stamp, nothing else");

    let clock = RefCell::new(resumed);
    let repaired = run(repair_future_stamps(&tablet, &clock, who(), &dev, &site(), &[])).unwrap();
    assert_eq!(repaired.changed.records.len(), 2);
    assert_eq!(repaired.entry.source, LedgerSource::StampRepair);
    assert!(repaired.watermark_reset);
    let ledger = run(tablet.ledger()).unwrap();
    assert_eq!((ledger.len(), ledger[0].changed()), (1, 2), "the repair is in the ledger");
    assert!(patroldesk::domain::ledger::devices_heard_from(&ledger).is_empty(), "a repair is not a device heard from");
    assert!(run(find_future_stamped(&tablet, Utc::now())).unwrap().is_empty());
    // What the staff saw stays: the description written "in 2286" is still shown.
    let now_poisoned = run(tablet.get(RecordKind::Ticket, poisoned.id)).unwrap().unwrap();
    assert_eq!(now_poisoned.body["description"], "2286 年的描述");

    let (text, future) = export_text(&tablet, &dev);
    assert_eq!(future, 0);
    let office = MemoryStore::new();
    let entry = run(import_file(&office, &text, None, "repaired.json", Utc::now(), Uuid::now_v7())).unwrap();
    let held = tablet.everything().unwrap().len();
    assert_eq!(entry.changed(), held, "a fresh head office accepts every record (three tickets and their events)");
    // The watermark was from the future: the next "changes since the last export" carries all.
    let changes = run(build_export(&tablet, ExportOptions { scope: ExportScope::SinceLast, ..everything() }, &dev, &site(), Utc::now(), 480, |_, _| {})).unwrap();
    assert_eq!(changes.records, held);

    // Undo puts the poisoned copies back, as for an import.
    let undo = run(tablet.undo_import(repaired.entry.id)).unwrap();
    assert_eq!(undo.restored, 2);
    assert_eq!(run(find_future_stamped(&tablet, Utc::now())).unwrap().len(), 2);
}

#[test]
fn after_both_repair_a_real_edit_wins_on_either_tablet() {
    let (a, b) = (MemoryStore::new(), MemoryStore::new());
    let (dev_a, dev_b) = (device(1), device(2));
    let hlc_a = RefCell::new(Hlc::new(dev_a.id));
    let ticket = save_report(&a, &hlc_a, &dev_a, "漏水");
    let bad = poison(&ticket, Y2286);
    run(a.put_many(std::slice::from_ref(&bad))).unwrap();
    run(b.put_many(std::slice::from_ref(&bad))).unwrap();
    // Tablet A repairs first and then someone corrects the description there.
    run(repair_future_stamps(&a, &hlc_a, who(), &dev_a, &site(), &[])).unwrap();
    let fixed = run(a.get(RecordKind::Ticket, ticket.id)).unwrap().unwrap();
    let mut body = fixed.body.clone();
    body["description"] = "已核实：3 楼漏水".into();
    let edited = fixed.edited(body, hlc_a.stamp().unwrap(), None);
    let report = run(a.put_many(&[edited])).unwrap();
    assert!(report.stale.is_empty(), "a local edit is written after the repair");
    // Tablet B repairs later.
    std::thread::sleep(std::time::Duration::from_millis(5));
    let hlc_b = RefCell::new(Hlc::new(dev_b.id));
    run(repair_future_stamps(&b, &hlc_b, who(), &dev_b, &site(), &[])).unwrap();
    // Each imports the other's file: the real edit is shown on both.
    let (from_a, _) = export_text(&a, &dev_a);
    let (from_b, _) = export_text(&b, &dev_b);
    run(import_file(&b, &from_a, None, "a.json", Utc::now(), Uuid::now_v7())).unwrap();
    run(import_file(&a, &from_b, None, "b.json", Utc::now(), Uuid::now_v7())).unwrap();
    for store in [&a, &b] {
        let shown = run(store.get(RecordKind::Ticket, ticket.id)).unwrap().unwrap();
        assert_eq!(shown.body["description"], "已核实：3 楼漏水");
    }
}

#[test]
fn the_cache_takes_the_repaired_copies_and_keeps_each_ticket_history_once() {
    use patroldesk::app::cache::RecordCache;
    let tablet = MemoryStore::new();
    let dev = device(1);
    let hlc = RefCell::new(Hlc::new(dev.id));
    let ticket = save_report(&tablet, &hlc, &dev, "漏水");
    let events = run(tablet.live(RecordKind::TicketEvent)).unwrap();
    let event = events.iter().find(|e| e.body["ticket_id"] == ticket.id.to_string()).unwrap();
    // The event and the ticket as an older version left them: created "in 2286".
    let mut bad_event = event.clone();
    bad_event.created_at = at(Y2286, Uuid::from_u128(0xbad));
    bad_event.updated_at = bad_event.created_at;
    run(tablet.put_many(&[poison(&ticket, Y2286), bad_event])).unwrap();
    let mut cache = RecordCache::new();
    let (tickets, _) = run(tablet.live_rows::<Ticket>(RecordKind::Ticket)).unwrap();
    cache.load_tickets(tickets);
    let (rows, _) = run(tablet.live_rows(RecordKind::TicketEvent)).unwrap();
    cache.load_events(rows);
    let history = cache.ticket(ticket.id).unwrap().state.history.len();
    assert!(history >= 1);

    let repaired = run(repair_future_stamps(&tablet, &hlc, who(), &dev, &site(), &[])).unwrap();
    assert_eq!(repaired.changed.records.len(), 2);
    // A plain apply ignores copies with lower stamps than the cached ones; replace takes them.
    cache.replace(&repaired.before, &repaired.changed.records);
    let item = cache.ticket(ticket.id).unwrap();
    let stored = run(tablet.get(RecordKind::Ticket, ticket.id)).unwrap().unwrap();
    assert_eq!(item.updated_at, stored.updated_at);
    assert_eq!(item.state.history.len(), history, "the moved event is listed once");
    assert_eq!(item.ticket.description, "2286 年的描述");
}
