//! Passkeys over real HTTP, on SQLite and on PostgreSQL, with a software
//! authenticator (webauthn-authenticator-rs's `SoftPasskey`) answering the
//! server's options as a browser's authenticator would: registering after a
//! step-up, logging in with the password and the passkey, without the
//! password, and every way an attacker might try it.

use serde_json::Value;
use url::Url;
use webauthn_authenticator_rs::{softpasskey::SoftPasskey, WebauthnAuthenticator};
use webauthn_rs_proto::{
    AllowCredentials, CreationChallengeResponse, PublicKeyCredential, RequestChallengeResponse,
};

use crate::common::{Browser, Engine, Options, TestApp};
use app::storage::{batch::Stmt, throttle};

const PASSWORD: &str = "Welkom-2fa!";
const HOVENIER: &str = "+31612345601";
const ZORG: &str = "+31612345602";
/// WebAuthn binds to a host name, never an IP address: these apps are
/// published as localhost.
const ORIGIN: &str = "http://localhost:3000";

on_both_engines!(
    register_then_log_in_with_the_password_and_the_passkey,
    a_passkey_logs_in_without_the_password_where_the_office_allows_it,
    a_removed_passkey_or_another_users_never_logs_in,
    a_counter_that_goes_backwards_is_refused_and_audited,
    a_ceremony_is_used_once,
    registration_needs_the_step_up,
    a_passkey_login_obeys_a_dated_ja,
    failed_assertions_count_toward_the_lockout,
    the_step_up_accepts_a_passkey,
    a_beheerder_removes_a_users_passkeys,
    two_hundred_copies_of_one_assertion_give_one_session,
    removing_one_and_the_office_switches_need_the_step_up,
    parallel_copies_of_one_registration_store_one_passkey,
    a_blocked_accounts_passkey_logs_in_nowhere,
    forged_passwordless_answers_hold_back_the_sender_never_the_owner,
    the_passwordless_start_is_bounded_per_address_and_off_where_no_office_allows_it,
    an_answer_is_judged_on_what_holds_when_it_arrives,
);

fn options() -> Options {
    Options {
        public_url: ORIGIN,
        ..Options::default()
    }
}

/// A passkey held by the test, and what the server calls it.
struct Key {
    authenticator: WebauthnAuthenticator<SoftPasskey>,
    credential_id: String,
}

fn origin() -> Url {
    Url::parse(ORIGIN).unwrap()
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// A server function's challenge: the ceremony's name and the options.
fn challenge(answer: &crate::common::Answer) -> (String, String) {
    assert_eq!(answer.status, 200, "{}", answer.body);
    let v = json(&answer.body);
    (
        v["ceremony"].as_str().unwrap().to_string(),
        v["options"].as_str().unwrap().to_string(),
    )
}

async fn logged_in(app: &TestApp, login: &str, phone: &str) -> Browser {
    let mut browser = app.browser();
    let answer = browser.login(login, PASSWORD).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    if answer.body == "\"NeedsCode\"" {
        let code = app.last_code_to(phone).await;
        assert_eq!(browser.verify(&code).await.status, 200);
    }
    browser
}

/// 'Passkey toevoegen' after a step-up by SMS to `phone`.
async fn register(app: &TestApp, browser: &mut Browser, phone: &str) -> Key {
    browser.step_up_by_sms(app, PASSWORD, Some(phone)).await;
    register_stepped_up(browser, "Testsleutel").await
}

/// The soft key's answer to a registration's `options`. The server asks
/// for a discoverable credential (the login without password needs one);
/// `SoftPasskey` keeps its keys in memory and finds them by id, which the
/// tests hand it (see `assert_with`), so it is told only the rest.
fn make_with(authenticator: &mut WebauthnAuthenticator<SoftPasskey>, options: &str) -> String {
    let mut options: CreationChallengeResponse = serde_json::from_str(options).unwrap();
    let selection = options.public_key.authenticator_selection.as_mut().unwrap();
    assert!(
        selection.require_resident_key,
        "made as a discoverable credential, for the login without password"
    );
    selection.require_resident_key = false;
    let made = authenticator.do_registration(origin(), options).unwrap();
    serde_json::to_string(&made).unwrap()
}

async fn register_stepped_up(browser: &mut Browser, name: &str) -> Key {
    let (ceremony, options) = challenge(&browser.call("begin_add_passkey", &[]).await);
    let mut authenticator = WebauthnAuthenticator::new(SoftPasskey::new(true));
    let made = make_with(&mut authenticator, &options);
    let credential_id = json(&made)["id"].as_str().unwrap().to_string();
    let answer = browser
        .call(
            "add_passkey",
            &[("ceremony", &ceremony), ("response", &made), ("name", name)],
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    Key {
        authenticator,
        credential_id,
    }
}

/// The authenticator's answer to `options`. `discovered`: as a resident
/// key answers an empty allow-list, it finds its own credential and names
/// its account (`handle`) itself.
fn assert_with(key: &mut Key, options: &str, discovered: Option<&str>) -> String {
    let mut options: RequestChallengeResponse = serde_json::from_str(options).unwrap();
    if discovered.is_some() {
        assert!(
            options.public_key.allow_credentials.is_empty(),
            "a passwordless ceremony names no credential"
        );
        options.public_key.allow_credentials = vec![AllowCredentials {
            type_: "public-key".into(),
            id: decode(&key.credential_id).into(),
            transports: None,
        }];
    }
    let mut answer: PublicKeyCredential = key
        .authenticator
        .do_authentication(origin(), options)
        .unwrap();
    if let Some(handle) = discovered {
        let uuid = uuid_bytes(handle);
        answer.response.user_handle = Some(uuid.into());
    }
    serde_json::to_string(&answer).unwrap()
}

fn decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap()
}

fn uuid_bytes(text: &str) -> Vec<u8> {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    (0..16)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

async fn handle_of(app: &TestApp, login: &str) -> String {
    let row = Stmt::new("SELECT passkey_handle FROM users WHERE login_name = $1")
        .bind(login)
        .fetch_one(app.state.core.db.pool())
        .await
        .unwrap();
    sqlx::Row::try_get::<String, _>(&row, "passkey_handle").unwrap()
}

/// Logs in with the password, then the passkey on the code page.
async fn second_step_with(app: &TestApp, key: &mut Key, login: &str) -> (Browser, u16, String) {
    let mut browser = app.browser();
    assert_eq!(
        browser.login(login, PASSWORD).await.body,
        "\"NeedsCode\"",
        "a passkey makes the login ask for it"
    );
    let (ceremony, options) = challenge(&browser.call("begin_login_passkey", &[]).await);
    let response = assert_with(key, &options, None);
    let answer = browser
        .call(
            "login_with_passkey",
            &[("ceremony", &ceremony), ("response", &response)],
        )
        .await;
    (browser, answer.status, answer.body)
}

/// 'Inloggen met een passkey': the ceremony, the response, the answer.
async fn passwordless(app: &TestApp, key: &mut Key, handle: &str) -> (Browser, u16, String) {
    let mut browser = app.browser();
    let (ceremony, options) = challenge(&browser.call("begin_passwordless", &[]).await);
    let response = assert_with(key, &options, Some(handle));
    let answer = browser
        .call(
            "passwordless",
            &[("ceremony", &ceremony), ("response", &response)],
        )
        .await;
    (browser, answer.status, answer.body)
}

/// Every audit row's action and new value, oldest first.
async fn actions(app: &TestApp) -> Vec<(String, Option<String>)> {
    Stmt::new("SELECT action, new_value FROM audit_log ORDER BY id")
        .fetch_all(app.state.core.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                sqlx::Row::try_get(r, "action").unwrap(),
                sqlx::Row::try_get(r, "new_value").unwrap(),
            )
        })
        .collect()
}

