//! Binding an authenticator app ('Authenticatie App instellen in plaats van
//! SMS'), and unbinding one (a beheerder's reset is in `office`). The manual route in 'Mijn
//! gegevens' and the help-menu wizard both call these. Every step needs a
//! recent step-up; every change goes through the one door
//! (`factors::commit_login_change`).

use crate::{
    core::{internal, Core},
    domain::{
        binding::{live_since, pending_left},
        clock::{dutch_time, UnixTime},
        codes,
        phone::MobileNumber,
        sms_quota, totp,
    },
    error::AppError,
    factors::{self, ChangedBy, CodeContext, LoginChange, SmsCheck},
    model::{mask_phone, BindingSetup, BindingStatus, RecoveryCodes},
    session::{self, AuthUser},
    storage::{
        authenticators::{self, Enrolment},
        batch::Batch,
        codes as stored_codes,
        users::{self, Confirmed},
        StorageResult,
    },
};

/// SMS codes of a binding are kept apart from those of a login.
fn sms_context(auth: &AuthUser) -> CodeContext<'_> {
    CodeContext::Binding(&auth.session_hash)
}

async fn live_enrolment(
    core: &Core,
    user_id: i64,
    now: UnixTime,
) -> StorageResult<Option<Enrolment>> {
    Ok(authenticators::enrolment(&core.db, user_id)
        .await?
        .filter(|e| pending_left(e.created_at, now) > 0))
}

/// Shows the binding being set up, or starts a new one. Coming back within
/// ten minutes resumes it with the same key.
pub async fn setup(core: &Core, auth: &AuthUser) -> Result<BindingSetup, AppError> {
    session::require_step_up(core, auth)?;
    let now = core.now();
    let user_id = auth.user.id;
    let enrolment = match live_enrolment(core, user_id, now).await? {
        Some(enrolment) => enrolment,
        None => {
            let sealed = factors::seal(&core.keys, user_id, &totp::new_secret());
            authenticators::start_enrolment(&core.db, user_id, &sealed, now, live_since(now))
                .await?;
            // A start in parallel may have come first; its key is the one kept.
            live_enrolment(core, user_id, now)
                .await?
                .ok_or_else(|| internal("a binding just started is not there"))?
        }
    };
    let secret = factors::open(&core.keys, user_id, &enrolment.sealed)?;
    let created_at = enrolment.created_at;
    // The same branch the confirmation SMS names.
    let issuer = factors::branch_of(core, &auth.user, auth.active_client_id).await?;
    let account = auth.user.login_name.clone();
    let uri = totp::otpauth_uri(&secret, &issuer, &account).map_err(internal)?;
    let qr = qrcode::QrCode::new(uri.as_bytes()).map_err(internal)?;
    let qr_svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    Ok(BindingSetup {
        qr_svg,
        key: totp::key_groups(&secret),
        issuer,
        account,
        already_bound: authenticators::bound(&core.db, user_id).await?.is_some(),
        lapses_in: pending_left(created_at, now),
        server_time: dutch_time(now),
        app_seconds_left: totp::seconds_left(now),
    })
}

fn lapsed_error() -> AppError {
    AppError::invalid(
        "Het koppelen is verlopen: het moet binnen 10 minuten worden afgerond. Begin opnieuw bij 'Authenticator'.",
    )
}

/// 'Verder' (and 'Nieuwe code sturen'): sends the confirmation SMS.
/// `Ok(false)` when no mobile number is known yet: the next page asks for
/// one first. Pressed again before a new code may be sent, it goes on with
/// the code already sent instead of refusing.
pub async fn send_confirmation(core: &Core, auth: &AuthUser) -> Result<bool, AppError> {
    session::require_step_up(core, auth)?;
    let now = core.now();
    let enrolment = live_enrolment(core, auth.user.id, now)
        .await?
        .ok_or_else(lapsed_error)?;
    let Some(number) = enrolment
        .pending_mobile
        .or_else(|| auth.user.mobile.clone())
    else {
        return Ok(false);
    };
    let context = sms_context(auth).key();
    let last_sent = stored_codes::last_sent_at(&core.db, &context).await?;
    if sms_quota::resend_in(last_sent, now) > 0 {
        let latest = stored_codes::latest_for_session(&core.db, &context).await?;
        if latest.is_some_and(|c| c.phone == number && c.state.check(now).is_ok()) {
            return Ok(true);
        }
    }
    factors::send_code(
        core,
        &auth.user,
        auth.active_client_id,
        sms_context(auth),
        &MobileNumber::from_stored(number),
    )
    .await?;
    Ok(true)
}

/// A mobile number typed during binding, for a user who has none yet: a
/// code goes to it, and it becomes the user's number only when the binding
/// is confirmed with that code. A stored number is never replaced here.
pub async fn use_new_mobile(core: &Core, auth: &AuthUser, typed: &str) -> Result<(), AppError> {
    session::require_step_up(core, auth)?;
    if auth.user.mobile.is_some() {
        return Err(AppError::invalid(
            "Er is al een mobiel nummer bekend voor je account; de bevestigings-SMS gaat naar dat nummer.",
        ));
    }
    let now = core.now();
    live_enrolment(core, auth.user.id, now)
        .await?
        .ok_or_else(lapsed_error)?;
    let number = MobileNumber::parse(typed).map_err(AppError::Invalid)?;
    authenticators::set_enrolment_mobile(&core.db, auth.user.id, number.as_str()).await?;
    factors::send_code(
        core,
        &auth.user,
        auth.active_client_id,
        sms_context(auth),
        &number,
    )
    .await
}

