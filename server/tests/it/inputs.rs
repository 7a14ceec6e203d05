//! No input reaches a 500, on either engine: every server function the
//! portal registers gets, in every field, a NUL byte, 10,000 characters,
//! bytes that are no UTF-8, a right-to-left override and an empty value.
//! Each answer is below 500, and none of them changes what the portal
//! holds about its offices, clients and users.

use sqlx::Row;

use crate::{
    common::{Browser, Engine, TestApp},
    guards::{ANYONE, BEHEERDER, FORM, LOGIN, PENDING, USER},
};
use app::storage::batch::Stmt;

on_both_engines!(no_input_reaches_a_500_or_changes_a_row);

const PASSWORD: &str = "Welkom-2fa!";

/// A bad value, as form encoding carries it.
fn bad_values() -> Vec<(&'static str, String)> {
    let encode = |text: &str| url::form_urlencoded::byte_serialize(text.as_bytes()).collect();
    vec![
        ("NUL", encode("a\0b")),
        ("10,000 characters", encode(&"x".repeat(10_000))),
        // Percent-escapes that decode to bytes no UTF-8 text has.
        ("invalid UTF-8", "%FF%FEa%C0".to_string()),
        ("U+202E", encode("abc\u{202E}def")),
        ("empty", String::new()),
    ]
}

/// Every field any server function reads (the guard table's form, and
/// the second step's 'Dit apparaat onthouden').
static FIELDS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    FORM.iter()
        .map(|(field, _)| *field)
        .chain(["remember"])
        .collect()
});

/// Functions that take nothing to judge and would end the session the
/// table runs in; they are called last.
const LAST: &[&str] = &["logout"];

/// What the portal holds about its offices, clients and users, as text.
async fn held(app: &TestApp) -> String {
    let mut out = String::new();
    for sql in [
        "SELECT id, login_name, display_name, email, pending_email, mobile, password_hash, \
         CAST(blocked_at AS TEXT) AS b, CAST(is_beheerder AS TEXT) AS k, \
         CAST(two_factor_required AS TEXT) AS r, CAST(two_factor_chosen AS TEXT) AS c, \
         two_factor_required_from AS f FROM users ORDER BY id",
        "SELECT id, name, two_factor_policy, two_factor_from FROM clients ORDER BY id",
        "SELECT user_id, client_id FROM client_users ORDER BY user_id, client_id",
        "SELECT id, name, CAST(trust_days AS TEXT) AS t, CAST(passkeys_allowed AS TEXT) AS a, \
         CAST(passkeys_passwordless AS TEXT) AS p, CAST(dormant_days AS TEXT) AS d, \
         CAST(dormant_block AS TEXT) AS db FROM offices ORDER BY id",
        "SELECT id, name FROM passkeys ORDER BY id",
        "SELECT user_id, bound_at FROM authenticators ORDER BY user_id",
    ] {
        for row in Stmt::new(sql)
            .fetch_all(app.state.core.db.pool())
            .await
            .unwrap()
        {
            use sqlx::Column;
            for column in row.columns() {
                let value = row
                    .try_get::<Option<String>, _>(column.ordinal())
                    .ok()
                    .flatten()
                    .or_else(|| {
                        row.try_get::<Option<i64>, _>(column.ordinal())
                            .ok()
                            .flatten()
                            .map(|v| v.to_string())
                    })
                    .unwrap_or_default();
                out.push_str(&value);
                out.push('|');
            }
            out.push('\n');
        }
    }
    out
}

/// Posts `body` (already form-encoded) to the server function `endpoint`.
async fn post(browser: &Browser, endpoint: &str, body: String) -> (u16, String) {
    let mut request = browser
        .http
        .post(format!("{}/api/{endpoint}", browser.base))
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(cookie) = &browser.cookie {
        request = request.header("cookie", cookie);
    }
    if let Some(host) = &browser.host {
        request = request.header("host", host);
    }
    match request.send().await {
        Ok(answer) => (
            answer.status().as_u16(),
            answer.text().await.unwrap_or_default(),
        ),
        // The connection closed without an answer: as bad as a 500.
        Err(err) => (599, err.to_string()),
    }
}

async fn no_input_reaches_a_500_or_changes_a_row(engine: Engine) {
    let app = TestApp::start_with_mail(engine).await;
    let mut endpoints: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_string())
        .collect();
    endpoints.sort();
    endpoints.dedup();
    assert!(endpoints.len() > 60, "{endpoints:?}");
    endpoints.sort_by_key(|e| LAST.contains(&e.as_str()));

    // Who calls: the beheerder (stepped up) for a logged-in user's and a
    // beheerder's functions, zorg's waiting login for the second step,
    // nobody for the rest (the login itself, the link pages).
    let beheerder = app.beheerder().await;
    let mut waiting = app.browser();
    assert_eq!(waiting.login("zorg", PASSWORD).await.body, "\"NeedsCode\"");
    let nobody = app.browser();

    let mut refused = Vec::new();
    for endpoint in &endpoints {
        let caller = if USER.contains(&endpoint.as_str()) || BEHEERDER.contains(&endpoint.as_str())
        {
            &beheerder
        } else if PENDING.contains(&endpoint.as_str()) {
            &waiting
        } else {
            &nobody
        };
        // Every field bad at once: refused, and nothing changes (an
        // empty field may mean 'none', such as an address removed, which is
        // a change a user may make: it is checked for 5xx only).
        for (what, value) in bad_values() {
            let body = FIELDS
                .iter()
                .map(|field| format!("{field}={value}"))
                .collect::<Vec<_>>()
                .join("&");
            let before = held(&app).await;
            let (status, answer) = post(caller, endpoint, body).await;
            if status >= 500 {
                refused.push(format!(
                    "{endpoint} with {what} everywhere: {status} {answer}"
                ));
            }
            // Refused where every form passes, before any function reads it.
            if ["NUL", "invalid UTF-8"].contains(&what) && status != 422 {
                refused.push(format!("{endpoint} with {what}: {status}, not 422"));
            }
            if what != "empty" && held(&app).await != before && !LAST.contains(&endpoint.as_str()) {
                refused.push(format!(
                    "{endpoint} with {what} everywhere changed what the portal holds"
                ));
            }
        }
        // Each field bad on its own, the others as a well-meaning form
        // fills them, so the bad value reaches as deep as it can.
        for field in FIELDS.iter() {
            for (what, value) in bad_values() {
                let body = FORM
                    .iter()
                    .copied()
                    .chain([("remember", "")])
                    .map(|(name, good)| {
                        if name == *field {
                            format!("{name}={value}")
                        } else {
                            format!(
                                "{name}={}",
                                url::form_urlencoded::byte_serialize(good.as_bytes())
                                    .collect::<String>()
                            )
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("&");
                let (status, answer) = post(caller, endpoint, body).await;
                if status >= 500 {
                    refused.push(format!(
                        "{endpoint} with {what} in {field}: {status} {answer}"
                    ));
                }
            }
        }
    }
    assert!(refused.is_empty(), "{}", refused.join("\n"));
    // The guard table names every registered function, so each new one
    // gets its caller checked there.
    let unnamed: Vec<&String> = endpoints
        .iter()
        .filter(|e| {
            ![ANYONE, LOGIN, PENDING, USER, BEHEERDER]
                .iter()
                .any(|list| list.contains(&e.as_str()))
        })
        .collect();
    assert!(unnamed.is_empty(), "not in the guard table: {unnamed:?}");
}
