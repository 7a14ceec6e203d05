//! Logout, both ways. RP-initiated: an application sends the browser to
//! end its Tweestap session. Back-channel: whenever a session an
//! application received ends (logout, the door, a block, a removal, a
//! limit), the application gets a signed logout token. Ended sessions are
//! found by what is missing from `sessions`, so every way a session ends
//! counts without each one having to remember to tell.

use http::HeaderMap;
use serde_json::json;

use super::{issuer, keys, with_query};
use crate::{
    core::Core,
    domain::{
        oidc::{single_values, ID_TOKEN_SECONDS},
        token::new_opaque_id,
    },
    error::AppError,
    model::AuditAction,
    session,
    storage::{
        audit::{self, AuditEntry},
        batch::Batch,
        oidc::{self as stored, Delivery},
        sessions, users,
    },
};

/// A delivery is tried this many times, then given up and logged.
pub const DELIVERY_TRIES: i64 = 5;
/// A claimed delivery is another instance's to retry after this.
const CLAIM_SECONDS: i64 = 30;

/// What the end-session endpoint did: where the browser goes, and whether
/// its session ended (then the cookie is cleared).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEnd {
    pub redirect: String,
    pub ended: bool,
}

/// RP-initiated logout. The session ends only for a valid `id_token_hint`
/// naming this browser's session: a bare link cannot log anyone out. The
/// browser returns to `post_logout_redirect_uri` only if it is one of the
/// application's registered addresses.
pub async fn end_session(
    core: &Core,
    pairs: Vec<(String, String)>,
    headers: &HeaderMap,
) -> Result<SessionEnd, AppError> {
    let now = core.now();
    let Ok(params) = single_values(&pairs) else {
        return Ok(SessionEnd {
            redirect: "/".into(),
            ended: false,
        });
    };
    let get = |name: &str| params.get(name).copied().filter(|v| !v.is_empty());
    let hint = match get("id_token_hint") {
        Some(hint) => keys::verified_claims(core, hint, issuer(core)).await,
        None => None,
    };
    let hinted_client = hint.as_ref().and_then(|c| match &c["aud"] {
        serde_json::Value::String(a) => Some(a.clone()),
        serde_json::Value::Array(a) => a.first().and_then(|v| v.as_str()).map(str::to_string),
        _ => None,
    });
    let client_id = match (hinted_client, get("client_id")) {
        (Some(hinted), Some(given)) if hinted != given => None,
        (Some(hinted), _) => Some(hinted),
        (None, given) => given.map(str::to_string),
    };
    let app = match &client_id {
        Some(id) => stored::by_client_id(&core.db, id).await?,
        None => None,
    };
    let mut ended = false;
    if let (Some(hint), Some(auth)) = (&hint, session::authenticate(core, headers).await?) {
        if hint["sid"].as_str() == Some(auth.sid.as_str()) {
            sessions::delete(&core.db, &auth.session_hash).await?;
            audit::record(
                &core.db,
                AuditEntry::own(&auth.user, AuditAction::Logout),
                now,
            )
            .await?;
            ended = true;
        }
    }
    let redirect = match (app, get("post_logout_redirect_uri")) {
        (Some(app), Some(uri)) if hint.is_some() && app.redirect_uris.iter().any(|r| r == uri) => {
            with_query(uri, &[("state", get("state"))])
        }
        _ if ended => "/inloggen".to_string(),
        _ => "/".to_string(),
    };
    Ok(SessionEnd { redirect, ended })
}

/// A logout token to POST to an application.
#[derive(Debug, Clone)]
pub struct LogoutToSend {
    pub delivery: Delivery,
    pub token: String,
}

/// Queues a logout for every grant whose session has ended, then claims
/// the deliveries that are due and signs their tokens. Each grant and each
/// delivery is taken by one instance only.
pub async fn due_logouts(core: &Core) -> Result<Vec<LogoutToSend>, AppError> {
    let now = core.now();
    let live = core.sessions.lifetime.live_bounds(now);
    for ended in stored::ended_grants(&core.db, live).await? {
        let mut batch = Batch::new();
        batch
            .must_change(stored::take_grant_stmt(&ended), ())
            .then(stored::queue_delivery_stmt(&ended, now));
        // Err: another instance took it.
        let _ = core.db.write_batch(batch).await?;
    }
    let mut out = Vec::new();
    for delivery in stored::due_deliveries(&core.db, now).await? {
        if !stored::claim_delivery(&core.db, delivery.id, now, now + CLAIM_SECONDS).await? {
            continue;
        }
        let claims = json!({
            "iss": issuer(core),
            "aud": delivery.client_id,
            "iat": now,
            "exp": now + ID_TOKEN_SECONDS,
            "jti": new_opaque_id(),
            "sub": delivery.subject,
            "sid": delivery.sid,
            "events": { "http://schemas.openid.net/event/backchannel-logout": {} },
        });
        let token = keys::sign(core, &claims, "logout+jwt").await?;
        out.push(LogoutToSend { delivery, token });
    }
    Ok(out)
}

/// Records how a send went: done, tried again later, or given up after
/// `DELIVERY_TRIES` (then the Logboek says so).
pub async fn logout_sent(core: &Core, sent: &LogoutToSend, ok: bool) -> Result<(), AppError> {
    let now = core.now();
    let delivery = &sent.delivery;
    // `attempts` was read before this try's claim counted it.
    let tries = delivery.attempts + 1;
    let action = match (ok, tries >= DELIVERY_TRIES) {
        (true, _) => AuditAction::OidcLogout,
        (false, true) => AuditAction::OidcLogoutFailed,
        (false, false) => {
            crate::metrics::backchannel("retry");
            core.db
                .execute(stored::delivery_later_stmt(
                    delivery.id,
                    now + 10 * (1 << tries.min(10)),
                ))
                .await?;
            return Ok(());
        }
    };
    crate::metrics::backchannel(if ok { "sent" } else { "given_up" });
    if !ok {
        tracing::warn!(uri = %delivery.logout_uri, tries, "back-channel logout given up");
    }
    let user = users::find(&core.db, delivery.user_id).await?;
    let app_name = stored_name(core, delivery).await?;
    let mut batch: Batch<()> = Batch::new();
    batch.then(stored::delivery_done_stmt(delivery.id));
    if let Some(user) = &user {
        batch.then(audit::record_stmt(
            AuditEntry {
                new_value: Some(&app_name),
                ..AuditEntry::own(user, action)
            },
            now,
        ));
    }
    let _ = core.db.write_batch(batch).await?;
    Ok(())
}

async fn stored_name(core: &Core, delivery: &Delivery) -> Result<String, AppError> {
    Ok(stored::by_client_id(&core.db, &delivery.client_id)
        .await?
        .map_or_else(|| delivery.client_id.clone(), |a| a.name))
}
