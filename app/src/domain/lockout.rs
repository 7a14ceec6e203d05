//! The lockout after failed second-factor codes, per account.
//!
//! Ten failed codes lock the account's second step for 15 minutes; each
//! further lockout doubles (capped at a day). Neither a new login nor a new
//! SMS resets the count: only a right code does. Storage applies each step
//! as a compare-and-set, so parallel requests and other server instances
//! cannot lose a failure.

use super::clock::UnixTime;

pub const FAILURES_BEFORE_LOCKOUT: i64 = 10;
pub const FIRST_LOCKOUT_SECONDS: i64 = 15 * 60;
pub const MAX_LOCKOUT_SECONDS: i64 = 24 * 60 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Throttle {
    /// Failed codes since the last lockout or success.
    pub failed_count: i64,
    /// How many lockouts came before; sets the next one's length.
    pub lockout_level: i64,
    pub locked_until: UnixTime,
}

pub fn lockout_seconds(level: i64) -> i64 {
    let factor = 1_i64
        .checked_shl(level.clamp(0, 62) as u32)
        .unwrap_or(i64::MAX);
    FIRST_LOCKOUT_SECONDS
        .saturating_mul(factor)
        .min(MAX_LOCKOUT_SECONDS)
}

impl Throttle {
    /// Seconds until codes are accepted again, if locked now.
    pub fn locked_for(&self, now: UnixTime) -> Option<i64> {
        (self.locked_until > now).then(|| self.locked_until - now)
    }

    pub fn after_failure(&self, now: UnixTime) -> Throttle {
        let failed = self.failed_count + 1;
        if failed >= FAILURES_BEFORE_LOCKOUT {
            Throttle {
                failed_count: 0,
                lockout_level: self.lockout_level + 1,
                locked_until: now + lockout_seconds(self.lockout_level),
            }
        } else {
            Throttle {
                failed_count: failed,
                ..*self
            }
        }
    }

    pub fn after_success(&self) -> Throttle {
        Throttle::default()
    }
}

/// "over 15 minuten", for the messages.
pub fn minutes_text(seconds: i64) -> String {
    let minutes = (seconds + 59) / 60;
    if minutes <= 1 {
        "over 1 minuut".into()
    } else {
        format!("over {minutes} minuten")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: UnixTime = 1_800_000_000;

    fn fail(mut t: Throttle, times: usize, now: UnixTime) -> Throttle {
        for _ in 0..times {
            t = t.after_failure(now);
        }
        t
    }

    #[test]
    fn ten_failures_lock_for_fifteen_minutes() {
        let nine = fail(Throttle::default(), 9, T0);
        assert_eq!(nine.locked_for(T0), None);
        let ten = nine.after_failure(T0);
        assert_eq!(ten.locked_for(T0), Some(15 * 60));
        assert_eq!(ten.locked_for(T0 + 15 * 60), None);
    }

    #[test]
    fn each_next_lockout_doubles_up_to_a_day() {
        let first = fail(Throttle::default(), 10, T0);
        let later = T0 + 3600;
        let second = fail(first, 10, later);
        assert_eq!(second.locked_for(later), Some(30 * 60));
        let third = fail(second, 10, later + 7200);
        assert_eq!(third.locked_for(later + 7200), Some(60 * 60));
        assert_eq!(lockout_seconds(20), MAX_LOCKOUT_SECONDS);
        assert_eq!(lockout_seconds(i64::MAX), MAX_LOCKOUT_SECONDS);
    }

    #[test]
    fn only_success_resets() {
        let locked = fail(Throttle::default(), 10, T0);
        assert_eq!(locked.after_success(), Throttle::default());
    }

    #[test]
    fn minutes_are_rounded_up_for_people() {
        assert_eq!(minutes_text(900), "over 15 minuten");
        assert_eq!(minutes_text(61), "over 2 minuten");
        assert_eq!(minutes_text(5), "over 1 minuut");
    }
}
