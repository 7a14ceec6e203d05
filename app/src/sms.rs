//! The one interface every SMS sender implements. The server picks one at
//! start (the development outbox or a real provider, see `server::sms`);
//! the second-factor step only ever talks to this trait.

use std::{future::Future, pin::Pin, sync::Arc, time::Duration};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsMessage {
    /// E.164, e.g. `+31612345678`.
    pub to: String,
    pub text: String,
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

/// The sender the server picked, and the limits every send keeps to.
#[derive(Clone)]
pub struct SmsSettings {
    pub sender: Arc<dyn SmsSender>,
    /// A send that takes longer counts as failed; the user is told at once.
    pub timeout: Duration,
    /// At most this many SMS per office per 24 hours.
    pub office_daily_cap: i64,
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SmsError>> + Send + 'a>>;

pub trait SmsSender: Send + Sync + 'static {
    fn send<'a>(&'a self, message: &'a SmsMessage) -> SendFuture<'a>;
    /// For logs and the start-up summary.
    fn describe(&self) -> String;
}

/// The Dutch text of a login code, naming the branch the user knows.
pub fn login_code_text(branch: &str, code: &str) -> String {
    format!(
        "Je beveiligingscode voor {branch} is {code}. De code is 5 minuten geldig. Deel deze code met niemand."
    )
}

/// Told to the number an account had, after a change to how it logs in:
/// if the change was not theirs, the owner hears of it on the phone they
/// still hold.
pub fn change_notice_text(login: &str, change: &str) -> String {
    format!(
        "Tweestap: voor je account {login} is zojuist {change}. Was jij dit niet? Neem dan direct contact op met je administratiekantoor."
    )
}
