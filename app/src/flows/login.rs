//! 'Inloggen': the password step, then the second step. After a right
//! password the user's factors (`factors::standing`) decide: logged in,
//! a number to enrol, or a code; the typed answer is judged and used
//! exactly once (`factors::prove`), which ends the waiting login and
//! starts the logged-in session in the same transaction.

use crate::{
    core::{client_ip, internal, Core},
    domain::{
        clock::{dutch_hour_minute, UnixTime},
        clock_offset,
        delivery::{Delivery, Reason},
        factors::{
            passwordless_allowed, sms_at_once, LoginDemand, CEREMONY_SECONDS,
            OPEN_PASSWORDLESS_CAP, PASSWORDLESS_BEGIN_ADDRESS,
        },
        lockout::{address_source, PASSWORD_ADDRESS},
        login_form::{check_password_input, LoginName},
        login_method::LoginMethod,
        phone::MobileNumber,
        sms_quota, totp,
    },
    error::AppError,
    factors::{
        self, Answer, ChangedBy, CodeContext, LoginChange, LoginChanges, Lost, Notice,
        PasskeyAnswer, Proof,
    },
    metrics,
    model::{
        mask_phone, minutes_text, AuditAction, CodeStatus, LoginOutcome, PasskeyChallenge,
        SmsDelivery,
    },
    session::{self, PendingLogin},
    storage::{
        audit::{self, AuditEntry},
        batch::Batch,
        codes as stored_codes,
        passkeys::{self as stored_passkeys, Purpose},
        second_step::StepState,
        sessions::{self, Stage},
        sms_messages,
        throttle::{self, Counter},
        trusted,
        users::{self, UserRecord},
    },
};

/// 'Inloggen'.
pub async fn login(
    core: &Core,
    login_name: &str,
    password: String,
) -> Result<LoginOutcome, AppError> {
    let outcome = password_step(core, login_name, password).await;
    if let Some(counted) = match &outcome {
        Ok(LoginOutcome::LoggedIn) => Some(metrics::LoginOutcome::LoggedIn),
        Ok(_) => Some(metrics::LoginOutcome::SecondStepAsked),
        Err(AppError::BadCredentials) => Some(metrics::LoginOutcome::PasswordWrong),
        Err(AppError::TooMany(_) | AppError::Busy) => Some(metrics::LoginOutcome::HeldBack),
        // Input refused before any check, or a fault: no login to count.
        Err(_) => None,
    } {
        metrics::login(counted);
    }
    outcome
}

async fn password_step(
    core: &Core,
    login_name: &str,
    password: String,
) -> Result<LoginOutcome, AppError> {
    let name = LoginName::parse(login_name).map_err(AppError::Invalid)?;
    check_password_input(&password).map_err(AppError::Invalid)?;

    let found = users::credentials(&core.db, name.as_str()).await?;
    let right = factors::judge_password(
        core,
        &name,
        found.as_ref().and_then(|c| c.password_hash.clone()),
        password,
    )
    .await?;
    let now = core.now();
    let office_id = found.as_ref().map(|c| c.office_id);
    let Some(user) = found.filter(|_| right) else {
        audit::record(
            &core.db,
            AuditEntry {
                office_id,
                subject: Some(name.as_str()),
                ..AuditEntry::new(AuditAction::LoginFailed)
            },
            now,
        )
        .await?;
        return Err(AppError::BadCredentials);
    };

    let record = users::find(&core.db, user.user_id)
        .await?
        .ok_or_else(|| internal("user vanished during login"))?;
    if record.blocked {
        refuse_blocked(core, &record).await?;
    }
    let (outcome, method) = after_password(core, &record).await?;
    audit::record(
        &core.db,
        AuditEntry {
            office_id: Some(user.office_id),
            actor_user_id: Some(user.user_id),
            subject: Some(name.as_str()),
            new_value: method.map(LoginMethod::dutch),
            ..AuditEntry::new(match outcome {
                LoginOutcome::LoggedIn => AuditAction::LoginOk,
                _ => AuditAction::LoginPasswordOk,
            })
        },
        now,
    )
    .await?;
    Ok(outcome)
}

