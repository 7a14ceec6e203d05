//! What a typed code proves, from what was read: the bound app's answer and
//! the newest SMS code's. Plain rules, no storage: the caller stores the
//! outcome in one transaction that re-checks each condition it relied on.

use super::{
    clock::UnixTime,
    clock_offset,
    codes::{CodeState, Unusable},
    totp,
};

/// The typed code, held against the bound app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppAnswer {
    NotBound,
    /// The app's code of this time step, newer than any accepted before.
    Right(i64),
    /// The app's code of a step accepted already (a double submit).
    Used,
    /// Not the app's code now; `Some(n)` when it is the code of `n` steps
    /// ago (a phone whose clock is behind; see `clock_offset`).
    Wrong(Option<i64>),
}

impl AppAnswer {
    /// `last_step` is the newest step accepted before.
    pub fn of(secret: &[u8], last_step: i64, code: &str, now: UnixTime) -> Self {
        match totp::verify(secret, code, now) {
            Some(step) if step > last_step => AppAnswer::Right(step),
            Some(_) => AppAnswer::Used,
            None => AppAnswer::Wrong(clock_offset::steps_behind(secret, code, now)),
        }
    }
}

/// The typed code, held against the newest SMS code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsAnswer {
    NoneSent,
    Unusable(Unusable),
    Right,
    /// Right, but used already (a double submit).
    Used,
    Wrong,
}

impl SmsAnswer {
    /// `right`: whether the typed code is the sent one.
    pub fn of(state: Option<&CodeState>, right: bool, now: UnixTime) -> Self {
        let Some(state) = state else {
            return SmsAnswer::NoneSent;
        };
        match state.check(now) {
            Err(Unusable::Used) if right => SmsAnswer::Used,
            Err(unusable) => SmsAnswer::Unusable(unusable),
            Ok(()) if right => SmsAnswer::Right,
            Ok(()) => SmsAnswer::Wrong,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No app and no code that could be entered: said without counting a
    /// try (`None`: nothing was sent).
    NothingToTry(Option<Unusable>),
    App(i64),
    Sms,
    /// A right code used before: no guess, so no try is counted.
    Replayed,
    /// Counted as a failed try; the clock hint of the app's answer.
    Wrong(Option<i64>),
}

/// The app's code is tried first, then the SMS code; a code that is right
/// for either but used already is a replay, not a guess.
pub fn verdict(app: AppAnswer, sms: SmsAnswer) -> Verdict {
    if app == AppAnswer::NotBound {
        match sms {
            SmsAnswer::NoneSent => return Verdict::NothingToTry(None),
            SmsAnswer::Unusable(why) => return Verdict::NothingToTry(Some(why)),
            _ => {}
        }
    }
    if let AppAnswer::Right(step) = app {
        return Verdict::App(step);
    }
    match (app, sms) {
        (_, SmsAnswer::Right) => Verdict::Sms,
        (_, SmsAnswer::Used) | (AppAnswer::Used, _) => Verdict::Replayed,
        (AppAnswer::Wrong(steps), _) => Verdict::Wrong(steps),
        _ => Verdict::Wrong(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::codes::MAX_ATTEMPTS_PER_CODE;

    const NOW: UnixTime = 1_790_000_000;

    fn code(used: bool, attempts: i64, expires_at: UnixTime) -> CodeState {
        CodeState {
            expires_at,
            attempts,
            used,
        }
    }

    #[test]
    fn without_an_app_a_missing_or_spent_code_costs_no_try() {
        assert_eq!(
            verdict(AppAnswer::NotBound, SmsAnswer::of(None, false, NOW)),
            Verdict::NothingToTry(None)
        );
        let expired = code(false, 0, NOW);
        assert_eq!(
            verdict(
                AppAnswer::NotBound,
                SmsAnswer::of(Some(&expired), true, NOW)
            ),
            Verdict::NothingToTry(Some(Unusable::Expired))
        );
        let tried_out = code(false, MAX_ATTEMPTS_PER_CODE, NOW + 60);
        assert_eq!(
            verdict(
                AppAnswer::NotBound,
                SmsAnswer::of(Some(&tried_out), true, NOW)
            ),
            Verdict::NothingToTry(Some(Unusable::TooManyAttempts))
        );
    }

    #[test]
    fn a_right_sms_code_proves_once_and_a_used_one_is_a_replay() {
        let fresh = code(false, 0, NOW + 60);
        let used = code(true, 0, NOW + 60);
        assert_eq!(
            verdict(AppAnswer::NotBound, SmsAnswer::of(Some(&fresh), true, NOW)),
            Verdict::Sms
        );
        assert_eq!(
            verdict(AppAnswer::NotBound, SmsAnswer::of(Some(&used), true, NOW)),
            Verdict::Replayed
        );
        assert_eq!(
            verdict(AppAnswer::NotBound, SmsAnswer::of(Some(&fresh), false, NOW)),
            Verdict::Wrong(None)
        );
        // A wrong guess at a used code is still a guess.
        assert_eq!(
            verdict(AppAnswer::NotBound, SmsAnswer::of(Some(&used), false, NOW)),
            Verdict::NothingToTry(Some(Unusable::Used))
        );
    }

    #[test]
    fn with_an_app_its_code_comes_first_and_a_wrong_one_counts() {
        assert_eq!(
            verdict(AppAnswer::Right(7), SmsAnswer::Right),
            Verdict::App(7)
        );
        assert_eq!(
            verdict(AppAnswer::Used, SmsAnswer::NoneSent),
            Verdict::Replayed
        );
        assert_eq!(
            verdict(AppAnswer::Wrong(Some(3)), SmsAnswer::NoneSent),
            Verdict::Wrong(Some(3))
        );
        // Nothing sent is no excuse once an app is bound: the try counts.
        assert_eq!(
            verdict(
                AppAnswer::Wrong(None),
                SmsAnswer::Unusable(Unusable::Expired)
            ),
            Verdict::Wrong(None)
        );
        assert_eq!(
            verdict(AppAnswer::Wrong(None), SmsAnswer::Right),
            Verdict::Sms
        );
    }

    #[test]
    fn the_app_code_of_a_step_is_accepted_once() {
        let secret = b"12345678901234567890";
        let now = NOW;
        let typed = totp::code_at(secret, now);
        let step = now / totp::STEP_SECONDS;
        assert_eq!(
            AppAnswer::of(secret, step - 1, &typed, now),
            AppAnswer::Right(step)
        );
        assert_eq!(AppAnswer::of(secret, step, &typed, now), AppAnswer::Used);
        let three_behind = totp::code_at(secret, now - 3 * totp::STEP_SECONDS);
        assert_eq!(
            AppAnswer::of(secret, 0, &three_behind, now),
            AppAnswer::Wrong(Some(3))
        );
        // A code of a step to come is never placed: it logs in later.
        let three_ahead = totp::code_at(secret, now + 3 * totp::STEP_SECONDS);
        assert_eq!(
            AppAnswer::of(secret, 0, &three_ahead, now),
            AppAnswer::Wrong(None)
        );
    }
}
