//! Changes to how an account logs in need a fresh step-up, end the other
//! sessions, are audited and are told to the old number; a bound app is no
//! longer side-stepped by typing a number. Over real HTTP, on SQLite and on
//! PostgreSQL.

mod common;

use app::{
    domain::totp,
    storage::{audit, authenticators, users},
};
use common::{bind_app, field, Browser, Engine, TestApp};

const PASSWORD: &str = "Welkom-2fa!";
const HOVENIER: &str = "+31612345601";
const MULTI: &str = "+31612345603";

on_both_engines!(
    a_session_without_step_up_changes_no_factor,
    the_step_up_needs_password_and_current_factor_and_renews_the_session,
    a_factor_change_ends_other_sessions_and_tells_the_old_number,
    a_bound_app_is_not_side_stepped_by_typing_a_number,
    the_binding_never_replaces_a_stored_number,
    a_beheerders_change_of_a_number_needs_their_step_up_and_the_owners_code,
    the_step_up_is_no_way_around_the_limits,
);

async fn logged_in(app: &TestApp, login: &str) -> Browser {
    let mut browser = app.browser();
    let answer = browser.login(login, PASSWORD).await;
    assert_eq!(answer.body, "\"LoggedIn\"", "{}", answer.body);
    browser
}

fn asks_step_up(answer: &common::Answer) -> bool {
    answer.status == 403 && answer.body.contains("StepUpRequired")
}

/// A hijacked cookie alone (a logged-in session that has not proved its
/// user again) can neither bind, nor unbind, nor change the number, nor
/// turn two-factor login off; nothing changes.
async fn a_session_without_step_up_changes_no_factor(engine: Engine) {
    let app = TestApp::start(engine).await;
    // 'multi' may choose (Optioneel) and has chosen two-factor login.
    app.state
        .core
        .db
        .execute(users::set_two_factor_choice(6, true))
        .await
        .unwrap();
    let mut owner = app.browser();
    assert_eq!(owner.login("multi", PASSWORD).await.body, "\"NeedsCode\"");
    let code = app.last_code_to(MULTI).await;
    assert_eq!(owner.verify(&code).await.status, 200);
    let mut thief = owner.with_cookie_at(&app.base);
    let sms_before = app.outbox_count().await;

    for (endpoint, form) in [
        ("begin_binding", vec![]),
        ("send_binding_sms", vec![]),
        ("submit_binding_mobile", vec![("mobile", "0687654321")]),
        (
            "confirm_binding",
            vec![("sms_code", "123456"), ("app_code", "123456")],
        ),
        ("unbind_authenticator", vec![]),
        ("set_my_two_factor", vec![("two_factor", "nee")]),
    ] {
        let answer = thief.call(endpoint, &form).await;
        assert!(
            asks_step_up(&answer),
            "{endpoint}: {} {}",
            answer.status,
            answer.body
        );
    }
    assert_eq!(app.outbox_count().await, sms_before, "no SMS to anyone");
    let user = users::find(&app.state.core.db, 6).await.unwrap().unwrap();
    assert_eq!(user.mobile.as_deref(), Some(MULTI));
    assert!(user.two_factor_chosen, "two-factor login is still on");
    assert!(authenticators::enrolment(&app.state.core.db, 6)
        .await
        .unwrap()
        .is_none());

    // The login itself is no step-up, and neither is a step-up of another
    // session: the proof lives in the session that gave it.
    let mut other = app.browser();
    other.login("multi", PASSWORD).await;
    other.verify(&app.last_code_to(MULTI).await).await;
    other.step_up_by_sms(&app, PASSWORD, Some(MULTI)).await;
    assert!(asks_step_up(&thief.call("begin_binding", &[]).await));
}

