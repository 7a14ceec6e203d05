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
    factors,
    model::{mask_phone, ClientUserRow},
    second_factor,
    session::AuthUser,
    step_up,
    storage::{
        audit::{self, AuditEntry},
        users::{self, Confirmed, UserRecord},
        StorageError,
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
        let two_factor = second_factor::state_of(core, &user).await?;
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
/// own current one excepted). Returns how many ended.
pub async fn end_sessions(
    core: &Core,
    beheerder: &AuthUser,
    user_id: i64,
) -> Result<u64, AppError> {
    let user = own_user(core, beheerder, user_id).await?;
    step_up::require_recent(core, beheerder)?;
    let keep = beheerder.own_session_if(user.id);
    let mut tx = core.db.begin_write().await?;
    let ended = factors::end_other_access_on(&mut tx, user.id, keep).await?;
    let count = ended.to_string();
    audit::record_on(
        &mut *tx,
        AuditEntry {
            new_value: Some(&count),
            ..AuditEntry::on_behalf(&beheerder.user, &user, "sessions.ended")
        },
        core.now(),
    )
    .await?;
    tx.commit().await.map_err(StorageError::from)?;
    Ok(ended)
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
    step_up::require_recent(core, beheerder)?;
    if user.mobile.as_deref() == Some(number.as_str()) {
        return Ok(());
    }
    let keep = beheerder.own_session_if(user.id);
    let mut tx = core.db.begin_write().await?;
    users::set_mobile_on(&mut *tx, user.id, number.as_str(), Confirmed::NotYet).await?;
    factors::end_other_access_on(&mut tx, user.id, keep).await?;
    audit::record_on(
        &mut *tx,
        AuditEntry {
            old_value: user.mobile.as_deref(),
            new_value: Some(number.as_str()),
            ..AuditEntry::on_behalf(&beheerder.user, &user, "user.mobile")
        },
        core.now(),
    )
    .await?;
    tx.commit().await.map_err(StorageError::from)?;
    factors::announce(
        core,
        &user,
        user.mobile.as_deref(),
        "je mobiele nummer gewijzigd door je administratiekantoor",
    )
    .await;
    Ok(())
}
