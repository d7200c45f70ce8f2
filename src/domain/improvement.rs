//! Improvement measures (改进措施, issue 22): what the supervisor decides to change about a
//! recurring problem, who owns it, the effect expected, and — computed, never typed — the
//! effect found: the KPI it names over the tickets it addresses, in a window before its start
//! and an equal window after.
//!
//! A measure is a synchronised record (kind `improvement`), merged field by field like a
//! drill plan, so head office sees every site's and two tablets' edits of different fields
//! both stay.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::kpi::recurring::{cause_key, cause_of};
use super::kpi::{compute, local_midnight, Kpis, Period, Scope};
use super::places::{location_key, place_of, unit_key, PlaceKey};
use super::settings::KpiTargets;
use super::ticket::Ticket;
use super::validation::Problem;
use super::workflow::TicketState;

pub const MEASURE_MAX: usize = 200;
pub const NOTES_MAX: usize = 1000;
pub const PLACE_MAX: usize = 60;
pub const CAUSE_MAX: usize = 200;
/// The largest target a measure may name (a count of tickets or a percentage).
pub const TARGET_MAX: f64 = 100_000.0;
/// The longest a measure may run before its review: two years.
pub const MAX_REVIEW_DAYS: i64 = 731;

/// The KPI a measure is expected to move, computed over the tickets it addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectKpi {
    /// Tickets received in the window (fewer is better).
    Tickets,
    /// Return visits rated satisfied, %.
    Satisfaction,
    /// First response within the response hours, %.
    Response,
    /// Complaints resolved within the complaint hours, %.
    ComplaintsInTime,
    /// Tickets received in the window now resolved or beyond, %.
    Completion,
    /// Tickets received in the window reopened, % (fewer is better).
    Reopened,
}

impl EffectKpi {
    pub const ALL: [EffectKpi; 6] =
        [EffectKpi::Tickets, EffectKpi::Satisfaction, EffectKpi::Response, EffectKpi::ComplaintsInTime, EffectKpi::Completion, EffectKpi::Reopened];

    pub fn key(self) -> &'static str {
        match self {
            EffectKpi::Tickets => "tickets",
            EffectKpi::Satisfaction => "satisfaction",
            EffectKpi::Response => "response",
            EffectKpi::ComplaintsInTime => "complaints_in_time",
            EffectKpi::Completion => "completion",
            EffectKpi::Reopened => "reopened",
        }
    }

    pub fn from_key(key: &str) -> Option<EffectKpi> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }

    /// Whether the measure succeeds by bringing the figure down.
    pub fn lower_is_better(self) -> bool {
        matches!(self, EffectKpi::Tickets | EffectKpi::Reopened)
    }

    pub fn is_percent(self) -> bool {
        self != EffectKpi::Tickets
    }

    /// The figure in `k`; `None` when there is nothing to count (no return visit, no complaint).
    pub fn value(self, k: &Kpis) -> Option<f64> {
        match self {
            EffectKpi::Tickets => Some(k.received as f64),
            EffectKpi::Satisfaction => k.satisfaction.percent(),
            EffectKpi::Response => k.response_24h.percent(),
            EffectKpi::ComplaintsInTime => k.complaints_48h.percent(),
            EffectKpi::Completion => k.completion.percent(),
            EffectKpi::Reopened => k.reopened.percent(),
        }
    }

    /// Whether `value` reaches `target`.
    pub fn meets(self, value: f64, target: f64) -> bool {
        if self.lower_is_better() { value <= target } else { value >= target }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureStatus {
    Planned,
    InProgress,
    Done,
    Dropped,
}

impl MeasureStatus {
    pub const ALL: [MeasureStatus; 4] = [MeasureStatus::Planned, MeasureStatus::InProgress, MeasureStatus::Done, MeasureStatus::Dropped];

    pub fn key(self) -> &'static str {
        match self {
            MeasureStatus::Planned => "planned",
            MeasureStatus::InProgress => "in_progress",
            MeasureStatus::Done => "done",
            MeasureStatus::Dropped => "dropped",
        }
    }

    pub fn from_key(key: &str) -> Option<MeasureStatus> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Still being carried out: its review is still owed.
    pub fn is_active(self) -> bool {
        matches!(self, MeasureStatus::Planned | MeasureStatus::InProgress)
    }
}

/// The place a measure addresses: a unit, a public place, or a whole building (a riser, a
/// roof), keyed as the records are ([`super::places`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasurePlace {
    Unit(String),
    Location(String),
    Building(String),
}

