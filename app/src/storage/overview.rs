//! 'Overzicht': the office's users counted per client by what they have
//! set up. The query groups; which group counts as what is
//! `domain::factors` (`Factors::protection`), not SQL.

use super::{batch::Stmt, Db, StorageResult};

/// Users of one client (or, `client_id` `None`, the office's own users)
/// who share what they have set up and whether they logged in since 'Ja'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group {
    pub client_id: Option<i64>,
    pub passkey: bool,
    pub app: bool,
    pub number: bool,
    /// Not logged in since the policy went to 'Ja'.
    pub not_since: bool,
    /// Invited, no password chosen yet: counted apart.
    pub invited: bool,
    /// Quiet since before the office's 'Niet ingelogd' cutoff.
    pub dormant: bool,
    pub users: i64,
}

/// What user `u` has set up, as three 0/1 columns; each an index lookup.
macro_rules! set_up_columns {
    () => {
        "CAST(CASE WHEN EXISTS (SELECT 1 FROM passkeys p WHERE p.user_id = u.id) THEN 1 ELSE 0 END AS BIGINT) AS has_passkey, \
         CAST(CASE WHEN EXISTS (SELECT 1 FROM authenticators a WHERE a.user_id = u.id) THEN 1 ELSE 0 END AS BIGINT) AS has_app, \
         CAST(CASE WHEN u.mobile IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_number, \
         CAST(CASE WHEN u.invitation_pending THEN 1 ELSE 0 END AS BIGINT) AS invited, "
    };
}

/// 'Niet ingelogd in … dagen' as a 0/1 column (`quiet_before_2!`).
macro_rules! dormant_column {
    () => {
        concat!(
            "CAST(CASE WHEN ",
            quiet_before_2!(),
            " THEN 1 ELSE 0 END AS BIGINT) AS dormant, "
        )
    };
}

/// Per client user and client: what is set up; each an index lookup
/// (`passkeys_user`, the authenticators' key, `client_users_client`).
pub const CLIENT_GROUPS: &str = concat!(
    "SELECT cu.client_id AS client_id, ",
    set_up_columns!(),
    dormant_column!(),
    "CAST(CASE WHEN c.two_factor_since IS NOT NULL \
                   AND (u.last_login_at IS NULL OR u.last_login_at < c.two_factor_since) \
              THEN 1 ELSE 0 END AS BIGINT) AS not_since, \
        COUNT(*) AS users \
     FROM clients c \
     JOIN client_users cu ON cu.client_id = c.id \
     JOIN users u ON u.id = cu.user_id \
     WHERE c.office_id = $1 \
     GROUP BY 1, 2, 3, 4, 5, 6, 7"
);

/// The office's own users: the same, against each user's own switch.
pub const OFFICE_GROUPS: &str = concat!(
    "SELECT ",
    set_up_columns!(),
    dormant_column!(),
    "CAST(CASE WHEN u.two_factor_required_since IS NOT NULL \
                   AND (u.last_login_at IS NULL OR u.last_login_at < u.two_factor_required_since) \
              THEN 1 ELSE 0 END AS BIGINT) AS not_since, \
        COUNT(*) AS users \
     FROM users u \
     WHERE u.office_id = $1 AND u.kind = 'kantoor' \
     GROUP BY 1, 2, 3, 4, 5, 6"
);

/// `dormant_before`: quiet since before this time counts as dormant.
pub fn client_groups_stmt(office_id: i64, dormant_before: i64) -> Stmt {
    Stmt::new(CLIENT_GROUPS)
        .bind(office_id)
        .bind(dormant_before)
}

pub fn office_groups_stmt(office_id: i64, dormant_before: i64) -> Stmt {
    Stmt::new(OFFICE_GROUPS)
        .bind(office_id)
        .bind(dormant_before)
}

/// Every group of the office: its clients' users, then its own.
pub async fn groups(db: &Db, office_id: i64, dormant_before: i64) -> StorageResult<Vec<Group>> {
    use sqlx::Row;
    let mut groups = Vec::new();
    for (stmt, per_client) in [
        (client_groups_stmt(office_id, dormant_before), true),
        (office_groups_stmt(office_id, dormant_before), false),
    ] {
        for r in stmt.fetch_all(db.pool()).await? {
            groups.push(Group {
                client_id: if per_client {
                    Some(r.try_get("client_id")?)
                } else {
                    None
                },
                passkey: r.try_get::<i64, _>("has_passkey")? == 1,
                app: r.try_get::<i64, _>("has_app")? == 1,
                number: r.try_get::<i64, _>("has_number")? == 1,
                not_since: r.try_get::<i64, _>("not_since")? == 1,
                invited: r.try_get::<i64, _>("invited")? == 1,
                dormant: r.try_get::<i64, _>("dormant")? == 1,
                users: r.try_get("users")?,
            });
        }
    }
    Ok(groups)
}

/// One user for the export: who, which client, what is set up, the last
/// login. Ordered by client (the office's own users first) and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportUser {
    pub client: Option<String>,
    pub login_name: String,
    pub display_name: String,
    pub passkey: bool,
    pub app: bool,
    pub number: bool,
    pub last_login_at: Option<i64>,
}

const EXPORT_USERS: &str = concat!(
    "SELECT c.name AS client, u.login_name, u.display_name, ",
    set_up_columns!(),
    "        u.last_login_at \
     FROM users u \
     LEFT JOIN client_users cu ON cu.user_id = u.id \
     LEFT JOIN clients c ON c.id = cu.client_id \
     WHERE u.office_id = $1 \
     ORDER BY CASE WHEN c.name IS NULL THEN 0 ELSE 1 END, c.name, c.id, u.display_name, u.id"
);

pub async fn export_users(db: &Db, office_id: i64) -> StorageResult<Vec<ExportUser>> {
    use sqlx::Row;
    let rows = Stmt::new(EXPORT_USERS)
        .bind(office_id)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ExportUser {
                client: r.try_get("client")?,
                login_name: r.try_get("login_name")?,
                display_name: r.try_get("display_name")?,
                passkey: r.try_get::<i64, _>("has_passkey")? == 1,
                app: r.try_get::<i64, _>("has_app")? == 1,
                number: r.try_get::<i64, _>("has_number")? == 1,
                last_login_at: r.try_get("last_login_at")?,
            })
        })
        .collect()
}
