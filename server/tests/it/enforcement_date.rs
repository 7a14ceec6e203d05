//! 'Verplicht vanaf' and 'Overzicht': a 'Ja' with a date lets users with
//! nothing set up log in as before, told the date, until the day it
//! applies; who has a factor is asked for it at once; a date moved
//! earlier reaches also who clicked 'Later'; a later date needs the
//! step-up. The overview counts the office's users and exports them as
//! CSV; its query runs on indexes. The reminder goes out once, of two
//! instances. Over real HTTP, on SQLite and on PostgreSQL.

use app::{
    domain::deadline,
    model::TwoFactorPolicy,
    storage::{clients, overview, plans, Engine as DbEngine},
};
use server::config::MailChoice;

use crate::common::{Browser, Engine, Options, TestApp};

const PASSWORD: &str = "Welkom-2fa!";
const BAKKERIJ: &str = "1";
const HOVENIER: &str = "+31612345601";
const MULTI: &str = "+31612345603";

on_both_engines!(
    before_the_date_users_with_nothing_log_in_and_are_told,
    a_date_moved_earlier_reaches_who_clicked_later_and_a_later_one_needs_the_step_up,
    a_trusted_browser_obeys_the_date,
    the_overview_counts_the_office_and_exports_it,
    the_overview_query_uses_indexes,
    the_reminder_goes_out_once_with_two_instances,
);

/// The ISO date `days` from the test clock's today in the Netherlands.
fn in_days(app: &TestApp, days: i64) -> String {
    deadline::in_days(app.now(), days).to_stored()
}

async fn logged_in(app: &TestApp, login: &str, phone: Option<&str>) -> Browser {
    let mut browser = app.browser();
    let answer = browser.login(login, PASSWORD).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    if answer.body == "\"NeedsCode\"" {
        let code = app.last_code_to(phone.expect("a number")).await;
        assert_eq!(browser.verify(&code).await.status, 200);
    }
    browser
}

async fn set_policy(beheerder: &mut Browser, client: &str, policy: &str, from: &str) -> u16 {
    let answer = beheerder
        .call(
            "save_client_authentication",
            &[("id", client), ("policy", policy), ("required_from", from)],
        )
        .await;
    answer.status
}

fn date_notice(whoami: &str) -> serde_json::Value {
    serde_json::from_str::<serde_json::Value>(whoami).unwrap()["date_notice"].clone()
}

async fn before_the_date_users_with_nothing_log_in_and_are_told(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut beheerder = logged_in(&app, "beheerder", None).await;
    let date = in_days(&app, 12);
    assert_eq!(set_policy(&mut beheerder, BAKKERIJ, "ja", &date).await, 200);

    // 'bakker' has nothing set up: logged in as before, and told.
    let mut bakker = app.browser();
    assert_eq!(bakker.login("bakker", PASSWORD).await.body, "\"LoggedIn\"");
    let notice = date_notice(&bakker.call("whoami", &[]).await.body);
    let text = notice["text"].as_str().unwrap();
    assert!(
        text.starts_with("Vanaf ") && text.ends_with("Stel het nu in: nog 12 dagen."),
        "{text}"
    );
    assert_eq!(notice["urgent"], false);
    let details = bakker.call("my_details", &[]).await.body;
    assert!(
        details.contains(&format!("\"iso\":\"{date}\"")),
        "{details}"
    );

    // 'multi' has a number: asked for it from now on, as under 'Ja'.
    let mut multi = app.browser();
    assert_eq!(multi.login("multi", PASSWORD).await.body, "\"NeedsCode\"");

    // The policy change is in the audit log with its date.
    let row = app::storage::batch::Stmt::new(
        "SELECT old_value, new_value FROM audit_log WHERE action = 'client.two_factor_policy' \
         ORDER BY id DESC",
    )
    .fetch_one(app.state.core.db.pool())
    .await
    .unwrap();
    let old: Option<String> = sqlx::Row::try_get(&row, "old_value").unwrap();
    let new: Option<String> = sqlx::Row::try_get(&row, "new_value").unwrap();
    assert_eq!(old.as_deref(), Some("Nee"));
    assert!(new.as_deref().unwrap().starts_with("Ja, vanaf "), "{new:?}");

    // From the date on, the login asks as 'Ja' does: a number first.
    app.clock.advance(12 * 24 * 3600);
    let mut later = app.browser();
    assert_eq!(
        later.login("bakker", PASSWORD).await.body,
        "\"NeedsMobile\""
    );

    // A date in the past is refused, with a Dutch reason.
    let mut beheerder = logged_in(&app, "beheerder", None).await;
    let before = in_days(&app, -1);
    let answer = beheerder
        .call(
            "save_client_authentication",
            &[("id", "2"), ("policy", "ja"), ("required_from", &before)],
        )
        .await;
    assert_eq!(answer.status, 422);
    assert!(
        answer.body.contains("vandaag of een latere datum"),
        "{}",
        answer.body
    );
}

