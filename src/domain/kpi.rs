//! The supervisor's KPIs (工作标准), computed from tickets, their derived states and drill
//! runs. Every definition is written once here; the README's KPI section repeats them.
//! (The KPI issue is still open: this is the engine; charts, tables and the log come next.)

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::drill::DrillRun;
use super::ticket::{Ticket, TicketKind};
use super::workflow::{Satisfaction, TicketState};

/// A half-open period `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Period {
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.from <= t && t < self.to
    }

    /// Days in the period, at least one (for per-day volume).
    pub fn days(&self) -> f64 {
        ((self.to - self.from).num_minutes() as f64 / 1440.0).max(1.0)
    }
}

/// The periods the KPI view offers, in the device's local calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PeriodChoice {
    Today,
    /// Monday to now.
    Week,
    #[default]
    Month,
    Last30,
}

impl PeriodChoice {
    pub const ALL: [PeriodChoice; 4] = [PeriodChoice::Today, PeriodChoice::Week, PeriodChoice::Month, PeriodChoice::Last30];
    pub fn key(self) -> &'static str {
        match self {
            PeriodChoice::Today => "today",
            PeriodChoice::Week => "week",
            PeriodChoice::Month => "month",
            PeriodChoice::Last30 => "last30",
        }
    }
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.key() == key)
    }

    /// From the start of the local day/week/month (or 30 days back) to the end of today.
    pub fn period(self, now: DateTime<Utc>, offset_min: i32) -> Period {
        use chrono::Datelike;
        let local = super::locale::to_local(now, offset_min).date_naive();
        let start = match self {
            PeriodChoice::Today => local,
            PeriodChoice::Week => local - Duration::days(i64::from(local.weekday().num_days_from_monday())),
            PeriodChoice::Month => local.with_day(1).unwrap_or(local),
            PeriodChoice::Last30 => local - Duration::days(29),
        };
        let to_utc = |d: chrono::NaiveDate| (d.and_hms_opt(0, 0, 0).unwrap_or_default() - Duration::minutes(offset_min.into())).and_utc();
        Period { from: to_utc(start), to: to_utc(local + Duration::days(1)) }
    }
}

/// A share: how many of how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rate {
    pub hits: usize,
    pub of: usize,
}

impl Rate {
    /// Percentage, or `None` when there is nothing to count (shown as "—", never as 0 % or 100 %).
    pub fn percent(&self) -> Option<f64> {
        (self.of > 0).then(|| self.hits as f64 * 100.0 / self.of as f64)
    }
}

/// The grading used for satisfaction and the other percentage targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grade {
    Excellent,
    Good,
    Fair,
    NeedsImprovement,
}

/// Excellent ≥ 95, good ≥ 90, fair ≥ 85, otherwise needs improvement.
pub fn grade(percent: f64) -> Grade {
    match percent {
        p if p >= 95.0 => Grade::Excellent,
        p if p >= 90.0 => Grade::Good,
        p if p >= 85.0 => Grade::Fair,
        _ => Grade::NeedsImprovement,
    }
}

/// The standard's limits, in hours.
pub const COMPLAINT_LIMIT_HOURS: i64 = 48;
pub const RESPONSE_LIMIT_HOURS: i64 = 24;

/// Handling time: received → resolved, time on hold not counted.
pub fn handling_time(state: &TicketState) -> Option<Duration> {
    let resolved = state.resolved_at?;
    let held: Duration = state
        .holds
        .iter()
        .map(|h| (h.end.unwrap_or(resolved).min(resolved) - h.start).max(Duration::zero()))
        .fold(Duration::zero(), |a, b| a + b);
    Some(resolved - state.received_at - held)
}

