//! Shared helpers for the integration tests: a fresh database per test on
//! SQLite or PostgreSQL, the real router on a real socket, and a small HTTP
//! client that keeps the session cookie by hand so tests can inspect it.

#![allow(dead_code)]

pub mod gateway;

use std::{
    io::Write,
    net::SocketAddr,
    path::PathBuf,
    sync::{Arc, Mutex},
};

use app::domain::clock::ManualClock;
use server::{
    config::{Config, MailChoice, SmsChoice},
    router, seed,
    sms::outbox,
    state::AppState,
};
use sqlx::{AnyConnection, Connection, Executor};
use tracing_subscriber::fmt::{writer::MakeWriterExt, TestWriter};

pub const START: i64 = 1_800_000_000;

/// The secret of CM.com's report URL in the tests.
pub const CM_STATUS_TOKEN: &str = "cm-status-token-for-the-tests-0123";

#[derive(Debug, Clone, Copy)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Runs each named async test body once per engine: `on_both_engines!(a, b);`
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Engine::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Engine::Postgres).await
                }
            )*
        }
    };
}

/// Every log line of this test binary, so a test can see that a failure
/// was logged (`log_lines_with`).
static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        LOG.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Server logs go to the test's captured output, shown when it fails, and
/// to `LOG`. One subscriber for the whole binary: the first test installs it.
fn install_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("info,sqlx=warn")
        .with_ansi(false)
        .with_writer(TestWriter::new().and(|| LogWriter))
        .try_init();
}

/// The log lines so far that contain every one of `needles`.
pub fn log_lines_with(needles: &[&str]) -> Vec<String> {
    String::from_utf8_lossy(&LOG.lock().unwrap())
        .lines()
        .filter(|line| needles.iter().all(|n| line.contains(n)))
        .map(str::to_string)
        .collect()
}

/// A database URL no other test uses.
pub async fn fresh_database(engine: Engine, dir: &std::path::Path) -> String {
    match engine {
        Engine::Sqlite => format!("sqlite://{}/test.db", dir.display()),
        Engine::Postgres => {
            let admin = std::env::var("TWEESTAP_TEST_POSTGRES_URL").expect(
                "TWEESTAP_TEST_POSTGRES_URL is not set: the PostgreSQL half of the tests \
                 needs a server (scripts/test starts one)",
            );
            sqlx::any::install_default_drivers();
            let mut conn = AnyConnection::connect(&admin)
                .await
                .expect("connect to PostgreSQL");
            let name = format!("tweestap_test_{}", random_suffix());
            // The name is ours (letters, digits, underscores), never user input.
            conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .await
                .expect("create test database");
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            format!("{base}/{name}")
        }
    }
}

fn random_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("{:x}_{}_{n}", nanos, std::process::id())
}

/// Every demo login's password (`server::seed`).
pub const DEMO_PASSWORD: &str = "Welkom-2fa!";

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub config: Config,
    pub outbox: PathBuf,
    /// `http://127.0.0.1:<port>/metrics`, with `Options::metrics`.
    pub metrics_url: Option<String>,
    dir: Arc<tempfile::TempDir>,
    /// The first instance of a test holds its turn until the test ends.
    _turn: Option<Turn>,
}

/// Every test runs in this one binary, two at a time. A test that measures
/// the server under load (a login flood, the WAL under steady writes) gets
/// its turn alone, as it had when each file was a binary of its own; every
/// other test shares the turns.
struct Turns {
    shared: usize,
    alone: bool,
    waiting_alone: usize,
}

static TURNS: Mutex<Turns> = Mutex::new(Turns {
    shared: 0,
    alone: false,
    waiting_alone: 0,
});
static TURN_ENDED: tokio::sync::Notify = tokio::sync::Notify::const_new();