impl MeasurePlace {
    /// The key as compared with tickets' places, however it was typed.
    fn normalised(&self) -> Option<MeasurePlace> {
        match self {
            MeasurePlace::Unit(u) => unit_key(u).map(MeasurePlace::Unit),
            MeasurePlace::Location(l) => location_key(l).map(MeasurePlace::Location),
            MeasurePlace::Building(b) => unit_key(b).map(MeasurePlace::Building),
        }
    }

    fn holds(&self, place: &PlaceKey) -> bool {
        match (self, place) {
            (MeasurePlace::Unit(u), PlaceKey::Unit(p)) | (MeasurePlace::Location(u), PlaceKey::Location(p)) => u == p,
            (MeasurePlace::Building(b), PlaceKey::Unit(_)) => super::kpi::recurring::building_of(place) == Some(b.as_str()),
            _ => false,
        }
    }

    pub fn text(&self) -> &str {
        match self {
            MeasurePlace::Unit(t) | MeasurePlace::Location(t) | MeasurePlace::Building(t) => t,
        }
    }
}

/// An improvement measure (the body of an `improvement` record). What it addresses is one or
/// more of a category, a place and a cause written at resolve: a recurring problem is a
/// category at a place, or a repeated cause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Improvement {
    pub measure: String,
    /// Staff id from the roster.
    #[serde(default)]
    pub owner: Option<Uuid>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub place: Option<MeasurePlace>,
    #[serde(default)]
    pub cause: Option<String>,
    pub kpi: EffectKpi,
    /// The value the KPI is expected to reach after the start (tickets in a window of the
    /// same length, or a percentage).
    pub target: f64,
    /// Local dates: when it is carried out from, and when its result is looked at.
    pub start: NaiveDate,
    pub review: NaiveDate,
    pub status: MeasureStatus,
    #[serde(default)]
    pub notes: String,
}

/// What is wrong with a measure, by field (for the form and for an imported record).
pub fn problems(m: &Improvement) -> Vec<(&'static str, Problem)> {
    let mut out = Vec::new();
    let mut text = |field: &'static str, value: &str, max: usize, required: bool| {
        if required && value.trim().is_empty() {
            out.push((field, Problem::Required));
        } else if value.chars().count() > max {
            out.push((field, Problem::TooLong { max }));
        }
    };
    text("measure", &m.measure, MEASURE_MAX, true);
    text("notes", &m.notes, NOTES_MAX, false);
    text("category", m.category.as_deref().unwrap_or(""), super::ticket::CATEGORY_NAME_MAX, false);
    text("place", m.place.as_ref().map(MeasurePlace::text).unwrap_or(""), PLACE_MAX, false);
    text("cause", m.cause.as_deref().unwrap_or(""), CAUSE_MAX, false);
    let blank = |t: Option<&str>| t.is_none_or(|t| t.trim().is_empty());
    if blank(m.category.as_deref()) && m.place.as_ref().and_then(MeasurePlace::normalised).is_none() && blank(m.cause.as_deref()) {
        out.push(("addresses", Problem::Required));
    }
    if !m.target.is_finite() || m.target < 0.0 || m.target > if m.kpi.is_percent() { 100.0 } else { TARGET_MAX } {
        out.push(("target", Problem::OutOfRange { min: 0, max: if m.kpi.is_percent() { 100 } else { TARGET_MAX as u32 } }));
    }
    let days = (m.review - m.start).num_days();
    if !(1..=MAX_REVIEW_DAYS).contains(&days) {
        out.push(("review", Problem::OutOfRange { min: 1, max: MAX_REVIEW_DAYS as u32 }));
    }
    out
}

/// What a measure addresses, normalised once for the pass over the tickets.
struct Addressed {
    category: Option<String>,
    place: Option<MeasurePlace>,
    cause: Option<String>,
}

impl Addressed {
    fn of(m: &Improvement) -> Addressed {
        let named = |t: &Option<String>| t.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
        Addressed { category: named(&m.category), place: m.place.as_ref().and_then(MeasurePlace::normalised), cause: named(&m.cause).map(|c| cause_key(&c)) }
    }

    /// Every part the measure names must hold; the cheap comparison first.
    fn holds(&self, ticket: &Ticket, state: &TicketState) -> bool {
        self.category.as_ref().is_none_or(|c| &ticket.category == c)
            && self.place.as_ref().is_none_or(|p| place_of(ticket).is_some_and(|t| p.holds(&t)))
            && self.cause.as_ref().is_none_or(|c| cause_of(state).map(cause_key).as_ref() == Some(c))
    }
}

