//! 'Gebruikers importeren': the uploaded file until it is imported, what
//! the office has for the plan (`domain::import_plan`), the import in one
//! transaction, and the invitations it leaves to send.
//!
//! The import takes the office's row lock first and reads what the office
//! has inside its transaction, so two imports at once are judged one after
//! the other: the second finds every person the first made.

use std::collections::{HashMap, HashSet};

use sqlx::{AnyConnection, Row};

use super::{
    audit::{self, AuditEntry},
    batch::Stmt,
    Db, StorageResult,
};
use crate::{
    domain::{
        clock::UnixTime,
        import_plan::{ClientStep, Counts, Known, KnownPerson, PersonStep, PlannedRow, Verdict},
    },
    model::{AuditAction, TwoFactorPolicy, UserKind},
};

/// Keeps the uploaded file (base64) for its preview and import.
pub async fn save_upload(
    db: &Db,
    office_id: i64,
    by_user_id: i64,
    content: &str,
    now: UnixTime,
) -> StorageResult<i64> {
    let row = Stmt::new(
        "INSERT INTO imports (office_id, by_user_id, content, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(office_id)
    .bind(by_user_id)
    .bind(content)
    .bind(now)
    .fetch_one(db.writer())
    .await?;
    Ok(row.try_get("id")?)
}

/// An upload of the office not yet imported: its file.
pub async fn waiting_upload(db: &Db, office_id: i64, id: i64) -> StorageResult<Option<String>> {
    let row = Stmt::new(
        "SELECT content FROM imports WHERE id = $1 AND office_id = $2 AND imported_at IS NULL",
    )
    .bind(id)
    .bind(office_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|r| r.try_get("content")).transpose()?)
}

/// What the office has, for the plan: read on `conn` (the import's own
/// transaction, or any connection for the preview).
pub async fn known(
    conn: &mut AnyConnection,
    office_id: i64,
    beheerder_id: i64,
) -> StorageResult<Known> {
    let mut known = Known::default();
    for r in Stmt::new("SELECT id, name FROM clients WHERE office_id = $1")
        .bind(office_id)
        .fetch_all(&mut *conn)
        .await?
    {
        known.clients.insert(
            r.try_get::<String, _>("name")?.to_lowercase(),
            r.try_get("id")?,
        );
    }
    for r in Stmt::new("SELECT id, name FROM branches WHERE office_id = $1")
        .bind(office_id)
        .fetch_all(&mut *conn)
        .await?
    {
        known.branches.insert(
            r.try_get::<String, _>("name")?.to_lowercase(),
            r.try_get("id")?,
        );
    }
    let own = Stmt::new(
        "SELECT COALESCE(u.branch_id, (SELECT MIN(b.id) FROM branches b WHERE b.office_id = $2)) \
         AS branch_id FROM users u WHERE u.id = $1",
    )
    .bind(beheerder_id)
    .bind(office_id)
    .fetch_one(&mut *conn)
    .await?;
    known.own_branch = own.try_get("branch_id")?;
    let mut links: HashMap<i64, HashSet<i64>> = HashMap::new();
    for r in Stmt::new(
        "SELECT cu.user_id, cu.client_id FROM client_users cu \
         JOIN clients c ON c.id = cu.client_id WHERE c.office_id = $1",
    )
    .bind(office_id)
    .fetch_all(&mut *conn)
    .await?
    {
        links
            .entry(r.try_get("user_id")?)
            .or_default()
            .insert(r.try_get("client_id")?);
    }
    for r in Stmt::new(
        "SELECT id, login_name, email, pending_email, kind FROM users WHERE office_id = $1",
    )
    .bind(office_id)
    .fetch_all(&mut *conn)
    .await?
    {
        let id: i64 = r.try_get("id")?;
        let emails = [
            r.try_get::<Option<String>, _>("email")?,
            r.try_get::<Option<String>, _>("pending_email")?,
        ]
        .into_iter()
        .flatten()
        .map(|e| e.to_lowercase())
        .collect();
        known.people.push(KnownPerson {
            id,
            login: r.try_get("login_name")?,
            emails,
            is_client_user: r.try_get::<String, _>("kind")? == UserKind::Client.as_db(),
            clients: links.remove(&id).unwrap_or_default(),
        });
    }
    for r in Stmt::new("SELECT login_name FROM users WHERE office_id <> $1")
        .bind(office_id)
        .fetch_all(&mut *conn)
        .await?
    {
        known.taken.insert(r.try_get("login_name")?);
    }
    Ok(known)
}

