//! 'Gebruikers importeren' over real HTTP, on both engines: a file as
//! Dutch Excel writes it (Windows-1252, `;`), its preview, its import in
//! one transaction, the same import again (which changes nothing), every
//! reason a row is refused, files that are no CSV, two imports at once,
//! and the invitations sent once across two instances.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use serde_json::Value;
use sqlx::Row;

use crate::common::{Browser, Engine, TestApp};
use app::storage::batch::Stmt;

on_both_engines!(
    a_file_as_excel_writes_it_is_previewed_imported_and_a_second_import_changes_nothing,
    every_refused_row_says_why_and_a_file_that_is_no_csv_saves_nothing,
    two_imports_of_one_file_at_once_make_each_person_once,
    the_invitations_go_out_once_across_two_instances,
    twenty_copies_of_one_import_import_it_once,
);

/// Text as Windows-1252 bytes (the file Dutch Excel saves).
fn windows_1252(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            'ë' => 0xEB,
            'é' => 0xE9,
            c if c.is_ascii() => c as u8,
            c => panic!("not in this test's table: {c}"),
        })
        .collect()
}

fn file(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

const EXCEL: &str = "Cliënt;Naam;E-mailadres;Mobiel nummer;Vestiging\r\n\
    Visserij Zoë;Zoë de Vries;zoe@visserij.example;06 12345 678;Utrecht\r\n\
    Visserij Zoë;Joël Smit;joel@visserij.example;;\r\n\
    Bakkerij De Korenbloem;Zoë de Vries;zoe@visserij.example;;\r\n\
    \"Café \"\"De Hoek\"\"\";=SOM(A1);hoek@cafe.example;+31 6 1234 5679;\r\n\
    Visserij Zoë;Wim;wim@visserij.example;06 123;\r\n";

async fn preview(browser: &mut Browser, bytes: &[u8]) -> (u16, Value, String) {
    let answer = browser
        .call("preview_import", &[("file", &file(bytes))])
        .await;
    let json = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
    (answer.status, json, answer.body)
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    Stmt::new(sql)
        .fetch_one(app.state.core.db.pool())
        .await
        .unwrap()
        .try_get::<i64, _>("n")
        .unwrap()
}

fn outcomes(preview: &Value) -> Vec<String> {
    preview["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_string())
        .collect()
}

async fn a_file_as_excel_writes_it_is_previewed_imported_and_a_second_import_changes_nothing(
    engine: Engine,
) {
    let app = TestApp::start_with_mail(engine).await;
    let mut admin = app.beheerder().await;
    let users_before = count(&app, "SELECT COUNT(*) AS n FROM users").await;
    let (status, shown, body) = preview(&mut admin, &windows_1252(EXCEL)).await;
    assert_eq!(status, 200, "{body}");
    let found = outcomes(&shown);
    let expected = [
        "Nieuwe cliënt, nieuwe gebruiker",
        "Nieuwe cliënt, nieuwe gebruiker",
        "Gebruiker aan nog een cliënt toegevoegd",
        "Nieuwe cliënt, nieuwe gebruiker",
        "Geweigerd: Mobiel nummer: ",
    ];
    assert_eq!(found.len(), expected.len(), "{found:?}");
    for (found, expected) in found.iter().zip(expected) {
        assert!(found.starts_with(expected), "{found} / {expected}");
    }
    assert_eq!(
        shown["rows"][0]["client"], "Visserij Zoë",
        "Windows-1252 read"
    );
    assert_eq!(shown["rows"][0]["login"], "zoe.devries");
    assert_eq!(shown["rows"][3]["name"], "=SOM(A1)", "a formula stays text");
    assert_eq!(
        shown["rows"][3]["client"], "Café \"De Hoek\"",
        "quotes read"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM users").await,
        users_before,
        "the preview saves no one"
    );

    let import_id = shown["import_id"].to_string();
    let done = admin
        .call("import_users", &[("import_id", &import_id)])
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let counts: Value = serde_json::from_str(&done.body).unwrap();
    assert_eq!(
        (
            &counts["new_clients"],
            &counts["new_users"],
            &counts["added"],
            &counts["refused"]
        ),
        (
            &Value::from(2),
            &Value::from(3),
            &Value::from(1),
            &Value::from(1)
        ),
        "{counts}"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM users").await,
        users_before + 3
    );
    // The same upload cannot be imported twice.
    let again = admin
        .call("import_users", &[("import_id", &import_id)])
        .await;
    assert_eq!(again.status, 422, "{}", again.body);

    // The invitations, then the new user chooses a password and logs in.
    let sent = app::flows::office::send_waiting_invitations(&app.state.core, 100)
        .await
        .unwrap();
    assert_eq!(sent, 3);
    let progress = admin
        .call("import_progress", &[("import_id", &import_id)])
        .await;
    assert_eq!(progress.body, "{\"total\":3,\"sent\":3}");
    let mail = &app.mails_to("zoe@visserij.example", 1).await[0];
    let token = mail
        .body
        .split("/welkom/")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect(&mail.body)
        .to_string();
    let chosen = app
        .browser()
        .call(
            "choose_password",
            &[
                ("page", "welkom"),
                ("token", &token),
                ("new_password", "zeven zilte zeehonden"),
                ("repeat_password", "zeven zilte zeehonden"),
            ],
        )
        .await;
    assert_eq!(chosen.status, 200, "{}", chosen.body);
    let login = app
        .browser()
        .login("zoe.devries", "zeven zilte zeehonden")
        .await;
    assert_eq!(login.status, 200, "{}", login.body);

    // The same file again: every row is there already (or refused).
    let (_, second, _) = preview(&mut admin, &windows_1252(EXCEL)).await;
    let counts = &second["counts"];
    assert_eq!(
        (
            &counts["new_clients"],
            &counts["new_users"],
            &counts["added"]
        ),
        (&Value::from(0), &Value::from(0), &Value::from(0)),
        "{second}"
    );
    let done = admin
        .call(
            "import_users",
            &[("import_id", &second["import_id"].to_string())],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM users").await,
        users_before + 3
    );
    let imports = app
        .audit_actions()
        .await
        .into_iter()
        .filter(|a| a == "users.imported")
        .count();
    assert_eq!(imports, 2, "one Logboek row per import");
}

async fn every_refused_row_says_why_and_a_file_that_is_no_csv_saves_nothing(engine: Engine) {
    let app = TestApp::start_with_mail(engine).await;
    let mut admin = app.beheerder().await;
    let csv = "Naam,Cliënt,E-mailadres,Inlognaam,Mobiel nummer,Vestiging,Iets anders\n\
        Ann,A,ann@a.example,,06-1,,x\n\
        Bob,B,bob@b.example,,,Zwolle,x\n\
        Cor,C,geen-adres,,,,x\n\
        Dirk,D,dirk@d.example,hovenier,,,x\n\
        Eva,E,eva@e.example,,,,x\n\
        Eva,E,eva@e.example,,,,x\n\
        Mees,F,mees@kantoor.example,medewerker,,,x\n";
    // medewerker's address, so the row names an office user.
    Stmt::new("UPDATE users SET email = $1 WHERE login_name = $2")
        .bind("mees@kantoor.example")
        .bind("medewerker")
        .execute_on(app.state.core.db.pool())
        .await
        .unwrap();
    let (status, shown, body) = preview(&mut admin, csv.as_bytes()).await;
    assert_eq!(status, 200, "{body}");
    let found = outcomes(&shown);
    for (i, part) in [
        "Mobiel nummer",
        "Vestiging: 'Zwolle'",
        "E-mailadres",
        "'hovenier' hoort bij iemand anders",
        "",
        "al op regel 6",
        "kantoorgebruiker",
    ]
    .iter()
    .enumerate()
    {
        if part.is_empty() {
            assert!(!found[i].starts_with("Geweigerd"), "{}", found[i]);
        } else {
            assert!(
                found[i].starts_with("Geweigerd: ") && found[i].contains(part),
                "row {i}: {} should say {part}",
                found[i]
            );
        }
    }
    assert_eq!(shown["counts"]["refused"], 6);

    let uploads = count(&app, "SELECT COUNT(*) AS n FROM imports").await;
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("Cliënt;Naam\r\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    for (what, bytes, says) in [
        (
            "xlsx",
            b"PK\x03\x04\x14\x00\x06\x00rest".to_vec(),
            "geen CSV",
        ),
        ("utf-16", utf16, "tekenset"),
        (
            "no columns",
            b"Iets;Anders\r\n1;2\r\n".to_vec(),
            "ontbreken",
        ),
        ("empty", Vec::new(), "leeg"),
    ] {
        let (status, _, body) = preview(&mut admin, &bytes).await;
        assert_eq!(status, 422, "{what}: {body}");
        assert!(
            body.contains("Bestand: ") && body.contains(says),
            "{what}: {body}"
        );
    }
    // Just over 5 MB: within the request's limit, refused by the reader.
    let large = vec![b'a'; 5 * 1024 * 1024 + 1000];
    let answer = admin
        .call("preview_import", &[("file", &file(&large))])
        .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(answer.body.contains("groter dan 5 MB"), "{}", answer.body);
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM imports").await,
        uploads,
        "no file kept"
    );
    let garbled = admin
        .call("preview_import", &[("file", "!!geen base64!!")])
        .await;
    assert_eq!(garbled.status, 422, "{}", garbled.body);

    // The previewed file, never imported, goes after a day.
    assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM imports").await, 1);
    app.clock.advance(2 * 24 * 60 * 60);
    let core = &app.state.core;
    app::housekeeping::purge_now(
        &core.db,
        &app.config.housekeeping(),
        &core.sessions.lifetime,
        app.now(),
    )
    .await
    .unwrap();
    assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM imports").await, 0);
}

async fn two_imports_of_one_file_at_once_make_each_person_once(engine: Engine) {
    let app = TestApp::start_with_mail(engine).await;
    let mut first = app.beheerder().await;
    let mut second = app.beheerder().await;
    let mut csv = String::from("Cliënt;Naam;E-mailadres\r\n");
    for i in 0..40 {
        csv.push_str(&format!(
            "Klant {};Persoon {i};p{i}@voorbeeld.example\r\n",
            i % 7
        ));
    }
    let (_, a, _) = preview(&mut first, csv.as_bytes()).await;
    let (_, b, _) = preview(&mut second, csv.as_bytes()).await;
    let (a_id, b_id) = (a["import_id"].to_string(), b["import_id"].to_string());
    let (a_form, b_form) = (
        [("import_id", a_id.as_str())],
        [("import_id", b_id.as_str())],
    );
    let (x, y) = tokio::join!(
        first.call("import_users", &a_form),
        second.call("import_users", &b_form),
    );
    assert_eq!((x.status, y.status), (200, 200), "{} / {}", x.body, y.body);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM users WHERE pending_email LIKE 'p%@voorbeeld.example'"
        )
        .await,
        40
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM clients WHERE name LIKE 'Klant %'"
        )
        .await,
        7
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM import_invitations").await,
        40,
        "each person invited once"
    );
}