/// Per-group counts for the breakdowns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GroupStats {
    pub received: usize,
    pub completed: usize,
    pub overdue: usize,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DrillStats {
    pub runs: usize,
    pub mean_minutes: Option<f64>,
    pub target_min: u32,
    pub steps_late: usize,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Kpis {
    /// Tickets received in the period.
    pub received: usize,
    pub per_day: f64,
    /// Return visits in the period rated satisfied (score 4–5) / all return visits in it.
    pub satisfaction: Rate,
    pub mean_score: Option<f64>,
    /// Complaints received in the period resolved within 48 h of handling time / complaints
    /// received in the period that are resolved or already past 48 h (a complaint still open
    /// and younger than 48 h is not yet decided and is left out).
    pub complaints_48h: Rate,
    pub complaint_hours_mean: Option<f64>,
    pub complaint_hours_p90: Option<f64>,
    /// Tickets received in the period whose first step after intake (assessment or dispatch)
    /// came within 24 h / those answered, or unanswered and older than 24 h.
    pub response_24h: Rate,
    /// Tickets received in the period now resolved, visited or closed / received.
    pub completion: Rate,
    pub complaints: usize,
    /// Open tickets overdue now (whatever their period).
    pub overdue_now: usize,
    /// Tickets received in the period reopened at least once / received.
    pub reopened: Rate,
    pub by_kind: BTreeMap<String, GroupStats>,
    pub by_category: BTreeMap<String, GroupStats>,
    pub by_department: BTreeMap<String, GroupStats>,
    pub by_priority: BTreeMap<String, GroupStats>,
    /// Drill runs started in the period, per plan id.
    pub drills: BTreeMap<String, DrillStats>,
    /// Findings of runs in the period without a ticket, or whose ticket is still open.
    pub open_findings: usize,
}

/// The 90th percentile by nearest rank.
fn p90(sorted: &[f64]) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((sorted.len() as f64) * 0.9).ceil() as usize;
    sorted.get(rank.saturating_sub(1)).copied()
}

