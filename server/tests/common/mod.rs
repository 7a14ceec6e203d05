//! Shared helpers for the integration tests: a fresh database per test on
//! SQLite or PostgreSQL, the real router on a real socket, and a small HTTP
//! client that keeps the session cookie by hand so tests can inspect it.

#![allow(dead_code)]

use std::{net::SocketAddr, sync::Arc};

use app::domain::clock::ManualClock;
use server::{config::Config, router, seed, state::AppState};
use sqlx::{AnyConnection, Connection, Executor};

pub const START: i64 = 1_800_000_000;

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

/// A database URL no other test uses.
pub async fn fresh_database(engine: Engine) -> (String, Option<tempfile::TempDir>) {
    match engine {
        Engine::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/test.db", dir.path().display());
            (url, Some(dir))
        }
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
            (format!("{base}/{name}"), None)
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

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    _dir: Option<tempfile::TempDir>,
}

pub struct Options {
    pub public_url: &'static str,
    pub idle_minutes: u32,
    pub absolute_hours: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            public_url: "http://127.0.0.1:3000",
            idle_minutes: 60,
            absolute_hours: 12,
        }
    }
}

impl TestApp {
    pub async fn start(engine: Engine) -> TestApp {
        Self::start_with(engine, Options::default()).await
    }

    /// A seeded demo office behind the real router on 127.0.0.1.
    pub async fn start_with(engine: Engine, options: Options) -> TestApp {
        let (url, dir) = fresh_database(engine).await;
        let config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: url,
            demo_seed: true,
            session_idle_minutes: options.idle_minutes,
            session_absolute_hours: options.absolute_hours,
            public_url: options.public_url.to_string(),
            hash_concurrency: Some(2),
            site_root: "target/site".into(),
        };
        let clock = Arc::new(ManualClock::new(START));
        let state = config.state(clock.clone()).await.expect("state");
        assert!(
            seed::demo(&state.core).await.expect("seed"),
            "fresh database was seeded"
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let app = router::build(state.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        TestApp {
            base: format!("http://{addr}"),
            state,
            clock,
            _dir: dir,
        }
    }

    pub fn browser(&self) -> Browser {
        Browser {
            base: self.base.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookie: None,
        }
    }
}

/// What a browser would do with our one cookie, done by hand.
pub struct Browser {
    pub base: String,
    pub http: reqwest::Client,
    /// `name=value` as the browser would send it back.
    pub cookie: Option<String>,
}

pub struct Answer {
    pub status: u16,
    pub set_cookie: Vec<String>,
    pub location: Option<String>,
    pub body: String,
}

impl Browser {
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
        for c in &set_cookie {
            let pair = c.split(';').next().unwrap().trim().to_string();
            if c.contains("Max-Age=0") {
                self.cookie = None;
            } else {
                self.cookie = Some(pair);
            }
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
}
