//! Letting people in: a beheerder adds a client and invites its users and
//! colleagues; the invited user chooses the first password from the mailed
//! link and logs in as the client's policy says. Tried as an attacker
//! would: an invited account guessed at, a link used twice, late, voided or
//! by 200 requests at once, an action without the step-up, and a second
//! account for someone the office has. Over real HTTP, on both engines.

use std::time::Duration;

use crate::common::{field, Answer, Browser, Engine, TestApp};
use app::storage::audit;
use server::mail::outbox;

const PASSWORD: &str = "Welkom-2fa!";
const CHOSEN: &str = "vier vrolijke vissers";
const ZORGGROEP: &str = "3";

on_both_engines!(
    a_beheerder_adds_a_client_and_invites_a_user_who_chooses_a_password_and_logs_in_with_a_code,
    a_login_name_or_address_the_office_has_is_offered_never_a_second_account,
    a_resent_invitation_voids_the_earlier_link_and_a_late_one_shows_as_expired,
    two_hundred_parallel_uses_of_an_invitation_set_one_password,
    every_action_needs_the_step_up_and_bad_input_names_its_field,
    a_colleague_is_invited_and_a_beheerder_sends_a_reset_link,
    no_function_a_beheerder_calls_sets_another_users_password,
);

async fn start(engine: Engine) -> TestApp {
    TestApp::start_with_mail(engine).await
}

/// The token of the newest invitation mailed to `address`.
async fn invitation_to(app: &TestApp, address: &str, count: usize) -> String {
    let mails = app.mails_to(address, count).await;
    let body = &mails.last().unwrap().body;
    let prefix = format!("{}/welkom/", app.config.public_url);
    let start = body.find(&prefix).unwrap_or_else(|| panic!("{body}")) + prefix.len();
    body[start..].split_whitespace().next().unwrap().to_string()
}

async fn choose(browser: &mut Browser, token: &str, password: &str) -> Answer {
    browser
        .call(
            "choose_password",
            &[
                ("page", "welkom"),
                ("token", token),
                ("new_password", password),
                ("repeat_password", password),
            ],
        )
        .await
}

async fn invite(browser: &mut Browser, client: &str, person: [(&str, &str); 4]) -> Answer {
    let mut form = vec![("client_id", client)];
    form.extend(person);
    browser.call("invite_client_user", &form).await
}

fn person<'a>(
    name: &'a str,
    login: &'a str,
    email: &'a str,
    mobile: &'a str,
) -> [(&'a str, &'a str); 4] {
    [
        ("display_name", name),
        ("login_name", login),
        ("email", email),
        ("mobile", mobile),
    ]
}

fn first_branch(body: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(body).expect(body);
    value[0]["id"].as_i64().expect(body).to_string()
}

