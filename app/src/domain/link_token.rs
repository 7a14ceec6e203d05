//! The tokens in the links the portal mails: an invitation, a password
//! reset, an address confirmation. Each is 256 random bits, stored only as
//! its SHA-256, used once and short-lived; a newer link of the same kind
//! voids the older. The link is built from the configured public URL
//! only, never from anything in a request (a forged `Host` must not
//! decide where a reset link points).

use super::{
    clock::UnixTime,
    token::{looks_like_token, new_session_token, token_hash},
};

/// Which link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// 'Kies je wachtwoord' for a new account: `/welkom/<token>`.
    Invitation,
    /// 'Wachtwoord vergeten?': `/wachtwoord-herstellen/<token>`.
    Reset,
    /// A new e-mail address: `/e-mailadres-bevestigen/<token>`.
    Address,
}

/// A reset link lives half an hour: long enough to open a mail, short
/// enough that a mailbox read later gives nothing.
pub const RESET_SECONDS: i64 = 30 * 60;
/// An address confirmation lives a day.
pub const ADDRESS_SECONDS: i64 = 24 * 60 * 60;
/// The default life of an invitation (a server setting).
pub const INVITATION_DAYS: i64 = 7;

impl LinkKind {
    pub fn as_db(self) -> &'static str {
        match self {
            LinkKind::Invitation => "invitation",
            LinkKind::Reset => "reset",
            LinkKind::Address => "address",
        }
    }

    /// The path in front of the token.
    pub fn path(self) -> &'static str {
        match self {
            LinkKind::Invitation => "/welkom/",
            LinkKind::Reset => "/wachtwoord-herstellen/",
            LinkKind::Address => "/e-mailadres-bevestigen/",
        }
    }
}

/// How long each kind of link lives, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    pub invitation_seconds: i64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            invitation_seconds: INVITATION_DAYS * 24 * 60 * 60,
        }
    }
}

impl Lifetimes {
    pub fn of(&self, kind: LinkKind) -> i64 {
        match kind {
            LinkKind::Invitation => self.invitation_seconds,
            LinkKind::Reset => RESET_SECONDS,
            LinkKind::Address => ADDRESS_SECONDS,
        }
    }
}

/// A link just made: the token goes into the mail, the hash into storage.
#[derive(Clone)]
pub struct IssuedLink {
    pub kind: LinkKind,
    pub token: String,
    pub hash: String,
    pub expires_at: UnixTime,
}

impl std::fmt::Debug for IssuedLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedLink")
            .field("kind", &self.kind)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl IssuedLink {
    pub fn new(kind: LinkKind, lifetimes: &Lifetimes, now: UnixTime) -> IssuedLink {
        let token = new_session_token();
        IssuedLink {
            kind,
            hash: token_hash(&token),
            token,
            expires_at: now + lifetimes.of(kind),
        }
    }

    /// The address to open: the public URL, the kind's path, the token.
    pub fn url(&self, public_url: &str) -> String {
        format!(
            "{}{}{}",
            public_url.trim_end_matches('/'),
            self.kind.path(),
            self.token
        )
    }
}

/// The hash to look a typed token up by; `None` for anything that is not
/// the shape we issue, which then never reaches the database.
pub fn lookup_hash(typed: &str) -> Option<String> {
    looks_like_token(typed).then(|| token_hash(typed))
}

/// A stored link as read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredLink {
    pub expires_at: UnixTime,
    pub used: bool,
}

impl StoredLink {
    /// Whether it still opens: not used, not voided (a void link's expiry
    /// is set to when it was voided), not expired.
    pub fn opens(&self, now: UnixTime) -> bool {
        !self.used && now < self.expires_at
    }
}

/// At most `max` per `seconds`, counted from the first of a window: the
/// reset mails of an account, the 'Stuur herstellink' of an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateRule {
    pub max: i64,
    pub seconds: i64,
}

/// Three reset mails per account per hour: a stranger typing someone's
/// name cannot flood their mailbox.
pub const RESET_MAILS: RateRule = RateRule {
    max: 3,
    seconds: 60 * 60,
};

/// 'Stuur herstellink' from one source address (as the password gate counts
/// them): generous for an office behind one address, a brake on a script.
pub const RESET_FORM_ADDRESS: RateRule = RateRule {
    max: 30,
    seconds: 15 * 60,
};

/// The count within the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Window {
    pub count: i64,
    pub ends_at: UnixTime,
}

impl Window {
    /// Takes one: the window after it, or `Err(wait)` when the window is
    /// full.
    pub fn take(&self, rule: &RateRule, now: UnixTime) -> Result<Window, i64> {
        if now >= self.ends_at {
            Ok(Window {
                count: 1,
                ends_at: now + rule.seconds,
            })
        } else if self.count < rule.max {
            Ok(Window {
                count: self.count + 1,
                ..*self
            })
        } else {
            Err(self.ends_at - now)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: UnixTime = 1_800_000_000;

    #[test]
    fn a_link_is_the_public_url_the_path_and_a_256_bit_token() {
        let link = IssuedLink::new(LinkKind::Reset, &Lifetimes::default(), T0);
        let url = link.url("https://portaal.example.nl/");
        let token = url
            .strip_prefix("https://portaal.example.nl/wachtwoord-herstellen/")
            .expect(&url);
        // 32 bytes as unpadded base64url.
        assert_eq!(token.len(), 43);
        assert_eq!(lookup_hash(token), Some(link.hash.clone()));
        assert_ne!(link.hash, link.token);
        assert_ne!(
            IssuedLink::new(LinkKind::Reset, &Lifetimes::default(), T0).token,
            link.token
        );
        assert!(!format!("{link:?}").contains(&link.token));
    }

    #[test]
    fn each_kind_lives_its_own_time() {
        let lifetimes = Lifetimes::default();
        let cases = [
            (LinkKind::Invitation, 7 * 24 * 3600, "/welkom/"),
            (LinkKind::Reset, 30 * 60, "/wachtwoord-herstellen/"),
            (LinkKind::Address, 24 * 3600, "/e-mailadres-bevestigen/"),
        ];
        for (kind, seconds, path) in cases {
            let link = IssuedLink::new(kind, &lifetimes, T0);
            assert_eq!(link.expires_at, T0 + seconds, "{kind:?}");
            assert_eq!(kind.path(), path);
            let stored = StoredLink {
                expires_at: link.expires_at,
                used: false,
            };
            assert!(stored.opens(T0 + seconds - 1));
            assert!(!stored.opens(T0 + seconds));
            assert!(!StoredLink {
                used: true,
                ..stored
            }
            .opens(T0));
        }
        let short = Lifetimes {
            invitation_seconds: 60,
        };
        assert_eq!(short.of(LinkKind::Invitation), 60);
    }

    #[test]
    fn only_our_shape_is_looked_up() {
        for typed in ["", "abc", &"a".repeat(44), &format!("{}=", "a".repeat(42))] {
            assert_eq!(lookup_hash(typed), None, "{typed}");
        }
    }

    #[test]
    fn three_mails_an_hour_from_the_first() {
        let mut w = Window::default();
        for i in 0..3 {
            w = w.take(&RESET_MAILS, T0 + i).unwrap();
        }
        assert_eq!(w.count, 3);
        assert_eq!(w.take(&RESET_MAILS, T0 + 10), Err(3600 - 10));
        assert_eq!(w.take(&RESET_MAILS, T0 + 3599), Err(1));
        let fresh = w.take(&RESET_MAILS, T0 + 3600).unwrap();
        assert_eq!(
            fresh,
            Window {
                count: 1,
                ends_at: T0 + 7200
            }
        );
    }
}
