//! What a login costs, measured side by side in one run (`scripts/bench`).
//!
//! Starts the release server (built by `scripts/release`) as its own
//! process on loopback, loads it with wrk, reads its memory from /proc,
//! and prints one table. Each throughput is measured in the same run
//! as what it is compared with, so ratios hold on a noisy machine.
//!
//! Settings (environment):
//! - `TWEESTAP_BENCH_SECONDS`: length of each load run (default 10).
//! - `TWEESTAP_BENCH_POOL`: pending logins per verification run (default
//!   60000); a run that uses them all is repeated with more.
//! - `TWEESTAP_BENCH_POSTGRES_URL`: a throw-away PostgreSQL database; without
//!   it the PostgreSQL rows are left out.
//! - `TWEESTAP_BENCH_LOADS`: page loads for the hydration and wizard medians (default 10).
//! - `TWEESTAP_BENCH_SCALE=1`: after the verification runs on each engine,
//!   fill the database as years of use would (`prepare::large_database`),
//!   run them again beside the small database, then time the purge of what
//!   has lapsed. `TWEESTAP_BENCH_SCALE=postgres`: on PostgreSQL only.
//!
//! - `TWEESTAP_BENCH_PLANS=1`: print each engine's query plan of the
//!   statements a login and the purge run (also kept in target/bench/plans.md).
//! - `TWEESTAP_BENCH_PROFILE=1`: `perf record` the server during the
//!   app-code and passkey runs and print each profile's top functions
//!   (also kept in target/bench/profiles.md).
//! - `TWEESTAP_BENCH_ONLY=verifications`: only the verification runs (and
//!   pgbench), for profiling; `=overview`: only 'Overzicht' of the large
//!   database on each engine (PostgreSQL's with its plans).
//! - `TWEESTAP_BENCH_SERVER=PATH`: another build of the server, such as an
//!   older one kept to profile beside this one.
//!
//! On PostgreSQL the bench also prints what PostgreSQL itself saw during
//! the verification runs (`pg_stats`): checkpoints, autovacuum, dead rows
//! and `pg_stat_statements`; and it runs pgbench on the server's own
//! statements of one app-code verification (`pgbench`), PostgreSQL's
//! ceiling for them.

mod argon;
mod child;
mod frontend;
mod import;
mod oidc;
mod passkey_check;
mod pg_stats;
mod pgbench;
mod prepare;
mod process;
mod profile;
mod recovery;
mod report;
mod wrk;

use std::{
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use anyhow::Context;
use app::{domain::secret_box::Keyring, storage::Db};
use prepare::Factor;
use process::{Launch, ServerProcess};
use report::{LoginRun, PurgeRun, Report, VerifyRun, WalSize};
use wrk::Requests;

/// Password logins go round this many accounts: each name's tries are
/// counted before they are judged, so dozens of parallel logins of one
/// name would meet the lockout rule instead of measuring the hashing.
const LOGIN_ACCOUNTS: usize = 256;
const LOGIN_CONCURRENCY: [u32; 3] = [2, 8, 64];
const VERIFY_CONCURRENCY: u32 = 8;
const PAGE_CONCURRENCY: u32 = 8;

struct Settings {
    seconds: Duration,
    pool: usize,
    postgres_url: Option<String>,
    loads: u32,
    scale_sqlite: bool,
    scale_postgres: bool,
    plans: bool,
    /// Only the verification runs (and pgbench): for profiling.
    only_verifications: bool,
    /// Only 'Overzicht' of the large database, on PostgreSQL.
    only_overview: bool,
    /// `perf record` of the server during the app-code and passkey runs.
    profile: bool,
}

impl Settings {
    fn from_env() -> anyhow::Result<Settings> {
        fn number<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
            match std::env::var(name) {
                Ok(v) => v
                    .parse()
                    .map_err(|_| anyhow::anyhow!("{name}={v:?} is not a number")),
                Err(_) => Ok(default),
            }
        }
        Ok(Settings {
            seconds: Duration::from_secs(number("TWEESTAP_BENCH_SECONDS", 10)?),
            pool: number("TWEESTAP_BENCH_POOL", 60_000)?,
            postgres_url: std::env::var("TWEESTAP_BENCH_POSTGRES_URL")
                .ok()
                .filter(|u| !u.is_empty()),
            loads: number("TWEESTAP_BENCH_LOADS", 10)?,
            scale_sqlite: std::env::var("TWEESTAP_BENCH_SCALE").is_ok_and(|v| v == "1"),
            scale_postgres: std::env::var("TWEESTAP_BENCH_SCALE")
                .is_ok_and(|v| v == "1" || v == "postgres"),
            plans: number("TWEESTAP_BENCH_PLANS", 0u8)? == 1,
            only_verifications: std::env::var("TWEESTAP_BENCH_ONLY")
                .is_ok_and(|v| v == "verifications"),
            only_overview: std::env::var("TWEESTAP_BENCH_ONLY").is_ok_and(|v| v == "overview"),
            profile: number("TWEESTAP_BENCH_PROFILE", 0u8)? == 1,
        })
    }
}