async fn a_beheerder_adds_a_client_and_invites_a_user_who_chooses_a_password_and_logs_in_with_a_code(
    engine: Engine,
) {
    let app = start(engine).await;
    let mut admin = app.beheerder().await;
    let branches = admin.call("office_branches", &[]).await;
    assert_eq!(branches.status, 200, "{}", branches.body);
    let branch = first_branch(&branches.body);
    let added = admin
        .call(
            "add_client",
            &[("name", "Visserij De Ster"), ("branch_id", &branch)],
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let client = added.body.clone();
    let detail = admin.call("client_detail", &[("id", &client)]).await;
    assert!(
        detail.body.contains("\"policy\":\"Nee\""),
        "{}",
        detail.body
    );
    let ja = admin
        .call(
            "save_client_authentication",
            &[("id", &client), ("policy", "ja")],
        )
        .await;
    assert_eq!(ja.status, 200, "{}", ja.body);

    // The login name is proposed from the name when left empty.
    let invited = invite(
        &mut admin,
        &client,
        person("Nina de Ster", "", "nina@ster.example", "06 12345 699"),
    )
    .await;
    assert_eq!(invited.status, 200, "{}", invited.body);
    assert!(invited.body.contains("Invited"), "{}", invited.body);
    let detail = admin.call("client_detail", &[("id", &client)]).await;
    assert!(
        detail.body.contains("\"login_name\":\"nina.dester\""),
        "{}",
        detail.body
    );
    assert!(
        detail.body.contains("\"invitation\":\"Open\""),
        "{}",
        detail.body
    );

    // Before the link is used no password logs in, and the answer is an
    // unknown name's.
    let mut nina = app.browser();
    let unknown = nina.login("niemand-anders", CHOSEN).await;
    for guess in ["", "Welkom-2fa!", CHOSEN] {
        let answer = nina.login("nina.dester", guess).await;
        if guess.is_empty() {
            assert_eq!(answer.status, 422);
            continue;
        }
        assert_eq!(
            (answer.status, &answer.body),
            (unknown.status, &unknown.body)
        );
    }

    let token = invitation_to(&app, "nina@ster.example", 1).await;
    let page = nina
        .call("link_account", &[("page", "welkom"), ("token", &token)])
        .await;
    assert!(page.body.contains("nina.dester"), "{}", page.body);
    // An invitation is no reset link.
    let as_reset = nina
        .call("link_account", &[("page", "herstellen"), ("token", &token)])
        .await;
    assert_eq!(as_reset.status, 410);
    let weak = choose(&mut nina, &token, "nina-de-ster-2027").await;
    assert_eq!(weak.status, 422, "{}", weak.body);
    let chosen = choose(&mut nina, &token, CHOSEN).await;
    assert_eq!(chosen.status, 200, "{}", chosen.body);
    assert!(chosen.set_cookie.is_empty(), "no session");
    assert_eq!(
        choose(&mut nina, &token, "nog een keer kiezen")
            .await
            .status,
        410
    );

    // The login asks the client's code at the number the beheerder typed,
    // which the code confirms.
    let login = nina.login("nina.dester", CHOSEN).await;
    assert_eq!(login.body, "\"NeedsCode\"", "{}", login.body);
    let code = app.last_code_to("+31612345699").await;
    assert_eq!(nina.verify(&code).await.status, 200);
    let mine = nina.call("my_details", &[]).await;
    assert_eq!(field(&mine.body, "email"), "nina@ster.example");
    let log = app.audit_actions().await;
    for action in ["client.added", "user.invited", "password.chosen"] {
        assert!(log.iter().any(|a| a == action), "{action} in {log:?}");
    }
    let detail = admin.call("client_detail", &[("id", &client)]).await;
    assert!(
        detail.body.contains("\"invitation\":null"),
        "{}",
        detail.body
    );
}

async fn a_login_name_or_address_the_office_has_is_offered_never_a_second_account(engine: Engine) {
    let app = start(engine).await;
    let mut admin = app.beheerder().await;
    // 'bakker' (Bakkerij De Korenbloem) by login name, 'hovenier' by address.
    let by_login = invite(
        &mut admin,
        ZORGGROEP,
        person("Piet Bakker", "Bakker", "ander@adres.example", ""),
    )
    .await;
    assert_eq!(by_login.status, 200, "{}", by_login.body);
    assert!(by_login.body.contains("Existing"), "{}", by_login.body);
    assert!(
        by_login.body.contains("\"login_name\":\"bakker\""),
        "{}",
        by_login.body
    );
    let by_address = invite(
        &mut admin,
        ZORGGROEP,
        person("H. Hovenier", "hhovenier", "HOVENIER@voorbeeld.example", ""),
    )
    .await;
    assert!(
        by_address.body.contains("\"login_name\":\"hovenier\""),
        "{}",
        by_address.body
    );
    // No invitation went out, no account was made.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(outbox::read(&app.config.mail_outbox)
        .await
        .unwrap_or_default()
        .iter()
        .all(|m| !m.body.contains("/welkom/")));

    let value: serde_json::Value = serde_json::from_str(&by_login.body).unwrap();
    let user_id = value["Existing"]["user_id"].as_i64().unwrap().to_string();
    let added = admin
        .call(
            "add_to_client",
            &[("client_id", ZORGGROEP), ("user_id", &user_id)],
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let again = invite(
        &mut admin,
        ZORGGROEP,
        person("Piet Bakker", "bakker", "ander@adres.example", ""),
    )
    .await;
    assert_eq!(again.status, 422, "{}", again.body);
    assert!(
        again.body.contains("al gebruiker van deze cliënt"),
        "{}",
        again.body
    );
    // An office user's login is not offered as a client user.
    let colleague = invite(
        &mut admin,
        ZORGGROEP,
        person("Mede Werker", "medewerker", "iemand@adres.example", ""),
    )
    .await;
    assert_eq!(colleague.status, 422, "{}", colleague.body);
    assert!(
        colleague.body.contains("kantoorgebruiker"),
        "{}",
        colleague.body
    );
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|a| a == "user.client_added"));
}

