//! The step-up: before anything that changes how an account logs in
//! (binding or replacing an app, unbinding, a new mobile number or e-mail
//! address, turning two-factor login off), the user proves again who they
//! are: the password plus a factor they have now (`domain::factors`). The
//! proof holds for ten minutes in the session that gave it, and only there.

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
}
