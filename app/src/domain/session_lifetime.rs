//! How long a session lives: an idle limit since the last request and an
//! absolute limit since login, whichever comes first.

use super::clock::UnixTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetime {
    pub idle_seconds: i64,
    pub absolute_seconds: i64,
}

impl Default for SessionLifetime {
    fn default() -> Self {
        SessionLifetime {
            idle_seconds: 60 * 60,
            absolute_seconds: 12 * 60 * 60,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    Live,
    /// Live, and the last-seen time is old enough to be worth writing back.
    LiveNeedsTouch,
    Expired,
}

/// A login waiting for its second factor lapses after this long.
pub const SECOND_FACTOR_SECONDS: i64 = 15 * 60;

/// Writing last-seen on every request would make every page view a database
/// write; once a minute is precise enough for an idle limit of minutes.
const TOUCH_AFTER_SECONDS: i64 = 60;

/// A session is live at a moment when it logged in after
/// `logged_in_after` and was last seen after `seen_after`: the limits as
/// bounds, for a query that asks the same of many sessions at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveBounds {
    pub logged_in_after: UnixTime,
    pub seen_after: UnixTime,
}

impl LiveBounds {
    pub fn holds(&self, logged_in_at: UnixTime, last_seen_at: UnixTime) -> bool {
        logged_in_at > self.logged_in_after && last_seen_at > self.seen_after
    }
}

impl SessionLifetime {
    pub fn live_bounds(&self, now: UnixTime) -> LiveBounds {
        LiveBounds {
            logged_in_after: now - self.absolute_seconds,
            seen_after: now - self.idle_seconds,
        }
    }

    pub fn state(
        &self,
        created_at: UnixTime,
        last_seen_at: UnixTime,
        now: UnixTime,
    ) -> SessionState {
        if !self.live_bounds(now).holds(created_at, last_seen_at) {
            SessionState::Expired
        } else if now - last_seen_at >= TOUCH_AFTER_SECONDS {
            SessionState::LiveNeedsTouch
        } else {
            SessionState::Live
        }
    }
}

/// A session waiting for its second factor: alive for a fixed time only.
pub fn second_factor_state(created_at: UnixTime, now: UnixTime) -> SessionState {
    if now - created_at >= SECOND_FACTOR_SECONDS {
        SessionState::Expired
    } else {
        SessionState::Live
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_waiting_login_lapses_after_fifteen_minutes() {
        assert_eq!(second_factor_state(T0, T0 + 899), SessionState::Live);
        assert_eq!(second_factor_state(T0, T0 + 900), SessionState::Expired);
    }

    const T0: UnixTime = 1_800_000_000;

    #[test]
    fn idle_limit_counts_from_last_request() {
        let life = SessionLifetime::default();
        assert_eq!(life.state(T0, T0, T0 + 30), SessionState::Live);
        assert_eq!(life.state(T0, T0, T0 + 61), SessionState::LiveNeedsTouch);
        assert_eq!(life.state(T0, T0, T0 + 3599), SessionState::LiveNeedsTouch);
        assert_eq!(life.state(T0, T0, T0 + 3600), SessionState::Expired);
        assert_eq!(
            life.state(T0, T0 + 3000, T0 + 3600),
            SessionState::LiveNeedsTouch
        );
    }

    #[test]
    fn absolute_limit_holds_even_for_a_busy_session() {
        let life = SessionLifetime::default();
        let twelve_hours = 12 * 3600;
        assert_eq!(
            life.state(T0, T0 + twelve_hours - 5, T0 + twelve_hours - 1),
            SessionState::Live
        );
        assert_eq!(
            life.state(T0, T0 + twelve_hours - 5, T0 + twelve_hours),
            SessionState::Expired
        );
    }

    #[test]
    fn configured_limits_are_used() {
        let life = SessionLifetime {
            idle_seconds: 10,
            absolute_seconds: 100,
        };
        assert_eq!(life.state(T0, T0, T0 + 10), SessionState::Expired);
        assert_eq!(life.state(T0, T0 + 95, T0 + 100), SessionState::Expired);
    }
}
