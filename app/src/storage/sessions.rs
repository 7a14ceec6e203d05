//! Server-side sessions. Rows are keyed by the SHA-256 of the browser's
//! token; every server instance reads the same rows, so nothing about a
//! session lives in process memory.

use sqlx::Row;

use super::{
    batch::{Columns, Stmt},
    Db, StorageError, StorageResult,
};
use crate::domain::{clock::UnixTime, login_method::LoginMethod};

/// A session waits for its second factor, or is logged in. Going from one
/// to the other always means a new session row under a new id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    SecondFactor,
    Active,
}

impl Stage {
    fn as_db(self) -> &'static str {
        match self {
            Stage::SecondFactor => "second_factor",
            Stage::Active => "active",
        }
    }

    fn from_db(value: &str) -> Option<Stage> {
        match value {
            "second_factor" => Some(Stage::SecondFactor),
            "active" => Some(Stage::Active),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id_hash: String,
    pub user_id: i64,
    pub stage: Stage,
    pub active_client_id: Option<i64>,
    /// A mobile number typed during the second step, not yet confirmed.
    pub pending_mobile: Option<String>,
    pub created_at: UnixTime,
    /// When the login this session belongs to ended its last step: kept
    /// through every renewal (a step-up), so the absolute limit counts
    /// from the login.
    pub logged_in_at: UnixTime,
    pub last_seen_at: UnixTime,
    /// When the user last proved themselves again in this session.
    pub stepped_up_at: Option<UnixTime>,
    /// A message for the user, shown once (the phone's clock is off).
    pub notice: Option<String>,
    /// How the login behind it proved its user; `None` while it waits.
    pub login_method: Option<LoginMethod>,
    /// The login's stable name towards applications (OIDC `sid`): kept
    /// through every renewal, unlike `id_hash`.
    pub sid: String,
}

pub async fn insert(db: &Db, session: &SessionRecord) -> StorageResult<()> {
    db.execute(insert_stmt(session)).await?;
    Ok(())
}

pub fn insert_stmt(session: &SessionRecord) -> Stmt {
    Stmt::new("INSERT INTO sessions (id_hash, user_id, stage, active_client_id, pending_mobile, created_at, logged_in_at, last_seen_at, stepped_up_at, notice, login_method, sid) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
        .bind(session.id_hash.as_str())
        .bind(session.user_id)
        .bind(session.stage.as_db())
        .bind(session.active_client_id)
        .bind(session.pending_mobile.as_deref())
        .bind(session.created_at)
        .bind(session.logged_in_at)
        .bind(session.last_seen_at)
        .bind(session.stepped_up_at)
        .bind(session.notice.as_deref())
        .bind(session.login_method.map(LoginMethod::as_db))
        .bind(session.sid.as_str())
}

/// Ends session `old` if it is still at `stage`; as a statement it changes
/// one row or, when `old` is gone or moved on, none.
pub fn end_at_stage_stmt(old: &str, stage: Stage) -> Stmt {
    Stmt::new("DELETE FROM sessions WHERE id_hash = $1 AND stage = $2")
        .bind(old)
        .bind(stage.as_db())
}

/// Ends every session of a user but those in `keep` (the one making a
/// change, or the one a login's last step is starting). On PostgreSQL a
/// batch is one statement on one snapshot: a session another statement of
/// the batch ends or starts must be in `keep`, so no row is touched twice.
pub fn end_others_stmt(user_id: i64, keep: [Option<&str>; 2]) -> Stmt {
    Stmt::new("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2 AND id_hash <> $3")
        .bind(user_id)
        .bind(keep[0].unwrap_or(""))
        .bind(keep[1].unwrap_or(""))
}

pub async fn find(db: &Db, id_hash: &str) -> StorageResult<Option<SessionRecord>> {
    let stmt = Stmt::new("SELECT id_hash, user_id, stage, active_client_id, pending_mobile, created_at, logged_in_at, last_seen_at, stepped_up_at, notice, login_method, sid \
         FROM sessions WHERE id_hash = $1")
        .bind(id_hash);
    db.read_row(stmt, session_record).await
}

/// A session from a row with the `sessions` columns under their own names.
pub fn session_record(r: &dyn Columns) -> StorageResult<SessionRecord> {
    let stage = r.text("stage")?;
    Ok(SessionRecord {
        id_hash: r.text("id_hash")?,
        user_id: r.int("user_id")?,
        stage: Stage::from_db(&stage)
            .ok_or_else(|| StorageError::Corrupt(format!("session stage {stage:?}")))?,
        active_client_id: r.opt_int("active_client_id")?,
        pending_mobile: r.opt_text("pending_mobile")?,
        created_at: r.int("created_at")?,
        logged_in_at: r.int("logged_in_at")?,
        last_seen_at: r.int("last_seen_at")?,
        stepped_up_at: r.opt_int("stepped_up_at")?,
        notice: r.opt_text("notice")?,
        login_method: r
            .opt_text("login_method")?
            .as_deref()
            .and_then(LoginMethod::from_db),
        sid: r.opt_text("sid")?.unwrap_or_default(),
    })
}

pub async fn touch(db: &Db, id_hash: &str, now: UnixTime) -> StorageResult<()> {
    db.execute(
        Stmt::new("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(now)
            .bind(id_hash),
    )
    .await?;
    Ok(())
}

pub async fn set_active_client(db: &Db, id_hash: &str, client_id: i64) -> StorageResult<()> {
    Stmt::new("UPDATE sessions SET active_client_id = $1 WHERE id_hash = $2")
        .bind(client_id)
        .bind(id_hash)
        .execute_on(db.writer())
        .await?;
    Ok(())
}

pub async fn set_pending_mobile(db: &Db, id_hash: &str, mobile: &str) -> StorageResult<()> {
    Stmt::new("UPDATE sessions SET pending_mobile = $1 WHERE id_hash = $2")
        .bind(mobile)
        .bind(id_hash)
        .execute_on(db.writer())
        .await?;
    Ok(())
}

/// The session's notice has been shown.
pub async fn clear_notice(db: &Db, id_hash: &str) -> StorageResult<()> {
    Stmt::new("UPDATE sessions SET notice = NULL WHERE id_hash = $1")
        .bind(id_hash)
        .execute_on(db.writer())
        .await?;
    Ok(())
}

/// 'Later' on the notice of `date`: hidden for the rest of this session.
pub async fn postpone_date_notice(db: &Db, id_hash: &str, date: &str) -> StorageResult<()> {
    Stmt::new("UPDATE sessions SET deadline_later = $1 WHERE id_hash = $2")
        .bind(date)
        .bind(id_hash)
        .execute_on(db.writer())
        .await?;
    Ok(())
}

/// The date this session clicked 'Later' for, if any.
pub async fn date_notice_postponed(db: &Db, id_hash: &str) -> StorageResult<Option<String>> {
    let row = Stmt::new("SELECT deadline_later FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .fetch_optional(db.pool())
        .await?;
    Ok(row
        .map(|r| r.try_get::<Option<String>, _>("deadline_later"))
        .transpose()?
        .flatten())
}

pub async fn delete(db: &Db, id_hash: &str) -> StorageResult<()> {
    db.execute(Stmt::new("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash))
        .await?;
    Ok(())
}

/// The user's logged-in sessions, newest first ('Mijn gegevens').
pub async fn active_of_user(db: &Db, user_id: i64) -> StorageResult<Vec<SessionRecord>> {
    let rows = Stmt::new(
        "SELECT id_hash, user_id, stage, active_client_id, pending_mobile, created_at, \
                logged_in_at, last_seen_at, stepped_up_at, notice, login_method, sid \
         FROM sessions WHERE user_id = $1 AND stage = $2 ORDER BY last_seen_at DESC",
    )
    .bind(user_id)
    .bind(Stage::Active.as_db())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(|r| session_record(r)).collect()
}

/// Ends one of the user's sessions by its reference (the start of its
/// stored hash, see [`reference`]); the number of sessions ended.
pub async fn end_by_reference(db: &Db, user_id: i64, reference: &str) -> StorageResult<u64> {
    db.execute(
        Stmt::new("DELETE FROM sessions WHERE user_id = $1 AND SUBSTR(id_hash, 1, 16) = $2")
            .bind(user_id)
            .bind(reference),
    )
    .await
}

/// How a page names a session: the start of its stored hash, which opens
/// nothing (the cookie holds the token, the table only its hash).
pub fn reference(session: &SessionRecord) -> String {
    session.id_hash.chars().take(16).collect()
}
