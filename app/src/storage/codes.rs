//! Sent SMS codes: reserving one within the sending limits, and using one
//! exactly once.

use sqlx::Row;

use super::batch::{Columns, Stmt};
use super::{flag, throttle, Db, StorageResult};
use crate::domain::{
    clock::UnixTime,
    codes::{CodeState, VALID_SECONDS},
    sms_quota::{self, Refusal, SentSoFar, DAY, HOUR},
};

#[derive(Debug, Clone)]
pub struct NewCode<'a> {
    pub user_id: i64,
    pub office_id: i64,
    pub session_hash: &'a str,
    pub phone: &'a str,
    pub code_hash: &'a str,
}

/// Stores a new code if the sending limits allow it. The account's throttle
/// row is updated first: that row lock makes concurrent requests for one
/// account (on any server instance) count and insert one after the other.
pub async fn reserve(
    db: &Db,
    code: &NewCode<'_>,
    office_daily_cap: i64,
    now: UnixTime,
) -> StorageResult<Result<i64, Refusal>> {
    let mut tx = db.writer().begin().await?;
    throttle::take_turn(&mut tx, code.user_id).await?;

    let account = Stmt::new(
        "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM sms_codes \
         WHERE user_id = $1 AND created_at > $2",
    )
    .bind(code.user_id)
    .bind(now - HOUR)
    .fetch_one(&mut *tx)
    .await?;
    let last = Stmt::new(
        "SELECT MAX(created_at) AS last FROM sms_codes WHERE session_hash = $1 AND send_failed = $2",
    )
    .bind(code.session_hash)
    .bind(false)
    .fetch_one(&mut *tx)
    .await?;
    let office =
        Stmt::new("SELECT COUNT(*) AS n FROM sms_codes WHERE office_id = $1 AND created_at > $2")
            .bind(code.office_id)
            .bind(now - DAY)
            .fetch_one(&mut *tx)
            .await?;
    let sent = SentSoFar {
        last_sent_at: last.try_get("last")?,
        account_last_hour: account.try_get("n")?,
        oldest_in_hour: account.try_get("oldest")?,
        office_last_day: office.try_get("n")?,
    };
    if let Err(refusal) = sms_quota::may_send(&sent, office_daily_cap, now) {
        tx.rollback().await?;
        return Ok(Err(refusal));
    }
    let row = Stmt::new(
        "INSERT INTO sms_codes (user_id, office_id, session_hash, phone, code_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(code.user_id)
    .bind(code.office_id)
    .bind(code.session_hash)
    .bind(code.phone)
    .bind(code.code_hash)
    .bind(now)
    .bind(now + VALID_SECONDS)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// A send that failed does not hold back the next attempt (the one-minute
/// wait counts only codes that went out), but still counts for the hourly
/// and daily limits.
pub async fn mark_send_failed(db: &Db, id: i64) -> StorageResult<()> {
    Stmt::new("UPDATE sms_codes SET send_failed = $1 WHERE id = $2")
        .bind(true)
        .bind(id)
        .execute_on(db.writer())
        .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRecord {
    pub id: i64,
    pub phone: String,
    pub code_hash: String,
    pub created_at: UnixTime,
    pub state: CodeState,
}

/// A code from a row with its columns under `code_`-prefixed names (so it
/// can stand beside a session's in one row, see `second_step`).
pub(crate) fn code_record(r: &dyn Columns) -> StorageResult<CodeRecord> {
    Ok(CodeRecord {
        id: r.int("code_id")?,
        phone: r.text("code_phone")?,
        code_hash: r.text("code_hash")?,
        created_at: r.int("code_created_at")?,
        state: CodeState {
            expires_at: r.int("code_expires_at")?,
            attempts: r.int("code_attempts")?,
            used: r.opt_int("code_used_at")?.is_some(),
        },
    })
}

/// The newest code of a pending login that reached the gateway.
pub async fn latest_for_session(db: &Db, session_hash: &str) -> StorageResult<Option<CodeRecord>> {
    let row = Stmt::new(
        "SELECT id AS code_id, phone AS code_phone, code_hash, created_at AS code_created_at, \
                expires_at AS code_expires_at, attempts AS code_attempts, used_at AS code_used_at \
         FROM sms_codes WHERE session_hash = $1 AND send_failed = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(session_hash)
    .bind(false)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(|r| code_record(r)).transpose()
}

/// True when the newest attempt to send a code for this login failed.
pub async fn newest_send_failed(db: &Db, session_hash: &str) -> StorageResult<bool> {
    let row = Stmt::new(
        "SELECT send_failed FROM sms_codes WHERE session_hash = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(session_hash)
    .fetch_optional(db.pool())
    .await?;
    row.map_or(Ok(false), |r| flag(&r, "send_failed"))
}

/// The last time a code for this login reached the gateway.
pub async fn last_sent_at(db: &Db, session_hash: &str) -> StorageResult<Option<UnixTime>> {
    let row = Stmt::new("SELECT MAX(created_at) AS last FROM sms_codes WHERE session_hash = $1 AND send_failed = $2")
        .bind(session_hash)
        .bind(false)
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get("last")?)
}

pub async fn count_wrong_try(db: &Db, id: i64) -> StorageResult<()> {
    count_wrong_try_stmt(id).execute_on(db.writer()).await?;
    Ok(())
}

pub fn count_wrong_try_stmt(id: i64) -> Stmt {
    Stmt::new("UPDATE sms_codes SET attempts = attempts + 1 WHERE id = $1").bind(id)
}

/// Marks the code used if, and only if, it is still usable. Exactly one of
/// any number of parallel calls gets `true`.
pub async fn consume(db: &Db, id: i64, max_attempts: i64, now: UnixTime) -> StorageResult<bool> {
    Ok(consume_stmt(id, max_attempts, now)
        .execute_on(db.writer())
        .await?
        == 1)
}

/// `consume` as a statement: changes the row only while the code is usable.
pub fn consume_stmt(id: i64, max_attempts: i64, now: UnixTime) -> Stmt {
    Stmt::new(
        "UPDATE sms_codes SET used_at = $1 \
         WHERE id = $2 AND used_at IS NULL AND attempts < $3 AND expires_at > $1",
    )
    .bind(now)
    .bind(id)
    .bind(max_attempts)
}
