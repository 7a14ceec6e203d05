//! The one door for every change to how an account logs in
//! ([`LoginChanges`], [`commit_login_change`]): the step-up checked, the
//! change, the end of other sessions and trusted browsers and the audit
//! rows in one transaction, then the old number and address told.

use super::notices::{tell, Happened};
use crate::{
    core::Core,
    domain::clock::UnixTime,
    error::AppError,
    model::{mask_phone, AuditAction, UserKind},
    session::AuthUser,
    storage::{
        audit::{self, AuditEntry},
        batch::Batch,
        lifecycle::removed_label,
        link_tokens, sessions, trusted,
        users::UserRecord,
    },
};

/// A change to how an account logs in. Each goes through [`LoginChanges`],
/// which checks the step-up, ends the account's other sessions and trusted
/// browsers, audits and tells the old number and address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginChange {
    /// A binding confirmed, with a new set of recovery codes.
    AppBound {
        replaced: bool,
        key_id: String,
    },
    AppUnbound,
    /// A beheerder removed the app (a lost phone).
    AppReset,
    Mobile {
        old: Option<String>,
        new: Option<String>,
    },
    /// A beheerder's 'Inlog met twee-factor-authenticatie' for an office
    /// user, with 'Verplicht vanaf': `was` and `now` as the Logboek shows
    /// them ('Nee', 'Ja', 'Ja, vanaf 1 februari 2027').
    TwoFactorSwitch {
        on: bool,
        was: String,
        now: String,
    },
    /// The user's own choice under 'Optioneel'.
    TwoFactorChoice {
        on: bool,
    },
    RecoveryCodes,
    /// The address confirmed or removed.
    Email {
        old: Option<String>,
        new: Option<String>,
    },
    /// A new address typed: it counts once its link is used.
    EmailRequested {
        new: String,
    },
    /// A beheerder's 'Sessies beëindigen'.
    SessionsEnded,
    /// A passkey made; `recovery_codes`: the first set came with it.
    PasskeyAdded {
        name: String,
        recovery_codes: bool,
    },
    PasskeyRemoved {
        name: String,
    },
    /// A beheerder's 'Passkeys verwijderen'.
    PasskeysReset,
    /// A new password (see [`PasswordSet`]).
    Password(PasswordSet),
    /// 'Account blokkeren'; `dormant_days`: by the office's dormant rule.
    Blocked {
        dormant_days: Option<i64>,
    },
    /// 'Blokkade opheffen'.
    Unblocked,
    /// 'Verwijderen': the account and all of it deleted; the Logboek's
    /// rows stay, under [`removed_label`].
    Removed,
}

/// How a new password came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSet {
    /// 'Wachtwoord wijzigen', behind the step-up.
    Changed,
    /// Through a mailed reset link.
    Reset,
    /// The first one, from the invitation's link, which went to `email`.
    Chosen { email: String },
}

impl LoginChange {
    /// A stronger login needs no proof: turning two-factor login on.
    fn needs_step_up(&self) -> bool {
        !matches!(self, LoginChange::TwoFactorChoice { on: true })
    }

    /// No mailed link of the account may open after it.
    fn voids_links(&self) -> bool {
        matches!(self, LoginChange::Blocked { .. } | LoginChange::Removed)
    }

