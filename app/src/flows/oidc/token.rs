//! The token endpoint (the code for an ID token and an access token) and
//! `userinfo`. Answers follow RFC 6749 section 5.2: an error word the
//! application's library understands, never a page.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{keys, subject_of, user_claims};
use crate::{
    core::Core,
    domain::{
        oidc::{is_code_verifier, single_values, Strength, ACCESS_TOKEN_SECONDS, ID_TOKEN_SECONDS},
        token::{new_session_token, token_hash},
    },
    error::AppError,
    model::AuditAction,
    storage::{
        audit::{self, AuditEntry},
        batch::Batch,
        oidc::{self as stored, AccessToken, Taken},
        users::{self, UserRecord},
    },
};

/// A refused token request: its status and RFC 6749 error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    pub status: u16,
    pub error: &'static str,
    pub description: &'static str,
    /// The client tried `client_secret_basic`: a 401 names the scheme.
    pub basic: bool,
}

/// How the client authenticated over HTTP, if by `Authorization: Basic`.
#[derive(Debug, Clone, Default)]
pub struct ClientAuth {
    pub basic: Option<(String, String)>,
}

fn refuse(status: u16, error: &'static str, description: &'static str) -> TokenError {
    crate::metrics::oidc("refused", error);
    TokenError {
        status,
        error,
        description,
        basic: false,
    }
}

