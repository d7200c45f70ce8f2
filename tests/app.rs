//! The use cases over the in-memory store, with the live cache applying what each returns:
//! intake, workflow steps, drill runs and plans; failures store nothing and leave the cache
//! as it was; no everyday action reads a whole store.

mod common;

use std::cell::RefCell;

use chrono::{Duration, TimeZone, Utc};
use common::run;
use patroldesk::app::cache::RecordCache;
use patroldesk::app::workflow::{perform, perform_steps, StepError};
use patroldesk::app::{drills, intake, Changed, Who};
use patroldesk::domain::clock::Hlc;
use patroldesk::domain::drill::{built_in_plans, Participant, RunChange, RunMode, DrillRun};
use patroldesk::domain::record::{Record, RecordKind};
use patroldesk::domain::settings::{Department, DeviceIdentity, SiteSettings, StaffRole};
use patroldesk::domain::triage::{SlaHours, SlaPolicy};
use patroldesk::domain::ticket::{default_categories, QuickReport, Ticket, TicketStatus};
use patroldesk::domain::triage::{Level, Priority};
use patroldesk::domain::workflow::{Action, Refusal};
use patroldesk::store::memory::MemoryStore;
use patroldesk::store::{PhotoStore, RecordStore, Row, StoreError};
use uuid::Uuid;

const DEVICE: u128 = 0xd1;

fn who() -> Who {
    Who { actor: Some(Uuid::from_u128(7)), now: Utc::now(), offset_min: 480 }
}

fn clock() -> RefCell<Hlc> {
    RefCell::new(Hlc::new(Uuid::from_u128(DEVICE)))
}

fn quick_ticket(number: String) -> Ticket {
    let form = QuickReport { category: "plumbing".into(), location: "2号楼大堂".into(), note: "漏水".into() }
        .validate(&default_categories())
        .expect("a valid quick report");
    Ticket::from_quick(form, number, &SlaPolicy::default(), Utc::now(), 480, vec![])
}

fn save(store: &MemoryStore, hlc: &RefCell<Hlc>) -> intake::Saved {
    let device = DeviceIdentity::new(Uuid::from_u128(DEVICE));
    let site = SiteSettings { site_code: "DH01".into(), ..SiteSettings::default() };
    run(intake::save_ticket(store, hlc, who(), &device, &site, quick_ticket, &[("abc".into(), ("image/jpeg".into(), vec![1, 2, 3]))])).unwrap()
}

fn assess() -> Action {
    Action::Assess { urgency: Level::High, importance: Level::High, priority: Priority::P1, hours: SlaHours { respond: 1, resolve: 4 } }
}

/// A cache loaded from the store the way the app loads it at start.
fn loaded_cache(store: &MemoryStore) -> RecordCache {
    let mut cache = RecordCache::new();
    let (tickets, _) = run(store.live_rows::<Ticket>(RecordKind::Ticket)).unwrap();
    cache.load_tickets(tickets);
    let (events, _) = run(store.live_rows(RecordKind::TicketEvent)).unwrap();
    cache.load_events(events);
    cache.load_drills(run(store.live(RecordKind::DrillPlan)).unwrap(), run(store.live(RecordKind::DrillRun)).unwrap(), run(store.live(RecordKind::Improvement)).unwrap());
    cache
}

#[test]
fn an_intake_save_stores_ticket_event_and_photo_and_the_cache_shows_it() {
    let store = MemoryStore::new();
    let hlc = clock();
    let mut cache = loaded_cache(&store);
    let reads = store.whole_store_reads();
    let saved = save(&store, &hlc);
    assert_eq!(store.whole_store_reads(), reads, "a save reads no whole store");
    assert!(saved.number.starts_with("DH01-"));
    assert_eq!(saved.changed.records.len(), 2);
    assert!(run(store.photo("abc")).unwrap().is_some());

    let applied = cache.apply(&saved.changed.records);
    assert_eq!(applied.tickets, vec![saved.id]);
    let item = cache.ticket(saved.id).expect("in the cache");
    assert!(item.settled);
    assert_eq!(item.state.status, TicketStatus::New);
    assert_eq!(item.state.history.len(), 1, "the received event is in its history");
    assert_eq!(cache.recent_from(Uuid::from_u128(DEVICE), 10).len(), 1);
    // The same as a fresh load from storage.
    let fresh = loaded_cache(&store);
    assert_eq!(fresh.ticket(saved.id).unwrap().state, item.state);
}

