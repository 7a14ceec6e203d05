//! Recovery codes ('herstelcodes'): ten with every binding, each logs in
//! once (also under parallel submissions), they count toward the lockout,
//! a new set needs a step-up and voids the old one, and a lost phone can
//! still prove the user at the step-up. Over real HTTP, on SQLite and on
//! PostgreSQL.

use crate::common::{bind_app_with_codes, recovery_codes_in, Browser, Engine, TestApp};
use app::storage::{audit, recovery as stored, throttle, users};

const PASSWORD: &str = "Welkom-2fa!";
const ZORG: &str = "+31612345602";
const ZORG_ID: i64 = 5;

on_both_engines!(
    a_binding_gives_ten_codes_that_each_log_in_once,
    a_recovery_code_is_single_use_under_parallel_submissions,
    wrong_recovery_codes_count_toward_the_lockout,
    a_new_set_needs_a_step_up_and_voids_the_old_one,
    a_lost_phone_steps_up_with_a_recovery_code_and_binds_a_new_app,
    the_portal_says_so_when_two_or_fewer_are_left,
    recovery_codes_alone_protect_the_login_and_no_number_can_be_typed,
    a_number_typed_at_login_is_not_saved_once_a_factor_exists,
    two_different_recovery_codes_at_once_use_at_most_one,
);

/// 'zorg' (client policy 'Ja') logged in by SMS.
async fn zorg_logged_in(app: &TestApp) -> Browser {
    let mut browser = app.browser();
    assert_eq!(browser.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
    let code = app.last_code_to(ZORG).await;
    assert_eq!(browser.verify(&code).await.status, 200);
    browser
}

/// 'zorg' with an app bound; returns the recovery codes it came with.
async fn zorg_with_app(app: &TestApp) -> Vec<String> {
    let mut zorg = zorg_logged_in(app).await;
    zorg.step_up_by_sms(app, PASSWORD, Some(ZORG)).await;
    bind_app_with_codes(app, &mut zorg, ZORG).await.1
}

/// A login that gave the right password and waits for its second factor.
async fn pending(app: &TestApp) -> Browser {
    let mut browser = app.browser();
    assert_eq!(browser.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
    browser
}

async fn recover(browser: &mut Browser, code: &str) -> crate::common::Answer {
    browser
        .call("verify_recovery_code", &[("recovery_code", code)])
        .await
}

async fn count(app: &TestApp, action: &str) -> usize {
    audit::recent(&app.state.core.db, 1000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == action)
        .count()
}

async fn a_binding_gives_ten_codes_that_each_log_in_once(engine: Engine) {
    let app = TestApp::start(engine).await;
    let codes = zorg_with_app(&app).await;
    assert_eq!(codes.len(), 10);
    let distinct: std::collections::HashSet<_> = codes.iter().collect();
    assert_eq!(distinct.len(), 10);
    for code in &codes {
        assert_eq!(code.len(), 12, "ABCD-EFGH-JK: {code}");
        assert_eq!(&code[4..5], "-");
    }
    // Only keyed hashes are stored.
    let stored = stored::set_of(&app.state.core.db, ZORG_ID).await.unwrap();
    assert_eq!(stored.len(), 10);
    for row in &stored {
        assert!(codes
            .iter()
            .all(|c| !row.code_hash.contains(&c.replace('-', ""))));
    }

    // The code page offers it; typed in lower case with spaces, it logs in.
    let mut login = pending(&app).await;
    let status = login.call("code_status", &[]).await;
    assert!(
        status.body.contains("\"recovery_available\":true"),
        "{}",
        status.body
    );
    let notices = app.outbox_count_to(ZORG).await;
    let typed = codes[0].to_lowercase().replace('-', " ");
    let ok = recover(&mut login, &typed).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(login.call("whoami", &[]).await.status, 200);
    assert_eq!(count(&app, "recovery.used").await, 1);
    assert_eq!(
        app.outbox_count_to(ZORG).await,
        notices + 1,
        "the stored number is told"
    );
    let me = login.call("my_details", &[]).await;
    assert!(me.body.contains("\"recovery_left\":9"), "{}", me.body);

    // The same code never works again; another one does.
    let mut again = pending(&app).await;
    let used = recover(&mut again, &codes[0]).await;
    assert_eq!(used.status, 422);
    assert!(used.body.contains("al gebruikt"), "{}", used.body);
    let wrong = recover(&mut again, "ABCD-EFGH-JK").await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("onjuist"), "{}", wrong.body);
    let bad = recover(&mut again, "12345").await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("10 letters en cijfers"), "{}", bad.body);
    assert_eq!(recover(&mut again, &codes[1]).await.status, 200);

    // A logged-in session has nothing to recover.
    assert_eq!(recover(&mut again, &codes[2]).await.status, 401);
}

