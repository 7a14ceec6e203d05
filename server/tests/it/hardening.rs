//! The server's defences as a browser or an attacker meets them: other
//! sites cannot call server functions, answers carry the headers that keep
//! pages and data out of caches and frames, big bodies and login floods are
//! turned away at once, and the development outbox never starts where
//! others could read its codes.

use std::{
    process::{Command, Stdio},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use crate::common::{Engine, Options, TestApp, START};
use app::{domain::clock::ManualClock, storage::audit};
use server::config::Config;

const PASSWORD: &str = "Welkom-2fa!";

on_both_engines!(
    two_hosts_or_a_target_naming_another_host_get_400,
    a_cross_site_form_post_is_refused_and_changes_nothing,
    a_same_origin_call_works,
    a_login_flood_is_answered_at_once_and_pages_stay_fast,
    another_host_is_refused_before_routing,
    the_dev_pages_answer_only_a_loopback_name,
);

fn login_form() -> [(&'static str, &'static str); 2] {
    [("login_name", "bakker"), ("password", PASSWORD)]
}

async fn a_cross_site_form_post_is_refused_and_changes_nothing(engine: Engine) {
    let app = TestApp::start(engine).await;
    let browser = app.browser();
    let from_elsewhere: [(&str, &str); 4] = [
        ("origin", "https://evil.example"),
        ("origin", "null"),
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
    ];
    for (name, value) in from_elsewhere {
        let answer = browser
            .http
            .post(format!("{}/api/login", app.base))
            .header(name, value)
            .form(&login_form())
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 403, "{name}: {value}");
        assert!(
            answer.headers().get("set-cookie").is_none(),
            "{name}: {value}: no session"
        );
        assert_eq!(answer.headers()["cache-control"], "no-store");
        let body = answer.text().await.unwrap();
        assert!(body.contains("Geweigerd"), "{body}");
    }
    let log = audit::recent(&app.state.core.db, 10).await.unwrap();
    assert!(
        log.iter().all(|entry| !entry.action.starts_with("login")),
        "the refused logins never ran: {:?}",
        log.iter().map(|e| &e.action).collect::<Vec<_>>()
    );

    // With a session: another site's logout form leaves it standing.
    let mut user = app.browser();
    assert_eq!(user.login("bakker", PASSWORD).await.status, 200);
    let cookie = user.cookie.clone().unwrap();
    let answer = user
        .http
        .post(format!("{}/api/logout", app.base))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 403);
    assert!(answer.headers().get("set-cookie").is_none());
    assert_eq!(
        user.call("whoami", &[]).await.status,
        200,
        "still logged in"
    );
}

async fn a_same_origin_call_works(engine: Engine) {
    let app = TestApp::start(engine).await;
    // As a browser sends it from the portal's own page, and as it arrives
    // through a proxy that rewrote Host, with the public URL as Origin.
    let origins = [app.base.clone(), app.config.public_url.clone()];
    for origin in origins {
        let answer = app
            .browser()
            .http
            .post(format!("{}/api/login", app.base))
            .header("accept", "application/json")
            .header("origin", &origin)
            .header("sec-fetch-site", "same-origin")
            .form(&login_form())
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{origin}");
        assert!(answer.headers().get("set-cookie").is_some(), "{origin}");
    }
}

