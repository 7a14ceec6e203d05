//! The SMS step at login, over real HTTP, on SQLite and on PostgreSQL.

use std::time::{Duration, Instant};

use crate::common::{
    gateway::{GatewayStub, Mode},
    Browser, Engine, Options, TestApp,
};
use app::storage::{audit, users};

const PASSWORD: &str = "Welkom-2fa!";
const ZORG: &str = "+31612345602";

on_both_engines!(
    policy_nee_logs_in_without_a_code,
    zorg_needs_the_sms_code_and_gets_a_new_session_id,
    a_pending_login_reaches_nothing_else,
    a_code_is_accepted_once_even_by_fifty_parallel_requests,
    an_expired_code_fails,
    wrong_codes_lock_the_account_across_new_logins_and_sms,
    sms_sending_is_limited,
    a_missing_mobile_is_asked_for_and_saved_only_with_its_code,
    an_optional_policy_is_the_users_choice,
    administration_changes_policy_and_is_audited,
    gateway_down_is_told_plainly,
    gateway_slow_is_cut_off,
    gateway_receives_the_dutch_message,
);

async fn logged_in(app: &TestApp, login: &str) -> Browser {
    let mut browser = app.browser();
    let answer = browser.login(login, PASSWORD).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    browser
}

async fn policy_nee_logs_in_without_a_code(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut bakker = app.browser();
    let answer = bakker.login("bakker", PASSWORD).await;
    assert_eq!(answer.body, "\"LoggedIn\"");
    assert_eq!(bakker.call("whoami", &[]).await.status, 200);
    assert_eq!(
        app.outbox_count().await,
        0,
        "no SMS for a login without second factor"
    );
}

async fn zorg_needs_the_sms_code_and_gets_a_new_session_id(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut zorg = app.browser();
    let answer = zorg.login("zorg", PASSWORD).await;
    assert_eq!(answer.body, "\"NeedsCode\"");
    let pending_cookie = zorg.cookie.clone().unwrap();

    let status = zorg.call("code_status", &[]).await;
    assert_eq!(status.status, 200, "{}", status.body);
    assert!(
        status.body.contains("\"masked_phone\":\"********02\""),
        "{}",
        status.body
    );
    assert!(status.body.contains("\"valid_for\":300"), "{}", status.body);
    assert!(status.body.contains("\"resend_in\":60"), "{}", status.body);

    let code = app.last_code_to(ZORG).await;
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let ok = zorg.verify(&spaced).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let logged_in_cookie = zorg.cookie.clone().unwrap();
    assert_ne!(
        pending_cookie, logged_in_cookie,
        "a new session id at the step up"
    );
    assert_eq!(zorg.call("whoami", &[]).await.status, 200);

    let mut old = app.browser();
    old.cookie = Some(pending_cookie);
    assert_eq!(
        old.verify(&code).await.status,
        401,
        "the pending session is gone"
    );
    assert_eq!(old.call("whoami", &[]).await.status, 401);

    let log = audit::recent(&app.state.core.db, 10).await.unwrap();
    assert!(log.iter().any(|e| e.action == "sms.sent"));
    assert_eq!(log[0].action, "login.ok");
}

async fn a_pending_login_reaches_nothing_else(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut zorg = logged_in(&app, "zorg").await;
    for endpoint in ["whoami", "my_details", "list_clients", "switch_client"] {
        let answer = zorg.call(endpoint, &[("client_id", "3")]).await;
        assert_eq!(answer.status, 401, "{endpoint}: {}", answer.body);
    }
    for path in ["/", "/mijn-gegevens", "/help"] {
        assert_eq!(
            zorg.get(path).await.location.as_deref(),
            Some("/inloggen/code"),
            "{path}"
        );
    }
    assert_eq!(zorg.get("/inloggen/code").await.status, 200);
    // And a logged-in session cannot use the second-step functions.
    let mut bakker = logged_in(&app, "bakker").await;
    assert_eq!(bakker.verify("123456").await.status, 401);
    assert_eq!(
        bakker.get("/inloggen/code").await.location.as_deref(),
        Some("/")
    );
}

