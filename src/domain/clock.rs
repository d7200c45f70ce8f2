//! Hybrid logical clock: stamps that order every change across tablets.
//!
//! A stamp is (wall-clock milliseconds, counter, device id). A device never issues a stamp
//! lower than one it issued or saw before, even when its system clock jumps backwards
//! (tablets left in a drawer reset their clocks; staff fix the time by hand); the counter
//! breaks ties within one millisecond and the device id breaks ties between devices, so
//! two stamps are never equal unless they are the same stamp.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// One moment in the hybrid clock. Ordered by wall time, then counter, then device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    pub wall_ms: i64,
    pub counter: u32,
    pub device: Uuid,
}

impl Stamp {
    /// The wall-clock part as a UTC time (for display and SLA maths).
    pub fn utc(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_millis(self.wall_ms).unwrap_or_default()
    }
}

/// Text form `WWWWWWWWWWWWW-CCCCCC-DDDD…`: fixed-width, so that comparing two stamps as
/// strings (as IndexedDB does in an index) gives the same order as comparing them here.
impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:013}-{:06}-{}", self.wall_ms.max(0), self.counter, self.device.simple())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a clock stamp: {0}")]
pub struct BadStamp(pub String);

impl FromStr for Stamp {
    type Err = BadStamp;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadStamp(s.chars().take(60).collect());
        let mut parts = s.splitn(3, '-');
        let (Some(w), Some(c), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        // A 14-digit wall clock is read only to repair it: versions before the bound let a
        // counter at its maximum roll the year-2286 stamp over into a 14th digit.
        if !(13..=14).contains(&w.len()) || c.len() != 6 || d.len() != 32 || !w.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        Ok(Stamp {
            wall_ms: w.parse().map_err(|_| bad())?,
            counter: c.parse().map_err(|_| bad())?,
            device: Uuid::try_parse(d).map_err(|_| bad())?,
        })
    }
}

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// How far ahead of this device's wall clock a stamp may be: files with a later stamp are
/// refused, and the clock never issues or adopts one. A day covers a tablet whose time was
/// set by hand in the wrong time zone (up to 14 hours off in UTC); anything further is a
/// wrong date or a made-up file, and adopting it would stamp every later change in the
/// future, on this tablet and on every one that imports from it.
pub const MAX_AHEAD_MS: i64 = 24 * 60 * 60 * 1000;

/// The largest wall clock the fixed-width text form holds (13 digits: the year 2286).
pub const MAX_WALL_MS: i64 = 9_999_999_999_999;

/// The largest counter kept in the fixed-width text form; past it the clock moves to the
/// next millisecond rather than overflow.
pub const MAX_COUNTER: u32 = 999_999;

/// The latest wall clock a stamp may carry when this device's clock reads `physical_ms`.
pub fn latest_allowed_ms(physical_ms: i64) -> i64 {
    physical_ms.clamp(0, MAX_WALL_MS).saturating_add(MAX_AHEAD_MS).min(MAX_WALL_MS)
}

impl Stamp {
    /// Whether this stamp is further ahead of `physical_ms` than any device may be.
    pub fn is_beyond(&self, physical_ms: i64) -> bool {
        self.wall_ms > latest_allowed_ms(physical_ms)
    }

    /// The highest stamp of the given wall clock: everything at or before that millisecond
    /// sorts before it, so it bounds an index range.
    pub fn last_of(wall_ms: i64) -> Stamp {
        Stamp { wall_ms, counter: MAX_COUNTER, device: Uuid::max() }
    }
}

/// Where in the `updated_at` index's text order the stamps of 14 digits sort: between these
/// two (just after the 13-digit stamps of the year 2001, when no record was written).
pub fn rolled_over_range() -> (Stamp, Stamp) {
    (Stamp::last_of(ROLLED_OVER_WALL / 10), Stamp { wall_ms: ROLLED_OVER_WALL / 10 + 1, counter: 0, device: Uuid::nil() })
}

/// The wall clock a rolled-over stamp reads as.
pub const ROLLED_OVER_WALL: i64 = MAX_WALL_MS + 1;

