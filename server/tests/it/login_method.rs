//! How each session logged in: kept with it (and through a step-up), shown
//! in the Logboek and the session list, and judged when a 'Ja' comes into
//! force: a session the password alone made ends at its next request.
//! Passkeys' ways in are checked in `passkeys.rs`.

use sqlx::Row;

use crate::common::{bind_app_with_codes, Browser, Engine, TestApp};
use app::storage::batch::Stmt;

const PASSWORD: &str = "Welkom-2fa!";
const ZORG: &str = "+31612345602";

on_both_engines!(
    each_way_in_is_kept_with_its_session,
    a_password_only_session_ends_when_ja_applies,
);

/// The login method of `login`'s newest logged-in session.
async fn method_of(app: &TestApp, login: &str) -> Option<String> {
    Stmt::new(
        "SELECT s.login_method FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE u.login_name = $1 AND s.stage = 'active' ORDER BY s.created_at DESC, s.id_hash",
    )
    .bind(login)
    .fetch_all(app.state.core.db.pool())
    .await
    .unwrap()
    .first()
    .and_then(|r| r.try_get::<Option<String>, _>("login_method").unwrap())
}

async fn end_all(app: &TestApp) {
    Stmt::new("DELETE FROM sessions")
        .execute_on(app.state.core.db.pool())
        .await
        .unwrap();
}

async fn each_way_in_is_kept_with_its_session(engine: Engine) {
    let app = TestApp::start(engine).await;
    // The password alone ('Nee').
    let mut bakker = app.browser();
    assert_eq!(bakker.login("bakker", PASSWORD).await.body, "\"LoggedIn\"");
    assert_eq!(method_of(&app, "bakker").await.as_deref(), Some("pwd"));

    // The password and an SMS code, the browser remembered.
    let mut zorg = app.browser();
    assert_eq!(zorg.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
    let code = app.last_code_to(ZORG).await;
    assert_eq!(zorg.verify_and_remember(&code).await.status, 200);
    assert_eq!(method_of(&app, "zorg").await.as_deref(), Some("pwd+sms"));
    // A step-up renews the session; how it logged in stays.
    zorg.step_up_by_sms(&app, PASSWORD, Some(ZORG)).await;
    assert_eq!(method_of(&app, "zorg").await.as_deref(), Some("pwd+sms"));
    // The session list says it.
    let details = zorg.call("my_details", &[]).await;
    assert!(
        details.body.contains("Wachtwoord en SMS-code"),
        "{}",
        details.body
    );

    // The remembered browser stands in for the code.
    zorg.call("logout", &[]).await;
    assert_eq!(zorg.login("zorg", PASSWORD).await.body, "\"LoggedIn\"");
    assert_eq!(
        method_of(&app, "zorg").await.as_deref(),
        Some("pwd+trusted")
    );

    // The app, then a herstelcode.
    zorg.step_up_by_sms(&app, PASSWORD, Some(ZORG)).await;
    let (secret, codes) = bind_app_with_codes(&app, &mut zorg, ZORG).await;
    end_all(&app).await;
    app.clock.advance(60);
    let mut again = app.browser();
    assert_eq!(again.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
    let app_code = app::domain::totp::code_at(&secret, app.now());
    assert_eq!(again.verify(&app_code).await.status, 200);
    assert_eq!(method_of(&app, "zorg").await.as_deref(), Some("pwd+otp"));
    end_all(&app).await;
    let mut lost_phone = app.browser();
    lost_phone.login("zorg", PASSWORD).await;
    let used = lost_phone
        .call("verify_recovery_code", &[("recovery_code", &codes[0])])
        .await;
    assert_eq!(used.status, 200, "{}", used.body);
    assert_eq!(
        method_of(&app, "zorg").await.as_deref(),
        Some("pwd+recovery")
    );

    // The Logboek's login rows name the method.
    let methods: Vec<String> = Stmt::new(
        "SELECT new_value FROM audit_log WHERE action = 'login.ok' AND new_value IS NOT NULL",
    )
    .fetch_all(app.state.core.db.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get::<String, _>("new_value").unwrap())
    .collect();
    for shown in [
        "Wachtwoord",
        "Wachtwoord en SMS-code",
        "Wachtwoord op een onthouden apparaat",
        "Wachtwoord en authenticator app",
        "Wachtwoord en herstelcode",
    ] {
        assert!(methods.iter().any(|m| m == shown), "{shown}: {methods:?}");
    }
}

async fn client_id(app: &TestApp, name: &str) -> String {
    Stmt::new("SELECT id FROM clients WHERE name = $1")
        .bind(name)
        .fetch_one(app.state.core.db.pool())
        .await
        .unwrap()
        .try_get::<i64, _>("id")
        .unwrap()
        .to_string()
}

async fn set_policy(admin: &mut Browser, client: &str, from: &str) {
    let saved = admin
        .call(
            "save_client_authentication",
            &[("id", client), ("policy", "ja"), ("required_from", from)],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
}

async fn a_password_only_session_ends_when_ja_applies(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut admin = app.beheerder().await;

    // 'Ja' saved without a date: bakker's password-only session ends.
    let mut bakker = app.browser();
    assert_eq!(bakker.login("bakker", PASSWORD).await.body, "\"LoggedIn\"");
    assert_eq!(bakker.call("whoami", &[]).await.status, 200);
    let bakkerij = client_id(&app, "Bakkerij De Korenbloem").await;
    set_policy(&mut admin, &bakkerij, "").await;
    assert_eq!(bakker.call("whoami", &[]).await.status, 401);
    assert_eq!(bakker.call("my_details", &[]).await.status, 401);

    // 'Ja' from tomorrow for medewerker, who has nothing set up: the
    // password still logs in and the date is told ('Later'); moved to
    // today, the session ends.
    let switch = |from: String| {
        [
            ("id", "2".to_string()),
            ("display_name", "Mees Medewerker".to_string()),
            ("email", String::new()),
            ("mobile", String::new()),
            ("two_factor", "ja".to_string()),
            ("two_factor_from", from),
        ]
    };
    let tomorrow = app::domain::deadline::in_days(app.now(), 1).to_stored();
    let form = switch(tomorrow);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = admin.call("save_office_user", &form).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let mut medewerker = app.browser();
    assert_eq!(
        medewerker.login("medewerker", PASSWORD).await.body,
        "\"LoggedIn\""
    );
    assert_eq!(medewerker.call("whoami", &[]).await.status, 200);
    let today = app::domain::deadline::in_days(app.now(), 0).to_stored();
    let form = switch(today);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = admin.call("save_office_user", &form).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    // Also at the downloads, which are no server functions.
    let download = medewerker.get("/mijn-gegevens/gegevens.json").await;
    assert_eq!(download.status, 401, "{}", download.body);
    assert_eq!(medewerker.call("whoami", &[]).await.status, 401);

    // A session that proved a factor stays: zorg's ('Ja' all along).
    let mut zorg = app.browser();
    zorg.login("zorg", PASSWORD).await;
    let code = app.last_code_to(ZORG).await;
    assert_eq!(zorg.verify(&code).await.status, 200);
    let zorggroep = client_id(&app, "Zorggroep Horizon").await;
    set_policy(&mut admin, &zorggroep, "").await;
    assert_eq!(zorg.call("whoami", &[]).await.status, 200);
}
