//! Trusted browsers ('Dit apparaat … dagen onthouden'), keyed by the
//! SHA-256 of the browser's token, and the office's number of days.

use sqlx::Row;

use super::{batch::Stmt, Db, StorageResult};
use crate::domain::clock::UnixTime;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedBrowser {
    pub id: i64,
    pub user_id: i64,
    pub description: String,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub last_used_at: UnixTime,
}

fn from_row(r: &sqlx::any::AnyRow) -> StorageResult<TrustedBrowser> {
    Ok(TrustedBrowser {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        description: r.try_get("description")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        last_used_at: r.try_get("last_used_at")?,
    })
}

const COLUMNS: &str = "id, user_id, description, created_at, expires_at, last_used_at";

pub async fn insert(
    db: &Db,
    user_id: i64,
    token_hash: &str,
    description: &str,
    created_at: UnixTime,
    expires_at: UnixTime,
) -> StorageResult<()> {
    Stmt::new(
        "INSERT INTO trusted_browsers (user_id, token_hash, description, created_at, expires_at, last_used_at) \
         VALUES ($1, $2, $3, $4, $5, $4)",
    )
    .bind(user_id)
    .bind(token_hash)
    .bind(description)
    .bind(created_at)
    .bind(expires_at)
    .execute_on(db.writer())
    .await?;
    Ok(())
}

pub async fn find(db: &Db, token_hash: &str) -> StorageResult<Option<TrustedBrowser>> {
    let row = Stmt::built(format!(
        "SELECT {COLUMNS} FROM trusted_browsers WHERE token_hash = $1"
    ))
    .bind(token_hash)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn of_user(db: &Db, user_id: i64) -> StorageResult<Vec<TrustedBrowser>> {
    let rows = Stmt::built(format!(
        "SELECT {COLUMNS} FROM trusted_browsers WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn touch(db: &Db, id: i64, now: UnixTime) -> StorageResult<()> {
    Stmt::new("UPDATE trusted_browsers SET last_used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute_on(db.writer())
        .await?;
    Ok(())
}

/// 'Vergeten': one of the user's own. `false` when it was not theirs or
/// already gone.
pub async fn forget(db: &Db, user_id: i64, id: i64) -> StorageResult<bool> {
    let done = Stmt::new("DELETE FROM trusted_browsers WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute_on(db.writer())
        .await?;
    Ok(done == 1)
}

/// Every trusted browser of the user (a change to how they log in).
pub fn forget_all_stmt(user_id: i64) -> Stmt {
    Stmt::new("DELETE FROM trusted_browsers WHERE user_id = $1").bind(user_id)
}

/// Every trusted browser of every user of the office ('Kantoor' at 0 days).
pub fn forget_office_stmt(office_id: i64) -> Stmt {
    Stmt::new(
        "DELETE FROM trusted_browsers WHERE user_id IN (SELECT id FROM users WHERE office_id = $1)",
    )
    .bind(office_id)
}

pub async fn office_days(db: &Db, office_id: i64) -> StorageResult<i64> {
    let row = Stmt::new("SELECT trust_days FROM offices WHERE id = $1")
        .bind(office_id)
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get("trust_days")?)
}

pub fn set_office_days_stmt(office_id: i64, days: i64) -> Stmt {
    Stmt::new("UPDATE offices SET trust_days = $1 WHERE id = $2")
        .bind(days)
        .bind(office_id)
}
