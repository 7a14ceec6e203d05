//! Clients ('cliënten') and which client users belong to them.

use sqlx::Row;

use super::users::stored_deadline;
use super::{batch::Stmt, Db, StorageError, StorageResult};
use crate::{
    domain::{clock::UnixTime, deadline::Deadline, policy::ClientPolicy},
    model::{ClientRef, ClientRow, RequiredFrom, TwoFactorPolicy},
};

pub async fn create_client(
    db: &Db,
    office_id: i64,
    branch_id: i64,
    name: &str,
    policy: TwoFactorPolicy,
    now: UnixTime,
) -> StorageResult<i64> {
    let row = Stmt::new(
        "INSERT INTO clients (office_id, branch_id, name, two_factor_policy, two_factor_since, created_at) \
         VALUES ($1, $2, $3, $4, $6, $5) RETURNING id",
    )
    .bind(office_id)
    .bind(branch_id)
    .bind(name)
    .bind(policy.as_db())
    .bind(now)
    .bind((policy == TwoFactorPolicy::Ja).then_some(now))
    .fetch_one(db.writer())
    .await?;
    Ok(row.try_get("id")?)
}

/// A client's new name.
pub async fn rename(db: &Db, client_id: i64, name: &str) -> StorageResult<()> {
    db.execute(
        Stmt::new("UPDATE clients SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(client_id),
    )
    .await?;
    Ok(())
}

pub async fn link_user(db: &Db, user_id: i64, client_id: i64) -> StorageResult<()> {
    Stmt::new("INSERT INTO client_users (user_id, client_id) VALUES ($1, $2)")
        .bind(user_id)
        .bind(client_id)
        .execute_on(db.writer())
        .await?;
    Ok(())
}

/// The clients of one client user, by name: the first is the active client
/// at login.
pub async fn clients_of_user(db: &Db, user_id: i64) -> StorageResult<Vec<ClientRef>> {
    let rows = Stmt::new(
        "SELECT c.id, c.name FROM clients c \
         JOIN client_users cu ON cu.client_id = c.id \
         WHERE cu.user_id = $1 ORDER BY c.name, c.id",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ClientRef {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
            })
        })
        .collect()
}

pub fn list_for_office_stmt(office_id: i64) -> Stmt {
    Stmt::new(
        "SELECT c.id, c.name, b.name AS branch, c.two_factor_policy, c.two_factor_from, \
                (SELECT COUNT(*) FROM client_users cu WHERE cu.client_id = c.id) AS user_count \
         FROM clients c JOIN branches b ON b.id = c.branch_id \
         WHERE c.office_id = $1 ORDER BY c.name, c.id",
    )
    .bind(office_id)
}

pub async fn list_for_office(db: &Db, office_id: i64) -> StorageResult<Vec<ClientRow>> {
    let rows = list_for_office_stmt(office_id).fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            let policy: String = r.try_get("two_factor_policy")?;
            Ok(ClientRow {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                branch: r.try_get("branch")?,
                policy: TwoFactorPolicy::from_db(&policy)
                    .ok_or_else(|| StorageError::Corrupt(format!("policy {policy:?}")))?,
                required_from: stored_deadline(r.try_get("two_factor_from")?)?.map(required_from),
                user_count: r.try_get("user_count")?,
            })
        })
        .collect()
}

/// A date as the pages show and edit it.
pub fn required_from(date: Deadline) -> RequiredFrom {
    RequiredFrom {
        iso: date.to_stored(),
        dutch: date.dutch(),
    }
}

/// The policies of all clients of one client user.
pub async fn policies_of_user(db: &Db, user_id: i64) -> StorageResult<Vec<ClientPolicy>> {
    let rows = Stmt::new(
        "SELECT c.two_factor_policy, c.two_factor_from FROM clients c \
         JOIN client_users cu ON cu.client_id = c.id WHERE cu.user_id = $1",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let policy: String = r.try_get("two_factor_policy")?;
            Ok(ClientPolicy {
                policy: TwoFactorPolicy::from_db(&policy)
                    .ok_or_else(|| StorageError::Corrupt(format!("policy {policy:?}")))?,
                from: stored_deadline(r.try_get("two_factor_from")?)?,
            })
        })
        .collect()
}

/// One client of an office; `None` when it belongs to another office.
pub async fn find_in_office(
    db: &Db,
    office_id: i64,
    client_id: i64,
) -> StorageResult<Option<ClientRow>> {
    Ok(list_for_office(db, office_id)
        .await?
        .into_iter()
        .find(|c| c.id == client_id))
}

/// The client's policy with its date, and when its 'Ja' applies
/// (`factors::ja_since`), only if the policy is still `old` as read: of
/// two beheerders saving at once, the second is told to look again.
pub fn set_policy(
    client_id: i64,
    old: (TwoFactorPolicy, Option<Deadline>),
    new: ClientPolicy,
    since: Option<UnixTime>,
) -> Stmt {
    Stmt::new(
        "UPDATE clients SET two_factor_policy = $1, two_factor_from = $2, two_factor_since = $3 \
         WHERE id = $4 AND two_factor_policy = $5 AND two_factor_from IS NOT DISTINCT FROM $6",
    )
    .bind(new.policy.as_db())
    .bind(new.from.map(Deadline::to_stored))
    .bind(since)
    .bind(client_id)
    .bind(old.0.as_db())
    .bind(old.1.map(Deadline::to_stored))
}

/// The branch whose name an SMS or an authenticator app shows for a client.
pub async fn branch_name(db: &Db, client_id: i64) -> StorageResult<Option<String>> {
    let row = Stmt::new(
        "SELECT b.name FROM clients c JOIN branches b ON b.id = c.branch_id WHERE c.id = $1",
    )
    .bind(client_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|r| r.try_get("name")).transpose()?)
}

/// When the client's 'Ja' began (or begins) to apply; `None` without 'Ja'.
pub async fn since(db: &Db, client_id: i64) -> StorageResult<Option<UnixTime>> {
    let row = Stmt::new("SELECT two_factor_since FROM clients WHERE id = $1")
        .bind(client_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row
        .map(|r| r.try_get::<Option<i64>, _>("two_factor_since"))
        .transpose()?
        .flatten())
}
