//! Binding an authenticator app and logging in with it, over real HTTP, on
//! SQLite and on PostgreSQL.

use crate::common::{bind_app, field, Browser, Engine, TestApp};
use app::{
    domain::{secret_box::Keyring, totp},
    storage::{audit, authenticators},
};

const PASSWORD: &str = "Welkom-2fa!";
const HOVENIER: &str = "+31612345601";
const ZORG: &str = "+31612345602";

on_both_engines!(
    bind_then_log_in_with_the_apps_code_once_per_step,
    fifty_parallel_logins_with_one_app_code_give_one_success,
    a_lapsed_binding_cannot_be_confirmed,
    the_wrong_field_is_named_and_nothing_is_bound,
    keys_rotate_and_the_key_id_round_trips,
    unbind_and_reset_are_audited_and_sms_returns,
    failed_app_codes_count_toward_the_lockout,
    the_sms_and_the_qr_code_name_one_branch_and_verder_again_goes_on,
    binding_started_twice_at_once_shows_the_key_it_keeps,
    a_code_of_a_step_to_come_is_never_named,
);

async fn logged_in(app: &TestApp, login: &str) -> Browser {
    let mut browser = app.browser();
    let answer = browser.login(login, PASSWORD).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    if answer.body == "\"NeedsCode\"" {
        let code = app.last_code_to(ZORG).await;
        assert_eq!(browser.verify(&code).await.status, 200);
    }
    browser
}

/// Steps up by SMS to `phone`, then binds an app; returns the secret.
async fn bind(app: &TestApp, browser: &mut Browser, phone: &str) -> Vec<u8> {
    browser.step_up_by_sms(app, PASSWORD, Some(phone)).await;
    bind_app(app, browser, phone).await
}

async fn bind_then_log_in_with_the_apps_code_once_per_step(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut hovenier = logged_in(&app, "hovenier").await;
    hovenier
        .step_up_by_sms(&app, PASSWORD, Some(HOVENIER))
        .await;
    let setup = hovenier.call("begin_binding", &[]).await;
    assert_eq!(
        field(&setup.body, "issuer"),
        "Utrecht",
        "the branch of the active client"
    );
    let secret = bind(&app, &mut hovenier, HOVENIER).await;
    let binding_code = totp::code_at(&secret, app.now());
    hovenier.call("logout", &[]).await;

    let mut login = app.browser();
    assert_eq!(
        login.login("hovenier", PASSWORD).await.body,
        "\"NeedsCode\"",
        "a bound app is asked for"
    );
    let status = login.call("code_status", &[]).await;
    assert!(
        status.body.contains("\"app_bound\":true"),
        "{}",
        status.body
    );
    let sms_before = app.outbox_count().await;
    assert_eq!(
        login.verify(&binding_code).await.status,
        422,
        "the binding's code does not log in"
    );

    app.clock.advance(30);
    let code = totp::code_at(&secret, app.now());
    assert_eq!(login.verify(&code).await.status, 200);
    assert_eq!(
        app.outbox_count().await,
        sms_before,
        "no SMS when the app is used"
    );

    let mut replay = app.browser();
    replay.login("hovenier", PASSWORD).await;
    assert_eq!(
        replay.verify(&code).await.status,
        422,
        "a step is accepted once"
    );
    let log = audit::recent(&app.state.core.db, 20).await.unwrap();
    assert!(log.iter().any(|e| e.action == "authenticator.bound"));
}

async fn fifty_parallel_logins_with_one_app_code_give_one_success(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut hovenier = logged_in(&app, "hovenier").await;
    let secret = bind(&app, &mut hovenier, HOVENIER).await;
    app.clock.advance(30);
    let code = totp::code_at(&secret, app.now());
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let mut browser = app.browser();
        browser.login("hovenier", PASSWORD).await;
        let code = code.clone();
        tasks.push(tokio::spawn(
            async move { browser.verify(&code).await.status },
        ));
    }
    let mut ok = 0;
    for task in tasks {
        if task.await.unwrap() == 200 {
            ok += 1;
        }
    }
    assert_eq!(ok, 1);
}

async fn a_lapsed_binding_cannot_be_confirmed(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut hovenier = logged_in(&app, "hovenier").await;
    hovenier
        .step_up_by_sms(&app, PASSWORD, Some(HOVENIER))
        .await;
    let setup = hovenier.call("begin_binding", &[]).await;
    let secret = totp::secret_from_key(field(&setup.body, "key")).unwrap();
    assert_eq!(hovenier.call("send_binding_sms", &[]).await.body, "true");
    let sms = app.last_code_to(HOVENIER).await;
    app.clock.advance(4 * 60);
    let again = hovenier.call("begin_binding", &[]).await;
    assert_eq!(
        field(&again.body, "key"),
        field(&setup.body, "key"),
        "coming back resumes the binding"
    );
    app.clock.advance(6 * 60);
    // The step-up has lapsed too; a fresh one does not revive the binding.
    hovenier
        .step_up_by_sms(&app, PASSWORD, Some(HOVENIER))
        .await;
    let late = hovenier
        .call(
            "confirm_binding",
            &[
                ("sms_code", &sms),
                ("app_code", &totp::code_at(&secret, app.now())),
            ],
        )
        .await;
    assert_eq!(late.status, 422);
    assert!(late.body.contains("verlopen"), "{}", late.body);
    assert!(authenticators::bound(&app.state.core.db, 4)
        .await
        .unwrap()
        .is_none());
}

