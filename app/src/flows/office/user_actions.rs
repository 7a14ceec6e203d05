//! The buttons for one user: end their sessions, a new number, reset
//! their app or their passkeys.

use super::scope::*;
use crate::{
    core::Core,
    domain::phone::MobileNumber,
    error::AppError,
    factors::{self, ChangedBy, LoginChange},
    session::{self, AuthUser},
    storage::{
        batch::Batch,
        passkeys::{self as stored_passkeys},
        users::{self, Confirmed},
    },
};

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
