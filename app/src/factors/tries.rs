//! Counting a try at a code before it is judged, and the lockout that
//! follows too many (see `domain::lockout`).

use crate::{
    core::Core,
    domain::{clock::UnixTime, codes, lockout},
    error::AppError,
    model::{minutes_text, AuditAction},
    storage::{
        audit::{self, AuditEntry},
        throttle::{self, Counter},
        users::UserRecord,
        StorageResult,
    },
};

/// A try at a code, counted before it is judged (see `domain::lockout`).
#[must_use = "a reserved try ends as right or wrong"]
pub struct Try {
    user_id: i64,
    reserved: throttle::Reserved,
}

/// Counts a code try for `user` up front; refused while locked.
pub async fn reserve_try(core: &Core, user: &UserRecord, now: UnixTime) -> Result<Try, AppError> {
    match throttle::reserve(&core.db, &Counter::Codes(user.id), &lockout::CODES, now).await? {
        Ok(reserved) => Ok(Try {
            user_id: user.id,
            reserved,
        }),
        Err(wait) => Err(locked_error(wait)),
    }
}

impl Try {
    /// A right code: the count starts afresh.
    pub async fn right(self, core: &Core, now: UnixTime) -> StorageResult<()> {
        throttle::reset(&core.db, &Counter::Codes(self.user_id), now).await
    }

    /// A right code sent again (a double submit, a retry): no guess, so
    /// the try is taken back, and the answer says the code was used.
    pub async fn replayed(self, core: &Core, now: UnixTime) -> AppError {
        self.taken_back(
            core,
            AppError::invalid(codes::Unusable::Used.message()),
            now,
        )
        .await
    }

    /// Takes the try back and answers `answer`.
    async fn taken_back(self, core: &Core, answer: AppError, now: UnixTime) -> AppError {
        match throttle::undo(&core.db, &Counter::Codes(self.user_id), self.reserved, now).await {
            Ok(()) => answer,
            Err(err) => err.into(),
        }
    }

    /// A wrong code (already counted): audits it, and gives the lockout
    /// message instead of `wrong` when this was the last try.
    pub async fn wrong(
        self,
        core: &Core,
        user: &UserRecord,
        wrong: AppError,
        now: UnixTime,
    ) -> AppError {
        if let Err(err) = audit::record(
            &core.db,
            AuditEntry::own(user, AuditAction::CodeFailed),
            now,
        )
        .await
        {
            return err.into();
        }
        // The reservation already holds the lock it set, if it was the last.
        self.reserved
            .after
            .locked_for(now)
            .map_or(wrong, locked_by_this_try)
    }
}

/// Refuses at once while the account is locked, before anything else is
/// looked at (the reservation checks again, atomically).
pub async fn refuse_if_locked(
    core: &Core,
    user: &UserRecord,
    now: UnixTime,
) -> Result<(), AppError> {
    match locked_for(core, user.id, now).await? {
        Some(wait) => Err(locked_error(wait)),
        None => Ok(()),
    }
}

pub async fn locked_for(core: &Core, user_id: i64, now: UnixTime) -> StorageResult<Option<i64>> {
    Ok(throttle::get(&core.db, &Counter::Codes(user_id))
        .await?
        .locked_for(now))
}

/// A wrong answer on the last try allowed: the account is locked now
/// (counted here, once, and not where a try is reserved: a reserved try
/// that turns out right unlocks again).
pub(super) fn locked_by_this_try(wait: i64) -> AppError {
    crate::metrics::lockout();
    locked_error(wait)
}

pub fn locked_error(wait: i64) -> AppError {
    AppError::TooMany(format!(
        "Er is te vaak een onjuiste code ingevuld. Je kunt het {} opnieuw proberen.",
        minutes_text(wait)
    ))
}