async fn a_recovery_code_is_single_use_under_parallel_submissions(engine: Engine) {
    let app = TestApp::start(engine).await;
    let codes = zorg_with_app(&app).await;
    let second = app.another_instance().await;
    // Ten waiting logins, half of them through a second instance, each
    // submitting the same code twice at once.
    let mut logins = Vec::new();
    for _ in 0..10 {
        logins.push(pending(&app).await);
    }
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(20));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, login) in logins.iter().enumerate() {
        for _ in 0..2 {
            let start = start.clone();
            let base = if i % 2 == 0 { &app.base } else { &second.base };
            let mut browser = login.with_cookie_at(base);
            let code = codes[0].clone();
            tasks.spawn(async move {
                start.wait().await;
                recover(&mut browser, &code).await.status
            });
        }
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    // 401: the winning login's twin, arriving once that login was over.
    assert!(
        statuses.iter().all(|s| [200, 401, 422, 429].contains(s)),
        "{statuses:?}"
    );
    assert!(
        statuses.iter().filter(|s| **s == 401).count() <= 1,
        "{statuses:?}"
    );
    assert_eq!(count(&app, "recovery.used").await, 1);
    assert_eq!(
        count(&app, "code.failed").await,
        0,
        "a right code sent twice is no guess"
    );
    let (left, _) = stored::counts(&app.state.core.db, ZORG_ID).await.unwrap();
    assert_eq!(left, 9);
    // The twins left no lock behind.
    let mut later = pending(&app).await;
    assert_eq!(recover(&mut later, &codes[1]).await.status, 200);
}

async fn wrong_recovery_codes_count_toward_the_lockout(engine: Engine) {
    let app = TestApp::start(engine).await;
    let codes = zorg_with_app(&app).await;
    let mut login = pending(&app).await;
    let guesses = ["AAAA-AAAA-AA", "BBBB-BBBB-BB", "CCCC-CCCC-CC"];
    for i in 0..9 {
        let answer = recover(&mut login, guesses[i % 3]).await;
        assert_eq!(answer.status, 422, "try {i}: {}", answer.body);
    }
    let last = recover(&mut login, "DDDD-DDDD-DD").await;
    assert_eq!(last.status, 429, "{}", last.body);
    // Locked: a right recovery code and a new login are refused too.
    let right = recover(&mut login, &codes[0]).await;
    assert_eq!(right.status, 429, "{}", right.body);
    let mut fresh = pending(&app).await;
    assert_eq!(recover(&mut fresh, &codes[0]).await.status, 429);
    let counter = throttle::get(&app.state.core.db, &throttle::Counter::Codes(ZORG_ID))
        .await
        .unwrap();
    assert!(counter.locked_for(app.now()).is_some());
    let (left, _) = stored::counts(&app.state.core.db, ZORG_ID).await.unwrap();
    assert_eq!(left, 10, "no code was used while locked");
}

