//! Mailing the links every flow sends (a reset link, an invitation, an
//! address's confirmation), and what a typed address must do: the
//! link made (`domain::link_token`), the older one of its kind voided, the
//! row and the audit row in one batch, then the mail, to an address the
//! portal stored, never one from a request. Built from the public URL.

use std::convert::Infallible;

use super::door::LoginChange;
use crate::{
    core::Core,
    domain::{
        address::{self, AddressChange},
        link_token::{IssuedLink, LinkKind, RESET_MAILS, RESET_SECONDS},
    },
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
    /// 'Account blokkeren': no link opens for it.
    Blocked,
}

/// A reset link to the account's confirmed address, at most three an hour
/// (whoever asks): a newer link voids the older.
pub async fn mail_reset_link(
    core: &Core,
    user: &UserRecord,
    asked_by: AskedBy<'_>,
) -> Result<ResetMail, AppError> {
    if user.blocked {
        return Ok(ResetMail::Blocked);
    }
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
        Some(AuditAction::PasswordResetSent),
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
/// `action`: its Logboek row (`None` for an import's, which has one row
/// for the whole import).
pub async fn mail_invitation(
    core: &Core,
    user: &UserRecord,
    address: &str,
    beheerder: &UserRecord,
    action: Option<AuditAction>,
) -> Result<(), AppError> {
    if user.blocked {
        return Err(AppError::invalid(
            "Dit account is geblokkeerd. Hef eerst de blokkade op.",
        ));
    }
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
    action: Option<AuditAction>,
) -> Result<IssuedLink, AppError> {
    let now = core.now();
    let link = IssuedLink::new(kind, &core.links.lifetimes, now);
    let mut batch = Batch::<Infallible>::new();
    batch
        .then(link_tokens::void_stmt(user.id, kind, now))
        .then(link_tokens::insert_stmt(user.id, &link, address, now));
    if let Some(action) = action {
        let entry = match asked_by {
            AskedBy::Anyone => AuditEntry::own(user, action),
            AskedBy::Beheerder(beheerder) => AuditEntry::on_behalf(beheerder, user, action),
        };
        batch.then(audit::record_stmt(entry, now));
    }
    let Ok(()) = core.db.write_batch(batch).await?;
    Ok(link)
}

/// A typed address, as the door takes it: the change to audit and tell,
/// the confirmed and waiting addresses the account then has, and the
/// address a confirmation link must go to once it has committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressStep {
    pub change: LoginChange,
    pub email: Option<String>,
    pub pending_email: Option<String>,
    pub confirm: Option<String>,
}

/// What typing `typed` as `user`'s address must do (`domain::address`);
/// `None`: nothing.
pub fn address_step(user: &UserRecord, typed: Option<&str>) -> Option<AddressStep> {
    match address::change(user.email.as_deref(), user.pending_email.as_deref(), typed) {
        AddressChange::Unchanged => None,
        AddressChange::Remove => Some(AddressStep {
            change: LoginChange::Email {
                old: user.email.clone(),
                new: None,
            },
            email: None,
            pending_email: None,
            confirm: None,
        }),
        AddressChange::Confirm(new) => Some(AddressStep {
            change: LoginChange::EmailRequested { new: new.clone() },
            email: user.email.clone(),
            pending_email: Some(new.clone()),
            confirm: Some(new),
        }),
    }
}

/// The confirmation link to a new address (after the change that made it
/// wait has committed); the older link of the account no longer opens.
pub async fn mail_address_confirmation(
    core: &Core,
    user: &UserRecord,
    address: &str,
    asked_by: AskedBy<'_>,
) -> Result<(), AppError> {
    let link = issue(
        core,
        user,
        LinkKind::Address,
        Some(address),
        asked_by,
        Some(AuditAction::EmailConfirmationSent),
    )
    .await?;
    mail::send_later(
        &core.mail,
        user.login_name.clone(),
        MailMessage {
            to: address.to_string(),
            subject: mail::address_confirmation_subject(&user.login_name),
            body: mail::address_confirmation_body(
                &user.login_name,
                &user.office_name,
                &link.url(&core.links.public_url),
            ),
        },
    );
    Ok(())
}
