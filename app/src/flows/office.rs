//! The beheerder's screens: 'Cliënten' and their policy, 'Kantoorgebruikers',
//! the buttons for one user (reset the app, end sessions, a new number),
//! 'Kantoor' (the days a browser is remembered, passkeys) and the 'Logboek'. Every
//! query is bound to the beheerder's own office; an id from elsewhere gets
//! the answer of one that does not exist.

use crate::{
    core::Core,
    domain::{
        clock::{dutch_date_time, UnixTime},
        deadline::Deadline,
        factors::passwordless_allowed,
        phone::MobileNumber,
        policy::{self, ClientPolicy},
        text::{DisplayName, EmailAddress},
        trusted_browser,
    },
    error::AppError,
    factors::{self, ChangedBy, LoginChange},
    model::{
        mask_phone, policy_text, AuditAction, ClientDetail, ClientRow, ClientUserRow, LogFilter,
        LogPage, LogRow, LogUser, OfficeSettings, OfficeUserDetail, OfficeUserRow, RequiredFrom,
        TwoFactorPolicy, UserKind,
    },
    session::{self, require_step_up, AuthUser},
    storage::{
        audit::{self, AuditEntry, OfficeLogQuery},
        batch::Batch,
        clients,
        passkeys::{self as stored_passkeys, OfficePasskeys},
        trusted,
        users::{self, Confirmed, OfficeUserUpdate, UserRecord},
    },
};

/// 'Cliënten': the clients of the beheerder's own office.
pub async fn clients(core: &Core, beheerder: &AuthUser) -> Result<Vec<ClientRow>, AppError> {
    Ok(clients::list_for_office(&core.db, beheerder.user.office_id).await?)
}

/// A client of the beheerder's own office, or a refusal that does not
/// tell whether it exists elsewhere.
async fn own_client(core: &Core, auth: &AuthUser, id: i64) -> Result<ClientRow, AppError> {
    clients::find_in_office(&core.db, auth.user.office_id, id)
        .await?
        .ok_or_else(|| AppError::invalid("Deze cliënt bestaat niet (meer)."))
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
        users: client_users(core, id).await?,
    })
}

/// The date typed for 'Verplicht vanaf' with 'Ja' (none with another
/// policy). The date already stored is kept as it is even once reached:
/// saving the form again must not fail on it.
fn typed_date(
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
                office_id: Some(auth.user.office_id),
                actor_user_id: Some(auth.user.id),
                subject: Some(&client.name),
                old_value: Some(&text(old)),
                new_value: Some(&text(new)),
                ..AuditEntry::new(AuditAction::ClientTwoFactorPolicy)
            },
            now,
        ));
    core.db.write_batch(batch).await?.map_err(|()| {
        AppError::invalid(
            "De authenticatie van deze cliënt is intussen gewijzigd. Laad de pagina opnieuw.",
        )
    })
}

/// 'Kantoorgebruikers': the office's staff logins.
pub async fn office_users(core: &Core, auth: &AuthUser) -> Result<Vec<OfficeUserRow>, AppError> {
    let mut rows = Vec::new();
    for id in users::office_user_ids(&core.db, auth.user.office_id).await? {
        if let Some(user) = users::find(&core.db, id).await? {
            let last_login = users::last_login(&core.db, user.id).await?;
            rows.push(OfficeUserRow {
                not_since: policy::not_logged_in_since(user.two_factor_since, last_login),
                two_factor: factors::state_of(core, &user).await?,
                id: user.id,
                login_name: user.login_name,
                display_name: user.display_name,
                branch: user.branch.unwrap_or_default(),
                is_beheerder: user.is_beheerder,
            });
        }
    }
    Ok(rows)
}

async fn own_office_user(core: &Core, auth: &AuthUser, id: i64) -> Result<UserRecord, AppError> {
    users::find(&core.db, id)
        .await?
        .filter(|u| u.office_id == auth.user.office_id && u.kind == UserKind::Office)
        .ok_or_else(|| AppError::invalid("Deze kantoorgebruiker bestaat niet (meer)."))
}

