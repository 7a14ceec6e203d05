//! Binding an authenticator app ('Authenticatie App instellen in plaats van
//! SMS'), checking its codes, and unbinding. The manual route in 'Mijn
//! gegevens' and the help-menu wizard both call these.

use crate::{
    core::{internal, Core},
    domain::{
        binding::pending_left, clock::UnixTime, codes, phone::MobileNumber, secret_box::Keyring,
        sms_quota, totp,
    },
    error::AppError,
    model::{mask_phone, BindingSetup, BindingStatus, UserKind},
    second_factor::{self, SmsCheck},
    session::AuthUser,
    storage::{
        audit::{self, AuditEntry},
        authenticators::{self, Enrolment, Sealed},
        clients, codes as stored_codes, throttle,
        users::{self, UserRecord},
        StorageResult,
    },
};

/// Associated data for sealing: a secret only opens in its own user's row.
fn context(user_id: i64) -> Vec<u8> {
    format!("tweestap:authenticator:user:{user_id}").into_bytes()
}

/// Seals a secret so that it opens only in `user_id`'s row.
pub fn seal(keys: &Keyring, user_id: i64, secret: &[u8]) -> Sealed {
    let (key_id, secret_sealed) = keys.seal(secret, &context(user_id));
    Sealed {
        key_id,
        secret_sealed,
    }
}

fn open(keys: &Keyring, user_id: i64, sealed: &Sealed) -> Result<Vec<u8>, AppError> {
    keys.open(&sealed.key_id, &sealed.secret_sealed, &context(user_id))
        .map_err(internal)
}

/// SMS codes of a binding are kept apart from those of a login.
fn sms_context(auth: &AuthUser) -> String {
    format!("binding:{}", auth.session_hash)
}