struct Paths {
    workspace: PathBuf,
    binary: PathBuf,
    site_root: PathBuf,
    work: PathBuf,
    script: PathBuf,
    /// The table of the run before, if it was kept.
    previous: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let settings = Settings::from_env()?;
    let paths = paths()?;
    let keys_spec = Keyring::new_entry("bench");
    let keys = Keyring::parse(&keys_spec)?;
    let mut report = Report {
        seconds: settings.seconds,
        ..Report::default()
    };

    // The embedded default: SQLite, as `scripts/run` starts it.
    let sqlite_url = format!("sqlite://{}", paths.work.join("bench.db").display());
    let server = ServerProcess::start(launch(&paths, &sqlite_url, &keys_spec, "sqlite"))?;
    step(&format!("server on SQLite at {}", server.base_url));

    if settings.only_overview {
        drop(server);
        let urls = std::iter::once(sqlite_url.as_str()).chain(settings.postgres_url.as_deref());
        for url in urls {
            let db = Db::open(url).await?;
            let office = prepare::large_database(&db).await?;
            db.close().await;
            report
                .overviews
                .push(overview(url, office, &mut report.pg_stats).await?);
        }
        return finish(&paths, &settings, report, started);
    }
    if settings.only_verifications {
        verifications(&paths, &settings, &server, &sqlite_url, &keys, &mut report).await?;
        drop(server);
        if let Some(url) = &settings.postgres_url {
            let server = ServerProcess::start(launch(&paths, url, &keys_spec, "postgres"))?;
            verifications(&paths, &settings, &server, url, &keys, &mut report).await?;
        }
        return finish(&paths, &settings, report, started);
    }

    // Idle: started, one page served, nothing else.
    reqwest::get(format!("{}/inloggen", server.base_url))
        .await?
        .error_for_status()?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    report.idle_rss = server.rss()?;

    step("login page, server-side rendered");
    report.page = Some(load(
        &paths,
        &server,
        PAGE_CONCURRENCY,
        settings.seconds,
        Requests::Get { path: "/inloggen" },
    )?);

    applications(
        &paths,
        &settings,
        &server,
        &sqlite_url,
        "SQLite",
        &mut report,
    )
    .await?;

    let logins_file = paths.work.join("logins.txt");
    {
        let db = Db::open(&sqlite_url).await?;
        prepare::login_accounts(&db, LOGIN_ACCOUNTS, &logins_file).await?;
        db.close().await;
    }
    step("Argon2id ceiling (before the logins)");
    report.ceiling_before = argon::ceiling(settings.seconds);
    for concurrency in LOGIN_CONCURRENCY {
        step(&format!("password logins, {concurrency} at once"));
        server.reset_peak()?;
        let load = load(
            &paths,
            &server,
            concurrency,
            settings.seconds,
            Requests::PostForms {
                path: "/api/login",
                file: &logins_file,
            },
        )?;
        report.logins.push(LoginRun {
            concurrency,
            load,
            peak_rss: server.peak_rss()?,
        });
    }
    step("Argon2id ceiling (after the logins)");
    report.ceiling_after = argon::ceiling(settings.seconds);