/// One office user's 'Gebruikersgegevens'.
pub async fn office_user_detail(
    core: &Core,
    auth: &AuthUser,
    id: i64,
) -> Result<OfficeUserDetail, AppError> {
    let user = own_office_user(core, auth, id).await?;
    // The state already knows whether an app is bound: one read.
    let two_factor = factors::state_of(core, &user).await?;
    Ok(OfficeUserDetail {
        app_bound: two_factor.app_bound,
        two_factor,
        id: user.id,
        login_name: user.login_name,
        display_name: user.display_name,
        email: user.email,
        mobile: user.mobile,
        branch: user.branch.unwrap_or_default(),
        is_beheerder: user.is_beheerder,
        two_factor_switch: user.two_factor_required,
        two_factor_from: user.two_factor_from.map(clients::required_from),
    })
}

/// 'Gebruikersgegevens' as the beheerder typed them.
#[derive(Debug, Clone)]
pub struct OfficeUserForm {
    pub display_name: String,
    pub email: String,
    pub mobile: String,
    /// 'ja' or 'nee'.
    pub two_factor: String,
    /// 'Verplicht vanaf', with 'ja'.
    pub two_factor_from: String,
}

/// Checks every field before anything is written: a refused form
/// changes nothing.
fn parse_update(
    form: &OfficeUserForm,
    user: &UserRecord,
    now: UnixTime,
) -> Result<OfficeUserUpdate, AppError> {
    let OfficeUserForm {
        display_name,
        email,
        mobile,
        two_factor,
        two_factor_from,
    } = form;
    let display_name = DisplayName::parse(display_name).map_err(AppError::Invalid)?;
    let email = EmailAddress::parse_optional(email).map_err(AppError::Invalid)?;
    let mobile = if mobile.trim().is_empty() {
        None
    } else {
        Some(
            MobileNumber::parse(mobile)
                .map_err(AppError::Invalid)?
                .as_str()
                .to_string(),
        )
    };
    let two_factor_required = match two_factor.as_str() {
        "ja" => true,
        "nee" => false,
        _ => {
            return Err(AppError::invalid(
                "Kies bij 'Inlog met twee-factor-authenticatie' 'Ja' of 'Nee'.",
            ))
        }
    };
    let stored = user.two_factor_from.map(clients::required_from);
    let two_factor_from = if two_factor_required {
        typed_date(two_factor_from, stored.as_ref(), now)?
    } else {
        None
    };
    let unchanged =
        two_factor_required == user.two_factor_required && two_factor_from == user.two_factor_from;
    Ok(OfficeUserUpdate {
        display_name: display_name.into_string(),
        email: email.map(EmailAddress::into_string),
        mobile,
        two_factor_required,
        two_factor_from,
        two_factor_since: match (two_factor_required, unchanged) {
            (false, _) => None,
            (true, true) => user.two_factor_since,
            (true, false) => Some(policy::ja_since(two_factor_from, now)),
        },
    })
}