/// A blocked account proved by its password or passkey: refused, and
/// the Logboek says so.
pub(crate) async fn refuse_blocked<T>(core: &Core, user: &UserRecord) -> Result<T, AppError> {
    audit::record(
        &core.db,
        AuditEntry::own(user, AuditAction::LoginBlocked),
        core.now(),
    )
    .await?;
    Err(AppError::Blocked)
}

/// After a right password: log in (and how), or start the second step.
async fn after_password(
    core: &Core,
    user: &UserRecord,
) -> Result<(LoginOutcome, Option<LoginMethod>), AppError> {
    let standing = factors::standing(core, user).await?;
    let (demand, trusted) = match standing.login_demand(false) {
        // Only where a factor is asked can a trusted browser stand in.
        LoginDemand::Factor(_) => {
            let trusted = factors::recognised_browser(core, user).await?;
            (standing.login_demand(trusted), trusted)
        }
        other => (other, false),
    };
    match demand {
        LoginDemand::Password => {
            let method = match trusted {
                true => LoginMethod::PasswordTrustedBrowser,
                false => LoginMethod::Password,
            };
            session::start(core, user, Stage::Active, Some(method)).await?;
            core.db
                .execute(users::stamp_login(user.id, core.now()))
                .await?;
            Ok((LoginOutcome::LoggedIn, Some(method)))
        }
        LoginDemand::EnrolNumber => {
            session::start(core, user, Stage::SecondFactor, None).await?;
            Ok((LoginOutcome::NeedsMobile, None))
        }
        LoginDemand::Factor(_) => {
            let session_hash = session::start(core, user, Stage::SecondFactor, None).await?;
            if let (true, Some(mobile)) = (sms_at_once(&standing.factors), &user.mobile) {
                // A failed send is reported on the code page, which offers
                // 'Nieuwe code sturen'; the login itself goes on.
                if let Err(err) = factors::send_code(
                    core,
                    user,
                    None,
                    CodeContext::Login(&session_hash),
                    &MobileNumber::from_stored(mobile.clone()),
                )
                .await
                {
                    tracing::warn!(user = %user.login_name, "no code sent at login: {err:?}");
                }
            }
            Ok((LoginOutcome::NeedsCode, None))
        }
    }
}

/// What the code page shows: the factors the user has, as the login asks
/// for them.
pub async fn status(core: &Core, pending: &PendingLogin) -> Result<CodeStatus, AppError> {
    let now = core.now();
    let offer = factors::standing(core, &pending.user)
        .await?
        .factors
        .offer();
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
    Ok(CodeStatus {
        recovery_available: offer.recovery,
        passkey_available: offer.passkey,
        trust_days: trusted::office_days(&core.db, pending.user.office_id).await?,
        app_bound: offer.app,
        app_seconds_left: totp::seconds_left(now),
        sms_available: phone.is_some(),
        needs_mobile: phone.is_none() && !offer.any(),
        masked_phone: phone.as_deref().map(mask_phone),
        valid_for,
        resend_in: sms_quota::resend_in(last_sent, now),
        locked_for: factors::locked_for(core, pending.user.id, now).await?,
        send_failed: stored_codes::newest_send_failed(&core.db, &context).await?,
    })
}

