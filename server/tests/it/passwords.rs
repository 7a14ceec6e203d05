//! A password forgotten, reset by a mailed link, and changed behind the
//! step-up, tried as an attacker would: a name typed to learn who has an
//! account, an address of their own typed beside the victim's, a forged
//! `Host`, a link used twice, late or by 200 requests at once, and a reset
//! that would log in past the second factor. Over real HTTP, on SQLite and
//! on PostgreSQL.

use std::time::Duration;

use crate::common::{Answer, Browser, Engine, TestApp};
use server::mail::outbox;

const PASSWORD: &str = "Welkom-2fa!";
const NEW_PASSWORD: &str = "blauwe reiger op het hek";
const ZORG: &str = "+31612345602";
const HOVENIER: &str = "+31612345601";
const ZORG_MAIL: &str = "zorg@voorbeeld.example";

on_both_engines!(
    a_reset_link_sets_a_password_ends_every_session_and_logs_nobody_in,
    known_and_unknown_accounts_get_the_same_answer_and_only_their_own_address_a_mail,
    used_voided_expired_and_unknown_links_are_refused_alike,
    two_hundred_parallel_uses_of_one_link_set_one_password,
    three_reset_mails_an_hour_and_a_limit_per_address,
    a_forged_host_never_reaches_a_link,
    changing_the_password_needs_the_step_up_and_the_current_password,
    a_new_address_counts_only_once_its_link_is_used,
    a_user_sees_their_sessions_and_logs_out_another,
    the_link_pages_open_in_any_stage_and_nothing_else_does,
);

async fn start(engine: Engine) -> TestApp {
    TestApp::start_with_mail(engine).await
}

