//! The end of an account's life, tried as an attacker would: a blocked
//! user's open session, waiting login, reset link and invitation; a
//! wrong password that must not reveal the block; two beheerders
//! blocking each other at once; a removal that must leave nothing of the
//! account but pseudonymous Logboek rows; and the AVG download, which
//! must hold every kind of row and no secret. Over real HTTP, on both
//! engines.

use app::storage::batch::Stmt;
use sqlx::Row;

use crate::common::{bind_app_with_codes, Engine, TestApp};

const PASSWORD: &str = "Welkom-2fa!";
const MEDEWERKER: &str = "2";
const ZORG: &str = "5";
const ZORG_PHONE: &str = "+31612345602";
const MEES: &str = "mees@voorbeeld.example";

on_both_engines!(
    a_blocked_account_is_refused_on_every_way_in_and_a_wrong_password_reveals_nothing,
    blocking_ends_a_login_waiting_for_its_code,
    removal_deletes_every_row_of_the_account_and_renames_its_logboek_subject,
    a_client_user_with_another_client_only_loses_that_one,
    no_beheerder_blocks_or_removes_themselves_and_one_always_remains,
    the_download_holds_every_kind_of_row_and_no_secret,
    blocks_of_each_other_at_once_never_leave_the_office_without_a_beheerder,
    a_trusted_browser_and_an_invitation_open_nothing_for_a_blocked_account,
    parallel_copies_of_a_block_or_a_removal_do_it_once,
);

async fn count(app: &TestApp, sql: &'static str, bind: &str) -> i64 {
    let row = Stmt::new(sql)
        .bind(bind)
        .fetch_one(app.state.core.db.pool())
        .await
        .unwrap();
    row.try_get::<i64, _>("n").unwrap()
}

async fn a_blocked_account_is_refused_on_every_way_in_and_a_wrong_password_reveals_nothing(
    engine: Engine,
) {
    let app = TestApp::start_with_mail(engine).await;
    let mut admin = app.beheerder().await;
    // Before the block: a wrong password's answer, a session, a reset link.
    let mut guesser = app.browser();
    let wrong_before = guesser.login("medewerker", "geraden wachtwoord").await;
    assert_eq!(wrong_before.status, 401);
    let mut user = app.browser();
    assert_eq!(
        user.login("medewerker", PASSWORD).await.body,
        "\"LoggedIn\""
    );
    let set = admin
        .call(
            "save_office_user",
            &[
                ("id", MEDEWERKER),
                ("display_name", "Mees Medewerker"),
                ("email", MEES),
                ("mobile", ""),
                ("two_factor", "nee"),
            ],
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let confirmation = &app.mails_to(MEES, 1).await[0].body;
    let token = confirmation
        .split("/e-mailadres-bevestigen/")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect(confirmation)
        .to_string();
    let confirmed = app
        .browser()
        .call("confirm_email", &[("token", &token)])
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);

    let blocked = admin.call("block_user", &[("user_id", MEDEWERKER)]).await;
    assert_eq!(blocked.status, 200, "{}", blocked.body);
    assert_eq!(
        user.call("whoami", &[]).await.status,
        401,
        "the open session ended"
    );
    let right = user.login("medewerker", PASSWORD).await;
    assert_eq!(right.status, 403, "{}", right.body);
    assert!(right.body.contains("Blocked"), "{}", right.body);
    let wrong = guesser.login("medewerker", "geraden wachtwoord").await;
    assert_eq!(
        (wrong.status, wrong.body),
        (wrong_before.status, wrong_before.body),
        "a wrong password gets the answer it got before the block"
    );
    // The user was told, at the confirmed address.
    let told = app.mails_to(MEES, 2).await;
    assert!(told[1].body.contains("geblokkeerd"), "{told:?}");
    // 'Wachtwoord vergeten?': the same answer, and no mail.
    let asked = app
        .browser()
        .call("ask_password_reset", &[("account", "medewerker")])
        .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.mails_now(MEES).await.len(), 2, "no reset link");
    // The beheerder's 'Herstellink sturen' is refused too.
    let reset = admin
        .call("send_reset_link", &[("user_id", MEDEWERKER)])
        .await;
    assert_eq!(reset.status, 422, "{}", reset.body);
    assert!(reset.body.contains("geblokkeerd"), "{}", reset.body);

    let lifted = admin.call("unblock_user", &[("user_id", MEDEWERKER)]).await;
    assert_eq!(lifted.status, 200, "{}", lifted.body);
    assert_eq!(
        user.login("medewerker", PASSWORD).await.body,
        "\"LoggedIn\""
    );
    let actions = app.audit_actions().await;
    for action in ["user.blocked", "login.blocked", "user.unblocked"] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
}

