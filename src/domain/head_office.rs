//! Head office across sites from the server (issue 20): each site database's KPI figures
//! summed by CouchDB's views (`server-kit/kpi_views.mjs`), so head office reads a few rows
//! per site instead of every ticket. The same definitions as the tablets' KPIs (README), the
//! targets written into the views by the server kit.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use super::kpi::Rate;

/// The design document the server kit installs in every site database.
pub const DESIGN: &str = "_design/patroldesk-kpi";
/// Tickets listed per drill-down request.
pub const LIST_LIMIT: usize = 200;

/// One site's (or the total's) figures for a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SiteFigures {
    pub received: u64,
    pub answered_in_time: u64,
    pub answered: u64,
    /// Not answered and past the response target now.
    pub late_unanswered: u64,
    pub completed: u64,
    pub complaints: u64,
    pub complaints_in_time: u64,
    pub complaints_resolved: u64,
    /// Complaints not resolved and past the handling target now.
    pub late_complaints: u64,
    pub reopened: u64,
    pub visits: u64,
    pub satisfied: u64,
    pub score_sum: u64,
}

fn ratio(part: u64, whole: u64) -> Rate {
    Rate { hits: part as usize, of: whole as usize }
}

impl SiteFigures {
    pub fn add(&mut self, o: &SiteFigures) {
        self.received += o.received;
        self.answered_in_time += o.answered_in_time;
        self.answered += o.answered;
        self.late_unanswered += o.late_unanswered;
        self.completed += o.completed;
        self.complaints += o.complaints;
        self.complaints_in_time += o.complaints_in_time;
        self.complaints_resolved += o.complaints_resolved;
        self.late_complaints += o.late_complaints;
        self.reopened += o.reopened;
        self.visits += o.visits;
        self.satisfied += o.satisfied;
        self.score_sum += o.score_sum;
    }

    /// Return visits rated 4–5 ÷ return visits made in the period.
    pub fn satisfaction(&self) -> Rate {
        ratio(self.satisfied, self.visits)
    }

    /// Answered within the target ÷ answered plus unanswered past it.
    pub fn response_in_time(&self) -> Rate {
        ratio(self.answered_in_time, self.answered + self.late_unanswered)
    }

    /// Complaints handled within the target ÷ resolved plus unresolved past it.
    pub fn complaints_in_time_rate(&self) -> Rate {
        ratio(self.complaints_in_time, self.complaints_resolved + self.late_complaints)
    }

    pub fn completion(&self) -> Rate {
        ratio(self.completed, self.received)
    }

    pub fn reopened_rate(&self) -> Rate {
        ratio(self.reopened, self.received)
    }
}

/// Why a view's answer was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewProblem(pub String);

fn rows(answer: &Value) -> Result<&Vec<Value>, ViewProblem> {
    answer.get("rows").and_then(Value::as_array).ok_or_else(|| ViewProblem("no rows in the view's answer".into()))
}

fn day_of(key: &Value) -> Option<NaiveDate> {
    key.get(0)?.as_str()?.parse().ok()
}

fn numbers(value: &Value, want: usize) -> Result<Vec<u64>, ViewProblem> {
    let list = value.as_array().filter(|l| l.len() >= want).ok_or_else(|| ViewProblem(format!("a row is not {want} numbers")))?;
    list.iter().take(want).map(|n| n.as_u64().or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)).ok_or_else(|| ViewProblem("a count is not a number".into()))).collect()
}

/// The query of each view for the local days `first..=last` (and, for tickets still
/// undecided, everything that became late before `now`).
pub fn queries(first: NaiveDate, last: NaiveDate, now: DateTime<Utc>) -> [String; 3] {
    let range = format!("startkey={}&endkey={}", encode(&format!("[\"{first}\"]")), encode(&format!("[\"{last}\",{{}}]")));
    let now = now.format("%Y-%m-%dT%H:%M:%S%.3fZ");
    [
        format!("{DESIGN}/_view/by_day?group_level=1&{range}"),
        format!("{DESIGN}/_view/undecided?endkey={}", encode(&format!("[\"{now}\",{{}}]"))),
        format!("{DESIGN}/_view/visits?group_level=1&{range}"),
    ]
}