/// The reset link's token in a mail, checked to start with the public URL.
fn token_in(app: &TestApp, mail: &outbox::MailLine) -> String {
    let prefix = format!("{}/wachtwoord-herstellen/", app.config.public_url);
    let start = mail
        .body
        .find(&prefix)
        .unwrap_or_else(|| panic!("a link from {prefix} in {}", mail.body))
        + prefix.len();
    mail.body[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

async fn ask(browser: &mut Browser, account: &str) -> Answer {
    browser
        .call("ask_password_reset", &[("account", account)])
        .await
}

async fn reset(browser: &mut Browser, token: &str, new: &str, repeat: &str) -> Answer {
    browser
        .call(
            "choose_password",
            &[
                ("page", "herstellen"),
                ("token", token),
                ("new_password", new),
                ("repeat_password", repeat),
            ],
        )
        .await
}

/// Asks for a link for `account` and returns the newest one mailed to
/// `address`, which then holds `count` mails.
async fn new_link(app: &TestApp, account: &str, address: &str, count: usize) -> String {
    let answer = ask(&mut app.browser(), account).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let mails = app.mails_to(address, count).await;
    token_in(app, mails.last().unwrap())
}

fn link_gone(answer: &Answer) -> bool {
    answer.status == 410 && answer.body.contains("LinkGone")
}

async fn a_reset_link_sets_a_password_ends_every_session_and_logs_nobody_in(engine: Engine) {
    let app = start(engine).await;
    // zorg's client says 'Ja': one browser logged in and remembered,
    // another waiting for its code.
    let mut remembered = app.browser();
    assert_eq!(
        remembered.login("zorg", PASSWORD).await.body,
        "\"NeedsCode\""
    );
    let code = app.last_code_to(ZORG).await;
    assert_eq!(remembered.verify_and_remember(&code).await.status, 200);
    let mut waiting = app.browser();
    assert_eq!(waiting.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");

    // The first mail: the remembered browser's notice.
    app.mails_to(ZORG_MAIL, 1).await;
    let token = new_link(&app, "zorg", ZORG_MAIL, 2).await;
    let mut stranger = app.browser();
    let page = stranger
        .call(
            "link_account",
            &[("page", "herstellen"), ("token", token.as_str())],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("\"login_name\":\"zorg\""),
        "{}",
        page.body
    );

    // The rules answer with a Dutch reason, and the link stays usable.
    for (new, repeat, says) in [
        ("kort", "kort", "te kort"),
        ("wachtwoord12", "wachtwoord12", "veelgebruikte"),
        ("password1234", "password1234", "veelgebruikte"),
        ("zorg-is-mijn-naam", "zorg-is-mijn-naam", "inlognaam"),
        (NEW_PASSWORD, "iets anders dan dat", "Herhaal wachtwoord"),
    ] {
        let refused = reset(&mut stranger, &token, new, repeat).await;
        assert_eq!(refused.status, 422, "{new}: {}", refused.body);
        assert!(refused.body.contains(says), "{new}: {}", refused.body);
    }
    let saved = reset(&mut stranger, &token, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(
        saved.set_cookie.is_empty(),
        "no session: {:?}",
        saved.set_cookie
    );
    assert_eq!(stranger.call("whoami", &[]).await.status, 401);

    // Every session and waiting login ended; the link works once.
    assert_eq!(remembered.call("whoami", &[]).await.status, 401);
    assert_eq!(waiting.call("code_status", &[]).await.status, 401);
    assert!(link_gone(
        &reset(
            &mut stranger,
            &token,
            "nog een ander wachtwoord",
            "nog een ander wachtwoord"
        )
        .await
    ));

    // The old password is gone; the new one still asks the code, even in
    // the browser that was remembered.
    assert_eq!(remembered.login("zorg", PASSWORD).await.status, 401);
    let again = remembered.login("zorg", NEW_PASSWORD).await;
    assert_eq!(again.body, "\"NeedsCode\"", "{}", again.body);

    // Told by mail and SMS, and audited.
    let mails = app.mails_to(ZORG_MAIL, 3).await;
    assert!(
        mails[2].body.contains("is zojuist je wachtwoord gewijzigd"),
        "{}",
        mails[2].body
    );
    let texts = server::sms::outbox::read(&app.outbox).await.unwrap();
    assert!(
        texts
            .iter()
            .any(|l| l.to == ZORG && l.text.contains("wachtwoord gewijzigd")),
        "{texts:#?}"
    );
    let log = app.audit_actions().await;
    for action in ["password.reset_sent", "password.reset"] {
        assert!(log.iter().any(|a| a == action), "{action} in {log:?}");
    }
}

async fn known_and_unknown_accounts_get_the_same_answer_and_only_their_own_address_a_mail(
    engine: Engine,
) {
    let app = start(engine).await;
    let mut browser = app.browser();
    let known = ask(&mut browser, "zorg").await;
    for other in [
        "niemand",
        "ZORG@voorbeeld.example",
        "niemand@voorbeeld.example",
        "medewerker",
    ] {
        let answer = ask(&mut browser, other).await;
        assert_eq!(
            (answer.status, &answer.body, &answer.set_cookie),
            (known.status, &known.body, &known.set_cookie),
            "{other}"
        );
    }
    assert_eq!(known.status, 200);
    // An empty field is refused alike for everyone, naming the field.
    let empty = ask(&mut browser, " ").await;
    assert_eq!(empty.status, 422);
    assert!(
        empty.body.contains("Inlognaam of e-mailadres"),
        "{}",
        empty.body
    );

    // GitLab's CVE-2023-7028: the attacker's own address beside the
    // victim's, as a second field and inside the one field.
    let attacker = "aanvaller@boos.example";
    let both = browser
        .call(
            "ask_password_reset",
            &[("account", ZORG_MAIL), ("account", attacker)],
        )
        .await;
    assert!(both.status == 200 || both.status == 422, "{}", both.body);
    ask(&mut browser, &format!("{ZORG_MAIL},{attacker}")).await;
    ask(&mut browser, &format!("{ZORG_MAIL} {attacker}")).await;

    // zorg's address got one mail per request that named zorg (by name,
    // by address in any case, and perhaps the doubled field), within the
    // hourly three; medewerker has an address too and got one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let all = outbox::read(&app.config.mail_outbox).await.unwrap();
    assert!(
        all.iter()
            .all(|m| m.to == ZORG_MAIL || m.to == "medewerker@voorbeeld.example"),
        "{all:#?}"
    );
    assert!(!all.iter().any(|m| m.to.contains("boos")));
    assert!((2..=3).contains(&app.mails_now(ZORG_MAIL).await.len()));
    let medewerker = app.mails_to("medewerker@voorbeeld.example", 1).await;
    assert!(
        medewerker[0].subject.contains("medewerker"),
        "{}",
        medewerker[0].subject
    );
}

async fn used_voided_expired_and_unknown_links_are_refused_alike(engine: Engine) {
    let app = start(engine).await;
    let mut browser = app.browser();
    let first = new_link(&app, "zorg", ZORG_MAIL, 1).await;
    let second = new_link(&app, "zorg", ZORG_MAIL, 2).await;
    assert_ne!(first, second);

    // The newer link voided the older one.
    let voided = reset(&mut browser, &first, NEW_PASSWORD, NEW_PASSWORD).await;
    let unknown = reset(&mut browser, &"A".repeat(43), NEW_PASSWORD, NEW_PASSWORD).await;
    let malformed = reset(&mut browser, "kort", NEW_PASSWORD, NEW_PASSWORD).await;
    let page = browser
        .call(
            "link_account",
            &[("page", "herstellen"), ("token", first.as_str())],
        )
        .await;
    // A reset link is no invitation, and a page of ours that is neither.
    let wrong_kind = browser
        .call(
            "link_account",
            &[("page", "welkom"), ("token", second.as_str())],
        )
        .await;
    let wrong_page = browser
        .call(
            "link_account",
            &[("page", "anders"), ("token", second.as_str())],
        )
        .await;
    for answer in [
        &voided,
        &unknown,
        &malformed,
        &page,
        &wrong_kind,
        &wrong_page,
    ] {
        assert!(link_gone(answer), "{} {}", answer.status, answer.body);
        assert_eq!(answer.body, voided.body);
    }
    // Half an hour later the newest has expired too.
    app.clock.advance(30 * 60);
    let expired = reset(&mut browser, &second, NEW_PASSWORD, NEW_PASSWORD).await;
    assert!(link_gone(&expired), "{}", expired.body);
    assert_eq!(expired.body, voided.body);
    // Nothing changed: the old password still logs in.
    assert_eq!(browser.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
}

async fn two_hundred_parallel_uses_of_one_link_set_one_password(engine: Engine) {
    let app = start(engine).await;
    let token = new_link(&app, "hovenier", "hovenier@voorbeeld.example", 1).await;
    let mut tasks = Vec::new();
    for i in 0..200 {
        let mut browser = app.browser();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let password = format!("parallel wachtwoord nummer {i}");
            let answer = reset(&mut browser, &token, &password, &password).await;
            (answer.status, password)
        }));
    }
    let mut set = Vec::new();
    for task in tasks {
        let (status, password) = task.await.unwrap();
        match status {
            200 => set.push(password),
            // The link already used, or the hashers too busy to try.
            410 | 503 => {}
            other => panic!("status {other}"),
        }
    }
    assert_eq!(set.len(), 1, "one password set: {set:?}");
    let mut browser = app.browser();
    assert_eq!(
        browser.login("hovenier", &set[0]).await.body,
        "\"LoggedIn\""
    );
    let log = app.audit_actions().await;
    assert_eq!(log.iter().filter(|a| *a == "password.reset").count(), 1);
    assert_eq!(app.outbox_count_to(HOVENIER).await, 1, "one SMS notice");
}

async fn three_reset_mails_an_hour_and_a_limit_per_address(engine: Engine) {
    let app = start(engine).await;
    let mut browser = app.browser();
    for _ in 0..5 {
        assert_eq!(ask(&mut browser, "hovenier").await.status, 200);
    }
    app.mails_to("hovenier@voorbeeld.example", 3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.mails_now("hovenier@voorbeeld.example").await.len(), 3);
    app.clock.advance(60 * 60);
    assert_eq!(ask(&mut browser, "hovenier").await.status, 200);
    app.mails_to("hovenier@voorbeeld.example", 4).await;

    // One source address: 30 requests per quarter (the first of this
    // window was the one above), then a clear refusal for any name.
    for i in 1..30 {
        let answer = ask(&mut browser, &format!("iemand{i}")).await;
        assert_eq!(answer.status, 200, "request {i}: {}", answer.body);
    }
    let held = ask(&mut browser, "niemand").await;
    assert_eq!(held.status, 429, "{}", held.body);
    assert!(held.body.contains("herstellinks"), "{}", held.body);
    app.clock.advance(15 * 60);
    assert_eq!(ask(&mut browser, "niemand").await.status, 200);
}

async fn a_forged_host_never_reaches_a_link(engine: Engine) {
    let app = start(engine).await;
    let http = reqwest::Client::new();
    let url = format!("{}/api/ask_password_reset", app.base);
    let forged = http
        .post(&url)
        .header("host", "boos.example")
        .form(&[("account", "zorg")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 421);
    for (name, value) in [
        ("x-forwarded-host", "boos.example"),
        ("forwarded", "host=boos.example;proto=https"),
        ("x-forwarded-proto", "https"),
    ] {
        let answer = http
            .post(&url)
            .header(name, value)
            .form(&[("account", "zorg")])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 200, "{name}");
    }
    let mails = app.mails_to(ZORG_MAIL, 3).await;
    for mail in &mails {
        assert!(!mail.body.contains("boos"), "{}", mail.body);
        token_in(&app, mail);
    }
}

async fn changing_the_password_needs_the_step_up_and_the_current_password(engine: Engine) {
    let app = start(engine).await;
    let mut hovenier = app.browser();
    assert_eq!(
        hovenier.login("hovenier", PASSWORD).await.body,
        "\"LoggedIn\""
    );
    let mut other = app.browser();
    assert_eq!(other.login("hovenier", PASSWORD).await.body, "\"LoggedIn\"");
    let change = |current: &'static str, new: &'static str, repeat: &'static str| {
        [
            ("current_password", current),
            ("new_password", new),
            ("repeat_password", repeat),
        ]
    };

    // A reset link asked earlier (a mailbox read before the change).
    let early = new_link(&app, "hovenier", "hovenier@voorbeeld.example", 1).await;

    // A stolen cookie alone reaches nothing, not even a guess.
    let asked = hovenier
        .call(
            "change_password",
            &change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD),
        )
        .await;
    assert_eq!(asked.status, 403, "{}", asked.body);
    assert!(asked.body.contains("StepUpRequired"), "{}", asked.body);

    hovenier
        .step_up_by_sms(&app, PASSWORD, Some(HOVENIER))
        .await;
    let wrong = hovenier
        .call(
            "change_password",
            &change("niet-het-wachtwoord", NEW_PASSWORD, NEW_PASSWORD),
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(wrong.body.contains("Huidig wachtwoord"), "{}", wrong.body);
    let weak = hovenier
        .call(
            "change_password",
            &change(PASSWORD, "hovenier-van-groen", "hovenier-van-groen"),
        )
        .await;
    assert_eq!(weak.status, 422, "{}", weak.body);
    let saved = hovenier
        .call(
            "change_password",
            &change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);

    // This session goes on, the other ended; the same password again is
    // refused as the current one.
    assert_eq!(hovenier.call("whoami", &[]).await.status, 200);
    assert_eq!(other.call("whoami", &[]).await.status, 401);
    let same = hovenier
        .call(
            "change_password",
            &change(NEW_PASSWORD, NEW_PASSWORD, NEW_PASSWORD),
        )
        .await;
    assert_eq!(same.status, 422, "{}", same.body);
    assert!(same.body.contains("huidige wachtwoord"), "{}", same.body);
    assert_eq!(
        other.login("hovenier", NEW_PASSWORD).await.body,
        "\"LoggedIn\""
    );
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|a| a == "password.changed"));
    // The new password voided the reset link asked before it.
    let late = reset(
        &mut app.browser(),
        &early,
        "nog een ander wachtwoord",
        "nog een ander wachtwoord",
    )
    .await;
    assert!(link_gone(&late), "{}", late.body);
    // The reset link, then the notice.
    app.mails_to("hovenier@voorbeeld.example", 2).await;
}

