//! Secrets at rest: sealed with XChaCha20-Poly1305 under a named key, so
//! keys can rotate (new secrets use the current key; old ones still open
//! with the key their row names). The user id is bound in as associated
//! data, so a sealed secret copied to another user's row does not open.

use std::collections::BTreeMap;

use base64::{engine::general_purpose::STANDARD_NO_PAD, Engine};
use chacha20poly1305::{
    aead::{Aead, KeyInit, Payload},
    XChaCha20Poly1305, XNonce,
};

use super::token::random_bytes;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretBoxError {
    #[error("no key with id {0:?}")]
    UnknownKey(String),
    #[error("sealed secret is damaged or belongs elsewhere")]
    Damaged,
    #[error("bad key specification: {0}")]
    BadKeySpec(String),
}

#[derive(Clone)]
pub struct Keyring {
    current: String,
    keys: BTreeMap<String, [u8; 32]>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("Keyring")
            .field("current", &self.current)
            .field("ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Keyring {
    /// Lines or comma-separated entries `id:base64key`; the first is the
    /// current key. Blank lines and `#` comments are skipped.
    pub fn parse(spec: &str) -> Result<Keyring, SecretBoxError> {
        let mut current = None;
        let mut keys = BTreeMap::new();
        for entry in spec
            .split([',', '\n'])
            .map(str::trim)
            .filter(|e| !e.is_empty() && !e.starts_with('#'))
        {
            let (id, key) = entry
                .split_once(':')
                .ok_or_else(|| SecretBoxError::BadKeySpec("expected id:base64key".into()))?;
            let bytes = STANDARD_NO_PAD
                .decode(key.trim().trim_end_matches('='))
                .map_err(|e| SecretBoxError::BadKeySpec(e.to_string()))?;
            let key: [u8; 32] = bytes
                .try_into()
                .map_err(|_| SecretBoxError::BadKeySpec(format!("key {id:?} is not 32 bytes")))?;
            current.get_or_insert_with(|| id.to_string());
            keys.insert(id.to_string(), key);
        }
        let current = current.ok_or_else(|| SecretBoxError::BadKeySpec("no keys".into()))?;
        Ok(Keyring { current, keys })
    }

    /// A new key entry (`id:base64key`) for a key file.
    pub fn new_entry(id: &str) -> String {
        format!("{id}:{}", STANDARD_NO_PAD.encode(random_bytes::<32>()))
    }

    pub fn current_id(&self) -> &str {
        &self.current
    }

    /// HMAC-SHA256 under the key `key_id` (the current one when `None`),
    /// with `purpose` in front so MACs for one use never fit another.
    /// Returns the key id used; `None` when the key is unknown.
    pub fn mac(
        &self,
        key_id: Option<&str>,
        purpose: &str,
        data: &[u8],
    ) -> Option<(String, [u8; 32])> {
        use hmac::Mac;
        let id = key_id.unwrap_or(&self.current);
        let key = self.keys.get(id)?;
        let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(key).ok()?;
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        Some((id.to_string(), mac.finalize().into_bytes().into()))
    }

    /// Returns the key id and `base64(nonce ‖ ciphertext)`.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> (String, String) {
        let key = &self.keys[&self.current];
        let nonce = random_bytes::<24>();
        let cipher = XChaCha20Poly1305::new(key.into());
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .expect("encryption with a valid key cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        (self.current.clone(), STANDARD_NO_PAD.encode(out))
    }

    pub fn open(
        &self,
        key_id: &str,
        sealed: &str,
        context: &[u8],
    ) -> Result<Vec<u8>, SecretBoxError> {
        let key = self
            .keys
            .get(key_id)
            .ok_or_else(|| SecretBoxError::UnknownKey(key_id.to_string()))?;
        let bytes = STANDARD_NO_PAD
            .decode(sealed)
            .map_err(|_| SecretBoxError::Damaged)?;
        if bytes.len() < 24 {
            return Err(SecretBoxError::Damaged);
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        XChaCha20Poly1305::new(key.into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .map_err(|_| SecretBoxError::Damaged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_context() {
        let ring = Keyring::parse(&Keyring::new_entry("k1")).unwrap();
        let (id, sealed) = ring.seal(b"geheim", b"user:7");
        assert_eq!(id, "k1");
        assert!(!sealed.contains("geheim"));
        assert_eq!(ring.open(&id, &sealed, b"user:7").unwrap(), b"geheim");
        assert_eq!(
            ring.open(&id, &sealed, b"user:8"),
            Err(SecretBoxError::Damaged)
        );
        assert_eq!(
            ring.open("k9", &sealed, b"user:7"),
            Err(SecretBoxError::UnknownKey("k9".into()))
        );
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            ring.open(&id, std::str::from_utf8(&tampered).unwrap(), b"user:7"),
            Err(SecretBoxError::Damaged)
        );
    }

    #[test]
    fn rotation_keeps_old_secrets_readable() {
        let old = Keyring::new_entry("2026a");
        let ring = Keyring::parse(&old).unwrap();
        let (id, sealed) = ring.seal(b"oud", b"ctx");
        let rotated = Keyring::parse(&format!(
            "{}\n# vorige sleutel\n{old}",
            Keyring::new_entry("2026b")
        ))
        .unwrap();
        assert_eq!(rotated.current_id(), "2026b");
        assert_eq!(rotated.open(&id, &sealed, b"ctx").unwrap(), b"oud");
        assert_eq!(rotated.seal(b"nieuw", b"ctx").0, "2026b");
    }

    #[test]
    fn bad_specs_are_refused() {
        assert!(Keyring::parse("").is_err());
        assert!(Keyring::parse("zonder-dubbele-punt").is_err());
        assert!(Keyring::parse("k:dGVrb3J0").is_err());
    }
}
