//! Recurring problems (总结改进, issue 22): what keeps coming back, found in the records of a
//! period so a supervisor can turn it into an improvement measure.
//!
//! - **A place**: two or more tickets of one category at one unit (or, without a unit, one
//!   location) received in the period.
//! - **A building**: three or more tickets of one category in one building (the unit's first
//!   part) from at least two units in the period, and at least 1.5 times the category's mean
//!   per building that had it — a riser or a roof rather than one flat, and more than a busy
//!   estate's usual share.
//! - **A rising category**: against the equal-length period just before, its tickets rose by
//!   at least two and at least 20 %; or its dissatisfied share of return visits rose (at
//!   least two visits in the period).
//! - **A repeating cause**: the same cause written at resolve (spaces, case and a closing
//!   full stop ignored) on two or more tickets received in the period.

use std::collections::BTreeMap;

use chrono::DateTime;
use chrono::Utc;
use uuid::Uuid;

use super::{Period, Rate};
use crate::domain::places::{place_of, PlaceKey};
use crate::domain::ticket::Ticket;
use crate::domain::workflow::{Action, Satisfaction, TicketState};

/// Tickets of one category that keep coming back at one place or building.
#[derive(Debug, Clone, PartialEq)]
pub struct RecurringPlace {
    pub place: PlaceKey,
    pub category: String,
    /// Newest first.
    pub tickets: Vec<Uuid>,
}

/// A category whose volume or dissatisfaction rose against the period before.
#[derive(Debug, Clone, PartialEq)]
pub struct RisingCategory {
    pub category: String,
    pub count: usize,
    pub count_before: usize,
    /// Return visits rated dissatisfied, of all return visits, of the tickets received in
    /// each period.
    pub dissatisfied: Rate,
    pub dissatisfied_before: Rate,
    pub volume_rose: bool,
    pub dissatisfaction_rose: bool,
    /// This period's tickets of the category, newest first.
    pub tickets: Vec<Uuid>,
}

/// A cause written at resolve on several tickets.
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatedCause {
    /// As it was last written.
    pub cause: String,
    /// Newest first.
    pub tickets: Vec<Uuid>,
}

/// Everything that recurs in a period.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Recurring {
    pub places: Vec<RecurringPlace>,
    pub buildings: Vec<RecurringPlace>,
    pub rising: Vec<RisingCategory>,
    pub causes: Vec<RepeatedCause>,
}

impl Recurring {
    pub fn is_empty(&self) -> bool {
        self.places.is_empty() && self.buildings.is_empty() && self.rising.is_empty() && self.causes.is_empty()
    }
}

/// The building of a unit key (`1-2-301` → `1`); `None` for a place without a unit.
pub fn building_of(place: &PlaceKey) -> Option<&str> {
    match place {
        PlaceKey::Unit(unit) => unit.split('-').next().filter(|b| !b.is_empty()),
        PlaceKey::Location(_) => None,
    }
}

/// A cause as compared: spaces evened out, Latin letters lower-cased, a closing full stop gone.
pub fn cause_key(cause: &str) -> String {
    let words: Vec<&str> = cause.split_whitespace().collect();
    words.join(" ").to_lowercase().trim_end_matches(['。', '.', '，', ',', '；', ';', '！', '!']).to_owned()
}

/// The last cause written at resolve in a ticket's history.
pub(crate) fn cause_of(state: &TicketState) -> Option<&str> {
    state.history.iter().rev().filter(|h| h.applied).find_map(|h| match &h.event.action {
        Action::Resolve { cause, .. } if !cause.trim().is_empty() => Some(cause.trim()),
        _ => None,
    })
}

fn newest_first(list: &mut [(DateTime<Utc>, Uuid)]) -> Vec<Uuid> {
    list.sort_by(|a, b| b.cmp(a));
    list.iter().map(|(_, id)| *id).collect()
}

/// Tickets by when they were received.
type Dated = Vec<(DateTime<Utc>, Uuid)>;

