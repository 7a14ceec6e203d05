//! The one table the bench prints, in Markdown so it can go into
//! `docs/performance.md` as it is. Targets are shown beside the figures,
//! not asserted.

use std::{fmt::Write as _, time::Duration};

use app::{domain::password, storage::Engine};

use crate::{
    frontend::{median, Asset, Browser, Bundle},
    prepare::Factor,
    wrk::Load,
};

pub struct LoginRun {
    pub concurrency: u32,
    pub load: Load,
    pub peak_rss: u64,
}

pub struct VerifyRun {
    pub engine: Engine,
    pub factor: Factor,
    pub load: Load,
    pub pool: usize,
    /// Run on the large database (`prepare::large_database`).
    pub at_scale: bool,
    /// SQLite: the WAL file's size, its largest during the run and after it.
    pub wal: Option<WalSize>,
}

#[derive(Debug, Clone, Copy)]
pub struct WalSize {
    pub peak: u64,
    pub after: u64,
}

pub struct PurgeRun {
    pub engine: Engine,
    pub rows: u64,
    pub batch_rows: i64,
    pub took: Duration,
    /// How long filling the large database took.
    pub seeded: Duration,
}

/// The office's other applications on this login, per engine.
pub struct ApplicationsRun {
    pub engine: &'static str,
    /// `GET /auth/verify` for a session that passes.
    pub verify: Load,
    /// `POST /oidc/token`, each request a code's first use.
    pub token: Load,
}

/// 'Overzicht' on the large database: its two grouped queries and the
/// client list, as the page asks for them.
pub struct OverviewRun {
    pub engine: Engine,
    /// The first after a restart.
    pub cold: Duration,
    /// The best and the slowest of a few runs after it.
    pub best: Duration,
    pub worst: Duration,
    pub users: i64,
}

#[derive(Default)]
pub struct Report {
    pub seconds: Duration,
    pub ceiling_before: f64,
    pub ceiling_after: f64,
    pub logins: Vec<LoginRun>,
    pub verifications: Vec<VerifyRun>,
    pub page: Option<Load>,
    pub idle_rss: u64,
    pub assets: Vec<Asset>,
    pub browser: Option<Browser>,
    /// What the login page fetched to hydrate (`browser.fetched`), as brotli.
    pub login_bundle: Option<Bundle>,
    pub whole_app: Option<Bundle>,
    pub purges: Vec<PurgeRun>,
    pub overviews: Vec<OverviewRun>,
    /// 'Gebruikers importeren' of a large file, per engine.
    pub imports: Vec<crate::import::ImportRun>,
    /// App codes on SQLite with metrics off and on, back to back.
    pub metrics_pair: Option<(VerifyRun, VerifyRun)>,
    /// Query plans, when asked for (printed after the table).
    pub plans: String,
    /// What PostgreSQL saw during its runs (printed after the table).
    pub pg_stats: String,
    /// `/auth/verify` and the token endpoint, per engine.
    pub applications: Vec<ApplicationsRun>,
    /// 'Stuur herstellink' for known and unknown accounts.
    pub reset: Option<crate::recovery::ResetRun>,
    /// The password rules, microseconds per check.
    pub rules_us: Option<f64>,
    /// pgbench running the server's statements of one app-code
    /// verification (PostgreSQL's own ceiling for them).
    pub pgbench: Option<crate::pgbench::PgbenchRun>,
    /// A passkey's check without HTTP or a database.
    pub passkey_check: Option<crate::passkey_check::PasskeyCheck>,
    /// The server's profiles, when asked for (printed after the table).
    pub profiles: String,
    pub took: Duration,
}

impl Report {
    /// The reference for password logins: the ceiling measured just before
    /// and just after them, averaged.
    fn ceiling(&self) -> f64 {
        (self.ceiling_before + self.ceiling_after) / 2.0
    }

