//! The second step of a login: who must take it, and checking the typed
//! app or SMS code exactly once. The factors themselves are in `factors`;
//! the rules in `domain`.

use crate::{
    core::Core,
    domain::{
        clock::UnixTime,
        clock_offset, codes,
        phone::MobileNumber,
        policy::{self, PolicySubject},
        recovery, sms_quota, totp,
    },
    error::AppError,
    factors::{self, CodeContext, Proof},
    model::{mask_phone, CodeStatus, LoginOutcome, TwoFactorState, UserKind},
    recovery_codes,
    session::{self, PendingLogin},
    storage::{
        audit::{self, AuditEntry},
        authenticators, clients, codes as stored_codes,
        sessions::{self, Stage},
        trusted,
        users::{self, Confirmed, UserRecord},
        StorageError, StorageResult,
    },
    trusted_browsers,
};

pub async fn policy_subject(core: &Core, user: &UserRecord) -> StorageResult<PolicySubject> {
    let client_policies = match user.kind {
        UserKind::Client => clients::policies_of_user(&core.db, user.id).await?,
        UserKind::Office => Vec::new(),
    };
    Ok(PolicySubject {
        kind: user.kind,
        office_switch: user.two_factor_required,
        client_policies,
        own_choice: user.two_factor_chosen,
    })
}

/// A user's two-factor state, as 'Mijn gegevens' and the beheerder see it.
pub async fn state_of(core: &Core, user: &UserRecord) -> StorageResult<TwoFactorState> {
    let subject = policy_subject(core, user).await?;
    let app_bound = authenticators::bound(&core.db, user.id).await?.is_some();
    let applies = must_give_second_factor(&subject, app_bound);
    let factor = match (applies, app_bound, &user.mobile) {
        (false, _, _) => "–".to_string(),
        (true, true, _) => "Authenticator app".to_string(),
        (true, false, Some(_)) => "SMS".to_string(),
        (true, false, None) => "SMS (nog geen mobiel nummer)".to_string(),
    };
    Ok(TwoFactorState {
        applies,
        requirement: policy::requirement(&subject),
        factor,
        app_bound,
    })
}

/// The policy decides; a user who bound an authenticator app chose the
/// stronger login and is asked for its code too.
fn must_give_second_factor(subject: &PolicySubject, app_bound: bool) -> bool {
    policy::applies(subject) || app_bound
}

/// A number a beheerder set is confirmed by its owner at the next login:
/// that login asks for a code sent to it, whatever the policy says.
fn number_to_confirm(user: &UserRecord) -> bool {
    user.mobile.is_some() && !user.mobile_confirmed
}

/// After a right password: log in, or start the second step.
pub async fn after_password(core: &Core, user: &UserRecord) -> Result<LoginOutcome, AppError> {
    let subject = policy_subject(core, user).await?;
    let app_bound = authenticators::bound(&core.db, user.id).await?.is_some();
    if !must_give_second_factor(&subject, app_bound) && !number_to_confirm(user) {
        session::start(core, user, Stage::Active).await?;
        return Ok(LoginOutcome::LoggedIn);
    }
    // A browser the user trusted skips the second factor (the password
    // was just given); a number still to confirm is asked for anyway.
    if !number_to_confirm(user) && trusted_browsers::recognised(core, user).await? {
        session::start(core, user, Stage::Active).await?;
        return Ok(LoginOutcome::LoggedIn);
    }
    let session_hash = session::start(core, user, Stage::SecondFactor).await?;
    let context = CodeContext::Login(&session_hash);
    if app_bound && !number_to_confirm(user) {
        // The app's code is asked for; an SMS only when the user asks.
        return Ok(LoginOutcome::NeedsCode);
    }
    match &user.mobile {
        Some(mobile) => {
            // A failed send is reported on the code page, which offers
            // 'Nieuwe code sturen'; the login itself goes on.
            if let Err(err) = factors::send_code(
                core,
                user,
                None,
                context,
                &MobileNumber::from_stored(mobile.clone()),
            )
            .await
            {
                tracing::warn!(user = %user.login_name, "no code sent at login: {err:?}");
            }
            Ok(LoginOutcome::NeedsCode)
        }
        None => Ok(LoginOutcome::NeedsMobile),
    }
}

/// What the code page shows.
pub async fn status(core: &Core, pending: &PendingLogin) -> Result<CodeStatus, AppError> {
    let now = core.now();
    let context = CodeContext::Login(&pending.session.id_hash).key();
    let latest = stored_codes::latest_for_session(&core.db, &context).await?;
    let last_sent = stored_codes::last_sent_at(&core.db, &context).await?;
    let valid_for = latest
        .as_ref()
        .filter(|c| c.state.check(now).is_ok())
        .map_or(0, |c| c.state.expires_at - now);
    let phone = latest
        .map(|c| c.phone)
        .or_else(|| pending.session.pending_mobile.clone())
        .or_else(|| pending.user.mobile.clone());
    let app_bound = authenticators::bound(&core.db, pending.user.id)
        .await?
        .is_some();
    let (recovery_left, _) = recovery_codes::left(core, pending.user.id).await?;
    Ok(CodeStatus {
        recovery_available: recovery_left > 0,
        trust_days: trusted::office_days(&core.db, pending.user.office_id).await?,
        app_bound,
        app_seconds_left: totp::seconds_left(now),
        sms_available: phone.is_some(),
        needs_mobile: phone.is_none() && !app_bound,
        masked_phone: phone.as_deref().map(mask_phone),
        valid_for,
        resend_in: sms_quota::resend_in(last_sent, now),
        locked_for: factors::locked_for(core, pending.user.id, now).await?,
        send_failed: stored_codes::newest_send_failed(&core.db, &context).await?,
    })
}

