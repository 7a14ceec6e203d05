//! Recovery codes ('herstelcodes') as the user meets them: a new set with
//! every binding and on request ('Nieuwe herstelcodes maken', after a
//! step-up), shown once, and how many are left. Judging a typed code is in
//! `factors`; the rules are in `domain::recovery`.

use crate::{
    core::Core,
    domain::{
        clock::UnixTime,
        recovery::{self, CODES_PER_SET},
    },
    error::AppError,
    factors::{self, ChangedBy, LoginChange},
    model::RecoveryCodes,
    session::AuthUser,
    storage::{batch::Batch, recovery as stored, users::UserRecord, StorageResult},
};

/// A fresh set for `user`: the codes as shown (for this one answer) and
/// their keyed hashes (what is stored).
pub fn new_set(core: &Core, user: &UserRecord) -> (Vec<String>, [String; CODES_PER_SET]) {
    let codes = recovery::generate_set();
    let hashes = std::array::from_fn(|i| recovery::hash(&core.keys, user.id, &codes[i]));
    (codes.iter().map(|c| recovery::display(c)).collect(), hashes)
}

/// Appends the statements that replace `user`'s set with `hashes`: the
/// old codes stop working the moment the new ones exist.
pub fn replace_with<C: Copy>(
    batch: &mut Batch<C>,
    user: &UserRecord,
    hashes: &[String; CODES_PER_SET],
    now: UnixTime,
) {
    for stmt in stored::replace_set_stmts(user.id, hashes, now) {
        batch.then(stmt);
    }
}

/// 'Nieuwe herstelcodes maken': after a step-up; voids the old set
/// through the door (other sessions end, the number and address are told).
pub async fn regenerate(core: &Core, auth: &AuthUser) -> Result<RecoveryCodes, AppError> {
    let user = &auth.user;
    let (codes, hashes) = new_set(core, user);
    let mut batch = Batch::<std::convert::Infallible>::new();
    replace_with(&mut batch, user, &hashes, core.now());
    let Ok(()) = factors::commit_login_change(
        core,
        ChangedBy::User(auth),
        user,
        vec![LoginChange::RecoveryCodes],
        batch,
    )
    .await?;
    Ok(RecoveryCodes {
        codes,
        login_name: user.login_name.clone(),
    })
}

/// Unused codes left, and whether the user has a set at all.
pub async fn left(core: &Core, user_id: i64) -> StorageResult<(i64, bool)> {
    stored::counts(&core.db, user_id).await
}
