//! Recovery codes ('herstelcodes') as the user meets them: a new set with
//! every binding and on request ('Nieuwe herstelcodes maken', after a
//! step-up), shown once, and how many are left. Judging a typed code is in
//! `factors`; the rules are in `domain::recovery`.

use crate::{
    core::Core,
    domain::{clock::UnixTime, recovery},
    error::AppError,
    factors,
    model::RecoveryCodes,
    session::AuthUser,
    step_up,
    storage::{
        audit::{self, AuditEntry},
        recovery as stored,
        users::UserRecord,
        StorageError, StorageResult,
    },
};

/// Makes a new set inside the caller's transaction (the old set stops
/// working with it) and returns the codes as shown, for this one answer.
pub async fn issue_set_on(
    tx: &mut sqlx::AnyConnection,
    core: &Core,
    user: &UserRecord,
    now: UnixTime,
) -> StorageResult<Vec<String>> {
    let codes = recovery::generate_set();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| recovery::hash(&core.keys, user.id, c))
        .collect();
    stored::replace_set_on(tx, user.id, &hashes, now).await?;
    audit::record_on(&mut *tx, AuditEntry::own(user, "recovery.created"), now).await?;
    Ok(codes.iter().map(|c| recovery::display(c)).collect())
}

/// 'Nieuwe herstelcodes maken': after a step-up; voids the old set, ends
/// the other sessions and tells the stored number.
pub async fn regenerate(core: &Core, auth: &AuthUser) -> Result<RecoveryCodes, AppError> {
    step_up::require_recent(core, auth)?;
    let now = core.now();
    let user = &auth.user;
    let mut tx = core.db.begin_write().await?;
    let codes = issue_set_on(&mut tx, core, user, now).await?;
    factors::end_other_access_on(&mut tx, user.id, Some(&auth.session_hash)).await?;
    tx.commit().await.map_err(StorageError::from)?;
    factors::announce(
        core,
        user,
        user.mobile.as_deref(),
        "nieuwe herstelcodes gemaakt; de vorige werken niet meer",
    )
    .await;
    Ok(RecoveryCodes {
        codes,
        login_name: user.login_name.clone(),
    })
}

/// Unused codes left, and whether the user has a set at all.
pub async fn left(core: &Core, user_id: i64) -> StorageResult<(i64, bool)> {
    stored::counts(&core.db, user_id).await
}
