//! Load through wrk (Debian's package), steered by `load.lua`, which prints
//! one `BENCH {json}` line when done.

use std::{path::Path, process::Command, time::Duration};

use serde::Deserialize;

pub const SCRIPT: &str = include_str!("load.lua");

/// What one wrk run measured.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Load {
    pub requests: u64,
    pub duration_us: u64,
    /// Answers with status 400 or above.
    pub status_errors: u64,
    pub socket_errors: u64,
    pub p50_us: u64,
    pub p99_us: u64,
    /// CPU time the server used during the run (filled in by the caller).
    #[serde(skip)]
    pub server_cpu: Duration,
    /// What the SQLite worker thread used during the run, when there is one
    /// (filled in by the caller).
    #[serde(skip)]
    pub sqlite_worker: Option<crate::process::ThreadUsage>,
}

impl Load {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / (self.duration_us as f64 / 1e6)
    }

    /// Server CPU per request, in milliseconds.
    pub fn cpu_ms_per_request(&self) -> f64 {
        self.server_cpu.as_secs_f64() * 1000.0 / self.requests.max(1) as f64
    }

    /// The SQLite worker's CPU (ms) and WAL written (KiB) per request.
    pub fn worker_per_request(&self) -> Option<(f64, f64)> {
        let n = self.requests.max(1) as f64;
        self.sqlite_worker.map(|w| {
            (
                w.cpu.as_secs_f64() * 1000.0 / n,
                w.written as f64 / 1024.0 / n,
            )
        })
    }

    pub fn errors(&self) -> u64 {
        self.status_errors + self.socket_errors
    }

    /// Every request answered and none refused: only then is the rate one.
    pub fn clean(&self) -> bool {
        self.errors() == 0
    }
}

/// What to send: one fixed request, or one verification per prepared line.
pub enum Requests<'a> {
    Get {
        path: &'a str,
    },
    /// One form body per line of `file`, each connection going round its share.
    PostForms {
        path: &'a str,
        file: &'a Path,
    },
    Codes {
        path: &'a str,
        file: &'a Path,
    },
    /// A reverse proxy's question about `original` for the session `token`.
    Verify {
        path: &'a str,
        token: &'a str,
        original: &'a str,
    },
}

pub fn run(
    script: &Path,
    base_url: &str,
    connections: u32,
    duration: Duration,
    requests: Requests<'_>,
) -> anyhow::Result<Load> {
    // Two threads: one per core; wrk needs at least one connection each.
    let threads = connections.min(2);
    let mut cmd = Command::new("wrk");
    cmd.arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{}s", duration.as_secs().max(1)))
        .arg("--timeout=30s")
        .arg("-s")
        .arg(script)
        .arg(base_url)
        .arg("--")
        .arg(threads.to_string());
    match requests {
        Requests::Get { path } => cmd.args(["get", path]),
        Requests::PostForms { path, file } => cmd.args(["posts", path]).arg(file),
        Requests::Codes { path, file } => cmd.args(["codes", path]).arg(file),
        Requests::Verify {
            path,
            token,
            original,
        } => cmd.args(["verify", path, token, original]),
    };
    crate::child::run_for(cmd, "BENCH")
}
