//! Configuration: one struct, read from flags and environment variables
//! (flags win). The README lists every setting.

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use anyhow::{bail, Context};

use app::{
    core::{Core, LinkSettings, SessionSettings},
    domain::{
        clock::Clock, link_token::Lifetimes, oidc::Strength, password::Passwords,
        retention::AuditRetention, return_to::ProtectedHosts, secret_box::Keyring,
        session_lifetime::SessionLifetime,
    },
    housekeeping::Housekeeping,
    mail::{MailSender, MailSettings},
    sms::{SmsSender, SmsSettings},
    storage::{redact_url, Db},
};
use clap::{Args, Parser, Subcommand, ValueEnum};
use leptos::config::LeptosOptions;
use lettre::message::Mailbox;
use secrecy::{ExposeSecret, SecretString};

use crate::{
    mail::{
        outbox::MailOutbox,
        smtp::{Relay, Smtp, SmtpConfig},
        NoMail,
    },
    middleware::{
        client_ip::TrustedProxies, host_check::AllowedHosts, same_origin::Origin,
        security_headers::Hsts,
    },
    sms::{
        cm::{Cm, CmConfig},
        outbox::Outbox,
        reports::{ReportKeys, TwilioKeys},
        twilio::{Twilio, TwilioConfig},
        NoSms,
    },
    state::AppState,
};

/// Environment variables read for secrets. They are never flags: a flag's
/// value is visible to every user of the machine (`ps`) and lands in shell
/// histories.
pub const TWILIO_AUTH_TOKEN_ENV: &str = "TWILIO_AUTH_TOKEN";
pub const CM_PRODUCT_TOKEN_ENV: &str = "CM_PRODUCT_TOKEN";
pub const CM_STATUS_TOKEN_ENV: &str = "CM_STATUS_TOKEN";
pub const KEYS_ENV: &str = "TWEESTAP_KEYS";
pub const SMTP_PASSWORD_ENV: &str = "TWEESTAP_SMTP_PASSWORD";

const SECRETS_HELP: &str = "\
Secrets are read from the environment, a file, or systemd's credentials
($CREDENTIALS_DIRECTORY/<name>), never from flags:
  TWILIO_AUTH_TOKEN   Twilio's auth token (or --twilio-auth-token-file; credential twilio-auth-token)
  CM_PRODUCT_TOKEN    CM.com's product token (or --cm-product-token-file; credential cm-product-token)
  CM_STATUS_TOKEN     the secret in CM.com's status report URL (or --cm-status-token-file; credential cm-status-token)
  TWEESTAP_KEYS       the key file's content, given directly (wins over --key-file; credential tweestap-keys)
  TWEESTAP_SMTP_PASSWORD  the SMTP password (or --smtp-password-file; credential smtp-password)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SmsChoice {
    /// Append each SMS to a file and list them at /dev/sms; sends nothing.
    Outbox,
    /// Send through Twilio (TWILIO_* settings).
    Twilio,
    /// Send through CM.com (CM_* settings).
    Cm,
}

