//! The page guard: no page behind the login renders for a request without a
//! live session. Server functions are not guarded here; each checks its
//! caller itself (`app::session::require_user`), so a direct call is refused
//! just the same.

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{Html, IntoResponse, Redirect, Response},
};

use crate::state::AppState;

pub const LOGIN_PATH: &str = "/inloggen";

pub async fn pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/api/") {
        return next.run(request).await;
    }
    let is_login_page = path == LOGIN_PATH;
    let session = match app::session::authenticate(&state.core, request.headers()).await {
        Ok(session) => session,
        Err(err) => {
            tracing::error!("session lookup failed: {err}");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Html("<!DOCTYPE html><html lang=\"nl\"><title>Tweestap</title><p>Het portaal is even niet beschikbaar. Probeer het over een paar minuten opnieuw.</p></html>"),
            )
                .into_response();
        }
    };
    let mut response = match (is_login_page, session.is_some()) {
        (true, true) => Redirect::to("/").into_response(),
        (false, false) => Redirect::to(LOGIN_PATH).into_response(),
        _ => next.run(request).await,
    };
    // Pages carry personal data: never keep them in a shared or local cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
