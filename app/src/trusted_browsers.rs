//! 'Dit apparaat 30 dagen onthouden': a browser that gave the second factor
//! may skip it for the office's number of days; the password is always
//! asked. The browser keeps a random token in its own HttpOnly cookie; the
//! database keeps its SHA-256 with the user, a description and the dates.
//! Any change to how the account logs in forgets every trusted browser
//! (the door, `factors::LoginChanges`); the office setting 0 forgets every
//! trusted browser of the office. Rules: `domain::trusted_browser`.

use http::header;

use crate::{
    core::Core,
    domain::{
        clock::{dutch_date_time, UnixTime},
        token::{new_session_token, token_hash},
        trusted_browser::{self, still_trusted},
    },
    error::AppError,
    factors::{self, Notice},
    model::{AuditAction, OfficeSettings, TrustedBrowserRow},
    session::{self, AuthUser},
    storage::{
        audit::{self, AuditEntry},
        batch::Batch,
        trusted,
        users::UserRecord,
        StorageResult,
    },
};

const COOKIE_NAME: &str = "tweestap_vertrouwd";
/// Under https: sent only over TLS, to this host alone (see the session cookie).
const SECURE_COOKIE_NAME: &str = "__Host-tweestap_vertrouwd";

fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

fn cookie(token: &str, max_age: i64, secure: bool) -> String {
    let mut value = format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}",
        cookie_name(secure)
    );
    if secure {
        value.push_str("; Secure");
    }
    value
}

/// The request's trusted-browser token, hashed.
fn request_token_hash(core: &Core) -> Option<String> {
    session::cookie_token(
        &session::request_headers(),
        cookie_name(core.sessions.secure_cookie),
    )
    .map(|token| token_hash(&token))
}

/// Whether this browser may skip `user`'s second factor now.
pub async fn recognised(core: &Core, user: &UserRecord) -> StorageResult<bool> {
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
pub async fn remember(core: &Core, user: &UserRecord, now: UnixTime) -> Result<(), AppError> {
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
    session::add_cookie(&cookie(
        &token,
        expires_at - now,
        core.sessions.secure_cookie,
    ))?;
    audit::record(
        &core.db,
        AuditEntry {
            new_value: Some(&description),
            ..AuditEntry::own(user, AuditAction::TrustedAdded)
        },
        now,
    )
    .await?;
    factors::notify(
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

/// 'Mijn gegevens': the user's trusted browsers.
pub async fn list(core: &Core, auth: &AuthUser) -> StorageResult<Vec<TrustedBrowserRow>> {
    let this = match request_token_hash(core) {
        Some(hash) => trusted::find(&core.db, &hash).await?.map(|row| row.id),
        None => None,
    };
    let now = core.now();
    let days = trusted::office_days(&core.db, auth.user.office_id).await?;
    let mut rows = Vec::new();
    for row in trusted::of_user(&core.db, auth.user.id).await? {
        if !still_trusted(row.created_at, row.expires_at, days, now) {
            continue;
        }
        rows.push(TrustedBrowserRow {
            this_browser: this == Some(row.id),
            id: row.id,
            description: row.description,
            added: dutch_date_time(row.created_at),
            until: dutch_date_time(
                row.expires_at
                    .min(trusted_browser::expires_at(row.created_at, days)),
            ),
            last_used: dutch_date_time(row.last_used_at),
        });
    }
    Ok(rows)
}

/// 'Vergeten': the next login from that browser asks for the code again.
pub async fn forget(core: &Core, auth: &AuthUser, id: i64) -> Result<(), AppError> {
    if !trusted::forget(&core.db, auth.user.id, id).await? {
        return Err(AppError::invalid(
            "Dit apparaat wordt al niet (meer) onthouden.",
        ));
    }
    audit::record(
        &core.db,
        AuditEntry::own(&auth.user, AuditAction::TrustedForgotten),
        core.now(),
    )
    .await?;
    Ok(())
}

/// The office's setting, for its beheerders.
pub async fn office_settings(
    core: &Core,
    beheerder: &AuthUser,
) -> Result<OfficeSettings, AppError> {
    Ok(OfficeSettings {
        name: beheerder.user.office_name.clone(),
        trust_days: trusted::office_days(&core.db, beheerder.user.office_id).await?,
    })
}

/// A beheerder sets the days. More days is a weaker login for everyone:
/// that needs the beheerder's step-up; fewer does not. 0 turns it off and
/// forgets every trusted browser of the office in the same transaction,
/// so turning it on again later brings none of them back.
pub async fn set_office_days(
    core: &Core,
    beheerder: &AuthUser,
    typed: &str,
) -> Result<(), AppError> {
    let days = trusted_browser::parse_days(typed).map_err(AppError::Invalid)?;
    let office_id = beheerder.user.office_id;
    let old = trusted::office_days(&core.db, office_id).await?;
    if days == old {
        return Ok(());
    }
    if days > old {
        session::require_step_up(core, beheerder)?;
    }
    let (old, new) = (old.to_string(), days.to_string());
    let mut batch = Batch::<std::convert::Infallible>::new();
    batch.then(trusted::set_office_days_stmt(office_id, days));
    if days == 0 {
        batch.then(trusted::forget_office_stmt(office_id));
    }
    batch.then(audit::record_stmt(
        AuditEntry {
            office_id: Some(office_id),
            actor_user_id: Some(beheerder.user.id),
            subject: Some(&beheerder.user.office_name),
            old_value: Some(&old),
            new_value: Some(&new),
            ..AuditEntry::new(AuditAction::OfficeTrustDays)
        },
        core.now(),
    ));
    let Ok(()) = core.db.write_batch(batch).await?;
    Ok(())
}
