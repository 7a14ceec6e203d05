//! 'Mijn gegevens' → 'Mobiel nummer wijzigen': after a step-up, a code goes
//! to the new number, and only that code makes it the account's number.
//! The change ends the user's other sessions, is audited, and is told to
//! the number the account had.

use crate::{
    core::Core,
    domain::{codes, phone::MobileNumber, sms_quota},
    error::AppError,
    factors::{self, CodeContext, Proof},
    model::{mask_phone, NumberChangeStatus},
    session::AuthUser,
    step_up,
    storage::{
        audit::{self, AuditEntry},
        codes as stored_codes,
        users::{self, Confirmed},
        StorageError,
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
    step_up::require_recent(core, auth)?;
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
/// account's number.
pub async fn confirm(core: &Core, auth: &AuthUser, typed: &str) -> Result<(), AppError> {
    step_up::require_recent(core, auth)?;
    let code = codes::parse_typed(typed).map_err(AppError::Invalid)?;
    let now = core.now();
    let user = &auth.user;
    let proof = factors::judge_code(
        core,
        user,
        None,
        context(auth),
        &code,
        "Er is nog geen code naar het nieuwe nummer gestuurd. Kies 'Code sturen'.",
        now,
    )
    .await?;
    let Proof::Sms(number) = proof else {
        return Err(AppError::invalid(
            "Vul de code uit de SMS naar je nieuwe nummer in.",
        ));
    };
    let mut tx = core.db.begin_write().await?;
    users::set_mobile_on(&mut *tx, user.id, &number, Confirmed::ByCode).await?;
    factors::end_other_access_on(&mut tx, user.id, Some(&auth.session_hash)).await?;
    audit::record_on(
        &mut *tx,
        AuditEntry {
            old_value: user.mobile.as_deref(),
            new_value: Some(&number),
            ..AuditEntry::own(user, "user.mobile")
        },
        now,
    )
    .await?;
    tx.commit().await.map_err(StorageError::from)?;
    if user.mobile.as_deref() != Some(number.as_str()) {
        factors::announce(
            core,
            user,
            user.mobile.as_deref(),
            &format!("je mobiele nummer gewijzigd in {}", mask_phone(&number)),
        )
        .await;
    }
    Ok(())
}
