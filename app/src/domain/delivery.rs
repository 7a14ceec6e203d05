//! What became of an SMS: the states a provider reports, the order they
//! follow each other in, why one did not arrive, and until when a report
//! is believed. The providers' own words are mapped in their adapters
//! (`server::sms`); here is what every provider's report means.

use super::clock::UnixTime;

/// A report about an SMS sent longer ago than this is refused: a login
/// code is long lapsed by then, and the row it would change is purged.
pub const REPORT_WINDOW_SECONDS: i64 = 24 * 3600;

/// Where an SMS is. Each step only ever moves forward; the last three end it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Handed to a provider; no answer yet.
    Sending,
    /// The provider took it (queued there).
    Accepted,
    /// The provider passed it on to the phone network.
    Sent,
    /// The phone received it.
    Delivered,
    /// The network gave up on it (the phone unreachable, the number unknown).
    Undelivered,
    /// The provider could not send it at all.
    Failed,
}

impl Delivery {
    pub const ALL: [Delivery; 6] = [
        Delivery::Sending,
        Delivery::Accepted,
        Delivery::Sent,
        Delivery::Delivered,
        Delivery::Undelivered,
        Delivery::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Sending => "sending",
            Delivery::Accepted => "accepted",
            Delivery::Sent => "sent",
            Delivery::Delivered => "delivered",
            Delivery::Undelivered => "undelivered",
            Delivery::Failed => "failed",
        }
    }

    pub fn from_stored(stored: &str) -> Option<Delivery> {
        Self::ALL.into_iter().find(|d| d.as_str() == stored)
    }

    fn rank(self) -> u8 {
        match self {
            Delivery::Sending => 0,
            Delivery::Accepted => 1,
            Delivery::Sent => 2,
            Delivery::Delivered | Delivery::Undelivered | Delivery::Failed => 3,
        }
    }

    pub fn is_final(self) -> bool {
        self.rank() == 3
    }

    /// The SMS will not reach the phone: time for another way in, or
    /// another provider.
    pub fn did_not_arrive(self) -> bool {
        matches!(self, Delivery::Undelivered | Delivery::Failed)
    }

    /// Whether a report of `next` may follow `self`: forward only, and
    /// nothing after an end. A report that does not (a replay, a retry, a
    /// late 'sent' after 'delivered') changes nothing.
    pub fn may_become(self, next: Delivery) -> bool {
        !self.is_final() && next.rank() > self.rank()
    }
}

/// Why an SMS did not arrive, in the words the code page and the Logboek use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The phone is off or out of reach.
    Unreachable,
    /// No such number.
    UnknownNumber,
    /// A landline, or a network that takes no SMS.
    Landline,
    /// Blocked or filtered by a network or the provider.
    Blocked,
    /// Kept too long without reaching the phone.
    Expired,
    /// Anything else the provider reports.
    Other,
}

impl Reason {
    pub const ALL: [Reason; 6] = [
        Reason::Unreachable,
        Reason::UnknownNumber,
        Reason::Landline,
        Reason::Blocked,
        Reason::Expired,
        Reason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Unreachable => "unreachable",
            Reason::UnknownNumber => "unknown_number",
            Reason::Landline => "landline",
            Reason::Blocked => "blocked",
            Reason::Expired => "expired",
            Reason::Other => "other",
        }
    }

    pub fn from_stored(stored: &str) -> Option<Reason> {
        Self::ALL.into_iter().find(|r| r.as_str() == stored)
    }

    /// As in "Je SMS is niet afgeleverd (nummer onbereikbaar)."
    pub fn dutch(self) -> &'static str {
        match self {
            Reason::Unreachable => "nummer onbereikbaar",
            Reason::UnknownNumber => "nummer bestaat niet",
            Reason::Landline => "geen mobiel nummer",
            Reason::Blocked => "geweigerd door het netwerk",
            Reason::Expired => "telefoon te lang onbereikbaar",
            Reason::Other => "onbekende oorzaak",
        }
    }
}

/// A provider's report about one SMS, in our words (the adapter has
/// checked that the provider sent it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The provider that reports: only the one that has the SMS counts.
    pub provider: &'static str,
    /// Our reference of the SMS.
    pub reference: String,
    pub status: Delivery,
    pub reason: Option<Reason>,
}

/// What a report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The SMS moved on.
    Changed,
    /// No SMS of ours by that reference with that provider.
    Unknown,
    /// About an SMS older than [`REPORT_WINDOW_SECONDS`].
    Stale,
    /// Not a step forward (a replay, a retry, a late intermediate step).
    NotForward,
}

/// Whether a report about an SMS sent at `sent_at` comes too late.
pub fn stale(sent_at: UnixTime, now: UnixTime) -> bool {
    now - sent_at > REPORT_WINDOW_SECONDS
}

/// The provider to ask first for the next SMS of a login (of `count`
/// providers, in their configured order): the one after the provider whose
/// SMS did not arrive, else the first.
pub fn first_provider(count: usize, last: Option<(usize, Delivery)>) -> usize {
    match last {
        Some((index, status)) if status.did_not_arrive() && count > 0 => (index + 1) % count,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_only_moves_forward_and_stops_at_an_end() {
        use Delivery::*;
        for from in Delivery::ALL {
            for to in Delivery::ALL {
                let expected = match (from, to) {
                    (Delivered | Undelivered | Failed, _) => false,
                    (Sending, Accepted | Sent | Delivered | Undelivered | Failed) => true,
                    (Accepted, Sent | Delivered | Undelivered | Failed) => true,
                    (Sent, Delivered | Undelivered | Failed) => true,
                    _ => false,
                };
                assert_eq!(from.may_become(to), expected, "{from:?} → {to:?}");
            }
        }
    }

    #[test]
    fn stored_names_read_back() {
        for d in Delivery::ALL {
            assert_eq!(Delivery::from_stored(d.as_str()), Some(d));
        }
        for r in Reason::ALL {
            assert_eq!(Reason::from_stored(r.as_str()), Some(r));
        }
        assert_eq!(Delivery::from_stored("bezorgd"), None);
    }

    #[test]
    fn a_report_after_a_day_is_stale() {
        assert!(!stale(1_000, 1_000 + REPORT_WINDOW_SECONDS));
        assert!(stale(1_000, 1_000 + REPORT_WINDOW_SECONDS + 1));
    }

    #[test]
    fn the_next_sms_avoids_the_provider_that_did_not_deliver() {
        assert_eq!(first_provider(2, None), 0);
        assert_eq!(first_provider(2, Some((0, Delivery::Delivered))), 0);
        assert_eq!(first_provider(2, Some((0, Delivery::Sent))), 0);
        assert_eq!(first_provider(2, Some((0, Delivery::Undelivered))), 1);
        assert_eq!(first_provider(2, Some((1, Delivery::Failed))), 0);
        assert_eq!(first_provider(1, Some((0, Delivery::Undelivered))), 0);
    }
}
