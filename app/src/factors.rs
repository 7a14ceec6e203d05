//! The second factors themselves, below every flow that uses them (the
//! login's second step, binding an app, the step-up, every change):
//!
//! - what a user has ([`standing`]) and so what a login asks for and a
//!   step-up accepts (the rules: `domain::factors`);
//! - counting tries before judging them, sending and using SMS codes;
//! - proving a second factor ([`prove`]): one read, one judgement, one
//!   transaction that uses the code, for the login and the step-up alike;
//! - the one door for every change to how an account logs in
//!   ([`LoginChanges`], [`commit_login_change`]): the step-up checked, the
//!   change, the end of other sessions and trusted browsers and the audit
//!   rows in one transaction, then the old number and address told;
//! - notices that are no change ([`notify`]).
//!
//! Flows depend on this module and never on each other.

use crate::{
    core::{internal, Core},
    domain::{
        clock::UnixTime,
        clock_offset,
        code_verdict::{verdict, AppAnswer, SmsAnswer, Verdict},
        codes::{self, Unusable, MAX_ATTEMPTS_PER_CODE},
        factors::{self as rules, Factors, LoginDemand, Number, Offer},
        lockout::{self, minutes_text},
        phone::MobileNumber,
        policy::{self, PolicySubject},
        recovery,
        secret_box::Keyring,
        session_lifetime::{second_factor_state, SessionState},
        sms_quota::Refusal,
    },
    error::AppError,
    mail,
    model::{mask_phone, AuditAction, TwoFactorState, UserKind},
    session::AuthUser,
    sms::{change_notice_text, login_code_text, SmsError, SmsMessage},
    storage::{
        audit::{self, AuditEntry},
        authenticators::{self, Sealed},
        batch::{Batch, Stmt},
        clients,
        codes::{self as stored_codes, NewCode},
        recovery as stored_recovery,
        second_step::{self, StepState},
        sessions::{self, Stage},
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
    /// The session the context belongs to.
    fn session(&self) -> &str {
        match self {
            CodeContext::Login(session)
            | CodeContext::Binding(session)
            | CodeContext::StepUp(session)
            | CodeContext::NumberChange(session) => session,
        }
    }

    /// A login's second step is a waiting session; the rest are logged in.
    fn stage(&self) -> Stage {
        match self {
            CodeContext::Login(_) => Stage::SecondFactor,
            _ => Stage::Active,
        }
    }

    /// Whether the bound app's code answers: not where a code proves a
    /// number (binding, number change), which only the SMS to it can.
    fn app_answers(&self) -> bool {
        matches!(self, CodeContext::Login(_) | CodeContext::StepUp(_))
    }

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

// ---------------------------------------------------------------- what the user has

/// What the rules need of a user to know what their login asks for and
/// what proves them at a step-up (`domain::factors`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub factors: Factors,
    pub policy: PolicySubject,
}

impl Standing {
    /// Whether the policy asks this user for a second factor.
    pub fn policy_asks(&self) -> bool {
        policy::applies(&self.policy)
    }

    /// What the login asks for after the right password.
    pub fn login_demand(&self, trusted_browser: bool) -> LoginDemand {
        rules::login_demand(&self.factors, self.policy_asks(), trusted_browser)
    }

    /// What proves the user at a step-up, besides the password.
    pub fn step_up_proof(&self) -> Offer {
        rules::step_up_proof(&self.factors)
    }
}

/// The factors of `user`, from the record the caller read (the number)
/// and the bound app and unused recovery codes.
pub async fn standing(core: &Core, user: &UserRecord) -> StorageResult<Standing> {
    let app = authenticators::bound(&core.db, user.id).await?.is_some();
    let (recovery_left, _) = stored_recovery::counts(&core.db, user.id).await?;
    Ok(Standing {
        factors: Factors {
            app,
            number: match (&user.mobile, user.mobile_confirmed) {
                (None, _) => Number::None,
                (Some(_), false) => Number::Unconfirmed,
                (Some(_), true) => Number::Confirmed,
            },
            recovery_codes: recovery_left > 0,
        },
        policy: policy_subject(core, user).await?,
    })
}

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

/// A user's two-factor state, as 'Mijn gegevens' and the beheerder see it:
/// what the next login asks for (a trusted browser aside).
pub async fn state_of(core: &Core, user: &UserRecord) -> StorageResult<TwoFactorState> {
    let standing = standing(core, user).await?;
    Ok(TwoFactorState {
        applies: rules::login_asks(&standing.factors, standing.policy_asks()),
        requirement: policy::requirement(&standing.policy),
        factor: standing.login_demand(false).factor_label().to_string(),
        app_bound: standing.factors.app,
    })
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
        if let Err(err) = audit::record(
            &core.db,
            AuditEntry::own(user, AuditAction::CodeFailed),
            now,
        )
        .await
        {
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
            audit::record(&core.db, entry(AuditAction::SmsSent), now).await?;
            Ok(())
        }
        Err(err) => {
            tracing::warn!(user = %user.login_name, sender = %core.sms.sender.describe(), "SMS not sent: {err}");
            stored_codes::mark_send_failed(&core.db, code_id).await?;
            audit::record(&core.db, entry(AuditAction::SmsFailed), now).await?;
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

// ---------------------------------------------------------------- proving a second factor

/// What was typed as a second factor, in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Six digits: the app's code or an SMS code.
    Code(String),
    /// A recovery code ('herstelcode').
    Recovery(String),
}

impl Answer {
    /// One field that takes either (the step-up's): letters make it a
    /// recovery code.
    pub fn parse_either(typed: &str) -> Result<Answer, AppError> {
        if recovery::looks_like_one(typed) {
            Answer::parse_recovery(typed)
        } else {
            Answer::parse_code(typed)
        }
    }

    pub fn parse_code(typed: &str) -> Result<Answer, AppError> {
        codes::parse_typed(typed)
            .map(Answer::Code)
            .map_err(AppError::Invalid)
    }

    pub fn parse_recovery(typed: &str) -> Result<Answer, AppError> {
        recovery::parse_typed(typed)
            .map(Answer::Recovery)
            .map_err(AppError::Invalid)
    }
}

/// What proved the user, and what uses it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    /// The app's code of this time step.
    App {
        step: i64,
    },
    /// An SMS code, sent to this number.
    Sms {
        code_id: i64,
        phone: String,
    },
    Recovery {
        code_id: i64,
    },
}

impl Proof {
    /// As the audit log names the factor.
    pub fn factor(&self) -> &'static str {
        match self {
            Proof::App { .. } => "app",
            Proof::Sms { .. } => "sms",
            Proof::Recovery { .. } => "herstelcode",
        }
    }

    /// The statement that uses it up; it changes no row when a parallel
    /// request used it first.
    fn consume(&self, user_id: i64, now: UnixTime) -> Stmt {
        match self {
            Proof::App { step } => authenticators::claim_step_stmt(user_id, *step),
            Proof::Sms { code_id, .. } => {
                stored_codes::consume_stmt(*code_id, MAX_ATTEMPTS_PER_CODE, now)
            }
            Proof::Recovery { code_id } => stored_recovery::consume_stmt(*code_id, now),
        }
    }

    fn used_message(&self) -> &'static str {
        match self {
            Proof::Recovery { .. } => RECOVERY_USED,
            _ => Unusable::Used.message(),
        }
    }
}