    step("'Stuur herstellink': known and unknown accounts, alternating");
    let known = recovery::known_names(&std::fs::read_to_string(&logins_file)?);
    report.reset = Some(recovery::answers(&server.base_url, &known).await?);
    step("the password rules, per check");
    report.rules_us = Some(recovery::rules_cost(20_000));

    verifications(&paths, &settings, &server, &sqlite_url, &keys, &mut report).await?;

    step("frontend sizes as served");
    report.assets = frontend::sizes(&server.base_url).await?;
    step(&format!(
        "the login page and the wizard in Chromium, {} loads each",
        settings.loads
    ));
    let browser = frontend::in_browser(&paths.workspace, &server.base_url, settings.loads)?;
    report.login_bundle = Some(frontend::login_bundle(&server.base_url, &browser.fetched).await?);
    report.whole_app = Some(frontend::whole_app_wasm(&server.base_url).await?);
    report.browser = Some(browser);
    drop(server);

    step("app codes with metrics off, then on, each on a fresh server");
    report.metrics_pair =
        Some(metrics_pair(&paths, &settings, &sqlite_url, &keys_spec, &keys).await?);

    if let Some(url) = &settings.postgres_url {
        let server = ServerProcess::start(launch(&paths, url, &keys_spec, "postgres"))?;
        step(&format!("server on PostgreSQL at {}", server.base_url));
        verifications(&paths, &settings, &server, url, &keys, &mut report).await?;
        applications(&paths, &settings, &server, url, "PostgreSQL", &mut report).await?;
    }

    finish(&paths, &settings, report, started)
}

/// Prints the table and what goes after it, and keeps them in `target/bench`.
fn finish(
    paths: &Paths,
    settings: &Settings,
    mut report: Report,
    started: Instant,
) -> anyhow::Result<()> {
    report.took = started.elapsed();
    let table = report::beside_previous(&report.render(), paths.previous.as_deref());
    std::fs::write(paths.work.join("results.md"), &table)?;
    println!("\n{table}");
    if !report.pg_stats.is_empty() {
        std::fs::write(paths.work.join("pg-stats.md"), &report.pg_stats)?;
        println!("\n{}", report.pg_stats);
    }
    if settings.plans {
        std::fs::write(paths.work.join("plans.md"), &report.plans)?;
        println!("\n{}", report.plans);
    }
    if !report.profiles.is_empty() {
        std::fs::write(paths.work.join("profiles.md"), &report.profiles)?;
        println!("\n{}", report.profiles);
    }
    Ok(())
}

/// The reverse proxy's check and the token endpoint, on this engine.
async fn applications(
    paths: &Paths,
    settings: &Settings,
    server: &ServerProcess,
    database_url: &str,
    engine: &'static str,
    report: &mut Report,
) -> anyhow::Result<()> {
    let db = Db::open(database_url).await?;
    let prepared = oidc::prepare(&db).await?;
    step(&format!(
        "GET /auth/verify, a session that passes, {engine}"
    ));
    let verify = load(
        paths,
        server,
        PAGE_CONCURRENCY,
        settings.seconds,
        Requests::Verify {
            path: "/auth/verify",
            token: &prepared.session_token,
            original: oidc::ORIGINAL_URL,
        },
    )?;
    // Each request spends a code; when a run spends them all, the
    // refusals after that are no rate, so it runs again with more.
    let tokens_file = paths.work.join(format!("tokens-{engine}.txt"));
    let mut pool = settings.pool;
    let mut round = 1;
    let token = loop {
        step(&format!(
            "the token endpoint, {pool} codes, one each, {engine}"
        ));
        oidc::codes(&db, &prepared, pool, &tokens_file).await?;
        let token = load(
            paths,
            server,
            PAGE_CONCURRENCY,
            settings.seconds,
            Requests::PostForms {
                path: "/oidc/token",
                file: &tokens_file,
            },
        )?;
        let ran_out = !token.clean() && token.requests >= pool as u64;
        if !ran_out || round == POOL_ROUNDS {
            break token;
        }
        // At least twice what the run got through (its refusals were cheap).
        pool = pool.max(token.requests as usize) * 2;
        round += 1;
    };
    db.close().await;
    report.applications.push(report::ApplicationsRun {
        engine,
        verify,
        token,
    });
    Ok(())
}

