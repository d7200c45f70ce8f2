//! What the dispatch board shows: filters (kept in the URL so a filtered view can be
//! bookmarked), free-text search and sort orders, over tickets and their derived state.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::locale::to_local;
use super::settings::Department;
use super::ticket::{Ticket, TicketKind, TicketStatus};
use super::triage::Priority;
use super::workflow::TicketState;

pub const STATUSES: [TicketStatus; 9] = [
    TicketStatus::New,
    TicketStatus::Reopened,
    TicketStatus::Assessed,
    TicketStatus::Dispatched,
    TicketStatus::InProgress,
    TicketStatus::OnHold,
    TicketStatus::Resolved,
    TicketStatus::ReturnVisited,
    TicketStatus::Closed,
];

pub fn status_key(s: TicketStatus) -> &'static str {
    match s {
        TicketStatus::New => "new",
        TicketStatus::Assessed => "assessed",
        TicketStatus::Dispatched => "dispatched",
        TicketStatus::InProgress => "in_progress",
        TicketStatus::OnHold => "on_hold",
        TicketStatus::Resolved => "resolved",
        TicketStatus::ReturnVisited => "return_visited",
        TicketStatus::Closed => "closed",
        TicketStatus::Reopened => "reopened",
    }
}

pub fn status_from_key(key: &str) -> Option<TicketStatus> {
    STATUSES.into_iter().find(|s| status_key(*s) == key)
}

/// How the list view is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Newest received first.
    #[default]
    Newest,
    /// Most urgent first: the nearer of a ticket's two deadlines (the response one until someone
    /// responds), overdue at the top, P1 before P2 at the same moment.
    Deadline,
    /// P1 first, then newest.
    Priority,
}

impl SortOrder {
    pub const ALL: [SortOrder; 3] = [SortOrder::Newest, SortOrder::Deadline, SortOrder::Priority];
    pub fn key(self) -> &'static str {
        match self {
            SortOrder::Newest => "newest",
            SortOrder::Deadline => "deadline",
            SortOrder::Priority => "priority",
        }
    }
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// Every filter of the board; empty fields do not filter. All combine (AND).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BoardFilter {
    pub status: Option<TicketStatus>,
    pub kind: Option<TicketKind>,
    pub category: Option<String>,
    pub department: Option<Department>,
    pub assignee: Option<Uuid>,
    pub priority: Option<Priority>,
    pub overdue: bool,
    /// Received on or after this local date.
    pub from: Option<NaiveDate>,
    /// Received on or before this local date.
    pub to: Option<NaiveDate>,
    /// Free text over number, unit, location, description and reporter.
    pub text: String,
    pub sort: SortOrder,
    /// Columns (false) or the sortable list (true).
    pub list: bool,
}

fn priority_from_key(key: &str) -> Option<Priority> {
    Priority::ALL.into_iter().find(|p| p.label() == key)
}