async fn a_new_set_needs_a_step_up_and_voids_the_old_one(engine: Engine) {
    let app = TestApp::start(engine).await;
    let old = zorg_with_app(&app).await;
    // Logged in by recovery codes: five SMS an hour per account.
    let mut zorg = pending(&app).await;
    assert_eq!(recover(&mut zorg, &old[8]).await.status, 200);
    let mut other = pending(&app).await;
    assert_eq!(recover(&mut other, &old[9]).await.status, 200);
    let refused = zorg.call("make_recovery_codes", &[]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("StepUpRequired"));

    zorg.step_up_by_sms(&app, PASSWORD, Some(ZORG)).await;
    let made = zorg.call("make_recovery_codes", &[]).await;
    assert_eq!(made.status, 200, "{}", made.body);
    let new = recovery_codes_in(&made.body);
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|c| !old.contains(c)));
    assert_eq!(count(&app, "recovery.created").await, 2);
    assert_eq!(
        other.call("whoami", &[]).await.status,
        401,
        "other sessions end"
    );

    let mut login = pending(&app).await;
    let void = recover(&mut login, &old[1]).await;
    assert_eq!(void.status, 422, "{}", void.body);
    assert_eq!(recover(&mut login, &new[0]).await.status, 200);
}

async fn a_lost_phone_steps_up_with_a_recovery_code_and_binds_a_new_app(engine: Engine) {
    let app = TestApp::start(engine).await;
    let codes = zorg_with_app(&app).await;
    let mut zorg = pending(&app).await;
    assert_eq!(recover(&mut zorg, &codes[0]).await.status, 200);
    let status = zorg.call("step_up_status", &[]).await;
    assert!(status.body.contains("\"recovery\":true"), "{}", status.body);
    // A used code is no proof; an unused one (with the password) is.
    let used = zorg.step_up(PASSWORD, &codes[0]).await;
    assert_eq!(used.status, 422, "{}", used.body);
    let wrong_password = zorg.step_up("Verkeerd-1!", &codes[1]).await;
    assert_eq!(wrong_password.status, 422);
    let ok = zorg.step_up(PASSWORD, &codes[1]).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let (_, new_codes) = bind_app_with_codes(&app, &mut zorg, ZORG).await;
    // The new binding came with a new set: the old codes are void.
    let mut login = pending(&app).await;
    assert_eq!(recover(&mut login, &codes[2]).await.status, 422);
    assert_eq!(recover(&mut login, &new_codes[0]).await.status, 200);
}

async fn the_portal_says_so_when_two_or_fewer_are_left(engine: Engine) {
    let app = TestApp::start(engine).await;
    let codes = zorg_with_app(&app).await;
    let mut zorg = pending(&app).await;
    assert_eq!(recover(&mut zorg, &codes[0]).await.status, 200);
    let me = zorg.call("whoami", &[]).await;
    assert!(me.body.contains("\"notices\":[]"), "{}", me.body);
    for row in stored::set_of(&app.state.core.db, ZORG_ID)
        .await
        .unwrap()
        .iter()
        .filter(|r| !r.used)
        .skip(2)
    {
        let used = app
            .state
            .core
            .db
            .execute(stored::consume_stmt(row.id, app.now()))
            .await
            .unwrap();
        assert_eq!(used, 1);
    }
    let me = zorg.call("whoami", &[]).await;
    assert!(me.body.contains("nog 2 herstelcodes"), "{}", me.body);
}

const MEDEWERKER_ID: i64 = 2;
const ATTACKER: &str = "+31687654321";