async fn register_then_log_in_with_the_password_and_the_passkey(engine: Engine) {
    let app = TestApp::start_with(engine, options()).await;
    let mut hovenier = logged_in(&app, "hovenier", HOVENIER).await;
    hovenier
        .step_up_by_sms(&app, PASSWORD, Some(HOVENIER))
        .await;
    let (ceremony, options) = challenge(&hovenier.call("begin_add_passkey", &[]).await);
    let mut authenticator = WebauthnAuthenticator::new(SoftPasskey::new(true));
    let made = make_with(&mut authenticator, &options);
    let added = hovenier
        .call(
            "add_passkey",
            &[
                ("ceremony", &ceremony),
                ("response", &made),
                ("name", "Chrome op Windows"),
            ],
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let codes = json(&added.body)["recovery_codes"]["codes"].clone();
    assert_eq!(
        codes.as_array().map(Vec::len),
        Some(10),
        "the first passkey brings herstelcodes: {}",
        added.body
    );
    let list = hovenier.call("my_passkeys", &[]).await;
    assert!(list.body.contains("Chrome op Windows"), "{}", list.body);
    let mut key = Key {
        authenticator,
        credential_id: json(&made)["id"].as_str().unwrap().to_string(),
    };
    hovenier.call("logout", &[]).await;

    let sms_before = app.outbox_count_to(HOVENIER).await;
    let (mut browser, status, body) = second_step_with(&app, &mut key, "hovenier").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.outbox_count_to(HOVENIER).await,
        sms_before,
        "no SMS when a passkey is asked for first"
    );
    assert_eq!(browser.call("my_details", &[]).await.status, 200);
    assert!(actions(&app)
        .await
        .contains(&("login.ok".into(), Some("Wachtwoord en passkey".into()))));
    let list = browser.call("my_passkeys", &[]).await;
    assert!(list.body.contains("\"last_used\":\""), "{}", list.body);
}