impl BoardFilter {
    /// The filter as URL query pairs, in a fixed order (unset fields left out).
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(s) = self.status {
            q.push(("status", status_key(s).to_owned()));
        }
        if let Some(k) = self.kind {
            q.push(("kind", k.key().to_owned()));
        }
        if let Some(c) = &self.category {
            q.push(("category", c.clone()));
        }
        if let Some(d) = self.department {
            q.push(("department", d.key().to_owned()));
        }
        if let Some(a) = self.assignee {
            q.push(("assignee", a.to_string()));
        }
        if let Some(p) = self.priority {
            q.push(("priority", p.label().to_owned()));
        }
        if self.overdue {
            q.push(("overdue", "1".to_owned()));
        }
        if let Some(d) = self.from {
            q.push(("from", d.to_string()));
        }
        if let Some(d) = self.to {
            q.push(("to", d.to_string()));
        }
        if !self.text.trim().is_empty() {
            q.push(("q", self.text.clone()));
        }
        if self.sort != SortOrder::default() {
            q.push(("sort", self.sort.key().to_owned()));
        }
        if self.list {
            q.push(("view", "list".to_owned()));
        }
        q
    }

    /// Reads a filter back from query pairs. Unknown or malformed values are ignored (a
    /// hand-edited or old bookmark still opens the board).
    pub fn from_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> BoardFilter {
        let mut f = BoardFilter::default();
        for (k, v) in pairs {
            match k {
                "status" => f.status = status_from_key(v),
                "kind" => f.kind = TicketKind::from_key(v),
                "category" if !v.is_empty() => f.category = Some(v.to_owned()),
                "department" => f.department = Department::from_key(v),
                "assignee" => f.assignee = Uuid::parse_str(v).ok(),
                "priority" => f.priority = priority_from_key(v),
                "overdue" => f.overdue = v == "1",
                "from" => f.from = v.parse().ok(),
                "to" => f.to = v.parse().ok(),
                "q" => f.text = v.to_owned(),
                "sort" => f.sort = SortOrder::from_key(v).unwrap_or_default(),
                "view" => f.list = v == "list",
                _ => {}
            }
        }
        f
    }

    /// Whether a ticket passes every filter. `terms` is [`search_terms`] of the text, so it
    /// is lower-cased once per keystroke, not once per ticket.
    pub fn matches(&self, ticket: &Ticket, state: &TicketState, terms: &[String], now: DateTime<Utc>) -> bool {
        if self.status.is_some_and(|s| s != state.status)
            || self.kind.is_some_and(|k| k != ticket.kind)
            || self.category.as_ref().is_some_and(|c| *c != ticket.category)
            || self.department.is_some_and(|d| Some(d) != state.department)
            || self.assignee.is_some_and(|a| Some(a) != state.assignee)
            || self.priority.is_some_and(|p| p != state.priority)
        {
            return false;
        }
        let local_day = || to_local(ticket.received_at, ticket.utc_offset_min).date_naive();
        if self.from.is_some_and(|d| local_day() < d) || self.to.is_some_and(|d| local_day() > d) {
            return false;
        }
        if self.overdue && !(state.is_open() && state.is_overdue(now)) {
            return false;
        }
        terms.is_empty() || self.matches_text(&search_text(ticket), terms)
    }

    /// [`Self::matches`] with the ticket's [`search_text`] made once beforehand: the board
    /// filters thousands of tickets on every keystroke.
    pub fn matches_with(&self, ticket: &Ticket, state: &TicketState, search_text: &str, terms: &[String], now: DateTime<Utc>) -> bool {
        self.matches(ticket, state, &[], now) && self.matches_text(search_text, terms)
    }

    fn matches_text(&self, search_text: &str, terms: &[String]) -> bool {
        terms.iter().all(|term| search_text.contains(term.as_str()))
    }
}

/// The board's address showing `filter`, values percent-encoded (search text may be Chinese).
pub fn board_href(filter: &BoardFilter) -> String {
    let encode = |v: &str| {
        v.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    let query: Vec<String> = filter.to_query().into_iter().map(|(k, v)| format!("{k}={}", encode(&v))).collect();
    if query.is_empty() {
        "/board".to_owned()
    } else {
        format!("/board?{}", query.join("&"))
    }
}

/// The search text split into lower-case terms; every term must match some field.
/// The fields the search looks in, lower-cased, one per line (so no term spans two).
pub fn search_text(ticket: &Ticket) -> String {
    [&ticket.number, &ticket.unit, &ticket.location, &ticket.description, &ticket.reporter_name]
        .iter()
        .map(|field| field.to_lowercase())
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn search_terms(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_lowercase).collect()
}

/// Cards per column on the board's first page (before "show more"), and what a cold start
/// shows from the summary: about two screens of a tablet column. Every keystroke in the
/// search rebuilds them, and building cards (their text crossing into the DOM) is most of
/// a keystroke's cost: 25 per column took 88 ms, 12 about 55.
pub const COLUMN_PAGE: usize = 8;

/// What the board shows first, kept beside the records so a cold start can paint the board
/// from one small read: the count per column and the first page of each column in the
/// default order. `as_of` is the highest record stamp it covers; it is used only when the
/// store's highest stamp is the same (after an import, another tab's write that did not
/// rewrite it, or an older version of the app, it is older and is ignored).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BoardSummary {
    pub as_of: super::clock::Stamp,
    pub counts: Vec<(TicketStatus, usize)>,
    pub first: Vec<SummaryCard>,
}

/// A ticket on the summary's first page, with the envelope fields the board keeps.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SummaryCard {
    pub id: Uuid,
    pub created_at: super::clock::Stamp,
    pub updated_at: super::clock::Stamp,
    pub origin_device: Uuid,
    pub ticket: Ticket,
}

impl BoardSummary {
    pub fn total(&self) -> usize {
        self.counts.iter().map(|(_, n)| n).sum()
    }

    pub fn count(&self, status: TicketStatus) -> usize {
        self.counts.iter().find(|(s, _)| *s == status).map_or(0, |(_, n)| *n)
    }
}


/// Sorts tickets for the list view.
/// Where a ticket goes in `order`: items sort by this key, smallest first. One definition for
/// the board's full sort and for placing one changed ticket into a list already sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey {
    /// Newest received first.
    Newest(std::cmp::Reverse<DateTime<Utc>>),
    /// Open tickets before finished ones, each by its nearer deadline; then priority, newest.
    Deadline(bool, DateTime<Utc>, Priority, std::cmp::Reverse<DateTime<Utc>>),
    /// P1 first, then newest.
    Priority(Priority, std::cmp::Reverse<DateTime<Utc>>),
}

