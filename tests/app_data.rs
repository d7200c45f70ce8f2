//! The Data and Settings use cases over the in-memory store: export (what goes in, the file
//! name, the watermark), import (preview, apply, clock, conflicts, undo), sample data, and
//! roster and settings edits — each with its failure path storing nothing.

mod common;

use std::cell::RefCell;

use chrono::Utc;
use common::{device, run, site, who};
use patroldesk::app::settings::{edit_roster, save_site, take_settings_from_files, EditError, RosterEdit};
use patroldesk::app::{intake, sample, sync, Stamps};
use patroldesk::domain::clock::Hlc;
use patroldesk::domain::export::{self, ExportOptions, ExportScope};
use patroldesk::domain::ledger::devices_heard_from;
use patroldesk::domain::merge::Outcome;
use patroldesk::domain::record::RecordKind;
use patroldesk::domain::sample::{is_sample, SampleSpec};
use patroldesk::domain::settings::{Department, DeviceIdentity, SiteSettings, StaffRole};
use patroldesk::domain::ticket::{default_categories, PhotoRef, QuickReport, Ticket};
use patroldesk::domain::triage::SlaPolicy;
use patroldesk::domain::validation::Problem;
use patroldesk::store::memory::MemoryStore;
use patroldesk::store::sync::SyncStore;
use patroldesk::store::{RecordStore, SettingsStore, StoreError};
use uuid::Uuid;

/// A quick report saved on `store`, with a photo of these bytes when given.
fn report(store: &MemoryStore, hlc: &RefCell<Hlc>, dev: &DeviceIdentity, photo: Option<&str>) -> Uuid {
    let photo = photo.map(|bytes| (export::sha256_hex(bytes.as_bytes()), bytes.as_bytes().to_vec()));
    let refs: Vec<PhotoRef> = photo.iter().map(|(sha, _)| PhotoRef { sha256: sha.clone(), width: 4, height: 3, bytes: 3 }).collect();
    let build = |number| {
        let form = QuickReport { category: "plumbing".into(), location: "2号楼".into(), note: "漏水".into() }.validate(&default_categories()).unwrap();
        Ticket::from_quick(form, number, &SlaPolicy::default(), Utc::now(), 480, refs)
    };
    let blobs: Vec<(String, (String, Vec<u8>))> = photo.iter().map(|(sha, bytes)| (sha.clone(), ("image/jpeg".to_owned(), bytes.clone()))).collect();
    run(intake::save_ticket(store, hlc, who(), dev, &site(), build, &blobs)).unwrap().id
}

fn options(scope: ExportScope) -> ExportOptions {
    ExportOptions { scope, photos: true, redacted: false, encrypted: false }
}

