//! The periods the figures are over, in the device's local calendar.


use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::domain::locale::to_local;

/// A half-open period `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Period {
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.from <= t && t < self.to
    }

    /// Days in the period, at least one (for per-day volume).
    pub fn days(&self) -> f64 {
        ((self.to - self.from).num_minutes() as f64 / 1440.0).max(1.0)
    }

    /// Local calendar days `first..=last` at the device's offset (a custom range).
    pub fn local_days(first: NaiveDate, last: NaiveDate, offset_min: i32) -> Period {
        let (first, last) = if last < first { (last, first) } else { (first, last) };
        Period { from: local_midnight(first, offset_min), to: local_midnight(last + Duration::days(1), offset_min) }
    }

    /// The first and last local calendar day the period covers (for the board's date filter).
    pub fn local_dates(&self, offset_min: i32) -> (NaiveDate, NaiveDate) {
        let last = (self.to - Duration::minutes(1)).max(self.from);
        (to_local(self.from, offset_min).date_naive(), to_local(last, offset_min).date_naive())
    }

    /// Every local day in the period, in order (the trend chart's x axis).
    pub fn local_day_list(&self, offset_min: i32) -> Vec<NaiveDate> {
        let (first, last) = self.local_dates(offset_min);
        first.iter_days().take_while(|d| *d <= last).take(400).collect()
    }
}

/// 00:00 local on `day`, as UTC.
pub fn local_midnight(day: NaiveDate, offset_min: i32) -> DateTime<Utc> {
    (day.and_hms_opt(0, 0, 0).unwrap_or_default() - Duration::minutes(offset_min.into())).and_utc()
}

/// The periods the KPI view offers, in the device's local calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PeriodChoice {
    Today,
    /// Monday to now.
    Week,
    #[default]
    Month,
    Last30,
    /// Local days `from..=to`.
    Custom { from: NaiveDate, to: NaiveDate },
}

impl PeriodChoice {
    pub const ALL: [PeriodChoice; 4] = [PeriodChoice::Today, PeriodChoice::Week, PeriodChoice::Month, PeriodChoice::Last30];
    pub fn key(self) -> &'static str {
        match self {
            PeriodChoice::Today => "today",
            PeriodChoice::Week => "week",
            PeriodChoice::Month => "month",
            PeriodChoice::Last30 => "last30",
            PeriodChoice::Custom { .. } => "custom",
        }
    }
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.key() == key)
    }

    /// From the start of the local day/week/month (or 30 days back) to the end of today.
    pub fn period(self, now: DateTime<Utc>, offset_min: i32) -> Period {
        use chrono::Datelike;
        let local = to_local(now, offset_min).date_naive();
        let start = match self {
            PeriodChoice::Today => local,
            PeriodChoice::Week => local - Duration::days(i64::from(local.weekday().num_days_from_monday())),
            PeriodChoice::Month => local.with_day(1).unwrap_or(local),
            PeriodChoice::Last30 => local - Duration::days(29),
            PeriodChoice::Custom { from, to } => return Period::local_days(from, to, offset_min),
        };
        Period::local_days(start, local, offset_min)
    }
}

/// The period buttons of the KPI view: a choice before its custom dates are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PeriodKind {
    Today,
    Week,
    #[default]
    Month,
    Last30,
    Custom,
}

impl PeriodKind {
    pub const ALL: [PeriodKind; 5] = [PeriodKind::Today, PeriodKind::Week, PeriodKind::Month, PeriodKind::Last30, PeriodKind::Custom];

    /// A stable name (element ids, tests).
    pub fn key(self) -> &'static str {
        match self {
            PeriodKind::Today => "today",
            PeriodKind::Week => "week",
            PeriodKind::Month => "month",
            PeriodKind::Last30 => "last30",
            PeriodKind::Custom => "custom",
        }
    }

    /// The period chosen; `from..=to` only counts for a custom range.
    pub fn choice(self, from: NaiveDate, to: NaiveDate) -> PeriodChoice {
        match self {
            PeriodKind::Today => PeriodChoice::Today,
            PeriodKind::Week => PeriodChoice::Week,
            PeriodKind::Month => PeriodChoice::Month,
            PeriodKind::Last30 => PeriodChoice::Last30,
            PeriodKind::Custom => PeriodChoice::Custom { from, to },
        }
    }
}
