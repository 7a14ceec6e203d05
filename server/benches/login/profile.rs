//! The server's own profile during a run: Debian's `perf record` on its
//! process (sampled, no call graphs: the release has no frame pointers),
//! and the functions that took the most of its CPU.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
};

use anyhow::Context;

pub struct Recording {
    perf: Child,
    data: PathBuf,
}

impl Recording {
    pub fn start(pid: u32, data: &Path) -> anyhow::Result<Recording> {
        let perf = Command::new("perf")
            .args(["record", "-q", "-F", "1999", "-p"])
            .arg(pid.to_string())
            .arg("-o")
            .arg(data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("perf (Debian's linux-perf; scripts/setup --bench installs it)")?;
        // perf attaches within a moment; the run's first requests are
        // what it may miss.
        std::thread::sleep(std::time::Duration::from_millis(300));
        Ok(Recording {
            perf,
            data: data.to_path_buf(),
        })
    }

    /// Stops the recording; its shares by kind of work and its top
    /// functions, as Markdown under `title`.
    pub fn top(mut self, title: &str) -> anyhow::Result<String> {
        Command::new("kill")
            .args(["-INT", &self.perf.id().to_string()])
            .status()?;
        self.perf.wait()?;
        let out = Command::new("perf")
            .args([
                "report",
                "--stdio",
                "--no-children",
                "--sort",
                "dso,symbol",
                "--percent-limit",
                "0",
                "-q",
                "-i",
            ])
            .arg(&self.data)
            .output()?;
        let samples: Vec<(f64, String, String)> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| {
                // "  12.34%  server  [.] symbol …" (perf pads its columns)
                let mut words = line.split_whitespace();
                let share = words.next()?.strip_suffix('%')?.parse::<f64>().ok()?;
                let dso = words.next()?.to_string();
                let _kind = words.next()?;
                let symbol = words.filter(|w| *w != "-").collect::<Vec<_>>().join(" ");
                Some((share, dso, symbol))
            })
            .collect();
        let mut kinds: Vec<(&str, f64)> = Vec::new();
        for (share, dso, symbol) in &samples {
            let kind = kind_of(dso, symbol);
            match kinds.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, sum)) => *sum += share,
                None => kinds.push((kind, *share)),
            }
        }
        kinds.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut text = format!(
            "### Server profile: {title} (perf, share of the server's samples)\n\n| kind of work | share |\n|---|---:|\n"
        );
        for (kind, share) in &kinds {
            text.push_str(&format!("| {kind} | {share:.1} % |\n"));
        }
        text.push_str("\nTop functions:\n```\n");
        for (share, dso, symbol) in samples.iter().take(20) {
            let symbol: String = symbol.chars().take(110).collect();
            text.push_str(&format!("{share:5.2}% {dso} {symbol}\n"));
        }
        text.push_str("```\n\n");
        Ok(text)
    }
}

/// What a sampled function was doing, by its library and name.
fn kind_of(dso: &str, symbol: &str) -> &'static str {
    let has = |parts: &[&str]| parts.iter().any(|p| symbol.contains(p));
    if dso.contains("kernel") {
        "kernel: scheduling, sockets, system calls"
    } else if dso.contains("libcrypto") || dso.contains("libssl") {
        "OpenSSL (the passkey's signature check)"
    } else if dso.starts_with("libc")
        && has(&["malloc", "free", "_int_", "unlink_chunk", "consolidate"])
    {
        "allocator (malloc, free)"
    } else if dso.starts_with("libc") {
        "libc, other (copies, locks)"
    } else if has(&[
        "sqlite3", "wal", "pager", "btree", "Btree", "Vdbe", "pcache",
    ]) {
        "SQLite"
    } else if has(&["serde_json", "serde::", "Deserialize", "Serialize"]) {
        "serde (JSON)"
    } else if has(&["webauthn", "base64urlsafedata", "COSE", "cose"]) {
        "webauthn-rs"
    } else if has(&["sqlx"]) {
        "sqlx"
    } else if has(&["tokio", "mio"]) {
        "tokio"
    } else if has(&["hyper", "axum", "http::", "tower"]) {
        "hyper, axum, http"
    } else if has(&["leptos", "server_fn"]) {
        "leptos, server functions"
    } else if has(&[
        "sha2", "hmac", "chacha", "totp", "argon2", "Sha256", "sha256",
    ]) {
        "hashes and ciphers (RustCrypto)"
    } else {
        "other"
    }
}