#[test]
fn a_failed_save_stores_nothing_and_leaves_the_cache_as_it_was() {
    let store = MemoryStore::new();
    let hlc = clock();
    let cache = loaded_cache(&store);
    let device = DeviceIdentity::new(Uuid::from_u128(DEVICE));
    // The day's sequence cannot be taken: nothing is written.
    store.fail_next_write(StoreError::QuotaExceeded);
    let result = run(intake::save_ticket(&store, &hlc, who(), &device, &SiteSettings::default(), quick_ticket, &[("abc".into(), ("image/jpeg".into(), vec![1]))]));
    assert_eq!(result.unwrap_err(), StoreError::QuotaExceeded);
    assert!(run(store.live(RecordKind::Ticket)).unwrap().is_empty());
    assert!(run(store.photo("abc")).unwrap().is_none());
    assert_eq!(cache.ticket_count(), 0);

    // Now the record write itself fails.
    let fail_on_records = FailOnRecords { inner: &store };
    let result = run(intake::save_ticket(&fail_on_records, &hlc, who(), &device, &SiteSettings::default(), quick_ticket, &[("abc".into(), ("image/jpeg".into(), vec![1]))]));
    assert_eq!(result.unwrap_err(), StoreError::QuotaExceeded);
    assert!(run(store.live(RecordKind::Ticket)).unwrap().is_empty(), "no ticket without its photos");
    assert!(run(store.photo("abc")).unwrap().is_none(), "no photos without their ticket");
}

/// The in-memory store, with every record write failing as a full disk would.
struct FailOnRecords<'a> {
    inner: &'a MemoryStore,
}

impl RecordStore for FailOnRecords<'_> {
    async fn get(&self, kind: RecordKind, id: Uuid) -> Result<Option<Record>, StoreError> {
        self.inner.get(kind, id).await
    }
    async fn put_many(&self, _: &[Record]) -> Result<patroldesk::store::PutReport, StoreError> {
        Err(StoreError::QuotaExceeded)
    }
    async fn purge_device(&self, device: Uuid) -> Result<usize, StoreError> {
        self.inner.purge_device(device).await
    }
    async fn query(&self, kind: RecordKind, index: patroldesk::domain::record::IndexName, value: &str) -> Result<Vec<Record>, StoreError> {
        self.inner.query(kind, index, value).await
    }
    async fn live(&self, kind: RecordKind) -> Result<Vec<Record>, StoreError> {
        self.inner.live(kind).await
    }
    async fn changed_since(&self, kind: RecordKind, since: Option<patroldesk::domain::clock::Stamp>) -> Result<Vec<Record>, StoreError> {
        self.inner.changed_since(kind, since).await
    }
}

impl PhotoStore for FailOnRecords<'_> {
    type Blob = (String, Vec<u8>);
    async fn put_many_with_photos(&self, records: &[Record], _: &[(String, Self::Blob)]) -> Result<patroldesk::store::PutReport, StoreError> {
        self.put_many(records).await
    }
    async fn photo(&self, sha256: &str) -> Result<Option<Self::Blob>, StoreError> {
        self.inner.photo(sha256).await
    }
    async fn photo_file(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        self.inner.photo_file(sha256).await
    }
}

impl patroldesk::store::SettingsStore for FailOnRecords<'_> {
    async fn load_device(&self) -> Result<Option<DeviceIdentity>, StoreError> {
        self.inner.load_device().await
    }
    async fn save_device(&self, d: &DeviceIdentity) -> Result<(), StoreError> {
        self.inner.save_device(d).await
    }
    async fn load_site(&self) -> Result<Option<SiteSettings>, StoreError> {
        self.inner.load_site().await
    }
    async fn save_site(&self, s: &SiteSettings) -> Result<(), StoreError> {
        self.inner.save_site(s).await
    }
    async fn next_sequence(&self, scope: &str) -> Result<u32, StoreError> {
        self.inner.next_sequence(scope).await
    }
    async fn load_follow_up(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.inner.load_follow_up(key).await
    }
    async fn save_follow_up(&self, key: &str, plan: &str) -> Result<(), StoreError> {
        self.inner.save_follow_up(key, plan).await
    }
    async fn load_export_watermark(&self) -> Result<Option<patroldesk::domain::clock::Stamp>, StoreError> {
        self.inner.load_export_watermark().await
    }
    async fn save_export_watermark(&self, stamp: patroldesk::domain::clock::Stamp) -> Result<(), StoreError> {
        self.inner.save_export_watermark(stamp).await
    }
    async fn load_board_summary(&self) -> Result<Option<patroldesk::domain::board::BoardSummary>, StoreError> {
        self.inner.load_board_summary().await
    }
    async fn save_board_summary(&self, s: &patroldesk::domain::board::BoardSummary) -> Result<(), StoreError> {
        self.inner.save_board_summary(s).await
    }
    async fn load_keyring(&self) -> Result<Option<patroldesk::domain::keyring::Keyring>, StoreError> {
        self.inner.load_keyring().await
    }
    async fn save_keyring(&self, k: &patroldesk::domain::keyring::Keyring) -> Result<(), StoreError> {
        self.inner.save_keyring(k).await
    }
}

