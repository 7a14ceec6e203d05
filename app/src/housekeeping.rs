//! The scheduled purge of what has lapsed (see `domain::retention` for
//! what and from when). One instance at a time takes the turn through the
//! database, so a deployment of several instances purges once per period.

use std::time::Duration;

use crate::{
    domain::{
        clock::UnixTime,
        retention::{self, AuditRetention},
        session_lifetime::SessionLifetime,
    },
    storage::{
        purge::{self, Lapsed},
        Db, StorageResult,
    },
};

const JOB: &str = "purge";

#[derive(Debug, Clone, Copy)]
pub struct Housekeeping {
    /// How often one of the instances purges.
    pub every: Duration,
    pub audit: AuditRetention,
    /// Rows per transaction: small enough that a login never waits long
    /// behind one.
    pub batch_rows: i64,
    /// Breathing room between batches for the logins.
    pub pause: Duration,
}

impl Default for Housekeeping {
    fn default() -> Self {
        Housekeeping {
            every: Duration::from_secs(5 * 60),
            audit: AuditRetention::from_days(AuditRetention::DEFAULT_DAYS),
            batch_rows: 1000,
            pause: Duration::from_millis(5),
        }
    }
}

/// Rows deleted, per kind (kinds with none left out).
pub type Purged = Vec<(Lapsed, u64)>;

/// Purges when this period's turn is free; `None` when another instance
/// (or an earlier call) already took it.
pub async fn purge_if_due(
    db: &Db,
    settings: &Housekeeping,
    sessions: &SessionLifetime,
    now: UnixTime,
) -> StorageResult<Option<Purged>> {
    // A second short of the period, so the next tick of this instance
    // finds the turn free again despite timer jitter.
    let next = now + (settings.every.as_secs() as i64 - 1).max(1);
    if !purge::take_turn(db, JOB, now, next).await? {
        return Ok(None);
    }
    purge_now(db, settings, sessions, now).await.map(Some)
}

/// Deletes every lapsed row, a batch at a time, kind after kind.
pub async fn purge_now(
    db: &Db,
    settings: &Housekeeping,
    sessions: &SessionLifetime,
    now: UnixTime,
) -> StorageResult<Purged> {
    let cut = retention::cutoffs(now, sessions, settings.audit);
    let mut purged = Vec::new();
    for kind in Lapsed::ALL {
        let mut total = 0;
        while let Some(stmt) = kind.batch(&cut, settings.batch_rows) {
            let deleted = db.execute(stmt).await?;
            total += deleted;
            if deleted < settings.batch_rows as u64 {
                break;
            }
            tokio::time::sleep(settings.pause).await;
        }
        if total > 0 {
            crate::metrics::purged(kind.name(), total);
            purged.push((kind, total));
        }
    }
    Ok(purged)
}
