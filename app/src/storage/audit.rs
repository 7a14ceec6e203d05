//! The audit log: who did what, when, with the old and new value.

use sqlx::Row;

use super::{users::UserRecord, Db, StorageResult};
use crate::domain::clock::UnixTime;

#[derive(Debug, Clone, Default)]
pub struct AuditEntry<'a> {
    pub office_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    /// A stable, searchable name such as `login.ok` or `login.failed`.
    pub action: &'a str,
    pub subject: Option<&'a str>,
    pub old_value: Option<&'a str>,
    pub new_value: Option<&'a str>,
}

impl<'a> AuditEntry<'a> {
    /// A user acting on their own account (login, codes, their app).
    pub fn own(user: &'a UserRecord, action: &'a str) -> Self {
        AuditEntry {
            office_id: Some(user.office_id),
            actor_user_id: Some(user.id),
            action,
            subject: Some(&user.login_name),
            ..Default::default()
        }
    }
}

pub async fn record(db: &Db, entry: AuditEntry<'_>, now: UnixTime) -> StorageResult<()> {
    record_on(db.writer(), entry, now).await
}

/// The same, inside a caller's transaction.
pub async fn record_on<'e>(
    on: impl sqlx::Executor<'e, Database = sqlx::Any>,
    entry: AuditEntry<'_>,
    now: UnixTime,
) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO audit_log (office_id, actor_user_id, action, subject, old_value, new_value, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(entry.office_id)
    .bind(entry.actor_user_id)
    .bind(entry.action)
    .bind(entry.subject)
    .bind(entry.old_value)
    .bind(entry.new_value)
    .bind(now)
    .execute(on)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub actor_user_id: Option<i64>,
    pub action: String,
    pub subject: Option<String>,
    pub at: UnixTime,
}

/// Newest first; for the administration screens and for tests.
pub async fn recent(db: &Db, limit: i64) -> StorageResult<Vec<AuditRecord>> {
    let rows = sqlx::query(
        "SELECT actor_user_id, action, subject, at FROM audit_log ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditRecord {
                actor_user_id: r.try_get("actor_user_id")?,
                action: r.try_get("action")?,
                subject: r.try_get("subject")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}
