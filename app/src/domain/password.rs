//! Password hashing with Argon2id (m = 19456 KiB, t = 2, p = 1).
//!
//! Each hash needs 19 MiB and tens of milliseconds of CPU, so it runs on the
//! blocking pool, never on an async worker, and a semaphore caps how many
//! run at once: a burst of logins waits in line instead of taking the
//! machine's memory.

use std::sync::Arc;

use argon2::{
    password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString},
    Algorithm, Argon2, Params, Version,
};
use tokio::sync::Semaphore;

use super::token::random_bytes;

pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("argon2: {0}")]
    Hash(String),
    #[error("hashing task stopped: {0}")]
    Task(String),
}

pub fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .expect("the fixed Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes on the calling thread; callers on the async runtime use
/// [`Passwords::hash`] instead.
pub fn hash_blocking(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>())
        .map_err(|e| PasswordError::Hash(e.to_string()))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

fn verify_blocking(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// Checked instead when the login name is unknown, so that an unknown
    /// name costs the same time as a wrong password.
    dummy_hash: Arc<str>,
}

impl Passwords {
    /// `concurrency` is how many hashes may run at once (memory: 19 MiB each).
    pub fn new(concurrency: usize) -> Result<Self, PasswordError> {
        let dummy = hash_blocking("tweestap-dummy-password-for-unknown-users")?;
        Ok(Passwords {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy_hash: dummy.into(),
        })
    }

    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        self.run(move || hash_blocking(&password)).await?
    }

    /// `stored` is `None` for an unknown user: the dummy hash is checked and
    /// the answer is always `false`.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let ok = self.run(move || verify_blocking(&password, &hash)).await?;
        Ok(known && ok)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| PasswordError::Task(e.to_string()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| PasswordError::Task(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let passwords = Passwords::new(2).unwrap();
        let hash = passwords.hash("Welkom-2fa!".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(passwords
            .verify("Welkom-2fa!".into(), Some(hash.clone()))
            .await
            .unwrap());
        assert!(!passwords
            .verify("welkom-2fa!".into(), Some(hash))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies() {
        let passwords = Passwords::new(1).unwrap();
        let dummy_password = "tweestap-dummy-password-for-unknown-users".to_string();
        assert!(!passwords.verify(dummy_password, None).await.unwrap());
    }

    #[tokio::test]
    async fn a_broken_stored_hash_is_a_wrong_password_not_a_crash() {
        let passwords = Passwords::new(1).unwrap();
        assert!(!passwords
            .verify("x".into(), Some("geen-hash".into()))
            .await
            .unwrap());
    }

    #[test]
    fn salts_differ_between_hashes() {
        assert_ne!(
            hash_blocking("zelfde").unwrap(),
            hash_blocking("zelfde").unwrap()
        );
    }
}