/// 'medewerker' (no number, no app) with a set of recovery codes made
/// while two-factor login was off for them; then the beheerder turns it
/// on. Returns medewerker's session and the codes.
async fn medewerker_with_codes_only(app: &TestApp) -> (Browser, Vec<String>) {
    let mut medewerker = app.browser();
    assert_eq!(
        medewerker.login("medewerker", PASSWORD).await.body,
        "\"LoggedIn\""
    );
    medewerker.step_up_by_sms(app, PASSWORD, None).await;
    let made = medewerker.call("make_recovery_codes", &[]).await;
    assert_eq!(made.status, 200, "{}", made.body);
    let codes = recovery_codes_in(&made.body);
    let mut beheerder = app.browser();
    assert_eq!(
        beheerder.login("beheerder", PASSWORD).await.body,
        "\"LoggedIn\""
    );
    beheerder.step_up_by_sms(app, PASSWORD, None).await;
    let saved = beheerder
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
    assert_eq!(saved.status, 200, "{}", saved.body);
    (medewerker, codes)
}

/// Someone with only the password of an account whose one factor is its
/// recovery codes is asked for one of them, never for a number: typing
/// their own number would have made it the account's.
async fn recovery_codes_alone_protect_the_login_and_no_number_can_be_typed(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (_, codes) = medewerker_with_codes_only(&app).await;

    let mut thief = app.browser();
    assert_eq!(
        thief.login("medewerker", PASSWORD).await.body,
        "\"NeedsCode\""
    );
    let status = thief.call("code_status", &[]).await;
    for expected in [
        "\"needs_mobile\":false",
        "\"recovery_available\":true",
        "\"sms_available\":false",
        "\"app_bound\":false",
    ] {
        assert!(
            status.body.contains(expected),
            "{expected}: {}",
            status.body
        );
    }
    let typed = thief.call("submit_mobile", &[("mobile", ATTACKER)]).await;
    assert_eq!(typed.status, 422, "{}", typed.body);
    assert!(typed.body.contains("herstelcode"), "{}", typed.body);
    assert_eq!(
        app.outbox_count_to(ATTACKER).await,
        0,
        "no code to the typed number"
    );
    let guessed = thief.verify("123456").await;
    assert_eq!(guessed.status, 422, "{}", guessed.body);
    assert_eq!(thief.call("whoami", &[]).await.status, 401, "not logged in");
    let stored = users::find(&app.state.core.db, MEDEWERKER_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.mobile, None);

    // The owner, with the paper list, gets in; the step-up asks the same.
    let mut owner = app.browser();
    assert_eq!(
        owner.login("medewerker", PASSWORD).await.body,
        "\"NeedsCode\""
    );
    assert_eq!(recover(&mut owner, &codes[0]).await.status, 200);
    let step_up = owner.call("step_up_status", &[]).await;
    assert!(
        step_up.body.contains("\"recovery\":true")
            && step_up.body.contains("\"sms_to\":null")
            && step_up.body.contains("\"app\":false"),
        "{}",
        step_up.body
    );
    assert_eq!(
        owner.step_up(PASSWORD, "").await.status,
        422,
        "the password alone is no proof"
    );
}

