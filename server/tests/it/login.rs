//! Password login over real HTTP, on SQLite and on PostgreSQL.

use crate::common::{Engine, Options, TestApp};
use app::storage::audit;

const PASSWORD: &str = "Welkom-2fa!";

on_both_engines!(
    right_password_logs_in_with_a_safe_cookie,
    wrong_password_and_unknown_user_get_the_same_answer,
    cookie_is_secure_when_served_over_https,
    logout_ends_the_session,
    idle_session_expires,
    absolute_lifetime_ends_a_busy_session,
    login_gives_a_new_session_id,
    pages_need_a_session,
    bad_input_gets_a_clear_message_not_a_500,
    forged_or_missing_cookie_is_refused,
    administration_is_for_beheerders_only,
    client_users_switch_only_to_their_own_clients,
    demo_seed_never_touches_a_database_with_data,
    a_step_up_does_not_restart_the_absolute_limit,
);

async fn right_password_logs_in_with_a_safe_cookie(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut browser = app.browser();
    let answer = browser.login("beheerder", PASSWORD).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let cookie = answer.set_cookie.first().expect("a session cookie");
    assert!(cookie.starts_with("tweestap_sessie="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http must not mark it Secure: {cookie}"
    );

    let me = browser.call("whoami", &[]).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert!(
        me.body.contains("\"login_name\":\"beheerder\""),
        "{}",
        me.body
    );
    assert!(me.body.contains("\"is_beheerder\":true"), "{}", me.body);

    let log = audit::recent(&app.state.core.db, 5).await.unwrap();
    assert_eq!(log[0].action, "login.ok");
}

async fn wrong_password_and_unknown_user_get_the_same_answer(engine: Engine) {
    let app = TestApp::start(engine).await;
    let wrong = app.browser().login("beheerder", "Welkom-2fa?").await;
    let unknown = app.browser().login("niemand", PASSWORD).await;
    for answer in [&wrong, &unknown] {
        assert_eq!(answer.status, 401);
        assert!(
            answer.set_cookie.is_empty(),
            "no session for a failed login"
        );
        assert!(answer.body.contains("BadCredentials"), "{}", answer.body);
    }
    assert_eq!(wrong.body, unknown.body);
    let log = audit::recent(&app.state.core.db, 5).await.unwrap();
    assert_eq!(log[0].action, "login.failed");
    assert_eq!(log[0].subject.as_deref(), Some("niemand"));
}

async fn cookie_is_secure_when_served_over_https(engine: Engine) {
    let app = TestApp::start_with(
        engine,
        Options {
            public_url: "https://portaal.voorbeeld.example",
            ..Options::default()
        },
    )
    .await;
    let mut browser = app.browser();
    let answer = browser.login("bakker", PASSWORD).await;
    assert_eq!(answer.status, 200);
    assert!(
        answer.set_cookie[0].starts_with("__Host-tweestap_sessie=")
            && answer.set_cookie[0].contains("; Secure")
            && answer.set_cookie[0].contains("; Path=/")
            && !answer.set_cookie[0].contains("Domain"),
        "{:?}",
        answer.set_cookie
    );
    assert_eq!(browser.call("whoami", &[]).await.status, 200);
    // Under https a cookie without the prefix (planted over http, or by a
    // sibling subdomain) is no session.
    let token = browser.cookie.clone().unwrap();
    browser.cookie = Some(token.replace("__Host-", ""));
    assert_eq!(browser.call("whoami", &[]).await.status, 401);
}

async fn logout_ends_the_session(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut browser = app.browser();
    browser.login("medewerker", PASSWORD).await;
    let stolen = browser.cookie.clone();

    let out = browser.call("logout", &[]).await;
    assert_eq!(out.status, 200, "{}", out.body);
    assert!(
        out.set_cookie.iter().any(|c| c.contains("Max-Age=0")),
        "{:?}",
        out.set_cookie
    );

    // The old cookie is worthless now, even if someone kept a copy.
    browser.cookie = stolen;
    assert_eq!(browser.call("whoami", &[]).await.status, 401);
}

async fn idle_session_expires(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut browser = app.browser();
    browser.login("bakker", PASSWORD).await;
    app.clock.advance(59 * 60);
    assert_eq!(
        browser.call("whoami", &[]).await.status,
        200,
        "59 minutes idle is fine"
    );
    app.clock.advance(59 * 60);
    assert_eq!(
        browser.call("whoami", &[]).await.status,
        200,
        "each request restarts the idle time"
    );
    app.clock.advance(60 * 60);
    let answer = browser.call("whoami", &[]).await;
    assert_eq!(answer.status, 401);
    assert!(answer.body.contains("NotLoggedIn"), "{}", answer.body);
}

async fn absolute_lifetime_ends_a_busy_session(engine: Engine) {
    let app = TestApp::start_with(
        engine,
        Options {
            absolute_hours: 2,
            ..Options::default()
        },
    )
    .await;
    let mut browser = app.browser();
    browser.login("bakker", PASSWORD).await;
    for _ in 0..3 {
        app.clock.advance(30 * 60);
        assert_eq!(browser.call("whoami", &[]).await.status, 200);
    }
    app.clock.advance(30 * 60);
    assert_eq!(
        browser.call("whoami", &[]).await.status,
        401,
        "2 hours after login it ends"
    );
}

async fn login_gives_a_new_session_id(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut browser = app.browser();
    browser.login("bakker", PASSWORD).await;
    let first = browser.cookie.clone().unwrap();
    browser.login("bakker", PASSWORD).await;
    let second = browser.cookie.clone().unwrap();
    assert_ne!(first, second);

    let mut old = app.browser();
    old.cookie = Some(first);
    assert_eq!(
        old.call("whoami", &[]).await.status,
        401,
        "the session before login is gone"
    );
}

async fn pages_need_a_session(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut browser = app.browser();
    for path in [
        "/",
        "/mijn-gegevens",
        "/clienten",
        "/kantoorgebruikers",
        "/help",
    ] {
        let answer = browser.get(path).await;
        assert_eq!(answer.status, 303, "{path}");
        assert_eq!(answer.location.as_deref(), Some("/inloggen"), "{path}");
    }
    let login_page = browser.get("/inloggen").await;
    assert_eq!(login_page.status, 200);
    assert!(login_page.body.contains("Inlognaam") && login_page.body.contains("Wachtwoord"));

    browser.login("hovenier", PASSWORD).await;
    let home = browser.get("/").await;
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains("Hanna Hovenier"),
        "the page shows the user's name"
    );
    assert!(
        home.body.contains("Hoveniersbedrijf Groen"),
        "and the active client"
    );
    assert_eq!(
        browser.get("/inloggen").await.location.as_deref(),
        Some("/")
    );
}