/// What recurs in `period` among `tickets` (record id, ticket, derived state).
pub fn recurring(tickets: &[(Uuid, &Ticket, &TicketState)], period: Period) -> Recurring {
    let before = Period { from: period.from - (period.to - period.from), to: period.from };
    let mut at_place: BTreeMap<(PlaceKey, &str), Dated> = BTreeMap::new();
    let mut in_building: BTreeMap<(String, &str), (Dated, Vec<PlaceKey>)> = BTreeMap::new();
    // By the compared cause: as last written, when, and the tickets.
    let mut causes: BTreeMap<String, (String, DateTime<Utc>, Dated)> = BTreeMap::new();
    #[derive(Default)]
    struct ByCategory {
        now: Dated,
        before: usize,
        dissatisfied: Rate,
        dissatisfied_before: Rate,
    }
    let mut categories: BTreeMap<&str, ByCategory> = BTreeMap::new();
    for (id, t, s) in tickets {
        let now = period.contains(t.received_at);
        if !now && !before.contains(t.received_at) {
            continue;
        }
        let visit = s.return_visit.as_ref().map(|v| v.satisfaction == Satisfaction::Dissatisfied);
        let c = categories.entry(t.category.as_str()).or_default();
        let rate = if now { &mut c.dissatisfied } else { &mut c.dissatisfied_before };
        if let Some(dissatisfied) = visit {
            rate.of += 1;
            rate.hits += usize::from(dissatisfied);
        }
        if !now {
            c.before += 1;
            continue;
        }
        c.now.push((t.received_at, *id));
        // Only this period's tickets are placed: the key is made from the typed unit.
        if let Some(place) = place_of(t) {
            if let Some(building) = building_of(&place) {
                let entry = in_building.entry((building.to_owned(), t.category.as_str())).or_default();
                entry.0.push((t.received_at, *id));
                entry.1.push(place.clone());
            }
            at_place.entry((place, t.category.as_str())).or_default().push((t.received_at, *id));
        }
        if let Some(cause) = cause_of(s) {
            let entry = causes.entry(cause_key(cause)).or_insert_with(|| (cause.to_owned(), t.received_at, Vec::new()));
            if t.received_at >= entry.1 {
                entry.0 = cause.to_owned();
                entry.1 = t.received_at;
            }
            entry.2.push((t.received_at, *id));
        }
    }

    let mut out = Recurring::default();
    for ((place, category), mut list) in at_place {
        if list.len() >= 2 {
            out.places.push(RecurringPlace { place, category: category.to_owned(), tickets: newest_first(&mut list) });
        }
    }
    // Per category: tickets in buildings, and how many buildings had one.
    let mut spread: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for ((_, category), (list, _)) in &in_building {
        let e = spread.entry(category).or_default();
        e.0 += list.len();
        e.1 += 1;
    }
    for ((building, category), (mut list, mut units)) in in_building {
        units.sort();
        units.dedup();
        let (total, buildings) = spread.get(category).copied().unwrap_or((0, 1));
        // 1.5 × the mean, in whole numbers: 2 × count ≥ 3 × total / buildings.
        let hot = 2 * list.len() * buildings >= 3 * total;
        if list.len() >= 3 && units.len() >= 2 && hot {
            out.buildings.push(RecurringPlace { place: PlaceKey::Unit(building), category: category.to_owned(), tickets: newest_first(&mut list) });
        }
    }
    for (category, mut c) in categories {
        let count = c.now.len();
        let volume_rose = count >= c.before + 2 && count * 5 >= c.before * 6;
        let share = |r: &Rate| r.percent().unwrap_or(0.0);
        let dissatisfaction_rose = c.dissatisfied.of >= 2 && share(&c.dissatisfied) > share(&c.dissatisfied_before);
        if volume_rose || dissatisfaction_rose {
            out.rising.push(RisingCategory {
                category: category.to_owned(),
                count,
                count_before: c.before,
                dissatisfied: c.dissatisfied,
                dissatisfied_before: c.dissatisfied_before,
                volume_rose,
                dissatisfaction_rose,
                tickets: newest_first(&mut c.now),
            });
        }
    }
    for (_, (cause, _, mut list)) in causes {
        if list.len() >= 2 {
            out.causes.push(RepeatedCause { cause, tickets: newest_first(&mut list) });
        }
    }
    let most = |a: &Vec<Uuid>, b: &Vec<Uuid>| b.len().cmp(&a.len());
    out.places.sort_by(|a, b| most(&a.tickets, &b.tickets).then_with(|| (&a.place, &a.category).cmp(&(&b.place, &b.category))));
    out.buildings.sort_by(|a, b| most(&a.tickets, &b.tickets).then_with(|| (&a.place, &a.category).cmp(&(&b.place, &b.category))));
    out.rising.sort_by(|a, b| (b.count - b.count_before.min(b.count)).cmp(&(a.count - a.count_before.min(a.count))).then_with(|| a.category.cmp(&b.category)));
    out.causes.sort_by(|a, b| most(&a.tickets, &b.tickets).then_with(|| a.cause.cmp(&b.cause)));
    out
}
