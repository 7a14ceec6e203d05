//! Binding an authenticator app: a new secret waits, unconfirmed, for ten
//! minutes; only when the SMS code and the app's code are both right does
//! it replace the bound one.

use super::clock::UnixTime;

pub const PENDING_SECONDS: i64 = 10 * 60;

/// Seconds the pending binding has left (0: lapsed).
pub fn pending_left(created_at: UnixTime, now: UnixTime) -> i64 {
    (created_at + PENDING_SECONDS - now).max(0)
}

/// The earliest start of a binding that has not lapsed at `now`.
pub fn live_since(now: UnixTime) -> UnixTime {
    now - PENDING_SECONDS + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binding_lapses_after_ten_minutes() {
        let t0 = 1_800_000_000;
        assert_eq!(pending_left(t0, t0), 600);
        assert_eq!(pending_left(t0, t0 + 599), 1);
        assert_eq!(pending_left(t0, t0 + 600), 0);
        assert_eq!(pending_left(t0, t0 + 9999), 0);
    }

    #[test]
    fn live_since_is_where_pending_left_ends() {
        let now = 1_800_000_000;
        assert!(pending_left(live_since(now), now) > 0);
        assert_eq!(pending_left(live_since(now) - 1, now), 0);
    }
}
