//! Bound authenticator apps and bindings being set up. Secrets arrive and
//! leave sealed; this module never sees one in the clear.

use sqlx::Row;

use super::batch::{Columns, Stmt};
use super::{Db, StorageResult};
use crate::domain::clock::UnixTime;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub secret_sealed: String,
}

impl Sealed {
    fn from_row(row: &dyn Columns) -> StorageResult<Sealed> {
        Ok(Sealed {
            key_id: row.text("key_id")?,
            secret_sealed: row.text("secret_sealed")?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    pub sealed: Sealed,
    pub bound_at: UnixTime,
    pub last_step: i64,
}

pub async fn bound(db: &Db, user_id: i64) -> StorageResult<Option<Bound>> {
    let stmt = Stmt::new(
        "SELECT key_id, secret_sealed, bound_at, last_step FROM authenticators WHERE user_id = $1",
    )
    .bind(user_id);
    db.read_row(stmt, |r| {
        Ok(Bound {
            sealed: Sealed::from_row(r)?,
            bound_at: r.int("bound_at")?,
            last_step: r.int("last_step")?,
        })
    })
    .await
}

/// Accepts a TOTP time step if it is newer than every step accepted
/// before: changes the row only for a newer step, so of any number of
/// parallel uses of one step exactly one changes it.
pub fn claim_step_stmt(user_id: i64, step: i64) -> Stmt {
    Stmt::new("UPDATE authenticators SET last_step = $1 WHERE user_id = $2 AND last_step < $1")
        .bind(step)
        .bind(user_id)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    pub sealed: Sealed,
    pub created_at: UnixTime,
    pub pending_mobile: Option<String>,
}

pub async fn enrolment(db: &Db, user_id: i64) -> StorageResult<Option<Enrolment>> {
    let row = Stmt::new(
        "SELECT key_id, secret_sealed, created_at, pending_mobile FROM authenticator_enrolments WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        Ok(Enrolment {
            sealed: Sealed::from_row(&r)?,
            created_at: r.try_get("created_at")?,
            pending_mobile: r.try_get("pending_mobile")?,
        })
    })
    .transpose()
}

/// Starts a binding with `sealed` unless one started at or after
/// `live_since` is still there: of two starts at once (two tabs, a page
/// rendered twice) the first wins, so the key shown is the key stored. The
/// caller reads back which one that is.
pub async fn start_enrolment(
    db: &Db,
    user_id: i64,
    sealed: &Sealed,
    now: UnixTime,
    live_since: UnixTime,
) -> StorageResult<()> {
    Stmt::new(
        "INSERT INTO authenticator_enrolments (user_id, key_id, secret_sealed, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE SET key_id = excluded.key_id, secret_sealed = excluded.secret_sealed, \
         created_at = excluded.created_at, pending_mobile = NULL \
         WHERE authenticator_enrolments.created_at < $5",
    )
    .bind(user_id)
    .bind(sealed.key_id.as_str())
    .bind(sealed.secret_sealed.as_str())
    .bind(now)
    .bind(live_since)
    .execute_on(db.writer())
    .await?;
    Ok(())
}

pub async fn set_enrolment_mobile(db: &Db, user_id: i64, mobile: &str) -> StorageResult<()> {
    Stmt::new("UPDATE authenticator_enrolments SET pending_mobile = $1 WHERE user_id = $2")
        .bind(mobile)
        .bind(user_id)
        .execute_on(db.writer())
        .await?;
    Ok(())
}

/// Makes a confirmed binding the bound app, replacing any old one, with
/// the confirming code's step already used; the binding being set up goes.
pub fn bind_stmts(user_id: i64, sealed: &Sealed, used_step: i64, now: UnixTime) -> [Stmt; 2] {
    [
        Stmt::new("INSERT INTO authenticators (user_id, key_id, secret_sealed, bound_at, last_step) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (user_id) DO UPDATE SET key_id = excluded.key_id, secret_sealed = excluded.secret_sealed, \
             bound_at = excluded.bound_at, last_step = excluded.last_step")
            .bind(user_id)
            .bind(sealed.key_id.as_str())
            .bind(sealed.secret_sealed.as_str())
            .bind(now)
            .bind(used_step),
        drop_enrolment_stmt(user_id),
    ]
}

/// Unbinds; changes no row when no app was bound.
pub fn remove_stmt(user_id: i64) -> Stmt {
    Stmt::new("DELETE FROM authenticators WHERE user_id = $1").bind(user_id)
}

/// Drops a binding being set up, if any.
pub fn drop_enrolment_stmt(user_id: i64) -> Stmt {
    Stmt::new("DELETE FROM authenticator_enrolments WHERE user_id = $1").bind(user_id)
}
