//! The daily work log (工作日志): one local day's work, for one person or the team.


use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use crate::domain::drill::DrillRun;
use crate::domain::ticket::Ticket;
use crate::domain::workflow::{Action, TicketState};
use super::Period;

/// A ticket's line in the daily log, with what was done to it that day.
#[derive(Debug, Clone, PartialEq)]
pub struct LogTicket {
    pub id: Uuid,
    /// The action keys of that day's moves, in order (e.g. `["assess", "dispatch"]`).
    pub actions: Vec<&'static str>,
}

/// The daily work log (工作日志) of one local day, for one staff member or the whole team.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DailyLog {
    /// Received that day (by the person, when one is chosen: who took it in).
    pub received: Vec<Uuid>,
    /// Moved on that day by at least one applied step after intake (by the person).
    pub handled: Vec<LogTicket>,
    /// Resolved that day (by the person).
    pub resolved: Vec<Uuid>,
    /// Still unresolved at the end of the day and past their resolution deadline then
    /// (hold time excluded); for a person, those assigned to them now.
    pub overdue: Vec<Uuid>,
    /// Drill runs started that day (for a person: those they took part in or checked steps of).
    pub drills: Vec<usize>,
    /// Open problems: tickets of the day's lists still open now, and findings of the day's
    /// drills with no ticket or an open one.
    pub open_tickets: Vec<Uuid>,
    pub open_findings: Vec<(usize, String)>,
}

/// Builds the log for local day `day`. `runs` indexes are returned in `drills`.
pub fn daily_log(tickets: &[(Uuid, &Ticket, &TicketState)], runs: &[&DrillRun], day: NaiveDate, offset_min: i32, staff: Option<Uuid>, now: DateTime<Utc>) -> DailyLog {
    let period = Period::local_days(day, day, offset_min);
    let open: std::collections::HashSet<Uuid> = tickets.iter().filter(|(_, _, s)| s.is_open()).map(|(id, _, _)| *id).collect();
    let mine = |by: Option<Uuid>| staff.is_none() || by == staff;
    let mut log = DailyLog::default();
    let mut ordered: Vec<&(Uuid, &Ticket, &TicketState)> = tickets.iter().collect();
    ordered.sort_by_key(|(id, t, _)| (t.received_at, *id));
    for (id, t, s) in ordered {
        let mut received = false;
        let mut actions = Vec::new();
        let mut resolved = false;
        for h in s.history.iter().filter(|h| h.applied && period.contains(h.event.at) && mine(h.event.by)) {
            match &h.event.action {
                Action::Received => received = true,
                a => {
                    resolved |= matches!(a, Action::Resolve { .. });
                    actions.push(a.key());
                }
            }
        }
        // Tickets from before the history carried a receipt event still count on their day.
        received |= staff.is_none() && period.contains(t.received_at) && !s.history.iter().any(|h| matches!(h.event.action, Action::Received));
        let touched = received || !actions.is_empty();
        if received {
            log.received.push(*id);
        }
        if !actions.is_empty() {
            log.handled.push(LogTicket { id: *id, actions });
        }
        if resolved {
            log.resolved.push(*id);
        }
        let end = period.to;
        let unresolved_at_end = t.received_at < end && s.resolved_at.is_none_or(|r| r >= end) && s.closed_at.is_none_or(|c| c >= end);
        let clock = crate::domain::sla::clock(s.received_at, Duration::hours(s.hours.resolve.into()), &s.holds, None, end);
        let overdue_then = unresolved_at_end && clock.state == crate::domain::sla::SlaState::Overdue;
        if overdue_then && (staff.is_none() || s.assignee == staff) {
            log.overdue.push(*id);
        }
        if touched && s.is_open() {
            log.open_tickets.push(*id);
        }
    }
    for (i, run) in runs.iter().enumerate() {
        if !period.contains(run.started_at) {
            continue;
        }
        let took_part = staff.is_none_or(|me| run.participants.iter().any(|p| p.staff == Some(me)) || run.events.iter().any(|e| e.by == Some(me)));
        if !took_part {
            continue;
        }
        log.drills.push(i);
        for f in run.state(now).findings {
            if f.ticket.as_ref().is_none_or(|(id, _)| open.contains(id)) {
                log.open_findings.push((i, f.text));
            }
        }
    }
    log
}