async fn bad_input_gets_a_clear_message_not_a_500(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut browser = app.browser();
    let long_password = "x".repeat(10 * 1024);
    let cases: [(&str, &str, &str); 6] = [
        ("", PASSWORD, "Vul je inlognaam in."),
        ("beheerder", "", "Vul je wachtwoord in."),
        ("beheerder", &long_password, "te lang"),
        ("be\u{0}heerder", PASSWORD, "Inlognaam: dit bevat een teken"),
        ("𝔟𝔢𝔥𝔢𝔢𝔯𝔡𝔢𝔯 \u{202e}ŉ", PASSWORD, "BadCredentials"),
        ("beheerder", "wachtwoord met ünïcödé 🙂", "BadCredentials"),
    ];
    for (login, password, expected) in cases {
        let answer = browser.login(login, password).await;
        assert!(
            answer.status == 401 || answer.status == 422,
            "{login:?}: {} {}",
            answer.status,
            answer.body
        );
        assert!(answer.body.contains(expected), "{login:?}: {}", answer.body);
        assert!(answer.set_cookie.is_empty());
    }
    let missing_fields = browser.call("login", &[("login_name", "beheerder")]).await;
    assert_eq!(missing_fields.status, 422, "{}", missing_fields.body);
}

async fn forged_or_missing_cookie_is_refused(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut browser = app.browser();
    for forged in [
        None,
        Some("tweestap_sessie=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_string()),
        Some("tweestap_sessie=' OR 1=1 --".to_string()),
        Some("tweestap_sessie=".to_string()),
    ] {
        browser.cookie = forged.clone();
        let answer = browser.call("whoami", &[]).await;
        assert_eq!(answer.status, 401, "{forged:?}");
        assert!(answer.body.contains("NotLoggedIn"), "{}", answer.body);
        let page = browser.get("/mijn-gegevens").await;
        assert_eq!(page.location.as_deref(), Some("/inloggen"), "{forged:?}");
    }
}

async fn administration_is_for_beheerders_only(engine: Engine) {
    let app = TestApp::start(engine).await;
    for login in ["medewerker", "bakker", "multi"] {
        let mut browser = app.browser();
        browser.login(login, PASSWORD).await;
        for endpoint in ["list_clients", "list_office_users"] {
            let answer = browser.call(endpoint, &[]).await;
            assert_eq!(answer.status, 403, "{login} {endpoint}");
            assert!(answer.body.contains("Forbidden"));
        }
    }
    let mut beheerder = app.browser();
    beheerder.login("beheerder", PASSWORD).await;
    let clients = beheerder.call("list_clients", &[]).await;
    assert_eq!(clients.status, 200);
    for name in [
        "Bakkerij De Korenbloem",
        "Hoveniersbedrijf Groen",
        "Zorggroep Horizon",
    ] {
        assert!(clients.body.contains(name), "{}", clients.body);
    }
    let staff = beheerder.call("list_office_users", &[]).await;
    assert!(
        staff.body.contains("\"login_name\":\"medewerker\""),
        "{}",
        staff.body
    );
    assert!(
        !staff.body.contains("bakker"),
        "client users are not office users"
    );
}

async fn client_users_switch_only_to_their_own_clients(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut multi = app.browser();
    multi.login("multi", PASSWORD).await;
    let me = multi.call("whoami", &[]).await.body;
    assert!(
        me.contains("\"active_client\":{\"id\":1,\"name\":\"Bakkerij De Korenbloem\"}"),
        "{me}"
    );
    assert_eq!(
        multi
            .call("switch_client", &[("client_id", "2")])
            .await
            .status,
        200
    );
    let me = multi.call("whoami", &[]).await.body;
    assert!(
        me.contains("\"active_client\":{\"id\":2,\"name\":\"Hoveniersbedrijf Groen\"}"),
        "{me}"
    );

    let mut bakker = app.browser();
    bakker.login("bakker", PASSWORD).await;
    assert_eq!(
        bakker
            .call("switch_client", &[("client_id", "3")])
            .await
            .status,
        403
    );
    assert_eq!(
        bakker
            .call("switch_client", &[("client_id", "veel")])
            .await
            .status,
        422
    );
}

async fn demo_seed_never_touches_a_database_with_data(engine: Engine) {
    let app = TestApp::start(engine).await;
    assert!(!server::seed::demo(&app.state.core).await.unwrap());
    let clients = app::storage::clients::list_for_office(&app.state.core.db, 1)
        .await
        .unwrap();
    assert_eq!(clients.len(), 3);
}

/// The absolute limit counts from the login: a step-up renews the session
/// id, never the login's time.
async fn a_step_up_does_not_restart_the_absolute_limit(engine: Engine) {
    let app = TestApp::start_with(
        engine,
        Options {
            absolute_hours: 2,
            ..Options::default()
        },
    )
    .await;
    let mut browser = app.browser();
    browser.login("bakker", PASSWORD).await;
    for _ in 0..3 {
        app.clock.advance(30 * 60);
        let stepped = browser.step_up(PASSWORD, "").await;
        assert_eq!(stepped.status, 200, "{}", stepped.body);
        assert_eq!(browser.call("whoami", &[]).await.status, 200);
    }
    app.clock.advance(30 * 60);
    assert_eq!(
        browser.call("whoami", &[]).await.status,
        401,
        "2 hours after login it ends, step-ups or not"
    );
    assert_eq!(browser.step_up(PASSWORD, "").await.status, 401);
}