    pub fn render(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(t, "{}", machine());
        let _ = writeln!(
            t,
            "Each load run {} s through wrk on loopback; the whole bench took {:.0} s.\n",
            self.seconds.as_secs(),
            self.took.as_secs_f64()
        );
        t.push_str("| Measurement | Result | p50 | p99 | Beside it | Target |\n");
        t.push_str("|---|---:|---:|---:|---|---|\n");
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        row(
            &mut t,
            &format!(
                "Argon2id ceiling ({} KiB, t={}, p={}), {threads} threads",
                password::MEMORY_KIB,
                password::ITERATIONS,
                password::PARALLELISM
            ),
            &format!("{:.1} hashes/s", self.ceiling()),
            "",
            "",
            &format!(
                "before {:.1}, after {:.1}",
                self.ceiling_before, self.ceiling_after
            ),
            "",
        );
        if let Some(reset) = &self.reset {
            use crate::recovery::quantile;
            let (known, unknown) = (quantile(&reset.known, 0.5), quantile(&reset.unknown, 0.5));
            let apart = 100.0 * (known.as_secs_f64() - unknown.as_secs_f64()).abs()
                / unknown.as_secs_f64().max(1e-9);
            for (what, samples) in [
                ("known accounts", &reset.known),
                ("unknown names", &reset.unknown),
            ] {
                row(
                    &mut t,
                    &format!(
                        "'Stuur herstellink', {what} ({} one at a time)",
                        samples.len()
                    ),
                    "",
                    &format!("{:.2} ms", quantile(samples, 0.5).as_secs_f64() * 1e3),
                    &format!("{:.2} ms", quantile(samples, 0.99).as_secs_f64() * 1e3),
                    &format!("medians {apart:.1} % apart"),
                    "medians within 10 %",
                );
            }
        }
        if let Some(us) = self.rules_us {
            row(
                &mut t,
                "Password rules (length, list, own words), per check",
                &format!("{us:.1} µs"),
                "",
                "",
                &format!(
                    "{} entries on the list",
                    app::domain::password_rules::Blocklist::shipped().len()
                ),
                "",
            );
        }
        for run in &self.logins {
            load_row(
                &mut t,
                &format!("Password login, {} at once", run.concurrency),
                &run.load,
                &format!(
                    "{}peak RSS {}; server CPU {:.1} ms per login",
                    if run.load.clean() {
                        format!(
                            "{:.0} % of ceiling; ",
                            100.0 * run.load.per_second() / self.ceiling()
                        )
                    } else {
                        String::new()
                    },
                    mb(run.peak_rss),
                    run.load.cpu_ms_per_request(),
                ),
                if run.concurrency == 64 {
                    "≥ 90 % of ceiling; RSS < 250 MB"
                } else {
                    "≥ 90 % of ceiling"
                },
            );
        }
        for run in &self.verifications {
            let what = match run.factor {
                Factor::App => "App code",
                Factor::Passkey => "Passkey",
                Factor::Sms => "SMS code",
            };
            let engine = match run.engine {
                Engine::Sqlite => "SQLite",
                Engine::Postgres => "PostgreSQL",
            };
            // At scale, beside the same run on the small database.
            let small = self
                .verifications
                .iter()
                .find(|s| !s.at_scale && s.engine == run.engine && s.factor == run.factor)
                .filter(|_| run.at_scale);
            // Only two clean runs compare: a run that ran out says nothing.
            let beside_small =
                small
                    .filter(|s| s.load.clean() && run.load.clean())
                    .map_or(String::new(), |s| {
                        format!(
                            "{:.0} % of the small database; ",
                            100.0 * run.load.per_second() / s.load.per_second()
                        )
                    });
            // A passkey beside the app code of the same engine and run;
            // the app code on PostgreSQL beside pgbench's run of the same
            // statements.
            let app_code = self
                .verifications
                .iter()
                .find(|a| {
                    a.at_scale == run.at_scale && a.engine == run.engine && a.factor == Factor::App
                })
                .filter(|a| run.factor == Factor::Passkey && a.load.clean() && run.load.clean())
                .map_or(String::new(), |a| {
                    format!(
                        "{:.0} % of the app code, {:+.2} ms CPU; ",
                        100.0 * run.load.per_second() / a.load.per_second(),
                        run.load.cpu_ms_per_request() - a.load.cpu_ms_per_request()
                    )
                });
            let pgbench = self
                .pgbench
                .as_ref()
                .filter(|_| {
                    !run.at_scale
                        && run.factor == Factor::App
                        && run.engine == Engine::Postgres
                        && run.load.clean()
                })
                .map_or(String::new(), |p| {
                    format!(
                        "{:.0} % of pgbench; ",
                        100.0 * run.load.per_second() / p.per_second
                    )
                });
            let beside_small = format!("{beside_small}{app_code}{pgbench}");
            let target = match (run.at_scale, run.factor, run.engine) {
                (true, _, _) => "within 10 % of the small database",
                (false, Factor::Passkey, _) => "≥ 90 % of the app code, CPU within 0.1 ms",
                (false, Factor::App, Engine::Sqlite) => "≥ 5,000/s, p99 < 20 ms",
                (false, Factor::Sms, Engine::Sqlite) => "≥ 4,000/s",
                (false, Factor::App, Engine::Postgres) => "≥ 2,000/s; ≥ 90 % of pgbench",
                (false, _, Engine::Postgres) => "≥ 2,000/s",
            };
            load_row(
                &mut t,
                &format!(
                    "{what} verification, {engine}, {} at once{}",
                    crate::VERIFY_CONCURRENCY,
                    if run.at_scale { ", large database" } else { "" }
                ),
                &run.load,
                &format!(
                    "{beside_small}server CPU {:.2} ms per request{}; {} of {} prepared logins used{}",
                    run.load.cpu_ms_per_request(),
                    match run.load.worker_per_request() {
                        Some((cpu, wal)) => format!(
                            " (SQLite worker thread: {cpu:.2} ms, {wal:.0} KiB written)"
                        ),
                        None => String::new(),
                    },
                    run.load.requests.min(run.pool as u64),
                    run.pool,
                    match run.wal {
                        Some(wal) => format!(
                            "; WAL file at most {}, {} after the run",
                            mb(wal.peak),
                            mb(wal.after)
                        ),
                        None => String::new(),
                    },
                ),
                target,
            );
        }
        if let Some(c) = &self.passkey_check {
            row(
                &mut t,
                "A passkey's check alone (webauthn-rs, ECDSA P-256 through OpenSSL), per answer",
                &format!("{:.0} µs", c.check_us),
                "",
                "",
                &format!(
                    "its JSON (the ceremony's state and the stored passkey) {:.0} µs{}; no HTTP, no database",
                    c.json_us,
                    c.openssl_verify_us.map_or(String::new(), |v| format!(
                        "; `openssl speed ecdsap256`: {v:.0} µs per verification"
                    ))
                ),
                "",
            );
        }
        if let Some(p) = &self.pgbench {
            row(
                &mut t,
                &format!(
                    "pgbench: the server's {} statements of one app-code verification, PostgreSQL, {} at once",
                    p.statements,
                    crate::VERIFY_CONCURRENCY
                ),
                &format!("{}/s", thousands(p.per_second.round() as u64)),
                &format!("{:.1} ms (mean)", p.latency_ms),
                "",
                &format!(
                    "{} transactions{}; the same prepared logins, prepared statements, no server in between",
                    thousands(p.transactions),
                    if p.failed > 0 {
                        format!(", **{} failed**", thousands(p.failed))
                    } else {
                        String::new()
                    }
                ),
                "",
            );
        }
        if let Some((off, on)) = &self.metrics_pair {
            for (run, metrics) in [(off, "off"), (on, "on")] {
                let beside = if metrics == "on" && off.load.clean() && on.load.clean() {
                    format!(
                        "{:.0} % of metrics off; ",
                        100.0 * on.load.per_second() / off.load.per_second()
                    )
                } else {
                    String::new()
                };
                load_row(
                    &mut t,
                    &format!(
                        "App code verification, SQLite, {} at once, metrics {metrics} (a fresh server)",
                        crate::VERIFY_CONCURRENCY
                    ),
                    &run.load,
                    &format!(
                        "{beside}server CPU {:.2} ms per request; {} of {} prepared logins used",
                        run.load.cpu_ms_per_request(),
                        run.load.requests.min(run.pool as u64),
                        run.pool
                    ),
                    if metrics == "on" {
                        "within noise of metrics off"
                    } else {
                        ""
                    },
                );
            }
        }
        for purge in &self.purges {
            row(
                &mut t,
                &format!(
                    "Purge of the large database's lapsed rows, {:?}",
                    purge.engine
                ),
                &format!("{:.1} s", purge.took.as_secs_f64()),
                "",
                "",
                &format!(
                    "{} rows in batches of {}; filling the database took {:.0} s \
                     ({} users, {} clients, {} audit rows, {} lapsed logins with their codes)",
                    thousands(purge.rows),
                    purge.batch_rows,
                    purge.seeded.as_secs_f64(),
                    thousands(crate::prepare::SCALE_USERS as u64),
                    thousands(crate::prepare::SCALE_CLIENTS as u64),
                    thousands(crate::prepare::SCALE_AUDIT_ROWS as u64),
                    thousands(crate::prepare::SCALE_LAPSED as u64),
                ),
                "",
            );
        }
        for run in &self.imports {
            row(
                &mut t,
                &format!(
                    "'Gebruikers importeren', preview of {} rows, {:?}",
                    thousands(run.rows as u64),
                    run.engine
                ),
                &format!("{:.0} ms", run.preview.as_secs_f64() * 1000.0),
                "",
                "",
                "read, what the office has, every row judged",
                "< 2 s",
            );
            row(
                &mut t,
                &format!(
                    "'Gebruikers importeren', import of {} rows, {:?}",
                    thousands(run.rows as u64),
                    run.engine
                ),
                &format!("{:.0} ms", run.import.as_secs_f64() * 1000.0),
                "",
                "",
                &format!(
                    "judged again and written in one transaction; {} users, {} clients",
                    thousands(run.new_users as u64),
                    thousands((run.rows / 5) as u64)
                ),
                "< 10 s",
            );
        }
        for o in &self.overviews {
            row(
                &mut t,
                &format!("'Overzicht' of the large database, {:?}", o.engine),
                &format!("{:.0} ms", o.best.as_secs_f64() * 1000.0),
                "",
                &format!("{:.0} ms", o.worst.as_secs_f64() * 1000.0),
                &format!(
                    "best and slowest of 5 warm; cold (the first after a restart{}) {:.0} ms; {} users of {} clients counted",
                    match o.engine {
                        Engine::Postgres => " of PostgreSQL, a new pool",
                        Engine::Sqlite => ", a new pool",
                    },
                    o.cold.as_secs_f64() * 1000.0,
                    thousands(o.users as u64),
                    thousands(crate::prepare::SCALE_CLIENTS as u64)
                ),
                "< 1 s, cold and warm",
            );
        }
        if let Some(page) = &self.page {
            load_row(
                &mut t,
                &format!(
                    "Login page, server-side rendered, {} at once",
                    crate::PAGE_CONCURRENCY
                ),
                page,
                &format!("server CPU {:.2} ms per request", page.cpu_ms_per_request()),
                "",
            );
        }
        for run in &self.applications {
            let page = self.page.as_ref().map(|p| p.per_second());
            load_row(
                &mut t,
                &format!(
                    "`GET /auth/verify`, a session that passes, {} at once, {}",
                    crate::PAGE_CONCURRENCY,
                    run.engine
                ),
                &run.verify,
                &match page {
                    Some(page) => format!(
                        "{:.1}× the login page's render; server CPU {:.2} ms per request",
                        run.verify.per_second() / page.max(1e-9),
                        run.verify.cpu_ms_per_request()
                    ),
                    None => String::new(),
                },
                "",
            );
            load_row(
                &mut t,
                &format!(
                    "`POST /oidc/token`, a code's first use each, {} at once, {}",
                    crate::PAGE_CONCURRENCY,
                    run.engine
                ),
                &run.token,
                &format!(
                    "{}server CPU {:.2} ms per request, an ES256 signature each",
                    // Beside the app code on the same engine: both use a
                    // single-use code and start something (a session, a token).
                    self.verifications
                        .iter()
                        .find(|v| {
                            !v.at_scale
                                && v.factor == Factor::App
                                && v.load.clean()
                                && run.token.clean()
                                && format!("{:?}", v.engine).eq_ignore_ascii_case(
                                    match run.engine {
                                        "PostgreSQL" => "postgres",
                                        other => other,
                                    },
                                )
                        })
                        .map_or(String::new(), |v| format!(
                            "{:.0} % of the app code's verification; ",
                            100.0 * run.token.per_second() / v.load.per_second()
                        )),
                    run.token.cpu_ms_per_request()
                ),
                "",
            );
        }
        row(
            &mut t,
            "Server RSS, idle after start",
            &mb(self.idle_rss),
            "",
            "",
            "",
            "< 40 MB",
        );
        for asset in &self.assets {
            row(
                &mut t,
                &format!("{} as served: raw / gzip / brotli", asset.kind),
                &format!(
                    "{} / {} / {} B",
                    thousands(asset.raw),
                    thousands(asset.gzip),
                    thousands(asset.brotli)
                ),
                "",
                "",
                "",
                "",
            );
        }
        if let Some(bundle) = &self.login_bundle {
            let as_fetched: u64 = self
                .browser
                .iter()
                .flat_map(|b| &b.fetched)
                .map(|f| f.bytes)
                .sum();
            let encodings: Vec<&str> = {
                let mut e: Vec<&str> = self
                    .browser
                    .iter()
                    .flat_map(|b| &b.fetched)
                    .map(|f| f.encoding.as_str())
                    .collect();
                e.sort();
                e.dedup();
                e
            };
            row(
                &mut t,
                "Login page: wasm + js fetched to hydrate (Chromium's network log), brotli",
                &format!("{} B", thousands(bundle.brotli())),
                "",
                "",
                &format!(
                    "{} files: wasm {} B, js {} B; as Chromium took them over plain http: {} B ({})",
                    bundle.files,
                    thousands(bundle.wasm_brotli),
                    thousands(bundle.js_brotli),
                    thousands(as_fetched),
                    encodings.join(", ")
                ),
                "≤ 250 KB",
            );
        }
        if let Some(app) = &self.whole_app {
            row(
                &mut t,
                "Whole app's wasm: raw / brotli",
                &format!("{} / {} B", thousands(app.raw), thousands(app.brotli())),
                "",
                "",
                &format!(
                    "the main file and {} loaded when a page first needs them",
                    app.files.saturating_sub(1)
                ),
                "",
            );
        }
        if let Some(b) = &self.browser {
            row(
                &mut t,
                &format!(
                    "Login page hydrated, fresh browser context (median of {})",
                    b.cold_ms.len()
                ),
                &format!("{:.0} ms", median(&b.cold_ms)),
                "",
                "",
                &format!(
                    "range {:.0}–{:.0} ms; reloaded with the bundle cached: {:.0} ms",
                    min(&b.cold_ms),
                    max(&b.cold_ms),
                    median(&b.warm_ms)
                ),
                "< 300 ms",
            );
            row(
                &mut t,
                &format!(
                    "Wizard opened from the help menu after login, to its first usable form (median of {})",
                    b.wizard_ms.len()
                ),
                &format!("{:.0} ms", median(&b.wizard_ms)),
                "",
                "",
                &format!(
                    "range {:.0}–{:.0} ms; the home page hydrated first, the wizard's code came with it",
                    min(&b.wizard_ms),
                    max(&b.wizard_ms)
                ),
                "< 300 ms",
            );
        }
        t
    }
}

