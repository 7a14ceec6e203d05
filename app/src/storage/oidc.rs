//! What the OpenID Connect provider keeps: the registered applications
//! ('Koppelingen'), authorization codes, access tokens, which session's
//! login went to which application (for back-channel logout), the logout
//! tokens still to send, and the signing keys. Codes and deliveries are
//! taken by one conditional update each, so of any number of instances
//! and parallel requests exactly one gets them.

use super::{
    batch::{Columns, Stmt},
    Db, StorageResult,
};
use crate::domain::{
    clock::UnixTime,
    login_method::LoginMethod,
    oidc::{Audience, ClientChoice, Strength},
    session_lifetime::LiveBounds,
};

/// A registered application.
#[derive(Debug, Clone)]
pub struct Application {
    pub id: i64,
    pub office_id: i64,
    pub client_id: String,
    pub name: String,
    /// `None`: a public client (PKCE only).
    pub secret_hash: Option<String>,
    pub redirect_uris: Vec<String>,
    pub logout_uri: Option<String>,
    pub audience: Audience,
    pub strength: Strength,
    pub enabled: bool,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
}

const APPLICATION_COLUMNS: &str = "id, office_id, client_id, name, secret_hash, redirect_uris, \
     logout_uri, for_office_users, for_clients, strength, enabled, created_at, last_used_at";

fn application(r: &dyn Columns, chosen: Vec<i64>) -> StorageResult<Application> {
    let clients = match r.text("for_clients")?.as_str() {
        "alle" => ClientChoice::All,
        "gekozen" => ClientChoice::Chosen(chosen),
        _ => ClientChoice::None,
    };
    let strength = r.text("strength")?;
    Ok(Application {
        id: r.int("id")?,
        office_id: r.int("office_id")?,
        client_id: r.text("client_id")?,
        name: r.text("name")?,
        secret_hash: r.opt_text("secret_hash")?,
        redirect_uris: r
            .text("redirect_uris")?
            .lines()
            .map(str::to_string)
            .collect(),
        logout_uri: r.opt_text("logout_uri")?,
        audience: Audience {
            office_users: r.flag("for_office_users")?,
            clients,
        },
        strength: Strength::from_db(&strength).unwrap_or(Strength::Passkey),
        enabled: r.flag("enabled")?,
        created_at: r.int("created_at")?,
        last_used_at: r.opt_int("last_used_at")?,
    })
}

async fn chosen_clients(db: &Db, application_id: i64) -> StorageResult<Vec<i64>> {
    let rows = Stmt::new(
        "SELECT client_id FROM oidc_application_clients WHERE application_id = $1 ORDER BY client_id",
    )
    .bind(application_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(|r| r.int("client_id")).collect()
}

async fn with_clients(db: &Db, rows: Vec<sqlx::any::AnyRow>) -> StorageResult<Vec<Application>> {
    let mut found = Vec::with_capacity(rows.len());
    for r in &rows {
        let chosen = if r.text("for_clients")? == "gekozen" {
            chosen_clients(db, r.int("id")?).await?
        } else {
            Vec::new()
        };
        found.push(application(r, chosen)?);
    }
    Ok(found)
}

/// The application with this `client_id`, switched on or not.
pub async fn by_client_id(db: &Db, client_id: &str) -> StorageResult<Option<Application>> {
    let rows = Stmt::built(format!(
        "SELECT {APPLICATION_COLUMNS} FROM oidc_applications WHERE client_id = $1"
    ))
    .bind(client_id)
    .fetch_all(db.pool())
    .await?;
    Ok(with_clients(db, rows).await?.pop())
}

pub async fn of_office(db: &Db, office_id: i64) -> StorageResult<Vec<Application>> {
    let rows = Stmt::built(format!(
        "SELECT {APPLICATION_COLUMNS} FROM oidc_applications WHERE office_id = $1 ORDER BY name, id"
    ))
    .bind(office_id)
    .fetch_all(db.pool())
    .await?;
    with_clients(db, rows).await
}

/// A new registration, before it has an id.
pub struct NewApplication<'a> {
    pub office_id: i64,
    pub client_id: &'a str,
    pub name: &'a str,
    pub secret_hash: Option<&'a str>,
    pub redirect_uris: &'a [String],
    pub logout_uri: Option<&'a str>,
    pub audience: &'a Audience,
    pub strength: Strength,
}

