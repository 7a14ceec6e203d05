//! What the server may forget, and from when. Everything here is already
//! refused when read (an expired session, a lapsed code or binding, an
//! expired trusted browser); deleting it only keeps the tables, their
//! indexes and every lookup small. The audit log is the one record kept on
//! purpose, for as long as the office's retention says.

use super::{
    binding, clock::UnixTime, factors, session_lifetime::SessionLifetime,
    session_lifetime::SECOND_FACTOR_SECONDS, sms_quota,
};

const DAY: i64 = 24 * 60 * 60;

/// How long the audit log is kept; `None` keeps it for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditRetention {
    pub days: Option<u32>,
}

impl AuditRetention {
    /// Two years: a full calendar year of logins can still be looked back
    /// on during the next year's audit.
    pub const DEFAULT_DAYS: u32 = 730;

    /// The retention as an administrator sets it: a number of days, or 0
    /// for "keep for good".
    pub fn from_days(days: u32) -> AuditRetention {
        AuditRetention {
            days: (days > 0).then_some(days),
        }
    }
}

/// Rows older than these times (strictly before) may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    /// Sessions idle since before this (the idle limit).
    pub session_seen_before: UnixTime,
    /// Sessions created before this (the absolute limit).
    pub session_created_before: UnixTime,
    /// Logins still waiting for their second factor, started before this.
    pub waiting_created_before: UnixTime,
    /// SMS codes sent before this: lapsed long ago, and outside every
    /// window the SMS limits count in (the office's day).
    pub sms_created_before: UnixTime,
    /// Authenticator bindings never confirmed, started before this.
    pub binding_created_before: UnixTime,
    /// Passkey ceremonies begun before this: their challenge lapsed.
    pub ceremony_created_before: UnixTime,
    /// Password counters untouched since before this (and not locked now).
    pub login_counter_idle_before: UnixTime,
    /// Now: trusted browsers whose trust ended before it go, and password
    /// counters are judged "not locked" at it.
    pub now: UnixTime,
    /// Audit rows written before this, when there is a retention.
    pub audit_before: Option<UnixTime>,
}

pub fn cutoffs(now: UnixTime, sessions: &SessionLifetime, audit: AuditRetention) -> Cutoffs {
    Cutoffs {
        session_seen_before: now - sessions.idle_seconds,
        session_created_before: now - sessions.absolute_seconds,
        waiting_created_before: now - SECOND_FACTOR_SECONDS,
        sms_created_before: now - sms_quota::DAY,
        binding_created_before: now - binding::PENDING_SECONDS,
        ceremony_created_before: now - factors::CEREMONY_SECONDS,
        login_counter_idle_before: now - DAY,
        now,
        audit_before: audit.days.map(|days| now - i64::from(days) * DAY),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::session_lifetime::SessionState;

    const NOW: UnixTime = 1_800_000_000;

    fn lifetime() -> SessionLifetime {
        SessionLifetime::default()
    }

    #[test]
    fn a_session_goes_only_once_the_lifetime_refuses_it() {
        let c = cutoffs(NOW, &lifetime(), AuditRetention::from_days(0));
        let life = lifetime();
        // Seen exactly at the cutoff: still refused on read (>=), kept one
        // more sweep; one second earlier: refused and purged.
        assert_eq!(
            life.state(NOW - 100, c.session_seen_before - 1, NOW),
            SessionState::Expired
        );
        assert_ne!(
            life.state(NOW - 100, c.session_seen_before + 1, NOW),
            SessionState::Expired
        );
        assert_eq!(
            life.state(c.session_created_before - 1, NOW, NOW),
            SessionState::Expired
        );
    }

    #[test]
    fn a_waiting_login_goes_after_its_fifteen_minutes() {
        let c = cutoffs(NOW, &lifetime(), AuditRetention::from_days(0));
        assert_eq!(c.waiting_created_before, NOW - 15 * 60);
    }

    #[test]
    fn sms_codes_stay_while_the_office_day_counts_them() {
        let c = cutoffs(NOW, &lifetime(), AuditRetention::from_days(0));
        // The daily office cap counts the last 24 hours: a code of 23 hours
        // ago must still be there to be counted.
        assert!(NOW - 23 * 3600 >= c.sms_created_before);
        assert!(NOW - 25 * 3600 < c.sms_created_before);
    }

    #[test]
    fn a_binding_goes_once_it_can_no_longer_be_confirmed() {
        let c = cutoffs(NOW, &lifetime(), AuditRetention::from_days(0));
        assert_eq!(binding::pending_left(c.binding_created_before, NOW), 0);
        assert!(binding::pending_left(c.binding_created_before + 1, NOW) > 0);
    }

    #[test]
    fn the_audit_log_is_kept_for_good_unless_a_retention_is_set() {
        assert_eq!(
            cutoffs(NOW, &lifetime(), AuditRetention::from_days(0)).audit_before,
            None
        );
        assert_eq!(
            cutoffs(NOW, &lifetime(), AuditRetention::from_days(365)).audit_before,
            Some(NOW - 365 * DAY)
        );
    }
}