#[test]
fn an_export_carries_the_changes_and_their_photos_and_then_moves_the_watermark() {
    let store = MemoryStore::new();
    let dev = device(1);
    let hlc = RefCell::new(Hlc::new(dev.id));
    report(&store, &hlc, &dev, Some("aa11"));
    report(&store, &hlc, &dev, Some("bb22"));
    // The device's clock: the export's records were stamped by it moments ago.
    let now = Utc::now();
    let mut progress = Vec::new();
    let file = run(sync::build_export(&store, options(ExportScope::SinceLast), &dev, &site(), now, 480, |done, total| progress.push((done, total)))).unwrap();
    assert_eq!(file.records, 4, "two tickets and their first steps");
    assert_eq!(file.photos_missing, 0);
    assert_eq!(progress, [(0, 2), (1, 2)]);
    // Local time (UTC+8) in the name, and what kind of file it is.
    let local = patroldesk::domain::locale::to_local(now, 480).format("%Y%m%d-%H%M");
    assert_eq!(file.name, format!("patroldesk-DH01-{}-{local}-changes.json", dev.short_code()));
    let text = export::to_file_text(&file.envelope);
    let payload = export::open(&export::read(&text).unwrap(), None, Utc::now()).unwrap();
    assert_eq!(payload.photos.len(), 2);

    // Saved: the next "changes" export is empty; a redacted report does not count as exported.
    assert!(run(sync::mark_exported(&store, &file)).unwrap().is_some());
    let again = run(sync::build_export(&store, options(ExportScope::SinceLast), &dev, &site(), now, 480, |_, _| {})).unwrap();
    assert_eq!(again.records, 0);
    report(&store, &hlc, &dev, None);
    let redacted = ExportOptions { redacted: true, ..options(ExportScope::SinceLast) };
    let report_file = run(sync::build_export(&store, redacted, &dev, &site(), now, 480, |_, _| {})).unwrap();
    assert!(report_file.name.ends_with("-changes-redacted.json"));
    assert_eq!(run(sync::mark_exported(&store, &report_file)).unwrap(), None);
    assert_eq!(run(sync::build_export(&store, options(ExportScope::SinceLast), &dev, &site(), now, 480, |_, _| {})).unwrap().records, 2);
    // Everything: all six records.
    assert_eq!(run(sync::build_export(&store, options(ExportScope::All), &dev, &site(), now, 480, |_, _| {})).unwrap().records, 6);
}

#[test]
fn a_photo_the_device_cannot_read_is_counted_not_dropped_quietly() {
    let store = MemoryStore::new();
    let dev = device(1);
    let hlc = RefCell::new(Hlc::new(dev.id));
    report(&store, &hlc, &dev, Some("aa11"));
    // A ticket naming a photo that is not stored (a failed capture, a cleared store).
    let refs = vec![PhotoRef { sha256: "gone".into(), width: 4, height: 3, bytes: 3 }];
    let build = |number| {
        let form = QuickReport { category: "plumbing".into(), location: "3号楼".into(), note: "灯坏".into() }.validate(&default_categories()).unwrap();
        Ticket::from_quick(form, number, &SlaPolicy::default(), Utc::now(), 480, refs)
    };
    run(intake::save_ticket(&store, &hlc, who(), &dev, &site(), build, &[])).unwrap();
    let file = run(sync::build_export(&store, options(ExportScope::All), &dev, &site(), Utc::now(), 480, |_, _| {})).unwrap();
    assert_eq!(file.photos_missing, 1);
    assert_eq!(file.records, 4, "the records all go");
}

#[test]
fn an_export_that_cannot_read_the_watermark_fails_and_moves_nothing() {
    let store = MemoryStore::new();
    let dev = device(1);
    let hlc = RefCell::new(Hlc::new(dev.id));
    report(&store, &hlc, &dev, None);
    let file = run(sync::build_export(&store, options(ExportScope::All), &dev, &site(), Utc::now(), 480, |_, _| {})).unwrap();
    store.fail_next_write(StoreError::QuotaExceeded);
    assert_eq!(run(sync::mark_exported(&store, &file)).unwrap_err(), StoreError::QuotaExceeded);
    assert_eq!(run(store.load_export_watermark()).unwrap(), None, "still counted as not exported");
}

/// An export of `store`'s records as a file's text would carry them, opened again.
fn exported(store: &MemoryStore, dev: &DeviceIdentity) -> (export::Envelope, export::CheckedPayload) {
    let file = run(sync::build_export(store, options(ExportScope::All), dev, &site(), Utc::now(), 480, |_, _| {})).unwrap();
    let envelope = export::read(&export::to_file_text(&file.envelope)).unwrap();
    let payload = export::open(&envelope, None, Utc::now()).unwrap();
    (envelope, payload)
}

