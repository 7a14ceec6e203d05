//! The first step of a login: login name and password, held back after
//! repeated failures per login name and per source address. The step-up
//! checks passwords through the same gate, so it is no way around it.

use crate::{
    core::{client_ip, internal, Core},
    domain::{
        lockout::{address_source, minutes_text, PASSWORD_ACCOUNT, PASSWORD_ADDRESS},
        login_form::{check_password_input, LoginName},
        password::PasswordError,
    },
    error::AppError,
    model::{AuditAction, LoginOutcome},
    second_factor,
    storage::{
        audit::{self, AuditEntry},
        throttle::{self, Counter},
        users,
    },
};

/// 'Inloggen'.
pub async fn login(
    core: &Core,
    login_name: &str,
    password: String,
) -> Result<LoginOutcome, AppError> {
    let name = LoginName::parse(login_name).map_err(AppError::Invalid)?;
    check_password_input(&password).map_err(AppError::Invalid)?;

    let found = users::credentials(&core.db, name.as_str()).await?;
    let right = judge(
        core,
        &name,
        found.as_ref().map(|c| c.password_hash.clone()),
        password,
    )
    .await?;
    let now = core.now();
    let office_id = found.as_ref().map(|c| c.office_id);
    let Some(user) = found.filter(|_| right) else {
        audit::record(
            &core.db,
            AuditEntry {
                office_id,
                subject: Some(name.as_str()),
                ..AuditEntry::new(AuditAction::LoginFailed)
            },
            now,
        )
        .await?;
        return Err(AppError::BadCredentials);
    };

    let record = users::find(&core.db, user.user_id)
        .await?
        .ok_or_else(|| internal("user vanished during login"))?;
    let outcome = second_factor::after_password(core, &record).await?;
    audit::record(
        &core.db,
        AuditEntry {
            office_id: Some(user.office_id),
            actor_user_id: Some(user.user_id),
            subject: Some(name.as_str()),
            ..AuditEntry::new(match outcome {
                LoginOutcome::LoggedIn => AuditAction::LoginOk,
                _ => AuditAction::LoginPasswordOk,
            })
        },
        now,
    )
    .await?;
    Ok(outcome)
}

/// Checks a password for `name` (`stored`: its hash, `None` for an unknown
/// name, which is checked against a dummy hash and is never right).
///
/// Per login name the try is counted *before* the hash is checked, so
/// parallel guesses cannot slip past the limit; while the name is held
/// back the password is not checked at all, and a right one is refused
/// with the same message as a wrong one. Per source address only judged
/// failures count: the address limit is a coarse brake far above the
/// account's, and counting in-flight logins there would let a busy office
/// behind one address lock itself out.
pub async fn judge(
    core: &Core,
    name: &LoginName,
    stored: Option<String>,
    password: String,
) -> Result<bool, AppError> {
    if core.passwords.is_full() {
        // A flood: answered at once, before any database work.
        return Err(AppError::Busy);
    }
    let now = core.now();
    let account = Counter::Account(name.as_str().to_string());
    let address = client_ip().map(|ip| Counter::Address(address_source(ip)));

    if let Some(address) = &address {
        if let Some(wait) = throttle::get(&core.db, address).await?.locked_for(now) {
            return Err(AppError::TooMany(format!(
                "Er zijn vanaf jouw internetverbinding te veel onjuiste inlogpogingen gedaan. \
                 Je kunt het {} opnieuw proberen.",
                minutes_text(wait)
            )));
        }
    }
    if let Err(wait) = throttle::reserve(&core.db, &account, &PASSWORD_ACCOUNT, now).await? {
        return Err(held_back(wait));
    }
    let right = match core.passwords.verify(password, stored).await {
        Ok(right) => right,
        Err(PasswordError::Busy) => {
            // Not judged: the try is given back.
            throttle::refund(&core.db, &account, now).await?;
            return Err(AppError::Busy);
        }
        Err(err) => return Err(internal(err)),
    };
    if right {
        throttle::reset(&core.db, &account, now).await?;
    } else if let Some(address) = &address {
        throttle::count_failure(&core.db, address, &PASSWORD_ADDRESS, now).await?;
    }
    Ok(right)
}

pub fn held_back(wait: i64) -> AppError {
    AppError::TooMany(format!(
        "Er is te vaak een onjuist wachtwoord ingevuld voor deze inlognaam. \
         Je kunt het {} opnieuw proberen.",
        minutes_text(wait)
    ))
}