/// The registration's statements: the application, then its chosen
/// clients (only the office's own).
pub fn insert_stmts(app: &NewApplication<'_>, now: UnixTime) -> Vec<Stmt> {
    let mut stmts = vec![Stmt::new(
        "INSERT INTO oidc_applications (office_id, client_id, name, secret_hash, redirect_uris, \
         logout_uri, for_office_users, for_clients, strength, enabled, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(app.office_id)
    .bind(app.client_id)
    .bind(app.name)
    .bind(app.secret_hash)
    .bind(app.redirect_uris.join("\n"))
    .bind(app.logout_uri)
    .bind(app.audience.office_users)
    .bind(app.audience.clients.as_db())
    .bind(app.strength.as_db())
    .bind(true)
    .bind(now)];
    if let ClientChoice::Chosen(ids) = &app.audience.clients {
        for id in ids {
            stmts.push(
                Stmt::new(
                    "INSERT INTO oidc_application_clients (application_id, client_id) \
                     SELECT a.id, c.id FROM oidc_applications a \
                     JOIN clients c ON c.office_id = a.office_id \
                     WHERE a.client_id = $1 AND c.id = $2",
                )
                .bind(app.client_id)
                .bind(*id),
            );
        }
    }
    stmts
}

pub fn set_secret_stmt(office_id: i64, id: i64, secret_hash: &str) -> Stmt {
    Stmt::new(
        "UPDATE oidc_applications SET secret_hash = $3 \
         WHERE office_id = $1 AND id = $2 AND secret_hash IS NOT NULL",
    )
    .bind(office_id)
    .bind(id)
    .bind(secret_hash)
}

pub fn set_enabled_stmt(office_id: i64, id: i64, enabled: bool) -> Stmt {
    Stmt::new("UPDATE oidc_applications SET enabled = $3 WHERE office_id = $1 AND id = $2")
        .bind(office_id)
        .bind(id)
        .bind(enabled)
}

/// Removing an application ends what it holds (codes, tokens); its
/// sessions' logins are no longer told anything.
pub fn delete_stmts(office_id: i64, id: i64) -> Vec<Stmt> {
    let owned =
        "application_id IN (SELECT id FROM oidc_applications WHERE office_id = $1 AND id = $2)";
    [
        "oidc_application_clients",
        "oidc_codes",
        "oidc_access_tokens",
        "oidc_grants",
        "oidc_logout_deliveries",
    ]
    .iter()
    .map(|table| {
        Stmt::built(format!("DELETE FROM {table} WHERE {owned}"))
            .bind(office_id)
            .bind(id)
    })
    .chain(std::iter::once(
        Stmt::new("DELETE FROM oidc_applications WHERE office_id = $1 AND id = $2")
            .bind(office_id)
            .bind(id),
    ))
    .collect()
}

pub fn touch_stmt(id: i64, now: UnixTime) -> Stmt {
    Stmt::new("UPDATE oidc_applications SET last_used_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
}

// ---------------------------------------------------------------- codes and tokens

/// An authorization code as issued.
#[derive(Debug, Clone)]
pub struct Code {
    pub code_hash: String,
    pub application_id: i64,
    pub user_id: i64,
    pub sid: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
    pub auth_time: UnixTime,
    pub login_method: LoginMethod,
    pub expires_at: UnixTime,
}

pub fn insert_code_stmt(code: &Code, now: UnixTime) -> Stmt {
    Stmt::new(
        "INSERT INTO oidc_codes (code_hash, application_id, user_id, sid, redirect_uri, \
         code_challenge, nonce, auth_time, login_method, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(code.code_hash.as_str())
    .bind(code.application_id)
    .bind(code.user_id)
    .bind(code.sid.as_str())
    .bind(code.redirect_uri.as_str())
    .bind(code.code_challenge.as_deref())
    .bind(code.nonce.as_deref())
    .bind(code.auth_time)
    .bind(code.login_method.as_db())
    .bind(now)
    .bind(code.expires_at)
}

/// What taking a code found.
#[derive(Debug)]
pub enum Taken {
    /// This request has it, and no other ever will.
    Ours(Code),
    /// It was taken before: a second use.
    Again { user_id: i64 },
    /// No such code for this application (or it lapsed unused).
    Unknown,
}

/// Takes the code for `application_id`, once: a conditional update, so of
/// 200 parallel requests one changes the row.
pub async fn take_code(
    db: &Db,
    code_hash: &str,
    application_id: i64,
    now: UnixTime,
) -> StorageResult<Taken> {
    let changed = db
        .execute(
            Stmt::new(
                "UPDATE oidc_codes SET used_at = $3 \
                 WHERE code_hash = $1 AND application_id = $2 AND used_at IS NULL AND expires_at > $3",
            )
            .bind(code_hash)
            .bind(application_id)
            .bind(now),
        )
        .await?;
    let row = db
        .read_row(
            Stmt::new(
                "SELECT code_hash, application_id, user_id, sid, redirect_uri, code_challenge, \
                 nonce, auth_time, login_method, expires_at, used_at \
                 FROM oidc_codes WHERE code_hash = $1 AND application_id = $2",
            )
            .bind(code_hash)
            .bind(application_id),
            |r| {
                let method = r.text("login_method")?;
                Ok((
                    Code {
                        code_hash: r.text("code_hash")?,
                        application_id: r.int("application_id")?,
                        user_id: r.int("user_id")?,
                        sid: r.text("sid")?,
                        redirect_uri: r.text("redirect_uri")?,
                        code_challenge: r.opt_text("code_challenge")?,
                        nonce: r.opt_text("nonce")?,
                        auth_time: r.int("auth_time")?,
                        login_method: LoginMethod::from_db(&method)
                            .unwrap_or(LoginMethod::Password),
                        expires_at: r.int("expires_at")?,
                    },
                    r.opt_int("used_at")?,
                ))
            },
        )
        .await?;
    Ok(match (changed, row) {
        (1, Some((code, _))) => Taken::Ours(code),
        (_, Some((code, Some(_)))) => Taken::Again {
            user_id: code.user_id,
        },
        _ => Taken::Unknown,
    })
}

/// A second use of a code: whatever the first use gave stops working.
pub fn revoke_from_code_stmt(code_hash: &str) -> Stmt {
    Stmt::new("DELETE FROM oidc_access_tokens WHERE code_hash = $1").bind(code_hash)
}

pub struct AccessToken<'a> {
    pub token_hash: &'a str,
    pub code_hash: &'a str,
    pub application_id: i64,
    pub user_id: i64,
    pub sid: &'a str,
    pub expires_at: UnixTime,
}

pub fn insert_token_stmt(token: &AccessToken<'_>) -> Stmt {
    Stmt::new(
        "INSERT INTO oidc_access_tokens (token_hash, code_hash, application_id, user_id, sid, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token.token_hash)
    .bind(token.code_hash)
    .bind(token.application_id)
    .bind(token.user_id)
    .bind(token.sid)
    .bind(token.expires_at)
}

/// An access token that is still good, of an application still switched
/// on: its user and session's name.
pub async fn find_token(
    db: &Db,
    token_hash: &str,
    now: UnixTime,
) -> StorageResult<Option<(i64, String, i64)>> {
    db.read_row(
        Stmt::new(
            "SELECT t.user_id, t.sid, t.application_id FROM oidc_access_tokens t \
             JOIN oidc_applications a ON a.id = t.application_id \
             WHERE t.token_hash = $1 AND t.expires_at > $2 AND a.enabled = $3",
        )
        .bind(token_hash)
        .bind(now)
        .bind(true),
        |r| Ok((r.int("user_id")?, r.text("sid")?, r.int("application_id")?)),
    )
    .await
}

/// Records that the session `sid` gave a login to the application.
pub fn grant_stmt(
    sid: &str,
    application_id: i64,
    user_id: i64,
    subject: &str,
    now: UnixTime,
) -> Stmt {
    Stmt::new(
        "INSERT INTO oidc_grants (sid, application_id, user_id, subject, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(sid)
    .bind(application_id)
    .bind(user_id)
    .bind(subject)
    .bind(now)
}

/// Whether a logged-in session of this name is still within its limits.
pub async fn session_live(db: &Db, sid: &str, live: LiveBounds) -> StorageResult<bool> {
    let row = db
        .read_row(
            Stmt::new(
                "SELECT COUNT(*) AS n FROM sessions WHERE sid = $1 AND stage = 'active' \
                 AND last_seen_at > $2 AND logged_in_at > $3",
            )
            .bind(sid)
            .bind(live.seen_after)
            .bind(live.logged_in_after),
            |r| r.int("n"),
        )
        .await?;
    Ok(row.unwrap_or(0) > 0)
}

/// The user's `sub`: the one they have, or `candidate` if this is their
/// first (kept by whichever request wrote first).
pub async fn subject(db: &Db, user_id: i64, candidate: &str) -> StorageResult<Option<String>> {
    db.execute(
        Stmt::new("UPDATE users SET oidc_subject = $2 WHERE id = $1 AND oidc_subject IS NULL")
            .bind(user_id)
            .bind(candidate),
    )
    .await?;
    db.read_row(
        Stmt::new("SELECT oidc_subject FROM users WHERE id = $1").bind(user_id),
        |r| r.opt_text("oidc_subject"),
    )
    .await
    .map(Option::flatten)
}

// ---------------------------------------------------------------- back-channel logout

/// A session's login an application received, whose session has ended.
#[derive(Debug, Clone)]
pub struct Ended {
    pub sid: String,
    pub application_id: i64,
    pub user_id: i64,
    pub subject: String,
}

/// The grants whose session is gone or past its limits.
pub async fn ended_grants(db: &Db, live: LiveBounds) -> StorageResult<Vec<Ended>> {
    let rows = Stmt::new(
        "SELECT g.sid, g.application_id, g.user_id, g.subject FROM oidc_grants g \
         WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.sid = g.sid AND s.stage = 'active' \
               AND s.last_seen_at > $1 AND s.logged_in_at > $2) \
         ORDER BY g.created_at LIMIT 200",
    )
    .bind(live.seen_after)
    .bind(live.logged_in_after)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Ended {
                sid: r.text("sid")?,
                application_id: r.int("application_id")?,
                user_id: r.int("user_id")?,
                subject: r.text("subject")?,
            })
        })
        .collect()
}

/// Takes the grant (the condition: one instance does) ...
pub fn take_grant_stmt(ended: &Ended) -> Stmt {
    Stmt::new("DELETE FROM oidc_grants WHERE sid = $1 AND application_id = $2")
        .bind(ended.sid.as_str())
        .bind(ended.application_id)
}

/// ... and queues its logout token, to go at once.
pub fn queue_delivery_stmt(ended: &Ended, now: UnixTime) -> Stmt {
    Stmt::new(
        "INSERT INTO oidc_logout_deliveries (application_id, sid, subject, user_id, attempts, next_at, created_at) \
         SELECT id, $2, $3, $4, 0, $5, $5 FROM oidc_applications WHERE id = $1 AND logout_uri IS NOT NULL",
    )
    .bind(ended.application_id)
    .bind(ended.sid.as_str())
    .bind(ended.subject.as_str())
    .bind(ended.user_id)
    .bind(now)
}

/// A logout token to send.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub application_id: i64,
    pub client_id: String,
    pub logout_uri: String,
    pub sid: String,
    pub subject: String,
    pub user_id: i64,
    pub attempts: i64,
}