#[test]
fn an_import_previews_applies_moves_the_clock_and_undoes() {
    let tablet = MemoryStore::new();
    let dev = device(1);
    let tablet_clock = RefCell::new(Hlc::new(dev.id));
    report(&tablet, &tablet_clock, &dev, Some("aa11"));
    report(&tablet, &tablet_clock, &dev, None);
    let (envelope, payload) = exported(&tablet, &dev);

    let office = MemoryStore::new();
    let office_clock = RefCell::new(Hlc::new(Uuid::from_u128(0x0ff1ce)));
    let counts = run(sync::preview(&office, &payload)).unwrap();
    assert_eq!(counts[&RecordKind::Ticket][&Outcome::New], 2);
    assert_eq!(counts[&RecordKind::TicketEvent][&Outcome::New], 2);
    let reads = office.whole_store_reads();
    let imported = run(sync::import_checked(&office, &office_clock, &envelope, &payload, "tablet1.json", Utc::now())).unwrap();
    assert_eq!(office.whole_store_reads(), reads, "an import reads what it merges by key");
    assert_eq!(imported.changed.len(), 4);
    assert!(office.stored_photo(&export::sha256_hex(b"aa11")).is_some());
    let highest = payload.records.iter().map(|r| r.updated_at).max().unwrap();
    assert!(office_clock.stamp().unwrap() > highest, "an edit after the import is stamped later than anything in it");

    // The same file again changes nothing.
    let again = run(sync::import_checked(&office, &office_clock, &envelope, &payload, "tablet1.json", Utc::now())).unwrap();
    assert!(again.changed.is_empty());

    let (ledger, open) = run(sync::ledger_with_conflicts(&office)).unwrap();
    assert_eq!(ledger.len(), 1, "an import that changed nothing leaves no entry");
    assert!(open.is_empty());
    let heard = devices_heard_from(&ledger);
    assert_eq!(heard.len(), 1);
    assert_eq!((heard[0].device.name.as_str(), heard[0].imports), ("平板1", 1));

    let undone = run(sync::undo_import(&office, ledger[0].id)).unwrap();
    assert_eq!(undone.restored, 4);
    assert!(run(office.live(RecordKind::Ticket)).unwrap().is_empty());
    let (ledger, _) = run(sync::ledger_with_conflicts(&office)).unwrap();
    assert!(ledger[0].undone);
    assert!(devices_heard_from(&ledger).is_empty(), "an undone import is not hearing from a device");
}

#[test]
fn a_failed_import_writes_nothing_and_leaves_no_ledger_entry() {
    let tablet = MemoryStore::new();
    let dev = device(1);
    report(&tablet, &RefCell::new(Hlc::new(dev.id)), &dev, None);
    let (envelope, payload) = exported(&tablet, &dev);
    let office = MemoryStore::new();
    let clock = RefCell::new(Hlc::new(Uuid::from_u128(9)));
    office.fail_next_write(StoreError::QuotaExceeded);
    let failed = run(sync::import_checked(&office, &clock, &envelope, &payload, "t.json", Utc::now()));
    assert_eq!(failed.unwrap_err(), StoreError::QuotaExceeded);
    assert!(office.everything().unwrap().is_empty());
    assert!(run(office.ledger()).unwrap().is_empty());
}