#[test]
fn a_step_is_checked_against_the_stored_state_and_applied_to_one_ticket() {
    let store = MemoryStore::new();
    let hlc = clock();
    let first = save(&store, &hlc);
    let other = save(&store, &hlc);
    let mut cache = loaded_cache(&store);
    let other_before = cache.ticket(other.id).unwrap().clone();
    let reads = store.whole_store_reads();

    let done = run(perform(&store, &hlc, who(), None, first.id, assess(), "")).unwrap();
    assert_eq!(done.reached, TicketStatus::Assessed);
    assert_eq!(store.whole_store_reads(), reads, "a step reads its ticket by key and its events by index");
    let applied = cache.apply(&done.changed.records);
    assert_eq!(applied.tickets, vec![first.id]);
    let item = cache.ticket(first.id).unwrap();
    assert_eq!(item.state.status, TicketStatus::Assessed);
    assert_eq!(item.state.priority, Priority::P1);
    assert_eq!(item.state.history.len(), 2);
    assert!(item.rev > other_before.rev);
    assert!(std::sync::Arc::ptr_eq(cache.ticket(other.id).unwrap(), &other_before), "the other ticket is untouched");
    assert_eq!(loaded_cache(&store).ticket(first.id).unwrap().state, item.state);

    // Another tab assessed and dispatched meanwhile: a second "assess" from a stale view is refused.
    let dispatch = Action::Dispatch { department: Department::Engineering, assignee: None };
    run(perform(&store, &hlc, who(), None, first.id, dispatch, "")).unwrap();
    let stale = run(perform(&store, &hlc, who(), None, first.id, assess(), ""));
    assert!(matches!(stale, Err(StepError::Refused(Refusal::NotAllowed { from: TicketStatus::Dispatched }))), "{stale:?}");

    // Fields and roles are checked too, and nothing is written when refused.
    let events_before = run(store.live(RecordKind::TicketEvent)).unwrap().len();
    let close = run(perform(&store, &hlc, who(), Some(StaffRole::Patrol), first.id, Action::Reopen, ""));
    assert!(matches!(close, Err(StepError::Refused(_))));
    assert_eq!(run(store.live(RecordKind::TicketEvent)).unwrap().len(), events_before);
    assert_eq!(run(perform(&store, &hlc, who(), None, Uuid::from_u128(404), assess(), "")).unwrap_err(), StepError::Gone);
}

#[test]
fn steps_taken_together_are_written_together_or_not_at_all() {
    let store = MemoryStore::new();
    let hlc = clock();
    let saved = save(&store, &hlc);
    let mut cache = loaded_cache(&store);
    let tech = Uuid::from_u128(7);
    let dispatch = Action::Dispatch { department: Department::Security, assignee: Some(tech) };
    // Assess and dispatch in one go: two events, each with its own from/to, one ticket copy.
    let done = run(perform_steps(&store, &hlc, who(), None, saved.id, vec![(assess(), "业主在家".into()), (dispatch, String::new())])).unwrap();
    assert_eq!(done.reached, TicketStatus::Dispatched);
    cache.apply(&done.changed.records);
    let item = cache.ticket(saved.id).unwrap();
    let steps: Vec<_> = item.state.history.iter().map(|e| (e.event.from, e.event.to, e.event.note.clone())).collect();
    assert_eq!(steps, vec![
        (None, TicketStatus::New, String::new()),
        (Some(TicketStatus::New), TicketStatus::Assessed, "业主在家".into()),
        (Some(TicketStatus::Assessed), TicketStatus::Dispatched, String::new()),
    ]);
    assert_eq!((item.state.department, item.state.assignee), (Some(Department::Security), Some(tech)));
    assert_eq!(loaded_cache(&store).ticket(saved.id).unwrap().state, item.state);

    // A follow-up the role may not take (close, by patrol) refuses both steps: nothing written.
    let events_before = run(store.live(RecordKind::TicketEvent)).unwrap().len();
    let resolve = Action::Resolve { work_done: "处理完毕".into(), cause: String::new() };
    run(perform(&store, &hlc, who(), None, saved.id, Action::Start, "")).unwrap();
    run(perform(&store, &hlc, who(), None, saved.id, resolve, "")).unwrap();
    let visit = Action::ReturnVisit { method: patroldesk::domain::workflow::ContactMethod::Phone, score: 5, comment: String::new(), visitor: None };
    let refused = run(perform_steps(&store, &hlc, who(), Some(StaffRole::Patrol), saved.id, vec![(visit, String::new()), (Action::Close, String::new())]));
    assert_eq!(refused.unwrap_err(), StepError::Refused(Refusal::NeedsSupervisor));
    assert_eq!(run(store.live(RecordKind::TicketEvent)).unwrap().len(), events_before + 2);
    assert_eq!(loaded_cache(&store).ticket(saved.id).unwrap().state.status, TicketStatus::Resolved);
}

