//! Mailing the links every flow sends (a reset link, an invitation): the
//! link made (`domain::link_token`), the older one of its kind voided, the
//! row and the audit row in one batch, then the mail, to an address the
//! portal stored, never one from a request. Built from the public URL.

use std::convert::Infallible;

use crate::{
    core::Core,
    domain::link_token::{IssuedLink, LinkKind, RESET_MAILS, RESET_SECONDS},
    error::AppError,
    mail::{self, MailMessage},
    model::AuditAction,
    storage::{
        audit::{self, AuditEntry},
        batch::Batch,
        link_tokens,
        throttle::{self, Counter},
        users::UserRecord,
    },
};

/// Who asked for the link: the user (or anyone, through 'Wachtwoord
/// vergeten?') or a beheerder of the user's office.
#[derive(Debug, Clone, Copy)]
pub enum AskedBy<'a> {
    Anyone,
    Beheerder(&'a UserRecord),
}

/// Whether a reset link went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetMail {
    Sent,
    /// The account has no confirmed address.
    NoAddress,
    /// Three this hour already.
    Limited,
}

/// A reset link to the account's confirmed address, at most three an hour
/// (whoever asks): a newer link voids the older.
pub async fn mail_reset_link(
    core: &Core,
    user: &UserRecord,
    asked_by: AskedBy<'_>,
) -> Result<ResetMail, AppError> {
    let Some(address) = user.email.clone() else {
        return Ok(ResetMail::NoAddress);
    };
    let now = core.now();
    let counter = Counter::ResetMails(user.id);
    if throttle::take_window(&core.db, &counter, &RESET_MAILS, now)
        .await?
        .is_err()
    {
        return Ok(ResetMail::Limited);
    }
    let link = issue(
        core,
        user,
        LinkKind::Reset,
        None,
        asked_by,
        AuditAction::PasswordResetSent,
    )
    .await?;
    mail::send_later(
        &core.mail,
        user.login_name.clone(),
        MailMessage {
            to: address,
            subject: mail::reset_link_subject(&user.login_name),
            body: mail::reset_link_body(
                &user.login_name,
                &user.office_name,
                &link.url(&core.links.public_url),
                RESET_SECONDS / 60,
            ),
        },
    );
    Ok(ResetMail::Sent)
}

/// An invitation to `address` (the one the beheerder typed, confirmed by
/// the link's use): the older invitation of the account no longer opens.
pub async fn mail_invitation(
    core: &Core,
    user: &UserRecord,
    address: &str,
    beheerder: &UserRecord,
    action: AuditAction,
) -> Result<(), AppError> {
    let link = issue(
        core,
        user,
        LinkKind::Invitation,
        Some(address),
        AskedBy::Beheerder(beheerder),
        action,
    )
    .await?;
    let days = core.links.lifetimes.of(LinkKind::Invitation) / (24 * 60 * 60);
    mail::send_later(
        &core.mail,
        user.login_name.clone(),
        MailMessage {
            to: address.to_string(),
            subject: mail::invitation_subject(&user.office_name),
            body: mail::invitation_body(
                &user.login_name,
                &user.office_name,
                &link.url(&core.links.public_url),
                days,
            ),
        },
    );
    Ok(())
}

/// The link stored, the older of its kind voided, audited, in one batch.
async fn issue(
    core: &Core,
    user: &UserRecord,
    kind: LinkKind,
    address: Option<&str>,
    asked_by: AskedBy<'_>,
    action: AuditAction,
) -> Result<IssuedLink, AppError> {
    let now = core.now();
    let link = IssuedLink::new(kind, &core.links.lifetimes, now);
    let entry = match asked_by {
        AskedBy::Anyone => AuditEntry::own(user, action),
        AskedBy::Beheerder(beheerder) => AuditEntry::on_behalf(beheerder, user, action),
    };
    let mut batch = Batch::<Infallible>::new();
    batch
        .then(link_tokens::void_stmt(user.id, kind, now))
        .then(link_tokens::insert_stmt(user.id, &link, address, now))
        .then(audit::record_stmt(entry, now));
    let Ok(()) = core.db.write_batch(batch).await?;
    Ok(link)
}