pub fn sort_key(order: SortOrder, now: DateTime<Utc>, ticket: &Ticket, state: &TicketState) -> SortKey {
    let newest = std::cmp::Reverse(ticket.received_at);
    match order {
        SortOrder::Newest => SortKey::Newest(newest),
        SortOrder::Deadline => SortKey::Deadline(!state.is_open(), nearer_deadline(state, now), state.priority, newest),
        SortOrder::Priority => SortKey::Priority(state.priority, newest),
    }
}

/// The deadline that comes first: until someone responds, the response deadline is usually
/// the nearer (1 h against 24 h for a P1); the resolution one otherwise.
pub fn nearer_deadline(state: &TicketState, now: DateTime<Utc>) -> DateTime<Utc> {
    let resolve = state.resolve_clock(now).due;
    if state.first_response_at.is_none() && state.is_open() {
        resolve.min(state.respond_clock(now).due)
    } else {
        resolve
    }
}

pub fn sort_items<T>(items: &mut [T], order: SortOrder, now: DateTime<Utc>, parts: impl Fn(&T) -> (&Ticket, &TicketState)) {
    items.sort_by_cached_key(|i| {
        let (t, s) = parts(i);
        sort_key(order, now, t, s)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::Channel;
    use crate::domain::triage::{Level, SlaPolicy};
    use crate::domain::workflow::derive;
    use chrono::{Duration, TimeZone};

    fn ticket(n: u32, kind: TicketKind, category: &str, day: u32, priority: Priority) -> Ticket {
        let received = Utc.with_ymd_and_hms(2026, 11, day, 2, 0, 0).unwrap();
        let d = SlaPolicy::default().deadlines(kind, priority, received);
        Ticket {
            number: format!("DH01-ABCDEF-2611{day:02}-{n:03}"),
            site: String::new(),
            kind,
            status: TicketStatus::New,
            reporter_name: if n % 2 == 0 { "王伟".into() } else { "Li Na".into() },
            unit: format!("{}-1-{}", n % 5, 100 + n),
            phone: String::new(),
            channel: Channel::Phone,
            category: category.into(),
            location: String::new(),
            description: if n % 3 == 0 { "厨房水管漏水".into() } else { "Lift stuck on floor 3".into() },
            received_at: received,
            utc_offset_min: 480,
            urgency: Level::Low,
            importance: Level::Low,
            priority,
            respond_by: d.respond_by,
            resolve_by: d.resolve_by,
            photos: vec![],
            department: None,
            assignee: None,
            needs_details: false,
            drill_run: None,
            progress: None,
        }
    }

    #[test]
    fn board_links_percent_encode_their_values() {
        assert_eq!(board_href(&BoardFilter::default()), "/board");
        let f = BoardFilter { text: "水 管&".into(), overdue: true, ..BoardFilter::default() };
        assert_eq!(board_href(&f), "/board?overdue=1&q=%E6%B0%B4%20%E7%AE%A1%26");
    }

    #[test]
    fn the_filter_round_trips_through_the_url() {
        let f = BoardFilter {
            status: Some(TicketStatus::OnHold),
            kind: Some(TicketKind::Complaint),
            category: Some("lift".into()),
            department: Some(Department::Engineering),
            assignee: Some(Uuid::from_u128(9)),
            priority: Some(Priority::P2),
            overdue: true,
            from: NaiveDate::from_ymd_opt(2026, 11, 1),
            to: NaiveDate::from_ymd_opt(2026, 11, 30),
            text: "3-2 漏水".into(),
            sort: SortOrder::Deadline,
            list: true,
        };
        let q = f.to_query();
        let back = BoardFilter::from_query(q.iter().map(|(k, v)| (*k, v.as_str())));
        assert_eq!(back, f);
        assert!(BoardFilter::default().to_query().is_empty());
        // Junk in a bookmark is ignored, not fatal.
        let junk = BoardFilter::from_query([("status", "flying"), ("from", "yesterday"), ("priority", "P9"), ("zzz", "1")]);
        assert_eq!(junk, BoardFilter::default());
    }

    #[test]
    fn filters_and_search_combine() {
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap();
        let tickets: Vec<Ticket> = (0..30)
            .map(|n| {
                let kind = if n % 4 == 0 { TicketKind::Complaint } else { TicketKind::Repair };
                let cat = if n % 2 == 0 { "plumbing" } else { "lift" };
                ticket(n, kind, cat, 20 + n % 10, if n % 5 == 0 { Priority::P1 } else { Priority::P4 })
            })
            .collect();
        let states: Vec<TicketState> = tickets.iter().map(|t| derive(t, &[])).collect();
        let count = |f: &BoardFilter| {
            let terms = search_terms(&f.text);
            tickets.iter().zip(&states).filter(|(t, s)| f.matches(t, s, &terms, now)).count()
        };
        let expect = |pred: &dyn Fn(u32, &Ticket) -> bool| (0..30u32).zip(&tickets).filter(|(n, t)| pred(*n, t)).count();

        let f = BoardFilter { kind: Some(TicketKind::Complaint), ..Default::default() };
        assert_eq!(count(&f), expect(&|n, _| n % 4 == 0));
        let f = BoardFilter { kind: Some(TicketKind::Complaint), category: Some("plumbing".into()), ..Default::default() };
        assert_eq!(count(&f), expect(&|n, _| n % 4 == 0 && n % 2 == 0));
        let f = BoardFilter { text: "漏水".into(), ..Default::default() };
        assert_eq!(count(&f), expect(&|n, _| n % 3 == 0));
        let f = BoardFilter { text: "LIFT li".into(), ..Default::default() };
        assert_eq!(count(&f), expect(&|n, _| n % 3 != 0), "case-insensitive, every term somewhere");
        let f = BoardFilter { text: "wang".into(), ..Default::default() };
        assert_eq!(count(&f), 0);
        let f = BoardFilter { text: "DH01-ABCDEF-261121-001".into(), ..Default::default() };
        assert_eq!(count(&f), 1);
        // Dates are local: received 02:00 UTC is 10:00 on the same day in UTC+8.
        let f = BoardFilter { from: NaiveDate::from_ymd_opt(2026, 11, 25), to: NaiveDate::from_ymd_opt(2026, 11, 26), ..Default::default() };
        assert_eq!(count(&f), expect(&|_, t| (25..=26).contains(&chrono::Datelike::day(&t.received_at))));
        // Overdue: none has been responded to; P1 (1 h) all overdue by now, P4 (24 h) those
        // received before 28 Nov 12:00.
        let f = BoardFilter { overdue: true, ..Default::default() };
        assert_eq!(count(&f), expect(&|_, t| t.received_at + Duration::hours(if t.priority == Priority::P1 { 1 } else { 24 }) < now));
        let f = BoardFilter { overdue: true, priority: Some(Priority::P1), kind: Some(TicketKind::Complaint), ..Default::default() };
        assert_eq!(count(&f), expect(&|n, _| n % 5 == 0 && n % 4 == 0));
    }

    #[test]
    fn sort_orders() {
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap();
        let a = ticket(1, TicketKind::Repair, "lift", 20, Priority::P4);
        let b = ticket(2, TicketKind::Repair, "lift", 22, Priority::P1);
        let c = ticket(3, TicketKind::Repair, "lift", 21, Priority::P2);
        let mut items: Vec<(Ticket, TicketState)> = [a, b, c].into_iter().map(|t| { let s = derive(&t, &[]); (t, s) }).collect();
        let numbers = |items: &[(Ticket, TicketState)]| items.iter().map(|(t, _)| t.number.clone()).collect::<Vec<_>>();
        sort_items(&mut items, SortOrder::Newest, now, |(t, s)| (t, s));
        assert_eq!(numbers(&items), ["DH01-ABCDEF-261122-002", "DH01-ABCDEF-261121-003", "DH01-ABCDEF-261120-001"]);
        sort_items(&mut items, SortOrder::Priority, now, |(t, s)| (t, s));
        assert_eq!(numbers(&items), ["DH01-ABCDEF-261122-002", "DH01-ABCDEF-261121-003", "DH01-ABCDEF-261120-001"]);
        sort_items(&mut items, SortOrder::Deadline, now, |(t, s)| (t, s));
        // Nobody has responded, so the response deadlines come first: a 20th+24h (21st 02:00),
        // c 21st+4h (21st 06:00), b 22nd+1h. Their resolution deadlines are all the 23rd 02:00.
        assert_eq!(numbers(&items), ["DH01-ABCDEF-261120-001", "DH01-ABCDEF-261121-003", "DH01-ABCDEF-261122-002"]);
        // Once all are answered, the resolution deadline alone: equal, so P1 first.
        for (_, s) in &mut items {
            s.first_response_at = Some(now);
        }
        sort_items(&mut items, SortOrder::Deadline, now, |(t, s)| (t, s));
        assert_eq!(numbers(&items), ["DH01-ABCDEF-261122-002", "DH01-ABCDEF-261121-003", "DH01-ABCDEF-261120-001"]);
    }
}
