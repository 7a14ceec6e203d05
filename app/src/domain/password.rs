//! Password hashing with Argon2id (m = 19456 KiB, t = 2, p = 1).
//!
//! Each hash needs 19 MiB and tens of milliseconds of CPU, so hashes run on
//! a fixed set of worker threads, never on an async worker: a burst of
//! logins waits in line instead of taking the machine's memory. Each worker
//! keeps its 19 MiB work area while busy and gives it back to the OS after
//! a moment without work. The work area is an anonymous memory mapping
//! because the C allocator would keep a freed chunk that large per thread,
//! so the server's memory would only ever grow.

use std::{io, thread, time::Duration};

use argon2::{
    password_hash::{Output, ParamsString, PasswordHash, SaltString},
    Algorithm, Argon2, Block, Params, Version,
};
use memmap2::MmapMut;
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;

use super::token::random_bytes;

pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;
const OUTPUT_BYTES: usize = 32;
const SALT_BYTES: usize = 16;
/// A worker without work for this long unmaps its work area.
const IDLE_RELEASE: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("argon2: {0}")]
    Hash(String),
    #[error("argon2 work area: {0}")]
    Memory(#[from] io::Error),
    #[error("hashing workers stopped")]
    Stopped,
    /// The queue is full: the login is answered 'te druk' at once instead
    /// of waiting behind a flood.
    #[error("hashing queue full")]
    Busy,
}

fn hash_error(err: impl std::fmt::Display) -> PasswordError {
    PasswordError::Hash(err.to_string())
}

fn params() -> Params {
    Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, Some(OUTPUT_BYTES))
        .expect("the fixed Argon2 parameters are valid")
}

/// Argon2's memory: zeroed 1 KiB blocks in an anonymous mapping, returned
/// to the OS when dropped.
pub struct WorkArea {
    map: MmapMut,
}

// A block is 128 u64s aligned to 64 bytes; the mapping is page-aligned.
const _: () = assert!(std::mem::size_of::<Block>() == Block::SIZE);
const _: () = assert!(std::mem::align_of::<Block>() <= 4096);

impl WorkArea {
    pub fn new() -> Result<WorkArea, PasswordError> {
        Self::with_blocks(params().block_count())
    }

    fn with_blocks(blocks: usize) -> Result<WorkArea, PasswordError> {
        Ok(WorkArea {
            map: MmapMut::map_anon(blocks * Block::SIZE)?,
        })
    }

    /// The first `count` blocks, growing the mapping for a stored hash made
    /// with more memory than today's parameters.
    fn blocks(&mut self, count: usize) -> Result<&mut [Block], PasswordError> {
        if self.map.len() < count * Block::SIZE {
            *self = Self::with_blocks(count)?;
        }
        // SAFETY: the mapping is page-aligned and at least `count` blocks
        // long; a block is plain u64s, so any bytes (zeros from the OS, or a
        // previous hash's) are a valid block; the slice borrows `self`.
        Ok(unsafe { std::slice::from_raw_parts_mut(self.map.as_mut_ptr().cast::<Block>(), count) })
    }
}

/// A password in the form it is hashed, checked and counted in: NFKC, so
/// the same password typed on a phone and on a laptop (composed or not,
/// full-width or not) is one password.
pub fn normalised(password: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    password.nfkc().collect()
}

/// Hashes a new password (normalised) into a PHC string, on the calling
/// thread; callers on the async runtime use [`Passwords::hash`] instead.
pub fn hash_with(work: &mut WorkArea, password: &str) -> Result<String, PasswordError> {
    let password = normalised(password);
    let salt = random_bytes::<SALT_BYTES>();
    let params = params();
    let mut out = [0u8; OUTPUT_BYTES];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(
            password.as_bytes(),
            &salt,
            &mut out,
            work.blocks(params.block_count())?,
        )
        .map_err(hash_error)?;
    let salt = SaltString::encode_b64(&salt).map_err(hash_error)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(hash_error)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(hash_error)?),
    };
    Ok(phc.to_string())
}

