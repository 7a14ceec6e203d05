//! Users of both kinds: office users ('kantoorgebruikers') and client users
//! ('cliëntgebruikers').

use sqlx::Row;

use super::{
    batch::{Columns, Stmt},
    Db, StorageError, StorageResult,
};
use crate::{
    domain::{clock::UnixTime, deadline::Deadline, dormant::Quiet},
    model::UserKind,
};

#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub office_id: i64,
    pub kind: UserKind,
    /// Already in canonical form (see `LoginName`).
    pub login_name: &'a str,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub mobile: Option<&'a str>,
    pub password_hash: &'a str,
    pub branch_id: Option<i64>,
    pub is_beheerder: bool,
    pub two_factor_required: bool,
}

pub async fn create_user(db: &Db, user: &NewUser<'_>, now: UnixTime) -> StorageResult<i64> {
    let row = Stmt::new(
        "INSERT INTO users (office_id, kind, login_name, display_name, email, mobile, \
                            password_hash, branch_id, is_beheerder, two_factor_required, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(user.office_id)
    .bind(user.kind.as_db())
    .bind(user.login_name)
    .bind(user.display_name)
    .bind(user.email)
    .bind(user.mobile)
    .bind(user.password_hash)
    .bind(user.branch_id)
    .bind(user.is_beheerder)
    .bind(user.two_factor_required)
    .bind(now)
    .fetch_one(db.writer())
    .await?;
    Ok(row.try_get("id")?)
}

/// What the password step needs of a user.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user_id: i64,
    pub office_id: i64,
    /// `None` while an invitation waits: the password step then checks
    /// the dummy hash, as for an unknown name, and no guess can succeed.
    pub password_hash: Option<String>,
}

/// The password step's lookup, by login name.
pub const CREDENTIALS: &str =
    "SELECT id, office_id, CASE WHEN invitation_pending THEN NULL ELSE password_hash END \
     AS password_hash FROM users WHERE login_name = $1";

pub async fn credentials(db: &Db, login_name: &str) -> StorageResult<Option<Credentials>> {
    db.read_row(Stmt::new(CREDENTIALS).bind(login_name), |r| {
        Ok(Credentials {
            user_id: r.int("id")?,
            office_id: r.int("office_id")?,
            password_hash: r.opt_text("password_hash")?,
        })
    })
    .await
}

/// One user as the server's access checks and pages see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    pub office_id: i64,
    pub office_name: String,
    pub kind: UserKind,
    pub login_name: String,
    pub display_name: String,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub branch: Option<String>,
    pub is_beheerder: bool,
    pub two_factor_required: bool,
    /// Office users: the switch applies from this date on.
    pub two_factor_from: Option<Deadline>,
    /// Office users: when the switch began (or begins) to apply.
    pub two_factor_since: Option<UnixTime>,
    pub two_factor_chosen: bool,
    /// False while a number a beheerder set waits for a code sent to it.
    pub mobile_confirmed: bool,
    /// Invited and no password chosen yet: cannot log in.
    pub invited: bool,
    /// An address waiting for its link (the invitation's, or a new
    /// address's confirmation); `email` is the confirmed one.
    pub pending_email: Option<String>,
    /// 'Account blokkeren': no way in answers for it.
    pub blocked: bool,
}

pub async fn find(db: &Db, user_id: i64) -> StorageResult<Option<UserRecord>> {
    let stmt = Stmt::new(
        "SELECT u.id, u.office_id, o.name AS office_name, u.kind, u.login_name, u.display_name, \
                u.email, u.mobile, b.name AS branch, u.is_beheerder, u.two_factor_required, \
                u.two_factor_chosen, u.mobile_confirmed, u.two_factor_required_from, \
                u.two_factor_required_since, u.invitation_pending, u.pending_email, u.blocked_at \
         FROM users u JOIN offices o ON o.id = u.office_id \
         LEFT JOIN branches b ON b.id = u.branch_id WHERE u.id = $1",
    )
    .bind(user_id);
    db.read_row(stmt, user_record).await
}

/// A user from a row with the columns of `USER_COLUMNS`.
pub(crate) fn user_record(r: &dyn Columns) -> StorageResult<UserRecord> {
    let kind = r.text("kind")?;
    Ok(UserRecord {
        id: r.int("id")?,
        office_id: r.int("office_id")?,
        office_name: r.text("office_name")?,
        kind: UserKind::from_db(&kind)
            .ok_or_else(|| StorageError::Corrupt(format!("user kind {kind:?}")))?,
        login_name: r.text("login_name")?,
        display_name: r.text("display_name")?,
        email: r.opt_text("email")?,
        mobile: r.opt_text("mobile")?,
        branch: r.opt_text("branch")?,
        is_beheerder: r.flag("is_beheerder")?,
        two_factor_required: r.flag("two_factor_required")?,
        two_factor_from: stored_deadline(r.opt_text("two_factor_required_from")?)?,
        two_factor_since: r.opt_int("two_factor_required_since")?,
        two_factor_chosen: r.flag("two_factor_chosen")?,
        mobile_confirmed: r.flag("mobile_confirmed")?,
        invited: r.flag("invitation_pending")?,
        pending_email: r.opt_text("pending_email")?,
        blocked: r.opt_int("blocked_at")?.is_some(),
    })
}