/// The clock of one device. Keep one per app instance and feed it the system time.
///
/// Every stamp it issues fits the text form and is at most [`MAX_AHEAD_MS`] ahead of the
/// system time it was given; within that bound it never goes backwards.
#[derive(Debug, Clone)]
pub struct Hlc {
    device: Uuid,
    last_wall: i64,
    last_counter: u32,
}

impl Hlc {
    pub fn new(device: Uuid) -> Self {
        Hlc { device, last_wall: 0, last_counter: 0 }
    }

    /// Restarts a clock from the highest stamp this device has stored, so that a restart
    /// with a clock set back cannot issue an older stamp than before. A stored stamp beyond
    /// the bound is not adopted (it came from a wrong clock or a bad file; the Data view
    /// offers to repair the records holding it): the clock starts from the system time.
    pub fn resume(device: Uuid, highest_seen: Option<Stamp>, physical_ms: i64) -> Self {
        let mut clock = Hlc::new(device);
        if let Some(s) = highest_seen.filter(|s| !s.is_beyond(physical_ms)) {
            clock.last_wall = s.wall_ms;
            clock.last_counter = s.counter.min(MAX_COUNTER);
        }
        clock
    }

    pub fn device(&self) -> Uuid {
        self.device
    }

    /// A new stamp for a local change, given the system time in milliseconds.
    pub fn tick(&mut self, physical_ms: i64) -> Stamp {
        let physical = physical_ms.clamp(0, MAX_WALL_MS);
        let latest = latest_allowed_ms(physical);
        if self.last_wall > latest {
            // The system clock was set back by more than the bound since the last stamp:
            // carry on from the bound rather than issue stamps further ahead.
            self.last_wall = latest;
            self.last_counter = 0;
            return self.current();
        }
        if physical > self.last_wall {
            self.last_wall = physical;
            self.last_counter = 0;
        } else {
            self.advance_counter();
        }
        self.current()
    }

    /// Takes in a stamp from elsewhere (an imported record) so later local stamps order
    /// after it. A stamp beyond the bound is ignored (the import refuses such files anyway).
    pub fn observe(&mut self, remote: Stamp, physical_ms: i64) {
        if remote.is_beyond(physical_ms) || remote.wall_ms < 0 {
            return;
        }
        let remote_counter = remote.counter.min(MAX_COUNTER);
        let wall = physical_ms.clamp(0, MAX_WALL_MS).max(remote.wall_ms).max(self.last_wall);
        if wall == self.last_wall && wall == remote.wall_ms {
            self.last_counter = self.last_counter.max(remote_counter);
        } else if wall == remote.wall_ms {
            self.last_counter = remote_counter;
        } else if wall != self.last_wall {
            self.last_counter = 0;
        }
        self.last_wall = wall;
    }

    fn advance_counter(&mut self) {
        if self.last_counter < MAX_COUNTER {
            self.last_counter += 1;
        } else if self.last_wall < MAX_WALL_MS {
            self.last_wall += 1;
            self.last_counter = 0;
        }
        // At the very end of the text form (the year 2286) the stamp repeats rather than
        // become one that cannot be written.
    }