async fn a_date_moved_earlier_reaches_who_clicked_later_and_a_later_one_needs_the_step_up(
    engine: Engine,
) {
    let app = TestApp::start(engine).await;
    let mut beheerder = logged_in(&app, "beheerder", None).await;
    let first = in_days(&app, 20);
    assert_eq!(
        set_policy(&mut beheerder, BAKKERIJ, "ja", &first).await,
        200
    );

    let mut bakker = app.browser();
    assert_eq!(bakker.login("bakker", PASSWORD).await.body, "\"LoggedIn\"");
    let notice = date_notice(&bakker.call("whoami", &[]).await.body);
    assert_eq!(notice["later"], serde_json::Value::from(first.clone()));
    let later = bakker
        .call("postpone_date_notice", &[("date", &first)])
        .await;
    assert_eq!(later.status, 200);
    assert!(date_notice(&bakker.call("whoami", &[]).await.body).is_null());

    // Earlier: no step-up needed, and the same session is told again.
    let earlier = in_days(&app, 2);
    assert_eq!(
        set_policy(&mut beheerder, BAKKERIJ, "ja", &earlier).await,
        200
    );
    let notice = date_notice(&bakker.call("whoami", &[]).await.body);
    assert!(
        notice["text"].as_str().unwrap().ends_with("nog 2 dagen."),
        "{notice}"
    );
    assert_eq!(notice["urgent"], true, "the last three days");

    // Later again: weaker, so the beheerder's step-up first.
    let answer = beheerder
        .call(
            "save_client_authentication",
            &[
                ("id", BAKKERIJ),
                ("policy", "ja"),
                ("required_from", &first),
            ],
        )
        .await;
    assert_eq!(answer.status, 403);
    assert!(answer.body.contains("StepUpRequired"), "{}", answer.body);
    let detail = beheerder
        .call("client_detail", &[("id", BAKKERIJ)])
        .await
        .body;
    assert!(
        detail.contains(&format!("\"iso\":\"{earlier}\"")),
        "unchanged: {detail}"
    );

    // 'Ja' without a date: the next login asks, 'Later' or not.
    assert_eq!(set_policy(&mut beheerder, BAKKERIJ, "ja", "").await, 200);
    let notice = date_notice(&bakker.call("whoami", &[]).await.body);
    assert_eq!(notice["later"], serde_json::Value::Null, "no later now");
    let mut next = app.browser();
    assert_eq!(next.login("bakker", PASSWORD).await.body, "\"NeedsMobile\"");

    // Adding a date to a 'Ja' in force weakens it too.
    let answer = beheerder
        .call(
            "save_client_authentication",
            &[
                ("id", BAKKERIJ),
                ("policy", "ja"),
                ("required_from", &first),
            ],
        )
        .await;
    assert_eq!(answer.status, 403);
    beheerder.step_up_by_sms(&app, PASSWORD, None).await;
    assert_eq!(
        set_policy(&mut beheerder, BAKKERIJ, "ja", &first).await,
        200
    );
    let mut again = app.browser();
    assert_eq!(again.login("bakker", PASSWORD).await.body, "\"LoggedIn\"");
}

/// 'Dit apparaat onthouden' stands in for the factor a user has, under a
/// dated 'Ja' as under 'Ja'; it never stands in for having none.
async fn a_trusted_browser_obeys_the_date(engine: Engine) {
    let app = TestApp::start(engine).await;
    // 'hovenier' turns two-factor on herself and remembers this browser.
    let mut hovenier = logged_in(&app, "hovenier", None).await;
    hovenier
        .step_up_by_sms(&app, PASSWORD, Some(HOVENIER))
        .await;
    assert_eq!(
        hovenier
            .call("set_my_two_factor", &[("two_factor", "ja")])
            .await
            .status,
        200
    );
    let mut remembered = app.browser();
    assert_eq!(
        remembered.login("hovenier", PASSWORD).await.body,
        "\"NeedsCode\""
    );
    let code = app.last_code_to(HOVENIER).await;
    assert_eq!(remembered.verify_and_remember(&code).await.status, 200);

    let mut beheerder = logged_in(&app, "beheerder", None).await;
    assert_eq!(
        set_policy(&mut beheerder, "2", "ja", &in_days(&app, 5)).await,
        200
    );

    // The trusted browser logs in without a code, and nobody set up is told.
    let cookie = remembered.cookie.clone();
    remembered.call("logout", &[]).await;
    remembered.cookie = cookie.map(|c| {
        c.split("; ")
            .filter(|p| !p.starts_with("tweestap_sessie="))
            .collect::<Vec<_>>()
            .join("; ")
    });
    assert_eq!(
        remembered.login("hovenier", PASSWORD).await.body,
        "\"LoggedIn\""
    );
    assert!(date_notice(&remembered.call("whoami", &[]).await.body).is_null());
    // Another browser is asked for the code: she has a factor.
    let mut other = app.browser();
    assert_eq!(
        other.login("hovenier", PASSWORD).await.body,
        "\"NeedsCode\""
    );

    // 'multi' (of Bakkerij under 'Nee' and Hoveniers) has a number: asked.
    let mut multi = app.browser();
    assert_eq!(multi.login("multi", PASSWORD).await.body, "\"NeedsCode\"");
    let _ = app.last_code_to(MULTI).await;
}

