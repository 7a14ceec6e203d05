//! The per-account lockout state (`domain::lockout`), read and written as a
//! compare-and-set so that no failure is lost between server instances.

use sqlx::{Any, Row, Transaction};

use super::{Db, StorageResult};
use crate::domain::lockout::Throttle;

pub async fn get(db: &Db, user_id: i64) -> StorageResult<Throttle> {
    let row = sqlx::query(
        "SELECT failed_count, lockout_level, locked_until FROM code_throttle WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(match row {
        Some(r) => Throttle {
            failed_count: r.try_get("failed_count")?,
            lockout_level: r.try_get("lockout_level")?,
            locked_until: r.try_get("locked_until")?,
        },
        None => Throttle::default(),
    })
}

/// Applies `step` to the stored state, retrying when another request
/// changed it in between. Returns the state written. A step that changes
/// nothing (a right code with no failures before it) writes nothing.
pub async fn update(
    db: &Db,
    user_id: i64,
    step: impl Fn(&Throttle) -> Throttle,
) -> StorageResult<Throttle> {
    let mut row_exists = false;
    loop {
        let old = get(db, user_id).await?;
        let new = step(&old);
        if new == old {
            return Ok(new);
        }
        if !row_exists {
            ensure_row(db, user_id).await?;
            row_exists = true;
        }
        let done = sqlx::query(
            "UPDATE code_throttle SET failed_count = $1, lockout_level = $2, locked_until = $3 \
             WHERE user_id = $4 AND failed_count = $5 AND lockout_level = $6 AND locked_until = $7",
        )
        .bind(new.failed_count)
        .bind(new.lockout_level)
        .bind(new.locked_until)
        .bind(user_id)
        .bind(old.failed_count)
        .bind(old.lockout_level)
        .bind(old.locked_until)
        .execute(db.writer())
        .await?;
        if done.rows_affected() == 1 {
            return Ok(new);
        }
    }
}

async fn ensure_row(db: &Db, user_id: i64) -> StorageResult<()> {
    sqlx::query("INSERT INTO code_throttle (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING")
        .bind(user_id)
        .execute(db.writer())
        .await?;
    Ok(())
}

/// Locks the account's row for the rest of the transaction (PostgreSQL:
/// row lock; SQLite: the database's write lock).
pub async fn take_turn(tx: &mut Transaction<'static, Any>, user_id: i64) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO code_throttle (user_id) VALUES ($1) \
         ON CONFLICT (user_id) DO UPDATE SET turn = code_throttle.turn + 1",
    )
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
