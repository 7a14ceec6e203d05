//! The end of an account's life, by a beheerder: 'Account blokkeren',
//! 'Blokkade opheffen' and 'Verwijderen', each through the door after the
//! step-up.
//!
//! What an attacker tries here, and why it fails:
//! - a blocked user's open session or waiting login: the door ends them in
//!   the block's own transaction; a login that raced it finds its waiting
//!   session gone when its code is judged, and a session started after it
//!   ends at its next request (`session::lookup`);
//! - a blocked user's mailbox: the block voids every open link, and a link
//!   page refuses a blocked account;
//! - two beheerders blocking or removing each other at once: the last
//!   active beheerder is a condition of the statement itself, and the
//!   batch runs serialised (`Db::write_batch_serialised`).

use super::scope::*;
use crate::{
    core::Core,
    domain::{clock::UnixTime, dormant},
    error::AppError,
    factors::{self, ChangedBy, LoginChange, LoginChanges},
    model::{AuditAction, Removal, UserKind},
    session::{require_step_up, AuthUser},
    storage::{
        audit::{self, AuditEntry},
        batch::Batch,
        lifecycle,
        users::{self, UserRecord},
    },
};

/// When a user of the lists last logged in, and whether 'Niet ingelogd
/// in … dagen' holds for them (`days`: the office's): one read of their
/// dates. An invited user has not begun and is never dormant.
pub(super) async fn last_login_and_dormant(
    core: &Core,
    user: &UserRecord,
    days: i64,
) -> Result<(Option<UnixTime>, bool), AppError> {
    let Some(quiet) = users::quiet(&core.db, user.id).await? else {
        return Ok((None, false));
    };
    let dormant = !user.invited && dormant::is_dormant(&quiet, days, core.now());
    Ok((quiet.last_login_at, dormant))
}

/// Why a block or a removal changed nothing.
#[derive(Debug, Clone, Copy)]
enum Refused {
    /// The office's last beheerder (or a parallel copy did it first).
    LastBeheerder,
}

/// The user was no longer at that client (a parallel removal).
#[derive(Debug, Clone, Copy)]
struct NotThere;

const LAST_BEHEERDER: &str =
    "Dit is de laatste beheerder van het kantoor. Maak eerst iemand anders beheerder.";

/// A beheerder may not block or remove their own account.
fn not_self(beheerder: &AuthUser, user: &UserRecord, what: &str) -> Result<(), AppError> {
    if beheerder.user.id == user.id {
        return Err(AppError::invalid(format!(
            "Je kunt je eigen account niet {what}. Vraag een andere beheerder."
        )));
    }
    Ok(())
}

/// 'Account blokkeren': its sessions, waiting logins, trusted browsers
/// and links end at once; it cannot log in until 'Blokkade opheffen'.
pub async fn block_user(core: &Core, beheerder: &AuthUser, user_id: i64) -> Result<(), AppError> {
    let user = own_user(core, beheerder, user_id).await?;
    not_self(beheerder, &user, "blokkeren")?;
    if user.blocked {
        return Ok(());
    }
    require_step_up(core, beheerder)?;
    let mut batch = Batch::new();
    batch.must_change(
        lifecycle::block_stmt(user.id, user.office_id, false, core.now()),
        Refused::LastBeheerder,
    );
    serialised(
        core,
        beheerder,
        &user,
        LoginChange::Blocked { dormant_days: None },
        batch,
    )
    .await
}

/// 'Blokkade opheffen'.
pub async fn unblock_user(core: &Core, beheerder: &AuthUser, user_id: i64) -> Result<(), AppError> {
    let user = own_user(core, beheerder, user_id).await?;
    if !user.blocked {
        return Ok(());
    }
    let mut batch = Batch::<std::convert::Infallible>::new();
    batch.then(lifecycle::unblock_stmt(user.id, core.now()));
    let Ok(()) = factors::commit_login_change(
        core,
        ChangedBy::Beheerder(beheerder),
        &user,
        vec![LoginChange::Unblocked],
        batch,
    )
    .await?;
    Ok(())
}

/// What 'Verwijderen' will do, for the confirmation that names the user:
/// `client_id` is the client it was pressed for (a client user's card),
/// `None` for the account as a whole.
pub async fn removal_of(
    core: &Core,
    beheerder: &AuthUser,
    user_id: i64,
    client_id: Option<i64>,
) -> Result<Removal, AppError> {
    let user = own_user(core, beheerder, user_id).await?;
    not_self(beheerder, &user, "verwijderen")?;
    let deletes_account = match (user.kind, client_id) {
        (UserKind::Client, Some(client_id)) => {
            own_client(core, beheerder, client_id).await?;
            lifecycle::client_count(&core.db, user.id).await? <= 1
        }
        _ => true,
    };
    if deletes_account
        && user.is_beheerder
        && lifecycle::other_beheerders(&core.db, user.office_id, user.id).await? == 0
    {
        return Err(AppError::invalid(LAST_BEHEERDER));
    }
    Ok(Removal {
        display_name: user.display_name,
        login_name: user.login_name,
        deletes_account,
    })
}

