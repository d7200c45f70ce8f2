//! Sample data (演示数据): a seeded, reproducible generator of realistic tickets, their
//! workflow events and drill runs, for a first look at the app, for tests and for benchmarks.
//!
//! Every generated record is born on [`SAMPLE_DEVICE`] and every ticket number starts with
//! `DEMO-`, so sample data is recognisable everywhere and can be removed as a whole.
//! Ticket `i` depends only on the seed and `i`, so the records can be generated in batches
//! (with progress shown between them) and always come out the same.

use chrono::{DateTime, Duration, Timelike, Utc};
use fastrand::Rng;
use uuid::Uuid;

use super::clock::Stamp;
use super::drill::{built_in_plans, DrillRun, Evaluation, Participant, RunChange, RunEvent, RunMode, Severity};
use super::record::{Record, RecordKind};
use super::settings::{Department, StaffMember, StaffRole};
use super::ticket::{Channel, Ticket, TicketKind, TicketStatus};
use super::workflow::TicketEvent;
use super::triage::{Level, Priority, SlaHours, SlaPolicy};
use super::workflow::{next_status, Action, ContactMethod, HoldReason};

/// The device every sample record claims to come from (never a real tablet's id).
pub const SAMPLE_DEVICE: Uuid = Uuid::from_u128(0x5a3b1e00_0000_7000_8000_00000000d3e0);

/// Ticket numbers of sample data start with this.
pub const SAMPLE_PREFIX: &str = "DEMO-";

