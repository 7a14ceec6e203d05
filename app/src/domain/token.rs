//! Session tokens: 256 random bits from the operating system's CSPRNG. The
//! browser holds the token; the database holds only its SHA-256, so a copy
//! of the database opens no sessions.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use sha2::{Digest, Sha256};

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // Without an OS random source nothing here can be secure: stop loudly.
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes
}

pub fn new_session_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// Tokens we issue have exactly this shape; anything else is refused before
/// it reaches the database.
pub fn looks_like_token(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// An SMS's reference: 128 random bits as 32 hex digits, which fits
/// every provider's reference field (CM.com takes 32 letters and digits).
/// Unguessable, so a forged report cannot name an SMS it has not seen.
pub fn new_sms_reference() -> String {
    new_opaque_id()
}

/// 128 random bits as 32 hex digits: a name that says nothing and cannot
/// be guessed (an SMS's reference, a session's `sid`, a user's `sub`).
pub fn new_opaque_id() -> String {
    random_bytes::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn looks_like_sms_reference(value: &str) -> bool {
    value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_distinct_and_well_formed() {
        let a = new_session_token();
        let b = new_session_token();
        assert_ne!(a, b);
        assert!(looks_like_token(&a), "{a}");
        assert!(!looks_like_token("kort"));
        assert!(!looks_like_token(&format!("{}=", &a[..42])));
    }

    #[test]
    fn the_stored_hash_is_not_the_token() {
        let token = new_session_token();
        assert_ne!(token_hash(&token), token);
        assert_eq!(token_hash(&token), token_hash(&token));
    }

    #[test]
    fn sms_references_are_distinct_and_well_formed() {
        let a = new_sms_reference();
        assert!(looks_like_sms_reference(&a), "{a}");
        assert_ne!(a, new_sms_reference());
        assert!(!looks_like_sms_reference("abc"));
        assert!(!looks_like_sms_reference(&"g".repeat(32)));
    }
}