async fn a_passkey_logs_in_without_the_password_where_the_office_allows_it(engine: Engine) {
    let app = TestApp::start_with(engine, options()).await;
    // zorg's client asks 'Ja': the passkey alone meets it.
    let mut zorg = logged_in(&app, "zorg", ZORG).await;
    let mut key = register(&app, &mut zorg, ZORG).await;
    zorg.call("logout", &[]).await;
    let handle = handle_of(&app, "zorg").await;

    let (mut browser, status, body) = passwordless(&app, &mut key, &handle).await;
    assert_eq!(status, 200, "{body}");
    assert!(session_with(&app, "hwk+user").await, "without the password");
    let whoami = browser.call("whoami", &[]).await;
    assert_eq!(whoami.status, 200);
    assert!(whoami.body.contains("zorg"), "{}", whoami.body);

    // The beheerder turns the login without password off.
    passwordless_off(&app).await;
    // No office allows it now: not even a ceremony begins.
    let refused = app.browser().call("begin_passwordless", &[]).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("zonder wachtwoord"),
        "{}",
        refused.body
    );
    // The passkey still answers the second step.
    let (_, status, body) = second_step_with(&app, &mut key, "zorg").await;
    assert_eq!(status, 200, "{body}");
    assert!(session_with(&app, "pwd+hwk").await, "with the password");

    // Passkeys off: not a factor any more, so the SMS is asked again.
    office_passkeys(&app, "nee", "nee").await;
    let mut browser = app.browser();
    let before = app.outbox_count_to(ZORG).await;
    assert_eq!(browser.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
    assert_eq!(app.outbox_count_to(ZORG).await, before + 1, "an SMS again");
    let refused = browser.call("begin_login_passkey", &[]).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
}

async fn a_removed_passkey_or_another_users_never_logs_in(engine: Engine) {
    let app = TestApp::start_with(engine, options()).await;
    let mut zorg = logged_in(&app, "zorg", ZORG).await;
    let mut zorgs = register(&app, &mut zorg, ZORG).await;
    let mut hovenier = logged_in(&app, "hovenier", HOVENIER).await;
    let mut hoveniers = register(&app, &mut hovenier, HOVENIER).await;

    // hovenier's key answering zorg's second step, with its own id put
    // in the allow-list: judged against zorg's passkeys, it is not one.
    let (mut browser, ceremony, foreign) = foreign_answer(&app, &mut hoveniers, "zorg").await;
    let answer = browser
        .call(
            "login_with_passkey",
            &[("ceremony", &ceremony), ("response", &foreign)],
        )
        .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert_eq!(browser.call("my_details", &[]).await.status, 401);

    // Passwordless, hovenier's key claiming zorg's handle: refused.
    let zorg_handle = handle_of(&app, "zorg").await;
    let (_, status, body) = passwordless(&app, &mut hoveniers, &zorg_handle).await;
    assert_eq!(status, 422, "{body}");

    // zorg removes the passkey; it logs in nowhere after that.
    let rows = json(&zorg.call("my_passkeys", &[]).await.body);
    let id = rows["rows"][0]["id"].as_i64().unwrap().to_string();
    let removed = zorg.call("remove_passkey", &[("id", &id)]).await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert!(actions(&app)
        .await
        .iter()
        .any(|(action, _)| action == "passkey.removed"));
    let (_, status, body) = passwordless(&app, &mut zorgs, &zorg_handle).await;
    assert_eq!(status, 422, "{body}");
    let mut browser = app.browser();
    browser.login("zorg", PASSWORD).await;
    let status = browser.call("code_status", &[]).await;
    assert!(
        status.body.contains("\"passkey_available\":false"),
        "{}",
        status.body
    );
    let refused = browser.call("begin_login_passkey", &[]).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
}

async fn a_counter_that_goes_backwards_is_refused_and_audited(engine: Engine) {
    let app = TestApp::start_with(engine, options()).await;
    let mut zorg = logged_in(&app, "zorg", ZORG).await;
    let mut key = register(&app, &mut zorg, ZORG).await;
    let (_, status, body) = second_step_with(&app, &mut key, "zorg").await;
    assert_eq!(status, 200, "{body}");

    // A copy of the key was used 50 times elsewhere: the server has seen
    // counter 50, and this copy now says 2.
    let row = Stmt::new("SELECT id, passkey FROM passkeys")
        .fetch_one(app.state.core.db.pool())
        .await
        .unwrap();
    let id: i64 = sqlx::Row::try_get(&row, "id").unwrap();
    let mut stored = json(&sqlx::Row::try_get::<String, _>(&row, "passkey").unwrap());
    stored["cred"]["counter"] = Value::from(50);
    Stmt::new("UPDATE passkeys SET passkey = $1, counter = 50 WHERE id = $2")
        .bind(stored.to_string())
        .bind(id)
        .execute_on(app.state.core.db.writer())
        .await
        .unwrap();

    let (mut browser, status, body) = second_step_with(&app, &mut key, "zorg").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(browser.call("my_details", &[]).await.status, 401);
    assert!(actions(&app)
        .await
        .iter()
        .any(|(action, _)| action == "passkey.counter_backwards"));
}