#[test]
fn a_failed_step_stores_nothing_and_the_cache_keeps_the_ticket_as_it_was() {
    let store = MemoryStore::new();
    let hlc = clock();
    let saved = save(&store, &hlc);
    let cache = loaded_cache(&store);
    let before = cache.ticket(saved.id).unwrap().clone();
    store.fail_next_write(StoreError::Aborted("disk".into()));
    let result = run(perform(&store, &hlc, who(), None, saved.id, assess(), "note"));
    assert_eq!(result.unwrap_err(), StepError::Store(StoreError::Aborted("disk".into())));
    // Nothing returned, so nothing applied: the cache is as it was, and so is storage.
    assert!(std::sync::Arc::ptr_eq(cache.ticket(saved.id).unwrap(), &before));
    assert_eq!(loaded_cache(&store).ticket(saved.id).unwrap().state.status, TicketStatus::New);
}

#[test]
fn an_undecodable_event_is_an_error_not_a_gap_in_the_history() {
    let store = MemoryStore::new();
    let hlc = clock();
    let saved = save(&store, &hlc);
    let bad = Record::create(RecordKind::TicketEvent, serde_json::json!({"ticket_id": saved.id.to_string(), "at": "not a time"}), hlc.borrow_mut().tick(1), None);
    run(store.put_many(&[bad])).unwrap();
    let result = run(perform(&store, &hlc, who(), None, saved.id, assess(), ""));
    assert!(matches!(result, Err(StepError::Store(StoreError::Corrupt { .. }))), "{result:?}");
}

#[test]
fn a_late_read_never_replaces_a_newer_copy_in_the_cache() {
    let store = MemoryStore::new();
    let hlc = clock();
    let saved = save(&store, &hlc);
    let old_ticket = run(store.get(RecordKind::Ticket, saved.id)).unwrap().unwrap();
    let mut cache = loaded_cache(&store);
    let step = run(perform(&store, &hlc, who(), None, saved.id, assess(), "")).unwrap();
    cache.apply(&step.changed.records);
    // Another tab's message, read before this step committed, arrives after it.
    let applied = cache.apply(&[old_ticket.clone()]);
    assert_eq!(applied.older, 1);
    assert_eq!(cache.ticket(saved.id).unwrap().state.status, TicketStatus::Assessed);

    // The start-up load still under way when a write lands keeps the write.
    let mut starting = RecordCache::new();
    starting.apply(&step.changed.records);
    let stale_row = Row { id: old_ticket.id, created_at: old_ticket.created_at, updated_at: old_ticket.updated_at, origin_device: old_ticket.origin_device, edits: Vec::new(), purged_at: None, deleted_at: None, body: serde_json::from_value::<Ticket>(old_ticket.body).unwrap() };
    starting.load_tickets(vec![stale_row]);
    assert_eq!(starting.ticket(saved.id).unwrap().ticket.status, TicketStatus::Assessed);
    // An event that arrived before the events were loaded is kept once they are.
    let (events, _) = run(store.live_rows(RecordKind::TicketEvent)).unwrap();
    starting.load_events(events);
    assert_eq!(starting.ticket(saved.id).unwrap().state.history.len(), 2);
    assert_eq!(starting.ticket(saved.id).unwrap().state.status, TicketStatus::Assessed);
}

#[test]
fn a_deleted_ticket_leaves_the_cache_and_does_not_come_back_from_a_late_read() {
    let store = MemoryStore::new();
    let hlc = clock();
    let saved = save(&store, &hlc);
    let record = run(store.get(RecordKind::Ticket, saved.id)).unwrap().unwrap();
    let mut cache = loaded_cache(&store);
    let tombstone = record.tombstoned(hlc.borrow_mut().tick(Utc::now().timestamp_millis()), None);
    cache.apply(&[tombstone]);
    assert!(cache.ticket(saved.id).is_none());
    cache.apply(&[record]);
    assert!(cache.ticket(saved.id).is_none());
}

fn a_run(plan_id: Uuid) -> DrillRun {
    let plan = built_in_plans().into_iter().find(|(id, _)| *id == plan_id).unwrap().1;
    DrillRun {
        plan_id,
        plan,
        mode: RunMode::Drill,
        location: "3号楼".into(),
        participants: vec![Participant { staff: Some(Uuid::from_u128(7)), name: "张主管".into(), role: "commander".into() }],
        started_at: Utc::now() - Duration::minutes(3),
        utc_offset_min: 480,
        events: vec![],
        site: "DH01".into(),
        record: Default::default(),
    }
}

