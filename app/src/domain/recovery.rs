//! Recovery codes ('herstelcodes'): ten single-use codes a user keeps on
//! paper for the day the phone is lost. Each is ten characters from a
//! 32-letter alphabet without look-alikes (50 bits from the OS CSPRNG),
//! shown as `ABCD-EFGH-JK`, and kept only as an HMAC under the server key
//! over the user id and the code: without the key a stolen database
//! cannot try them, and a code never fits another user's row.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use subtle::ConstantTimeEq;

use super::{secret_box::Keyring, token::random_bytes};

pub const CODES_PER_SET: usize = 10;
/// At or below this many unused codes the portal says so after login.
pub const LOW_WATERMARK: i64 = 2;
const LENGTH: usize = 10;
/// No 0/O or 1/I: codes are read off paper and typed by hand.
const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const MAC_PURPOSE: &str = "tweestap:recovery-code";
// Five bits per character, 50 bits per code.
const _: () = assert!(ALPHABET.len() == 32 && LENGTH * 5 >= 50);

/// A fresh set of codes, in the canonical form (no dash).
pub fn generate_set() -> Vec<String> {
    (0..CODES_PER_SET).map(|_| generate()).collect()
}

fn generate() -> String {
    // 32 symbols: five random bits each, no modulo bias.
    random_bytes::<LENGTH>()
        .iter()
        .map(|b| ALPHABET[usize::from(b & 31)] as char)
        .collect()
}

/// `ABCDEFGHJK` → `ABCD-EFGH-JK`, as shown and printed.
pub fn display(code: &str) -> String {
    let mut shown = String::with_capacity(LENGTH + 2);
    for (i, c) in code.chars().enumerate() {
        if i == 4 || i == 8 {
            shown.push('-');
        }
        shown.push(c);
    }
    shown
}

/// Whether typed input looks like a recovery code rather than a six-digit
/// code (the step-up's one field takes both).
pub fn looks_like_one(input: &str) -> bool {
    input.chars().any(|c| c.is_ascii_alphabetic())
}

/// Reads a code as people type it off paper: any case, with or without
/// dashes and spaces.
pub fn parse_typed(input: &str) -> Result<String, String> {
    let code: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '-' | '.' | '\t'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if code.is_empty() {
        return Err("Vul een herstelcode in.".into());
    }
    if code.len() != LENGTH || !code.bytes().all(|b| ALPHABET.contains(&b)) {
        return Err(
            "Een herstelcode bestaat uit 10 letters en cijfers, bijvoorbeeld ABCD-EFGH-JK.".into(),
        );
    }
    Ok(code)
}

fn mac(keys: &Keyring, key_id: Option<&str>, user_id: i64, code: &str) -> Option<(String, String)> {
    let mut data = user_id.to_be_bytes().to_vec();
    data.extend_from_slice(code.as_bytes());
    keys.mac(key_id, MAC_PURPOSE, &data)
        .map(|(id, mac)| (id, URL_SAFE_NO_PAD.encode(mac)))
}

/// `keyid$mac` under the current key.
pub fn hash(keys: &Keyring, user_id: i64, code: &str) -> String {
    let (key_id, mac) = mac(keys, None, user_id, code).expect("the current key exists");
    format!("{key_id}${mac}")
}

pub fn matches(keys: &Keyring, stored: &str, user_id: i64, code: &str) -> bool {
    let Some((key_id, expected)) = stored.split_once('$') else {
        return false;
    };
    let Some((_, actual)) = mac(keys, Some(key_id), user_id, code) else {
        return false;
    };
    actual.as_bytes().ct_eq(expected.as_bytes()).into()
}

/// What 'Mijn gegevens' and the notice after login say about the codes
/// left; `None` when there is nothing to say.
pub fn low_warning(unused: i64, ever_made: bool) -> Option<String> {
    match unused {
        _ if !ever_made => None,
        0 => {
            Some("Je hebt geen herstelcodes meer. Maak nieuwe aan bij 'Mijn gegevens'.".to_string())
        }
        1 => {
            Some("Je hebt nog 1 herstelcode over. Maak nieuwe aan bij 'Mijn gegevens'.".to_string())
        }
        n if n <= LOW_WATERMARK => Some(format!(
            "Je hebt nog {n} herstelcodes over. Maak nieuwe aan bij 'Mijn gegevens'."
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_alphabet_has_32_distinct_unambiguous_characters() {
        let set: HashSet<u8> = ALPHABET.iter().copied().collect();
        assert_eq!(set.len(), 32, "five bits per character");
        for ambiguous in *b"01OI" {
            assert!(!set.contains(&ambiguous), "{}", ambiguous as char);
        }
    }

    #[test]
    fn a_set_is_ten_distinct_well_formed_codes() {
        let set = generate_set();
        assert_eq!(set.len(), CODES_PER_SET);
        assert_eq!(set.iter().collect::<HashSet<_>>().len(), CODES_PER_SET);
        for code in &set {
            assert_eq!(parse_typed(code).as_deref(), Ok(code.as_str()));
        }
    }

    #[test]
    fn codes_are_shown_in_groups_and_typed_any_way() {
        assert_eq!(display("ABCDEFGHJK"), "ABCD-EFGH-JK");
        for typed in [
            "ABCD-EFGH-JK",
            "abcd efgh jk",
            " abcdefghjk ",
            "ABCD-efgh-JK",
        ] {
            assert_eq!(parse_typed(typed).unwrap(), "ABCDEFGHJK", "{typed:?}");
        }
        assert_eq!(parse_typed("").unwrap_err(), "Vul een herstelcode in.");
        for bad in [
            "ABCD-EFGH-J",
            "ABCD-EFGH-JKM",
            "ABCD-EFGH-J1",
            "ABCD-EFGH-J0",
            "ÄBCD-EFGH-JK",
        ] {
            assert!(
                parse_typed(bad).unwrap_err().starts_with("Een herstelcode"),
                "{bad:?}"
            );
        }
        assert!(looks_like_one("abcd-efgh-jk"));
        assert!(!looks_like_one("123 456"));
    }

    #[test]
    fn only_a_keyed_hash_is_kept_and_it_fits_one_user_and_one_code() {
        let ring = Keyring::parse(&Keyring::new_entry("k1")).unwrap();
        let stored = hash(&ring, 7, "ABCDEFGHJK");
        assert!(stored.starts_with("k1$") && !stored.contains("ABCDEFGHJK"));
        assert!(matches(&ring, &stored, 7, "ABCDEFGHJK"));
        assert!(!matches(&ring, &stored, 7, "ABCDEFGHJM"));
        assert!(
            !matches(&ring, &stored, 8, "ABCDEFGHJK"),
            "another user's row"
        );
        let other = Keyring::parse(&Keyring::new_entry("k1")).unwrap();
        assert!(!matches(&other, &stored, 7, "ABCDEFGHJK"), "another key");
        assert!(!matches(&ring, "rommel", 7, "ABCDEFGHJK"));
    }

    #[test]
    fn the_portal_warns_at_two_or_fewer() {
        assert_eq!(low_warning(3, true), None);
        assert!(low_warning(2, true).unwrap().contains("nog 2 herstelcodes"));
        assert!(low_warning(1, true)
            .unwrap()
            .contains("nog 1 herstelcode over"));
        assert!(low_warning(0, true)
            .unwrap()
            .contains("geen herstelcodes meer"));
        assert_eq!(low_warning(0, false), None, "never had any");
    }
}
