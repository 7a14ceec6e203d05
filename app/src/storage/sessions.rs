//! Server-side sessions. Rows are keyed by the SHA-256 of the browser's
//! token; every server instance reads the same rows, so nothing about a
//! session lives in process memory.

use super::{
    batch::{Columns, Stmt},
    Db, StorageError, StorageResult,
};
use crate::args;
use crate::domain::clock::UnixTime;

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
    pub last_seen_at: UnixTime,
    /// When the user last proved themselves again in this session.
    pub stepped_up_at: Option<UnixTime>,
    /// A message for the user, shown once (the phone's clock is off).
    pub notice: Option<String>,
}

pub async fn insert(db: &Db, session: &SessionRecord) -> StorageResult<()> {
    db.execute(insert_stmt(session)).await?;
    Ok(())
}

async fn insert_on<'e>(
    on: impl sqlx::Executor<'e, Database = sqlx::Any>,
    session: &SessionRecord,
) -> StorageResult<()> {
    insert_stmt(session).execute_on(on).await?;
    Ok(())
}

pub fn insert_stmt(session: &SessionRecord) -> Stmt {
    Stmt::new(
        "INSERT INTO sessions (id_hash, user_id, stage, active_client_id, pending_mobile, created_at, last_seen_at, stepped_up_at, notice) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        args![
            session.id_hash.as_str(),
            session.user_id,
            session.stage.as_db(),
            session.active_client_id,
            session.pending_mobile.as_deref(),
            session.created_at,
            session.last_seen_at,
            session.stepped_up_at,
            session.notice.as_deref()
        ],
    )
}

/// Ends session `old` if it is still at `stage`; as a statement it changes
/// one row or, when `old` is gone or moved on, none.
pub fn end_at_stage_stmt(old: &str, stage: Stage) -> Stmt {
    Stmt::new(
        "DELETE FROM sessions WHERE id_hash = $1 AND stage = $2",
        args![old, stage.as_db()],
    )
}

/// Ends session `old` (which must still be at `old_stage`) and starts
/// `new` in its place, in one transaction. `false` when `old` was already
/// gone: of any number of parallel requests promoting one pending login,
/// exactly one gets a session.
pub async fn replace(
    db: &Db,
    old: &str,
    old_stage: Stage,
    new: &SessionRecord,
) -> StorageResult<bool> {
    let mut tx = db.begin_write().await?;
    if !replace_on(&mut tx, old, old_stage, new).await? {
        tx.rollback().await?;
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// The same inside the caller's transaction, which it must roll back on
/// `false`.
pub async fn replace_on(
    tx: &mut sqlx::AnyConnection,
    old: &str,
    old_stage: Stage,
    new: &SessionRecord,
) -> StorageResult<bool> {
    if end_at_stage_stmt(old, old_stage)
        .execute_on(&mut *tx)
        .await?
        != 1
    {
        return Ok(false);
    }
    insert_on(&mut *tx, new).await?;
    Ok(true)
}

/// Ends every session of a user except `keep` (the one making a change).
pub async fn end_others<'e>(
    on: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: i64,
    keep: Option<&str>,
) -> StorageResult<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(on)
        .await?;
    Ok(done.rows_affected())
}

pub async fn find(db: &Db, id_hash: &str) -> StorageResult<Option<SessionRecord>> {
    let stmt = Stmt::new(
        "SELECT id_hash, user_id, stage, active_client_id, pending_mobile, created_at, last_seen_at, stepped_up_at, notice \
         FROM sessions WHERE id_hash = $1",
        args![id_hash],
    );
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
        last_seen_at: r.int("last_seen_at")?,
        stepped_up_at: r.opt_int("stepped_up_at")?,
        notice: r.opt_text("notice")?,
    })
}

pub async fn touch(db: &Db, id_hash: &str, now: UnixTime) -> StorageResult<()> {
    db.execute(Stmt::new(
        "UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2",
        args![now, id_hash],
    ))
    .await?;
    Ok(())
}

pub async fn set_active_client(db: &Db, id_hash: &str, client_id: i64) -> StorageResult<()> {
    sqlx::query("UPDATE sessions SET active_client_id = $1 WHERE id_hash = $2")
        .bind(client_id)
        .bind(id_hash)
        .execute(db.writer())
        .await?;
    Ok(())
}

pub async fn set_pending_mobile(db: &Db, id_hash: &str, mobile: &str) -> StorageResult<()> {
    sqlx::query("UPDATE sessions SET pending_mobile = $1 WHERE id_hash = $2")
        .bind(mobile)
        .bind(id_hash)
        .execute(db.writer())
        .await?;
    Ok(())
}

/// The session's notice has been shown.
pub async fn clear_notice(db: &Db, id_hash: &str) -> StorageResult<()> {
    sqlx::query("UPDATE sessions SET notice = NULL WHERE id_hash = $1")
        .bind(id_hash)
        .execute(db.writer())
        .await?;
    Ok(())
}

pub async fn delete(db: &Db, id_hash: &str) -> StorageResult<()> {
    db.execute(Stmt::new(
        "DELETE FROM sessions WHERE id_hash = $1",
        args![id_hash],
    ))
    .await?;
    Ok(())
}
