//! One read and one transaction, the same on both engines: for the steps
//! that run on every login, where the number of round trips is the cost.
//!
//! The statement vocabulary: [`Stmt`] and [`Batch`]; `Db` (in `mod.rs`)
//! runs them on either engine.
//!
//! A statement is its SQL text (`$1`-style placeholders, which both engines
//! read) and its arguments as values, so the same text runs through sqlx on
//! PostgreSQL and through the SQLite worker thread (`sqlite_worker`), where
//! a whole transaction costs one hand-off between threads instead of two
//! per statement. A statement that must change a row names what it means
//! when it changes none; the transaction then rolls back and says so.

use std::borrow::Cow;

use sqlx::{any::AnyRow, AssertSqlSafe, Row};

use super::StorageResult;

/// A statement argument. Nulls keep their type: PostgreSQL wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(bool),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}

impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_string()))
    }
}

impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::Text(v.map(str::to_string))
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}

impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}

impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}

/// One statement, the only way a query is written here:
/// `Stmt::new(SQL).bind(a).bind(b)`, its arguments in the order of the
/// text's `$n`. It runs through `Db`'s engine dispatch (`read_row`,
/// `execute`, `write_batch`) or on a pool (`fetch_*`, `execute_on`).
#[derive(Debug, Clone)]
pub struct Stmt {
    pub sql: Cow<'static, str>,
    pub args: Vec<Arg>,
}

impl Stmt {
    pub fn new(sql: &'static str) -> Stmt {
        Stmt {
            sql: Cow::Borrowed(sql),
            args: Vec::new(),
        }
    }

    /// A text put together at run time from fixed parts (a column list, a
    /// filter's optional clauses), never from input: input is bound.
    pub fn built(sql: String) -> Stmt {
        Stmt {
            sql: Cow::Owned(sql),
            args: Vec::new(),
        }
    }

    /// The next argument.
    pub fn bind(mut self, arg: impl Into<Arg>) -> Stmt {
        self.args.push(arg.into());
        self
    }

    /// The statement as sqlx's query: its text and arguments move in, so
    /// neither is copied on the way to the driver.
    pub(super) fn query(self) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
        let text = match self.sql {
            Cow::Borrowed(sql) => sqlx::query(sql),
            Cow::Owned(sql) => sqlx::query(AssertSqlSafe(sql)),
        };
        bind_all(text, self.args)
    }

    /// The same statement with `prefix` before its text (`EXPLAIN …`).
    pub fn prefixed(&self, prefix: &str) -> Stmt {
        Stmt {
            sql: Cow::Owned(format!("{prefix}{}", self.sql)),
            args: self.args.clone(),
        }
    }

    /// The first row, read on `on` (a pool, a transaction).
    pub async fn fetch_optional<'e>(
        self,
        on: impl sqlx::Executor<'e, Database = sqlx::Any>,
    ) -> StorageResult<Option<AnyRow>> {
        Ok(self.query().fetch_optional(on).await?)
    }

    /// The one row a query always gives (an aggregate, a `RETURNING`).
    pub async fn fetch_one<'e>(
        self,
        on: impl sqlx::Executor<'e, Database = sqlx::Any>,
    ) -> StorageResult<AnyRow> {
        Ok(self.query().fetch_one(on).await?)
    }

    pub async fn fetch_all<'e>(
        self,
        on: impl sqlx::Executor<'e, Database = sqlx::Any>,
    ) -> StorageResult<Vec<AnyRow>> {
        Ok(self.query().fetch_all(on).await?)
    }

    /// Runs the statement through sqlx (a pool, a transaction); the number
    /// of rows it changed.
    pub async fn execute_on<'e>(
        self,
        on: impl sqlx::Executor<'e, Database = sqlx::Any>,
    ) -> StorageResult<u64> {
        Ok(self.query().execute(on).await?.rows_affected())
    }
}

/// Statements that stand or fall together. `C` says why a batch stopped:
/// a statement added with [`Batch::must_change`] that changed no row.
/// No two statements of a batch may touch the same row: on PostgreSQL the
/// batch is one statement on one snapshot, where a row changed twice keeps
/// only one of the changes.
#[derive(Debug, Clone)]
pub struct Batch<C> {
    pub(crate) steps: Vec<(Stmt, Option<C>)>,
}

impl<C> Default for Batch<C> {
    fn default() -> Self {
        Batch { steps: Vec::new() }
    }
}

impl<C: Copy> Batch<C> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn then(&mut self, stmt: Stmt) -> &mut Self {
        self.steps.push((stmt, None));
        self
    }

    /// A statement whose change is the condition for the rest: when it
    /// changes no row, nothing of the batch is kept and `why` is the answer.
    pub fn must_change(&mut self, stmt: Stmt, why: C) -> &mut Self {
        self.steps.push((stmt, Some(why)));
        self
    }
}