/// What became of the newest SMS of this login (polled by the code page).
pub async fn delivery(core: &Core, pending: &PendingLogin) -> Result<SmsDelivery, AppError> {
    let context = CodeContext::Login(&pending.session.id_hash).key();
    let Some(sms) = sms_messages::latest_for_context(&core.db, &context).await? else {
        return Ok(SmsDelivery::Unreported);
    };
    if sms.provider == crate::sms::OUTBOX {
        return Ok(SmsDelivery::Unreported);
    }
    Ok(match sms.status {
        Delivery::Delivered => SmsDelivery::Delivered {
            at: dutch_hour_minute(sms.status_at),
        },
        status if status.did_not_arrive() => SmsDelivery::NotDelivered {
            reason: sms.reason.unwrap_or(Reason::Other).dutch().to_string(),
        },
        _ => SmsDelivery::Underway,
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
/// becomes the user's number only with that code. A user who has any
/// factor never gets here: the password alone must not enrol a new one.
pub async fn use_new_mobile(
    core: &Core,
    pending: &PendingLogin,
    typed: &str,
) -> Result<(), AppError> {
    let offer = factors::standing(core, &pending.user)
        .await?
        .factors
        .offer();
    if offer.app {
        return Err(AppError::invalid(
            "Je account is gekoppeld aan een authenticator app. Vul de code uit de app in.",
        ));
    }
    if offer.sms {
        return Err(AppError::invalid(
            "Er is al een mobiel nummer bekend voor je account.",
        ));
    }
    if offer.recovery {
        return Err(AppError::invalid(
            "Je account heeft herstelcodes: log in met een herstelcode. \
             Daarna kun je bij 'Mijn gegevens' een mobiel nummer instellen.",
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

/// The app's code or an SMS code for this browser's waiting login.
/// With `remember` ('Dit apparaat … dagen onthouden'), this browser skips
/// the second factor from then on for the office's number of days.
pub async fn verify_code(core: &Core, typed: &str, remember: bool) -> Result<(), AppError> {
    // The waiting login is read inside `prove`'s one read, not checked
    // here first: the second step costs one read and one transaction.
    let session_hash = session::request_session_hash(core).ok_or(AppError::NotLoggedIn)?;
    let answer = Answer::parse_code(typed)?;
    log_in_with(core, &session_hash, &answer, remember).await
}

/// 'Inloggen met een herstelcode': a recovery code instead of the app or an
/// SMS code, for a phone that is lost. It counts toward the same lockout,
/// works once, and is told to the stored number and address.
pub async fn verify_recovery(
    core: &Core,
    pending: &PendingLogin,
    typed: &str,
) -> Result<(), AppError> {
    let answer = Answer::parse_recovery(typed)?;
    log_in_with(core, &pending.session.id_hash, &answer, false).await
}

/// 'Inloggen met je passkey' on the code page, first half: the options
/// for the browser, for this waiting login.
pub async fn begin_passkey(
    core: &Core,
    pending: &PendingLogin,
) -> Result<PasskeyChallenge, AppError> {
    factors::begin_assertion(core, &pending.user, &pending.session.id_hash).await
}

/// 'Inloggen met je passkey', second half: the passkey proves the second
/// factor, as an app code would.
pub async fn verify_passkey(core: &Core, ceremony: &str, response: &str) -> Result<(), AppError> {
    // As `verify_code`: the waiting login, the ceremony and the passkey
    // are all read inside `prove`'s one read.
    let session_hash = session::request_session_hash(core).ok_or(AppError::NotLoggedIn)?;
    let answer = match PasskeyAnswer::parse(ceremony, response, false) {
        Ok(answer) => Answer::Passkey(answer),
        Err(unreadable) => {
            // The caller is checked before anything is said about the
            // form (a read only on this path): no waiting login, no answer.
            session::require_pending().await?;
            return Err(unreadable);
        }
    };
    log_in_with(core, &session_hash, &answer, false).await
}

/// Whether the login page offers 'Inloggen met een passkey': the portal's
/// address can carry passkeys.
pub fn passkeys_offered(core: &Core) -> bool {
    core.passkeys.is_some()
}

/// 'Inloggen met een passkey' on the login page, first half: a ceremony
/// any passkey of this portal may answer.
/// 'Inloggen met een passkey', first half: needs no login, so it is
/// bounded before a ceremony is stored: refused where no office allows
/// it, held to a number per source address, and refused while the open
/// ceremonies are at their cap (lapsed ones are dropped first).
pub async fn begin_passwordless(core: &Core) -> Result<PasskeyChallenge, AppError> {
    if !stored_passkeys::any_passwordless(&core.db).await? {
        metrics::ceremony_refused("off");
        return Err(AppError::invalid(
            "Inloggen met een passkey zonder wachtwoord staat uit. Log in met je wachtwoord.",
        ));
    }
    let now = core.now();
    if let Some(ip) = client_ip() {
        let counter = Counter::PasswordlessBegun(address_source(ip));
        if let Err(wait) =
            throttle::take_window(&core.db, &counter, &PASSWORDLESS_BEGIN_ADDRESS, now).await?
        {
            metrics::ceremony_refused("address");
            return Err(AppError::TooMany(format!(
                "Er is vanaf jouw internetverbinding te vaak om een passkey gevraagd. \
                 Je kunt het {} opnieuw proberen, of log in met je wachtwoord.",
                minutes_text(wait)
            )));
        }
    }
    stored_passkeys::drop_lapsed(&core.db, now - CEREMONY_SECONDS, 500).await?;
    let open =
        stored_passkeys::open_count(&core.db, Purpose::Passwordless, OPEN_PASSWORDLESS_CAP).await?;
    if open >= OPEN_PASSWORDLESS_CAP {
        metrics::ceremony_refused("full");
        return Err(AppError::Busy);
    }
    factors::begin_passwordless(core).await
}

/// 'Inloggen met een passkey', second half: a discoverable passkey with
/// user verification logs in without the password and counts as both
/// factors, where the user's office allows it. The passkey names its
/// account; the answer is then judged as a second step would be, on a
/// waiting login that no browser holds (so a failed try gives no one a
/// code page), counted in the same lockout and used once. Only the
/// session that follows gets a cookie.
pub async fn passwordless(core: &Core, ceremony: &str, response: &str) -> Result<(), AppError> {
    let answer = PasskeyAnswer::parse(ceremony, response, true)?;
    let unknown = || AppError::invalid(factors::WRONG_PASSKEY);
    // Anyone may send this: what says nothing about an account counts
    // against the sender's address (as the password step's), never the
    // account's, so a stranger cannot lock its owner out.
    let address = client_ip().map(|ip| Counter::Address(address_source(ip)));
    if let Some(address) = &address {
        if let Some(wait) = throttle::get(&core.db, address)
            .await?
            .locked_for(core.now())
        {
            return Err(factors::address_held_back(wait));
        }
    }
    let sender_tried = || async {
        if let Some(address) = &address {
            throttle::count_failure(&core.db, address, &PASSWORD_ADDRESS, core.now()).await?;
        }
        Ok::<_, AppError>(unknown())
    };
    let Some(user) = (match answer.claimed_user(core).await? {
        Some(user_id) => users::find(&core.db, user_id).await?,
        None => None,
    }) else {
        return Err(sender_tried().await?);
    };
    let facts = factors::passkey_facts(core, &user, &answer).await?;
    let office = factors::switches(core, facts.office);
    if !passwordless_allowed(office.allowed, office.passwordless) {
        return Err(AppError::invalid(
            "Je kantoor staat inloggen zonder wachtwoord niet toe. Log in met je wachtwoord; \
             daarna kun je je passkey gebruiken.",
        ));
    }
    // Judged before anything counts for the account: an answer that does
    // not verify with one of its own passkeys is the sender's failed try.
    // One that does but fails a later check (a counter gone backwards) is
    // judged again below, where it counts for the account.
    match factors::judge_assertion(core, &user, &facts, &answer, core.now())? {
        factors::Assertion::Wrong { cloned: false } => return Err(sender_tried().await?),
        factors::Assertion::Wrong { cloned: true } => {}
        // Said only to the passkey's holder, as the password step says it
        // only after the right password.
        factors::Assertion::Right(_) if user.blocked => return refuse_blocked(core, &user).await,
        factors::Assertion::Right(_) => {}
    }
    let held_by = session::request_session_hash(core);
    let unheld = session::start_unheld(core, &user).await?;
    let outcome = log_in_with(core, &unheld, &Answer::Passkey(answer), false).await;
    match &outcome {
        Ok(()) => {
            // The browser's session before this login ends with it.
            if let Some(old) = held_by {
                sessions::delete(&core.db, &old).await?;
            }
        }
        Err(_) => sessions::delete(&core.db, &unheld).await?,
    }
    outcome
}

/// What ending the login added to the batch: the new session's token for
/// the cookie, and the first number's way through the door, if any.
struct Finished {
    token: String,
    first_number: Option<LoginChanges<'static>>,
}

async fn log_in_with(
    core: &Core,
    session_hash: &str,
    answer: &Answer,
    remember: bool,
) -> Result<(), AppError> {
    let passwordless = matches!(answer, Answer::Passkey(passkey) if passkey.passwordless);
    let proven = factors::prove(
        core,
        CodeContext::Login(session_hash),
        answer,
        "Er is nog geen code verstuurd. Kies 'Nieuwe code sturen'.",
        |state, proof, batch, now| {
            let method = proof.login_method(passwordless);
            finish_login(core, state, proof, method, batch, now)
        },
    )
    .await?;
    session::set_session_cookie(core, &proven.finished.token)?;
    let user = &proven.state.user;
    if let Some(change) = proven.finished.first_number {
        change.announce(core).await;
    }
    if let Proof::Recovery { .. } = proven.proof {
        factors::notify(core, user, Notice::RecoveryCodeUsed { to_log_in: true }).await;
    }
    if remember {
        factors::remember_browser(core, user, core.now()).await?;
    }
    Ok(())
}

/// Appends to the proof's batch: the waiting login ends (only if it is
/// still there) and the logged-in session starts under a new id; a number
/// the code confirmed is saved (the first one through the door); the audit
/// row.
fn finish_login(
    core: &Core,
    state: &StepState,
    proof: &Proof,
    method: LoginMethod,
    batch: &mut Batch<Lost>,
    now: UnixTime,
) -> Result<Finished, AppError> {
    let (session, user) = (&state.session, &state.user);
    let pending = PendingLogin {
        session: session.clone(),
        user: user.clone(),
    };
    let (token, mut record) = session::next_for(core, &pending, method);
    if let Proof::App { step } = proof {
        record.notice = clock_offset::drift_notice(*step, now);
    }
    batch
        .must_change(
            sessions::end_at_stage_stmt(&session.id_hash, Stage::SecondFactor),
            Lost::Gone,
        )
        .then(sessions::insert_stmt(&record))
        // (A block committed meanwhile ended the waiting login above.)
        .then(users::stamp_login(user.id, now));
    let mut first_number = None;
    if let Proof::Sms { phone, .. } = proof {
        if session.pending_mobile.as_deref() == Some(phone.as_str()) {
            // Holds only while the user still has no factor at all.
            batch.must_change(users::set_first_mobile(user.id, phone), Lost::Changed);
            let change = LoginChanges::new(
                core,
                ChangedBy::Login {
                    pending: session.id_hash.clone(),
                    next: record.id_hash.clone(),
                },
                user.clone(),
                vec![LoginChange::Mobile {
                    old: None,
                    new: Some(phone.clone()),
                }],
            )?;
            change.add_to(batch, now);
            first_number = Some(change);
        } else if !user.mobile_confirmed && user.mobile.as_deref() == Some(phone.as_str()) {
            batch
                .then(users::confirm_mobile(user.id, phone))
                .then(audit::record_stmt(
                    AuditEntry {
                        new_value: Some(phone.as_str()),
                        ..AuditEntry::own(user, AuditAction::UserMobileConfirmed)
                    },
                    now,
                ));
        }
    }
    batch.then(audit::record_stmt(
        AuditEntry {
            new_value: Some(method.dutch()),
            ..AuditEntry::own(user, AuditAction::LoginOk)
        },
        now,
    ));
    Ok(Finished {
        token,
        first_number,
    })
}
