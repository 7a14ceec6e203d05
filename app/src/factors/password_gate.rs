//! The password gate: every password check, the login's and the step-up's,
//! is held back after repeated failures per login name and per source
//! address, so the step-up is no way around the login's limits.

use crate::{
    core::{client_ip, internal, Core},
    domain::{
        lockout::{address_source, PASSWORD_ACCOUNT, PASSWORD_ADDRESS},
        login_form::LoginName,
        password::PasswordError,
    },
    error::AppError,
    model::minutes_text,
    storage::throttle::{self, Counter},
};

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
pub async fn judge_password(
    core: &Core,
    name: &LoginName,
    stored: Option<String>,
    password: String,
) -> Result<bool, AppError> {
    if core.passwords.is_full() {
        // A flood: answered at once, before any database work.
        crate::metrics::hash_refused();
        return Err(AppError::Busy);
    }
    let now = core.now();
    let account = Counter::Account(name.as_str().to_string());
    let address = client_ip().map(|ip| Counter::Address(address_source(ip)));

    if let Some(address) = &address {
        if let Some(wait) = throttle::get(&core.db, address).await?.locked_for(now) {
            return Err(address_held_back(wait));
        }
    }
    let reserved = match throttle::reserve(&core.db, &account, &PASSWORD_ACCOUNT, now).await? {
        Ok(reserved) => reserved,
        Err(wait) => return Err(held_back(wait)),
    };
    let right = match core.passwords.verify(password, stored).await {
        Ok(right) => right,
        Err(PasswordError::Busy) => {
            crate::metrics::hash_refused();
            // Not judged: the try is given back.
            throttle::refund(&core.db, &account, now).await?;
            return Err(AppError::Busy);
        }
        Err(err) => return Err(internal(err)),
    };
    if right {
        throttle::reset(&core.db, &account, now).await?;
    } else {
        // The reserved try was the last allowed, and wrong: locked now.
        if reserved.after.locked_for(now).is_some() {
            crate::metrics::lockout();
        }
        if let Some(address) = &address {
            throttle::count_failure(&core.db, address, &PASSWORD_ADDRESS, now).await?;
        }
    }
    Ok(right)
}

/// Too many failed tries from the sender's address: wrong passwords, or
/// passkey answers that named no account's own passkey.
pub fn address_held_back(wait: i64) -> AppError {
    AppError::TooMany(format!(
        "Er zijn vanaf jouw internetverbinding te veel onjuiste inlogpogingen gedaan. \
         Je kunt het {} opnieuw proberen.",
        minutes_text(wait)
    ))
}

pub fn held_back(wait: i64) -> AppError {
    AppError::TooMany(format!(
        "Er is te vaak een onjuist wachtwoord ingevuld voor deze inlognaam. \
         Je kunt het {} opnieuw proberen.",
        minutes_text(wait)
    ))
}