async fn the_step_up_needs_password_and_current_factor_and_renews_the_session(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut hovenier = logged_in(&app, "hovenier").await;
    let status = hovenier.call("step_up_status", &[]).await;
    assert!(
        status.body.contains("\"seconds_left\":0"),
        "{}",
        status.body
    );
    assert!(
        status.body.contains("\"sms_to\":\"********01\""),
        "{}",
        status.body
    );

    // No SMS sent: asking costs no try.
    let early = hovenier.step_up(PASSWORD, "123456").await;
    assert_eq!(early.status, 422, "{}", early.body);
    assert_eq!(hovenier.call("send_step_up_sms", &[]).await.status, 200);
    let code = app.last_code_to(HOVENIER).await;
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    let bad_password = hovenier.step_up("Verkeerd-1!", &code).await;
    assert_eq!(bad_password.status, 422);
    assert!(
        bad_password.body.contains("wachtwoord is onjuist"),
        "{}",
        bad_password.body
    );
    let bad_code = hovenier.step_up(PASSWORD, wrong_code).await;
    assert_eq!(bad_code.status, 422);
    assert!(bad_code.body.contains("onjuist"), "{}", bad_code.body);
    assert!(asks_step_up(&hovenier.call("begin_binding", &[]).await));

    let before = hovenier.cookie.clone();
    let ok = hovenier.step_up(PASSWORD, &code).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_ne!(hovenier.cookie, before, "a new session id at the step-up");
    let mut old = hovenier.with_cookie_at(&app.base);
    old.cookie = before;
    assert_eq!(
        old.call("whoami", &[]).await.status,
        401,
        "the old id is gone"
    );
    assert_eq!(hovenier.call("begin_binding", &[]).await.status, 200);
    assert_eq!(
        hovenier.step_up(PASSWORD, &code).await.status,
        422,
        "a step-up code works once"
    );

    // With an app bound, its code proves the user.
    let secret = bind_app(&app, &mut hovenier, HOVENIER).await;
    app.clock.advance(601);
    assert!(
        asks_step_up(&hovenier.call("begin_binding", &[]).await),
        "ten minutes, no more"
    );
    let app_code = totp::code_at(&secret, app.now());
    assert_eq!(hovenier.step_up(PASSWORD, &app_code).await.status, 200);
    let log = audit::recent(&app.state.core.db, 30).await.unwrap();
    assert!(log.iter().any(|e| e.action == "stepup.ok"));
    assert!(log.iter().any(|e| e.action == "stepup.failed"));

    // A user with no factor at all proves the password alone.
    let mut bakker = logged_in(&app, "bakker").await;
    let status = bakker.call("step_up_status", &[]).await;
    assert!(
        status.body.contains("\"app\":false") && status.body.contains("\"sms_to\":null"),
        "{}",
        status.body
    );
    assert_eq!(bakker.step_up("Verkeerd-1!", "").await.status, 422);
    assert_eq!(bakker.step_up(PASSWORD, "").await.status, 200);
}

async fn a_factor_change_ends_other_sessions_and_tells_the_old_number(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut phone = logged_in(&app, "hovenier").await;
    let mut laptop = logged_in(&app, "hovenier").await;
    laptop.step_up_by_sms(&app, PASSWORD, Some(HOVENIER)).await;
    bind_app(&app, &mut laptop, HOVENIER).await;

    assert_eq!(
        phone.call("whoami", &[]).await.status,
        401,
        "the other session ended"
    );
    assert_eq!(
        laptop.call("whoami", &[]).await.status,
        200,
        "the one that changed it goes on"
    );
    let notices = app::storage::audit::recent(&app.state.core.db, 5)
        .await
        .unwrap();
    assert!(notices.iter().any(|e| e.action == "authenticator.bound"));
    let last = server::sms::outbox::read(&app.outbox).await.unwrap();
    let notice = last.last().unwrap();
    assert_eq!(notice.to, HOVENIER);
    assert!(
        notice.text.contains("authenticator app gekoppeld")
            && notice.text.contains("Was jij dit niet?"),
        "{}",
        notice.text
    );

    // Unbinding too.
    let mut phone = logged_in_with_app(&app).await;
    assert_eq!(laptop.call("unbind_authenticator", &[]).await.status, 200);
    assert_eq!(phone.call("whoami", &[]).await.status, 401);
    let notice = server::sms::outbox::read(&app.outbox)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert!(notice.text.contains("ontkoppeld"), "{}", notice.text);
}

/// Logs hovenier in with the app bound: by an SMS code to the stored number.
async fn logged_in_with_app(app: &TestApp) -> Browser {
    let mut browser = app.browser();
    assert_eq!(
        browser.login("hovenier", PASSWORD).await.body,
        "\"NeedsCode\""
    );
    app.clock.advance(61);
    assert_eq!(browser.call("resend_code", &[]).await.status, 200);
    let code = app.last_code_to(HOVENIER).await;
    assert_eq!(browser.verify(&code).await.status, 200);
    browser
}

/// A lost phone whose number was cleared must not turn the login into
/// "password plus any number".
async fn a_bound_app_is_not_side_stepped_by_typing_a_number(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut hovenier = logged_in(&app, "hovenier").await;
    hovenier
        .step_up_by_sms(&app, PASSWORD, Some(HOVENIER))
        .await;
    bind_app(&app, &mut hovenier, HOVENIER).await;
    sqlx::query("UPDATE users SET mobile = NULL WHERE id = 4")
        .execute(app.state.core.db.writer())
        .await
        .unwrap();

    let mut attacker = app.browser();
    assert_eq!(
        attacker.login("hovenier", PASSWORD).await.body,
        "\"NeedsCode\""
    );
    let typed = attacker
        .call("submit_mobile", &[("mobile", "0687654321")])
        .await;
    assert_eq!(typed.status, 422, "{}", typed.body);
    assert!(typed.body.contains("authenticator app"), "{}", typed.body);
    assert_eq!(
        app.outbox_count_to("+31687654321").await,
        0,
        "no code to the typed number"
    );
    assert_eq!(attacker.call("whoami", &[]).await.status, 401);
    assert!(users::find(&app.state.core.db, 4)
        .await
        .unwrap()
        .unwrap()
        .mobile
        .is_none());
}

