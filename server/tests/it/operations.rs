//! What operators watch: `/healthz` and `/readyz` for load balancers, and
//! the Prometheus metrics on a port of their own. Over real HTTP, on
//! SQLite and on PostgreSQL.

use crate::common::{Engine, Options, TestApp};

const PASSWORD: &str = "Welkom-2fa!";

on_both_engines!(
    health_answers_and_readiness_follows_the_database,
    metrics_move_with_a_login_and_stay_off_the_public_port,
);

pub(crate) async fn get(url: &str) -> (u16, String) {
    let answer = reqwest::get(url).await.expect("answered");
    let status = answer.status().as_u16();
    (status, answer.text().await.unwrap_or_default())
}

async fn health_answers_and_readiness_follows_the_database(engine: Engine) {
    let app = TestApp::start(engine).await;
    // The same database, behind a proxy on this machine.
    let behind_proxy = app
        .another_instance_with(|c| c.trusted_proxies = "127.0.0.1".parse().unwrap())
        .await;
    assert_eq!(
        get(&format!("{}/healthz", app.base)).await,
        (200, "ok".into())
    );
    assert_eq!(
        get(&format!("{}/readyz", app.base)).await,
        (200, "ready".into())
    );

    // A newer build's migration in the database: this build is not ready
    // for it, and says why.
    let db = app.state.core.db.pool();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (29991231000099, 'from the future', TRUE, $1, 0)",
    )
    .bind(vec![0u8; 48])
    .execute(db)
    .await
    .unwrap();
    let (status, reason) = get(&format!("{}/readyz", app.base)).await;
    assert_eq!(status, 503);
    assert!(reason.contains("29991231000099"), "{reason}");
    // Asked from elsewhere (through a trusted proxy on this machine): not
    // ready, and not why.
    let from_elsewhere = reqwest::Client::new()
        .get(format!("{}/readyz", behind_proxy.base))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(from_elsewhere.status().as_u16(), 503);
    let told = from_elsewhere.text().await.unwrap();
    assert_eq!(told, "not ready", "no reason for a caller elsewhere");
    let (_, own) = get(&format!("{}/readyz", behind_proxy.base)).await;
    assert!(
        own.contains("29991231000099"),
        "this machine hears why: {own}"
    );
    assert_eq!(
        get(&format!("{}/healthz", app.base)).await.0,
        200,
        "alive all the same"
    );
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = 29991231000099")
        .execute(db)
        .await
        .unwrap();
    assert_eq!(get(&format!("{}/readyz", app.base)).await.0, 200);

    // The database away and back: an instance that reaches PostgreSQL
    // through a connection we can cut.
    if let Engine::Postgres = engine {
        let proxy = Proxy::start(&app.config.database_url).await;
        let through = app
            .another_instance_with(|c| c.database_url = proxy.url.clone())
            .await;
        assert_eq!(get(&format!("{}/readyz", through.base)).await.0, 200);
        proxy.cut();
        let (status, reason) = get(&format!("{}/readyz", through.base)).await;
        assert_eq!(status, 503, "{reason}");
        assert!(reason.contains("database"), "{reason}");
        assert_eq!(get(&format!("{}/healthz", through.base)).await.0, 200);
        proxy.restore();
        let mut back = 0;
        for _ in 0..50 {
            back = get(&format!("{}/readyz", through.base)).await.0;
            if back == 200 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(back, 200, "ready again once the database is back");
    }

    // Every connection closed and no new one allowed.
    app.state.core.db.pool().close().await;
    let (status, reason) = get(&format!("{}/readyz", app.base)).await;
    assert_eq!(status, 503, "{reason}");
    assert!(reason.contains("database"), "{reason}");

    // A balancer asks by the instance's address, not the public name.
    let by_address = reqwest::Client::new()
        .get(format!("{}/healthz", app.base))
        .header("Host", "10.1.2.3:3000")
        .send()
        .await
        .unwrap();
    assert_eq!(by_address.status().as_u16(), 200);
}