fn same(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// RFC 7636: BASE64URL(SHA256(verifier)) is the challenge.
fn pkce_holds(verifier: &str, challenge: &str) -> bool {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    is_code_verifier(verifier)
        && same(
            &URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
            challenge,
        )
}

/// The user behind a code or an access token, while the session it came
/// from lives (the portal's own limits) and the account is not blocked.
async fn live_user(core: &Core, sid: &str, user_id: i64) -> Result<Option<UserRecord>, AppError> {
    let live = core.sessions.lifetime.live_bounds(core.now());
    if !stored::session_live(&core.db, sid, live).await? {
        return Ok(None);
    }
    Ok(users::find(&core.db, user_id).await?.filter(|u| !u.blocked))
}

pub async fn token(
    core: &Core,
    auth: ClientAuth,
    pairs: Vec<(String, String)>,
) -> Result<Result<Value, TokenError>, AppError> {
    let now = core.now();
    let Ok(params) = single_values(&pairs) else {
        return Ok(Err(refuse(
            400,
            "invalid_request",
            "a parameter was given twice",
        )));
    };
    let get = |name: &str| params.get(name).copied().filter(|v| !v.is_empty());
    if get("grant_type") != Some("authorization_code") {
        return Ok(Err(refuse(
            400,
            "unsupported_grant_type",
            "only authorization_code is offered",
        )));
    }
    let by_basic = auth.basic.is_some();
    let (client_id, secret) = match (&auth.basic, get("client_id"), get("client_secret")) {
        (Some(_), _, Some(_)) => {
            return Ok(Err(refuse(
                400,
                "invalid_request",
                "use one way of client authentication",
            )))
        }
        (Some((id, _)), Some(form_id), _) if id != form_id => {
            return Ok(Err(refuse(
                400,
                "invalid_request",
                "two different client_id",
            )))
        }
        (Some((id, secret)), _, _) => (id.as_str(), Some(secret.as_str())),
        (None, Some(id), secret) => (id, secret),
        (None, None, _) => return Ok(Err(refuse(401, "invalid_client", "client_id is missing"))),
    };
    let bad_client = || {
        let mut e = refuse(401, "invalid_client", "unknown client or wrong secret");
        e.basic = by_basic;
        e
    };
    let Some(app) = stored::by_client_id(&core.db, client_id)
        .await?
        .filter(|a| a.enabled)
    else {
        return Ok(Err(bad_client()));
    };
    let authenticated = match (&app.secret_hash, secret) {
        (Some(hash), Some(secret)) => same(&token_hash(secret), hash),
        // A public client proves itself by PKCE alone.
        (None, None) => true,
        _ => false,
    };
    if !authenticated {
        return Ok(Err(bad_client()));
    }
    let Some(code) = get("code") else {
        return Ok(Err(refuse(400, "invalid_request", "code is missing")));
    };
    let code_hash = token_hash(code);
    let code = match stored::take_code(&core.db, &code_hash, app.id, now).await? {
        Taken::Ours(code) => code,
        Taken::Unknown => return Ok(Err(refuse(400, "invalid_grant", "unknown or lapsed code"))),
        Taken::Again { user_id } => {
            // A code seen twice was copied: what the first use gave ends.
            let mut batch: Batch<()> = Batch::new();
            batch.then(stored::revoke_from_code_stmt(&code_hash));
            let user = users::find(&core.db, user_id).await?;
            if let Some(user) = &user {
                batch.then(audit::record_stmt(
                    AuditEntry {
                        new_value: Some(&app.name),
                        ..AuditEntry::own(user, AuditAction::OidcCodeReplayed)
                    },
                    now,
                ));
            }
            let _ = core.db.write_batch(batch).await?;
            crate::metrics::oidc("replay", "code");
            return Ok(Err(refuse(
                400,
                "invalid_grant",
                "the code was already used",
            )));
        }
    };
    if get("redirect_uri") != Some(code.redirect_uri.as_str()) {
        return Ok(Err(refuse(
            400,
            "invalid_grant",
            "redirect_uri differs from the authorization request",
        )));
    }
    let pkce_ok = match (&code.code_challenge, get("code_verifier")) {
        (Some(challenge), Some(verifier)) => pkce_holds(verifier, challenge),
        (None, None) => true,
        _ => false,
    };
    if !pkce_ok {
        return Ok(Err(refuse(
            400,
            "invalid_grant",
            "code_verifier does not match",
        )));
    }
    let Some(user) = live_user(core, &code.sid, code.user_id).await? else {
        return Ok(Err(refuse(
            400,
            "invalid_grant",
            "the login behind the code has ended",
        )));
    };

    let subject = subject_of(core, user.id).await?;
    let mut claims = user_claims(core, &user, &subject).await?;
    let extra = json!({
        "iss": super::issuer(core),
        "aud": app.client_id,
        "iat": now,
        "exp": now + ID_TOKEN_SECONDS,
        "auth_time": code.auth_time,
        "amr": code.login_method.amr(),
        "acr": Strength::of(Some(code.login_method)).map(Strength::acr),
        "sid": code.sid,
        "nonce": code.nonce,
    });
    if let (Some(claims), Some(extra)) = (claims.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            if !v.is_null() {
                claims.insert(k.clone(), v.clone());
            }
        }
    }
    let id_token = keys::sign(core, &claims, "JWT").await?;
    let access = new_session_token();
    let access_hash = token_hash(&access);
    let mut batch: Batch<()> = Batch::new();
    batch
        .then(stored::insert_token_stmt(&AccessToken {
            token_hash: &access_hash,
            code_hash: &code_hash,
            application_id: app.id,
            user_id: user.id,
            sid: &code.sid,
            expires_at: now + ACCESS_TOKEN_SECONDS,
        }))
        .then(stored::grant_stmt(
            &code.sid, app.id, user.id, &subject, now,
        ))
        .then(stored::touch_stmt(app.id, now))
        .then(audit::record_stmt(
            AuditEntry {
                new_value: Some(&app.name),
                old_value: Some(code.login_method.dutch()),
                ..AuditEntry::own(&user, AuditAction::OidcLogin)
            },
            now,
        ));
    let _ = core.db.write_batch(batch).await?;
    crate::metrics::oidc("token", "issued");
    Ok(Ok(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_SECONDS,
        "id_token": id_token,
        "scope": "openid",
    })))
}

/// `userinfo`: the user behind a live access token whose session still
/// holds; `None` answers 401.
pub async fn userinfo(core: &Core, bearer: Option<&str>) -> Result<Option<Value>, AppError> {
    let now = core.now();
    let Some(token) = bearer.filter(|t| crate::domain::token::looks_like_token(t)) else {
        return Ok(None);
    };
    let Some((user_id, sid, _)) = stored::find_token(&core.db, &token_hash(token), now).await?
    else {
        return Ok(None);
    };
    let Some(user) = live_user(core, &sid, user_id).await? else {
        return Ok(None);
    };
    let subject = subject_of(core, user.id).await?;
    crate::metrics::oidc("userinfo", "ok");
    Ok(Some(user_claims(core, &user, &subject).await?))
}
