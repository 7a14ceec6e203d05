//! Where "now" comes from. Production reads the system clock; tests move a
//! manual clock forward to reach expiry without waiting.

use std::sync::atomic::{AtomicI64, Ordering};

/// Seconds since the Unix epoch, UTC. One unit everywhere keeps SQLite and
/// PostgreSQL storing the same plain integers.
pub type UnixTime = i64;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> UnixTime;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixTime {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(start: UnixTime) -> Self {
        ManualClock(AtomicI64::new(start))
    }

    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> UnixTime {
        self.0.load(Ordering::SeqCst)
    }
}

/// `16:04:05` in the Netherlands' time zone (CET/CEST), as users read
/// the time next to their phone's.
pub fn dutch_time(at: UnixTime) -> String {
    dutch(at, "%H:%M:%S")
}

/// `09:01` in the Netherlands' time zone.
pub fn dutch_hour_minute(at: UnixTime) -> String {
    dutch(at, "%H:%M")
}

/// `26-11-2026 16:04:05` in Dutch local time, for lists and the log.
pub fn dutch_date_time(at: UnixTime) -> String {
    dutch(at, "%d-%m-%Y %H:%M:%S")
}

fn dutch(at: UnixTime, format: &str) -> String {
    jiff::Timestamp::from_second(at)
        .and_then(|t| t.in_tz("Europe/Amsterdam"))
        .map(|t| t.strftime(format).to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_dutch_local_time() {
        // 2026-01-15 12:00:00 UTC is 13:00 in winter; 2026-07-15 is 14:00 in summer.
        assert_eq!(dutch_time(1_768_478_400), "13:00:00");
        assert_eq!(dutch_time(1_784_116_800), "14:00:00");
        assert_eq!(dutch_date_time(1_784_116_800), "15-07-2026 14:00:00");
    }
}