/// A change of the user's e-mail address, number or two-factor switch
/// changes how they log in: it goes through the door (the beheerder's
/// own step-up, the user's sessions end, the old number and address
/// are told). A new number waits for its owner's code at their next
/// login. The name alone is no such change.
pub async fn save_office_user(
    core: &Core,
    auth: &AuthUser,
    id: i64,
    form: OfficeUserForm,
) -> Result<(), AppError> {
    let user = own_office_user(core, auth, id).await?;
    let update = parse_update(&form, &user, core.now())?;
    let mut changes = Vec::new();
    if update.email != user.email {
        changes.push(LoginChange::Email {
            old: user.email.clone(),
            new: update.email.clone(),
        });
    }
    if update.mobile != user.mobile {
        changes.push(LoginChange::Mobile {
            old: user.mobile.clone(),
            new: update.mobile.clone(),
        });
    }
    if (update.two_factor_required, update.two_factor_from)
        != (user.two_factor_required, user.two_factor_from)
    {
        let text = |on: bool, from: Option<Deadline>| {
            policy_text(
                if on {
                    TwoFactorPolicy::Ja
                } else {
                    TwoFactorPolicy::Nee
                },
                from.map(clients::required_from).as_ref(),
            )
        };
        changes.push(LoginChange::TwoFactorSwitch {
            on: update.two_factor_required,
            was: text(user.two_factor_required, user.two_factor_from),
            now: text(update.two_factor_required, update.two_factor_from),
        });
    }
    let mut batch = Batch::<std::convert::Infallible>::new();
    batch.then(users::update_office_user(id, &update));
    if update.display_name != user.display_name {
        batch.then(audit::record_stmt(
            AuditEntry {
                old_value: Some(&user.display_name),
                new_value: Some(&update.display_name),
                ..AuditEntry::on_behalf(&auth.user, &user, AuditAction::UserDisplayName)
            },
            core.now(),
        ));
    }
    let Ok(()) = if changes.is_empty() {
        core.db.write_batch(batch).await?
    } else {
        factors::commit_login_change(core, ChangedBy::Beheerder(auth), &user, changes, batch)
            .await?
    };
    Ok(())
}

/// A user of the beheerder's office, or a refusal that does not tell
/// whether the id exists elsewhere.
pub async fn own_user(
    core: &Core,
    beheerder: &AuthUser,
    user_id: i64,
) -> Result<UserRecord, AppError> {
    users::find(&core.db, user_id)
        .await?
        .filter(|u| u.office_id == beheerder.user.office_id)
        .ok_or_else(|| AppError::invalid("Deze gebruiker bestaat niet (meer)."))
}

/// The rows of a client's tab 'Gebruikers' (the client is the
/// beheerder's own: the caller checked).
pub async fn client_users(core: &Core, client_id: i64) -> Result<Vec<ClientUserRow>, AppError> {
    let mut rows = Vec::new();
    let since = clients::since(&core.db, client_id).await?;
    for user in users::users_of_client(&core.db, client_id).await? {
        let two_factor = factors::state_of(core, &user).await?;
        let last_login = users::last_login(&core.db, user.id).await?;
        rows.push(ClientUserRow {
            not_since: policy::not_logged_in_since(since, last_login),
            app_bound: two_factor.app_bound,
            two_factor,
            id: user.id,
            mobile: user.mobile.as_deref().map(mask_phone),
            mobile_unconfirmed: user.mobile.is_some() && !user.mobile_confirmed,
            last_login: last_login.map(dutch_date_time),
            login_name: user.login_name,
            display_name: user.display_name,
        });
    }
    Ok(rows)
}

/// 'Sessies beëindigen': every session of the user ends (the beheerder's
/// own current one excepted), and no browser of theirs stays trusted.
pub async fn end_sessions(core: &Core, beheerder: &AuthUser, user_id: i64) -> Result<(), AppError> {
    let user = own_user(core, beheerder, user_id).await?;
    let Ok(()) = factors::commit_login_change(
        core,
        ChangedBy::Beheerder(beheerder),
        &user,
        vec![LoginChange::SessionsEnded],
        Batch::<std::convert::Infallible>::new(),
    )
    .await?;
    Ok(())
}

/// 'Mobiel nummer wijzigen' for a user: the number waits for the owner's
/// code at their next login, the user's sessions end, and the old number
/// is told.
pub async fn set_number(
    core: &Core,
    beheerder: &AuthUser,
    user_id: i64,
    typed: &str,
) -> Result<(), AppError> {
    let user = own_user(core, beheerder, user_id).await?;
    let number = MobileNumber::parse(typed).map_err(AppError::Invalid)?;
    session::require_step_up(core, beheerder)?;
    if user.mobile.as_deref() == Some(number.as_str()) {
        return Ok(());
    }
    let mut batch = Batch::<std::convert::Infallible>::new();
    batch.then(users::set_mobile(
        user.id,
        number.as_str(),
        Confirmed::NotYet,
    ));
    let Ok(()) = factors::commit_login_change(
        core,
        ChangedBy::Beheerder(beheerder),
        &user,
        vec![LoginChange::Mobile {
            old: user.mobile.clone(),
            new: Some(number.as_str().to_string()),
        }],
        batch,
    )
    .await?;
    Ok(())
}

