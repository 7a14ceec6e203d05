//! One thread that owns a SQLite connection and runs whole jobs on it.
//!
//! sqlx's SQLite driver runs each statement on its connection's own thread
//! and wakes the caller for every one: under load, most of the server's
//! time went to those wake-ups (see issue 14's profile). Here a job (a read,
//! or a whole transaction) is handed over once and runs straight through,
//! with statements prepared once and kept. SQLite lets one connection write
//! at a time anyway, so one thread loses nothing.
//!
//! Writes that are waiting together commit together (group commit): each
//! runs under a savepoint of its own inside one transaction, so each still
//! stands or falls alone, and every page they share (the newest end of the
//! audit log and of its indexes, above all) goes into the WAL once per
//! group instead of once per write. No write waits for others to arrive:
//! a group is what queued up while the previous one ran, one write when
//! the server is quiet. Answers go out only after the group's commit.
//!
//! The WAL is copied back into the database file by a thread of its own
//! (`checkpoints`), so no transaction waits for that. Under writes without
//! a pause that alone never lets the WAL start over: SQLite rewinds it only
//! when a writer begins while every frame is copied back, and the worker
//! always has added more by then. So once the WAL passes
//! [`WAL_RESTART_FRAMES`], the checkpoint thread copies pass after pass
//! (syncing the database file as it goes) until a pass is quick; then the
//! worker copies back, between two groups, the few frames written since (a
//! PASSIVE checkpoint: it never waits for anyone, about 2 ms in the bench);
//! its next transaction starts the WAL over, and `journal_size_limit` cuts
//! the file back.

use std::{
    path::Path,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    thread,
    time::{Duration, Instant},
};

use rusqlite::{Connection, OpenFlags};

use super::{
    batch::{Arg, Batch, Columns, RowMap, Stmt},
    StorageError, StorageResult,
};

enum Job {
    /// Runs on its own, outside any transaction.
    Read(Box<dyn FnOnce(&mut Connection) + Send>),
    Write(WriteJob),
}

/// Runs inside a group's transaction (or is told why there is none) and
/// says whether its changes stand, and how to answer once the group's
/// commit is known.
type WriteJob = Box<dyn FnOnce(Result<&Connection, &str>) -> (Keep, Answer) + Send>;

/// Whether a write's changes stand or are rolled back to its savepoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    Changes,
    Nothing,
}

/// Sends a write's answer, given how its group's commit went.
type Answer = Box<dyn FnOnce(Result<(), &str>) + Send>;

/// At most this many writes share one commit, so the first of a long queue
/// does not wait for all the rest.
const GROUP_MAX: usize = 32;

#[derive(Debug, Clone)]
pub struct SqliteWorker {
    jobs: flume::Sender<Job>,
    /// Dropped with the last handle, which stops the checkpoint thread.
    _running: Arc<flume::Sender<()>>,
}

/// How often the WAL is copied back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// Past this many frames (16 MiB of 4 KiB pages) the worker lets the WAL
/// start over.
pub const WAL_RESTART_FRAMES: i64 = 4096;

/// A checkpoint pass this short left little for the worker to copy.
const QUICK_PASS: Duration = Duration::from_millis(2);

/// Passes back to back before the worker is asked to catch up anyway.
const HURRIED_PASSES: u32 = 50;
/// Nor longer than this: on a disk whose syncs are slow, fifty passes took
/// longer than writing 200 MiB of WAL (seen on a fresh CI machine).
const HURRIED_FOR: Duration = Duration::from_millis(200);

