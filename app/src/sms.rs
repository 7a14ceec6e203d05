//! The one interface every SMS sender implements. The server picks them at
//! start (the development outbox, or real providers in the order of
//! `--sms`, see `server::sms`); the second-factor step only ever talks to
//! this trait, and goes on to the next provider when one fails.

use std::{future::Future, pin::Pin, sync::Arc, time::Duration};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsMessage {
    /// E.164, e.g. `+31612345678`.
    pub to: String,
    pub text: String,
    /// Ours, random, unique per SMS: a provider's delivery report names it
    /// (CM.com echoes it, Twilio's status callback URL carries it).
    pub reference: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    #[error("the SMS gateway did not answer in time")]
    Timeout,
    #[error("the SMS gateway refused the message: {0}")]
    Refused(String),
    #[error("the SMS gateway could not be reached: {0}")]
    Unreachable(String),
}

/// The senders the server picked, in the order they are tried, and the
/// limits every send keeps to.
#[derive(Clone)]
pub struct SmsSettings {
    /// Never empty: the first takes every SMS while it works.
    pub senders: Vec<Arc<dyn SmsSender>>,
    /// A send that takes longer counts as failed, and the next provider
    /// gets it at once (the user is told when none is left).
    pub timeout: Duration,
    /// At most this many SMS per office per 24 hours.
    pub office_daily_cap: i64,
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SmsError>> + Send + 'a>>;

pub trait SmsSender: Send + Sync + 'static {
    fn send<'a>(&'a self, message: &'a SmsMessage) -> SendFuture<'a>;
    /// Stored with each SMS and named in metrics: `twilio`, `cm`, `outbox`.
    fn name(&self) -> &'static str;
    /// For logs and the start-up summary.
    fn describe(&self) -> String;
}

impl SmsSettings {
    /// The senders, for the start-up log: "Twilio at …, then CM.com at …".
    pub fn describe(&self) -> String {
        self.senders
            .iter()
            .map(|s| s.describe())
            .collect::<Vec<_>>()
            .join(", then ")
    }

    /// The position of the sender named `name`, if it is still configured.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.senders.iter().position(|s| s.name() == name)
    }
}

/// The development outbox's name: it sends nothing, so no report comes.
pub const OUTBOX: &str = "outbox";

/// How the Logboek names a provider.
pub fn provider_label(name: &str) -> &str {
    match name {
        "twilio" => "Twilio",
        "cm" => "CM.com",
        OUTBOX => "ontwikkel-outbox",
        other => other,
    }
}

/// The Dutch text of a login code, naming the branch the user knows.
pub fn login_code_text(branch: &str, code: &str) -> String {
    format!(
        "Je beveiligingscode voor {branch} is {code}. De code is 5 minuten geldig. Deel deze code met niemand."
    )
}

/// Told to the number an account had, after a change to how it logs in:
/// if the change was not theirs, the owner hears of it on the phone they
/// still hold. `happened` reads "is zojuist …" or "zijn zojuist …".
pub fn change_notice_text(login: &str, happened: &str) -> String {
    format!(
        "Tweestap: voor je account {login} {happened}. Was jij dit niet? Neem dan direct contact op met je administratiekantoor."
    )
}
