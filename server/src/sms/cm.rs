//! CM.com's Business Messaging gateway (a Dutch provider): `POST
//! {base}/v1.0/message` with the product token in `X-CM-PRODUCTTOKEN` and
//! a JSON body; our reference rides along in `reference`.
//!
//! Delivery reports are POSTed as JSON to the URL set once in CM.com's
//! portal (Channels → Gateway → status reports), not per SMS. CM.com signs
//! nothing, so that URL carries a secret of ours,
//! `/sms/status/cm/{CM_STATUS_TOKEN}`, compared in constant time; and a
//! report must name a reference we made, 128 random bits, for an SMS that
//! CM.com has.

use std::time::Duration;

use app::{
    domain::delivery::{Delivery, Reason, Report},
    sms::{SendFuture, SmsError, SmsMessage, SmsSender},
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use subtle::ConstantTimeEq;

pub const NAME: &str = "cm";

/// Where CM.com posts its reports, below the public URL, before the secret.
pub const STATUS_PATH: &str = "/sms/status/cm";

#[derive(Debug, Clone)]
pub struct CmConfig {
    pub api_base: String,
    pub product_token: SecretString,
    /// At most 11 letters or 16 digits.
    pub from: String,
    pub timeout: Duration,
}

pub struct Cm {
    config: CmConfig,
    http: reqwest::Client,
}

impl Cm {
    pub fn new(config: CmConfig) -> anyhow::Result<Cm> {
        let http = super::http_client(config.timeout)?;
        Ok(Cm { config, http })
    }

    async fn post(&self, message: &SmsMessage) -> Result<(), SmsError> {
        let url = format!(
            "{}/v1.0/message",
            self.config.api_base.trim_end_matches('/')
        );
        let token = self.config.product_token.expose_secret();
        let body = serde_json::json!({
            "messages": {
                "authentication": { "producttoken": token },
                "msg": [{
                    "from": self.config.from,
                    "to": [{ "number": cm_number(&message.to) }],
                    "body": { "type": "auto", "content": message.text },
                    "reference": message.reference,
                    "allowedChannels": ["SMS"],
                }],
            }
        });
        let response = self
            .http
            .post(url)
            .header("X-CM-PRODUCTTOKEN", token)
            .json(&body)
            .send()
            .await
            .map_err(super::http_error)?;
        if !response.status().is_success() {
            return super::refused_unless_success(response).await;
        }
        // 200 can still hold a refusal of the message itself.
        let answer: SendAnswer = response
            .json()
            .await
            .map_err(|e| SmsError::Refused(format!("an answer we cannot read: {e}")))?;
        let accepted = answer.error_code.unwrap_or(0) == 0
            && answer
                .messages
                .iter()
                .all(|m| m.status.eq_ignore_ascii_case("accepted"));
        if accepted {
            Ok(())
        } else {
            Err(SmsError::Refused(
                answer.details.chars().take(200).collect(),
            ))
        }
    }
}

#[derive(Deserialize)]
struct SendAnswer {
    #[serde(default)]
    details: String,
    #[serde(rename = "errorCode")]
    error_code: Option<i64>,
    #[serde(default)]
    messages: Vec<SentMessage>,
}

#[derive(Deserialize)]
struct SentMessage {
    #[serde(default)]
    status: String,
}

/// CM.com wants `0031612345678`: 00, then the digits of the E.164 number.
pub fn cm_number(e164: &str) -> String {
    format!("00{}", e164.trim_start_matches('+'))
}

impl SmsSender for Cm {
    fn send<'a>(&'a self, message: &'a SmsMessage) -> SendFuture<'a> {
        Box::pin(self.post(message))
    }

    fn name(&self) -> &'static str {
        NAME
    }

    fn describe(&self) -> String {
        format!("CM.com at {} as {}", self.config.api_base, self.config.from)
    }
}

/// Whether `given` (the last part of the report's path) is our secret.
pub fn secret_matches(expected: &SecretString, given: &str) -> bool {
    let expected = expected.expose_secret().as_bytes();
    !expected.is_empty() && bool::from(expected.ct_eq(given.as_bytes()))
}

/// CM.com's JSON report: `{"messages":{"msg":{…}}}`, with `msg` one
/// object or a list, and the status code a string or a number.
#[derive(Deserialize)]
struct ReportBody {
    messages: ReportMessages,
}

#[derive(Deserialize)]
struct ReportMessages {
    msg: OneOrMany,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(ReportMsg),
    Many(Vec<ReportMsg>),
}

#[derive(Deserialize)]
struct ReportMsg {
    #[serde(default)]
    reference: String,
    status: ReportStatus,
}

#[derive(Deserialize)]
struct ReportStatus {
    code: serde_json::Value,
    #[serde(rename = "errorCode", default)]
    error_code: serde_json::Value,
}

fn as_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.trim().to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// The reports in a body, in our words: `Err` when it is not CM.com's
/// JSON; a message with a status we do not know is left out.
pub fn reports(body: &[u8]) -> Result<Vec<Report>, serde_json::Error> {
    let body: ReportBody = serde_json::from_slice(body)?;
    let msgs = match body.messages.msg {
        OneOrMany::One(m) => vec![m],
        OneOrMany::Many(list) => list,
    };
    Ok(msgs
        .into_iter()
        .filter_map(|m| {
            // 0: accepted by the operator; 1: rejected; 2: delivered; 3: failed.
            let status = match as_text(&m.status.code).as_str() {
                "0" => Delivery::Sent,
                "1" => Delivery::Failed,
                "2" => Delivery::Delivered,
                "3" => Delivery::Undelivered,
                _ => return None,
            };
            let reason = status
                .did_not_arrive()
                .then(|| reason(&as_text(&m.status.error_code)));
            Some(Report {
                provider: NAME,
                reference: m.reference,
                status,
                reason,
            })
        })
        .collect())
}

/// CM.com's error codes of a report that did not arrive.
fn reason(code: &str) -> Reason {
    match code {
        "8" | "9" => Reason::UnknownNumber,
        "23" | "37" => Reason::Blocked,
        "5" => Reason::Unreachable,
        _ => Reason::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_with_00() {
        assert_eq!(cm_number("+31612345678"), "0031612345678");
    }

    #[test]
    fn a_report_reads_as_ours_in_either_shape() {
        let one = br#"{"messages":{"msg":{"received":"2026-12-02T09:01:05","to":"0031612345601",
            "reference":"abc","status":{"code":"3","errorCode":"5","errorDescription":"Message not delivered"},
            "operator":"20408"}}}"#;
        let read = reports(one).unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].reference, "abc");
        assert_eq!(read[0].status, Delivery::Undelivered);
        assert_eq!(read[0].reason, Some(Reason::Unreachable));

        let many = br#"{"messages":{"msg":[{"reference":"a","status":{"code":2}},
            {"reference":"b","status":{"code":"7"}}]}}"#;
        let read = reports(many).unwrap();
        assert_eq!(read.len(), 1, "an unknown code is left out");
        assert_eq!(
            (read[0].reference.as_str(), read[0].status, read[0].reason),
            ("a", Delivery::Delivered, None)
        );
        assert!(reports(b"MessageStatus=delivered").is_err());
    }

    #[test]
    fn only_our_secret_opens_the_report_url() {
        let secret = SecretString::from("geheim-123");
        assert!(secret_matches(&secret, "geheim-123"));
        assert!(!secret_matches(&secret, "geheim-124"));
        assert!(!secret_matches(&secret, ""));
        assert!(!secret_matches(&SecretString::from(""), ""));
    }
}
