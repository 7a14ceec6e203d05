//! The storage seam: one set of queries for SQLite and PostgreSQL.
//!
//! Queries go through sqlx's `Any` driver, so each is written once, with
//! `$1` placeholders that both engines understand. The schema differs only
//! where the engines do (identity columns, booleans), so each engine has its
//! own migrations in `app/migrations/<engine>/`, kept step for step alike.
//! Times are Unix seconds in plain integer columns on both.

/// Whether user `u` has been quiet since before `$2` (no login, creation
/// or unblocking after it): 'Niet ingelogd in … dagen' in SQL, for
/// 'Overzicht' and the dormant task alike; the moment is
/// `domain::dormant::dormant_before`.
macro_rules! quiet_before_2 {
    () => {
        "u.created_at < $2 AND COALESCE(u.last_login_at, 0) < $2 \
         AND COALESCE(u.unblocked_at, 0) < $2"
    };
}

pub mod audit;
pub mod authenticators;
pub mod batch;
pub mod clients;
pub mod codes;
pub mod imports;
pub mod lifecycle;
pub mod link_tokens;
mod migrations;
pub mod offices;
pub mod oidc;
pub mod overview;
pub mod passkeys;
pub mod personal_data;
pub mod plans;
pub mod purge;
pub mod recovery;
pub mod reminders;
pub mod second_step;
pub mod sessions;
pub mod sms_messages;
mod sqlite_worker;
pub mod throttle;
pub mod trusted;
pub mod users;

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions, AnyRow},
    AnyPool, Executor,
};

use batch::{one_statement, Batch, RowMap, Stmt, DIVISION_BY_ZERO};
use sqlite_worker::SqliteWorker;

/// A transaction's isolation on PostgreSQL: its default (READ COMMITTED),
/// or SERIALIZABLE for a batch whose condition reads rows it does not write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Isolation {
    Default,
    Serializable,
}

/// PostgreSQL's SQLSTATEs for a transaction that raced another: it was
/// undone, and may simply run again.
const SERIALIZATION_FAILURE: &str = "40001";
const DEADLOCK_DETECTED: &str = "40P01";

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("database (SQLite worker): {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported DATABASE_URL (use sqlite:// or postgres://): {0}")]
    UnsupportedUrl(String),
    #[error("database: the transaction was not committed: {0}")]
    NotCommitted(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("could not create the database folder {0}: {1}")]
    Folder(String, std::io::Error),
}

pub type StorageResult<T> = Result<T, StorageError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    /// The same pool as `pool` on PostgreSQL; one connection on SQLite.
    writer: AnyPool,
    /// SQLite files: the thread that runs a login's read and transaction
    /// in one hand-off (`batch`); `None` on PostgreSQL.
    sqlite_worker: Option<SqliteWorker>,
    engine: Engine,
}

impl Db {
    /// Connects, creating a SQLite file (and its folder) when missing, and
    /// brings the schema up to date.
    pub async fn open(url: &str) -> StorageResult<Db> {
        sqlx::any::install_default_drivers();
        let engine = if url.starts_with("sqlite:") {
            Engine::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Engine::Postgres
        } else {
            return Err(StorageError::UnsupportedUrl(redact_url(url)));
        };
        let url = match engine {
            Engine::Sqlite => prepare_sqlite_url(url)?,
            Engine::Postgres => url.to_string(),
        };
        let sqlite_file = sqlite_file(&url);
        let options = AnyConnectOptions::from_str(&url)?;
        let readers = match engine {
            // SQLite serialises writers anyway; a few readers suffice.
            Engine::Sqlite => 8,
            Engine::Postgres => 16,
        };
        let pool = pool_options(engine, readers)
            .connect_with(options.clone())
            .await?;
        // SQLite lets one connection write at a time and makes the others
        // sleep and retry, which under load costs milliseconds per write.
        // One writing connection lets writers wait in line here instead.
        let writer = match engine {
            Engine::Sqlite => pool_options(engine, 1).connect_with(options).await?,
            Engine::Postgres => pool.clone(),
        };
        let mut db = Db {
            pool,
            writer,
            sqlite_worker: None,
            engine,
        };
        db.migrate().await?;
        // Opened after the migrations, so it sees the finished schema.
        if let (Engine::Sqlite, Some(file)) = (engine, sqlite_file) {
            db.sqlite_worker = Some(SqliteWorker::open(Path::new(&file))?);
        }
        Ok(db)
    }