/// Whether a record is sample data.
pub fn is_sample(record: &Record) -> bool {
    record.origin_device == SAMPLE_DEVICE
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct SampleSpec {
    pub seed: u64,
    pub tickets: usize,
    /// Tickets are received over this many days before `now`.
    pub days: u32,
    pub now: DateTime<Utc>,
    pub offset_min: i32,
    /// Chinese descriptions and names (otherwise English).
    pub chinese: bool,
    /// Who takes in and handles tickets; may be empty (then events name nobody).
    pub staff: Vec<StaffMember>,
}

/// Words of each language: (English, Chinese).
const DESCRIPTIONS: [(&str, &str, &str); 16] = [
    ("plumbing", "Kitchen sink leaking under the cabinet", "厨房水槽下方漏水"),
    ("plumbing", "Water pipe burst in the stairwell", "楼梯间水管爆裂"),
    ("electrical", "Corridor lights out on the 6th floor", "6楼走廊灯不亮"),
    ("electrical", "Breaker trips when the heater is on", "开热水器就跳闸"),
    ("lift", "Lift makes a grinding noise", "电梯运行有异响"),
    ("lift", "Lift door closes too fast", "电梯门关得太快"),
    ("doors_locks", "Unit entrance door does not lock", "单元门锁不上"),
    ("public_facilities", "Playground swing chain broken", "儿童乐园秋千链条断了"),
    ("cleaning", "Rubbish not collected at block 3", "3栋垃圾未清运"),
    ("cleaning", "Stairs dirty after renovation work", "装修后楼梯很脏"),
    ("landscaping", "Tree branches touching the windows", "树枝碰到窗户"),
    ("noise", "Renovation noise after 8 pm", "晚上8点后装修噪音"),
    ("noise", "Dogs barking at night", "夜间狗叫扰民"),
    ("parking", "Car parked in the fire lane", "车辆占用消防通道"),
    ("security", "Stranger following residents into the lobby", "陌生人尾随进入大堂"),
    ("other", "How do I register a visitor's car?", "访客车辆如何登记？"),
];

const COMMENTS: [(&str, &str); 6] = [
    ("Fixed quickly, thank you", "修得很快，谢谢"),
    ("Polite staff", "工作人员很有礼貌"),
    ("Took too long", "处理太慢"),
    ("Problem came back", "问题又出现了"),
    ("Please call before coming", "上门前请先打电话"),
    ("", ""),
];

const SURNAMES: [(&str, &str); 8] =
    [("Wang", "王"), ("Li", "李"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"), ("Yang", "杨"), ("Zhao", "赵"), ("Huang", "黄")];

fn department_for(category: &str) -> Department {
    match category {
        "cleaning" => Department::Cleaning,
        "landscaping" => Department::Landscaping,
        "security" | "parking" | "noise" => Department::Security,
        "other" => Department::CustomerService,
        _ => Department::Engineering,
    }
}

/// Whether a staff member is one of [`sample_roster`]'s (removed with the sample data).
pub fn is_sample_staff(id: Uuid) -> bool {
    (0x5a3b1e00_0000_7000_8000_000000000100..0x5a3b1e00_0000_7000_8000_000000000200).contains(&id.as_u128())
}

/// A roster for sample data when the site has none yet.
pub fn sample_roster(chinese: bool) -> Vec<StaffMember> {
    let people = [
        ("Supervisor Zhang", "张主管", StaffRole::Supervisor, Department::CustomerService),
        ("Li Gong", "李工", StaffRole::Technician, Department::Engineering),
        ("Wang Gong", "王工", StaffRole::Technician, Department::Engineering),
        ("Zhao (security)", "赵保安", StaffRole::Patrol, Department::Security),
        ("Chen (cleaning)", "陈阿姨", StaffRole::Technician, Department::Cleaning),
        ("Liu (service desk)", "刘客服", StaffRole::CustomerService, Department::CustomerService),
    ];
    people
        .iter()
        .enumerate()
        .map(|(i, (en, zh, role, department))| StaffMember {
            id: Uuid::from_u128(0x5a3b1e00_0000_7000_8000_000000000100 + i as u128),
            name: (if chinese { zh } else { en }).to_string(),
            role: *role,
            department: *department,
            active: true,
        })
        .collect()
}

fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

fn uuid(rng: &mut Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.u128(..).to_le_bytes()).into_uuid()
}

/// Minutes, spread like real handling times: mostly short, a long tail.
fn minutes_between(rng: &mut Rng, low: i64, typical: i64, high: i64) -> Duration {
    let m = if rng.f32() < 0.8 { rng.i64(low..=typical) } else { rng.i64(typical..=high) };
    Duration::minutes(m)
}

/// Ticket `index` of the spec with its events, as records (the ticket last).
pub fn ticket_records(spec: &SampleSpec, index: usize) -> Vec<Record> {
    let mut rng = Rng::with_seed(spec.seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let id = uuid(&mut rng);
    let span = i64::from(spec.days.max(1)) * 1440;
    // Received during the day (07:00–21:59 local) on a random day of the span.
    let mut received = spec.now - Duration::minutes(rng.i64(0..span));
    let local_hour = (received + Duration::minutes(spec.offset_min.into())).hour();
    if !(7..22).contains(&local_hour) {
        received -= Duration::hours(i64::from((local_hour + 24 - 10) % 24));
    }
    let received = received.min(spec.now);
    let kind = match rng.u8(0..100) {
        0..55 => TicketKind::Repair,
        55..65 => TicketKind::Complaint,
        65..80 => TicketKind::Inquiry,
        80..85 => TicketKind::Suggestion,
        _ => TicketKind::PatrolIncident,
    };
    let (category, en, zh) = *pick(&mut rng, &DESCRIPTIONS);
    let (surname_en, surname_zh) = *pick(&mut rng, &SURNAMES);
    let urgency = *pick(&mut rng, &[Level::Low, Level::Low, Level::High]);
    let importance = *pick(&mut rng, &[Level::Low, Level::High, Level::High]);
    let priority = Priority::from_triage(urgency, importance);
    let policy = SlaPolicy::default();
    let deadlines = policy.deadlines(kind, priority, received);
    let staff = |rng: &mut Rng, department: Option<Department>| -> Option<Uuid> {
        let pool: Vec<&StaffMember> = spec.staff.iter().filter(|m| department.is_none_or(|d| m.department == d)).collect();
        if pool.is_empty() {
            return spec.staff.first().map(|m| m.id);
        }
        Some(pick(rng, &pool).id)
    };
    let supervisor = spec.staff.iter().find(|m| m.role == StaffRole::Supervisor).map(|m| m.id);
    let department = department_for(category);
    let assignee = staff(&mut rng, Some(department));
    let desk = staff(&mut rng, Some(Department::CustomerService));
    let number = format!("{SAMPLE_PREFIX}{}-{index:06}", received.format("%y%m%d"));
    let mut ticket = Ticket {
        number,
        site: SAMPLE_PREFIX.trim_end_matches('-').to_owned(),
        kind,
        status: TicketStatus::New,
        reporter_name: if spec.chinese { format!("{surname_zh}先生") } else { format!("Mr {surname_en}") },
        unit: format!("{}-{}-{}{:02}", rng.u8(1..=12), rng.u8(1..=3), rng.u8(1..=30), rng.u8(1..=4)),
        phone: format!("138{:08}", rng.u32(0..100_000_000)),
        channel: if kind == TicketKind::PatrolIncident { Channel::Patrol } else { *pick(&mut rng, &[Channel::Phone, Channel::Phone, Channel::WalkIn, Channel::Email]) },
        category: category.to_owned(),
        location: String::new(),
        description: (if spec.chinese { zh } else { en }).to_owned(),
        received_at: received,
        utc_offset_min: spec.offset_min,
        urgency,
        importance,
        priority,
        respond_by: deadlines.respond_by,
        resolve_by: deadlines.resolve_by,
        photos: vec![],
        department: None,
        assignee: None,
        needs_details: false,
        drill_run: None,
        progress: None,
    };

    // The walk: each step some time after the previous; steps still in the future are not taken.
    let hours = policy.hours_for(kind, priority);
    let mut plan: Vec<(Duration, Action, Option<Uuid>)> = vec![(Duration::zero(), Action::Received, desk)];
    plan.push((minutes_between(&mut rng, 5, 240, 2000), Action::Assess { urgency, importance, priority, hours: SlaHours { ..hours } }, desk));
    plan.push((minutes_between(&mut rng, 5, 60, 600), Action::Dispatch { department, assignee }, desk));
    plan.push((minutes_between(&mut rng, 10, 120, 900), Action::Start, assignee));
    if rng.u8(0..100) < 8 {
        plan.push((minutes_between(&mut rng, 10, 60, 300), Action::Hold { reason: *pick(&mut rng, &[HoldReason::Parts, HoldReason::Resident]) }, assignee));
        plan.push((minutes_between(&mut rng, 60, 600, 3000), Action::Resume, assignee));
    }
    let work = if spec.chinese { "已处理完毕" } else { "Done" };
    plan.push((minutes_between(&mut rng, 20, 900, 4000), Action::Resolve { work_done: work.into(), cause: String::new() }, assignee));
    let score = match rng.u8(0..100) {
        0..62 => 5,
        62..86 => 4,
        86..93 => 3,
        93..98 => 2,
        _ => 1,
    };
    let (comment_en, comment_zh) = *pick(&mut rng, &COMMENTS);
    let comment = if spec.chinese { comment_zh } else { comment_en };
    if matches!(kind, TicketKind::Repair | TicketKind::Complaint) || rng.bool() {
        plan.push((minutes_between(&mut rng, 60, 600, 2880), Action::ReturnVisit { method: ContactMethod::Phone, score, comment: comment.into(), visitor: desk }, desk));
    }
    plan.push((minutes_between(&mut rng, 30, 600, 2880), Action::Close, supervisor));

    let mut records = Vec::with_capacity(plan.len() + 1);
    let mut steps = Vec::with_capacity(plan.len());
    let mut at = received;
    let mut status = TicketStatus::New;
    for (n, (gap, action, by)) in plan.into_iter().enumerate() {
        at += gap;
        if at > spec.now {
            break;
        }
        let from = (n > 0).then_some(status);
        let to = if n == 0 { TicketStatus::New } else {
            match next_status(status, &action, kind) {
                Some(to) => to,
                None => break,
            }
        };
        if let Action::Dispatch { department, assignee } = &action {
            ticket.department = Some(*department);
            ticket.assignee = *assignee;
        }
        status = to;
        let event = TicketEvent { ticket_id: id, at, utc_offset_min: spec.offset_min, by, from, to, note: String::new(), action };
        let stamp = Stamp { wall_ms: at.timestamp_millis(), counter: 0, device: SAMPLE_DEVICE };
        steps.push((stamp, event.clone()));
        let event_id = uuid(&mut rng);
        records.push(Record::create_with_id(event_id, RecordKind::TicketEvent, serde_json::to_value(&event).unwrap_or_default(), stamp, by));
    }
    ticket.status = status;
    let ticket = ticket.with_progress(&steps);
    let created = Stamp { wall_ms: received.timestamp_millis(), counter: 1, device: SAMPLE_DEVICE };
    let mut record = Record::create_with_id(id, RecordKind::Ticket, serde_json::to_value(&ticket).unwrap_or_default(), created, desk);
    record.updated_at = Stamp { wall_ms: at.min(spec.now).timestamp_millis(), counter: 1, device: SAMPLE_DEVICE };
    records.push(record);
    records
}

/// How many drill runs go with the spec: about one a week, at least one.
pub fn run_count(spec: &SampleSpec) -> usize {
    (spec.days as usize / 7).max(1)
}

/// Drill run `index`: a built-in plan run through (some steps late, some skipped, a finding
/// or two), finished unless it started less than its target time before `now`.
pub fn drill_run_record(spec: &SampleSpec, index: usize) -> Record {
    let mut rng = Rng::with_seed(spec.seed ^ 0xD411 ^ (index as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9));
    let id = uuid(&mut rng);
    let plans = built_in_plans();
    let (plan_id, plan) = plans[rng.usize(..plans.len())].clone();
    let span = i64::from(spec.days.max(1)) * 1440;
    let started_at = spec.now - Duration::minutes(rng.i64(60..span.max(61)));
    let commander = spec.staff.iter().find(|m| m.role == StaffRole::Supervisor);
    let participants: Vec<Participant> = spec
        .staff
        .iter()
        .take(4)
        .enumerate()
        .map(|(i, m)| Participant { staff: Some(m.id), name: m.name.clone(), role: plan.roles.get(i).cloned().unwrap_or_default() })
        .collect();
    let by = commander.map(|m| m.id);
    let mut events = Vec::new();
    let mut minute = 0;
    for step in &plan.steps {
        minute = (minute + rng.i64(0..=3)).max(i64::from(step.target_seconds().unwrap_or(0) / 60) - 1 + rng.i64(0..=2));
        let at = started_at + Duration::minutes(minute) + Duration::seconds(rng.i64(0..60));
        let change = if rng.u8(0..100) < 5 { RunChange::Skip { step: step.id, reason: "N/A".into() } } else { RunChange::Check { step: step.id } };
        events.push(RunEvent { id: uuid(&mut rng), at, by, change });
    }
    if rng.bool() {
        let text = if spec.chinese { "应急照明有一处不亮" } else { "One emergency light not working" };
        let at = started_at + Duration::minutes(minute);
        events.push(RunEvent { id: uuid(&mut rng), at, by, change: RunChange::Finding { finding: uuid(&mut rng), text: text.into(), severity: Severity::Medium } });
    }
    let finish_at = started_at + Duration::minutes(minute + 2);
    if finish_at <= spec.now {
        events.push(RunEvent { id: uuid(&mut rng), at: finish_at, by, change: RunChange::Finish { evaluation: Evaluation::Acceptable, summary: String::new() } });
    }
    events.retain(|e| e.at <= spec.now);
    let run = DrillRun {
        plan_id,
        plan,
        mode: RunMode::Drill,
        location: if spec.chinese { "3栋".into() } else { "Block 3".into() },
        participants,
        started_at,
        utc_offset_min: spec.offset_min,
        events,
        // Sample runs count for the tablet's own site, whatever its code.
        site: String::new(),
        record: crate::domain::drill::record::RunRecord {
            commander: commander.map(|m| m.name.clone()).unwrap_or_default(),
            ..Default::default()
        },
    };
    let stamp = Stamp { wall_ms: started_at.timestamp_millis(), counter: 2, device: SAMPLE_DEVICE };
    Record::create_with_id(id, RecordKind::DrillRun, serde_json::to_value(&run).unwrap_or_default(), stamp, by)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::workflow::derive;
    use chrono::TimeZone;

    fn spec(tickets: usize) -> SampleSpec {
        SampleSpec {
            seed: 7,
            tickets,
            days: 60,
            now: Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap(),
            offset_min: 480,
            chinese: true,
            staff: sample_roster(true),
        }
    }

    /// The board shows a ticket from its own copy of its progress before reading its events:
    /// that copy must say what the events say, for every status the walk reaches.
    #[test]
    fn a_tickets_progress_agrees_with_its_events() {
        use crate::domain::ticket::Ticket;
        use crate::domain::workflow::{at_a_glance, TicketEvent};
        let s = spec(400);
        let mut statuses = std::collections::HashSet::new();
        for i in 0..400 {
            let records = ticket_records(&s, i);
            let (tickets, events): (Vec<&Record>, Vec<&Record>) = records.iter().partition(|r| r.kind == RecordKind::Ticket);
            let ticket: Ticket = serde_json::from_value(tickets[0].body.clone()).unwrap();
            let events: Vec<(Stamp, TicketEvent)> = events.iter().map(|r| (r.created_at, serde_json::from_value(r.body.clone()).unwrap())).collect();
            let mut full = derive(&ticket, &events);
            full.history.clear();
            full.return_visit = None;
            assert_eq!(at_a_glance(&ticket), Some(full.clone()), "ticket {i}");
            for now in [s.now, s.now + chrono::Duration::days(3)] {
                let glance = at_a_glance(&ticket).unwrap();
                assert_eq!((glance.respond_clock(now), glance.resolve_clock(now)), (full.respond_clock(now), full.resolve_clock(now)));
            }
            statuses.insert(full.status);
        }
        assert!(statuses.len() >= 5, "the walk reaches most statuses: {statuses:?}");
    }

    #[test]
    fn the_same_seed_gives_the_same_records() {
        let s = spec(50);
        let a: Vec<Record> = (0..50).flat_map(|i| ticket_records(&s, i)).collect();
        let b: Vec<Record> = (0..50).flat_map(|i| ticket_records(&s, i)).collect();
        assert_eq!(a, b);
        let other = SampleSpec { seed: 8, ..s.clone() };
        assert_ne!(ticket_records(&other, 0), ticket_records(&s, 0));
        assert!(a.iter().all(is_sample));
        assert!(sample_roster(true).iter().all(|m| is_sample_staff(m.id)));
        assert!(!is_sample_staff(Uuid::now_v7()));
    }

    #[test]
    fn every_generated_step_is_allowed_and_in_the_past() {
        let s = spec(2000);
        let mut statuses = std::collections::BTreeMap::new();
        let mut ids = std::collections::HashSet::new();
        for i in 0..s.tickets {
            let records = ticket_records(&s, i);
            let (ticket_record, events) = records.split_last().unwrap();
            assert!(records.iter().all(|r| ids.insert(r.id)), "ids are unique");
            let ticket: Ticket = serde_json::from_value(ticket_record.body.clone()).unwrap();
            assert!(ticket.number.starts_with(SAMPLE_PREFIX));
            assert!(ticket.received_at <= s.now && ticket.received_at >= s.now - Duration::days(61));
            let events: Vec<(Stamp, TicketEvent)> = events.iter().map(|r| (r.created_at, serde_json::from_value(r.body.clone()).unwrap())).collect();
            assert!(events.iter().all(|(_, e)| e.at <= s.now));
            let state = derive(&ticket, &events);
            assert!(state.history.iter().all(|h| h.applied), "ticket {i}: {:?}", state.history);
            assert_eq!(state.status, ticket.status, "the stored copy matches the derived state");
            *statuses.entry(format!("{:?}", state.status)).or_insert(0) += 1;
        }
        // Old tickets are closed, recent ones at every stage.
        assert!(statuses["Closed"] > 1000, "{statuses:?}");
        for open in ["New", "Assessed", "Dispatched", "InProgress"] {
            assert!(statuses.get(open).copied().unwrap_or(0) > 0, "{open} missing: {statuses:?}");
        }
    }

    #[test]
    fn drill_runs_read_back_and_finish() {
        let s = spec(10);
        assert_eq!(run_count(&s), 8);
        for i in 0..run_count(&s) {
            let r = drill_run_record(&s, i);
            let run: DrillRun = serde_json::from_value(r.body).unwrap();
            let state = run.state(s.now);
            assert!(state.done + state.skipped == run.plan.steps.len(), "every step checked or skipped");
            assert!(state.finished.is_some());
        }
    }
}
