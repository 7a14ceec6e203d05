//! `GET /auth/verify`: a reverse proxy's question whether a request may
//! pass (nginx `auth_request`, Traefik `forwardAuth`, Caddy
//! `forward_auth`). The decision is `app::flows::oidc::verify_forward`;
//! this reads the original address and writes the answer each proxy
//! understands. The way to the login is built from the public URL, never
//! from the forwarded headers.

use app::{core::Core, flows::oidc};
use axum::{
    extract::State,
    http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use url::form_urlencoded;

pub const PATH: &str = "/auth/verify";

/// The address the visitor asked the proxy for. Traefik and Caddy send it
/// in parts, with `X-Forwarded-Method`, and pass the visitor's own headers
/// along: there an `X-Original-URL` could be the visitor's, naming a host
/// with a weaker rule, so it is read only from nginx, which sets it.
fn original_url(headers: &HeaderMap) -> Option<url::Url> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let whole = if headers.contains_key("x-forwarded-method") {
        format!(
            "{}://{}{}",
            text("x-forwarded-proto")?,
            text("x-forwarded-host")?,
            text("x-forwarded-uri").unwrap_or("/")
        )
    } else {
        text("x-original-url")?.to_string()
    };
    url::Url::parse(&whole)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
}

pub async fn verify(State(core): State<Core>, headers: HeaderMap) -> Response {
    let answer = match original_url(&headers) {
        None => StatusCode::FORBIDDEN.into_response(),
        Some(original) => match oidc::verify_forward(&core, &headers, &original).await {
            Ok(oidc::Verdict::Pass { user, groups }) => {
                let mut response = StatusCode::OK.into_response();
                for (name, value) in [
                    ("remote-user", user.login_name.as_str()),
                    ("remote-name", user.display_name.as_str()),
                    ("remote-email", user.email.as_deref().unwrap_or("")),
                    ("remote-groups", &groups.join(",")),
                ] {
                    if let Ok(value) = HeaderValue::from_bytes(value.as_bytes()) {
                        response
                            .headers_mut()
                            .insert(HeaderName::from_static(name), value);
                    }
                }
                response
            }
            Ok(oidc::Verdict::NotProtected) => StatusCode::FORBIDDEN.into_response(),
            Ok(verdict) => {
                let page = match verdict {
                    oidc::Verdict::StepUp => oidc::CONFIRM_PAGE,
                    _ => oidc::LOGIN_PAGE,
                };
                let query = form_urlencoded::Serializer::new(String::new())
                    .append_pair("terug", original.as_str())
                    .finish();
                let to = format!("{}{page}?{query}", core.links.public_url);
                // nginx passes on only 401 and 403 from its check; the
                // others follow a redirect.
                let status = if headers.contains_key("x-forwarded-method") {
                    StatusCode::FOUND
                } else {
                    StatusCode::UNAUTHORIZED
                };
                match HeaderValue::from_str(&to) {
                    Ok(location) => (status, [(header::LOCATION, location)]).into_response(),
                    Err(_) => StatusCode::FORBIDDEN.into_response(),
                }
            }
            Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        },
    };
    let mut answer = answer;
    answer
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    answer
}
