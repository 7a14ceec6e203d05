//! How often an SMS may be sent: one per minute per login, five per hour
//! per account, and a daily cap per office (a runaway or abused portal costs
//! money per message).

use super::clock::UnixTime;

pub const RESEND_AFTER_SECONDS: i64 = 60;
pub const PER_ACCOUNT_PER_HOUR: i64 = 5;
pub const HOUR: i64 = 3600;
pub const DAY: i64 = 24 * 3600;

/// What storage counted for one account and its office.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentSoFar {
    /// The newest SMS of this login that reached the gateway.
    pub last_sent_at: Option<UnixTime>,
    /// SMS to this account in the last hour, and the oldest of them.
    pub account_last_hour: i64,
    pub oldest_in_hour: Option<UnixTime>,
    pub office_last_day: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Seconds until a new code may be asked for.
    TooSoon(i64),
    AccountHourly(i64),
    OfficeDaily,
}

pub fn may_send(sent: &SentSoFar, office_daily_cap: i64, now: UnixTime) -> Result<(), Refusal> {
    if let Some(last) = sent.last_sent_at {
        let wait = last + RESEND_AFTER_SECONDS - now;
        if wait > 0 {
            return Err(Refusal::TooSoon(wait));
        }
    }
    if sent.account_last_hour >= PER_ACCOUNT_PER_HOUR {
        let wait = sent
            .oldest_in_hour
            .map_or(HOUR, |oldest| oldest + HOUR - now)
            .max(1);
        return Err(Refusal::AccountHourly(wait));
    }
    if sent.office_last_day >= office_daily_cap {
        return Err(Refusal::OfficeDaily);
    }
    Ok(())
}

/// Seconds until the next code may be asked for (0: now).
pub fn resend_in(last_sent_at: Option<UnixTime>, now: UnixTime) -> i64 {
    last_sent_at.map_or(0, |last| (last + RESEND_AFTER_SECONDS - now).max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: UnixTime = 1_800_000_000;

    fn sent(last: Option<i64>, hour: i64, day: i64) -> SentSoFar {
        SentSoFar {
            last_sent_at: last,
            account_last_hour: hour,
            oldest_in_hour: last.map(|l| l - 600),
            office_last_day: day,
        }
    }

    #[test]
    fn one_per_minute() {
        assert_eq!(
            may_send(&sent(Some(T0), 1, 1), 100, T0 + 59),
            Err(Refusal::TooSoon(1))
        );
        assert_eq!(may_send(&sent(Some(T0), 1, 1), 100, T0 + 60), Ok(()));
        assert_eq!(may_send(&sent(None, 0, 0), 100, T0), Ok(()));
    }

    #[test]
    fn five_per_hour_per_account() {
        assert_eq!(may_send(&sent(Some(T0), 4, 4), 100, T0 + 120), Ok(()));
        assert_eq!(
            may_send(&sent(Some(T0), 5, 5), 100, T0 + 120),
            Err(Refusal::AccountHourly(T0 - 600 + HOUR - (T0 + 120)))
        );
    }

    #[test]
    fn daily_cap_per_office() {
        assert_eq!(
            may_send(&sent(None, 0, 100), 100, T0),
            Err(Refusal::OfficeDaily)
        );
        assert_eq!(may_send(&sent(None, 0, 99), 100, T0), Ok(()));
    }

    #[test]
    fn resend_countdown() {
        assert_eq!(resend_in(Some(T0), T0 + 15), 45);
        assert_eq!(resend_in(Some(T0), T0 + 90), 0);
        assert_eq!(resend_in(None, T0), 0);
    }
}
