//! Proving a second factor: one read, one judgement, one transaction that
//! uses the code, for the login and the step-up alike ([`prove`]).

use super::{
    app_codes::open,
    passkeys::{judge_assertion, Assertion, PasskeyAnswer, PasskeyUse, WRONG_PASSKEY},
    sms_codes::CodeContext,
    tries::{locked_by_this_try, locked_error},
};
use crate::{
    core::{internal, Core},
    domain::{
        clock::UnixTime,
        clock_offset,
        code_verdict::{verdict, AppAnswer, SmsAnswer, Verdict},
        codes::{self, Unusable, MAX_ATTEMPTS_PER_CODE},
        lockout,
        login_method::LoginMethod,
        recovery,
        session_lifetime::{second_factor_state, SessionState},
    },
    error::AppError,
    metrics,
    model::AuditAction,
    storage::{
        audit::{self, AuditEntry},
        authenticators,
        batch::{Batch, Stmt},
        codes as stored_codes, passkeys as stored_passkeys, recovery as stored_recovery,
        second_step::{self, StepState},
        sessions::Stage,
        throttle,
    },
};

/// What was typed as a second factor, in canonical form.
#[derive(Debug, Clone)]
pub enum Answer {
    /// Six digits: the app's code or an SMS code.
    Code(String),
    /// A recovery code ('herstelcode').
    Recovery(String),
    /// A passkey's assertion.
    Passkey(PasskeyAnswer),
}

impl Answer {
    /// The factor, as the metrics name it (a wrong six-digit code counts
    /// as "code": whether app or SMS is known only once it is right).
    fn factor(&self) -> &'static str {
        match self {
            Answer::Code(_) => "code",
            Answer::Recovery(_) => "herstelcode",
            Answer::Passkey(_) => "passkey",
        }
    }

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
    Passkey(PasskeyUse),
}

impl Proof {
    /// How a login this proof ends proved its user (`passwordless`: the
    /// passkey stood in for the password too).
    pub fn login_method(&self, passwordless: bool) -> LoginMethod {
        match self {
            Proof::App { .. } => LoginMethod::PasswordApp,
            Proof::Sms { .. } => LoginMethod::PasswordSms,
            Proof::Recovery { .. } => LoginMethod::PasswordRecovery,
            Proof::Passkey(_) if passwordless => LoginMethod::Passkey,
            Proof::Passkey(_) => LoginMethod::PasswordPasskey,
        }
    }

    /// As the audit log and the metrics name the factor.
    pub fn factor(&self) -> &'static str {
        match self {
            Proof::App { .. } => "app",
            Proof::Sms { .. } => "sms",
            Proof::Recovery { .. } => "herstelcode",
            Proof::Passkey(_) => "passkey",
        }
    }

    /// The statements that use it up; each changes no row when a parallel
    /// request used it first (a passkey: its ceremony, and its counter as
    /// it was read).
    fn consume(&self, user_id: i64, now: UnixTime) -> Vec<Stmt> {
        match self {
            Proof::App { step } => vec![authenticators::claim_step_stmt(user_id, *step)],
            Proof::Sms { code_id, .. } => vec![stored_codes::consume_stmt(
                *code_id,
                MAX_ATTEMPTS_PER_CODE,
                now,
            )],
            Proof::Recovery { code_id } => vec![stored_recovery::consume_stmt(*code_id, now)],
            Proof::Passkey(used) => vec![
                stored_passkeys::use_stmt(&used.ceremony),
                stored_passkeys::used_stmt(
                    used.passkey_id,
                    used.counter_read,
                    &used.passkey,
                    used.counter,
                    used.backup_state,
                    now,
                ),
            ],
        }
    }

    fn used_message(&self) -> &'static str {
        match self {
            Proof::Recovery { .. } => RECOVERY_USED,
            Proof::Passkey(_) => "Deze passkey-aanvraag is al gebruikt. Probeer het opnieuw.",
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
    answer: &Answer,
    now: UnixTime,
) -> Result<StepState, AppError> {
    let stage = context.stage();
    let passkey = match answer {
        Answer::Passkey(passkey) => Some(passkey.lookup(context.session())),
        _ => None,
    };
    match second_step::read(
        &core.db,
        context.session(),
        &context.key(),
        passkey.as_ref(),
    )
    .await?
    {
        Some(state) if state.user.blocked => Err(AppError::Blocked),
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
        let mut state = read_state(core, context, answer, now).await?;
        if !context.app_answers() {
            state.app = None;
            if let Answer::Passkey(_) = answer {
                return Err(AppError::invalid(
                    "Hier telt alleen de SMS-code die naar het nummer is gestuurd.",
                ));
            }
        }
        if let Some(wait) = state.throttle.locked_for(now) {
            return Err(locked_error(wait));
        }
        let proof = match judge(core, &state, answer, none_sent, now).await? {
            Judged::Right(proof) => proof,
            Judged::Wrong {
                message,
                sms_wrong,
                cloned,
            } => {
                let counted = count_wrong(core, &state, sms_wrong, cloned, message, now).await;
                if !matches!(counted, Ok(Lost::CounterMoved)) {
                    metrics::second_step(answer.factor(), false);
                }
                match counted? {
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
        batch.must_change(reset, Lost::CounterMoved);
        for stmt in proof.consume(state.user.id, now) {
            batch.must_change(stmt, Lost::CodeUsed);
        }
        if let Proof::Recovery { .. } = proof {
            batch.then(audit::record_stmt(
                AuditEntry::own(&state.user, AuditAction::RecoveryUsed),
                now,
            ));
        }
        let finished = finish(&state, &proof, &mut batch, now)?;
        match core.db.write_batch(batch).await? {
            Ok(()) => {
                metrics::second_step(proof.factor(), true);
                return Ok(Proven {
                    state,
                    proof,
                    finished,
                });
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
    /// goes up too; `cloned`: a passkey's counter went backwards (audited).
    Wrong {
        message: String,
        sms_wrong: bool,
        cloned: bool,
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
                    cloned: false,
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
                    cloned: false,
                }),
                // Known to whoever typed it, so no guess: no try counted.
                Some(c) if c.used => Err(AppError::invalid(RECOVERY_USED)),
                Some(c) => Ok(Judged::Right(Proof::Recovery { code_id: c.id })),
            }
        }
        Answer::Passkey(passkey) => {
            let facts = state
                .passkey
                .as_ref()
                .ok_or_else(|| internal("a passkey's answer read without its facts"))?;
            match judge_assertion(core, &state.user, facts, passkey, now)? {
                Assertion::Right(used) => Ok(Judged::Right(Proof::Passkey(used))),
                Assertion::Wrong { cloned } => Ok(Judged::Wrong {
                    message: WRONG_PASSKEY.into(),
                    sms_wrong: false,
                    cloned,
                }),
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
    cloned: bool,
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
    if cloned {
        batch.then(audit::record_stmt(
            AuditEntry::own(&state.user, AuditAction::PasskeyCounterBackwards),
            now,
        ));
    }
    if let Err(lost) = core.db.write_batch(batch).await? {
        return Ok(lost);
    }
    Err(match after.locked_for(now) {
        Some(wait) => locked_by_this_try(wait),
        None => AppError::Invalid(message),
    })
}
