//! The page guard: no page behind the login renders for a request without a
//! logged-in session; a login waiting for its second factor reaches only the
//! second-step pages. Server functions are not guarded here; each checks its
//! caller itself (`app::session::require_user`), so a direct call is refused
//! just the same.

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{Html, IntoResponse, Redirect, Response},
};

use app::{core::Core, session::HostCookie, storage::sessions::Stage};
use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};

pub const LOGIN_PATH: &str = "/inloggen";

pub const CODE_PATH: &str = "/inloggen/code";
pub const MOBILE_PATH: &str = "/inloggen/mobiel";

/// The pages of a mailed link and of a forgotten password: for anyone, in
/// any stage of a login, since the link (or nothing) is all they need.
/// Their server functions check the link themselves. The paths are the
/// ones the links are built with (`LinkKind::path`), so the two cannot
/// drift apart.
fn is_open_page(path: &str) -> bool {
    use app::domain::link_token::LinkKind;
    path == app::pages::password::FORGOT_PATH
        || [LinkKind::Invitation, LinkKind::Reset, LinkKind::Address]
            .iter()
            .any(|kind| path.starts_with(kind.path()))
}

/// Where a login started from an application or a protected host goes
/// back to: kept in a short-lived cookie of its own from the login (or
/// step-up) page's `terug` on, so every way of logging in (password and
/// code, passkey, trusted browser) ends at `/`, which follows it.
const RETURN_COOKIE: HostCookie = HostCookie {
    plain: "tweestap_terug",
    secure: "__Host-tweestap_terug",
};
const RETURN_SECONDS: i64 = 15 * 60;

/// The cookie keeping `value` (percent-encoded: a cookie value has no
/// room for `;`, `,` or spaces), or clearing it.
fn return_cookie(core: &Core, value: Option<&str>) -> Option<HeaderValue> {
    let secure = core.sessions.secure_cookie;
    let cookie = match value {
        Some(to) => RETURN_COOKIE.set(
            &utf8_percent_encode(to, NON_ALPHANUMERIC).to_string(),
            RETURN_SECONDS,
            secure,
        ),
        None => RETURN_COOKIE.set("", 0, secure),
    };
    HeaderValue::from_str(&cookie).ok()
}

/// The checked return address in `raw`, if it may be followed.
fn checked_return(core: &Core, raw: &str) -> Option<String> {
    app::domain::return_to::checked(raw, &core.links.public_url, &core.links.protected)
}

/// The request's `terug`, from the query of the login or step-up page.
fn asked_return(request: &Request) -> Option<String> {
    url::form_urlencoded::parse(request.uri().query()?.as_bytes())
        .find(|(name, _)| name == "terug")
        .map(|(_, value)| value.into_owned())
}

/// The return address kept in the cookie, if any.
fn kept_return(core: &Core, request: &Request) -> Option<String> {
    let name = RETURN_COOKIE.name(core.sessions.secure_cookie);
    let raw = app::session::cookie_value(request.headers(), name)?;
    checked_return(core, &percent_decode_str(&raw).decode_utf8().ok()?)
}

pub async fn pages(State(core): State<Core>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/api/") {
        return next.run(request).await;
    }
    let stage = match app::session::lookup(&core, request.headers()).await {
        Ok(found) => found.map(|(session, _)| session.stage),
        Err(err) => {
            tracing::error!("session lookup failed: {err}");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Html("<!DOCTYPE html><html lang=\"nl\"><title>Tweestap</title><p>Het portaal is even niet beschikbaar. Probeer het over een paar minuten opnieuw.</p></html>"),
            )
                .into_response();
        }
    };
    let second_step = path == CODE_PATH || path == MOBILE_PATH;
    // The way back after the login: set on the login and step-up pages
    // (only an address that may be followed), followed and cleared at `/`.
    let return_to = if path == LOGIN_PATH || path == app::flows::oidc::CONFIRM_PAGE {
        Some(asked_return(&request).and_then(|raw| checked_return(&core, &raw)))
    } else {
        None
    };
    if path == "/" && stage == Some(Stage::Active) {
        if let Some(to) = kept_return(&core, &request) {
            let mut response = Redirect::to(&to).into_response();
            if let Some(clear) = return_cookie(&core, None) {
                response.headers_mut().append(header::SET_COOKIE, clear);
            }
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            return response;
        }
    }
    let redirect = match (stage, path) {
        (Some(Stage::Active), _) if path == LOGIN_PATH || second_step => Some("/"),
        // Starting over at the login page is always allowed.
        (_, LOGIN_PATH) => None,
        _ if is_open_page(path) => None,
        (Some(Stage::SecondFactor), _) if second_step => None,
        (Some(Stage::SecondFactor), _) => Some(CODE_PATH),
        (None, _) => Some(LOGIN_PATH),
        (Some(Stage::Active), _) => None,
    };
    let mut response = match redirect {
        Some(to) => Redirect::to(to).into_response(),
        None => next.run(request).await,
    };
    if let Some(kept) = return_to {
        if let Some(cookie) = return_cookie(&core, kept.as_deref()) {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    // Pages carry personal data: never keep them in a shared or local cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
