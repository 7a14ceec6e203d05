//! Stand-ins for the SMS providers on 127.0.0.1, for tests only: Twilio's
//! Messages API and CM.com's gateway. Each speaks real HTTP, checks the
//! credentials and fields the real service checks, can be told to fail
//! or to be slow, and reports deliveries back to the portal the way the
//! real service does: Twilio signed (HMAC-SHA1 with the auth token, over
//! the callback URL it was given), CM.com as JSON to the report URL.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    body::Bytes,
    extract::{Form, Path, State},
    http::{HeaderMap, StatusCode},
    routing::post,
    Router,
};

/// The auth token the test apps give the Twilio adapter.
pub const TWILIO_TOKEN: &str = "test-token";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    Fail,
    Slow(Duration),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub account: String,
    pub authorization: String,
    pub to: String,
    pub from: String,
    pub body: String,
    /// Twilio: the `StatusCallback` URL; CM.com: our reference.
    pub callback: String,
}

#[derive(Clone)]
pub struct GatewayStub {
    pub base: String,
    mode: Arc<Mutex<Mode>>,
    received: Arc<Mutex<Vec<Received>>>,
}

#[derive(serde::Deserialize)]
struct MessageForm {
    #[serde(rename = "To")]
    to: String,
    #[serde(rename = "From")]
    from: String,
    #[serde(rename = "Body")]
    body: String,
    #[serde(rename = "StatusCallback", default)]
    status_callback: String,
}

impl GatewayStub {
    /// Twilio's Messages API.
    pub async fn start(mode: Mode) -> GatewayStub {
        Self::serve(mode, |stub| {
            Router::new()
                .route(
                    "/2010-04-01/Accounts/{account}/Messages.json",
                    post(twilio_message),
                )
                .with_state(stub)
        })
        .await
    }

    /// CM.com's gateway.
    pub async fn start_cm(mode: Mode) -> GatewayStub {
        Self::serve(mode, |stub| {
            Router::new()
                .route("/v1.0/message", post(cm_message))
                .with_state(stub)
        })
        .await
    }

    async fn serve(mode: Mode, app: impl FnOnce(GatewayStub) -> Router) -> GatewayStub {
        let stub = GatewayStub {
            base: String::new(),
            mode: Arc::new(Mutex::new(mode)),
            received: Arc::new(Mutex::new(Vec::new())),
        };
        let app = app(stub.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        GatewayStub { base, ..stub }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    async fn wait_per_mode(&self) -> Option<StatusCode> {
        let mode = *self.mode.lock().unwrap();
        match mode {
            Mode::Fail => return Some(StatusCode::INTERNAL_SERVER_ERROR),
            Mode::Slow(delay) => tokio::time::sleep(delay).await,
            Mode::Accept => {}
        }
        None
    }
}

async fn twilio_message(
    State(stub): State<GatewayStub>,
    Path(account): Path<String>,
    headers: HeaderMap,
    Form(form): Form<MessageForm>,
) -> (StatusCode, String) {
    if let Some(status) = stub.wait_per_mode().await {
        return (status, "{\"code\":20500,\"message\":\"stub down\"}".into());
    }
    stub.received.lock().unwrap().push(Received {
        account,
        authorization: header(&headers, "authorization"),
        to: form.to,
        from: form.from,
        body: form.body,
        callback: form.status_callback,
    });
    (
        StatusCode::CREATED,
        "{\"sid\":\"SM-stub\",\"status\":\"queued\"}".into(),
    )
}

async fn cm_message(
    State(stub): State<GatewayStub>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    if let Some(status) = stub.wait_per_mode().await {
        return (
            status,
            "{\"details\":\"stub down\",\"errorCode\":500,\"messages\":[]}".into(),
        );
    }
    let token = header(&headers, "x-cm-producttoken");
    if token.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            "{\"details\":\"No account found for the given authentication\",\"errorCode\":101,\"messages\":[]}".into(),
        );
    }
    let json: serde_json::Value = serde_json::from_slice(&body).expect("CM.com gets JSON");
    let msg = &json["messages"]["msg"][0];
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let to = text(&msg["to"][0]["number"]);
    stub.received.lock().unwrap().push(Received {
        account: text(&json["messages"]["authentication"]["producttoken"]),
        authorization: token,
        to: to.clone(),
        from: text(&msg["from"]),
        body: text(&msg["body"]["content"]),
        callback: text(&msg["reference"]),
    });
    (
        StatusCode::OK,
        format!(
            "{{\"details\":\"Created 1 message(s)\",\"errorCode\":0,\"messages\":[{{\"to\":\"{to}\",\"status\":\"Accepted\",\"reference\":\"{}\",\"parts\":1,\"messageDetails\":null,\"messageErrorCode\":0}}]}}",
            text(&msg["reference"])
        ),
    )
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// A Twilio status report as Twilio sends it for `sms`: the form fields,
/// signed over the callback URL it was given. `portal` is where the
/// portal really listens (the URL Twilio was given names the public one).
pub struct TwilioReport<'a> {
    pub sms: &'a Received,
    pub status: &'a str,
    pub error_code: Option<&'a str>,
}

