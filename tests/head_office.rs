//! Head office's figures across sites from the server's views (issue 20): the rows as
//! `server-kit/kpi_views.mjs` gives them for hand-made tickets (the same ones
//! `tests/couch/server_kit.test.mjs` stores in a real database), read into rates with the
//! tablets' definitions.

use chrono::{NaiveDate, TimeZone, Utc};
use patroldesk::domain::kpi::Rate;
use patroldesk::domain::head_office::{listed_tickets, queries, site_databases, site_figures, SiteFigures};
use serde_json::json;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
}

/// Ticket 1 answered in 2 h and closed on the 1st; on the 2nd a complaint answered late,
/// handled in 30 h (30 h on hold) and reopened, and a complaint nobody answered; two return
/// visits scored 5 and 3.
fn answers() -> (serde_json::Value, serde_json::Value, serde_json::Value) {
    (
        json!({ "rows": [
            { "key": ["2026-12-01"], "value": [1, 1, 1, 1, 0, 0, 0, 0] },
            { "key": ["2026-12-02"], "value": [2, 0, 1, 1, 2, 1, 1, 1] },
        ] }),
        json!({ "rows": [
            { "id": "ticket:3", "key": ["2026-12-03T00:00:00.000Z", "respond"], "value": ["2026-12-02", "noise", ""] },
        ] }),
        json!({ "rows": [{ "key": ["2026-12-02"], "value": [2, 1, 8] }] }),
    )
}

#[test]
fn a_sites_rates_come_from_the_summed_rows_with_the_tablets_definitions() {
    let (by_day, late, visits) = answers();
    let f = site_figures(&by_day, &late, &visits, day(1), day(2)).unwrap();
    assert_eq!(
        f,
        SiteFigures { received: 3, answered_in_time: 1, answered: 2, late_unanswered: 1, completed: 2, complaints: 2, complaints_in_time: 1, complaints_resolved: 1, late_complaints: 0, reopened: 1, visits: 2, satisfied: 1, score_sum: 8 }
    );
    // Answered in time 1 of (2 answered + 1 late unanswered).
    assert_eq!(f.response_in_time(), Rate { hits: 1, of: 3 });
    assert_eq!(f.complaints_in_time_rate(), Rate { hits: 1, of: 1 }, "the open complaint is not late yet");
    assert_eq!(f.completion(), Rate { hits: 2, of: 3 });
    assert_eq!(f.satisfaction(), Rate { hits: 1, of: 2 });
    assert_eq!(f.reopened_rate(), Rate { hits: 1, of: 3 });

    // The 1st alone: the late ticket of the 2nd and its visits are not in it.
    let first = site_figures(&by_day, &late, &visits, day(1), day(1)).unwrap();
    assert_eq!((first.received, first.late_unanswered, first.visits), (1, 0, 0));
    assert_eq!(first.satisfaction().percent(), None, "nothing to count is —, not 0 %");
}

#[test]
fn the_total_is_the_sum_of_the_sites() {
    let (by_day, late, visits) = answers();
    let one = site_figures(&by_day, &late, &visits, day(1), day(2)).unwrap();
    let mut total = SiteFigures::default();
    total.add(&one);
    total.add(&one);
    assert_eq!(total.received, 6);
    assert_eq!(total.response_in_time().percent(), one.response_in_time().percent());
}

#[test]
fn a_malformed_answer_is_a_problem_not_a_panic() {
    let (by_day, late, visits) = answers();
    assert!(site_figures(&json!({ "error": "not_found" }), &late, &visits, day(1), day(2)).is_err());
    assert!(site_figures(&json!({ "rows": [{ "key": ["2026-12-01"], "value": [1, "x"] }] }), &late, &visits, day(1), day(2)).is_err());
    assert!(site_figures(&by_day, &json!({ "rows": [{ "key": "odd", "value": 3 }] }), &visits, day(1), day(2)).is_ok(), "an odd row is skipped");
    assert_eq!(listed_tickets(&json!({ "rows": [{ "value": ["DH01-1", "noise", "", "new", "2026-12-02T00:00:00Z"] }, { "value": 7 }] })).unwrap().len(), 2);
}

#[test]
fn queries_ask_for_the_period_and_the_tickets_late_by_now() {
    let [by_day, undecided, visits] = queries(day(1), day(7), Utc.with_ymd_and_hms(2026, 12, 6, 8, 0, 0).unwrap());
    assert_eq!(by_day, "_design/patroldesk-kpi/_view/by_day?group_level=1&startkey=%5B%222026-12-01%22%5D&endkey=%5B%222026-12-07%22%2C%7B%7D%5D");
    assert_eq!(undecided, "_design/patroldesk-kpi/_view/undecided?endkey=%5B%222026-12-06T08%3A00%3A00.000Z%22%2C%7B%7D%5D");
    assert!(visits.starts_with("_design/patroldesk-kpi/_view/visits?group_level=1&startkey="));
}

#[test]
fn site_databases_are_typed_as_names_or_codes() {
    assert_eq!(site_databases("DH01, patroldesk-xy02，DH01"), Some(vec!["patroldesk-dh01".to_owned(), "patroldesk-xy02".to_owned()]));
    assert_eq!(site_databases("  "), None);
    assert_eq!(site_databases("../_users"), None);
    assert_eq!(site_databases("DH01 Robert'); DROP"), None);
}