    fn current(&self) -> Stamp {
        Stamp { wall_ms: self.last_wall, counter: self.last_counter, device: self.device }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn never_goes_backwards_when_the_system_clock_does() {
        let mut c = Hlc::new(dev(1));
        let a = c.tick(10_000);
        let b = c.tick(5_000); // clock set back by five seconds
        let d = c.tick(5_001);
        let e = c.tick(10_000);
        let f = c.tick(10_001);
        assert!(a < b && b < d && d < e && e < f, "{a} {b} {d} {e} {f}");
        assert_eq!(b.wall_ms, 10_000);
        assert_eq!(f, Stamp { wall_ms: 10_001, counter: 0, device: dev(1) });
    }

    #[test]
    fn many_changes_in_one_millisecond_stay_ordered() {
        let mut c = Hlc::new(dev(1));
        let mut last = c.tick(1);
        for _ in 0..2_000_000 {
            let next = c.tick(1);
            assert!(next > last);
            last = next;
        }
        // The counter overflowed into the next millisecond instead of wrapping.
        assert!(last.wall_ms > 1);
        assert!(last.to_string() > Stamp { wall_ms: 1, counter: MAX_COUNTER, device: dev(1) }.to_string());
    }

    #[test]
    fn observing_a_remote_stamp_orders_later_local_changes_after_it() {
        let mut mine = Hlc::new(dev(1));
        let theirs = Stamp { wall_ms: 50_000, counter: 7, device: dev(2) };
        mine.tick(1_000);
        mine.observe(theirs, 1_000); // our clock is far behind theirs
        let next = mine.tick(1_000);
        assert!(next > theirs);
        assert_eq!((next.wall_ms, next.counter), (50_000, 8));
    }

    #[test]
    fn resume_continues_after_the_highest_stored_stamp() {
        let stored = Stamp { wall_ms: 9_000, counter: 3, device: dev(1) };
        let mut c = Hlc::resume(dev(1), Some(stored), 100);
        assert!(c.tick(100) > stored);
    }

    const NOW: i64 = 1_764_400_000_000;

    #[test]
    fn resume_does_not_adopt_a_stamp_from_the_future() {
        let poisoned = Stamp { wall_ms: 4_102_444_800_000, counter: 0, device: dev(2) }; // 2100
        let mut c = Hlc::resume(dev(1), Some(poisoned), NOW);
        let next = c.tick(NOW);
        assert_eq!((next.wall_ms, next.counter), (NOW, 0));
        // Within the bound it is adopted: a tablet whose clock was an hour fast.
        let hour_ahead = Stamp { wall_ms: NOW + 3_600_000, counter: 4, device: dev(2) };
        assert!(Hlc::resume(dev(1), Some(hour_ahead), NOW).tick(NOW) > hour_ahead);
    }

    #[test]
    fn a_remote_stamp_beyond_the_bound_does_not_move_the_clock() {
        let mut c = Hlc::new(dev(1));
        c.observe(Stamp { wall_ms: MAX_WALL_MS, counter: MAX_COUNTER, device: dev(2) }, NOW);
        c.observe(Stamp { wall_ms: NOW + MAX_AHEAD_MS + 1, counter: 0, device: dev(2) }, NOW);
        assert_eq!(c.tick(NOW).wall_ms, NOW);
        c.observe(Stamp { wall_ms: NOW + MAX_AHEAD_MS, counter: 3, device: dev(2) }, NOW);
        assert_eq!(c.tick(NOW).wall_ms, NOW + MAX_AHEAD_MS);
    }

    #[test]
    fn the_largest_stamp_rolls_into_the_next_millisecond_and_still_reads_back() {
        let at_limit = Stamp { wall_ms: NOW, counter: MAX_COUNTER, device: dev(1) };
        let mut c = Hlc::resume(dev(1), Some(at_limit), NOW);
        let next = c.tick(NOW);
        assert_eq!((next.wall_ms, next.counter), (NOW + 1, 0));
        assert_eq!(next.to_string().parse::<Stamp>().unwrap(), next);
        // The end of the text form: the clock stays there instead of writing a 14th digit.
        let mut end = Hlc::resume(dev(1), Some(Stamp { wall_ms: MAX_WALL_MS, counter: MAX_COUNTER, device: dev(1) }), MAX_WALL_MS);
        let s = end.tick(i64::MAX);
        assert_eq!(s.to_string().len(), "9999999999999-999999-".len() + 32);
        assert_eq!(s.to_string().parse::<Stamp>().unwrap(), s);
    }

    #[test]
    fn a_clock_set_back_by_more_than_the_bound_issues_stamps_within_it() {
        let mut c = Hlc::new(dev(1));
        c.tick(NOW);
        let year_ago = NOW - 365 * 24 * 3_600_000;
        let s = c.tick(year_ago);
        assert!(!s.is_beyond(year_ago));
        assert!(c.tick(year_ago) > s, "ordered again from there");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        #[derive(Debug, Clone)]
        enum Op {
            Tick(i64),
            Observe(i64, u32),
        }

        fn wall() -> impl Strategy<Value = i64> {
            prop_oneof![
                Just(0),
                Just(NOW),
                NOW - 10_000..NOW + 10_000,
                MAX_WALL_MS - 5..=MAX_WALL_MS,
                Just(MAX_WALL_MS + 1),
                Just(i64::MAX),
                Just(-5),
                any::<i64>(),
            ]
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                wall().prop_map(Op::Tick),
                (wall(), prop_oneof![Just(0u32), Just(MAX_COUNTER), Just(MAX_COUNTER - 1), 0..MAX_COUNTER]).prop_map(|(w, c)| Op::Observe(w, c)),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(400))]

            /// Whatever the system time and whatever is observed: every stamp fits the text
            /// form and reads back, none is beyond the bound of the time it was issued at,
            /// and while the system time does not jump back by more than the bound the
            /// stamps only go up.
            #[test]
            fn every_stamp_fits_stays_within_the_bound_and_only_goes_up(
                start in prop::option::of((wall(), prop_oneof![Just(MAX_COUNTER), 0..MAX_COUNTER])),
                physical in wall(),
                ops in prop::collection::vec(op(), 1..60),
            ) {
                let resumed = start.and_then(|(w, c)| (0..=MAX_WALL_MS).contains(&w).then_some(Stamp { wall_ms: w, counter: c, device: dev(3) }));
                let mut clock = Hlc::resume(dev(1), resumed, physical);
                let mut last: Option<(Stamp, i64)> = None;
                // The highest wall clock the clock has held: issued, resumed or observed.
                let mut high = resumed.filter(|r| !r.is_beyond(physical)).map_or(0, |r| r.wall_ms);
                for op in ops {
                    match op {
                        Op::Observe(w, c) => {
                            if (0..=MAX_WALL_MS).contains(&w) {
                                let seen = Stamp { wall_ms: w, counter: c, device: dev(2) };
                                clock.observe(seen, physical);
                                if !seen.is_beyond(physical) {
                                    high = high.max(w).max(physical.clamp(0, MAX_WALL_MS));
                                }
                            }
                        }
                        Op::Tick(now) => {
                            let s = clock.tick(now);
                            prop_assert_eq!(s.to_string().parse::<Stamp>().unwrap(), s);
                            prop_assert!(!s.is_beyond(now), "{} issued at {}", s, now);
                            if let Some((before, then)) = last {
                                let jumped_back = latest_allowed_ms(now) < high;
                                let at_the_end = before.wall_ms == MAX_WALL_MS && before.counter == MAX_COUNTER;
                                if !jumped_back && !at_the_end {
                                    prop_assert!(s > before, "{} after {} (time {} then {})", s, before, then, now);
                                }
                            }
                            high = high.max(s.wall_ms);
                            last = Some((s, now));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn stamps_from_two_devices_are_totally_ordered() {
        let a = Stamp { wall_ms: 5, counter: 0, device: dev(1) };
        let b = Stamp { wall_ms: 5, counter: 0, device: dev(2) };
        assert!(a < b);
        assert_ne!(a, b);
    }

    #[test]
    fn text_form_sorts_like_the_stamps_and_round_trips() {
        let stamps = [
            Stamp { wall_ms: 0, counter: 0, device: dev(9) },
            Stamp { wall_ms: 9, counter: 999_999, device: dev(1) },
            Stamp { wall_ms: 10, counter: 0, device: dev(1) },
            Stamp { wall_ms: 10, counter: 0, device: dev(2) },
            Stamp { wall_ms: 1_764_400_000_000, counter: 12, device: dev(0xabc) },
        ];
        for w in stamps.windows(2) {
            assert!(w[0] < w[1]);
            assert!(w[0].to_string() < w[1].to_string());
        }
        for s in stamps {
            assert_eq!(s.to_string().parse::<Stamp>().unwrap(), s);
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(serde_json::from_str::<Stamp>(&json).unwrap(), s);
        }
        assert!("garbage".parse::<Stamp>().is_err());
        assert!("-000000000001-000000-00000000000000000000000000000001".parse::<Stamp>().is_err());
        // What older versions wrote past the year 2286 reads (to be repaired), and sorts as
        // text inside the range the repair looks in.
        let rolled = "10000000000000-000000-00000000000000000000000000000001";
        let s = rolled.parse::<Stamp>().unwrap();
        assert_eq!(s.wall_ms, ROLLED_OVER_WALL);
        assert!(s.is_beyond(i64::MAX));
        let (after, before) = rolled_over_range();
        assert!(after.to_string().as_str() < rolled && rolled < before.to_string().as_str());
        assert!("0000000000010-000000-zz".parse::<Stamp>().is_err());
    }
}
