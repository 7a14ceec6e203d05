//! Passkeys, the ceremonies begun for them, the user handle they carry and
//! the office's two switches. The credential arrives and leaves as
//! webauthn-rs's serialised text; this module does not look inside it.

use super::{
    batch::{Columns, Stmt},
    Db, StorageResult,
};
use sqlx::Row;

use crate::domain::clock::UnixTime;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPasskey {
    pub id: i64,
    pub user_id: i64,
    pub credential_id: String,
    pub name: String,
    /// webauthn-rs's `Passkey`, serialised.
    pub passkey: String,
    pub counter: i64,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
}

const COLUMNS: &str =
    "id, user_id, credential_id, name, passkey, counter, created_at, last_used_at";

fn from_row(r: &dyn Columns) -> StorageResult<StoredPasskey> {
    Ok(StoredPasskey {
        id: r.int("id")?,
        user_id: r.int("user_id")?,
        credential_id: r.text("credential_id")?,
        name: r.text("name")?,
        passkey: r.text("passkey")?,
        counter: r.int("counter")?,
        created_at: r.int("created_at")?,
        last_used_at: r.opt_int("last_used_at")?,
    })
}

/// The user's passkeys, newest first.
pub async fn of_user(db: &Db, user_id: i64) -> StorageResult<Vec<StoredPasskey>> {
    let rows = Stmt::built(format!(
        "SELECT {COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(|r| from_row(r)).collect()
}

pub async fn count_of_user(db: &Db, user_id: i64) -> StorageResult<i64> {
    let row = Stmt::new("SELECT COUNT(*) AS n FROM passkeys WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(db.pool())
        .await?;
    (&row as &dyn Columns).int("n")
}

/// What a registration stores.
#[derive(Debug, Clone)]
pub struct NewPasskey<'a> {
    pub user_id: i64,
    pub credential_id: &'a str,
    pub name: &'a str,
    pub passkey: &'a str,
    pub counter: i64,
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub aaguid: &'a str,
}

/// Stores a new passkey; it changes no row when the credential is already
/// registered (to anyone).
pub fn insert_stmt(new: &NewPasskey<'_>, now: UnixTime) -> Stmt {
    Stmt::new(
        "INSERT INTO passkeys (user_id, credential_id, name, passkey, counter, backup_eligible, \
             backup_state, aaguid, created_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 \
         WHERE NOT EXISTS (SELECT 1 FROM passkeys WHERE credential_id = $2)",
    )
    .bind(new.user_id)
    .bind(new.credential_id)
    .bind(new.name)
    .bind(new.passkey)
    .bind(new.counter)
    .bind(new.backup_eligible)
    .bind(new.backup_state)
    .bind(new.aaguid)
    .bind(now)
}

/// A use stored: the counter and flags the assertion reported. It changes
/// no row when a parallel use moved the counter first (or the passkey was
/// removed), so of two uses judged against one counter one stands.
pub fn used_stmt(
    id: i64,
    counter_read: i64,
    passkey: &str,
    counter: i64,
    backup_state: bool,
    now: UnixTime,
) -> Stmt {
    Stmt::new(
        "UPDATE passkeys SET passkey = $1, counter = $2, backup_state = $3, last_used_at = $4 \
         WHERE id = $5 AND counter = $6",
    )
    .bind(passkey)
    .bind(counter)
    .bind(backup_state)
    .bind(now)
    .bind(id)
    .bind(counter_read)
}

/// One of the user's own passkeys removed; no row when it was not theirs.
pub fn delete_stmt(user_id: i64, id: i64) -> Stmt {
    Stmt::new("DELETE FROM passkeys WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
}

/// Every passkey of the user (the beheerder's 'Passkeys verwijderen').
pub fn delete_all_stmt(user_id: i64) -> Stmt {
    Stmt::new("DELETE FROM passkeys WHERE user_id = $1").bind(user_id)
}

// ---------------------------------------------------------------- the user handle

/// The user's handle, if a passkey was ever made for them.
pub async fn handle_of(db: &Db, user_id: i64) -> StorageResult<Option<String>> {
    db.read_row(
        Stmt::new("SELECT passkey_handle FROM users WHERE id = $1").bind(user_id),
        |r| r.opt_text("passkey_handle"),
    )
    .await
    .map(Option::flatten)
}

/// Gives the user `handle` unless they have one (a parallel first
/// registration may have set it: the caller reads it back).
pub async fn set_handle_once(db: &Db, user_id: i64, handle: &str) -> StorageResult<()> {
    db.execute(
        Stmt::new("UPDATE users SET passkey_handle = $1 WHERE id = $2 AND passkey_handle IS NULL")
            .bind(handle)
            .bind(user_id),
    )
    .await?;
    Ok(())
}

/// The user a handle belongs to.
pub async fn user_of_handle(db: &Db, handle: &str) -> StorageResult<Option<i64>> {
    db.read_row(
        Stmt::new("SELECT id FROM users WHERE passkey_handle = $1").bind(handle),
        |r| r.int("id"),
    )
    .await
}

// ---------------------------------------------------------------- ceremonies

/// What a ceremony is for; one begun for one purpose never finishes another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Register,
    /// The login's second step, or a step-up.
    Assert,
    /// A login without the password.
    Passwordless,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::Assert => "assert",
            Purpose::Passwordless => "passwordless",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ceremony {
    pub id: String,
    pub state: String,
    pub created_at: UnixTime,
}

pub async fn begin(
    db: &Db,
    id: &str,
    purpose: Purpose,
    session_hash: &str,
    state: &str,
    now: UnixTime,
) -> StorageResult<()> {
    db.execute(
        Stmt::new(
            "INSERT INTO passkey_ceremonies (id, purpose, session_hash, state, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(purpose.as_str())
        .bind(session_hash)
        .bind(state)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// The ceremony `id`, if it was begun for `purpose` in `session_hash`
/// and not used yet (the caller checks its age).
pub async fn ceremony(
    db: &Db,
    id: &str,
    purpose: Purpose,
    session_hash: &str,
) -> StorageResult<Option<Ceremony>> {
    db.read_row(
        Stmt::new(
            "SELECT id, state, created_at FROM passkey_ceremonies \
             WHERE id = $1 AND purpose = $2 AND session_hash = $3",
        )
        .bind(id)
        .bind(purpose.as_str())
        .bind(session_hash),
        |r| {
            Ok(Ceremony {
                id: r.text("id")?,
                state: r.text("state")?,
                created_at: r.int("created_at")?,
            })
        },
    )
    .await
}

/// Deletes up to `most` ceremonies begun before `before` (lapsed: their
/// answer is refused anyway), so a flood's rows go as they lapse rather
/// than at the next purge.
pub async fn drop_lapsed(db: &Db, before: UnixTime, most: i64) -> StorageResult<u64> {
    db.execute(
        Stmt::new(
            "DELETE FROM passkey_ceremonies WHERE id IN \
             (SELECT id FROM passkey_ceremonies WHERE created_at < $1 LIMIT $2)",
        )
        .bind(before)
        .bind(most),
    )
    .await
}

/// Open ceremonies of `purpose`, counted up to `cap` (enough to compare).
pub async fn open_count(db: &Db, purpose: Purpose, cap: i64) -> StorageResult<i64> {
    let row = Stmt::new(
        "SELECT COUNT(*) AS n FROM \
         (SELECT 1 FROM passkey_ceremonies WHERE purpose = $1 LIMIT $2) open",
    )
    .bind(purpose.as_str())
    .bind(cap)
    .fetch_one(db.pool())
    .await?;
    Ok(row.try_get("n")?)
}

/// Whether any office allows the login without the password.
pub async fn any_passwordless(db: &Db) -> StorageResult<bool> {
    let row = Stmt::new(
        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM offices \
         WHERE passkeys_allowed = $1 AND passkeys_passwordless = $1 LIMIT 1) one",
    )
    .bind(true)
    .fetch_one(db.pool())
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Uses the ceremony up; changes no row when a parallel request did.
pub fn use_stmt(id: &str) -> Stmt {
    Stmt::new("DELETE FROM passkey_ceremonies WHERE id = $1").bind(id)
}

// ---------------------------------------------------------------- judging an answer

/// Which ceremony and which passkey an answer names, for the read of what
/// judging it needs ([`Facts`]).
#[derive(Debug, Clone, Copy)]
pub struct Lookup<'a> {
    pub ceremony: &'a str,
    pub purpose: Purpose,
    /// The session the ceremony was begun in ("" for a passwordless one).
    pub bound_to: &'a str,
    pub credential_id: &'a str,
}

/// The user's passkey an answer named, as judging it needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnPasskey {
    pub id: i64,
    /// webauthn-rs's `Passkey`, serialised.
    pub passkey: String,
    pub counter: i64,
}

/// What an answer is judged against besides the user, as one read saw it:
/// the office's switches, the ceremony (if begun for this purpose in this
/// session and not used), and the passkey (only if it is this user's: a
/// removed one or another account's is not found).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub office: OfficePasskeys,
    pub ceremony: Option<Ceremony>,
    pub passkey: Option<OwnPasskey>,
}

/// The columns of [`Facts`], over `users u` and `offices o`.
pub(super) const FACT_COLUMNS: &str = "o.passkeys_allowed, o.passkeys_passwordless, \
     pc.id AS ceremony_id, pc.state AS ceremony_state, pc.created_at AS ceremony_created_at, \
     pk.id AS passkey_id, pk.passkey AS passkey_passkey, pk.counter AS passkey_counter";

/// The joins of [`Facts`] onto `users u`, their four placeholders from
/// `$first` on (bound by [`bind_lookup`]).
pub(super) fn fact_joins(first: usize) -> String {
    format!(
        "LEFT JOIN passkey_ceremonies pc ON pc.id = ${} AND pc.purpose = ${} AND pc.session_hash = ${} \
         LEFT JOIN passkeys pk ON pk.credential_id = ${} AND pk.user_id = u.id",
        first,
        first + 1,
        first + 2,
        first + 3
    )
}

pub(super) fn bind_lookup(stmt: Stmt, lookup: &Lookup<'_>) -> Stmt {
    stmt.bind(lookup.ceremony)
        .bind(lookup.purpose.as_str())
        .bind(lookup.bound_to)
        .bind(lookup.credential_id)
}

pub(super) fn facts_from_row(r: &dyn Columns) -> StorageResult<Facts> {
    let ceremony = match r.opt_text("ceremony_id")? {
        None => None,
        Some(id) => Some(Ceremony {
            id,
            state: r.text("ceremony_state")?,
            created_at: r.int("ceremony_created_at")?,
        }),
    };
    let passkey = match r.opt_int("passkey_id")? {
        None => None,
        Some(id) => Some(OwnPasskey {
            id,
            passkey: r.text("passkey_passkey")?,
            counter: r.int("passkey_counter")?,
        }),
    };
    Ok(Facts {
        office: OfficePasskeys {
            allowed: r.flag("passkeys_allowed")?,
            passwordless: r.flag("passkeys_passwordless")?,
        },
        ceremony,
        passkey,
    })
}

static FACTS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {FACT_COLUMNS} FROM users u JOIN offices o ON o.id = u.office_id {} WHERE u.id = $1",
        fact_joins(2)
    )
});

