//! The storage seam's batches stand or fall together: on SQLite (a
//! savepoint in a group transaction on the worker thread) and on PostgreSQL
//! (one statement).

use crate::common::{Engine, Options, TestApp};
use app::storage::{
    batch::{Batch, Stmt},
    Db,
};

on_both_engines!(
    a_batch_keeps_everything_or_nothing,
    batches_at_once_stand_or_fall_alone
);

/// Under writes without a pause (16 at a time, 20,000 in all) the SQLite
/// WAL starts over now and then instead of growing with every commit, and
/// nothing waits for it to: every write is answered and kept. It runs
/// alone: the checkpoints keep pace with writes that have the machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_wal_stays_bounded_under_steady_writes() {
    let alone = Options {
        alone: true,
        ..Options::default()
    };
    let app = TestApp::start_with(Engine::Sqlite, alone).await;
    let wal = format!(
        "{}-wal",
        app.config.database_url.trim_start_matches("sqlite://")
    );
    let db = app.state.core.db.clone();
    let mut writers = Vec::new();
    for w in 0..16 {
        let db = db.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..1250 {
                let mut batch = Batch::<()>::new();
                batch.then(log_row(w * 10_000 + i));
                db.write_batch(batch).await.unwrap().unwrap();
            }
        }));
    }
    let mut largest = 0;
    while writers.iter().any(|w| !w.is_finished()) {
        largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    for writer in writers {
        writer.await.unwrap();
    }
    assert_eq!(log_rows(&db).await, 20_000);
    // Growing with every commit, these writes make a WAL of about 237 MiB;
    // starting over, it stays far below. Alone it peaks under 64 MiB, but
    // in the one test binary a disk still busy with the tests before it
    // slowed the checkpoints once to 94 MiB: the bound tells the two apart
    // with room for that.
    assert!(largest < 128 << 20, "the WAL reached {} MiB", largest >> 20);
}

async fn log_rows(db: &Db) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_log WHERE action = 'test.batch'")
        .fetch_one(db.pool())
        .await
        .unwrap()
}

fn log_row(at: i64) -> Stmt {
    Stmt::new("INSERT INTO audit_log (action, at) VALUES ($1, $2)")
        .bind("test.batch")
        .bind(at)
}

/// A row that is there (`id` 1, the demo office's first user) or not.
fn touch_user(id: i64) -> Stmt {
    Stmt::new("UPDATE users SET display_name = display_name WHERE id = $1").bind(id)
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

/// A row the schema refuses (the action is required).
fn refused_row() -> Stmt {
    Stmt::new("INSERT INTO audit_log (action, at) VALUES ($1, 0)").bind(None::<&str>)
}

/// Many batches at once (on SQLite they queue up and share commits): each
/// stands or falls on its own conditions, and one that fails with an error
/// takes none of the others down.
async fn batches_at_once_stand_or_fall_alone(engine: Engine) {
    let app = TestApp::start(engine).await;
    let db = app.state.core.db.clone();
    let mut running = tokio::task::JoinSet::new();
    for at in 0..300i64 {
        let db = db.clone();
        running.spawn(async move {
            let mut batch = Batch::new();
            batch.then(log_row(at));
            match at % 3 {
                0 => batch.must_change(touch_user(1), "holds"),
                1 => batch.must_change(touch_user(-1), "fails"),
                _ => batch.then(refused_row()),
            };
            batch.then(log_row(at));
            (at, db.write_batch(batch).await)
        });
    }
    while let Some(done) = running.join_next().await {
        let (at, answer) = done.unwrap();
        match at % 3 {
            0 => assert_eq!(answer.unwrap(), Ok(()), "batch {at}"),
            1 => assert_eq!(answer.unwrap(), Err("fails"), "batch {at}"),
            _ => assert!(answer.is_err(), "batch {at} was not refused"),
        }
    }
    let kept: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT at, COUNT(*) FROM audit_log WHERE action = 'test.batch' GROUP BY at ORDER BY at",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    let expected: Vec<(i64, i64)> = (0..300)
        .filter(|at| at % 3 == 0)
        .map(|at| (at, 2))
        .collect();
    assert_eq!(kept, expected);
}
