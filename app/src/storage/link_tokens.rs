//! The links the portal mails (`domain::link_token`), one table for every
//! kind. A link is found by its token's hash and used by one conditional
//! update, so of any number of parallel uses exactly one changes the row.

use super::{batch::Stmt, Db, StorageResult};
use crate::domain::{
    clock::UnixTime,
    link_token::{IssuedLink, LinkKind, StoredLink},
};

/// A stored link as read by its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundLink {
    pub user_id: i64,
    /// The address an address confirmation confirms.
    pub email: Option<String>,
    pub state: StoredLink,
}

/// Stores a new link; `email` for an address confirmation.
pub fn insert_stmt(user_id: i64, link: &IssuedLink, email: Option<&str>, now: UnixTime) -> Stmt {
    Stmt::new(
        "INSERT INTO link_tokens (token_hash, user_id, kind, email, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(link.hash.as_str())
    .bind(user_id)
    .bind(link.kind.as_db())
    .bind(email)
    .bind(now)
    .bind(link.expires_at)
}

/// Voids the user's open links of `kind` (a newer one is on its way, or
/// the account no longer needs them): they expire now.
pub fn void_stmt(user_id: i64, kind: LinkKind, now: UnixTime) -> Stmt {
    Stmt::new(
        "UPDATE link_tokens SET expires_at = $3 \
         WHERE user_id = $1 AND kind = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(user_id)
    .bind(kind.as_db())
    .bind(now)
}

/// Voids every open link of the user, of any kind (a block, a removal).
pub fn void_all_stmt(user_id: i64, now: UnixTime) -> Stmt {
    Stmt::new(
        "UPDATE link_tokens SET expires_at = $2 \
         WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(user_id)
    .bind(now)
}

/// Uses the link: changes its row only while it is unused and open, so it
/// is the condition of the change it carries (`Batch::must_change`).
pub fn use_stmt(hash: &str, kind: LinkKind, now: UnixTime) -> Stmt {
    Stmt::new(
        "UPDATE link_tokens SET used_at = $3 \
         WHERE token_hash = $1 AND kind = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(hash)
    .bind(kind.as_db())
    .bind(now)
}

pub async fn find(db: &Db, hash: &str, kind: LinkKind) -> StorageResult<Option<FoundLink>> {
    let stmt = Stmt::new(
        "SELECT user_id, email, expires_at, used_at FROM link_tokens \
         WHERE token_hash = $1 AND kind = $2",
    )
    .bind(hash)
    .bind(kind.as_db());
    db.read_row(stmt, |r| {
        Ok(FoundLink {
            user_id: r.int("user_id")?,
            email: r.opt_text("email")?,
            state: StoredLink {
                expires_at: r.int("expires_at")?,
                used: r.opt_int("used_at")?.is_some(),
            },
        })
    })
    .await
}

/// Whether the user has an invitation that still opens (the lists show
/// 'Uitgenodigd' or 'Uitnodiging verlopen').
pub async fn invitation_open(db: &Db, user_id: i64, now: UnixTime) -> StorageResult<bool> {
    let row = db
        .read_row(
            Stmt::new(
                "SELECT COUNT(*) AS n FROM link_tokens \
                 WHERE user_id = $1 AND kind = $2 AND used_at IS NULL AND expires_at > $3",
            )
            .bind(user_id)
            .bind(LinkKind::Invitation.as_db())
            .bind(now),
            |r| r.int("n"),
        )
        .await?;
    Ok(row.unwrap_or(0) > 0)
}
