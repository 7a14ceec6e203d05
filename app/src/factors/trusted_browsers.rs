//! Trusted browsers ('Dit apparaat … dagen onthouden'): recognising one at
//! login and remembering one after a second factor. The browser keeps a
//! random token in its own HttpOnly cookie; the database keeps its SHA-256
//! with the user, a description and the dates (`domain::trusted_browser`).

use http::header;

use crate::{
    core::Core,
    domain::{
        clock::UnixTime,
        token::{new_session_token, token_hash},
        trusted_browser::{self, still_trusted},
    },
    error::AppError,
    model::AuditAction,
    session::{self, HostCookie},
    storage::{
        audit::{self, AuditEntry},
        trusted,
        users::UserRecord,
        StorageResult,
    },
};

use super::notices::{notify, Notice};

/// For this host alone, also where the session's cookie is shared with
/// the protected hosts (`--cookie-domain`): they have no use for it.
const COOKIE: HostCookie = HostCookie {
    plain: "tweestap_vertrouwd",
    secure: "__Host-tweestap_vertrouwd",
};

/// The request's trusted-browser token, hashed.
pub fn request_token_hash(core: &Core) -> Option<String> {
    session::cookie_token(
        &session::request_headers(),
        COOKIE.name(core.sessions.secure_cookie),
    )
    .map(|token| token_hash(&token))
}

/// Whether this browser may skip `user`'s second factor now.
pub async fn recognised_browser(core: &Core, user: &UserRecord) -> StorageResult<bool> {
    let Some(hash) = request_token_hash(core) else {
        return Ok(false);
    };
    let Some(row) = trusted::find(&core.db, &hash).await? else {
        return Ok(false);
    };
    let now = core.now();
    let days = trusted::office_days(&core.db, user.office_id).await?;
    if row.user_id != user.id || !still_trusted(row.created_at, row.expires_at, days, now) {
        return Ok(false);
    }
    trusted::touch(&core.db, row.id, now).await?;
    Ok(true)
}

/// After a second factor with the box ticked: trust this browser for the
/// office's days (nothing when the office has it off).
pub async fn remember_browser(
    core: &Core,
    user: &UserRecord,
    now: UnixTime,
) -> Result<(), AppError> {
    let days = trusted::office_days(&core.db, user.office_id).await?;
    if days == 0 {
        return Ok(());
    }
    let user_agent = session::request_headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let description = trusted_browser::describe(&user_agent);
    let token = new_session_token();
    let expires_at = trusted_browser::expires_at(now, days);
    trusted::insert(
        &core.db,
        user.id,
        &token_hash(&token),
        &description,
        now,
        expires_at,
    )
    .await?;
    session::add_cookie(&COOKIE.set(&token, expires_at - now, core.sessions.secure_cookie))?;
    audit::record(
        &core.db,
        AuditEntry {
            new_value: Some(&description),
            ..AuditEntry::own(user, AuditAction::TrustedAdded)
        },
        now,
    )
    .await?;
    notify(
        core,
        user,
        Notice::BrowserRemembered {
            description: &description,
            days,
        },
    )
    .await;
    Ok(())
}