/// A stored 'Verplicht vanaf'.
pub(crate) fn stored_deadline(stored: Option<String>) -> StorageResult<Option<Deadline>> {
    stored
        .map(|s| Deadline::from_stored(&s).ok_or(StorageError::Corrupt(format!("date {s:?}"))))
        .transpose()
}

/// A new number: `Confirmed::ByCode` when a code sent to it was entered
/// right; `Confirmed::NotYet` when a beheerder set it, to be confirmed by
/// its owner's code at the next login.
pub fn set_mobile(user_id: i64, mobile: &str, confirmed: Confirmed) -> Stmt {
    Stmt::new("UPDATE users SET mobile = $1, mobile_confirmed = $2 WHERE id = $3")
        .bind(mobile)
        .bind(confirmed == Confirmed::ByCode)
        .bind(user_id)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmed {
    ByCode,
    NotYet,
}

/// The first number of a user with no factor at all, confirmed by the
/// code sent to it at login. Changes no row when the user has a number, an
/// app or unused recovery codes by now: then that factor must answer, and
/// typing a number is no way around it.
pub fn set_first_mobile(user_id: i64, mobile: &str) -> Stmt {
    Stmt::new(
        "UPDATE users SET mobile = $1, mobile_confirmed = $2 \
         WHERE id = $3 AND mobile IS NULL \
         AND NOT EXISTS (SELECT 1 FROM authenticators WHERE user_id = $3) \
         AND NOT EXISTS (SELECT 1 FROM recovery_codes WHERE user_id = $3 AND used_at IS NULL)",
    )
    .bind(mobile)
    .bind(true)
    .bind(user_id)
}

/// The owner entered a code sent to the number a beheerder set.
pub fn confirm_mobile(user_id: i64, mobile: &str) -> Stmt {
    Stmt::new("UPDATE users SET mobile_confirmed = $1 WHERE id = $2 AND mobile = $3")
        .bind(true)
        .bind(user_id)
        .bind(mobile)
}

/// A client user's own choice under 'Optioneel'.
pub fn set_two_factor_choice(user_id: i64, choice: bool) -> Stmt {
    Stmt::new("UPDATE users SET two_factor_chosen = $1 WHERE id = $2")
        .bind(choice)
        .bind(user_id)
}

/// The confirmed and the waiting address, as a typed address leaves them
/// (`factors::address_step`).
pub fn set_addresses(user_id: i64, email: Option<&str>, pending_email: Option<&str>) -> Stmt {
    Stmt::new("UPDATE users SET email = $1, pending_email = $2 WHERE id = $3")
        .bind(email)
        .bind(pending_email)
        .bind(user_id)
}

/// A confirmation link used: the address it went to becomes the account's,
/// if it still waits (a newer address typed since voids the link anyway).
pub fn confirm_email(user_id: i64, email: &str) -> Stmt {
    Stmt::new(
        "UPDATE users SET email = pending_email, pending_email = NULL \
         WHERE id = $1 AND pending_email = $2",
    )
    .bind(user_id)
    .bind(email)
}

/// What a beheerder edits under 'Gebruikersgegevens'.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeUserUpdate {
    pub display_name: String,
    /// The confirmed and the waiting address (`factors::address_step`).
    pub email: Option<String>,
    pub pending_email: Option<String>,
    pub mobile: Option<String>,
    pub two_factor_required: bool,
    /// 'Verplicht vanaf', only with the switch on.
    pub two_factor_from: Option<Deadline>,
    /// When the switch applies (`factors::ja_since`), for the overview.
    pub two_factor_since: Option<UnixTime>,
}

/// A number the beheerder changed waits for its owner's code
/// (`mobile_confirmed` false); an unchanged one keeps its state.
pub fn update_office_user(user_id: i64, update: &OfficeUserUpdate) -> Stmt {
    Stmt::new("UPDATE users SET display_name = $1, email = $2, \
                mobile_confirmed = CASE WHEN mobile IS NOT DISTINCT FROM $3 THEN mobile_confirmed ELSE $6 END, \
                mobile = $3, two_factor_required = $4, two_factor_required_from = $7, \
                two_factor_required_since = $8, pending_email = $9 \
         WHERE id = $5 AND kind = 'kantoor'")
        .bind(update.display_name.as_str())
        .bind(update.email.as_deref())
        .bind(update.mobile.as_deref())
        .bind(update.two_factor_required)
        .bind(user_id)
        .bind(false)
        .bind(update.two_factor_from.map(Deadline::to_stored))
        .bind(update.two_factor_since)
        .bind(update.pending_email.as_deref())
}

/// Client users of one client, for its edit page.
pub async fn users_of_client(db: &Db, client_id: i64) -> StorageResult<Vec<UserRecord>> {
    let ids = Stmt::new("SELECT user_id FROM client_users WHERE client_id = $1 ORDER BY user_id")
        .bind(client_id)
        .fetch_all(db.pool())
        .await?;
    let mut users = Vec::with_capacity(ids.len());
    for row in ids {
        if let Some(user) = find(db, row.try_get("user_id")?).await? {
            users.push(user);
        }
    }
    Ok(users)
}

