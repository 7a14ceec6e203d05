//! Telling a user, by mail and SMS, what happened to their account.

use super::sms_codes::send;
use crate::{core::Core, mail, sms::change_notice_text, storage::users::UserRecord};

/// Something to tell a user that is no change to how they log in (those
/// are told by the door).
#[derive(Debug, Clone, Copy)]
pub enum Notice<'a> {
    /// A recovery code was used: to log in, or to confirm a change.
    RecoveryCodeUsed { to_log_in: bool },
    /// This browser skips the second factor for `days` days (by mail only).
    BrowserRemembered { description: &'a str, days: i64 },
    /// A new address confirmed by its link: told to the old one (by mail
    /// only; `user` as read before).
    EmailConfirmed { new: &'a str },
}

/// What happened to an account, as the notices say it: "is zojuist een
/// app gekoppeld", "zijn zojuist nieuwe herstelcodes gemaakt". The verb
/// follows the subject: plural for a plural thing or for several changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Happened {
    pub what: String,
    pub plural: bool,
}

impl Happened {
    pub fn one(what: impl Into<String>) -> Happened {
        Happened {
            what: what.into(),
            plural: false,
        }
    }

    pub fn many(what: impl Into<String>) -> Happened {
        Happened {
            what: what.into(),
            plural: true,
        }
    }

    /// Several changes in one notice, "A en B": plural whatever each is.
    pub fn joined(mut parts: Vec<Happened>) -> Happened {
        parts.dedup();
        Happened {
            plural: parts.len() > 1 || parts.iter().any(|p| p.plural),
            what: parts
                .into_iter()
                .map(|p| p.what)
                .collect::<Vec<_>>()
                .join(" en "),
        }
    }

    /// "is zojuist …" or "zijn zojuist …".
    pub fn sentence(&self) -> String {
        let verb = if self.plural { "zijn" } else { "is" };
        format!("{verb} zojuist {}", self.what)
    }
}

/// Tells `user` of `notice`: by mail, and a used herstelcode by SMS too.
pub async fn notify(core: &Core, user: &UserRecord, notice: Notice<'_>) {
    match notice {
        Notice::RecoveryCodeUsed { to_log_in } => {
            let what = Happened::one(if to_log_in {
                "een herstelcode gebruikt om in te loggen"
            } else {
                "een herstelcode gebruikt om een wijziging te bevestigen"
            });
            tell(core, user, &what, true).await;
        }
        Notice::BrowserRemembered { description, days } => {
            let what = Happened::one(format!(
                "een apparaat onthouden ({description}): daar wordt {days} dagen alleen je wachtwoord gevraagd"
            ));
            tell(core, user, &what, false).await;
        }
        Notice::EmailConfirmed { new } => {
            let what = Happened::one(format!("je e-mailadres gewijzigd in {new}"));
            tell(core, user, &what, false).await;
        }
    }
}

/// Mails `user`'s address and, with `sms`, texts their number: `what`
/// happened to their account. The mail never waits (a task of its own).
pub(super) async fn tell(core: &Core, user: &UserRecord, what: &Happened, sms: bool) {
    let what = what.sentence();
    mail_notice(core, user, &what);
    let Some(to) = user.mobile.as_deref().filter(|_| sms) else {
        return;
    };
    let text = change_notice_text(&user.login_name, &what);
    let failed = match send(core, user, None, to, text).await {
        Ok(Ok(())) => return,
        Ok(Err(err)) => err.to_string(),
        Err(err) => err.to_string(),
    };
    tracing::warn!(user = %user.login_name, "change notice not sent: {failed}");
}

/// Mails the user, when they have an e-mail address, that `change`
/// happened to their account (`change` reads as in the SMS notice: "is
/// zojuist een authenticator app gekoppeld"). Returns at once: the send runs in its
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

#[cfg(test)]
mod tests {
    use super::Happened;

    #[test]
    fn the_verb_follows_what_happened() {
        assert_eq!(
            Happened::one("een authenticator app gekoppeld").sentence(),
            "is zojuist een authenticator app gekoppeld"
        );
        assert_eq!(
            Happened::many("nieuwe herstelcodes gemaakt").sentence(),
            "zijn zojuist nieuwe herstelcodes gemaakt"
        );
        let two = Happened::joined(vec![
            Happened::one("een passkey toegevoegd"),
            Happened::one("je e-mailadres gewijzigd"),
        ]);
        assert_eq!(
            two.sentence(),
            "zijn zojuist een passkey toegevoegd en je e-mailadres gewijzigd"
        );
        let same_twice = Happened::joined(vec![
            Happened::one("de authenticator app gereset"),
            Happened::one("de authenticator app gereset"),
        ]);
        assert_eq!(
            same_twice.sentence(),
            "is zojuist de authenticator app gereset"
        );
    }
}
