//! The routes the providers' delivery reports arrive at. Each checks that
//! the provider sent it (Twilio's signature, CM.com's secret URL) before
//! anything is read from the database; then `flows::delivery` applies it.
//!
//! Answers: 200 applied; 403 not from the provider; 400 not a report; 404
//! no SMS of ours (or not this provider's); 409 not a step forward (a
//! replay); 410 about an SMS older than a day.

use std::sync::Arc;

use app::{
    core::Core,
    domain::{
        delivery::{Applied, Report},
        token::looks_like_sms_reference,
    },
    flows,
};
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, Uri},
};
use secrecy::{ExposeSecret, SecretString};

use super::{cm, twilio};

/// What the report routes check against; a provider not configured has
/// no route that answers (404).
#[derive(Debug, Clone, Default)]
pub struct ReportKeys {
    pub twilio: Option<TwilioKeys>,
    /// The secret in CM.com's report URL.
    pub cm: Option<SecretString>,
}

#[derive(Debug, Clone)]
pub struct TwilioKeys {
    pub auth_token: SecretString,
    /// The public URL's origin, as Twilio was told it (a proxy in front
    /// may change the Host the server sees; the signature is over this).
    pub public_base: String,
}

/// `POST /sms/status/twilio?ref=…`
pub async fn twilio(
    State(core): State<Core>,
    State(keys): State<Arc<ReportKeys>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let Some(keys) = &keys.twilio else {
        return StatusCode::NOT_FOUND;
    };
    let params: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let url = format!(
        "{}{}",
        keys.public_base.trim_end_matches('/'),
        uri.path_and_query().map_or(uri.path(), |p| p.as_str())
    );
    let signed = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|sig| twilio::signed(keys.auth_token.expose_secret(), &url, &params, sig));
    if !signed {
        tracing::warn!("refused a Twilio status report without a valid signature");
        app::metrics::sms_report_refused("twilio");
        return StatusCode::FORBIDDEN;
    }
    let reference = url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "ref")
        .map(|(_, value)| value.into_owned())
        .filter(|r| looks_like_sms_reference(r));
    match reference.and_then(|r| twilio::report(&r, &params)) {
        Some(report) => apply(&core, &report).await,
        None => StatusCode::BAD_REQUEST,
    }
}

/// `POST /sms/status/cm/{secret}`
pub async fn cm(
    State(core): State<Core>,
    State(keys): State<Arc<ReportKeys>>,
    Path(secret): Path<String>,
    body: Bytes,
) -> StatusCode {
    let Some(expected) = &keys.cm else {
        return StatusCode::NOT_FOUND;
    };
    if !cm::secret_matches(expected, &secret) {
        tracing::warn!("refused a CM.com status report at a URL without our secret");
        app::metrics::sms_report_refused("cm");
        return StatusCode::FORBIDDEN;
    }
    let Ok(reports) = cm::reports(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    if reports.is_empty() {
        return StatusCode::BAD_REQUEST;
    }
    // One body may hold several; the answer is the least good of them, so
    // a report that counted nowhere is never answered 200.
    let mut answer = StatusCode::OK;
    for report in &reports {
        let status = if looks_like_sms_reference(&report.reference) {
            apply(&core, report).await
        } else {
            StatusCode::NOT_FOUND
        };
        if status != StatusCode::OK {
            answer = status;
        }
    }
    answer
}

async fn apply(core: &Core, report: &Report) -> StatusCode {
    match flows::delivery::apply(core, report).await {
        Ok(Applied::Changed) => StatusCode::OK,
        Ok(Applied::Unknown) => StatusCode::NOT_FOUND,
        Ok(Applied::NotForward) => StatusCode::CONFLICT,
        Ok(Applied::Stale) => StatusCode::GONE,
        Err(err) => {
            tracing::error!("a delivery report could not be stored: {err}");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}