/// Checks a password (normalised) against a stored PHC string. A password
/// hashed before hashes were normalised was hashed as typed: that form is
/// tried too where it differs, so every existing password keeps working.
pub fn verify_with(work: &mut WorkArea, password: &str, stored: &str) -> bool {
    let nfkc = normalised(password);
    verify_exact(work, &nfkc, stored) || (nfkc != password && verify_exact(work, password, stored))
}

/// Checks exactly `password` against a stored PHC string with the
/// parameters it was made with. Anything unreadable counts as wrong.
fn verify_exact(work: &mut WorkArea, password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Version::try_from(parsed.version.unwrap_or(Version::V0x13.into())),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let Ok(blocks) = work.blocks(params.block_count()) else {
        return false;
    };
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, blocks)
        .is_ok()
        && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
}

/// Hashes on the calling thread with a work area of its own.
pub fn hash_blocking(password: &str) -> Result<String, PasswordError> {
    hash_with(&mut WorkArea::new()?, password)
}

/// A queued hash. `abandoned` tells the worker that nobody waits for the
/// answer any more (the client left), so the hash is skipped.
struct Job {
    run: Box<dyn FnOnce(&mut WorkArea) + Send>,
    abandoned: Box<dyn Fn() -> bool + Send>,
}

/// The hashing workers. Cloning shares them; when the last clone is
/// dropped the workers end.
#[derive(Clone)]
pub struct Passwords {
    jobs: flume::Sender<Job>,
    /// Checked instead when the login name is unknown, so that an unknown
    /// name costs the same time as a wrong password.
    dummy_hash: std::sync::Arc<str>,
}

impl Passwords {
    /// `concurrency` workers: how many hashes may run at once (memory:
    /// 19 MiB each); at most `queue_limit` more wait in line, beyond that a
    /// hash is refused with [`PasswordError::Busy`].
    pub fn new(concurrency: usize, queue_limit: usize) -> Result<Self, PasswordError> {
        let (jobs, queue) = flume::bounded::<Job>(queue_limit.max(1));
        for n in 0..concurrency.max(1) {
            let queue = queue.clone();
            thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || work(queue))?;
        }
        let dummy = hash_blocking("tweestap-dummy-password-for-unknown-users")?;
        Ok(Passwords {
            jobs,
            dummy_hash: dummy.into(),
        })
    }

    /// True when no more hashes may wait: a login can be refused before
    /// any other work is done for it.
    pub fn is_full(&self) -> bool {
        self.jobs.is_full()
    }

    /// Checks waiting for a free hasher now (read when metrics are scraped).
    pub fn waiting(&self) -> usize {
        self.jobs.len()
    }

    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        self.run(move |work| hash_with(work, &password)).await?
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
        let ok = self
            .run(move |work| verify_with(work, &password, &hash))
            .await?;
        Ok(known && ok)
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut WorkArea) -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let (answer, answered) = oneshot::channel();
        let watch = std::sync::Arc::new(std::sync::Mutex::new(Some(answer)));
        let sender = watch.clone();
        let job = Job {
            run: Box::new(move |work| {
                let answer = sender.lock().ok().and_then(|mut a| a.take());
                if let Some(answer) = answer {
                    let _ = answer.send(job(work));
                }
            }),
            abandoned: Box::new(move || {
                watch
                    .lock()
                    .map(|a| a.as_ref().is_none_or(|s| s.is_closed()))
                    .unwrap_or(true)
            }),
        };
        self.jobs.try_send(job).map_err(|err| match err {
            flume::TrySendError::Full(_) => PasswordError::Busy,
            flume::TrySendError::Disconnected(_) => PasswordError::Stopped,
        })?;
        answered.await.map_err(|_| PasswordError::Stopped)
    }
}

