//! Lockouts after failed tries: of second-factor codes per account, and of
//! passwords per account and per source address.
//!
//! A try is counted *before* it is judged ([`Throttle::reserve`]): the
//! stored state already holds it as a failure while the code or password
//! is being checked, and a right answer resets it afterwards. So however
//! many requests arrive at once, on however many instances, no more tries
//! are judged than the rule allows. Storage applies each step as a
//! compare-and-set.

use super::clock::UnixTime;

/// How many failures lock, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutRule {
    /// Consecutive failures that lock.
    pub failures: i64,
    /// The first lockout; each next one doubles, up to `max_seconds`.
    pub first_seconds: i64,
    pub max_seconds: i64,
}

/// Second-factor codes of one account (SMS, app, binding, step-up): ten
/// wrong codes lock for 15 minutes. Neither a new login nor a new SMS
/// resets the count; only a right code does.
pub const CODES: LockoutRule = LockoutRule {
    failures: 10,
    first_seconds: 15 * 60,
    max_seconds: 24 * 60 * 60,
};

/// Passwords of one login name (known or not, so the answer tells nobody
/// which names exist).
pub const PASSWORD_ACCOUNT: LockoutRule = CODES;

/// Passwords from one source address, for any login name. Far higher than
/// per account: an office behind one NAT address must not lock itself out
/// because a few people mistyped.
pub const PASSWORD_ADDRESS: LockoutRule = LockoutRule {
    failures: 100,
    first_seconds: 15 * 60,
    max_seconds: 24 * 60 * 60,
};

/// Which source the per-address rule counts a request under: an IPv4
/// address on its own; an IPv6 address by its /64, the block one customer
/// line or host is given, so that walking through the addresses of one's
/// own /64 gives no fresh counter. An IPv4 address written as IPv6
/// (`::ffff:a.b.c.d`) counts as the IPv4 address.
pub fn address_source(ip: std::net::IpAddr) -> String {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let prefix = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{prefix}/64")
            }
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Throttle {
    /// Failed (or still being judged) tries since the last lockout or success.
    pub failed_count: i64,
    /// How many lockouts came before; sets the next one's length.
    pub lockout_level: i64,
    pub locked_until: UnixTime,
}

impl LockoutRule {
    pub fn lockout_seconds(&self, level: i64) -> i64 {
        let factor = 1_i64
            .checked_shl(level.clamp(0, 62) as u32)
            .unwrap_or(i64::MAX);
        self.first_seconds
            .saturating_mul(factor)
            .min(self.max_seconds)
    }
}

impl Throttle {
    /// Seconds until tries are accepted again, if locked now.
    pub fn locked_for(&self, now: UnixTime) -> Option<i64> {
        (self.locked_until > now).then(|| self.locked_until - now)
    }

    /// Takes a try: `Err(wait)` while locked; otherwise the state with this
    /// try counted as a failure, locking when it is the last one allowed.
    /// The try is judged only after this state is stored.
    pub fn reserve(&self, rule: &LockoutRule, now: UnixTime) -> Result<Throttle, i64> {
        match self.locked_for(now) {
            Some(wait) => Err(wait),
            None => Ok(self.after_failure(rule, now)),
        }
    }

    pub fn after_failure(&self, rule: &LockoutRule, now: UnixTime) -> Throttle {
        let failed = self.failed_count + 1;
        if failed >= rule.failures {
            Throttle {
                failed_count: 0,
                lockout_level: self.lockout_level + 1,
                locked_until: now + rule.lockout_seconds(self.lockout_level),
            }
        } else {
            Throttle {
                failed_count: failed,
                ..*self
            }
        }
    }

    /// A right answer: the account starts afresh.
    pub fn after_success(&self) -> Throttle {
        Throttle::default()
    }

    /// Gives back a reserved try that was never judged (the server was too
    /// busy to check it), without resetting the rest.
    pub fn refund(&self) -> Throttle {
        Throttle {
            failed_count: (self.failed_count - 1).max(0),
            ..*self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: UnixTime = 1_800_000_000;

    fn fail(mut t: Throttle, times: usize, now: UnixTime) -> Throttle {
        for _ in 0..times {
            t = t.after_failure(&CODES, now);
        }
        t
    }

    #[test]
    fn ten_failures_lock_for_fifteen_minutes() {
        let nine = fail(Throttle::default(), 9, T0);
        assert_eq!(nine.locked_for(T0), None);
        let ten = nine.after_failure(&CODES, T0);
        assert_eq!(ten.locked_for(T0), Some(15 * 60));
        assert_eq!(ten.locked_for(T0 + 15 * 60), None);
    }

    #[test]
    fn a_reserved_try_already_counts_and_the_tenth_locks_while_judged() {
        let nine = fail(Throttle::default(), 9, T0);
        let tenth = nine.reserve(&CODES, T0).expect("the tenth try is judged");
        assert_eq!(tenth.locked_for(T0), Some(15 * 60));
        // The eleventh, arriving while the tenth is judged, is refused.
        assert_eq!(tenth.reserve(&CODES, T0), Err(15 * 60));
        // A right tenth answer resets everything.
        assert_eq!(tenth.after_success(), Throttle::default());
    }

    #[test]
    fn each_next_lockout_doubles_up_to_a_day() {
        let first = fail(Throttle::default(), 10, T0);
        let later = T0 + 3600;
        let second = fail(first, 10, later);
        assert_eq!(second.locked_for(later), Some(30 * 60));
        let third = fail(second, 10, later + 7200);
        assert_eq!(third.locked_for(later + 7200), Some(60 * 60));
        assert_eq!(CODES.lockout_seconds(20), CODES.max_seconds);
        assert_eq!(CODES.lockout_seconds(i64::MAX), CODES.max_seconds);
    }

    #[test]
    fn only_success_resets_and_a_refund_gives_back_one_try() {
        let locked = fail(Throttle::default(), 10, T0);
        assert_eq!(locked.after_success(), Throttle::default());
        let three = fail(Throttle::default(), 3, T0);
        assert_eq!(three.refund().failed_count, 2);
        assert_eq!(Throttle::default().refund(), Throttle::default());
    }

    #[test]
    fn an_address_may_fail_far_more_often_than_an_account() {
        let mut t = Throttle::default();
        for _ in 0..99 {
            t = t.reserve(&PASSWORD_ADDRESS, T0).unwrap();
        }
        assert_eq!(t.locked_for(T0), None);
        let last = t.reserve(&PASSWORD_ADDRESS, T0).unwrap();
        assert_eq!(last.locked_for(T0), Some(15 * 60));
    }

    #[test]
    fn an_ipv6_source_is_its_slash_64() {
        let source = |text: &str| address_source(text.parse().unwrap());
        assert_eq!(source("192.0.2.7"), "192.0.2.7");
        assert_eq!(source("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(source("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(
            source("2001:db8:1:2:ffff:ffff:ffff:ffff"),
            source("2001:db8:1:2::1"),
            "one /64, one counter"
        );
        assert_ne!(source("2001:db8:1:3::1"), source("2001:db8:1:2::1"));
    }
}
