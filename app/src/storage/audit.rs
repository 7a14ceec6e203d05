//! The audit log: who did what, when, with the old and new value.

use sqlx::Row;

use super::batch::Stmt;
use super::{users::UserRecord, Db, StorageResult};
use crate::{domain::clock::UnixTime, model::AuditAction};

#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub office_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub action: AuditAction,
    pub subject: Option<&'a str>,
    pub old_value: Option<&'a str>,
    pub new_value: Option<&'a str>,
}

impl<'a> AuditEntry<'a> {
    /// `action` by nobody known, about nothing: the start for the others.
    pub fn new(action: AuditAction) -> Self {
        AuditEntry {
            office_id: None,
            actor_user_id: None,
            action,
            subject: None,
            old_value: None,
            new_value: None,
        }
    }

    /// A beheerder acting on another user's account (or their own).
    pub fn on_behalf(beheerder: &'a UserRecord, user: &'a UserRecord, action: AuditAction) -> Self {
        AuditEntry {
            office_id: Some(beheerder.office_id),
            actor_user_id: Some(beheerder.id),
            subject: Some(&user.login_name),
            ..AuditEntry::new(action)
        }
    }

    /// A beheerder acting on something of the office that is no account:
    /// a client, the office's settings (`subject`: its name).
    pub fn in_office(beheerder: &'a UserRecord, subject: &'a str, action: AuditAction) -> Self {
        AuditEntry {
            office_id: Some(beheerder.office_id),
            actor_user_id: Some(beheerder.id),
            subject: Some(subject),
            ..AuditEntry::new(action)
        }
    }

    /// A user acting on their own account (login, codes, their app).
    pub fn own(user: &'a UserRecord, action: AuditAction) -> Self {
        AuditEntry {
            office_id: Some(user.office_id),
            actor_user_id: Some(user.id),
            subject: Some(&user.login_name),
            ..AuditEntry::new(action)
        }
    }
}

pub async fn record(db: &Db, entry: AuditEntry<'_>, now: UnixTime) -> StorageResult<()> {
    db.execute(record_stmt(entry, now)).await?;
    Ok(())
}

/// The audit row as a statement, for a batch (`storage::batch`).
pub fn record_stmt(entry: AuditEntry<'_>, now: UnixTime) -> Stmt {
    Stmt::new("INSERT INTO audit_log (office_id, actor_user_id, action, subject, old_value, new_value, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(entry.office_id)
        .bind(entry.actor_user_id)
        .bind(entry.action.as_str())
        .bind(entry.subject)
        .bind(entry.old_value)
        .bind(entry.new_value)
        .bind(now)
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
    let rows = Stmt::new(
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

/// Which rows of one office's log to read: always one office, newest first,
/// keyset-paged by id so a page stays put while new rows arrive.
#[derive(Debug, Clone)]
pub struct OfficeLogQuery<'a> {
    pub office_id: i64,
    /// Rows by this user, or about them: `(user id, login name)`.
    pub user: Option<(i64, &'a str)>,
    pub action: Option<&'a str>,
    /// Only rows older than this id (the previous page's last).
    pub before: Option<i64>,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeLogRow {
    pub id: i64,
    pub at: UnixTime,
    pub action: String,
    pub subject: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// The actor's login name ('verwijderde gebruiker #id' once removed);
    /// none for a failed login or the portal itself.
    pub actor: Option<String>,
}

/// One page of an office's log. The text is put together from fixed pieces
/// so each filter gets a plain condition the indexes serve (a generic
/// `$n IS NULL OR …` would keep PostgreSQL's cached plan from using them);
/// every value is bound, none is spliced in.
pub async fn office_page(db: &Db, query: &OfficeLogQuery<'_>) -> StorageResult<Vec<OfficeLogRow>> {
    let mut sql = String::from(
        "SELECT a.id, a.at, a.action, a.subject, a.old_value, a.new_value, \
                COALESCE(u.login_name, 'verwijderde gebruiker #' || a.actor_removed_id) AS actor \
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id \
         WHERE a.office_id = $1",
    );
    let mut n = 1;
    let mut next = || {
        n += 1;
        n
    };
    if query.user.is_some() {
        let (by, about) = (next(), next());
        sql.push_str(&format!(
            " AND (a.actor_user_id = ${by} OR a.subject = ${about})"
        ));
    }
    if query.action.is_some() {
        sql.push_str(&format!(" AND a.action = ${}", next()));
    }
    if query.before.is_some() {
        sql.push_str(&format!(" AND a.id < ${}", next()));
    }
    sql.push_str(&format!(" ORDER BY a.id DESC LIMIT ${}", next()));

    // Binds in the order the pieces above numbered them.
    let mut q = Stmt::built(sql).bind(query.office_id);
    if let Some((id, login_name)) = query.user {
        q = q.bind(id).bind(login_name);
    }
    if let Some(action) = query.action {
        q = q.bind(action);
    }
    if let Some(before) = query.before {
        q = q.bind(before);
    }
    let rows = q.bind(query.limit).fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            Ok(OfficeLogRow {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                action: r.try_get("action")?,
                subject: r.try_get("subject")?,
                old_value: r.try_get("old_value")?,
                new_value: r.try_get("new_value")?,
                actor: r.try_get("actor")?,
            })
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeUserName {
    pub id: i64,
    pub login_name: String,
    pub display_name: String,
}

/// Every user of the office, staff and client users alike (both appear in
/// its log), for the log's user filter.
pub async fn office_users(db: &Db, office_id: i64) -> StorageResult<Vec<OfficeUserName>> {
    let rows = Stmt::new(
        "SELECT id, login_name, display_name FROM users WHERE office_id = $1 \
         ORDER BY display_name, id",
    )
    .bind(office_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OfficeUserName {
                id: r.try_get("id")?,
                login_name: r.try_get("login_name")?,
                display_name: r.try_get("display_name")?,
            })
        })
        .collect()
}