#[test]
fn a_drill_run_starts_takes_check_offs_and_refuses_them_once_finished() {
    let store = MemoryStore::new();
    let hlc = clock();
    let mut cache = loaded_cache(&store);
    let (plan_id, _) = built_in_plans()[0].clone();
    let (run_id, changed) = run(drills::start_run(&store, &hlc, who(), &a_run(plan_id))).unwrap();
    cache.apply(&changed.records);
    assert_eq!(cache.runs().len(), 1);
    let step = cache.run(run_id).unwrap().1.plan.steps[0].id;
    let reads = store.whole_store_reads();
    let checked = run(drills::append(&store, &hlc, who(), run_id, RunChange::Check { step }, Some(("p1".into(), ("image/jpeg".into(), vec![9]))))).unwrap().expect("taken");
    assert_eq!(store.whole_store_reads(), reads, "a check-off reads its run by key");
    cache.apply(&checked.records);
    assert_eq!(cache.run(run_id).unwrap().1.events.len(), 1);
    assert!(store.stored_photo("p1").is_some());

    let finish = RunChange::Finish { evaluation: patroldesk::domain::drill::Evaluation::Good, summary: String::new() };
    cache.apply(&run(drills::append(&store, &hlc, who(), run_id, finish, None)).unwrap().unwrap().records);
    let late = run(drills::append(&store, &hlc, who(), run_id, RunChange::Check { step }, None)).unwrap();
    assert_eq!(late, None, "a finished run takes no check-off");
    assert_eq!(cache.run(run_id).unwrap().1.events.len(), 2);

    // A failed check-off stores nothing.
    let (second, _) = run(drills::start_run(&store, &hlc, who(), &a_run(plan_id))).unwrap();
    store.fail_next_write(StoreError::QuotaExceeded);
    assert_eq!(run(drills::append(&store, &hlc, who(), second, RunChange::Check { step }, None)).unwrap_err(), StoreError::QuotaExceeded);
    assert!(run(patroldesk::store::RecordStore::get(&store, RecordKind::DrillRun, second)).unwrap().unwrap().body["events"].as_array().unwrap().is_empty());
}

#[test]
fn a_runs_record_is_kept_checked_and_closed_by_the_commanders_sign_off() {
    use patroldesk::app::drills::RecordError;
    use patroldesk::domain::drill::record::{Notice, RecordProblem, RunRecord, SignOffProblem, Team};
    use patroldesk::domain::validation::Problem;
    let store = MemoryStore::new();
    let hlc = clock();
    let mut cache = loaded_cache(&store);
    let (plan_id, _) = built_in_plans()[1].clone();
    let (run_id, changed) = run(drills::start_run(&store, &hlc, who(), &a_run(plan_id))).unwrap();
    cache.apply(&changed.records);
    let written = RunRecord {
        organiser: " 王经理 ".into(),
        commander: String::new(),
        teams: vec![Team { role: "engineering".into(), lead: "赵工".into(), headcount: 2 }, Team { role: "cordon".into(), lead: String::new(), headcount: 0 }],
        evacuated: Some(0),
        scenario: "2号梯卡在8-9层之间，3人被困".into(),
        notice: Some(Notice::Announced),
        notice_how: "提前一天在业主群通知".into(),
        weather: "阴 12°C".into(),
    };
    let reads = store.whole_store_reads();
    cache.apply(&run(drills::save_record(&store, &hlc, who(), run_id, written.clone())).unwrap().records);
    assert_eq!(store.whole_store_reads(), reads, "the record is saved over its run read by key");
    let kept = cache.run(run_id).unwrap().1.record.clone();
    assert_eq!((kept.organiser.as_str(), kept.teams.len()), ("王经理", 1), "trimmed, the empty team left out");

    // A check-off made meanwhile is kept by the next record save, and the other way round.
    let step = cache.run(run_id).unwrap().1.plan.steps[0].id;
    run(drills::append(&store, &hlc, who(), run_id, RunChange::Check { step }, None)).unwrap().unwrap();
    let again = run(drills::save_record(&store, &hlc, who(), run_id, RunRecord { weather: "雨".into(), ..kept.clone() })).unwrap();
    cache.apply(&again.records);
    assert_eq!(cache.run(run_id).unwrap().1.events.len(), 1);

    let too_long = RunRecord { scenario: "长".repeat(501), ..kept.clone() };
    assert_eq!(run(drills::save_record(&store, &hlc, who(), run_id, too_long)), Err(RecordError::Invalid(vec![RecordProblem::Scenario(Problem::TooLong { max: 500 })])));

    assert_eq!(run(drills::sign_off(&store, &hlc, who(), run_id)), Err(RecordError::CannotSign(SignOffProblem::NotFinished)));
    let finish = RunChange::Finish { evaluation: patroldesk::domain::drill::Evaluation::Good, summary: String::new() };
    run(drills::append(&store, &hlc, who(), run_id, finish, None)).unwrap().unwrap();
    assert_eq!(run(drills::sign_off(&store, &hlc, who(), run_id)), Err(RecordError::CannotSign(SignOffProblem::NoCommander)));
    run(drills::save_record(&store, &hlc, who(), run_id, RunRecord { commander: "李主管".into(), ..kept.clone() })).unwrap();
    store.fail_next_write(StoreError::QuotaExceeded);
    assert_eq!(run(drills::sign_off(&store, &hlc, who(), run_id)), Err(RecordError::Store(StoreError::QuotaExceeded)));
    let signed = run(drills::sign_off(&store, &hlc, who(), run_id)).unwrap();
    cache.apply(&signed.records);
    let signed_run = cache.run(run_id).unwrap();
    let (_, signed_run) = &*signed_run;
    assert_eq!(signed_run.state(Utc::now()).signed_off.map(|s| s.name), Some("李主管".to_owned()));
    assert_eq!(run(drills::save_record(&store, &hlc, who(), run_id, kept)), Err(RecordError::Closed));
    assert_eq!(run(drills::sign_off(&store, &hlc, who(), run_id)), Err(RecordError::CannotSign(SignOffProblem::AlreadySigned)));
    assert_eq!(run(drills::save_record(&store, &hlc, who(), Uuid::from_u128(404), RunRecord::default())), Err(RecordError::Gone));
}

