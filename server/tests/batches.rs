//! The storage seam's batches stand or fall together: on SQLite (one
//! transaction on the worker thread) and on PostgreSQL (one statement).

mod common;

use app::{
    args,
    storage::{
        batch::{Batch, Stmt},
        Db,
    },
};
use common::{Engine, TestApp};

on_both_engines!(a_batch_keeps_everything_or_nothing);

async fn log_rows(db: &Db) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_log WHERE action = 'test.batch'")
        .fetch_one(db.pool())
        .await
        .unwrap()
}

fn log_row(at: i64) -> Stmt {
    Stmt::new(
        "INSERT INTO audit_log (action, at) VALUES ($1, $2)",
        args!["test.batch", at],
    )
}

/// A row that is there (`id` 1, the demo office's first user) or not.
fn touch_user(id: i64) -> Stmt {
    Stmt::new(
        "UPDATE users SET display_name = display_name WHERE id = $1",
        args![id],
    )
}

async fn a_batch_keeps_everything_or_nothing(engine: Engine) {
    let app = TestApp::start(engine).await;
    let db = &app.state.core.db;

    // The second condition fails: the rows written before and after it are
    // gone too, and the answer names that condition.
    let mut batch = Batch::new();
    batch
        .then(log_row(1))
        .must_change(touch_user(1), "first")
        .must_change(touch_user(-1), "second")
        .then(log_row(2));
    assert_eq!(db.write_batch(batch).await.unwrap(), Err("second"));
    assert_eq!(log_rows(db).await, 0);

    // Every condition holds: every row is kept.
    let mut batch = Batch::new();
    batch
        .then(log_row(1))
        .must_change(touch_user(1), "first")
        .then(log_row(2));
    assert_eq!(db.write_batch(batch).await.unwrap(), Ok(()));
    assert_eq!(log_rows(db).await, 2);
}