#[test]
fn conflicts_left_by_an_import_are_listed_by_the_records_name() {
    use patroldesk::domain::drill::built_in_plans;
    use patroldesk::domain::record::Record;
    // Two devices edit the same plan's name from the same base: the second import conflicts.
    let (plan_id, plan) = built_in_plans().into_iter().next().unwrap();
    let base = Record::create_with_id(plan_id, RecordKind::DrillPlan, serde_json::to_value(&plan).unwrap(), Hlc::new(Uuid::from_u128(1)).tick(1), None);
    let office = MemoryStore::new();
    run(office.put_many(std::slice::from_ref(&base))).unwrap();
    let mut renamed = plan.clone();
    renamed.name.zh = "消防演练（改）".into();
    let mut hlc_b = Hlc::new(Uuid::from_u128(2));
    let theirs = base.edited(serde_json::to_value(&renamed).unwrap(), hlc_b.tick(5), None);
    let mut mine = plan.clone();
    mine.name.zh = "消防演练（办公室）".into();
    let mut hlc_a = Hlc::new(Uuid::from_u128(3));
    run(office.put_many(&[base.edited(serde_json::to_value(&mine).unwrap(), hlc_a.tick(6), None)])).unwrap();
    let meta = export::ExportMeta {
        app_version: "t".into(),
        export_id: Uuid::from_u128(77),
        device: export::DeviceInfo { id: Uuid::from_u128(2), name: "B".into() },
        site: export::SiteInfo { name: "东湖".into(), code: "DH01".into() },
        exported_at: Utc::now(),
        utc_offset_min: 480,
        since: None,
    };
    let (env, _) = export::build(meta, export::Payload { records: vec![theirs], photos: vec![], settings: None }, false);
    let env = export::read(&export::to_file_text(&env)).unwrap();
    let payload = export::open(&env, None, Utc::now()).unwrap();
    run(sync::import_checked(&office, &RefCell::new(Hlc::new(Uuid::from_u128(4))), &env, &payload, "b.json", Utc::now())).unwrap();
    let (_, open) = run(sync::ledger_with_conflicts(&office)).unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].kind, RecordKind::DrillPlan);
    assert!(open[0].label.starts_with("消防演练"), "{}", open[0].label);
}

#[test]
fn sample_data_loads_in_batches_with_staff_and_is_removed_for_good() {
    let store = MemoryStore::new();
    let dev = device(1);
    let hlc = RefCell::new(Hlc::new(dev.id));
    let own = report(&store, &hlc, &dev, None);
    let spec = SampleSpec { seed: 1, tickets: 250, days: 30, now: Utc::now(), offset_min: 480, chinese: true, staff: vec![] };
    let mut batches = Vec::new();
    let loaded = run(sample::load_sample(&store, &site(), spec, true, async |changed: &patroldesk::app::Changed, done, total| {
        batches.push((!changed.records.is_empty(), done, total));
    }))
    .unwrap();
    assert_eq!(loaded.tickets, 250);
    assert!(loaded.failed.is_none());
    assert_eq!(batches.iter().map(|b| b.1).collect::<Vec<_>>(), [100, 200, 250]);
    let roster = loaded.site.expect("an empty roster gets the sample staff");
    assert!(!roster.roster.is_empty());
    assert_eq!(run(store.load_site()).unwrap().as_ref(), Some(&roster));
    assert_eq!(run(store.live(RecordKind::Ticket)).unwrap().iter().filter(|r| is_sample(r)).count(), 250);

    let removed = run(sample::remove_sample(&store, &roster)).unwrap();
    assert!(removed.records >= 250);
    assert!(removed.site.unwrap().roster.is_empty());
    let left = run(store.live(RecordKind::Ticket)).unwrap();
    assert_eq!(left.iter().map(|r| r.id).collect::<Vec<_>>(), [own], "only the sample goes");
}

#[test]
fn a_sample_batch_that_fails_stops_there_and_keeps_the_batches_before() {
    let store = MemoryStore::new();
    let mut site = site();
    site.add_staff(Uuid::from_u128(5), "王伟", StaffRole::Patrol, Department::Security).unwrap();
    run(store.save_site(&site)).unwrap();
    let spec = SampleSpec { seed: 1, tickets: 300, days: 30, now: Utc::now(), offset_min: 480, chinese: false, staff: vec![] };
    let mut seen = 0;
    let loaded = run(sample::load_sample(&store, &site, spec, false, async |_: &patroldesk::app::Changed, done, _| {
        seen = done;
        if done == 100 {
            store.fail_next_write(StoreError::QuotaExceeded);
        }
    }))
    .unwrap();
    assert_eq!(loaded.tickets, 100);
    assert_eq!(loaded.failed, Some(StoreError::QuotaExceeded));
    assert_eq!(seen, 100);
    assert!(loaded.site.is_none(), "a roster already there is left alone");
    assert_eq!(run(store.live(RecordKind::Ticket)).unwrap().len(), 100);
}

