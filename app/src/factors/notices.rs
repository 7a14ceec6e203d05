//! Telling a user, by mail and SMS, what happened to their account.

use super::sms_codes::send;
use crate::{
    core::Core,
    mail,
    sms::{change_notice_text, SmsMessage},
    storage::users::UserRecord,
};

/// Something to tell a user that is no change to how they log in (those
/// are told by the door).
#[derive(Debug, Clone, Copy)]
pub enum Notice<'a> {
    /// A recovery code was used: to log in, or to confirm a change.
    RecoveryCodeUsed { to_log_in: bool },
    /// This browser skips the second factor for `days` days (by mail only).
    BrowserRemembered { description: &'a str, days: i64 },
}

/// Tells `user` of `notice`: by mail, and a used herstelcode by SMS too.
pub async fn notify(core: &Core, user: &UserRecord, notice: Notice<'_>) {
    match notice {
        Notice::RecoveryCodeUsed { to_log_in } => {
            let text = if to_log_in {
                "een herstelcode gebruikt om in te loggen"
            } else {
                "een herstelcode gebruikt om een wijziging te bevestigen"
            };
            tell(core, user, text, true).await;
        }
        Notice::BrowserRemembered { description, days } => {
            let text = format!(
                "een apparaat onthouden ({description}): daar wordt {days} dagen alleen je wachtwoord gevraagd"
            );
            tell(core, user, &text, false).await;
        }
    }
}

/// Mails `user`'s address and, with `sms`, texts their number: `what`
/// happened to their account. The mail never waits (a task of its own).
pub(super) async fn tell(core: &Core, user: &UserRecord, what: &str, sms: bool) {
    mail_notice(core, user, what);
    let Some(to) = user.mobile.as_deref().filter(|_| sms) else {
        return;
    };
    let message = SmsMessage {
        to: to.to_string(),
        text: change_notice_text(&user.login_name, what),
    };
    if let Err(err) = send(core, &message).await {
        tracing::warn!(user = %user.login_name, "change notice not sent: {err}");
    }
}

/// Mails the user, when they have an e-mail address, that `change`
/// happened to their account (`change` reads as in the SMS notice: "een
/// authenticator app gekoppeld"). Returns at once: the send runs in its
/// own task, bounded by the mail timeout, and a failure is only logged.
fn mail_notice(core: &Core, user: &UserRecord, change: &str) {
    let Some(to) = user
        .email
        .as_deref()
        .map(str::trim)
        .filter(|address| !address.is_empty())
    else {
        return;
    };
    let message = mail::MailMessage {
        to: to.to_string(),
        subject: mail::change_notice_subject(&user.login_name),
        body: mail::change_notice_body(&user.login_name, &user.office_name, change),
    };
    mail::send_later(&core.mail, user.login_name.clone(), message);
}
