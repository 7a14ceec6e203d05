//! A phone whose clock is off: its app shows the code of another 30-second
//! step. One step off is still accepted (the drift TOTP allows) and the
//! user is told how far off the clock is.
//!
//! Further off, a hint must give a guesser nothing. A code of a step that
//! has passed can never log in again, so naming one ("de code van ongeveer
//! 3 minuten geleden") confirms nothing usable. A code of a step still to
//! come would log in once that step arrives: naming it would turn every
//! wrong guess into a check against twenty future codes. So a phone that is
//! ahead is never told so from its code; every wrong app code instead gets
//! the portal's own time to compare the phone with, whatever was typed.

use super::{
    clock::{dutch_time, UnixTime},
    totp::{code_at, STEP_SECONDS},
};

/// How far back a code is placed for the hint ('loopt ongeveer 3 minuten
/// achter'): ten minutes.
pub const HINT_STEPS: i64 = 20;

const FIX: &str = "Zet in de instellingen van je telefoon de automatische tijd aan \
                   ('Automatische datum en tijd' of 'Netwerktijd gebruiken'), dan kloppen de codes weer.";

/// After a login with the code of step `step`: what to tell the user, if
/// the phone's clock is off by a step.
pub fn drift_notice(step: i64, now: UnixTime) -> Option<String> {
    let off = step - now.div_euclid(STEP_SECONDS);
    (off != 0).then(|| {
        format!(
            "De klok van je telefoon loopt ongeveer {} {}. {FIX}",
            amount(off),
            if off < 0 { "achter" } else { "voor" }
        )
    })
}

/// For a code that is not right within the drift: how many steps behind
/// (2 to `HINT_STEPS`) the app showed it, for a phone that is behind. A
/// code that is also the code of a step still to come within that reach
/// (two steps can share a code) is not placed: naming it would confirm a
/// code that logs in later.
pub fn steps_behind(secret: &[u8], code: &str, now: UnixTime) -> Option<i64> {
    let at = |steps: i64| code_at(secret, now + steps * STEP_SECONDS);
    let behind = (2..=HINT_STEPS).find(|d| at(-d) == code)?;
    let logs_in_later = (2..=HINT_STEPS).any(|d| at(d) == code);
    (!logs_in_later).then_some(behind)
}

/// A wrong app code that the phone showed `steps` steps ago.
pub fn behind_message(steps: i64) -> String {
    format!(
        "Deze code is onjuist: het is de code van ongeveer {} geleden. \
         Waarschijnlijk loopt de klok van je telefoon achter. {FIX}",
        amount(steps)
    )
}

/// Any other wrong app code: the same words whatever was typed, with the
/// portal's time to compare the phone's with (a phone that is ahead).
pub fn wrong_app_code_message(sms_too: bool, now: UnixTime) -> String {
    format!(
        "Deze code is onjuist. Vul de code in die je authenticator app nu laat zien{}. \
         Klopt de code van je app steeds niet, kijk dan of de klok van je telefoon gelijkloopt \
         met die van het portaal: het is nu {} uur.",
        if sms_too { ", of een SMS-code" } else { "" },
        dutch_time(now)
    )
}

fn amount(steps_off: i64) -> String {
    let seconds = steps_off.abs() * STEP_SECONDS;
    if seconds < 60 {
        format!("{seconds} seconden")
    } else {
        let minutes = (seconds + 30) / 60;
        if minutes == 1 {
            "1 minuut".to_string()
        } else {
            format!("{minutes} minuten")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::totp::verify;

    const NOW: UnixTime = 1_800_000_015; // halfway a step

    #[test]
    fn a_code_of_the_current_step_says_nothing() {
        assert_eq!(drift_notice(NOW / STEP_SECONDS, NOW), None);
    }

    #[test]
    fn one_step_off_is_told_with_its_direction() {
        let behind = drift_notice(NOW / STEP_SECONDS - 1, NOW).unwrap();
        assert!(
            behind.starts_with("De klok van je telefoon loopt ongeveer 30 seconden achter."),
            "{behind}"
        );
        assert!(behind.contains("automatische tijd"));
        let ahead = drift_notice(NOW / STEP_SECONDS + 1, NOW).unwrap();
        assert!(ahead.contains("30 seconden voor"), "{ahead}");
    }

    #[test]
    fn a_phone_behind_is_told_how_far() {
        let secret = b"12345678901234567890";
        let code = code_at(secret, NOW - 6 * STEP_SECONDS);
        assert_eq!(steps_behind(secret, &code, NOW), Some(6));
        let m = behind_message(6);
        assert!(m.contains("ongeveer 3 minuten geleden"), "{m}");
        assert!(m.contains("loopt de klok van je telefoon achter"), "{m}");
        assert!(behind_message(2).contains("ongeveer 1 minuut geleden"));
        let far = code_at(secret, NOW - 40 * STEP_SECONDS);
        assert_eq!(steps_behind(secret, &far, NOW), None, "beyond the reach");
    }

    /// The guesser's view: for every code the portal could be typed, no
    /// answer that names a step ever belongs to a code that is accepted at
    /// any moment of the next ten minutes; and a code of a step to come is
    /// answered in the very words of a random wrong code.
    #[test]
    fn no_hint_ever_confirms_a_code_that_logs_in_later() {
        for seed in 0..40u8 {
            let secret = [seed; 20];
            for offset in -HINT_STEPS - 2..=HINT_STEPS + 2 {
                let code = code_at(&secret, NOW + offset * STEP_SECONDS);
                if verify(&secret, &code, NOW).is_some() {
                    continue;
                }
                if let Some(steps) = steps_behind(&secret, &code, NOW) {
                    let later_ok = (1..=HINT_STEPS + 1)
                        .any(|d| verify(&secret, &code, NOW + d * STEP_SECONDS).is_some());
                    assert!(
                        !later_ok,
                        "seed {seed}, offset {offset}: named {steps} behind"
                    );
                    assert!(offset < 0, "only a passed step is named");
                }
                if offset > 1 {
                    assert_eq!(steps_behind(&secret, &code, NOW), None, "offset {offset}");
                }
            }
        }
        assert_eq!(
            wrong_app_code_message(true, NOW),
            wrong_app_code_message(true, NOW),
            "the same words for any wrong code"
        );
        assert!(wrong_app_code_message(false, NOW).contains("het is nu "));
    }
}
