//! The OpenID Connect provider's HTTP side: plain axum handlers over
//! `app::flows::oidc`, which decides everything. Each answer carries what
//! the standards ask of it (no caching of tokens, `WWW-Authenticate` on a
//! 401) and nothing a visitor typed is echoed unescaped.

pub mod backchannel;

use app::{core::Core, flows::oidc, session};
use axum::{
    extract::{Query, RawForm, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::get,
    Json, Router,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::{json, Value};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(oidc::DISCOVERY_PATH, get(discovery))
        .route(oidc::JWKS_PATH, get(jwks))
        .route(
            oidc::AUTHORIZE_PATH,
            get(authorize_get).post(authorize_post),
        )
        .route(oidc::TOKEN_PATH, axum::routing::post(token))
        .route(oidc::USERINFO_PATH, get(userinfo).post(userinfo))
        .route(
            oidc::END_SESSION_PATH,
            get(end_session_get).post(end_session_post),
        )
}

/// Public and the same for everyone: any application may read it, also
/// from a browser.
fn public_json(value: Value) -> Response {
    (
        [
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        Json(value),
    )
        .into_response()
}

async fn discovery(State(core): State<Core>) -> Response {
    public_json(oidc::discovery(&core))
}

async fn jwks(State(core): State<Core>) -> Response {
    match oidc::keys::published(&core).await {
        Ok(set) => public_json(set),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

fn pairs_of(raw: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw).into_owned().collect()
}

async fn authorize_get(
    State(core): State<Core>,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    authorize(core, headers, pairs).await
}

async fn authorize_post(
    State(core): State<Core>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    authorize(core, headers, pairs_of(&body)).await
}

async fn authorize(core: Core, headers: HeaderMap, pairs: Vec<(String, String)>) -> Response {
    match oidc::authorize(&core, pairs, &headers).await {
        Ok(oidc::Authorized::Redirect(to)) => found(&to, None),
        Ok(oidc::Authorized::Page(message)) => page(StatusCode::BAD_REQUEST, &message),
        Err(_) => page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Het portaal is even niet beschikbaar. Probeer het over een paar minuten opnieuw.",
        ),
    }
}

/// A 302 (what OpenID Connect's redirects are), optionally with a cookie.
fn found(to: &str, cookie: Option<String>) -> Response {
    let Ok(location) = HeaderValue::from_str(to) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let mut response = (StatusCode::FOUND, [(header::LOCATION, location)]).into_response();
    if let Some(cookie) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Our own short page for a request that cannot go back to an application.
fn page(status: StatusCode, message: &str) -> Response {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    (
        status,
        Html(format!(
            "<!DOCTYPE html><html lang=\"nl\"><meta charset=\"utf-8\"><title>Inloggen bij een toepassing – Tweestap</title>\
             <main><h1>Inloggen bij een toepassing</h1><p>{escaped}</p><p><a href=\"/\">Naar het portaal</a></p></main></html>"
        )),
    )
        .into_response()
}

/// `Authorization: Basic` as RFC 6749 section 2.3.1 has it: both halves
/// form-encoded before base64.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let form = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .ok()
            .map(|v| v.into_owned())
    };
    Some((form(id)?, form(secret)?))
}

fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

async fn token(State(core): State<Core>, headers: HeaderMap, RawForm(body): RawForm) -> Response {
    let auth = oidc::ClientAuth {
        basic: basic_credentials(&headers),
    };
    let answer = match oidc::token(&core, auth, pairs_of(&body)).await {
        Ok(Ok(tokens)) => Json(tokens).into_response(),
        Ok(Err(refused)) => {
            let status = StatusCode::from_u16(refused.status).unwrap_or(StatusCode::BAD_REQUEST);
            let mut response = (
                status,
                Json(json!({ "error": refused.error, "error_description": refused.description })),
            )
                .into_response();
            if refused.basic && status == StatusCode::UNAUTHORIZED {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"tweestap\""),
                );
            }
            response
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "error": "temporarily_unavailable" })),
        )
            .into_response(),
    };
    no_store(answer)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

async fn userinfo(State(core): State<Core>, headers: HeaderMap) -> Response {
    let answer = match oidc::userinfo(&core, bearer(&headers)).await {
        Ok(Some(claims)) => Json(claims).into_response(),
        Ok(None) => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
        )
            .into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    no_store(answer)
}

async fn end_session_get(
    State(core): State<Core>,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    end_session(core, headers, pairs).await
}

async fn end_session_post(
    State(core): State<Core>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    end_session(core, headers, pairs_of(&body)).await
}

async fn end_session(core: Core, headers: HeaderMap, pairs: Vec<(String, String)>) -> Response {
    match oidc::end_session(&core, pairs, &headers).await {
        Ok(end) => found(
            &end.redirect,
            end.ended.then(|| session::expired_cookie(&core.sessions)),
        ),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded_halves() {
        let mut headers = HeaderMap::new();
        let encoded = STANDARD.encode("app%3A1:geh+eim%25");
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {encoded}")).unwrap(),
        );
        assert_eq!(
            basic_credentials(&headers),
            Some(("app:1".to_string(), "geh eim%".to_string()))
        );
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(basic_credentials(&headers), None);
    }
}