thread_local! {
    /// Turns this test's thread holds: a test that starts a second app
    /// while a test that must run alone waits is not made to wait for it.
    static HELD: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

struct Turn {
    alone: bool,
}

impl Turn {
    async fn take(alone: bool) -> Turn {
        let mut counted_waiting = false;
        loop {
            let ended = TURN_ENDED.notified();
            {
                let mut turns = TURNS.lock().unwrap();
                let nested = HELD.with(|held| held.get() > 0);
                let free = if alone {
                    turns.shared == 0 && !turns.alone
                } else {
                    !turns.alone && (turns.waiting_alone == 0 || nested)
                };
                if free {
                    if alone {
                        turns.alone = true;
                    } else {
                        turns.shared += 1;
                    }
                    if counted_waiting {
                        turns.waiting_alone -= 1;
                    }
                    HELD.with(|held| held.set(held.get() + 1));
                    return Turn { alone };
                }
                if alone && !counted_waiting {
                    turns.waiting_alone += 1;
                    counted_waiting = true;
                }
            }
            ended.await;
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut turns = TURNS.lock().unwrap();
        if self.alone {
            turns.alone = false;
        } else {
            turns.shared -= 1;
        }
        HELD.with(|held| held.set(held.get().saturating_sub(1)));
        drop(turns);
        TURN_ENDED.notify_waiters();
    }
}

pub struct Options {
    pub public_url: &'static str,
    pub idle_minutes: u32,
    pub absolute_hours: u32,
    /// `Some(base)`: send SMS through the Twilio adapter to this stub.
    pub twilio: Option<String>,
    /// `Some(base)`: CM.com's API is this stub.
    pub cm: Option<String>,
    /// The providers in order (`None`: Twilio with a Twilio stub or an
    /// https URL, else the outbox).
    pub sms: Option<Vec<SmsChoice>>,
    /// Serve metrics on a port of their own (`TestApp::metrics_url`).
    pub metrics: bool,
    pub sms_timeout_seconds: u64,
    pub office_daily_cap: i64,
    /// Notices by mail: none, the outbox (`config.mail_outbox`), or SMTP
    /// to `smtp_url`.
    pub mail: MailChoice,
    pub smtp_url: Option<String>,
    pub mail_timeout_seconds: u64,
    /// The test measures the server under load: no other test runs beside it.
    pub alone: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            public_url: "http://127.0.0.1:3000",
            idle_minutes: 60,
            absolute_hours: 12,
            twilio: None,
            cm: None,
            sms: None,
            metrics: false,
            sms_timeout_seconds: 10,
            office_daily_cap: 500,
            mail: MailChoice::None,
            smtp_url: None,
            mail_timeout_seconds: 10,
            alone: false,
        }
    }
}

impl TestApp {
    pub async fn start(engine: Engine) -> TestApp {
        Self::start_with(engine, Options::default()).await
    }

    /// The demo office with mail going to the outbox (`mails_to`).
    pub async fn start_with_mail(engine: Engine) -> TestApp {
        Self::start_with(
            engine,
            Options {
                mail: MailChoice::Outbox,
                ..Options::default()
            },
        )
        .await
    }

