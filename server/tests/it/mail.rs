//! Notices by e-mail: a change to how an account logs in, or a used
//! recovery code, is mailed to the account's address (beside the SMS to
//! its number), also when it has no number; an account without an address
//! gets none. A mail server that hangs or refuses never holds up or fails a
//! login or a change: the failure is logged, not shown. Over real HTTP, on
//! SQLite and on PostgreSQL.

use std::time::{Duration, Instant};

use crate::common::{
    bind_app, bind_app_with_codes, field, log_lines_with, Browser, Engine, Options, TestApp,
};
use server::{
    config::MailChoice,
    mail::outbox::{self, MailLine},
};

const PASSWORD: &str = "Welkom-2fa!";
const HOVENIER: &str = "+31612345601";
const ZORG: &str = "+31612345602";

/// Far above what a login takes here, far below the mail timeout (10 s).
const QUICK: Duration = Duration::from_secs(3);

on_both_engines!(
    a_factor_change_and_a_recovery_code_are_mailed_to_the_users_address,
    an_account_without_an_address_gets_no_mail,
    a_change_to_an_account_without_a_number_is_mailed,
    a_mail_server_that_never_answers_holds_up_nothing,
    a_mail_server_that_refuses_connections_holds_up_nothing,
    an_address_change_needs_a_step_up_and_tells_the_old_address,
);

async fn start(engine: Engine, options: Options) -> TestApp {
    TestApp::start_with(engine, options).await
}

async fn with_mail_outbox(engine: Engine) -> TestApp {
    start(
        engine,
        Options {
            mail: MailChoice::Outbox,
            ..Options::default()
        },
    )
    .await
}

async fn mails(app: &TestApp) -> Vec<MailLine> {
    outbox::read(&app.config.mail_outbox)
        .await
        .expect("mail outbox")
}

async fn logged_in(app: &TestApp, login: &str) -> Browser {
    let mut browser = app.browser();
    let answer = browser.login(login, PASSWORD).await;
    assert_eq!(answer.body, "\"LoggedIn\"", "{}", answer.body);
    browser
}

async fn a_factor_change_and_a_recovery_code_are_mailed_to_the_users_address(engine: Engine) {
    let app = with_mail_outbox(engine).await;
    let mut hovenier = logged_in(&app, "hovenier").await;
    hovenier
        .step_up_by_sms(&app, PASSWORD, Some(HOVENIER))
        .await;
    let (_, codes) = bind_app_with_codes(&app, &mut hovenier, HOVENIER).await;

    let mail = &app.mails_to("hovenier@voorbeeld.example", 1).await[0];
    assert!(mail.subject.contains("hovenier"), "{}", mail.subject);
    assert!(
        mail.body
            .contains("Voor je account hovenier bij Administratiekantoor Voorbeeld is zojuist een authenticator app gekoppeld."),
        "{}",
        mail.body
    );
    assert!(mail.body.contains("Was jij dit niet?"), "{}", mail.body);
    let sms = server::sms::outbox::read(&app.outbox).await.unwrap();
    assert!(
        sms.iter()
            .any(|s| s.to == HOVENIER && s.text.contains("authenticator app gekoppeld")),
        "the SMS notice still goes out"
    );

    // A login with a recovery code is told too.
    let mut again = app.browser();
    assert_eq!(
        again.login("hovenier", PASSWORD).await.body,
        "\"NeedsCode\""
    );
    let used = again
        .call("verify_recovery_code", &[("recovery_code", &codes[0])])
        .await;
    assert_eq!(used.status, 200, "{}", used.body);
    let mail = &app.mails_to("hovenier@voorbeeld.example", 2).await[1];
    assert!(
        mail.body
            .contains("is zojuist een herstelcode gebruikt om in te loggen."),
        "{}",
        mail.body
    );

    // The development page lists them, newest first.
    let page = app.browser().get("/dev/mail").await;
    assert_eq!(page.status, 200);
    let recovery = page.body.find("herstelcode gebruikt").expect("listed");
    let binding = page.body.find("app gekoppeld").expect("listed");
    assert!(recovery < binding, "newest first");
}

