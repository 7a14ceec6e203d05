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
        batch::{Arg, Batch, Stmt},
        codes::{reserve, NewCode},
        offices,
        sessions::{self, SessionRecord, Stage},
        users::{self, NewUser},
        Db, Engine,
    },
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    /// A bound authenticator app; the request carries its current code.
    App,
    /// An SMS code sent at login; the request carries that code.
    Sms,
    /// A passkey; the request carries its signed answer to a ceremony begun
    /// for the pending login (`passkey_answer`).
    Passkey,
}

impl Factor {
    fn name(self) -> &'static str {
        match self {
            Factor::App => "app",
            Factor::Sms => "sms",
            Factor::Passkey => "passkey",
        }
    }
}

/// The origin the bench's server is published as (`process.rs`): passkeys
/// bind to a host name, and the soft key signs for it.
pub const PASSKEY_ORIGIN: &str = "http://localhost:3000";

/// Writes `count` lines of "<session token> <form body>" to `file`, the
/// body the right answer for that pending login.
/// One office user of `office`'s `branch`, as the bench needs them.
pub async fn office_user(
    db: &Db,
    (office, branch): (i64, i64),
    login: &str,
    password_hash: &str,
    mobile: Option<&str>,
    two_factor_required: bool,
    now: i64,
) -> anyhow::Result<i64> {
    Ok(users::create_user(
        db,
        &NewUser {
            office_id: office,
            kind: UserKind::Office,
            login_name: login,
            display_name: login,
            email: None,
            mobile,
            password_hash,
            branch_id: Some(branch),
            is_beheerder: false,
            two_factor_required,
        },
        now,
    )
    .await?)
}

/// A session of `user` at `stage`, begun now: its cookie value and record.
pub async fn session(
    db: &Db,
    user: i64,
    stage: Stage,
    login_method: Option<app::domain::login_method::LoginMethod>,
    now: i64,
) -> anyhow::Result<(String, SessionRecord)> {
    let token = new_session_token();
    let record = SessionRecord {
        id_hash: token_hash(&token),
        user_id: user,
        stage,
        active_client_id: None,
        pending_mobile: None,
        created_at: now,
        logged_in_at: now,
        last_seen_at: now,
        stepped_up_at: None,
        notice: None,
        login_method,
        sid: app::domain::token::new_opaque_id(),
    };
    sessions::insert(db, &record).await?;
    Ok((token, record))
}

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
        office_user(
            db,
            (office, branch),
            &login,
            &password_hash,
            None,
            false,
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
    // Unique within the second too: two preparations may start in one.
    static PREPARED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let round = PREPARED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let label = format!("bench-{}-{now}-{round}", factor.name());
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
        let body = match proof {
            Proof::AppSecret(secret) => format!("code={}", totp::code_at(&secret, code_time)),
            Proof::SmsCode(code) => format!("code={code}"),
            Proof::PasskeyAnswer(body) => body,
        };
        writeln!(lines, "{token} {body}")?;
    }
    std::fs::write(file, lines)?;
    Ok(())
}

