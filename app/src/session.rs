//! The session cookie and who is behind it: used by every server function
//! (through `require_user`) and by the server's page guard (`authenticate`).

use http::{header, HeaderMap, HeaderValue};
use leptos::prelude::use_context;

use crate::{
    core::{core, internal, Core},
    domain::{
        session_lifetime::{second_factor_state, SessionState},
        token::{looks_like_token, new_session_token, token_hash},
    },
    error::AppError,
    model::UserKind,
    storage::{
        clients,
        sessions::{self, SessionRecord, Stage},
        users::{self, UserRecord},
        StorageResult,
    },
};

pub const COOKIE_NAME: &str = "tweestap_sessie";

/// The logged-in user behind a request.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub session_hash: String,
    pub user: UserRecord,
    pub active_client_id: Option<i64>,
}

pub fn token_from_headers(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE_NAME)
        .map(|c| c.value().to_string())
        .filter(|v| looks_like_token(v))
}

pub fn session_cookie(token: &str, secure: bool) -> String {
    let mut cookie = format!("{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
}

pub fn expired_cookie(secure: bool) -> String {
    format!("{}; Max-Age=0", session_cookie("", secure))
}

/// A request's session, whatever its stage, with its user. Expired
/// sessions are deleted on the way and count as none.
pub async fn lookup(
    core: &Core,
    headers: &HeaderMap,
) -> StorageResult<Option<(SessionRecord, UserRecord)>> {
    let Some(token) = token_from_headers(headers) else {
        return Ok(None);
    };
    let hash = token_hash(&token);
    let Some(session) = sessions::find(&core.db, &hash).await? else {
        return Ok(None);
    };
    let now = core.now();
    let state = match session.stage {
        Stage::Active => {
            core.sessions
                .lifetime
                .state(session.created_at, session.last_seen_at, now)
        }
        Stage::SecondFactor => second_factor_state(session.created_at, now),
    };
    match state {
        SessionState::Expired => {
            sessions::delete(&core.db, &hash).await?;
            return Ok(None);
        }
        SessionState::LiveNeedsTouch => sessions::touch(&core.db, &hash, now).await?,
        SessionState::Live => {}
    }
    Ok(users::find(&core.db, session.user_id)
        .await?
        .map(|user| (session, user)))
}

/// The logged-in user behind a request; a login still waiting for its
/// second factor is not one.
pub async fn authenticate(core: &Core, headers: &HeaderMap) -> StorageResult<Option<AuthUser>> {
    Ok(lookup(core, headers).await?.and_then(|(session, user)| {
        (session.stage == Stage::Active).then_some(AuthUser {
            session_hash: session.id_hash,
            user,
            active_client_id: session.active_client_id,
        })
    }))
}

fn request_headers() -> HeaderMap {
    use_context::<http::request::Parts>()
        .map(|parts| parts.headers)
        .unwrap_or_default()
}

/// Every server function behind the login starts here.
pub async fn require_user() -> Result<AuthUser, AppError> {
    let core = core()?;
    authenticate(&core, &request_headers())
        .await?
        .ok_or(AppError::NotLoggedIn)
}

/// For the administration screens: beheerders only, checked on the server.
pub async fn require_beheerder() -> Result<AuthUser, AppError> {
    let auth = require_user().await?;
    if auth.user.kind == UserKind::Office && auth.user.is_beheerder {
        Ok(auth)
    } else {
        Err(AppError::Forbidden)
    }
}

/// A login that gave the right password and waits for its second factor.
#[derive(Debug, Clone)]
pub struct PendingLogin {
    pub session: SessionRecord,
    pub user: UserRecord,
}

/// The second step's server functions start here; nothing else accepts a
/// waiting login.
pub async fn require_pending() -> Result<PendingLogin, AppError> {
    let core = core()?;
    match lookup(&core, &request_headers()).await? {
        Some((session, user)) if session.stage == Stage::SecondFactor => {
            Ok(PendingLogin { session, user })
        }
        _ => Err(AppError::NotLoggedIn),
    }
}

/// Starts a session under a fresh id and sets its cookie. A session the
/// browser already had is ended first, so an id planted before login is
/// never the one that becomes logged in. Returns the new session's key.
pub async fn start(core: &Core, user: &UserRecord, stage: Stage) -> Result<String, AppError> {
    if let Some(old) = token_from_headers(&request_headers()) {
        sessions::delete(&core.db, &token_hash(&old)).await?;
    }
    let active_client_id = match user.kind {
        UserKind::Client => clients::clients_of_user(&core.db, user.id)
            .await?
            .first()
            .map(|c| c.id),
        UserKind::Office => None,
    };
    let token = new_session_token();
    let id_hash = token_hash(&token);
    let now = core.now();
    sessions::insert(
        &core.db,
        &SessionRecord {
            id_hash: id_hash.clone(),
            user_id: user.id,
            stage,
            active_client_id,
            pending_mobile: None,
            created_at: now,
            last_seen_at: now,
        },
    )
    .await?;
    set_cookie(&session_cookie(&token, core.sessions.secure_cookie))?;
    Ok(id_hash)
}

/// Ends the request's session, if any, and clears the cookie.
pub async fn end(core: &Core) -> Result<(), AppError> {
    if let Some(token) = token_from_headers(&request_headers()) {
        sessions::delete(&core.db, &token_hash(&token)).await?;
    }
    set_cookie(&expired_cookie(core.sessions.secure_cookie))
}

fn set_cookie(value: &str) -> Result<(), AppError> {
    let options = use_context::<leptos_axum::ResponseOptions>()
        .ok_or_else(|| internal("ResponseOptions missing"))?;
    let value = HeaderValue::from_str(value).map_err(internal)?;
    options.append_header(header::SET_COOKIE, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_session_cookies_are_read() {
        let token = new_session_token();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("andere=1; {COOKIE_NAME}={token}")).unwrap(),
        );
        assert_eq!(token_from_headers(&headers), Some(token));

        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("tweestap_sessie=' OR 1=1 --"),
        );
        assert_eq!(token_from_headers(&headers), None);
    }

    #[test]
    fn cookie_flags() {
        let c = session_cookie("abc", false);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && !c.contains("Secure"));
        assert!(session_cookie("abc", true).ends_with("; Secure"));
        assert!(expired_cookie(false).contains("Max-Age=0"));
    }
}
