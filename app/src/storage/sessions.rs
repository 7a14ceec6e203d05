//! Server-side sessions. Rows are keyed by the SHA-256 of the browser's
//! token; every server instance reads the same rows, so nothing about a
//! session lives in process memory.

use sqlx::Row;

use super::{Db, StorageResult};
use crate::domain::clock::UnixTime;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id_hash: String,
    pub user_id: i64,
    pub active_client_id: Option<i64>,
    pub created_at: UnixTime,
    pub last_seen_at: UnixTime,
}

pub async fn insert(db: &Db, session: &SessionRecord) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, active_client_id, created_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&session.id_hash)
    .bind(session.user_id)
    .bind(session.active_client_id)
    .bind(session.created_at)
    .bind(session.last_seen_at)
    .execute(db.pool())
    .await?;
    Ok(())
}

pub async fn find(db: &Db, id_hash: &str) -> StorageResult<Option<SessionRecord>> {
    let row = sqlx::query(
        "SELECT id_hash, user_id, active_client_id, created_at, last_seen_at \
         FROM sessions WHERE id_hash = $1",
    )
    .bind(id_hash)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        Ok(SessionRecord {
            id_hash: r.try_get("id_hash")?,
            user_id: r.try_get("user_id")?,
            active_client_id: r.try_get("active_client_id")?,
            created_at: r.try_get("created_at")?,
            last_seen_at: r.try_get("last_seen_at")?,
        })
    })
    .transpose()
}

pub async fn touch(db: &Db, id_hash: &str, now: UnixTime) -> StorageResult<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
        .bind(now)
        .bind(id_hash)
        .execute(db.pool())
        .await?;
    Ok(())
}

pub async fn set_active_client(db: &Db, id_hash: &str, client_id: i64) -> StorageResult<()> {
    sqlx::query("UPDATE sessions SET active_client_id = $1 WHERE id_hash = $2")
        .bind(client_id)
        .bind(id_hash)
        .execute(db.pool())
        .await?;
    Ok(())
}

pub async fn delete(db: &Db, id_hash: &str) -> StorageResult<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Expired rows are refused on read anyway; this only keeps the table small.
pub async fn delete_older_than(
    db: &Db,
    created_before: UnixTime,
    seen_before: UnixTime,
) -> StorageResult<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE created_at < $1 OR last_seen_at < $2")
        .bind(created_before)
        .bind(seen_before)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected())
}
