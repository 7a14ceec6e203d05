//! Logins waiting for their second factor, made straight in the database
//! with the app's own storage functions. A code is accepted once, so a
//! verification benchmark needs one pending login per request: going
//! through the password step for each would measure Argon2 again.

use std::{
    fmt::Write as _,
    path::Path,
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use anyhow::Context;
use app::{
    domain::{
        codes,
        password::hash_blocking,
        secret_box::Keyring,
        token::{new_session_token, token_hash},
        totp,
    },
    factors,
    model::UserKind,
    storage::{
        authenticators,
        codes::{reserve, NewCode},
        offices,
        sessions::{self, SessionRecord, Stage},
        users::{self, NewUser},
        Db,
    },
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    /// A bound authenticator app; the request carries its current code.
    App,
    /// An SMS code sent at login; the request carries that code.
    Sms,
}

impl Factor {
    fn name(self) -> &'static str {
        match self {
            Factor::App => "app",
            Factor::Sms => "sms",
        }
    }
}

/// Writes `count` lines of "<session token> <right code>" to `file`.
/// `count` office users without a second factor, all with the demo
/// password; writes one login form body per line to `file`.
pub async fn login_accounts(db: &Db, count: usize, file: &Path) -> anyhow::Result<()> {
    let now = unix_now();
    let office = offices::create_office(db, &format!("Inlogkantoor {now}"), now).await?;
    let branch = offices::create_branch(db, office, "Inloggen").await?;
    let password_hash = hash_blocking("Welkom-2fa!")?;
    let mut lines = String::new();
    for i in 0..count {
        let login = format!("inlog-{now}-{i}");
        users::create_user(
            db,
            &NewUser {
                office_id: office,
                kind: UserKind::Office,
                login_name: &login,
                display_name: &login,
                email: None,
                mobile: None,
                password_hash: &password_hash,
                branch_id: Some(branch),
                is_beheerder: false,
                two_factor_required: false,
            },
            now,
        )
        .await?;
        let _ = writeln!(lines, "login_name={login}&password=Welkom-2fa%21");
    }
    std::fs::write(file, lines).with_context(|| format!("writing {}", file.display()))?;
    Ok(())
}

pub async fn pending_logins(
    db: &Db,
    keys: &Keyring,
    factor: Factor,
    count: usize,
    file: &Path,
) -> anyhow::Result<()> {
    let now = unix_now();
    let label = format!("bench-{}-{now}", factor.name());
    let office = offices::create_office(db, &format!("Benchkantoor {label}"), now).await?;
    let branch = offices::create_branch(db, office, "Bench").await?;
    // Nobody logs in with it: these users start at the second step.
    let password_hash: Arc<str> = hash_blocking("niet-gebruikt-wachtwoord")?.into();

    // A few writers at once: PostgreSQL uses them; SQLite queues them.
    const WORKERS: usize = 8;
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..WORKERS {
        let (db, keys, label, password_hash) = (
            db.clone(),
            keys.clone(),
            label.clone(),
            password_hash.clone(),
        );
        tasks.spawn(async move {
            let mut made = Vec::new();
            for i in (worker..count).step_by(WORKERS) {
                let login = format!("{label}-{i}");
                made.push(
                    one(
                        &db,
                        &keys,
                        factor,
                        (office, branch),
                        &login,
                        &password_hash,
                        now,
                    )
                    .await
                    .with_context(|| format!("preparing {login}"))?,
                );
            }
            anyhow::Ok(made)
        });
    }
    let mut prepared = Vec::with_capacity(count);
    while let Some(done) = tasks.join_next().await {
        prepared.extend(done??);
    }

    // App codes are taken last and for the next 30-second step, which the
    // server accepts (one step of drift) from now for at least 30 seconds.
    let code_time = unix_now() + totp::STEP_SECONDS;
    let mut lines = String::with_capacity(prepared.len() * 80);
    for (token, proof) in prepared {
        let code = match proof {
            Proof::AppSecret(secret) => totp::code_at(&secret, code_time),
            Proof::SmsCode(code) => code,
        };
        writeln!(lines, "{token} {code}")?;
    }
    std::fs::write(file, lines)?;
    Ok(())
}

enum Proof {
    AppSecret(Vec<u8>),
    SmsCode(String),
}

async fn one(
    db: &Db,
    keys: &Keyring,
    factor: Factor,
    (office, branch): (i64, i64),
    login: &str,
    password_hash: &str,
    now: i64,
) -> anyhow::Result<(String, Proof)> {
    let mobile = "+31612345678";
    let user = users::create_user(
        db,
        &NewUser {
            office_id: office,
            kind: UserKind::Office,
            login_name: login,
            display_name: login,
            email: None,
            mobile: Some(mobile),
            password_hash,
            branch_id: Some(branch),
            is_beheerder: false,
            two_factor_required: true,
        },
        now,
    )
    .await?;
    let token = new_session_token();
    let session_hash = token_hash(&token);
    sessions::insert(
        db,
        &SessionRecord {
            id_hash: session_hash.clone(),
            user_id: user,
            stage: Stage::SecondFactor,
            active_client_id: None,
            pending_mobile: None,
            created_at: now,
            last_seen_at: now,
            stepped_up_at: None,
            notice: None,
        },
    )
    .await?;
    let proof = match factor {
        Factor::App => {
            let secret = totp::new_secret();
            // Bound long ago: every current step is still unused.
            let mut tx = db.begin_write().await?;
            authenticators::bind_on(&mut tx, user, &factors::seal(keys, user, &secret), 0, now)
                .await?;
            tx.commit().await?;
            Proof::AppSecret(secret)
        }
        Factor::Sms => {
            let code = codes::generate();
            let new = NewCode {
                user_id: user,
                office_id: office,
                session_hash: &session_hash,
                phone: mobile,
                code_hash: &codes::hash(keys, &code),
            };
            // No office cap here: the benchmark's office sends thousands.
            reserve(db, &new, i64::MAX, now)
                .await?
                .map_err(|refused| anyhow::anyhow!("code refused: {refused:?}"))?;
            Proof::SmsCode(code)
        }
    };
    Ok((token, proof))
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