/// The session of `context` as one read sees it, with what its answers
/// are judged against; anything else (no such session, another stage, a
/// waiting login past its time) is no session.
async fn read_state(
    core: &Core,
    context: CodeContext<'_>,
    now: UnixTime,
) -> Result<StepState, AppError> {
    let stage = context.stage();
    match second_step::read(&core.db, context.session(), &context.key()).await? {
        Some(state)
            if state.session.stage == stage
                && (stage == Stage::Active
                    || second_factor_state(state.session.created_at, now)
                        != SessionState::Expired) =>
        {
            Ok(state)
        }
        _ => Err(AppError::NotLoggedIn),
    }
}

const RECOVERY_USED: &str =
    "Deze herstelcode is al gebruikt. Elke herstelcode werkt maar één keer; neem een andere van je lijst.";

/// Why a batch that stores a proof stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lost {
    /// The code counter moved since it was read: judge again.
    CounterMoved,
    /// The step, the SMS code or the recovery code was used by a parallel
    /// request.
    CodeUsed,
    /// The session the proof was for was ended or renewed in parallel.
    Gone,
    /// A change the proof was to make no longer applies (see the caller).
    Changed,
}

/// A proof stored, with the state it was judged against and what the
/// caller's `finish` made of it.
pub struct Proven<T> {
    pub state: StepState,
    pub proof: Proof,
    pub finished: T,
}