async fn blocking_ends_a_login_waiting_for_its_code(engine: Engine) {
    let app = TestApp::start_with_mail(engine).await;
    let mut admin = app.beheerder().await;
    let mut zorg = app.browser();
    assert_eq!(zorg.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
    let code = app.last_code_to(ZORG_PHONE).await;
    let blocked = admin.call("block_user", &[("user_id", ZORG)]).await;
    assert_eq!(blocked.status, 200, "{}", blocked.body);
    let late = zorg.verify(&code).await;
    assert_eq!(late.status, 401, "{}", late.body);
    assert_eq!(zorg.call("whoami", &[]).await.status, 401);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM sessions WHERE user_id = CAST($1 AS INTEGER)",
            ZORG
        )
        .await,
        0
    );
}

async fn removal_deletes_every_row_of_the_account_and_renames_its_logboek_subject(engine: Engine) {
    let app = TestApp::start_with_mail(engine).await;
    // zorg leaves rows everywhere: an SMS, a bound app, recovery codes,
    // a session and a trusted browser.
    let mut zorg = app.browser();
    assert_eq!(zorg.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
    let code = app.last_code_to(ZORG_PHONE).await;
    assert_eq!(zorg.verify_and_remember(&code).await.status, 200);
    zorg.step_up_by_sms(&app, PASSWORD, Some(ZORG_PHONE)).await;
    bind_app_with_codes(&app, &mut zorg, ZORG_PHONE).await;

    let mut admin = app.beheerder().await;
    let asked = admin
        .call("removal_of", &[("user_id", ZORG), ("client_id", "3")])
        .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(
        asked.body.contains("\"display_name\":\"Zeynep Zorg\"")
            && asked.body.contains("\"deletes_account\":true"),
        "the confirmation names the user and says the account goes: {}",
        asked.body
    );
    // A confirmation that said otherwise changes nothing.
    let stale = admin
        .call(
            "remove_user",
            &[
                ("user_id", ZORG),
                ("client_id", "3"),
                ("deletes_account", "false"),
            ],
        )
        .await;
    assert_eq!(stale.status, 422, "{}", stale.body);
    let removed = admin
        .call(
            "remove_user",
            &[
                ("user_id", ZORG),
                ("client_id", "3"),
                ("deletes_account", "true"),
            ],
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.body);

    assert_eq!(zorg.call("whoami", &[]).await.status, 401);
    assert_eq!(app.browser().login("zorg", PASSWORD).await.status, 401);
    for table in [
        "SELECT COUNT(*) AS n FROM users WHERE id = CAST($1 AS INTEGER)",
        "SELECT COUNT(*) AS n FROM sessions WHERE user_id = CAST($1 AS INTEGER)",
        "SELECT COUNT(*) AS n FROM authenticators WHERE user_id = CAST($1 AS INTEGER)",
        "SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = CAST($1 AS INTEGER)",
        "SELECT COUNT(*) AS n FROM trusted_browsers WHERE user_id = CAST($1 AS INTEGER)",
        "SELECT COUNT(*) AS n FROM sms_codes WHERE user_id = CAST($1 AS INTEGER)",
        "SELECT COUNT(*) AS n FROM sms_messages WHERE user_id = CAST($1 AS INTEGER)",
        "SELECT COUNT(*) AS n FROM client_users WHERE user_id = CAST($1 AS INTEGER)",
        "SELECT COUNT(*) AS n FROM passkeys WHERE user_id = CAST($1 AS INTEGER)",
        "SELECT COUNT(*) AS n FROM link_tokens WHERE user_id = CAST($1 AS INTEGER)",
    ] {
        assert_eq!(count(&app, table, ZORG).await, 0, "{table}");
    }
    // (A later try of the name by anyone is a new row, of no office.)
    let left: Vec<String> = Stmt::new(
        "SELECT action, office_id FROM audit_log WHERE subject = $1 AND office_id IS NOT NULL",
    )
    .bind("zorg")
    .fetch_all(app.state.core.db.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| {
        format!(
            "{} {:?}",
            r.try_get::<String, _>("action").unwrap(),
            r.try_get::<Option<i64>, _>("office_id").unwrap()
        )
    })
    .collect();
    assert!(
        left.is_empty(),
        "no Logboek row names the removed login: {left:?}"
    );
    let pseudonymous = count(
        &app,
        "SELECT COUNT(*) AS n FROM audit_log WHERE subject = $1",
        "verwijderde gebruiker #5",
    )
    .await;
    assert!(pseudonymous >= 5, "the rows stay: {pseudonymous}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM audit_log WHERE old_value = $1 OR new_value = $1",
            ZORG_PHONE
        )
        .await,
        0,
        "the number is out of the Logboek"
    );
    let log = admin.call("audit_log", &[]).await;
    let rows: serde_json::Value = serde_json::from_str(&log.body).expect(&log.body);
    let rows = rows["rows"].as_array().expect(&log.body);
    assert!(
        rows.iter().any(|r| r["actor"] == "verwijderde gebruiker #5"
            && r["subject"] == "verwijderde gebruiker #5"),
        "zorg's own rows name the removed account as who did them too: {}",
        log.body
    );
    assert!(!log.body.contains("\"zorg\""), "{}", log.body);
}

