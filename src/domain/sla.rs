//! SLA clocks: how long is left to respond and to resolve, computed from the ticket's events
//! and the current time only — so they are right after the tablet was offline or asleep.
//! Time on hold does not count against resolution. Business hours are not modelled: the
//! clocks run around the clock, which is what the 24 h / 48 h standard means.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Where a clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlaState {
    /// More than a quarter of the allowed time left.
    OnTrack,
    /// Less than a quarter left.
    DueSoon,
    /// Past the deadline and not done.
    Overdue,
    /// Stopped on hold (resolution only); counts again on resume.
    Paused,
    /// Done in time.
    Met,
    /// Done, but late.
    MetLate,
}

/// One clock, as of `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaClock {
    /// The deadline, moved later by the time spent on hold.
    pub due: DateTime<Utc>,
    /// Time left (negative once overdue); for a finished clock, the margin it finished with.
    pub remaining: Duration,
    pub state: SlaState,
}

/// A period on hold: from `start` until `end` (still on hold if `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Hold {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

/// Share of the allowed time below which a clock is "due soon".
const DUE_SOON_SHARE: f64 = 0.25;

/// A clock that started at `start`, allows `allowed`, is paused by `holds` and stops at
/// `done` (if done).
pub fn clock(start: DateTime<Utc>, allowed: Duration, holds: &[Hold], done: Option<DateTime<Utc>>, now: DateTime<Utc>) -> SlaClock {
    let until = done.unwrap_or(now);
    // Hold time counts only up to the moment the clock stopped (or now).
    let held: Duration = holds
        .iter()
        .map(|h| {
            let end = h.end.unwrap_or(until).min(until);
            (end - h.start.max(start)).max(Duration::zero())
        })
        .fold(Duration::zero(), |a, b| a + b);
    let due = start + allowed + held;
    let remaining = due - until;
    let on_hold = done.is_none() && holds.iter().any(|h| h.end.is_none());
    let state = match done {
        Some(_) if remaining >= Duration::zero() => SlaState::Met,
        Some(_) => SlaState::MetLate,
        None if remaining < Duration::zero() => SlaState::Overdue,
        None if on_hold => SlaState::Paused,
        None if (remaining.num_seconds() as f64) < allowed.num_seconds() as f64 * DUE_SOON_SHARE => SlaState::DueSoon,
        None => SlaState::OnTrack,
    };
    SlaClock { due, remaining, state }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(day: u32, hour: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, min, 0).unwrap()
    }

    #[test]
    fn a_plain_48_hour_clock() {
        let start = t(1, 9, 0);
        let h48 = Duration::hours(48);
        // 10 h in: 38 h left, on track.
        let c = clock(start, h48, &[], None, t(1, 19, 0));
        assert_eq!((c.due, c.remaining, c.state), (t(3, 9, 0), Duration::hours(38), SlaState::OnTrack));
        // 12 h left is exactly a quarter: still on track; one minute later, due soon.
        assert_eq!(clock(start, h48, &[], None, t(2, 21, 0)).state, SlaState::OnTrack);
        assert_eq!(clock(start, h48, &[], None, t(2, 21, 1)).state, SlaState::DueSoon);
        // At the deadline exactly: nothing left, not yet overdue.
        let at = clock(start, h48, &[], None, t(3, 9, 0));
        assert_eq!((at.remaining, at.state), (Duration::zero(), SlaState::DueSoon));
        let late = clock(start, h48, &[], None, t(3, 9, 1));
        assert_eq!((late.remaining, late.state), (Duration::minutes(-1), SlaState::Overdue));
    }

    #[test]
    fn holds_pause_the_clock() {
        let start = t(1, 9, 0);
        let h48 = Duration::hours(48);
        // On hold from day 1 18:00 to day 2 10:00 (16 h) waiting for parts.
        let holds = [Hold { start: t(1, 18, 0), end: Some(t(2, 10, 0)) }];
        let c = clock(start, h48, &holds, None, t(3, 12, 0));
        assert_eq!(c.due, t(4, 1, 0));
        assert_eq!(c.remaining, Duration::hours(13));
        assert_eq!(c.state, SlaState::OnTrack);
        // Still on hold: paused, the deadline keeps moving with now.
        let open = [Hold { start: t(2, 8, 0), end: None }];
        let p = clock(start, h48, &open, None, t(3, 8, 0));
        assert_eq!((p.due, p.state), (t(4, 9, 0), SlaState::Paused));
        // Two holds, the second still open.
        let two = [Hold { start: t(1, 10, 0), end: Some(t(1, 12, 0)) }, Hold { start: t(2, 0, 0), end: None }];
        let c2 = clock(start, h48, &two, None, t(2, 6, 0));
        assert_eq!(c2.due, t(3, 17, 0));
        // A hold that began before the clock started counts only from the start.
        let early = [Hold { start: t(1, 8, 0), end: Some(t(1, 10, 0)) }];
        assert_eq!(clock(start, h48, &early, None, t(1, 12, 0)).due, t(3, 10, 0));
    }

    #[test]
    fn finished_clocks_keep_their_margin() {
        let start = t(1, 9, 0);
        let h24 = Duration::hours(24);
        let met = clock(start, h24, &[], Some(t(1, 15, 0)), t(20, 0, 0));
        assert_eq!((met.remaining, met.state), (Duration::hours(18), SlaState::Met));
        let late = clock(start, h24, &[], Some(t(2, 11, 0)), t(20, 0, 0));
        assert_eq!((late.remaining, late.state), (Duration::hours(-2), SlaState::MetLate));
        // A hold left open when it was resolved counts up to the resolution only.
        let holds = [Hold { start: t(1, 10, 0), end: None }];
        let c = clock(start, h24, &holds, Some(t(2, 12, 0)), t(20, 0, 0));
        assert_eq!((c.due, c.state), (t(3, 11, 0), SlaState::Met));
    }

    #[test]
    fn a_clock_across_a_daylight_saving_change_is_plain_utc() {
        // Stored in UTC: a local clock change (not in China, but on an English tablet abroad)
        // neither adds nor removes an hour.
        let start = Utc.with_ymd_and_hms(2026, 3, 28, 12, 0, 0).unwrap();
        let c = clock(start, Duration::hours(48), &[], None, start + Duration::hours(47));
        assert_eq!(c.remaining, Duration::hours(1));
    }
}
