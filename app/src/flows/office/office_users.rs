//! 'Kantoorgebruikers' and one office user's 'Gebruikersgegevens'.

use super::clients::typed_date;
use super::scope::*;
use crate::{
    core::Core,
    domain::{
        clock::{dutch_date_time, UnixTime},
        deadline::Deadline,
        phone::MobileNumber,
        policy::{self},
        text::{DisplayName, EmailAddress},
    },
    error::AppError,
    factors::{self, AskedBy, ChangedBy, LoginChange},
    model::{policy_text, AuditAction, OfficeUserDetail, OfficeUserRow, TwoFactorPolicy},
    session::AuthUser,
    storage::{
        audit::{self, AuditEntry},
        batch::Batch,
        clients, offices,
        users::{self, OfficeUserUpdate, UserRecord},
    },
};

/// 'Kantoorgebruikers': the office's staff logins.
pub async fn office_users(core: &Core, auth: &AuthUser) -> Result<Vec<OfficeUserRow>, AppError> {
    let mut rows = Vec::new();
    let days = offices::dormant_rule(&core.db, auth.user.office_id)
        .await?
        .days;
    for id in users::office_user_ids(&core.db, auth.user.office_id).await? {
        if let Some(user) = users::find(&core.db, id).await? {
            let (last_login, dormant) =
                super::lifecycle::last_login_and_dormant(core, &user, days).await?;
            rows.push(OfficeUserRow {
                dormant,
                invitation: super::accounts::invitation_of(core, &user).await?,
                last_login: last_login.map(dutch_date_time),
                not_since: policy::not_logged_in_since(user.two_factor_since, last_login),
                two_factor: factors::state_of(core, &user).await?,
                id: user.id,
                login_name: user.login_name,
                display_name: user.display_name,
                branch: user.branch.unwrap_or_default(),
                is_beheerder: user.is_beheerder,
                blocked: user.blocked,
            });
        }
    }
    Ok(rows)
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
        invitation: super::accounts::invitation_of(core, &user).await?,
        blocked: user.blocked,
        app_bound: two_factor.app_bound,
        two_factor,
        id: user.id,
        login_name: user.login_name,
        display_name: user.display_name,
        // The waiting address, where one waits: saving the form again
        // leaves it waiting.
        email: user.pending_email.clone().or(user.email),
        pending_email: user.pending_email,
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
    let two_factor_required =
        crate::domain::text::yes_no("Inlog met twee-factor-authenticatie", two_factor)
            .map_err(AppError::Invalid)?;
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
        pending_email: None,
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
    let mut update = parse_update(&form, &user, core.now())?;
    let mut changes = Vec::new();
    // A new address waits for its link; the form shows the waiting one.
    let address = factors::address_step(&user, update.email.as_deref());
    (update.email, update.pending_email) = match &address {
        Some(step) => {
            changes.push(step.change.clone());
            (step.email.clone(), step.pending_email.clone())
        }
        None => (user.email.clone(), user.pending_email.clone()),
    };
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
    if let Some(new) = address.and_then(|step| step.confirm) {
        factors::mail_address_confirmation(core, &user, &new, AskedBy::Beheerder(&auth.user))
            .await?;
    }
    Ok(())
}
