//! The 'Logboek'.

use crate::{
    core::Core,
    domain::clock::dutch_date_time,
    error::AppError,
    model::{mask_phone, AuditAction, LogFilter, LogPage, LogRow, LogUser},
    session::AuthUser,
    storage::{
        audit::{self, OfficeLogQuery},
        users::{self},
    },
};

pub const PAGE_SIZE: i64 = 50;

/// One page of the 'Logboek', newest first, as filtered.
pub async fn log_page(
    core: &Core,
    beheerder: &AuthUser,
    filter: LogFilter,
) -> Result<LogPage, AppError> {
    let office_id = beheerder.user.office_id;
    let action = match filter.action.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(action) => Some(
            AuditAction::from_stored(action)
                .ok_or_else(|| AppError::invalid("Kies een soort uit de lijst."))?
                .as_str(),
        ),
    };
    let user = match filter.user {
        None => None,
        // One answer for "no such user" and "another office's user", so
        // the filter does not tell which ids exist elsewhere.
        Some(id) => Some(
            users::find(&core.db, id)
                .await?
                .filter(|u| u.office_id == office_id)
                .ok_or_else(|| AppError::invalid("Kies een gebruiker uit de lijst."))?,
        ),
    };

    // One row more than a page says whether an older page exists.
    let mut rows = audit::office_page(
        &core.db,
        &OfficeLogQuery {
            office_id,
            user: user.as_ref().map(|u| (u.id, u.login_name.as_str())),
            action,
            before: filter.before,
            limit: PAGE_SIZE + 1,
        },
    )
    .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let older = if more {
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok(LogPage {
        rows: rows
            .into_iter()
            .map(|r| {
                let phone =
                    AuditAction::from_stored(&r.action).is_some_and(AuditAction::carries_phone);
                let shown = |value: Option<String>| match value {
                    Some(number) if phone => Some(mask_phone(&number)),
                    other => other,
                };
                LogRow {
                    id: r.id,
                    at: dutch_date_time(r.at),
                    actor: r.actor,
                    old_value: shown(r.old_value),
                    new_value: shown(r.new_value),
                    action: r.action,
                    subject: r.subject,
                }
            })
            .collect(),
        older,
    })
}

/// The office's users, for the filter.
pub async fn log_users(core: &Core, beheerder: &AuthUser) -> Result<Vec<LogUser>, AppError> {
    Ok(audit::office_users(&core.db, beheerder.user.office_id)
        .await?
        .into_iter()
        .map(|u| LogUser {
            id: u.id,
            login_name: u.login_name,
            display_name: u.display_name,
        })
        .collect())
}