/// 'Verwijderen', confirmed: `deletes_account` is what the confirmation
/// said; if that is no longer so (a client added meanwhile), nothing
/// happens and the beheerder is asked to look again.
pub async fn remove_user(
    core: &Core,
    beheerder: &AuthUser,
    user_id: i64,
    client_id: Option<i64>,
    deletes_account: bool,
) -> Result<(), AppError> {
    let removal = removal_of(core, beheerder, user_id, client_id).await?;
    if removal.deletes_account != deletes_account {
        return Err(AppError::invalid(
            "Er is intussen iets veranderd aan deze gebruiker. Bekijk het opnieuw.",
        ));
    }
    require_step_up(core, beheerder)?;
    let user = own_user(core, beheerder, user_id).await?;
    match (deletes_account, client_id) {
        (false, Some(client_id)) => leave_client(core, beheerder, &user, client_id).await,
        _ => delete_account(core, beheerder, &user).await,
    }
}

/// A client user loses one client and keeps the others.
async fn leave_client(
    core: &Core,
    beheerder: &AuthUser,
    user: &UserRecord,
    client_id: i64,
) -> Result<(), AppError> {
    let client = own_client(core, beheerder, client_id).await?;
    let now = core.now();
    let mut batch = Batch::new();
    batch
        .must_change(lifecycle::leave_client_stmt(user.id, client.id), NotThere)
        .then(audit::record_stmt(
            AuditEntry {
                old_value: Some(&client.name),
                ..AuditEntry::on_behalf(&beheerder.user, user, AuditAction::UserRemovedFromClient)
            },
            now,
        ));
    core.db
        .write_batch(batch)
        .await?
        .map_err(|NotThere| AppError::invalid("Deze gebruiker hoort al niet meer bij deze cliënt."))
}

/// The account and everything of it deleted; the Logboek's rows about it
/// named 'verwijderde gebruiker #id', without its numbers and addresses.
async fn delete_account(
    core: &Core,
    beheerder: &AuthUser,
    user: &UserRecord,
) -> Result<(), AppError> {
    let mut batch = Batch::new();
    batch
        .then(lifecycle::pseudonymise_stmt(
            user.id,
            user.office_id,
            &user.login_name,
        ))
        .must_change(
            lifecycle::delete_stmt(user.id, user.office_id),
            Refused::LastBeheerder,
        );
    serialised(core, beheerder, user, LoginChange::Removed, batch).await
}

/// A block or a removal through the door, its batch serialised: its
/// condition reads the other beheerders' rows.
async fn serialised(
    core: &Core,
    beheerder: &AuthUser,
    user: &UserRecord,
    change: LoginChange,
    mut batch: Batch<Refused>,
) -> Result<(), AppError> {
    let removal = change == LoginChange::Removed;
    let changes = LoginChanges::new(
        core,
        ChangedBy::Beheerder(beheerder),
        user.clone(),
        vec![change],
    )?;
    changes.add_to(&mut batch, core.now());
    if let Err(Refused::LastBeheerder) = core.db.write_batch_serialised(batch).await? {
        // The statement also changes nothing when a parallel request did
        // the same first: then that one stands (and told and audited it).
        let done = match users::find(&core.db, user.id).await? {
            None => removal,
            Some(now) => !removal && now.blocked,
        };
        return match done {
            true => Ok(()),
            false => Err(AppError::invalid(LAST_BEHEERDER)),
        };
    }
    changes.announce(core).await;
    Ok(())
}

/// A user's 'Mijn gegevens downloaden', made by a beheerder to answer a
/// request to the office: after the step-up, audited as theirs.
pub async fn user_data(
    core: &Core,
    beheerder: &AuthUser,
    user_id: i64,
) -> Result<String, AppError> {
    let user = own_user(core, beheerder, user_id).await?;
    require_step_up(core, beheerder)?;
    let data = factors::personal_data(core, &user).await?;
    audit::record(
        &core.db,
        AuditEntry::on_behalf(&beheerder.user, &user, AuditAction::DataExported),
        core.now(),
    )
    .await?;
    Ok(data)
}
