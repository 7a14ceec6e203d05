//! Lockout counters (`domain::lockout`): per account for second-factor
//! codes (`code_throttle`), and per login name or source address for
//! passwords (`login_throttle`). Every change is a compare-and-set, so no
//! try is lost or double-counted between requests or server instances.

use sqlx::{Any, Transaction};

use super::{
    batch::{Arg, Columns, Stmt},
    Db, StorageResult,
};
use crate::domain::{
    clock::UnixTime,
    link_token::{RateRule, Window},
    lockout::{LockoutRule, Throttle},
};

/// Which counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Counter {
    /// Second-factor codes of one user.
    Codes(i64),
    /// Passwords typed for one (canonical) login name.
    Account(String),
    /// Passwords from one source address.
    Address(String),
    /// Reset mails of one user (a window, see [`take_window`]).
    ResetMails(i64),
    /// 'Stuur herstellink' from one source address (a window).
    ResetForm(String),
    /// 'Inloggen met een passkey' begun from one source address (a window).
    PasswordlessBegun(String),
}

impl Counter {
    /// The counter's key column, as an argument.
    fn key(&self) -> Arg {
        match self {
            Counter::Codes(user_id) => Arg::from(*user_id),
            Counter::Account(name) => Arg::from(format!("account:{name}")),
            Counter::Address(ip) => Arg::from(format!("address:{ip}")),
            Counter::ResetMails(user_id) => Arg::from(format!("reset-mails:{user_id}")),
            Counter::ResetForm(ip) => Arg::from(format!("reset-form:{ip}")),
            Counter::PasswordlessBegun(ip) => Arg::from(format!("passwordless:{ip}")),
        }
    }

    fn is_codes(&self) -> bool {
        matches!(self, Counter::Codes(_))
    }
}

pub async fn get(db: &Db, counter: &Counter) -> StorageResult<Throttle> {
    Ok(stored(db, counter).await?.unwrap_or_default())
}

/// The counter's row, if it has one.
async fn stored(db: &Db, counter: &Counter) -> StorageResult<Option<Throttle>> {
    let sql = if counter.is_codes() {
        "SELECT failed_count, lockout_level, locked_until FROM code_throttle WHERE user_id = $1"
    } else {
        "SELECT failed_count, lockout_level, locked_until FROM login_throttle WHERE key = $1"
    };
    // A compare-and-set must start from the newest state: `read_row` reads
    // on the SQLite worker, which is a writer and sees every commit, and on
    // PostgreSQL's one pool.
    db.read_row(Stmt::new(sql).bind(counter.key()), |r| {
        Ok(Throttle {
            failed_count: r.int("failed_count")?,
            lockout_level: r.int("lockout_level")?,
            locked_until: r.int("locked_until")?,
        })
    })
    .await
}

/// A try counted before it is judged: the state before and after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reserved {
    pub before: Throttle,
    pub after: Throttle,
}

/// Counts a try before it is judged: `Err(wait)` while locked, and then
/// nothing is stored.
pub async fn reserve(
    db: &Db,
    counter: &Counter,
    rule: &LockoutRule,
    now: UnixTime,
) -> StorageResult<Result<Reserved, i64>> {
    let mut refused = None;
    let mut before = Throttle::default();
    let stored = update(db, counter, now, |t| {
        before = *t;
        match t.reserve(rule, now) {
            Ok(next) => Some(next),
            Err(wait) => {
                refused = Some(wait);
                None
            }
        }
    })
    .await?;
    Ok(match refused {
        Some(wait) => Err(wait),
        None => Ok(Reserved {
            before,
            after: stored,
        }),
    })
}

/// Takes back a reserved try that turned out to be no guess: the state
/// before it when nothing happened since, otherwise one try less.
pub async fn undo(
    db: &Db,
    counter: &Counter,
    reserved: Reserved,
    now: UnixTime,
) -> StorageResult<()> {
    update(db, counter, now, |t| {
        Some(if *t == reserved.after {
            reserved.before
        } else {
            t.refund()
        })
    })
    .await?;
    Ok(())
}

/// A right answer: the counter starts afresh.
pub async fn reset(db: &Db, counter: &Counter, now: UnixTime) -> StorageResult<()> {
    update(db, counter, now, |t| Some(t.after_success())).await?;
    Ok(())
}

/// Counts a judged failure (for counters that do not reserve tries).
pub async fn count_failure(
    db: &Db,
    counter: &Counter,
    rule: &LockoutRule,
    now: UnixTime,
) -> StorageResult<Throttle> {
    update(db, counter, now, |t| Some(t.after_failure(rule, now))).await
}

