//! Recovery codes ('herstelcodes'), kept as keyed hashes; see
//! `domain::recovery`.

use sqlx::Row;

use super::{batch::Stmt, Db, StorageResult};
use crate::domain::{clock::UnixTime, recovery::CODES_PER_SET};

/// One stored code of a user's current set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCode {
    pub id: i64,
    pub code_hash: String,
    pub used: bool,
}

/// The user's current set (used codes too, so a used one is recognised).
pub async fn set_of(db: &Db, user_id: i64) -> StorageResult<Vec<StoredCode>> {
    let rows = Stmt::new(
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
    let row = Stmt::new(
        "SELECT COUNT(*) AS total, COUNT(*) - COUNT(used_at) AS unused \
         FROM recovery_codes WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_one(db.pool())
    .await?;
    let total: i64 = row.try_get("total")?;
    Ok((row.try_get("unused")?, total > 0))
}

/// The statements that replace the user's set with `hashes` (one full
/// set): the old codes stop working the moment the new ones exist.
pub fn replace_set_stmts(
    user_id: i64,
    hashes: &[String; CODES_PER_SET],
    now: UnixTime,
) -> [Stmt; 2] {
    let insert = hashes.iter().fold(
        Stmt::new(INSERT_SET).bind(user_id).bind(now),
        |stmt, hash| stmt.bind(hash.as_str()),
    );
    [
        Stmt::new("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id),
        insert,
    ]
}

/// One set in one statement: `$1` the user, `$2` the time, then the hashes.
const INSERT_SET: &str = "INSERT INTO recovery_codes (user_id, created_at, code_hash) VALUES \
    ($1, $2, $3), ($1, $2, $4), ($1, $2, $5), ($1, $2, $6), ($1, $2, $7), \
    ($1, $2, $8), ($1, $2, $9), ($1, $2, $10), ($1, $2, $11), ($1, $2, $12)";
const _: () = assert!(CODES_PER_SET == 10, "INSERT_SET holds ten codes");

/// Uses a code up; changes no row when it was used already, so of any
/// number of parallel uses of one code exactly one changes it.
pub fn consume_stmt(id: i64, now: UnixTime) -> Stmt {
    Stmt::new("UPDATE recovery_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
        .bind(now)
        .bind(id)
}