/// App-code, passkey and SMS-code verification on the server's database.
async fn verifications(
    paths: &Paths,
    settings: &Settings,
    server: &ServerProcess,
    database_url: &str,
    keys: &Keyring,
    report: &mut Report,
) -> anyhow::Result<()> {
    let db = Db::open(database_url).await?;
    let runs = Runs {
        paths,
        settings,
        server,
        db: &db,
        database_url,
        keys,
    };
    let scale = match db.engine() {
        app::storage::Engine::Sqlite => settings.scale_sqlite,
        app::storage::Engine::Postgres => settings.scale_postgres,
    };
    verification_runs(&runs, false, report).await?;
    if db.engine() == app::storage::Engine::Sqlite {
        step("a passkey's check alone: webauthn-rs, its JSON, OpenSSL");
        report.passkey_check = Some(passkey_check::cost(2_000)?);
    }
    if db.engine() == app::storage::Engine::Postgres {
        step("pgbench: the server's statements of one app-code verification");
        // Enough logins for pgbench to run about as long as the server's
        // run at three times its rate (it ends sooner when faster).
        let server_rate = report
            .verifications
            .iter()
            .rev()
            .find(|v| v.engine == db.engine() && v.factor == Factor::App)
            .map_or(0.0, |v| v.load.per_second());
        let pool = ((server_rate * 3.0 * settings.seconds.as_secs_f64()) as usize)
            .max(settings.pool.min(20_000));
        let shape = (VERIFY_CONCURRENCY as usize, pool);
        match pgbench::ceiling(&db, database_url, server, keys, &paths.work, shape).await {
            Ok(run) => report.pgbench = Some(run),
            Err(err) => step(&format!("no pgbench row: {err:#}")),
        }
    }
    step(&format!(
        "{:?}: 'Gebruikers importeren', {} rows",
        db.engine(),
        import::ROWS
    ));
    report.imports.push(import::run(&db).await?);
    if scale {
        step(&format!(
            "{:?}: filling the database as years of use would",
            db.engine()
        ));
        let seeding = Instant::now();
        let office = prepare::large_database(&db).await?;
        let seeded = seeding.elapsed();
        step(&format!("filled in {:.0} s", seeded.as_secs_f64()));
        report
            .overviews
            .push(overview(database_url, office, &mut report.pg_stats).await?);
        verification_runs(&runs, true, report).await?;
        step("purging what has lapsed");
        report.purges.push(purge(&db, seeded).await?);
    }
    if settings.plans {
        report.plans.push_str(&plans(&db).await?);
    }
    db.close().await;
    Ok(())
}

/// On PostgreSQL, the start of a statistics window, after a checkpoint
/// (`None` elsewhere, or when `pg_stat_statements` is not loaded: then
/// said, and left out).
async fn pg_window(db: &Db) -> Option<pg_stats::Counters> {
    if db.engine() != app::storage::Engine::Postgres {
        return None;
    }
    match pg_stats::start(db).await {
        Ok(counters) => Some(counters),
        Err(err) => {
            step(&format!(
                "no PostgreSQL statistics (scripts/pg-temp start --durable loads pg_stat_statements): {err}"
            ));
            None
        }
    }
}

