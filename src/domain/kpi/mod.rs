//! The supervisor's KPIs (工作标准), computed from tickets, their derived states and drill
//! runs; the customer-relations analysis table (客户关系数据分析表); and the daily work log
//! (工作日志). Every definition is written once here; the README's KPI section repeats them.
//!
//! Here the figures; beside them the periods, the drill-down to the board, the analysis
//! table and the daily log.

mod analysis;
mod daily_log;
mod drilldown;
mod period;

pub mod accuracy;
pub use accuracy::data_accuracy;
pub mod recurring;
pub mod staff;
pub use staff::{review_period, staff_cards, ReviewSpan, StaffCard};
pub use recurring::{recurring, Recurring, RecurringPlace, RepeatedCause, RisingCategory};
pub use analysis::{analysis_table, follow_up_key, follow_up_text, AnalysisRow, StatusCounts, FOLLOW_UP_MAX};
pub use daily_log::{daily_log, DailyLog, LogTicket};
pub use drilldown::{board_filter, board_link, Group};
pub use period::{local_midnight, Period, PeriodChoice, PeriodKind};

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use super::drill::{DrillRun, Text};
use super::locale::to_local;
use super::settings::{Department, KpiTargets};
use super::ticket::{Ticket, TicketKind};
use super::triage::Priority;
use super::workflow::{Satisfaction, TicketState};

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
    pub name: Text,
    pub runs: usize,
    /// Mean duration of the finished runs (unfinished ones have no duration yet).
    pub mean_minutes: Option<f64>,
    pub target_min: u32,
    pub steps_late: usize,
}

/// One local day of the trend chart.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DayPoint {
    pub day: NaiveDate,
    /// Tickets received that day.
    pub received: usize,
    /// Of those, how many are resolved, visited or closed now.
    pub completed: usize,
    /// Return visits made that day, and how many were satisfied.
    pub visits: Rate,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Kpis {
    /// Tickets received in the period.
    pub received: usize,
    pub per_day: f64,
    /// Return visits in the period rated satisfied (score 4–5) / all return visits in it.
    pub satisfaction: Rate,
    pub mean_score: Option<f64>,
    /// Complaints received in the period resolved within the target hours (48 h by default)
    /// of handling time / complaints received in the period that are resolved or already past
    /// the limit (a complaint still open and younger than that is not yet decided: left out).
    pub complaints_48h: Rate,
    pub complaint_hours_mean: Option<f64>,
    pub complaint_hours_p90: Option<f64>,
    /// Tickets received in the period whose first step after intake (assessment or dispatch)
    /// came within the response hours (24 h by default) / those answered, or unanswered and
    /// older than the limit.
    pub response_24h: Rate,
    /// Tickets received in the period now resolved, visited or closed / received.
    pub completion: Rate,
    pub complaints: usize,
    /// Open tickets overdue now (whatever their period).
    pub overdue_now: usize,
    /// Tickets received in the period reopened at least once / received.
    pub reopened: Rate,
    pub by_kind: BTreeMap<TicketKind, GroupStats>,
    /// By category key (the site's own list).
    pub by_category: BTreeMap<String, GroupStats>,
    /// By the department handling it now (`None`: not yet dispatched).
    pub by_department: BTreeMap<Option<Department>, GroupStats>,
    pub by_priority: BTreeMap<Priority, GroupStats>,
    /// By the person the ticket is assigned to now (`None`: nobody is).
    pub by_assignee: BTreeMap<Option<Uuid>, GroupStats>,
    /// Return visits in the period by score, 1 to 5 (index 0 is score 1).
    pub score_counts: [usize; 5],
    /// Per local day of the period.
    pub trend: Vec<DayPoint>,
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

/// What a KPI computation is about: the period, the moment it is computed, and the device's
/// UTC offset (which decides where local days begin, for the trend).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scope {
    pub period: Period,
    pub now: DateTime<Utc>,
    pub offset_min: i32,
}