/// A number typed at the login of an account with no factor becomes its
/// number only while the account still has none. Recovery codes made in
/// the meantime (in a session opened before two-factor login applied) end
/// the waiting login; and where a factor appears without that (the
/// statement's own condition), the number is not saved either.
async fn a_number_typed_at_login_is_not_saved_once_a_factor_exists(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut old_session = app.browser();
    assert_eq!(
        old_session.login("medewerker", PASSWORD).await.body,
        "\"LoggedIn\""
    );
    // The switch alone, through the database: the beheerder's save would
    // end the old session.
    app.state
        .core
        .db
        .execute(
            app::storage::batch::Stmt::new(
                "UPDATE users SET two_factor_required = $1 WHERE id = $2",
            )
            .bind(true)
            .bind(MEDEWERKER_ID),
        )
        .await
        .unwrap();
    // The old session stays as one the new rule keeps (a password-only
    // session would end now that the switch applies; see login_method.rs).
    app.state
        .core
        .db
        .execute(
            app::storage::batch::Stmt::new(
                "UPDATE sessions SET login_method = 'pwd+trusted' WHERE user_id = $1",
            )
            .bind(MEDEWERKER_ID),
        )
        .await
        .unwrap();
    let typed_by_thief = async || {
        let mut thief = app.browser();
        assert_eq!(
            thief.login("medewerker", PASSWORD).await.body,
            "\"NeedsMobile\""
        );
        let sent = thief.call("submit_mobile", &[("mobile", ATTACKER)]).await;
        assert_eq!(sent.status, 200, "{}", sent.body);
        (thief, app.last_code_to(ATTACKER).await)
    };
    let number = async || {
        users::find(&app.state.core.db, MEDEWERKER_ID)
            .await
            .unwrap()
            .unwrap()
            .mobile
    };

    let (mut thief, code) = typed_by_thief().await;
    old_session.step_up_by_sms(&app, PASSWORD, None).await;
    assert_eq!(
        old_session.call("make_recovery_codes", &[]).await.status,
        200
    );
    assert_eq!(
        thief.verify(&code).await.status,
        401,
        "the waiting login ended"
    );
    assert_eq!(number().await, None);

    // Without the door's end of the waiting login: the codes appear, and
    // the number is still refused.
    app.state
        .core
        .db
        .execute(
            app::storage::batch::Stmt::new("DELETE FROM recovery_codes WHERE user_id = $1")
                .bind(MEDEWERKER_ID),
        )
        .await
        .unwrap();
    let (mut thief, code) = typed_by_thief().await;
    let mut batch = app::storage::batch::Batch::<()>::new();
    let hashes: [String; 10] = std::array::from_fn(|i| format!("hash-{i}"));
    for stmt in stored::replace_set_stmts(MEDEWERKER_ID, &hashes, app.now()) {
        batch.then(stmt);
    }
    app.state.core.db.write_batch(batch).await.unwrap().unwrap();
    let refused = thief.verify(&code).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(thief.call("whoami", &[]).await.status, 401);
    assert_eq!(number().await, None, "the typed number was not saved");
}

/// Two different right recovery codes sent at once for one waiting login,
/// or for one step-up: one of them proves it, the other stays unused.
async fn two_different_recovery_codes_at_once_use_at_most_one(engine: Engine) {
    let app = TestApp::start(engine).await;
    let codes = zorg_with_app(&app).await;
    let left = || async { stored::counts(&app.state.core.db, ZORG_ID).await.unwrap().0 };
    for round in 0..3 {
        let waiting = pending(&app).await;
        let before = left().await;
        let statuses = at_once([&codes[2 * round], &codes[2 * round + 1]].map(|code| {
            let mut browser = waiting.with_cookie_at(&app.base);
            let code = code.clone();
            async move { recover(&mut browser, &code).await.status }
        }))
        .await;
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "{statuses:?}"
        );
        assert_eq!(
            before - left().await,
            1,
            "login {round}: one code used, {statuses:?}"
        );
    }

    // The step-up: two codes with the password at once.
    let mut session = pending(&app).await;
    assert_eq!(recover(&mut session, &codes[6]).await.status, 200);
    let before = left().await;
    let statuses = at_once([&codes[7], &codes[8]].map(|code| {
        let mut browser = session.with_cookie_at(&app.base);
        let code = code.clone();
        async move { browser.step_up(PASSWORD, &code).await.status }
    }))
    .await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        before - left().await,
        1,
        "step-up: one code used, {statuses:?}"
    );
}

/// Runs both at the same moment; their answers.
async fn at_once<F>(tasks: [F; 2]) -> Vec<u16>
where
    F: std::future::Future<Output = u16> + Send + 'static,
{
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(2));
    let mut set = tokio::task::JoinSet::new();
    for task in tasks {
        let start = start.clone();
        set.spawn(async move {
            start.wait().await;
            task.await
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = set.join_next().await {
        statuses.push(status.unwrap());
    }
    statuses
}