    /// A seeded demo office behind the real router on 127.0.0.1.
    pub async fn start_with(engine: Engine, options: Options) -> TestApp {
        install_logs();
        let turn = Turn::take(options.alone).await;
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        let url = fresh_database(engine, dir.path()).await;
        let outbox = dir.path().join("sms-outbox.jsonl");
        let config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: url,
            demo_seed: true,
            protect: Vec::new(),
            cookie_domain: None,
            session_idle_minutes: options.idle_minutes,
            session_absolute_hours: options.absolute_hours,
            audit_retention_days: 730,
            purge_every_minutes: 5,
            // The tests send reminders themselves, at the clock they set.
            date_reminders: false,
            public_url: options.public_url.to_string(),
            invitation_days: 7,
            hash_concurrency: Some(2),
            hash_queue: 64,
            trusted_proxies: Default::default(),
            // The outbox is refused under an https public URL (as in
            // production), so an https test app has the Twilio adapter; it
            // sends to `options.twilio` when a test gives a stub.
            sms: match &options.sms {
                Some(order) => order.clone(),
                None if options.twilio.is_some() || options.public_url.starts_with("https://") => {
                    vec![SmsChoice::Twilio]
                }
                None => vec![SmsChoice::Outbox],
            },
            sms_outbox: outbox.clone(),
            sms_timeout_seconds: options.sms_timeout_seconds,
            sms_office_daily_cap: options.office_daily_cap,
            twilio_api_base: options.twilio.clone().unwrap_or_default(),
            twilio_account_sid: "AC-test".into(),
            twilio_auth_token: Some("test-token".into()),
            twilio_auth_token_file: None,
            twilio_from: "Tweestap".into(),
            cm_api_base: options.cm.clone().unwrap_or_default(),
            cm_product_token: Some("00000000-0000-0000-0000-000000000000".into()),
            cm_product_token_file: None,
            cm_status_token: Some(CM_STATUS_TOKEN.into()),
            cm_status_token_file: None,
            cm_from: "Tweestap".into(),
            metrics_listen: options.metrics.then(|| "127.0.0.1:0".parse().unwrap()),
            mail: options.mail,
            mail_outbox: dir.path().join("mail-outbox.jsonl"),
            mail_timeout_seconds: options.mail_timeout_seconds,
            // The tests send an import's invitations themselves.
            mail_per_minute: 120,
            mail_from: Some("Tweestap <noreply@voorbeeld.example>".into()),
            smtp_url: options.smtp_url.clone(),
            smtp_user: None,
            smtp_password: None,
            smtp_password_file: None,
            key_file: dir.path().join("keys/secrets.keys"),
            keys: None,
            site_root: "target/site".into(),
        };
        let clock = Arc::new(ManualClock::new(START));
        let mut app = Self::serve(config, clock, dir, outbox).await;
        assert!(
            seed::demo(&app.state.core).await.expect("seed"),
            "fresh database was seeded"
        );
        app._turn = Some(turn);
        app
    }

    async fn serve(
        config: Config,
        clock: Arc<ManualClock>,
        dir: Arc<tempfile::TempDir>,
        outbox: PathBuf,
    ) -> TestApp {
        let state = config.state(clock.clone()).await.expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let app = router::build(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        let metrics_url = match config.metrics_listen {
            Some(listen) => {
                let at = server::metrics::serve(listen, state.core.clone())
                    .await
                    .expect("metrics listener");
                Some(format!("http://{at}/metrics"))
            }
            None => None,
        };
        TestApp {
            base: format!("http://{addr}"),
            state,
            clock,
            config,
            outbox,
            metrics_url,
            dir,
            _turn: None,
        }
    }

    /// A second server instance on the same database (own pool, own
    /// process state), as a deployment with several instances has.
    /// The mails in the mail outbox to `address` so far.
    pub async fn mails_now(&self, address: &str) -> Vec<server::mail::outbox::MailLine> {
        server::mail::outbox::read(&self.config.mail_outbox)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m.to == address)
            .collect()
    }

    /// The mails to `address` once there are `count` of them (mail goes
    /// out in the background, a moment after the answer); fails if there
    /// are more, or fewer after ten seconds.
    pub async fn mails_to(
        &self,
        address: &str,
        count: usize,
    ) -> Vec<server::mail::outbox::MailLine> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let found = self.mails_now(address).await;
            if found.len() >= count || std::time::Instant::now() > deadline {
                assert_eq!(found.len(), count, "mails to {address}: {found:#?}");
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// The audit log's actions, newest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        app::storage::audit::recent(&self.state.core.db, 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .collect()
    }

    pub async fn another_instance(&self) -> TestApp {
        self.another_instance_with(|_| {}).await
    }

    /// Another instance on the same database, with a changed configuration.
    pub async fn another_instance_with(&self, change: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = self.config.clone();
        change(&mut config);
        Self::serve(
            config,
            self.clock.clone(),
            self.dir.clone(),
            self.outbox.clone(),
        )
        .await
    }

    pub fn now(&self) -> i64 {
        app::domain::clock::Clock::now(self.clock.as_ref())
    }

    /// The code in the newest outbox message to this number.
    pub async fn last_code_to(&self, phone: &str) -> String {
        let lines = outbox::read(&self.outbox).await.expect("outbox");
        let line = lines
            .iter()
            .rev()
            .find(|l| l.to == phone)
            .unwrap_or_else(|| panic!("no SMS to {phone}"));
        code_in(&line.text)
    }

    /// How many SMS went to this number.
    pub async fn outbox_count_to(&self, phone: &str) -> usize {
        match outbox::read(&self.outbox).await {
            Ok(lines) => lines.iter().filter(|l| l.to == phone).count(),
            Err(_) => 0,
        }
    }

    pub async fn outbox_count(&self) -> usize {
        outbox::read(&self.outbox).await.expect("outbox").len()
    }

    /// A client of this app. Without a development outbox only the public
    /// URL's host is served, so the client names it in `Host`, as a
    /// reverse proxy in front of the portal does.
    pub fn browser(&self) -> Browser {
        let loopback_served = self.state.hosts.loopback;
        Browser {
            base: self.base.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookie: None,
            host: (!loopback_served).then(|| public_host(&self.config.public_url)),
        }
    }

    /// The demo's 'beheerder' logged in and stepped up (no factor: the
    /// password alone), for the beheerder's functions.
    pub async fn beheerder(&self) -> Browser {
        let mut browser = self.browser();
        assert_eq!(
            browser.login("beheerder", DEMO_PASSWORD).await.body,
            "\"LoggedIn\""
        );
        browser.step_up_by_sms(self, DEMO_PASSWORD, None).await;
        browser
    }
}