/// How often an answer is judged again when parallel tries moved the
/// counter in between; each round re-reads, so no try is ever stored
/// against a stale count.
const ROUNDS: usize = 8;

/// Judges `answer` against what one read of `context` sees (its session,
/// the user, the bound app, the code counter, the newest SMS code sent
/// for it) and stores the outcome in one transaction: a wrong answer counted (locking
/// on the last try), or a right one used up with the counter reset and
/// whatever `finish` appends (the session's next state, a change it
/// proves). That transaction changes nothing unless the counter still
/// stands as read and the code is still unused, so of parallel right
/// answers exactly one stands, and every wrong one is counted. Without
/// an app and without any code that could be entered, it says so at no
/// cost (`none_sent` when nothing was sent).
pub async fn prove<T>(
    core: &Core,
    context: CodeContext<'_>,
    answer: &Answer,
    none_sent: &'static str,
    mut finish: impl FnMut(&StepState, &Proof, &mut Batch<Lost>, UnixTime) -> Result<T, AppError>,
) -> Result<Proven<T>, AppError> {
    for _ in 0..ROUNDS {
        let now = core.now();
        let mut state = read_state(core, context, now).await?;
        if !context.app_answers() {
            state.app = None;
        }
        if let Some(wait) = state.throttle.locked_for(now) {
            return Err(locked_error(wait));
        }
        let proof = match judge(core, &state, answer, none_sent, now).await? {
            Judged::Right(proof) => proof,
            Judged::Wrong { message, sms_wrong } => {
                match count_wrong(core, &state, sms_wrong, message, now).await? {
                    Lost::CounterMoved => continue,
                    other => return Err(lost_error(other, None)),
                }
            }
        };
        let mut batch = Batch::new();
        let reset = throttle::codes_moved(
            state.user.id,
            state.throttle,
            state.throttle.after_success(),
        );
        batch
            .must_change(reset, Lost::CounterMoved)
            .must_change(proof.consume(state.user.id, now), Lost::CodeUsed);
        if let Proof::Recovery { .. } = proof {
            batch.then(audit::record_stmt(
                AuditEntry::own(&state.user, AuditAction::RecoveryUsed),
                now,
            ));
        }
        let finished = finish(&state, &proof, &mut batch, now)?;
        match core.db.write_batch(batch).await? {
            Ok(()) => {
                return Ok(Proven {
                    state,
                    proof,
                    finished,
                })
            }
            Err(Lost::CounterMoved) => continue,
            Err(lost) => return Err(lost_error(lost, Some(&proof))),
        }
    }
    Err(AppError::Unavailable(
        "Er worden nu veel codes tegelijk ingevuld. Probeer het over een paar seconden opnieuw."
            .into(),
    ))
}

fn lost_error(lost: Lost, proof: Option<&Proof>) -> AppError {
    match lost {
        Lost::CodeUsed => {
            AppError::invalid(proof.map_or(Unusable::Used.message(), Proof::used_message))
        }
        Lost::Changed => AppError::invalid("Je account is intussen gewijzigd. Log opnieuw in."),
        Lost::Gone | Lost::CounterMoved => AppError::NotLoggedIn,
    }
}

enum Judged {
    Right(Proof),
    /// Counted as a failed try; `sms_wrong`: the SMS code's own count
    /// goes up too.
    Wrong {
        message: String,
        sms_wrong: bool,
    },
}