async fn the_wrong_field_is_named_and_nothing_is_bound(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut hovenier = logged_in(&app, "hovenier").await;
    hovenier
        .step_up_by_sms(&app, PASSWORD, Some(HOVENIER))
        .await;
    let setup = hovenier.call("begin_binding", &[]).await;
    let secret = totp::secret_from_key(field(&setup.body, "key")).unwrap();
    assert_eq!(hovenier.call("send_binding_sms", &[]).await.body, "true");
    let sms = app.last_code_to(HOVENIER).await;
    let right_app = totp::code_at(&secret, app.now());
    let wrong_app = if right_app == "000000" {
        "111111"
    } else {
        "000000"
    };
    let wrong_sms = if sms == "000000" { "111111" } else { "000000" };

    let bad_app = hovenier
        .call(
            "confirm_binding",
            &[("sms_code", &sms), ("app_code", wrong_app)],
        )
        .await;
    assert_eq!(bad_app.status, 422);
    assert!(bad_app.body.contains("Code uit de app"), "{}", bad_app.body);
    let bad_sms = hovenier
        .call(
            "confirm_binding",
            &[("sms_code", wrong_sms), ("app_code", &right_app)],
        )
        .await;
    assert_eq!(bad_sms.status, 422);
    assert!(bad_sms.body.contains("SMS-code"), "{}", bad_sms.body);
    assert!(authenticators::bound(&app.state.core.db, 4)
        .await
        .unwrap()
        .is_none());

    // Both right: bound, and the SMS code survived the wrong app code.
    let ok = hovenier
        .call(
            "confirm_binding",
            &[("sms_code", &sms), ("app_code", &right_app)],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
}

async fn keys_rotate_and_the_key_id_round_trips(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut hovenier = logged_in(&app, "hovenier").await;
    let secret = bind(&app, &mut hovenier, HOVENIER).await;
    let stored = authenticators::bound(&app.state.core.db, 4)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.sealed.key_id, "k1");
    assert!(!stored
        .sealed
        .secret_sealed
        .contains(&totp::key_groups(&secret).replace(' ', "")));

    let old_keys = std::fs::read_to_string(&app.config.key_file).unwrap();
    let rotated = app
        .another_instance_with(|config| {
            config.keys = Some(format!("{}\n{old_keys}", Keyring::new_entry("k2")).into())
        })
        .await;
    app.clock.advance(30);
    let mut login = rotated.browser();
    login.login("hovenier", PASSWORD).await;
    assert_eq!(
        login
            .verify(&totp::code_at(&secret, app.now()))
            .await
            .status,
        200,
        "old key still opens"
    );

    let mut zorg = logged_in(&rotated, "zorg").await;
    bind(&rotated, &mut zorg, ZORG).await;
    let new = authenticators::bound(&rotated.state.core.db, 5)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(new.sealed.key_id, "k2", "new secrets use the current key");
}