/// One worker: takes jobs in turn, keeping its work area between jobs
/// that follow each other closely.
fn work(queue: flume::Receiver<Job>) {
    let mut area: Option<WorkArea> = None;
    loop {
        let job = match queue.recv_timeout(IDLE_RELEASE) {
            Ok(job) => job,
            Err(flume::RecvTimeoutError::Timeout) => {
                area = None;
                match queue.recv() {
                    Ok(job) => job,
                    Err(_) => return,
                }
            }
            Err(flume::RecvTimeoutError::Disconnected) => return,
        };
        if (job.abandoned)() {
            continue;
        }
        let work = match area.as_mut() {
            Some(work) => work,
            None => match WorkArea::new() {
                Ok(fresh) => area.insert(fresh),
                Err(err) => {
                    // The job's caller sees its answer dropped (Stopped).
                    tracing::error!("no memory for an Argon2 work area: {err}");
                    continue;
                }
            },
        };
        (job.run)(work);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let passwords = Passwords::new(2, 16).unwrap();
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
        let passwords = Passwords::new(1, 16).unwrap();
        let dummy_password = "tweestap-dummy-password-for-unknown-users".to_string();
        assert!(!passwords.verify(dummy_password, None).await.unwrap());
    }

    #[tokio::test]
    async fn a_broken_stored_hash_is_a_wrong_password_not_a_crash() {
        let passwords = Passwords::new(1, 16).unwrap();
        assert!(!passwords
            .verify("x".into(), Some("geen-hash".into()))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once_and_left_jobs_are_skipped() {
        let passwords = Passwords::new(1, 2).unwrap();
        // One runs, two wait, the next is refused without waiting.
        let waiting: Vec<_> = (0..3)
            .map(|_| {
                let p = passwords.clone();
                tokio::spawn(async move { p.verify("x".into(), None).await })
            })
            .collect();
        // Until the two are in line (other tests share the cores, so a
        // fixed pause may end before the spawned tasks ran).
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !passwords.is_full() && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let refused = passwords.verify("x".into(), None).await;
        assert!(matches!(refused, Err(PasswordError::Busy)), "{refused:?}");
        // Callers that leave free their place; the worker skips their hash.
        for w in &waiting {
            w.abort();
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let answer = loop {
            match passwords.verify("x".into(), None).await {
                Err(PasswordError::Busy) if std::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(20)).await
                }
                other => break other,
            }
        };
        assert!(!answer.unwrap());
    }

    #[test]
    fn salts_differ_between_hashes() {
        assert_ne!(
            hash_blocking("zelfde").unwrap(),
            hash_blocking("zelfde").unwrap()
        );
    }

    #[test]
    fn hashes_agree_with_the_argon2_crates_own_hasher() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
            .hash_password(
                b"Welkom-2fa!",
                &SaltString::encode_b64(b"zestien bytes!!!").unwrap(),
            )
            .unwrap()
            .to_string();
        let mut work = WorkArea::new().unwrap();
        assert!(verify_with(&mut work, "Welkom-2fa!", &theirs));
        assert!(!verify_with(&mut work, "Welkom-2fa?", &theirs));

        let ours = hash_with(&mut work, "Welkom-2fa!").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(argon2::Argon2::default()
            .verify_password(b"Welkom-2fa!", &parsed)
            .is_ok());
    }

    #[test]
    fn a_hash_made_with_more_memory_still_verifies() {
        use argon2::password_hash::PasswordHasher as _;
        let bigger = Params::new(MEMORY_KIB * 2, 1, 1, None).unwrap();
        let stored = Argon2::new(Algorithm::Argon2id, Version::V0x13, bigger)
            .hash_password(
                b"ouder wachtwoord",
                &SaltString::encode_b64(b"nog een zout...!").unwrap(),
            )
            .unwrap()
            .to_string();
        let mut work = WorkArea::new().unwrap();
        assert!(verify_with(&mut work, "ouder wachtwoord", &stored));
        // And the grown area still serves today's parameters.
        let ours = hash_with(&mut work, "nieuw").unwrap();
        assert!(verify_with(&mut work, "nieuw", &ours));
    }
}
