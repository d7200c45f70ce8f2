//! Residents' records by place (issue 21) on generated data: a unit's history as the cache
//! keeps it equals the tickets a search through all of them finds, it follows an edit of the
//! unit and a deletion, and repeat flags equal a count by hand.

use std::collections::{BTreeMap, HashSet};

use chrono::{Duration, TimeZone, Utc};
use patroldesk::app::cache::RecordCache;
use patroldesk::domain::clock::Stamp;
use patroldesk::domain::places::{earlier_reports, place_of, repeats, unit_key, EarlierReports, PlaceKey, PlaceTicket};
use patroldesk::domain::record::{Record, RecordKind};
use patroldesk::domain::sample::{ticket_records, SampleSpec};
use patroldesk::domain::ticket::{Ticket, TicketStatus};
use uuid::Uuid;

fn generated(tickets: usize) -> Vec<Record> {
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
    let spec = SampleSpec { seed: 77, tickets, days: 90, now, offset_min: 480, chinese: true, staff: vec![] };
    (0..tickets).flat_map(|i| ticket_records(&spec, i)).collect()
}

fn tickets_of(records: &[Record]) -> Vec<(Uuid, Ticket)> {
    records.iter().filter(|r| r.kind == RecordKind::Ticket).map(|r| (r.id, serde_json::from_value(r.body.clone()).unwrap())).collect()
}

#[test]
fn a_places_history_is_every_ticket_there_newest_first_and_follows_edits_and_deletions() {
    let records = generated(4000);
    let mut cache = RecordCache::new();
    cache.apply(&records);
    let tickets = tickets_of(&records);
    // By hand: every unit with the tickets typed for it.
    let mut by_hand: BTreeMap<PlaceKey, Vec<(chrono::DateTime<Utc>, Uuid)>> = BTreeMap::new();
    for (id, t) in &tickets {
        if let Some(place) = place_of(t) {
            by_hand.entry(place).or_default().push((t.received_at, *id));
        }
    }
    let shared = by_hand.values().filter(|v| v.len() > 1).count();
    assert!(shared > 100, "{shared} places with more than one ticket");
    for (place, mut expected) in by_hand.clone() {
        expected.sort_by(|a, b| b.cmp(a));
        let found: Vec<Uuid> = cache.at_place(&place).iter().map(|i| i.id).collect();
        assert_eq!(found, expected.iter().map(|(_, id)| *id).collect::<Vec<_>>(), "{place:?}");
    }

    // The same unit typed another way finds the same history.
    let (place, list) = by_hand.iter().find(|(p, v)| v.len() > 1 && matches!(p, PlaceKey::Unit(_))).unwrap();
    let PlaceKey::Unit(unit) = place else { unreachable!() };
    let (building, rest) = unit.split_once('-').unwrap();
    let (entrance, room) = rest.split_once('-').unwrap();
    let typed = format!("{building}栋{entrance}单元{room}室");
    assert_eq!(unit_key(&typed).as_ref(), Some(unit));

    // The unit of one of them corrected: it moves to the other place's history.
    let moved = list[0].1;
    let record = records.iter().find(|r| r.id == moved).unwrap();
    let stamp = |ms: i64| Stamp { wall_ms: Utc::now().timestamp_millis() + ms, counter: 0, device: Uuid::from_u128(9) };
    let mut body = record.body.clone();
    body["unit"] = serde_json::json!("99-9-999");
    let edited = record.edited(body, stamp(0), None);
    cache.apply(std::slice::from_ref(&edited));
    assert!(!cache.at_place(place).iter().any(|i| i.id == moved));
    assert_eq!(cache.at_place(&PlaceKey::Unit("99-9-999".into())).iter().map(|i| i.id).collect::<Vec<_>>(), vec![moved]);
    // Deleted: in no history.
    cache.apply(&[edited.tombstoned(stamp(1), None)]);
    assert!(cache.at_place(&PlaceKey::Unit("99-9-999".into())).is_empty());
    assert_eq!(cache.at_place(place).len(), list.len() - 1);
}

#[test]
fn repeat_flags_and_earlier_reports_on_generated_data_equal_a_count_by_hand() {
    let records = generated(4000);
    let mut cache = RecordCache::new();
    cache.apply(&records);
    let tickets = tickets_of(&records);
    let days = 60;
    // By hand: each pair of tickets at one place compared.
    let mut at: BTreeMap<PlaceKey, Vec<(Uuid, &Ticket)>> = BTreeMap::new();
    for (id, t) in &tickets {
        if let Some(place) = place_of(t) {
            at.entry(place).or_default().push((*id, t));
        }
    }
    let mut flagged_by_hand = HashSet::new();
    for list in at.values() {
        for (id, t) in list {
            let repeat = list.iter().any(|(other, o)| {
                o.category == t.category && (o.received_at, *other) < (t.received_at, *id) && t.received_at - o.received_at <= Duration::days(days)
            });
            if repeat {
                flagged_by_hand.insert(*id);
            }
        }
    }
    assert!(flagged_by_hand.len() > 5, "{} repeats in the generated year", flagged_by_hand.len());
    let mut flagged = HashSet::new();
    for (place, typed) in &at {
        let items = cache.at_place(place);
        let kept: Vec<PlaceTicket<'_>> = items.iter().map(|i| PlaceTicket { id: i.id, category: &i.ticket.category, received_at: i.ticket.received_at }).collect();
        flagged.extend(repeats(&kept, days as u32));
        let by_hand = earlier_reports(typed.iter().map(|(_, t)| t.status));
        assert_eq!(earlier_reports(items.iter().map(|i| i.state.status)), by_hand);
    }
    assert_eq!(flagged, flagged_by_hand);
    assert_eq!(earlier_reports([TicketStatus::New, TicketStatus::Closed]), EarlierReports { total: 2, open: 1 });
}
