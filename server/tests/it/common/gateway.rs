//! A stand-in for Twilio's Messages API on 127.0.0.1, for tests only. It
//! speaks real HTTP, checks basic auth and the form fields, and can be
//! told to fail or to be slow.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    extract::{Form, Path, State},
    http::{HeaderMap, StatusCode},
    routing::post,
    Router,
};

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
}

impl GatewayStub {
    pub async fn start(mode: Mode) -> GatewayStub {
        let stub = GatewayStub {
            base: String::new(),
            mode: Arc::new(Mutex::new(mode)),
            received: Arc::new(Mutex::new(Vec::new())),
        };
        let app = Router::new()
            .route(
                "/2010-04-01/Accounts/{account}/Messages.json",
                post(message),
            )
            .with_state(stub.clone());
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
}

async fn message(
    State(stub): State<GatewayStub>,
    Path(account): Path<String>,
    headers: HeaderMap,
    Form(form): Form<MessageForm>,
) -> (StatusCode, String) {
    let mode = *stub.mode.lock().unwrap();
    match mode {
        Mode::Fail => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "{\"code\":20500,\"message\":\"stub down\"}".into(),
            )
        }
        Mode::Slow(delay) => tokio::time::sleep(delay).await,
        Mode::Accept => {}
    }
    stub.received.lock().unwrap().push(Received {
        account,
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
        to: form.to,
        from: form.from,
        body: form.body,
    });
    (
        StatusCode::CREATED,
        "{\"sid\":\"SM-stub\",\"status\":\"queued\"}".into(),
    )
}