/// The text value of `"name":"…"` in a JSON answer.
pub fn field<'a>(json: &'a str, name: &str) -> &'a str {
    let start = json
        .find(&format!("\"{name}\":\""))
        .unwrap_or_else(|| panic!("{name} in {json}"))
        + name.len()
        + 4;
    let end = start + json[start..].find('"').unwrap();
    &json[start..end]
}

/// For a logged-in browser that has stepped up: 'Authenticator' →
/// 'Verder' (the SMS goes to `phone`) → 'Nu koppelen'. Returns the secret.
pub async fn bind_app(app: &TestApp, browser: &mut Browser, phone: &str) -> Vec<u8> {
    bind_app_with_codes(app, browser, phone).await.0
}

/// `bind_app`, and the recovery codes the binding showed (`ABCD-EFGH-JK`).
pub async fn bind_app_with_codes(
    app: &TestApp,
    browser: &mut Browser,
    phone: &str,
) -> (Vec<u8>, Vec<String>) {
    let setup = browser.call("begin_binding", &[]).await;
    assert_eq!(setup.status, 200, "{}", setup.body);
    let secret =
        app::domain::totp::secret_from_key(field(&setup.body, "key")).expect("a base32 key");
    assert!(setup.body.contains("<svg"), "a QR code made on the server");
    let next = browser.call("send_binding_sms", &[]).await;
    assert_eq!(next.body, "true", "{}", next.body);
    let sms = app.last_code_to(phone).await;
    let app_code = app::domain::totp::code_at(&secret, app.now());
    let bound = browser
        .call(
            "confirm_binding",
            &[("sms_code", &sms), ("app_code", &app_code)],
        )
        .await;
    assert_eq!(bound.status, 200, "{}", bound.body);
    (secret, recovery_codes_in(&bound.body))
}

/// The codes of a `RecoveryCodes` answer.
pub fn recovery_codes_in(body: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(body).expect("JSON");
    value["codes"]
        .as_array()
        .unwrap_or_else(|| panic!("codes in {body}"))
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}