/// 'Overzicht' of the large office: what its page reads (the grouped
/// counts and the client list). First cold, as the first request after a
/// restart sees it (PostgreSQL restarted, a new pool), then five times
/// warm. On PostgreSQL each statement's plan, as it ran, goes beside the
/// table.
async fn overview(
    database_url: &str,
    office: i64,
    plans: &mut String,
) -> anyhow::Result<report::OverviewRun> {
    let probe = Db::open(database_url).await?;
    let engine = probe.engine();
    if engine == app::storage::Engine::Postgres {
        pg_stats::restart(&probe).await?;
    }
    probe.close().await;
    let db = Db::open(database_url).await?;
    let mut times = Vec::new();
    let mut users = 0;
    for _ in 0..6 {
        let started = Instant::now();
        let dormant_before = app::domain::dormant::dormant_before(180, prepare::unix_now());
        let groups = app::storage::overview::groups(&db, office, dormant_before).await?;
        let clients = app::storage::clients::list_for_office(&db, office).await?;
        times.push(started.elapsed());
        users = groups.iter().map(|g| g.users).sum();
        anyhow::ensure!(clients.len() as i64 == prepare::SCALE_CLIENTS, "clients");
    }
    if engine == app::storage::Engine::Postgres {
        let dormant_before = app::domain::dormant::dormant_before(180, prepare::unix_now());
        plans.push_str(&pg_stats::analyzed_plans(&db, office, dormant_before).await?);
    }
    db.close().await;
    let cold = times.remove(0);
    times.sort();
    Ok(report::OverviewRun {
        engine,
        cold,
        best: times[0],
        worst: times[times.len() - 1],
        users,
    })
}

/// Deletes what the large database holds that has lapsed, as the server's
/// schedule would, and times it.
async fn purge(db: &Db, seeded: Duration) -> anyhow::Result<PurgeRun> {
    let settings = app::housekeeping::Housekeeping::default();
    let started = Instant::now();
    let purged = app::housekeeping::purge_now(
        db,
        &settings,
        &app::domain::session_lifetime::SessionLifetime::default(),
        prepare::unix_now(),
    )
    .await?;
    Ok(PurgeRun {
        engine: db.engine(),
        rows: purged.iter().map(|(_, n)| n).sum(),
        batch_rows: settings.batch_rows,
        took: started.elapsed(),
        seeded,
    })
}

/// The plans of `storage::plans::login_statements` on this engine.
async fn plans(db: &Db) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let mut out = format!("## Query plans, {:?}\n", db.engine());
    for (what, stmt) in app::storage::plans::login_statements(prepare::unix_now()) {
        let _ = writeln!(out, "\n{what}\n```");
        for line in app::storage::plans::explain(db, &stmt).await? {
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out, "```");
    }
    Ok(out)
}

/// What the verification runs on one database share.
struct Runs<'a> {
    paths: &'a Paths,
    settings: &'a Settings,
    server: &'a ServerProcess,
    db: &'a Db,
    database_url: &'a str,
    keys: &'a Keyring,
}

/// App-code, passkey and SMS-code verification runs on `runs.db`.
async fn verification_runs(
    runs: &Runs<'_>,
    at_scale: bool,
    report: &mut Report,
) -> anyhow::Result<()> {
    for factor in [Factor::App, Factor::Passkey, Factor::Sms] {
        let (run, pg, profile) = verification(runs, factor, at_scale).await?;
        report.verifications.push(run);
        report.pg_stats.push_str(&pg);
        report.profiles.push_str(&profile);
    }
    Ok(())
}

/// How often a run whose prepared logins ran out is repeated with more.
const POOL_ROUNDS: usize = 3;

/// A pool is prepared within this: half the five minutes a code is valid,
/// so none has lapsed when its run ends.
const PREPARE_WITHIN: Duration = Duration::from_secs(150);

