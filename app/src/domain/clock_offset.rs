//! A phone whose clock is off: its app shows the code of another 30-second
//! step. One step off is still accepted (the drift TOTP allows) and the
//! user is told how far off the clock is; further off is refused, with the
//! clock named as the likely cause. None of it weakens a code: a code of a
//! far step never logs in.

use super::{clock::UnixTime, totp::STEP_SECONDS};

/// How far a code may be off for the hint ('loopt ongeveer 3 minuten
/// achter'): ten minutes either way.
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
            direction(off)
        )
    })
}

/// For a wrong code that is the app's code of `steps_off` steps away.
pub fn far_off_message(steps_off: i64) -> String {
    format!(
        "Deze code is onjuist: het is de code van ongeveer {} {}. Waarschijnlijk loopt de klok van je telefoon {}. {FIX}",
        amount(steps_off),
        if steps_off < 0 { "geleden" } else { "later" },
        direction(steps_off)
    )
}

/// A phone that is behind shows an earlier step's code.
fn direction(steps_off: i64) -> &'static str {
    if steps_off < 0 {
        "achter"
    } else {
        "voor"
    }
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
    fn further_off_names_the_clock() {
        let m = far_off_message(-6);
        assert!(m.contains("ongeveer 3 minuten geleden"), "{m}");
        assert!(m.contains("loopt de klok van je telefoon achter"), "{m}");
        assert!(far_off_message(2).contains("ongeveer 1 minuut later"));
        assert!(far_off_message(2).contains("voor"));
    }
}