/// The value of the series `name{labels}` in a Prometheus text page (0
/// when it is not there yet).
/// A series' value on a metrics page (0 when absent).
pub(crate) fn value(page: &str, series: &str) -> f64 {
    page.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0.0)
}

async fn metrics_move_with_a_login_and_stay_off_the_public_port(engine: Engine) {
    let app = TestApp::start_with(
        engine,
        Options {
            metrics: true,
            ..Options::default()
        },
    )
    .await;
    let metrics = app.metrics_url.clone().expect("metrics on");
    let asked = "tweestap_logins_total{outcome=\"second_step_asked\"}";
    let wrong = "tweestap_logins_total{outcome=\"password_wrong\"}";
    let (status, before) = get(&metrics).await;
    assert_eq!(status, 200);

    let mut browser = app.browser();
    assert_eq!(
        browser.login("beheerder", "fout-wachtwoord").await.status,
        401
    );
    let mut zorg = app.browser();
    zorg.login("zorg", PASSWORD).await;
    let code = app.last_code_to("+31612345602").await;
    assert_eq!(zorg.verify(&code).await.status, 200);

    // Ten wrong passwords lock 'bakker' (domain::lockout::PASSWORD_ACCOUNT).
    let mut guesser = app.browser();
    for _ in 0..10 {
        guesser.login("bakker", "fout-wachtwoord").await;
    }

    let (_, after) = get(&metrics).await;
    assert!(
        value(&after, "tweestap_lockouts_total") >= value(&before, "tweestap_lockouts_total") + 1.0,
        "{after}"
    );
    // Other tests share the process's recorder: at least ours counted.
    assert!(
        value(&after, wrong) >= value(&before, wrong) + 1.0,
        "{after}"
    );
    assert!(
        value(
            &after,
            "tweestap_second_steps_total{factor=\"sms\",outcome=\"ok\"}"
        ) >= value(
            &before,
            "tweestap_second_steps_total{factor=\"sms\",outcome=\"ok\"}"
        ) + 1.0,
        "{after}"
    );
    assert!(
        after.contains("tweestap_sms_sent_total{provider=\"outbox\",failover=\"false\"}"),
        "{after}"
    );
    assert!(
        after.contains("tweestap_http_request_duration_seconds_bucket{route=\"/api/login\""),
        "{after}"
    );
    assert!(after.contains("# HELP tweestap_logins_total"), "{after}");
    assert!(after.contains("tweestap_hash_queue_length"), "{after}");
    assert!(
        value(&after, asked) >= value(&before, asked) + 1.0,
        "{after}"
    );

    let (status, _) = get(&format!("{}/metrics", app.base)).await;
    assert_eq!(status, 404, "not on the public port");
}

/// A TCP relay to the database that can be cut (every connection dropped,
/// new ones refused) and restored: the database "away" and "back".
struct Proxy {
    url: String,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
    open: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Proxy {
    async fn start(database_url: &str) -> Proxy {
        use std::sync::{atomic::Ordering, Arc, Mutex};
        let mut url = url::Url::parse(database_url).expect("a database URL");
        let target = format!(
            "{}:{}",
            url.host_str().expect("a host"),
            url.port().unwrap_or(5432)
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        url.set_port(Some(listener.local_addr().unwrap().port()))
            .unwrap();
        let proxy = Proxy {
            url: url.to_string(),
            cut: Arc::new(Default::default()),
            open: Arc::new(Mutex::new(Vec::new())),
        };
        let (cut, open) = (proxy.cut.clone(), proxy.open.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if cut.load(Ordering::SeqCst) {
                    continue; // dropped: refused
                }
                let target = target.clone();
                let relay = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                open.lock().unwrap().push(relay.abort_handle());
            }
        });
        proxy
    }

    fn cut(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
        for relay in self.open.lock().unwrap().drain(..) {
            relay.abort();
        }
    }

    fn restore(&self) {
        self.cut.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}
