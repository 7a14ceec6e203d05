//! 'Mijn gegevens' → 'Mobiel nummer wijzigen': after a step-up, a code goes
//! to the new number, and only that code makes it the account's number,
//! through the one door (other sessions end, audited, the number and
//! address the account had are told).

use crate::{
    core::Core,
    domain::{phone::MobileNumber, sms_quota},
    error::AppError,
    factors::{self, Answer, ChangedBy, CodeContext, LoginChange, LoginChanges, Proof},
    model::{mask_phone, NumberChangeStatus},
    session::{self, AuthUser},
    storage::{
        codes as stored_codes,
        users::{self, Confirmed},
    },
};

fn context(auth: &AuthUser) -> CodeContext<'_> {
    CodeContext::NumberChange(&auth.session_hash)
}

pub async fn status(core: &Core, auth: &AuthUser) -> Result<NumberChangeStatus, AppError> {
    let now = core.now();
    let key = context(auth).key();
    let latest = stored_codes::latest_for_session(&core.db, &key).await?;
    Ok(NumberChangeStatus {
        sent_to: latest.as_ref().map(|c| mask_phone(&c.phone)),
        valid_for: latest
            .filter(|c| c.state.check(now).is_ok())
            .map_or(0, |c| c.state.expires_at - now),
        resend_in: sms_quota::resend_in(stored_codes::last_sent_at(&core.db, &key).await?, now),
    })
}

/// 'Code sturen': a code to the typed number (the stored one stays).
pub async fn send(core: &Core, auth: &AuthUser, typed: &str) -> Result<(), AppError> {
    session::require_step_up(core, auth)?;
    let number = MobileNumber::parse(typed).map_err(AppError::Invalid)?;
    if auth.user.mobile.as_deref() == Some(number.as_str()) && auth.user.mobile_confirmed {
        return Err(AppError::invalid("Dit nummer is al je mobiele nummer."));
    }
    factors::send_code(
        core,
        &auth.user,
        auth.active_client_id,
        context(auth),
        &number,
    )
    .await
}

/// 'Nummer bevestigen': the code sent to the new number makes it the
/// account's number, in the transaction that uses the code.
pub async fn confirm(core: &Core, auth: &AuthUser, typed: &str) -> Result<(), AppError> {
    session::require_step_up(core, auth)?;
    let answer = Answer::parse_code(typed)?;
    let user = &auth.user;
    let proven = factors::prove(
        core,
        context(auth),
        &answer,
        "Er is nog geen code naar het nieuwe nummer gestuurd. Kies 'Code sturen'.",
        |_, proof, batch, now| {
            let Proof::Sms { phone, .. } = proof else {
                return Err(AppError::invalid(
                    "Vul de code uit de SMS naar je nieuwe nummer in.",
                ));
            };
            batch.then(users::set_mobile(user.id, phone, Confirmed::ByCode));
            let change = LoginChanges::new(
                core,
                ChangedBy::User(auth),
                user.clone(),
                vec![LoginChange::Mobile {
                    old: user.mobile.clone(),
                    new: Some(phone.clone()),
                }],
            )?;
            change.add_to(batch, now);
            Ok(change)
        },
    )
    .await?;
    proven.finished.announce(core).await;
    Ok(())
}