async fn an_account_without_an_address_gets_no_mail(engine: Engine) {
    let app = with_mail_outbox(engine).await;
    sqlx::query("UPDATE users SET email = NULL WHERE login_name = 'zorg'")
        .execute(app.state.core.db.writer())
        .await
        .unwrap();
    let mut zorg = app.browser();
    assert_eq!(zorg.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
    let code = app.last_code_to(ZORG).await;
    assert_eq!(zorg.verify(&code).await.status, 200);
    zorg.step_up_by_sms(&app, PASSWORD, Some(ZORG)).await;
    bind_app(&app, &mut zorg, ZORG).await;

    let sms = server::sms::outbox::read(&app.outbox).await.unwrap();
    assert!(
        sms.iter()
            .any(|s| s.to == ZORG && s.text.contains("authenticator app gekoppeld")),
        "told by SMS"
    );
    // Without an address nothing is even handed to a task, so there is
    // nothing to wait for.
    assert_eq!(mails(&app).await, Vec::new(), "no mail to anyone");
}

/// 'medewerker' has no mobile number, so no SMS can tell them; the mail
/// does.
async fn a_change_to_an_account_without_a_number_is_mailed(engine: Engine) {
    let app = with_mail_outbox(engine).await;
    let mut beheerder = logged_in(&app, "beheerder").await;
    beheerder.step_up_by_sms(&app, PASSWORD, None).await;
    let detail = beheerder.call("office_user_detail", &[("id", "2")]).await;
    let name = field(&detail.body, "display_name").to_string();
    let saved = beheerder
        .call(
            "save_office_user",
            &[
                ("id", "2"),
                ("display_name", &name),
                ("email", "medewerker@voorbeeld.example"),
                ("mobile", "0612340000"),
                ("two_factor", "nee"),
            ],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);

    let mail = &app.mails_to("medewerker@voorbeeld.example", 1).await[0];
    assert!(
        mail.body
            .contains("is zojuist je mobiele nummer gewijzigd door je administratiekantoor."),
        "{}",
        mail.body
    );
    // The display name is typed by a beheerder: it is no part of the
    // portal's own words.
    assert!(mail.body.starts_with("Beste gebruiker,"), "{}", mail.body);
    assert!(!mail.body.contains(&name), "{}", mail.body);
}

/// A mail server that takes the connection and never says a word.
async fn silent_mail_server() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    port
}

/// A port where nothing listens: connections are refused.
async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

async fn a_mail_server_that_never_answers_holds_up_nothing(engine: Engine) {
    let port = silent_mail_server().await;
    logins_and_changes_go_on_with_mail_at(engine, port).await;
}

async fn a_mail_server_that_refuses_connections_holds_up_nothing(engine: Engine) {
    let port = closed_port().await;
    logins_and_changes_go_on_with_mail_at(engine, port).await;
}

