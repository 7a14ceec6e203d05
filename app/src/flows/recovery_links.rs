//! The links the portal mails and what opening one may do: 'Wachtwoord
//! vergeten?' and the reset link it sends, and the invitation's link,
//! which sets the first password. (Making and mailing a link is
//! `factors::links`, which the beheerder's screens use too.)
//!
//! What an attacker tries here, and why it fails:
//! - typing someone's name or address to learn whether they have an
//!   account: every well-formed request gets the same answer at once, and
//!   the lookup and the mail happen after it, in a task of their own;
//! - typing their own address beside the victim's: the link goes only to
//!   the address stored for the account, never to one from the form;
//! - a forged `Host`: the link is built from the configured public URL;
//! - a read mailbox: the link lives 30 minutes, works once, a newer one
//!   voids it, and it never logs in: the login after it asks the second
//!   factor as always;
//! - flooding a mailbox: three mails per account per hour, and a limit per
//!   source address on the form.

use crate::{
    core::{client_ip, Core},
    domain::{
        link_token::{lookup_hash, LinkKind, RESET_FORM_ADDRESS},
        lockout::address_source,
        login_form::{AccountHint, LoginName},
    },
    error::AppError,
    factors::{self, AskedBy, ChangedBy, Notice, PasswordSet, ResetMail},
    model::{minutes_text, AuditAction, LinkAccount},
    storage::{
        audit::{self, AuditEntry},
        batch::Batch,
        link_tokens::{self, FoundLink},
        throttle::{self, Counter},
        users::{self, UserRecord},
    },
};

/// 'Stuur herstellink': one answer for every well-formed input, known or
/// not. Only the shape of the input and the address's limit are checked
/// before the answer; both are the same for every account.
pub async fn ask_reset(core: &Core, typed: &str) -> Result<(), AppError> {
    let hint = AccountHint::parse(typed).map_err(AppError::Invalid)?;
    if let Some(ip) = client_ip() {
        let counter = Counter::ResetForm(address_source(ip));
        if let Err(wait) =
            throttle::take_window(&core.db, &counter, &RESET_FORM_ADDRESS, core.now()).await?
        {
            return Err(AppError::TooMany(format!(
                "Er zijn vanaf jouw internetverbinding te veel herstellinks aangevraagd. \
                 Je kunt het {} opnieuw proberen.",
                minutes_text(wait)
            )));
        }
    }
    let core = core.clone();
    tokio::spawn(async move {
        if let Err(err) = mail_reset_links(&core, &hint).await {
            tracing::warn!("reset link not sent: {err}");
        }
    });
    Ok(())
}

/// The accounts the hint names: by login name, and by address (each
/// account at that address gets its own mail, naming its login).
async fn accounts_named(core: &Core, hint: &AccountHint) -> Result<Vec<UserRecord>, AppError> {
    let mut ids = Vec::new();
    if let Ok(name) = LoginName::parse(hint.as_str()) {
        if let Some(found) = users::credentials(&core.db, name.as_str()).await? {
            ids.push(found.user_id);
        }
    }
    if hint.may_be_email() {
        ids.extend(users::ids_with_email(&core.db, hint.as_str()).await?);
    }
    ids.sort_unstable();
    ids.dedup();
    let mut accounts = Vec::with_capacity(ids.len());
    for id in ids {
        accounts.extend(users::find(&core.db, id).await?);
    }
    Ok(accounts)
}

async fn mail_reset_links(core: &Core, hint: &AccountHint) -> Result<(), AppError> {
    for user in accounts_named(core, hint).await? {
        let sent = factors::mail_reset_link(core, &user, AskedBy::Anyone).await?;
        if sent != ResetMail::Sent {
            tracing::info!(user = %user.login_name, "reset link not sent: {sent:?}");
        }
    }
    Ok(())
}