/// `table` with a last column comparing each result with the same row of
/// `previous` (the table of the run before, if kept): the ratio of the
/// first numbers of the two results, new over old.
pub fn beside_previous(table: &str, previous: Option<&str>) -> String {
    let Some(previous) = previous else {
        return table.to_string();
    };
    let before: Vec<(String, String)> = previous
        .lines()
        .filter_map(|l| {
            let cells = cells(l)?;
            Some((cells.first()?.clone(), cells.get(1)?.clone()))
        })
        .collect();
    let mut out = String::new();
    for line in table.lines() {
        let extra = match cells(line) {
            Some(c) if c.first().is_some_and(|m| m == "Measurement") => " vs previous run |".into(),
            Some(c) if c.first().is_some_and(|m| m.starts_with("---")) => "---:|".into(),
            Some(c) => {
                let old = before.iter().find(|(m, _)| Some(m) == c.first());
                match (old, c.get(1)) {
                    (Some((_, was)), Some(now)) => match (first_number(now), first_number(was)) {
                        (Some(n), Some(w)) if w > 0.0 => format!(" ×{:.2} (was {was}) |", n / w),
                        _ => " |".into(),
                    },
                    _ => " |".into(),
                }
            }
            None => String::new(),
        };
        let _ = writeln!(out, "{line}{extra}");
    }
    out
}

