//! What became of an SMS: the providers' delivery reports (Twilio signed,
//! CM.com at its secret URL) move it forward only, the code page shows it,
//! the Logboek records how it ended, and a second provider takes over at
//! once when the first refuses or hangs, or after it did not deliver.
//! Over real HTTP to provider stubs that report back as the real services
//! do, on SQLite and on PostgreSQL.

use std::time::{Duration, Instant};

use crate::common::{
    gateway::{cm_report, GatewayStub, Mode, Received, TwilioReport},
    Browser, Engine, Options, TestApp, CM_STATUS_TOKEN,
};
use server::config::SmsChoice;

const PASSWORD: &str = "Welkom-2fa!";

on_both_engines!(
    a_signed_twilio_report_reaches_the_code_page_and_the_logbook,
    forged_replayed_and_stale_twilio_reports_change_nothing,
    cm_reports_need_the_secret_and_only_move_forward,
    a_refusing_provider_hands_the_code_to_the_next_at_once,
    a_hanging_provider_hands_the_code_to_the_next_after_the_timeout,
    after_an_undelivered_sms_the_next_code_goes_through_the_other_provider,
    twenty_copies_of_one_report_at_once_count_once,
);

async fn with_twilio(engine: Engine, stub: &GatewayStub) -> TestApp {
    TestApp::start_with(
        engine,
        Options {
            twilio: Some(stub.base.clone()),
            ..Options::default()
        },
    )
    .await
}

async fn with_both(
    engine: Engine,
    twilio: &GatewayStub,
    cm: &GatewayStub,
    timeout: u64,
) -> TestApp {
    TestApp::start_with(
        engine,
        Options {
            twilio: Some(twilio.base.clone()),
            cm: Some(cm.base.clone()),
            sms: Some(vec![SmsChoice::Twilio, SmsChoice::Cm]),
            sms_timeout_seconds: timeout,
            ..Options::default()
        },
    )
    .await
}

/// zorg at the code page, after the password (an SMS went out).
async fn at_code_page(app: &TestApp) -> Browser {
    let mut zorg = app.browser();
    let answer = zorg.login("zorg", PASSWORD).await;
    assert_eq!(answer.body, "\"NeedsCode\"", "{}", answer.body);
    zorg
}