/// What a WAL that started over is cut back to.
const WAL_KEEP_BYTES: i64 = 16 << 20;

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
        // A group's savepoints keep what each write changed, to undo it
        // alone; past 64 KiB SQLite would spill that to a temporary file it
        // creates and deletes for every group.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.set_prepared_statement_cache_capacity(64);
        // Checkpoints (with their fsync) run on a thread of their own, so a
        // transaction never waits behind one; see `checkpoints`.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        conn.pragma_update(None, "journal_size_limit", WAL_KEEP_BYTES)?;
        let (running, stopped) = flume::bounded::<()>(0);
        let catch_up = Arc::new(AtomicBool::new(false));
        let checkpointer = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        checkpointer.busy_timeout(Duration::from_secs(10))?;
        let database_file = std::fs::File::open(path).map_err(|e| {
            StorageError::Corrupt(format!("cannot open {} for syncing: {e}", path.display()))
        })?;
        thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn({
                let catch_up = catch_up.clone();
                move || checkpoints(checkpointer, &database_file, stopped, &catch_up)
            })
            .map_err(|e| {
                StorageError::Corrupt(format!("cannot start the SQLite checkpoints: {e}"))
            })?;
        let (jobs, queue) = flume::unbounded::<Job>();
        thread::Builder::new()
            .name("sqlite-worker".into())
            .spawn(move || serve(conn, queue, &catch_up))
            .map_err(|e| StorageError::Corrupt(format!("cannot start the SQLite worker: {e}")))?;
        Ok(SqliteWorker {
            jobs,
            _running: Arc::new(running),
        })
    }

    /// Runs `read` on the worker's connection, outside any transaction, and
    /// waits for its answer.
    pub async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&mut Connection) -> StorageResult<T> + Send + 'static,
    ) -> StorageResult<T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.send(Job::Read(Box::new(move |conn| {
            let _ = answer.send(read(conn));
        })))?;
        answered.await.map_err(|_| stopped())?
    }

    /// Runs `write` in the next group transaction and waits until that has
    /// committed. `write` answers its result and whether its changes stand;
    /// an error undoes them too.
    pub async fn write<T: Send + 'static>(
        &self,
        write: impl FnOnce(&Connection) -> StorageResult<(T, Keep)> + Send + 'static,
    ) -> StorageResult<T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.send(Job::Write(Box::new(move |conn| {
            let ran = conn
                .map_err(|why| StorageError::NotCommitted(why.to_string()))
                .and_then(write);
            let (keep, result) = match ran {
                Ok((value, keep)) => (keep, Ok(value)),
                Err(e) => (Keep::Nothing, Err(e)),
            };
            let deliver: Answer = Box::new(move |commit| {
                let _ = answer.send(match commit {
                    // What was undone stays undone whatever became of the rest.
                    Err(why) if keep == Keep::Changes && result.is_ok() => {
                        Err(StorageError::NotCommitted(why.to_string()))
                    }
                    _ => result,
                });
            });
            (keep, deliver)
        })))?;
        answered.await.map_err(|_| stopped())?
    }

    fn send(&self, job: Job) -> StorageResult<()> {
        self.jobs.send(job).map_err(|_| stopped())
    }
}

fn stopped() -> StorageError {
    StorageError::Corrupt("the SQLite worker has stopped".into())
}

/// The worker thread: reads as they come, writes in groups of what is
/// waiting, until the last handle is gone. `catch_up`: the checkpoint
/// thread found the WAL long (see the module's doc).
fn serve(mut conn: Connection, queue: flume::Receiver<Job>, catch_up: &AtomicBool) {
    let mut writes = Vec::with_capacity(GROUP_MAX);
    while let Ok(first) = queue.recv() {
        let mut next = Some(first);
        while let Some(job) = next {
            match job {
                // Reads waiting beside the group run before it: none of the
                // group has been answered, so either order is one a client
                // could have seen.
                Job::Read(read) => read(&mut conn),
                Job::Write(write) => writes.push(write),
            }
            next = match writes.len() < GROUP_MAX {
                true => queue.try_recv().ok(),
                false => None,
            };
        }
        if !writes.is_empty() {
            commit_group(&conn, writes.drain(..));
        }
        if catch_up.swap(false, Ordering::Relaxed) {
            // Busy (a checkpoint of another connection runs) is no error:
            // the next long WAL asks again.
            if let Err(err) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                tracing::warn!("SQLite catch-up checkpoint failed: {err}");
            }
        }
    }
}

/// Runs `writes` in one transaction, each under a savepoint of its own,
/// commits, then answers each.
fn commit_group(conn: &Connection, writes: impl Iterator<Item = WriteJob>) {
    let mut answers: Vec<Answer> = Vec::with_capacity(GROUP_MAX);
    let mut open = begin(conn);
    for write in writes {
        if let Err(why) = &open {
            refuse(write, why);
            continue;
        }
        if let Err(e) = conn.execute_batch("SAVEPOINT job") {
            let why = e.to_string();
            fail_group(conn, &mut answers, &why);
            refuse(write, &why);
            open = begin(conn);
            continue;
        }
        let (keep, answer) = write(Ok(conn));
        answers.push(answer);
        let closed = match keep {
            Keep::Changes => conn.execute_batch("RELEASE job"),
            Keep::Nothing => conn.execute_batch("ROLLBACK TO job; RELEASE job"),
        };
        let lost = match closed {
            Err(e) => Some(e.to_string()),
            // SQLite ends the whole transaction on some errors (I/O, a full
            // disk), whatever the savepoints.
            Ok(()) if conn.is_autocommit() => Some("the transaction was rolled back".into()),
            Ok(()) => None,
        };
        if let Some(why) = lost {
            // What the group did so far is gone; the writes still to come
            // get a transaction of their own.
            fail_group(conn, &mut answers, &why);
            open = begin(conn);
        }
    }
    if open.is_ok() {
        match conn.execute_batch("COMMIT") {
            Ok(()) => answers.into_iter().for_each(|answer| answer(Ok(()))),
            Err(e) => fail_group(conn, &mut answers, &e.to_string()),
        }
    }
}