async fn a_resent_invitation_voids_the_earlier_link_and_a_late_one_shows_as_expired(
    engine: Engine,
) {
    let app = start(engine).await;
    let mut admin = app.beheerder().await;
    let invited = invite(
        &mut admin,
        ZORGGROEP,
        person("Ria Laat", "ria", "ria@laat.example", ""),
    )
    .await;
    let value: serde_json::Value = serde_json::from_str(&invited.body).unwrap();
    let user_id = value["Invited"]["user_id"].as_i64().unwrap().to_string();
    let first = invitation_to(&app, "ria@laat.example", 1).await;
    let resent = admin
        .call("resend_invitation", &[("user_id", &user_id)])
        .await;
    assert_eq!(resent.status, 200, "{}", resent.body);
    let second = invitation_to(&app, "ria@laat.example", 2).await;
    let mut ria = app.browser();
    let voided = choose(&mut ria, &first, CHOSEN).await;
    assert_eq!(voided.status, 410, "{}", voided.body);

    // Seven days on, the newest has expired too, and the list says so.
    app.clock.advance(7 * 24 * 3600);
    let late = choose(&mut ria, &second, CHOSEN).await;
    assert_eq!((late.status, &late.body), (voided.status, &voided.body));
    let mut admin = app.beheerder().await;
    let detail = admin.call("client_detail", &[("id", ZORGGROEP)]).await;
    assert!(
        detail.body.contains("\"invitation\":\"Expired\""),
        "{}",
        detail.body
    );
    // A new one works; a reset link is not what an invited user gets.
    admin
        .call("resend_invitation", &[("user_id", &user_id)])
        .await;
    let third = invitation_to(&app, "ria@laat.example", 3).await;
    assert_eq!(choose(&mut ria, &third, CHOSEN).await.status, 200);
    // Zorggroep says 'Ja' and ria has no number: the login asks for one.
    assert_eq!(ria.login("ria", CHOSEN).await.body, "\"NeedsMobile\"");
    let log = app.audit_actions().await;
    assert!(log.iter().any(|a| a == "user.invitation_resent"));
}

async fn two_hundred_parallel_uses_of_an_invitation_set_one_password(engine: Engine) {
    let app = start(engine).await;
    let mut admin = app.beheerder().await;
    invite(
        &mut admin,
        ZORGGROEP,
        person(
            "Veel Tegelijk",
            "tegelijk",
            "tegelijk@voorbeeld.example",
            "",
        ),
    )
    .await;
    let token = invitation_to(&app, "tegelijk@voorbeeld.example", 1).await;
    let mut tasks = Vec::new();
    for i in 0..200 {
        let mut browser = app.browser();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let password = format!("parallel gekozen nummer {i}");
            (
                choose(&mut browser, &token, &password).await.status,
                password,
            )
        }));
    }
    let mut set = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            (200, password) => set.push(password),
            (410 | 503, _) => {}
            (other, _) => panic!("status {other}"),
        }
    }
    assert_eq!(set.len(), 1, "{set:?}");
    let mut browser = app.browser();
    // 'Ja' at Zorggroep: the password is right, so the code is asked.
    assert_eq!(
        browser.login("tegelijk", &set[0]).await.body,
        "\"NeedsMobile\""
    );
    let log = app.audit_actions().await;
    assert_eq!(log.iter().filter(|a| *a == "password.chosen").count(), 1);
}

