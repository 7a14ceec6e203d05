//! The second step of a login: who must take it, and checking the typed
//! app or SMS code exactly once. The factors themselves are in `factors`;
//! the rules in `domain`.

use crate::{
    core::Core,
    domain::{
        clock::UnixTime,
        clock_offset,
        code_verdict::{verdict, AppAnswer, SmsAnswer, Verdict},
        codes::{self, Unusable, MAX_ATTEMPTS_PER_CODE},
        lockout,
        phone::MobileNumber,
        policy::{self, PolicySubject},
        recovery,
        session_lifetime::{second_factor_state, SessionState},
        sms_quota, totp,
    },
    error::AppError,
    factors::{self, CodeContext},
    model::{mask_phone, CodeStatus, LoginOutcome, TwoFactorState, UserKind},
    recovery_codes,
    session::{self, PendingLogin},
    storage::{
        audit::{self, AuditEntry},
        authenticators,
        batch::{Batch, Stmt},
        clients, codes as stored_codes,
        second_step::{self, StepState},
        sessions::{self, SessionRecord, Stage},
        throttle, trusted,
        users::{self, Confirmed, UserRecord},
        StorageResult,
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

/// Why the batch that ends a login stopped (see [`verify`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lost {
    /// The code counter moved since it was read: judge again.
    CounterMoved,
    /// The app's step or the SMS code was used by a parallel request.
    CodeUsed,
    /// The waiting login was taken by a parallel request, or has ended.
    LoginGone,
}

/// How often a code is judged again when parallel tries moved the counter
/// in between; each round re-reads, so no try is ever stored against a
/// stale count.
const ROUNDS: usize = 8;

/// Checks a typed code for the waiting login `session_hash`: the app's,
/// when one is bound, or the newest SMS code of this login. One read gives
/// all it is judged against; one transaction stores the outcome: the try
/// counted (a wrong code) or the counter reset, the step or code used, the
/// waiting session replaced by a logged-in one under a new id, the audit
/// row. That transaction changes nothing unless the counter still stands as
/// read and the code and the waiting login are still unused, so of parallel
/// right answers exactly one logs in, and every wrong one is counted.
/// With `remember` ('Dit apparaat … dagen onthouden'), this browser skips
/// the second factor from then on for the office's number of days.
pub async fn verify(
    core: &Core,
    session_hash: &str,
    typed: &str,
    remember: bool,
) -> Result<(), AppError> {
    let code = codes::parse_typed(typed).map_err(AppError::Invalid)?;
    for _ in 0..ROUNDS {
        let now = core.now();
        let state = waiting_step(core, session_hash, now).await?;
        if let Some(wait) = state.throttle.locked_for(now) {
            return Err(factors::locked_error(wait));
        }
        let app = match &state.app {
            None => AppAnswer::NotBound,
            Some(bound) => {
                let secret = factors::open(&core.keys, state.user.id, &bound.sealed)?;
                AppAnswer::of(
                    &secret,
                    bound.last_step,
                    &code,
                    now,
                    clock_offset::HINT_STEPS,
                )
            }
        };
        let sms = SmsAnswer::of(
            state.sms.as_ref().map(|c| &c.state),
            state
                .sms
                .as_ref()
                .is_some_and(|c| codes::matches(&core.keys, &c.code_hash, &code)),
            now,
        );
        let outcome = match verdict(app, sms) {
            Verdict::NothingToTry(why) => {
                return Err(AppError::invalid(why.map_or(
                    "Er is nog geen code verstuurd. Kies 'Nieuwe code sturen'.",
                    |u| u.message(),
                )))
            }
            Verdict::Replayed => return Err(AppError::invalid(Unusable::Used.message())),
            Verdict::Wrong(steps) => count_wrong(core, &state, sms, steps, now).await?,
            Verdict::App(step) => {
                let clock = clock_offset::drift_notice(step, now);
                let claim = authenticators::claim_step_stmt(state.user.id, step);
                let batch = proven(&state, claim);
                finish_login(
                    core,
                    &state.session,
                    &state.user,
                    batch,
                    "app",
                    None,
                    clock,
                    now,
                )
                .await?
            }
            Verdict::Sms => {
                let sms = state.sms.as_ref().ok_or(AppError::NotLoggedIn)?;
                let consume = stored_codes::consume_stmt(sms.id, MAX_ATTEMPTS_PER_CODE, now);
                let phone = Some(sms.phone.clone());
                let batch = proven(&state, consume);
                finish_login(
                    core,
                    &state.session,
                    &state.user,
                    batch,
                    "sms",
                    phone,
                    None,
                    now,
                )
                .await?
            }
        };
        match outcome {
            Ok(()) => {
                if remember {
                    trusted_browsers::remember(core, &state.user, now).await?;
                }
                return Ok(());
            }
            Err(Lost::CounterMoved) => continue,
            Err(Lost::CodeUsed) => return Err(AppError::invalid(Unusable::Used.message())),
            Err(Lost::LoginGone) => return Err(AppError::NotLoggedIn),
        }
    }
    Err(AppError::Unavailable(
        "Er worden nu veel codes tegelijk ingevuld. Probeer het over een paar seconden opnieuw."
            .into(),
    ))
}

/// The waiting login `session_hash` as one read sees it; anything else (no
/// such session, logged in already, expired) is no waiting login.
async fn waiting_step(
    core: &Core,
    session_hash: &str,
    now: UnixTime,
) -> Result<StepState, AppError> {
    match second_step::read(&core.db, session_hash).await? {
        Some(state)
            if state.session.stage == Stage::SecondFactor
                && second_factor_state(state.session.created_at, now) != SessionState::Expired =>
        {
            Ok(state)
        }
        _ => Err(AppError::NotLoggedIn),
    }
}

/// A wrong code: the try counted (locking on the last one), the SMS code's
/// own count raised, audited; answers the message for it.
async fn count_wrong(
    core: &Core,
    state: &StepState,
    sms: SmsAnswer,
    steps: Option<i64>,
    now: UnixTime,
) -> Result<Result<(), Lost>, AppError> {
    let after = state
        .throttle
        .reserve(&lockout::CODES, now)
        .map_err(factors::locked_error)?;
    let mut batch = Batch::new();
    let counted = throttle::codes_moved(state.user.id, state.throttle, after);
    batch.must_change(counted, Lost::CounterMoved);
    if let (SmsAnswer::Wrong, Some(sms)) = (sms, &state.sms) {
        batch.then(stored_codes::count_wrong_try_stmt(sms.id));
    }
    batch.then(audit::record_stmt(
        AuditEntry::own(&state.user, "code.failed"),
        now,
    ));
    if let Err(lost) = core.db.write_batch(batch).await? {
        return Ok(Err(lost));
    }
    Err(match after.locked_for(now) {
        Some(wait) => factors::locked_error(wait),
        None => AppError::invalid(match steps {
            Some(steps) => clock_offset::far_off_message(steps),
            None if state.app.is_some() => "Deze code is onjuist. Vul de code in die je authenticator app nu laat zien, of een SMS-code.".into(),
            None => "Deze beveiligingscode is onjuist. Controleer de code in de SMS en probeer het opnieuw.".into(),
        }),
    })
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
    let login = finish_login(
        core,
        &pending.session,
        &pending.user,
        Batch::new(),
        "herstelcode",
        None,
        None,
        now,
    )
    .await?;
    // Only the waiting login itself can be gone here: a parallel request
    // ended it.
    login.map_err(|_| AppError::NotLoggedIn)?;
    factors::announce(
        core,
        &pending.user,
        pending.user.mobile.as_deref(),
        "een herstelcode gebruikt om in te loggen",
    )
    .await;
    Ok(())
}

/// The first statements of a right answer's transaction: the counter reset
/// from the state it was judged at, and `proof`, the statement that uses
/// the code, which must change its row.
fn proven(state: &StepState, proof: Stmt) -> Batch<Lost> {
    let mut batch = Batch::new();
    let reset = throttle::codes_moved(
        state.user.id,
        state.throttle,
        state.throttle.after_success(),
    );
    batch
        .must_change(reset, Lost::CounterMoved)
        .must_change(proof, Lost::CodeUsed);
    batch
}

/// Ends the waiting login and starts the logged-in session under a new id,
/// saves a number the code confirmed, and audits: appended to `batch` (what
/// the proof's conditions are), in one transaction that stands only if the
/// waiting login is still there. Sets the cookie once stored.
#[allow(clippy::too_many_arguments)]
async fn finish_login(
    core: &Core,
    session: &SessionRecord,
    user: &UserRecord,
    mut batch: Batch<Lost>,
    factor: &str,
    sms_to: Option<String>,
    notice: Option<String>,
    now: UnixTime,
) -> Result<Result<(), Lost>, AppError> {
    let pending = PendingLogin {
        session: session.clone(),
        user: user.clone(),
    };
    let (token, mut record) = session::next_for(core, &pending);
    record.notice = notice;
    batch
        .must_change(
            sessions::end_at_stage_stmt(&session.id_hash, Stage::SecondFactor),
            Lost::LoginGone,
        )
        .then(sessions::insert_stmt(&record));
    if let Some(phone) = &sms_to {
        let entry = |action| AuditEntry {
            new_value: Some(phone.as_str()),
            ..AuditEntry::own(user, action)
        };
        if session.pending_mobile.as_deref() == Some(phone.as_str()) {
            batch
                .then(users::set_mobile(user.id, phone, Confirmed::ByCode))
                .then(audit::record_stmt(entry("user.mobile"), now));
        } else if !user.mobile_confirmed && user.mobile.as_deref() == Some(phone.as_str()) {
            batch
                .then(users::confirm_mobile(user.id, phone))
                .then(audit::record_stmt(entry("user.mobile_confirmed"), now));
        }
    }
    batch.then(audit::record_stmt(
        AuditEntry {
            new_value: Some(factor),
            ..AuditEntry::own(user, "login.ok")
        },
        now,
    ));
    if let Err(lost) = core.db.write_batch(batch).await? {
        return Ok(Err(lost));
    }
    session::set_session_cookie(core, &token)?;
    Ok(Ok(()))
}