async fn a_client_user_with_another_client_only_loses_that_one(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut admin = app.beheerder().await;
    let multi = count(
        &app,
        "SELECT id AS n FROM users WHERE login_name = $1",
        "multi",
    )
    .await
    .to_string();
    let clients = count(
        &app,
        "SELECT COUNT(*) AS n FROM client_users cu JOIN users u ON u.id = cu.user_id \
         WHERE u.login_name = $1",
        "multi",
    )
    .await;
    assert!(clients >= 2, "{clients}");
    let client = count(
        &app,
        "SELECT MIN(client_id) AS n FROM client_users cu JOIN users u ON u.id = cu.user_id \
         WHERE u.login_name = $1",
        "multi",
    )
    .await
    .to_string();
    let asked = admin
        .call("removal_of", &[("user_id", &multi), ("client_id", &client)])
        .await;
    assert!(
        asked.body.contains("\"deletes_account\":false"),
        "{}",
        asked.body
    );
    let removed = admin
        .call(
            "remove_user",
            &[
                ("user_id", &multi),
                ("client_id", &client),
                ("deletes_account", "false"),
            ],
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    let left = count(
        &app,
        "SELECT COUNT(*) AS n FROM client_users cu JOIN users u ON u.id = cu.user_id \
         WHERE u.login_name = $1",
        "multi",
    )
    .await;
    assert_eq!(left, clients - 1);
    assert_eq!(app.browser().login("multi", PASSWORD).await.status, 200);
}

async fn no_beheerder_blocks_or_removes_themselves_and_one_always_remains(engine: Engine) {
    let app = TestApp::start_with_mail(engine).await;
    let mut admin = app.beheerder().await;
    for (endpoint, form) in [
        ("block_user", vec![("user_id", "1")]),
        ("removal_of", vec![("user_id", "1"), ("client_id", "0")]),
        (
            "remove_user",
            vec![
                ("user_id", "1"),
                ("client_id", "0"),
                ("deletes_account", "true"),
            ],
        ),
    ] {
        let answer = admin.call(endpoint, &form).await;
        assert_eq!(answer.status, 422, "{endpoint}: {}", answer.body);
        assert!(answer.body.contains("eigen account"), "{}", answer.body);
    }
    // medewerker becomes the second beheerder; each then blocks the other,
    // both at once: one of them stays.
    Stmt::new("UPDATE users SET is_beheerder = $1 WHERE login_name = $2")
        .bind(true)
        .bind("medewerker")
        .execute_on(app.state.core.db.pool())
        .await
        .unwrap();
    let mut other = app.browser();
    assert_eq!(
        other.login("medewerker", PASSWORD).await.body,
        "\"LoggedIn\""
    );
    other.step_up_by_sms(&app, PASSWORD, None).await;
    let (a, b) = tokio::join!(
        admin.call("block_user", &[("user_id", MEDEWERKER)]),
        other.call("block_user", &[("user_id", "1")]),
    );
    let row = Stmt::new(
        "SELECT COUNT(*) AS n FROM users WHERE is_beheerder = $1 AND blocked_at IS NULL \
         AND login_name IN ('beheerder', 'medewerker')",
    )
    .bind(true)
    .fetch_one(app.state.core.db.pool())
    .await
    .unwrap();
    let active = row.try_get::<i64, _>("n").unwrap();
    assert!(
        active >= 1,
        "a beheerder remains: {} {} / {} {}",
        a.status,
        a.body,
        b.status,
        b.body
    );
    assert!(
        a.status == 200 || b.status == 200,
        "one of them blocked the other"
    );
}

async fn the_download_holds_every_kind_of_row_and_no_secret(engine: Engine) {
    let app = TestApp::start_with_mail(engine).await;
    let mut first = app.browser();
    assert_eq!(first.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
    let code = app.last_code_to(ZORG_PHONE).await;
    assert_eq!(first.verify(&code).await.status, 200);
    // Without a step-up: refused.
    let early = first.get("/mijn-gegevens/gegevens.json").await;
    assert_eq!(early.status, 403, "{}", early.body);
    first.step_up_by_sms(&app, PASSWORD, Some(ZORG_PHONE)).await;
    let (secret, _) = bind_app_with_codes(&app, &mut first, ZORG_PHONE).await;
    // A second login with the app, remembered, then a step-up with it.
    app.clock.advance(60);
    let mut zorg = app.browser();
    assert_eq!(zorg.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
    let app_code = app::domain::totp::code_at(&secret, app.now());
    let verified = zorg.verify_and_remember(&app_code).await;
    assert_eq!(verified.status, 200, "{}", verified.body);
    app.clock.advance(60);
    let app_code = app::domain::totp::code_at(&secret, app.now());
    let stepped = zorg.step_up(PASSWORD, &app_code).await;
    assert_eq!(stepped.status, 200, "{}", stepped.body);
    let download = zorg.get("/mijn-gegevens/gegevens.json").await;
    assert_eq!(download.status, 200, "{}", download.body);
    let json: serde_json::Value = serde_json::from_str(&download.body).expect(&download.body);
    assert_eq!(json["profiel"]["inlognaam"], "zorg");
    for section in [
        "clienten",
        "authenticator_app",
        "herstelcodes",
        "sessies",
        "onthouden_apparaten",
        "sms_berichten",
        "logboek",
    ] {
        let rows = json[section]
            .as_array()
            .unwrap_or_else(|| panic!("{section}"));
        assert!(!rows.is_empty(), "{section}: {}", download.body);
    }
    // No stored secret or hash appears in it.
    let mut secrets = Vec::new();
    for sql in [
        "SELECT password_hash AS s FROM users WHERE id = CAST($1 AS INTEGER)",
        "SELECT secret_sealed AS s FROM authenticators WHERE user_id = CAST($1 AS INTEGER)",
        "SELECT code_hash AS s FROM recovery_codes WHERE user_id = CAST($1 AS INTEGER)",
        "SELECT id_hash AS s FROM sessions WHERE user_id = CAST($1 AS INTEGER)",
        "SELECT token_hash AS s FROM trusted_browsers WHERE user_id = CAST($1 AS INTEGER)",
        "SELECT code_hash AS s FROM sms_codes WHERE user_id = CAST($1 AS INTEGER)",
    ] {
        for row in Stmt::new(sql)
            .bind(ZORG)
            .fetch_all(app.state.core.db.pool())
            .await
            .unwrap()
        {
            secrets.push(row.try_get::<String, _>("s").unwrap());
        }
    }
    assert!(secrets.len() >= 10, "{}", secrets.len());
    for secret in &secrets {
        assert!(
            !download.body.contains(secret.as_str()),
            "a secret in the download: {secret}"
        );
    }
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|a| a == "user.data_exported"));

    // A beheerder makes the same download for the user.
    let mut admin = app.beheerder().await;
    let theirs = admin.get("/gebruikers/5/gegevens.json").await;
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    assert!(
        theirs.body.contains("\"inlognaam\": \"zorg\""),
        "{}",
        theirs.body
    );
    // Not for a user of another office, nor for a non-beheerder.
    let mut medewerker = app.browser();
    medewerker.login("medewerker", PASSWORD).await;
    assert_eq!(
        medewerker.get("/gebruikers/5/gegevens.json").await.status,
        403
    );
}

/// The storage rule itself, without the sessions' check in front: twenty
/// rounds of two beheerders' blocks of each other, at once.
async fn blocks_of_each_other_at_once_never_leave_the_office_without_a_beheerder(engine: Engine) {
    use app::storage::{batch::Batch, lifecycle};
    let app = TestApp::start(engine).await;
    let db = &app.state.core.db;
    Stmt::new("UPDATE users SET is_beheerder = $1 WHERE login_name = $2")
        .bind(true)
        .bind("medewerker")
        .execute_on(db.pool())
        .await
        .unwrap();
    for round in 0..20 {
        let block = |who: i64| {
            let mut batch = Batch::new();
            batch.must_change(lifecycle::block_stmt(who, 1, false, app.now()), ());
            db.write_batch_serialised(batch)
        };
        let (a, b) = tokio::join!(block(1), block(2));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert!(
            a.is_ok() != b.is_ok(),
            "round {round}: exactly one block holds: {a:?} {b:?}"
        );
        for who in [1, 2] {
            db.execute(lifecycle::unblock_stmt(who, app.now()))
                .await
                .unwrap();
        }
    }
}

/// The other ways in: a browser trusted before the block, and the
/// invitation's link of an invited account that is blocked.
async fn a_trusted_browser_and_an_invitation_open_nothing_for_a_blocked_account(engine: Engine) {
    let app = TestApp::start_with_mail(engine).await;
    let mut admin = app.beheerder().await;
    // zorg's browser is remembered ('Dit apparaat onthouden').
    let mut zorg = app.browser();
    assert_eq!(zorg.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
    let code = app.last_code_to(ZORG_PHONE).await;
    assert_eq!(zorg.verify_and_remember(&code).await.status, 200);
    zorg.call("logout", &[]).await;
    assert_eq!(
        zorg.login("zorg", PASSWORD).await.body,
        "\"LoggedIn\"",
        "the trusted browser skips the code"
    );
    assert_eq!(
        admin.call("block_user", &[("user_id", ZORG)]).await.status,
        200
    );
    let refused = zorg.login("zorg", PASSWORD).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(
        admin
            .call("unblock_user", &[("user_id", ZORG)])
            .await
            .status,
        200
    );
    assert_eq!(
        zorg.login("zorg", PASSWORD).await.body,
        "\"NeedsCode\"",
        "the block forgot the trusted browser"
    );

    // An invited user, blocked before choosing a password.
    let invited = admin
        .call(
            "invite_client_user",
            &[
                ("client_id", "3"),
                ("display_name", "Ivo Uitgenodigd"),
                ("login_name", "ivo"),
                ("email", "ivo@voorbeeld.example"),
                ("mobile", ""),
            ],
        )
        .await;
    assert_eq!(invited.status, 200, "{}", invited.body);
    let body = &app.mails_to("ivo@voorbeeld.example", 1).await[0].body;
    let token = body
        .split("/welkom/")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect(body)
        .to_string();
    let ivo = Stmt::new("SELECT id AS n FROM users WHERE login_name = $1")
        .bind("ivo")
        .fetch_one(app.state.core.db.pool())
        .await
        .unwrap()
        .try_get::<i64, _>("n")
        .unwrap()
        .to_string();
    assert_eq!(
        admin.call("block_user", &[("user_id", &ivo)]).await.status,
        200
    );
    let opened = app
        .browser()
        .call("link_account", &[("page", "welkom"), ("token", &token)])
        .await;
    assert_eq!(opened.status, 410, "voided by the block: {}", opened.body);
    let chosen = app
        .browser()
        .call(
            "choose_password",
            &[
                ("page", "welkom"),
                ("token", &token),
                ("new_password", "een heel goed wachtwoord"),
                ("repeat_password", "een heel goed wachtwoord"),
            ],
        )
        .await;
    assert_eq!(chosen.status, 410, "{}", chosen.body);
    let resent = admin.call("resend_invitation", &[("user_id", &ivo)]).await;
    assert_eq!(resent.status, 422, "{}", resent.body);
    assert!(resent.body.contains("geblokkeerd"), "{}", resent.body);
}

/// Twenty copies of one 'Account blokkeren', then of one 'Verwijderen':
/// each done once (one Logboek row, one notice), every copy answered 200.
async fn parallel_copies_of_a_block_or_a_removal_do_it_once(engine: Engine) {
    let app = TestApp::start_with_mail(engine).await;
    let admin = app.beheerder().await;
    // Twenty copies of one request, each from the same stepped-up session.
    let copies = |endpoint: &'static str, form: Vec<(&'static str, &'static str)>| {
        (0..20)
            .map(|_| {
                let mut copy = admin.with_cookie_at(&app.base);
                let form = form.clone();
                tokio::spawn(async move { copy.call(endpoint, &form).await })
            })
            .collect::<Vec<_>>()
    };
    for task in copies("block_user", vec![("user_id", MEDEWERKER)]) {
        let answer = task.await.unwrap();
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let mut done = 0;
    for task in copies(
        "remove_user",
        vec![
            ("user_id", MEDEWERKER),
            ("client_id", "0"),
            ("deletes_account", "true"),
        ],
    ) {
        let answer = task.await.unwrap();
        // Done by this copy or another, or found gone before it began.
        if answer.status == 200 {
            done += 1;
        } else {
            assert!(
                answer.body.contains("bestaat niet (meer)"),
                "{} {}",
                answer.status,
                answer.body
            );
        }
    }
    assert!(done >= 1);
    let actions = app.audit_actions().await;
    for action in ["user.blocked", "user.removed"] {
        assert_eq!(
            actions.iter().filter(|a| *a == action).count(),
            1,
            "{action}: {actions:?}"
        );
    }
}
