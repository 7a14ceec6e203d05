//! The end of an account's life: blocked, unblocked, removed from a
//! client, removed; and the Logboek's rows about a removed account made
//! anonymous. Each is a statement for the door's batch.
//!
//! "Not the office's last beheerder" is a condition of the statement
//! itself, which reads other rows than it writes: such a batch runs
//! through `Db::write_batch_serialised`, so two beheerders blocking each
//! other at once cannot both succeed.

use sqlx::Row;

use super::{batch::Stmt, Db, StorageResult};
use crate::{domain::clock::UnixTime, model::AuditAction};

/// Another beheerder of the office who can still log in.
/// Binds: `$3` false, `$4` true.
const ANOTHER_BEHEERDER: &str = "(u.is_beheerder = $3 OR EXISTS (SELECT 1 FROM users o \
     WHERE o.office_id = u.office_id AND o.id <> u.id AND o.is_beheerder = $4 \
       AND o.blocked_at IS NULL AND o.invitation_pending = $3))";

/// Blocks the account unless it is blocked already or is the office's
/// last beheerder. `dormant`: by the dormant rule, not a beheerder.
pub fn block_stmt(user_id: i64, office_id: i64, dormant: bool, now: UnixTime) -> Stmt {
    Stmt::built(format!(
        "UPDATE users SET blocked_at = $5, blocked_dormant = $6 WHERE id IN (SELECT u.id \
         FROM users u WHERE u.id = $1 AND u.office_id = $2 AND u.blocked_at IS NULL \
         AND {ANOTHER_BEHEERDER})"
    ))
    .bind(user_id)
    .bind(office_id)
    .bind(false)
    .bind(true)
    .bind(now)
    .bind(dormant)
}

/// Lifts the block; the dormant rule counts again from now.
pub fn unblock_stmt(user_id: i64, now: UnixTime) -> Stmt {
    Stmt::new(
        "UPDATE users SET blocked_at = NULL, blocked_dormant = $2, dormant_warned_at = NULL, \
         unblocked_at = $3 WHERE id = $1 AND blocked_at IS NOT NULL",
    )
    .bind(user_id)
    .bind(false)
    .bind(now)
}

/// Ends a client user's access to one client.
pub fn leave_client_stmt(user_id: i64, client_id: i64) -> Stmt {
    Stmt::new("DELETE FROM client_users WHERE user_id = $1 AND client_id = $2")
        .bind(user_id)
        .bind(client_id)
}

/// The clients a user still belongs to.
pub async fn client_count(db: &Db, user_id: i64) -> StorageResult<i64> {
    let row = Stmt::new("SELECT COUNT(*) AS n FROM client_users WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get("n")?)
}

/// Deletes the account, unless it is the office's last beheerder. Every
/// factor, code, passkey, session, trusted browser, link and delivery
/// report goes with it (`ON DELETE CASCADE`).
pub fn delete_stmt(user_id: i64, office_id: i64) -> Stmt {
    Stmt::built(format!(
        "DELETE FROM users WHERE id IN (SELECT u.id FROM users u \
         WHERE u.id = $1 AND u.office_id = $2 AND {ANOTHER_BEHEERDER})"
    ))
    .bind(user_id)
    .bind(office_id)
    .bind(false)
    .bind(true)
}

/// How the Logboek names a removed account from then on.
pub fn removed_label(user_id: i64) -> String {
    format!("verwijderde gebruiker #{user_id}")
}

/// The Logboek's rows about the account: named by [`removed_label`],
/// its numbers, addresses and names taken out; and the rows it did keep
/// its id (the foreign key clears `actor_user_id` on delete). One
/// statement, as a batch changes a row once (on PostgreSQL a batch is one
/// statement); to run before [`delete_stmt`], in its batch.
pub fn pseudonymise_stmt(user_id: i64, office_id: i64, login_name: &str) -> Stmt {
    let identifying: Vec<String> = AuditAction::ALL
        .into_iter()
        .filter(|a| a.values_identify())
        .map(|a| format!("'{}'", a.as_str()))
        .collect();
    let about = "office_id = $1 AND subject = $2";
    let values = format!("{about} AND action IN ({})", identifying.join(", "));
    Stmt::built(format!(
        "UPDATE audit_log SET \
         subject = CASE WHEN {about} THEN $3 ELSE subject END, \
         old_value = CASE WHEN {values} THEN NULL ELSE old_value END, \
         new_value = CASE WHEN {values} THEN NULL ELSE new_value END, \
         actor_removed_id = CASE WHEN actor_user_id = $4 THEN $4 ELSE actor_removed_id END \
         WHERE ({about}) OR actor_user_id = $4"
    ))
    .bind(office_id)
    .bind(login_name)
    .bind(removed_label(user_id))
    .bind(user_id)
}

/// Active beheerders of the office besides `except` (for the answer
/// before the statement's own condition).
pub async fn other_beheerders(db: &Db, office_id: i64, except: i64) -> StorageResult<i64> {
    let row = Stmt::new(
        "SELECT COUNT(*) AS n FROM users WHERE office_id = $1 AND id <> $2 \
         AND is_beheerder = $3 AND blocked_at IS NULL AND invitation_pending = $4",
    )
    .bind(office_id)
    .bind(except)
    .bind(true)
    .bind(false)
    .fetch_one(db.pool())
    .await?;
    Ok(row.try_get("n")?)
}

/// The office's unblocked, non-invited accounts quiet since before
/// `quiet_before` (the dormant task's candidates; the rule judges each).
pub async fn dormant_candidates(
    db: &Db,
    office_id: i64,
    quiet_before: UnixTime,
) -> StorageResult<Vec<i64>> {
    let rows = Stmt::new(concat!(
        "SELECT u.id FROM users u WHERE u.office_id = $1 AND u.blocked_at IS NULL \
         AND u.invitation_pending = $3 AND ",
        quiet_before_2!(),
        " ORDER BY u.id"
    ))
    .bind(office_id)
    .bind(quiet_before)
    .bind(false)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
}

/// Claims the warning of this quiet spell (begun at `since`): true for the
/// one caller, of any instance, that may send it.
pub async fn claim_warning(
    db: &Db,
    user_id: i64,
    since: UnixTime,
    now: UnixTime,
) -> StorageResult<bool> {
    let claimed = db
        .execute(
            Stmt::new(
                "UPDATE users SET dormant_warned_at = $3 WHERE id = $1 AND blocked_at IS NULL \
                 AND (dormant_warned_at IS NULL OR dormant_warned_at < $2)",
            )
            .bind(user_id)
            .bind(since)
            .bind(now),
        )
        .await?;
    Ok(claimed == 1)
}
