//! Twilio's Programmable Messaging API: `POST {base}/2010-04-01/Accounts/
//! {sid}/Messages.json` with HTTP basic auth and form fields `To`, `From`,
//! `Body`. The base URL is configurable so tests can point it at a stub.

use std::time::Duration;

use app::sms::{SendFuture, SmsError, SmsMessage, SmsSender};
use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, Clone)]
pub struct TwilioConfig {
    pub api_base: String,
    pub account_sid: String,
    /// Debug prints it as `[REDACTED]`; it leaves the type only for the
    /// Authorization header.
    pub auth_token: SecretString,
    /// A sender number in E.164 or an alphanumeric sender id.
    pub from: String,
    pub timeout: Duration,
}

pub struct Twilio {
    config: TwilioConfig,
    http: reqwest::Client,
}

impl Twilio {
    pub fn new(config: TwilioConfig) -> anyhow::Result<Twilio> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .build()?;
        Ok(Twilio { config, http })
    }

    async fn post(&self, message: &SmsMessage) -> Result<(), SmsError> {
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.config.api_base.trim_end_matches('/'),
            self.config.account_sid
        );
        let response = self
            .http
            .post(url)
            .basic_auth(
                &self.config.account_sid,
                Some(self.config.auth_token.expose_secret()),
            )
            .form(&[
                ("To", message.to.as_str()),
                ("From", self.config.from.as_str()),
                ("Body", message.text.as_str()),
            ])
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    SmsError::Timeout
                } else {
                    SmsError::Unreachable(e.to_string())
                }
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        // Twilio explains refusals in a small JSON body; keep a short piece of
        // it for the log.
        let body = response.text().await.unwrap_or_default();
        Err(SmsError::Refused(format!(
            "HTTP {status}: {}",
            body.chars().take(200).collect::<String>()
        )))
    }
}

impl SmsSender for Twilio {
    fn send<'a>(&'a self, message: &'a SmsMessage) -> SendFuture<'a> {
        Box::pin(self.post(message))
    }

    fn describe(&self) -> String {
        format!("Twilio at {} as {}", self.config.api_base, self.config.from)
    }
}
