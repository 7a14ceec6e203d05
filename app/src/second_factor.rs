//! The second step of a login by SMS code: who must take it, sending a
//! code within the limits, and checking a typed code exactly once. Server
//! functions call these; the rules themselves are in `domain`.

use crate::{
    authenticator,
    core::Core,
    domain::{
        clock::UnixTime,
        codes::{self, MAX_ATTEMPTS_PER_CODE},
        lockout::minutes_text,
        phone::MobileNumber,
        policy::{self, PolicySubject},
        sms_quota::{self, Refusal},
        totp,
    },
    error::AppError,
    model::{mask_phone, CodeStatus, LoginOutcome, TwoFactorState, UserKind},
    session::{self, PendingLogin},
    sms::{login_code_text, SmsMessage},
    storage::{
        audit::{self, AuditEntry},
        authenticators, clients,
        codes::{self as stored_codes, NewCode},
        sessions::{self, Stage},
        throttle,
        users::{self, UserRecord},
        StorageResult,
    },
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
    })
}

/// The policy decides; a user who bound an authenticator app chose the
/// stronger login and is asked for its code too.
fn must_give_second_factor(subject: &PolicySubject, app_bound: bool) -> bool {
    policy::applies(subject) || app_bound
}

/// After a right password: log in, or start the second step.
pub async fn after_password(core: &Core, user: &UserRecord) -> Result<LoginOutcome, AppError> {
    let subject = policy_subject(core, user).await?;
    let app_bound = authenticators::bound(&core.db, user.id).await?.is_some();
    if !must_give_second_factor(&subject, app_bound) {
        session::start(core, user, Stage::Active).await?;
        return Ok(LoginOutcome::LoggedIn);
    }
    let session_hash = session::start(core, user, Stage::SecondFactor).await?;
    if app_bound {
        // The app's code is asked for; an SMS only when the user asks.
        return Ok(LoginOutcome::NeedsCode);
    }
    match &user.mobile {
        Some(mobile) => {
            // A failed send is reported on the code page, which offers
            // 'Nieuwe code sturen'; the login itself goes on.
            if let Err(err) = send_code(
                core,
                user,
                &session_hash,
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

/// Sends a fresh code for this pending login, within the limits.
pub async fn send_code(
    core: &Core,
    user: &UserRecord,
    session_hash: &str,
    to: &MobileNumber,
) -> Result<(), AppError> {
    let now = core.now();
    if let Some(wait) = throttle::get(&core.db, user.id).await?.locked_for(now) {
        return Err(locked_error(wait));
    }
    let code = codes::generate();
    let code_hash = codes::hash(&code);
    let reserved = stored_codes::reserve(
        &core.db,
        &NewCode {
            user_id: user.id,
            office_id: user.office_id,
            session_hash,
            phone: to.as_str(),
            code_hash: &code_hash,
        },
        core.sms.office_daily_cap,
        now,
    )
    .await?;
    let code_id = reserved.map_err(refusal_error)?;

    let branch = branch_for_sms(core, user).await?;
    let message = SmsMessage {
        to: to.as_str().to_string(),
        text: login_code_text(&branch, &code),
    };
    let outcome = match tokio::time::timeout(core.sms.timeout, core.sms.sender.send(&message)).await
    {
        Ok(result) => result,
        Err(_) => Err(crate::sms::SmsError::Timeout),
    };
    let entry = |action| AuditEntry {
        new_value: Some(message.to.as_str()),
        ..AuditEntry::own(user, action)
    };
    match outcome {
        Ok(()) => {
            audit::record(&core.db, entry("sms.sent"), now).await?;
            Ok(())
        }
        Err(err) => {
            tracing::warn!(user = %user.login_name, sender = %core.sms.sender.describe(), "SMS not sent: {err}");
            stored_codes::mark_send_failed(&core.db, code_id).await?;
            audit::record(&core.db, entry("sms.failed"), now).await?;
            Err(AppError::Unavailable(
                "De SMS met je beveiligingscode kon niet worden verstuurd. Probeer het zo opnieuw met 'Nieuwe code sturen'. \
                 Lukt het niet, neem dan contact op met je administratiekantoor."
                    .into(),
            ))
        }
    }
}

/// Client users: the branch of the active client; office users: their own.
async fn branch_for_sms(core: &Core, user: &UserRecord) -> StorageResult<String> {
    let branch = match user.kind {
        UserKind::Office => user.branch.clone(),
        UserKind::Client => match clients::clients_of_user(&core.db, user.id).await?.first() {
            Some(client) => clients::branch_name(&core.db, client.id).await?,
            None => None,
        },
    };
    Ok(branch.unwrap_or_else(|| user.office_name.clone()))
}

pub(crate) fn locked_error(wait: i64) -> AppError {
    AppError::TooMany(format!(
        "Er is te vaak een onjuiste code ingevuld. Je kunt het {} opnieuw proberen.",
        minutes_text(wait)
    ))
}

fn refusal_error(refusal: Refusal) -> AppError {
    AppError::TooMany(match refusal {
        Refusal::TooSoon(wait) => format!("Je kunt over {wait} seconden een nieuwe code laten sturen."),
        Refusal::AccountHourly(wait) => format!(
            "Er zijn het afgelopen uur al 5 codes verstuurd. Je kunt {} een nieuwe code laten sturen.",
            minutes_text(wait)
        ),
        Refusal::OfficeDaily => "Het maximale aantal SMS-berichten voor vandaag is bereikt. \
                                  Neem contact op met je administratiekantoor."
            .into(),
    })
}

/// What the code page shows.
pub async fn status(core: &Core, pending: &PendingLogin) -> Result<CodeStatus, AppError> {
    let now = core.now();
    let latest = stored_codes::latest_for_session(&core.db, &pending.session.id_hash).await?;
    let last_sent = stored_codes::last_sent_at(&core.db, &pending.session.id_hash).await?;
    let throttle = throttle::get(&core.db, pending.user.id).await?;
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
    Ok(CodeStatus {
        app_bound,
        app_seconds_left: totp::seconds_left(now),
        sms_available: phone.is_some(),
        needs_mobile: phone.is_none() && !app_bound,
        masked_phone: phone.as_deref().map(mask_phone),
        valid_for,
        resend_in: sms_quota::resend_in(last_sent, now),
        locked_for: throttle.locked_for(now),
        send_failed: stored_codes::newest_send_failed(&core.db, &pending.session.id_hash).await?,
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
    send_code(
        core,
        &pending.user,
        &pending.session.id_hash,
        &MobileNumber::from_stored(to),
    )
    .await
}

/// 'Mobiel nummer' at login: remember the number on the waiting login and
/// send a code to it. It becomes the user's number only with that code.
pub async fn use_new_mobile(
    core: &Core,
    pending: &PendingLogin,
    typed: &str,
) -> Result<(), AppError> {
    if pending.user.mobile.is_some() {
        return Err(AppError::invalid(
            "Er is al een mobiel nummer bekend voor je account.",
        ));
    }
    let number = MobileNumber::parse(typed).map_err(AppError::Invalid)?;
    sessions::set_pending_mobile(&core.db, &pending.session.id_hash, number.as_str()).await?;
    send_code(core, &pending.user, &pending.session.id_hash, &number).await
}

/// The outcome of checking a typed SMS code against the newest code of a
/// login or binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsCheck {
    /// Right, and now used up; the number it went to.
    Accepted(String),
    Wrong,
    Unusable(&'static str),
    NoneSent,
}

/// Checks `code` against the newest SMS code of `context` and uses it up
/// when right: exactly once, whatever runs in parallel.
pub async fn use_sms_code(
    core: &Core,
    context: &str,
    code: &str,
    now: UnixTime,
) -> StorageResult<SmsCheck> {
    let Some(record) = stored_codes::latest_for_session(&core.db, context).await? else {
        return Ok(SmsCheck::NoneSent);
    };
    if let Err(unusable) = record.state.check(now) {
        return Ok(SmsCheck::Unusable(unusable.message()));
    }
    if !codes::matches(&record.code_hash, code) {
        stored_codes::count_wrong_try(&core.db, record.id).await?;
        return Ok(SmsCheck::Wrong);
    }
    if !stored_codes::consume(&core.db, record.id, MAX_ATTEMPTS_PER_CODE, now).await? {
        return Ok(SmsCheck::Unusable(codes::Unusable::Used.message()));
    }
    Ok(SmsCheck::Accepted(record.phone))
}

/// Counts one failed code toward the account's lockout, and audits it.
/// Returns the lockout error once the failure locks the account.
pub async fn count_failure(
    core: &Core,
    user: &UserRecord,
    now: UnixTime,
) -> Result<Option<AppError>, AppError> {
    let after = throttle::update(&core.db, user.id, |t| t.after_failure(now)).await?;
    audit::record(&core.db, AuditEntry::own(user, "code.failed"), now).await?;
    Ok(after.locked_for(now).map(locked_error))
}

pub async fn reset_failures(core: &Core, user: &UserRecord) -> StorageResult<()> {
    throttle::update(&core.db, user.id, |t| t.after_success()).await?;
    Ok(())
}

/// Checks a typed code: the app's, when one is bound, or the newest SMS
/// code of this login. Only a right, unused code turns the login into a
/// logged-in session, under a new session id.
pub async fn verify(core: &Core, pending: &PendingLogin, typed: &str) -> Result<(), AppError> {
    let code = codes::parse_typed(typed).map_err(AppError::Invalid)?;
    let now = core.now();
    let user = &pending.user;
    if let Some(wait) = throttle::get(&core.db, user.id).await?.locked_for(now) {
        return Err(locked_error(wait));
    }
    let app = authenticator::check_app_code(core, user, &code, now).await?;
    if app == Some(true) {
        return finish_login(core, pending, "app", now).await;
    }
    let app_bound = app.is_some();
    match use_sms_code(core, &pending.session.id_hash, &code, now).await? {
        SmsCheck::Accepted(phone) => {
            if pending.session.pending_mobile.as_deref() == Some(phone.as_str()) {
                users::set_mobile(&core.db, user.id, &phone).await?;
                audit::record(
                    &core.db,
                    AuditEntry {
                        new_value: Some(&phone),
                        ..AuditEntry::own(user, "user.mobile")
                    },
                    now,
                )
                .await?;
            }
            return finish_login(core, pending, "sms", now).await;
        }
        // Without an app there was nothing to compare the code with.
        SmsCheck::Unusable(message) if !app_bound => return Err(AppError::invalid(message)),
        SmsCheck::NoneSent if !app_bound => {
            return Err(AppError::invalid(
                "Er is nog geen code verstuurd. Kies 'Nieuwe code sturen'.",
            ))
        }
        _ => {}
    }
    if let Some(locked) = count_failure(core, user, now).await? {
        return Err(locked);
    }
    Err(AppError::invalid(if app_bound {
        "Deze code is onjuist. Vul de code in die je authenticator app nu laat zien, of een SMS-code."
    } else {
        "Deze beveiligingscode is onjuist. Controleer de code in de SMS en probeer het opnieuw."
    }))
}

async fn finish_login(
    core: &Core,
    pending: &PendingLogin,
    factor: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    let user = &pending.user;
    reset_failures(core, user).await?;
    sessions::delete(&core.db, &pending.session.id_hash).await?;
    session::start(core, user, Stage::Active).await?;
    audit::record(
        &core.db,
        AuditEntry {
            new_value: Some(factor),
            ..AuditEntry::own(user, "login.ok")
        },
        now,
    )
    .await?;
    Ok(())
}
