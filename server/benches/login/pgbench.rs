//! PostgreSQL's own ceiling for an app-code verification: the statements
//! the server ran for one (read back from PostgreSQL's log with their
//! values, so they are the server's own and never a copy that drifts),
//! replayed by Debian's `pgbench` on logins prepared the same way, at the
//! same concurrency, for as long as the server's run.
//!
//! pgbench has no text variables, so its logins carry decimal session ids
//! (`:n`, counted per client), and what differs per login comes from the
//! first statement's own answer (`\gset`): the user, the login name, the
//! session's `sid`. The new session's id is `:n` moved past the range.
//! Every other value is the captured one, passed as a variable so that
//! pgbench, like the server, sends it as a parameter of a prepared
//! statement.

use std::{fmt::Write as _, path::Path, process::Command, time::Duration};

use anyhow::{bail, Context};
use app::{
    domain::{secret_box::Keyring, token::token_hash},
    storage::{batch::Stmt, Db},
};
use sqlx::Row;

use crate::{prepare, process::ServerProcess};

/// What pgbench did.
pub struct PgbenchRun {
    pub per_second: f64,
    pub latency_ms: f64,
    /// Statements per transaction (the server's, as captured).
    pub statements: usize,
    pub transactions: u64,
    pub failed: u64,
}

/// A statement as PostgreSQL logged its execution.
#[derive(Debug, Clone, PartialEq)]
struct Logged {
    sql: String,
    /// `None`: NULL.
    params: Vec<Option<String>>,
}