async fn a_ceremony_is_used_once(engine: Engine) {
    let app = TestApp::start_with(engine, options()).await;
    let mut zorg = logged_in(&app, "zorg", ZORG).await;
    let mut key = register(&app, &mut zorg, ZORG).await;
    let handle = handle_of(&app, "zorg").await;

    let mut browser = app.browser();
    let (ceremony, options) = challenge(&browser.call("begin_passwordless", &[]).await);
    let response = assert_with(&mut key, &options, Some(&handle));
    let form = [
        ("ceremony", ceremony.as_str()),
        ("response", response.as_str()),
    ];
    assert_eq!(browser.call("passwordless", &form).await.status, 200);
    let mut again = app.browser();
    let replay = again.call("passwordless", &form).await;
    assert_eq!(replay.status, 422, "{}", replay.body);
    assert_eq!(again.call("whoami", &[]).await.status, 401);

    // A ceremony lapses after five minutes.
    let (ceremony, options) = challenge(&again.call("begin_passwordless", &[]).await);
    let response = assert_with(&mut key, &options, Some(&handle));
    app.clock.advance(5 * 60 + 1);
    let late = again
        .call(
            "passwordless",
            &[("ceremony", &ceremony), ("response", &response)],
        )
        .await;
    assert_eq!(late.status, 422, "{}", late.body);
    assert!(late.body.contains("verlopen"), "{}", late.body);
}

async fn two_hundred_copies_of_one_assertion_give_one_session(engine: Engine) {
    let app = TestApp::start_with(
        engine,
        Options {
            alone: true,
            ..options()
        },
    )
    .await;
    let other = app.another_instance().await;
    let mut zorg = logged_in(&app, "zorg", ZORG).await;
    let mut key = register(&app, &mut zorg, ZORG).await;
    let handle = handle_of(&app, "zorg").await;
    let mut browser = app.browser();
    let (ceremony, options) = challenge(&browser.call("begin_passwordless", &[]).await);
    let response = assert_with(&mut key, &options, Some(&handle));

    let sessions_before = active_sessions(&app).await;
    let mut tasks = Vec::new();
    for i in 0..200 {
        let mut copy = if i % 2 == 0 {
            app.browser()
        } else {
            other.browser()
        };
        let (ceremony, response) = (ceremony.clone(), response.clone());
        tasks.push(tokio::spawn(async move {
            copy.call(
                "passwordless",
                &[("ceremony", &ceremony), ("response", &response)],
            )
            .await
            .status
        }));
    }
    let mut ok = 0;
    for task in tasks {
        if task.await.unwrap() == 200 {
            ok += 1;
        }
    }
    assert_eq!(ok, 1, "one copy logs in, on either instance");
    assert_eq!(active_sessions(&app).await, sessions_before + 1);
    assert_eq!(
        waiting_logins(&app).await,
        0,
        "no waiting login is left behind by the refused copies"
    );
}

async fn active_sessions(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT COUNT(*) AS n FROM sessions WHERE stage = 'active'",
    )
    .await
}

async fn waiting_logins(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT COUNT(*) AS n FROM sessions WHERE stage = 'second_factor'",
    )
    .await
}

/// The number a query gives in its column `n`.
async fn count(app: &TestApp, sql: &'static str) -> i64 {
    let row = Stmt::new(sql)
        .fetch_one(app.state.core.db.pool())
        .await
        .unwrap();
    sqlx::Row::try_get(&row, "n").unwrap()
}

async fn registration_needs_the_step_up(engine: Engine) {
    let app = TestApp::start_with(engine, options()).await;
    // A stolen cookie of a fresh login: no step-up in this session.
    let mut zorg = logged_in(&app, "zorg", ZORG).await;
    let refused = zorg.call("begin_add_passkey", &[]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("StepUpRequired"), "{}", refused.body);

    // Nor can a ceremony begun after a step-up be finished in a session
    // that has none: another session of the same user.
    let mut stepped = logged_in(&app, "zorg", ZORG).await;
    stepped.step_up_by_sms(&app, PASSWORD, Some(ZORG)).await;
    let (ceremony, options) = challenge(&stepped.call("begin_add_passkey", &[]).await);
    let mut authenticator = WebauthnAuthenticator::new(SoftPasskey::new(true));
    let made = make_with(&mut authenticator, &options);
    let form = [
        ("ceremony", ceremony.as_str()),
        ("response", made.as_str()),
        ("name", "Dief"),
    ];
    let mut thief = logged_in(&app, "zorg", ZORG).await;
    assert_eq!(thief.call("add_passkey", &form).await.status, 403);
    assert!(json(&stepped.call("my_passkeys", &[]).await.body)["rows"]
        .as_array()
        .unwrap()
        .is_empty());
    // The session that began it finishes it.
    let added = stepped.call("add_passkey", &form).await;
    assert_eq!(added.status, 200, "{}", added.body);
}

async fn failed_assertions_count_toward_the_lockout(engine: Engine) {
    let app = TestApp::start_with(engine, options()).await;
    let mut zorg = logged_in(&app, "zorg", ZORG).await;
    let mut key = register(&app, &mut zorg, ZORG).await;
    let user_id = zorg_id(&app).await;

    let mut browser = app.browser();
    browser.login("zorg", PASSWORD).await;
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let (ceremony, options) = challenge(&browser.call("begin_login_passkey", &[]).await);
        // A signature that does not verify.
        let mut forged: PublicKeyCredential =
            serde_json::from_str(&assert_with(&mut key, &options, None)).unwrap();
        let last = forged.response.signature.len() - 1;
        forged.response.signature[last] ^= 1;
        let answer = browser
            .call(
                "login_with_passkey",
                &[
                    ("ceremony", &ceremony),
                    ("response", &serde_json::to_string(&forged).unwrap()),
                ],
            )
            .await;
        statuses.push(answer.status);
    }
    assert_eq!(&statuses[..9], &[422; 9]);
    assert_eq!(
        statuses[9], 429,
        "the tenth failure locks, as ten wrong codes do"
    );
    let counter = throttle::get(&app.state.core.db, &throttle::Counter::Codes(user_id))
        .await
        .unwrap();
    assert!(counter.locked_for(app.now()).is_some());
    // Locked: even the right passkey waits, and so does an SMS code.
    let (ceremony, options) = challenge(&browser.call("begin_login_passkey", &[]).await);
    let response = assert_with(&mut key, &options, None);
    let locked = browser
        .call(
            "login_with_passkey",
            &[("ceremony", &ceremony), ("response", &response)],
        )
        .await;
    assert_eq!(locked.status, 429, "{}", locked.body);
}