/// Columns of a row by name, whichever driver read it.
pub trait Columns {
    fn int(&self, name: &str) -> StorageResult<i64>;
    fn opt_int(&self, name: &str) -> StorageResult<Option<i64>>;
    fn text(&self, name: &str) -> StorageResult<String>;
    fn opt_text(&self, name: &str) -> StorageResult<Option<String>>;
    /// Booleans arrive as integers from SQLite and as booleans from PostgreSQL.
    fn flag(&self, name: &str) -> StorageResult<bool>;
}

impl Columns for AnyRow {
    fn int(&self, name: &str) -> StorageResult<i64> {
        Ok(self.try_get(name)?)
    }
    fn opt_int(&self, name: &str) -> StorageResult<Option<i64>> {
        Ok(self.try_get(name)?)
    }
    fn text(&self, name: &str) -> StorageResult<String> {
        Ok(self.try_get(name)?)
    }
    fn opt_text(&self, name: &str) -> StorageResult<Option<String>> {
        Ok(self.try_get(name)?)
    }
    fn flag(&self, name: &str) -> StorageResult<bool> {
        match self.try_get::<i64, _>(name) {
            Ok(v) => Ok(v != 0),
            Err(_) => Ok(self.try_get::<bool, _>(name)?),
        }
    }
}

/// Turns one row into `T`; a plain function, so it can run on whichever
/// thread holds the row.
pub type RowMap<T> = fn(&dyn Columns) -> StorageResult<T>;

/// Binds `args` to `query` in order.
fn bind_all<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    args: Vec<Arg>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    args.into_iter().fold(query, |q, arg| match arg {
        Arg::Int(v) => q.bind(v),
        Arg::Text(v) => q.bind(v),
        Arg::Bool(v) => q.bind(v),
    })
}

/// SQLSTATE of the error the one-statement batch raises when a condition fails.
pub(super) const DIVISION_BY_ZERO: &str = "22012";

/// A batch as one PostgreSQL statement: each step a data-modifying `WITH`
/// part (all run, on one snapshot, whatever the rest does), and a final
/// select that divides by zero when a step that had to change a row changed
/// none, which undoes the whole statement. One snapshot serves all the
/// steps because no two touch the same row (see [`Batch`]).
pub(super) fn one_statement<C>(batch: &Batch<C>) -> Stmt {
    let mut parts = Vec::new();
    let mut conditions = Vec::new();
    let mut args = Vec::new();
    for (i, (stmt, why)) in batch.steps.iter().enumerate() {
        parts.push(format!(
            "s{i} AS ({} RETURNING 1)",
            shift_placeholders(&stmt.sql, args.len())
        ));
        args.extend(stmt.args.iter().cloned());
        if why.is_some() {
            conditions.push(format!("EXISTS (SELECT 1 FROM s{i})"));
        }
    }
    let kept = if conditions.is_empty() {
        "1".to_string()
    } else {
        format!(
            "1 / CASE WHEN {} THEN 1 ELSE 0 END",
            conditions.join(" AND ")
        )
    };
    Stmt {
        sql: Cow::Owned(format!("WITH {} SELECT {kept} AS kept", parts.join(", "))),
        args,
    }
}

/// `sql` with each `$n` placeholder raised by `by`.
fn shift_placeholders(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + by).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_move_past_the_earlier_steps() {
        assert_eq!(
            shift_placeholders("UPDATE t SET a = $1 WHERE b = $12 AND c = $2", 3),
            "UPDATE t SET a = $4 WHERE b = $15 AND c = $5"
        );
        assert_eq!(shift_placeholders("SELECT 1", 3), "SELECT 1");
    }

    #[test]
    fn a_batch_is_one_statement_that_fails_when_a_condition_does() {
        let mut batch = Batch::new();
        batch
            .then(Stmt::new("INSERT INTO a (x) VALUES ($1)").bind(1))
            .must_change(
                Stmt::new("UPDATE b SET y = $1 WHERE z = $2")
                    .bind(2)
                    .bind(3),
                'b',
            )
            .must_change(Stmt::new("DELETE FROM c WHERE w = $1").bind(4), 'c');
        let Stmt { sql, args } = one_statement(&batch);
        assert_eq!(
            sql,
            "WITH s0 AS (INSERT INTO a (x) VALUES ($1) RETURNING 1), \
             s1 AS (UPDATE b SET y = $2 WHERE z = $3 RETURNING 1), \
             s2 AS (DELETE FROM c WHERE w = $4 RETURNING 1) \
             SELECT 1 / CASE WHEN EXISTS (SELECT 1 FROM s1) AND EXISTS (SELECT 1 FROM s2) \
             THEN 1 ELSE 0 END AS kept"
        );
        assert_eq!(args, [1, 2, 3, 4].map(Arg::from));
    }
}
