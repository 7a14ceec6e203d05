//! Changes to how an account logs in need a fresh step-up, end the other
//! sessions, are audited and are told to the old number; a bound app is no
//! longer side-stepped by typing a number. Over real HTTP, on SQLite and on
//! PostgreSQL.

use crate::common::{bind_app, field, Browser, Engine, TestApp};
use app::{
    domain::totp,
    storage::{audit, authenticators, users},
};

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
    every_change_of_a_login_setting_ends_other_access_audits_and_announces,
);

async fn logged_in(app: &TestApp, login: &str) -> Browser {
    let mut browser = app.browser();
    let answer = browser.login(login, PASSWORD).await;
    assert_eq!(answer.body, "\"LoggedIn\"", "{}", answer.body);
    browser
}

fn asks_step_up(answer: &crate::common::Answer) -> bool {
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

/// One account's side of a change: who it is, what it had before.
struct Subject {
    id: i64,
    login: &'static str,
    number: Option<&'static str>,
    email: &'static str,
}

const HOVENIER_S: Subject = Subject {
    id: 4,
    login: "hovenier",
    number: Some(HOVENIER),
    email: "hovenier@voorbeeld.example",
};
const ZORG_S: Subject = Subject {
    id: 5,
    login: "zorg",
    number: Some("+31612345602"),
    email: "zorg@voorbeeld.example",
};
const MEDEWERKER_S: Subject = Subject {
    id: 2,
    login: "medewerker",
    number: None,
    email: "medewerker@voorbeeld.example",
};

/// Every change to how an account logs in, each made as its user or a
/// beheerder makes it.
const CHANGES: [(&str, &Subject, &str); 14] = [
    ("binding an app", &HOVENIER_S, "authenticator.bound"),
    ("binding a new app", &HOVENIER_S, "authenticator.bound"),
    ("unbinding the app", &HOVENIER_S, "authenticator.unbound"),
    (
        "a beheerder's reset of the app",
        &HOVENIER_S,
        "authenticator.reset",
    ),
    (
        "a new number, confirmed by its code",
        &HOVENIER_S,
        "user.mobile",
    ),
    (
        "the first number, typed at login",
        &MEDEWERKER_S,
        "user.mobile",
    ),
    ("a beheerder's new number", &ZORG_S, "user.mobile"),
    (
        "two-factor login turned off",
        &HOVENIER_S,
        "user.two_factor_choice",
    ),
    (
        "two-factor login turned on",
        &HOVENIER_S,
        "user.two_factor_choice",
    ),
    ("a beheerder's switch", &MEDEWERKER_S, "user.two_factor"),
    ("new recovery codes", &HOVENIER_S, "recovery.created"),
    // A new address waits for its link; the request is the change.
    (
        "the user's own e-mail address",
        &HOVENIER_S,
        "user.email_requested",
    ),
    (
        "a beheerder's change of the address",
        &MEDEWERKER_S,
        "user.email_requested",
    ),
    (
        "a beheerder's 'Sessies beëindigen'",
        &ZORG_S,
        "sessions.ended",
    ),
];

/// Through one door, every change: the account's other sessions end and no
/// browser of it stays trusted, it is audited, and the number and address
/// the account had are told.
async fn every_change_of_a_login_setting_ends_other_access_audits_and_announces(engine: Engine) {
    use app::{
        domain::token::{new_session_token, token_hash},
        storage::{
            sessions::{self, SessionRecord, Stage},
            trusted,
        },
    };
    for (change, subject, action) in CHANGES {
        let app = TestApp::start_with(
            engine,
            crate::common::Options {
                mail: server::config::MailChoice::Outbox,
                ..crate::common::Options::default()
            },
        )
        .await;
        let db = &app.state.core.db;
        let mut own = prepare(&app, change).await;
        // Past the minute between two SMS to one session.
        app.clock.advance(61);

        // A session elsewhere (a thief's, or the owner's other device) and
        // a trusted browser.
        let token = new_session_token();
        let now = app.now();
        sessions::insert(
            db,
            &SessionRecord {
                id_hash: token_hash(&token),
                user_id: subject.id,
                stage: Stage::Active,
                active_client_id: None,
                pending_mobile: None,
                created_at: now,
                logged_in_at: now,
                last_seen_at: now,
                stepped_up_at: None,
                notice: None,
                login_method: None,
                sid: "sid".into(),
            },
        )
        .await
        .unwrap();
        let mut elsewhere = app.browser();
        elsewhere.cookie = Some(format!("tweestap_sessie={token}"));
        assert_eq!(elsewhere.call("whoami", &[]).await.status, 200, "{change}");
        trusted::insert(
            db,
            subject.id,
            &token_hash(&new_session_token()),
            "Firefox op Linux",
            now,
            now + 86_400,
        )
        .await
        .unwrap();
        let mails_before = mails_to(&app, subject.email).await.len();
        let sms_before = match subject.number {
            Some(number) => app.outbox_count_to(number).await,
            None => 0,
        };

        make(&app, change, &mut own).await;

        assert_eq!(
            elsewhere.call("whoami", &[]).await.status,
            401,
            "{change}: other sessions end"
        );
        assert!(
            trusted::of_user(db, subject.id).await.unwrap().is_empty(),
            "{change}: no browser stays trusted"
        );
        let log = audit::recent(db, 20).await.unwrap();
        assert!(
            log.iter()
                .any(|e| e.action == action && e.subject.as_deref() == Some(subject.login)),
            "{change}: audited as {action}: {log:?}"
        );
        // Plural things take "zijn" (the notice's Dutch, issue 27).
        let verb = match action {
            "recovery.created" | "sessions.ended" => "zijn",
            _ => "is",
        };
        let told = format!(
            "Voor je account {} bij Administratiekantoor Voorbeeld {verb} zojuist",
            subject.login
        );
        let mails = wait_for_mails(&app, subject.email, mails_before + 1).await;
        assert!(
            mails[mails_before..].iter().any(|m| m.body.contains(&told)),
            "{change}: mailed to the old address: {mails:#?}"
        );
        if let Some(number) = subject.number {
            let texts = server::sms::outbox::read(&app.outbox).await.unwrap();
            let to_old: Vec<_> = texts.iter().filter(|t| t.to == number).collect();
            assert!(to_old.len() > sms_before, "{change}: texted to {number}");
            assert!(
                to_old[sms_before..].iter().any(|t| t
                    .text
                    .contains(&format!("voor je account {} {verb} zojuist", subject.login))),
                "{change}: {to_old:#?}"
            );
        }
    }
}

async fn mails_to(app: &TestApp, address: &str) -> Vec<server::mail::outbox::MailLine> {
    server::mail::outbox::read(&app.config.mail_outbox)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.to == address)
        .collect()
}