async fn the_binding_never_replaces_a_stored_number(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut hovenier = logged_in(&app, "hovenier").await;
    hovenier
        .step_up_by_sms(&app, PASSWORD, Some(HOVENIER))
        .await;
    assert_eq!(hovenier.call("begin_binding", &[]).await.status, 200);
    let other = hovenier
        .call("submit_binding_mobile", &[("mobile", "0687654321")])
        .await;
    assert_eq!(other.status, 422, "{}", other.body);
    assert_eq!(app.outbox_count_to("+31687654321").await, 0);
    assert_eq!(hovenier.call("send_binding_sms", &[]).await.body, "true");
    assert!(
        app.outbox_count_to(HOVENIER).await >= 2,
        "the code goes to the stored number"
    );
}

async fn a_beheerders_change_of_a_number_needs_their_step_up_and_the_owners_code(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut medewerker = logged_in(&app, "medewerker").await;
    let mut beheerder = logged_in(&app, "beheerder").await;
    let form = [
        ("id", "2"),
        ("display_name", "Mila Medewerker"),
        ("email", ""),
        ("mobile", "0612340000"),
        ("two_factor", "ja"),
    ];
    let detail = beheerder.call("office_user_detail", &[("id", "2")]).await;
    let name = field(&detail.body, "display_name").to_string();
    let form = form.map(|(k, v)| {
        if k == "display_name" {
            (k, name.as_str())
        } else {
            (k, v)
        }
    });
    let refused = beheerder.call("save_office_user", &form).await;
    assert!(
        asks_step_up(&refused),
        "{} {}",
        refused.status,
        refused.body
    );
    let user = users::find(&app.state.core.db, 2).await.unwrap().unwrap();
    assert_eq!(
        (user.mobile, user.two_factor_required),
        (None, false),
        "nothing saved"
    );

    beheerder.step_up_by_sms(&app, PASSWORD, None).await;
    let saved = beheerder.call("save_office_user", &form).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(
        medewerker.call("whoami", &[]).await.status,
        401,
        "their sessions ended"
    );
    let user = users::find(&app.state.core.db, 2).await.unwrap().unwrap();
    assert_eq!(user.mobile.as_deref(), Some("+31612340000"));
    assert!(!user.mobile_confirmed, "waits for its owner's code");

    // The owner confirms it with the code sent to it at the next login.
    let mut again = app.browser();
    assert_eq!(
        again.login("medewerker", PASSWORD).await.body,
        "\"NeedsCode\""
    );
    let code = app.last_code_to("+31612340000").await;
    assert_eq!(again.verify(&code).await.status, 200);
    assert!(
        users::find(&app.state.core.db, 2)
            .await
            .unwrap()
            .unwrap()
            .mobile_confirmed
    );
}

/// A stolen cookie cannot use the step-up to guess the password or the
/// code beyond the login's own limits, and parallel copies of one right
/// step-up renew the session once.
async fn the_step_up_is_no_way_around_the_limits(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut thief = logged_in(&app, "hovenier").await;
    for n in 0..10 {
        let guess = thief.step_up(&format!("Geraden-{n}"), "123456").await;
        assert_eq!(guess.status, 422, "{}", guess.body);
    }
    assert_eq!(thief.step_up(PASSWORD, "123456").await.status, 429);
    let mut owner = app.browser();
    assert_eq!(
        owner.login("hovenier", PASSWORD).await.status,
        429,
        "step-up guesses count toward the login name's limit"
    );

    app.clock.advance(15 * 60);
    let mut thief = logged_in(&app, "hovenier").await;
    assert_eq!(thief.call("send_step_up_sms", &[]).await.status, 200);
    let right = app.last_code_to(HOVENIER).await;
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..5 {
        assert_eq!(thief.step_up(PASSWORD, wrong).await.status, 422);
    }
    // Five wrong tries end a code, as at login: even the right one fails now.
    let dead = thief.step_up(PASSWORD, &right).await;
    assert!(dead.body.contains("te vaak onjuist"), "{}", dead.body);
    assert!(asks_step_up(&thief.call("begin_binding", &[]).await));

    // Parallel copies of one right step-up: one renewed session.
    app.clock.advance(24 * 60 * 60);
    let mut owner = logged_in(&app, "hovenier").await;
    assert_eq!(owner.call("send_step_up_sms", &[]).await.status, 200);
    let code = app.last_code_to(HOVENIER).await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let mut copy = owner.with_cookie_at(&app.base);
            let code = code.clone();
            tokio::spawn(async move { copy.step_up(PASSWORD, &code).await.status })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        if task.await.unwrap() == 200 {
            ok += 1;
        }
    }
    assert_eq!(ok, 1, "one way up per session");
}
