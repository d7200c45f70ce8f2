//! From a figure to the tickets behind it: the board filter of a breakdown's group.


use uuid::Uuid;

use crate::domain::settings::Department;
use crate::domain::ticket::TicketKind;
use crate::domain::triage::Priority;
use super::Period;

/// One group of a KPI breakdown, for drill-down to the tickets behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Group {
    Kind(TicketKind),
    Category(String),
    /// `None`: not yet dispatched.
    Department(Option<Department>),
    /// `None`: nobody assigned by name.
    Assignee(Option<Uuid>),
    Priority(Priority),
}

/// The board filter showing the tickets behind a figure: those received in the period (by
/// local date), narrowed to one group of a breakdown. `None` for the empty groups (not yet
/// dispatched, nobody assigned), which the board cannot filter on by themselves.
///
/// Local dates are the device's; the board reads each ticket's own offset, so the two agree
/// for tickets taken in on this side of a time zone (every tablet of one site).
pub fn board_filter(period: Period, offset_min: i32, group: Option<&Group>) -> Option<crate::domain::board::BoardFilter> {
    use crate::domain::board::BoardFilter;
    let (from, to) = period.local_dates(offset_min);
    let mut f = BoardFilter { from: Some(from), to: Some(to), ..BoardFilter::default() };
    match group {
        None => {}
        Some(Group::Kind(kind)) => f.kind = Some(*kind),
        Some(Group::Category(key)) => f.category = Some(key.clone()),
        Some(Group::Department(department)) => f.department = Some((*department)?),
        Some(Group::Assignee(assignee)) => f.assignee = Some((*assignee)?),
        Some(Group::Priority(priority)) => f.priority = Some(*priority),
    }
    Some(f)
}

/// The board link (path and query) of [`board_filter`].
pub fn board_link(period: Period, offset_min: i32, group: Option<&Group>) -> Option<String> {
    board_filter(period, offset_min, group).map(|f| crate::domain::board::board_href(&f))
}