/// Captures one verification's statements through `server`, prepares
/// `pool` logins, and runs pgbench over them with `clients` connections,
/// each through its share (the caller sizes the pool to last about as
/// long as the server's run).
pub async fn ceiling(
    db: &Db,
    database_url: &str,
    server: &ServerProcess,
    keys: &Keyring,
    work: &Path,
    (clients, pool): (usize, usize),
) -> anyhow::Result<PgbenchRun> {
    let captured = capture(db, server, keys, work).await?;
    let per_client = pool / clients;
    let base = prepare_numbered(db, keys, work, clients * per_client).await?;
    let (script, constants) = script(&captured, base, per_client)?;
    let file = work.join("pgbench.sql");
    std::fs::write(&file, &script)?;
    sqlx::query("CHECKPOINT").execute(db.pool()).await?;
    let binary = crate::pg_stats::pg_bin("pgbench")?;
    let mut command = Command::new(binary);
    command
        .args(["-n", "-M", "prepared", "-j", "2", "-D", "i=0"])
        .arg("-c")
        .arg(clients.to_string())
        // A number of transactions, not a time: pgbench must never run out
        // of prepared logins (a used one answers no row, which aborts it).
        .arg("-t")
        .arg(per_client.to_string())
        .arg("-f")
        .arg(&file);
    for (name, value) in &constants {
        command.arg("-D").arg(format!("{name}={value}"));
    }
    let out = command.arg(database_url).output()?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    std::fs::write(
        work.join("pgbench.log"),
        format!("{text}\n{}", String::from_utf8_lossy(&out.stderr)),
    )?;
    if !out.status.success() {
        bail!(
            "pgbench failed:\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // "tps = 6529.7 (…)", "…processed: 18304/18304", "latency average = 1.2 ms"
    let field = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .and_then(|rest| {
                rest.split(|c: char| c.is_whitespace() || c == '/')
                    .find(|w| !w.is_empty())
            })
            .and_then(|v| v.parse::<f64>().ok())
    };
    Ok(PgbenchRun {
        per_second: field("tps = ").context("no tps in pgbench's output")?,
        latency_ms: field("latency average = ").unwrap_or(0.0),
        statements: captured.len(),
        transactions: field("number of transactions actually processed:").unwrap_or(0.0) as u64,
        failed: field("number of failed transactions:").unwrap_or(0.0) as u64,
    })
}

/// The statements the server runs for one app-code verification, with
/// their values: PostgreSQL logs every statement for the length of one
/// request, and those naming the waiting session are kept (the session's
/// id is in the first statement and in the write).
async fn capture(
    db: &Db,
    server: &ServerProcess,
    keys: &Keyring,
    work: &Path,
) -> anyhow::Result<Vec<Logged>> {
    let file = work.join("pgbench-capture.txt");
    prepare::pending_logins(db, keys, prepare::Factor::App, 1, &file).await?;
    let line = std::fs::read_to_string(&file)?;
    let (token, body) = line.trim().split_once(' ').context("capture line")?;
    let hash = token_hash(token);
    // The values another login differs in, to be marked (see `script`).
    let row = sqlx::query(
        "SELECT s.user_id, s.sid, u.login_name FROM sessions s \
         JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1",
    )
    .bind(&hash)
    .fetch_one(db.pool())
    .await?;
    let mut own = vec![
        (hash.clone(), SESSION),
        (row.try_get::<i64, _>("user_id")?.to_string(), USER),
        (row.try_get::<String, _>("sid")?, SID),
        (row.try_get::<String, _>("login_name")?, LOGIN),
    ];

    let data = crate::pg_stats::data_directory(db).await?;
    // scripts/pg-temp starts the server with its log beside the data.
    let log = data.parent().context("data directory")?.join("server.log");
    let from = std::fs::metadata(&log)
        .with_context(|| format!("PostgreSQL's log at {}", log.display()))?
        .len();
    set_logging(db, true).await?;
    let answer = reqwest::Client::new()
        .post(format!("{}/api/verify_code", server.base_url))
        .header("Cookie", format!("tweestap_sessie={token}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.to_string())
        .send()
        .await;
    set_logging(db, false).await?;
    let answer = answer?;
    anyhow::ensure!(
        answer.status().is_success(),
        "the captured verification was refused: {}",
        answer.text().await?
    );
    // The session the verification started: a new id and a new sid, both
    // unique, so both become `:next`.
    let next =
        sqlx::query("SELECT id_hash, sid FROM sessions WHERE user_id = $1 AND stage = 'active'")
            .bind(own[1].0.parse::<i64>()?)
            .fetch_one(db.pool())
            .await?;
    own.push((next.try_get("id_hash")?, NEXT));
    own.push((next.try_get("sid")?, NEXT));
    let text = std::fs::read(&log)?;
    let logged = parse_log(&String::from_utf8_lossy(&text[from as usize..]));
    let kept: Vec<Logged> = logged
        .into_iter()
        .filter(|s| s.params.iter().any(|p| p.as_deref() == Some(hash.as_str())))
        .collect();
    anyhow::ensure!(
        kept.len() >= 2,
        "expected the second step's read and write in PostgreSQL's log, found {kept:?}"
    );
    Ok(mark(kept, &own))
}

async fn set_logging(db: &Db, on: bool) -> anyhow::Result<()> {
    let set = if on {
        "ALTER SYSTEM SET log_min_duration_statement = 0"
    } else {
        "ALTER SYSTEM RESET log_min_duration_statement"
    };
    sqlx::query(set).execute(db.pool()).await?;
    sqlx::query("SELECT pg_reload_conf()")
        .execute(db.pool())
        .await?;
    // The backends read the new setting between statements; give the
    // signal a moment to reach the pool's idle connections.
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(())
}

/// The executions in a stretch of PostgreSQL's log (`duration: … execute
/// <name>: <sql>`, then `DETAIL:  parameters: $1 = '…', …`).
fn parse_log(text: &str) -> Vec<Logged> {
    let mut out: Vec<Logged> = Vec::new();
    let mut open = false;
    for line in text.lines() {
        if let Some(at) = line.find("  execute ") {
            let rest = &line[at + "  execute ".len()..];
            let sql = rest.split_once(": ").map_or(rest, |(_, sql)| sql);
            out.push(Logged {
                sql: sql.to_string(),
                params: Vec::new(),
            });
            open = true;
        } else if let (true, Some(at)) = (open, line.find("DETAIL:  parameters: ")) {
            if let Some(last) = out.last_mut() {
                last.params = parse_params(&line[at + "DETAIL:  parameters: ".len()..]);
            }
            open = false;
        } else if line.contains(" LOG: ") {
            open = false;
        }
    }
    out
}

/// `$1 = 'a''b', $2 = NULL` → `[Some("a'b"), None]`.
fn parse_params(text: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(" = ") {
        rest = &rest[at + 3..];
        if let Some(after) = rest.strip_prefix("NULL") {
            out.push(None);
            rest = after;
            continue;
        }
        let Some(quoted) = rest.strip_prefix('\'') else {
            break;
        };
        let mut value = String::new();
        let mut chars = quoted.char_indices().peekable();
        let mut end = quoted.len();
        while let Some((i, c)) = chars.next() {
            if c == '\'' {
                if chars.peek().map(|(_, c)| *c) == Some('\'') {
                    value.push('\'');
                    chars.next();
                } else {
                    end = i + 1;
                    break;
                }
            } else {
                value.push(c);
            }
        }
        out.push(Some(value));
        rest = &quoted[end..];
    }
    out
}

/// The captured statements with the captured login's own values marked,
/// so `script` can tell them from the rest.
fn mark(statements: Vec<Logged>, own: &[(String, &'static str)]) -> Vec<Logged> {
    statements
        .into_iter()
        .map(|s| Logged {
            params: s
                .params
                .into_iter()
                .map(|p| {
                    p.map(|v| match own.iter().find(|(value, _)| *value == v) {
                        Some((_, marker)) => marker.to_string(),
                        None => v,
                    })
                })
                .collect(),
            ..s
        })
        .collect()
}

// Markers, each the name of the pgbench variable that replaces it.
const SESSION: &str = "\u{0}n";
const USER: &str = "\u{0}user_id";
const SID: &str = "\u{0}sid";
const LOGIN: &str = "\u{0}login_name";
/// The new session's id: `:n` moved past the range pgbench counts in.
const NEXT: &str = "\u{0}next";

/// The pgbench script, and the constants it is given with `-D`. The first
/// statement's answer names the user, the login name and the sid (its
/// columns `user_id`, `login_name`, `sid`), which replace the captured
/// login's wherever they occur.
fn script(
    captured: &[Logged],
    base: i64,
    per_client: usize,
) -> anyhow::Result<(String, Vec<(String, String)>)> {
    anyhow::ensure!(!captured.is_empty(), "nothing captured");
    let mut constants = Vec::new();
    let mut out = String::new();
    let _ = writeln!(out, "\\set i :i + 1");
    let _ = writeln!(out, "\\set n {base} + :client_id * {per_client} + :i");
    let _ = writeln!(out, "\\set next :n + 1000000000000");
    for (k, stmt) in captured.iter().enumerate() {
        let mut sql = stmt.sql.clone();
        // Highest first, so $1 never eats the start of $12.
        for (i, value) in stmt.params.iter().enumerate().rev() {
            let placeholder = format!("${}", i + 1);
            let with = match value.as_deref() {
                None => "NULL".to_string(),
                // The first statement names the session; its answer
                // (`\gset`) gives the rest for the statements after it.
                Some(marker) if marker.starts_with('\u{0}') => format!(":{}", &marker[1..]),
                Some(v) => {
                    let name = format!("c{k}_{}", i + 1);
                    constants.push((name.clone(), v.to_string()));
                    format!(":{name}")
                }
            };
            sql = sql.replace(&placeholder, &with);
        }
        if k == 0 {
            let _ = writeln!(out, "{sql} \\gset");
        } else {
            let _ = writeln!(out, "{sql};");
        }
    }
    Ok((out, constants))
}

/// Prepares `count` app-code logins and renumbers their sessions from the
/// returned base + 1 on, as pgbench counts them.
async fn prepare_numbered(
    db: &Db,
    keys: &Keyring,
    work: &Path,
    count: usize,
) -> anyhow::Result<i64> {
    let file = work.join("pgbench-logins.txt");
    prepare::pending_logins(db, keys, prepare::Factor::App, count, &file).await?;
    let base = 1_000_000_000_i64;
    let hashes: Vec<String> = std::fs::read_to_string(&file)?
        .lines()
        .filter_map(|l| l.split_once(' ').map(|(token, _)| token_hash(token)))
        .collect();
    for (chunk_no, chunk) in hashes.chunks(500).enumerate() {
        let mut sql = String::from("UPDATE sessions SET id_hash = CASE id_hash");
        for (i, _) in chunk.iter().enumerate() {
            let _ = write!(sql, " WHEN ${} THEN ${}", 2 * i + 1, 2 * i + 2);
        }
        sql.push_str(" END WHERE id_hash IN (");
        for i in 0..chunk.len() {
            let _ = write!(sql, "{}${}", if i > 0 { ", " } else { "" }, 2 * i + 1);
        }
        sql.push(')');
        let mut stmt = Stmt::built(sql);
        for (i, hash) in chunk.iter().enumerate() {
            let n = base + 1 + (chunk_no * 500 + i) as i64;
            stmt = stmt.bind(hash.as_str()).bind(n.to_string());
        }
        db.execute(stmt).await?;
    }
    Ok(base)
}
