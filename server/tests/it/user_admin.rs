//! A changed number and the beheerder helping users: a user's own number
//! change is confirmed by a code to the new number; a beheerder resets a
//! client user's app, ends their sessions and changes their number, all
//! after a step-up and only within their own office. Over real HTTP, on
//! SQLite and on PostgreSQL.

use crate::common::{bind_app, field, Answer, Browser, Engine, TestApp};
use app::{
    domain::login_form::LoginName,
    model::{TwoFactorPolicy, UserKind},
    storage::{
        audit, clients, offices,
        users::{self, NewUser},
    },
};

const PASSWORD: &str = "Welkom-2fa!";
const HOVENIER: &str = "+31612345601";
const ZORG: &str = "+31612345602";
const HOVENIER_ID: i64 = 4;
const ZORG_ID: i64 = 5;
const ZORGGROEP: i64 = 3;

on_both_engines!(
    a_number_change_is_confirmed_by_a_code_to_the_new_number,
    a_beheerder_resets_ends_sessions_and_changes_a_number,
    a_beheerder_cannot_see_or_change_another_offices_users,
    weakening_a_clients_policy_needs_a_step_up,
    free_text_with_tricks_is_refused_with_a_clear_message,
);

fn asks_step_up(answer: &Answer) -> bool {
    answer.status == 403 && answer.body.contains("StepUpRequired")
}

/// Logs in; an SMS code to `phone` when one is asked.
async fn logged_in(app: &TestApp, login: &str, phone: Option<&str>) -> Browser {
    let mut browser = app.browser();
    let answer = browser.login(login, PASSWORD).await;
    if answer.body == "\"NeedsCode\"" {
        let code = app.last_code_to(phone.expect("a number")).await;
        assert_eq!(browser.verify(&code).await.status, 200);
    } else {
        assert_eq!(answer.body, "\"LoggedIn\"");
    }
    browser
}

async fn a_number_change_is_confirmed_by_a_code_to_the_new_number(engine: Engine) {
    let app = TestApp::start(engine).await;
    // 'hovenier' (Optioneel, not chosen) logs in with the password alone.
    let mut hovenier = logged_in(&app, "hovenier", None).await;
    let mut other = logged_in(&app, "hovenier", None).await;
    let form = [("mobile", "+32 470 12 34 56")];
    assert!(asks_step_up(
        &hovenier.call("send_number_code", &form).await
    ));
    assert_eq!(app.outbox_count_to("+32470123456").await, 0);

    hovenier
        .step_up_by_sms(&app, PASSWORD, Some(HOVENIER))
        .await;
    let bad = hovenier
        .call("send_number_code", &[("mobile", "020-1234567")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("geldig mobiel nummer"), "{}", bad.body);
    let sent = hovenier.call("send_number_code", &form).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let code = app.last_code_to("+32470123456").await;
    let status = hovenier.call("number_change_status", &[]).await;
    assert!(
        status.body.contains("\"sent_to\":\"********56\""),
        "{}",
        status.body
    );

    // A wrong code, or the step-up's own code, changes nothing.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        hovenier
            .call("confirm_number", &[("code", wrong)])
            .await
            .status,
        422
    );
    let step_up_code = app.last_code_to(HOVENIER).await;
    if step_up_code != code {
        assert_eq!(
            hovenier
                .call("confirm_number", &[("code", &step_up_code)])
                .await
                .status,
            422
        );
    }
    let user = users::find(&app.state.core.db, HOVENIER_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        user.mobile.as_deref(),
        Some(HOVENIER),
        "nothing changed yet"
    );

    let notices = app.outbox_count_to(HOVENIER).await;
    let ok = hovenier.call("confirm_number", &[("code", &code)]).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let user = users::find(&app.state.core.db, HOVENIER_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.mobile.as_deref(), Some("+32470123456"));
    assert!(user.mobile_confirmed);
    assert_eq!(
        app.outbox_count_to(HOVENIER).await,
        notices + 1,
        "the old number is told"
    );
    assert_eq!(
        other.call("whoami", &[]).await.status,
        401,
        "other sessions end"
    );
    assert_eq!(hovenier.call("whoami", &[]).await.status, 200);
    assert_eq!(
        hovenier
            .call("confirm_number", &[("code", &code)])
            .await
            .status,
        422,
        "the code works once"
    );
    let log = audit::recent(&app.state.core.db, 50).await.unwrap();
    assert!(log
        .iter()
        .any(|e| e.action == "user.mobile" && e.subject.as_deref() == Some("hovenier")));

    // The next step-up's SMS goes to the new number.
    let mut again = logged_in(&app, "hovenier", None).await;
    again
        .step_up_by_sms(&app, PASSWORD, Some("+32470123456"))
        .await;
}