/// One verification run of `factor`. Each request uses up one prepared
/// login; when a run uses them all (a fast machine), the answers after
/// that are refusals, so the run is repeated with twice the pool. On
/// PostgreSQL the preparation's writes are checkpointed before the clock
/// starts (else a checkpoint they cause lands in the run), and what
/// PostgreSQL saw during the run comes back beside it.
async fn verification(
    runs: &Runs<'_>,
    factor: Factor,
    at_scale: bool,
) -> anyhow::Result<(VerifyRun, String, String)> {
    let Runs {
        paths,
        settings,
        server,
        db,
        database_url,
        keys,
    } = *runs;
    let engine = db.engine();
    let mut pool = settings.pool;
    for round in 1..=POOL_ROUNDS {
        step(&format!(
            "{factor:?} code verification on {engine:?}: preparing {pool} pending logins"
        ));
        let file = paths
            .work
            .join(format!("pending-{factor:?}-{engine:?}.txt").to_lowercase());
        let prepared = Instant::now();
        prepare::pending_logins(db, keys, factor, pool, &file).await?;
        let preparing = prepared.elapsed();
        step(&format!(
            "prepared in {:.0} s; verifying",
            preparing.as_secs_f64()
        ));
        let window = pg_window(db).await;
        let wal = WalWatch::start(database_url);
        let perf = match settings.profile && factor != Factor::Sms && !at_scale {
            true => Some(profile::Recording::start(
                server.pid(),
                &paths
                    .work
                    .join(format!("perf-{factor:?}-{engine:?}.data").to_lowercase()),
            )?),
            false => None,
        };
        let load = load(
            paths,
            server,
            VERIFY_CONCURRENCY,
            settings.seconds,
            Requests::Codes {
                path: match factor {
                    Factor::Passkey => "/api/login_with_passkey",
                    _ => "/api/verify_code",
                },
                file: &file,
            },
        )?;
        let profile = match perf {
            Some(recording) => recording.top(&format!("{factor:?} codes on {engine:?}"))?,
            None => String::new(),
        };
        let ran_out = !load.clean() && load.requests >= pool as u64;
        // Twice as many: the run's request count cannot size it, as the
        // refusals after the pool ran out are far cheaper than a login.
        // But no more than can be prepared in half a code's life: the
        // first prepared codes lapse five minutes after they were made.
        let next = (pool * 2).min(
            (pool as f64 * PREPARE_WITHIN.as_secs_f64() / preparing.as_secs_f64().max(1.0))
                as usize,
        );
        if !ran_out || round == POOL_ROUNDS || next <= pool {
            let what = format!(
                "{factor:?} codes{}",
                if at_scale { ", large database" } else { "" }
            );
            let pg = match window {
                Some(before) => pg_stats::since(db, &before, &what).await?,
                None => String::new(),
            };
            let run = VerifyRun {
                engine,
                factor,
                load,
                pool,
                at_scale,
                wal: wal.and_then(WalWatch::stop),
            };
            return Ok((run, pg, profile));
        }
        step(&format!(
            "the {pool} prepared logins ran out ({} failed); again with {next}",
            load.errors()
        ));
        pool = next;
    }
    unreachable!("the last round returns")
}

/// App codes on SQLite twice, back to back, each on a fresh server: with
/// metrics off, then on (and the metrics read after, to show they counted).
async fn metrics_pair(
    paths: &Paths,
    settings: &Settings,
    sqlite_url: &str,
    keys_spec: &str,
    keys: &Keyring,
) -> anyhow::Result<(VerifyRun, VerifyRun)> {
    let mut pair = Vec::new();
    for metrics in [false, true] {
        let name = if metrics {
            "sqlite-metrics-on"
        } else {
            "sqlite-metrics-off"
        };
        let server = ServerProcess::start(Launch {
            metrics,
            ..launch(paths, sqlite_url, keys_spec, name)
        })?;
        step(&format!("{name}: server at {}", server.base_url));
        let db = Db::open(sqlite_url).await?;
        let runs = Runs {
            paths,
            settings,
            server: &server,
            db: &db,
            database_url: sqlite_url,
            keys,
        };
        let (run, _, _) = verification(&runs, Factor::App, false).await?;
        db.close().await;
        if let Some(url) = &server.metrics_url {
            let page = reqwest::get(url).await?.error_for_status()?.text().await?;
            let counted = page
                .lines()
                .find_map(|l| {
                    l.strip_prefix("tweestap_second_steps_total{factor=\"app\",outcome=\"ok\"} ")
                })
                .and_then(|v| v.trim().parse::<f64>().ok())
                .unwrap_or(0.0);
            anyhow::ensure!(
                counted > 0.0,
                "the metrics counted no app code; the run measured nothing of them:\n{page}"
            );
        }
        pair.push(run);
    }
    let on = pair.pop().context("the run with metrics")?;
    let off = pair.pop().context("the run without")?;
    Ok((off, on))
}

