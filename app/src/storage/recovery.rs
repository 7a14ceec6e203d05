//! Recovery codes ('herstelcodes'), kept as keyed hashes; see
//! `domain::recovery`.

use sqlx::Row;

use super::{Db, StorageResult};
use crate::domain::clock::UnixTime;

/// One stored code of a user's current set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCode {
    pub id: i64,
    pub code_hash: String,
    pub used: bool,
}

/// The user's current set (used codes too, so a used one is recognised).
pub async fn set_of(db: &Db, user_id: i64) -> StorageResult<Vec<StoredCode>> {
    let rows = sqlx::query(
        "SELECT id, code_hash, used_at FROM recovery_codes WHERE user_id = $1 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StoredCode {
                id: r.try_get("id")?,
                code_hash: r.try_get("code_hash")?,
                used: r.try_get::<Option<i64>, _>("used_at")?.is_some(),
            })
        })
        .collect()
}

/// Unused codes left, and whether the user has a set at all.
pub async fn counts(db: &Db, user_id: i64) -> StorageResult<(i64, bool)> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS total, COUNT(*) - COUNT(used_at) AS unused \
         FROM recovery_codes WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_one(db.pool())
    .await?;
    let total: i64 = row.try_get("total")?;
    Ok((row.try_get("unused")?, total > 0))
}

/// Replaces the user's set with `hashes`, inside the caller's transaction:
/// the old codes stop working the moment the new ones exist.
pub async fn replace_set_on(
    tx: &mut sqlx::AnyConnection,
    user_id: i64,
    hashes: &[String],
    now: UnixTime,
) -> StorageResult<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    for hash in hashes {
        sqlx::query(
            "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
        )
        .bind(user_id)
        .bind(hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Uses a code up. Of any number of parallel calls for one code, exactly
/// one gets `true`.
pub async fn consume(db: &Db, id: i64, now: UnixTime) -> StorageResult<bool> {
    let done =
        sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(db.writer())
            .await?;
    Ok(done.rows_affected() == 1)
}
