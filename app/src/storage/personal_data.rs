//! What the portal holds about one account, section by section, for the
//! AVG download (art. 15). Each section names the columns it gives: a
//! secret, hash, sealed key or token hash is never among them, and a
//! column added to a table later is not exported until it is named here.

use sqlx::{any::AnyRow, Row};

use super::{
    batch::{Columns, Stmt},
    Db, StorageResult,
};

/// How a column reads in the download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Flag,
    /// Unix seconds, shown as a date and time.
    Time,
}

/// One cell as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(Option<String>),
    Flag(bool),
    Time(Option<i64>),
}

/// One section of the download: its name, and a query over `$1` (the
/// user's id) whose columns are listed with their kinds.
pub struct Section {
    pub name: &'static str,
    sql: &'static str,
    pub columns: &'static [(&'static str, Kind)],
}

use Kind::*;

pub const SECTIONS: &[Section] = &[
    Section {
        name: "clienten",
        sql: "SELECT c.name AS naam, b.name AS vestiging, c.two_factor_policy AS tweestapsbeleid, \
                     c.two_factor_from AS verplicht_vanaf \
              FROM client_users cu JOIN clients c ON c.id = cu.client_id \
              JOIN branches b ON b.id = c.branch_id WHERE cu.user_id = $1 ORDER BY c.name",
        columns: &[
            ("naam", Text),
            ("vestiging", Text),
            ("tweestapsbeleid", Text),
            ("verplicht_vanaf", Text),
        ],
    },
    Section {
        name: "authenticator_app",
        sql: "SELECT bound_at AS gekoppeld_op FROM authenticators WHERE user_id = $1",
        columns: &[("gekoppeld_op", Time)],
    },
    Section {
        name: "passkeys",
        sql: "SELECT name AS naam, created_at AS toegevoegd_op, last_used_at AS laatst_gebruikt, \
                     backup_state AS in_back_up FROM passkeys WHERE user_id = $1 ORDER BY id",
        columns: &[
            ("naam", Text),
            ("toegevoegd_op", Time),
            ("laatst_gebruikt", Time),
            ("in_back_up", Flag),
        ],
    },
    Section {
        name: "herstelcodes",
        sql: "SELECT created_at AS gemaakt_op, used_at AS gebruikt_op FROM recovery_codes \
              WHERE user_id = $1 ORDER BY id",
        columns: &[("gemaakt_op", Time), ("gebruikt_op", Time)],
    },
    Section {
        name: "sessies",
        sql: "SELECT stage AS stap, created_at AS begonnen_op, logged_in_at AS ingelogd_op, \
                     last_seen_at AS laatst_actief, stepped_up_at AS bevestigd_op \
              FROM sessions WHERE user_id = $1 ORDER BY created_at",
        columns: &[
            ("stap", Text),
            ("begonnen_op", Time),
            ("ingelogd_op", Time),
            ("laatst_actief", Time),
            ("bevestigd_op", Time),
        ],
    },
    Section {
        name: "onthouden_apparaten",
        sql: "SELECT description AS browser, created_at AS onthouden_op, \
                     last_used_at AS laatst_gebruikt, expires_at AS verloopt_op \
              FROM trusted_browsers WHERE user_id = $1 ORDER BY id",
        columns: &[
            ("browser", Text),
            ("onthouden_op", Time),
            ("laatst_gebruikt", Time),
            ("verloopt_op", Time),
        ],
    },
    Section {
        name: "sms_berichten",
        sql: "SELECT phone AS nummer, provider AS verstuurd_via, status, reason AS reden, \
                     created_at AS verstuurd_op, status_at AS status_op \
              FROM sms_messages WHERE user_id = $1 ORDER BY id",
        columns: &[
            ("nummer", Text),
            ("verstuurd_via", Text),
            ("status", Text),
            ("reden", Text),
            ("verstuurd_op", Time),
            ("status_op", Time),
        ],
    },
    Section {
        name: "links_per_mail",
        sql: "SELECT kind AS soort, email AS naar, created_at AS verstuurd_op, \
                     expires_at AS geldig_tot, used_at AS gebruikt_op \
              FROM link_tokens WHERE user_id = $1 ORDER BY id",
        columns: &[
            ("soort", Text),
            ("naar", Text),
            ("verstuurd_op", Time),
            ("geldig_tot", Time),
            ("gebruikt_op", Time),
        ],
    },
];

/// The rows of one section, each cell with its column's name.
pub async fn rows(
    db: &Db,
    section: &Section,
    user_id: i64,
) -> StorageResult<Vec<Vec<(&'static str, Cell)>>> {
    let found = Stmt::new(section.sql)
        .bind(user_id)
        .fetch_all(db.pool())
        .await?;
    found
        .iter()
        .map(|row| {
            section
                .columns
                .iter()
                .map(|&(name, kind)| Ok((name, cell(row, name, kind)?)))
                .collect()
        })
        .collect()
}

fn cell(row: &AnyRow, name: &str, kind: Kind) -> StorageResult<Cell> {
    Ok(match kind {
        Text => Cell::Text(row.try_get(name)?),
        Time => Cell::Time(row.try_get(name)?),
        Flag => Cell::Flag(row.flag(name)?),
    })
}

/// One Logboek row about the account or by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRow {
    pub at: i64,
    pub action: String,
    pub subject: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// Done by the account itself (else: about it, by someone else or by
    /// the portal).
    pub by_self: bool,
}

/// The Logboek's rows about the account (its login name in its office)
/// or done by it.
pub async fn log_rows(
    db: &Db,
    user_id: i64,
    office_id: i64,
    login_name: &str,
) -> StorageResult<Vec<LogRow>> {
    let found = Stmt::new(
        "SELECT at, action, subject, old_value, new_value, actor_user_id FROM audit_log \
         WHERE (office_id = $2 AND subject = $3) OR actor_user_id = $1 ORDER BY id",
    )
    .bind(user_id)
    .bind(office_id)
    .bind(login_name)
    .fetch_all(db.pool())
    .await?;
    found
        .iter()
        .map(|r| {
            Ok(LogRow {
                at: r.try_get("at")?,
                action: r.try_get("action")?,
                subject: r.try_get("subject")?,
                old_value: r.try_get("old_value")?,
                new_value: r.try_get("new_value")?,
                by_self: r.try_get::<Option<i64>, _>("actor_user_id")? == Some(user_id),
            })
        })
        .collect()
}