/// The name the app shows: the user's branch, or the active client's.
async fn issuer_for(core: &Core, auth: &AuthUser) -> StorageResult<String> {
    let branch = match auth.user.kind {
        UserKind::Office => auth.user.branch.clone(),
        UserKind::Client => {
            let mine = clients::clients_of_user(&core.db, auth.user.id).await?;
            let active = auth
                .active_client_id
                .filter(|id| mine.iter().any(|c| c.id == *id))
                .or(mine.first().map(|c| c.id));
            match active {
                Some(id) => clients::branch_name(&core.db, id).await?,
                None => None,
            }
        }
    };
    Ok(branch.unwrap_or_else(|| auth.user.office_name.clone()))
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
    let now = core.now();
    let user_id = auth.user.id;
    let (secret, created_at) = match live_enrolment(core, user_id, now).await? {
        Some(enrolment) => (
            open(&core.keys, user_id, &enrolment.sealed)?,
            enrolment.created_at,
        ),
        None => {
            let secret = totp::new_secret();
            let sealed = seal(&core.keys, user_id, &secret);
            authenticators::put_enrolment(&core.db, user_id, &sealed, now).await?;
            (secret, now)
        }
    };
    let issuer = issuer_for(core, auth).await?;
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

/// `16:04:05` in the Netherlands' time zone (CET/CEST).
fn dutch_time(now: UnixTime) -> String {
    jiff::Timestamp::from_second(now)
        .and_then(|t| t.in_tz("Europe/Amsterdam"))
        .map(|t| t.strftime("%H:%M:%S").to_string())
        .unwrap_or_default()
}

fn lapsed_error() -> AppError {
    AppError::invalid(
        "Het koppelen is verlopen: het moet binnen 10 minuten worden afgerond. Begin opnieuw bij 'Authenticator'.",
    )
}

/// 'Verder': sends the confirmation SMS. `Ok(false)` when no mobile number
/// is known yet: the next page asks for one first.
pub async fn send_confirmation(core: &Core, auth: &AuthUser) -> Result<bool, AppError> {
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
    second_factor::send_code(
        core,
        &auth.user,
        &sms_context(auth),
        &MobileNumber::from_stored(number),
    )
    .await?;
    Ok(true)
}

/// A mobile number typed during binding: a code goes to it, and it becomes
/// the user's number only when the binding is confirmed with that code.
pub async fn use_new_mobile(core: &Core, auth: &AuthUser, typed: &str) -> Result<(), AppError> {
    let now = core.now();
    live_enrolment(core, auth.user.id, now)
        .await?
        .ok_or_else(lapsed_error)?;
    let number = MobileNumber::parse(typed).map_err(AppError::Invalid)?;
    authenticators::set_enrolment_mobile(&core.db, auth.user.id, number.as_str()).await?;
    second_factor::send_code(core, &auth.user, &sms_context(auth), &number).await
}

pub async fn status(core: &Core, auth: &AuthUser) -> Result<BindingStatus, AppError> {
    let now = core.now();
    let enrolment = live_enrolment(core, auth.user.id, now).await?;
    let context = sms_context(auth);
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
/// message names the field that is wrong.
pub async fn confirm(
    core: &Core,
    auth: &AuthUser,
    sms_typed: &str,
    app_typed: &str,
) -> Result<(), AppError> {
    let now = core.now();
    let user = &auth.user;
    let enrolment = live_enrolment(core, user.id, now)
        .await?
        .ok_or_else(lapsed_error)?;
    if let Some(wait) = throttle::get(&core.db, user.id).await?.locked_for(now) {
        return Err(second_factor::locked_error(wait));
    }
    let sms_code =
        codes::parse_typed(sms_typed).map_err(|m| AppError::invalid(format!("SMS-code: {m}")))?;
    let app_code = codes::parse_typed(app_typed)
        .map_err(|m| AppError::invalid(format!("Code uit de app: {m}")))?;

    let secret = open(&core.keys, user.id, &enrolment.sealed)?;
    let step = totp::verify(&secret, &app_code, now);
    let sms = if step.is_some() {
        second_factor::use_sms_code(core, &sms_context(auth), &sms_code, now).await?
    } else {
        // Do not use up the SMS code when the app's code is wrong: the user
        // fixes one field and tries again.
        SmsCheck::Wrong
    };
    let (step, phone) = match (step, sms) {
        (Some(step), SmsCheck::Accepted(phone)) => (step, phone),
        (_, SmsCheck::Unusable(message)) => {
            return Err(AppError::invalid(format!("SMS-code: {message}")))
        }
        (_, SmsCheck::NoneSent) => {
            return Err(AppError::invalid(
                "SMS-code: er is nog geen SMS verstuurd. Kies 'Nieuwe code sturen'.",
            ))
        }
        (None, _) => {
            if let Some(locked) = second_factor::count_failure(core, user, now).await? {
                return Err(locked);
            }
            return Err(AppError::invalid(
                "Code uit de app: deze code is onjuist. Controleer of de tijd op je telefoon goed staat en \
                 vul de code in die de app nu laat zien.",
            ));
        }
        (Some(_), SmsCheck::Wrong) => {
            if let Some(locked) = second_factor::count_failure(core, user, now).await? {
                return Err(locked);
            }
            return Err(AppError::invalid(
                "SMS-code: deze code is onjuist. Controleer de code in de SMS.",
            ));
        }
    };

    authenticators::bind(&core.db, user.id, &enrolment.sealed, step, now).await?;
    second_factor::reset_failures(core, user).await?;
    if enrolment.pending_mobile.as_deref() == Some(phone.as_str()) {
        users::set_mobile(&core.db, user.id, &phone).await?;
    }
    audit::record(
        &core.db,
        AuditEntry {
            new_value: Some(&enrolment.sealed.key_id),
            ..AuditEntry::own(user, "authenticator.bound")
        },
        now,
    )
    .await?;
    Ok(())
}

/// `None`: no app bound. `Some(true)`: right, and its time step was not
/// used before (now it is). `Some(false)`: wrong, or a replay.
pub async fn check_app_code(
    core: &Core,
    user: &UserRecord,
    code: &str,
    now: UnixTime,
) -> Result<Option<bool>, AppError> {
    let Some(bound) = authenticators::bound(&core.db, user.id).await? else {
        return Ok(None);
    };
    let secret = open(&core.keys, user.id, &bound.sealed)?;
    Ok(Some(match totp::verify(&secret, code, now) {
        Some(step) => authenticators::claim_step(&core.db, user.id, step).await?,
        None => false,
    }))
}

/// 'Authenticator ontkoppelen', after a current app code or an SMS code
/// sent for it.
pub async fn unbind(core: &Core, auth: &AuthUser, typed: &str) -> Result<(), AppError> {
    let now = core.now();
    let user = &auth.user;
    let code = codes::parse_typed(typed).map_err(AppError::Invalid)?;
    if let Some(wait) = throttle::get(&core.db, user.id).await?.locked_for(now) {
        return Err(second_factor::locked_error(wait));
    }
    let right = match check_app_code(core, user, &code, now).await? {
        None => return Err(AppError::invalid("Er is geen authenticator app gekoppeld.")),
        Some(true) => true,
        Some(false) => matches!(
            second_factor::use_sms_code(core, &sms_context(auth), &code, now).await?,
            SmsCheck::Accepted(_)
        ),
    };
    if !right {
        if let Some(locked) = second_factor::count_failure(core, user, now).await? {
            return Err(locked);
        }
        return Err(AppError::invalid(
            "Deze code is onjuist. Vul de code uit je app in, of een SMS-code.",
        ));
    }
    authenticators::remove(&core.db, user.id).await?;
    audit::record(
        &core.db,
        AuditEntry::own(user, "authenticator.unbound"),
        now,
    )
    .await?;
    Ok(())
}

/// For unbinding by SMS: a code to the known number.
pub async fn send_unbind_code(core: &Core, auth: &AuthUser) -> Result<(), AppError> {
    let number = auth.user.mobile.clone().ok_or_else(|| {
        AppError::invalid("Er is geen mobiel nummer bekend; gebruik de code uit je app.")
    })?;
    second_factor::send_code(
        core,
        &auth.user,
        &sms_context(auth),
        &MobileNumber::from_stored(number),
    )
    .await
}

/// A beheerder resets a user's app (a lost phone): the user logs in by SMS again.
pub async fn reset(core: &Core, beheerder: &AuthUser, user_id: i64) -> Result<(), AppError> {
    let user = users::find(&core.db, user_id)
        .await?
        .filter(|u| u.office_id == beheerder.user.office_id)
        .ok_or_else(|| AppError::invalid("Deze gebruiker bestaat niet (meer)."))?;
    if !authenticators::remove(&core.db, user.id).await? {
        return Err(AppError::invalid(
            "Deze gebruiker heeft geen authenticator app gekoppeld.",
        ));
    }
    audit::record(
        &core.db,
        AuditEntry {
            office_id: Some(beheerder.user.office_id),
            actor_user_id: Some(beheerder.user.id),
            action: "authenticator.reset",
            subject: Some(&user.login_name),
            ..Default::default()
        },
        core.now(),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_wizard_shows_dutch_local_time() {
        // 2026-01-15 12:00:00 UTC is 13:00 in winter; 2026-07-15 is 14:00 in summer.
        assert_eq!(super::dutch_time(1_768_478_400), "13:00:00");
        assert_eq!(super::dutch_time(1_784_116_800), "14:00:00");
    }
}