/// 'Nieuwe code sturen'.
pub async fn resend(core: &Core, pending: &PendingLogin) -> Result<(), AppError> {
    let to = pending
        .session
        .pending_mobile
        .clone()
        .or_else(|| pending.user.mobile.clone())
        .ok_or_else(|| AppError::invalid("Vul eerst je mobiele nummer in."))?;
    factors::send_code(
        core,
        &pending.user,
        pending.session.active_client_id,
        CodeContext::Login(&pending.session.id_hash),
        &MobileNumber::from_stored(to),
    )
    .await
}

/// 'Mobiel nummer' at login, for a user with no factor at all yet:
/// remember the number on the waiting login and send a code to it. It
/// becomes the user's number only with that code. A user with a bound app
/// or a stored number never gets here: typing a number must not be a way
/// around the factor they have.
pub async fn use_new_mobile(
    core: &Core,
    pending: &PendingLogin,
    typed: &str,
) -> Result<(), AppError> {
    if authenticators::bound(&core.db, pending.user.id)
        .await?
        .is_some()
    {
        return Err(AppError::invalid(
            "Je account is gekoppeld aan een authenticator app. Vul de code uit de app in.",
        ));
    }
    if pending.user.mobile.is_some() {
        return Err(AppError::invalid(
            "Er is al een mobiel nummer bekend voor je account.",
        ));
    }
    let number = MobileNumber::parse(typed).map_err(AppError::Invalid)?;
    sessions::set_pending_mobile(&core.db, &pending.session.id_hash, number.as_str()).await?;
    factors::send_code(
        core,
        &pending.user,
        pending.session.active_client_id,
        CodeContext::Login(&pending.session.id_hash),
        &number,
    )
    .await
}

/// Checks a typed code: the app's, when one is bound, or the newest SMS
/// code of this login. The try is counted before the code is judged. Only
/// a right, unused code turns the login into a logged-in session, under a
/// new session id, and of parallel right answers only one.
/// With `remember` ('Dit apparaat … dagen onthouden'), this browser skips
/// the second factor from then on for the office's number of days.
pub async fn verify(
    core: &Core,
    pending: &PendingLogin,
    typed: &str,
    remember: bool,
) -> Result<(), AppError> {
    let code = codes::parse_typed(typed).map_err(AppError::Invalid)?;
    let now = core.now();
    let user = &pending.user;
    let app = authenticators::bound(&core.db, user.id).await?;
    let proof = factors::judge_code(
        core,
        user,
        app.as_ref(),
        CodeContext::Login(&pending.session.id_hash),
        &code,
        "Er is nog geen code verstuurd. Kies 'Nieuwe code sturen'.",
        now,
    )
    .await?;
    match proof {
        Proof::App(step) => {
            let clock = clock_offset::drift_notice(step, now);
            finish_login(core, pending, "app", None, clock, now).await?
        }
        Proof::Sms(phone) => finish_login(core, pending, "sms", Some(phone), None, now).await?,
    }
    if remember {
        trusted_browsers::remember(core, &pending.user, now).await?;
    }
    Ok(())
}

/// 'Inloggen met een herstelcode': a recovery code instead of the app or an
/// SMS code, for a phone that is lost. It counts toward the same lockout,
/// works once, and is told to the stored number.
pub async fn verify_recovery(
    core: &Core,
    pending: &PendingLogin,
    typed: &str,
) -> Result<(), AppError> {
    let code = recovery::parse_typed(typed).map_err(AppError::Invalid)?;
    let now = core.now();
    factors::judge_recovery_code(core, &pending.user, &code, now).await?;
    finish_login(core, pending, "herstelcode", None, None, now).await?;
    factors::announce(
        core,
        &pending.user,
        pending.user.mobile.as_deref(),
        "een herstelcode gebruikt om in te loggen",
    )
    .await;
    Ok(())
}

/// Ends the pending login and starts the logged-in session, saves a number
/// the code confirmed, and audits: in one transaction, whose first step
/// only one of any number of parallel right answers gets past.
async fn finish_login(
    core: &Core,
    pending: &PendingLogin,
    factor: &str,
    sms_to: Option<String>,
    notice: Option<String>,
    now: UnixTime,
) -> Result<(), AppError> {
    let user = &pending.user;
    let (token, mut record) = session::next_for(core, pending);
    record.notice = notice;
    let mut tx = core.db.begin_write().await?;
    if !sessions::replace_on(
        &mut tx,
        &pending.session.id_hash,
        Stage::SecondFactor,
        &record,
    )
    .await?
    {
        tx.rollback().await.map_err(StorageError::from)?;
        // Another request with a right answer took this login first.
        return Err(AppError::NotLoggedIn);
    }
    if let Some(phone) = &sms_to {
        let entry = |action| AuditEntry {
            new_value: Some(phone.as_str()),
            ..AuditEntry::own(user, action)
        };
        if pending.session.pending_mobile.as_deref() == Some(phone.as_str()) {
            users::set_mobile_on(&mut *tx, user.id, phone, Confirmed::ByCode).await?;
            audit::record_on(&mut *tx, entry("user.mobile"), now).await?;
        } else if !user.mobile_confirmed && user.mobile.as_deref() == Some(phone.as_str()) {
            users::confirm_mobile_on(&mut *tx, user.id, phone).await?;
            audit::record_on(&mut *tx, entry("user.mobile_confirmed"), now).await?;
        }
    }
    audit::record_on(
        &mut *tx,
        AuditEntry {
            new_value: Some(factor),
            ..AuditEntry::own(user, "login.ok")
        },
        now,
    )
    .await?;
    tx.commit().await.map_err(StorageError::from)?;
    session::set_session_cookie(core, &token)
}
