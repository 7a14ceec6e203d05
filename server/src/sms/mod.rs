//! The SMS senders behind `app::sms::SmsSender`: the development outbox
//! (a file, no message leaves the machine) and Twilio's HTTP API.

pub mod outbox;
pub mod twilio;

use app::sms::{SendFuture, SmsError, SmsMessage, SmsSender};

/// For commands that serve nothing (`create-office`) and so need no SMS
/// choice: any send fails.
pub struct NoSms;

impl SmsSender for NoSms {
    fn send<'a>(&'a self, _message: &'a SmsMessage) -> SendFuture<'a> {
        Box::pin(async { Err(SmsError::Unreachable("no SMS sender configured".into())) })
    }

    fn describe(&self) -> String {
        "none (this command sends no SMS)".into()
    }
}
