//! The beheerder's 'Logboek': their own office's log, newest first, by user
//! and by kind, fifty rows a page; nothing of another office. Over real
//! HTTP, on SQLite and on PostgreSQL.

use crate::common::{Browser, Engine, TestApp};
use app::{
    model::{AuditAction, UserKind},
    storage::{
        audit::{self, AuditEntry},
        offices,
        users::{self, NewUser},
    },
};
use serde_json::Value;
use sqlx::Row;

const PASSWORD: &str = "Welkom-2fa!";
/// The demo office's users (seed order).
const DEMO_OFFICE: i64 = 1;
const MEDEWERKER: i64 = 2;
/// Marks every value written for the other office.
const ELSEWHERE: &str = "elders";

on_both_engines!(
    the_beheerder_sees_their_own_office_newest_first_and_nothing_else,
    the_log_filters_by_user_and_by_kind,
    pages_of_fifty_follow_each_other_without_overlap,
    only_a_beheerder_reads_the_log_and_only_listed_kinds_are_asked,
    the_log_shows_mobile_numbers_masked,
);

async fn logged_in(app: &TestApp, login: &str) -> Browser {
    let mut browser = app.browser();
    let answer = browser.login(login, PASSWORD).await;
    assert_eq!(answer.body, "\"LoggedIn\"", "{}", answer.body);
    browser
}

/// A second office with its user 'ander' and some log rows, among them
/// rows about login names that also exist in the demo office. Returns the
/// office's id and ander's.
async fn other_office(app: &TestApp) -> (i64, i64) {
    let db = &app.state.core.db;
    let now = app.now();
    let office = offices::create_office(db, "Kantoor Elders", now)
        .await
        .unwrap();
    let branch = offices::create_branch(db, office, "Zwolle").await.unwrap();
    let user = users::create_user(
        db,
        &NewUser {
            office_id: office,
            kind: UserKind::Office,
            login_name: "ander",
            display_name: "Anne Ander",
            email: None,
            mobile: None,
            password_hash: "nooit-gebruikt",
            branch_id: Some(branch),
            is_beheerder: true,
            two_factor_required: false,
        },
        now,
    )
    .await
    .unwrap();
    for (action, subject) in [
        ("login.ok", "ander"),
        ("login.failed", "beheerder"),
        ("user.email", "medewerker"),
        ("logout", "ander"),
    ] {
        record_elsewhere(app, office, user, action, subject).await;
    }
    (office, user)
}

async fn record_elsewhere(app: &TestApp, office: i64, user: i64, action: &str, subject: &str) {
    audit::record(
        &app.state.core.db,
        AuditEntry {
            office_id: Some(office),
            actor_user_id: Some(user),
            action: AuditAction::from_stored(action).expect("a known action"),
            subject: Some(subject),
            old_value: Some(ELSEWHERE),
            new_value: Some(ELSEWHERE),
        },
        app.now(),
    )
    .await
    .unwrap();
}

/// One page through the server function: its rows and where the next starts.
async fn log_page(browser: &mut Browser, form: &[(&str, &str)]) -> (Vec<Value>, Option<i64>) {
    let answer = browser.call("audit_log", form).await;
    assert_eq!(answer.status, 200, "{form:?}: {}", answer.body);
    let page: Value = serde_json::from_str(&answer.body).expect("JSON");
    let rows = page["rows"].as_array().expect("rows").clone();
    (rows, page["older"].as_i64())
}

fn ids(rows: &[Value]) -> Vec<i64> {
    rows.iter().map(|r| r["id"].as_i64().unwrap()).collect()
}

fn text<'a>(row: &'a Value, field: &str) -> Option<&'a str> {
    row[field].as_str()
}

fn assert_newest_first(rows: &[Value]) {
    let ids = ids(rows);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
}

fn assert_nothing_from_elsewhere(rows: &[Value]) {
    for row in rows {
        assert_ne!(text(row, "actor"), Some("ander"), "{row}");
        assert_ne!(text(row, "old_value"), Some(ELSEWHERE), "{row}");
    }
}

async fn office_row_count(app: &TestApp, office: i64) -> usize {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE office_id = $1")
        .bind(office)
        .fetch_one(app.state.core.db.pool())
        .await
        .unwrap();
    row.try_get::<i64, _>("n").unwrap() as usize
}