/// `tickets` are (record id, ticket, derived state).
pub fn compute(tickets: &[(Uuid, &Ticket, &TicketState)], runs: &[&DrillRun], scope: &Scope, targets: &KpiTargets) -> Kpis {
    let Scope { period, now, offset_min } = *scope;
    let complaint_limit = Duration::hours(targets.complaint_hours.into());
    let response_limit = Duration::hours(targets.response_hours.into());
    let mut k = Kpis { per_day: 0.0, ..Kpis::default() };
    let days = period.local_day_list(offset_min);
    k.trend = days.iter().map(|d| DayPoint { day: *d, ..DayPoint::default() }).collect();
    let day_index = |t: DateTime<Utc>| {
        let d = to_local(t, offset_min).date_naive();
        days.first().and_then(|first| usize::try_from((d - *first).num_days()).ok()).filter(|i| *i < days.len())
    };
    let mut scores = Vec::new();
    let mut complaint_hours = Vec::new();
    for (_, t, s) in tickets {
        if s.is_open() && s.is_overdue(now) {
            k.overdue_now += 1;
        }
        if let Some(v) = &s.return_visit {
            if period.contains(v.at) {
                let satisfied = v.satisfaction == Satisfaction::Satisfied;
                k.satisfaction.of += 1;
                k.satisfaction.hits += usize::from(satisfied);
                scores.push(f64::from(v.score));
                if let Some(slot) = k.score_counts.get_mut(usize::from(v.score.clamp(1, 5)) - 1) {
                    *slot += 1;
                }
                if let Some(p) = day_index(v.at).and_then(|i| k.trend.get_mut(i)) {
                    p.visits.of += 1;
                    p.visits.hits += usize::from(satisfied);
                }
            }
        }
        if !period.contains(t.received_at) {
            continue;
        }
        k.received += 1;
        let completed = !s.is_open();
        if let Some(p) = day_index(t.received_at).and_then(|i| k.trend.get_mut(i)) {
            p.received += 1;
            p.completed += usize::from(completed);
        }
        k.completion.of += 1;
        k.completion.hits += usize::from(completed);
        k.reopened.of += 1;
        k.reopened.hits += usize::from(s.reopen_count > 0);
        match s.first_response_at {
            Some(at) => {
                k.response_24h.of += 1;
                k.response_24h.hits += usize::from(at - t.received_at <= response_limit);
            }
            None if now - t.received_at > response_limit => k.response_24h.of += 1,
            None => {}
        }
        if t.kind == TicketKind::Complaint {
            k.complaints += 1;
            match handling_time(s) {
                Some(h) => {
                    k.complaints_48h.of += 1;
                    k.complaints_48h.hits += usize::from(h <= complaint_limit);
                    complaint_hours.push(h.num_minutes() as f64 / 60.0);
                }
                None if now - t.received_at > complaint_limit => k.complaints_48h.of += 1,
                None => {}
            }
        }
        let overdue = s.is_open() && s.is_overdue(now);
        let counted = |g: &mut GroupStats| {
            g.received += 1;
            g.completed += usize::from(completed);
            g.overdue += usize::from(overdue);
        };
        counted(k.by_kind.entry(t.kind).or_default());
        counted(k.by_category.entry(t.category.clone()).or_default());
        counted(k.by_department.entry(s.department).or_default());
        counted(k.by_priority.entry(s.priority).or_default());
        counted(k.by_assignee.entry(s.assignee).or_default());
    }
    k.per_day = k.received as f64 / period.days();
    k.mean_score = mean(&scores);
    complaint_hours.sort_by(f64::total_cmp);
    k.complaint_hours_mean = mean(&complaint_hours);
    k.complaint_hours_p90 = p90(&complaint_hours);

    let open_tickets: std::collections::HashSet<Uuid> = tickets.iter().filter(|(_, _, s)| s.is_open()).map(|(id, _, _)| *id).collect();
    let mut durations: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for run in runs.iter().filter(|r| period.contains(r.started_at)) {
        let st = run.state(now);
        let d = k.drills.entry(run.plan_id.to_string()).or_default();
        d.runs += 1;
        d.name = run.plan.name.clone();
        d.target_min = run.plan.target_min;
        d.steps_late += st.late;
        if st.finished.is_some() {
            durations.entry(run.plan_id.to_string()).or_default().push(st.elapsed.num_seconds() as f64 / 60.0);
        }
        k.open_findings += st.findings.iter().filter(|f| f.ticket.as_ref().is_none_or(|(id, _)| open_tickets.contains(id))).count();
    }
    for (plan, list) in durations {
        if let Some(d) = k.drills.get_mut(&plan) {
            d.mean_minutes = mean(&list);
        }
    }
    k
}