#[test]
fn a_sites_older_copy_of_a_built_in_plan_is_kept_until_the_newer_one_is_adopted() {
    use patroldesk::domain::drill::{adopt_built_in, newer_built_in};
    let store = MemoryStore::new();
    let hlc = clock();
    let mut cache = loaded_cache(&store);
    let (id, current) = built_in_plans()[0].clone();
    // What an older app stored when the site edited the plan: revision 0, its own steps.
    let mut old = current.clone();
    old.builtin_revision = 0;
    old.steps.truncate(4);
    old.interval_months = Some(4);
    let first = cache.plans()[0].clone();
    cache.apply(&run(drills::save_plan(&store, &hlc, who(), Some(&first.0), &old)).unwrap().1.records);
    let shown = cache.plan(id).unwrap();
    assert_eq!(shown.1.steps.len(), 4, "the site's copy is shown, not replaced by the app's");
    let newer = newer_built_in(id, &shown.1).expect("the newer built-in is offered");
    let adopted = adopt_built_in(&shown.1, newer);
    cache.apply(&run(drills::save_plan(&store, &hlc, who(), Some(&shown.0), &adopted)).unwrap().1.records);
    let now = cache.plan(id).unwrap();
    assert_eq!((now.1.steps.len(), now.1.interval_months, now.1.builtin_revision), (current.steps.len(), Some(4), current.builtin_revision));
    assert_eq!(newer_built_in(id, &now.1), None);
}

#[test]
fn plans_are_saved_retired_and_deleted_through_the_cache() {
    let store = MemoryStore::new();
    let hlc = clock();
    let mut cache = loaded_cache(&store);
    let built_in = built_in_plans().len();
    assert_eq!(cache.plans().len(), built_in, "built-in plans are shown without being stored");
    assert!(run(store.live(RecordKind::DrillPlan)).unwrap().is_empty());

    // Retiring a built-in plan writes it under its fixed id.
    let first = cache.plans()[0].clone();
    let mut retired = first.1.clone();
    retired.retired = true;
    let (id, changed) = run(drills::save_plan(&store, &hlc, who(), Some(&first.0), &retired)).unwrap();
    assert_eq!(id, first.0.id);
    cache.apply(&changed.records);
    assert_eq!(cache.plans().len(), built_in);
    assert!(cache.plan(id).unwrap().1.retired);

    let mut own = first.1.clone();
    own.key = String::new();
    let (own_id, changed) = run(drills::save_plan(&store, &hlc, who(), None, &own)).unwrap();
    cache.apply(&changed.records);
    assert_eq!(cache.plans().len(), built_in + 1);
    let deleted = run(drills::delete_plan(&store, &hlc, who(), own_id)).unwrap();
    cache.apply(&deleted.records);
    assert_eq!(cache.plans().len(), built_in);
    assert_eq!(run(drills::delete_plan(&store, &hlc, who(), own_id)).unwrap(), Changed::default(), "deleting twice changes nothing");
}

#[test]
fn drill_plans_are_read_when_listed_and_one_that_does_not_read_is_left_out() {
    let store = MemoryStore::new();
    let hlc = clock();
    let mut cache = loaded_cache(&store);
    let built_in = built_in_plans().len();
    let first = cache.plans()[0].clone();
    let mut own = first.1.clone();
    own.key = String::new();
    let (own_id, changed) = run(drills::save_plan(&store, &hlc, who(), None, &own)).unwrap();
    // Kept as stored, read when the drills view lists it, and read once.
    cache.apply(&changed.records);
    assert_eq!(cache.plans().len(), built_in + 1);
    assert!(std::sync::Arc::ptr_eq(&cache.plan(own_id).unwrap(), &cache.plan(own_id).unwrap()));
    // A newer copy whose body is not a plan (damaged storage) is left out, and the others stay.
    let mut damaged = changed.records.iter().find(|r| r.id == own_id).unwrap().clone();
    damaged.body = serde_json::json!({ "not": "a plan" });
    damaged.updated_at = hlc.borrow_mut().tick(Utc::now().timestamp_millis());
    cache.apply(&[damaged]);
    assert_eq!(cache.plans().len(), built_in);
    assert!(cache.plan(own_id).is_none());
}