    async fn migrate(&self) -> StorageResult<()> {
        migrations::migrator(self.engine).run(&self.writer).await?;
        Ok(())
    }

    /// For statements that only read.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// For statements and transactions that write.
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// A transaction on the writer, for changes that stand or fall together.
    pub async fn begin_write(&self) -> StorageResult<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(self.writer.begin().await?)
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Ready to serve: the database answers within `within`, and its
    /// migrations are exactly this build's. `Err` gives the reason.
    pub async fn readiness(&self, within: Duration) -> Result<(), String> {
        match tokio::time::timeout(within, migrations::check_applied(&self.pool, self.engine)).await
        {
            Ok(answer) => answer,
            Err(_) => Err(format!(
                "the database did not answer within {} ms",
                within.as_millis()
            )),
        }
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

// ---------------------------------------------------------------- the engine dispatch

/// The fast paths: on SQLite through the worker thread (one hand-off per
/// read or transaction), on PostgreSQL through the pool (a batch as one
/// statement, see `batch::one_statement`).
impl Db {
    /// The first row of a query, if any, read through the engine's fast path.
    pub async fn read_row<T: Send + 'static>(
        &self,
        stmt: Stmt,
        map: RowMap<T>,
    ) -> StorageResult<Option<T>> {
        match &self.sqlite_worker {
            Some(worker) => {
                worker
                    .read(move |conn| sqlite_worker::read_row(conn, &stmt, map))
                    .await
            }
            None => {
                let row = stmt.query().fetch_optional(self.pool()).await?;
                row.as_ref().map(|r| map(r)).transpose()
            }
        }
    }

    /// Runs one statement on its own (its own transaction); the number of
    /// rows it changed.
    pub async fn execute(&self, stmt: Stmt) -> StorageResult<u64> {
        match &self.sqlite_worker {
            Some(worker) => {
                worker
                    .write(move |conn| sqlite_worker::execute(conn, &stmt))
                    .await
            }
            None => stmt.execute_on(self.writer()).await,
        }
    }

    /// Runs `batch` in one transaction: `Ok(Err(why))` when a statement
    /// that had to change a row changed none (then nothing was kept).
    pub async fn write_batch<C: Copy + Send + 'static>(
        &self,
        batch: Batch<C>,
    ) -> StorageResult<Result<(), C>> {
        if batch.steps.is_empty() {
            return Ok(Ok(()));
        }
        match &self.sqlite_worker {
            Some(worker) => {
                worker
                    .write(move |conn| sqlite_worker::write_batch(conn, &batch))
                    .await
            }
            None => match self.write_as_one_statement(&batch).await? {
                true => Ok(Ok(())),
                // A condition failed and nothing was kept: the step-by-step
                // run finds which (or succeeds, if the state moved on).
                false => self.write_step_by_step(&batch, Isolation::Default).await,
            },
        }
    }