pub async fn due_deliveries(db: &Db, now: UnixTime) -> StorageResult<Vec<Delivery>> {
    let rows = Stmt::new(
        "SELECT d.id, d.application_id, a.client_id, a.logout_uri, d.sid, d.subject, d.user_id, d.attempts \
         FROM oidc_logout_deliveries d JOIN oidc_applications a ON a.id = d.application_id \
         WHERE d.next_at <= $1 AND (d.claimed_until IS NULL OR d.claimed_until <= $1) \
         AND a.logout_uri IS NOT NULL ORDER BY d.next_at LIMIT 50",
    )
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Delivery {
                id: r.int("id")?,
                application_id: r.int("application_id")?,
                client_id: r.text("client_id")?,
                logout_uri: r.text("logout_uri")?,
                sid: r.text("sid")?,
                subject: r.text("subject")?,
                user_id: r.int("user_id")?,
                attempts: r.int("attempts")?,
            })
        })
        .collect()
}

/// Claims a delivery for `until`: true for the one instance that gets it.
pub async fn claim_delivery(
    db: &Db,
    id: i64,
    now: UnixTime,
    until: UnixTime,
) -> StorageResult<bool> {
    let changed = db
        .execute(
            Stmt::new(
                "UPDATE oidc_logout_deliveries SET claimed_until = $3, attempts = attempts + 1 \
                 WHERE id = $1 AND next_at <= $2 AND (claimed_until IS NULL OR claimed_until <= $2)",
            )
            .bind(id)
            .bind(now)
            .bind(until),
        )
        .await?;
    Ok(changed == 1)
}