async fn a_code_is_accepted_once_even_by_fifty_parallel_requests(engine: Engine) {
    let app = TestApp::start(engine).await;
    let zorg = logged_in(&app, "zorg").await;
    let code = app.last_code_to(ZORG).await;
    let cookie = zorg.cookie.clone().unwrap();
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let mut browser = app.browser();
        browser.cookie = Some(cookie.clone());
        let code = code.clone();
        tasks.push(tokio::spawn(
            async move { browser.verify(&code).await.status },
        ));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    let successes = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!(successes, 1, "{statuses:?}");
    // The rest: the login is gone (401), the code is used (422), or, as
    // every try counts before it is judged, the account was locked for a
    // moment while the replays were still being judged (429; a replay of
    // a right code is then taken back).
    assert!(
        statuses.iter().all(|s| [200, 401, 422, 429].contains(s)),
        "{statuses:?}"
    );
}

async fn an_expired_code_fails(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut zorg = logged_in(&app, "zorg").await;
    let code = app.last_code_to(ZORG).await;
    app.clock.advance(5 * 60);
    let answer = zorg.verify(&code).await;
    assert_eq!(answer.status, 422);
    assert!(answer.body.contains("verlopen"), "{}", answer.body);
}

async fn wrong_codes_lock_the_account_across_new_logins_and_sms(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut zorg = logged_in(&app, "zorg").await;
    let right = app.last_code_to(ZORG).await;
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..5 {
        assert_eq!(zorg.verify(wrong).await.status, 422);
    }
    let dead = zorg.verify(&right).await;
    assert!(
        dead.body.contains("te vaak onjuist"),
        "five wrong tries end a code: {}",
        dead.body
    );

    // A new login and a new SMS do not reset the count.
    app.clock.advance(60);
    let mut again = logged_in(&app, "zorg").await;
    for _ in 0..4 {
        assert_eq!(again.verify(wrong).await.status, 422);
    }
    app.clock.advance(60);
    assert_eq!(again.call("resend_code", &[]).await.status, 200);
    let locking = again.verify(wrong).await;
    assert_eq!(
        locking.status, 429,
        "the tenth failure locks: {}",
        locking.body
    );
    assert!(locking.body.contains("over 15 minuten"), "{}", locking.body);

    let fresh = app.last_code_to(ZORG).await;
    assert_eq!(
        again.verify(&fresh).await.status,
        429,
        "locked: even the right code waits"
    );
    let mut third = logged_in(&app, "zorg").await;
    assert_eq!(third.verify(&fresh).await.status, 429);
    assert_eq!(
        third.call("resend_code", &[]).await.status,
        429,
        "no SMS while locked"
    );

    app.clock.advance(15 * 60);
    assert_eq!(
        third.call("resend_code", &[]).await.status,
        401,
        "a waiting login lapses after 15 minutes"
    );
    let mut fourth = logged_in(&app, "zorg").await;
    let code = app.last_code_to(ZORG).await;
    assert_ne!(code, fresh);
    assert_eq!(
        fourth.verify(&code).await.status,
        200,
        "after the lockout a right code works"
    );
}

async fn sms_sending_is_limited(engine: Engine) {
    let app = TestApp::start_with(
        engine,
        Options {
            office_daily_cap: 7,
            ..Options::default()
        },
    )
    .await;
    let mut zorg = logged_in(&app, "zorg").await;
    let too_soon = zorg.call("resend_code", &[]).await;
    assert_eq!(too_soon.status, 429);
    assert!(too_soon.body.contains("seconden"), "{}", too_soon.body);
    for _ in 0..4 {
        app.clock.advance(61);
        assert_eq!(zorg.call("resend_code", &[]).await.status, 200);
    }
    app.clock.advance(61);
    let hourly = zorg.call("resend_code", &[]).await;
    assert_eq!(hourly.status, 429);
    assert!(
        hourly.body.contains("afgelopen uur al 5 codes"),
        "{}",
        hourly.body
    );
    assert_eq!(app.outbox_count().await, 5);

    // Two more for another account reach the office's cap of 7.
    let mut multi = app.browser();
    app.state
        .core
        .db
        .execute(users::set_two_factor_choice(6, true))
        .await
        .unwrap();
    multi.login("multi", PASSWORD).await;
    app.clock.advance(61);
    assert_eq!(multi.call("resend_code", &[]).await.status, 200);
    app.clock.advance(61);
    let capped = multi.call("resend_code", &[]).await;
    assert_eq!(capped.status, 429);
    assert!(capped.body.contains("voor vandaag"), "{}", capped.body);
}

