//! The session cookie and who is behind it: used by every server function
//! (through `require_user`) and by the server's page guard (`authenticate`).

use http::{header, HeaderMap, HeaderValue};
use leptos::prelude::use_context;

use crate::{
    core::{core, internal, Core, SessionSettings},
    domain::{
        login_method::LoginMethod,
        session_lifetime::{second_factor_state, SessionState},
        step_up,
        token::{looks_like_token, new_opaque_id, new_session_token, token_hash},
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
/// Under https the cookie carries the `__Host-` prefix: the browser then
/// accepts it only when Secure, for this host alone, on path `/`, so no
/// sibling subdomain can plant or overwrite it.
pub const SECURE_COOKIE_NAME: &str = "__Host-tweestap_sessie";
/// Under https with `--cookie-domain`: the cookie reaches the protected
/// applications' hosts (`/auth/verify`), so it cannot be `__Host-`; the
/// `__Secure-` prefix still makes the browser refuse it over http.
pub const SHARED_SECURE_COOKIE_NAME: &str = "__Secure-tweestap_sessie";

pub fn cookie_name(settings: &SessionSettings) -> &'static str {
    match (settings.secure_cookie, &settings.cookie_domain) {
        (true, None) => SECURE_COOKIE_NAME,
        (true, Some(_)) => SHARED_SECURE_COOKIE_NAME,
        (false, _) => COOKIE_NAME,
    }
}

/// The logged-in user behind a request.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub session_hash: String,
    pub user: UserRecord,
    pub active_client_id: Option<i64>,
    /// When this session last proved its user again (`step_up`).
    pub stepped_up_at: Option<i64>,
    /// When the login behind this session was completed; the absolute
    /// limit counts from here, through every step-up.
    pub logged_in_at: i64,
    /// A message to show once (see `SessionRecord::notice`).
    pub notice: Option<String>,
    /// How the login behind this session proved its user (`None`: a
    /// session from before this was kept).
    pub login_method: Option<LoginMethod>,
    /// The login's stable name towards applications (OIDC `sid`).
    pub sid: String,
}

impl AuthUser {
    /// The session to keep when this user ends `user_id`'s sessions: their
    /// own current one, when it is their own account.
    pub fn own_session_if(&self, user_id: i64) -> Option<&str> {
        (self.user.id == user_id).then_some(self.session_hash.as_str())
    }
}

/// A cookie of this host alone, beside the session's: under https it
/// carries the `__Host-` prefix (Secure, this host, path `/`), so no
/// sibling subdomain can plant or overwrite it.
pub struct HostCookie {
    pub plain: &'static str,
    pub secure: &'static str,
}

impl HostCookie {
    pub fn name(&self, secure: bool) -> &'static str {
        if secure {
            self.secure
        } else {
            self.plain
        }
    }

    /// Its `Set-Cookie` value: `value` kept `max_age` seconds (0: gone).
    pub fn set(&self, value: &str, max_age: i64, secure: bool) -> String {
        let mut cookie = format!(
            "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}",
            self.name(secure)
        );
        if secure {
            cookie.push_str("; Secure");
        }
        cookie
    }
}

pub fn token_from_headers(headers: &HeaderMap, settings: &SessionSettings) -> Option<String> {
    cookie_token(headers, cookie_name(settings))
}

/// A well-formed token in the cookie `name`, if the request has one.
pub fn cookie_token(headers: &HeaderMap, name: &str) -> Option<String> {
    cookie_value(headers, name).filter(|v| looks_like_token(v))
}

/// The cookie `name`'s value as sent, if the request has one.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

pub fn session_cookie(token: &str, settings: &SessionSettings) -> String {
    let name = cookie_name(settings);
    let mut cookie = format!("{name}={token}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(domain) = &settings.cookie_domain {
        cookie.push_str("; Domain=");
        cookie.push_str(domain);
    }
    if settings.secure_cookie {
        cookie.push_str("; Secure");
    }
    cookie
}

pub fn expired_cookie(settings: &SessionSettings) -> String {
    format!("{}; Max-Age=0", session_cookie("", settings))
}