impl SmsChoice {
    fn name(self) -> &'static str {
        match self {
            SmsChoice::Outbox => "outbox",
            SmsChoice::Twilio => "twilio",
            SmsChoice::Cm => "cm",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MailChoice {
    /// No notices by mail (SMS only).
    None,
    /// Send through an SMTP relay (TWEESTAP_SMTP_* settings).
    Smtp,
    /// Append each mail to a file and list them at /dev/mail; sends nothing.
    Outbox,
}

#[derive(Debug, Parser)]
#[command(
    name = "server",
    version,
    about = "Tweestap: het klantportaal met twee-factor-inlog",
    after_help = SECRETS_HELP
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
    /// Audit log entries older than this many days are deleted (0: kept for good).
    #[arg(long, env = "TWEESTAP_AUDIT_RETENTION_DAYS", default_value_t = AuditRetention::DEFAULT_DAYS)]
    pub audit_retention_days: u32,
    /// How often lapsed sessions, codes, bindings and trusted browsers are
    /// deleted (one instance of several does it each time).
    #[arg(long, env = "TWEESTAP_PURGE_EVERY_MINUTES", default_value_t = 5)]
    pub purge_every_minutes: u32,
    /// Mail users with nothing set up seven days and one day before a
    /// 'Verplicht vanaf' date (checked by the same scheduled task; needs the
    /// mail settings). `false` turns the reminders off.
    #[arg(long, env = "TWEESTAP_DATE_REMINDERS", default_value_t = true, action = clap::ArgAction::Set)]
    pub date_reminders: bool,
    /// The address users reach the portal at; https:// makes the session cookie Secure.
    #[arg(
        long,
        env = "TWEESTAP_PUBLIC_URL",
        default_value = "http://127.0.0.1:3000"
    )]
    pub public_url: String,
    /// Days an invitation's link stays valid.
    #[arg(long, env = "TWEESTAP_INVITATION_DAYS", default_value_t = app::domain::link_token::INVITATION_DAYS)]
    pub invitation_days: i64,
    /// How many password hashes may run at once (19 MiB each); default: the number of cores.
    #[arg(long, env = "TWEESTAP_HASH_CONCURRENCY")]
    pub hash_concurrency: Option<usize>,
    /// How many more password checks may wait for a free hasher; beyond
    /// that a login is answered 'te druk' (503) at once.
    #[arg(long, env = "TWEESTAP_HASH_QUEUE", default_value_t = 64)]
    pub hash_queue: usize,
    /// Proxies whose X-Forwarded-For is believed: comma-separated addresses
    /// or CIDR ranges (e.g. 10.0.0.0/8,::1). Default: none, the socket's
    /// peer is the client.
    #[arg(
        long,
        env = "TWEESTAP_TRUSTED_PROXIES",
        default_value = "",
        hide_default_value = true
    )]
    pub trusted_proxies: TrustedProxies,
    /// Where SMS codes go; required. `twilio`, `cm` or both in the order
    /// to try them (`twilio,cm`: CM.com takes over at once when Twilio
    /// refuses or does not answer); `outbox` is for development only
    /// (nothing is sent, codes are shown at /dev/sms), stands alone, and is
    /// refused with an https public URL or a non-loopback listen address.
    #[arg(long, env = "TWEESTAP_SMS", value_enum, value_delimiter = ',')]
    pub sms: Vec<SmsChoice>,
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
    /// Twilio's auth token: from the environment only (TWILIO_AUTH_TOKEN).
    #[arg(skip = secret_from_env(TWILIO_AUTH_TOKEN_ENV))]
    pub twilio_auth_token: Option<SecretString>,
    /// A file holding Twilio's auth token (first line), instead of TWILIO_AUTH_TOKEN.
    #[arg(long, env = "TWILIO_AUTH_TOKEN_FILE")]
    pub twilio_auth_token_file: Option<PathBuf>,
    /// Sender: an E.164 number or an alphanumeric sender id such as "Tweestap".
    #[arg(long, env = "TWILIO_FROM", default_value = "Tweestap")]
    pub twilio_from: String,
    #[arg(
        long,
        env = "CM_API_BASE",
        default_value = "https://gw.messaging.cm.com"
    )]
    pub cm_api_base: String,
    /// CM.com's product token: from the environment only (CM_PRODUCT_TOKEN).
    #[arg(skip = secret_from_env(CM_PRODUCT_TOKEN_ENV))]
    pub cm_product_token: Option<SecretString>,
    /// A file holding CM.com's product token (first line), instead of CM_PRODUCT_TOKEN.
    #[arg(long, env = "CM_PRODUCT_TOKEN_FILE")]
    pub cm_product_token_file: Option<PathBuf>,
    /// The secret at the end of CM.com's status report URL: from the
    /// environment only (CM_STATUS_TOKEN).
    #[arg(skip = secret_from_env(CM_STATUS_TOKEN_ENV))]
    pub cm_status_token: Option<SecretString>,
    /// A file holding that secret (first line), instead of CM_STATUS_TOKEN.
    #[arg(long, env = "CM_STATUS_TOKEN_FILE")]
    pub cm_status_token_file: Option<PathBuf>,
    /// Sender: at most 11 letters or 16 digits.
    #[arg(long, env = "CM_FROM", default_value = "Tweestap")]
    pub cm_from: String,
    /// Serve Prometheus metrics at http://<this>/metrics: an address of
    /// its own, never the public one (e.g. 127.0.0.1:9464). Unset: no metrics.
    #[arg(long, env = "TWEESTAP_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Where notices by e-mail (changes to how an account logs in, used
    /// recovery codes) go: `none`, `smtp`, or `outbox` (development only,
    /// shown at /dev/mail; refused where the SMS outbox is).
    #[arg(long, env = "TWEESTAP_MAIL", value_enum, default_value = "none")]
    pub mail: MailChoice,
    /// The development mail outbox: one JSON line per mail (`time`, `to`, `subject`, `body`).
    #[arg(
        long,
        env = "TWEESTAP_MAIL_OUTBOX",
        default_value = "data/mail-outbox.jsonl"
    )]
    pub mail_outbox: PathBuf,
    /// A mail send still busy after this is given up and logged; nobody waits for it.
    #[arg(long, env = "TWEESTAP_MAIL_TIMEOUT_SECONDS", default_value_t = 10)]
    pub mail_timeout_seconds: u64,
    /// The pace of an import's invitations, per instance: a mailbox
    /// provider that sees hundreds of mails at once may hold them back.
    #[arg(long, env = "TWEESTAP_MAIL_PER_MINUTE", default_value_t = 120)]
    pub mail_per_minute: u32,
    /// The sender of notices, e.g. "Administratiekantoor Jansen <noreply@jansen.example>".
    #[arg(long, env = "TWEESTAP_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// The relay: smtps://host[:465] (TLS), smtp://host[:587] (STARTTLS,
    /// required), or smtp://localhost:25?tls=none (a relay on this machine).
    #[arg(long, env = "TWEESTAP_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The relay's login name, when it wants one.
    #[arg(long, env = "TWEESTAP_SMTP_USER")]
    pub smtp_user: Option<String>,
    /// The relay's password: from the environment only (TWEESTAP_SMTP_PASSWORD).
    #[arg(skip = secret_from_env(SMTP_PASSWORD_ENV))]
    pub smtp_password: Option<SecretString>,
    /// A file holding the relay's password (first line), instead of TWEESTAP_SMTP_PASSWORD.
    #[arg(long, env = "TWEESTAP_SMTP_PASSWORD_FILE")]
    pub smtp_password_file: Option<PathBuf>,
    /// Keys that seal authenticator secrets: lines `id:base64key`, the first
    /// is used for new secrets. Created (one random key, mode 600) when missing.
    #[arg(
        long,
        env = "TWEESTAP_KEY_FILE",
        default_value = "data/keys/secrets.keys"
    )]
    pub key_file: PathBuf,
    /// The key file's content, given directly (wins over the file): from
    /// the environment only (TWEESTAP_KEYS).
    #[arg(skip = secret_from_env(KEYS_ENV))]
    pub keys: Option<SecretString>,
    /// A host behind the reverse-proxy check (GET /auth/verify), as
    /// host[:port], with `=passkey` when its login must be a passkey; a
    /// login started there may return there. Repeat, or separate by commas.
    #[arg(long = "protect", env = "TWEESTAP_PROTECT", value_delimiter = ',', value_parser = ProtectedHosts::parse_one)]
    pub protect: Vec<(String, Strength)>,
    /// The parent domain the session cookie is set for (e.g. kantoor.nl),
    /// so the protected hosts under it receive it. Unset: this host only.
    #[arg(long, env = "TWEESTAP_COOKIE_DOMAIN")]
    pub cookie_domain: Option<String>,
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
            // The same reading of the public URL as HSTS and the outbox rule.
            secure_cookie: self.public_origin().is_ok_and(|origin| origin.is_https()),
            cookie_domain: self
                .cookie_domain
                .as_deref()
                .map(|d| d.trim().trim_start_matches('.').to_ascii_lowercase())
                .filter(|d| !d.is_empty()),
        }
    }

    pub fn housekeeping(&self) -> Housekeeping {
        Housekeeping {
            every: Duration::from_secs(u64::from(self.purge_every_minutes.max(1)) * 60),
            audit: AuditRetention::from_days(self.audit_retention_days),
            ..Housekeeping::default()
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
            "listen={} database={} demo_seed={} session_idle={}m session_absolute={}h audit_retention={}d purge_every={}m public_url={} hash_concurrency={} hash_queue={} trusted_proxies=[{}] site_root={} sms={} sms_timeout={}s sms_office_daily_cap={} mail={} mail_timeout={}s keys_from={} metrics_listen={}",
            self.listen,
            redact_url(&self.database_url),
            self.demo_seed,
            self.session_idle_minutes,
            self.session_absolute_hours,
            self.audit_retention_days,
            self.purge_every_minutes,
            self.public_url,
            self.hash_concurrency(),
            self.hash_queue,
            self.trusted_proxies,
            self.site_root,
            if self.sms.is_empty() {
                "unset".to_string()
            } else {
                self.sms.iter().map(|c| c.name()).collect::<Vec<_>>().join(",")
            },
            self.sms_timeout_seconds,
            self.sms_office_daily_cap,
            match self.mail {
                MailChoice::None => "none".to_string(),
                MailChoice::Outbox => "outbox".to_string(),
                MailChoice::Smtp => format!(
                    "smtp({})",
                    redact_url(self.smtp_url.as_deref().unwrap_or_default())
                ),
            },
            self.mail_timeout_seconds,
            if self.keys.is_some() {
                KEYS_ENV.to_string()
            } else {
                self.key_file.display().to_string()
            },
            self.metrics_listen
                .map_or("off".to_string(), |a| a.to_string()),
        )
    }

    /// Refuses a configuration that would be unsafe to serve: no SMS choice
    /// made, or a development outbox (which shows every code at /dev/sms, or
    /// every notice at /dev/mail) where others can reach it, or an SMTP
    /// setting that cannot work. `state` runs it first.
    pub fn validate(&self) -> anyhow::Result<()> {
        let public = self.public_origin()?;
        let outbox = self.sms.contains(&SmsChoice::Outbox);
        if self.sms.is_empty() {
            bail!(
                "choose where SMS codes go: `--sms twilio`, `--sms cm` or `--sms twilio,cm` \
                 (real SMS; the second takes over when the first fails) or `--sms outbox` \
                 (development only: nothing is sent, codes are shown at /dev/sms); or set \
                 TWEESTAP_SMS"
            );
        }
        if outbox && self.sms.len() > 1 {
            bail!("`--sms outbox` stands alone: it sends nothing, so nothing could take over from it or after it");
        }
        for (i, choice) in self.sms.iter().enumerate() {
            if self.sms[..i].contains(choice) {
                bail!("`--sms` names {} twice", choice.name());
            }
        }
        if outbox && public.is_https() {
            bail!(
                "`--sms outbox` with an https public URL ({}) is refused: the outbox sends no SMS \
                 and shows every code at /dev/sms, so anyone who can reach the portal could log \
                 in as anyone with SMS codes. Use `--sms twilio` or `--sms cm` for a real installation",
                self.public_url
            );
        }
        if outbox && !self.listen.ip().is_loopback() {
            bail!(
                "`--sms outbox` while listening on {} is refused: the outbox sends no SMS and \
                 shows every code at /dev/sms, so it may only listen on a loopback address \
                 (127.0.0.1, ::1). Use `--sms twilio` or `--sms cm` for a real installation",
                self.listen
            );
        }
        if self.sms.contains(&SmsChoice::Twilio) {
            if self.twilio_account_sid.is_empty() {
                bail!("`--sms twilio` needs TWILIO_ACCOUNT_SID");
            }
            self.twilio_token()?;
        }
        if self.sms.contains(&SmsChoice::Cm) {
            self.cm_product_token()?;
            self.cm_status_token()?;
        }
        // Port 0 asks for a free port each, so two of them never meet.
        if self.metrics_listen == Some(self.listen) && self.listen.port() != 0 {
            bail!(
                "--metrics-listen {} is the public address: metrics are served on an address of \
                 their own, never beside the portal",
                self.listen
            );
        }
        self.validate_cookie_domain()?;
        self.validate_mail(&public)
    }

    /// The cookie domain must cover the portal's own host (or the browser
    /// drops the cookie) and every protected host (or the check there
    /// never sees a session).
    fn validate_cookie_domain(&self) -> anyhow::Result<()> {
        let Some(domain) = self.session_settings().cookie_domain else {
            return Ok(());
        };
        let under = |host: &str| {
            let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
            host == domain || host.ends_with(&format!(".{domain}"))
        };
        let public = url::Url::parse(&self.public_url)?;
        if !public.host_str().is_some_and(under) {
            bail!(
                "--cookie-domain {domain} does not cover the public URL's host ({})",
                self.public_url
            );
        }
        for (host, _) in &self.protect {
            if !under(host) {
                bail!("--protect {host} is not under --cookie-domain {domain}: the check there would never see the session");
            }
        }
        Ok(())
    }

    /// The same rule for the mail outbox as for the SMS one: it shows what
    /// it holds to whoever opens /dev/mail.
    fn validate_mail(&self, public: &Origin) -> anyhow::Result<()> {
        match self.mail {
            MailChoice::None => Ok(()),
            MailChoice::Outbox if public.is_https() => bail!(
                "`--mail outbox` with an https public URL ({}) is refused: the outbox sends no \
                 mail and shows every notice at /dev/mail to whoever can reach the portal. Use \
                 `--mail smtp` (or `--mail none`) for a real installation",
                self.public_url
            ),
            MailChoice::Outbox if !self.listen.ip().is_loopback() => bail!(
                "`--mail outbox` while listening on {} is refused: the outbox sends no mail and \
                 shows every notice at /dev/mail, so it may only listen on a loopback address \
                 (127.0.0.1, ::1). Use `--mail smtp` (or `--mail none`) for a real installation",
                self.listen
            ),
            MailChoice::Outbox => Ok(()),
            MailChoice::Smtp => self.smtp_config().map(|_| ()),
        }
    }

    /// The public URL's origin (scheme, host, port).
    pub fn public_origin(&self) -> anyhow::Result<Origin> {
        Origin::parse(&self.public_url).with_context(|| {
            format!(
                "--public-url {:?} is not an http:// or https:// address",
                self.public_url
            )
        })
    }

    /// Twilio's token, from TWILIO_AUTH_TOKEN or the token file (one of the
    /// two), or systemd's credential `twilio-auth-token`.
    fn twilio_token(&self) -> anyhow::Result<SecretString> {
        secret_from_env_or_file(
            "Twilio's auth token",
            TWILIO_AUTH_TOKEN_ENV,
            &self.twilio_auth_token,
            "--twilio-auth-token-file",
            &self.twilio_auth_token_file,
            "twilio-auth-token",
        )?
        .context(
            "`--sms twilio` needs Twilio's auth token: set TWILIO_AUTH_TOKEN or \
             --twilio-auth-token-file",
        )
    }

    fn cm_product_token(&self) -> anyhow::Result<SecretString> {
        secret_from_env_or_file(
            "CM.com's product token",
            CM_PRODUCT_TOKEN_ENV,
            &self.cm_product_token,
            "--cm-product-token-file",
            &self.cm_product_token_file,
            "cm-product-token",
        )?
        .context(
            "`--sms cm` needs CM.com's product token: set CM_PRODUCT_TOKEN or \
             --cm-product-token-file",
        )
    }

    /// The secret in CM.com's report URL: long enough not to be guessed.
    fn cm_status_token(&self) -> anyhow::Result<SecretString> {
        let token = secret_from_env_or_file(
            "the secret of CM.com's status report URL",
            CM_STATUS_TOKEN_ENV,
            &self.cm_status_token,
            "--cm-status-token-file",
            &self.cm_status_token_file,
            "cm-status-token",
        )?
        .context(
            "`--sms cm` needs CM_STATUS_TOKEN (or --cm-status-token-file): the secret at the \
             end of the status report URL you set in CM.com's portal, e.g. from \
             `openssl rand -hex 24`",
        )?;
        let secret = token.expose_secret();
        if secret.len() < 24
            || !secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            bail!("CM_STATUS_TOKEN must be at least 24 letters, digits, '-' or '_' (it is part of a URL)");
        }
        Ok(token)
    }

    /// The relay, sender and login for `--mail smtp`.
    fn smtp_config(&self) -> anyhow::Result<SmtpConfig> {
        let url = self.smtp_url.as_deref().unwrap_or_default();
        if url.trim().is_empty() {
            bail!(
                "`--mail smtp` needs TWEESTAP_SMTP_URL, e.g. smtps://mail.example.nl (TLS) or \
                 smtp://mail.example.nl:587 (STARTTLS)"
            );
        }
        let relay = Relay::parse(url)?;
        let from = self.mail_from.as_deref().unwrap_or_default();
        if from.trim().is_empty() {
            bail!(
                "`--mail smtp` needs TWEESTAP_MAIL_FROM, the sender, e.g. \
                 \"Administratiekantoor Jansen <noreply@jansen.example>\""
            );
        }
        let from: Mailbox = from
            .trim()
            .parse()
            .with_context(|| format!("TWEESTAP_MAIL_FROM {from:?} is not an e-mail address"))?;
        let password = secret_from_env_or_file(
            "the SMTP password",
            SMTP_PASSWORD_ENV,
            &self.smtp_password,
            "--smtp-password-file",
            &self.smtp_password_file,
            "smtp-password",
        )?;
        let user = self.smtp_user.as_deref().filter(|u| !u.is_empty());
        let credentials = match (user, password) {
            (Some(user), Some(password)) => Some((user.to_string(), password)),
            (None, None) => None,
            (Some(_), None) => bail!(
                "TWEESTAP_SMTP_USER is set but no password: set TWEESTAP_SMTP_PASSWORD or \
                 --smtp-password-file"
            ),
            (None, Some(_)) => bail!("an SMTP password is set but no TWEESTAP_SMTP_USER"),
        };
        Ok(SmtpConfig {
            relay,
            credentials,
            from,
            timeout: self.mail_timeout(),
        })
    }

    fn mail_sender(&self, clock: Arc<dyn Clock>) -> anyhow::Result<Arc<dyn MailSender>> {
        Ok(match self.mail {
            MailChoice::None => Arc::new(NoMail),
            MailChoice::Outbox => Arc::new(MailOutbox::new(self.mail_outbox.clone(), clock)),
            MailChoice::Smtp => Arc::new(Smtp::new(self.smtp_config()?)?),
        })
    }

    fn mail_timeout(&self) -> Duration {
        Duration::from_secs(self.mail_timeout_seconds.max(1))
    }

    /// The senders in the order of `--sms` (none for a command that sends nothing).
    fn sms_senders(&self, clock: Arc<dyn Clock>) -> anyhow::Result<Vec<Arc<dyn SmsSender>>> {
        let mut senders: Vec<Arc<dyn SmsSender>> = Vec::new();
        for choice in &self.sms {
            senders.push(match choice {
                SmsChoice::Outbox => Arc::new(Outbox::new(self.sms_outbox.clone(), clock.clone())),
                SmsChoice::Twilio => Arc::new(Twilio::new(TwilioConfig {
                    api_base: self.twilio_api_base.clone(),
                    account_sid: self.twilio_account_sid.clone(),
                    auth_token: self.twilio_token()?,
                    from: self.twilio_from.clone(),
                    timeout: self.sms_timeout(),
                    public_base: self.public_url.clone(),
                })?),
                SmsChoice::Cm => Arc::new(Cm::new(CmConfig {
                    api_base: self.cm_api_base.clone(),
                    product_token: self.cm_product_token()?,
                    from: self.cm_from.clone(),
                    timeout: self.sms_timeout(),
                })?),
            });
        }
        if senders.is_empty() {
            senders.push(Arc::new(NoSms));
        }
        Ok(senders)
    }

    /// What the delivery reports are checked against, for the providers in use.
    fn report_keys(&self) -> anyhow::Result<ReportKeys> {
        Ok(ReportKeys {
            twilio: match self.sms.contains(&SmsChoice::Twilio) {
                true => Some(TwilioKeys {
                    auth_token: self.twilio_token()?,
                    public_base: self.public_url.clone(),
                }),
                false => None,
            },
            cm: match self.sms.contains(&SmsChoice::Cm) {
                true => Some(self.cm_status_token()?),
                false => None,
            },
        })
    }

    /// The keyring from `TWEESTAP_KEYS`, or from the key file, which is
    /// created with one fresh key for the embedded default.
    pub fn keyring(&self) -> anyhow::Result<Keyring> {
        if let Some(spec) = &self.keys {
            return Ok(Keyring::parse(spec.expose_secret())?);
        }
        // systemd's credential: the key file's whole content.
        if let Some(path) = credentials_file("tweestap-keys") {
            let text = SecretString::from(std::fs::read_to_string(&path)?);
            return Ok(Keyring::parse(text.expose_secret())?);
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

    /// Checks the configuration (`validate`), opens the database and
    /// builds the state every request shares: what serving uses.
    pub async fn state(&self, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
        self.validate()?;
        self.build_state(clock).await
    }

    /// The state for an administrative command (`create-office`), which
    /// sends no SMS and serves nothing, so it needs no SMS choice.
    pub async fn admin_state(&self, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
        self.build_state(clock).await
    }

    async fn build_state(&self, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
        let public_origin = self.public_origin()?;
        let db = Db::open(&self.database_url).await?;
        let passwords = Passwords::new(self.hash_concurrency(), self.hash_queue)?;
        let senders = self.sms_senders(clock.clone())?;
        let mail = self.mail_sender(clock.clone())?;
        let keys = self.keyring()?;
        tracing::info!("secret key in use: {}", keys.current_id());
        let sms = SmsSettings {
            senders,
            timeout: self.sms_timeout(),
            office_daily_cap: self.sms_office_daily_cap,
        };
        tracing::info!("SMS: {}", sms.describe());
        if self.sms.contains(&SmsChoice::Twilio) {
            tracing::info!(
                "Twilio status reports: {}{} (sent along with each SMS)",
                self.public_url.trim_end_matches('/'),
                crate::sms::twilio::STATUS_PATH
            );
        }
        if self.sms.contains(&SmsChoice::Cm) {
            tracing::info!(
                "CM.com status reports: set {}{}/<CM_STATUS_TOKEN> in CM.com's portal (JSON)",
                self.public_url.trim_end_matches('/'),
                crate::sms::cm::STATUS_PATH
            );
        }
        tracing::info!("Mail: {}", mail.describe());
        // Read now, so the first password set waits for nothing.
        tracing::info!(
            "common passwords refused: {}",
            app::domain::password_rules::Blocklist::shipped().len()
        );
        let passkeys = app::factors::relying_party_for(&self.public_url).map(Arc::new);
        if passkeys.is_none() {
            tracing::warn!(
                "passkeys are off: --public-url {} has no host name to bind them to",
                self.public_url
            );
        }
        Ok(AppState {
            leptos_options: self.leptos_options(),
            outbox: (self.sms == [SmsChoice::Outbox]).then(|| self.sms_outbox.clone()),
            mail_outbox: (self.mail == MailChoice::Outbox).then(|| self.mail_outbox.clone()),
            hosts: Arc::new(AllowedHosts {
                public: public_origin.clone(),
                loopback: self.sms == [SmsChoice::Outbox] || self.mail == MailChoice::Outbox,
            }),
            hsts: Hsts(public_origin.is_https()),
            public_origin: Arc::new(public_origin),
            trusted_proxies: Arc::new(self.trusted_proxies.clone()),
            sms_reports: Arc::new(self.report_keys()?),
            timed: self.metrics_listen.is_some(),
            core: Core {
                db,
                passwords,
                clock,
                sessions: self.session_settings(),
                sms,
                mail: MailSettings {
                    sender: mail,
                    timeout: self.mail_timeout(),
                },
                keys,
                passkeys,
                links: LinkSettings {
                    public_url: self.public_url.trim_end_matches('/').to_string(),
                    lifetimes: Lifetimes {
                        invitation_seconds: self.invitation_days.clamp(1, 90) * 24 * 60 * 60,
                    },
                    protected: ProtectedHosts(self.protect.clone()),
                },
            },
        })
    }
}

/// A secret from the environment; unset or empty is none.
fn secret_from_env(name: &str) -> Option<SecretString> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.is_empty())
        .map(SecretString::from)
}