    /// [`Db::write_batch`] for a batch whose condition reads rows it does
    /// not write ("another beheerder is still active"): two such batches
    /// at once could each see the other's row as it was. On PostgreSQL it
    /// runs SERIALIZABLE, and the one PostgreSQL stops as having raced is
    /// run again and then sees the other's change; SQLite's one writer
    /// serialises every batch anyway.
    pub async fn write_batch_serialised<C: Copy + Send + 'static>(
        &self,
        batch: Batch<C>,
    ) -> StorageResult<Result<(), C>> {
        if self.engine() == Engine::Sqlite {
            return self.write_batch(batch).await;
        }
        let mut tries = 0;
        loop {
            match self
                .write_step_by_step(&batch, Isolation::Serializable)
                .await
            {
                Err(StorageError::Sqlx(sqlx::Error::Database(e)))
                    if tries < 5
                        && matches!(
                            e.code().as_deref(),
                            Some(SERIALIZATION_FAILURE | DEADLOCK_DETECTED)
                        ) =>
                {
                    tries += 1;
                }
                other => return other,
            }
        }
    }

    /// PostgreSQL: the whole batch as one statement, so one round trip and
    /// one commit instead of one per statement. `false` when a condition
    /// failed, and then the statement kept nothing.
    async fn write_as_one_statement<C>(&self, batch: &Batch<C>) -> StorageResult<bool> {
        match one_statement(batch).execute_on(self.writer()).await {
            Ok(_) => Ok(true),
            Err(StorageError::Sqlx(sqlx::Error::Database(e)))
                if e.code().as_deref() == Some(DIVISION_BY_ZERO) =>
            {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// The batch in a transaction, a statement at a time, stopping at the
    /// first condition that fails.
    async fn write_step_by_step<C: Copy>(
        &self,
        batch: &Batch<C>,
        isolation: Isolation,
    ) -> StorageResult<Result<(), C>> {
        let mut tx = self.begin_write().await?;
        if isolation == Isolation::Serializable {
            Stmt::new("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
                .execute_on(&mut *tx)
                .await?;
        }
        for (stmt, why) in &batch.steps {
            // The rare path (a condition failed in the one-statement try):
            // the batch is borrowed, so each statement runs as a copy.
            let changed = stmt.clone().execute_on(&mut *tx).await?;
            if let (0, Some(why)) = (changed, why) {
                tx.rollback().await?;
                return Ok(Err(*why));
            }
        }
        tx.commit().await.map_err(StorageError::from)?;
        Ok(Ok(()))
    }
}

fn pool_options(engine: Engine, max_connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                match engine {
                    // WAL lets readers run beside the one writer; the busy
                    // timeout covers writers from other processes.
                    Engine::Sqlite => {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
                             PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                        )
                        .await?;
                    }
                    // No statement of the portal runs long enough for JIT
                    // compilation to pay: 'Overzicht' of 100,000 users spent
                    // 171 of its 313 ms compiling (docs/performance.md).
                    Engine::Postgres => {
                        conn.execute("SET jit = off").await?;
                    }
                }
                Ok(())
            })
        })
}

/// The file behind a prepared SQLite URL; `None` for an in-memory database,
/// which another connection could not see.
fn sqlite_file(url: &str) -> Option<String> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = rest.split_once('?').map_or(rest, |(path, _)| path);
    (!path.is_empty() && path != ":memory:" && !url.contains("mode=memory"))
        .then(|| path.to_string())
}

/// `sqlite://data/x.db` → make sure `data/` exists and the file is created.
fn prepare_sqlite_url(url: &str) -> StorageResult<String> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:" && !path.is_empty() {
        if let Some(parent) = Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent)
                .map_err(|e| StorageError::Folder(parent.display().to_string(), e))?;
        }
    }
    let query = if query.contains("mode=") {
        query.to_string()
    } else if query.is_empty() {
        "mode=rwc".to_string()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// A URL fit for logs: the password, if any, replaced.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Booleans arrive as integers from SQLite and as booleans from PostgreSQL.
pub(crate) fn flag(row: &AnyRow, column: &str) -> StorageResult<bool> {
    batch::Columns::flag(row, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_get_create_mode() {
        assert_eq!(
            prepare_sqlite_url("sqlite::memory:").unwrap(),
            "sqlite://:memory:?mode=rwc"
        );
        assert_eq!(
            prepare_sqlite_url("sqlite://x.db?mode=ro").unwrap(),
            "sqlite://x.db?mode=ro"
        );
    }

    #[test]
    fn passwords_are_hidden_from_logs() {
        assert_eq!(
            redact_url("postgres://tweestap:geheim@db:5432/tweestap"),
            "postgres://tweestap:***@db:5432/tweestap"
        );
        assert_eq!(
            redact_url("sqlite://data/tweestap.db"),
            "sqlite://data/tweestap.db"
        );
    }
}
