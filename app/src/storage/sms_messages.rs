//! Each SMS sent, codes and notices alike: which provider has it, under
//! which reference, and what the provider last reported of it.

use super::batch::{Columns, Stmt};
use super::{Db, StorageResult};
use crate::domain::{
    clock::UnixTime,
    delivery::{Delivery, Reason},
};

#[derive(Debug, Clone)]
pub struct NewSms<'a> {
    pub user_id: i64,
    pub office_id: i64,
    /// The code's context key; `None` for a notice.
    pub context_key: Option<&'a str>,
    pub phone: &'a str,
    pub reference: &'a str,
    /// The first provider it is handed to.
    pub provider: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsRecord {
    pub id: i64,
    pub reference: String,
    pub user_id: i64,
    pub office_id: i64,
    pub phone: String,
    pub provider: String,
    pub status: Delivery,
    pub reason: Option<Reason>,
    pub created_at: UnixTime,
    pub status_at: UnixTime,
}

const COLUMNS: &str =
    "id, reference, user_id, office_id, phone, provider, status, reason, created_at, status_at";

fn record(r: &dyn Columns) -> StorageResult<SmsRecord> {
    Ok(SmsRecord {
        id: r.int("id")?,
        reference: r.text("reference")?,
        user_id: r.int("user_id")?,
        office_id: r.int("office_id")?,
        phone: r.text("phone")?,
        provider: r.text("provider")?,
        // An unknown stored word reads as the start: nothing is concluded from it.
        status: Delivery::from_stored(&r.text("status")?).unwrap_or(Delivery::Sending),
        reason: r
            .opt_text("reason")?
            .as_deref()
            .and_then(Reason::from_stored),
        created_at: r.int("created_at")?,
        status_at: r.int("status_at")?,
    })
}

/// Records an SMS about to be handed to its first provider.
pub async fn insert(db: &Db, sms: &NewSms<'_>, now: UnixTime) -> StorageResult<()> {
    db.execute(
        Stmt::new(
            "INSERT INTO sms_messages \
             (user_id, office_id, context_key, phone, reference, provider, status, created_at, status_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(sms.user_id)
        .bind(sms.office_id)
        .bind(sms.context_key)
        .bind(sms.phone)
        .bind(sms.reference)
        .bind(sms.provider)
        .bind(Delivery::Sending.as_str())
        .bind(now),
    )
    .await?;
    Ok(())
}

/// The next provider has it (the one before refused or did not answer);
/// from now on only its reports count.
pub async fn hand_to(db: &Db, reference: &str, provider: &str, now: UnixTime) -> StorageResult<()> {
    db.execute(
        Stmt::new(
            "UPDATE sms_messages SET provider = $1, status = $2, status_at = $3 \
             WHERE reference = $4",
        )
        .bind(provider)
        .bind(Delivery::Sending.as_str())
        .bind(now)
        .bind(reference),
    )
    .await?;
    Ok(())
}

/// Moves the SMS from `from` to `to`, if nobody moved it meanwhile: of two
/// reports at once (two instances, a retry), one changes it.
pub async fn advance(
    db: &Db,
    reference: &str,
    from: Delivery,
    to: Delivery,
    reason: Option<Reason>,
    now: UnixTime,
) -> StorageResult<bool> {
    let changed = db
        .execute(
            Stmt::new(
                "UPDATE sms_messages SET status = $1, reason = $2, status_at = $3 \
                 WHERE reference = $4 AND status = $5",
            )
            .bind(to.as_str())
            .bind(reason.map(Reason::as_str))
            .bind(now)
            .bind(reference)
            .bind(from.as_str()),
        )
        .await?;
    Ok(changed == 1)
}

pub async fn by_reference(db: &Db, reference: &str) -> StorageResult<Option<SmsRecord>> {
    db.read_row(
        Stmt::built(format!(
            "SELECT {COLUMNS} FROM sms_messages WHERE reference = $1"
        ))
        .bind(reference.to_string()),
        record,
    )
    .await
}

/// The newest SMS of a code's context (a login, a step-up, …).
pub async fn latest_for_context(db: &Db, context_key: &str) -> StorageResult<Option<SmsRecord>> {
    db.read_row(
        Stmt::built(format!(
            "SELECT {COLUMNS} FROM sms_messages WHERE context_key = $1 ORDER BY id DESC LIMIT 1"
        ))
        .bind(context_key.to_string()),
        record,
    )
    .await
}