    /// The audit rows: action, old value, new value.
    fn audit_rows(&self) -> Vec<(AuditAction, Option<String>, Option<String>)> {
        let yes_no = |on: bool| Some(if on { "Ja" } else { "Nee" }.to_string());
        match self {
            LoginChange::AppBound { replaced, key_id } => vec![
                (
                    AuditAction::AuthenticatorBound,
                    replaced.then(|| "app".to_string()),
                    Some(key_id.clone()),
                ),
                (AuditAction::RecoveryCreated, None, None),
            ],
            LoginChange::AppUnbound => vec![(AuditAction::AuthenticatorUnbound, None, None)],
            LoginChange::AppReset => vec![(AuditAction::AuthenticatorReset, None, None)],
            LoginChange::Mobile { old, new } => {
                vec![(AuditAction::UserMobile, old.clone(), new.clone())]
            }
            LoginChange::TwoFactorSwitch { was, now, .. } => {
                vec![(
                    AuditAction::UserTwoFactor,
                    Some(was.clone()),
                    Some(now.clone()),
                )]
            }
            LoginChange::TwoFactorChoice { on } => {
                vec![(AuditAction::UserTwoFactorChoice, yes_no(!on), yes_no(*on))]
            }
            LoginChange::RecoveryCodes => vec![(AuditAction::RecoveryCreated, None, None)],
            LoginChange::Email { old, new } => {
                vec![(AuditAction::UserEmail, old.clone(), new.clone())]
            }
            LoginChange::EmailRequested { new } => {
                vec![(AuditAction::UserEmailRequested, None, Some(new.clone()))]
            }
            LoginChange::SessionsEnded => vec![(AuditAction::SessionsEnded, None, None)],
            LoginChange::PasskeyAdded {
                name,
                recovery_codes,
            } => {
                let mut rows = vec![(AuditAction::PasskeyAdded, None, Some(name.clone()))];
                if *recovery_codes {
                    rows.push((AuditAction::RecoveryCreated, None, None));
                }
                rows
            }
            LoginChange::PasskeyRemoved { name } => {
                vec![(AuditAction::PasskeyRemoved, Some(name.clone()), None)]
            }
            LoginChange::PasskeysReset => vec![(AuditAction::PasskeysReset, None, None)],
            LoginChange::Password(set) => vec![(
                match set {
                    PasswordSet::Changed => AuditAction::PasswordChanged,
                    PasswordSet::Reset => AuditAction::PasswordReset,
                    PasswordSet::Chosen { .. } => AuditAction::PasswordChosen,
                },
                None,
                None,
            )],
            LoginChange::Blocked { dormant_days } => vec![(
                AuditAction::UserBlocked,
                None,
                dormant_days.map(|days| format!("niet ingelogd in {days} dagen")),
            )],
            LoginChange::Unblocked => vec![(AuditAction::UserUnblocked, None, None)],
            LoginChange::Removed => vec![(AuditAction::UserRemoved, None, None)],
        }
    }

    /// What the notice says happened, as in "is zojuist …" (without who);
    /// `None`: nothing to tell (a first password: the account had no
    /// confirmed address or number to tell before).
    fn notice(&self, by_user: bool) -> Option<Happened> {
        Some(match self {
            LoginChange::AppBound {
                replaced: false, ..
            } => Happened::one("een authenticator app gekoppeld"),
            LoginChange::AppBound { replaced: true, .. } => {
                Happened::one("een nieuwe authenticator app gekoppeld; de vorige werkt niet meer")
            }
            LoginChange::AppUnbound => Happened::one("de authenticator app ontkoppeld"),
            LoginChange::AppReset => Happened::one("de authenticator app gereset"),
            LoginChange::Mobile { new: None, .. } => Happened::one("je mobiele nummer verwijderd"),
            LoginChange::Mobile {
                old: None,
                new: Some(new),
            } if by_user => {
                Happened::one(format!("een mobiel nummer ingesteld ({})", mask_phone(new)))
            }
            LoginChange::Mobile { new: Some(new), .. } if by_user => Happened::one(format!(
                "je mobiele nummer gewijzigd in {}",
                mask_phone(new)
            )),
            LoginChange::Mobile { .. } => Happened::one("je mobiele nummer gewijzigd"),
            LoginChange::TwoFactorSwitch { on: true, now, .. } if now != "Ja" => Happened::one(
                format!("de inlog met twee-factor-authenticatie aangezet ({now})"),
            ),
            LoginChange::TwoFactorSwitch { on, .. } | LoginChange::TwoFactorChoice { on } => {
                Happened::one(format!(
                    "de inlog met twee-factor-authenticatie {}",
                    if *on { "aangezet" } else { "uitgezet" }
                ))
            }
            LoginChange::RecoveryCodes => {
                Happened::many("nieuwe herstelcodes gemaakt; de vorige werken niet meer")
            }
            LoginChange::Email { new: None, .. } => Happened::one("je e-mailadres verwijderd"),
            LoginChange::Email { .. } => Happened::one("je e-mailadres gewijzigd"),
            LoginChange::EmailRequested { .. } => {
                Happened::one("een nieuw, nog te bevestigen e-mailadres opgegeven")
            }
            LoginChange::SessionsEnded => Happened::many("al je sessies beëindigd"),
            LoginChange::PasskeyAdded { name, .. } => {
                Happened::one(format!("een passkey toegevoegd ({name})"))
            }
            LoginChange::PasskeyRemoved { name } => {
                Happened::one(format!("de passkey '{name}' verwijderd"))
            }
            LoginChange::PasskeysReset => Happened::many("al je passkeys verwijderd"),
            LoginChange::Password(PasswordSet::Changed) => Happened::one("je wachtwoord gewijzigd"),
            LoginChange::Password(PasswordSet::Reset) => {
                Happened::one("je wachtwoord gewijzigd met een herstellink uit je e-mail")
            }
            LoginChange::Password(PasswordSet::Chosen { .. }) => return None,
            LoginChange::Blocked {
                dormant_days: Some(days),
            } => Happened::one(format!(
                "je account geblokkeerd, omdat je {days} dagen niet hebt ingelogd"
            )),
            LoginChange::Blocked { dormant_days: None } => Happened::one("je account geblokkeerd"),
            LoginChange::Unblocked => Happened::one("de blokkade van je account opgeheven"),
            LoginChange::Removed => Happened::one("je account verwijderd"),
        })
    }
}