/// What `answer` proves against `state`, read at `now`; the errors are
/// answers that cost no try (nothing to try, a replay of a used code).
async fn judge(
    core: &Core,
    state: &StepState,
    answer: &Answer,
    none_sent: &'static str,
    now: UnixTime,
) -> Result<Judged, AppError> {
    match answer {
        Answer::Code(code) => {
            let app = match &state.app {
                None => AppAnswer::NotBound,
                Some(bound) => {
                    let secret = open(&core.keys, state.user.id, &bound.sealed)?;
                    AppAnswer::of(&secret, bound.last_step, code, now)
                }
            };
            let sent = state.sms.as_ref();
            let sms = SmsAnswer::of(
                sent.map(|c| &c.state),
                sent.is_some_and(|c| codes::matches(&core.keys, &c.code_hash, code)),
                now,
            );
            match verdict(app, sms) {
                Verdict::NothingToTry(why) => Err(AppError::invalid(
                    why.map_or(none_sent, Unusable::message),
                )),
                Verdict::Replayed => Err(AppError::invalid(Unusable::Used.message())),
                Verdict::App(step) => Ok(Judged::Right(Proof::App { step })),
                Verdict::Sms => {
                    let sent = sent.ok_or_else(|| internal("an SMS verdict without a code"))?;
                    Ok(Judged::Right(Proof::Sms {
                        code_id: sent.id,
                        phone: sent.phone.clone(),
                    }))
                }
                Verdict::Wrong(behind) => Ok(Judged::Wrong {
                    message: match (behind, state.app.is_some()) {
                        (Some(steps), _) => clock_offset::behind_message(steps),
                        (None, true) => clock_offset::wrong_app_code_message(sent.is_some(), now),
                        (None, false) => "Deze beveiligingscode is onjuist. Controleer de code in de SMS en probeer het opnieuw.".into(),
                    },
                    sms_wrong: sms == SmsAnswer::Wrong,
                }),
            }
        }
        Answer::Recovery(code) => {
            let set = stored_recovery::set_of(&core.db, state.user.id).await?;
            let found = set
                .iter()
                .find(|c| recovery::matches(&core.keys, &c.code_hash, state.user.id, code));
            match found {
                None => Ok(Judged::Wrong {
                    message: "Deze herstelcode is onjuist. Controleer de code op je lijst met herstelcodes."
                        .into(),
                    sms_wrong: false,
                }),
                // Known to whoever typed it, so no guess: no try counted.
                Some(c) if c.used => Err(AppError::invalid(RECOVERY_USED)),
                Some(c) => Ok(Judged::Right(Proof::Recovery { code_id: c.id })),
            }
        }
    }
}

/// A wrong answer: the try counted (locking on the last one), the SMS
/// code's own count raised, audited. `Lost::CounterMoved`: judge again;
/// otherwise the answer is `Err` with the message for it.
async fn count_wrong(
    core: &Core,
    state: &StepState,
    sms_wrong: bool,
    message: String,
    now: UnixTime,
) -> Result<Lost, AppError> {
    let after = state
        .throttle
        .reserve(&lockout::CODES, now)
        .map_err(locked_error)?;
    let mut batch = Batch::new();
    batch.must_change(
        throttle::codes_moved(state.user.id, state.throttle, after),
        Lost::CounterMoved,
    );
    if let (true, Some(sms)) = (sms_wrong, &state.sms) {
        batch.then(stored_codes::count_wrong_try_stmt(sms.id));
    }
    batch.then(audit::record_stmt(
        AuditEntry::own(&state.user, AuditAction::CodeFailed),
        now,
    ));
    if let Err(lost) = core.db.write_batch(batch).await? {
        return Ok(lost);
    }
    Err(match after.locked_for(now) {
        Some(wait) => locked_error(wait),
        None => AppError::Invalid(message),
    })
}

// ---------------------------------------------------------------- the one door

/// A change to how an account logs in. Each goes through [`LoginChanges`],
/// which checks the step-up, ends the account's other sessions and trusted
/// browsers, audits and tells the old number and address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginChange {
    /// A binding confirmed, with a new set of recovery codes.
    AppBound {
        replaced: bool,
        key_id: String,
    },
    AppUnbound,
    /// A beheerder removed the app (a lost phone).
    AppReset,
    Mobile {
        old: Option<String>,
        new: Option<String>,
    },
    /// A beheerder's 'Inlog met twee-factor-authenticatie' for an office user.
    TwoFactorSwitch {
        on: bool,
    },
    /// The user's own choice under 'Optioneel'.
    TwoFactorChoice {
        on: bool,
    },
    RecoveryCodes,
    Email {
        old: Option<String>,
        new: Option<String>,
    },
    /// A beheerder's 'Sessies beëindigen'.
    SessionsEnded,
}

impl LoginChange {
    /// A stronger login needs no proof: turning two-factor login on.
    fn needs_step_up(&self) -> bool {
        !matches!(self, LoginChange::TwoFactorChoice { on: true })
    }

