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

use app::{core::Core, storage::sessions::Stage};

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
    // Pages carry personal data: never keep them in a shared or local cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