/// [`Facts`] for `user_id`'s answer, read alone (the passwordless login
/// looks before it has a session; the second step reads them inside its
/// one read). `None`: no such user.
pub async fn facts(db: &Db, user_id: i64, lookup: &Lookup<'_>) -> StorageResult<Option<Facts>> {
    db.read_row(
        bind_lookup(Stmt::new(FACTS.as_str()).bind(user_id), lookup),
        facts_from_row,
    )
    .await
}

// ---------------------------------------------------------------- the office's switches

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfficePasskeys {
    /// Passkeys count as a factor at all.
    pub allowed: bool,
    /// A passkey may log in without the password.
    pub passwordless: bool,
}

pub async fn office_settings(db: &Db, office_id: i64) -> StorageResult<OfficePasskeys> {
    let found = db
        .read_row(
            Stmt::new("SELECT passkeys_allowed, passkeys_passwordless FROM offices WHERE id = $1")
                .bind(office_id),
            |r| {
                Ok(OfficePasskeys {
                    allowed: r.flag("passkeys_allowed")?,
                    passwordless: r.flag("passkeys_passwordless")?,
                })
            },
        )
        .await?;
    Ok(found.unwrap_or(OfficePasskeys {
        allowed: false,
        passwordless: false,
    }))
}

pub fn set_office_settings_stmt(office_id: i64, settings: OfficePasskeys) -> Stmt {
    Stmt::new("UPDATE offices SET passkeys_allowed = $1, passkeys_passwordless = $2 WHERE id = $3")
        .bind(settings.allowed)
        .bind(settings.passwordless)
        .bind(office_id)
}