/// The drill-down query: a site's tickets received on the local days `first..=last`.
pub fn list_query(first: NaiveDate, last: NaiveDate) -> String {
    format!("{DESIGN}/_view/list?limit={LIST_LIMIT}&startkey={}&endkey={}", encode(&format!("[\"{first}\"]")), encode(&format!("[\"{last}\",{{}}]")))
}

/// Percent-encodes a view key for a query string.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A site's figures from the answers of the three [`queries`], counting only the days
/// `first..=last` (a server that ignores a range cannot widen the period).
pub fn site_figures(by_day: &Value, undecided: &Value, visits: &Value, first: NaiveDate, last: NaiveDate) -> Result<SiteFigures, ViewProblem> {
    let within = |key: &Value| day_of(key).is_some_and(|d| d >= first && d <= last);
    let mut f = SiteFigures::default();
    for row in rows(by_day)? {
        if !within(row.get("key").unwrap_or(&Value::Null)) {
            continue;
        }
        let n = numbers(row.get("value").unwrap_or(&Value::Null), 8)?;
        f.received += n[0];
        f.answered_in_time += n[1];
        f.answered += n[2];
        f.completed += n[3];
        f.complaints += n[4];
        f.complaints_in_time += n[5];
        f.complaints_resolved += n[6];
        f.reopened += n[7];
    }
    for row in rows(undecided)? {
        // The value is where the ticket was received: [day, category, department].
        if !within(row.get("value").unwrap_or(&Value::Null)) {
            continue;
        }
        match row.get("key").and_then(|k| k.get(1)).and_then(Value::as_str) {
            Some("respond") => f.late_unanswered += 1,
            Some("complaint") => f.late_complaints += 1,
            _ => {}
        }
    }
    for row in rows(visits)? {
        if !within(row.get("key").unwrap_or(&Value::Null)) {
            continue;
        }
        let n = numbers(row.get("value").unwrap_or(&Value::Null), 3)?;
        f.visits += n[0];
        f.satisfied += n[1];
        f.score_sum += n[2];
    }
    Ok(f)
}

/// One ticket of a drill-down: nothing that names or reaches a resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedTicket {
    pub number: String,
    pub category: String,
    pub department: String,
    pub status: String,
    pub received_at: Option<DateTime<Utc>>,
}

pub fn listed_tickets(answer: &Value) -> Result<Vec<ListedTicket>, ViewProblem> {
    let text = |v: &Value, i: usize| v.get(i).and_then(Value::as_str).unwrap_or("").chars().take(80).collect::<String>();
    Ok(rows(answer)?
        .iter()
        .filter_map(|row| row.get("value"))
        .map(|v| ListedTicket { number: text(v, 0), category: text(v, 1), department: text(v, 2), status: text(v, 3), received_at: v.get(4).and_then(Value::as_str).and_then(|s| s.parse().ok()) })
        .collect())
}

/// Site database names as head office types them: `patroldesk-dh01, patroldesk-xy02`, or
/// bare site codes (`DH01`). Duplicates and blanks dropped; `None` for a name CouchDB would
/// refuse.
pub fn site_databases(text: &str) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for part in text.split([',', ' ', '\n', '，', '、']).map(str::trim).filter(|p| !p.is_empty()) {
        let name = if part.starts_with("patroldesk-") { part.to_owned() } else { format!("patroldesk-{}", part.to_lowercase()) };
        let ok = name.len() <= 64 && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !ok {
            return None;
        }
        if !out.contains(&name) {
            out.push(name);
        }
    }
    (!out.is_empty() && out.len() <= 100).then_some(out)
}