async fn zorg_id(app: &TestApp) -> i64 {
    count(app, "SELECT id AS n FROM users WHERE login_name = 'zorg'").await
}

/// 'Bevestigen' of the step-up with the password and a passkey's answer.
async fn step_up_with(
    browser: &mut Browser,
    password: &str,
    ceremony: &str,
    response: &str,
) -> crate::common::Answer {
    browser
        .call(
            "step_up_passkey",
            &[
                ("password", password),
                ("ceremony", ceremony),
                ("response", response),
            ],
        )
        .await
}

async fn the_step_up_accepts_a_passkey(engine: Engine) {
    let app = TestApp::start_with(engine, options()).await;
    let mut zorg = logged_in(&app, "zorg", ZORG).await;
    let mut key = register(&app, &mut zorg, ZORG).await;
    let (mut browser, status, body) = second_step_with(&app, &mut key, "zorg").await;
    assert_eq!(status, 200, "{body}");
    let step_up = browser.call("step_up_status", &[]).await;
    assert!(
        step_up.body.contains("\"passkey\":true"),
        "{}",
        step_up.body
    );

    let (ceremony, options) = challenge(&browser.call("begin_step_up_passkey", &[]).await);
    let response = assert_with(&mut key, &options, None);
    let wrong_password =
        step_up_with(&mut browser, "niet-het-wachtwoord", &ceremony, &response).await;
    assert_eq!(wrong_password.status, 422, "the password is asked too");
    let (ceremony, options) = challenge(&browser.call("begin_step_up_passkey", &[]).await);
    let response = assert_with(&mut key, &options, None);
    let old_cookie = browser.cookie.clone();
    let proven = step_up_with(&mut browser, PASSWORD, &ceremony, &response).await;
    assert_eq!(proven.status, 200, "{}", proven.body);
    assert_ne!(browser.cookie, old_cookie, "the session id is renewed");
    // Stepped up: a second passkey may be added.
    let second = register_stepped_up(&mut browser, "Reservesleutel").await;
    assert!(!second.credential_id.is_empty());
}

async fn a_beheerder_removes_a_users_passkeys(engine: Engine) {
    let app = TestApp::start_with(engine, options()).await;
    let mut zorg = logged_in(&app, "zorg", ZORG).await;
    let mut key = register(&app, &mut zorg, ZORG).await;
    let user_id = zorg_id(&app).await.to_string();

    let mut beheerder = logged_in(&app, "beheerder", "").await;
    let refused = beheerder
        .call("reset_passkeys", &[("user_id", &user_id)])
        .await;
    assert_eq!(refused.status, 403, "the beheerder's step-up first");
    beheerder.step_up_by_sms(&app, PASSWORD, None).await;
    let before = app.outbox_count_to(ZORG).await;
    let done = beheerder
        .call("reset_passkeys", &[("user_id", &user_id)])
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(
        app.outbox_count_to(ZORG).await,
        before + 1,
        "the user is told"
    );
    assert!(actions(&app)
        .await
        .iter()
        .any(|(action, _)| action == "passkey.reset"));
    assert_eq!(
        zorg.call("my_details", &[]).await.status,
        401,
        "the user's other sessions end"
    );
    let handle = handle_of(&app, "zorg").await;
    let (_, status, body) = passwordless(&app, &mut key, &handle).await;
    assert_eq!(status, 422, "{body}");
}

