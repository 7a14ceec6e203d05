//! Tries are counted before they are judged, one pending login gives one
//! session, and passwords cannot be guessed without limit: under parallel
//! requests, across two server instances, on SQLite and on PostgreSQL.

use crate::common::{bind_app, Browser, Engine, TestApp};
use app::{domain::totp, storage::audit};

const PASSWORD: &str = "Welkom-2fa!";
const HOVENIER: &str = "+31612345601";

on_both_engines!(
    parallel_wrong_app_codes_after_nine_failures_are_judged_once,
    an_sms_code_and_an_app_code_in_parallel_make_one_session,
    ten_wrong_passwords_hold_the_account_back_not_the_address,
    parallel_password_guesses_are_judged_ten_times,
    a_hundred_failures_from_one_address_hold_the_address_back,
    one_ipv6_slash_64_counts_as_one_address,
    a_flood_that_is_held_back_takes_no_place_in_the_hashing_queue,
);

/// Logs hovenier in, steps up and binds an app; returns the secret.
async fn hovenier_with_app(app: &TestApp) -> Vec<u8> {
    let mut browser = app.browser();
    assert_eq!(
        browser.login("hovenier", PASSWORD).await.body,
        "\"LoggedIn\""
    );
    browser.step_up_by_sms(app, PASSWORD, Some(HOVENIER)).await;
    bind_app(app, &mut browser, HOVENIER).await
}

fn wrong_code(secret: &[u8], now: i64) -> String {
    // Not the code of this step nor of its neighbours.
    (0..)
        .map(|n| format!("{:06}", 111_111 * (n % 9 + 1)))
        .find(|c| (-1..=1).all(|d| *c != totp::code_at(secret, now + d * 30)))
        .unwrap()
}

async fn failed_codes(app: &TestApp) -> usize {
    audit::recent(&app.state.core.db, 10_000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "code.failed")
        .count()
}