async fn the_invitations_go_out_once_across_two_instances(engine: Engine) {
    let app = TestApp::start_with_mail(engine).await;
    let other = app.another_instance().await;
    let mut admin = app.beheerder().await;
    let mut csv = String::from("Cliënt;Naam;E-mailadres\r\n");
    for i in 0..12 {
        csv.push_str(&format!("Klant;Persoon {i};q{i}@voorbeeld.example\r\n"));
    }
    let (_, shown, _) = preview(&mut admin, csv.as_bytes()).await;
    let done = admin
        .call(
            "import_users",
            &[("import_id", &shown["import_id"].to_string())],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let mut sent = 0;
    for _ in 0..12 {
        let (a, b) = tokio::join!(
            app::flows::office::send_waiting_invitations(&app.state.core, 1),
            app::flows::office::send_waiting_invitations(&other.state.core, 1),
        );
        sent += a.unwrap() + b.unwrap();
    }
    assert_eq!(sent, 12);
    for i in 0..12 {
        assert_eq!(
            app.mails_to(&format!("q{i}@voorbeeld.example"), 1)
                .await
                .len(),
            1
        );
    }
}

async fn twenty_copies_of_one_import_import_it_once(engine: Engine) {
    let app = TestApp::start_with_mail(engine).await;
    let mut admin = app.beheerder().await;
    let csv = "Cliënt;Naam;E-mailadres\r\nKlant;Een Persoon;een@voorbeeld.example\r\n";
    let (_, shown, _) = preview(&mut admin, csv.as_bytes()).await;
    let id = shown["import_id"].to_string();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let mut copy = admin.with_cookie_at(&app.base);
            let id = id.clone();
            tokio::spawn(async move { copy.call("import_users", &[("import_id", &id)]).await })
        })
        .collect();
    let mut imported = 0;
    for task in tasks {
        let answer = task.await.unwrap();
        match answer.status {
            200 => imported += 1,
            _ => assert!(answer.body.contains("al geïmporteerd"), "{}", answer.body),
        }
    }
    assert_eq!(imported, 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM users WHERE pending_email = 'een@voorbeeld.example'"
        )
        .await,
        1
    );
    let rows = app
        .audit_actions()
        .await
        .into_iter()
        .filter(|a| a == "users.imported")
        .count();
    assert_eq!(rows, 1);
}
