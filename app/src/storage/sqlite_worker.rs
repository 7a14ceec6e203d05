//! One thread that owns a SQLite connection and runs whole jobs on it.
//!
//! sqlx's SQLite driver runs each statement on its connection's own thread
//! and wakes the caller for every one: under load, most of the server's
//! time went to those wake-ups (see issue 14's profile). Here a job (a read,
//! or a whole transaction) is handed over once and runs straight through,
//! with statements prepared once and kept. SQLite lets one connection write
//! at a time anyway, so one thread loses nothing.

use std::{path::Path, sync::Arc, thread, time::Duration};

use rusqlite::{Connection, OpenFlags};

use super::{
    batch::{Arg, Batch, Columns, RowMap, Stmt},
    StorageError, StorageResult,
};

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

#[derive(Debug, Clone)]
pub struct SqliteWorker {
    jobs: flume::Sender<Job>,
    /// Dropped with the last handle, which stops the checkpoint thread.
    _running: Arc<flume::Sender<()>>,
}

/// How often the WAL is copied back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

impl SqliteWorker {
    /// Opens `path` (already created and migrated) with the settings the
    /// sqlx pool uses, and starts the thread; it ends with the last handle.
    pub fn open(path: &Path) -> StorageResult<SqliteWorker> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
             PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
        )?;
        conn.set_prepared_statement_cache_capacity(64);
        // Checkpoints (with their fsync) run on a thread of their own, so a
        // transaction never waits behind one; see `checkpoints`.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let (running, stopped) = flume::bounded::<()>(0);
        let checkpointer = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        checkpointer.busy_timeout(Duration::from_secs(10))?;
        thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoints(checkpointer, stopped))
            .map_err(|e| {
                StorageError::Corrupt(format!("cannot start the SQLite checkpoints: {e}"))
            })?;
        let (jobs, queue) = flume::unbounded::<Job>();
        thread::Builder::new()
            .name("sqlite-worker".into())
            .spawn(move || {
                let mut conn = conn;
                for job in queue.iter() {
                    job(&mut conn);
                }
            })
            .map_err(|e| StorageError::Corrupt(format!("cannot start the SQLite worker: {e}")))?;
        Ok(SqliteWorker {
            jobs,
            _running: Arc::new(running),
        })
    }

    /// Runs `job` on the worker's connection and waits for its answer.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Connection) -> StorageResult<T> + Send + 'static,
    ) -> StorageResult<T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |conn| {
                let _ = answer.send(job(conn));
            }))
            .map_err(|_| StorageError::Corrupt("the SQLite worker has stopped".into()))?;
        answered
            .await
            .map_err(|_| StorageError::Corrupt("the SQLite worker has stopped".into()))?
    }
}

/// Copies the WAL into the database file ten times a second, without
/// waiting for readers or the writer (PASSIVE), until the worker's last
/// handle is gone. Small copies keep the tail short: once a second, the
/// bench's p99 of SMS codes was 362 ms; ten times, 43 ms.
/// The sqlx connections still checkpoint on their own now and then.
fn checkpoints(conn: Connection, stopped: flume::Receiver<()>) {
    while let Err(flume::RecvTimeoutError::Timeout) = stopped.recv_timeout(CHECKPOINT_EVERY) {
        if let Err(err) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!("SQLite checkpoint failed: {err}");
        }
    }
}

fn bind(stmt: &mut rusqlite::Statement<'_>, args: &[Arg]) -> StorageResult<()> {
    // `$1` is a named parameter to SQLite: bind by name, so a text that
    // uses `$2` before `$1` still gets each value in its place.
    for (i, arg) in args.iter().enumerate() {
        let Some(index) = stmt.parameter_index(&format!("${}", i + 1))? else {
            continue;
        };
        match arg {
            Arg::Int(v) => stmt.raw_bind_parameter(index, v)?,
            Arg::Text(v) => stmt.raw_bind_parameter(index, v)?,
            Arg::Bool(v) => stmt.raw_bind_parameter(index, v)?,
        }
    }
    Ok(())
}

pub(super) fn read_row<T>(
    conn: &mut Connection,
    stmt: &Stmt,
    map: RowMap<T>,
) -> StorageResult<Option<T>> {
    let mut prepared = conn.prepare_cached(stmt.sql)?;
    bind(&mut prepared, &stmt.args)?;
    let mut rows = prepared.raw_query();
    match rows.next()? {
        Some(row) => Ok(Some(map(row)?)),
        None => Ok(None),
    }
}

pub(super) fn execute(conn: &mut Connection, stmt: &Stmt) -> StorageResult<u64> {
    let mut prepared = conn.prepare_cached(stmt.sql)?;
    bind(&mut prepared, &stmt.args)?;
    Ok(prepared.raw_execute()? as u64)
}

pub(super) fn write_batch<C: Copy>(
    conn: &mut Connection,
    batch: &Batch<C>,
) -> StorageResult<Result<(), C>> {
    // IMMEDIATE: the write lock is taken up front, so another process's
    // writer cannot slip in between this transaction's reads and writes.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for (stmt, why) in &batch.steps {
        let changed = {
            let mut prepared = tx.prepare_cached(stmt.sql)?;
            bind(&mut prepared, &stmt.args)?;
            prepared.raw_execute()?
        };
        if let (0, Some(why)) = (changed, why) {
            tx.rollback()?;
            return Ok(Err(*why));
        }
    }
    tx.commit()?;
    Ok(Ok(()))
}

impl Columns for rusqlite::Row<'_> {
    fn int(&self, name: &str) -> StorageResult<i64> {
        Ok(self.get(name)?)
    }
    fn opt_int(&self, name: &str) -> StorageResult<Option<i64>> {
        Ok(self.get(name)?)
    }
    fn text(&self, name: &str) -> StorageResult<String> {
        Ok(self.get(name)?)
    }
    fn opt_text(&self, name: &str) -> StorageResult<Option<String>> {
        Ok(self.get(name)?)
    }
    fn flag(&self, name: &str) -> StorageResult<bool> {
        Ok(self.get::<_, i64>(name)? != 0)
    }
}