impl TwilioReport<'_> {
    pub fn fields(&self) -> Vec<(String, String)> {
        let mut fields = vec![
            ("AccountSid".to_string(), "AC-test".to_string()),
            ("ApiVersion".into(), "2010-04-01".into()),
            ("From".into(), self.sms.from.clone()),
            ("MessageSid".into(), "SM-stub".into()),
            ("MessageStatus".into(), self.status.into()),
            ("SmsSid".into(), "SM-stub".into()),
            ("SmsStatus".into(), self.status.into()),
            ("To".into(), self.sms.to.clone()),
        ];
        if let Some(code) = self.error_code {
            fields.push(("ErrorCode".into(), code.into()));
        }
        fields
    }

    /// `X-Twilio-Signature` for these fields under `token`.
    pub fn signature(&self, token: &str) -> String {
        server::sms::twilio::signature(token, &self.sms.callback, &self.fields())
    }

    /// Where the portal listens, with the callback's path and query.
    pub fn target(&self, portal: &str) -> String {
        let url = url::Url::parse(&self.sms.callback).expect("a callback URL");
        format!("{portal}{}?{}", url.path(), url.query().unwrap_or_default())
    }

    /// Sends it, signed with `signature` (`None`: unsigned); the status.
    /// `Host` names the public URL, as Twilio's request to it does.
    pub async fn send(&self, portal: &str, signature: Option<String>) -> u16 {
        let public = url::Url::parse(&self.sms.callback).expect("a callback URL");
        let host = format!(
            "{}:{}",
            public.host_str().unwrap_or_default(),
            public.port_or_known_default().unwrap_or(80)
        );
        let mut request = reqwest::Client::new()
            .post(self.target(portal))
            .header("host", host)
            .form(&self.fields());
        if let Some(signature) = signature {
            request = request.header("X-Twilio-Signature", signature);
        }
        request.send().await.expect("report sent").status().as_u16()
    }

    /// Sends it as Twilio would: signed with the right token.
    pub async fn send_signed(&self, portal: &str) -> u16 {
        self.send(portal, Some(self.signature(TWILIO_TOKEN))).await
    }
}

/// A CM.com status report for the SMS with `reference`, POSTed as JSON to
/// `{portal}/sms/status/cm/{secret}`.
pub async fn cm_report(
    portal: &str,
    secret: &str,
    reference: &str,
    code: &str,
    error_code: &str,
) -> u16 {
    let body = serde_json::json!({
        "messages": { "msg": {
            "received": "2027-01-15T09:01:05",
            "to": "0031612345601",
            "reference": reference,
            "status": { "code": code, "errorCode": error_code, "errorDescription": "" },
            "operator": "20408",
        }}
    });
    reqwest::Client::new()
        .post(format!("{portal}/sms/status/cm/{secret}"))
        // The public URL's host, as CM.com's request to it names.
        .header("host", "127.0.0.1:3000")
        .json(&body)
        .send()
        .await
        .expect("report sent")
        .status()
        .as_u16()
}