async fn a_beheerder_resets_ends_sessions_and_changes_a_number(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut zorg = logged_in(&app, "zorg", Some(ZORG)).await;
    zorg.step_up_by_sms(&app, PASSWORD, Some(ZORG)).await;
    bind_app(&app, &mut zorg, ZORG).await;
    let mut beheerder = logged_in(&app, "beheerder", None).await;

    // The tab 'Gebruikers' shows what the login does.
    let detail = beheerder
        .call("client_detail", &[("id", &ZORGGROEP.to_string())])
        .await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    assert!(detail.body.contains("\"login_name\":\"zorg\""));
    assert!(detail.body.contains("\"app_bound\":true"));
    assert!(
        detail.body.contains("\"last_login\":\""),
        "a last login: {}",
        detail.body
    );

    let user = [("user_id", ZORG_ID.to_string())];
    let user = [(user[0].0, user[0].1.as_str())];
    for (endpoint, form) in [
        ("reset_authenticator", user.to_vec()),
        ("end_user_sessions", user.to_vec()),
        ("set_user_mobile", vec![user[0], ("mobile", "0687654321")]),
    ] {
        assert!(
            asks_step_up(&beheerder.call(endpoint, &form).await),
            "{endpoint}"
        );
    }
    assert_eq!(
        zorg.call("whoami", &[]).await.status,
        200,
        "nothing happened"
    );

    beheerder.step_up_by_sms(&app, PASSWORD, None).await;
    assert_eq!(
        beheerder.call("reset_authenticator", &user).await.status,
        200
    );
    assert_eq!(zorg.call("whoami", &[]).await.status, 401);

    // (Five SMS an hour per account: this test uses exactly five.)
    let mut zorg = logged_in(&app, "zorg", Some(ZORG)).await;
    let mut zorg_elsewhere = zorg.with_cookie_at(&app.base);
    let ended = beheerder.call("end_user_sessions", &user).await;
    assert_eq!(ended.status, 200, "{}", ended.body);
    assert_eq!(zorg.call("whoami", &[]).await.status, 401);
    assert_eq!(zorg_elsewhere.call("whoami", &[]).await.status, 401);
    assert_eq!(beheerder.call("whoami", &[]).await.status, 200);

    let changed = beheerder
        .call("set_user_mobile", &[user[0], ("mobile", "06-87654321")])
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let record = users::find(&app.state.core.db, ZORG_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.mobile.as_deref(), Some("+31687654321"));
    assert!(!record.mobile_confirmed, "the user confirms it");
    let detail = beheerder
        .call("client_detail", &[("id", &ZORGGROEP.to_string())])
        .await;
    assert!(
        detail.body.contains("\"mobile_unconfirmed\":true"),
        "{}",
        detail.body
    );
    // The next login sends the code to the new number.
    logged_in(&app, "zorg", Some("+31687654321")).await;
    assert!(
        users::find(&app.state.core.db, ZORG_ID)
            .await
            .unwrap()
            .unwrap()
            .mobile_confirmed
    );

    let log = audit::recent(&app.state.core.db, 100).await.unwrap();
    for action in ["authenticator.reset", "sessions.ended", "user.mobile"] {
        assert!(
            log.iter().any(|e| e.action == action
                && e.actor_user_id == Some(1)
                && e.subject.as_deref() == Some("zorg")),
            "{action} audited"
        );
    }
    // Not for others than beheerders.
    let mut medewerker = logged_in(&app, "medewerker", None).await;
    assert_eq!(
        medewerker.call("end_user_sessions", &user).await.status,
        403
    );
}

