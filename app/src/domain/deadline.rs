//! 'Verplicht vanaf': the day from which a client's 'Ja' (or an office
//! user's switch) applies. A day here is a day in the Netherlands: it
//! starts at midnight Europe/Amsterdam, whatever the offset is that day
//! (CET or CEST), so the zone is looked up, never a fixed offset.
//!
//! The date is read from the policy at every login; nothing is copied to
//! the user. So a date moved earlier, or 'Ja' without a date, reaches
//! every user at their next login, also one who chose 'Later'.

use jiff::{civil::Date, Timestamp};

use super::clock::UnixTime;

const ZONE: &str = "Europe/Amsterdam";

/// The notice turns urgent in the last days before the date.
pub const URGENT_DAYS: i64 = 3;

/// The reminders by mail: this many days before the date.
pub const REMINDER_DAYS: [i64; 2] = [7, 1];

const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

/// The date in the Netherlands at `now`.
pub fn today(now: UnixTime) -> Date {
    Timestamp::from_second(now)
        .and_then(|t| t.in_tz(ZONE))
        .map(|z| z.date())
        .unwrap_or_default()
}

/// The day `days` after today in the Netherlands (before, when negative).
pub fn in_days(now: UnixTime, days: i64) -> Deadline {
    let today = today(now);
    Deadline(
        today
            .checked_add(jiff::Span::new().days(days))
            .unwrap_or(today),
    )
}

/// A day from which two-factor login is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Deadline(Date);

impl Deadline {
    pub fn new(date: Date) -> Deadline {
        Deadline(date)
    }

    /// As stored: `2027-02-01`.
    pub fn from_stored(stored: &str) -> Option<Deadline> {
        stored.parse::<Date>().ok().map(Deadline)
    }

    pub fn to_stored(self) -> String {
        self.0.to_string()
    }

    /// A typed date ('' for none): `2027-02-01`, as a date field sends it,
    /// or `1-2-2027`, as people type it. It must be today or later: a date
    /// in the past would be 'Ja' without a date, said less clearly.
    pub fn parse_typed(typed: &str, now: UnixTime) -> Result<Option<Deadline>, String> {
        let typed = typed.trim();
        if typed.is_empty() {
            return Ok(None);
        }
        let date = typed
            .parse::<Date>()
            .ok()
            .or_else(|| Date::strptime("%d-%m-%Y", typed).ok())
            .ok_or_else(|| {
                format!("'{typed}' is geen datum. Vul de datum in als dag-maand-jaar, bijvoorbeeld 1-2-2027.")
            })?;
        if date < today(now) {
            return Err("Kies bij 'Verplicht vanaf' vandaag of een latere datum.".into());
        }
        Ok(Some(Deadline(date)))
    }

    /// From this day on the login asks as 'Ja' does.
    pub fn in_force(self, now: UnixTime) -> bool {
        today(now) >= self.0
    }

    /// Whole days from today until the date; 0 on and after it.
    pub fn days_left(self, now: UnixTime) -> i64 {
        let today = today(now);
        if today >= self.0 {
            return 0;
        }
        today
            .until(self.0)
            .map(|span| i64::from(span.get_days()))
            .unwrap_or(0)
    }

    pub fn urgent(self, now: UnixTime) -> bool {
        !self.in_force(now) && self.days_left(now) <= URGENT_DAYS
    }

    /// The moment the date begins in the Netherlands.
    pub fn starts_at(self) -> UnixTime {
        // The zone data is bundled (jiff's `tzdb-bundle-always`).
        self.0
            .in_tz(ZONE)
            .map(|z| z.timestamp().as_second())
            .unwrap_or(0)
    }

    /// `1 februari 2027`.
    pub fn dutch(self) -> String {
        let month = MONTHS[usize::from(self.0.month().unsigned_abs()) - 1];
        format!("{} {month} {}", self.0.day(), self.0.year())
    }

    /// The notice after login for a user with nothing set up yet.
    pub fn notice(self, now: UnixTime) -> String {
        let days = self.days_left(now);
        format!(
            "Vanaf {} is inloggen met twee-factor-authenticatie verplicht. Stel het nu in: nog {days} {}.",
            self.dutch(),
            if days == 1 { "dag" } else { "dagen" }
        )
    }