#[test]
fn roster_edits_are_checked_then_written_and_a_failed_write_keeps_the_old_roster() {
    let store = MemoryStore::new();
    let start = site();
    run(store.save_site(&start)).unwrap();
    let id = Uuid::from_u128(11);
    let add = |name: &str, id: Uuid| RosterEdit::Add { id, name: name.into(), role: StaffRole::Technician, department: Department::Engineering };
    let one = run(edit_roster(&store, &start, add("李工", id))).unwrap();
    assert_eq!(run(store.load_site()).unwrap().unwrap(), one);
    assert_eq!(run(edit_roster(&store, &one, add(" 李工 ", Uuid::from_u128(12)))).unwrap_err(), EditError::Invalid(Problem::Duplicate));
    assert_eq!(run(store.load_site()).unwrap().unwrap(), one, "a refused edit writes nothing");

    store.fail_next_write(StoreError::QuotaExceeded);
    let failed = run(edit_roster(&store, &one, RosterEdit::Retire(id)));
    assert_eq!(failed.unwrap_err(), EditError::Store(StoreError::QuotaExceeded));
    assert_eq!(run(store.load_site()).unwrap().unwrap(), one);
    let retired = run(edit_roster(&store, &one, RosterEdit::Retire(id))).unwrap();
    assert_eq!(retired.active_staff().count(), 0);
    let renamed = RosterEdit::Update { id, name: "李工程师".into(), role: StaffRole::Supervisor, department: Department::Engineering };
    assert_eq!(run(edit_roster(&store, &retired, renamed)).unwrap().staff(id).unwrap().name, "李工程师");
}

#[test]
fn site_settings_and_the_device_name_are_written_device_first() {
    let store = MemoryStore::new();
    let dev = device(1);
    run(store.save_device(&dev)).unwrap();
    let next = SiteSettings { site_name: "西湖".into(), ..site() };
    store.fail_next_write(StoreError::QuotaExceeded);
    assert!(run(save_site(&store, next.clone(), Some((&dev, "前台平板".into())))).is_err());
    assert_eq!(run(store.load_device()).unwrap().unwrap().name, dev.name, "neither is written");
    assert_eq!(run(store.load_site()).unwrap(), None);
    let (saved, renamed) = run(save_site(&store, next.clone(), Some((&dev, "前台平板".into())))).unwrap();
    assert_eq!(saved, next);
    assert_eq!(renamed.unwrap().name, "前台平板");
    // Settings carried by files: written only when they change something.
    assert_eq!(run(take_settings_from_files(&store, &next, [&next])).unwrap(), None);
}

#[test]
fn a_follow_up_plan_is_kept_trimmed_and_a_too_long_one_is_refused() {
    use patroldesk::app::settings::save_follow_up_plan;
    use patroldesk::domain::kpi::FOLLOW_UP_MAX;
    let store = MemoryStore::new();
    assert_eq!(run(save_follow_up_plan(&store, "2026-11-01..2026-11-30|lift", "  每周巡检电梯 ")).unwrap(), "每周巡检电梯");
    assert_eq!(run(store.load_follow_up("2026-11-01..2026-11-30|lift")).unwrap().as_deref(), Some("每周巡检电梯"));
    let long = "改".repeat(FOLLOW_UP_MAX + 1);
    assert_eq!(run(save_follow_up_plan(&store, "k", &long)).unwrap_err(), EditError::Invalid(Problem::TooLong { max: FOLLOW_UP_MAX }));
    assert_eq!(run(store.load_follow_up("k")).unwrap(), None);
    store.fail_next_write(StoreError::QuotaExceeded);
    assert_eq!(run(save_follow_up_plan(&store, "k", "x")).unwrap_err(), EditError::Store(StoreError::QuotaExceeded));
}
