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
        if w.len() != 13 || c.len() != 6 || d.len() != 32 {
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

/// The clock of one device. Keep one per app instance and feed it the system time.
#[derive(Debug, Clone)]
pub struct Hlc {
    device: Uuid,
    last_wall: i64,
    last_counter: u32,
}

/// The largest counter kept in the fixed-width text form; past it the clock borrows a
/// millisecond from the future rather than overflow.
const MAX_COUNTER: u32 = 999_999;

impl Hlc {
    pub fn new(device: Uuid) -> Self {
        Hlc { device, last_wall: 0, last_counter: 0 }
    }

    /// Restarts a clock from the highest stamp this device has stored, so that a restart
    /// with a clock set back cannot issue an older stamp than before.
    pub fn resume(device: Uuid, highest_seen: Option<Stamp>) -> Self {
        let mut clock = Hlc::new(device);
        if let Some(s) = highest_seen {
            clock.last_wall = s.wall_ms;
            clock.last_counter = s.counter;
        }
        clock
    }

    pub fn device(&self) -> Uuid {
        self.device
    }

    /// A new stamp for a local change, given the system time in milliseconds.
    pub fn tick(&mut self, physical_ms: i64) -> Stamp {
        if physical_ms > self.last_wall {
            self.last_wall = physical_ms;
            self.last_counter = 0;
        } else {
            self.advance_counter();
        }
        self.current()
    }

    /// Takes in a stamp from elsewhere (an imported record) so later local stamps order
    /// after it.
    pub fn observe(&mut self, remote: Stamp, physical_ms: i64) {
        let wall = physical_ms.max(remote.wall_ms).max(self.last_wall);
        if wall == self.last_wall && wall == remote.wall_ms {
            self.last_counter = self.last_counter.max(remote.counter);
        } else if wall == remote.wall_ms {
            self.last_counter = remote.counter;
        } else if wall != self.last_wall {
            self.last_counter = 0;
        }
        self.last_wall = wall;
    }

    fn advance_counter(&mut self) {
        if self.last_counter >= MAX_COUNTER {
            self.last_wall += 1;
            self.last_counter = 0;
        } else {
            self.last_counter += 1;
        }
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
        let mut c = Hlc::resume(dev(1), Some(stored));
        assert!(c.tick(100) > stored);
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
        assert!("0000000000010-000000-zz".parse::<Stamp>().is_err());
    }
}