fn cells(line: &str) -> Option<Vec<String>> {
    let inner = line.trim().strip_prefix('|')?.strip_suffix('|')?;
    Some(inner.split('|').map(|c| c.trim().to_string()).collect())
}

/// `1,234.5/s` → 1234.5; the first number of a cell, thousands commas dropped.
fn first_number(cell: &str) -> Option<f64> {
    let start = cell.find(|c: char| c.is_ascii_digit())?;
    let number: String = cell[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .filter(|c| *c != ',')
        .collect();
    number.parse().ok()
}

fn row(t: &mut String, what: &str, result: &str, p50: &str, p99: &str, beside: &str, target: &str) {
    let _ = writeln!(
        t,
        "| {what} | {result} | {p50} | {p99} | {beside} | {target} |"
    );
}

/// A row for one load run: its rate and latencies, and its failures if any.
fn load_row(t: &mut String, what: &str, load: &Load, beside: &str, target: &str) {
    row(
        t,
        what,
        &rate(load),
        &ms(load.p50_us),
        &ms(load.p99_us),
        &format!("{beside}{}", errors(load)),
        target,
    );
}

fn rate(load: &Load) -> String {
    if !load.clean() {
        // Refused and failed requests are cheap: a rate that counts them
        // says nothing about the server (issue 27: 1,882 refused behind a
        // rate that looked fine).
        return format!("no rate: {} failed", thousands(load.errors()));
    }
    let per_second = load.per_second();
    if per_second >= 100.0 {
        format!("{}/s", thousands(per_second.round() as u64))
    } else {
        format!("{per_second:.1}/s")
    }
}

fn ms(us: u64) -> String {
    format!("{:.1} ms", us as f64 / 1000.0)
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn errors(load: &Load) -> String {
    match load.errors() {
        0 => String::new(),
        n => format!("; **{n} failed** ({} refused)", load.status_errors),
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn min(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

/// CPU model, cores and memory, from /proc.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory_kib: u64 = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    format!(
        "Machine: {model}, {cores} cores, {:.0} GiB RAM.",
        memory_kib as f64 / 1024.0 / 1024.0
    )
}
