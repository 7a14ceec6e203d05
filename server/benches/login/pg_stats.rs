//! PostgreSQL's own account of a run: checkpoints and who wrote the
//! buffers (`pg_stat_bgwriter`), autovacuum and dead rows per table
//! (`pg_stat_user_tables`), and the statements that took the time
//! (`pg_stat_statements`, which `scripts/pg-temp start --durable` loads).
//! Read before and after the verification runs, so the small and the
//! large database can be set side by side.

use std::fmt::Write as _;

use app::storage::Db;
use sqlx::Row;

/// The counters that only grow, read at one moment.
#[derive(Debug, Clone, Default)]
pub struct Counters {
    checkpoints_timed: i64,
    checkpoints_requested: i64,
    buffers_checkpoint: i64,
    buffers_clean: i64,
    buffers_backend: i64,
    autovacuums: i64,
    autoanalyzes: i64,
}

/// Starts a window: what was written before flushed (a checkpoint), the
/// statement statistics emptied, the counters read.
pub async fn start(db: &Db) -> anyhow::Result<Counters> {
    let pool = db.pool();
    sqlx::query("CHECKPOINT").execute(pool).await?;
    sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .execute(pool)
        .await?;
    sqlx::query("SELECT pg_stat_statements_reset()::text")
        .execute(pool)
        .await?;
    counters(db).await
}

async fn counters(db: &Db) -> anyhow::Result<Counters> {
    let pool = db.pool();
    let b = sqlx::query(
        "SELECT checkpoints_timed::bigint AS t, checkpoints_req::bigint AS r, \
         buffers_checkpoint::bigint AS c, buffers_clean::bigint AS l, \
         buffers_backend::bigint AS b FROM pg_stat_bgwriter",
    )
    .fetch_one(pool)
    .await?;
    let v = sqlx::query(
        "SELECT COALESCE(SUM(autovacuum_count), 0)::bigint AS v, \
         COALESCE(SUM(autoanalyze_count), 0)::bigint AS a FROM pg_stat_user_tables",
    )
    .fetch_one(pool)
    .await?;
    Ok(Counters {
        checkpoints_timed: b.try_get("t")?,
        checkpoints_requested: b.try_get("r")?,
        buffers_checkpoint: b.try_get("c")?,
        buffers_clean: b.try_get("l")?,
        buffers_backend: b.try_get("b")?,
        autovacuums: v.try_get("v")?,
        autoanalyzes: v.try_get("a")?,
    })
}

/// What happened since `before`, as Markdown: the counters' growth, the
/// tables with the most dead rows, and the statements by total time.
pub async fn since(db: &Db, before: &Counters, what: &str) -> anyhow::Result<String> {
    let pool = db.pool();
    let now = counters(db).await?;
    let mut out = String::new();
    let _ = writeln!(out, "### PostgreSQL during the run: {what}\n");
    let _ = writeln!(
        out,
        "Checkpoints: {} timed, {} requested (WAL full); buffers written by checkpoints {}, \
         by the background writer {}, by the backends themselves {}; autovacuum runs {}, \
         autoanalyze runs {}.\n",
        now.checkpoints_timed - before.checkpoints_timed,
        now.checkpoints_requested - before.checkpoints_requested,
        now.buffers_checkpoint - before.buffers_checkpoint,
        now.buffers_clean - before.buffers_clean,
        now.buffers_backend - before.buffers_backend,
        now.autovacuums - before.autovacuums,
        now.autoanalyzes - before.autoanalyzes,
    );
    let tables = sqlx::query(
        "SELECT relname::text AS t, n_live_tup::bigint AS live, n_dead_tup::bigint AS dead, \
         autovacuum_count::bigint AS v FROM pg_stat_user_tables \
         ORDER BY n_dead_tup DESC LIMIT 5",
    )
    .fetch_all(pool)
    .await?;
    out.push_str("| table | live rows | dead rows | autovacuums so far |\n|---|---:|---:|---:|\n");
    for r in &tables {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            r.try_get::<String, _>("t")?,
            r.try_get::<i64, _>("live")?,
            r.try_get::<i64, _>("dead")?,
            r.try_get::<i64, _>("v")?
        );
    }
    let statements = sqlx::query(
        "SELECT regexp_replace(left(query, 90), '\\s+', ' ', 'g') AS q, calls::bigint AS n, \
         round(total_exec_time)::bigint AS total_ms, \
         round(mean_exec_time * 1000)::bigint AS mean_us, \
         round(max_exec_time)::bigint AS max_ms, \
         (shared_blks_read)::bigint AS read \
         FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat%' \
         ORDER BY total_exec_time DESC LIMIT 8",
    )
    .fetch_all(pool)
    .await?;
    out.push_str(
        "\n| statement | calls | total ms | mean µs | max ms | blocks read from disk |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    for r in &statements {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            r.try_get::<String, _>("q")?.replace('|', "\\|"),
            r.try_get::<i64, _>("n")?,
            r.try_get::<i64, _>("total_ms")?,
            r.try_get::<i64, _>("mean_us")?,
            r.try_get::<i64, _>("max_ms")?,
            r.try_get::<i64, _>("read")?
        );
    }
    out.push('\n');
    Ok(out)
}