/// IMMEDIATE: the write lock is taken up front, so another process's writer
/// cannot slip in between a write's reads and its changes.
fn begin(conn: &Connection) -> Result<(), String> {
    conn.execute_batch("BEGIN IMMEDIATE")
        .map_err(|e| e.to_string())
}

/// Answers `write` with `why`, without running it: there is no transaction
/// to run it in.
fn refuse(write: WriteJob, why: &str) {
    let (_, answer) = write(Err(why));
    answer(Err(why));
}

/// Rolls back what is open and answers each of `answers` with `why`.
fn fail_group(conn: &Connection, answers: &mut Vec<Answer>, why: &str) {
    if !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    answers.drain(..).for_each(|answer| answer(Err(why)));
}

/// Copies the WAL into the database file ten times a second, without
/// waiting for readers or the writer (PASSIVE), until the worker's last
/// handle is gone. Small copies keep the tail short: once a second, the
/// bench's p99 of SMS codes was 362 ms; ten times, 43 ms.
/// The sqlx connections still checkpoint on their own now and then.
///
/// A WAL past [`WAL_RESTART_FRAMES`] is copied back pass after pass, each
/// taking what came in during the one before, until a pass is quick: then
/// what the worker has left to copy (see `serve`) is only a moment's
/// writes. Should no pass get quick (writes faster than the copying), the
/// worker is asked anyway after [`HURRIED_PASSES`], so the WAL stays
/// bounded at the cost of one longer pause.
fn checkpoints(
    conn: Connection,
    database_file: &std::fs::File,
    stopped: flume::Receiver<()>,
    catch_up: &AtomicBool,
) {
    let mut hurried = 0;
    let mut hurried_since = Instant::now();
    loop {
        let wait = if hurried > 0 {
            Duration::ZERO
        } else {
            CHECKPOINT_EVERY
        };
        match stopped.recv_timeout(wait) {
            Err(flume::RecvTimeoutError::Timeout) => {}
            _ => return,
        }
        let started = Instant::now();
        // (busy, frames in the WAL, frames copied back)
        let frames = match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            row.get::<_, i64>(1)
        }) {
            Ok(frames) => frames,
            Err(err) => {
                tracing::warn!("SQLite checkpoint failed: {err}");
                0
            }
        };
        let took = started.elapsed();
        if frames < WAL_RESTART_FRAMES {
            hurried = 0;
            continue;
        }
        if hurried == 0 {
            hurried_since = started;
        }
        hurried += 1;
        // A pass that leaves frames behind does not sync the database file
        // (SQLite does that only when it copied every frame): the worker's
        // catch-up, which copies the last ones, would then wait for all of
        // it to reach the disk. Syncing here keeps that wait short.
        if let Err(err) = database_file.sync_data() {
            tracing::warn!("syncing the SQLite database file failed: {err}");
        }
        if took <= QUICK_PASS || hurried >= HURRIED_PASSES || hurried_since.elapsed() >= HURRIED_FOR
        {
            catch_up.store(true, Ordering::Relaxed);
            hurried = 0;
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
    let mut prepared = conn.prepare_cached(&stmt.sql)?;
    bind(&mut prepared, &stmt.args)?;
    let mut rows = prepared.raw_query();
    match rows.next()? {
        Some(row) => Ok(Some(map(row)?)),
        None => Ok(None),
    }
}

/// Runs `stmt` (prepared once per connection): the rows it changed.
fn changed_rows(conn: &Connection, stmt: &Stmt) -> StorageResult<u64> {
    let mut prepared = conn.prepare_cached(&stmt.sql)?;
    bind(&mut prepared, &stmt.args)?;
    Ok(prepared.raw_execute()? as u64)
}

/// One statement, as a write of a group: the rows it changed.
pub(super) fn execute(conn: &Connection, stmt: &Stmt) -> StorageResult<(u64, Keep)> {
    Ok((changed_rows(conn, stmt)?, Keep::Changes))
}

/// A batch, as a write of a group: undone when a statement that had to
/// change a row changed none.
pub(super) fn write_batch<C: Copy>(
    conn: &Connection,
    batch: &Batch<C>,
) -> StorageResult<(Result<(), C>, Keep)> {
    for (stmt, why) in &batch.steps {
        if let (0, Some(why)) = (changed_rows(conn, stmt)?, why) {
            return Ok((Err(*why), Keep::Nothing));
        }
    }
    Ok((Ok(()), Keep::Changes))
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