/// The six digits in an SMS text ("… is 123456. …").
pub fn code_in(text: &str) -> String {
    text.split_whitespace()
        .map(|w| w.trim_end_matches('.'))
        .find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no code in {text:?}"))
        .to_string()
}

/// `host[:port]` of a URL.
pub fn public_host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest).to_string()
}

pub struct Browser {
    pub base: String,
    pub http: reqwest::Client,
    /// `name=value` as the browser would send it back.
    pub cookie: Option<String>,
    /// The `Host` to send, when not the address connected to.
    pub host: Option<String>,
}

pub struct Answer {
    pub status: u16,
    pub set_cookie: Vec<String>,
    pub location: Option<String>,
    pub body: String,
}

impl Browser {
    /// Another client holding the same cookie (a second tab, a thief), or
    /// the same session through another instance at `base`.
    pub fn with_cookie_at(&self, base: &str) -> Browser {
        Browser {
            base: base.to_string(),
            http: self.http.clone(),
            cookie: self.cookie.clone(),
            host: self.host.clone(),
        }
    }

    /// Calls a server function the way the hydrated page does.
    pub async fn call(&mut self, endpoint: &str, form: &[(&str, &str)]) -> Answer {
        let mut request = self
            .http
            .post(format!("{}/api/{endpoint}", self.base))
            .header("accept", "application/json")
            .form(form);
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        if let Some(host) = &self.host {
            request = request.header("host", host);
        }
        self.finish(request.send().await.expect("request")).await
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let mut request = self
            .http
            .get(format!("{}{path}", self.base))
            .header("accept", "text/html");
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        if let Some(host) = &self.host {
            request = request.header("host", host);
        }
        self.finish(request.send().await.expect("request")).await
    }

    async fn finish(&mut self, response: reqwest::Response) -> Answer {
        let status = response.status().as_u16();
        let set_cookie: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string());
        // A small cookie jar: one `name=value` per name, joined as the
        // browser sends them back.
        for c in &set_cookie {
            let pair = c.split(';').next().unwrap().trim().to_string();
            let name = pair.split('=').next().unwrap().to_string();
            let mut jar: Vec<String> = self
                .cookie
                .as_deref()
                .map(|j| j.split("; ").map(str::to_string).collect())
                .unwrap_or_default();
            jar.retain(|p| p.split('=').next() != Some(name.as_str()));
            if !c.contains("Max-Age=0") {
                jar.push(pair);
            }
            self.cookie = (!jar.is_empty()).then(|| jar.join("; "));
        }
        let body = response.text().await.unwrap_or_default();
        Answer {
            status,
            set_cookie,
            location,
            body,
        }
    }

    pub async fn login(&mut self, login: &str, password: &str) -> Answer {
        self.call("login", &[("login_name", login), ("password", password)])
            .await
    }

    pub async fn verify(&mut self, code: &str) -> Answer {
        self.call("verify_code", &[("code", code)]).await
    }

    /// The code with 'Dit apparaat … dagen onthouden' ticked.
    pub async fn verify_and_remember(&mut self, code: &str) -> Answer {
        self.call("verify_code", &[("code", code), ("remember", "ja")])
            .await
    }

    /// 'Bevestig dat jij het bent' with the password and `code`.
    pub async fn step_up(&mut self, password: &str, code: &str) -> Answer {
        self.call("step_up", &[("password", password), ("code", code)])
            .await
    }

    /// The step-up by an SMS code sent to the stored `phone`, or with the
    /// password alone when the user has no factor (`None`). Panics unless
    /// it succeeds.
    pub async fn step_up_by_sms(&mut self, app: &TestApp, password: &str, phone: Option<&str>) {
        let code = match phone {
            Some(phone) => {
                let sent = self.call("send_step_up_sms", &[]).await;
                assert_eq!(sent.status, 200, "{}", sent.body);
                app.last_code_to(phone).await
            }
            None => String::new(),
        };
        let answer = self.step_up(password, &code).await;
        assert_eq!(answer.status, 200, "step-up: {}", answer.body);
    }
}
