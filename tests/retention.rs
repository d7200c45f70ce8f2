//! Retention (issue 21) on the in-memory store and generated data: a purge by age erases
//! residents' data from the records, their history, steps, drafts, photos and the import
//! ledger, and nowhere else; KPIs are the same before and after; the archive holds what was
//! erased; an older copy merged after the purge, in either order and on another tablet, never
//! brings a name back.

mod common;

use std::cell::RefCell;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{file_of, run};
use patroldesk::app::cache::{BoardItem, RecordCache};
use patroldesk::app::retention::{archive, check_archive, due, gather, purge, ArchiveCheck, Gathered};
use patroldesk::app::sync::{export_records, import_file, undo_import};
use patroldesk::app::Who;
use patroldesk::domain::board::{BoardSummary, SummaryCard};
use patroldesk::domain::clock::{Hlc, Stamp};
use patroldesk::domain::draft::Draft;
use patroldesk::domain::export::{to_file_text, DeviceInfo, SiteInfo};
use patroldesk::domain::kpi::{compute, Kpis, PeriodChoice, Scope};
use patroldesk::domain::record::{Record, RecordKind};
use patroldesk::domain::sample::{ticket_records, SampleSpec};
use patroldesk::domain::settings::KpiTargets;
use patroldesk::domain::ticket::PhotoRef;
use patroldesk::store::memory::MemoryStore;
use patroldesk::store::sync::SyncStore;
use patroldesk::store::{DraftStore, PhotoStore, RecordStore, SettingsStore};
use serde_json::json;
use uuid::Uuid;

const DEVICE: u128 = 0xA;
const MONTHS: u32 = 2;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap()
}

/// A tablet's records over 200 days (sample data re-stamped as a real tablet's: samples
/// never travel).
fn generated(tickets: usize) -> Vec<Record> {
    let spec = SampleSpec { seed: 21, tickets, days: 200, now: now(), offset_min: 480, chinese: true, staff: vec![] };
    (0..tickets)
        .flat_map(|i| ticket_records(&spec, i))
        .map(|mut r| {
            r.origin_device = Uuid::from_u128(DEVICE);
            r.created_at.device = Uuid::from_u128(DEVICE);
            r.updated_at.device = Uuid::from_u128(DEVICE);
            r
        })
        .collect()
}

fn clock() -> RefCell<Hlc> {
    RefCell::new(Hlc::new(Uuid::from_u128(DEVICE)))
}

fn who() -> Who {
    Who { actor: None, now: Utc::now(), offset_min: 480 }
}

fn kpis(cache: &RecordCache) -> Kpis {
    let items: Vec<&Arc<BoardItem>> = cache.tickets().collect();
    let refs: Vec<_> = items.iter().map(|i| (i.id, &i.ticket, &i.state)).collect();
    let local = |t: DateTime<Utc>| patroldesk::domain::locale::to_local(t, 480).date_naive();
    let period = PeriodChoice::Custom { from: local(now() - Duration::days(400)), to: local(now()) }.period(now(), 480);
    compute(&refs, &[], &Scope { period, now: now(), offset_min: 480 }, &KpiTargets::default())
}