/// `tickets` are (record id, ticket, derived state).
pub fn compute(tickets: &[(uuid::Uuid, &Ticket, &TicketState)], runs: &[&DrillRun], period: Period, now: DateTime<Utc>) -> Kpis {
    let mut k = Kpis { per_day: 0.0, ..Kpis::default() };
    let mut scores = Vec::new();
    let mut complaint_hours = Vec::new();
    for (_, t, s) in tickets {
        if s.is_open() && s.is_overdue(now) {
            k.overdue_now += 1;
        }
        if let Some(v) = &s.return_visit {
            if period.contains(v.at) {
                k.satisfaction.of += 1;
                k.satisfaction.hits += usize::from(v.satisfaction == Satisfaction::Satisfied);
                scores.push(f64::from(v.score));
            }
        }
        if !period.contains(t.received_at) {
            continue;
        }
        k.received += 1;
        let completed = !s.is_open();
        k.completion.of += 1;
        k.completion.hits += usize::from(completed);
        k.reopened.of += 1;
        k.reopened.hits += usize::from(s.reopen_count > 0);
        match s.first_response_at {
            Some(at) => {
                k.response_24h.of += 1;
                k.response_24h.hits += usize::from(at - t.received_at <= Duration::hours(RESPONSE_LIMIT_HOURS));
            }
            None if now - t.received_at > Duration::hours(RESPONSE_LIMIT_HOURS) => k.response_24h.of += 1,
            None => {}
        }
        if t.kind == TicketKind::Complaint {
            k.complaints += 1;
            match handling_time(s) {
                Some(h) => {
                    k.complaints_48h.of += 1;
                    k.complaints_48h.hits += usize::from(h <= Duration::hours(COMPLAINT_LIMIT_HOURS));
                    complaint_hours.push(h.num_minutes() as f64 / 60.0);
                }
                None if now - t.received_at > Duration::hours(COMPLAINT_LIMIT_HOURS) => k.complaints_48h.of += 1,
                None => {}
            }
        }
        let overdue = s.is_open() && s.is_overdue(now);
        let add = |map: &mut BTreeMap<String, GroupStats>, key: String| {
            let g = map.entry(key).or_default();
            g.received += 1;
            g.completed += usize::from(completed);
            g.overdue += usize::from(overdue);
        };
        add(&mut k.by_kind, t.kind.key().to_owned());
        add(&mut k.by_category, t.category.clone());
        add(&mut k.by_department, s.department.map(|d| d.key().to_owned()).unwrap_or_default());
        add(&mut k.by_priority, s.priority.label().to_owned());
    }
    k.per_day = k.received as f64 / period.days();
    k.mean_score = (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
    complaint_hours.sort_by(f64::total_cmp);
    k.complaint_hours_mean = (!complaint_hours.is_empty()).then(|| complaint_hours.iter().sum::<f64>() / complaint_hours.len() as f64);
    k.complaint_hours_p90 = p90(&complaint_hours);

    let open_ticket = |id: uuid::Uuid| tickets.iter().any(|(tid, _, s)| *tid == id && s.is_open());
    let mut durations: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for run in runs.iter().filter(|r| period.contains(r.started_at)) {
        let st = run.state(now);
        let d = k.drills.entry(run.plan_id.to_string()).or_default();
        d.runs += 1;
        d.target_min = run.plan.target_min;
        d.steps_late += st.late;
        if st.finished.is_some() {
            durations.entry(run.plan_id.to_string()).or_default().push(st.elapsed.num_seconds() as f64 / 60.0);
        }
        k.open_findings += st.findings.iter().filter(|f| f.ticket.as_ref().is_none_or(|(id, _)| open_ticket(*id))).count();
    }
    for (plan, list) in durations {
        if let Some(d) = k.drills.get_mut(&plan) {
            d.mean_minutes = Some(list.iter().sum::<f64>() / list.len() as f64);
        }
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::clock::Stamp;
    use crate::domain::settings::Department;
    use crate::domain::ticket::{Channel, TicketEvent, TicketStatus};
    use crate::domain::triage::{Level, Priority, SlaHours};
    use crate::domain::workflow::{derive, Action, ContactMethod, HoldReason};
    use chrono::TimeZone;
    use uuid::Uuid;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    fn ticket(n: u128, kind: TicketKind, received: DateTime<Utc>) -> (Uuid, Ticket) {
        let t = Ticket {
            number: format!("T{n}"),
            kind,
            status: TicketStatus::New,
            reporter_name: String::new(),
            unit: String::new(),
            phone: String::new(),
            channel: Channel::Phone,
            category: if n % 2 == 0 { "lift".into() } else { "plumbing".into() },
            location: String::new(),
            description: String::new(),
            received_at: received,
            utc_offset_min: 480,
            urgency: Level::Low,
            importance: Level::Low,
            priority: Priority::P4,
            respond_by: received + Duration::hours(24),
            resolve_by: received + Duration::hours(72),
            photos: vec![],
            department: None,
            assignee: None,
            needs_details: false,
            drill_run: None,
        };
        (Uuid::from_u128(n), t)
    }

    /// A ticket walked through `steps` of (hours after receipt, action).
    fn walked(n: u128, kind: TicketKind, received: DateTime<Utc>, steps: &[(i64, Action)]) -> (Uuid, Ticket, TicketState) {
        let (id, t) = ticket(n, kind, received);
        let mut events = vec![(Stamp { wall_ms: 0, counter: 0, device: id }, ev(id, received, Action::Received))];
        for (i, (h, a)) in steps.iter().enumerate() {
            events.push((Stamp { wall_ms: i as i64 + 1, counter: 0, device: id }, ev(id, received + Duration::hours(*h), a.clone())));
        }
        let s = derive(&t, &events);
        (id, t, s)
    }

    fn ev(ticket_id: Uuid, when: DateTime<Utc>, action: Action) -> TicketEvent {
        TicketEvent { ticket_id, at: when, utc_offset_min: 480, by: None, from: None, to: TicketStatus::New, note: String::new(), action }
    }

    fn assess() -> Action {
        Action::Assess { urgency: Level::Low, importance: Level::Low, priority: Priority::P4, hours: SlaHours { respond: 24, resolve: 72 } }
    }
    fn dispatch() -> Action {
        Action::Dispatch { department: Department::Engineering, assignee: None }
    }
    fn resolve() -> Action {
        Action::Resolve { work_done: "修好".into(), cause: String::new() }
    }
    fn visit(score: u8) -> Action {
        Action::ReturnVisit { method: ContactMethod::Phone, score, comment: String::new(), visitor: None }
    }

    #[test]
    fn hand_worked_period() {
        let period = Period { from: at(1, 0), to: at(11, 0) }; // ten days
        let now = at(11, 12);
        let list = vec![
            // Complaint: answered in 2 h, 30 h on hold, resolved at 60 h → handled in 30 h. Visit 5.
            walked(1, TicketKind::Complaint, at(1, 8), &[(2, assess()), (3, dispatch()), (4, Action::Hold { reason: HoldReason::Parts }), (34, Action::Resume), (60, resolve()), (70, visit(5))]),
            // Complaint: answered at 30 h (late), resolved at 50 h → 50 h, over 48. Visit 2.
            walked(2, TicketKind::Complaint, at(2, 8), &[(30, assess()), (31, dispatch()), (50, resolve()), (52, visit(2))]),
            // Complaint: never answered, 9 days old → counts against both complaint and response rates.
            walked(3, TicketKind::Complaint, at(3, 8), &[]),
            // Repair received on day 10 at 23:00, 13 h old now: response not yet due, left out.
            walked(4, TicketKind::Repair, at(10, 23), &[]),
            // Repair reopened after resolving.
            walked(5, TicketKind::Repair, at(4, 8), &[(1, assess()), (2, dispatch()), (5, resolve()), (6, Action::Reopen)]),
            // Outside the period: ignored except for overdue-now.
            walked(6, TicketKind::Repair, at(20, 8), &[]),
        ];
        let refs: Vec<(Uuid, &Ticket, &TicketState)> = list.iter().map(|(id, t, s)| (*id, t, s)).collect();
        let k = compute(&refs, &[], period, now);
        assert_eq!(k.received, 5);
        assert!((k.per_day - 0.5).abs() < 1e-9);
        assert_eq!(k.satisfaction, Rate { hits: 1, of: 2 });
        assert_eq!(k.mean_score, Some(3.5));
        assert_eq!(k.complaints, 3);
        assert_eq!(k.complaints_48h, Rate { hits: 1, of: 3 });
        assert_eq!(k.complaint_hours_mean, Some(40.0));
        assert_eq!(k.complaint_hours_p90, Some(50.0));
        // Responses: #1 in 2 h ✓, #2 in 30 h ✗, #3 none and old ✗, #4 not yet due (out), #5 in 1 h ✓.
        assert_eq!(k.response_24h, Rate { hits: 2, of: 4 });
        // Completed: #1 (visited), #2 (visited); #5 was reopened so it is open again.
        assert_eq!(k.completion, Rate { hits: 2, of: 5 });
        assert_eq!(k.reopened, Rate { hits: 1, of: 5 });
        // Overdue now: #3 (no response after 8 days) and #5 (reopened; its resolution clock runs
        // from receipt, 72 h, long past). #4 is 13 h old; #6 is dated after now.
        assert_eq!(k.overdue_now, 2);
        assert_eq!(k.by_kind["complaint"], GroupStats { received: 3, completed: 2, overdue: 1 });
        assert_eq!(k.by_kind["repair"], GroupStats { received: 2, completed: 0, overdue: 1 });
        assert_eq!(k.by_department["engineering"].received, 3);
        assert_eq!(k.by_department[""].received, 2, "not yet dispatched");
        assert_eq!(k.satisfaction.percent(), Some(50.0));
        assert_eq!(Rate::default().percent(), None);
    }

    #[test]
    fn drills_per_plan_with_open_findings() {
        use crate::domain::drill::{built_in_plans, Evaluation, RunChange, RunEvent, RunMode, Severity};
        let (plan_id, plan) = built_in_plans().remove(1); // lift entrapment, target 30 min
        let start = at(5, 2);
        let s: Vec<Uuid> = plan.steps.iter().map(|s| s.id).collect();
        let e = |min: i64, n: u128, change| RunEvent { id: Uuid::from_u128(n), at: start + Duration::minutes(min), by: None, change };
        let fixed = walked(7, TicketKind::Repair, at(5, 3), &[(1, assess()), (2, dispatch()), (3, resolve())]);
        let open = walked(8, TicketKind::Repair, at(5, 3), &[]);
        let run = DrillRun {
            plan_id,
            plan: plan.clone(),
            mode: RunMode::Drill,
            location: String::new(),
            participants: vec![],
            started_at: start,
            utc_offset_min: 480,
            events: vec![
                e(2, 1, RunChange::Check { step: s[0] }),            // late (target 1)
                e(3, 2, RunChange::Check { step: s[1] }),            // on time (target 3)
                e(4, 3, RunChange::Finding { finding: Uuid::from_u128(31), text: "a".into(), severity: Severity::High }),
                e(4, 4, RunChange::Finding { finding: Uuid::from_u128(32), text: "b".into(), severity: Severity::Low }),
                e(4, 5, RunChange::Finding { finding: Uuid::from_u128(33), text: "c".into(), severity: Severity::Low }),
                e(5, 6, RunChange::FindingTicket { finding: Uuid::from_u128(31), ticket: fixed.0, number: "T7".into() }),
                e(5, 7, RunChange::FindingTicket { finding: Uuid::from_u128(32), ticket: open.0, number: "T8".into() }),
                e(40, 8, RunChange::Finish { evaluation: Evaluation::Acceptable, summary: String::new() }),
            ],
        };
        let mut second = run.clone();
        second.started_at = at(6, 2);
        second.events.retain(|ev| matches!(ev.change, RunChange::Finish { .. }));
        second.events[0].at = at(6, 2) + Duration::minutes(20);
        let tickets = vec![(fixed.0, &fixed.1, &fixed.2), (open.0, &open.1, &open.2)];
        let period = Period { from: at(1, 0), to: at(30, 0) };
        let k = compute(&tickets, &[&run, &second], period, at(10, 0));
        let d = &k.drills[&plan_id.to_string()];
        assert_eq!((d.runs, d.target_min), (2, 30));
        assert_eq!(d.mean_minutes, Some(30.0), "40 and 20 minutes");
        // Run 1: step 1 late, and steps 3–7 still pending when it finished past their targets
        // (5, 8, 25, 27, 30 min < 40): 6 late. Run 2 finished at 20 min: steps 1–4 (1, 3, 5, 8).
        assert_eq!(d.steps_late, 10);
        // Finding 31's ticket is resolved; 32's is open; 33 has no ticket.
        assert_eq!(k.open_findings, 2);
    }

    #[test]
    fn periods_follow_the_local_calendar() {
        // Sunday 29 Nov 2026, 01:30 in UTC+8 is Saturday 28 Nov 17:30 UTC.
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 17, 30, 0).unwrap();
        let p = PeriodChoice::Today.period(now, 480);
        assert_eq!((p.from, p.to), (Utc.with_ymd_and_hms(2026, 11, 28, 16, 0, 0).unwrap(), Utc.with_ymd_and_hms(2026, 11, 29, 16, 0, 0).unwrap()));
        assert_eq!(PeriodChoice::Week.period(now, 480).from, Utc.with_ymd_and_hms(2026, 11, 22, 16, 0, 0).unwrap(), "Monday 23 Nov local");
        assert_eq!(PeriodChoice::Month.period(now, 480).from, Utc.with_ymd_and_hms(2026, 10, 31, 16, 0, 0).unwrap());
        assert_eq!(PeriodChoice::Last30.period(now, 480).days(), 30.0);
        assert_eq!(PeriodChoice::from_key("week"), Some(PeriodChoice::Week));
    }

    #[test]
    fn grades() {
        assert_eq!(grade(95.0), Grade::Excellent);
        assert_eq!(grade(94.9), Grade::Good);
        assert_eq!(grade(90.0), Grade::Good);
        assert_eq!(grade(85.0), Grade::Fair);
        assert_eq!(grade(84.99), Grade::NeedsImprovement);
    }

    #[test]
    fn percentile_by_nearest_rank() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(p90(&v), Some(9.0));
        assert_eq!(p90(&[4.0]), Some(4.0));
        assert_eq!(p90(&[]), None);
    }
}
