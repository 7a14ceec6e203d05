//! The reminders of 'Verplicht vanaf': a mail seven days and one day
//! before the date to each user who has nothing set up yet and an e-mail
//! address. Run by every instance's scheduled task; the claim in the
//! database (`storage::reminders::claim`) lets one of them send each
//! reminder, once per user, date and reminder.

use crate::{
    core::Core,
    domain::deadline::{self, REMINDER_DAYS},
    error::AppError,
    factors,
    mail::{self, MailMessage},
    model::AuditAction,
    storage::{
        audit::{self, AuditEntry},
        reminders, users,
    },
};

/// Sends the reminders due now; the number sent by this call.
pub async fn send_due(core: &Core) -> Result<usize, AppError> {
    let now = core.now();
    let today = deadline::in_days(now, 0).to_stored();
    let longest = REMINDER_DAYS.into_iter().max().unwrap_or(0);
    let until = deadline::in_days(now, longest).to_stored();
    let mut sent = 0;
    for user_id in reminders::candidates(&core.db, &today, &until).await? {
        let Some(user) = users::find(&core.db, user_id).await? else {
            continue;
        };
        // The date that applies to this user, and only while they have
        // nothing set up: the same judgement as the notice after login.
        let Some(date) = factors::standing(core, &user).await?.announced() else {
            continue;
        };
        let (Some(days_before), Some(to)) = (date.reminder_due(now), user.email.clone()) else {
            continue;
        };
        if !reminders::claim(&core.db, user.id, &date.to_stored(), days_before, now).await? {
            continue;
        }
        let days = date.days_left(now);
        mail::send_later(
            &core.mail,
            user.login_name.clone(),
            MailMessage {
                to,
                subject: mail::date_reminder_subject(&date.dutch()),
                body: mail::date_reminder_body(
                    &user.login_name,
                    &user.office_name,
                    &date.dutch(),
                    days,
                ),
            },
        );
        audit::record(
            &core.db,
            AuditEntry {
                new_value: Some(&format!("{} ({days_before} dagen vooraf)", date.dutch())),
                ..AuditEntry::own(&user, AuditAction::DateReminderSent)
            },
            now,
        )
        .await?;
        sent += 1;
    }
    Ok(sent)
}