/// A beheerder resets a user's app (a lost phone), after the beheerder's
/// own step-up: the user's sessions end and the user logs in by SMS again.
pub async fn reset_app(core: &Core, beheerder: &AuthUser, user_id: i64) -> Result<(), AppError> {
    let user = own_user(core, beheerder, user_id).await?;
    factors::remove_app(
        core,
        ChangedBy::Beheerder(beheerder),
        &user,
        LoginChange::AppReset,
    )
    .await?
    .map_err(|factors::NothingBound| {
        AppError::invalid("Deze gebruiker heeft geen authenticator app gekoppeld.")
    })
}

/// The office's setting, for its beheerders.
pub async fn office_settings(
    core: &Core,
    beheerder: &AuthUser,
) -> Result<OfficeSettings, AppError> {
    let passkeys = factors::office_settings(core, beheerder.user.office_id).await?;
    Ok(OfficeSettings {
        name: beheerder.user.office_name.clone(),
        trust_days: trusted::office_days(&core.db, beheerder.user.office_id).await?,
        passkeys_allowed: passkeys.allowed,
        passkeys_passwordless: passkeys.passwordless,
    })
}

/// A beheerder sets the days. More days is a weaker login for everyone:
/// that needs the beheerder's step-up; fewer does not. 0 turns it off and
/// forgets every trusted browser of the office in the same transaction,
/// so turning it on again later brings none of them back.
pub async fn set_office_days(
    core: &Core,
    beheerder: &AuthUser,
    typed: &str,
) -> Result<(), AppError> {
    let days = trusted_browser::parse_days(typed).map_err(AppError::Invalid)?;
    let office_id = beheerder.user.office_id;
    let old = trusted::office_days(&core.db, office_id).await?;
    if days == old {
        return Ok(());
    }
    if days > old {
        session::require_step_up(core, beheerder)?;
    }
    let (old, new) = (old.to_string(), days.to_string());
    let mut batch = Batch::<std::convert::Infallible>::new();
    batch.then(trusted::set_office_days_stmt(office_id, days));
    if days == 0 {
        batch.then(trusted::forget_office_stmt(office_id));
    }
    batch.then(audit::record_stmt(
        AuditEntry {
            office_id: Some(office_id),
            actor_user_id: Some(beheerder.user.id),
            subject: Some(&beheerder.user.office_name),
            old_value: Some(&old),
            new_value: Some(&new),
            ..AuditEntry::new(AuditAction::OfficeTrustDays)
        },
        core.now(),
    ));
    let Ok(()) = core.db.write_batch(batch).await?;
    Ok(())
}

pub const PAGE_SIZE: i64 = 50;

/// One page of the 'Logboek', newest first, as filtered.
pub async fn log_page(
    core: &Core,
    beheerder: &AuthUser,
    filter: LogFilter,
) -> Result<LogPage, AppError> {
    let office_id = beheerder.user.office_id;
    let action = match filter.action.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(action) => Some(
            AuditAction::from_stored(action)
                .ok_or_else(|| AppError::invalid("Kies een soort uit de lijst."))?
                .as_str(),
        ),
    };
    let user = match filter.user {
        None => None,
        // One answer for "no such user" and "another office's user", so
        // the filter does not tell which ids exist elsewhere.
        Some(id) => Some(
            users::find(&core.db, id)
                .await?
                .filter(|u| u.office_id == office_id)
                .ok_or_else(|| AppError::invalid("Kies een gebruiker uit de lijst."))?,
        ),
    };

    // One row more than a page says whether an older page exists.
    let mut rows = audit::office_page(
        &core.db,
        &OfficeLogQuery {
            office_id,
            user: user.as_ref().map(|u| (u.id, u.login_name.as_str())),
            action,
            before: filter.before,
            limit: PAGE_SIZE + 1,
        },
    )
    .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let older = if more {
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok(LogPage {
        rows: rows
            .into_iter()
            .map(|r| {
                let phone =
                    AuditAction::from_stored(&r.action).is_some_and(AuditAction::carries_phone);
                let shown = |value: Option<String>| match value {
                    Some(number) if phone => Some(mask_phone(&number)),
                    other => other,
                };
                LogRow {
                    id: r.id,
                    at: dutch_date_time(r.at),
                    actor: r.actor,
                    old_value: shown(r.old_value),
                    new_value: shown(r.new_value),
                    action: r.action,
                    subject: r.subject,
                }
            })
            .collect(),
        older,
    })
}