    /// The audit rows: action, old value, new value.
    fn audit_rows(&self) -> Vec<(AuditAction, Option<String>, Option<String>)> {
        let yes_no = |on: bool| Some(if on { "Ja" } else { "Nee" }.to_string());
        match self {
            LoginChange::AppBound { replaced, key_id } => vec![
                (
                    AuditAction::AuthenticatorBound,
                    replaced.then(|| "app".to_string()),
                    Some(key_id.clone()),
                ),
                (AuditAction::RecoveryCreated, None, None),
            ],
            LoginChange::AppUnbound => vec![(AuditAction::AuthenticatorUnbound, None, None)],
            LoginChange::AppReset => vec![(AuditAction::AuthenticatorReset, None, None)],
            LoginChange::Mobile { old, new } => {
                vec![(AuditAction::UserMobile, old.clone(), new.clone())]
            }
            LoginChange::TwoFactorSwitch { on } => {
                vec![(AuditAction::UserTwoFactor, yes_no(!on), yes_no(*on))]
            }
            LoginChange::TwoFactorChoice { on } => {
                vec![(AuditAction::UserTwoFactorChoice, yes_no(!on), yes_no(*on))]
            }
            LoginChange::RecoveryCodes => vec![(AuditAction::RecoveryCreated, None, None)],
            LoginChange::Email { old, new } => {
                vec![(AuditAction::UserEmail, old.clone(), new.clone())]
            }
            LoginChange::SessionsEnded => vec![(AuditAction::SessionsEnded, None, None)],
        }
    }

    /// What the notice says happened, as in "is zojuist …" (without who).
    fn notice(&self, by_user: bool) -> String {
        match self {
            LoginChange::AppBound {
                replaced: false, ..
            } => "een authenticator app gekoppeld".into(),
            LoginChange::AppBound { replaced: true, .. } => {
                "een nieuwe authenticator app gekoppeld; de vorige werkt niet meer".into()
            }
            LoginChange::AppUnbound => "de authenticator app ontkoppeld".into(),
            LoginChange::AppReset => "de authenticator app gereset".into(),
            LoginChange::Mobile { new: None, .. } => "je mobiele nummer verwijderd".into(),
            LoginChange::Mobile {
                old: None,
                new: Some(new),
            } if by_user => {
                format!("een mobiel nummer ingesteld ({})", mask_phone(new))
            }
            LoginChange::Mobile { new: Some(new), .. } if by_user => {
                format!("je mobiele nummer gewijzigd in {}", mask_phone(new))
            }
            LoginChange::Mobile { .. } => "je mobiele nummer gewijzigd".into(),
            LoginChange::TwoFactorSwitch { on } | LoginChange::TwoFactorChoice { on } => format!(
                "de inlog met twee-factor-authenticatie {}",
                if *on { "aangezet" } else { "uitgezet" }
            ),
            LoginChange::RecoveryCodes => {
                "nieuwe herstelcodes gemaakt; de vorige werken niet meer".into()
            }
            LoginChange::Email { .. } => "je e-mailadres gewijzigd".into(),
            LoginChange::SessionsEnded => "al je sessies beëindigd".into(),
        }
    }
}

/// Who makes a change.
#[derive(Debug, Clone)]
pub enum ChangedBy<'a> {
    /// The user themselves, in a session that stepped up.
    User(&'a AuthUser),
    /// A beheerder of the user's office, in a session that stepped up.
    Beheerder(&'a AuthUser),
    /// The login's last step, whose code proved the change: `pending` is
    /// the waiting session it ends, `next` the session it starts.
    Login { pending: String, next: String },
}

impl ChangedBy<'_> {
    /// The sessions of `subject` that go on: the one making the change.
    fn keep(&self, subject: &UserRecord) -> [Option<&str>; 2] {
        match self {
            ChangedBy::User(auth) => [Some(auth.session_hash.as_str()), None],
            ChangedBy::Beheerder(auth) => [auth.own_session_if(subject.id), None],
            ChangedBy::Login { pending, next } => [Some(next.as_str()), Some(pending.as_str())],
        }
    }

    fn entry<'e>(&self, subject: &'e UserRecord, action: AuditAction) -> AuditEntry<'e>
    where
        Self: 'e,
    {
        match self {
            ChangedBy::Beheerder(auth) => AuditEntry::on_behalf(&auth.user, subject, action),
            _ => AuditEntry::own(subject, action),
        }
    }
}

/// Changes to how `subject` logs in, on their way through the one door.
/// Made by [`LoginChanges::new`], which refuses without a recent step-up;
/// [`LoginChanges::add_to`] puts the end of the other sessions and trusted
/// browsers and the audit rows into the change's own batch; once that has
/// committed, [`LoginChanges::announce`] tells the number and address the
/// account had. [`commit_login_change`] does all three for a plain change.
#[must_use = "a change is announced once it has committed"]
pub struct LoginChanges<'a> {
    by: ChangedBy<'a>,
    subject: UserRecord,
    changes: Vec<LoginChange>,
}

