//! Setting a password, the one way every flow does it (a reset link,
//! 'Wachtwoord wijzigen', later the invitation): the rules of
//! `domain::password_rules` with the account's own words, "not the current
//! one", the hash, and the change through the door, which ends the other
//! sessions and trusted browsers, audits and tells the user. A new
//! password also clears the account's password lockout.

use super::door::{commit_login_change, ChangedBy, LoginChange, PasswordSet};
use crate::{
    core::{internal, Core},
    domain::{
        link_token::LinkKind,
        password::PasswordError,
        password_rules::{self, Blocklist, Context, NewPassword, Refusal},
    },
    error::AppError,
    storage::{batch::Batch, clients, link_tokens, throttle, users, users::UserRecord},
};

fn refused(refusal: Refusal) -> AppError {
    AppError::invalid(refusal.to_string())
}

fn hash_failed(err: PasswordError) -> AppError {
    match err {
        PasswordError::Busy => AppError::Busy,
        other => internal(other),
    }
}

/// `typed` (and `repeated`) as a new password for `user`, or the Dutch
/// reason it cannot be.
pub async fn checked_new_password(
    core: &Core,
    user: &UserRecord,
    typed: &str,
    repeated: &str,
) -> Result<NewPassword, AppError> {
    let client_names: Vec<String> = clients::clients_of_user(&core.db, user.id)
        .await?
        .into_iter()
        .map(|c| c.name)
        .collect();
    let context = Context {
        login_name: &user.login_name,
        email: user.email.as_deref().or(user.pending_email.as_deref()),
        display_name: &user.display_name,
        office_name: &user.office_name,
        client_names: &client_names,
    };
    let password =
        password_rules::check(typed, repeated, &context, Blocklist::shipped()).map_err(refused)?;
    let current = users::password_hash(&core.db, user.id).await?;
    if core
        .passwords
        .verify(password.as_str().to_string(), current)
        .await
        .map_err(hash_failed)?
    {
        return Err(refused(Refusal::Current));
    }
    Ok(password)
}

/// Stores `password` for `subject` with `batch`'s own writes (a link's use,
/// its condition), through the door.
pub async fn commit_new_password<C: Copy + Send + 'static>(
    core: &Core,
    by: ChangedBy<'_>,
    subject: &UserRecord,
    how: PasswordSet,
    password: NewPassword,
    mut batch: Batch<C>,
) -> Result<Result<(), C>, AppError> {
    let hash = core
        .passwords
        .hash(password.into_string())
        .await
        .map_err(hash_failed)?;
    batch.then(match &how {
        PasswordSet::Chosen { email } => users::set_first_password(subject.id, &hash, email),
        PasswordSet::Changed | PasswordSet::Reset => users::set_password(subject.id, &hash),
    });
    // A reset link still open (a mailbox read earlier) dies with the old
    // password. A reset's own link is the only one open, and its batch
    // already uses it.
    if how == PasswordSet::Changed {
        batch.then(link_tokens::void_stmt(
            subject.id,
            LinkKind::Reset,
            core.now(),
        ));
    }
    batch.then(throttle::forget_stmt(&throttle::Counter::Account(
        subject.login_name.clone(),
    )));
    commit_login_change(core, by, subject, vec![LoginChange::Password(how)], batch).await
}