/// Takes one from a rate window (`domain::link_token::Window`, kept in a
/// password counter's row: its count as `failed_count`, its end as
/// `locked_until`, so the purge drops it once it has ended): `Err(wait)`
/// when the window is full. A compare-and-set like every step here, so
/// parallel requests on any instance never take more than the rule allows.
pub async fn take_window(
    db: &Db,
    counter: &Counter,
    rule: &RateRule,
    now: UnixTime,
) -> StorageResult<Result<(), i64>> {
    debug_assert!(!counter.is_codes());
    let mut refused = None;
    update(db, counter, now, |t| {
        let window = Window {
            count: t.failed_count,
            ends_at: t.locked_until,
        };
        match window.take(rule, now) {
            Ok(next) => {
                refused = None;
                Some(Throttle {
                    failed_count: next.count,
                    lockout_level: 0,
                    locked_until: next.ends_at,
                })
            }
            Err(wait) => {
                refused = Some(wait);
                None
            }
        }
    })
    .await?;
    Ok(refused.map_or(Ok(()), Err))
}

/// Forgets a password counter, as a statement for a batch: a new password
/// clears the account's lockout.
pub fn forget_stmt(counter: &Counter) -> Stmt {
    debug_assert!(!counter.is_codes());
    Stmt::new("DELETE FROM login_throttle WHERE key = $1").bind(counter.key())
}

/// Gives back one reserved try that was never judged.
pub async fn refund(db: &Db, counter: &Counter, now: UnixTime) -> StorageResult<()> {
    update(db, counter, now, |t| Some(t.refund())).await?;
    Ok(())
}

/// Applies `step` to the stored state, retrying when another request
/// changed it in between. `None` from `step`: change nothing. A step that
/// changes nothing writes nothing. Returns the state as it now stands.
async fn update(
    db: &Db,
    counter: &Counter,
    now: UnixTime,
    mut step: impl FnMut(&Throttle) -> Option<Throttle>,
) -> StorageResult<Throttle> {
    loop {
        let old = stored(db, counter).await?.unwrap_or_default();
        let Some(new) = step(&old) else {
            return Ok(old);
        };
        if new == old {
            return Ok(new);
        }
        if db.execute(moved(counter, old, new, now)).await? == 1 {
            return Ok(new);
        }
    }
}

/// A counter going from `old` (as read; no row reads as the default) to
/// `new`, as one statement that changes a row only if the counter still
/// stands at `old`, so a try judged against a stale count is never stored.
/// A counter without a row gets one; when a parallel request made it in
/// between, the comparison is with what that request stored. `now` stamps
/// password counters (the purge goes by it); code counters have no stamp.
fn moved(counter: &Counter, old: Throttle, new: Throttle, now: UnixTime) -> Stmt {
    let compare_and_set = |sql| {
        Stmt::new(sql)
            .bind(counter.key())
            .bind(new.failed_count)
            .bind(new.lockout_level)
            .bind(new.locked_until)
            .bind(old.failed_count)
            .bind(old.lockout_level)
            .bind(old.locked_until)
    };
    if counter.is_codes() {
        compare_and_set(
            "INSERT INTO code_throttle (user_id, failed_count, lockout_level, locked_until) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO UPDATE \
             SET failed_count = $2, lockout_level = $3, locked_until = $4 \
             WHERE code_throttle.failed_count = $5 AND code_throttle.lockout_level = $6 \
             AND code_throttle.locked_until = $7",
        )
    } else {
        compare_and_set(
            "INSERT INTO login_throttle (key, failed_count, lockout_level, locked_until, updated_at) \
             VALUES ($1, $2, $3, $4, $8) ON CONFLICT (key) DO UPDATE \
             SET failed_count = $2, lockout_level = $3, locked_until = $4, updated_at = $8 \
             WHERE login_throttle.failed_count = $5 AND login_throttle.lockout_level = $6 \
             AND login_throttle.locked_until = $7",
        )
        // Password counters are stamped ($8): the purge goes by it.
        .bind(now)
    }
}

/// A user's code counter going from `old` (as read) to `new`, as a
/// statement for a batch (see [`moved`]).
pub fn codes_moved(user_id: i64, old: Throttle, new: Throttle) -> Stmt {
    moved(&Counter::Codes(user_id), old, new, 0)
}

/// A code counter from a row whose `failed_count`, `lockout_level` and
/// `locked_until` are null when the user has none yet.
pub fn codes_from_row(r: &dyn Columns) -> StorageResult<Throttle> {
    Ok(match r.opt_int("failed_count")? {
        None => Throttle::default(),
        Some(failed_count) => Throttle {
            failed_count,
            lockout_level: r.int("lockout_level")?,
            locked_until: r.int("locked_until")?,
        },
    })
}

/// Locks the account's row for the rest of the transaction (PostgreSQL:
/// row lock; SQLite: the database's write lock).
pub async fn take_turn(tx: &mut Transaction<'static, Any>, user_id: i64) -> StorageResult<()> {
    Stmt::new(
        "INSERT INTO code_throttle (user_id) VALUES ($1) \
         ON CONFLICT (user_id) DO UPDATE SET turn = code_throttle.turn + 1",
    )
    .bind(user_id)
    .execute_on(&mut **tx)
    .await?;
    Ok(())
}