/// The mails to `address` once there are `count`: notices go out a moment
/// after the answer.
async fn wait_for_mails(
    app: &TestApp,
    address: &str,
    count: usize,
) -> Vec<server::mail::outbox::MailLine> {
    for _ in 0..500 {
        let found = mails_to(app, address).await;
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    mails_to(app, address).await
}

/// What a change needs to be possible at all (an app to unbind, a choice
/// to turn off); returns the session that will make it.
async fn prepare(app: &TestApp, change: &str) -> Browser {
    let db = &app.state.core.db;
    match change {
        "binding a new app" | "unbinding the app" | "a beheerder's reset of the app" => {
            let mut hovenier = logged_in(app, "hovenier").await;
            hovenier.step_up_by_sms(app, PASSWORD, Some(HOVENIER)).await;
            bind_app(app, &mut hovenier, HOVENIER).await;
            if change.starts_with("a beheerder") {
                return logged_in(app, "beheerder").await;
            }
            hovenier
        }
        "two-factor login turned off" => {
            db.execute(users::set_two_factor_choice(4, true))
                .await
                .unwrap();
            logged_in_by_sms(app, "hovenier", HOVENIER).await
        }
        "the first number, typed at login" => {
            db.execute(
                app::storage::batch::Stmt::new(
                    "UPDATE users SET two_factor_required = $1 WHERE id = $2",
                )
                .bind(true)
                .bind(2),
            )
            .await
            .unwrap();
            app.browser()
        }
        c if c.starts_with("a beheerder") => logged_in(app, "beheerder").await,
        _ => logged_in(app, "hovenier").await,
    }
}

async fn logged_in_by_sms(app: &TestApp, login: &str, phone: &str) -> Browser {
    let mut browser = app.browser();
    assert_eq!(browser.login(login, PASSWORD).await.body, "\"NeedsCode\"");
    let code = app.last_code_to(phone).await;
    assert_eq!(browser.verify(&code).await.status, 200);
    browser
}

/// Makes `change` in `session`, as the pages do.
async fn make(app: &TestApp, change: &str, session: &mut Browser) {
    let ok =
        |answer: crate::common::Answer| assert_eq!(answer.status, 200, "{change}: {}", answer.body);
    let new_number = "+31687650000";
    match change {
        "binding an app" | "binding a new app" => {
            if change == "binding an app" {
                session.step_up_by_sms(app, PASSWORD, Some(HOVENIER)).await;
            }
            bind_app(app, session, HOVENIER).await;
        }
        "unbinding the app" => ok(session.call("unbind_authenticator", &[]).await),
        "a beheerder's reset of the app" => {
            session.step_up_by_sms(app, PASSWORD, None).await;
            ok(session
                .call("reset_authenticator", &[("user_id", "4")])
                .await);
        }
        "a new number, confirmed by its code" => {
            session.step_up_by_sms(app, PASSWORD, Some(HOVENIER)).await;
            ok(session
                .call("send_number_code", &[("mobile", new_number)])
                .await);
            let code = app.last_code_to(new_number).await;
            ok(session.call("confirm_number", &[("code", &code)]).await);
        }
        "the first number, typed at login" => {
            assert_eq!(
                session.login("medewerker", PASSWORD).await.body,
                "\"NeedsMobile\""
            );
            ok(session
                .call("submit_mobile", &[("mobile", new_number)])
                .await);
            let code = app.last_code_to(new_number).await;
            ok(session.verify(&code).await);
        }
        "a beheerder's new number" => {
            session.step_up_by_sms(app, PASSWORD, None).await;
            ok(session
                .call(
                    "set_user_mobile",
                    &[("user_id", "5"), ("mobile", new_number)],
                )
                .await);
        }
        "two-factor login turned off" => {
            session.step_up_by_sms(app, PASSWORD, Some(HOVENIER)).await;
            ok(session
                .call("set_my_two_factor", &[("two_factor", "nee")])
                .await);
        }
        "two-factor login turned on" => ok(session
            .call("set_my_two_factor", &[("two_factor", "ja")])
            .await),
        "a beheerder's switch" | "a beheerder's change of the address" => {
            session.step_up_by_sms(app, PASSWORD, None).await;
            let (email, switch) = if change == "a beheerder's switch" {
                ("medewerker@voorbeeld.example", "ja")
            } else {
                ("mees@elders.example", "nee")
            };
            let detail = session.call("office_user_detail", &[("id", "2")]).await;
            let name = field(&detail.body, "display_name").to_string();
            ok(session
                .call(
                    "save_office_user",
                    &[
                        ("id", "2"),
                        ("display_name", &name),
                        ("email", email),
                        ("mobile", ""),
                        ("two_factor", switch),
                    ],
                )
                .await);
        }
        "new recovery codes" => {
            session.step_up_by_sms(app, PASSWORD, Some(HOVENIER)).await;
            ok(session.call("make_recovery_codes", &[]).await);
        }
        "the user's own e-mail address" => {
            session.step_up_by_sms(app, PASSWORD, Some(HOVENIER)).await;
            ok(session
                .call("set_my_email", &[("email", "henk@elders.example")])
                .await);
        }
        "a beheerder's 'Sessies beëindigen'" => {
            session.step_up_by_sms(app, PASSWORD, None).await;
            ok(session.call("end_user_sessions", &[("user_id", "5")]).await);
        }
        other => panic!("no way to make {other}"),
    }
}
