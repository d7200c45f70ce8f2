//! Initial assessment (初步评估): urgency (紧急程度) × importance (重要性) gives the priority,
//! and the priority gives the response and resolution deadlines.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

pub use super::vocab::{Level, Priority};
use super::vocab::TicketKind;

/// Hours allowed to respond and to resolve, for one priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaHours {
    pub respond: u32,
    pub resolve: u32,
}

/// Response and resolution hours per priority: a site setting (companies differ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    /// Indexed by [`Priority::index`].
    pub by_priority: [SlaHours; 4],
}

/// The service standard: a complaint is answered within 24 h and resolved within 48 h
/// (反馈响应时间 ≤ 24 h, 投诉处理时间 ≤ 48 h), whatever its priority.
pub const COMPLAINT_RESPOND_HOURS: u32 = 24;
pub const COMPLAINT_RESOLVE_HOURS: u32 = 48;
/// Longest deadline a setting may hold (30 days): beyond it a deadline means nothing.
pub const MAX_SLA_HOURS: u32 = 720;

impl Default for SlaPolicy {
    fn default() -> Self {
        SlaPolicy {
            by_priority: [
                SlaHours { respond: 1, resolve: 24 },
                SlaHours { respond: 4, resolve: 48 },
                SlaHours { respond: 24, resolve: 48 },
                SlaHours { respond: 24, resolve: 72 },
            ],
        }
    }
}

/// The two deadlines of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    pub respond_by: DateTime<Utc>,
    pub resolve_by: DateTime<Utc>,
}

/// What is wrong with an SLA setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaProblem {
    /// Zero, or longer than [`MAX_SLA_HOURS`].
    OutOfRange,
    /// Resolving cannot be due before responding.
    ResolveBeforeRespond,
}

impl SlaPolicy {
    pub fn hours(&self, priority: Priority) -> SlaHours {
        self.by_priority[priority.index()]
    }

    /// The hours that apply to a ticket: the priority's, but never looser than the
    /// complaint standard for a complaint.
    pub fn hours_for(&self, kind: TicketKind, priority: Priority) -> SlaHours {
        let h = self.hours(priority);
        if kind == TicketKind::Complaint {
            SlaHours {
                respond: h.respond.min(COMPLAINT_RESPOND_HOURS),
                resolve: h.resolve.min(COMPLAINT_RESOLVE_HOURS),
            }
        } else {
            h
        }
    }

    /// Deadlines counted from when the report was received (not when it was typed in: a
    /// report taken on paper an hour ago has an hour less).
    pub fn deadlines(&self, kind: TicketKind, priority: Priority, received_at: DateTime<Utc>) -> Deadlines {
        let h = self.hours_for(kind, priority);
        Deadlines {
            respond_by: received_at + Duration::hours(i64::from(h.respond)),
            resolve_by: received_at + Duration::hours(i64::from(h.resolve)),
        }
    }

    /// Checks a whole policy; problems are reported per priority.
    pub fn validate(&self) -> Result<(), Vec<(Priority, SlaProblem)>> {
        let mut problems = Vec::new();
        for p in Priority::ALL {
            let h = self.hours(p);
            let in_range = |v: u32| (1..=MAX_SLA_HOURS).contains(&v);
            if !in_range(h.respond) || !in_range(h.resolve) {
                problems.push((p, SlaProblem::OutOfRange));
            } else if h.resolve < h.respond {
                problems.push((p, SlaProblem::ResolveBeforeRespond));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn every_triage_combination_has_its_priority() {
        let expected = [
            (Level::High, Level::High, Priority::P1),
            (Level::High, Level::Low, Priority::P2),
            (Level::Low, Level::High, Priority::P3),
            (Level::Low, Level::Low, Priority::P4),
        ];
        for (u, i, p) in expected {
            assert_eq!(Priority::from_triage(u, i), p, "{u:?} × {i:?}");
        }
    }

    #[test]
    fn deadlines_for_every_kind_and_priority() {
        let policy = SlaPolicy::default();
        let received = Utc.with_ymd_and_hms(2026, 11, 29, 23, 30, 0).unwrap();
        // (kind, priority) → (respond hours, resolve hours), worked by hand from the defaults
        // and the complaint standard (≤ 24 h / ≤ 48 h).
        let table: [(TicketKind, [(u32, u32); 4]); 5] = [
            (TicketKind::Repair, [(1, 24), (4, 48), (24, 48), (24, 72)]),
            (TicketKind::Complaint, [(1, 24), (4, 48), (24, 48), (24, 48)]),
            (TicketKind::Inquiry, [(1, 24), (4, 48), (24, 48), (24, 72)]),
            (TicketKind::Suggestion, [(1, 24), (4, 48), (24, 48), (24, 72)]),
            (TicketKind::PatrolIncident, [(1, 24), (4, 48), (24, 48), (24, 72)]),
        ];
        for (kind, rows) in table {
            for (p, (respond, resolve)) in Priority::ALL.into_iter().zip(rows) {
                let d = policy.deadlines(kind, p, received);
                assert_eq!(d.respond_by - received, Duration::hours(respond.into()), "{kind:?} {p:?} respond");
                assert_eq!(d.resolve_by - received, Duration::hours(resolve.into()), "{kind:?} {p:?} resolve");
            }
        }
        // Crossing midnight and a month end is plain UTC arithmetic.
        let d = policy.deadlines(TicketKind::Repair, Priority::P1, received);
        assert_eq!(d.respond_by, Utc.with_ymd_and_hms(2026, 11, 30, 0, 30, 0).unwrap());
        assert_eq!(d.resolve_by, Utc.with_ymd_and_hms(2026, 11, 30, 23, 30, 0).unwrap());
    }

    #[test]
    fn a_looser_setting_never_loosens_complaints() {
        let mut policy = SlaPolicy::default();
        policy.by_priority[3] = SlaHours { respond: 72, resolve: 240 };
        assert_eq!(policy.hours_for(TicketKind::Complaint, Priority::P4), SlaHours { respond: 24, resolve: 48 });
        assert_eq!(policy.hours_for(TicketKind::Repair, Priority::P4), SlaHours { respond: 72, resolve: 240 });
    }

    #[test]
    fn policy_validation() {
        assert_eq!(SlaPolicy::default().validate(), Ok(()));
        let mut p = SlaPolicy::default();
        p.by_priority[0] = SlaHours { respond: 0, resolve: 24 };
        p.by_priority[2] = SlaHours { respond: 48, resolve: 24 };
        p.by_priority[3] = SlaHours { respond: 24, resolve: MAX_SLA_HOURS + 1 };
        assert_eq!(
            p.validate(),
            Err(vec![
                (Priority::P1, SlaProblem::OutOfRange),
                (Priority::P3, SlaProblem::ResolveBeforeRespond),
                (Priority::P4, SlaProblem::OutOfRange),
            ])
        );
    }
}
