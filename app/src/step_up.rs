//! The step-up ('Bevestig dat jij het bent'): the password plus the
//! account's current factor (the app's code, or an SMS code sent to the
//! stored number), within the last ten minutes, before any change to how
//! the account logs in. Proving it renews the session id. The rule of how
//! long it holds is `domain::step_up`.

use crate::{
    core::Core,
    domain::{
        codes,
        login_form::LoginName,
        phone::MobileNumber,
        recovery, sms_quota,
        step_up::{self, CurrentFactor},
    },
    error::AppError,
    factors::{self, CodeContext},
    model::{mask_phone, StepUpStatus},
    password_step, recovery_codes,
    session::{self, AuthUser},
    storage::{
        audit::{self, AuditEntry},
        authenticators::{self, Bound},
        codes as stored_codes, users,
    },
};

/// Refuses unless this session stepped up within the last ten minutes.
pub fn require_recent(core: &Core, auth: &AuthUser) -> Result<(), AppError> {
    if step_up::left(auth.stepped_up_at, core.now()) > 0 {
        Ok(())
    } else {
        Err(AppError::StepUpRequired)
    }
}

/// The user's bound app, if any, and what proves the user now.
async fn current_factor(
    core: &Core,
    auth: &AuthUser,
) -> Result<(Option<Bound>, CurrentFactor), AppError> {
    let app = authenticators::bound(&core.db, auth.user.id).await?;
    let (recovery_left, _) = recovery_codes::left(core, auth.user.id).await?;
    let factor = CurrentFactor::of(app.is_some(), auth.user.mobile.as_deref(), recovery_left);
    Ok((app, factor))
}

/// What the code field held.
enum Typed {
    Code(String),
    Recovery(String),
}

fn context(auth: &AuthUser) -> CodeContext<'_> {
    CodeContext::StepUp(&auth.session_hash)
}

pub async fn status(core: &Core, auth: &AuthUser) -> Result<StepUpStatus, AppError> {
    let now = core.now();
    let (_, factor) = current_factor(core, auth).await?;
    let key = context(auth).key();
    let latest = stored_codes::latest_for_session(&core.db, &key).await?;
    Ok(StepUpStatus {
        seconds_left: step_up::left(auth.stepped_up_at, now),
        app: factor.app,
        sms_to: factor
            .sms
            .then(|| auth.user.mobile.as_deref().map(mask_phone))
            .flatten(),
        sms_valid_for: latest
            .filter(|c| c.state.check(now).is_ok())
            .map_or(0, |c| c.state.expires_at - now),
        resend_in: sms_quota::resend_in(stored_codes::last_sent_at(&core.db, &key).await?, now),
        recovery: factor.recovery,
    })
}

/// 'Stuur mij een SMS-code': always to the stored number.
pub async fn send_code(core: &Core, auth: &AuthUser) -> Result<(), AppError> {
    let number = auth.user.mobile.clone().ok_or_else(|| {
        AppError::invalid("Er is geen mobiel nummer bekend; gebruik de code uit je app.")
    })?;
    factors::send_code(
        core,
        &auth.user,
        auth.active_client_id,
        context(auth),
        &MobileNumber::from_stored(number),
    )
    .await
}

/// 'Bevestigen': the password, then the current factor's code. Each try
/// counts toward the same limits as at login.
pub async fn prove(
    core: &Core,
    auth: &AuthUser,
    password: String,
    typed_code: &str,
) -> Result<(), AppError> {
    let user = &auth.user;
    let now = core.now();
    let (app, factor) = current_factor(core, auth).await?;
    // One field takes the app's or an SMS code (six digits) or, with the
    // phone lost, a recovery code (letters).
    let code = if !factor.needs_code() {
        None
    } else if factor.recovery && recovery::looks_like_one(typed_code) {
        Some(Typed::Recovery(
            recovery::parse_typed(typed_code).map_err(AppError::Invalid)?,
        ))
    } else {
        Some(Typed::Code(
            codes::parse_typed(typed_code).map_err(AppError::Invalid)?,
        ))
    };
    if password.is_empty() {
        return Err(AppError::invalid("Vul je wachtwoord in."));
    }
    let name = LoginName::parse(&user.login_name).map_err(AppError::Invalid)?;
    let stored = users::credentials(&core.db, name.as_str())
        .await?
        .filter(|c| c.user_id == user.id)
        .map(|c| c.password_hash);
    if !password_step::judge(core, &name, stored, password).await? {
        audit::record(&core.db, AuditEntry::own(user, "stepup.failed"), now).await?;
        return Err(AppError::invalid("Je wachtwoord is onjuist."));
    }

    match code {
        Some(Typed::Code(code)) => {
            factors::judge_code(
                core,
                user,
                app.as_ref(),
                context(auth),
                &code,
                "Vraag eerst een SMS-code aan met 'Stuur mij een SMS-code'.",
                now,
            )
            .await?;
        }
        Some(Typed::Recovery(code)) => {
            factors::judge_recovery_code(core, user, &code, now).await?;
            factors::announce(
                core,
                user,
                user.mobile.as_deref(),
                "een herstelcode gebruikt om een wijziging te bevestigen",
            )
            .await;
        }
        None => {}
    }

    if !session::renew_stepped_up(core, auth).await? {
        return Err(AppError::NotLoggedIn);
    }
    audit::record(&core.db, AuditEntry::own(user, "stepup.ok"), now).await?;
    Ok(())
}
