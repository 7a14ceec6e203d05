//! The beheerder's buttons for one user, the same on 'Cliënten' (a
//! client's users) and 'Kantoorgebruikers': reset the authenticator app,
//! remove the passkeys, end the user's sessions, set a new mobile number.

use leptos::{form::ActionForm, prelude::*};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{flows, pages::serve};

/// A beheerder resets a user's authenticator app (lost phone).
#[server(endpoint = "reset_authenticator")]
pub async fn reset_authenticator(user_id: i64) -> Result<(), AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::reset_app(&core, &auth, user_id).await
    })
    .await
}

/// 'Passkeys verwijderen' for one user (a lost laptop or key), after the
/// beheerder's step-up.
#[server(endpoint = "reset_passkeys")]
pub async fn reset_passkeys(user_id: i64) -> Result<(), AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::reset_passkeys(&core, &auth, user_id).await
    })
    .await
}

/// 'Sessies beëindigen' for one user (beheerders only, after a step-up).
#[server(endpoint = "end_user_sessions")]
pub async fn end_user_sessions(user_id: i64) -> Result<(), AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::end_sessions(&core, &auth, user_id).await
    })
    .await
}

/// 'Mobiel nummer wijzigen' for a client user: confirmed by the user at
/// the next login.
#[server(endpoint = "set_user_mobile")]
pub async fn set_user_mobile(user_id: i64, mobile: String) -> Result<(), AppError> {
    serve::beheerder(move |core, auth| async move {
        flows::office::set_number(&core, &auth, user_id, &mobile).await
    })
    .await
}

/// 'Authenticator resetten' for one user (beheerders only).
#[component]
pub fn ResetButton(
    action: ServerAction<ResetAuthenticator>,
    user_id: i64,
    name: String,
) -> impl IntoView {
    view! {
        <ActionForm action=action>
            <input type="hidden" name="user_id" value=user_id.to_string() />
            <button type="submit" class="tweede" aria-label=format!("Authenticator resetten van {name}")>"Authenticator resetten"</button>
        </ActionForm>
    }
}

/// 'Passkeys verwijderen' for one user (beheerders only).
#[component]
pub fn ResetPasskeysButton(
    action: ServerAction<ResetPasskeys>,
    user_id: i64,
    name: String,
) -> impl IntoView {
    view! {
        <ActionForm action=action>
            <input type="hidden" name="user_id" value=user_id.to_string() />
            <button type="submit" class="tweede" aria-label=format!("Passkeys verwijderen van {name}")>"Passkeys verwijderen"</button>
        </ActionForm>
    }
}