pub fn delivery_done_stmt(id: i64) -> Stmt {
    Stmt::new("DELETE FROM oidc_logout_deliveries WHERE id = $1").bind(id)
}

pub fn delivery_later_stmt(id: i64, next_at: UnixTime) -> Stmt {
    Stmt::new("UPDATE oidc_logout_deliveries SET next_at = $2, claimed_until = NULL WHERE id = $1")
        .bind(id)
        .bind(next_at)
}

// ---------------------------------------------------------------- signing keys

#[derive(Debug, Clone)]
pub struct SigningKey {
    pub kid: String,
    pub generation: i64,
    pub sealing_key_id: String,
    pub private_sealed: String,
    pub public_x: String,
    pub public_y: String,
    pub created_at: UnixTime,
    pub signs_from: UnixTime,
}

pub async fn signing_keys(db: &Db) -> StorageResult<Vec<SigningKey>> {
    let rows = Stmt::new(
        "SELECT kid, generation, sealing_key_id, private_sealed, public_x, public_y, created_at, signs_from \
         FROM oidc_signing_keys ORDER BY generation",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SigningKey {
                kid: r.text("kid")?,
                generation: r.int("generation")?,
                sealing_key_id: r.text("sealing_key_id")?,
                private_sealed: r.text("private_sealed")?,
                public_x: r.text("public_x")?,
                public_y: r.text("public_y")?,
                created_at: r.int("created_at")?,
                signs_from: r.int("signs_from")?,
            })
        })
        .collect()
}

