//! Twilio's Programmable Messaging API: `POST {base}/2010-04-01/Accounts/
//! {sid}/Messages.json` with HTTP basic auth and form fields `To`, `From`,
//! `Body` and `StatusCallback`. The base URL is configurable so tests can
//! point it at a stub.
//!
//! Delivery reports come back to `POST /sms/status/twilio?ref=…` (the
//! callback URL we hand over with each SMS, so the reference is ours and
//! signed). Twilio signs each with `X-Twilio-Signature`: base64 of
//! HMAC-SHA1, keyed by the auth token, over the full URL followed by every
//! POST parameter's name and value, sorted by name.

use std::time::Duration;

use app::{
    domain::delivery::{Delivery, Reason, Report},
    sms::{SendFuture, SmsError, SmsMessage, SmsSender},
};
use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;

pub const NAME: &str = "twilio";

/// Where Twilio posts its reports, below the public URL.
pub const STATUS_PATH: &str = "/sms/status/twilio";

#[derive(Debug, Clone)]
pub struct TwilioConfig {
    pub api_base: String,
    pub account_sid: String,
    /// Debug prints it as `[REDACTED]`; it leaves the type only for the
    /// Authorization header and the signature check.
    pub auth_token: SecretString,
    /// A sender number in E.164 or an alphanumeric sender id.
    pub from: String,
    pub timeout: Duration,
    /// The public URL's origin: reports go to `{public}/sms/status/twilio`.
    pub public_base: String,
}

impl TwilioConfig {
    /// The callback URL for the SMS with `reference`, exactly as Twilio
    /// will sign it.
    pub fn status_callback(&self, reference: &str) -> String {
        format!(
            "{}{STATUS_PATH}?ref={reference}",
            self.public_base.trim_end_matches('/')
        )
    }
}

pub struct Twilio {
    config: TwilioConfig,
    http: reqwest::Client,
}

impl Twilio {
    pub fn new(config: TwilioConfig) -> anyhow::Result<Twilio> {
        let http = super::http_client(config.timeout)?;
        Ok(Twilio { config, http })
    }

    async fn post(&self, message: &SmsMessage) -> Result<(), SmsError> {
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.config.api_base.trim_end_matches('/'),
            self.config.account_sid
        );
        let callback = self.config.status_callback(&message.reference);
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
                ("StatusCallback", callback.as_str()),
            ])
            .send()
            .await
            .map_err(super::http_error)?;
        super::refused_unless_success(response).await
    }
}

impl SmsSender for Twilio {
    fn send<'a>(&'a self, message: &'a SmsMessage) -> SendFuture<'a> {
        Box::pin(self.post(message))
    }

    fn name(&self) -> &'static str {
        NAME
    }

    fn describe(&self) -> String {
        format!("Twilio at {} as {}", self.config.api_base, self.config.from)
    }
}

/// Twilio's signature of a request to `url` with form `params`.
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    STANDARD.encode(mac(auth_token, url, params).finalize().into_bytes())
}

fn mac(auth_token: &str, url: &str, params: &[(String, String)]) -> Hmac<Sha1> {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("any key length");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

/// Whether `given` (the `X-Twilio-Signature` header) signs this request;
/// compared in constant time.
pub fn signed(auth_token: &str, url: &str, params: &[(String, String)], given: &str) -> bool {
    let Ok(given) = STANDARD.decode(given.trim()) else {
        return false;
    };
    mac(auth_token, url, params).verify_slice(&given).is_ok()
}

/// A signed report in our words; `None` when it names no SMS of ours or
/// no status we know.
pub fn report(reference: &str, params: &[(String, String)]) -> Option<Report> {
    let field = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let status = match field("MessageStatus")? {
        "accepted" | "queued" | "scheduled" => Delivery::Accepted,
        "sending" | "sent" => Delivery::Sent,
        "delivered" | "read" => Delivery::Delivered,
        "undelivered" => Delivery::Undelivered,
        "failed" | "canceled" => Delivery::Failed,
        _ => return None,
    };
    let reason = status
        .did_not_arrive()
        .then(|| reason(field("ErrorCode").unwrap_or_default()));
    Some(Report {
        provider: NAME,
        reference: reference.to_string(),
        status,
        reason,
    })
}

/// Twilio's error codes for messages that did not arrive (30003 and on).
fn reason(code: &str) -> Reason {
    match code {
        "30003" => Reason::Unreachable,
        "30005" => Reason::UnknownNumber,
        "30006" => Reason::Landline,
        "30004" | "30007" => Reason::Blocked,
        "30001" | "30036" => Reason::Expired,
        _ => Reason::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    /// The example of Twilio's own documentation on webhook security:
    /// token, URL, parameters and the signature it gives for them.
    #[test]
    fn the_signature_matches_twilios_published_example() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let params = params(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]);
        let token = "12345";
        let sig = signature(token, url, &params);
        assert_eq!(sig, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        assert!(signed(token, url, &params, &sig));
        assert!(!signed("54321", url, &params, &sig));
        assert!(!signed(
            token,
            "https://mycompany.com/myapp.php?foo=1&bar=3",
            &params,
            &sig
        ));
        let mut changed = params.clone();
        changed[2].1 = "1235".into();
        assert!(!signed(token, url, &changed, &sig));
        assert!(!signed(token, url, &params, "niet-base64!"));
    }

    #[test]
    fn statuses_and_error_codes_read_as_ours() {
        let report = |status: &str, code: &str| {
            report(
                "r",
                &params(&[("MessageStatus", status), ("ErrorCode", code)]),
            )
            .map(|r| (r.status, r.reason))
        };
        assert_eq!(report("sent", ""), Some((Delivery::Sent, None)));
        assert_eq!(report("delivered", ""), Some((Delivery::Delivered, None)));
        assert_eq!(
            report("undelivered", "30003"),
            Some((Delivery::Undelivered, Some(Reason::Unreachable)))
        );
        assert_eq!(
            report("failed", "30008"),
            Some((Delivery::Failed, Some(Reason::Other)))
        );
        assert_eq!(report("onbekend", ""), None);
    }
}