/// Who makes a change.
#[derive(Debug, Clone)]
pub enum ChangedBy<'a> {
    /// The user themselves, in a session that stepped up.
    User(&'a AuthUser),
    /// A beheerder of the user's office, in a session that stepped up.
    Beheerder(&'a AuthUser),
    /// The login's last step, whose code proved the change: `pending` is
    /// the waiting session it ends, `next` the session it starts.
    Login { pending: String, next: String },
    /// A mailed link, used once, proved the change; it starts no session,
    /// so every session of the account ends.
    Link,
    /// The office's own rule (the dormant block), run by the scheduled
    /// task: no person, so no step-up and every session ends.
    OfficeRule,
}

impl ChangedBy<'_> {
    /// The sessions of `subject` that go on: the one making the change.
    fn keep(&self, subject: &UserRecord) -> [Option<&str>; 2] {
        match self {
            ChangedBy::User(auth) => [Some(auth.session_hash.as_str()), None],
            ChangedBy::Beheerder(auth) => [auth.own_session_if(subject.id), None],
            ChangedBy::Login { pending, next } => [Some(next.as_str()), Some(pending.as_str())],
            ChangedBy::Link | ChangedBy::OfficeRule => [None, None],
        }
    }

    fn entry<'e>(&self, subject: &'e UserRecord, action: AuditAction) -> AuditEntry<'e>
    where
        Self: 'e,
    {
        match self {
            ChangedBy::Beheerder(auth) => AuditEntry::on_behalf(&auth.user, subject, action),
            ChangedBy::OfficeRule => AuditEntry {
                office_id: Some(subject.office_id),
                subject: Some(&subject.login_name),
                ..AuditEntry::new(action)
            },
            _ => AuditEntry::own(subject, action),
        }
    }
}

/// Changes to how `subject` logs in, on their way through the one door.
/// Made by [`LoginChanges::new`], which refuses without a recent step-up;
/// [`LoginChanges::add_to`] puts the end of the other sessions and trusted
/// browsers and the audit rows into the change's own batch; once that has
/// committed, [`LoginChanges::announce`] tells the number and address the
/// account had. [`commit_login_change`] does all three for a plain change.
#[must_use = "a change is announced once it has committed"]
pub struct LoginChanges<'a> {
    by: ChangedBy<'a>,
    subject: UserRecord,
    changes: Vec<LoginChange>,
}

impl<'a> LoginChanges<'a> {
    /// `subject` as read before the change: its number and address are
    /// the ones told.
    pub fn new(
        core: &Core,
        by: ChangedBy<'a>,
        subject: UserRecord,
        changes: Vec<LoginChange>,
    ) -> Result<LoginChanges<'a>, AppError> {
        if let ChangedBy::User(auth) | ChangedBy::Beheerder(auth) = &by {
            if changes.iter().any(LoginChange::needs_step_up) {
                crate::session::require_step_up(core, auth)?;
            }
        }
        if let ChangedBy::Beheerder(auth) = &by {
            let theirs = auth.user.kind == UserKind::Office
                && auth.user.is_beheerder
                && auth.user.office_id == subject.office_id;
            if !theirs {
                return Err(AppError::Forbidden);
            }
        }
        Ok(LoginChanges {
            by,
            subject,
            changes,
        })
    }

    pub fn add_to<C: Copy>(&self, batch: &mut Batch<C>, now: UnixTime) {
        let user_id = self.subject.id;
        batch
            .then(sessions::end_others_stmt(
                user_id,
                self.by.keep(&self.subject),
            ))
            .then(trusted::forget_all_stmt(user_id));
        if self.changes.iter().any(LoginChange::voids_links) {
            batch.then(link_tokens::void_all_stmt(user_id, now));
        }
        // A removal's own row already names the account as the rest will.
        let removed = removed_label(user_id);
        for change in &self.changes {
            for (action, old, new) in change.audit_rows() {
                let by = self.by.entry(&self.subject, action);
                let entry = AuditEntry {
                    old_value: old.as_deref(),
                    new_value: new.as_deref(),
                    subject: match change {
                        LoginChange::Removed => Some(removed.as_str()),
                        _ => by.subject,
                    },
                    ..by
                };
                batch.then(audit::record_stmt(entry, now));
            }
        }
    }

    /// After commit: the number and the address the account had hear of
    /// it. Best effort: a failing gateway is logged, and the change stands.
    pub async fn announce(self, core: &Core) {
        let by_user = !matches!(self.by, ChangedBy::Beheerder(_) | ChangedBy::OfficeRule);
        let told: Vec<Happened> = self
            .changes
            .iter()
            .filter_map(|c| c.notice(by_user))
            .collect();
        if told.is_empty() {
            return;
        }
        let mut what = Happened::joined(told);
        if matches!(self.by, ChangedBy::Beheerder(_)) {
            what.what.push_str(" door je administratiekantoor");
        }
        // A removed account's SMS could not be recorded against it.
        let sms = !self.changes.contains(&LoginChange::Removed);
        tell(core, &self.subject, &what, sms).await;
    }
}