/// The office's users, for the filter.
pub async fn log_users(core: &Core, beheerder: &AuthUser) -> Result<Vec<LogUser>, AppError> {
    Ok(audit::office_users(&core.db, beheerder.user.office_id)
        .await?
        .into_iter()
        .map(|u| LogUser {
            id: u.id,
            login_name: u.login_name,
            display_name: u.display_name,
        })
        .collect())
}

/// A parallel reset removed them first.
#[derive(Debug, Clone, Copy)]
struct PasskeysGone;

/// The beheerder's 'Passkeys verwijderen' for one of the office's users
/// (a lost laptop): after their step-up, audited, the user told.
pub async fn reset_passkeys(
    core: &Core,
    beheerder: &AuthUser,
    user_id: i64,
) -> Result<(), AppError> {
    let subject = &own_user(core, beheerder, user_id).await?;
    if stored_passkeys::count_of_user(&core.db, subject.id).await? == 0 {
        return Err(AppError::invalid("Deze gebruiker heeft geen passkeys."));
    }
    let mut batch = Batch::new();
    batch.must_change(stored_passkeys::delete_all_stmt(subject.id), PasskeysGone);
    factors::commit_login_change(
        core,
        ChangedBy::Beheerder(beheerder),
        subject,
        vec![LoginChange::PasskeysReset],
        batch,
    )
    .await?
    .map_err(|_| AppError::invalid("Deze gebruiker heeft geen passkeys."))
}

/// 'Kantoor': passkeys at all, and instead of the password. Either change
/// alters how the office's users log in, so it needs the beheerder's
/// step-up; turning passkeys off leaves each user their other factors.
pub async fn set_office_passkeys(
    core: &Core,
    beheerder: &AuthUser,
    allowed: bool,
    passwordless: bool,
) -> Result<(), AppError> {
    let office_id = beheerder.user.office_id;
    let old = stored_passkeys::office_settings(&core.db, office_id).await?;
    let new = OfficePasskeys {
        allowed,
        passwordless: passwordless_allowed(allowed, passwordless),
    };
    if old == new {
        return Ok(());
    }
    session::require_step_up(core, beheerder)?;
    let describe = |s: OfficePasskeys| {
        format!(
            "passkeys: {}, zonder wachtwoord: {}",
            if s.allowed { "ja" } else { "nee" },
            if s.passwordless { "ja" } else { "nee" }
        )
    };
    let (old_text, new_text) = (describe(old), describe(new));
    let mut batch = Batch::<std::convert::Infallible>::new();
    batch
        .then(stored_passkeys::set_office_settings_stmt(office_id, new))
        .then(audit::record_stmt(
            AuditEntry {
                office_id: Some(office_id),
                actor_user_id: Some(beheerder.user.id),
                subject: Some(&beheerder.user.office_name),
                old_value: Some(&old_text),
                new_value: Some(&new_text),
                ..AuditEntry::new(AuditAction::OfficePasskeys)
            },
            core.now(),
        ));
    let Ok(()) = core.db.write_batch(batch).await?;
    Ok(())
}