async fn the_beheerder_sees_their_own_office_newest_first_and_nothing_else(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (_, ander) = other_office(&app).await;
    let mut beheerder = logged_in(&app, "beheerder").await;
    logged_in(&app, "medewerker").await;

    let (rows, older) = log_page(&mut beheerder, &[]).await;
    assert_eq!(older, None);
    assert_eq!(rows.len(), office_row_count(&app, DEMO_OFFICE).await);
    assert_newest_first(&rows);
    assert_nothing_from_elsewhere(&rows);
    let newest = &rows[0];
    assert_eq!(text(newest, "action"), Some("login.ok"));
    assert_eq!(text(newest, "actor"), Some("medewerker"));
    assert_eq!(text(newest, "subject"), Some("medewerker"));
    // 1_800_000_000 is 08:00 UTC on 15 January 2027: 09:00 in Amsterdam.
    assert_eq!(text(newest, "at"), Some("15-01-2027 09:00:00"));
    assert!(rows
        .iter()
        .any(|r| text(r, "action") == Some("login.ok") && text(r, "actor") == Some("beheerder")));

    // Filtering by the other office's user shows none of their rows.
    let id = ander.to_string();
    let refused = beheerder.call("audit_log", &[("gebruiker", &id)]).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(!refused.body.contains(ELSEWHERE), "{}", refused.body);
    // Nor do rows elsewhere about a login name that also exists here.
    let (rows, _) = log_page(&mut beheerder, &[("gebruiker", "1")]).await;
    assert!(!rows.is_empty());
    assert_nothing_from_elsewhere(&rows);

    let users = beheerder.call("audit_log_users", &[]).await;
    assert_eq!(users.status, 200, "{}", users.body);
    let users: Vec<Value> = serde_json::from_str(&users.body).unwrap();
    assert_eq!(users.len(), 7, "the demo office's users: {users:?}");
    assert!(users.iter().all(|u| u["login_name"] != "ander"));

    // The page itself renders on the server, with the filter chosen.
    let html = beheerder.get("/logboek?soort=login.ok").await;
    assert_eq!(html.status, 200);
    assert!(html.body.contains("<h1>Logboek"), "{}", html.body);
    assert!(html.body.contains("Ingelogd"), "{}", html.body);
    assert!(
        html.body.contains(r#"value="login.ok" selected"#),
        "{}",
        html.body
    );
}

async fn the_log_filters_by_user_and_by_kind(engine: Engine) {
    let app = TestApp::start(engine).await;
    other_office(&app).await;
    let mut beheerder = logged_in(&app, "beheerder").await;
    let mut medewerker = logged_in(&app, "medewerker").await;
    assert_eq!(medewerker.call("logout", &[]).await.status, 200);
    // The beheerder changes medewerker's e-mail address (a change to how
    // medewerker is told about their login: after the beheerder's step-up):
    // a row by the beheerder about medewerker.
    beheerder.step_up_by_sms(&app, PASSWORD, None).await;
    let saved = beheerder
        .call(
            "save_office_user",
            &[
                ("id", "2"),
                ("display_name", "Mees Medewerker"),
                ("email", "mees@voorbeeld.example"),
                ("mobile", ""),
                ("two_factor", "nee"),
            ],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);

    let id = MEDEWERKER.to_string();
    let (rows, _) = log_page(&mut beheerder, &[("gebruiker", &id)]).await;
    assert_newest_first(&rows);
    assert_nothing_from_elsewhere(&rows);
    for row in &rows {
        assert!(
            text(row, "actor") == Some("medewerker") || text(row, "subject") == Some("medewerker"),
            "{row}"
        );
    }
    let actions: Vec<_> = rows.iter().map(|r| text(r, "action").unwrap()).collect();
    // The beheerder's new address for medewerker waits for its link: the
    // request and the link's mail, both the beheerder's.
    assert_eq!(
        actions,
        [
            "user.email_confirmation_sent",
            "user.email_requested",
            "logout",
            "login.ok"
        ]
    );
    assert_eq!(text(&rows[0], "actor"), Some("beheerder"));

    let (rows, _) = log_page(&mut beheerder, &[("soort", "login.ok")]).await;
    assert_newest_first(&rows);
    assert_nothing_from_elsewhere(&rows);
    assert!(rows.iter().all(|r| text(r, "action") == Some("login.ok")));
    let actors: Vec<_> = rows.iter().map(|r| text(r, "actor").unwrap()).collect();
    assert_eq!(actors, ["medewerker", "beheerder"]);

    let (rows, _) = log_page(
        &mut beheerder,
        &[("gebruiker", &id), ("soort", "user.email_requested")],
    )
    .await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(text(&rows[0], "new_value"), Some("mees@voorbeeld.example"));

    // An empty choice is "all", as the form sends it.
    let (all, _) = log_page(&mut beheerder, &[("gebruiker", ""), ("soort", "")]).await;
    assert_eq!(all.len(), office_row_count(&app, DEMO_OFFICE).await);
}

async fn pages_of_fifty_follow_each_other_without_overlap(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (elsewhere, ander) = other_office(&app).await;
    // Own rows and the other office's interleaved, so ids have gaps.
    for n in 0..120 {
        let number = format!("+316{n:08}");
        audit::record(
            &app.state.core.db,
            AuditEntry {
                office_id: Some(DEMO_OFFICE),
                actor_user_id: Some(3),
                subject: Some("bakker"),
                new_value: Some(&number),
                ..AuditEntry::new(AuditAction::SmsSent)
            },
            app.now(),
        )
        .await
        .unwrap();
        record_elsewhere(&app, elsewhere, ander, "sms.sent", "ander").await;
    }
    let mut beheerder = logged_in(&app, "beheerder").await;
    let total = office_row_count(&app, DEMO_OFFICE).await;
    assert_eq!(total, 121, "120 SMS rows and the login");

    for (form, expected) in [(vec![], total), (vec![("soort", "sms.sent")], 120)] {
        let mut seen = Vec::new();
        let mut before: Option<i64> = None;
        let mut sizes = Vec::new();
        loop {
            let voor = before.map(|b| b.to_string());
            let mut args: Vec<(&str, &str)> = form.clone();
            if let Some(voor) = &voor {
                args.push(("voor", voor.as_str()));
            }
            let (rows, older) = log_page(&mut beheerder, &args).await;
            assert_nothing_from_elsewhere(&rows);
            sizes.push(rows.len());
            if let Some(older) = older {
                assert_eq!(
                    older,
                    *ids(&rows).last().unwrap(),
                    "the next page starts below"
                );
            }
            seen.extend(ids(&rows));
            match older {
                Some(older) => before = Some(older),
                None => break,
            }
        }
        assert_eq!(sizes, [50, 50, expected - 100], "{form:?}");
        assert!(
            seen.windows(2).all(|w| w[0] > w[1]),
            "newest first across pages, no row twice"
        );
        assert_eq!(seen.len(), expected);
    }
}

async fn only_a_beheerder_reads_the_log_and_only_listed_kinds_are_asked(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut medewerker = logged_in(&app, "medewerker").await;
    for endpoint in ["audit_log", "audit_log_users"] {
        let answer = medewerker.call(endpoint, &[]).await;
        assert_eq!(answer.status, 403, "{endpoint}: {}", answer.body);
        assert_eq!(app.browser().call(endpoint, &[]).await.status, 401);
    }

    let mut beheerder = logged_in(&app, "beheerder").await;
    let unknown = beheerder.call("audit_log", &[("soort", "onbekend")]).await;
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert!(
        unknown.body.contains("Kies een soort uit de lijst."),
        "{}",
        unknown.body
    );
    let nobody = beheerder.call("audit_log", &[("gebruiker", "99999")]).await;
    assert_eq!(nobody.status, 422, "{}", nobody.body);
}

/// The Logboek masks mobile numbers, as every other screen does: the SMS
/// sent at a login and a number a beheerder changed.
async fn the_log_shows_mobile_numbers_masked(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut zorg = app.browser();
    assert_eq!(zorg.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
    let mut beheerder = logged_in(&app, "beheerder").await;
    beheerder.step_up_by_sms(&app, PASSWORD, None).await;
    let set = beheerder
        .call(
            "set_user_mobile",
            &[("user_id", "5"), ("mobile", "0687654321")],
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);

    let (rows, _) = log_page(&mut beheerder, &[]).await;
    let sms = rows
        .iter()
        .find(|r| text(r, "action") == Some("sms.sent"))
        .unwrap();
    assert_eq!(text(sms, "new_value"), Some("********02"));
    let changed = rows
        .iter()
        .find(|r| text(r, "action") == Some("user.mobile"))
        .unwrap();
    assert_eq!(text(changed, "old_value"), Some("********02"));
    assert_eq!(text(changed, "new_value"), Some("********21"));
    let page = serde_json::to_string(&rows).unwrap();
    for full in ["612345602", "687654321"] {
        assert!(!page.contains(full), "{full} in {page}");
    }
}