/// Adds a key unless its generation exists (another instance made it).
pub async fn insert_signing_key(db: &Db, key: &SigningKey) -> StorageResult<bool> {
    let changed = db
        .execute(
            Stmt::new(
                "INSERT INTO oidc_signing_keys (kid, generation, sealing_key_id, private_sealed, \
                 public_x, public_y, created_at, signs_from) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(key.kid.as_str())
            .bind(key.generation)
            .bind(key.sealing_key_id.as_str())
            .bind(key.private_sealed.as_str())
            .bind(key.public_x.as_str())
            .bind(key.public_y.as_str())
            .bind(key.created_at)
            .bind(key.signs_from),
        )
        .await?;
    Ok(changed == 1)
}

pub async fn delete_signing_key(db: &Db, kid: &str) -> StorageResult<()> {
    db.execute(Stmt::new("DELETE FROM oidc_signing_keys WHERE kid = $1").bind(kid))
        .await?;
    Ok(())
}

/// Lapsed codes and tokens go; a used code stays a day, so a second use
/// is still recognised as one.
pub async fn purge(db: &Db, now: UnixTime) -> StorageResult<u64> {
    let codes = db
        .execute(Stmt::new("DELETE FROM oidc_codes WHERE expires_at < $1").bind(now - 24 * 60 * 60))
        .await?;
    let tokens = db
        .execute(Stmt::new("DELETE FROM oidc_access_tokens WHERE expires_at < $1").bind(now))
        .await?;
    Ok(codes + tokens)
}