async fn unbind_and_reset_are_audited_and_sms_returns(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut hovenier = logged_in(&app, "hovenier").await;
    bind(&app, &mut hovenier, HOVENIER).await;
    // The step-up that bound the app has lapsed ten minutes later.
    app.clock.advance(601);
    assert_eq!(hovenier.call("unbind_authenticator", &[]).await.status, 403);
    hovenier
        .step_up_by_sms(&app, PASSWORD, Some(HOVENIER))
        .await;
    assert_eq!(hovenier.call("unbind_authenticator", &[]).await.status, 200);
    assert_eq!(
        audit::recent(&app.state.core.db, 1).await.unwrap()[0].action,
        "authenticator.unbound"
    );

    let mut zorg = logged_in(&app, "zorg").await;
    bind(&app, &mut zorg, ZORG).await;
    let mut medewerker = logged_in(&app, "medewerker").await;
    assert_eq!(
        medewerker
            .call("reset_authenticator", &[("user_id", "5")])
            .await
            .status,
        403
    );
    let mut beheerder = logged_in(&app, "beheerder").await;
    assert_eq!(
        beheerder
            .call("reset_authenticator", &[("user_id", "5")])
            .await
            .status,
        403,
        "a reset needs the beheerder's own step-up"
    );
    beheerder.step_up_by_sms(&app, PASSWORD, None).await;
    assert_eq!(
        beheerder
            .call("reset_authenticator", &[("user_id", "5")])
            .await
            .status,
        200
    );
    let entry = &audit::recent(&app.state.core.db, 1).await.unwrap()[0];
    assert_eq!(
        (entry.action.as_str(), entry.actor_user_id),
        ("authenticator.reset", Some(1))
    );

    let before = app.outbox_count().await;
    let mut again = app.browser();
    assert_eq!(again.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
    assert_eq!(
        app.outbox_count().await,
        before + 1,
        "after a reset the login sends an SMS again"
    );
}

async fn failed_app_codes_count_toward_the_lockout(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut hovenier = logged_in(&app, "hovenier").await;
    let secret = bind(&app, &mut hovenier, HOVENIER).await;
    let right = totp::code_at(&secret, app.now() + 30);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let mut login = app.browser();
    login.login("hovenier", PASSWORD).await;
    for _ in 0..9 {
        assert_eq!(login.verify(wrong).await.status, 422);
    }
    assert_eq!(login.verify(wrong).await.status, 429);
    assert_eq!(
        login.verify(&right).await.status,
        429,
        "locked, even for the right code"
    );
}

/// A user of two clients binds while the second is active: the QR code and
/// every SMS name that client's branch. 'Verder' pressed again goes on
/// with the code already sent.
async fn the_sms_and_the_qr_code_name_one_branch_and_verder_again_goes_on(engine: Engine) {
    const MULTI: &str = "+31612345603";
    let app = TestApp::start(engine).await;
    let mut multi = logged_in(&app, "multi").await;
    // Bakkerij (Amersfoort) is active at first; Hoveniers is in Utrecht.
    assert_eq!(
        multi
            .call("switch_client", &[("client_id", "2")])
            .await
            .status,
        200
    );
    multi.step_up_by_sms(&app, PASSWORD, Some(MULTI)).await;
    let texts = || async {
        server::sms::outbox::read(&app.outbox)
            .await
            .unwrap()
            .into_iter()
            .filter(|l| l.to == MULTI)
            .map(|l| l.text)
            .collect::<Vec<_>>()
    };
    assert!(texts().await.last().unwrap().contains("voor Utrecht"));
    let setup = multi.call("begin_binding", &[]).await;
    assert_eq!(field(&setup.body, "issuer"), "Utrecht");
    assert_eq!(multi.call("send_binding_sms", &[]).await.body, "true");
    let sent = texts().await;
    assert!(sent.last().unwrap().contains("voor Utrecht"), "{sent:?}");

    app.clock.advance(20);
    let again = multi.call("send_binding_sms", &[]).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body, "true");
    assert_eq!(texts().await.len(), sent.len(), "no second SMS");
    // After the wait, 'Nieuwe code sturen' sends a new one.
    app.clock.advance(60);
    assert_eq!(multi.call("send_binding_sms", &[]).await.status, 200);
    assert_eq!(texts().await.len(), sent.len() + 1);
}

/// Two tabs (or a page rendered twice) start the binding at the same moment:
/// both show the one key that is stored, so whichever the user scans binds.
async fn binding_started_twice_at_once_shows_the_key_it_keeps(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut hovenier = logged_in(&app, "hovenier").await;
    hovenier
        .step_up_by_sms(&app, PASSWORD, Some(HOVENIER))
        .await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let mut tab = hovenier.with_cookie_at(&app.base);
        tasks.push(tokio::spawn(
            async move { tab.call("begin_binding", &[]).await },
        ));
    }
    let mut keys = Vec::new();
    for task in tasks {
        let answer = task.await.unwrap();
        assert_eq!(answer.status, 200, "{}", answer.body);
        keys.push(field(&answer.body, "key").to_string());
    }
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 1, "one key for all: {keys:?}");
    // Binding with that key works ('Authenticator' again resumes it).
    let secret = bind_app(&app, &mut hovenier, HOVENIER).await;
    assert_eq!(secret, totp::secret_from_key(&keys[0]).unwrap());
}

/// A wrong code is compared with codes of other steps only to help a phone
/// whose clock is behind. A code of a step still to come (it would log in
/// once that step arrives) gets the very answer a random wrong code gets,
/// so a guesser learns nothing from it; a code of a passed step is named.
async fn a_code_of_a_step_to_come_is_never_named(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut hovenier = logged_in(&app, "hovenier").await;
    let secret = bind(&app, &mut hovenier, HOVENIER).await;
    hovenier.call("logout", &[]).await;
    assert_eq!(
        hovenier.login("hovenier", PASSWORD).await.body,
        "\"NeedsCode\""
    );

    let random = (0..)
        .map(|n| format!("{:06}", 100_000 + n * 7919 % 900_000))
        .find(|c| (-25..=25).all(|d| totp::code_at(&secret, app.now() + d * 30) != *c))
        .unwrap();
    let wrong = hovenier.verify(&random).await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    for steps in [2, 5, 20] {
        let ahead = totp::code_at(&secret, app.now() + steps * 30);
        let answer = hovenier.verify(&ahead).await;
        assert_eq!(answer.status, 422, "{}", answer.body);
        assert_eq!(
            answer.body, wrong.body,
            "{steps} steps ahead reads as any wrong code"
        );
    }
    let behind = hovenier
        .verify(&totp::code_at(&secret, app.now() - 6 * 30))
        .await;
    assert!(behind.body.contains("3 minuten geleden"), "{}", behind.body);
    assert!(!wrong.body.contains("geleden") && !wrong.body.contains("later"));
}