async fn the_overview_counts_the_office_and_exports_it(engine: Engine) {
    let app = TestApp::start(engine).await;
    let db = &app.state.core.db;
    // A client whose name a spreadsheet would misread.
    let tricky = clients::create_client(
        db,
        1,
        1,
        "Jansen; \"de Beste\"\nBV",
        TwoFactorPolicy::Ja,
        app.now(),
    )
    .await
    .unwrap();
    let mut beheerder = logged_in(&app, "beheerder", None).await;
    let answer = beheerder.call("overview", &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let v: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    let row = |name: &str| {
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no row {name}: {v}"))
            .clone()
    };
    let office = row("Kantoorgebruikers");
    assert_eq!(office["counts"]["users"], 2);
    assert_eq!(office["counts"]["nothing"], 2);
    let bakkerij = row("Bakkerij De Korenbloem");
    assert_eq!(bakkerij["policy"], "Nee");
    assert_eq!(
        (
            bakkerij["counts"]["users"].as_i64(),
            bakkerij["counts"]["nothing"].as_i64(),
            bakkerij["counts"]["sms"].as_i64()
        ),
        (Some(2), Some(1), Some(1))
    );
    let zorg = row("Zorggroep Horizon");
    assert_eq!(zorg["counts"]["sms"], 2);
    assert_eq!(
        zorg["counts"]["not_since"], 2,
        "nobody logged in since 'Ja'"
    );
    assert_eq!(v["totals"]["users"], 8);
    assert_eq!(v["totals"]["nothing"], 3);
    let empty = row("Jansen; \"de Beste\"\nBV");
    assert_eq!(empty["counts"]["users"], 0);
    assert_eq!(empty["client_id"], tricky);

    // 'zorg' logs in: one less not logged in since 'Ja'.
    let _ = logged_in(&app, "zorg", Some("+31612345602")).await;
    let v: serde_json::Value =
        serde_json::from_str(&beheerder.call("overview", &[]).await.body).unwrap();
    let zorg = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Zorggroep Horizon")
        .unwrap()
        .clone();
    assert_eq!(zorg["counts"]["not_since"], 1);

    // The CSV: BOM, ';', the name quoted with its quotes doubled.
    let bytes = |path: &'static str, cookie: Option<String>| {
        let base = app.base.clone();
        async move {
            let mut request = reqwest::Client::new().get(format!("{base}{path}"));
            if let Some(c) = cookie {
                request = request.header("cookie", c);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let kind = response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string());
            (status, kind, response.bytes().await.unwrap().to_vec())
        }
    };
    let (status, kind, csv) =
        bytes(server::export::EXPORT_ROWS_PATH, beheerder.cookie.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(kind.as_deref(), Some("text/csv; charset=utf-8"));
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 with BOM");
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(
        text.starts_with("Cliënt;Twee-factor-authenticatie;Gebruikers;Met passkey;Met app;Alleen SMS;Met niets;Niet ingelogd sinds 'Ja';Niet ingelogd in 180 dagen;Uitgenodigd\r\n"),
        "{text}"
    );
    assert!(
        text.contains("\r\n\"Jansen; \"\"de Beste\"\"\nBV\";Ja;0;0;0;0;0;0;0;0\r\n"),
        "{text}"
    );
    assert!(
        text.contains("\r\nZorggroep Horizon;Ja;2;0;0;2;0;1;0;0\r\n"),
        "{text}"
    );
    assert!(text.contains("\r\nTotaal;;8;"), "{text}");

    let (status, _, users) =
        bytes(server::export::EXPORT_USERS_PATH, beheerder.cookie.clone()).await;
    assert_eq!(status, 200);
    let users = String::from_utf8(users[3..].to_vec()).unwrap();
    assert!(
        users.starts_with("Cliënt;Inlognaam;Naam;Inloggen met;"),
        "{users}"
    );
    assert!(
        users.contains("\r\nKantoorgebruikers;beheerder;Bea Beheer;Niets;Nee;Nee;Nee;"),
        "{users}"
    );
    assert!(
        users.contains("\r\nZorggroep Horizon;zorg;Zeynep Zorg;SMS;Nee;Nee;Ja;"),
        "{users}"
    );
    assert!(users.contains(";Nog nooit\r\n"), "{users}");

    // Nobody else gets it.
    assert_eq!(bytes(server::export::EXPORT_ROWS_PATH, None).await.0, 401);
    let medewerker = logged_in(&app, "medewerker", None).await;
    assert_eq!(
        bytes(server::export::EXPORT_USERS_PATH, medewerker.cookie.clone())
            .await
            .0,
        403
    );
    let bakker = logged_in(&app, "bakker", None).await;
    assert_eq!(
        bytes(server::export::EXPORT_ROWS_PATH, bakker.cookie.clone())
            .await
            .0,
        403
    );
}

async fn the_overview_query_uses_indexes(engine: Engine) {
    let app = TestApp::start(engine).await;
    let db = &app.state.core.db;
    for stmt in [
        overview::client_groups_stmt(1, app.now()),
        overview::office_groups_stmt(1, app.now()),
    ] {
        let plan = match db.engine() {
            DbEngine::Sqlite => plans::explain(db, &stmt).await.unwrap(),
            // On a handful of rows PostgreSQL reads whole tables however
            // good the indexes are; with that made expensive, it shows
            // which indexes it would use.
            DbEngine::Postgres => plans::explain_without_seq_scans(db, &stmt).await.unwrap(),
        };
        let text = plan.join("\n");
        for table in [
            "clients",
            "client_users",
            "users",
            "passkeys",
            "authenticators",
        ] {
            assert!(
                !text.contains(&format!("SCAN {table}"))
                    && !text.contains(&format!("Seq Scan on {table}")),
                "{table} read whole:\n{text}"
            );
        }
        for alias in ["c", "cu", "u", "p", "a"] {
            assert!(
                !text.lines().any(|l| l
                    .trim_start_matches(['|', '-', '`', ' '])
                    .starts_with(&format!("SCAN {alias} "))
                    || l.trim_end().ends_with(&format!("SCAN {alias}"))),
                "{alias} read whole:\n{text}"
            );
        }
        assert!(text.to_lowercase().contains("index"), "{text}");
    }
}

async fn the_reminder_goes_out_once_with_two_instances(engine: Engine) {
    let a = TestApp::start_with(
        engine,
        Options {
            mail: MailChoice::Outbox,
            ..Options::default()
        },
    )
    .await;
    let b = a.another_instance().await;
    let mut beheerder = logged_in(&a, "beheerder", None).await;
    assert_eq!(
        set_policy(&mut beheerder, BAKKERIJ, "ja", &in_days(&a, 5)).await,
        200
    );

    let reminders_to = |app: &TestApp, to: &'static str| {
        let file = app.config.mail_outbox.clone();
        async move {
            // Sent in the background, a moment after the claim.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            server::mail::outbox::read(&file)
                .await
                .unwrap_or_default()
                .into_iter()
                .filter(|m| m.to == to && m.subject.contains("verplicht"))
                .count()
        }
    };
    let (one, other) = tokio::join!(
        app::flows::reminders::send_due(&a.state.core),
        app::flows::reminders::send_due(&b.state.core),
    );
    assert_eq!(
        one.unwrap() + other.unwrap(),
        1,
        "one reminder, of two instances"
    );
    assert_eq!(reminders_to(&a, "bakker@voorbeeld.example").await, 1);
    // 'multi' has a number: nothing to remind.
    assert_eq!(reminders_to(&a, "multi@voorbeeld.example").await, 0);
    // Again in the same week: nothing new.
    assert_eq!(
        app::flows::reminders::send_due(&b.state.core)
            .await
            .unwrap(),
        0
    );

    // The last day: the second reminder, once.
    a.clock.advance(4 * 24 * 3600);
    let (one, other) = tokio::join!(
        app::flows::reminders::send_due(&a.state.core),
        app::flows::reminders::send_due(&b.state.core),
    );
    assert_eq!(one.unwrap() + other.unwrap(), 1);
    assert_eq!(reminders_to(&a, "bakker@voorbeeld.example").await, 2);
    let log = app::storage::audit::recent(&a.state.core.db, 20)
        .await
        .unwrap();
    assert_eq!(
        log.iter()
            .filter(|e| e.action == "two_factor.date_reminder")
            .count(),
        2
    );
}
