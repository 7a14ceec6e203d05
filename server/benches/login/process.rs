//! The server under test: the release binary in its own process, so its
//! memory is its own and the load generator never shares its runtime.

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Child, Command},
    thread,
    time::{Duration, Instant},
};

use anyhow::{bail, Context};

pub struct ServerProcess {
    child: Child,
    pub base_url: String,
    /// `http://…/metrics`, when started with `metrics`.
    pub metrics_url: Option<String>,
    log: PathBuf,
}

pub struct Launch<'a> {
    pub binary: &'a Path,
    pub site_root: &'a Path,
    pub database_url: &'a str,
    pub keys: &'a str,
    pub work_dir: &'a Path,
    pub name: &'a str,
    /// Prometheus metrics on a listener of their own (`--metrics-listen`).
    pub metrics: bool,
}

impl ServerProcess {
    /// Starts the server on a free loopback port with the demo office and
    /// the development outbox, and waits until it listens.
    pub fn start(launch: Launch<'_>) -> anyhow::Result<ServerProcess> {
        let log = launch.work_dir.join(format!("{}.log", launch.name));
        let out = fs::File::create(&log)?;
        let mut command = Command::new(launch.binary);
        if launch.metrics {
            command.env("TWEESTAP_METRICS_LISTEN", "127.0.0.1:0");
        }
        let child = command
            .env("LEPTOS_SITE_ROOT", launch.site_root)
            .env("TWEESTAP_LISTEN", "127.0.0.1:0")
            .env("DATABASE_URL", launch.database_url)
            .env("TWEESTAP_DEMO_SEED", "true")
            .env("TWEESTAP_KEYS", launch.keys)
            .env("TWEESTAP_SMS", "outbox")
            // Passkeys need a host name; requests still go to 127.0.0.1
            // (a loopback name, served while the outbox runs).
            .env("TWEESTAP_PUBLIC_URL", crate::prepare::PASSKEY_ORIGIN)
            // The scale run measures logins beside lapsed rows and then
            // times their purge itself; the server's own schedule waits.
            .env("TWEESTAP_PURGE_EVERY_MINUTES", "1440")
            .env("TWEESTAP_PROTECT", crate::oidc::PROTECTED_HOST)
            .env(
                "TWEESTAP_SMS_OUTBOX",
                launch
                    .work_dir
                    .join(format!("{}-outbox.jsonl", launch.name)),
            )
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting {}", launch.binary.display()))?;
        let mut server = ServerProcess {
            child,
            base_url: String::new(),
            metrics_url: None,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let text = fs::read_to_string(&server.log).unwrap_or_default();
            if let Some(url) = text
                .lines()
                .find_map(|l| l.split("listening on ").nth(1))
                .map(|rest| rest.split_whitespace().next().unwrap_or("").to_string())
            {
                server.base_url = url;
                // Logged before the portal listens, when asked for.
                server.metrics_url = text
                    .lines()
                    .find_map(|l| l.split("metrics on ").nth(1))
                    .map(|rest| rest.split_whitespace().next().unwrap_or("").to_string());
                if launch.metrics && server.metrics_url.is_none() {
                    bail!("the server serves no metrics:\n{text}");
                }
                return Ok(server);
            }
            if let Some(status) = server.child.try_wait()? {
                bail!("server stopped ({status}):\n{text}");
            }
            thread::sleep(Duration::from_millis(100));
        }
        bail!(
            "server did not start within 60 s; see {}",
            server.log.display()
        )
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory now, in bytes.
    pub fn rss(&self) -> anyhow::Result<u64> {
        self.status_kib("VmRSS:").map(|kib| kib * 1024)
    }

    /// The highest resident memory since the last [`Self::reset_peak`].
    pub fn peak_rss(&self) -> anyhow::Result<u64> {
        self.status_kib("VmHWM:").map(|kib| kib * 1024)
    }

    /// Starts a new peak-memory window (Linux: `5` to `clear_refs`).
    pub fn reset_peak(&self) -> anyhow::Result<()> {
        fs::write(format!("/proc/{}/clear_refs", self.pid()), "5").context("resetting the peak RSS")
    }

    /// CPU time the server has used so far, user and system, all threads.
    pub fn cpu_time(&self) -> anyhow::Result<Duration> {
        cpu_of_stat(&fs::read_to_string(format!("/proc/{}/stat", self.pid()))?)
    }

    /// CPU time and bytes written so far by the server's thread named
    /// `name`; `None` when it has no such thread (no SQLite worker on
    /// PostgreSQL).
    pub fn thread_usage(&self, name: &str) -> anyhow::Result<Option<ThreadUsage>> {
        for task in fs::read_dir(format!("/proc/{}/task", self.pid()))? {
            let dir = task?.path();
            if fs::read_to_string(dir.join("comm"))?.trim_end() != name {
                continue;
            }
            let io = fs::read_to_string(dir.join("io"))?;
            let written = io
                .lines()
                .find_map(|l| l.strip_prefix("wchar:"))
                .and_then(|v| v.trim().parse().ok())
                .context("no wchar in the thread's io")?;
            return Ok(Some(ThreadUsage {
                cpu: cpu_of_stat(&fs::read_to_string(dir.join("stat"))?)?,
                written,
            }));
        }
        Ok(None)
    }

    fn status_kib(&self, field: &str) -> anyhow::Result<u64> {
        let status = fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .with_context(|| format!("no {field} in /proc/{}/status", self.pid()))
    }
}

/// What one thread has used so far.
#[derive(Debug, Clone, Copy)]
pub struct ThreadUsage {
    pub cpu: Duration,
    /// Bytes it passed to write calls (`wchar`): for the SQLite worker, the
    /// WAL it wrote.
    pub written: u64,
}

impl ThreadUsage {
    pub fn since(self, before: ThreadUsage) -> ThreadUsage {
        ThreadUsage {
            cpu: self.cpu.saturating_sub(before.cpu),
            written: self.written.saturating_sub(before.written),
        }
    }
}

/// User and system CPU time from a `/proc/…/stat` line.
fn cpu_of_stat(stat: &str) -> anyhow::Result<Duration> {
    // Fields after the command name, which is in parentheses and may hold
    // spaces: state is field 3, utime 14, stime 15.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| -> anyhow::Result<u64> {
        Ok(fields.get(i).context("short /proc stat")?.parse()?)
    };
    // USER_HZ is 100 on Linux whatever the kernel's own tick.
    Ok(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
