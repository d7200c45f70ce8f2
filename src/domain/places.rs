//! Residents' records by place (档案, issue 21): every ticket of one unit (楼栋-单元-房号), or of
//! one public place by its location, found however it was typed; how many earlier reports a
//! place has (shown at the desk while a unit is typed, so a duplicate is caught there); and
//! repeat problems — the same category at the same place within a number of days.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::ticket::Ticket;
use super::vocab::TicketStatus;

/// Where a ticket happened, as records are kept by: a resident's unit, or (a patrol finding, a
/// lobby, a car park) the location typed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlaceKey {
    Unit(String),
    Location(String),
}

/// Words staff type between the parts of a unit (1栋2单元301室, 3号楼-1-502, A座1203).
const UNIT_WORDS: [&str; 7] = ["号楼", "单元", "栋", "幢", "座", "室", "号"];

/// Full-width digits and letters (a Chinese keyboard's) as their ASCII forms.
fn half_width(c: char) -> char {
    match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '　' => ' ',
        _ => c,
    }
}

/// A unit as one key however it was typed: `1-2-301` for "1栋2单元301室", "1-2-0301",
/// "１－２－３０１"; letters upper-cased (`A-12-3`). `None` when nothing is left.
pub fn unit_key(raw: &str) -> Option<String> {
    let mut text: String = raw.chars().map(half_width).collect::<String>().to_uppercase();
    for word in UNIT_WORDS {
        text = text.replace(word, "-");
    }
    let parts: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let trimmed = p.trim_start_matches('0');
            if trimmed.is_empty() { "0".to_owned() } else { trimmed.to_owned() }
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("-"))
}

/// A location as one key: widths and spaces evened out, Latin letters lower-cased.
pub fn location_key(raw: &str) -> Option<String> {
    let text: String = raw.chars().map(half_width).collect::<String>().to_lowercase();
    let words: Vec<&str> = text.split_whitespace().collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The place a ticket is kept under: its unit, or where there is none, its location.
pub fn place_of(ticket: &Ticket) -> Option<PlaceKey> {
    place_typed(&ticket.unit, &ticket.location)
}

/// The place of what is being typed at the desk.
pub fn place_typed(unit: &str, location: &str) -> Option<PlaceKey> {
    unit_key(unit).map(PlaceKey::Unit).or_else(|| location_key(location).map(PlaceKey::Location))
}

/// Not yet resolved: what a resident reporting again is most likely reporting twice.
pub fn is_open(status: TicketStatus) -> bool {
    !matches!(status, TicketStatus::Resolved | TicketStatus::ReturnVisited | TicketStatus::Closed)
}

/// What the desk is told while a unit is typed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EarlierReports {
    pub total: usize,
    pub open: usize,
}

/// Counts a place's tickets by their current status.
pub fn earlier_reports(statuses: impl IntoIterator<Item = TicketStatus>) -> EarlierReports {
    statuses.into_iter().fold(EarlierReports::default(), |acc, status| EarlierReports { total: acc.total + 1, open: acc.open + usize::from(is_open(status)) })
}

/// How many days back a ticket of the same category at the same place makes a repeat: the
/// site's setting, kept within these bounds.
pub const REPEAT_DAYS_DEFAULT: u32 = 30;
pub const REPEAT_DAYS_MIN: u32 = 1;
pub const REPEAT_DAYS_MAX: u32 = 365;

/// One ticket of a place, as repeat detection sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceTicket<'a> {
    pub id: Uuid,
    pub category: &'a str,
    pub received_at: DateTime<Utc>,
}

/// The tickets of one place that repeat an earlier one: the same category received at most
/// `days` days after another. The first of a run is not a repeat; each later one is.
pub fn repeats(tickets: &[PlaceTicket<'_>], days: u32) -> HashSet<Uuid> {
    let window = Duration::days(i64::from(days.clamp(REPEAT_DAYS_MIN, REPEAT_DAYS_MAX)));
    let mut order: Vec<&PlaceTicket<'_>> = tickets.iter().collect();
    order.sort_by_key(|t| (t.received_at, t.id));
    let mut flagged = HashSet::new();
    for (i, later) in order.iter().enumerate() {
        let repeated = order[..i].iter().rev().take_while(|earlier| later.received_at - earlier.received_at <= window).any(|earlier| earlier.category == later.category);
        if repeated {
            flagged.insert(later.id);
        }
    }
    flagged
}

/// Whether `ticket` repeats one of `others` at its place ([`repeats`] for one ticket, without
/// ordering them all: a card asks this of its own ticket).
pub fn is_repeat<'a>(ticket: &PlaceTicket<'_>, others: impl IntoIterator<Item = PlaceTicket<'a>>, days: u32) -> bool {
    let window = Duration::days(i64::from(days.clamp(REPEAT_DAYS_MIN, REPEAT_DAYS_MAX)));
    others.into_iter().any(|earlier| {
        earlier.category == ticket.category && (earlier.received_at, earlier.id) < (ticket.received_at, ticket.id) && ticket.received_at - earlier.received_at <= window
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_unit_is_one_key_however_it_is_typed() {
        for typed in ["1-2-301", "1栋2单元301室", "１－２－３０１", "1-2-0301", " 1 / 2 / 301 ", "1号楼2单元301"] {
            assert_eq!(unit_key(typed).as_deref(), Some("1-2-301"), "{typed}");
        }
        assert_eq!(unit_key("a座12-03").as_deref(), Some("A-12-3"));
        assert_eq!(unit_key("  —  "), None);
        assert_eq!(location_key("  B2  Car　Park "), location_key("b2 car park"));
        assert_eq!(place_typed("", "大堂"), Some(PlaceKey::Location("大堂".into())));
        assert_eq!(place_typed("3-1-502", "大堂"), Some(PlaceKey::Unit("3-1-502".into())));
    }

    #[test]
    fn earlier_reports_count_what_is_not_yet_resolved_as_open() {
        use TicketStatus::*;
        assert_eq!(earlier_reports([New, InProgress, Resolved, Closed, Reopened, OnHold, ReturnVisited]), EarlierReports { total: 7, open: 4 });
        assert_eq!(earlier_reports([]), EarlierReports::default());
    }

    #[test]
    fn a_repeat_is_the_same_category_within_the_window_and_the_first_is_not_one() {
        let day = |d: i64| Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap() + Duration::days(d);
        let t = |n: u128, category, d| PlaceTicket { id: Uuid::from_u128(n), category, received_at: day(d) };
        let tickets = [t(1, "plumbing", 0), t(2, "plumbing", 30), t(3, "plumbing", 61), t(4, "lift", 1), t(5, "lift", 40), t(6, "plumbing", 62)];
        // 2 is 30 days after 1 (inside a 30-day window); 3 is 31 after 2 (outside);
        // 6 is a day after 3; the lifts are 39 days apart.
        assert_eq!(repeats(&tickets, 30), HashSet::from([Uuid::from_u128(2), Uuid::from_u128(6)]));
        assert_eq!(repeats(&tickets, 45), HashSet::from([Uuid::from_u128(2), Uuid::from_u128(3), Uuid::from_u128(5), Uuid::from_u128(6)]));
        for days in [1, 30, 45, 365] {
            let one_by_one: HashSet<Uuid> = tickets.iter().filter(|t| is_repeat(t, tickets.iter().cloned(), days)).map(|t| t.id).collect();
            assert_eq!(one_by_one, repeats(&tickets, days), "{days} days");
        }
        // Out of range settings are held to the bounds.
        assert_eq!(repeats(&tickets, 0), HashSet::from([Uuid::from_u128(6)]));
    }
}
