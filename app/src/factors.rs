//! The second factors themselves, below every flow that uses them (the
//! login's second step, binding an app, the step-up): sending and using SMS
//! codes, checking app codes, and counting tries before judging them.
//! `second_factor`, `authenticator` and `step_up` depend on this module and
//! never on each other.

use crate::{
    core::{internal, Core},
    domain::{
        clock::UnixTime,
        clock_offset,
        codes::{self, MAX_ATTEMPTS_PER_CODE},
        lockout::{self, minutes_text},
        phone::MobileNumber,
        recovery,
        secret_box::Keyring,
        sms_quota::Refusal,
        totp,
    },
    error::AppError,
    mail,
    model::UserKind,
    sms::{change_notice_text, login_code_text, SmsError, SmsMessage},
    storage::{
        audit::{self, AuditEntry},
        authenticators::{self, Bound, Sealed},
        clients,
        codes::{self as stored_codes, NewCode},
        recovery as stored_recovery, sessions,
        throttle::{self, Counter},
        trusted,
        users::UserRecord,
        StorageResult,
    },
};

/// SMS codes belong to one purpose in one session; a code sent for one
/// never works for another.
#[derive(Debug, Clone, Copy)]
pub enum CodeContext<'a> {
    /// The second step of a login (the pending session's key).
    Login(&'a str),
    /// Binding an authenticator app in a logged-in session.
    Binding(&'a str),
    /// Proving the user again before a change to their factors.
    StepUp(&'a str),
    /// Confirming a new mobile number the user typed ('Mobiel nummer
    /// wijzigen').
    NumberChange(&'a str),
}

impl CodeContext<'_> {
    pub fn key(&self) -> String {
        match self {
            // Kept bare: login codes were stored under the session key alone.
            CodeContext::Login(session) => (*session).to_string(),
            CodeContext::Binding(session) => format!("binding:{session}"),
            CodeContext::StepUp(session) => format!("stepup:{session}"),
            CodeContext::NumberChange(session) => format!("mobile:{session}"),
        }
    }
}

// ---------------------------------------------------------------- tries

/// A try at a code, counted before it is judged (see `domain::lockout`).
#[must_use = "a reserved try ends as right or wrong"]
pub struct Try {
    user_id: i64,
    reserved: throttle::Reserved,
}

/// Counts a code try for `user` up front; refused while locked.
pub async fn reserve_try(core: &Core, user: &UserRecord, now: UnixTime) -> Result<Try, AppError> {
    match throttle::reserve(&core.db, &Counter::Codes(user.id), &lockout::CODES, now).await? {
        Ok(reserved) => Ok(Try {
            user_id: user.id,
            reserved,
        }),
        Err(wait) => Err(locked_error(wait)),
    }
}

impl Try {
    /// A right code: the count starts afresh.
    pub async fn right(self, core: &Core, now: UnixTime) -> StorageResult<()> {
        throttle::reset(&core.db, &Counter::Codes(self.user_id), now).await
    }

    /// A right code sent again (a double submit, a retry): no guess, so
    /// the try is taken back, and the answer says the code was used.
    pub async fn replayed(self, core: &Core, now: UnixTime) -> AppError {
        self.taken_back(
            core,
            AppError::invalid(codes::Unusable::Used.message()),
            now,
        )
        .await
    }

    /// Takes the try back and answers `answer`.
    async fn taken_back(self, core: &Core, answer: AppError, now: UnixTime) -> AppError {
        match throttle::undo(&core.db, &Counter::Codes(self.user_id), self.reserved, now).await {
            Ok(()) => answer,
            Err(err) => err.into(),
        }
    }

    /// A wrong code (already counted): audits it, and gives the lockout
    /// message instead of `wrong` when this was the last try.
    pub async fn wrong(
        self,
        core: &Core,
        user: &UserRecord,
        wrong: AppError,
        now: UnixTime,
    ) -> AppError {
        if let Err(err) = audit::record(&core.db, AuditEntry::own(user, "code.failed"), now).await {
            return err.into();
        }
        // The reservation already holds the lock it set, if it was the last.
        self.reserved
            .after
            .locked_for(now)
            .map_or(wrong, locked_error)
    }
}

/// Refuses at once while the account is locked, before anything else is
/// looked at (the reservation checks again, atomically).
pub async fn refuse_if_locked(
    core: &Core,
    user: &UserRecord,
    now: UnixTime,
) -> Result<(), AppError> {
    match locked_for(core, user.id, now).await? {
        Some(wait) => Err(locked_error(wait)),
        None => Ok(()),
    }
}

pub async fn locked_for(core: &Core, user_id: i64, now: UnixTime) -> StorageResult<Option<i64>> {
    Ok(throttle::get(&core.db, &Counter::Codes(user_id))
        .await?
        .locked_for(now))
}

pub fn locked_error(wait: i64) -> AppError {
    AppError::TooMany(format!(
        "Er is te vaak een onjuiste code ingevuld. Je kunt het {} opnieuw proberen.",
        minutes_text(wait)
    ))
}

// ---------------------------------------------------------------- SMS codes

/// Sends a fresh code for `context` to `to`, within the sending limits.
/// The text names the branch of `active_client` (client users), the same
/// branch the app's QR code names.
pub async fn send_code(
    core: &Core,
    user: &UserRecord,
    active_client: Option<i64>,
    context: CodeContext<'_>,
    to: &MobileNumber,
) -> Result<(), AppError> {
    let now = core.now();
    refuse_if_locked(core, user, now).await?;
    let code = codes::generate();
    let code_hash = codes::hash(&core.keys, &code);
    let context_key = context.key();
    let reserved = stored_codes::reserve(
        &core.db,
        &NewCode {
            user_id: user.id,
            office_id: user.office_id,
            session_hash: &context_key,
            phone: to.as_str(),
            code_hash: &code_hash,
        },
        core.sms.office_daily_cap,
        now,
    )
    .await?;
    let code_id = reserved.map_err(refusal_error)?;

    let branch = branch_of(core, user, active_client).await?;
    let message = SmsMessage {
        to: to.as_str().to_string(),
        text: login_code_text(&branch, &code),
    };
    let entry = |action| AuditEntry {
        new_value: Some(message.to.as_str()),
        ..AuditEntry::own(user, action)
    };
    match send(core, &message).await {
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

async fn send(core: &Core, message: &SmsMessage) -> Result<(), SmsError> {
    match tokio::time::timeout(core.sms.timeout, core.sms.sender.send(message)).await {
        Ok(result) => result,
        Err(_) => Err(SmsError::Timeout),
    }
}

/// The branch the SMS texts and the app name: office users their own;
/// client users the active client's (the first client when the session's
/// choice is none of theirs).
pub async fn branch_of(
    core: &Core,
    user: &UserRecord,
    active_client: Option<i64>,
) -> StorageResult<String> {
    let branch = match user.kind {
        UserKind::Office => user.branch.clone(),
        UserKind::Client => {
            let mine = clients::clients_of_user(&core.db, user.id).await?;
            let active = active_client
                .filter(|id| mine.iter().any(|c| c.id == *id))
                .or(mine.first().map(|c| c.id));
            match active {
                Some(id) => clients::branch_name(&core.db, id).await?,
                None => None,
            }
        }
    };
    Ok(branch.unwrap_or_else(|| user.office_name.clone()))
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

/// The outcome of checking a typed SMS code against the newest code of a
/// context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsCheck {
    /// Right, and now used up; the number it went to.
    Accepted(String),
    /// Right, but used before (by this request's twin).
    Replayed,
    Wrong,
    Unusable(&'static str),
    NoneSent,
}

/// Whether `context` has a code that could still be entered; checked
/// before a try is counted, so asking without any code costs no try.
pub async fn usable_code_waits(
    core: &Core,
    context: CodeContext<'_>,
    now: UnixTime,
) -> StorageResult<Result<(), SmsCheck>> {
    Ok(
        match stored_codes::latest_for_session(&core.db, &context.key()).await? {
            None => Err(SmsCheck::NoneSent),
            Some(record) => record
                .state
                .check(now)
                .map_err(|unusable| SmsCheck::Unusable(unusable.message())),
        },
    )
}

/// Checks `code` against the newest SMS code of `context` and uses it up
/// when right: exactly once, whatever runs in parallel. The caller has
/// reserved the try.
pub async fn use_sms_code(
    core: &Core,
    context: CodeContext<'_>,
    code: &str,
    now: UnixTime,
) -> StorageResult<SmsCheck> {
    let Some(record) = stored_codes::latest_for_session(&core.db, &context.key()).await? else {
        return Ok(SmsCheck::NoneSent);
    };
    let right = codes::matches(&core.keys, &record.code_hash, code);
    match record.state.check(now) {
        Err(codes::Unusable::Used) if right => return Ok(SmsCheck::Replayed),
        Err(unusable) => return Ok(SmsCheck::Unusable(unusable.message())),
        Ok(()) => {}
    }
    if !right {
        stored_codes::count_wrong_try(&core.db, record.id).await?;
        return Ok(SmsCheck::Wrong);
    }
    if !stored_codes::consume(&core.db, record.id, MAX_ATTEMPTS_PER_CODE, now).await? {
        return Ok(SmsCheck::Replayed);
    }
    Ok(SmsCheck::Accepted(record.phone))
}

// ---------------------------------------------------------------- app codes

/// Associated data for sealing: a secret only opens in its own user's row.
fn sealing_context(user_id: i64) -> Vec<u8> {
    format!("tweestap:authenticator:user:{user_id}").into_bytes()
}

/// Seals a secret so that it opens only in `user_id`'s row.
pub fn seal(keys: &Keyring, user_id: i64, secret: &[u8]) -> Sealed {
    let (key_id, secret_sealed) = keys.seal(secret, &sealing_context(user_id));
    Sealed {
        key_id,
        secret_sealed,
    }
}

pub fn open(keys: &Keyring, user_id: i64, sealed: &Sealed) -> Result<Vec<u8>, AppError> {
    keys.open(
        &sealed.key_id,
        &sealed.secret_sealed,
        &sealing_context(user_id),
    )
    .map_err(internal)
}

/// What a typed code is to the bound app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AppCheck {
    NotBound,
    /// Right, and its time step (given) was not used before (now it is).
    Right(i64),
    /// Right, but its time step was used already.
    Replayed,
    /// Wrong; the app's code of this many steps away, if it is one (a
    /// phone whose clock is off).
    Wrong(Option<i64>),
}

/// Checks a code against `bound` (the user's app, as the caller read it).
/// The caller has reserved the try.
async fn check_app_code(
    core: &Core,
    user_id: i64,
    bound: Option<&Bound>,
    code: &str,
    now: UnixTime,
) -> Result<AppCheck, AppError> {
    let Some(bound) = bound else {
        return Ok(AppCheck::NotBound);
    };
    let secret = open(&core.keys, user_id, &bound.sealed)?;
    Ok(match totp::verify(&secret, code, now) {
        Some(step) if authenticators::claim_step(&core.db, user_id, step).await? => {
            AppCheck::Right(step)
        }
        Some(_) => AppCheck::Replayed,
        None => AppCheck::Wrong(totp::steps_off(
            &secret,
            code,
            now,
            clock_offset::HINT_STEPS,
        )),
    })
}

/// What proved the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    /// The app's code of this time step.
    App(i64),
    /// An SMS code, sent to this number.
    Sms(String),
}

/// One typed code for `user`: the bound app's (`app`, as the caller read
/// it) or the newest SMS code of `context`. Without an app and without a
/// usable SMS code it says so at no cost (`none_sent` when nothing was
/// sent); otherwise the try is counted before the code is judged, a replay
/// of a right code is taken back, and a right code resets the count.
pub async fn judge_code(
    core: &Core,
    user: &UserRecord,
    app: Option<&Bound>,
    context: CodeContext<'_>,
    code: &str,
    none_sent: &'static str,
    now: UnixTime,
) -> Result<Proof, AppError> {
    if app.is_none() {
        refuse_if_locked(core, user, now).await?;
        if let Err(check) = usable_code_waits(core, context, now).await? {
            return Err(match check {
                SmsCheck::Unusable(message) => AppError::invalid(message),
                _ => AppError::invalid(none_sent),
            });
        }
    }
    let attempt = reserve_try(core, user, now).await?;
    let app_check = check_app_code(core, user.id, app, code, now).await?;
    if let AppCheck::Right(step) = app_check {
        attempt.right(core, now).await?;
        return Ok(Proof::App(step));
    }
    match use_sms_code(core, context, code, now).await? {
        SmsCheck::Accepted(phone) => {
            attempt.right(core, now).await?;
            Ok(Proof::Sms(phone))
        }
        SmsCheck::Replayed => Err(attempt.replayed(core, now).await),
        _ if app_check == AppCheck::Replayed => Err(attempt.replayed(core, now).await),
        _ => {
            let wrong = AppError::invalid(match app_check {
                AppCheck::Wrong(Some(steps)) => clock_offset::far_off_message(steps),
                _ if app.is_some() => "Deze code is onjuist. Vul de code in die je authenticator app nu laat zien, of een SMS-code.".into(),
                _ => "Deze beveiligingscode is onjuist. Controleer de code in de SMS en probeer het opnieuw.".into(),
            });
            Err(attempt.wrong(core, user, wrong, now).await)
        }
    }
}

// ---------------------------------------------------------------- recovery codes

/// One typed recovery code (already in canonical form) for `user`: the
/// try is counted before it is judged, like any code; a right, unused code
/// is used up, of parallel twins exactly once, and audited. The caller
/// tells the user's number.
pub async fn judge_recovery_code(
    core: &Core,
    user: &UserRecord,
    code: &str,
    now: UnixTime,
) -> Result<(), AppError> {
    let attempt = reserve_try(core, user, now).await?;
    let set = stored_recovery::set_of(&core.db, user.id).await?;
    let found = set
        .iter()
        .find(|c| recovery::matches(&core.keys, &c.code_hash, user.id, code));
    let Some(found) = found else {
        let wrong = AppError::invalid(
            "Deze herstelcode is onjuist. Controleer de code op je lijst met herstelcodes.",
        );
        return Err(attempt.wrong(core, user, wrong, now).await);
    };
    if found.used || !stored_recovery::consume(&core.db, found.id, now).await? {
        // Known to whoever typed it, so no guess: the try is taken back.
        let used = AppError::invalid(
            "Deze herstelcode is al gebruikt. Elke herstelcode werkt maar één keer; neem een andere van je lijst.",
        );
        return Err(attempt.taken_back(core, used, now).await);
    }
    attempt.right(core, now).await?;
    audit::record(&core.db, AuditEntry::own(user, "recovery.used"), now).await?;
    Ok(())
}

// ---------------------------------------------------------------- after a change

/// After a change to how the account logs in: the user's other sessions
/// end and no browser stays trusted, inside the change's transaction.
/// Returns how many sessions ended.
pub async fn end_other_access_on(
    tx: &mut sqlx::AnyConnection,
    user_id: i64,
    keep: Option<&str>,
) -> StorageResult<u64> {
    let ended = sessions::end_others(&mut *tx, user_id, keep).await?;
    trusted::forget_all_on(&mut *tx, user_id).await?;
    Ok(ended)
}

// ---------------------------------------------------------------- notices

/// Tells the number the account had, and the account's e-mail address,
/// about a change to how it logs in. Best effort: a failing gateway is
/// logged, and the change stands.
pub async fn announce(core: &Core, user: &UserRecord, old_number: Option<&str>, change: &str) {
    // First and whatever the number: an account without one still has its
    // address, and the mail never waits (it runs in a task of its own).
    mail::notify(core, user, change);
    let Some(to) = old_number else {
        return;
    };
    let message = SmsMessage {
        to: to.to_string(),
        text: change_notice_text(&user.login_name, change),
    };
    if let Err(err) = send(core, &message).await {
        tracing::warn!(user = %user.login_name, "change notice not sent: {err}");
    }
}