/// The result of a measure, as of now.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// It starts later than now: nothing after it to look at yet.
    NotStarted,
    Measured(Measured),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// The window before the start, as long as the one after.
    pub before: Period,
    /// From the start to now, or to the end of the review day once that has passed (the
    /// result the measure is judged by).
    pub after: Period,
    pub value_before: Option<f64>,
    pub value_after: Option<f64>,
    /// Tickets addressed, received in each window.
    pub tickets_before: usize,
    pub tickets_after: usize,
    /// After minus before, when both exist.
    pub change: Option<f64>,
    /// Whether the after figure reaches the target (`None` with nothing to count after).
    pub met: Option<bool>,
}

/// The measure's KPI over the tickets it addresses, before its start and after it, in
/// windows of equal length. `tickets` are (record id, ticket, derived state).
pub fn effect(m: &Improvement, tickets: &[(Uuid, &Ticket, &TicketState)], now: DateTime<Utc>, offset_min: i32, targets: &KpiTargets) -> Effect {
    let start = local_midnight(m.start, offset_min);
    let review_end = local_midnight(m.review, offset_min) + Duration::days(1);
    let end = now.min(review_end);
    if end <= start {
        return Effect::NotStarted;
    }
    let after = Period { from: start, to: end };
    let before = Period { from: start - (end - start), to: start };
    let addressed = Addressed::of(m);
    let scoped: Vec<(Uuid, &Ticket, &TicketState)> = tickets.iter().copied().filter(|(_, t, s)| addressed.holds(t, s)).collect();
    let kpis = |period: Period| compute(&scoped, &[], &Scope { period, now, offset_min }, targets);
    let (k_before, k_after) = (kpis(before), kpis(after));
    let (value_before, value_after) = (m.kpi.value(&k_before), m.kpi.value(&k_after));
    Effect::Measured(Measured {
        before,
        after,
        value_before,
        value_after,
        tickets_before: k_before.received,
        tickets_after: k_after.received,
        change: value_before.zip(value_after).map(|(b, a)| a - b),
        met: value_after.map(|v| m.kpi.meets(v, m.target)),
    })
}

/// Past its review date and still being carried out: flagged on the list.
pub fn review_overdue(m: &Improvement, today: NaiveDate) -> bool {
    m.status.is_active() && today > m.review
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measure() -> Improvement {
        Improvement {
            measure: "更换3栋立管".into(),
            owner: None,
            category: Some("plumbing".into()),
            place: Some(MeasurePlace::Building("3栋".into())),
            cause: None,
            kpi: EffectKpi::Tickets,
            target: 1.0,
            start: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            review: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            status: MeasureStatus::InProgress,
            notes: String::new(),
        }
    }

    #[test]
    fn a_measure_must_address_something_and_review_after_it_starts() {
        assert!(problems(&measure()).is_empty());
        let none = Improvement { category: None, place: Some(MeasurePlace::Unit(" - ".into())), cause: Some(" ".into()), ..measure() };
        assert_eq!(problems(&none), vec![("addresses", Problem::Required)]);
        let backwards = Improvement { review: measure().start, ..measure() };
        assert_eq!(problems(&backwards), vec![("review", Problem::OutOfRange { min: 1, max: 731 })]);
        let pct = Improvement { kpi: EffectKpi::Satisfaction, target: 101.0, ..measure() };
        assert_eq!(problems(&pct), vec![("target", Problem::OutOfRange { min: 0, max: 100 })]);
        let nan = Improvement { target: f64::NAN, ..measure() };
        assert_eq!(problems(&nan).len(), 1);
        let blank = Improvement { measure: "  ".into(), ..measure() };
        assert_eq!(problems(&blank), vec![("measure", Problem::Required)]);
    }

    #[test]
    fn the_body_round_trips_and_reads_its_keys() {
        let m = measure();
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v["place"], serde_json::json!({"building": "3栋"}));
        assert_eq!(v["kpi"], "tickets");
        assert_eq!(v["status"], "in_progress");
        assert_eq!(serde_json::from_value::<Improvement>(v).unwrap(), m);
        for k in EffectKpi::ALL {
            assert_eq!(EffectKpi::from_key(k.key()), Some(k));
        }
        for s in MeasureStatus::ALL {
            assert_eq!(MeasureStatus::from_key(s.key()), Some(s));
        }
    }

    #[test]
    fn the_review_is_overdue_only_while_the_measure_is_active() {
        let m = measure();
        let after = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert!(!review_overdue(&m, m.review));
        assert!(review_overdue(&m, after));
        assert!(!review_overdue(&Improvement { status: MeasureStatus::Done, ..m.clone() }, after));
        assert!(!review_overdue(&Improvement { status: MeasureStatus::Dropped, ..m }, after));
    }
}