pub(super) fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Head office: the KPIs of each site (by [`Ticket::site_code`]) for the same scope, largest first.
pub fn per_site(tickets: &[(Uuid, &Ticket, &TicketState)], scope: &Scope, targets: &KpiTargets) -> Vec<(String, Kpis)> {
    let mut sites: BTreeMap<&str, Vec<(Uuid, &Ticket, &TicketState)>> = BTreeMap::new();
    for t in tickets {
        sites.entry(t.1.site_code()).or_default().push(*t);
    }
    let mut out: Vec<(String, Kpis)> = sites.into_iter().map(|(site, list)| (site.to_owned(), compute(&list, &[], scope, targets))).collect();
    out.sort_by(|a, b| b.1.received.cmp(&a.1.received).then_with(|| a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::clock::Stamp;
    use crate::domain::settings::Department;
    use crate::domain::ticket::{Channel, TicketStatus};
    use crate::domain::triage::{Level, Priority, SlaHours};
    use crate::domain::workflow::{derive, Action, ContactMethod, HoldReason, TicketEvent};
    use chrono::TimeZone;
    use uuid::Uuid;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    fn ticket(n: u128, kind: TicketKind, received: DateTime<Utc>) -> (Uuid, Ticket) {
        let t = Ticket {
            number: format!("T{n}"),
            site: String::new(),
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
            progress: None,
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

    /// The walked ticket with each event taken by `who` in turn (the first is its intake).
    fn by(w: (Uuid, Ticket, TicketState), who: &[Option<Uuid>]) -> (Uuid, Ticket, TicketState) {
        let mut events: Vec<_> = w.2.history.iter().map(|h| (h.stamp, h.event.clone())).collect();
        for (e, who) in events.iter_mut().zip(who) {
            e.1.by = *who;
        }
        let s = derive(&w.1, &events);
        (w.0, w.1, s)
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
        let k = compute(&refs, &[], &Scope { period, now, offset_min: 480 }, &KpiTargets::default());
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
        assert_eq!(k.by_kind[&TicketKind::Complaint], GroupStats { received: 3, completed: 2, overdue: 1 });
        assert_eq!(k.by_kind[&TicketKind::Repair], GroupStats { received: 2, completed: 0, overdue: 1 });
        assert_eq!(k.by_department[&Some(Department::Engineering)].received, 3);
        assert_eq!(k.by_department[&None].received, 2, "not yet dispatched");
        assert_eq!(k.satisfaction.percent(), Some(50.0));
        assert_eq!(Rate::default().percent(), None);
        assert_eq!(k.by_assignee[&None].received, 5, "nobody assigned by name");
        assert_eq!(k.score_counts, [0, 1, 0, 0, 1]);
        // Local days at UTC+8: the period runs from 1 Nov 08:00 to 11 Nov 08:00 local → 11 days.
        assert_eq!(k.trend.len(), 11);
        let day = |i: usize| (k.trend[i].received, k.trend[i].completed, k.trend[i].visits);
        assert_eq!(day(0), (1, 1, Rate::default()));
        assert_eq!(day(2), (1, 0, Rate::default()));
        // #5 received on 4 Nov; both visits were made on 4 Nov local (14:00 and 20:00).
        assert_eq!(day(3), (1, 0, Rate { hits: 1, of: 2 }));
        assert_eq!(day(10), (1, 0, Rate::default()), "#4 at 23:00 UTC on the 10th is 07:00 on the 11th locally");

        // Targets are settings: with a 50-hour limit complaint #2 (50 h) is in time.
        let lenient = KpiTargets { complaint_hours: 50, response_hours: 30, ..KpiTargets::default() };
        let k = compute(&refs, &[], &Scope { period, now, offset_min: 480 }, &lenient);
        assert_eq!(k.complaints_48h, Rate { hits: 2, of: 3 });
        assert_eq!(k.response_24h, Rate { hits: 3, of: 4 });

        // The same records seen from UTC−5: #4 now falls on 10 Nov, the last day but one.
        let k = compute(&refs, &[], &Scope { period, now, offset_min: -300 }, &KpiTargets::default());
        assert_eq!(k.trend.first().map(|p| p.day), NaiveDate::from_ymd_opt(2026, 10, 31));
        assert_eq!(k.trend.iter().position(|p| p.received == 1 && p.day == NaiveDate::from_ymd_opt(2026, 11, 10).unwrap()), Some(10));
    }

    #[test]
    fn an_empty_period_has_no_figures_rather_than_zero_percent() {
        let list = [walked(1, TicketKind::Complaint, at(1, 8), &[(2, assess()), (3, dispatch()), (5, resolve()), (6, visit(5))])];
        let refs: Vec<(Uuid, &Ticket, &TicketState)> = list.iter().map(|(id, t, s)| (*id, t, s)).collect();
        let period = Period::local_days(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(), NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(), 480);
        let k = compute(&refs, &[], &Scope { period, now: at(25, 0), offset_min: 480 }, &KpiTargets::default());
        assert_eq!((k.received, k.complaints, k.overdue_now), (0, 0, 0));
        for r in [k.satisfaction, k.complaints_48h, k.response_24h, k.completion, k.reopened] {
            assert_eq!(r.percent(), None);
        }
        assert_eq!((k.mean_score, k.complaint_hours_mean, k.complaint_hours_p90), (None, None, None));
        assert_eq!(k.trend.len(), 2);
        assert!(k.trend.iter().all(|p| p.received == 0 && p.visits.of == 0));
        assert!(analysis_table(&refs, period).is_empty());
    }

    #[test]
    fn tickets_spanning_the_period_boundary() {
        // Received on 31 Oct (before the period), resolved and visited inside it: the visit
        // counts for satisfaction in the period, the ticket does not count as received.
        let list = [walked(1, TicketKind::Complaint, at(1, 0) - Duration::hours(20), &[(1, assess()), (2, dispatch()), (30, resolve()), (40, visit(2))])];
        let refs: Vec<(Uuid, &Ticket, &TicketState)> = list.iter().map(|(id, t, s)| (*id, t, s)).collect();
        let period = Period { from: at(1, 0), to: at(8, 0) };
        let k = compute(&refs, &[], &Scope { period, now: at(9, 0), offset_min: 0 }, &KpiTargets::default());
        assert_eq!((k.received, k.complaints), (0, 0));
        assert_eq!(k.satisfaction, Rate { hits: 0, of: 1 });
        assert_eq!(k.trend[0].visits, Rate { hits: 0, of: 1 });
        // The custom range swaps reversed dates and covers both days whole.
        let d = |n| NaiveDate::from_ymd_opt(2026, 11, n).unwrap();
        let p = Period::local_days(d(3), d(1), 480);
        assert_eq!((p.from, p.to), (at(1, 0) - Duration::hours(8), at(4, 0) - Duration::hours(8)));
        assert_eq!(p.local_dates(480), (d(1), d(3)));
        assert_eq!(PeriodChoice::Custom { from: d(1), to: d(3) }.period(at(20, 0), 480), p);
    }

    #[test]
    fn data_accuracy_by_hand() {
        use crate::domain::record::EditMark;
        let period = Period { from: at(1, 0), to: at(30, 0) };
        let mark = |field: &str, day: u32, hour: u32| EditMark { field: field.into(), at: Stamp { wall_ms: at(day, hour).timestamp_millis(), counter: 0, device: Uuid::nil() } };
        let mut list = Vec::new();
        for n in 1..=6 {
            // Dispatched two hours after receipt on the 2nd, at 02:00.
            let (id, mut t, s) = walked(n, TicketKind::Repair, at(2, 0), &[(1, assess()), (2, dispatch())]);
            t.unit = "1-1-101".into();
            t.description = "漏水".into();
            list.push((id, t, s));
        }
        list[3].1.unit.clear();
        list[4].1.description.clear();
        // Never dispatched: not counted.
        let (id, mut t, s) = walked(7, TicketKind::Repair, at(2, 0), &[(1, assess())]);
        t.unit = "1-1-101".into();
        list.push((id, t, s));
        let edits: Vec<Vec<EditMark>> = vec![
            vec![mark("category", 2, 1)],    // corrected before dispatch: fine
            vec![mark("unit", 2, 3)],        // the unit corrected after dispatch
            vec![mark("photos", 3, 0)],      // a photo added later is no correction
            vec![],                          // neither a unit nor a place
            vec![],                          // no description
            vec![mark("description", 2, 2)], // at the dispatch's own hour: not after it
            vec![mark("unit", 5, 0)],
        ];
        let refs: Vec<(Uuid, &Ticket, &TicketState, &[EditMark])> = list.iter().zip(&edits).map(|((id, t, s), e)| (*id, t, s, e.as_slice())).collect();
        let (rate, wrong) = data_accuracy(&refs, period);
        assert_eq!(rate, Rate { hits: 3, of: 6 });
        assert_eq!(wrong, vec![Uuid::from_u128(2), Uuid::from_u128(4), Uuid::from_u128(5)]);
    }

    #[test]
    fn grades_at_their_boundaries() {
        for (p, g) in [(100.0, Grade::Excellent), (95.0, Grade::Excellent), (94.99, Grade::Good), (90.0, Grade::Good), (89.99, Grade::Fair), (85.0, Grade::Fair), (84.99, Grade::NeedsImprovement), (0.0, Grade::NeedsImprovement)] {
            assert_eq!(grade(p), g, "{p}");
        }
        // 19 of 20 is 95 %: excellent; 18 of 20, 90 %: good; 17 of 20, 85 %: fair; 16 of 20: needs improvement.
        let card = |hits| StaffCard { satisfaction: Rate { hits, of: 20 }, ..StaffCard::default() };
        assert_eq!([19, 18, 17, 16].map(|h| card(h).grade()), [Some(Grade::Excellent), Some(Grade::Good), Some(Grade::Fair), Some(Grade::NeedsImprovement)]);
        assert_eq!(StaffCard::default().grade(), None, "no return visit, no grade");
    }

    #[test]
    fn staff_cards_by_hand() {
        let (alice, bob) = (Uuid::from_u128(0xa), Uuid::from_u128(0xb));
        let resolve = || Action::Resolve { work_done: "修好".into(), cause: String::new() };
        let reopen = Action::Reopen;
        let list = vec![
            // Alice assesses in an hour, Bob dispatches and resolves in 30 h (of 72), Alice visits: 5.
            by(walked(1, TicketKind::Repair, at(2, 0), &[(1, assess()), (2, dispatch()), (30, resolve()), (31, visit(5))]), &[None, Some(alice), Some(bob), Some(bob), Some(alice)]),
            // Bob assesses after 30 h (of 24), Alice resolves after 100 h: late twice; visit 2.
            by(walked(2, TicketKind::Repair, at(3, 0), &[(30, assess()), (31, dispatch()), (100, resolve()), (101, visit(2))]), &[None, Some(bob), Some(bob), Some(alice), Some(bob)]),
            // Bob resolves, the visit is 5, Alice reopens, dispatches and resolves again in 20 h.
            by(
                walked(3, TicketKind::Repair, at(4, 0), &[(2, assess()), (3, dispatch()), (10, resolve()), (11, visit(5)), (12, reopen), (13, dispatch()), (20, resolve())]),
                &[None, Some(alice), Some(alice), Some(bob), Some(alice), Some(alice), Some(alice), Some(alice)],
            ),
            // In December: outside the period.
            by(walked(4, TicketKind::Repair, at(30, 1), &[(1, assess())]), &[None, Some(bob)]),
        ];
        let refs: Vec<(Uuid, &Ticket, &TicketState)> = list.iter().map(|(id, t, s)| (*id, t, s)).collect();
        let spec = crate::domain::sample::SampleSpec { seed: 1, tickets: 1, days: 1, now: at(10, 0), offset_min: 480, chinese: true, staff: vec![] };
        let mut run: DrillRun = serde_json::from_value(crate::domain::sample::drill_run_record(&spec, 0).body).unwrap();
        run.started_at = at(10, 0);
        run.participants = vec![
            crate::domain::drill::Participant { staff: Some(alice), name: "Alice".into(), role: "commander".into() },
            crate::domain::drill::Participant { staff: None, name: "访客".into(), role: "observer".into() },
        ];
        let runs = [(Uuid::from_u128(77), &run)];
        let cards = staff_cards(&refs, &runs, Period { from: at(1, 0), to: at(30, 0) }, 24);
        let a = &cards[&alice];
        assert_eq!((a.handled, a.responded, a.resolved, a.satisfaction, a.reopened), (3, Rate { hits: 2, of: 2 }, Rate { hits: 1, of: 2 }, Rate { hits: 0, of: 1 }, 0));
        assert_eq!(a.drills, vec![(Uuid::from_u128(77), "commander".to_owned())]);
        assert_eq!(a.grade(), Some(Grade::NeedsImprovement));
        let b = &cards[&bob];
        assert_eq!((b.handled, b.responded, b.resolved, b.satisfaction, b.reopened), (3, Rate { hits: 0, of: 1 }, Rate { hits: 1, of: 1 }, Rate { hits: 2, of: 2 }, 1));
        assert_eq!(b.grade(), Some(Grade::Excellent));
        assert!(b.drills.is_empty());
        assert_eq!(cards.len(), 2);
    }

    #[test]
    fn review_periods_are_calendar_months_and_quarters() {
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 3, 0, 0).unwrap();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let (p, first) = review_period(ReviewSpan::Quarter, 0, now, 480);
        assert_eq!((first, p.local_dates(480)), (d(2026, 10, 1), (d(2026, 10, 1), d(2026, 12, 31))));
        assert_eq!(review_period(ReviewSpan::Quarter, 1, now, 480).1, d(2026, 7, 1));
        assert_eq!(review_period(ReviewSpan::Quarter, 4, now, 480).1, d(2025, 10, 1));
        assert_eq!(review_period(ReviewSpan::Month, 0, now, 480).0.local_dates(480), (d(2026, 11, 1), d(2026, 11, 30)));
        assert_eq!(review_period(ReviewSpan::Month, 11, now, 480).1, d(2025, 12, 1));
    }

    #[test]
    fn recurring_problems_by_hand() {
        use crate::domain::places::PlaceKey;
        // The period is 15–29 November; the one before, 1–15 November.
        let period = Period { from: at(15, 0), to: at(29, 0) };
        let made = |n: u128, day: u32, category: &str, unit: &str, cause: &str, score: u8| {
            let mut steps = vec![(1, assess()), (2, dispatch()), (3, Action::Resolve { work_done: "修好".into(), cause: cause.into() })];
            if score > 0 {
                steps.push((4, visit(score)));
            }
            let (id, mut t, _) = walked(n, TicketKind::Repair, at(day, 2), &steps);
            t.category = category.into();
            if unit.starts_with('@') {
                t.location = unit.trim_start_matches('@').into();
            } else {
                t.unit = unit.into();
            }
            let (_, _, s) = walked(n, TicketKind::Repair, at(day, 2), &steps);
            (id, t, s)
        };
        let list = vec![
            // Unit 1-2-301 (typed two ways), plumbing twice; 1-2-302 once: building 1 three times from two units.
            made(1, 16, "plumbing", "1-2-301", "阀门老化。", 0),
            made(3, 20, "plumbing", "1栋2单元301室", "", 0),
            made(5, 21, "plumbing", "1-2-302", "Valve worn.", 0),
            // Unit 3-1-101 three times: a place, not a building (one unit).
            made(7, 17, "plumbing", "3-1-101", "阀门老化", 0),
            made(9, 18, "plumbing", "3-1-101", " 管道堵塞", 0),
            made(11, 19, "plumbing", "3-1-101", "valve  worn", 0),
            // Before the period: one plumbing, two lifts (one visit, satisfied).
            made(13, 2, "plumbing", "5-1-101", "", 0),
            made(6, 3, "lift", "2-1-101", "", 5),
            made(8, 4, "lift", "@东门", "", 0),
            // One plumbing ticket in each of buildings 7, 8 and 9: building 1's three are 1.5
            // times the mean of 9 over 5 buildings (2.7); building 3's are one unit's.
            made(17, 23, "plumbing", "7-1-101", "", 0),
            made(19, 23, "plumbing", "8-1-101", "", 0),
            made(21, 23, "plumbing", "9-1-101", "", 0),
            // In the period: two lifts, one visit dissatisfied and one satisfied.
            made(2, 16, "lift", "2-1-101", "", 1),
            made(4, 22, "lift", "@东门", "", 5),
            // Outside both periods.
            made(15, 29, "plumbing", "1-2-301", "阀门老化", 0),
        ];
        let refs: Vec<(Uuid, &Ticket, &TicketState)> = list.iter().map(|(id, t, s)| (*id, t, s)).collect();
        let r = recurring(&refs, period);
        let id = |n: u128| Uuid::from_u128(n);
        assert_eq!(
            r.places,
            vec![
                RecurringPlace { place: PlaceKey::Unit("3-1-101".into()), category: "plumbing".into(), tickets: vec![id(11), id(9), id(7)] },
                RecurringPlace { place: PlaceKey::Unit("1-2-301".into()), category: "plumbing".into(), tickets: vec![id(3), id(1)] },
            ]
        );
        assert_eq!(r.buildings, vec![RecurringPlace { place: PlaceKey::Unit("1".into()), category: "plumbing".into(), tickets: vec![id(5), id(3), id(1)] }]);
        // Plumbing 9 against 1: rose. Lift 2 against 2, but dissatisfied 1 of 2 against 0 of 1: rose.
        assert_eq!(r.rising.len(), 2);
        assert_eq!((r.rising[0].category.as_str(), r.rising[0].count, r.rising[0].count_before, r.rising[0].volume_rose), ("plumbing", 9, 1, true));
        // Four plumbing tickets in building 1 would not be a hot spot if every building had as many.
        let mut busy = list.clone();
        for (n, b) in [(31u128, "7"), (33, "7"), (35, "8"), (37, "8"), (39, "9"), (41, "9"), (43, "3"), (45, "7")] {
            busy.push(made(n, 24, "plumbing", &format!("{b}-2-101"), "", 0));
        }
        let busy_refs: Vec<(Uuid, &Ticket, &TicketState)> = busy.iter().map(|(id, t, s)| (*id, t, s)).collect();
        assert!(recurring(&busy_refs, period).buildings.is_empty(), "3 of 17 over 5 buildings is below 1.5 × the mean");
        let lift = &r.rising[1];
        assert_eq!((lift.category.as_str(), lift.volume_rose, lift.dissatisfaction_rose), ("lift", false, true));
        assert_eq!((lift.dissatisfied, lift.dissatisfied_before), (Rate { hits: 1, of: 2 }, Rate { hits: 0, of: 1 }));
        assert_eq!(lift.tickets, vec![id(4), id(2)]);
        // Causes: 阀门老化 twice (the full stop ignored), valve worn twice (case and spaces
        // ignored), shown as last written (ticket 5, the 21st).
        let causes: Vec<(&str, Vec<Uuid>)> = r.causes.iter().map(|c| (c.cause.as_str(), c.tickets.clone())).collect();
        assert_eq!(causes, vec![("Valve worn.", vec![id(5), id(11)]), ("阀门老化", vec![id(7), id(1)])]);
        // Growth below the bar is not a rise: the 1st–15th against the 15 days before holds
        // one plumbing ticket against none (one more, not two).
        let earlier = recurring(&refs, Period { from: at(1, 0), to: at(15, 0) });
        assert!(!earlier.rising.iter().any(|c| c.category == "plumbing"), "{:?}", earlier.rising);
    }

    #[test]
    fn improvement_effects_by_hand() {
        use crate::domain::improvement::{effect, EffectKpi, Effect, Improvement, MeasurePlace, MeasureStatus};
        use chrono::NaiveDate;
        let made = |n: u128, when: DateTime<Utc>, category: &str, unit: &str, steps: &[(i64, Action)]| {
            let (id, mut t, _) = walked(n, TicketKind::Repair, when, steps);
            t.category = category.into();
            t.unit = unit.into();
            let (_, _, s) = walked(n, TicketKind::Repair, when, steps);
            (id, t, s)
        };
        let fixed = |cause: &str, score: u8| {
            let mut steps = vec![(1, assess()), (2, dispatch()), (3, Action::Resolve { work_done: "修好".into(), cause: cause.into() })];
            if score > 0 {
                steps.push((4, visit(score)));
            }
            steps
        };
        // UTC+8: local midnight of the 16th is 16:00 UTC on the 15th.
        let list = vec![
            made(1, at(9, 2), "plumbing", "3-1-101", &fixed("", 2)),
            made(3, at(12, 2), "plumbing", "3栋2单元502", &[]),
            made(5, at(14, 2), "plumbing", "3-1-101", &fixed("", 5)),
            made(15, at(15, 15), "plumbing", "3-2-201", &[]),
            // Before the window before; another category; another building.
            made(7, at(8, 2), "plumbing", "3-1-101", &[]),
            made(2, at(18, 2), "lift", "3-1-101", &[]),
            made(11, at(13, 2), "plumbing", "4-1-101", &[]),
            // After the start (the first an hour after local midnight).
            made(13, at(15, 17), "plumbing", "3-1-101", &fixed("", 4)),
            made(9, at(18, 2), "plumbing", "3-1-101", &fixed("阀门老化。", 5)),
        ];
        let refs: Vec<(Uuid, &Ticket, &TicketState)> = list.iter().map(|(id, t, s)| (*id, t, s)).collect();
        let d = |day: u32| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
        let riser = Improvement {
            measure: "更换3栋立管".into(),
            owner: None,
            category: Some("plumbing".into()),
            place: Some(MeasurePlace::Building("3栋".into())),
            cause: None,
            kpi: EffectKpi::Tickets,
            target: 1.0,
            start: d(16),
            review: d(30),
            status: MeasureStatus::InProgress,
            notes: String::new(),
        };
        let targets = KpiTargets::default();
        let measured = |m: &Improvement, now: DateTime<Utc>| match effect(m, &refs, now, 480, &targets) {
            Effect::Measured(x) => x,
            Effect::NotStarted => panic!("not started"),
        };
        // Seven days after the start (to local midnight of the 23rd) against the seven before.
        let e = measured(&riser, at(22, 16));
        assert_eq!((e.after.from, e.after.to, e.before.from), (at(15, 16), at(22, 16), at(8, 16)));
        assert_eq!((e.tickets_before, e.tickets_after), (4, 2));
        assert_eq!((e.value_before, e.value_after, e.change, e.met), (Some(4.0), Some(2.0), Some(-2.0), Some(false)));
        assert_eq!(measured(&Improvement { target: 2.0, ..riser.clone() }, at(22, 16)).met, Some(true));
        // Satisfaction: before, 1 of 2 visits satisfied (a 2 and a 5); after, 2 of 2.
        let sat = measured(&Improvement { kpi: EffectKpi::Satisfaction, target: 95.0, ..riser.clone() }, at(22, 16));
        assert_eq!((sat.value_before, sat.value_after, sat.change, sat.met), (Some(50.0), Some(100.0), Some(50.0), Some(true)));
        // Past its review (the 20th): judged on the five days to the end of that day.
        let reviewed = measured(&Improvement { review: d(20), ..riser.clone() }, at(28, 0));
        assert_eq!((reviewed.after.to, reviewed.before.from), (at(20, 16), at(10, 16)));
        assert_eq!((reviewed.tickets_before, reviewed.tickets_after), (3, 2));
        // Started today: the twelve hours since local midnight against the twelve before.
        let mut today = list.clone();
        today.push(made(17, at(22, 6), "plumbing", "3-1-101", &[]));
        today.push(made(19, at(23, 1), "plumbing", "3-1-101", &[]));
        today.push(made(21, at(22, 17), "plumbing", "3-1-102", &[]));
        let today_refs: Vec<(Uuid, &Ticket, &TicketState)> = today.iter().map(|(id, t, s)| (*id, t, s)).collect();
        let m = Improvement { start: d(23), ..riser.clone() };
        let Effect::Measured(t) = effect(&m, &today_refs, at(23, 4), 480, &targets) else { panic!("started today") };
        assert_eq!((t.before.from, t.after.from, t.after.to), (at(22, 4), at(22, 16), at(23, 4)));
        assert_eq!((t.tickets_before, t.tickets_after, t.change), (1, 2, Some(1.0)));
        // Before its start there is nothing to measure.
        assert_eq!(effect(&m, &today_refs, at(22, 15), 480, &targets), Effect::NotStarted);
        // A scope with no tickets before: no satisfaction before, so no change; a count of 0.
        let elsewhere = Improvement { place: Some(MeasurePlace::Unit("3-1-101".into())), start: d(18), kpi: EffectKpi::Satisfaction, ..riser.clone() };
        let e = measured(&elsewhere, at(18, 16));
        assert_eq!((e.tickets_before, e.tickets_after, e.value_before, e.value_after, e.change), (0, 1, None, Some(100.0), None));
        let count = measured(&Improvement { kpi: EffectKpi::Tickets, ..elsewhere }, at(18, 16));
        assert_eq!((count.value_before, count.value_after, count.change), (Some(0.0), Some(1.0), Some(1.0)));
        // A repeated cause: the tickets resolved with it (the full stop ignored).
        let cause = Improvement { category: None, place: None, cause: Some("阀门老化".into()), ..riser };
        assert_eq!(measured(&cause, at(22, 16)).tickets_after, 1);
    }

    #[test]
    fn analysis_table_rows() {
        let period = Period { from: at(1, 0), to: at(30, 0) };
        let with_comment = |n, score: u8, comment: &str, hours: i64| {
            let mut w = walked(n, TicketKind::Repair, at(2, 0), &[(1, assess()), (2, dispatch()), (hours, resolve())]);
            if score > 0 {
                let v = Action::ReturnVisit { method: ContactMethod::Phone, score, comment: comment.into(), visitor: None };
                let mut events: Vec<_> = w.2.history.iter().map(|h| (h.stamp, h.event.clone())).collect();
                events.push((Stamp { wall_ms: 99, counter: 0, device: w.0 }, ev(w.0, at(2, 0) + Duration::hours(hours + 1), v)));
                w.2 = derive(&w.1, &events);
            }
            w.1.description = format!("desc {n}");
            w.2 = derive(&w.1, &w.2.history.iter().map(|h| (h.stamp, h.event.clone())).collect::<Vec<_>>());
            w
        };
        // Even numbers are "lift", odd "plumbing" (see `ticket`).
        let list = vec![
            with_comment(2, 5, "很快", 24),
            with_comment(4, 4, "很快", 48),
            with_comment(6, 2, "太慢", 72),
            with_comment(8, 0, "", 12),
            walked(10, TicketKind::Repair, at(3, 0), &[]),
            with_comment(1, 5, "谢谢", 24),
        ];
        let refs: Vec<(Uuid, &Ticket, &TicketState)> = list.iter().map(|(id, t, s)| (*id, t, s)).collect();
        let rows = analysis_table(&refs, period);
        assert_eq!(rows.len(), 2);
        let lift = &rows[0];
        assert_eq!((lift.category.as_str(), lift.count), ("lift", 5));
        assert!((lift.share - 5.0 * 100.0 / 6.0).abs() < 1e-9);
        assert_eq!(lift.feedback, vec!["很快".to_owned(), "太慢".to_owned(), "desc 2".to_owned()], "then descriptions, ties by text");
        assert_eq!(lift.status, StatusCounts { open: 1, resolved: 4, closed: 0 });
        assert_eq!(lift.satisfaction, Rate { hits: 2, of: 3 });
        assert_eq!(lift.mean_score, Some(11.0 / 3.0));
        // Handling 24, 48, 72, 12 hours → mean 39 h = 1.625 days.
        assert_eq!(lift.mean_days, Some(1.625));
        assert_eq!((rows[1].category.as_str(), rows[1].count, rows[1].feedback[0].as_str()), ("plumbing", 1, "谢谢"));
        assert_eq!(follow_up_key(period, 0, "lift"), "2026-11-01..2026-11-29|lift");
    }

    #[test]
    fn daily_log_lists_that_days_work() {
        let alice = Uuid::from_u128(0xa);
        let bob = Uuid::from_u128(0xb);
        let d = |n| NaiveDate::from_ymd_opt(2026, 11, n).unwrap();
        // Local = UTC+8. Day 5 local is 4 Nov 16:00 – 5 Nov 16:00 UTC.
        let list = vec![
            // Received by Alice on the 5th (10:00 local), assessed by Bob the same day, resolved by Alice on the 6th.
            by(walked(1, TicketKind::Repair, at(5, 2), &[(3, assess()), (4, dispatch()), (26, resolve())]), &[Some(alice), Some(bob), Some(bob), Some(alice)]),
            // Received on the 4th by Bob, resolved by Alice on the 5th (local 5 Nov 09:00).
            by(walked(2, TicketKind::Repair, at(4, 1), &[(1, assess()), (2, dispatch()), (24, resolve())]), &[Some(bob), Some(bob), Some(bob), Some(alice)]),
            // Received on the 1st, never answered: overdue at the end of the 5th (72 h limit).
            by(walked(3, TicketKind::Repair, at(1, 2), &[]), &[Some(bob)]),
            // Received on the 6th: not in the 5th's log.
            by(walked(4, TicketKind::Repair, at(6, 2), &[]), &[Some(alice)]),
        ];
        let refs: Vec<(Uuid, &Ticket, &TicketState)> = list.iter().map(|(id, t, s)| (*id, t, s)).collect();
        let now = at(20, 0);
        let team = daily_log(&refs, &[], d(5), 480, None, now);
        let id = Uuid::from_u128;
        assert_eq!(team.received, vec![id(1)]);
        assert_eq!(team.handled.iter().map(|l| (l.id, l.actions.clone())).collect::<Vec<_>>(), vec![(id(2), vec!["resolve"]), (id(1), vec!["assess", "dispatch"])]);
        assert_eq!(team.resolved, vec![id(2)]);
        assert_eq!(team.overdue, vec![id(3)]);
        assert!(team.open_tickets.is_empty(), "1 and 2 are resolved now");
        let alices = daily_log(&refs, &[], d(5), 480, Some(alice), now);
        assert_eq!(alices.received, vec![id(1)]);
        assert_eq!(alices.handled.iter().map(|l| l.id).collect::<Vec<_>>(), vec![id(2)]);
        assert_eq!(alices.resolved, vec![id(2)]);
        assert!(alices.overdue.is_empty(), "#3 is nobody's");
        let bobs = daily_log(&refs, &[], d(5), 480, Some(bob), now);
        assert!(bobs.received.is_empty() && bobs.resolved.is_empty());
        assert_eq!(bobs.handled.iter().map(|l| l.id).collect::<Vec<_>>(), vec![id(1)]);
        // The 6th: #4 received and still open; #1 resolved; #3 still overdue.
        let sixth = daily_log(&refs, &[], d(6), 480, None, now);
        assert_eq!((sixth.received.clone(), sixth.resolved.clone(), sixth.overdue.clone()), (vec![id(4)], vec![id(1)], vec![id(3)]));
        assert_eq!(sixth.open_tickets, vec![id(4)]);
        // On the 3rd, #3 was not yet overdue (received 1 Nov 10:00 local, due 4 Nov 10:00).
        assert!(daily_log(&refs, &[], d(3), 480, None, now).overdue.is_empty());
    }

    #[test]
    fn drills_per_plan_with_open_findings() {
        use crate::domain::drill::{built_in_plans, Evaluation, RunChange, RunEvent, RunMode, Severity};
        let (plan_id, mut plan) = built_in_plans().remove(1); // lift entrapment
        // Targets of its own, so the figures below do not move when the built-in plan does.
        plan.target_min = 30;
        plan.steps.truncate(7);
        for (step, min) in plan.steps.iter_mut().zip([1, 3, 5, 8, 25, 27, 30]) {
            step.set_target_seconds(Some(min * 60));
        }
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
            site: String::new(),
            record: Default::default(),
        };
        let mut second = run.clone();
        second.started_at = at(6, 2);
        second.events.retain(|ev| matches!(ev.change, RunChange::Finish { .. }));
        second.events[0].at = at(6, 2) + Duration::minutes(20);
        let tickets = vec![(fixed.0, &fixed.1, &fixed.2), (open.0, &open.1, &open.2)];
        let period = Period { from: at(1, 0), to: at(30, 0) };
        let k = compute(&tickets, &[&run, &second], &Scope { period, now: at(10, 0), offset_min: 480 }, &KpiTargets::default());
        let d = &k.drills[&plan_id.to_string()];
        assert_eq!(d.name, plan.name);
        let log = daily_log(&tickets, &[&run, &second], NaiveDate::from_ymd_opt(2026, 11, 5).unwrap(), 480, None, at(10, 0));
        assert_eq!(log.drills, vec![0]);
        assert_eq!(log.open_findings.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>(), vec!["b", "c"]);
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
    fn drill_down_filters_show_exactly_the_tickets_counted() {
        use crate::domain::sample::{sample_roster, ticket_records, SampleSpec};
        use crate::domain::board::search_terms;
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
        let spec = SampleSpec { seed: 3, tickets: 1500, days: 70, now, offset_min: 480, chinese: false, staff: sample_roster(false) };
        let list: Vec<(Uuid, Ticket, TicketState)> = (0..spec.tickets)
            .map(|i| {
                let records = ticket_records(&spec, i);
                let (t, events) = records.split_last().unwrap();
                let ticket: Ticket = serde_json::from_value(t.body.clone()).unwrap();
                let events: Vec<_> = events.iter().map(|r| (r.created_at, serde_json::from_value(r.body.clone()).unwrap())).collect();
                let state = derive(&ticket, &events);
                (t.id, ticket, state)
            })
            .collect();
        let refs: Vec<(Uuid, &Ticket, &TicketState)> = list.iter().map(|(id, t, s)| (*id, t, s)).collect();
        for choice in [PeriodChoice::Today, PeriodChoice::Week, PeriodChoice::Month, PeriodChoice::Last30] {
            let period = choice.period(now, 480);
            let k = compute(&refs, &[], &Scope { period, now, offset_min: 480 }, &KpiTargets::default());
            let count = |f: &crate::domain::board::BoardFilter| refs.iter().filter(|(_, t, s)| f.matches(t, s, &search_terms(""), now)).count();
            assert_eq!(count(&board_filter(period, 480, None).unwrap()), k.received, "{choice:?}");
            let groups = k.by_kind.iter().map(|(g, s)| (Group::Kind(*g), s))
                .chain(k.by_category.iter().map(|(g, s)| (Group::Category(g.clone()), s)))
                .chain(k.by_department.iter().map(|(g, s)| (Group::Department(*g), s)))
                .chain(k.by_assignee.iter().map(|(g, s)| (Group::Assignee(*g), s)))
                .chain(k.by_priority.iter().map(|(g, s)| (Group::Priority(*g), s)));
            for (group, stats) in groups {
                match board_filter(period, 480, Some(&group)) {
                    Some(f) => assert_eq!(count(&f), stats.received, "{choice:?} {group:?}"),
                    None => assert!(matches!(group, Group::Department(None) | Group::Assignee(None)), "{group:?}"),
                }
            }
        }
        assert_eq!(
            board_link(PeriodChoice::Today.period(now, 480), 480, Some(&Group::Category("lift".into()))).as_deref(),
            Some("/board?category=lift&from=2026-11-29&to=2026-11-29")
        );
    }

    #[test]
    fn per_site_figures_add_up_to_the_whole() {
        let mut list = vec![
            walked(1, TicketKind::Repair, at(2, 8), &[(1, assess()), (2, dispatch()), (5, resolve())]),
            walked(2, TicketKind::Repair, at(3, 8), &[]),
            walked(3, TicketKind::Complaint, at(3, 9), &[]),
        ];
        list[0].1.number = "DH01-AAAAAA-261102-001".into();
        list[1].1.number = "DH01-BBBBBB-261103-001".into();
        list[2].1.number = "XY02-CCCCCC-261103-001".into();
        let refs: Vec<(Uuid, &Ticket, &TicketState)> = list.iter().map(|(id, t, s)| (*id, t, s)).collect();
        let scope = Scope { period: Period { from: at(1, 0), to: at(10, 0) }, now: at(10, 0), offset_min: 480 };
        let sites = per_site(&refs, &scope, &KpiTargets::default());
        assert_eq!(sites.iter().map(|(s, k)| (s.as_str(), k.received, k.completion.hits)).collect::<Vec<_>>(), vec![("DH01", 2, 1), ("XY02", 1, 0)]);
        let all = compute(&refs, &[], &scope, &KpiTargets::default());
        assert_eq!(sites.iter().map(|(_, k)| k.received).sum::<usize>(), all.received);
        assert_eq!(list[2].1.site_code(), "XY02");
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
