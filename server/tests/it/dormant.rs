//! Dormant accounts: 'Overzicht' counts who has been quiet for the office's
//! days, and with 'Automatisch blokkeren' the scheduled task warns each a
//! week before and then blocks, once across two instances, never the
//! office's last beheerder. On both engines, with the clock set.

use serde_json::Value;

use crate::common::{Browser, Engine, TestApp};

const PASSWORD: &str = "Welkom-2fa!";
const DAY: i64 = 24 * 60 * 60;

on_both_engines!(
    the_rule_warns_a_week_before_then_blocks_once_across_two_instances,
    the_overview_counts_the_quiet_and_a_login_takes_one_out,
    the_setting_needs_the_step_up_and_refuses_a_bad_number,
);

async fn set_rule(admin: &mut Browser, days: &str, block: &str) {
    let saved = admin
        .call(
            "save_office_dormant",
            &[("dormant_days", days), ("dormant_block", block)],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
}

async fn the_rule_warns_a_week_before_then_blocks_once_across_two_instances(engine: Engine) {
    let app = TestApp::start_with_mail(engine).await;
    let other = app.another_instance().await;
    let mut admin = app.beheerder().await;
    set_rule(&mut admin, "30", "ja").await;

    app.clock.advance(22 * DAY);
    let early = app::flows::dormant::run_due(&app.state.core).await.unwrap();
    assert_eq!((early.warned, early.blocked), (0, 0), "not yet");

    app.clock.advance(DAY);
    let (a, b) = tokio::join!(
        app::flows::dormant::run_due(&app.state.core),
        app::flows::dormant::run_due(&other.state.core),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.blocked + b.blocked, 0);
    assert!(a.warned + b.warned >= 1, "{a:?} {b:?}");
    let warnings = app.mails_to("medewerker@voorbeeld.example", 1).await;
    assert!(
        warnings[0]
            .subject
            .contains("wordt over een week geblokkeerd"),
        "{warnings:?}"
    );
    assert!(
        app.mails_now("beheerder@voorbeeld.example")
            .await
            .is_empty(),
        "the last beheerder is never blocked, so never warned"
    );
    // A second run in the same week warns nobody again.
    let again = app::flows::dormant::run_due(&other.state.core)
        .await
        .unwrap();
    assert_eq!(again.warned, 0);

    // bakker logs in within the week: the quiet time starts again.
    assert_eq!(app.browser().login("bakker", PASSWORD).await.status, 200);

    app.clock.advance(7 * DAY);
    let (a, b) = tokio::join!(
        app::flows::dormant::run_due(&app.state.core),
        app::flows::dormant::run_due(&other.state.core),
    );
    let blocked = a.unwrap().blocked + b.unwrap().blocked;
    assert_eq!(
        blocked,
        a_warned_count(&app).await,
        "each warned user blocked once"
    );
    let refused = app.browser().login("medewerker", PASSWORD).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(app.browser().login("bakker", PASSWORD).await.status, 200);
    assert_eq!(
        app.browser().login("beheerder", PASSWORD).await.status,
        200,
        "the last beheerder stays"
    );
    let told = app.mails_to("medewerker@voorbeeld.example", 2).await;
    assert!(
        told[1].body.contains("30 dagen niet hebt ingelogd"),
        "{told:?}"
    );
}

/// Users warned and not logged in since (all but bakker).
async fn a_warned_count(app: &TestApp) -> usize {
    app.audit_actions()
        .await
        .iter()
        .filter(|a| *a == "user.dormant_warned")
        .count()
        - 1
}

async fn the_overview_counts_the_quiet_and_a_login_takes_one_out(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut admin = app.beheerder().await;
    set_rule(&mut admin, "30", "nee").await;
    let dormant = |body: &str| {
        let v: Value = serde_json::from_str(body).expect(body);
        (
            v["totals"]["dormant"].as_i64().unwrap(),
            v["dormant_days"].as_i64().unwrap(),
        )
    };
    let before = admin.call("overview", &[]).await;
    assert_eq!(dormant(&before.body), (0, 30));

    app.clock.advance(30 * DAY);
    let mut admin = app.beheerder().await;
    let quiet = dormant(&admin.call("overview", &[]).await.body).0;
    let users: i64 = {
        let v: Value = serde_json::from_str(&admin.call("overview", &[]).await.body).unwrap();
        v["totals"]["users"].as_i64().unwrap()
    };
    // Everyone but the beheerder, who just logged in.
    assert_eq!(quiet, users - 1);
    assert_eq!(app.browser().login("bakker", PASSWORD).await.status, 200);
    assert_eq!(
        dormant(&admin.call("overview", &[]).await.body).0,
        quiet - 1
    );
    // The users behind the figure: bakker's client list no longer has him.
    let rows = admin.call("list_office_users", &[]).await;
    assert!(rows.body.contains("\"dormant\":true"), "{}", rows.body);
    // No automatic block without the setting.
    let done = app::flows::dormant::run_due(&app.state.core).await.unwrap();
    assert_eq!((done.warned, done.blocked), (0, 0));
}

async fn the_setting_needs_the_step_up_and_refuses_a_bad_number(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut admin = app.browser();
    admin.login("beheerder", PASSWORD).await;
    let unproven = admin
        .call(
            "save_office_dormant",
            &[("dormant_days", "90"), ("dormant_block", "ja")],
        )
        .await;
    assert_eq!(unproven.status, 403, "{}", unproven.body);
    admin.step_up_by_sms(&app, PASSWORD, None).await;
    for bad in ["", "7", "1000", "zes"] {
        let answer = admin
            .call(
                "save_office_dormant",
                &[("dormant_days", bad), ("dormant_block", "ja")],
            )
            .await;
        assert_eq!(answer.status, 422, "{bad}: {}", answer.body);
        assert!(
            answer.body.contains("Niet ingelogd na (dagen)"),
            "{}",
            answer.body
        );
    }
    set_rule(&mut admin, "90", "ja").await;
    let settings = admin.call("office_settings", &[]).await;
    assert!(
        settings.body.contains("\"dormant_days\":90")
            && settings.body.contains("\"dormant_block\":true"),
        "{}",
        settings.body
    );
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|a| a == "office.dormant"));
}
