//! 'Overzicht' (beheerders): per client, and for the office's own users,
//! how many log in with a passkey, an app, SMS only or nothing yet, and
//! how many have not logged in since 'Ja'; the totals; the CSV exports.
//! Two grouped queries for the whole office (`storage::overview`); what a
//! group counts as is `domain::factors` (`Factors::protection`).

use std::collections::HashMap;

use crate::{
    core::Core,
    domain::{
        clock::dutch_date_time,
        csv::Csv,
        dormant,
        factors::{Factors, Number},
    },
    error::AppError,
    factors,
    model::{Overview, OverviewCounts, OverviewRow, Protection, TwoFactorPolicy},
    session::AuthUser,
    storage::{
        clients, offices,
        overview::{self, Group},
    },
};

/// The row of the office's own users in 'Overzicht' and the export.
pub const OFFICE_ROW: &str = "Kantoorgebruikers";

/// What the group's users log in with; a passkey counts only where the
/// office allows passkeys, as at the login.
fn protection(group: &Group, passkeys_allowed: bool) -> Protection {
    Factors {
        app: group.app,
        passkey: group.passkey && passkeys_allowed,
        number: if group.number {
            Number::Confirmed
        } else {
            Number::None
        },
        recovery_codes: false,
    }
    .protection()
}

/// 'Overzicht': one row per client (also one without users) and one for
/// the office's own users; the totals over all of them.
pub async fn overview(core: &Core, auth: &AuthUser) -> Result<Overview, AppError> {
    let office_id = auth.user.office_id;
    let passkeys_allowed = factors::office_settings(core, office_id).await?.allowed;
    let dormant_days = offices::dormant_rule(&core.db, office_id).await?.days;
    let dormant_before = dormant::dormant_before(dormant_days, core.now());
    let mut per_client: HashMap<Option<i64>, OverviewCounts> = HashMap::new();
    for group in overview::groups(&core.db, office_id, dormant_before).await? {
        let counts = per_client.entry(group.client_id).or_default();
        // Who has not chosen a password yet cannot log in at all: apart.
        if group.invited {
            counts.invited += group.users;
        } else {
            counts.add(
                protection(&group, passkeys_allowed),
                group.not_since,
                group.dormant,
                group.users,
            );
        }
    }
    let office = per_client.remove(&None).unwrap_or_default();
    let mut rows: Vec<OverviewRow> = clients::list_for_office(&core.db, office_id)
        .await?
        .into_iter()
        .map(|c| OverviewRow {
            policy: c.policy_text(),
            has_ja: c.policy == TwoFactorPolicy::Ja,
            counts: per_client.remove(&Some(c.id)).unwrap_or_default(),
            client_id: Some(c.id),
            name: c.name,
        })
        .collect();
    rows.insert(
        0,
        OverviewRow {
            client_id: None,
            name: OFFICE_ROW.to_string(),
            policy: "Per gebruiker".to_string(),
            has_ja: true,
            counts: office,
        },
    );
    let totals = rows
        .iter()
        .fold(OverviewCounts::default(), |t, r| t.plus(&r.counts));
    Ok(Overview {
        totals,
        rows,
        dormant_days,
    })
}

/// 'Exporteren' → the rows of 'Overzicht' as CSV.
pub async fn export_rows(core: &Core, auth: &AuthUser) -> Result<String, AppError> {
    let overview = overview(core, auth).await?;
    let mut csv = Csv::new(&[
        "Cliënt",
        "Twee-factor-authenticatie",
        "Gebruikers",
        Protection::Passkey.column(),
        Protection::App.column(),
        Protection::Sms.column(),
        Protection::Nothing.column(),
        "Niet ingelogd sinds 'Ja'",
        &overview.dormant_column(),
        "Uitgenodigd",
    ]);
    let line = |name: &str, policy: &str, c: &OverviewCounts| {
        [
            name.to_string(),
            policy.to_string(),
            c.users.to_string(),
            c.passkey.to_string(),
            c.app.to_string(),
            c.sms.to_string(),
            c.nothing.to_string(),
            c.not_since.to_string(),
            c.dormant.to_string(),
            c.invited.to_string(),
        ]
    };
    for row in &overview.rows {
        csv.row(
            line(&row.name, &row.policy, &row.counts)
                .iter()
                .map(String::as_str),
        );
    }
    csv.row(
        line("Totaal", "", &overview.totals)
            .iter()
            .map(String::as_str),
    );
    Ok(csv.finish())
}

/// 'Exporteren' → every user with their factors and last login, a row
/// per user and client.
pub async fn export_users(core: &Core, auth: &AuthUser) -> Result<String, AppError> {
    let office_id = auth.user.office_id;
    let passkeys_allowed = factors::office_settings(core, office_id).await?.allowed;
    let mut csv = Csv::new(&[
        "Cliënt",
        "Inlognaam",
        "Naam",
        "Inloggen met",
        "Passkey",
        "Authenticator app",
        "Mobiel nummer",
        "Laatste login",
    ]);
    let yes_no = |b: bool| if b { "Ja" } else { "Nee" };
    for user in overview::export_users(&core.db, office_id).await? {
        let group = Group {
            client_id: None,
            passkey: user.passkey,
            app: user.app,
            number: user.number,
            not_since: false,
            invited: false,
            dormant: false,
            users: 1,
        };
        let last = user
            .last_login_at
            .map(dutch_date_time)
            .unwrap_or_else(|| "Nog nooit".into());
        csv.row([
            user.client.as_deref().unwrap_or(OFFICE_ROW),
            &user.login_name,
            &user.display_name,
            protection(&group, passkeys_allowed).label(),
            yes_no(user.passkey && passkeys_allowed),
            yes_no(user.app),
            yes_no(user.number),
            &last,
        ]);
    }
    Ok(csv.finish())
}
