//! The office's other applications on Tweestap's login: the reverse
//! proxy's check (`/auth/verify`, asked on every request the proxy
//! passes) beside the login page's render, and the token endpoint (once
//! per login to an application), each per second.
//!
//! What they are given is written straight into the database: one office
//! user logged in with an SMS code, an application for office users, and
//! one authorization code per token request, each of that session.

use std::{fmt::Write as _, path::Path};

use app::{
    domain::{
        login_method::LoginMethod,
        oidc::{Audience, ClientChoice, Strength},
        password::hash_blocking,
        token::{new_opaque_id, new_session_token, token_hash},
    },
    storage::{
        batch::Batch,
        offices,
        oidc::{self as stored, Code, NewApplication},
        sessions::Stage,
        Db,
    },
};

/// The host the bench's server guards (`TWEESTAP_PROTECT`).
pub const PROTECTED_HOST: &str = "wiki.bench.example";
/// The address a proxy asks about.
pub const ORIGINAL_URL: &str = "https://wiki.bench.example/notulen?week=12";
const REDIRECT: &str = "https://app.bench.example/terug";
const SECRET: &str = "bench-geheim-van-de-toepassing";
/// Codes written per transaction.
const PER_BATCH: usize = 500;

/// The logged-in user and the application.
pub struct Prepared {
    /// The session's cookie value, for the check.
    pub session_token: String,
    user: i64,
    sid: String,
    client_id: String,
    application_id: i64,
}

pub async fn prepare(db: &Db) -> anyhow::Result<Prepared> {
    let now = crate::prepare::unix_now();
    let office = offices::create_office(db, &format!("Koppelkantoor {now}"), now).await?;
    let branch = offices::create_branch(db, office, "Koppelen").await?;
    let login = format!("koppel-{now}");
    let user = crate::prepare::office_user(
        db,
        (office, branch),
        &login,
        &hash_blocking("niet-gebruikt-wachtwoord")?,
        None,
        true,
        now,
    )
    .await?;
    let (session_token, session) =
        crate::prepare::session(db, user, Stage::Active, Some(LoginMethod::PasswordSms), now)
            .await?;
    let sid = session.sid;

    let client_id = new_opaque_id();
    let secret_hash = token_hash(SECRET);
    let mut batch: Batch<()> = Batch::new();
    for stmt in stored::insert_stmts(
        &NewApplication {
            office_id: office,
            client_id: &client_id,
            name: "Bench",
            secret_hash: Some(&secret_hash),
            redirect_uris: &[REDIRECT.to_string()],
            logout_uri: None,
            audience: &Audience {
                office_users: true,
                clients: ClientChoice::None,
            },
            strength: Strength::TwoFactors,
        },
        now,
    ) {
        batch.then(stmt);
    }
    let _ = db.write_batch(batch).await?;
    let application = stored::by_client_id(db, &client_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the bench's application was not stored"))?;
    Ok(Prepared {
        session_token,
        user,
        sid,
        client_id,
        application_id: application.id,
    })
}

/// `count` codes of the prepared session, whose token requests (one form
/// body per line) go to `file`.
pub async fn codes(db: &Db, prepared: &Prepared, count: usize, file: &Path) -> anyhow::Result<()> {
    let now = crate::prepare::unix_now();
    let Prepared {
        user,
        sid,
        client_id,
        application_id,
        ..
    } = prepared;
    let redirect: String = url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect();
    let mut lines = String::with_capacity(count * 160);
    let mut batch: Batch<()> = Batch::new();
    for i in 0..count {
        let code = new_session_token();
        // The portal gives a code a minute; writing tens of thousands takes
        // longer than that, and the lifetime changes nothing a request does.
        batch.then(stored::insert_code_stmt(
            &Code {
                code_hash: token_hash(&code),
                application_id: *application_id,
                user_id: *user,
                sid: sid.clone(),
                redirect_uri: REDIRECT.to_string(),
                code_challenge: None,
                nonce: Some("bench".into()),
                auth_time: now,
                login_method: LoginMethod::PasswordSms,
                expires_at: now + 3600,
            },
            now,
        ));
        writeln!(
            lines,
            "grant_type=authorization_code&code={code}&redirect_uri={redirect}&client_id={client_id}&client_secret={SECRET}"
        )?;
        if (i + 1) % PER_BATCH == 0 || i + 1 == count {
            let _ = db.write_batch(std::mem::take(&mut batch)).await?;
        }
    }
    std::fs::write(file, lines)?;
    Ok(())
}