/// The size of a SQLite database's WAL file, looked at every 50 ms from a
/// thread of its own while a run goes on.
struct WalWatch {
    file: PathBuf,
    peak: Arc<AtomicU64>,
    done: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl WalWatch {
    /// `None` for a database that is no SQLite file.
    fn start(database_url: &str) -> Option<WalWatch> {
        let path = database_url.strip_prefix("sqlite://")?;
        let file = PathBuf::from(format!("{}-wal", path.split('?').next()?));
        let peak = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let thread = std::thread::spawn({
            let (file, peak, done) = (file.clone(), peak.clone(), done.clone());
            move || {
                while !done.load(Ordering::Relaxed) {
                    peak.fetch_max(wal_bytes(&file), Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        });
        Some(WalWatch {
            file,
            peak,
            done,
            thread,
        })
    }

    fn stop(self) -> Option<WalSize> {
        self.done.store(true, Ordering::Relaxed);
        self.thread.join().ok()?;
        let after = wal_bytes(&self.file);
        Some(WalSize {
            peak: self.peak.load(Ordering::Relaxed).max(after),
            after,
        })
    }
}

fn wal_bytes(file: &Path) -> u64 {
    std::fs::metadata(file).map_or(0, |m| m.len())
}

/// The name of the thread that runs the SQLite transactions
/// (`app::storage::sqlite_worker`).
const SQLITE_WORKER: &str = "sqlite-worker";

fn load(
    paths: &Paths,
    server: &ServerProcess,
    concurrency: u32,
    seconds: Duration,
    requests: Requests<'_>,
) -> anyhow::Result<wrk::Load> {
    let cpu_before = server.cpu_time()?;
    let worker_before = server.thread_usage(SQLITE_WORKER)?;
    let mut load = wrk::run(
        &paths.script,
        &server.base_url,
        concurrency,
        seconds,
        requests,
    )?;
    load.server_cpu = server.cpu_time()?.saturating_sub(cpu_before);
    load.sqlite_worker = match (server.thread_usage(SQLITE_WORKER)?, worker_before) {
        (Some(after), Some(before)) => Some(after.since(before)),
        _ => None,
    };
    Ok(load)
}

fn launch<'a>(paths: &'a Paths, url: &'a str, keys: &'a str, name: &'a str) -> Launch<'a> {
    Launch {
        binary: &paths.binary,
        site_root: &paths.site_root,
        database_url: url,
        keys,
        work_dir: &paths.work,
        name,
        metrics: false,
    }
}

fn paths() -> anyhow::Result<Paths> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("the server crate lives in the workspace")?
        .to_path_buf();
    // Another build of the server (an older one, to profile it beside
    // this one) may be named; the default is the release just built.
    let binary = std::env::var_os("TWEESTAP_BENCH_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target/release/server"));
    let site_root = workspace.join("target/site");
    for needed in [&binary, &site_root.join("pkg")] {
        anyhow::ensure!(
            needed.exists(),
            "{} is missing: run `scripts/release` first (scripts/bench does)",
            needed.display()
        );
    }
    // A fresh folder each run: the SQLite file, logs, pending logins.
    let work = workspace.join("target/bench");
    let previous = std::fs::read_to_string(work.join("results.md")).ok();
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    std::fs::create_dir_all(&work)?;
    let script = work.join("load.lua");
    std::fs::write(&script, wrk::SCRIPT)?;
    Ok(Paths {
        workspace,
        binary,
        site_root,
        work,
        script,
        previous,
    })
}

fn step(what: &str) {
    eprintln!("==> {what}");
}