/// A secret given in its environment variable or in a file (the first
/// line), not both; when neither, systemd's credential `credential`
/// (`LoadCredential=`, read from `$CREDENTIALS_DIRECTORY`) if it has one;
/// `None` when none is set.
fn secret_from_env_or_file(
    what: &str,
    env: &str,
    from_env: &Option<SecretString>,
    file_flag: &str,
    file: &Option<PathBuf>,
    credential: &str,
) -> anyhow::Result<Option<SecretString>> {
    match (from_env, file) {
        (Some(_), Some(_)) => bail!("{what} is given twice: set {env} or {file_flag}, not both"),
        (Some(secret), None) => Ok(Some(secret.clone())),
        (None, Some(path)) => first_line_of(what, path).map(Some),
        (None, None) => match credentials_file(credential) {
            Some(path) => first_line_of(what, &path).map(Some),
            None => Ok(None),
        },
    }
}

/// `$CREDENTIALS_DIRECTORY/<name>`, when systemd provides it.
fn credentials_file(name: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("CREDENTIALS_DIRECTORY")?;
    let path = PathBuf::from(dir).join(name);
    path.is_file().then_some(path)
}

/// The secret on the first line of `path`, held as a secret from the first
/// read so the copy is zeroed too when it goes.
fn first_line_of(what: &str, path: &std::path::Path) -> anyhow::Result<SecretString> {
    let text = SecretString::from(
        std::fs::read_to_string(path)
            .with_context(|| format!("reading {what} from {}", path.display()))?,
    );
    let secret = text
        .expose_secret()
        .lines()
        .next()
        .unwrap_or_default()
        .trim();
    if secret.is_empty() {
        bail!("the file {} for {what} is empty", path.display());
    }
    Ok(SecretString::from(secret))
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// A configuration from these flags; flags win over whatever
    /// TWEESTAP_* the environment running the tests has.
    fn parse(args: &[&str]) -> Config {
        let mut all = vec!["server"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).expect("parses").config
    }

    fn error(config: &Config) -> String {
        format!("{:#}", config.validate().expect_err("refused"))
    }

    #[test]
    fn secrets_are_never_flags() {
        for flag in ["--twilio-auth-token", "--keys", "--smtp-password"] {
            let parsed = Cli::try_parse_from(["server", flag, "geheim"]);
            assert!(parsed.is_err(), "{flag} must not exist");
        }
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("TWILIO_AUTH_TOKEN"), "{help}");
        assert!(help.contains("TWEESTAP_KEYS"), "{help}");
        assert!(help.contains("--twilio-auth-token-file"), "{help}");
        assert!(help.contains("TWEESTAP_SMTP_PASSWORD"), "{help}");
    }

    #[test]
    fn without_an_sms_choice_the_server_does_not_start() {
        let mut config = parse(&[]);
        config.sms = Vec::new();
        let message = error(&config);
        assert!(
            message.contains("--sms twilio") && message.contains("--sms outbox"),
            "{message}"
        );
    }

    #[test]
    fn the_outbox_is_refused_where_others_can_reach_it() {
        let https = parse(&[
            "--sms",
            "outbox",
            "--public-url",
            "https://portaal.example.nl",
        ]);
        assert!(error(&https).contains("https"), "{}", error(&https));

        for listen in ["0.0.0.0:3000", "192.0.2.10:3000", "[::]:3000"] {
            let open = parse(&[
                "--sms",
                "outbox",
                "--listen",
                listen,
                "--public-url",
                "http://portaal.lan:3000",
            ]);
            let message = error(&open);
            assert!(message.contains("loopback"), "{listen}: {message}");
        }

        for listen in ["127.0.0.1:3000", "[::1]:0"] {
            let local = parse(&[
                "--sms",
                "outbox",
                "--listen",
                listen,
                "--public-url",
                "http://localhost:3000",
            ]);
            assert!(local.validate().is_ok(), "{listen}");
        }
    }

    #[test]
    fn twilio_takes_its_token_from_the_environment_or_a_file_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "file-token\n").unwrap();
        let mut config = parse(&[
            "--sms",
            "twilio",
            "--listen",
            "0.0.0.0:3000",
            "--public-url",
            "https://portaal.example.nl",
            "--twilio-account-sid",
            "AC1",
        ]);
        config.twilio_auth_token = None;
        config.twilio_auth_token_file = None;
        assert!(error(&config).contains("TWILIO_AUTH_TOKEN"));

        config.twilio_auth_token_file = Some(file.clone());
        assert!(config.validate().is_ok());
        assert_eq!(config.twilio_token().unwrap().expose_secret(), "file-token");

        config.twilio_auth_token = Some("env-token".into());
        assert!(error(&config).contains("not both"));

        config.twilio_auth_token_file = None;
        assert_eq!(config.twilio_token().unwrap().expose_secret(), "env-token");

        std::fs::write(&file, "\n").unwrap();
        config.twilio_auth_token = None;
        config.twilio_auth_token_file = Some(file);
        assert!(error(&config).contains("empty"));
    }

    #[test]
    fn debug_output_and_the_summary_never_show_secrets() {
        let mut config = parse(&["--sms", "twilio", "--twilio-account-sid", "AC1"]);
        config.twilio_auth_token = Some("twilio-geheim-123".into());
        config.keys = Some("k1:c2xldXRlbC1nZWhlaW0tNDU2".into());
        config.mail = MailChoice::Smtp;
        config.smtp_url = Some("smtps://mail.example.nl".into());
        config.mail_from = Some("noreply@voorbeeld.example".into());
        config.smtp_user = Some("portaal".into());
        config.smtp_password = Some("smtp-geheim-789".into());
        assert!(format!("{:?}", config.smtp_config().unwrap()).contains("[REDACTED]"));
        for text in [
            format!("{config:?}"),
            format!("{config:#?}"),
            config.summary(),
        ] {
            assert!(!text.contains("twilio-geheim-123"), "{text}");
            assert!(!text.contains("c2xldXRlbC1nZWhlaW0tNDU2"), "{text}");
            assert!(!text.contains("smtp-geheim-789"), "{text}");
        }
        assert!(
            !format!("{:?}", config.smtp_config().unwrap()).contains("smtp-geheim-789"),
            "the SMTP settings hide the password"
        );
        let twilio = TwilioConfig {
            api_base: config.twilio_api_base.clone(),
            account_sid: "AC1".into(),
            auth_token: config.twilio_token().unwrap(),
            from: "Tweestap".into(),
            timeout: Duration::from_secs(1),
            public_base: config.public_url.clone(),
        };
        assert!(!format!("{twilio:?}").contains("twilio-geheim-123"));
    }

    #[test]
    fn mail_is_off_unless_chosen_and_its_outbox_stays_on_this_machine() {
        let config = parse(&["--sms", "outbox"]);
        assert_eq!(config.mail, MailChoice::None);
        assert_eq!(config.mail_timeout_seconds, 10);
        assert_eq!(config.mail_outbox, PathBuf::from("data/mail-outbox.jsonl"));
        assert!(config.validate().is_ok());

        let local = parse(&[
            "--sms",
            "outbox",
            "--mail",
            "outbox",
            "--mail-outbox",
            "/tmp/post.jsonl",
            "--mail-timeout-seconds",
            "3",
        ]);
        assert!(local.validate().is_ok());
        assert_eq!(local.mail_timeout(), Duration::from_secs(3));
        assert_eq!(local.mail_outbox, PathBuf::from("/tmp/post.jsonl"));

        // Real SMS, but the mail outbox where others can reach it.
        let mut https = parse(&[
            "--mail",
            "outbox",
            "--public-url",
            "https://portaal.example.nl",
        ]);
        https.sms = vec![SmsChoice::Twilio];
        https.twilio_account_sid = "AC1".into();
        https.twilio_auth_token = Some("token".into());
        https.twilio_auth_token_file = None;
        let message = error(&https);
        assert!(
            message.contains("--mail outbox") && message.contains("https"),
            "{message}"
        );
        https.listen = "0.0.0.0:3000".parse().unwrap();
        https.public_url = "http://portaal.lan:3000".into();
        let message = error(&https);
        assert!(
            message.contains("--mail outbox") && message.contains("loopback"),
            "{message}"
        );

        assert!(Cli::try_parse_from(["server", "--mail", "sendmail"]).is_err());
    }

    #[test]
    fn smtp_needs_a_relay_and_a_sender_and_its_password_once() {
        let mut config = parse(&["--sms", "outbox", "--mail", "smtp"]);
        config.smtp_url = None;
        config.mail_from = None;
        config.smtp_user = None;
        config.smtp_password = None;
        config.smtp_password_file = None;
        assert!(
            error(&config).contains("TWEESTAP_SMTP_URL"),
            "{}",
            error(&config)
        );

        config.smtp_url = Some("smtp://mail.example.nl".into());
        assert!(
            error(&config).contains("TWEESTAP_MAIL_FROM"),
            "{}",
            error(&config)
        );
        config.mail_from = Some("geen adres".into());
        assert!(
            error(&config).contains("not an e-mail address"),
            "{}",
            error(&config)
        );
        config.mail_from =
            Some("Administratiekantoor Voorbeeld <noreply@voorbeeld.example>".into());
        assert!(config.validate().is_ok(), "a relay without a login");
        let smtp = config.smtp_config().unwrap();
        assert_eq!(
            smtp.relay.to_string(),
            "smtp://mail.example.nl:587 (STARTTLS)"
        );
        assert!(smtp.credentials.is_none());

        config.smtp_url = Some("smtp://portaal:geheim@mail.example.nl".into());
        let message = error(&config);
        assert!(message.contains("TWEESTAP_SMTP_USER"), "{message}");
        assert!(!message.contains("geheim"), "{message}");
        config.smtp_url = Some("smtps://mail.example.nl".into());

        config.smtp_user = Some("portaal".into());
        assert!(error(&config).contains("no password"), "{}", error(&config));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("smtp-password");
        std::fs::write(&file, "uit-bestand\n").unwrap();
        config.smtp_password_file = Some(file.clone());
        let (user, password) = config.smtp_config().unwrap().credentials.unwrap();
        assert_eq!(
            (user.as_str(), password.expose_secret()),
            ("portaal", "uit-bestand")
        );
        config.smtp_password = Some("uit-omgeving".into());
        assert!(error(&config).contains("not both"), "{}", error(&config));
        config.smtp_password_file = None;
        let (_, password) = config.smtp_config().unwrap().credentials.unwrap();
        assert_eq!(password.expose_secret(), "uit-omgeving");
        config.smtp_user = None;
        assert!(
            error(&config).contains("no TWEESTAP_SMTP_USER"),
            "{}",
            error(&config)
        );

        // SMTP is for real installations: https and any listen address.
        config.smtp_user = Some("portaal".into());
        config.listen = "0.0.0.0:3000".parse().unwrap();
        config.public_url = "https://portaal.example.nl".into();
        config.sms = vec![SmsChoice::Twilio];
        config.twilio_account_sid = "AC1".into();
        config.twilio_auth_token = Some("token".into());
        config.twilio_auth_token_file = None;
        assert!(config.validate().is_ok());
    }

    #[test]
    fn settings_for_proxies_and_the_hash_queue_parse() {
        let config = parse(&["--trusted-proxies", "10.0.0.0/8, ::1", "--hash-queue", "8"]);
        assert_eq!(config.hash_queue, 8);
        assert!(config.trusted_proxies.contains("10.1.2.3".parse().unwrap()));
        assert!(config.trusted_proxies.contains("::1".parse().unwrap()));
        assert!(!config
            .trusted_proxies
            .contains("192.0.2.1".parse().unwrap()));
        assert!(Cli::try_parse_from(["server", "--trusted-proxies", "proxy.example"]).is_err());
        assert!(parse(&["--public-url", "portaal.example.nl"])
            .public_origin()
            .is_err());
    }
}