async fn removing_one_and_the_office_switches_need_the_step_up(engine: Engine) {
    let app = TestApp::start_with(engine, options()).await;
    let mut zorg = logged_in(&app, "zorg", ZORG).await;
    let mut key = register(&app, &mut zorg, ZORG).await;
    let id = json(&zorg.call("my_passkeys", &[]).await.body)["rows"][0]["id"]
        .as_i64()
        .unwrap()
        .to_string();

    // A session that gave the password and the passkey, but no step-up
    // (a stolen cookie): it cannot take the passkey away.
    let (mut thief, status, body) = second_step_with(&app, &mut key, "zorg").await;
    assert_eq!(status, 200, "{body}");
    let refused = thief.call("remove_passkey", &[("id", &id)]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(
        json(&thief.call("my_passkeys", &[]).await.body)["rows"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "the passkey is still there"
    );

    // Nor can a beheerder's session change the office's switches.
    let mut beheerder = logged_in(&app, "beheerder", "").await;
    let refused = beheerder
        .call(
            "save_office_passkeys",
            &[("allowed", "nee"), ("passwordless", "nee")],
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let settings = json(&beheerder.call("office_settings", &[]).await.body);
    assert_eq!(settings["passkeys_allowed"], Value::from(true));
    assert_eq!(settings["passkeys_passwordless"], Value::from(true));
}

async fn parallel_copies_of_one_registration_store_one_passkey(engine: Engine) {
    let app = TestApp::start_with(engine, options()).await;
    let mut zorg = logged_in(&app, "zorg", ZORG).await;
    zorg.step_up_by_sms(&app, PASSWORD, Some(ZORG)).await;
    let (ceremony, options) = challenge(&zorg.call("begin_add_passkey", &[]).await);
    let mut authenticator = WebauthnAuthenticator::new(SoftPasskey::new(true));
    let made = make_with(&mut authenticator, &options);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let mut copy = zorg.with_cookie_at(&app.base);
        let form = [
            ("ceremony".to_string(), ceremony.clone()),
            ("response".to_string(), made.clone()),
            ("name".to_string(), format!("Kopie {i}")),
        ];
        tasks.push(tokio::spawn(async move {
            let form: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            copy.call("add_passkey", &form).await.status
        }));
    }
    let mut ok = 0;
    for task in tasks {
        if task.await.unwrap() == 200 {
            ok += 1;
        }
    }
    assert_eq!(ok, 1, "the ceremony is used once");
    assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM passkeys").await, 1);
}

/// Under a 'Ja' with a date, a passkey is a factor set up: the password
/// login asks for it, the passkey login meets the policy before and after
/// the date, and its user is never told to set something up.
async fn a_passkey_login_obeys_a_dated_ja(engine: Engine) {
    let app = TestApp::start_with(engine, options()).await;
    let mut hovenier = logged_in(&app, "hovenier", HOVENIER).await;
    let mut key = register(&app, &mut hovenier, HOVENIER).await;
    let handle = handle_of(&app, "hovenier").await;

    let mut beheerder = logged_in(&app, "beheerder", HOVENIER).await;
    let date = app::domain::deadline::in_days(app.now(), 10).to_stored();
    let saved = beheerder
        .call(
            "save_client_authentication",
            &[("id", "2"), ("policy", "ja"), ("required_from", &date)],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);

    let (_, status, body) = second_step_with(&app, &mut key, "hovenier").await;
    assert_eq!(status, 200, "{body}");
    let (mut browser, status, body) = passwordless(&app, &mut key, &handle).await;
    assert_eq!(status, 200, "{body}");
    let whoami = json(&browser.call("whoami", &[]).await.body);
    assert!(whoami["date_notice"].is_null(), "{whoami}");

    // From the date on: the same.
    app.clock.advance(10 * 24 * 3600);
    let (mut browser, status, body) = passwordless(&app, &mut key, &handle).await;
    assert_eq!(status, 200, "{body}");
    assert!(json(&browser.call("whoami", &[]).await.body)["date_notice"].is_null());
}

async fn a_blocked_accounts_passkey_logs_in_nowhere(engine: Engine) {
    let app = TestApp::start_with(engine, options()).await;
    let mut zorg = logged_in(&app, "zorg", ZORG).await;
    let mut key = register(&app, &mut zorg, ZORG).await;
    zorg.call("logout", &[]).await;
    let handle = handle_of(&app, "zorg").await;
    let mut beheerder = logged_in(&app, "beheerder", "").await;
    beheerder.step_up_by_sms(&app, PASSWORD, None).await;
    let blocked = beheerder.call("block_user", &[("user_id", "5")]).await;
    assert_eq!(blocked.status, 200, "{}", blocked.body);

    // Without the password: the passkey's holder hears of the block.
    let (mut browser, status, body) = passwordless(&app, &mut key, &handle).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("Blocked"), "{body}");
    assert_eq!(browser.call("whoami", &[]).await.status, 401);
    // The password step refuses before any second step.
    let login = app.browser().login("zorg", PASSWORD).await;
    assert_eq!(login.status, 403, "{}", login.body);
    assert_eq!(active_sessions(&app).await, 1, "only the beheerder's");
}

/// A server function called from `from` (a client behind the trusted
/// proxy on loopback), as the browser calls it.
async fn call_from(
    app: &TestApp,
    from: &str,
    endpoint: &str,
    form: &[(&str, &str)],
) -> crate::common::Answer {
    let browser = app.browser();
    let mut request = browser
        .http
        .post(format!("{}/api/{endpoint}", browser.base))
        .header("accept", "application/json")
        .header("x-forwarded-for", from)
        .form(form);
    if let Some(host) = &browser.host {
        request = request.header("host", host);
    }
    let answer = request.send().await.unwrap();
    crate::common::Answer {
        status: answer.status().as_u16(),
        set_cookie: Vec::new(),
        location: None,
        body: answer.text().await.unwrap(),
    }
}

/// 'Inloggen met een passkey' from `from`, answered by `key` naming `handle`.
async fn passwordless_from(
    app: &TestApp,
    from: &str,
    key: &mut Key,
    handle: &str,
) -> (u16, String) {
    let (ceremony, options) = challenge(&call_from(app, from, "begin_passwordless", &[]).await);
    let response = assert_with(key, &options, Some(handle));
    let answer = call_from(
        app,
        from,
        "passwordless",
        &[("ceremony", &ceremony), ("response", &response)],
    )
    .await;
    (answer.status, answer.body)
}

async fn forged_passwordless_answers_hold_back_the_sender_never_the_owner(engine: Engine) {
    let app = TestApp::start_with(engine, options()).await;
    let proxied = app
        .another_instance_with(|c| c.trusted_proxies = "127.0.0.1".parse().unwrap())
        .await;
    let mut zorg = logged_in(&app, "zorg", ZORG).await;
    let mut zorgs = register(&app, &mut zorg, ZORG).await;
    zorg.call("logout", &[]).await;
    // The stranger's throw-away key (any soft key will do: hovenier's).
    let mut hovenier = logged_in(&app, "hovenier", HOVENIER).await;
    let mut throwaway = register(&app, &mut hovenier, HOVENIER).await;
    let handle = handle_of(&app, "zorg").await;

    // Far more than the account's ten: each is the sender's, not zorg's.
    for n in 0..100 {
        let (status, body) =
            passwordless_from(&proxied, "203.0.113.7", &mut throwaway, &handle).await;
        assert_eq!(status, 422, "forged answer {n}: {body}");
    }
    let (status, body) = passwordless_from(&proxied, "203.0.113.7", &mut throwaway, &handle).await;
    assert_eq!(status, 429, "the sender is held back: {body}");
    assert!(body.contains("internetverbinding"), "{body}");

    // zorg is not locked: the passkey logs in without the password, and the
    // password login asks the SMS code as always.
    let (status, body) = passwordless_from(&proxied, "198.51.100.4", &mut zorgs, &handle).await;
    assert_eq!(status, 200, "the owner logs in: {body}");
    let mut browser = app.browser();
    assert_eq!(browser.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
    let status = browser.call("code_status", &[]).await;
    assert!(
        status.body.contains("\"locked_for\":null"),
        "{}",
        status.body
    );
    assert!(
        !actions(&app).await.iter().any(|(a, _)| a == "code.failed"),
        "nothing counted against zorg"
    );
}

async fn the_passwordless_start_is_bounded_per_address_and_off_where_no_office_allows_it(
    engine: Engine,
) {
    let app = TestApp::start_with(engine, options()).await;
    let proxied = app
        .another_instance_with(|c| c.trusted_proxies = "127.0.0.1".parse().unwrap())
        .await;
    let limit = app::domain::factors::PASSWORDLESS_BEGIN_ADDRESS.max;
    for n in 0..limit {
        let answer = call_from(&proxied, "203.0.113.8", "begin_passwordless", &[]).await;
        assert_eq!(answer.status, 200, "start {n}: {}", answer.body);
    }
    let refused = call_from(&proxied, "203.0.113.8", "begin_passwordless", &[]).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    let other = call_from(&proxied, "198.51.100.9", "begin_passwordless", &[]).await;
    assert_eq!(other.status, 200, "another address has its own count");
    assert_eq!(
        ceremonies(&app).await,
        limit + 1,
        "the refused start stored nothing"
    );

    // Lapsed ceremonies go as new ones begin.
    app.clock
        .advance(app::domain::factors::CEREMONY_SECONDS + 1);
    let answer = call_from(&proxied, "198.51.100.10", "begin_passwordless", &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(ceremonies(&app).await, 1);

    // The open ceremonies at their cap (a flood from many addresses): a
    // new start is refused, and nothing more is stored.
    let cap = app::domain::factors::OPEN_PASSWORDLESS_CAP;
    Stmt::new(
        "INSERT INTO passkey_ceremonies (id, purpose, session_hash, state, created_at) \
         SELECT 'vloed-' || n, 'passwordless', '', '{}', $1 FROM \
         (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < $2) \
          SELECT n FROM c) flood",
    )
    .bind(app.now())
    .bind(cap)
    .execute_on(app.state.core.db.pool())
    .await
    .unwrap();
    let full = call_from(&proxied, "198.51.100.12", "begin_passwordless", &[]).await;
    assert_eq!(full.status, 503, "{}", full.body);
    assert_eq!(ceremonies(&app).await, cap + 1);
    Stmt::new("DELETE FROM passkey_ceremonies WHERE id LIKE 'vloed-%'")
        .execute_on(app.state.core.db.pool())
        .await
        .unwrap();

    // No office allows it: nothing begins.
    passwordless_off(&app).await;
    let off = call_from(&proxied, "198.51.100.11", "begin_passwordless", &[]).await;
    assert_eq!(off.status, 422, "{}", off.body);
}

/// Whether a logged-in session logged in by `method`.
async fn session_with(app: &TestApp, method: &str) -> bool {
    let row = Stmt::new(
        "SELECT COUNT(*) AS n FROM sessions WHERE stage = 'active' AND login_method = $1",
    )
    .bind(method)
    .fetch_one(app.state.core.db.pool())
    .await
    .unwrap();
    sqlx::Row::try_get::<i64, _>(&row, "n").unwrap() > 0
}

/// The beheerder turns the login without the password off for the office
/// (after a step-up with the password: the beheerder has no factor).
async fn passwordless_off(app: &TestApp) {
    office_passkeys(app, "ja", "nee").await;
}

/// The beheerder sets the office's two passkey switches ('ja' / 'nee').
async fn office_passkeys(app: &TestApp, allowed: &str, passwordless: &str) {
    let mut beheerder = logged_in(app, "beheerder", "").await;
    beheerder.step_up_by_sms(app, PASSWORD, None).await;
    let saved = beheerder
        .call(
            "save_office_passkeys",
            &[("allowed", allowed), ("passwordless", passwordless)],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
}

/// The passkey ceremonies stored, of every purpose.
async fn ceremonies(app: &TestApp) -> i64 {
    let stored = Stmt::new("SELECT COUNT(*) AS n FROM passkey_ceremonies")
        .fetch_one(app.state.core.db.pool())
        .await
        .unwrap();
    sqlx::Row::try_get::<i64, _>(&stored, "n").unwrap()
}

/// The password step and a ceremony begun while the passkey still counts;
/// the key's signed answer, to post later.
async fn begun(app: &TestApp, key: &mut Key, login: &str) -> (Browser, String, String) {
    let mut browser = app.browser();
    assert_eq!(browser.login(login, PASSWORD).await.body, "\"NeedsCode\"");
    let (ceremony, options) = challenge(&browser.call("begin_login_passkey", &[]).await);
    let response = assert_with(key, &options, None);
    (browser, ceremony, response)
}

/// The password step of `login` and a ceremony for its second step,
/// answered by `key` (another account's) signing under its own id, as an
/// attacker holding that key would: the browser, the ceremony, the answer.
async fn foreign_answer(app: &TestApp, key: &mut Key, login: &str) -> (Browser, String, String) {
    let mut browser = app.browser();
    browser.login(login, PASSWORD).await;
    let (ceremony, options) = challenge(&browser.call("begin_login_passkey", &[]).await);
    let mut options: RequestChallengeResponse = serde_json::from_str(&options).unwrap();
    options.public_key.allow_credentials = vec![AllowCredentials {
        type_: "public-key".into(),
        id: decode(&key.credential_id).into(),
        transports: None,
    }];
    let foreign = key
        .authenticator
        .do_authentication(origin(), options)
        .unwrap();
    (browser, ceremony, serde_json::to_string(&foreign).unwrap())
}

async fn answer_later(browser: &mut Browser, ceremony: &str, response: &str) -> (u16, String) {
    let answer = browser
        .call(
            "login_with_passkey",
            &[("ceremony", ceremony), ("response", response)],
        )
        .await;
    (answer.status, answer.body)
}

/// The second step reads the ceremony, the passkey and the office's
/// switches inside its one read: an answer signed while all held is
/// refused when, by the time it arrives, the passkey was removed, the
/// office switched passkeys off, or the key is another account's.
async fn an_answer_is_judged_on_what_holds_when_it_arrives(engine: Engine) {
    let app = TestApp::start_with(engine, options()).await;
    let mut zorg = logged_in(&app, "zorg", ZORG).await;
    let mut key = register(&app, &mut zorg, ZORG).await;
    let mut hovenier = logged_in(&app, "hovenier", HOVENIER).await;
    let mut hoveniers = register(&app, &mut hovenier, HOVENIER).await;

    // Removed between the ceremony and the answer: zorg's own step-up,
    // in the session that removed it (the door ends only the others).
    let mut spare = register_stepped_up(&mut zorg, "Tweede").await;
    let (ceremony, options) = challenge(&zorg.call("begin_step_up_passkey", &[]).await);
    let response = assert_with(&mut key, &options, None);
    let rows = json(&zorg.call("my_passkeys", &[]).await.body);
    let id = rows["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["name"] == "Testsleutel")
        .map(|row| row["id"].as_i64().unwrap().to_string())
        .unwrap();
    let removed = zorg.call("remove_passkey", &[("id", &id)]).await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    let late = step_up_with(&mut zorg, PASSWORD, &ceremony, &response).await;
    assert_eq!(late.status, 422, "{}", late.body);
    assert!(late.body.contains("niet geaccepteerd"), "{}", late.body);

    // Another account's key, signing zorg's ceremony under its own id.
    let (mut browser, ceremony, foreign) = foreign_answer(&app, &mut hoveniers, "zorg").await;
    let (status, body) = answer_later(&mut browser, &ceremony, &foreign).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(browser.call("my_details", &[]).await.status, 401);

    // Passkeys switched off for the office between the two.
    let (mut late, ceremony, response) = begun(&app, &mut spare, "zorg").await;
    office_passkeys(&app, "nee", "nee").await;
    let (status, body) = answer_later(&mut late, &ceremony, &response).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("niet beschikbaar"), "{body}");
    assert_eq!(late.call("my_details", &[]).await.status, 401);

    // Of zorg's logins only the session that made the keys is in.
    let zorgs = Stmt::new(
        "SELECT COUNT(*) AS n FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE u.login_name = 'zorg' AND s.stage = 'active'",
    )
    .fetch_one(app.state.core.db.pool())
    .await
    .unwrap();
    assert_eq!(sqlx::Row::try_get::<i64, _>(&zorgs, "n").unwrap(), 1);
}
