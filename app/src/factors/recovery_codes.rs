//! Herstelcodes as the flows hand them out: a fresh set (shown once, stored
//! as keyed hashes), replacing a user's set, and how many are left.
//! Judging a typed code is in `proof`; the rules in `domain::recovery`.

use crate::{
    core::Core,
    domain::{
        clock::UnixTime,
        recovery::{self, CODES_PER_SET},
    },
    storage::{batch::Batch, recovery as stored, users::UserRecord, StorageResult},
};

/// A fresh set for `user`: the codes as shown (for this one answer) and
/// their keyed hashes (what is stored).
pub fn new_recovery_set(core: &Core, user: &UserRecord) -> (Vec<String>, [String; CODES_PER_SET]) {
    let codes = recovery::generate_set();
    let hashes = std::array::from_fn(|i| recovery::hash(&core.keys, user.id, &codes[i]));
    (codes.iter().map(|c| recovery::display(c)).collect(), hashes)
}

/// Appends the statements that replace `user`'s set with `hashes`: the
/// old codes stop working the moment the new ones exist.
pub fn replace_recovery_set<C: Copy>(
    batch: &mut Batch<C>,
    user: &UserRecord,
    hashes: &[String; CODES_PER_SET],
    now: UnixTime,
) {
    for stmt in stored::replace_set_stmts(user.id, hashes, now) {
        batch.then(stmt);
    }
}

/// Unused codes left, and whether the user has a set at all.
pub async fn recovery_codes_left(core: &Core, user_id: i64) -> StorageResult<(i64, bool)> {
    stored::counts(&core.db, user_id).await
}
