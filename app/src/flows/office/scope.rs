//! What a beheerder may reach: a client, an office user or any user of
//! their own office. An id from elsewhere gets the answer of one that does
//! not exist.

use crate::{
    core::Core,
    error::AppError,
    model::{ClientRow, UserKind},
    session::AuthUser,
    storage::{
        clients,
        users::{self, UserRecord},
    },
};

/// A client of the beheerder's own office, or a refusal that does not
/// tell whether it exists elsewhere.
pub(super) async fn own_client(
    core: &Core,
    auth: &AuthUser,
    id: i64,
) -> Result<ClientRow, AppError> {
    clients::find_in_office(&core.db, auth.user.office_id, id)
        .await?
        .ok_or_else(|| AppError::invalid("Deze cliënt bestaat niet (meer)."))
}

pub(super) async fn own_office_user(
    core: &Core,
    auth: &AuthUser,
    id: i64,
) -> Result<UserRecord, AppError> {
    users::find(&core.db, id)
        .await?
        .filter(|u| u.office_id == auth.user.office_id && u.kind == UserKind::Office)
        .ok_or_else(|| AppError::invalid("Deze kantoorgebruiker bestaat niet (meer)."))
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