/// A link that still opens: its hash, its row, and whose account it is;
/// one refusal for an unknown, used, voided or expired link.
async fn open_link(
    core: &Core,
    token: &str,
    kind: LinkKind,
) -> Result<(String, FoundLink, UserRecord), AppError> {
    let hash = lookup_hash(token).ok_or(AppError::LinkGone)?;
    let found = link_tokens::find(&core.db, &hash, kind)
        .await?
        .filter(|link| link.state.opens(core.now()))
        .ok_or(AppError::LinkGone)?;
    let user = users::find(&core.db, found.user_id)
        .await?
        .ok_or(AppError::LinkGone)?;
    if user.blocked {
        // Only a holder of the link learns it; the block voided the link
        // in any case, so this answers a race.
        return Err(AppError::Blocked);
    }
    Ok((hash, found, user))
}

/// Which page of a mailed link: `welkom` (an invitation) or `herstellen`
/// (a reset). Anything else is no link of ours.
fn kind_of(page: &str) -> Result<LinkKind, AppError> {
    match page {
        "welkom" => Ok(LinkKind::Invitation),
        "herstellen" => Ok(LinkKind::Reset),
        "e-mailadres" => Ok(LinkKind::Address),
        _ => Err(AppError::LinkGone),
    }
}

/// 'Kies je wachtwoord' as opened: whose password the link sets. Opening
/// changes nothing (a mail scanner that follows links uses none); only
/// saving uses the link.
pub async fn link_page(core: &Core, page: &str, token: &str) -> Result<LinkAccount, AppError> {
    let kind = kind_of(page)?;
    let (_, found, user) = open_link(core, token, kind).await?;
    if kind == LinkKind::Invitation && !user.invited {
        return Err(AppError::LinkGone);
    }
    Ok(LinkAccount {
        login_name: user.login_name,
        email: found.email.filter(|_| kind == LinkKind::Address),
    })
}

/// The link was used by a parallel request first.
#[derive(Debug, Clone, Copy)]
struct Used;

/// 'Wachtwoord opslaan' on a link's page, through the door. A reset ends
/// every session, waiting login and trusted browser of the account,
/// clears its lockout and tells the user. An invitation's link sets the
/// first password and confirms the address it came to. Neither starts a
/// session: the login after it asks what the login always asks.
pub async fn choose_password(
    core: &Core,
    page: &str,
    token: &str,
    new: &str,
    repeated: &str,
) -> Result<(), AppError> {
    let kind = kind_of(page)?;
    if kind == LinkKind::Address {
        return Err(AppError::LinkGone);
    }
    let (hash, found, user) = open_link(core, token, kind).await?;
    let mut batch = Batch::new();
    batch.must_change(link_tokens::use_stmt(&hash, kind, core.now()), Used);
    let how = match kind {
        LinkKind::Invitation => match (user.invited, found.email) {
            (true, Some(email)) => PasswordSet::Chosen { email },
            _ => return Err(AppError::LinkGone),
        },
        _ => PasswordSet::Reset,
    };
    let password = factors::checked_new_password(core, &user, new, repeated).await?;
    factors::commit_new_password(core, ChangedBy::Link, &user, how, password, batch)
        .await?
        .map_err(|Used| AppError::LinkGone)
}

/// 'E-mailadres bevestigen': the address the link went to becomes the
/// account's, if it still waits; the old address is told. Opening the
/// page changes nothing: the button does.
pub async fn confirm_email(core: &Core, token: &str) -> Result<(), AppError> {
    let (hash, found, user) = open_link(core, token, LinkKind::Address).await?;
    let email = found.email.ok_or(AppError::LinkGone)?;
    let now = core.now();
    let mut batch = Batch::new();
    batch
        .must_change(link_tokens::use_stmt(&hash, LinkKind::Address, now), Used)
        .must_change(users::confirm_email(user.id, &email), Used)
        .then(audit::record_stmt(
            AuditEntry {
                old_value: user.email.as_deref(),
                new_value: Some(&email),
                ..AuditEntry::own(&user, AuditAction::UserEmail)
            },
            now,
        ));
    core.db
        .write_batch(batch)
        .await?
        .map_err(|Used| AppError::LinkGone)?;
    factors::notify(core, &user, Notice::EmailConfirmed { new: &email }).await;
    Ok(())
}