async fn parallel_wrong_app_codes_after_nine_failures_are_judged_once(engine: Engine) {
    let app = TestApp::start(engine).await;
    let secret = hovenier_with_app(&app).await;
    let second = app.another_instance().await;
    let wrong = wrong_code(&secret, app.now());

    let mut login = app.browser();
    login.login("hovenier", PASSWORD).await;
    for _ in 0..9 {
        assert_eq!(login.verify(&wrong).await.status, 422);
    }
    assert_eq!(failed_codes(&app).await, 9);

    // 200 at once, half through each instance, all on the one pending login.
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let base = if i % 2 == 0 { &app.base } else { &second.base };
            let mut browser = login.with_cookie_at(base);
            let wrong = wrong.clone();
            tokio::spawn(async move { browser.verify(&wrong).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert!(statuses.iter().all(|s| *s == 429), "{statuses:?}");
    assert_eq!(
        failed_codes(&app).await,
        10,
        "exactly one more attempt was judged"
    );

    let right = totp::code_at(&secret, app.now());
    assert_eq!(
        login.verify(&right).await.status,
        429,
        "locked, even for the right code"
    );
}

async fn an_sms_code_and_an_app_code_in_parallel_make_one_session(engine: Engine) {
    let app = TestApp::start(engine).await;
    let secret = hovenier_with_app(&app).await;
    for round in 0..3 {
        // Past the hourly SMS limit of the rounds before.
        app.clock.advance(3601);
        let mut login = app.browser();
        assert_eq!(
            login.login("hovenier", PASSWORD).await.body,
            "\"NeedsCode\""
        );
        assert_eq!(login.call("resend_code", &[]).await.status, 200);
        let sms = app.last_code_to(HOVENIER).await;
        let app_code = totp::code_at(&secret, app.now());
        let tasks: Vec<_> = [sms, app_code]
            .into_iter()
            .map(|code| {
                let mut browser = login.with_cookie_at(&login.base);
                tokio::spawn(async move {
                    let answer = browser.verify(&code).await;
                    (answer.status, browser.cookie)
                })
            })
            .collect();
        let mut sessions = Vec::new();
        for task in tasks {
            let (status, cookie) = task.await.unwrap();
            if status == 200 {
                sessions.push(cookie);
            }
        }
        assert_eq!(
            sessions.len(),
            1,
            "round {round}: one way in per pending login"
        );
    }
}

async fn ten_wrong_passwords_hold_the_account_back_not_the_address(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut guesser = app.browser();
    for n in 0..10 {
        let answer = guesser.login("zorg", "Geraden-123").await;
        assert_eq!(answer.status, 401, "guess {n}: {}", answer.body);
    }
    let sms_before = app.outbox_count().await;
    let wrong = guesser.login("zorg", "Geraden-123").await;
    let right = guesser.login("zorg", PASSWORD).await;
    assert_eq!(right.status, 429, "{}", right.body);
    assert_eq!(
        right.body, wrong.body,
        "while held back a right password is answered like a wrong one"
    );
    assert!(right.body.contains("over 15 minuten"), "{}", right.body);
    assert!(right.set_cookie.is_empty(), "no pending login");
    assert_eq!(
        app.outbox_count().await,
        sms_before,
        "no SMS for a held-back login"
    );

    // The same name in other letters is the same account; an unknown name
    // is held back the same way, so the answer tells nobody it exists.
    assert_eq!(guesser.login("ZORG", PASSWORD).await.status, 429);
    for _ in 0..10 {
        guesser.login("niemand", "Geraden-123").await;
    }
    let unknown = guesser.login("niemand", "Geraden-123").await;
    assert_eq!(unknown.status, 429);

    // Another account from the same address still logs in.
    let mut colleague = app.browser();
    assert_eq!(colleague.login("bakker", PASSWORD).await.status, 200);

    app.clock.advance(15 * 60);
    assert_eq!(guesser.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
}

async fn parallel_password_guesses_are_judged_ten_times(engine: Engine) {
    let app = TestApp::start(engine).await;
    let guesser = app.browser();
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let mut browser = guesser.with_cookie_at(&guesser.base);
            tokio::spawn(async move {
                browser
                    .login("bakker", &format!("Geraden-{i}"))
                    .await
                    .status
            })
        })
        .collect();
    let mut judged = 0;
    for task in tasks {
        let status = task.await.unwrap();
        assert!(status == 401 || status == 429 || status == 503, "{status}");
        if status == 401 {
            judged += 1;
        }
    }
    assert_eq!(
        judged, 10,
        "only the tries counted before the lock are judged"
    );
    let failed = audit::recent(&app.state.core.db, 1000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "login.failed")
        .count();
    assert_eq!(failed, judged);
    let mut owner = app.browser();
    assert_eq!(owner.login("bakker", PASSWORD).await.status, 429);
}

async fn a_hundred_failures_from_one_address_hold_the_address_back(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut guesser = app.browser();
    // Ten names, ten wrong passwords each: a hundred judged failures.
    for name in 0..10 {
        for _ in 0..10 {
            let answer = guesser
                .login(&format!("gebruiker{name}"), "Geraden-123")
                .await;
            assert_eq!(answer.status, 401, "{}", answer.body);
        }
    }
    let mut colleague = app.browser();
    let held = colleague.login("bakker", PASSWORD).await;
    assert_eq!(held.status, 429, "{}", held.body);
    assert!(held.body.contains("internetverbinding"), "{}", held.body);
    app.clock.advance(15 * 60);
    assert_eq!(colleague.login("bakker", PASSWORD).await.status, 200);
}

/// Behind a trusted proxy, a client's IPv6 addresses count per /64: an
/// attacker walking through the addresses of their own block meets the
/// same counter, and a neighbouring block does not.
async fn one_ipv6_slash_64_counts_as_one_address(engine: Engine) {
    let app = TestApp::start(engine).await;
    let proxied = app
        .another_instance_with(|c| c.trusted_proxies = "127.0.0.1".parse().unwrap())
        .await;
    let browser = proxied.browser();
    let login_from = |from: String, name: String, password: &'static str| {
        let request = browser
            .http
            .post(format!("{}/api/login", proxied.base))
            .header("x-forwarded-for", from)
            .form(&[("login_name", name.as_str()), ("password", password)]);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    // Ten names, ten wrong passwords each, every try from a fresh address
    // of one /64.
    for n in 0..100u32 {
        let from = format!("2001:db8:1:2:{:x}::{:x}", n / 7, n + 1);
        let status = login_from(from, format!("gebruiker{}", n / 10), "Geraden-123").await;
        assert_eq!(status, 401, "try {n}");
    }
    assert_eq!(
        login_from("2001:db8:1:2:ffff::1".into(), "bakker".into(), PASSWORD).await,
        429,
        "the same /64"
    );
    assert_eq!(
        login_from("2001:db8:1:3::1".into(), "bakker".into(), PASSWORD).await,
        200,
        "the next /64 has its own counter"
    );
}

/// 200 parallel logins at once, each with its own wrong password; the
/// statuses in the order they were sent.
async fn flood(guesser: &Browser, login: &str) -> Vec<u16> {
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let mut browser = guesser.with_cookie_at(&guesser.base);
            let login = login.to_string();
            tokio::spawn(async move { browser.login(&login, &format!("Geraden-{i}")).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses
}

/// A held-back name, or a held-back address, is answered before any hash
/// is queued: 200 parallel tries (the queue holds 64) are each told to
/// wait, none is told the server is busy, and the office's other users
/// still log in.
async fn a_flood_that_is_held_back_takes_no_place_in_the_hashing_queue(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut guesser = app.browser();
    for _ in 0..10 {
        assert_eq!(guesser.login("bakker", "Geraden-123").await.status, 401);
    }
    let statuses = flood(&guesser, "bakker").await;
    assert!(statuses.iter().all(|s| *s == 429), "{statuses:?}");
    let mut colleague = app.browser();
    assert_eq!(colleague.login("medewerker", PASSWORD).await.status, 200);

    // The address: a hundred judged failures (bakker's ten among them),
    // spread over names so that none is held back first, hold it back.
    app.clock.advance(15 * 60);
    let mut held = None;
    for i in 0..100 {
        let answer = guesser
            .login(&format!("gebruiker{}", i % 10), "Geraden-123")
            .await;
        if answer.status == 429 {
            held = Some(answer.body);
            break;
        }
        assert_eq!(answer.status, 401, "{}", answer.body);
    }
    let held = held.expect("a hundred failures hold the address back");
    assert!(held.contains("internetverbinding"), "{held}");
    let statuses = flood(&guesser, "iemand-anders").await;
    assert!(statuses.iter().all(|s| *s == 429), "{statuses:?}");
}
