//! The step-up: before anything that changes how an account logs in
//! (binding or replacing an app, unbinding, a new mobile number, turning
//! two-factor login off), the user proves again who they are: the password
//! plus the factor they have now. The proof holds for ten minutes in the
//! session that gave it, and only there.

use super::clock::UnixTime;

pub const VALID_SECONDS: i64 = 10 * 60;

/// Seconds the session's step-up has left (0: none, or too old).
pub fn left(stepped_up_at: Option<UnixTime>, now: UnixTime) -> i64 {
    stepped_up_at.map_or(0, |at| {
        if at > now {
            // A time in the future is no proof (a clock set back).
            0
        } else {
            (at + VALID_SECONDS - now).max(0)
        }
    })
}

/// What proves the user next to the password: the factor they have now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentFactor {
    /// A bound authenticator app: its code.
    pub app: bool,
    /// A stored mobile number: an SMS code sent to that number, never to
    /// one typed now.
    pub sms: bool,
    /// Unused recovery codes: one of them (the phone is lost).
    pub recovery: bool,
}

impl CurrentFactor {
    pub fn of(app_bound: bool, stored_mobile: Option<&str>, recovery_left: i64) -> CurrentFactor {
        CurrentFactor {
            app: app_bound,
            sms: stored_mobile.is_some(),
            recovery: recovery_left > 0,
        }
    }

    /// A user with no factor yet proves the password alone.
    pub fn needs_code(&self) -> bool {
        self.app || self.sms || self.recovery
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: UnixTime = 1_800_000_000;

    #[test]
    fn a_step_up_holds_ten_minutes() {
        assert_eq!(left(None, T0), 0);
        assert_eq!(left(Some(T0), T0), 600);
        assert_eq!(left(Some(T0), T0 + 599), 1);
        assert_eq!(left(Some(T0), T0 + 600), 0);
        assert_eq!(
            left(Some(T0 + 5), T0),
            0,
            "a proof from the future counts for nothing"
        );
    }

    #[test]
    fn the_proof_is_the_factor_the_user_has() {
        assert!(!CurrentFactor::of(false, None, 0).needs_code());
        let sms = CurrentFactor::of(false, Some("+31612345678"), 0);
        assert!(sms.needs_code() && sms.sms && !sms.app);
        let app = CurrentFactor::of(true, None, 0);
        assert!(app.needs_code() && app.app && !app.sms);
        let paper = CurrentFactor::of(false, None, 3);
        assert!(
            paper.needs_code() && paper.recovery,
            "recovery codes are a factor too"
        );
    }
}