async fn a_beheerder_cannot_see_or_change_another_offices_users(engine: Engine) {
    let app = TestApp::start(engine).await;
    let db = &app.state.core.db;
    let now = app.now();
    let office = offices::create_office(db, "Ander Kantoor", now)
        .await
        .unwrap();
    let branch = offices::create_branch(db, office, "Zwolle").await.unwrap();
    let client = clients::create_client(db, office, branch, "Vreemde BV", TwoFactorPolicy::Ja, now)
        .await
        .unwrap();
    let hash = app
        .state
        .core
        .passwords
        .hash(PASSWORD.into())
        .await
        .unwrap();
    let login = LoginName::parse("vreemd").unwrap();
    let stranger = users::create_user(
        db,
        &NewUser {
            office_id: office,
            kind: UserKind::Client,
            login_name: login.as_str(),
            display_name: "Vera Vreemd",
            email: None,
            mobile: Some("+31611112222"),
            password_hash: &hash,
            branch_id: None,
            is_beheerder: false,
            two_factor_required: false,
        },
        now,
    )
    .await
    .unwrap();
    clients::link_user(db, stranger, client).await.unwrap();
    let mut vera = logged_in(&app, "vreemd", Some("+31611112222")).await;

    let mut beheerder = logged_in(&app, "beheerder", None).await;
    beheerder.step_up_by_sms(&app, PASSWORD, None).await;
    let seen = beheerder
        .call("client_detail", &[("id", &client.to_string())])
        .await;
    assert_eq!(seen.status, 422, "{}", seen.body);
    assert!(!seen.body.contains("Vera"));
    let id = stranger.to_string();
    for (endpoint, form) in [
        ("reset_authenticator", vec![("user_id", id.as_str())]),
        ("end_user_sessions", vec![("user_id", id.as_str())]),
        (
            "set_user_mobile",
            vec![("user_id", id.as_str()), ("mobile", "0687654321")],
        ),
    ] {
        let answer = beheerder.call(endpoint, &form).await;
        assert_eq!(answer.status, 422, "{endpoint}: {}", answer.body);
        assert!(answer.body.contains("bestaat niet"), "{}", answer.body);
    }
    assert_eq!(
        vera.call("whoami", &[]).await.status,
        200,
        "still logged in"
    );
    let record = users::find(db, stranger).await.unwrap().unwrap();
    assert_eq!(record.mobile.as_deref(), Some("+31611112222"));
    assert!(record.mobile_confirmed);
}

async fn weakening_a_clients_policy_needs_a_step_up(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut beheerder = logged_in(&app, "beheerder", None).await;
    let id = ZORGGROEP.to_string();
    let weaker = [("id", id.as_str()), ("policy", "nee")];
    assert!(asks_step_up(
        &beheerder.call("save_client_authentication", &weaker).await
    ));
    let detail = beheerder.call("client_detail", &[("id", &id)]).await;
    assert!(detail.body.contains("\"policy\":\"Ja\""), "{}", detail.body);
    beheerder.step_up_by_sms(&app, PASSWORD, None).await;
    assert_eq!(
        beheerder
            .call("save_client_authentication", &weaker)
            .await
            .status,
        200
    );
    // Making it stronger needs no step-up: it only makes the login safer.
    let mut fresh = logged_in(&app, "beheerder", None).await;
    let stronger = [("id", "1"), ("policy", "ja")];
    let saved = fresh.call("save_client_authentication", &stronger).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let bakkerij = fresh.call("client_detail", &[("id", "1")]).await;
    assert_eq!(field(&bakkerij.body, "name"), "Bakkerij De Korenbloem");
}

/// Control characters (NUL among them, which PostgreSQL cannot store), line
/// breaks and reading-direction overrides in a name or an address get a
/// Dutch message naming the field, on both engines, and nothing is saved.
async fn free_text_with_tricks_is_refused_with_a_clear_message(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut beheerder = logged_in(&app, "beheerder", None).await;
    beheerder.step_up_by_sms(&app, PASSWORD, None).await;
    let before = users::find(&app.state.core.db, 2).await.unwrap().unwrap();
    for (name, email, expected) in [
        // A NUL is refused where every form passes, naming the field.
        ("Mees\0", "medewerker@voorbeeld.example", "Naam: dit bevat"),
        (
            "Mees \u{202E}reedewedeM",
            "medewerker@voorbeeld.example",
            "De naam",
        ),
        ("Mees\r\nBcc", "medewerker@voorbeeld.example", "De naam"),
        (
            "Mees Medewerker",
            "mees\0@voorbeeld.example",
            "E-mailadres: dit bevat",
        ),
        (
            "Mees Medewerker",
            "mees@voorbeeld.example\r\nBcc: x@elders.example",
            "Het e-mailadres",
        ),
        (
            "Mees Medewerker",
            "mees@\u{2067}elpmaxe.srerdle",
            "Het e-mailadres",
        ),
    ] {
        let answer = beheerder
            .call(
                "save_office_user",
                &[
                    ("id", "2"),
                    ("display_name", name),
                    ("email", email),
                    ("mobile", ""),
                    ("two_factor", "nee"),
                ],
            )
            .await;
        assert_eq!(answer.status, 422, "{name:?} {email:?}: {}", answer.body);
        assert!(
            answer.body.contains(expected),
            "{name:?} {email:?}: {}",
            answer.body
        );
    }
    let mut hovenier = logged_in(&app, "hovenier", None).await;
    let own = hovenier
        .call("set_my_email", &[("email", "henk\0@elders.example")])
        .await;
    assert_eq!(own.status, 422, "{}", own.body);
    assert!(own.body.contains("E-mailadres: dit bevat"), "{}", own.body);
    let after = users::find(&app.state.core.db, 2).await.unwrap().unwrap();
    assert_eq!(after, before, "nothing saved");
}
