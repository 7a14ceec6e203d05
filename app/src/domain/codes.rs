//! SMS security codes ('beveiligingscodes'): six digits from the OS CSPRNG,
//! kept only as an HMAC under a server key (so a copy of the database alone
//! cannot try the million codes), valid five minutes, accepted once, and
//! dead after five wrong tries.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use subtle::ConstantTimeEq;

use super::{clock::UnixTime, secret_box::Keyring, token::random_bytes};

const MAC_PURPOSE: &str = "tweestap:sms-code";

pub const CODE_DIGITS: usize = 6;
pub const VALID_SECONDS: i64 = 5 * 60;
pub const MAX_ATTEMPTS_PER_CODE: i64 = 5;

/// A uniformly random six-digit code. Rejection sampling keeps every code
/// equally likely (plain `% 1_000_000` would favour the low ones).
pub fn generate() -> String {
    const RANGE: u32 = 1_000_000;
    const LIMIT: u32 = u32::MAX - (u32::MAX % RANGE);
    loop {
        let n = u32::from_le_bytes(random_bytes::<4>());
        if n < LIMIT {
            return format!("{:06}", n % RANGE);
        }
    }
}

/// `keyid$salt$mac`, salt and MAC base64url; the key id lets keys rotate.
pub fn hash(keys: &Keyring, code: &str) -> String {
    let salt = random_bytes::<16>();
    let (key_id, mac) = mac(keys, None, &salt, code).expect("the current key exists");
    format!("{key_id}${}${mac}", URL_SAFE_NO_PAD.encode(salt))
}

fn mac(keys: &Keyring, key_id: Option<&str>, salt: &[u8], code: &str) -> Option<(String, String)> {
    let mut data = salt.to_vec();
    data.extend_from_slice(code.as_bytes());
    keys.mac(key_id, MAC_PURPOSE, &data)
        .map(|(id, mac)| (id, URL_SAFE_NO_PAD.encode(mac)))
}

pub fn matches(keys: &Keyring, stored: &str, code: &str) -> bool {
    let mut parts = stored.splitn(3, '$');
    let (Some(key_id), Some(salt), Some(expected)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Ok(salt) = URL_SAFE_NO_PAD.decode(salt) else {
        return false;
    };
    let Some((_, actual)) = mac(keys, Some(key_id), &salt, code) else {
        return false;
    };
    actual.as_bytes().ct_eq(expected.as_bytes()).into()
}

/// Reads a code as people type or paste it: `123456`, `123 456`, `123-456`.
pub fn parse_typed(input: &str) -> Result<String, String> {
    let digits: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '-' | '.' | '\t'))
        .collect();
    if digits.is_empty() {
        return Err("Vul de beveiligingscode in.".into());
    }
    if digits.len() != CODE_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("Een beveiligingscode bestaat uit 6 cijfers.".into());
    }
    Ok(digits)
}

/// Why a stored code can no longer be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    Expired,
    Used,
    TooManyAttempts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeState {
    pub expires_at: UnixTime,
    pub attempts: i64,
    pub used: bool,
}

impl CodeState {
    pub fn check(&self, now: UnixTime) -> Result<(), Unusable> {
        if self.used {
            Err(Unusable::Used)
        } else if self.attempts >= MAX_ATTEMPTS_PER_CODE {
            Err(Unusable::TooManyAttempts)
        } else if now >= self.expires_at {
            Err(Unusable::Expired)
        } else {
            Ok(())
        }
    }
}

impl Unusable {
    pub fn message(self) -> &'static str {
        match self {
            Unusable::Expired => "Deze beveiligingscode is verlopen. Vraag een nieuwe code aan met 'Nieuwe code sturen'.",
            Unusable::Used => "Deze beveiligingscode is al gebruikt. Vraag een nieuwe code aan met 'Nieuwe code sturen'.",
            Unusable::TooManyAttempts => "Deze code is te vaak onjuist ingevuld. Vraag een nieuwe code aan met 'Nieuwe code sturen'.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: Vec<String> = (0..200).map(|_| generate()).collect();
        assert!(codes
            .iter()
            .all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit())));
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert!(
            distinct.len() > 190,
            "200 random codes should hardly repeat"
        );
    }

    fn keys(spec: &str) -> Keyring {
        Keyring::parse(spec).unwrap()
    }

    #[test]
    fn only_a_keyed_mac_is_kept_and_it_matches_only_its_code() {
        let k1 = Keyring::new_entry("k1");
        let ring = keys(&k1);
        let stored = hash(&ring, "123456");
        assert!(!stored.contains("123456"));
        assert!(stored.starts_with("k1$"));
        assert!(matches(&ring, &stored, "123456"));
        assert!(!matches(&ring, &stored, "123457"));
        assert_ne!(hash(&ring, "123456"), stored, "each hash has its own salt");
        assert!(!matches(&ring, "rommel", "123456"));
        assert!(!matches(&ring, "k1$!!$abc", "123456"));
        // Without the server's key the stored value cannot be checked.
        let other = keys(&Keyring::new_entry("k1"));
        assert!(!matches(&other, &stored, "123456"));
        // After a rotation, codes made under the old key still match.
        let rotated = keys(&format!("{}\n{k1}", Keyring::new_entry("k2")));
        assert!(matches(&rotated, &stored, "123456"));
        assert!(hash(&rotated, "123456").starts_with("k2$"));
    }

    #[test]
    fn typed_codes_may_be_grouped() {
        for typed in [
            "123456",
            "123 456",
            "123-456",
            " 123 456 ",
            "12 34 56",
            "123\u{a0}456",
        ] {
            assert_eq!(parse_typed(typed).unwrap(), "123456", "{typed:?}");
        }
        assert_eq!(parse_typed("").unwrap_err(), "Vul de beveiligingscode in.");
        for bad in ["12345", "1234567", "12345a", "١٢٣٤٥٦", "123_456"] {
            assert!(parse_typed(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_code_lives_five_minutes_and_five_tries() {
        let t0 = 1_800_000_000;
        let state = CodeState {
            expires_at: t0 + VALID_SECONDS,
            attempts: 0,
            used: false,
        };
        assert_eq!(state.check(t0 + VALID_SECONDS - 1), Ok(()));
        assert_eq!(state.check(t0 + VALID_SECONDS), Err(Unusable::Expired));
        let tried = CodeState {
            attempts: MAX_ATTEMPTS_PER_CODE,
            ..state
        };
        assert_eq!(tried.check(t0), Err(Unusable::TooManyAttempts));
        let used = CodeState {
            used: true,
            ..state
        };
        assert_eq!(used.check(t0), Err(Unusable::Used));
    }
}
