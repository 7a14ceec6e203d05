//! The authenticator app as a factor: its secret sealed at rest, opening
//! only in its own user's row, and removing it through the door.

use super::door::{commit_login_change, ChangedBy, LoginChange};
use crate::{
    core::{internal, Core},
    domain::secret_box::Keyring,
    error::AppError,
    storage::{
        authenticators::{self, Sealed},
        batch::Batch,
        users::UserRecord,
    },
};

/// Associated data for sealing: a secret only opens in its own user's row.
fn sealing_context(user_id: i64) -> Vec<u8> {
    format!("tweestap:authenticator:user:{user_id}").into_bytes()
}

/// Seals a secret so that it opens only in `user_id`'s row.
pub fn seal(keys: &Keyring, user_id: i64, secret: &[u8]) -> Sealed {
    let (key_id, secret_sealed) = keys.seal(secret, &sealing_context(user_id));
    Sealed {
        key_id,
        secret_sealed,
    }
}

pub fn open(keys: &Keyring, user_id: i64, sealed: &Sealed) -> Result<Vec<u8>, AppError> {
    keys.open(
        &sealed.key_id,
        &sealed.secret_sealed,
        &sealing_context(user_id),
    )
    .map_err(internal)
}

/// No app was bound: nothing changed.
#[derive(Debug, Clone, Copy)]
pub struct NothingBound;

/// Removes `user`'s app (and a binding being set up) through the door:
/// the user unbinding it, or a beheerder resetting it.
pub async fn remove_app(
    core: &Core,
    by: ChangedBy<'_>,
    user: &UserRecord,
    change: LoginChange,
) -> Result<Result<(), NothingBound>, AppError> {
    let mut batch = Batch::new();
    batch
        .must_change(authenticators::remove_stmt(user.id), NothingBound)
        .then(authenticators::drop_enrolment_stmt(user.id));
    commit_login_change(core, by, user, vec![change], batch).await
}