async fn every_action_needs_the_step_up_and_bad_input_names_its_field(engine: Engine) {
    let app = start(engine).await;
    let mut admin = app.browser();
    admin.login("beheerder", PASSWORD).await;
    let branch = first_branch(&admin.call("office_branches", &[]).await.body);
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "add_client",
            vec![("name", "Zonder Bevestiging"), ("branch_id", &branch)],
        ),
        (
            "rename_client",
            vec![("id", ZORGGROEP), ("name", "Andere Naam")],
        ),
        (
            "invite_client_user",
            vec![
                ("client_id", ZORGGROEP),
                ("display_name", "Stille Gast"),
                ("login_name", "stil"),
                ("email", "stil@voorbeeld.example"),
            ],
        ),
        (
            "add_to_client",
            vec![("client_id", ZORGGROEP), ("user_id", "3")],
        ),
        (
            "invite_office_user",
            vec![
                ("display_name", "Stille Collega"),
                ("login_name", "collega"),
                ("email", "collega@voorbeeld.example"),
                ("branch_id", &branch),
                ("beheerder", "ja"),
            ],
        ),
        ("send_reset_link", vec![("user_id", "4")]),
    ];
    for (endpoint, form) in &calls {
        let answer = admin.call(endpoint, form).await;
        assert_eq!(answer.status, 403, "{endpoint}: {}", answer.body);
        assert!(
            answer.body.contains("StepUpRequired"),
            "{endpoint}: {}",
            answer.body
        );
    }
    assert!(!app
        .audit_actions()
        .await
        .iter()
        .any(|a| a.starts_with("client.") || a == "user.invited" || a == "password.reset_sent"));
    assert!(!admin
        .call("list_clients", &[])
        .await
        .body
        .contains("Zonder Bevestiging"));

    admin.step_up_by_sms(&app, PASSWORD, None).await;
    // Each call, its form, and the field its refusal names.
    type Refused<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let bad: Vec<Refused> = vec![
        (
            "add_client",
            vec![("name", " "), ("branch_id", &branch)],
            "Naam",
        ),
        (
            "add_client",
            vec![("name", "Goed"), ("branch_id", "999999")],
            "Vestiging",
        ),
        (
            "invite_client_user",
            vec![
                ("client_id", ZORGGROEP),
                ("display_name", "Geen Adres"),
                ("login_name", "geenadres"),
                ("email", ""),
            ],
            "E-mailadres",
        ),
        (
            "invite_client_user",
            vec![
                ("client_id", ZORGGROEP),
                ("display_name", "Vast Nummer"),
                ("login_name", "vast"),
                ("email", "vast@voorbeeld.example"),
                ("mobile", "020-1234567"),
            ],
            "Mobiel nummer",
        ),
        (
            "invite_client_user",
            vec![
                ("client_id", ZORGGROEP),
                ("display_name", "Regel\neinde"),
                ("login_name", "regel"),
                ("email", "regel@voorbeeld.example"),
            ],
            "Naam",
        ),
        (
            "invite_office_user",
            vec![
                ("display_name", "Nergens"),
                ("login_name", "nergens"),
                ("email", "nergens@voorbeeld.example"),
                ("branch_id", "999999"),
            ],
            "Vestiging",
        ),
    ];
    for (endpoint, form, names) in &bad {
        let answer = admin.call(endpoint, form).await;
        assert_eq!(answer.status, 422, "{endpoint} {form:?}: {}", answer.body);
        assert!(answer.body.contains(names), "{endpoint}: {}", answer.body);
    }
}

