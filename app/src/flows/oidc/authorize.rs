//! The authorization endpoint: Tweestap's own login in front of an
//! application. A request is checked (client, redirect URI, then the
//! rest), the browser's session judged by `domain::oidc::decide`, and the
//! answer is a redirect: a code, an error back to the application, or our
//! login or step-up page with the way back.

use http::HeaderMap;
use url::form_urlencoded;

use super::{admits, issuer, with_query, AUTHORIZE_PATH};
use crate::{
    core::Core,
    domain::{
        clock::UnixTime,
        oidc::{
            decide, single_values, AuthorizeRequest, Decision, RequestError, SessionView, Strength,
            CODE_SECONDS, SENT_AT_PARAM,
        },
        token::{new_session_token, token_hash},
    },
    error::AppError,
    factors,
    model::AuditAction,
    session::{self, AuthUser},
    storage::{
        audit::{self, AuditEntry},
        oidc::{self as stored, Application, Code},
    },
};

/// Where the authorization endpoint sends the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorized {
    /// A redirect (the application, or our login or step-up page).
    Redirect(String),
    /// A request that cannot go back to any application: shown here.
    Page(String),
}

/// The login page's path for an application's request, and the step-up
/// page's: both name the application (`koppeling`) and the way back.
pub const LOGIN_PAGE: &str = "/inloggen";
pub const CONFIRM_PAGE: &str = "/inloggen/bevestigen";

pub async fn authorize(
    core: &Core,
    pairs: Vec<(String, String)>,
    headers: &HeaderMap,
) -> Result<Authorized, AppError> {
    let now = core.now();
    let page = |msg: &str| {
        crate::metrics::oidc("refused", "request");
        Ok(Authorized::Page(msg.to_string()))
    };
    let Ok(params) = single_values(&pairs) else {
        return page("Deze koppeling is ongeldig: een gegeven staat er twee keer in.");
    };
    let (client_id, redirect_uri) = match AuthorizeRequest::client(&params) {
        Ok(found) => found,
        Err(RequestError::Here(msg)) => return page(msg),
        Err(RequestError::ToClient { .. }) => return page("Deze koppeling is ongeldig."),
    };
    let Some(app) = stored::by_client_id(&core.db, client_id)
        .await?
        .filter(|a| a.enabled)
    else {
        return page("Deze toepassing is niet (meer) gekoppeld aan het portaal.");
    };
    if !app.redirect_uris.iter().any(|r| r == redirect_uri) {
        return page("Het terugkeeradres hoort niet bij deze toepassing.");
    }
    let back = |error: &'static str, description: &str, state: Option<&str>| {
        crate::metrics::oidc("refused", error);
        Authorized::Redirect(with_query(
            redirect_uri,
            &[
                ("error", Some(error)),
                ("error_description", Some(description)),
                ("state", state),
                ("iss", Some(issuer(core))),
            ],
        ))
    };
    let request = match AuthorizeRequest::parse(&params, app.secret_hash.is_none()) {
        Ok(request) => request,
        Err(RequestError::ToClient { error, description }) => {
            return Ok(back(error, description, params.get("state").copied()))
        }
        Err(RequestError::Here(msg)) => return page(msg),
    };

    let auth = current_session(core, headers).await?;
    let view = match &auth {
        None => None,
        Some(auth) => Some(SessionView {
            admitted: admits(core, &app, &auth.user).await?,
            method: auth.login_method,
            logged_in_at: auth.logged_in_at,
            stepped_up_at: auth.stepped_up_at,
        }),
    };
    let state = request.state.as_deref();
    match decide(&request, app.strength, view, now) {
        Decision::Issue => {
            let (Some(auth), Some(view)) = (auth, view) else {
                return Err(AppError::NotLoggedIn);
            };
            let code = issue_code(core, &app, &request, &auth, view.auth_time()).await?;
            crate::metrics::oidc("code", "issued");
            Ok(Authorized::Redirect(with_query(
                redirect_uri,
                &[
                    ("code", Some(&code)),
                    ("state", state),
                    ("iss", Some(issuer(core))),
                ],
            )))
        }
        Decision::LogIn => Ok(Authorized::Redirect(to_page(
            LOGIN_PAGE, &app, &pairs, now, None,
        ))),
        Decision::StepUp => {
            let wants = request.wants.map_or(app.strength, |w| w.max(app.strength));
            Ok(Authorized::Redirect(to_page(
                CONFIRM_PAGE,
                &app,
                &pairs,
                now,
                Some(wants),
            )))
        }
        Decision::Refuse(error) => {
            let description = match error {
                "access_denied" => "this user may not use this application",
                "unmet_authentication_requirements" => {
                    "the user could not log in as strongly as asked"
                }
                _ => "the user is not logged in",
            };
            if let (Some(auth), "access_denied" | "unmet_authentication_requirements") =
                (&auth, error)
            {
                audit::record(
                    &core.db,
                    AuditEntry {
                        new_value: Some(&app.name),
                        old_value: Some(error),
                        ..AuditEntry::own(&auth.user, AuditAction::OidcRefused)
                    },
                    now,
                )
                .await?;
            }
            Ok(back(error, description, state))
        }
    }
}

/// The browser's logged-in session, as every other entry point takes it.
pub(super) async fn current_session(
    core: &Core,
    headers: &HeaderMap,
) -> Result<Option<AuthUser>, AppError> {
    let Some(auth) = session::authenticate(core, headers).await? else {
        return Ok(None);
    };
    match factors::session_still_holds(core, auth).await {
        Ok(auth) => Ok(Some(auth)),
        Err(AppError::NotLoggedIn) => Ok(None),
        Err(other) => Err(other),
    }
}

async fn issue_code(
    core: &Core,
    app: &Application,
    request: &AuthorizeRequest,
    auth: &AuthUser,
    auth_time: UnixTime,
) -> Result<String, AppError> {
    let now = core.now();
    let code = new_session_token();
    let stored = Code {
        code_hash: token_hash(&code),
        application_id: app.id,
        user_id: auth.user.id,
        sid: auth.sid.clone(),
        redirect_uri: request.redirect_uri.clone(),
        code_challenge: request.code_challenge.clone(),
        nonce: request.nonce.clone(),
        auth_time,
        login_method: auth.login_method.ok_or(AppError::NotLoggedIn)?,
        expires_at: now + CODE_SECONDS,
    };
    core.db
        .execute(stored::insert_code_stmt(&stored, now))
        .await?;
    Ok(code)
}

/// Our login or step-up page, with the request to come back to: the same
/// parameters and the moment it was sent (`SENT_AT_PARAM`).
fn to_page(
    page: &str,
    app: &Application,
    pairs: &[(String, String)],
    now: i64,
    wants: Option<Strength>,
) -> String {
    let mut again = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs.iter().filter(|(n, _)| n != SENT_AT_PARAM) {
        again.append_pair(name, value);
    }
    again.append_pair(SENT_AT_PARAM, &now.to_string());
    let back = format!("{AUTHORIZE_PATH}?{}", again.finish());
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("koppeling", &app.client_id);
    if wants == Some(Strength::Passkey) {
        query.append_pair("sterkte", "passkey");
    }
    query.append_pair("terug", &back);
    format!("{page}?{}", query.finish())
}

/// The name the login page shows for `client_id` ('Inloggen bij …').
pub async fn application_name(core: &Core, client_id: &str) -> Result<Option<String>, AppError> {
    Ok(stored::by_client_id(&core.db, client_id)
        .await?
        .filter(|a| a.enabled)
        .map(|a| a.name))
}