async fn a_new_address_counts_only_once_its_link_is_used(engine: Engine) {
    let app = start(engine).await;
    let old = "hovenier@voorbeeld.example";
    let new = "h.nieuw@adres.example";
    let mut hovenier = app.browser();
    assert_eq!(
        hovenier.login("hovenier", PASSWORD).await.body,
        "\"LoggedIn\""
    );
    hovenier
        .step_up_by_sms(&app, PASSWORD, Some(HOVENIER))
        .await;
    let typed = hovenier.call("set_my_email", &[("email", new)]).await;
    assert_eq!(typed.status, 200, "{}", typed.body);
    let mine = hovenier.call("my_details", &[]).await;
    assert!(
        mine.body.contains(&format!("\"email\":\"{old}\"")),
        "{}",
        mine.body
    );
    assert!(
        mine.body.contains(&format!("\"pending_email\":\"{new}\"")),
        "{}",
        mine.body
    );
    // The old address hears of it; the new one gets its link.
    let told = app.mails_to(old, 1).await;
    assert!(
        told[0]
            .body
            .contains("nog te bevestigen e-mailadres opgegeven"),
        "{}",
        told[0].body
    );
    let link_mail = app.mails_to(new, 1).await;
    let prefix = format!("{}/e-mailadres-bevestigen/", app.config.public_url);
    let start = link_mail[0].body.find(&prefix).expect("a link") + prefix.len();
    let token = link_mail[0].body[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();

    // Until it is confirmed, reset links go to the old address only, and
    // asking by the new address sends nothing anywhere.
    let mut stranger = app.browser();
    ask(&mut stranger, new).await;
    ask(&mut stranger, "hovenier").await;
    app.mails_to(old, 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.mails_now(new).await.len(), 1);

    let page = stranger
        .call(
            "link_account",
            &[("page", "e-mailadres"), ("token", &token)],
        )
        .await;
    assert!(page.body.contains(new), "{}", page.body);
    // A confirmation link sets no password.
    let as_password = reset(&mut stranger, &token, NEW_PASSWORD, NEW_PASSWORD).await;
    assert!(link_gone(&as_password), "{}", as_password.body);
    let confirmed = stranger.call("confirm_email", &[("token", &token)]).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert!(link_gone(
        &stranger.call("confirm_email", &[("token", &token)]).await
    ));
    let mine = hovenier.call("my_details", &[]).await;
    assert!(
        mine.body.contains(&format!("\"email\":\"{new}\"")),
        "{}",
        mine.body
    );
    assert!(
        mine.body.contains("\"pending_email\":null"),
        "{}",
        mine.body
    );
    let told = app.mails_to(old, 3).await;
    assert!(
        told[2].body.contains(&format!("gewijzigd in {new}")),
        "{}",
        told[2].body
    );
    // From now on the reset link goes to the new address.
    ask(&mut stranger, "hovenier").await;
    app.mails_to(new, 2).await;
    let log = app.audit_actions().await;
    for action in [
        "user.email_requested",
        "user.email_confirmation_sent",
        "user.email",
    ] {
        assert!(log.iter().any(|a| a == action), "{action} in {log:?}");
    }
}

async fn a_user_sees_their_sessions_and_logs_out_another(engine: Engine) {
    let app = start(engine).await;
    let mut here = app.browser();
    assert_eq!(here.login("hovenier", PASSWORD).await.body, "\"LoggedIn\"");
    let mut there = app.browser();
    assert_eq!(there.login("hovenier", PASSWORD).await.body, "\"LoggedIn\"");
    let mut someone_else = app.browser();
    assert_eq!(
        someone_else.login("bakker", PASSWORD).await.body,
        "\"LoggedIn\""
    );

    let sessions = |body: &str| -> Vec<(String, bool)> {
        let value: serde_json::Value = serde_json::from_str(body).expect(body);
        value["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["reference"].as_str().unwrap().to_string(),
                    s["this_session"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let mine = sessions(&here.call("my_details", &[]).await.body);
    assert_eq!(mine.len(), 2, "{mine:?}");
    let own = mine.iter().find(|(_, this)| *this).unwrap().0.clone();
    let other = mine.iter().find(|(_, this)| !*this).unwrap().0.clone();
    let bakkers = sessions(&someone_else.call("my_details", &[]).await.body)[0]
        .0
        .clone();

    for (reference, says) in [
        (own.as_str(), "huidige sessie"),
        ("kort", "Kies een sessie"),
        (bakkers.as_str(), "al beëindigd"),
    ] {
        let refused = here
            .call("end_my_session", &[("reference", reference)])
            .await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        assert!(refused.body.contains(says), "{}", refused.body);
    }
    assert_eq!(someone_else.call("whoami", &[]).await.status, 200);
    let ended = here.call("end_my_session", &[("reference", &other)]).await;
    assert_eq!(ended.status, 200, "{}", ended.body);
    assert_eq!(there.call("whoami", &[]).await.status, 401);
    assert_eq!(here.call("whoami", &[]).await.status, 200);
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|a| a == "session.ended_by_user"));
}

/// The pages of a mailed link open for anyone, also for a login waiting
/// for its code; a portal page still does not.
async fn the_link_pages_open_in_any_stage_and_nothing_else_does(engine: Engine) {
    let app = start(engine).await;
    let mut waiting = app.browser();
    assert_eq!(waiting.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
    for browser in [&mut app.browser(), &mut waiting] {
        // Rendered, not sent elsewhere: the form, or an unknown link's
        // refusal (410).
        for (path, status) in [
            ("/wachtwoord-vergeten", 200),
            ("/wachtwoord-herstellen/onbekend", 410),
            ("/welkom/onbekend", 410),
            ("/e-mailadres-bevestigen/onbekend", 410),
        ] {
            let page = browser.get(path).await;
            assert_eq!(page.location, None, "{path}");
            assert_eq!(page.status, status, "{path}");
        }
        let portal = browser.get("/mijn-gegevens").await;
        assert!(
            portal
                .location
                .as_deref()
                .is_some_and(|l| l.starts_with("/inloggen")),
            "{:?}",
            portal.location
        );
    }
}
