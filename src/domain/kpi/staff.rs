//! Staff evaluation (员工考核, issue 22): each person's work over a month or a quarter, from
//! the steps they took, graded by the standard's satisfaction grades.
//!
//! - **Tickets handled**: tickets on which the person took at least one step in the period.
//! - **Responded in time**: of the tickets whose first response (assessment or dispatch) the
//!   person gave in the period, those given within the site's response hours of receipt.
//! - **Resolved in time**: of the tickets the person resolved in the period, those whose
//!   handling time (receipt to resolve, holds excluded) was within their resolution hours.
//! - **Satisfaction**: return visits made in the period on tickets the person resolved last,
//!   rated satisfied (score 4–5), with the grade: excellent ≥ 95 %, good ≥ 90 %, fair ≥ 85 %,
//!   needs improvement below.
//! - **Reopened**: tickets the person resolved that were reopened in the period.
//! - **Drills**: runs started in the period the person took part in, with their role.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use uuid::Uuid;

use super::{grade, handling_time, local_midnight, Grade, Period, Rate};
use crate::domain::drill::DrillRun;
use crate::domain::locale::to_local;
use crate::domain::ticket::Ticket;
use crate::domain::workflow::{Action, Satisfaction, TicketState};

/// One person's card for a period.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StaffCard {
    pub staff: Uuid,
    pub handled: usize,
    pub responded: Rate,
    pub resolved: Rate,
    pub satisfaction: Rate,
    pub reopened: usize,
    /// (run id, role key), oldest first.
    pub drills: Vec<(Uuid, String)>,
}

impl StaffCard {
    /// The satisfaction grade, once there is a return visit to grade.
    pub fn grade(&self) -> Option<Grade> {
        self.satisfaction.percent().map(grade)
    }
}

/// The review's periods: a calendar month or quarter, in the device's local calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewSpan {
    Month,
    Quarter,
}

/// The month or quarter `back` steps before the one holding `now` (0: the current one).
pub fn review_period(span: ReviewSpan, back: u32, now: DateTime<Utc>, offset_min: i32) -> (Period, NaiveDate) {
    let today = to_local(now, offset_min).date_naive();
    let months = match span {
        ReviewSpan::Month => 1,
        ReviewSpan::Quarter => 3,
    };
    let first_month = (today.month0() / months) * months;
    let index = i64::from(today.year()) * 12 + i64::from(first_month) - i64::from(back * months);
    let start = NaiveDate::from_ymd_opt(index.div_euclid(12) as i32, index.rem_euclid(12) as u32 + 1, 1).unwrap_or(today);
    let end = start.checked_add_months(chrono::Months::new(months)).unwrap_or(start);
    (Period { from: local_midnight(start, offset_min), to: local_midnight(end, offset_min) }, start)
}

/// Every person's card for `period`, by staff id (only people who did something appear).
pub fn staff_cards(tickets: &[(Uuid, &Ticket, &TicketState)], runs: &[(Uuid, &DrillRun)], period: Period, response_hours: u32) -> BTreeMap<Uuid, StaffCard> {
    let mut cards: BTreeMap<Uuid, StaffCard> = BTreeMap::new();
    let response_limit = Duration::hours(response_hours.into());
    for (_, t, s) in tickets {
        let mut handled_by: BTreeSet<Uuid> = BTreeSet::new();
        let mut first_response = true;
        // Who resolved last, as the history went (a reopen keeps the resolver answerable).
        let mut resolver: Option<Uuid> = None;
        for h in s.history.iter().filter(|h| h.applied) {
            let e = &h.event;
            let in_period = period.contains(e.at);
            if let (Some(by), true) = (e.by, in_period) {
                handled_by.insert(by);
            }
            match &e.action {
                Action::Assess { .. } | Action::Dispatch { .. } if first_response => {
                    first_response = false;
                    if let (Some(by), true) = (e.by, in_period) {
                        let c = cards.entry(by).or_insert_with(|| StaffCard { staff: by, ..StaffCard::default() });
                        c.responded.of += 1;
                        c.responded.hits += usize::from(e.at - t.received_at <= response_limit);
                    }
                }
                Action::Resolve { .. } => resolver = e.by,
                Action::Reopen => {
                    if let (Some(by), true) = (resolver, in_period) {
                        cards.entry(by).or_insert_with(|| StaffCard { staff: by, ..StaffCard::default() }).reopened += 1;
                    }
                }
                Action::ReturnVisit { score, .. } => {
                    if let (Some(by), true) = (resolver, in_period) {
                        let c = cards.entry(by).or_insert_with(|| StaffCard { staff: by, ..StaffCard::default() });
                        c.satisfaction.of += 1;
                        c.satisfaction.hits += usize::from(Satisfaction::from_score(*score) == Satisfaction::Satisfied);
                    }
                }
                _ => {}
            }
        }
        // The resolve that counts is the last one, if it fell in the period.
        let last_resolve = s.history.iter().rev().filter(|h| h.applied).find(|h| matches!(h.event.action, Action::Resolve { .. }));
        if let Some(h) = last_resolve.filter(|h| period.contains(h.event.at)) {
            if let (Some(by), Some(taken)) = (h.event.by, handling_time(s)) {
                let c = cards.entry(by).or_insert_with(|| StaffCard { staff: by, ..StaffCard::default() });
                c.resolved.of += 1;
                c.resolved.hits += usize::from(taken <= Duration::hours(s.hours.resolve.into()));
            }
        }
        for by in handled_by {
            cards.entry(by).or_insert_with(|| StaffCard { staff: by, ..StaffCard::default() }).handled += 1;
        }
    }
    let mut runs: Vec<&(Uuid, &DrillRun)> = runs.iter().filter(|(_, r)| period.contains(r.started_at)).collect();
    runs.sort_by_key(|(id, r)| (r.started_at, *id));
    for (id, run) in runs {
        for p in &run.participants {
            if let Some(staff) = p.staff {
                cards.entry(staff).or_insert_with(|| StaffCard { staff, ..StaffCard::default() }).drills.push((*id, p.role.clone()));
            }
        }
    }
    cards
}
