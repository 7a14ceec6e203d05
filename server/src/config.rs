//! Configuration: one struct, read from flags and environment variables
//! (flags win). The README lists every setting.

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use app::{
    core::{Core, SessionSettings},
    domain::{clock::Clock, password::Passwords, session_lifetime::SessionLifetime},
    storage::{redact_url, Db},
};
use clap::{Args, Parser, Subcommand};
use leptos::config::LeptosOptions;

use crate::state::AppState;

#[derive(Debug, Parser)]
#[command(
    name = "server",
    version,
    about = "Tweestap: het klantportaal met twee-factor-inlog"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal (the default).
    Serve,
    /// Create an office with one branch and its first beheerder, for an
    /// installation without demo data. The password is read from
    /// TWEESTAP_INITIAL_PASSWORD or, when that is unset, from the first line
    /// of standard input.
    CreateOffice(CreateOffice),
}

#[derive(Debug, Args)]
pub struct CreateOffice {
    /// Name of the office, e.g. "Administratiekantoor Jansen".
    #[arg(long)]
    pub office: String,
    /// Name of its first branch ('vestiging'); authenticator apps show it.
    #[arg(long)]
    pub branch: String,
    /// Login name of the first beheerder.
    #[arg(long)]
    pub login: String,
    /// Full name of the first beheerder.
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address and port to listen on.
    #[arg(long, env = "TWEESTAP_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// sqlite://path/file.db (created and migrated at start) or postgres://…
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/tweestap.db"
    )]
    pub database_url: String,
    /// Put the demo office into an empty database at start (never into one with data).
    #[arg(long, env = "TWEESTAP_DEMO_SEED", default_value_t = false, action = clap::ArgAction::Set)]
    pub demo_seed: bool,
    /// A session ends after this many minutes without a request.
    #[arg(long, env = "TWEESTAP_SESSION_IDLE_MINUTES", default_value_t = 60)]
    pub session_idle_minutes: u32,
    /// A session ends this many hours after login, busy or not.
    #[arg(long, env = "TWEESTAP_SESSION_ABSOLUTE_HOURS", default_value_t = 12)]
    pub session_absolute_hours: u32,
    /// The address users reach the portal at; https:// makes the session cookie Secure.
    #[arg(
        long,
        env = "TWEESTAP_PUBLIC_URL",
        default_value = "http://127.0.0.1:3000"
    )]
    pub public_url: String,
    /// How many password hashes may run at once (19 MiB each); default: the number of cores.
    #[arg(long, env = "TWEESTAP_HASH_CONCURRENCY")]
    pub hash_concurrency: Option<usize>,
    /// Folder with the built site (pkg/ with wasm, js, css); cargo-leptos sets it.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,
}

impl Config {
    pub fn session_settings(&self) -> SessionSettings {
        SessionSettings {
            lifetime: SessionLifetime {
                idle_seconds: i64::from(self.session_idle_minutes.max(1)) * 60,
                absolute_seconds: i64::from(self.session_absolute_hours.max(1)) * 3600,
            },
            secure_cookie: self.public_url.starts_with("https://"),
        }
    }

    pub fn hash_concurrency(&self) -> usize {
        self.hash_concurrency
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
            .max(1)
    }

    /// Leptos' options, set from this config rather than from Cargo.toml, so
    /// the binary runs the same with or without cargo-leptos around it.
    pub fn leptos_options(&self) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name("tweestap")
            .site_root(self.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(self.listen)
            .hash_files(hash_file_present())
            .build()
    }

    /// One line for the log at start, without secrets.
    pub fn summary(&self) -> String {
        format!(
            "listen={} database={} demo_seed={} session_idle={}m session_absolute={}h public_url={} hash_concurrency={} site_root={}",
            self.listen,
            redact_url(&self.database_url),
            self.demo_seed,
            self.session_idle_minutes,
            self.session_absolute_hours,
            self.public_url,
            self.hash_concurrency(),
            self.site_root,
        )
    }

    /// Opens the database and builds the state every request shares.
    pub async fn state(&self, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
        let db = Db::open(&self.database_url).await?;
        let passwords = Passwords::new(self.hash_concurrency())?;
        Ok(AppState {
            leptos_options: self.leptos_options(),
            core: Core {
                db,
                passwords,
                clock,
                sessions: self.session_settings(),
            },
        })
    }
}

/// cargo-leptos writes `hash.txt` beside the binary when it hashes file names.
fn hash_file_present() -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")))
        .map(|p: PathBuf| p.exists())
        .unwrap_or(false)
}
