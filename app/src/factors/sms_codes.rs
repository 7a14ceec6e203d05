//! SMS codes: the purpose each belongs to, sending one within the limits,
//! and checking a typed one and using it up exactly once.

use super::tries::refuse_if_locked;
use crate::{
    core::Core,
    domain::{
        clock::UnixTime,
        codes::{self, MAX_ATTEMPTS_PER_CODE},
        delivery::{self, Delivery, Reason},
        phone::MobileNumber,
        sms_quota::Refusal,
        token::new_sms_reference,
    },
    error::AppError,
    metrics,
    model::{minutes_text, AuditAction, UserKind},
    sms::{login_code_text, SmsError, SmsMessage},
    storage::{
        audit::{self, AuditEntry},
        clients,
        codes::{self as stored_codes, NewCode},
        sessions::Stage,
        sms_messages::{self, NewSms},
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
    pub(super) fn session(&self) -> &str {
        match self {
            CodeContext::Login(session)
            | CodeContext::Binding(session)
            | CodeContext::StepUp(session)
            | CodeContext::NumberChange(session) => session,
        }
    }

    /// A login's second step is a waiting session; the rest are logged in.
    pub(super) fn stage(&self) -> Stage {
        match self {
            CodeContext::Login(_) => Stage::SecondFactor,
            _ => Stage::Active,
        }
    }

    /// Whether the bound app's code answers: not where a code proves a
    /// number (binding, number change), which only the SMS to it can.
    pub(super) fn app_answers(&self) -> bool {
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
    let text = login_code_text(&branch, &code);
    let entry = |action| AuditEntry {
        new_value: Some(to.as_str()),
        ..AuditEntry::own(user, action)
    };
    match send(core, user, Some(&context_key), to.as_str(), text).await? {
        Ok(()) => {
            audit::record(&core.db, entry(AuditAction::SmsSent), now).await?;
            Ok(())
        }
        Err(err) => {
            tracing::warn!(user = %user.login_name, via = %core.sms.describe(), "SMS not sent: {err}");
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

/// One SMS to `to`, through the first provider that takes it. It is
/// recorded under a fresh reference before it goes, so a delivery report
/// that arrives before the provider's answer still finds it. A provider
/// that refuses or does not answer in time hands it to the next one at
/// once; after a report that the last SMS of `context_key` did not arrive,
/// the next SMS starts with the provider after that one. `Ok(Err(_))`:
/// no provider took it.
pub(super) async fn send(
    core: &Core,
    user: &UserRecord,
    context_key: Option<&str>,
    to: &str,
    text: String,
) -> StorageResult<Result<(), SmsError>> {
    let senders = &core.sms.senders;
    // Which provider goes first matters only when there is a choice.
    let last = match context_key {
        Some(key) if senders.len() > 1 => sms_messages::latest_for_context(&core.db, key).await?,
        _ => None,
    };
    let first = delivery::first_provider(
        senders.len(),
        last.and_then(|sms| Some((core.sms.position(&sms.provider)?, sms.status))),
    );
    let message = SmsMessage {
        to: to.to_string(),
        text,
        reference: new_sms_reference(),
    };
    let order = senders.iter().cycle().skip(first).take(senders.len());
    let mut failure = SmsError::Unreachable("no SMS provider configured".into());
    for (attempt, sender) in order.enumerate() {
        let now = core.now();
        if attempt == 0 {
            let new = NewSms {
                user_id: user.id,
                office_id: user.office_id,
                context_key,
                phone: to,
                reference: &message.reference,
                provider: sender.name(),
            };
            sms_messages::insert(&core.db, &new, now).await?;
        } else {
            sms_messages::hand_to(&core.db, &message.reference, sender.name(), now).await?;
        }
        let outcome = match tokio::time::timeout(core.sms.timeout, sender.send(&message)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(SmsError::Timeout),
        };
        match outcome {
            Ok(()) => {
                metrics::sms_sent(sender.name(), attempt > 0);
                // A report may have moved it on already; then this changes nothing.
                sms_messages::advance(
                    &core.db,
                    &message.reference,
                    Delivery::Sending,
                    Delivery::Accepted,
                    None,
                    core.now(),
                )
                .await?;
                return Ok(Ok(()));
            }
            Err(err) => {
                metrics::sms_refused(sender.name());
                tracing::warn!(
                    user = %user.login_name,
                    provider = sender.name(),
                    "SMS provider did not take the SMS{}: {err}",
                    if attempt + 1 < senders.len() { ", trying the next" } else { "" }
                );
                failure = err;
            }
        }
    }
    sms_messages::advance(
        &core.db,
        &message.reference,
        Delivery::Sending,
        Delivery::Failed,
        Some(Reason::Other),
        core.now(),
    )
    .await?;
    Ok(Err(failure))
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
