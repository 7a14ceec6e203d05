//! Deleting what has lapsed, a batch at a time, and taking turns at it
//! between instances. Each batch is its own short transaction found through
//! an index, so a purge never holds a lock long enough for a login to wait
//! on it; two instances purging at once would only find less to delete.

use crate::domain::retention::Cutoffs;

use super::{batch::Stmt, Db, StorageResult};

/// What one kind of row is, for the log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lapsed {
    Sessions,
    WaitingLogins,
    SmsCodes,
    SmsMessages,
    Bindings,
    PasskeyCeremonies,
    TrustedBrowsers,
    LoginCounters,
    /// Mailed links past their end (used or voided ones end too).
    LinkTokens,
    /// A file for 'Gebruikers importeren' previewed a day ago and never
    /// imported.
    ImportUploads,
    AuditRows,
}

impl Lapsed {
    pub const ALL: [Lapsed; 11] = [
        Lapsed::Sessions,
        Lapsed::WaitingLogins,
        Lapsed::SmsCodes,
        Lapsed::SmsMessages,
        Lapsed::Bindings,
        Lapsed::PasskeyCeremonies,
        Lapsed::TrustedBrowsers,
        Lapsed::LoginCounters,
        Lapsed::LinkTokens,
        Lapsed::ImportUploads,
        Lapsed::AuditRows,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Lapsed::Sessions => "sessions",
            Lapsed::WaitingLogins => "waiting_logins",
            Lapsed::SmsCodes => "sms_codes",
            Lapsed::SmsMessages => "sms_messages",
            Lapsed::Bindings => "bindings",
            Lapsed::PasskeyCeremonies => "passkey_ceremonies",
            Lapsed::TrustedBrowsers => "trusted_browsers",
            Lapsed::LoginCounters => "login_counters",
            Lapsed::LinkTokens => "link_tokens",
            Lapsed::ImportUploads => "import_uploads",
            Lapsed::AuditRows => "audit_rows",
        }
    }

    /// The statement that deletes up to `limit` of them (`None`: nothing of
    /// this kind may go, e.g. an audit log kept for good). The inner
    /// `SELECT … LIMIT` is how both engines bound a DELETE.
    pub fn batch(self, cut: &Cutoffs, limit: i64) -> Option<Stmt> {
        let stmt = match self {
            Lapsed::Sessions => Stmt::new(
                "DELETE FROM sessions WHERE id_hash IN \
                 (SELECT id_hash FROM sessions WHERE last_seen_at < $1 LIMIT $2)",
            )
            .bind(cut.session_seen_before)
            .bind(limit),
            // A waiting login is not touched after it starts, so its last
            // use is its start (and the same index finds it).
            Lapsed::WaitingLogins => Stmt::new(
                "DELETE FROM sessions WHERE id_hash IN \
                 (SELECT id_hash FROM sessions WHERE last_seen_at < $1 \
                  AND stage = 'second_factor' LIMIT $2)",
            )
            .bind(cut.waiting_created_before)
            .bind(limit),
            Lapsed::SmsCodes => Stmt::new(
                "DELETE FROM sms_codes WHERE id IN \
                 (SELECT id FROM sms_codes WHERE created_at < $1 LIMIT $2)",
            )
            .bind(cut.sms_created_before)
            .bind(limit),
            // The same day as the codes: a report later than that is
            // refused as stale (domain::delivery::REPORT_WINDOW_SECONDS).
            Lapsed::SmsMessages => Stmt::new(
                "DELETE FROM sms_messages WHERE id IN \
                 (SELECT id FROM sms_messages WHERE created_at < $1 LIMIT $2)",
            )
            .bind(cut.sms_created_before)
            .bind(limit),
            Lapsed::Bindings => Stmt::new(
                "DELETE FROM authenticator_enrolments WHERE user_id IN \
                 (SELECT user_id FROM authenticator_enrolments WHERE created_at < $1 LIMIT $2)",
            )
            .bind(cut.binding_created_before)
            .bind(limit),
            Lapsed::PasskeyCeremonies => Stmt::new(
                "DELETE FROM passkey_ceremonies WHERE id IN \
                 (SELECT id FROM passkey_ceremonies WHERE created_at < $1 LIMIT $2)",
            )
            .bind(cut.ceremony_created_before)
            .bind(limit),
            Lapsed::TrustedBrowsers => Stmt::new(
                "DELETE FROM trusted_browsers WHERE id IN \
                 (SELECT id FROM trusted_browsers WHERE expires_at < $1 LIMIT $2)",
            )
            .bind(cut.now)
            .bind(limit),
            Lapsed::LoginCounters => Stmt::new(
                "DELETE FROM login_throttle WHERE key IN \
                 (SELECT key FROM login_throttle WHERE updated_at < $1 \
                  AND locked_until < $2 LIMIT $3)",
            )
            .bind(cut.login_counter_idle_before)
            .bind(cut.now)
            .bind(limit),
            Lapsed::LinkTokens => Stmt::new(
                "DELETE FROM link_tokens WHERE id IN \
                 (SELECT id FROM link_tokens WHERE expires_at < $1 LIMIT $2)",
            )
            .bind(cut.now)
            .bind(limit),
            // A day, as the SMS codes: a preview is imported within minutes.
            Lapsed::ImportUploads => Stmt::new(
                "DELETE FROM imports WHERE id IN \
                 (SELECT id FROM imports WHERE imported_at IS NULL AND created_at < $1 LIMIT $2)",
            )
            .bind(cut.sms_created_before)
            .bind(limit),
            Lapsed::AuditRows => Stmt::new(
                "DELETE FROM audit_log WHERE id IN \
                 (SELECT id FROM audit_log WHERE at < $1 LIMIT $2)",
            )
            .bind(cut.audit_before?)
            .bind(limit),
        };
        Some(stmt)
    }
}

/// Takes the turn at `job` when it is due: true for exactly one caller
/// per period, however many instances ask at once.
pub async fn take_turn(db: &Db, job: &str, now: i64, next_run_at: i64) -> StorageResult<bool> {
    let claimed = db
        .execute(
            Stmt::new(
                "INSERT INTO housekeeping (job, next_run_at) VALUES ($1, $3) \
             ON CONFLICT (job) DO UPDATE SET next_run_at = $3 \
             WHERE housekeeping.next_run_at <= $2",
            )
            .bind(job.to_string())
            .bind(now)
            .bind(next_run_at),
        )
        .await?;
    Ok(claimed == 1)
}