/// The import: in one transaction under the office's row lock, `judge`
/// plans the file against what the office then has, and every accepted
/// row is written; one Logboek row gives the counts. `None`: the upload
/// is gone or imported already.
pub async fn apply(
    db: &Db,
    office_id: i64,
    import_id: i64,
    beheerder_id: i64,
    now: UnixTime,
    judge: impl FnOnce(&Known) -> Vec<PlannedRow>,
) -> StorageResult<Option<(Vec<PlannedRow>, Counts)>> {
    let mut tx = db.begin_write().await?;
    Stmt::new("UPDATE offices SET id = id WHERE id = $1")
        .bind(office_id)
        .execute_on(&mut *tx)
        .await?;
    let claimed = Stmt::new(
        "UPDATE imports SET imported_at = $3, content = '' \
         WHERE id = $1 AND office_id = $2 AND imported_at IS NULL",
    )
    .bind(import_id)
    .bind(office_id)
    .bind(now)
    .execute_on(&mut *tx)
    .await?;
    if claimed == 0 {
        tx.rollback().await?;
        return Ok(None);
    }
    let known = known(&mut tx, office_id, beheerder_id).await?;
    let mut rows = judge(&known);
    let mut clients: HashMap<String, i64> = HashMap::new();
    let mut people: HashMap<String, i64> = HashMap::new();
    for row in &mut rows {
        let Verdict::Accepted {
            client,
            person,
            already: false,
        } = &row.verdict
        else {
            continue;
        };
        let client_id = match client {
            ClientStep::Existing(id) => *id,
            ClientStep::New { name, branch_id } => match clients.get(&name.to_lowercase()) {
                Some(id) => *id,
                None => {
                    let id: i64 = Stmt::new(
                        "INSERT INTO clients (office_id, branch_id, name, two_factor_policy, created_at) \
                         VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    )
                    .bind(office_id)
                    .bind(*branch_id)
                    .bind(name.as_str())
                    .bind(TwoFactorPolicy::Nee.as_db())
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("id")?;
                    clients.insert(name.to_lowercase(), id);
                    id
                }
            },
        };
        let user_id = match person {
            PersonStep::Existing(id) => Some(*id),
            PersonStep::Above { login } => people.get(login).copied(),
            PersonStep::New {
                login,
                name,
                email,
                mobile,
            } => {
                let made = Stmt::new(
                    "INSERT INTO users (office_id, kind, login_name, display_name, pending_email, \
                                        mobile, mobile_confirmed, password_hash, invitation_pending, \
                                        is_beheerder, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, '', $8, $7, $9) \
                     ON CONFLICT (login_name) DO NOTHING RETURNING id",
                )
                .bind(office_id)
                .bind(UserKind::Client.as_db())
                .bind(login.as_str())
                .bind(name.as_str())
                .bind(email.as_str())
                .bind(mobile.as_deref())
                .bind(false)
                .bind(true)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                match made {
                    Some(r) => {
                        let id: i64 = r.try_get("id")?;
                        Stmt::new(
                            "INSERT INTO import_invitations (import_id, user_id) VALUES ($1, $2)",
                        )
                        .bind(import_id)
                        .bind(id)
                        .execute_on(&mut *tx)
                        .await?;
                        people.insert(login.clone(), id);
                        Some(id)
                    }
                    None => None,
                }
            }
        };
        let Some(user_id) = user_id else {
            // Taken in another office meanwhile (its lock is not ours).
            row.verdict = Verdict::Refused(
                "Inlognaam: deze inlognaam is intussen in gebruik genomen.".into(),
            );
            continue;
        };
        Stmt::new(
            "INSERT INTO client_users (user_id, client_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(user_id)
        .bind(client_id)
        .execute_on(&mut *tx)
        .await?;
    }
    let counts = Counts::of(&rows);
    let summary = counts.dutch();
    Stmt::new("UPDATE imports SET summary = $2 WHERE id = $1")
        .bind(import_id)
        .bind(summary.as_str())
        .execute_on(&mut *tx)
        .await?;
    audit::record_stmt(
        AuditEntry {
            office_id: Some(office_id),
            actor_user_id: Some(beheerder_id),
            new_value: Some(&summary),
            ..AuditEntry::new(AuditAction::UsersImported)
        },
        now,
    )
    .execute_on(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some((rows, counts)))
}

/// One invitation an import still has to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub import_id: i64,
    pub user_id: i64,
    pub by_user_id: Option<i64>,
}

/// The oldest invitations still to send, of every office.
pub async fn waiting(db: &Db, limit: i64) -> StorageResult<Vec<Waiting>> {
    let rows = Stmt::new(
        "SELECT ii.import_id, ii.user_id, i.by_user_id FROM import_invitations ii \
         JOIN imports i ON i.id = ii.import_id WHERE ii.sent_at IS NULL \
         ORDER BY ii.import_id, ii.user_id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Waiting {
                import_id: r.try_get("import_id")?,
                user_id: r.try_get("user_id")?,
                by_user_id: r.try_get("by_user_id")?,
            })
        })
        .collect()
}

/// Claims one invitation for sending: true for the one caller, of any
/// instance, that may send it.
pub async fn claim(db: &Db, import_id: i64, user_id: i64, now: UnixTime) -> StorageResult<bool> {
    let claimed = db
        .execute(
            Stmt::new(
                "UPDATE import_invitations SET sent_at = $3 \
                 WHERE import_id = $1 AND user_id = $2 AND sent_at IS NULL",
            )
            .bind(import_id)
            .bind(user_id)
            .bind(now),
        )
        .await?;
    Ok(claimed == 1)
}

/// An import's invitations: how many, and how many sent.
pub async fn progress(db: &Db, office_id: i64, import_id: i64) -> StorageResult<(i64, i64)> {
    let row = Stmt::new(
        "SELECT COUNT(ii.user_id) AS total, COUNT(ii.sent_at) AS sent FROM imports i \
         LEFT JOIN import_invitations ii ON ii.import_id = i.id \
         WHERE i.id = $1 AND i.office_id = $2",
    )
    .bind(import_id)
    .bind(office_id)
    .fetch_one(db.pool())
    .await?;
    Ok((row.try_get("total")?, row.try_get("sent")?))
}
