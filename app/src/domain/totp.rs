//! Authenticator app codes (TOTP, RFC 6238): SHA-1, 6 digits, 30-second
//! steps, one step of drift either way. `totp-rs` computes the codes; the
//! rule that each step is accepted only once per user lives in storage
//! (`authenticators::claim_step`), because it must hold across instances.

use totp_rs::{Algorithm, Builder, Secret, Totp};

use super::{clock::UnixTime, token::random_bytes};

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u8 = 6;
/// One step of drift either way: a phone clock up to ~30 s off still works.
pub const SKEW_STEPS: u16 = 1;
pub const SECRET_BYTES: usize = 20;

/// 160 random bits from the OS CSPRNG.
pub fn new_secret() -> Vec<u8> {
    random_bytes::<SECRET_BYTES>().to_vec()
}

fn build(secret: &[u8], digits: u8, issuer: Option<&str>, account: &str) -> Result<Totp, String> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(digits)
        .with_skew(SKEW_STEPS)
        .with_step_duration(STEP_SECONDS as u64)
        .with_secret(Secret::from(secret.to_vec()))
        .with_account_name(account)
        .with_issuer(issuer)
        .build()
        .map_err(|e| e.to_string())
}

/// The code an app shows at `time`.
pub fn code_at(secret: &[u8], time: UnixTime) -> String {
    build(secret, DIGITS, None, "")
        .map(|t| t.generate(time.max(0) as u64).to_string())
        .unwrap_or_default()
}

/// The time step the code belongs to, if it is right within the drift.
pub fn verify(secret: &[u8], code: &str, now: UnixTime) -> Option<i64> {
    let totp = build(secret, DIGITS, None, "").ok()?;
    totp.check(code, now.max(0) as u64).map(|step| step as i64)
}

/// Seconds until the app shows its next code.
pub fn seconds_left(now: UnixTime) -> i64 {
    STEP_SECONDS - now.rem_euclid(STEP_SECONDS)
}

/// The Google Authenticator key URI: issuer both as label prefix and as
/// parameter, spaces and accents percent-encoded, so apps show the branch.
/// Issuer and account may not contain ':'; it is replaced by a space.
pub fn otpauth_uri(secret: &[u8], issuer: &str, account: &str) -> Result<String, String> {
    let issuer = issuer.replace(':', " ");
    let account = account.replace(':', " ");
    build(secret, DIGITS, Some(&issuer), &account)?
        .to_url()
        .map_err(|e| e.to_string())
}

/// The key written out for typing: base32 in groups of four.
pub fn key_groups(secret: &[u8]) -> String {
    let base32 = Secret::from(secret.to_vec()).to_base32();
    base32
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads back what `key_groups` wrote (spaces and case do not matter).
pub fn secret_from_key(key: &str) -> Option<Vec<u8>> {
    let compact: String = key
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    Secret::try_from_base32(compact)
        .ok()
        .map(|s| s.as_ref().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B, SHA-1 (8 digits).
    #[test]
    fn rfc6238_sha1_test_vectors() {
        let secret = b"12345678901234567890";
        let totp = build(secret, 8, None, "").unwrap();
        for (time, expected) in [
            (59_u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(totp.generate(time).to_string(), expected, "time {time}");
        }
    }

    #[test]
    fn one_step_of_drift_is_accepted_two_are_not() {
        let secret = new_secret();
        let now = 1_800_000_015;
        let step = now / STEP_SECONDS;
        for (offset, accepted) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = code_at(&secret, now + offset * STEP_SECONDS);
            let result = verify(&secret, &code, now);
            if accepted {
                assert_eq!(result, Some(step + offset), "offset {offset}");
            } else {
                assert_eq!(result, None, "offset {offset}");
            }
        }
        assert_eq!(verify(&secret, "12345", now), None);
        assert_eq!(verify(&secret, "abcdef", now), None);
    }

    #[test]
    fn the_uri_names_the_branch_as_google_authenticator_expects() {
        let secret = b"12345678901234567890";
        let uri = otpauth_uri(secret, "Vestiging Den Haag – Zuidoost é", "bakker").unwrap();
        assert_eq!(
            uri,
            "otpauth://totp/Vestiging%20Den%20Haag%20%E2%80%93%20Zuidoost%20%C3%A9:bakker\
             ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=Vestiging%20Den%20Haag%20%E2%80%93%20Zuidoost%20%C3%A9"
        );
        assert!(otpauth_uri(secret, "A:B", "c:d")
            .unwrap()
            .starts_with("otpauth://totp/A%20B:c%20d?"));
    }

    #[test]
    fn the_written_key_reads_back() {
        let secret = new_secret();
        assert_eq!(secret.len(), 20);
        let key = key_groups(&secret);
        assert!(key.split(' ').all(|g| g.len() == 4), "{key}");
        assert_eq!(secret_from_key(&key.to_lowercase()).unwrap(), secret);
    }

    #[test]
    fn countdown_to_the_next_code() {
        assert_eq!(seconds_left(1_800_000_000), 30);
        assert_eq!(seconds_left(1_800_000_029), 1);
    }
}