async fn delivery(browser: &mut Browser) -> String {
    let answer = browser.call("sms_delivery", &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

/// The stored status and provider of the SMS with `reference`.
async fn stored(app: &TestApp, reference: &str) -> (String, String) {
    let sms = app::storage::sms_messages::by_reference(&app.state.core.db, reference)
        .await
        .unwrap()
        .expect("the SMS is recorded");
    (sms.status.as_str().to_string(), sms.provider)
}

fn reference_in(callback: &str) -> String {
    callback
        .split("ref=")
        .nth(1)
        .expect("the callback carries our reference")
        .to_string()
}

async fn logbook_values(app: &TestApp, action: &str) -> Vec<String> {
    use sqlx::Row;
    sqlx::query("SELECT new_value FROM audit_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(app.state.core.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String, _>("new_value").unwrap_or_default())
        .collect()
}

async fn a_signed_twilio_report_reaches_the_code_page_and_the_logbook(engine: Engine) {
    let stub = GatewayStub::start(Mode::Accept).await;
    let app = with_twilio(engine, &stub).await;
    let mut zorg = at_code_page(&app).await;
    let sms = stub.received().pop().expect("a code went out");
    assert!(
        sms.callback
            .starts_with("http://127.0.0.1:3000/sms/status/twilio?ref="),
        "the public URL, with our reference: {}",
        sms.callback
    );
    let reference = reference_in(&sms.callback);
    assert_eq!(
        stored(&app, &reference).await,
        ("accepted".into(), "twilio".into())
    );
    assert_eq!(delivery(&mut zorg).await, "\"Underway\"");

    let sent = TwilioReport {
        sms: &sms,
        status: "sent",
        error_code: None,
    };
    assert_eq!(sent.send_signed(&app.base).await, 200);
    assert_eq!(delivery(&mut zorg).await, "\"Underway\"");

    let undelivered = TwilioReport {
        sms: &sms,
        status: "undelivered",
        error_code: Some("30003"),
    };
    assert_eq!(undelivered.send_signed(&app.base).await, 200);
    assert_eq!(
        delivery(&mut zorg).await,
        "{\"NotDelivered\":{\"reason\":\"nummer onbereikbaar\"}}"
    );
    assert_eq!(
        logbook_values(&app, "sms.undelivered").await,
        vec!["********02 via Twilio: nummer onbereikbaar".to_string()],
        "masked, with provider and reason"
    );
    // The code itself still works: the report only tells.
    let code = crate::common::code_in(&sms.body);
    assert_eq!(zorg.verify(&code).await.status, 200);
}

async fn forged_replayed_and_stale_twilio_reports_change_nothing(engine: Engine) {
    let stub = GatewayStub::start(Mode::Accept).await;
    let app = TestApp::start_with(
        engine,
        Options {
            twilio: Some(stub.base.clone()),
            metrics: true,
            ..Options::default()
        },
    )
    .await;
    let metrics = app.metrics_url.clone().expect("metrics on");
    let refused = "tweestap_sms_delivery_reports_refused_total{provider=\"twilio\"}";
    let before = crate::operations::value(&crate::operations::get(&metrics).await.1, refused);
    let mut zorg = at_code_page(&app).await;
    let sms = stub.received().pop().unwrap();
    let reference = reference_in(&sms.callback);
    let undelivered = TwilioReport {
        sms: &sms,
        status: "undelivered",
        error_code: Some("30003"),
    };

    // Unsigned, signed with another token, and a signature of other fields.
    assert_eq!(undelivered.send(&app.base, None).await, 403);
    let wrong_key = undelivered.signature("not-the-token");
    assert_eq!(undelivered.send(&app.base, Some(wrong_key)).await, 403);
    // Probing shows in the metrics (other tests share the recorder: at
    // least these two).
    let after = crate::operations::value(&crate::operations::get(&metrics).await.1, refused);
    assert!(after >= before + 2.0, "{before} → {after}");
    let delivered = TwilioReport {
        sms: &sms,
        status: "delivered",
        error_code: None,
    };
    let signature_of_delivered = delivered.signature(crate::common::gateway::TWILIO_TOKEN);
    assert_eq!(
        undelivered
            .send(&app.base, Some(signature_of_delivered.clone()))
            .await,
        403,
        "the signature covers the status"
    );
    // Another SMS's reference under this one's signature.
    let mut other = sms.clone();
    other.callback = format!(
        "http://127.0.0.1:3000/sms/status/twilio?ref={}",
        "0".repeat(32)
    );
    let moved = TwilioReport {
        sms: &other,
        status: "delivered",
        error_code: None,
    };
    assert_eq!(
        moved.send(&app.base, Some(signature_of_delivered)).await,
        403
    );
    assert_eq!(
        stored(&app, &reference).await.0,
        "accepted",
        "nothing changed"
    );
    assert_eq!(delivery(&mut zorg).await, "\"Underway\"");
    assert!(logbook_values(&app, "sms.undelivered").await.is_empty());

    // Signed, but about no SMS of ours.
    assert_eq!(moved.send_signed(&app.base).await, 404);

    // The real one counts once; its replay and a later end do not.
    assert_eq!(delivered.send_signed(&app.base).await, 200);
    assert_eq!(delivered.send_signed(&app.base).await, 409, "replayed");
    assert_eq!(
        undelivered.send_signed(&app.base).await,
        409,
        "after the end"
    );
    assert_eq!(stored(&app, &reference).await.0, "delivered");
    let shown = delivery(&mut zorg).await;
    assert!(shown.starts_with("{\"Delivered\":{\"at\":\""), "{shown}");
    assert_eq!(logbook_values(&app, "sms.delivered").await.len(), 1);
    assert!(logbook_values(&app, "sms.undelivered").await.is_empty());

    // A day on, a report about it is stale, even a new step.
    let second = at_code_page(&app).await;
    drop(second);
    let fresh = stub.received().pop().unwrap();
    app.clock.advance(24 * 3600 + 1);
    let late = TwilioReport {
        sms: &fresh,
        status: "delivered",
        error_code: None,
    };
    assert_eq!(late.send_signed(&app.base).await, 410);
    assert_eq!(
        stored(&app, &reference_in(&fresh.callback)).await.0,
        "accepted"
    );
}

async fn cm_reports_need_the_secret_and_only_move_forward(engine: Engine) {
    let cm = GatewayStub::start_cm(Mode::Accept).await;
    let app = TestApp::start_with(
        engine,
        Options {
            cm: Some(cm.base.clone()),
            sms: Some(vec![SmsChoice::Cm]),
            ..Options::default()
        },
    )
    .await;
    let mut zorg = at_code_page(&app).await;
    let sms = cm.received().pop().expect("a code went out through CM.com");
    assert_eq!(sms.to, "0031612345602", "CM.com's number format");
    assert!(!sms.authorization.is_empty(), "the product token is sent");
    let reference = sms.callback.clone();
    assert_eq!(
        stored(&app, &reference).await,
        ("accepted".into(), "cm".into())
    );

    // Without our secret, or with another, nothing is read.
    assert_eq!(
        cm_report(&app.base, "raden", &reference, "3", "5").await,
        403
    );
    let almost = format!("{}x", &CM_STATUS_TOKEN[..CM_STATUS_TOKEN.len() - 1]);
    assert_eq!(
        cm_report(&app.base, &almost, &reference, "3", "5").await,
        403
    );
    assert_eq!(stored(&app, &reference).await.0, "accepted");
    // Our secret, but no SMS of ours.
    assert_eq!(
        cm_report(&app.base, CM_STATUS_TOKEN, &"f".repeat(32), "2", "").await,
        404
    );

    assert_eq!(
        cm_report(&app.base, CM_STATUS_TOKEN, &reference, "3", "5").await,
        200
    );
    assert_eq!(
        cm_report(&app.base, CM_STATUS_TOKEN, &reference, "3", "5").await,
        409,
        "replayed"
    );
    assert_eq!(
        cm_report(&app.base, CM_STATUS_TOKEN, &reference, "2", "").await,
        409,
        "no change after the end"
    );
    assert_eq!(
        delivery(&mut zorg).await,
        "{\"NotDelivered\":{\"reason\":\"nummer onbereikbaar\"}}"
    );
    assert_eq!(
        logbook_values(&app, "sms.undelivered").await,
        vec!["********02 via CM.com: nummer onbereikbaar".to_string()]
    );
}

async fn a_refusing_provider_hands_the_code_to_the_next_at_once(engine: Engine) {
    let twilio = GatewayStub::start(Mode::Fail).await;
    let cm = GatewayStub::start_cm(Mode::Accept).await;
    let app = with_both(engine, &twilio, &cm, 10).await;
    let mut zorg = at_code_page(&app).await;
    assert!(twilio.received().is_empty());
    let sms = cm.received().pop().expect("CM.com took over");
    assert_eq!(
        stored(&app, &sms.callback).await,
        ("accepted".into(), "cm".into())
    );
    let status = zorg.call("code_status", &[]).await;
    assert!(
        status.body.contains("\"send_failed\":false"),
        "{}",
        status.body
    );
    let code = crate::common::code_in(&sms.body);
    assert_eq!(zorg.verify(&code).await.status, 200, "the same code");
}

async fn a_hanging_provider_hands_the_code_to_the_next_after_the_timeout(engine: Engine) {
    let twilio = GatewayStub::start(Mode::Slow(Duration::from_secs(8))).await;
    let cm = GatewayStub::start_cm(Mode::Accept).await;
    let app = with_both(engine, &twilio, &cm, 1).await;
    let started = Instant::now();
    let zorg = at_code_page(&app).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the user waits for the timeout, not for the hanging provider: {:?}",
        started.elapsed()
    );
    drop(zorg);
    let sms = cm.received().pop().expect("CM.com took over");
    assert_eq!(stored(&app, &sms.callback).await.1, "cm");
}

async fn after_an_undelivered_sms_the_next_code_goes_through_the_other_provider(engine: Engine) {
    let twilio = GatewayStub::start(Mode::Accept).await;
    let cm = GatewayStub::start_cm(Mode::Accept).await;
    let app = with_both(engine, &twilio, &cm, 10).await;
    let mut zorg = at_code_page(&app).await;
    let first: Received = twilio.received().pop().expect("Twilio first");
    assert!(cm.received().is_empty());
    let report = TwilioReport {
        sms: &first,
        status: "undelivered",
        error_code: Some("30003"),
    };
    assert_eq!(report.send_signed(&app.base).await, 200);

    app.clock.advance(61);
    let resent = zorg.call("resend_code", &[]).await;
    assert_eq!(resent.status, 200, "{}", resent.body);
    assert_eq!(twilio.received().len(), 1, "not Twilio again");
    let second = cm.received().pop().expect("CM.com takes the new code");
    assert_eq!(
        delivery(&mut zorg).await,
        "\"Underway\"",
        "the new SMS's status"
    );
    let code = crate::common::code_in(&second.body);
    assert_eq!(zorg.verify(&code).await.status, 200);
}

async fn twenty_copies_of_one_report_at_once_count_once(engine: Engine) {
    let stub = GatewayStub::start(Mode::Accept).await;
    let app = with_twilio(engine, &stub).await;
    let _zorg = at_code_page(&app).await;
    let sms = stub.received().pop().unwrap();
    // Twenty copies of one signed report (a provider's retries), at once,
    // half of them to a second instance on the same database.
    let second = app.another_instance().await;
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(20));
    let mut copies = tokio::task::JoinSet::new();
    for i in 0..20 {
        let base = if i % 2 == 0 { &app.base } else { &second.base };
        let (sms, base, start) = (sms.clone(), base.clone(), start.clone());
        copies.spawn(async move {
            start.wait().await;
            let report = TwilioReport {
                sms: &sms,
                status: "undelivered",
                error_code: Some("30003"),
            };
            report.send_signed(&base).await
        });
    }
    let answers: Vec<u16> = copies.join_all().await;
    assert_eq!(
        answers.iter().filter(|s| **s == 200).count(),
        1,
        "{answers:?}"
    );
    assert!(
        answers.iter().all(|s| *s == 200 || *s == 409),
        "{answers:?}"
    );
    assert_eq!(logbook_values(&app, "sms.undelivered").await.len(), 1);
}
