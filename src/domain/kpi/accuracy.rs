//! Data accuracy (数据准确性 ≥ 99 %), the standard's last KPI, as the records can show it: of
//! the tickets received in the period that were dispatched, the share that went out right
//! the first time —
//! - nothing of what was reported corrected after the first dispatch (kind, category, unit,
//!   location, description, reporter, phone, channel, time received): a correction then means
//!   someone was sent on wrong details; and
//! - nothing required missing: a category, a unit or a place, and what the problem is (a
//!   description, or for a quick patrol report its photo).

use uuid::Uuid;

use super::{Period, Rate};
use crate::domain::record::EditMark;
use crate::domain::ticket::Ticket;
use crate::domain::workflow::{Action, TicketState};

/// The reported fields whose correction after dispatch counts against accuracy.
pub const CHECKED_FIELDS: [&str; 9] = ["kind", "category", "unit", "location", "description", "reporter_name", "phone", "channel", "received_at"];

/// Whether a ticket holds every detail its dispatch needed.
pub fn complete(t: &Ticket) -> bool {
    !t.category.trim().is_empty() && !(t.unit.trim().is_empty() && t.location.trim().is_empty()) && !(t.description.trim().is_empty() && t.photos.is_empty())
}

/// Accurate tickets of the dispatched ones received in `period`, and the ids of the others
/// (for the drill-down).
pub fn data_accuracy(tickets: &[(Uuid, &Ticket, &TicketState, &[EditMark])], period: Period) -> (Rate, Vec<Uuid>) {
    let mut rate = Rate::default();
    let mut inaccurate = Vec::new();
    for (id, t, s, edits) in tickets.iter().filter(|(_, t, _, _)| period.contains(t.received_at)) {
        let dispatched = s.history.iter().filter(|h| h.applied).find(|h| matches!(h.event.action, Action::Dispatch { .. })).map(|h| h.event.at);
        let Some(dispatched) = dispatched else { continue };
        let corrected = edits.iter().any(|e| CHECKED_FIELDS.contains(&e.field.as_str()) && e.at.wall_ms > dispatched.timestamp_millis());
        rate.of += 1;
        if !corrected && complete(t) {
            rate.hits += 1;
        } else {
            inaccurate.push(*id);
        }
    }
    (rate, inaccurate)
}
