//! The SMS senders behind `app::sms::SmsSender`: the development outbox
//! (a file, no message leaves the machine), Twilio's and CM.com's HTTP
//! APIs, and the routes their delivery reports come back to.

pub mod cm;
pub mod outbox;
pub mod reports;
pub mod twilio;

use app::sms::{SendFuture, SmsError, SmsMessage, SmsSender};

/// For commands that serve nothing (`create-office`) and so need no SMS
/// choice: any send fails.
pub struct NoSms;

impl SmsSender for NoSms {
    fn send<'a>(&'a self, _message: &'a SmsMessage) -> SendFuture<'a> {
        Box::pin(async { Err(SmsError::Unreachable("no SMS sender configured".into())) })
    }

    fn name(&self) -> &'static str {
        "none"
    }

    fn describe(&self) -> String {
        "none (this command sends no SMS)".into()
    }
}

/// The client a provider's adapter sends with: the whole request bounded
/// by the SMS timeout, the connection by at most five seconds of it.
fn http_client(timeout: std::time::Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(std::time::Duration::from_secs(5)))
        .build()
}

/// A request that got no answer: too slow, or no connection.
fn http_error(err: reqwest::Error) -> SmsError {
    if err.is_timeout() {
        SmsError::Timeout
    } else {
        SmsError::Unreachable(err.to_string())
    }
}

/// A provider's answer other than 2xx is a refusal; a short piece of its
/// explanation is kept for the log.
async fn refused_unless_success(response: reqwest::Response) -> Result<(), SmsError> {
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body = response.text().await.unwrap_or_default();
    Err(SmsError::Refused(format!(
        "HTTP {status}: {}",
        body.chars().take(200).collect::<String>()
    )))
}
