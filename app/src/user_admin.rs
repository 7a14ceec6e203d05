//! A beheerder helping the office's users: a client's users with their
//! two-factor state and last login, and per user 'Mobiel nummer wijzigen'
//! (confirmed by the user at the next login) and 'Sessies beëindigen'.
//! ('Authenticator resetten' is in `authenticator`.) Every action needs
//! the beheerder's own step-up, reaches only users of their own office,
//! and is audited.

use crate::{
    core::Core,
    domain::{clock::dutch_date_time, phone::MobileNumber},
    error::AppError,
    factors::{self, ChangedBy, LoginChange},
    model::{mask_phone, ClientUserRow},
    session::{self, AuthUser},
    storage::{
        batch::Batch,
        users::{self, Confirmed, UserRecord},
    },
};

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
    for user in users::users_of_client(&core.db, client_id).await? {
        let two_factor = factors::state_of(core, &user).await?;
        rows.push(ClientUserRow {
            app_bound: two_factor.app_bound,
            two_factor,
            id: user.id,
            mobile: user.mobile.as_deref().map(mask_phone),
            mobile_unconfirmed: user.mobile.is_some() && !user.mobile_confirmed,
            last_login: users::last_login(&core.db, user.id)
                .await?
                .map(dutch_date_time),
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