    /// Which reminder is due today: the one of seven days before during
    /// the last week (so a date set five days ahead still gets it), the
    /// one of one day before on the last day. Each is sent once.
    pub fn reminder_due(self, now: UnixTime) -> Option<i64> {
        match self.days_left(now) {
            2..=7 => Some(7),
            1 => Some(1),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    /// The Unix time of a wall-clock moment in Amsterdam.
    fn at(y: i16, m: i8, d: i8, h: i8, min: i8) -> UnixTime {
        date(y, m, d)
            .at(h, min, 0, 0)
            .in_tz(ZONE)
            .unwrap()
            .timestamp()
            .as_second()
    }

    #[test]
    fn the_day_begins_at_midnight_in_amsterdam_in_winter_and_summer() {
        // Winter: CET, one hour ahead of UTC.
        let winter = Deadline(date(2027, 2, 1));
        assert!(!winter.in_force(at(2027, 1, 31, 23, 59)));
        assert!(winter.in_force(at(2027, 2, 1, 0, 0)));
        // 23:30 UTC on 31 January is already 1 February in Amsterdam.
        assert_eq!(winter.starts_at(), at(2027, 2, 1, 0, 0));
        assert_eq!(winter.starts_at(), 1_801_436_400); // 2027-01-31 23:00 UTC
                                                       // Summer: CEST, two hours ahead.
        let summer = Deadline(date(2027, 7, 1));
        assert!(!summer.in_force(summer.starts_at() - 1));
        assert!(summer.in_force(summer.starts_at()));
        assert_eq!(summer.starts_at() % 86_400, 22 * 3600);
    }

    #[test]
    fn before_on_and_after_the_date() {
        let d = Deadline(date(2027, 2, 1));
        let before = at(2027, 1, 20, 12, 0);
        assert!(!d.in_force(before));
        assert_eq!(d.days_left(before), 12);
        assert!(!d.urgent(before));
        assert_eq!(
            d.notice(before),
            "Vanaf 1 februari 2027 is inloggen met twee-factor-authenticatie verplicht. \
             Stel het nu in: nog 12 dagen."
        );
        let last_day = at(2027, 1, 31, 8, 0);
        assert_eq!(d.days_left(last_day), 1);
        assert!(d.urgent(last_day));
        assert!(d.notice(last_day).ends_with("nog 1 dag."));
        assert!(d.urgent(at(2027, 1, 29, 0, 0)));
        assert!(!d.urgent(at(2027, 1, 28, 23, 59)));
        for on_or_after in [
            at(2027, 2, 1, 0, 0),
            at(2027, 2, 1, 23, 59),
            at(2028, 1, 1, 0, 0),
        ] {
            assert!(d.in_force(on_or_after));
            assert_eq!(d.days_left(on_or_after), 0);
            assert!(!d.urgent(on_or_after));
        }
    }

    #[test]
    fn a_clock_change_night_does_not_move_the_day() {
        // 28 March 2027: clocks go from 02:00 to 03:00.
        let d = Deadline(date(2027, 3, 29));
        assert_eq!(d.days_left(at(2027, 3, 28, 0, 30)), 1);
        assert_eq!(d.days_left(at(2027, 3, 28, 23, 59)), 1);
        assert!(d.in_force(at(2027, 3, 29, 0, 0)));
        assert_eq!(
            Deadline(date(2027, 3, 29)).starts_at() - Deadline(date(2027, 3, 28)).starts_at(),
            23 * 3600
        );
    }

    #[test]
    fn a_typed_date_is_today_or_later() {
        let now = at(2027, 1, 20, 23, 30);
        assert_eq!(Deadline::parse_typed("", now), Ok(None));
        assert_eq!(
            Deadline::parse_typed("2027-02-01", now),
            Ok(Some(Deadline(date(2027, 2, 1))))
        );
        assert_eq!(
            Deadline::parse_typed(" 1-2-2027 ", now),
            Ok(Some(Deadline(date(2027, 2, 1))))
        );
        assert_eq!(
            Deadline::parse_typed("2027-01-20", now),
            Ok(Some(Deadline(date(2027, 1, 20))))
        );
        assert!(Deadline::parse_typed("2027-01-19", now)
            .unwrap_err()
            .contains("vandaag of een latere datum"));
        assert!(Deadline::parse_typed("31-2-2027", now)
            .unwrap_err()
            .contains("geen datum"));
        assert!(Deadline::parse_typed("morgen", now).is_err());
    }

    #[test]
    fn stored_as_an_iso_date() {
        let d = Deadline(date(2027, 12, 9));
        assert_eq!(d.to_stored(), "2027-12-09");
        assert_eq!(Deadline::from_stored("2027-12-09"), Some(d));
        assert_eq!(Deadline::from_stored("9-12-2027"), None);
        assert_eq!(d.dutch(), "9 december 2027");
    }

    #[test]
    fn reminders_a_week_and_a_day_before() {
        let d = Deadline(date(2027, 2, 1));
        assert_eq!(d.reminder_due(at(2027, 1, 24, 23, 59)), None);
        assert_eq!(d.reminder_due(at(2027, 1, 25, 0, 0)), Some(7));
        assert_eq!(d.reminder_due(at(2027, 1, 30, 12, 0)), Some(7));
        assert_eq!(d.reminder_due(at(2027, 1, 31, 0, 0)), Some(1));
        assert_eq!(d.reminder_due(at(2027, 2, 1, 0, 0)), None);
        assert_eq!(REMINDER_DAYS, [7, 1]);
    }
}