/// Everything the store holds, as text: records, ledger, drafts and photos.
fn dump(store: &MemoryStore, photo_shas: &[String]) -> String {
    let mut text = serde_json::to_string(&store.everything().unwrap()).unwrap();
    text.push_str(&serde_json::to_string(&run(store.ledger()).unwrap()).unwrap());
    text.push_str(&serde_json::to_string(&run(store.load_board_summary()).unwrap()).unwrap());
    for form in patroldesk::app::retention::DRAFT_FORMS {
        text.push_str(&serde_json::to_string(&run(store.load_draft(form)).unwrap()).unwrap());
    }
    for sha in photo_shas {
        if let Some((_, bytes)) = store.stored_photo(sha) {
            text.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    text
}

struct Tablet {
    store: MemoryStore,
    cache: RecordCache,
    /// Names and phones of the tickets due, and of one that is not.
    markers: Vec<String>,
    kept_marker: String,
    photo: String,
}

/// A tablet holding a year of tickets, with marked residents on three due tickets (one with
/// its phone corrected, one with a photo, one whose step quotes the resident), the marker in
/// an unsaved intake form, and an import whose ledger keeps a previous version.
fn tablet() -> Tablet {
    let store = MemoryStore::new();
    let records = generated(300);
    run(store.put_many(&records)).unwrap();
    let mut cache = RecordCache::new();
    cache.apply(&records);
    let ids = due(cache.tickets(), MONTHS, now());
    assert!(ids.len() > 50 && ids.len() < 280, "{} due of 300", ids.len());
    let not_due = cache.tickets().find(|i| !ids.contains(&i.id)).unwrap().id;
    let later = |ms: i64| Stamp { wall_ms: now().timestamp_millis() + ms, counter: 0, device: Uuid::from_u128(DEVICE) };
    let photo = patroldesk::domain::export::sha256_hex(b"photo-bytes");
    let mut markers = Vec::new();
    let mut edits = Vec::new();
    for (n, id) in ids.iter().take(3).chain([&not_due]).enumerate() {
        let record = records.iter().find(|r| r.id == *id).unwrap();
        let (name, phone) = (format!("标记住户{n}号"), format!("1390000000{n}"));
        let mut body = record.body.clone();
        body["reporter_name"] = json!(name);
        body["phone"] = json!(phone);
        body["description"] = json!(format!("{name}反映漏水，回电{phone}"));
        if n == 1 {
            body["photos"] = serde_json::to_value(vec![PhotoRef { sha256: photo.clone(), width: 1, height: 1, bytes: 5 }]).unwrap();
        }
        let mut edited = record.edited(body, later(n as i64 * 10), None);
        if n == 0 {
            // The phone corrected later: the first one stays in the history.
            let mut body = edited.body.clone();
            body["phone"] = json!("13900000009");
            edited = edited.edited(body, later(5), None);
            markers.push("13900000009".to_owned());
        }
        if n == 3 {
            edits.push(edited);
            break;
        }
        markers.push(name.clone());
        markers.push(phone.clone());
        if n == 2 {
            let step = records.iter().find(|r| r.kind == RecordKind::TicketEvent && r.body["ticket_id"] == json!(id)).unwrap();
            let mut quoted = step.clone();
            quoted.body["note"] = json!(format!("已致电{phone}联系{name}"));
            edits.push(quoted);
        }
        edits.push(edited);
    }
    let kept_marker = "标记住户3号".to_owned();
    run(store.put_many_with_photos(&edits[..1], &[(photo.clone(), ("image/jpeg".to_owned(), b"photo-bytes".to_vec()))])).unwrap();
    run(store.put_many(&edits)).unwrap();
    // Another tablet's copy of a marked ticket, imported: the ledger keeps the version before.
    let mut theirs = edits[0].clone();
    theirs.body["location"] = json!("3栋大堂");
    let theirs = theirs.edited(theirs.body.clone(), later(50), None);
    run(import_file(&store, &file_of(vec![theirs], 77), None, "theirs.json", Utc::now(), Uuid::from_u128(1))).unwrap();
    run(store.save_draft(&Draft { form: "intake".into(), saved_at_ms: 1, fields: json!({"reporter_name": markers[1], "unit": "1-2-301"}) })).unwrap();
    let everything = store.everything().unwrap();
    cache.apply(&everything);
    // The board's summary for a cold start, with the marked tickets on its first page.
    let first = cache
        .tickets()
        .filter(|i| edits.iter().any(|e| e.id == i.id))
        .map(|i| SummaryCard { id: i.id, created_at: i.created_at, updated_at: i.updated_at, origin_device: i.origin_device, ticket: i.ticket.clone() })
        .collect();
    run(store.save_board_summary(&BoardSummary { as_of: later(100), counts: Vec::new(), first })).unwrap();
    Tablet { store, cache, markers, kept_marker, photo }
}

fn purge_due(t: &mut Tablet) -> Gathered {
    let ids = due(t.cache.tickets(), MONTHS, now());
    let reads = t.store.whole_store_reads();
    let gathered = run(gather(&t.store, &ids)).unwrap();
    assert_eq!(gathered.tickets.len(), ids.len());
    let (envelope, _) = archive(&gathered, DeviceInfo { id: Uuid::from_u128(DEVICE), name: "A".into() }, SiteInfo { name: "东湖".into(), code: "DH01".into() }, Utc::now(), 480);
    let text = to_file_text(&envelope);
    let opened = check_archive(&text, None, &gathered, Utc::now()).unwrap();
    assert_eq!(opened.records.len(), gathered.tickets.len() + gathered.steps.len());
    let purged = run(purge(&t.store, &clock(), who(), &gathered)).unwrap();
    assert_eq!(t.store.whole_store_reads(), reads, "a purge reads by key and index, never a whole record store");
    assert_eq!(purged.tickets, ids.len());
    t.cache.apply(&purged.changed.records);
    gathered
}

#[test]
fn a_purge_by_age_erases_residents_data_everywhere_and_leaves_kpis_as_they_were() {
    let mut t = tablet();
    let before = kpis(&t.cache);
    let text = dump(&t.store, std::slice::from_ref(&t.photo));
    for marker in t.markers.iter().chain([&t.kept_marker]) {
        assert!(text.contains(marker.as_str()), "{marker} is there before");
    }
    let gathered = purge_due(&mut t);
    assert!(gathered.photos.iter().any(|(sha, _, _)| *sha == t.photo), "the archive holds the photo");

    let text = dump(&t.store, std::slice::from_ref(&t.photo));
    for marker in &t.markers {
        assert!(!text.contains(marker.as_str()), "{marker} left after the purge");
    }
    assert!(text.contains(t.kept_marker.as_str()), "a ticket not due keeps its resident");
    assert!(t.store.stored_photo(&t.photo).is_none(), "the photo is gone");
    assert_eq!(kpis(&t.cache), before, "KPIs read nothing a purge changes");
    assert!(due(t.cache.tickets(), MONTHS, now()).is_empty(), "nothing is due twice");
    // The unit and the category stay: the unit's history is the building's.
    let kept = t.store.everything().unwrap().into_iter().find(|r| r.id == gathered.tickets[0].id).unwrap();
    assert_eq!(kept.body["unit"], gathered.tickets[0].body["unit"]);
    assert_eq!(kept.body["category"], gathered.tickets[0].body["category"]);
}

#[test]
fn an_archive_that_does_not_hold_everything_erases_nothing() {
    let t = tablet();
    let ids = due(t.cache.tickets(), MONTHS, now());
    let gathered = run(gather(&t.store, &ids)).unwrap();
    let mut short = gathered.clone();
    short.steps.pop();
    let (envelope, _) = archive(&short, DeviceInfo { id: Uuid::from_u128(DEVICE), name: "A".into() }, SiteInfo { name: "东湖".into(), code: "DH01".into() }, Utc::now(), 480);
    assert!(matches!(check_archive(&to_file_text(&envelope), None, &gathered, Utc::now()), Err(ArchiveCheck::Incomplete { .. })));
    // An archive is never an ordinary import.
    let (envelope, _) = archive(&gathered, DeviceInfo { id: Uuid::from_u128(DEVICE), name: "A".into() }, SiteInfo { name: "东湖".into(), code: "DH01".into() }, Utc::now(), 480);
    let refused = run(import_file(&t.store, &to_file_text(&envelope), None, "archive.json", Utc::now(), Uuid::from_u128(3)));
    assert!(matches!(refused, Err(patroldesk::app::sync::ImportFailure::File(patroldesk::domain::export::ImportError::Archive { is_archive: true }))));
}

#[test]
fn an_older_copy_merged_after_a_purge_keeps_the_values_erased_in_either_order_and_on_another_tablet() {
    let mut a = tablet();
    let older = file_of(run(export_records(&a.store, None)).unwrap(), 10);
    purge_due(&mut a);
    let newer = file_of(run(export_records(&a.store, None)).unwrap(), 11);
    let clean = |store: &MemoryStore, markers: &[String], when: &str| {
        let text = dump(store, std::slice::from_ref(&a.photo));
        for marker in markers {
            assert!(!text.contains(marker.as_str()), "{when}: {marker} came back");
        }
    };
    // On the purging tablet: the older copy imported after the purge.
    let entry = run(import_file(&a.store, &older, None, "older.json", Utc::now(), Uuid::from_u128(20))).unwrap();
    clean(&a.store, &a.markers, "older copy after the purge");
    run(undo_import(&a.store, entry.id)).unwrap();
    clean(&a.store, &a.markers, "that import undone");

    // Another tablet: the older copy first (with its photo), then the purge.
    let b = MemoryStore::new();
    run(b.put_many_with_photos(&[], &[(a.photo.clone(), ("image/jpeg".to_owned(), b"photo-bytes".to_vec()))])).unwrap();
    let first = run(import_file(&b, &older, None, "older.json", Utc::now(), Uuid::from_u128(21))).unwrap();
    assert!(dump(&b, std::slice::from_ref(&a.photo)).contains(a.markers[1].as_str()));
    let second = run(import_file(&b, &newer, None, "newer.json", Utc::now(), Uuid::from_u128(22))).unwrap();
    clean(&b, &a.markers, "second tablet after the purging tablet's export");
    assert!(b.stored_photo(&a.photo).is_none(), "the second tablet deletes the photo too");
    run(undo_import(&b, second.id)).unwrap();
    clean(&b, &a.markers, "the purge's import undone");
    run(undo_import(&b, first.id)).unwrap();

    // A third: the purge first, then the older copy.
    let c = MemoryStore::new();
    run(import_file(&c, &newer, None, "newer.json", Utc::now(), Uuid::from_u128(23))).unwrap();
    run(import_file(&c, &older, None, "older.json", Utc::now(), Uuid::from_u128(24))).unwrap();
    clean(&c, &a.markers, "older copy after the purge on a third tablet");
    let mut on_a = a.store.everything().unwrap();
    let mut on_c = c.everything().unwrap();
    on_a.sort_by_key(|r| r.id);
    on_c.sort_by_key(|r| r.id);
    assert_eq!(on_a, on_c, "both tablets hold the same records");
}