#[test]
fn the_cache_applies_a_change_at_the_cost_of_the_change() {
    // 2,000 tickets with their events: applying one step re-derives one ticket only.
    let store = MemoryStore::new();
    let now = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
    let spec = patroldesk::domain::sample::SampleSpec { seed: 3, tickets: 2000, days: 60, now, offset_min: 480, chinese: true, staff: vec![] };
    let records: Vec<Record> = (0..2000).flat_map(|i| patroldesk::domain::sample::ticket_records(&spec, i)).collect();
    run(store.put_many(&records)).unwrap();
    let mut cache = loaded_cache(&store);
    assert_eq!(cache.ticket_count(), 2000);
    let revs: Vec<(Uuid, u64)> = cache.tickets().map(|i| (i.id, i.rev)).collect();
    let hlc = clock();
    let open = cache.tickets().find(|i| i.state.status == TicketStatus::New).map(|i| i.id).unwrap();
    let step = run(perform(&store, &hlc, who(), None, open, assess(), "")).unwrap();
    let applied = cache.apply(&step.changed.records);
    assert_eq!(applied.tickets, vec![open]);
    let redrawn = revs.iter().filter(|(id, rev)| cache.ticket(*id).unwrap().rev != *rev).count();
    assert_eq!(redrawn, 1, "one card redraws");
}

#[test]
fn the_board_places_a_changed_ticket_without_sorting_every_ticket_again() {
    use patroldesk::app::board::BoardLists;
    use patroldesk::domain::board::{BoardFilter, SortOrder};
    let store = MemoryStore::new();
    let now = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
    let spec = patroldesk::domain::sample::SampleSpec { seed: 5, tickets: 1500, days: 60, now, offset_min: 480, chinese: true, staff: vec![] };
    let records: Vec<Record> = (0..1500).flat_map(|i| patroldesk::domain::sample::ticket_records(&spec, i)).collect();
    run(store.put_many(&records)).unwrap();
    let hlc = clock();
    let mut fresh_tickets: Vec<Uuid> = (0..3).map(|_| save(&store, &hlc).id).collect();
    let mut cache = loaded_cache(&store);
    let ids = |lists: &[std::sync::Arc<patroldesk::app::cache::BoardItem>]| lists.iter().map(|i| i.id).collect::<Vec<_>>();
    for filter in [
        BoardFilter::default(),
        BoardFilter { sort: SortOrder::Deadline, ..Default::default() },
        BoardFilter { sort: SortOrder::Priority, status: Some(TicketStatus::Assessed), ..Default::default() },
    ] {
        let mut lists = BoardLists::new();
        let at = Utc::now();
        let first = lists.refresh(&cache, &filter, at);
        assert_eq!(lists.rebuilds(), 1);
        let open = fresh_tickets.pop().unwrap();
        let step = run(perform(&store, &hlc, who(), None, open, assess(), "")).unwrap();
        cache.apply(&step.changed.records);
        let after = lists.refresh(&cache, &filter, at);
        assert_eq!(lists.rebuilds(), 1, "a step places one ticket");
        // Only the two columns the ticket left and joined move.
        let moved: Vec<TicketStatus> = patroldesk::domain::board::STATUSES
            .into_iter()
            .enumerate()
            .filter(|(n, _)| after.columns[*n] != first.columns[*n])
            .map(|(_, s)| s)
            .collect();
        let expected_moved = if filter.status.is_some() { vec![TicketStatus::Assessed] } else { vec![TicketStatus::New, TicketStatus::Assessed] };
        assert_eq!(moved, expected_moved, "{filter:?}");
        // The same lists as sorting everything from scratch.
        let mut fresh = BoardLists::new();
        fresh.refresh(&cache, &filter, at);
        assert_eq!(ids(lists.all()), ids(fresh.all()), "{filter:?}");
        for status in patroldesk::domain::board::STATUSES {
            assert_eq!(ids(lists.column(status)), ids(fresh.column(status)));
        }
        // Nothing changed: nothing moves.
        assert_eq!(lists.refresh(&cache, &filter, at), after);
        // The clock taken in (the view does it once a minute when the filter moves with it).
        lists.refresh(&cache, &filter, at + Duration::minutes(1));
        assert_eq!(lists.rebuilds(), 2);
        // Another filter sorts again.
        lists.refresh(&cache, &BoardFilter { text: "漏水".into(), ..filter.clone() }, at + Duration::minutes(1));
        assert_eq!(lists.rebuilds(), 3);
    }
}