async fn a_colleague_is_invited_and_a_beheerder_sends_a_reset_link(engine: Engine) {
    let app = start(engine).await;
    let mut admin = app.beheerder().await;
    let branch = first_branch(&admin.call("office_branches", &[]).await.body);
    let invited = admin
        .call(
            "invite_office_user",
            &[
                ("display_name", "Carla Collega"),
                ("login_name", "carla"),
                ("email", "carla@voorbeeld.example"),
                ("branch_id", &branch),
                ("beheerder", "ja"),
            ],
        )
        .await;
    assert_eq!(invited.status, 200, "{}", invited.body);
    let list = admin.call("list_office_users", &[]).await;
    assert!(
        list.body.contains("\"login_name\":\"carla\""),
        "{}",
        list.body
    );
    assert!(
        list.body.contains("\"invitation\":\"Open\""),
        "{}",
        list.body
    );
    let value: serde_json::Value = serde_json::from_str(&invited.body).unwrap();
    let carla_id = value["Invited"]["user_id"].as_i64().unwrap().to_string();
    // An invited user gets no reset link: the invitation is the way in.
    let too_early = admin
        .call("send_reset_link", &[("user_id", &carla_id)])
        .await;
    assert_eq!(too_early.status, 422, "{}", too_early.body);
    // An address typed after the invitation waits for its own link: the
    // invitation confirms only the address it went to.
    let moved = admin
        .call(
            "save_office_user",
            &[
                ("id", carla_id.as_str()),
                ("display_name", "Carla Collega"),
                ("email", "carla@elders.example"),
                ("mobile", ""),
                ("two_factor", "nee"),
            ],
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    app.mails_to("carla@elders.example", 1).await;

    let token = invitation_to(&app, "carla@voorbeeld.example", 1).await;
    let mut carla = app.browser();
    assert_eq!(choose(&mut carla, &token, CHOSEN).await.status, 200);
    assert_eq!(carla.login("carla", CHOSEN).await.body, "\"LoggedIn\"");
    let mine = carla.call("my_details", &[]).await;
    assert!(
        mine.body.contains("\"email\":\"carla@voorbeeld.example\""),
        "{}",
        mine.body
    );
    assert!(
        mine.body
            .contains("\"pending_email\":\"carla@elders.example\""),
        "{}",
        mine.body
    );
    assert_eq!(
        carla.call("office_settings", &[]).await.status,
        200,
        "a beheerder"
    );

    // 'Herstellink sturen': to carla's own address, never shown.
    let sent = admin
        .call("send_reset_link", &[("user_id", &carla_id)])
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(!sent.body.contains("wachtwoord-herstellen"));
    let mails = app.mails_to("carla@voorbeeld.example", 2).await;
    assert!(
        mails[1].body.contains("/wachtwoord-herstellen/"),
        "{}",
        mails[1].body
    );
    let rows = audit::recent(&app.state.core.db, 50).await.unwrap();
    let reset = rows
        .iter()
        .find(|r| r.action == "password.reset_sent")
        .expect("audited");
    assert_eq!(reset.subject.as_deref(), Some("carla"));
    assert_ne!(reset.actor_user_id, Some(carla_id.parse().unwrap()));
}

/// No function a beheerder can call sets another user's password: each
/// one, sent a password for 'hovenier' in every field name a password
/// could have, leaves hovenier's password as it was (ASVS 6.4.6).
async fn no_function_a_beheerder_calls_sets_another_users_password(engine: Engine) {
    let app = start(engine).await;
    let mut admin = app.beheerder().await;
    let planted = "overgenomen door de beheerder";
    let hovenier = "4";
    let form = [
        ("id", hovenier),
        ("user_id", hovenier),
        ("client_id", ZORGGROEP),
        ("password", planted),
        ("new_password", planted),
        ("repeat_password", planted),
        ("current_password", PASSWORD),
        ("display_name", "Henk Hovenier"),
        ("login_name", "hovenier"),
        ("email", "hovenier@voorbeeld.example"),
        ("mobile", "+31612345601"),
        ("two_factor", "nee"),
        ("policy", "optioneel"),
        ("name", "Hoveniersbedrijf Groen"),
        ("branch_id", "1"),
        ("page", "welkom"),
        ("token", "abc"),
        ("account", "hovenier"),
        ("deletes_account", "true"),
    ];
    let all = crate::guards::BEHEERDER
        .iter()
        .chain(crate::guards::USER)
        .chain(crate::guards::ANYONE);
    for endpoint in all {
        // Blocking and removing change whether hovenier logs in at all,
        // not the password (tried in account_life).
        let ends_the_account = ["block_user", "remove_user"].contains(endpoint);
        if *endpoint == "end_my_session" || endpoint.starts_with("step_up") || ends_the_account {
            continue;
        }
        // The step-up holds for every call: the test's clock stands still.
        let answer = admin.call(endpoint, &form).await;
        assert_ne!(answer.status, 500, "{endpoint}: {}", answer.body);
        assert_eq!(admin.call("whoami", &[]).await.status, 200, "{endpoint}");
    }
    let mut browser = app.browser();
    assert_eq!(browser.login("hovenier", planted).await.status, 401);
    // The old password is still right (a call above may have changed how
    // hovenier logs in after it: the answer may ask a code).
    let own = browser.login("hovenier", PASSWORD).await;
    assert_eq!(own.status, 200, "{}", own.body);
}
