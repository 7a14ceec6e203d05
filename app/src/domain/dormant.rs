//! Dormant accounts: 'Niet ingelogd in N dagen' (an office setting), the
//! week's warning by mail, and the optional block after it.
//!
//! The quiet time counts from the latest of the last login, the account's
//! creation and its last unblocking: an account unblocked today is not
//! blocked again tomorrow for the months before its block.

use super::clock::UnixTime;

const DAY: i64 = 24 * 60 * 60;
/// The warning comes this many days before the block.
pub const WARNING_DAYS: i64 = 7;
/// The office's choice is kept within these bounds ('Kantoor').
pub const MIN_DAYS: i64 = 30;
pub const MAX_DAYS: i64 = 730;
pub const DEFAULT_DAYS: i64 = 180;

/// One account's dates, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quiet {
    pub created_at: UnixTime,
    pub last_login_at: Option<UnixTime>,
    pub unblocked_at: Option<UnixTime>,
    /// The warning of this quiet spell, if sent.
    pub warned_at: Option<UnixTime>,
    /// Whether a warning can reach the user at all.
    pub has_address: bool,
}

impl Quiet {
    /// When the quiet time began.
    pub fn since(&self) -> UnixTime {
        [Some(self.created_at), self.last_login_at, self.unblocked_at]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(self.created_at)
    }
}

/// What the office's rule asks for one account now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Nothing,
    /// Mail the warning: the block follows in a week at the earliest.
    Warn,
    /// Block it.
    Block,
}

/// The number of days the office counts as dormant, within bounds.
pub fn clamp_days(days: i64) -> i64 {
    days.clamp(MIN_DAYS, MAX_DAYS)
}

/// Quiet for `days` or more at `now`: the column on 'Overzicht'.
pub fn is_dormant(quiet: &Quiet, days: i64, now: UnixTime) -> bool {
    quiet.since() < dormant_before(days, now)
}

/// The same rule as a moment for a query: quiet since before it is
/// dormant ('Overzicht' counts in SQL, `storage::overview`).
pub fn dormant_before(days: i64, now: UnixTime) -> UnixTime {
    now - days * DAY + 1
}

/// The office's 'Niet ingelogd' days as typed on 'Kantoor'.
pub fn parse_days(typed: &str) -> Result<i64, String> {
    match typed.trim().parse::<i64>() {
        Ok(days) if (MIN_DAYS..=MAX_DAYS).contains(&days) => Ok(days),
        _ => Err(format!(
            "Niet ingelogd na (dagen): vul een aantal dagen in van {MIN_DAYS} tot en met {MAX_DAYS}."
        )),
    }
}

/// What the dormant block asks for this account (only where the office
/// switched it on). A user with an address is warned first and blocked no
/// sooner than a week after the warning, even when the office turns the
/// rule on for accounts long quiet; one without an address is blocked
/// when dormant, as nothing could warn them.
pub fn due(quiet: &Quiet, days: i64, now: UnixTime) -> Due {
    let since = quiet.since();
    let warned = quiet.warned_at.filter(|&at| at >= since);
    let block_from = since + days * DAY;
    if !quiet.has_address {
        return if now >= block_from {
            Due::Block
        } else {
            Due::Nothing
        };
    }
    match warned {
        Some(at) if now >= block_from.max(at + WARNING_DAYS * DAY) => Due::Block,
        Some(_) => Due::Nothing,
        None if now >= block_from - WARNING_DAYS * DAY => Due::Warn,
        None => Due::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: UnixTime = 1_790_000_000;

    fn quiet(last: Option<i64>, warned: Option<i64>, address: bool) -> Quiet {
        Quiet {
            created_at: T0,
            last_login_at: last,
            unblocked_at: None,
            warned_at: warned,
            has_address: address,
        }
    }

    #[test]
    fn a_recent_login_is_not_dormant() {
        let q = quiet(Some(T0 + 100 * DAY), None, true);
        assert!(!is_dormant(&q, 180, T0 + 279 * DAY));
        assert!(is_dormant(&q, 180, T0 + 280 * DAY));
        assert_eq!(due(&q, 180, T0 + 272 * DAY), Due::Nothing);
    }

    #[test]
    fn the_warning_comes_a_week_before_and_the_block_after_it() {
        let q = quiet(None, None, true);
        assert_eq!(due(&q, 180, T0 + 172 * DAY), Due::Nothing);
        assert_eq!(due(&q, 180, T0 + 173 * DAY), Due::Warn);
        let warned = quiet(None, Some(T0 + 173 * DAY), true);
        assert_eq!(due(&warned, 180, T0 + 179 * DAY), Due::Nothing);
        assert_eq!(due(&warned, 180, T0 + 180 * DAY), Due::Block);
    }

    #[test]
    fn a_rule_switched_on_late_still_gives_a_week() {
        // Quiet for 400 days when the office turns the rule on.
        let q = quiet(None, None, true);
        assert_eq!(due(&q, 180, T0 + 400 * DAY), Due::Warn);
        let warned = quiet(None, Some(T0 + 400 * DAY), true);
        assert_eq!(due(&warned, 180, T0 + 406 * DAY), Due::Nothing);
        assert_eq!(due(&warned, 180, T0 + 407 * DAY), Due::Block);
    }

    #[test]
    fn a_login_after_the_warning_starts_again() {
        // Warned, then logged in: the old warning no longer counts.
        let q = quiet(Some(T0 + 175 * DAY), Some(T0 + 173 * DAY), true);
        assert_eq!(due(&q, 180, T0 + 200 * DAY), Due::Nothing);
        assert_eq!(due(&q, 180, T0 + 348 * DAY), Due::Warn);
    }

    #[test]
    fn unblocking_restarts_the_quiet_time() {
        let mut q = quiet(None, None, true);
        q.unblocked_at = Some(T0 + 300 * DAY);
        assert!(!is_dormant(&q, 180, T0 + 301 * DAY));
        assert_eq!(due(&q, 180, T0 + 301 * DAY), Due::Nothing);
    }

    #[test]
    fn without_an_address_the_block_comes_when_dormant() {
        let q = quiet(None, None, false);
        assert_eq!(due(&q, 180, T0 + 179 * DAY), Due::Nothing);
        assert_eq!(due(&q, 180, T0 + 180 * DAY), Due::Block);
    }

    #[test]
    fn the_query_moment_and_the_rule_agree_at_the_edge() {
        let q = quiet(None, None, true);
        for offset in [-1, 0, 1] {
            let now = T0 + 180 * DAY + offset;
            assert_eq!(is_dormant(&q, 180, now), now - T0 >= 180 * DAY, "{offset}");
            assert_eq!(
                q.since() < dormant_before(180, now),
                is_dormant(&q, 180, now)
            );
        }
    }

    #[test]
    fn typed_days_are_a_number_within_bounds() {
        assert_eq!(parse_days(" 180 "), Ok(180));
        for bad in ["", "29", "731", "zes", "-5"] {
            assert!(
                parse_days(bad).unwrap_err().starts_with("Niet ingelogd na"),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_office_choice_is_kept_within_bounds() {
        assert_eq!(clamp_days(1), MIN_DAYS);
        assert_eq!(clamp_days(180), 180);
        assert_eq!(clamp_days(10_000), MAX_DAYS);
    }
}
