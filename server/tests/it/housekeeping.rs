//! The scheduled purge: what has lapsed goes, in batches; what a live
//! login, a trusted browser or an SMS limit still needs stays; the audit
//! log keeps its retention; of several instances one purges per period.
//! On SQLite and on PostgreSQL, against the real router and database.

use std::time::Duration;

use crate::common::{Browser, Engine, TestApp};
use app::{
    domain::{retention, totp},
    factors,
    housekeeping::{purge_if_due, purge_now, Housekeeping},
    storage::{authenticators, Db},
};

const PASSWORD: &str = "Welkom-2fa!";
const ZORG: &str = "+31612345602";
const DAY: i64 = 24 * 60 * 60;

on_both_engines!(
    lapsed_rows_go_and_what_is_still_needed_stays,
    the_audit_log_keeps_its_retention,
    one_instance_of_several_purges_per_period,
);

async fn count(db: &Db, sql: &'static str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

/// Small batches, so every kind needs several of them.
fn small_batches(app: &TestApp) -> Housekeeping {
    Housekeeping {
        batch_rows: 2,
        pause: Duration::ZERO,
        ..app.config.housekeeping()
    }
}

async fn purge(app: &TestApp, settings: &Housekeeping) {
    let core = &app.state.core;
    purge_now(&core.db, settings, &core.sessions.lifetime, app.now())
        .await
        .expect("purge");
}

async fn lapsed_rows_go_and_what_is_still_needed_stays(engine: Engine) {
    let app = TestApp::start(engine).await;
    let db = &app.state.core.db;
    let settings = small_batches(&app);

    // Four logins of 'zorg' left waiting for their code, and a fifth that
    // logged in with 'onthouden': five SMS, the hourly limit.
    let mut waiting: Vec<Browser> = Vec::new();
    for _ in 0..4 {
        let mut browser = app.browser();
        assert_eq!(browser.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
        waiting.push(browser);
    }
    let mut laptop = app.browser();
    assert_eq!(laptop.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
    let code = app.last_code_to(ZORG).await;
    assert_eq!(laptop.verify_and_remember(&code).await.status, 200);
    assert_eq!(app.outbox_count_to(ZORG).await, 5);
    // An authenticator binding started and never confirmed.
    let zorg_id = count(db, "SELECT id FROM users WHERE login_name = 'zorg'").await;
    let sealed = factors::seal(&app.state.core.keys, zorg_id, &totp::new_secret());
    authenticators::start_enrolment(db, zorg_id, &sealed, app.now(), app.now())
        .await
        .unwrap();

    // Sixteen minutes on: the waiting logins and the binding have lapsed.
    app.clock.advance(16 * 60);
    assert_eq!(laptop.call("whoami", &[]).await.status, 200);
    purge(&app, &settings).await;
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM sessions WHERE stage = 'second_factor'"
        )
        .await,
        0
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM authenticator_enrolments").await,
        0
    );
    for browser in &mut waiting {
        assert_eq!(browser.verify(&code).await.status, 401);
    }
    // The logged-in browser is untouched, and the SMS limit still counts
    // the five: a new login in the same hour sends no sixth.
    assert_eq!(laptop.call("whoami", &[]).await.status, 200);
    assert_eq!(count(db, "SELECT COUNT(*) FROM sms_codes").await, 5);
    let mut sixth = app.browser();
    sixth.login("zorg", PASSWORD).await;
    assert_eq!(app.outbox_count_to(ZORG).await, 5);

    // Two hours idle: the session is refused, then purged; the trusted
    // browser still spares the code at the next login.
    app.clock.advance(2 * 3600);
    purge(&app, &settings).await;
    assert_eq!(count(db, "SELECT COUNT(*) FROM sessions").await, 0);
    assert_eq!(laptop.call("whoami", &[]).await.status, 401);
    assert_eq!(laptop.login("zorg", PASSWORD).await.body, "\"LoggedIn\"");

    // A day on the codes are outside every limit's window; 31 days on the
    // trusted browser has expired. Both go.
    app.clock.advance(DAY);
    purge(&app, &settings).await;
    assert_eq!(count(db, "SELECT COUNT(*) FROM sms_codes").await, 0);
    assert_eq!(count(db, "SELECT COUNT(*) FROM trusted_browsers").await, 1);
    app.clock.advance(30 * DAY);
    purge(&app, &settings).await;
    assert_eq!(count(db, "SELECT COUNT(*) FROM trusted_browsers").await, 0);
    assert_eq!(count(db, "SELECT COUNT(*) FROM sessions").await, 0);
}

async fn the_audit_log_keeps_its_retention(engine: Engine) {
    let app = TestApp::start(engine).await;
    let db = &app.state.core.db;
    let mut beheerder = app.browser();
    assert_eq!(
        beheerder.login("beheerder", PASSWORD).await.body,
        "\"LoggedIn\""
    );
    let first = count(db, "SELECT COUNT(*) FROM audit_log").await;
    assert!(first > 0);

    // Forty days later a new login writes its own rows.
    app.clock.advance(40 * DAY);
    let mut again = app.browser();
    assert_eq!(
        again.login("beheerder", PASSWORD).await.body,
        "\"LoggedIn\""
    );
    let all = count(db, "SELECT COUNT(*) FROM audit_log").await;
    assert!(all > first);

    // 0 keeps the log for good; the default keeps two years.
    let mut settings = small_batches(&app);
    settings.audit = retention::AuditRetention::from_days(0);
    purge(&app, &settings).await;
    settings.audit = app.config.housekeeping().audit;
    purge(&app, &settings).await;
    assert_eq!(count(db, "SELECT COUNT(*) FROM audit_log").await, all);

    // Thirty days: the first login's rows go, the new ones stay, and the
    // office's logbook still shows the new login.
    settings.audit = retention::AuditRetention::from_days(30);
    purge(&app, &settings).await;
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM audit_log").await,
        all - first
    );
    let log = again.call("audit_log", &[]).await;
    assert_eq!(log.status, 200, "{}", log.body);
    let page: serde_json::Value = serde_json::from_str(&log.body).unwrap();
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows.len() as i64, all - first, "{}", log.body);
}

async fn one_instance_of_several_purges_per_period(engine: Engine) {
    let a = TestApp::start(engine).await;
    let b = a.another_instance().await;
    let settings = a.config.housekeeping();
    let lifetime = a.state.core.sessions.lifetime;
    let turn = |app: &TestApp| {
        let db = app.state.core.db.clone();
        let now = app.now();
        async move { purge_if_due(&db, &settings, &lifetime, now).await.unwrap() }
    };

    let (on_a, on_b) = tokio::join!(turn(&a), turn(&b));
    assert_eq!(
        usize::from(on_a.is_some()) + usize::from(on_b.is_some()),
        1,
        "exactly one instance takes the turn"
    );
    assert!(turn(&a).await.is_none() && turn(&b).await.is_none());

    a.clock.advance(settings.every.as_secs() as i64);
    let (on_a, on_b) = tokio::join!(turn(&a), turn(&b));
    assert_eq!(
        usize::from(on_a.is_some()) + usize::from(on_b.is_some()),
        1,
        "the next period again one"
    );
}
