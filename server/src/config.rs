//! Configuration: one struct, read from flags and environment variables
//! (flags win). The README lists every setting.

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use app::{
    core::{Core, SessionSettings, SmsSettings},
    domain::{
        clock::Clock, password::Passwords, secret_box::Keyring, session_lifetime::SessionLifetime,
    },
    sms::SmsSender,
    storage::{redact_url, Db},
};
use clap::{Args, Parser, Subcommand, ValueEnum};
use leptos::config::LeptosOptions;

use crate::{
    sms::{
        outbox::Outbox,
        twilio::{Twilio, TwilioConfig},
    },
    state::AppState,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SmsChoice {
    /// Append each SMS to a file and list them at /dev/sms; sends nothing.
    Outbox,
    /// Send through Twilio (TWILIO_* settings).
    Twilio,
}

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
    /// Write brotli and gzip copies of the built wasm, js and css beside
    /// them (`scripts/release` runs it after the release build).
    Precompress,
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
    /// Where SMS codes go: the development outbox or Twilio.
    #[arg(long, env = "TWEESTAP_SMS", value_enum, default_value = "outbox")]
    pub sms: SmsChoice,
    /// The development outbox: one JSON line per SMS (`time`, `to`, `text`).
    #[arg(
        long,
        env = "TWEESTAP_SMS_OUTBOX",
        default_value = "data/sms-outbox.jsonl"
    )]
    pub sms_outbox: PathBuf,
    /// An SMS send that takes longer fails, and the user is told at once.
    #[arg(long, env = "TWEESTAP_SMS_TIMEOUT_SECONDS", default_value_t = 10)]
    pub sms_timeout_seconds: u64,
    /// At most this many SMS per office per 24 hours.
    #[arg(long, env = "TWEESTAP_SMS_OFFICE_DAILY_CAP", default_value_t = 500)]
    pub sms_office_daily_cap: i64,
    #[arg(
        long,
        env = "TWILIO_API_BASE",
        default_value = "https://api.twilio.com"
    )]
    pub twilio_api_base: String,
    #[arg(long, env = "TWILIO_ACCOUNT_SID", default_value = "")]
    pub twilio_account_sid: String,
    #[arg(
        long,
        env = "TWILIO_AUTH_TOKEN",
        default_value = "",
        hide_env_values = true
    )]
    pub twilio_auth_token: String,
    /// Sender: an E.164 number or an alphanumeric sender id such as "Tweestap".
    #[arg(long, env = "TWILIO_FROM", default_value = "Tweestap")]
    pub twilio_from: String,
    /// Keys that seal authenticator secrets: lines `id:base64key`, the first
    /// is used for new secrets. Created (one random key, mode 600) when missing.
    #[arg(
        long,
        env = "TWEESTAP_KEY_FILE",
        default_value = "data/keys/secrets.keys"
    )]
    pub key_file: PathBuf,
    /// The same as the key file's content, given directly (wins over the file).
    #[arg(long, env = "TWEESTAP_KEYS", hide_env_values = true)]
    pub keys: Option<String>,
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
            "listen={} database={} demo_seed={} session_idle={}m session_absolute={}h public_url={} hash_concurrency={} site_root={} sms={:?} sms_timeout={}s sms_office_daily_cap={}",
            self.listen,
            redact_url(&self.database_url),
            self.demo_seed,
            self.session_idle_minutes,
            self.session_absolute_hours,
            self.public_url,
            self.hash_concurrency(),
            self.site_root,
            self.sms,
            self.sms_timeout_seconds,
            self.sms_office_daily_cap,
        )
    }

    fn sms_sender(&self, clock: Arc<dyn Clock>) -> anyhow::Result<Arc<dyn SmsSender>> {
        Ok(match self.sms {
            SmsChoice::Outbox => Arc::new(Outbox::new(self.sms_outbox.clone(), clock)),
            SmsChoice::Twilio => {
                if self.twilio_account_sid.is_empty() || self.twilio_auth_token.is_empty() {
                    anyhow::bail!(
                        "TWEESTAP_SMS=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"
                    );
                }
                Arc::new(Twilio::new(TwilioConfig {
                    api_base: self.twilio_api_base.clone(),
                    account_sid: self.twilio_account_sid.clone(),
                    auth_token: self.twilio_auth_token.clone(),
                    from: self.twilio_from.clone(),
                    timeout: self.sms_timeout(),
                })?)
            }
        })
    }

    /// The keyring from `TWEESTAP_KEYS`, or from the key file, which is
    /// created with one fresh key for the embedded default.
    pub fn keyring(&self) -> anyhow::Result<Keyring> {
        if let Some(spec) = &self.keys {
            return Ok(Keyring::parse(spec)?);
        }
        if !self.key_file.exists() {
            if let Some(dir) = self.key_file.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let entry = Keyring::new_entry("k1");
            write_private(&self.key_file, &format!("# Tweestap: keys that seal authenticator secrets. First line: current key.\n{entry}\n"))?;
            tracing::info!("created key file {}", self.key_file.display());
        }
        let text = std::fs::read_to_string(&self.key_file)?;
        Ok(Keyring::parse(&text)?)
    }

    fn sms_timeout(&self) -> Duration {
        Duration::from_secs(self.sms_timeout_seconds.max(1))
    }

    /// Opens the database and builds the state every request shares.
    pub async fn state(&self, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
        let db = Db::open(&self.database_url).await?;
        let passwords = Passwords::new(self.hash_concurrency())?;
        let sender = self.sms_sender(clock.clone())?;
        let keys = self.keyring()?;
        tracing::info!("secret key in use: {}", keys.current_id());
        tracing::info!("SMS: {}", sender.describe());
        Ok(AppState {
            leptos_options: self.leptos_options(),
            outbox: (self.sms == SmsChoice::Outbox).then(|| self.sms_outbox.clone()),
            core: Core {
                db,
                passwords,
                clock,
                sessions: self.session_settings(),
                sms: SmsSettings {
                    sender,
                    timeout: self.sms_timeout(),
                    office_daily_cap: self.sms_office_daily_cap,
                },
                keys,
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

/// Writes a file only its owner can read.
fn write_private(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(content.as_bytes())
}