/// Where a binding stands: what the page shows and how long it has left.
pub async fn status(core: &Core, auth: &AuthUser) -> Result<BindingStatus, AppError> {
    let now = core.now();
    let enrolment = live_enrolment(core, auth.user.id, now).await?;
    let context = sms_context(auth).key();
    let latest = stored_codes::latest_for_session(&core.db, &context).await?;
    let phone = latest
        .as_ref()
        .map(|c| c.phone.clone())
        .or_else(|| enrolment.as_ref().and_then(|e| e.pending_mobile.clone()))
        .or_else(|| auth.user.mobile.clone());
    Ok(BindingStatus {
        lapsed: enrolment.is_none(),
        needs_mobile: phone.is_none(),
        masked_phone: phone.as_deref().map(mask_phone),
        sms_valid_for: latest
            .filter(|c| c.state.check(now).is_ok())
            .map_or(0, |c| c.state.expires_at - now),
        resend_in: sms_quota::resend_in(stored_codes::last_sent_at(&core.db, &context).await?, now),
        send_failed: stored_codes::newest_send_failed(&core.db, &context).await?,
        app_seconds_left: totp::seconds_left(now),
        lapses_in: enrolment.map_or(0, |e| pending_left(e.created_at, now)),
    })
}

/// 'Nu koppelen': both the SMS code and the app's code must be right. The
/// message names the field that is wrong. A binding comes with a new set
/// of recovery codes, returned to be shown this once.
pub async fn confirm(
    core: &Core,
    auth: &AuthUser,
    sms_typed: &str,
    app_typed: &str,
) -> Result<RecoveryCodes, AppError> {
    session::require_step_up(core, auth)?;
    let now = core.now();
    let user = &auth.user;
    let enrolment = live_enrolment(core, user.id, now)
        .await?
        .ok_or_else(lapsed_error)?;
    let sms_code =
        codes::parse_typed(sms_typed).map_err(|m| AppError::invalid(format!("SMS-code: {m}")))?;
    let app_code = codes::parse_typed(app_typed)
        .map_err(|m| AppError::invalid(format!("Code uit de app: {m}")))?;
    factors::refuse_if_locked(core, user, now).await?;
    if let Err(check) = factors::usable_code_waits(core, sms_context(auth), now).await? {
        return Err(match check {
            SmsCheck::Unusable(message) => AppError::invalid(format!("SMS-code: {message}")),
            _ => AppError::invalid(
                "SMS-code: er is nog geen SMS verstuurd. Kies 'Nieuwe code sturen'.",
            ),
        });
    }

    let attempt = factors::reserve_try(core, user, now).await?;
    let secret = factors::open(&core.keys, user.id, &enrolment.sealed)?;
    let Some(step) = totp::verify(&secret, &app_code, now) else {
        // The SMS code is left unused: the user fixes one field and tries again.
        let wrong = AppError::invalid(
            "Code uit de app: deze code is onjuist. Controleer of de tijd op je telefoon goed staat en \
             vul de code in die de app nu laat zien.",
        );
        return Err(attempt.wrong(core, user, wrong, now).await);
    };
    let phone = match factors::use_sms_code(core, sms_context(auth), &sms_code, now).await? {
        SmsCheck::Accepted(phone) => phone,
        SmsCheck::Replayed => {
            let used = attempt.replayed(core, now).await;
            return Err(AppError::invalid(format!("SMS-code: {used}")));
        }
        SmsCheck::Unusable(message) => {
            let wrong = AppError::invalid(format!("SMS-code: {message}"));
            return Err(attempt.wrong(core, user, wrong, now).await);
        }
        _ => {
            let wrong =
                AppError::invalid("SMS-code: deze code is onjuist. Controleer de code in de SMS.");
            return Err(attempt.wrong(core, user, wrong, now).await);
        }
    };
    attempt.right(core, now).await?;

    let was_bound = authenticators::bound(&core.db, user.id).await?.is_some();
    let new_mobile = (enrolment.pending_mobile.as_deref() == Some(phone.as_str())).then_some(phone);
    // The binding, a new number, a new set of recovery codes, and the
    // door's own statements stand or fall together.
    let (codes, hashes) = factors::new_recovery_set(core, user);
    let mut batch = Batch::<std::convert::Infallible>::new();
    for stmt in authenticators::bind_stmts(user.id, &enrolment.sealed, step, now) {
        batch.then(stmt);
    }
    factors::replace_recovery_set(&mut batch, user, &hashes, now);
    let mut changes = vec![LoginChange::AppBound {
        replaced: was_bound,
        key_id: enrolment.sealed.key_id.clone(),
    }];
    if let Some(mobile) = new_mobile {
        batch.then(users::set_mobile(user.id, &mobile, Confirmed::ByCode));
        changes.push(LoginChange::Mobile {
            old: None,
            new: Some(mobile),
        });
    }
    let Ok(()) =
        factors::commit_login_change(core, ChangedBy::User(auth), user, changes, batch).await?;
    Ok(RecoveryCodes {
        codes,
        login_name: user.login_name.clone(),
    })
}

/// 'Authenticator ontkoppelen', after a step-up: from then on the login
/// asks for an SMS code again where a second factor applies.
pub async fn unbind(core: &Core, auth: &AuthUser) -> Result<(), AppError> {
    factors::remove_app(
        core,
        ChangedBy::User(auth),
        &auth.user,
        LoginChange::AppUnbound,
    )
    .await?
    .map_err(|factors::NothingBound| AppError::invalid("Er is geen authenticator app gekoppeld."))
}