async fn a_missing_mobile_is_asked_for_and_saved_only_with_its_code(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut beheerder = logged_in(&app, "beheerder").await;
    beheerder.step_up_by_sms(&app, PASSWORD, None).await;
    let set = beheerder
        .call(
            "save_office_user",
            &[
                ("id", "2"),
                ("display_name", "Mees Medewerker"),
                ("email", "medewerker@voorbeeld.example"),
                ("mobile", ""),
                ("two_factor", "ja"),
            ],
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);

    let mut medewerker = app.browser();
    assert_eq!(
        medewerker.login("medewerker", PASSWORD).await.body,
        "\"NeedsMobile\""
    );
    let status = medewerker.call("code_status", &[]).await;
    assert!(
        status.body.contains("\"needs_mobile\":true"),
        "{}",
        status.body
    );

    let bad = medewerker
        .call("submit_mobile", &[("mobile", "020-1234567")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("geldig mobiel nummer"), "{}", bad.body);

    let sent = medewerker
        .call("submit_mobile", &[("mobile", "06-38765432")])
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let stored = users::find(&app.state.core.db, 2).await.unwrap().unwrap();
    assert_eq!(stored.mobile, None, "not saved before the code is entered");

    let code = app.last_code_to("+31638765432").await;
    assert_eq!(medewerker.verify(&code).await.status, 200);
    let stored = users::find(&app.state.core.db, 2).await.unwrap().unwrap();
    assert_eq!(stored.mobile.as_deref(), Some("+31638765432"));
}

async fn an_optional_policy_is_the_users_choice(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut hovenier = logged_in(&app, "hovenier").await;
    assert_eq!(
        hovenier
            .call("set_my_two_factor", &[("two_factor", "misschien")])
            .await
            .status,
        422
    );
    assert_eq!(
        hovenier
            .call("set_my_two_factor", &[("two_factor", "ja")])
            .await
            .status,
        200
    );
    assert_eq!(
        hovenier.call("whoami", &[]).await.status,
        200,
        "the open session keeps going"
    );

    let mut next = app.browser();
    assert_eq!(next.login("hovenier", PASSWORD).await.body, "\"NeedsCode\"");

    // Under 'Ja' or 'Nee' the user has no choice to make.
    let mut zorg_session = app.browser();
    zorg_session.login("bakker", PASSWORD).await;
    let refused = zorg_session
        .call("set_my_two_factor", &[("two_factor", "ja")])
        .await;
    assert_eq!(refused.status, 422);
}

async fn administration_changes_policy_and_is_audited(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut medewerker = logged_in(&app, "medewerker").await;
    let refused = medewerker
        .call(
            "save_client_authentication",
            &[("id", "1"), ("policy", "ja")],
        )
        .await;
    assert_eq!(refused.status, 403);
    let mut bakker = app.browser();
    assert_eq!(
        bakker.login("bakker", PASSWORD).await.body,
        "\"LoggedIn\"",
        "nothing changed"
    );

    let mut beheerder = logged_in(&app, "beheerder").await;
    let bad = beheerder
        .call(
            "save_client_authentication",
            &[("id", "1"), ("policy", "altijd")],
        )
        .await;
    assert_eq!(bad.status, 422);
    let saved = beheerder
        .call(
            "save_client_authentication",
            &[("id", "1"), ("policy", "ja")],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);

    let entry = &audit::recent(&app.state.core.db, 1).await.unwrap()[0];
    assert_eq!(entry.action, "client.two_factor_policy");
    assert_eq!(entry.actor_user_id, Some(1));
    assert_eq!(entry.subject.as_deref(), Some("Bakkerij De Korenbloem"));

    let detail = beheerder.call("client_detail", &[("id", "1")]).await;
    assert!(detail.body.contains("\"policy\":\"Ja\""), "{}", detail.body);
    assert!(detail.body.contains("\"applies\":true"), "{}", detail.body);

    let mut bakker = app.browser();
    assert_eq!(
        bakker.login("bakker", PASSWORD).await.body,
        "\"NeedsMobile\""
    );
    let mut multi = app.browser();
    assert_eq!(
        multi.login("multi", PASSWORD).await.body,
        "\"NeedsCode\"",
        "strictest of two clients"
    );

    let invalid_mobile = beheerder
        .call(
            "save_office_user",
            &[
                ("id", "2"),
                ("display_name", "Andere Naam"),
                ("email", ""),
                ("mobile", "12"),
                ("two_factor", "ja"),
            ],
        )
        .await;
    assert_eq!(invalid_mobile.status, 422);
    let stored = users::find(&app.state.core.db, 2).await.unwrap().unwrap();
    assert_eq!(
        stored.display_name, "Mees Medewerker",
        "a refused form changes nothing"
    );
    assert!(!stored.two_factor_required);
}

async fn gateway_down_is_told_plainly(engine: Engine) {
    let stub = GatewayStub::start(Mode::Fail).await;
    let app = TestApp::start_with(
        engine,
        Options {
            twilio: Some(stub.base.clone()),
            ..Options::default()
        },
    )
    .await;
    let mut zorg = app.browser();
    let answer = zorg.login("zorg", PASSWORD).await;
    assert_eq!(
        answer.body, "\"NeedsCode\"",
        "the login goes on to the code page"
    );
    let status = zorg.call("code_status", &[]).await;
    assert!(
        status.body.contains("\"send_failed\":true"),
        "{}",
        status.body
    );
    assert!(
        status.body.contains("\"resend_in\":0"),
        "a failed send does not make the user wait"
    );

    let resend = zorg.call("resend_code", &[]).await;
    assert_eq!(resend.status, 503);
    assert!(
        resend.body.contains("kon niet worden verstuurd"),
        "{}",
        resend.body
    );
    let log = audit::recent(&app.state.core.db, 3).await.unwrap();
    assert_eq!(log[0].action, "sms.failed");

    stub.set_mode(Mode::Accept);
    assert_eq!(
        zorg.call("resend_code", &[]).await.status,
        200,
        "once the gateway is back, it works"
    );
    let code = crate::common::code_in(&stub.received().last().unwrap().body);
    assert_eq!(zorg.verify(&code).await.status, 200);
}

async fn gateway_slow_is_cut_off(engine: Engine) {
    let stub = GatewayStub::start(Mode::Slow(Duration::from_secs(5))).await;
    let app = TestApp::start_with(
        engine,
        Options {
            twilio: Some(stub.base.clone()),
            sms_timeout_seconds: 1,
            ..Options::default()
        },
    )
    .await;
    let mut zorg = app.browser();
    zorg.login("zorg", PASSWORD).await;
    let started = Instant::now();
    let resend = zorg.call("resend_code", &[]).await;
    assert_eq!(resend.status, 503, "{}", resend.body);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the user is not kept waiting for the gateway"
    );
}

async fn gateway_receives_the_dutch_message(engine: Engine) {
    let stub = GatewayStub::start(Mode::Accept).await;
    let app = TestApp::start_with(
        engine,
        Options {
            twilio: Some(stub.base.clone()),
            ..Options::default()
        },
    )
    .await;
    logged_in(&app, "zorg").await;
    let received = stub.received();
    assert_eq!(received.len(), 1);
    let message = &received[0];
    assert_eq!(message.account, "AC-test");
    assert!(
        message.authorization.starts_with("Basic "),
        "{}",
        message.authorization
    );
    assert_eq!(message.to, ZORG);
    assert_eq!(message.from, "Tweestap");
    assert!(
        message.body.contains("Amersfoort"),
        "names the branch: {}",
        message.body
    );
    assert!(
        message.body.starts_with("Je beveiligingscode"),
        "{}",
        message.body
    );
    assert_eq!(app.outbox_count().await, 0, "nothing went to the outbox");
}