impl<'a> LoginChanges<'a> {
    /// `subject` as read before the change: its number and address are
    /// the ones told.
    pub fn new(
        core: &Core,
        by: ChangedBy<'a>,
        subject: UserRecord,
        changes: Vec<LoginChange>,
    ) -> Result<LoginChanges<'a>, AppError> {
        if let ChangedBy::User(auth) | ChangedBy::Beheerder(auth) = &by {
            if changes.iter().any(LoginChange::needs_step_up) {
                crate::session::require_step_up(core, auth)?;
            }
        }
        if let ChangedBy::Beheerder(auth) = &by {
            let theirs = auth.user.kind == UserKind::Office
                && auth.user.is_beheerder
                && auth.user.office_id == subject.office_id;
            if !theirs {
                return Err(AppError::Forbidden);
            }
        }
        Ok(LoginChanges {
            by,
            subject,
            changes,
        })
    }

    pub fn add_to<C: Copy>(&self, batch: &mut Batch<C>, now: UnixTime) {
        let user_id = self.subject.id;
        batch
            .then(sessions::end_others_stmt(
                user_id,
                self.by.keep(&self.subject),
            ))
            .then(trusted::forget_all_stmt(user_id));
        for change in &self.changes {
            for (action, old, new) in change.audit_rows() {
                let entry = AuditEntry {
                    old_value: old.as_deref(),
                    new_value: new.as_deref(),
                    ..self.by.entry(&self.subject, action)
                };
                batch.then(audit::record_stmt(entry, now));
            }
        }
    }

    /// After commit: the number and the address the account had hear of
    /// it. Best effort: a failing gateway is logged, and the change stands.
    pub async fn announce(self, core: &Core) {
        let by_user = !matches!(self.by, ChangedBy::Beheerder(_));
        let mut what: Vec<String> = self.changes.iter().map(|c| c.notice(by_user)).collect();
        what.dedup();
        let mut text = what.join(" en ");
        if !by_user {
            text.push_str(" door je administratiekantoor");
        }
        tell(core, &self.subject, &text, true).await;
    }
}

/// One change through the door: `batch` holds the change's own writes
/// (its conditions answer `Ok(Err(why))`, and then nothing is kept).
pub async fn commit_login_change<C: Copy + Send + 'static>(
    core: &Core,
    by: ChangedBy<'_>,
    subject: &UserRecord,
    changes: Vec<LoginChange>,
    mut batch: Batch<C>,
) -> Result<Result<(), C>, AppError> {
    let changes = LoginChanges::new(core, by, subject.clone(), changes)?;
    changes.add_to(&mut batch, core.now());
    if let Err(why) = core.db.write_batch(batch).await? {
        return Ok(Err(why));
    }
    changes.announce(core).await;
    Ok(Ok(()))
}

// ---------------------------------------------------------------- notices

/// Something to tell a user that is no change to how they log in (those
/// are told by the door).
#[derive(Debug, Clone, Copy)]
pub enum Notice<'a> {
    /// A recovery code was used: to log in, or to confirm a change.
    RecoveryCodeUsed { to_log_in: bool },
    /// This browser skips the second factor for `days` days (by mail only).
    BrowserRemembered { description: &'a str, days: i64 },
}

pub async fn notify(core: &Core, user: &UserRecord, notice: Notice<'_>) {
    match notice {
        Notice::RecoveryCodeUsed { to_log_in } => {
            let text = if to_log_in {
                "een herstelcode gebruikt om in te loggen"
            } else {
                "een herstelcode gebruikt om een wijziging te bevestigen"
            };
            tell(core, user, text, true).await;
        }
        Notice::BrowserRemembered { description, days } => {
            let text = format!(
                "een apparaat onthouden ({description}): daar wordt {days} dagen alleen je wachtwoord gevraagd"
            );
            tell(core, user, &text, false).await;
        }
    }
}

/// Mails `user`'s address and, with `sms`, texts their number: `what`
/// happened to their account. The mail never waits (a task of its own).
async fn tell(core: &Core, user: &UserRecord, what: &str, sms: bool) {
    mail::notify(core, user, what);
    let Some(to) = user.mobile.as_deref().filter(|_| sms) else {
        return;
    };
    let message = SmsMessage {
        to: to.to_string(),
        text: change_notice_text(&user.login_name, what),
    };
    if let Err(err) = send(core, &message).await {
        tracing::warn!(user = %user.login_name, "change notice not sent: {err}");
    }
}