pub async fn office_user_ids(db: &Db, office_id: i64) -> StorageResult<Vec<i64>> {
    let rows = Stmt::new(
        "SELECT id FROM users WHERE office_id = $1 AND kind = 'kantoor' ORDER BY display_name, id",
    )
    .bind(office_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
}

/// When the user last completed a login.
pub async fn last_login(db: &Db, user_id: i64) -> StorageResult<Option<UnixTime>> {
    let row = Stmt::new("SELECT last_login_at FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row
        .map(|r| r.try_get::<Option<i64>, _>("last_login_at"))
        .transpose()?
        .flatten())
}

/// A login completed: with the session it starts, in the same batch.
pub fn stamp_login(user_id: i64, now: UnixTime) -> Stmt {
    // The dormant rule's clock restarts, and its warning with it.
    Stmt::new("UPDATE users SET last_login_at = $1, dormant_warned_at = NULL WHERE id = $2")
        .bind(now)
        .bind(user_id)
}

/// A new password hash (the door ends the sessions in the same batch).
pub fn set_password(user_id: i64, password_hash: &str) -> Stmt {
    Stmt::new("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user_id)
}

/// The stored hash, to tell a new password from the current one.
pub async fn password_hash(db: &Db, user_id: i64) -> StorageResult<Option<String>> {
    db.read_row(
        Stmt::new("SELECT password_hash FROM users WHERE id = $1").bind(user_id),
        |r| r.text("password_hash"),
    )
    .await
}

/// The users whose address is `email`, compared without case (a mailbox's
/// domain has none, and people type their local part as they please).
pub async fn ids_with_email(db: &Db, email: &str) -> StorageResult<Vec<i64>> {
    let rows = Stmt::new("SELECT id FROM users WHERE LOWER(email) = LOWER($1) ORDER BY id")
        .bind(email)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
}

/// An invited account, as the beheerder typed it: no password until the
/// invitation's link is used; the address waits for that link too.
#[derive(Debug, Clone)]
pub struct NewInvited<'a> {
    pub office_id: i64,
    pub kind: UserKind,
    /// Canonical (see `LoginName`).
    pub login_name: &'a str,
    pub display_name: &'a str,
    pub email: &'a str,
    /// Set by the beheerder: confirmed by its owner's first code.
    pub mobile: Option<&'a str>,
    pub branch_id: Option<i64>,
    pub is_beheerder: bool,
}

/// The new account's id; `None` when the login name was taken meanwhile.
pub async fn create_invited(
    db: &Db,
    user: &NewInvited<'_>,
    now: UnixTime,
) -> StorageResult<Option<i64>> {
    let row = Stmt::new(
        "INSERT INTO users (office_id, kind, login_name, display_name, pending_email, mobile, \
                            mobile_confirmed, password_hash, invitation_pending, branch_id, \
                            is_beheerder, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, '', $8, $9, $10, $11) \
         ON CONFLICT (login_name) DO NOTHING RETURNING id",
    )
    .bind(user.office_id)
    .bind(user.kind.as_db())
    .bind(user.login_name)
    .bind(user.display_name)
    .bind(user.email)
    .bind(user.mobile)
    .bind(false)
    .bind(true)
    .bind(user.branch_id)
    .bind(user.is_beheerder)
    .bind(now)
    .fetch_optional(db.writer())
    .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}

/// The invitation's link used: the first password, and the address the
/// link went to confirmed (the link's own, whatever was typed since). One
/// statement, as a batch changes a row once.
pub fn set_first_password(user_id: i64, password_hash: &str, email: &str) -> Stmt {
    Stmt::new(
        "UPDATE users SET password_hash = $1, invitation_pending = $2, email = $3, \
         pending_email = CASE WHEN pending_email = $3 THEN NULL ELSE pending_email END \
         WHERE id = $4",
    )
    .bind(password_hash)
    .bind(false)
    .bind(email)
    .bind(user_id)
}

/// The users whose confirmed or waiting address is `email`.
pub async fn ids_with_any_email(db: &Db, email: &str) -> StorageResult<Vec<i64>> {
    let rows = Stmt::new(
        "SELECT id FROM users WHERE LOWER(email) = LOWER($1) OR LOWER(pending_email) = LOWER($1) \
         ORDER BY id",
    )
    .bind(email)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
}

/// The dates the dormant rule counts from (`domain::dormant`).
pub async fn quiet(db: &Db, user_id: i64) -> StorageResult<Option<Quiet>> {
    let row = Stmt::new(
        "SELECT created_at, last_login_at, unblocked_at, dormant_warned_at, email \
         FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        Ok(Quiet {
            created_at: r.try_get("created_at")?,
            last_login_at: r.try_get("last_login_at")?,
            unblocked_at: r.try_get("unblocked_at")?,
            warned_at: r.try_get("dormant_warned_at")?,
            has_address: r.try_get::<Option<String>, _>("email")?.is_some(),
        })
    })
    .transpose()
}
