//! 'Dit apparaat 30 dagen onthouden': a browser that gave the second
//! factor may skip it for a number of days its office chose (0: never).
//! The password is always asked. The browser keeps a random token; the
//! rows keep only its hash. Shortening the office's days shortens trust
//! already given; lengthening does not extend it.

use super::clock::UnixTime;

pub const DEFAULT_DAYS: i64 = 30;
/// A beheerder may choose up to this many days.
pub const MAX_DAYS: i64 = 90;
const DAY: i64 = 24 * 60 * 60;

/// When trust given at `created_at` for `days` ends.
pub fn expires_at(created_at: UnixTime, days: i64) -> UnixTime {
    created_at + days.clamp(0, MAX_DAYS) * DAY
}

/// Whether a browser trusted at `created_at` until `expires_at` may skip
/// the second factor now, under the office's current `office_days`.
pub fn still_trusted(
    created_at: UnixTime,
    expires_at: UnixTime,
    office_days: i64,
    now: UnixTime,
) -> bool {
    office_days > 0
        && created_at <= now
        && now < expires_at
        && now < self::expires_at(created_at, office_days)
}

/// The office's setting as a beheerder types it.
pub fn parse_days(input: &str) -> Result<i64, String> {
    match input.trim().parse::<i64>() {
        Ok(days) if (0..=MAX_DAYS).contains(&days) => Ok(days),
        _ => Err(format!(
            "Vul een aantal dagen in van 0 tot en met {MAX_DAYS} (0 zet het onthouden uit)."
        )),
    }
}

/// 'Chrome op Windows': enough for a user to recognise a browser in the
/// list, from its User-Agent; never the whole header.
pub fn describe(user_agent: &str) -> String {
    let browser = if user_agent.contains("Edg/") {
        "Edge"
    } else if user_agent.contains("Firefox/") {
        "Firefox"
    } else if user_agent.contains("Chrome/") || user_agent.contains("Chromium/") {
        "Chrome"
    } else if user_agent.contains("Safari/") {
        "Safari"
    } else {
        "Een browser"
    };
    let system = if user_agent.contains("Android") {
        "Android"
    } else if user_agent.contains("iPhone") || user_agent.contains("iPad") {
        "iOS"
    } else if user_agent.contains("Windows") {
        "Windows"
    } else if user_agent.contains("Mac OS X") || user_agent.contains("Macintosh") {
        "macOS"
    } else if user_agent.contains("Linux") || user_agent.contains("X11") {
        "Linux"
    } else {
        return browser.to_string();
    };
    format!("{browser} op {system}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: UnixTime = 1_800_000_000;

    #[test]
    fn trust_lasts_the_offices_days_and_never_longer() {
        let until = expires_at(T0, 30);
        assert!(still_trusted(T0, until, 30, T0));
        assert!(still_trusted(T0, until, 30, until - 1));
        assert!(!still_trusted(T0, until, 30, until), "not a second longer");
        // The office shortens it: trust already given shrinks with it.
        assert!(!still_trusted(T0, until, 7, T0 + 8 * DAY));
        assert!(still_trusted(T0, until, 7, T0 + 6 * DAY));
        // The office lengthens it: trust already given does not grow.
        assert!(!still_trusted(T0, until, 90, until + DAY));
        // Off.
        assert!(!still_trusted(T0, until, 0, T0));
        // A row from the future (a clock set back) is no trust.
        assert!(!still_trusted(T0 + 10, until, 30, T0));
        assert_eq!(expires_at(T0, 1000), expires_at(T0, MAX_DAYS));
    }

    #[test]
    fn the_office_setting_is_0_to_90_days() {
        assert_eq!(parse_days(" 30 "), Ok(30));
        assert_eq!(parse_days("0"), Ok(0));
        assert_eq!(parse_days("90"), Ok(90));
        for bad in ["91", "-1", "", "dertig", "3.5"] {
            assert!(parse_days(bad).unwrap_err().starts_with("Vul"), "{bad:?}");
        }
    }

    #[test]
    fn browsers_are_named_as_people_know_them() {
        let chrome_windows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
        assert_eq!(describe(chrome_windows), "Chrome op Windows");
        let edge =
            "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/126.0 Safari/537.36 Edg/126.0";
        assert_eq!(describe(edge), "Edge op Windows");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(describe(iphone), "Safari op iOS");
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(describe(firefox), "Firefox op Linux");
        assert_eq!(describe(""), "Een browser");
    }
}
