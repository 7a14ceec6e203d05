//! Tweestap as an OpenID Connect provider for the office's other
//! applications: discovery, the authorization endpoint's decision, the
//! token and userinfo endpoints, logout (RP-initiated and back-channel).
//! No HTTP here: the server's `oidc` handlers read the request and write
//! what these return. The rules themselves are `domain::oidc`.

mod authorize;
mod forward;
pub mod keys;
mod logout;
mod token;

pub use authorize::{application_name, authorize, Authorized, CONFIRM_PAGE, LOGIN_PAGE};
pub use forward::{verify as verify_forward, Verdict};
pub use logout::{due_logouts, end_session, logout_sent, LogoutToSend, SessionEnd};
pub use token::{token, userinfo, ClientAuth, TokenError};

use serde_json::{json, Value};

use crate::{
    core::Core,
    domain::{oidc::Strength, token::new_opaque_id},
    error::AppError,
    model::UserKind,
    storage::{clients, oidc as stored, users::UserRecord},
};

pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";
pub const AUTHORIZE_PATH: &str = "/oidc/authorize";
pub const TOKEN_PATH: &str = "/oidc/token";
pub const USERINFO_PATH: &str = "/oidc/userinfo";
pub const JWKS_PATH: &str = "/oidc/jwks";
pub const END_SESSION_PATH: &str = "/oidc/logout";

/// The issuer: the public URL, exactly as the tokens name it.
pub fn issuer(core: &Core) -> &str {
    &core.links.public_url
}

/// OpenID Connect Discovery 1.0: what this provider offers.
pub fn discovery(core: &Core) -> Value {
    let iss = issuer(core);
    json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}{AUTHORIZE_PATH}"),
        "token_endpoint": format!("{iss}{TOKEN_PATH}"),
        "userinfo_endpoint": format!("{iss}{USERINFO_PATH}"),
        "jwks_uri": format!("{iss}{JWKS_PATH}"),
        "end_session_endpoint": format!("{iss}{END_SESSION_PATH}"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "profile", "email", "groups"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr",
            "sid", "name", "email", "email_verified", "groups"],
        "acr_values_supported": Strength::ALL.iter().map(|s| s.acr()).collect::<Vec<_>>(),
        "prompt_values_supported": ["none", "login"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
    })
}

/// `base` (an application's address) with these parameters added to its query (those given).
pub(super) fn with_query(base: &str, pairs: &[(&str, Option<&str>)]) -> String {
    let mut url = match url::Url::parse(base) {
        Ok(url) => url,
        Err(_) => return base.to_string(),
    };
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in pairs {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
    }
    url.to_string()
}

/// The user's groups, as applications and the reverse proxy see them.
async fn groups_of(core: &Core, user: &UserRecord) -> Result<Vec<String>, AppError> {
    let mut groups = Vec::new();
    match user.kind {
        UserKind::Office => {
            groups.push("kantoorgebruiker".to_string());
            if user.is_beheerder {
                groups.push("beheerder".to_string());
            }
        }
        UserKind::Client => {
            for client in clients::clients_of_user(&core.db, user.id).await? {
                groups.push(format!("client:{}", client.id));
            }
        }
    }
    Ok(groups)
}

/// What an application learns of a user: in the ID token and `userinfo`.
async fn user_claims(core: &Core, user: &UserRecord, subject: &str) -> Result<Value, AppError> {
    let groups = groups_of(core, user).await?;
    Ok(json!({
        "sub": subject,
        "name": user.display_name,
        "email": user.email,
        "email_verified": user.email.is_some(),
        "groups": groups,
    }))
}

/// The user's `sub`: random, stable, the same for every application of
/// the office (the user belongs to one office).
async fn subject_of(core: &Core, user_id: i64) -> Result<String, AppError> {
    stored::subject(&core.db, user_id, &new_opaque_id())
        .await?
        .ok_or(AppError::NotLoggedIn)
}

/// Whether the user may use the application at all.
async fn admits(
    core: &Core,
    app: &stored::Application,
    user: &UserRecord,
) -> Result<bool, AppError> {
    if user.office_id != app.office_id || user.blocked {
        return Ok(false);
    }
    let user_clients: Vec<i64> = match user.kind {
        UserKind::Office => Vec::new(),
        UserKind::Client => clients::clients_of_user(&core.db, user.id)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect(),
    };
    Ok(app
        .audience
        .admits(user.kind == UserKind::Office, &user_clients))
}

/// Rotates the signing keys when due and purges lapsed codes and tokens:
/// every instance, every housekeeping round.
pub async fn housekeeping(core: &Core) -> Result<(), AppError> {
    let now = core.now();
    keys::rotate(core, now).await?;
    stored::purge(&core.db, now).await?;
    Ok(())
}