#[test]
fn the_unexported_count_takes_in_a_local_write_as_a_full_count_would() {
    let store = MemoryStore::new();
    let hlc = clock();
    let first = save(&store, &hlc);
    let cache_before = |cache: &RecordCache, changed: &Changed, summary: &patroldesk::store::ChangeSummary| -> Vec<bool> {
        changed.records.iter().map(|r| cache.stamp_of(r.kind, r.id).is_some_and(|s| summary.counts(s))).collect()
    };
    for exported in [false, true] {
        if exported {
            let highest = run(store.highest_stamp()).unwrap().unwrap();
            run(patroldesk::store::SettingsStore::save_export_watermark(&store, highest)).unwrap();
        }
        let watermark = run(patroldesk::store::SettingsStore::load_export_watermark(&store)).unwrap();
        let mut cache = loaded_cache(&store);
        let mut summary = run(store.change_summary(watermark)).unwrap();
        // A step on a ticket (counted already before the export, not after it) and a new ticket.
        let step = run(perform(&store, &hlc, who(), None, first.id, if exported { Action::Reopen } else { assess() }, "再查")).unwrap_or_else(|_| {
            run(perform(&store, &hlc, who(), None, first.id, Action::Dispatch { department: Department::Engineering, assignee: None }, "")).unwrap()
        });
        let new = save(&store, &hlc);
        for changed in [step.changed, new.changed] {
            let before = cache_before(&cache, &changed, &summary);
            cache.apply(&changed.records);
            for (r, b) in changed.records.iter().zip(before) {
                summary.count_written(r.updated_at, b);
            }
        }
        let full = run(store.change_summary(watermark)).unwrap();
        assert_eq!(summary.count, full.count, "exported: {exported}");
        // A record changed twice keeps the time of its first unexported change, which a full
        // count (of the versions stored now) may place later.
        assert!(summary.oldest.is_some() && summary.oldest <= full.oldest, "exported: {exported}");
    }
}

#[test]
fn the_board_summary_covers_every_record_and_shows_counts_until_the_tickets_are_read() {
    let store = MemoryStore::new();
    let hlc = clock();
    let saved: Vec<_> = (0..12).map(|_| save(&store, &hlc)).collect();
    run(perform(&store, &hlc, who(), None, saved[0].id, assess(), "")).unwrap();
    let cache = loaded_cache(&store);
    let summary = cache.summary(Utc::now()).expect("a summary once everything is loaded");
    assert_eq!(Some(summary.as_of), run(store.highest_stamp()).unwrap(), "it covers every stored record");
    assert_eq!(summary.total(), 12);
    assert_eq!(summary.count(TicketStatus::New), 11);
    assert_eq!(summary.count(TicketStatus::Assessed), 1);
    // The first page of each column only.
    assert_eq!(summary.first.len(), patroldesk::domain::board::COLUMN_PAGE + 1);
    run(patroldesk::store::SettingsStore::save_board_summary(&store, &summary)).unwrap();

    // A cold start: the summary first (counts and first page), then the tickets replace it.
    let mut starting = RecordCache::new();
    let read = run(patroldesk::store::SettingsStore::load_board_summary(&store)).unwrap().unwrap();
    assert_eq!(read, summary);
    starting.load_summary(read);
    assert_eq!(starting.preview().map(|p| p.total()), Some(12));
    assert_eq!(starting.ticket_count(), patroldesk::domain::board::COLUMN_PAGE + 1);
    assert!(starting.summary(Utc::now()).is_none(), "no summary is written before every ticket is read");
    let (tickets, _) = run(store.live_rows::<Ticket>(RecordKind::Ticket)).unwrap();
    starting.load_tickets(tickets);
    assert!(starting.preview().is_none());
    assert_eq!(starting.ticket_count(), 12);

    // A write the summary does not cover makes it older than the records.
    save(&store, &hlc);
    assert!(Some(summary.as_of) < run(store.highest_stamp()).unwrap());
}

#[test]
fn a_ticket_read_by_key_is_a_new_revision_each_time() {
    let store = MemoryStore::new();
    let hlc = clock();
    let saved = save(&store, &hlc);
    let read = || {
        let (record, ticket, events) = run(patroldesk::app::workflow::read_ticket(&store, saved.id)).unwrap().unwrap();
        patroldesk::app::cache::BoardItem::from_stored(&record, ticket, &events)
    };
    let (first, second) = (read(), read());
    assert_eq!(first.state.history.len(), 1);
    assert_ne!(first, second, "a view comparing them redraws after a re-read");
    assert!(loaded_cache(&store).ticket(saved.id).unwrap().rev < first.rev);
}