/// With SMTP at `port` failing: a login, binding an app and a login with a
/// recovery code each answer well within the mail timeout, and succeed;
/// each failed notice is logged (naming the server, never the text).
async fn logins_and_changes_go_on_with_mail_at(engine: Engine, port: u16) {
    let app = start(
        engine,
        Options {
            mail: MailChoice::Smtp,
            smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
            mail_timeout_seconds: 10,
            ..Options::default()
        },
    )
    .await;
    let quick = |what: &str, started: Instant| {
        let took = started.elapsed();
        assert!(took < QUICK, "{what} took {took:?}");
    };

    let started = Instant::now();
    let mut hovenier = logged_in(&app, "hovenier").await;
    quick("the login", started);
    hovenier
        .step_up_by_sms(&app, PASSWORD, Some(HOVENIER))
        .await;
    let started = Instant::now();
    let (_, codes) = bind_app_with_codes(&app, &mut hovenier, HOVENIER).await;
    quick("binding an app", started);

    let mut again = app.browser();
    assert_eq!(
        again.login("hovenier", PASSWORD).await.body,
        "\"NeedsCode\""
    );
    let started = Instant::now();
    let used = again
        .call("verify_recovery_code", &[("recovery_code", &codes[0])])
        .await;
    quick("a login with a recovery code", started);
    assert_eq!(used.status, 200, "{}", used.body);
    assert!(!used.body.to_lowercase().contains("mail"), "{}", used.body);
    assert_eq!(again.call("whoami", &[]).await.status, 200, "logged in");

    // Both notices failed in the background, after the timeout at most.
    let server = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(25);
    while log_lines_with(&["notice mail not sent", &server]).len() < 2 {
        assert!(
            Instant::now() < deadline,
            "no failure logged: {:?}",
            log_lines_with(&["mail"])
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for line in log_lines_with(&["notice mail not sent", &server]) {
        assert!(line.contains("hovenier"), "names the login: {line}");
        assert!(!line.contains("Was jij dit niet"), "never the text: {line}");
    }
}

/// The address is where every notice goes: a beheerder's session that has
/// not stepped up cannot move it, and the old address hears of a move, by
/// the beheerder or by the user. A name carries no line of its own into
/// anything.
async fn an_address_change_needs_a_step_up_and_tells_the_old_address(engine: Engine) {
    let app = with_mail_outbox(engine).await;
    let db = &app.state.core.db;
    let mut beheerder = logged_in(&app, "beheerder").await;
    let form = |name: &'static str, email: &'static str| {
        [
            ("id", "2"),
            ("display_name", name),
            ("email", email),
            ("mobile", ""),
            ("two_factor", "nee"),
        ]
    };
    let refused = beheerder
        .call(
            "save_office_user",
            &form("Mees Medewerker", "mees@elders.example"),
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("StepUpRequired"), "{}", refused.body);
    let tricked = beheerder
        .call(
            "save_office_user",
            &form(
                "Mees\nKlik op https://elders.example om te bevestigen",
                "medewerker@voorbeeld.example",
            ),
        )
        .await;
    assert_eq!(tricked.status, 422, "{}", tricked.body);
    assert!(tricked.body.contains("De naam"), "{}", tricked.body);
    let user = app::storage::users::find(db, 2).await.unwrap().unwrap();
    assert_eq!(user.email.as_deref(), Some("medewerker@voorbeeld.example"));
    assert!(!user.display_name.contains("Klik"));

    beheerder.step_up_by_sms(&app, PASSWORD, None).await;
    let saved = beheerder
        .call(
            "save_office_user",
            &form("Mees Medewerker", "mees@elders.example"),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let told = &app.mails_to("medewerker@voorbeeld.example", 1).await[0];
    assert!(
        told.body.contains(
            "is zojuist een nieuw, nog te bevestigen e-mailadres opgegeven door je administratiekantoor."
        ),
        "{}",
        told.body
    );
    // It waits for its link: the old address is still the one that counts.
    let user = app::storage::users::find(db, 2).await.unwrap().unwrap();
    assert_eq!(user.email.as_deref(), Some("medewerker@voorbeeld.example"));
    assert_eq!(user.pending_email.as_deref(), Some("mees@elders.example"));

    // The user's own change: a step-up, and the old address is told.
    let mut hovenier = logged_in(&app, "hovenier").await;
    let own = hovenier
        .call("set_my_email", &[("email", "henk@elders.example")])
        .await;
    assert_eq!(own.status, 403, "{}", own.body);
    hovenier
        .step_up_by_sms(&app, PASSWORD, Some(HOVENIER))
        .await;
    let own = hovenier
        .call("set_my_email", &[("email", "henk@elders.example")])
        .await;
    assert_eq!(own.status, 200, "{}", own.body);
    let told = &app.mails_to("hovenier@voorbeeld.example", 1).await[0];
    assert!(
        told.body
            .contains("is zojuist een nieuw, nog te bevestigen e-mailadres opgegeven."),
        "{}",
        told.body
    );
    let me = hovenier.call("my_details", &[]).await;
    assert!(
        me.body
            .contains("\"pending_email\":\"henk@elders.example\""),
        "{}",
        me.body
    );
}
