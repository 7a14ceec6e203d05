//! 'Kantoor': the days a browser is remembered, and passkeys.

use crate::{
    core::Core,
    domain::{dormant, factors::passwordless_allowed, text::yes_no, trusted_browser},
    error::AppError,
    factors::{self},
    model::{AuditAction, OfficeSettings},
    session::{self, AuthUser},
    storage::{
        audit::{self, AuditEntry},
        batch::Batch,
        offices::{self, DormantRule},
        passkeys::{self as stored_passkeys, OfficePasskeys},
        trusted,
    },
};

/// The office's setting, for its beheerders.
pub async fn office_settings(
    core: &Core,
    beheerder: &AuthUser,
) -> Result<OfficeSettings, AppError> {
    let passkeys = factors::office_settings(core, beheerder.user.office_id).await?;
    let rule = offices::dormant_rule(&core.db, beheerder.user.office_id).await?;
    Ok(OfficeSettings {
        name: beheerder.user.office_name.clone(),
        trust_days: trusted::office_days(&core.db, beheerder.user.office_id).await?,
        passkeys_allowed: passkeys.allowed,
        passkeys_passwordless: passkeys.passwordless,
        dormant_days: rule.days,
        dormant_block: rule.block,
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
            old_value: Some(&old),
            new_value: Some(&new),
            ..AuditEntry::in_office(
                &beheerder.user,
                &beheerder.user.office_name,
                AuditAction::OfficeTrustDays,
            )
        },
        core.now(),
    ));
    let Ok(()) = core.db.write_batch(batch).await?;
    Ok(())
}

/// The passkey switches as the form sends them ('ja' / 'nee').
pub async fn set_office_passkeys_typed(
    core: &Core,
    beheerder: &AuthUser,
    allowed: &str,
    passwordless: &str,
) -> Result<(), AppError> {
    let allowed = yes_no("Passkeys toestaan", allowed).map_err(AppError::Invalid)?;
    let passwordless = yes_no("Inloggen met een passkey zonder wachtwoord", passwordless)
        .map_err(AppError::Invalid)?;
    set_office_passkeys(core, beheerder, allowed, passwordless).await
}

/// 'Kantoor': passkeys at all, and instead of the password. Either change
/// alters how the office's users log in, so it needs the beheerder's
/// step-up; turning passkeys off leaves each user their other factors.
pub async fn set_office_passkeys(
    core: &Core,
    beheerder: &AuthUser,
    allowed: bool,
    passwordless: bool,
) -> Result<(), AppError> {
    let office_id = beheerder.user.office_id;
    let old = stored_passkeys::office_settings(&core.db, office_id).await?;
    let new = OfficePasskeys {
        allowed,
        passwordless: passwordless_allowed(allowed, passwordless),
    };
    if old == new {
        return Ok(());
    }
    session::require_step_up(core, beheerder)?;
    let describe = |s: OfficePasskeys| {
        format!(
            "passkeys: {}, zonder wachtwoord: {}",
            if s.allowed { "ja" } else { "nee" },
            if s.passwordless { "ja" } else { "nee" }
        )
    };
    let (old_text, new_text) = (describe(old), describe(new));
    let mut batch = Batch::<std::convert::Infallible>::new();
    batch
        .then(stored_passkeys::set_office_settings_stmt(office_id, new))
        .then(audit::record_stmt(
            AuditEntry {
                old_value: Some(&old_text),
                new_value: Some(&new_text),
                ..AuditEntry::in_office(
                    &beheerder.user,
                    &beheerder.user.office_name,
                    AuditAction::OfficePasskeys,
                )
            },
            core.now(),
        ));
    let Ok(()) = core.db.write_batch(batch).await?;
    Ok(())
}

/// 'Niet ingelogd': the days after which a user counts as dormant, and
/// whether such accounts are blocked (a week after a warning by mail).
/// Either changes who may log in, so it needs the beheerder's step-up.
pub async fn set_office_dormant(
    core: &Core,
    beheerder: &AuthUser,
    typed_days: &str,
    typed_block: &str,
) -> Result<(), AppError> {
    let days = dormant::parse_days(typed_days).map_err(AppError::Invalid)?;
    let block = yes_no("Automatisch blokkeren", typed_block).map_err(AppError::Invalid)?;
    let office_id = beheerder.user.office_id;
    let old = offices::dormant_rule(&core.db, office_id).await?;
    let new = DormantRule { days, block };
    if new == old {
        return Ok(());
    }
    session::require_step_up(core, beheerder)?;
    let text = |rule: DormantRule| {
        format!(
            "{} dagen, blokkeren: {}",
            rule.days,
            if rule.block { "Ja" } else { "Nee" }
        )
    };
    let (old, new_text) = (text(old), text(new));
    let mut batch = Batch::<std::convert::Infallible>::new();
    batch
        .then(offices::set_dormant_rule_stmt(office_id, new))
        .then(audit::record_stmt(
            AuditEntry {
                old_value: Some(&old),
                new_value: Some(&new_text),
                ..AuditEntry::in_office(
                    &beheerder.user,
                    &beheerder.user.office_name,
                    AuditAction::OfficeDormant,
                )
            },
            core.now(),
        ));
    let Ok(()) = core.db.write_batch(batch).await?;
    Ok(())
}
