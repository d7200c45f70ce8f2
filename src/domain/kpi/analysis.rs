//! The customer-relations analysis table (客户关系数据分析表): per category, the period's
//! volume, where its tickets are now, and what keeps coming back.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::ticket::Ticket;
use crate::domain::workflow::{Satisfaction, TicketState};
use super::{handling_time, mean, Period, Rate};

/// The longest follow-up plan (整改措施) kept for one row of the table, in characters.
pub const FOLLOW_UP_MAX: usize = 500;

/// A follow-up plan as it is kept: trimmed, and refused when longer than [`FOLLOW_UP_MAX`].
pub fn follow_up_text(raw: &str) -> Result<String, crate::domain::validation::Problem> {
    let text = raw.trim().to_owned();
    if text.chars().count() > FOLLOW_UP_MAX {
        return Err(crate::domain::validation::Problem::TooLong { max: FOLLOW_UP_MAX });
    }
    Ok(text)
}

/// How many of a category's tickets are where in the workflow now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusCounts {
    /// Still to be acted on (new to on hold).
    pub open: usize,
    /// Resolved or return-visited, not yet closed.
    pub resolved: usize,
    pub closed: usize,
}

/// One row of the customer-relations analysis table (客户关系数据分析表): one customer
/// category (the ticket category) in the period.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisRow {
    pub category: String,
    /// Tickets received in the period.
    pub count: usize,
    /// Share of all tickets received in the period, 0–100.
    pub share: f64,
    /// Needs and feedback: the most frequent return-visit comments, then the most frequent
    /// descriptions, up to three distinct texts (most frequent first, ties by latest).
    pub feedback: Vec<String>,
    pub status: StatusCounts,
    /// Return visits of these tickets (whenever made) rated satisfied.
    pub satisfaction: Rate,
    pub mean_score: Option<f64>,
    /// Mean handling time (received → resolved, holds excluded) of those resolved, in days.
    pub mean_days: Option<f64>,
}

/// The analysis table for a period, largest category first (ties by category key).
pub fn analysis_table(tickets: &[(Uuid, &Ticket, &TicketState)], period: Period) -> Vec<AnalysisRow> {
    struct Acc<'a> {
        count: usize,
        status: StatusCounts,
        satisfaction: Rate,
        scores: Vec<f64>,
        days: Vec<f64>,
        comments: Vec<(&'a str, DateTime<Utc>)>,
        descriptions: Vec<(&'a str, DateTime<Utc>)>,
    }
    let mut groups: BTreeMap<&str, Acc> = BTreeMap::new();
    let mut total = 0;
    for (_, t, s) in tickets.iter().filter(|(_, t, _)| period.contains(t.received_at)) {
        total += 1;
        let g = groups.entry(t.category.as_str()).or_insert_with(|| Acc {
            count: 0,
            status: StatusCounts::default(),
            satisfaction: Rate::default(),
            scores: vec![],
            days: vec![],
            comments: vec![],
            descriptions: vec![],
        });
        g.count += 1;
        match s.status {
            crate::domain::ticket::TicketStatus::Closed => g.status.closed += 1,
            _ if s.is_open() => g.status.open += 1,
            _ => g.status.resolved += 1,
        }
        if let Some(v) = &s.return_visit {
            g.satisfaction.of += 1;
            g.satisfaction.hits += usize::from(v.satisfaction == Satisfaction::Satisfied);
            g.scores.push(f64::from(v.score));
            if !v.comment.trim().is_empty() {
                g.comments.push((v.comment.trim(), v.at));
            }
        }
        if let Some(h) = handling_time(s) {
            g.days.push(h.num_minutes() as f64 / 1440.0);
        }
        if !t.description.trim().is_empty() {
            g.descriptions.push((t.description.trim(), t.received_at));
        }
    }
    let mut rows: Vec<AnalysisRow> = groups
        .into_iter()
        .map(|(category, g)| {
            let mut feedback = most_frequent(&g.comments, 3);
            for d in most_frequent(&g.descriptions, 3) {
                if feedback.len() < 3 && !feedback.contains(&d) {
                    feedback.push(d);
                }
            }
            AnalysisRow {
                category: category.to_owned(),
                count: g.count,
                share: g.count as f64 * 100.0 / total as f64,
                feedback,
                status: g.status,
                satisfaction: g.satisfaction,
                mean_score: mean(&g.scores),
                mean_days: mean(&g.days),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.category.cmp(&b.category)));
    rows
}

/// The `n` most frequent texts, most frequent first, ties by the latest occurrence.
fn most_frequent(texts: &[(&str, DateTime<Utc>)], n: usize) -> Vec<String> {
    let mut counts: BTreeMap<&str, (usize, DateTime<Utc>)> = BTreeMap::new();
    for (text, at) in texts {
        let e = counts.entry(text).or_insert((0, *at));
        e.0 += 1;
        e.1 = e.1.max(*at);
    }
    let mut list: Vec<_> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(b.1 .1.cmp(&a.1 .1)).then(a.0.cmp(b.0)));
    list.into_iter().take(n).map(|(t, _)| t.to_owned()).collect()
}

/// The key a follow-up plan of the analysis table is stored under: the period's local dates
/// and the category, so next month's table starts empty and last month's plans stay.
pub fn follow_up_key(period: Period, offset_min: i32, category: &str) -> String {
    let (first, last) = period.local_dates(offset_min);
    format!("{first}..{last}|{category}")
}
