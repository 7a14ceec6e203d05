//! The query plans of the statements every login runs, and of the purge,
//! as each engine would carry them out: for `scripts/bench` to print when
//! asked. Every lookup should go through an index; a plan that reads a
//! whole table ("SCAN sessions", "Seq Scan on sessions") is the thing to
//! look for after a schema change.

use sqlx::Row;

use super::{
    audit::{self, AuditEntry},
    authenticators,
    batch::Stmt,
    codes, passkeys,
    purge::Lapsed,
    second_step,
    sessions::{self, SessionRecord, Stage},
    throttle, users, Db, Engine, StorageResult,
};
use crate::{
    domain::{lockout::Throttle, retention, session_lifetime::SessionLifetime},
    model::AuditAction,
};

/// Each statement with what it is for; the arguments are placeholders of
/// the right type (a plan does not depend on them on either engine).
pub fn login_statements(now: i64) -> Vec<(String, Stmt)> {
    let hash = "0".repeat(64);
    let counter = throttle::codes_moved(1, Throttle::default(), Throttle::default());
    let mut all = vec![
        (
            "password step: the account by login name".to_string(),
            Stmt::new(users::CREDENTIALS).bind("iemand"),
        ),
        (
            "second step: the one read".into(),
            second_step::read_stmt(&hash, &hash, None),
        ),
        (
            "second step: the one read, for a passkey's answer".into(),
            second_step::read_stmt(
                &hash,
                &hash,
                Some(&passkeys::Lookup {
                    ceremony: &hash,
                    purpose: passkeys::Purpose::Assert,
                    bound_to: &hash,
                    credential_id: &hash,
                }),
            ),
        ),
        ("second step: the counter, compare-and-set".into(), counter),
        (
            "app code: claim its time step".into(),
            authenticators::claim_step_stmt(1, 1),
        ),
        (
            "SMS code: use it once".into(),
            codes::consume_stmt(1, 5, now),
        ),
        (
            "SMS code: count a wrong try".into(),
            codes::count_wrong_try_stmt(1),
        ),
        (
            "the waiting session ends".into(),
            sessions::end_at_stage_stmt(&hash, Stage::SecondFactor),
        ),
        (
            "the new session".into(),
            sessions::insert_stmt(&SessionRecord {
                id_hash: hash.clone(),
                user_id: 1,
                stage: Stage::Active,
                active_client_id: None,
                pending_mobile: None,
                created_at: now,
                logged_in_at: now,
                last_seen_at: now,
                stepped_up_at: None,
                notice: None,
                login_method: None,
                sid: "sid".into(),
            }),
        ),
        (
            "the audit row".into(),
            audit::record_stmt(
                AuditEntry {
                    office_id: Some(1),
                    actor_user_id: Some(1),
                    subject: Some("iemand"),
                    ..AuditEntry::new(AuditAction::LoginOk)
                },
                now,
            ),
        ),
    ];
    let cut = retention::cutoffs(
        now,
        &SessionLifetime::default(),
        retention::AuditRetention::from_days(1),
    );
    for kind in Lapsed::ALL {
        if let Some(stmt) = kind.batch(&cut, 1000) {
            all.push((format!("purge: {}", kind.name()), stmt));
        }
    }
    all
}

/// The engine's plan for `stmt`, one line per step; nothing is run.
pub async fn explain(db: &Db, stmt: &Stmt) -> StorageResult<Vec<String>> {
    let (prefix, column) = match db.engine() {
        Engine::Sqlite => ("EXPLAIN QUERY PLAN ", "detail"),
        Engine::Postgres => ("EXPLAIN ", "QUERY PLAN"),
    };
    let rows = stmt.prefixed(prefix).fetch_all(db.pool()).await?;
    rows.iter()
        .map(|row| Ok(row.try_get::<String, _>(column)?))
        .collect()
}

/// PostgreSQL's plan for `stmt` with whole-table reads made expensive: on
/// a test's handful of rows it would read whole tables whatever the
/// indexes; this shows the indexes it would use on a large one.
pub async fn explain_without_seq_scans(db: &Db, stmt: &Stmt) -> StorageResult<Vec<String>> {
    let mut tx = db.begin_write().await?;
    sqlx::query("SET LOCAL enable_seqscan = off")
        .execute(&mut *tx)
        .await?;
    let rows = stmt.prefixed("EXPLAIN ").fetch_all(&mut *tx).await?;
    tx.rollback().await?;
    rows.iter()
        .map(|row| Ok(row.try_get::<String, _>("QUERY PLAN")?))
        .collect()
}
