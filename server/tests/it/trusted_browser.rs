//! 'Dit apparaat 30 dagen onthouden' and the phone's clock: a trusted
//! browser skips the code (never the password) for the office's days, is
//! forgotten after a factor change and after 'Vergeten', and never outlives
//! its days; an app code one step off logs in and says how far the clock
//! is off, one further off is refused naming the clock. Over real HTTP, on
//! SQLite and on PostgreSQL.

use crate::common::{bind_app, Browser, Engine, TestApp};
use app::{
    domain::totp,
    storage::{audit, trusted},
};
use sqlx::Row;

const PASSWORD: &str = "Welkom-2fa!";
const ZORG: &str = "+31612345602";
const HOVENIER: &str = "+31612345601";
const DAY: i64 = 24 * 60 * 60;

on_both_engines!(
    a_trusted_browser_skips_the_code_but_not_the_password,
    a_trusted_browser_never_outlives_its_days_and_is_forgotten_on_request,
    a_factor_change_or_ended_sessions_forget_every_trusted_browser,
    the_office_chooses_the_days_and_0_turns_it_off,
    an_app_code_one_step_off_logs_in_and_the_clock_is_named,
    turning_the_days_to_0_forgets_every_trusted_browser_for_good,
);

/// 'zorg' (client policy 'Ja') logged in with the SMS code, the box ticked.
async fn zorg_remembered(app: &TestApp) -> Browser {
    let mut browser = app.browser();
    assert_eq!(browser.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
    let code = app.last_code_to(ZORG).await;
    let ok = browser.verify_and_remember(&code).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    browser
}

/// Logs out and in again in the same browser; the login's answer.
async fn again(browser: &mut Browser, login: &str) -> String {
    browser.call("logout", &[]).await;
    browser.login(login, PASSWORD).await.body
}

async fn a_trusted_browser_skips_the_code_but_not_the_password(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut zorg = app.browser();
    assert_eq!(zorg.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
    let status = zorg.call("code_status", &[]).await;
    assert!(status.body.contains("\"trust_days\":30"), "{}", status.body);
    let code = app.last_code_to(ZORG).await;
    let ok = zorg.verify_and_remember(&code).await;
    let trusted_cookie = ok
        .set_cookie
        .iter()
        .find(|c| c.starts_with("tweestap_vertrouwd="))
        .unwrap_or_else(|| panic!("a trusted-browser cookie: {:?}", ok.set_cookie));
    assert!(trusted_cookie.contains("HttpOnly") && trusted_cookie.contains("Max-Age=2592000"));
    let sms = app.outbox_count_to(ZORG).await;

    assert_eq!(
        again(&mut zorg, "zorg").await,
        "\"LoggedIn\"",
        "no code asked"
    );
    assert_eq!(zorg.call("whoami", &[]).await.status, 200);
    assert_eq!(app.outbox_count_to(ZORG).await, sms, "and no SMS sent");
    zorg.call("logout", &[]).await;
    let wrong = zorg.login("zorg", "Verkeerd-1!").await;
    assert_eq!(wrong.status, 401, "the password is always asked");

    // The cookie is the user's, not the browser's: another user, or the
    // cookie without the rest, gets the code step as always.
    assert_eq!(zorg.login("grens", PASSWORD).await.body, "\"NeedsCode\"");
    let mut elsewhere = app.browser();
    assert_eq!(
        elsewhere.login("zorg", PASSWORD).await.body,
        "\"NeedsCode\""
    );
    let log = audit::recent(&app.state.core.db, 50).await.unwrap();
    assert!(log.iter().any(|e| e.action == "trusted.added"));
}

async fn a_trusted_browser_never_outlives_its_days_and_is_forgotten_on_request(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut zorg = zorg_remembered(&app).await;
    let details = zorg.call("my_details", &[]).await;
    assert!(
        details.body.contains("\"this_browser\":true"),
        "{}",
        details.body
    );

    // 30 days less a minute: still trusted (the session idled out).
    app.clock.advance(30 * DAY - 60);
    assert_eq!(again(&mut zorg, "zorg").await, "\"LoggedIn\"");
    app.clock.advance(61);
    assert_eq!(
        again(&mut zorg, "zorg").await,
        "\"NeedsCode\"",
        "not a second over 30 days"
    );

    // Trusted anew, then 'Vergeten' in 'Mijn gegevens'.
    let mut zorg = zorg_remembered(&app).await;
    let rows = trusted::of_user(&app.state.core.db, 5).await.unwrap();
    let newest = rows.first().unwrap().id.to_string();
    let mut thief = app.browser();
    assert_eq!(
        thief
            .call("forget_trusted_browser", &[("id", &newest)])
            .await
            .status,
        401
    );
    let forgotten = zorg
        .call("forget_trusted_browser", &[("id", &newest)])
        .await;
    assert_eq!(forgotten.status, 200, "{}", forgotten.body);
    assert_eq!(
        zorg.call("forget_trusted_browser", &[("id", &newest)])
            .await
            .status,
        422,
        "gone"
    );
    assert_eq!(again(&mut zorg, "zorg").await, "\"NeedsCode\"");
}

async fn a_factor_change_or_ended_sessions_forget_every_trusted_browser(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut laptop = zorg_remembered(&app).await;
    // A change to how the account logs in, made elsewhere: binding an app.
    let mut phone = app.browser();
    assert_eq!(phone.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
    phone.verify(&app.last_code_to(ZORG).await).await;
    phone.step_up_by_sms(&app, PASSWORD, Some(ZORG)).await;
    bind_app(&app, &mut phone, ZORG).await;
    assert!(trusted::of_user(&app.state.core.db, 5)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(laptop.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");

    // A beheerder's 'Sessies beëindigen' forgets them too (a lost laptop).
    let mut hovenier = app.browser();
    hovenier.login("hovenier", PASSWORD).await;
    hovenier
        .call("set_my_two_factor", &[("two_factor", "ja")])
        .await;
    hovenier.call("logout", &[]).await;
    assert_eq!(
        hovenier.login("hovenier", PASSWORD).await.body,
        "\"NeedsCode\""
    );
    let code = app.last_code_to(HOVENIER).await;
    assert_eq!(hovenier.verify_and_remember(&code).await.status, 200);
    let mut beheerder = app.browser();
    beheerder.login("beheerder", PASSWORD).await;
    beheerder.step_up_by_sms(&app, PASSWORD, None).await;
    let ended = beheerder
        .call("end_user_sessions", &[("user_id", "4")])
        .await;
    assert_eq!(ended.status, 200, "{}", ended.body);
    assert_eq!(
        hovenier.login("hovenier", PASSWORD).await.body,
        "\"NeedsCode\""
    );
}

async fn the_office_chooses_the_days_and_0_turns_it_off(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut zorg = zorg_remembered(&app).await;
    let mut beheerder = app.browser();
    beheerder.login("beheerder", PASSWORD).await;
    let settings = beheerder.call("office_settings", &[]).await;
    assert!(
        settings.body.contains("\"trust_days\":30"),
        "{}",
        settings.body
    );
    let bad = beheerder
        .call("save_office_settings", &[("trust_days", "365")])
        .await;
    assert_eq!(bad.status, 422);
    // Fewer days (or none) needs no step-up: it only makes logins stronger.
    let off = beheerder
        .call("save_office_settings", &[("trust_days", "0")])
        .await;
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(
        again(&mut zorg, "zorg").await,
        "\"NeedsCode\"",
        "trust given before is off too"
    );
    let status = zorg.call("code_status", &[]).await;
    assert!(status.body.contains("\"trust_days\":0"), "{}", status.body);
    let ok = zorg
        .verify_and_remember(&app.last_code_to(ZORG).await)
        .await;
    assert!(
        ok.set_cookie
            .iter()
            .all(|c| !c.starts_with("tweestap_vertrouwd=")),
        "nothing remembered while off"
    );

    // More days is a weaker login for the whole office: step-up first.
    let more = beheerder
        .call("save_office_settings", &[("trust_days", "7")])
        .await;
    assert_eq!(more.status, 403, "{}", more.body);
    beheerder.step_up_by_sms(&app, PASSWORD, None).await;
    assert_eq!(
        beheerder
            .call("save_office_settings", &[("trust_days", "7")])
            .await
            .status,
        200
    );
    // A non-beheerder cannot.
    let mut medewerker = app.browser();
    medewerker.login("medewerker", PASSWORD).await;
    assert_eq!(
        medewerker
            .call("save_office_settings", &[("trust_days", "90")])
            .await
            .status,
        403
    );
}

async fn an_app_code_one_step_off_logs_in_and_the_clock_is_named(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut hovenier = app.browser();
    hovenier.login("hovenier", PASSWORD).await;
    hovenier
        .step_up_by_sms(&app, PASSWORD, Some(HOVENIER))
        .await;
    let secret = bind_app(&app, &mut hovenier, HOVENIER).await;
    hovenier.call("logout", &[]).await;

    // Three minutes behind: refused, counted, and the clock is named.
    assert_eq!(
        hovenier.login("hovenier", PASSWORD).await.body,
        "\"NeedsCode\""
    );
    let behind = totp::code_at(&secret, app.now() - 180);
    let refused = hovenier.verify(&behind).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("klok van je telefoon achter"),
        "{}",
        refused.body
    );
    let log = audit::recent(&app.state.core.db, 20).await.unwrap();
    assert!(log.iter().any(|e| e.action == "code.failed"));

    // One step ahead: logged in, and told once.
    let ahead = totp::code_at(&secret, app.now() + 30);
    assert_eq!(hovenier.verify(&ahead).await.status, 200);
    let me = hovenier.call("whoami", &[]).await;
    assert!(
        me.body
            .contains("De klok van je telefoon loopt ongeveer 30 seconden voor."),
        "{}",
        me.body
    );
    let later = hovenier.call("whoami", &[]).await;
    assert!(later.body.contains("\"notices\":[]"), "{}", later.body);
}

/// 'Kantoor' at 0 days forgets every trusted browser of the office at
/// once: turning it on again later brings none of them back.
async fn turning_the_days_to_0_forgets_every_trusted_browser_for_good(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut zorg = zorg_remembered(&app).await;
    let mut beheerder = app.browser();
    beheerder.login("beheerder", PASSWORD).await;
    let off = beheerder
        .call("save_office_settings", &[("trust_days", "0")])
        .await;
    assert_eq!(off.status, 200, "{}", off.body);
    let rows: i64 = sqlx::query("SELECT COUNT(*) AS n FROM trusted_browsers")
        .fetch_one(app.state.core.db.pool())
        .await
        .unwrap()
        .get("n");
    assert_eq!(rows, 0, "forgotten in the same change");
    beheerder.step_up_by_sms(&app, PASSWORD, None).await;
    let on = beheerder
        .call("save_office_settings", &[("trust_days", "30")])
        .await;
    assert_eq!(on.status, 200, "{}", on.body);
    assert_eq!(again(&mut zorg, "zorg").await, "\"NeedsCode\"");
}
