//! 'Cliënten' and a client's tabs: the policy with 'Verplicht vanaf', and
//! the client's users.

use super::scope::*;
use crate::{
    core::Core,
    domain::{
        clock::{dutch_date_time, UnixTime},
        deadline::Deadline,
        policy::{self, ClientPolicy},
    },
    error::AppError,
    factors::{self},
    model::{
        mask_phone, policy_text, AuditAction, ClientDetail, ClientRow, ClientUserRow, RequiredFrom,
        TwoFactorPolicy,
    },
    session::{require_step_up, AuthUser},
    storage::{
        audit::{self, AuditEntry},
        batch::Batch,
        clients, offices,
        users::{self},
    },
};

/// 'Cliënten': the clients of the beheerder's own office.
pub async fn clients(core: &Core, beheerder: &AuthUser) -> Result<Vec<ClientRow>, AppError> {
    Ok(clients::list_for_office(&core.db, beheerder.user.office_id).await?)
}

/// A client's tabs 'Authenticatie' and 'Gebruikers'.
pub async fn client_detail(
    core: &Core,
    auth: &AuthUser,
    id: i64,
) -> Result<ClientDetail, AppError> {
    let client = own_client(core, auth, id).await?;
    Ok(ClientDetail {
        client,
        users: client_users(core, auth.user.office_id, id).await?,
    })
}

/// The date typed for 'Verplicht vanaf' with 'Ja' (none with another
/// policy). The date already stored is kept as it is even once reached:
/// saving the form again must not fail on it.
pub(super) fn typed_date(
    typed: &str,
    stored: Option<&RequiredFrom>,
    now: UnixTime,
) -> Result<Option<Deadline>, AppError> {
    if stored.is_some_and(|s| s.iso == typed.trim()) {
        return Ok(stored.and_then(|s| Deadline::from_stored(&s.iso)));
    }
    Deadline::parse_typed(typed, now).map_err(AppError::Invalid)
}

/// 'Authenticatie' saved: the client's policy ('Ja', 'Nee', 'Optioneel')
/// and, with 'Ja', 'Verplicht vanaf'. A weaker login (a lower policy, a
/// later date, a date where 'Ja' applied at once) needs the beheerder's
/// step-up. The change applies at each user's next login: the date is read
/// from here every time, never copied to the users.
pub async fn save_policy(
    core: &Core,
    auth: &AuthUser,
    id: i64,
    policy: String,
    from: String,
) -> Result<(), AppError> {
    let now = core.now();
    let policy = TwoFactorPolicy::from_db(&policy)
        .ok_or_else(|| AppError::invalid("Kies 'Ja', 'Nee' of 'Optioneel'."))?;
    let client = own_client(core, auth, id).await?;
    let new = ClientPolicy {
        policy,
        from: match policy {
            TwoFactorPolicy::Ja => typed_date(&from, client.required_from.as_ref(), now)?,
            _ => None,
        },
    };
    let old = ClientPolicy {
        policy: client.policy,
        from: client
            .required_from
            .as_ref()
            .and_then(|f| Deadline::from_stored(&f.iso)),
    };
    if old == new {
        return Ok(());
    }
    if policy::weakens(old, new, now) {
        require_step_up(core, auth)?;
    }
    // When this 'Ja' begins to apply: the overview's "not logged in since".
    let since = (policy == TwoFactorPolicy::Ja).then(|| policy::ja_since(new.from, now));
    let text = |p: ClientPolicy| policy_text(p.policy, p.from.map(clients::required_from).as_ref());
    let mut batch = Batch::<()>::new();
    batch
        .must_change(
            clients::set_policy(id, (old.policy, old.from), new, since),
            (),
        )
        .then(audit::record_stmt(
            AuditEntry {
                old_value: Some(&text(old)),
                new_value: Some(&text(new)),
                ..AuditEntry::in_office(
                    &auth.user,
                    &client.name,
                    AuditAction::ClientTwoFactorPolicy,
                )
            },
            now,
        ));
    core.db.write_batch(batch).await?.map_err(|()| {
        AppError::invalid(
            "De authenticatie van deze cliënt is intussen gewijzigd. Laad de pagina opnieuw.",
        )
    })
}

/// The rows of a client's tab 'Gebruikers' (the client is the
/// beheerder's own: the caller checked).
pub async fn client_users(
    core: &Core,
    office_id: i64,
    client_id: i64,
) -> Result<Vec<ClientUserRow>, AppError> {
    let mut rows = Vec::new();
    let since = clients::since(&core.db, client_id).await?;
    let days = offices::dormant_rule(&core.db, office_id).await?.days;
    for user in users::users_of_client(&core.db, client_id).await? {
        let two_factor = factors::state_of(core, &user).await?;
        let (last_login, dormant) =
            super::lifecycle::last_login_and_dormant(core, &user, days).await?;
        rows.push(ClientUserRow {
            invitation: super::accounts::invitation_of(core, &user).await?,
            not_since: policy::not_logged_in_since(since, last_login),
            app_bound: two_factor.app_bound,
            two_factor,
            id: user.id,
            mobile: user.mobile.as_deref().map(mask_phone),
            mobile_unconfirmed: user.mobile.is_some() && !user.mobile_confirmed,
            last_login: last_login.map(dutch_date_time),
            blocked: user.blocked,
            dormant,
            login_name: user.login_name,
            display_name: user.display_name,
        });
    }
    Ok(rows)
}
