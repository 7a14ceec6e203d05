//! 'Mijn gegevens' → 'Passkeys': adding one (on this device or a security
//! key), the list, removing one. Every change needs a recent step-up and
//! goes through the one door (`factors::commit_login_change`); logging in
//! with a passkey is in `login` and `step_up`, the beheerder's 'Passkeys
//! verwijderen' and the office's switches in `office`.

use crate::{
    core::Core,
    domain::clock::dutch_date_time,
    error::AppError,
    factors::{self, ChangedBy, LoginChange},
    model::{PasskeyAdded, PasskeyChallenge, PasskeyRow, PasskeysOfUser, RecoveryCodes},
    session::{self, AuthUser},
    storage::{
        batch::Batch,
        passkeys::{self as stored, NewPasskey},
    },
};

/// Why storing a passkey stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NotStored {
    /// Its ceremony was used by a parallel request.
    CeremonyUsed,
    /// The credential is registered already (to anyone).
    Known,
    /// Gone in parallel: already removed.
    Gone,
}

/// The user's passkeys as 'Mijn gegevens' lists them, newest first, and
/// whether the office allows them.
pub async fn list(core: &Core, auth: &AuthUser) -> Result<PasskeysOfUser, AppError> {
    let rows = stored::of_user(&core.db, auth.user.id)
        .await?
        .into_iter()
        .map(|p| PasskeyRow {
            id: p.id,
            name: p.name,
            added: dutch_date_time(p.created_at),
            last_used: p.last_used_at.map(dutch_date_time),
        })
        .collect();
    Ok(PasskeysOfUser {
        allowed: factors::office_settings(core, auth.user.office_id)
            .await?
            .allowed,
        rows,
    })
}

/// 'Passkey toevoegen', first half: the options for the browser.
pub async fn begin_add(core: &Core, auth: &AuthUser) -> Result<PasskeyChallenge, AppError> {
    session::require_step_up(core, auth)?;
    factors::begin_registration(core, &auth.user, &auth.session_hash).await
}

/// A passkey's name as typed; empty is refused, long is cut.
fn clean_name(typed: &str) -> Result<String, AppError> {
    let name: String = typed.trim().chars().take(60).collect();
    if name.is_empty() {
        return Err(AppError::invalid(
            "Geef de passkey een naam, bijvoorbeeld 'Laptop op kantoor'.",
        ));
    }
    Ok(name)
}

/// 'Passkey toevoegen', second half: the browser's answer checked and
/// stored, with the ceremony used up and (the first passkey of a user
/// without herstelcodes) a set of herstelcodes, in one transaction.
pub async fn finish_add(
    core: &Core,
    auth: &AuthUser,
    ceremony: &str,
    response: &str,
    name: &str,
) -> Result<PasskeyAdded, AppError> {
    session::require_step_up(core, auth)?;
    let name = clean_name(name)?;
    let user = &auth.user;
    let made =
        factors::finish_registration(core, user, &auth.session_hash, ceremony, response).await?;
    let (left, _) = factors::recovery_codes_left(core, user.id).await?;
    let mut batch = Batch::new();
    batch
        .must_change(stored::use_stmt(&made.ceremony), NotStored::CeremonyUsed)
        .must_change(
            stored::insert_stmt(
                &NewPasskey {
                    user_id: user.id,
                    credential_id: &made.credential_id,
                    name: &name,
                    passkey: &made.passkey,
                    counter: made.counter,
                    backup_eligible: made.backup_eligible,
                    backup_state: made.backup_state,
                    // Read once an office can require an allow-list of models.
                    aaguid: "",
                },
                core.now(),
            ),
            NotStored::Known,
        );
    let recovery = (left == 0).then(|| factors::new_recovery_set(core, user));
    if let Some((_, hashes)) = &recovery {
        factors::replace_recovery_set(&mut batch, user, hashes, core.now());
    }
    let change = LoginChange::PasskeyAdded {
        name: name.clone(),
        recovery_codes: recovery.is_some(),
    };
    match factors::commit_login_change(core, ChangedBy::User(auth), user, vec![change], batch)
        .await?
    {
        Ok(()) => Ok(PasskeyAdded {
            name,
            recovery_codes: recovery.map(|(codes, _)| RecoveryCodes {
                codes,
                login_name: user.login_name.clone(),
            }),
        }),
        Err(NotStored::Known) => Err(AppError::invalid(
            "Deze passkey is al aan een account gekoppeld.",
        )),
        Err(_) => Err(AppError::invalid(
            "Deze passkey-aanvraag is al gebruikt. Probeer het opnieuw.",
        )),
    }
}

/// 'Verwijderen' of one of the user's own passkeys.
pub async fn remove(core: &Core, auth: &AuthUser, id: i64) -> Result<(), AppError> {
    let user = &auth.user;
    let Some(found) = stored::of_user(&core.db, user.id)
        .await?
        .into_iter()
        .find(|p| p.id == id)
    else {
        return Err(AppError::invalid("Deze passkey bestaat niet (meer)."));
    };
    let mut batch = Batch::new();
    batch.must_change(stored::delete_stmt(user.id, id), NotStored::Gone);
    let change = LoginChange::PasskeyRemoved { name: found.name };
    factors::commit_login_change(core, ChangedBy::User(auth), user, vec![change], batch)
        .await?
        .map_err(|_| AppError::invalid("Deze passkey bestaat niet (meer)."))
}