/// A flood runs alone: it must have the machine's cores to itself for its
/// timing to mean anything.
async fn a_login_flood_is_answered_at_once_and_pages_stay_fast(engine: Engine) {
    let alone = Options {
        alone: true,
        ..Options::default()
    };
    let first = TestApp::start_with(engine, alone).await;
    // Two hashers, four places in line; the test client is the trusted
    // proxy, so each call comes from an address of its own and no
    // per-address limit steps in before the hashing queue does.
    let app = first
        .another_instance_with(|config| {
            config.hash_concurrency = Some(2);
            config.hash_queue = 4;
            config.trusted_proxies = "127.0.0.1".parse().unwrap();
        })
        .await;
    let http = reqwest::Client::new();
    let answered = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let calls: Vec<_> = (0..500u32)
        .map(|i| {
            let http = http.clone();
            let answered = answered.clone();
            let url = format!("{}/api/login", app.base);
            tokio::spawn(async move {
                let login = format!("vloed{i}");
                let answer = http
                    .post(url)
                    .header("accept", "application/json")
                    .header(
                        "x-forwarded-for",
                        format!("198.18.{}.{}", i / 200, i % 200 + 1),
                    )
                    .form(&[("login_name", login.as_str()), ("password", "Fout-1234")])
                    .send()
                    .await
                    .expect("every call is answered");
                let status = answer.status().as_u16();
                let body = answer.text().await.unwrap_or_default();
                answered.fetch_add(1, Ordering::SeqCst);
                (status, body, started.elapsed())
            })
        })
        .collect();

    // Once the flood is being answered, a visitor opens the login page.
    while answered.load(Ordering::SeqCst) < 10 && started.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Counted when the page is asked for: on two cores the page is one task
    // among hundreds and may well come back with the last of them.
    let open = 500 - answered.load(Ordering::SeqCst);
    let page_asked = Instant::now();
    let page = app.browser().get("/inloggen").await;
    let page_took = page_asked.elapsed();

    let mut answers = Vec::new();
    for call in calls {
        answers.push(call.await.unwrap());
    }
    let total = started.elapsed();
    let busy: Vec<_> = answers.iter().filter(|(s, _, _)| *s == 503).collect();
    let wrong = answers.iter().filter(|(s, _, _)| *s == 401).count();
    let mut busy_times: Vec<Duration> = busy.iter().map(|(_, _, t)| *t).collect();
    busy_times.sort();
    eprintln!(
        "503 after: first {:?}, median {:?}, last {:?}",
        busy_times.first(),
        busy_times.get(busy_times.len() / 2),
        busy_times.last()
    );
    eprintln!(
        "flood: {} busy, {wrong} wrong password, total {total:?}; page {page_took:?}, asked with {open} calls open",
        busy.len()
    );

    assert!(
        answers.iter().all(|(s, _, _)| *s == 503 || *s == 401),
        "only 'te druk' or a wrong password: {:?}",
        answers.iter().map(|(s, _, _)| s).collect::<Vec<_>>()
    );
    assert!(busy.len() >= 250, "most are turned away: {}", busy.len());
    for (_, body, _) in &busy {
        assert!(
            body.contains("Busy"),
            "the login's own 'te druk' answer: {body}"
        );
    }
    // Unbounded, 500 hashes on two hashers would take minutes (and the
    // request timeout's 503 would answer, without the login's message).
    // The bound is loose: a debug build on two shared cores, where each
    // refusal still waits for its throttle writes.
    assert!(total < Duration::from_secs(25), "all answered in {total:?}");
    assert_eq!(page.status, 200);
    assert!(
        open >= 100,
        "the page was asked for during the flood: {open} open"
    );
    // Had the flood's 500 hashes run (about 6 s on the two hashers) or
    // held the server's threads, the page would wait for them; 2 s tells
    // that apart with room for a debug build on two shared cores, where the
    // page shares them with the flood's refusals (seen: 50 ms to 1.06 s).
    assert!(
        page_took < Duration::from_secs(2),
        "the login page took {page_took:?} during the flood"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_answers_are_never_stored() {
    let app = TestApp::start(Engine::Sqlite).await;
    let mut browser = app.browser();
    let refused = browser.call("whoami", &[]).await;
    assert_eq!(refused.status, 401);
    let answer = browser
        .http
        .post(format!("{}/api/whoami", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers()["cache-control"], "no-store");
    browser.login("bakker", PASSWORD).await;
    let answer = browser
        .http
        .post(format!("{}/api/whoami", app.base))
        .header("cookie", browser.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["cache-control"], "no-store");
}

/// The nonce in a Content-Security-Policy header.
fn csp_nonce(policy: &str) -> String {
    let start = policy.find("'nonce-").expect("a nonce in the policy") + "'nonce-".len();
    let len = policy[start..].find('\'').unwrap();
    policy[start..start + len].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_a_csp_whose_nonce_is_on_their_scripts() {
    let app = TestApp::start(Engine::Sqlite).await;
    let browser = app.browser();
    let mut nonces = Vec::new();
    for path in ["/inloggen", "/inloggen", "/bestaat-niet"] {
        let answer = browser
            .http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        let policy = answer.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        for directive in [
            "default-src 'self'",
            "'wasm-unsafe-eval'",
            "style-src 'self';",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ] {
            assert!(
                policy.contains(directive),
                "{path}: {directive} in {policy}"
            );
        }
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        let nonce = csp_nonce(&policy);
        let body = answer.text().await.unwrap();
        let scripts: Vec<&str> = body
            .match_indices("<script")
            .map(|(at, _)| &body[at..at + body[at..].find('>').unwrap()])
            .collect();
        assert!(!scripts.is_empty(), "{path}: the hydration script");
        for script in scripts {
            assert!(
                script.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: {script} lacks the header's nonce {nonce}"
            );
        }
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "a fresh nonce per request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hsts_only_under_https_and_permissions_everywhere() {
    let plain = TestApp::start(Engine::Sqlite).await;
    let https = TestApp::start_with(
        Engine::Sqlite,
        Options {
            public_url: "https://portaal.voorbeeld.example",
            ..Options::default()
        },
    )
    .await;
    for (app, hsts) in [(&plain, false), (&https, true)] {
        for path in ["/inloggen", "/api/whoami"] {
            let request = if path.starts_with("/api/") {
                app.browser().http.post(format!("{}{path}", app.base))
            } else {
                app.browser().http.get(format!("{}{path}", app.base))
            };
            let answer = request.send().await.unwrap();
            let headers = answer.headers();
            assert_eq!(
                headers.get("strict-transport-security").is_some(),
                hsts,
                "{} {path}",
                app.config.public_url
            );
            if hsts {
                assert_eq!(
                    headers["strict-transport-security"],
                    "max-age=31536000; includeSubDomains"
                );
            }
            assert_eq!(
                headers["permissions-policy"],
                "camera=(), microphone=(), geolocation=(), payment=()"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_refused() {
    let app = TestApp::start(Engine::Sqlite).await;
    let password = "x".repeat(100 * 1024);
    let answer = app
        .browser()
        .http
        .post(format!("{}/api/login", app.base))
        .form(&[("login_name", "bakker"), ("password", password.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 413);
    assert!(answer.headers().get("set-cookie").is_none());
    // A normal one still works.
    assert_eq!(app.browser().login("bakker", PASSWORD).await.status, 200);
}

/// `Config::state` (what `serve` calls first) refuses the outbox where
/// others can reach it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_never_starts_where_others_can_reach_it() {
    let app = TestApp::start(Engine::Sqlite).await;
    let clock = || Arc::new(ManualClock::new(START));
    let refuse = |change: &dyn Fn(&mut Config)| {
        let mut config = app.config.clone();
        change(&mut config);
        config
    };
    let https = refuse(&|c| c.public_url = "https://portaal.voorbeeld.example".into());
    let message = format!("{:#}", https.state(clock()).await.err().expect("refused"));
    assert!(
        message.contains("https") && message.contains("/dev/sms"),
        "{message}"
    );

    let everywhere = refuse(&|c| c.listen = "0.0.0.0:0".parse().unwrap());
    let message = format!(
        "{:#}",
        everywhere.state(clock()).await.err().expect("refused")
    );
    assert!(message.contains("loopback"), "{message}");

    let unset = refuse(&|c| c.sms = Vec::new());
    let message = format!("{:#}", unset.state(clock()).await.err().expect("refused"));
    assert!(
        message.contains("--sms twilio") && message.contains("--sms outbox"),
        "{message}"
    );
}

/// The binary itself: it stops with the reason before it listens.
#[test]
fn the_server_binary_refuses_unsafe_sms_settings() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (&[], "--sms outbox"),
        (
            &[
                "--sms",
                "outbox",
                "--public-url",
                "https://portaal.voorbeeld.example",
            ],
            "https",
        ),
        (&["--sms", "outbox", "--listen", "0.0.0.0:0"], "loopback"),
        (&["--twilio-auth-token", "geheim"], "unexpected argument"),
    ];
    for (args, expected) in cases {
        let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(
                "DATABASE_URL",
                format!("sqlite://{}/t.db", dir.path().display()),
            )
            .env("TWEESTAP_KEY_FILE", dir.path().join("keys"))
            .env("TWEESTAP_LISTEN", "127.0.0.1:0")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                child.kill().unwrap();
                panic!("{args:?}: the server started instead of refusing");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let output = child.wait_with_output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!status.success(), "{args:?}: {text}");
        assert!(text.contains(expected), "{args:?}: {text}");
        assert!(!text.contains("listening on http"), "{args:?}: {text}");
    }
}

/// The status of `path` asked for with `Host: host` (and a matching
/// `Origin`, as a DNS-rebinding page's request has).
async fn status_for_host(app: &TestApp, method: &str, path: &str, host: &str) -> u16 {
    let url = format!("{}{path}", app.base);
    let request = match method {
        "POST" => reqwest::Client::new().post(url).form(&login_form()),
        _ => reqwest::Client::new().get(url),
    };
    request
        .header("host", host)
        .header("origin", format!("http://{host}"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A page on another site whose name resolves to the portal (DNS
/// rebinding) sends its own name as `Host` and a matching `Origin`: it is
/// refused before any route, and nothing happens.
async fn another_host_is_refused_before_routing(engine: Engine) {
    let dev = TestApp::start(engine).await;
    let port = dev.base.rsplit(':').next().unwrap().to_string();
    for host in [
        "evil.example",
        &format!("evil.example:{port}"),
        "127.0.0.1.evil.example",
    ] {
        for (method, path) in [
            ("GET", "/inloggen"),
            ("POST", "/api/login"),
            ("GET", "/dev/sms"),
        ] {
            assert_eq!(
                status_for_host(&dev, method, path, host).await,
                421,
                "{host} {path}"
            );
        }
    }
    let log = audit::recent(&dev.state.core.db, 10).await.unwrap();
    assert!(
        log.iter().all(|e| e.action != "login.ok"),
        "no login happened"
    );
    // The development portal answers its loopback names.
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        assert_eq!(
            status_for_host(&dev, "GET", "/inloggen", &host).await,
            200,
            "{host}"
        );
    }

    // A live portal (no outbox) answers its public host only.
    let live = TestApp::start_with(
        engine,
        Options {
            public_url: "https://portaal.voorbeeld.example",
            ..Options::default()
        },
    )
    .await;
    assert_eq!(
        status_for_host(&live, "GET", "/inloggen", "portaal.voorbeeld.example").await,
        200
    );
    for host in [
        format!("127.0.0.1:{port}"),
        "localhost".to_string(),
        "evil.example".to_string(),
    ] {
        assert_eq!(
            status_for_host(&live, "GET", "/inloggen", &host).await,
            421,
            "{host}"
        );
    }
}

/// `/dev/sms` and `/dev/mail` show every code and notice: only a loopback
/// name asked from this machine reaches them, never the public host a
/// proxy in front passes on.
async fn the_dev_pages_answer_only_a_loopback_name(engine: Engine) {
    let app = TestApp::start_with(
        engine,
        Options {
            public_url: "http://portaal.voorbeeld.example",
            mail: server::config::MailChoice::Outbox,
            ..Options::default()
        },
    )
    .await;
    let port = app.base.rsplit(':').next().unwrap().to_string();
    for path in ["/dev/sms", "/dev/mail"] {
        assert_eq!(
            status_for_host(&app, "GET", path, &format!("127.0.0.1:{port}")).await,
            200,
            "{path}"
        );
        assert_eq!(
            status_for_host(&app, "GET", path, "portaal.voorbeeld.example").await,
            404,
            "{path}"
        );
    }
    assert_eq!(
        status_for_host(&app, "GET", "/inloggen", "portaal.voorbeeld.example").await,
        200
    );
}

/// The status line's code of a request written by hand (a client library
/// would not send two `Host` fields).
async fn raw_status(app: &TestApp, request: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 64];
    let read = stream.read(&mut answer).await.unwrap();
    let line = String::from_utf8_lossy(&answer[..read]).to_string();
    line.split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {line:?}"))
}

async fn two_hosts_or_a_target_naming_another_host_get_400(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ours = app.base.trim_start_matches("http://").to_string();
    let plain = format!("GET /inloggen HTTP/1.1\r\nHost: {ours}\r\nConnection: close\r\n\r\n");
    assert_eq!(raw_status(&app, &plain).await, 200);
    let two = format!(
        "GET /inloggen HTTP/1.1\r\nHost: {ours}\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
    );
    assert_eq!(raw_status(&app, &two).await, 400);
    let elsewhere = format!(
        "GET http://evil.example/inloggen HTTP/1.1\r\nHost: {ours}\r\nConnection: close\r\n\r\n"
    );
    assert_eq!(raw_status(&app, &elsewhere).await, 400);
    let absolute_ours =
        format!("GET http://{ours}/inloggen HTTP/1.1\r\nHost: {ours}\r\nConnection: close\r\n\r\n");
    assert_eq!(raw_status(&app, &absolute_ours).await, 200);
}