/// One change through the door: `batch` holds the change's own writes
/// (its conditions answer `Ok(Err(why))`, and then nothing is kept).
pub async fn commit_login_change<C: Copy + Send + 'static>(
    core: &Core,
    by: ChangedBy<'_>,
    subject: &UserRecord,
    changes: Vec<LoginChange>,
    mut batch: Batch<C>,
) -> Result<Result<(), C>, AppError> {
    let changes = LoginChanges::new(core, by, subject.clone(), changes)?;
    changes.add_to(&mut batch, core.now());
    if let Err(why) = core.db.write_batch(batch).await? {
        return Ok(Err(why));
    }
    changes.announce(core).await;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::{LoginChange, PasswordSet};

    /// Every notice the door can send, by the user and by a beheerder:
    /// the verb agrees with what it names first.
    #[test]
    fn every_notice_reads_as_a_dutch_sentence() {
        let number = || Some("+31612345678".to_string());
        let changes = [
            LoginChange::AppBound {
                replaced: false,
                key_id: "k".into(),
            },
            LoginChange::AppBound {
                replaced: true,
                key_id: "k".into(),
            },
            LoginChange::AppUnbound,
            LoginChange::AppReset,
            LoginChange::Mobile {
                old: None,
                new: number(),
            },
            LoginChange::Mobile {
                old: number(),
                new: number(),
            },
            LoginChange::Mobile {
                old: number(),
                new: None,
            },
            LoginChange::TwoFactorSwitch {
                on: true,
                was: "Nee".into(),
                now: "Ja, vanaf 1 februari 2027".into(),
            },
            LoginChange::TwoFactorSwitch {
                on: false,
                was: "Ja".into(),
                now: "Nee".into(),
            },
            LoginChange::TwoFactorChoice { on: true },
            LoginChange::RecoveryCodes,
            LoginChange::Email {
                old: None,
                new: Some("a@b.example".into()),
            },
            LoginChange::EmailRequested {
                new: "b@c.example".into(),
            },
            LoginChange::SessionsEnded,
            LoginChange::PasskeyAdded {
                name: "Telefoon".into(),
                recovery_codes: true,
            },
            LoginChange::PasskeyRemoved {
                name: "Telefoon".into(),
            },
            LoginChange::PasskeysReset,
            LoginChange::Password(PasswordSet::Changed),
            LoginChange::Password(PasswordSet::Reset),
            LoginChange::Blocked { dormant_days: None },
            LoginChange::Blocked {
                dormant_days: Some(180),
            },
            LoginChange::Unblocked,
            LoginChange::Removed,
        ];
        for change in &changes {
            for by_user in [true, false] {
                let sentence = change.notice(by_user).expect("told").sentence();
                let first = sentence
                    .split(['(', ';'])
                    .next()
                    .unwrap_or_default()
                    .trim_end();
                let names_many = ["herstelcodes", "sessies", "passkeys"]
                    .iter()
                    .any(|plural| first.ends_with(plural) || first.contains(&format!("{plural} ")));
                let verb = if names_many { "zijn " } else { "is " };
                assert!(
                    sentence.starts_with(&format!("{verb}zojuist ")),
                    "{change:?}: {sentence}"
                );
                assert!(!sentence.contains("  "), "{sentence}");
            }
        }
    }
}