/// The key of the request's session cookie, if it carries one; whether
/// there is such a session is for the caller's read to find out.
pub fn request_session_hash(core: &Core) -> Option<String> {
    token_from_headers(&request_headers(), &core.sessions).map(|t| token_hash(&t))
}

/// A request's session, whatever its stage, with its user. Expired
/// sessions are deleted on the way and count as none.
pub async fn lookup(
    core: &Core,
    headers: &HeaderMap,
) -> StorageResult<Option<(SessionRecord, UserRecord)>> {
    let Some(token) = token_from_headers(headers, &core.sessions) else {
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
                .state(session.logged_in_at, session.last_seen_at, now)
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
    match users::find(&core.db, session.user_id).await? {
        // A login that raced a block: the block ended the sessions it saw.
        Some(user) if user.blocked => {
            sessions::delete(&core.db, &hash).await?;
            Ok(None)
        }
        found => Ok(found.map(|user| (session, user))),
    }
}

/// The logged-in user behind a request; a login still waiting for its
/// second factor is not one.
pub async fn authenticate(core: &Core, headers: &HeaderMap) -> StorageResult<Option<AuthUser>> {
    Ok(lookup(core, headers).await?.and_then(|(session, user)| {
        (session.stage == Stage::Active).then_some(AuthUser {
            session_hash: session.id_hash,
            user,
            active_client_id: session.active_client_id,
            stepped_up_at: session.stepped_up_at,
            logged_in_at: session.logged_in_at,
            notice: session.notice,
            login_method: session.login_method,
            sid: session.sid,
        })
    }))
}

pub fn request_headers() -> HeaderMap {
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

/// Refuses unless this session stepped up within the last ten minutes
/// (`domain::step_up`): the guard of every change to how an account logs
/// in (`factors::LoginChanges`).
pub fn require_step_up(core: &Core, auth: &AuthUser) -> Result<(), AppError> {
    if step_up::left(auth.stepped_up_at, core.now()) > 0 {
        Ok(())
    } else {
        Err(AppError::StepUpRequired)
    }
}

/// For the administration screens: beheerders only, checked on the server.
pub async fn require_beheerder() -> Result<AuthUser, AppError> {
    beheerder_only(require_user().await?)
}

/// The logged-in user, if a beheerder; for the server's own routes (the
/// exports) as for server functions.
pub fn beheerder_only(auth: AuthUser) -> Result<AuthUser, AppError> {
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
/// `method`: how a logged-in session proved its user (`None` for a login
/// that waits for its second step).
pub async fn start(
    core: &Core,
    user: &UserRecord,
    stage: Stage,
    method: Option<LoginMethod>,
) -> Result<String, AppError> {
    if let Some(old) = token_from_headers(&request_headers(), &core.sessions) {
        sessions::delete(&core.db, &token_hash(&old)).await?;
    }
    let active_client_id = first_client(core, user).await?;
    let now = core.now();
    let (token, mut record) = new_record(user, stage, active_client_id, None, now, now);
    record.login_method = method;
    sessions::insert(&core.db, &record).await?;
    set_session_cookie(core, &token)?;
    Ok(record.id_hash)
}

/// A waiting login for `user` that no browser holds: a passkey's answer
/// proves it at once (a login without the password), and only the session
/// that follows gets a cookie. Returns its key.
pub async fn start_unheld(core: &Core, user: &UserRecord) -> Result<String, AppError> {
    let active_client_id = first_client(core, user).await?;
    let now = core.now();
    let (_, record) = new_record(user, Stage::SecondFactor, active_client_id, None, now, now);
    sessions::insert(&core.db, &record).await?;
    Ok(record.id_hash)
}

/// A logged-in session to replace `pending` with (`sessions::replace_on`),
/// and its browser token for [`set_session_cookie`] once that is committed.
/// It keeps the client the pending login chose at its start.
pub fn next_for(
    core: &Core,
    pending: &PendingLogin,
    method: LoginMethod,
) -> (String, SessionRecord) {
    let now = core.now();
    let (token, mut record) = new_record(
        &pending.user,
        Stage::Active,
        pending.session.active_client_id,
        None,
        now,
        now,
    );
    record.login_method = Some(method);
    (token, record)
}

/// The session a step-up renews `auth`'s into: a new id, proven now, the
/// same login (its absolute limit does not start again).
pub fn stepped_up_for(
    core: &Core,
    auth: &AuthUser,
    proved: LoginMethod,
) -> (String, SessionRecord) {
    let now = core.now();
    let (token, mut record) = new_record(
        &auth.user,
        Stage::Active,
        auth.active_client_id,
        Some(now),
        auth.logged_in_at,
        now,
    );
    // The same login under its own name; how it proved its user gains
    // what the step-up proved (a passkey after an SMS login).
    record.login_method = Some(LoginMethod::after_step_up(auth.login_method, proved));
    record.sid = auth.sid.clone();
    (token, record)
}

/// Appends a `Set-Cookie` header to the current answer.
pub fn add_cookie(value: &str) -> Result<(), AppError> {
    set_cookie(value)
}

pub fn set_session_cookie(core: &Core, token: &str) -> Result<(), AppError> {
    set_cookie(&session_cookie(token, &core.sessions))
}

async fn first_client(core: &Core, user: &UserRecord) -> StorageResult<Option<i64>> {
    Ok(match user.kind {
        UserKind::Client => clients::clients_of_user(&core.db, user.id)
            .await?
            .first()
            .map(|c| c.id),
        UserKind::Office => None,
    })
}

fn new_record(
    user: &UserRecord,
    stage: Stage,
    active_client_id: Option<i64>,
    stepped_up_at: Option<i64>,
    logged_in_at: i64,
    now: i64,
) -> (String, SessionRecord) {
    let token = new_session_token();
    let record = SessionRecord {
        id_hash: token_hash(&token),
        user_id: user.id,
        stage,
        active_client_id,
        pending_mobile: None,
        created_at: now,
        logged_in_at,
        last_seen_at: now,
        stepped_up_at,
        notice: None,
        login_method: None,
        sid: new_opaque_id(),
    };
    (token, record)
}

/// Ends the request's session, if any, and clears the cookie.
pub async fn end(core: &Core) -> Result<(), AppError> {
    if let Some(token) = token_from_headers(&request_headers(), &core.sessions) {
        sessions::delete(&core.db, &token_hash(&token)).await?;
    }
    set_cookie(&expired_cookie(&core.sessions))
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
    use crate::domain::session_lifetime::SessionLifetime;

    const PLAIN: SessionSettings = SessionSettings {
        lifetime: SessionLifetime {
            idle_seconds: 60,
            absolute_seconds: 600,
        },
        secure_cookie: false,
        cookie_domain: None,
    };
    const SECURE: SessionSettings = SessionSettings {
        secure_cookie: true,
        ..PLAIN
    };

    #[test]
    fn only_well_formed_session_cookies_are_read() {
        let token = new_session_token();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("andere=1; {COOKIE_NAME}={token}")).unwrap(),
        );
        assert_eq!(token_from_headers(&headers, &PLAIN), Some(token.clone()));
        // Under https only the __Host- cookie counts.
        assert_eq!(token_from_headers(&headers, &SECURE), None);
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("{SECURE_COOKIE_NAME}={token}")).unwrap(),
        );
        assert_eq!(token_from_headers(&headers, &SECURE), Some(token));

        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("tweestap_sessie=' OR 1=1 --"),
        );
        assert_eq!(token_from_headers(&headers, &PLAIN), None);
    }

    #[test]
    fn cookie_flags() {
        let c = session_cookie("abc", &PLAIN);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && !c.contains("Secure"));
        let secure = session_cookie("abc", &SECURE);
        assert!(
            secure.starts_with("__Host-tweestap_sessie=abc; Path=/;")
                && secure.ends_with("; Secure")
        );
        assert!(!secure.contains("Domain"));
        assert!(expired_cookie(&PLAIN).contains("Max-Age=0"));
        // Shared with the protected applications' hosts: no __Host-.
        let shared = SessionSettings {
            cookie_domain: Some("kantoor.nl".into()),
            ..SECURE
        };
        let c = session_cookie("abc", &shared);
        assert!(
            c.starts_with("__Secure-tweestap_sessie=abc;") && c.contains("; Domain=kantoor.nl"),
            "{c}"
        );
    }
}