/// A program of the PostgreSQL the bench runs on (Debian's, newest).
pub fn pg_bin(name: &str) -> anyhow::Result<std::path::PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin").join(name))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    anyhow::Context::context(found.pop(), format!("no {name} under /usr/lib/postgresql"))
}

/// The data directory; `scripts/pg-temp` keeps the server's log beside it.
pub async fn data_directory(db: &Db) -> anyhow::Result<std::path::PathBuf> {
    let data: String = sqlx::query("SELECT setting FROM pg_settings WHERE name = 'data_directory'")
        .fetch_one(db.pool())
        .await?
        .try_get("setting")?;
    Ok(data.into())
}

/// Restarts the server (`pg_ctl restart`, with the options it was started
/// with): its shared buffers start empty, as after a deploy or a crash.
pub async fn restart(db: &Db) -> anyhow::Result<()> {
    let data = data_directory(db).await?;
    let log = data
        .parent()
        .map(|d| d.join("server.log"))
        .unwrap_or_else(|| data.join("restart.log"));
    let pg_ctl = pg_bin("pg_ctl")?;
    // PostgreSQL will not run as root: as `scripts/pg-temp` does.
    let mut command = if unsafe_is_root() {
        let mut c = std::process::Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(&pg_ctl);
        c
    } else {
        std::process::Command::new(&pg_ctl)
    };
    let status = command
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(&log)
        .args(["-m", "fast", "-w", "restart"])
        .stdout(std::process::Stdio::null())
        .status()?;
    anyhow::ensure!(status.success(), "pg_ctl restart failed");
    Ok(())
}

fn unsafe_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|v| v.split_whitespace().next().map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// 'Overzicht''s statements as PostgreSQL ran them (`EXPLAIN (ANALYZE,
/// BUFFERS)`), as Markdown.
pub async fn analyzed_plans(db: &Db, office: i64, dormant_before: i64) -> anyhow::Result<String> {
    use app::storage::{clients, overview};
    let mut out = String::from("### 'Overzicht' on PostgreSQL, as it ran (warm)\n");
    for (what, stmt) in [
        (
            "clients' users, grouped",
            overview::client_groups_stmt(office, dormant_before),
        ),
        (
            "the office's own users, grouped",
            overview::office_groups_stmt(office, dormant_before),
        ),
        ("the client list", clients::list_for_office_stmt(office)),
    ] {
        let rows = stmt
            .prefixed("EXPLAIN (ANALYZE, BUFFERS) ")
            .fetch_all(db.pool())
            .await?;
        let _ = writeln!(out, "\n{what}\n```");
        for row in rows {
            let _ = writeln!(out, "{}", row.try_get::<String, _>("QUERY PLAN")?);
        }
        let _ = writeln!(out, "```");
    }
    Ok(out)
}
