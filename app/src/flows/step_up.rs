//! 'Bevestig dat jij het bent': the password and a code of the current
//! second factor, required before every change to how an account logs in.
//! A step-up renews the session id; the door (`factors::LoginChanges`)
//! checks for a recent one (`session::require_step_up`).

use crate::{
    core::Core,
    domain::{
        clock::UnixTime, login_form::LoginName, login_method::LoginMethod, phone::MobileNumber,
        recovery, sms_quota, step_up,
    },
    error::AppError,
    factors::{self, Answer, CodeContext, Lost, Notice, PasskeyAnswer, Proof},
    model::{mask_phone, AuditAction, PasskeyChallenge, StepUpStatus},
    session::{self, AuthUser},
    storage::{
        audit::{self, AuditEntry},
        batch::Batch,
        codes as stored_codes,
        sessions::{self, Stage},
        users,
    },
};

fn context(auth: &AuthUser) -> CodeContext<'_> {
    CodeContext::StepUp(&auth.session_hash)
}

/// What the step-up form offers: the factors that prove this user, and
/// whether an SMS code is already on its way.
pub async fn status(core: &Core, auth: &AuthUser) -> Result<StepUpStatus, AppError> {
    let now = core.now();
    let proof = factors::standing(core, &auth.user).await?.step_up_proof();
    let key = context(auth).key();
    let latest = stored_codes::latest_for_session(&core.db, &key).await?;
    Ok(StepUpStatus {
        seconds_left: step_up::left(auth.stepped_up_at, now),
        app: proof.app,
        sms_to: auth
            .user
            .mobile
            .as_deref()
            .filter(|_| proof.sms)
            .map(mask_phone),
        sms_valid_for: latest
            .filter(|c| c.state.check(now).is_ok())
            .map_or(0, |c| c.state.expires_at - now),
        resend_in: sms_quota::resend_in(stored_codes::last_sent_at(&core.db, &key).await?, now),
        recovery: proof.recovery,
        passkey: proof.passkey,
    })
}

/// 'Bevestigen met je passkey', first half: the options for the browser.
pub async fn begin_passkey(core: &Core, auth: &AuthUser) -> Result<PasskeyChallenge, AppError> {
    factors::begin_assertion(core, &auth.user, &auth.session_hash).await
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

/// 'Bevestigen met je passkey': the password and the passkey's answer to
/// the ceremony `begin_passkey` started.
pub async fn prove_with_passkey(
    core: &Core,
    auth: &AuthUser,
    password: String,
    ceremony: &str,
    response: &str,
) -> Result<(), AppError> {
    let answer = PasskeyAnswer::parse(ceremony, response, false)?;
    prove(core, auth, password, "", Some(answer)).await
}

/// 'Bevestigen': the password, then a factor's answer (`passkey`: the
/// passkey's instead of a typed code). Each try counts toward the same
/// limits as at login.
pub async fn prove(
    core: &Core,
    auth: &AuthUser,
    password: String,
    typed: &str,
    passkey: Option<PasskeyAnswer>,
) -> Result<(), AppError> {
    let proved = prove_once(core, auth, password, typed, passkey).await;
    crate::metrics::step_up(proved.is_ok());
    proved
}

async fn prove_once(
    core: &Core,
    auth: &AuthUser,
    password: String,
    typed: &str,
    passkey: Option<PasskeyAnswer>,
) -> Result<(), AppError> {
    let user = &auth.user;
    let offer = factors::standing(core, user).await?.step_up_proof();
    // One field takes the app's or an SMS code (six digits) or, with the
    // phone lost, a recovery code (letters).
    let answer = if !offer.any() {
        None
    } else if let Some(passkey) = passkey.filter(|_| offer.passkey) {
        Some(Answer::Passkey(passkey))
    } else if offer.recovery && recovery::looks_like_one(typed) {
        Some(Answer::parse_recovery(typed)?)
    } else {
        Some(Answer::parse_code(typed)?)
    };
    if password.is_empty() {
        return Err(AppError::invalid("Vul je wachtwoord in."));
    }
    let name = LoginName::parse(&user.login_name).map_err(AppError::Invalid)?;
    let stored = users::credentials(&core.db, name.as_str())
        .await?
        .filter(|c| c.user_id == user.id)
        .and_then(|c| c.password_hash);
    if !factors::judge_password(core, &name, stored, password).await? {
        audit::record(
            &core.db,
            AuditEntry::own(user, AuditAction::StepUpFailed),
            core.now(),
        )
        .await?;
        return Err(AppError::invalid("Je wachtwoord is onjuist."));
    }

    let token = match &answer {
        // A user with no factor at all: the password was the proof.
        None => {
            let mut batch = Batch::new();
            let token = renew(core, auth, LoginMethod::Password, &mut batch, core.now());
            match core.db.write_batch(batch).await? {
                Ok(()) => token,
                Err(_) => return Err(AppError::NotLoggedIn),
            }
        }
        Some(answer) => {
            let proven = factors::prove(
                core,
                context(auth),
                answer,
                "Vraag eerst een SMS-code aan met 'Stuur mij een SMS-code'.",
                |_, proof, batch, now| Ok(renew(core, auth, proof.login_method(false), batch, now)),
            )
            .await?;
            if let Proof::Recovery { .. } = proven.proof {
                factors::notify(core, user, Notice::RecoveryCodeUsed { to_log_in: false }).await;
            }
            proven.finished
        }
    };
    session::set_session_cookie(core, &token)
}

/// Appends the renewal: the session goes on under a new id, proven now
/// (only if it is still there), and the audit row. Returns the new token.
fn renew(
    core: &Core,
    auth: &AuthUser,
    proved: LoginMethod,
    batch: &mut Batch<Lost>,
    now: UnixTime,
) -> String {
    let (token, record) = session::stepped_up_for(core, auth, proved);
    batch
        .must_change(
            sessions::end_at_stage_stmt(&auth.session_hash, Stage::Active),
            Lost::Gone,
        )
        .then(sessions::insert_stmt(&record))
        .then(audit::record_stmt(
            AuditEntry::own(&auth.user, AuditAction::StepUpOk),
            now,
        ));
    token
}