enum Proof {
    AppSecret(Vec<u8>),
    SmsCode(String),
    /// The form body of `/api/login_with_passkey`.
    PasskeyAnswer(String),
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
    let user = office_user(
        db,
        (office, branch),
        login,
        password_hash,
        Some(mobile),
        true,
        now,
    )
    .await?;
    let (token, pending) = session(db, user, Stage::SecondFactor, None, now).await?;
    let session_hash = pending.id_hash;
    let proof = match factor {
        Factor::App => {
            let secret = totp::new_secret();
            // Bound long ago: every current step is still unused.
            let mut bind = Batch::<()>::new();
            for stmt in
                authenticators::bind_stmts(user, &factors::seal(keys, user, &secret), 0, now)
            {
                bind.then(stmt);
            }
            db.write_batch(bind)
                .await?
                .map_err(|()| anyhow::anyhow!("not bound"))?;
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
        Factor::Passkey => {
            Proof::PasskeyAnswer(passkey_answer(db, user, &session_hash, now).await?)
        }
    };
    Ok((token, proof))
}

/// A soft passkey registered for `user` (through webauthn-rs, as the
/// server would), a ceremony begun for the pending login, and the key's
/// signed answer to it as the form body the browser would post.
async fn passkey_answer(
    db: &Db,
    user: i64,
    session_hash: &str,
    now: i64,
) -> anyhow::Result<String> {
    let (rp, mut key, passkey) = soft_passkey(webauthn_rs_proto_uuid(user))?;
    let origin = url::Url::parse(PASSKEY_ORIGIN)?;
    let stored = serde_json::to_string(&passkey)?;
    let mut insert = Batch::<()>::new();
    insert.must_change(
        app::storage::passkeys::insert_stmt(
            &app::storage::passkeys::NewPasskey {
                user_id: user,
                credential_id: &factors::credential_key(passkey.cred_id().as_ref()),
                name: "Bench",
                passkey: &stored,
                counter: 0,
                backup_eligible: false,
                backup_state: false,
                aaguid: "",
            },
            now,
        ),
        (),
    );
    db.write_batch(insert)
        .await?
        .map_err(|()| anyhow::anyhow!("passkey not stored"))?;
    let (request, state) = rp.start_passkey_authentication(&[passkey])?;
    let ceremony = new_session_token();
    app::storage::passkeys::begin(
        db,
        &ceremony,
        app::storage::passkeys::Purpose::Assert,
        session_hash,
        &serde_json::to_string(&state)?,
        now,
    )
    .await?;
    let answer = key
        .do_authentication(origin, request)
        .map_err(|e| anyhow::anyhow!("soft key: {e:?}"))?;
    let response = serde_json::to_string(&answer)?;
    Ok(format!(
        "ceremony={}&response={}",
        ceremony,
        url::form_urlencoded::byte_serialize(response.as_bytes()).collect::<String>()
    ))
}

/// A soft passkey (webauthn-authenticator-rs's `SoftPasskey`) registered
/// through webauthn-rs as the server would, for `handle`: the relying
/// party, the key, and the passkey as the server stores it.
pub fn soft_passkey(
    handle: webauthn_rs::prelude::Uuid,
) -> anyhow::Result<(
    webauthn_rs::prelude::Webauthn,
    webauthn_authenticator_rs::WebauthnAuthenticator<
        webauthn_authenticator_rs::softpasskey::SoftPasskey,
    >,
    webauthn_rs::prelude::Passkey,
)> {
    use webauthn_authenticator_rs::{softpasskey::SoftPasskey, WebauthnAuthenticator};
    let rp = factors::relying_party_for(PASSKEY_ORIGIN).context("no relying party")?;
    let origin = url::Url::parse(PASSKEY_ORIGIN)?;
    let (creation, registration) = rp.start_passkey_registration(handle, "bench", "Bench", None)?;
    let mut key = WebauthnAuthenticator::new(SoftPasskey::new(true));
    let made = key
        .do_registration(origin, creation)
        .map_err(|e| anyhow::anyhow!("soft key: {e:?}"))?;
    let passkey = rp.finish_passkey_registration(&made, &registration)?;
    Ok((rp, key, passkey))
}

/// A user handle for the bench's passkeys: unique per user is all it needs.
fn webauthn_rs_proto_uuid(user: i64) -> webauthn_rs::prelude::Uuid {
    let mut bytes = [0u8; 16];
    bytes[8..].copy_from_slice(&user.to_be_bytes());
    webauthn_rs::prelude::Uuid::from_bytes(bytes)
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Sizes of the large database (issue 14: flat at scale).
pub const SCALE_USERS: i64 = 100_000;
pub const SCALE_CLIENTS: i64 = 2_000;
pub const SCALE_AUDIT_ROWS: i64 = 1_000_000;
/// Lapsed waiting logins, and as many lapsed SMS codes.
pub const SCALE_LAPSED: i64 = 200_000;

/// Fills the database the way years of use would: an office with
/// `SCALE_CLIENTS` clients and `SCALE_USERS` client users, `SCALE_AUDIT_ROWS`
/// audit rows, and `SCALE_LAPSED` expired waiting logins with their lapsed
/// SMS codes (what the purge deletes). Plain SQL, one statement per table,
/// the rows counted out by a recursive query both engines know.
/// Returns the office's id. A tenth of the users has no number, and a
/// fifth an app, so 'Overzicht' counts every kind.
pub async fn large_database(db: &Db) -> anyhow::Result<i64> {
    let now = unix_now();
    let office = offices::create_office(db, &format!("Schaalkantoor {now}"), now).await?;
    let branch = offices::create_branch(db, office, "Schaal").await?;
    let password_hash = hash_blocking("niet-gebruikt-wachtwoord")?;
    let numbers = |n: i64| {
        format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) ")
    };
    let statements: [(String, Vec<Arg>); 5] = [
        (
            format!(
                "{}INSERT INTO clients (office_id, branch_id, name, two_factor_policy, created_at) \
                 SELECT $1, $2, 'Klant ' || i, 'ja', $3 FROM n",
                numbers(SCALE_CLIENTS)
            ),
            vec![Arg::from(office), Arg::from(branch), Arg::from(now)],
        ),
        (
            format!(
                "{}INSERT INTO users (office_id, kind, login_name, display_name, mobile, password_hash, created_at) \
                 SELECT $1, 'client', 'schaal-' || $2 || '-' || i, 'Schaal ' || i, '+3161' || (1000000 + i), $3, $4 FROM n",
                numbers(SCALE_USERS)
            ),
            vec![Arg::from(office), Arg::from(now.to_string()), Arg::from(password_hash), Arg::from(now)],
        ),
        (
            "INSERT INTO client_users (user_id, client_id) \
             SELECT u.id, (SELECT MIN(id) FROM clients WHERE office_id = $1) + u.id % $2 \
             FROM users u WHERE u.office_id = $1"
                .to_string(),
            vec![Arg::from(office), Arg::from(SCALE_CLIENTS)],
        ),
        (
            format!(
                "{}INSERT INTO audit_log (office_id, actor_user_id, action, subject, at) \
                 SELECT $1, (SELECT MIN(id) FROM users WHERE office_id = $1) + i % $2, 'login.ok', NULL, $3 - i FROM n",
                numbers(SCALE_AUDIT_ROWS)
            ),
            vec![Arg::from(office), Arg::from(SCALE_USERS), Arg::from(now)],
        ),
        (
            // Waiting logins of two days ago: expired, not yet purged.
            format!(
                "{}INSERT INTO sessions (id_hash, user_id, stage, created_at, logged_in_at, last_seen_at) \
                 SELECT 'verlopen-' || $2 || '-' || i, (SELECT MIN(id) FROM users WHERE office_id = $1) + i % $3, \
                 'second_factor', $4, $4, $4 FROM n",
                numbers(SCALE_LAPSED)
            ),
            vec![Arg::from(office), Arg::from(now.to_string()), Arg::from(SCALE_USERS), Arg::from(now - 2 * 24 * 3600)],
        ),
    ];
    for (sql, args) in statements {
        args.into_iter()
            .fold(Stmt::built(sql), Stmt::bind)
            .execute_on(db.writer())
            .await?;
    }
    // Some users without a number, some with an app.
    Stmt::new("UPDATE users SET mobile = NULL WHERE office_id = $1 AND id % 10 = 0")
        .bind(office)
        .execute_on(db.writer())
        .await?;
    Stmt::new(
        "INSERT INTO authenticators (user_id, key_id, secret_sealed, bound_at, last_step) \
         SELECT id, 'schaal', 'niet-gebruikt', $2, 0 FROM users WHERE office_id = $1 AND id % 5 = 1",
    )
    .bind(office)
    .bind(now)
    .execute_on(db.writer())
    .await?;
    // Each lapsed login's SMS code, sent and never used.
    sqlx::query(
        "INSERT INTO sms_codes (user_id, office_id, session_hash, phone, code_hash, created_at, expires_at) \
         SELECT s.user_id, $1, s.id_hash, '+31612345678', s.id_hash, s.created_at, s.created_at + 600 \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE u.office_id = $1 AND s.stage = 'second_factor'",
    )
    .bind(office)
    .execute(db.writer())
    .await?;
    // Fresh statistics and the rows on disk, as a database in use would
    // have: otherwise the measurement after it would pay for writing out
    // the seeding (PostgreSQL's checkpoint, SQLite's WAL).
    match db.engine() {
        Engine::Sqlite => {
            sqlx::query("ANALYZE").execute(db.writer()).await?;
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(db.writer())
                .await?;
        }
        Engine::Postgres => {
            sqlx::query("VACUUM ANALYZE").execute(db.writer()).await?;
            sqlx::query("CHECKPOINT").execute(db.writer()).await?;
        }
    };
    Ok(office)
}
