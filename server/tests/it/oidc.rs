//! Tweestap as an OpenID Connect provider and as a reverse proxy's check,
//! tried the way an application, a proxy and an attacker would: over
//! HTTP, with tokens checked against the published key set.

use std::sync::{Arc, Mutex};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use jsonwebtoken::{jwk::JwkSet, Algorithm, DecodingKey, Validation};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::{Answer, Browser, Engine, TestApp, DEMO_PASSWORD};

on_both_engines!(
    discovery_and_keys,
    the_code_flow_for_a_confidential_and_a_public_client,
    wrong_parts_are_refused,
    a_code_used_twice_revokes_what_it_gave,
    two_hundred_uses_of_one_code_give_one_token,
    prompt_and_max_age,
    a_passkey_asked_after_an_sms_login_is_a_step_up,
    a_user_outside_the_application_is_refused,
    tokens_verify_after_a_rotation,
    back_channel_logout_on_logout_and_on_a_block,
    the_reverse_proxy_check,
    a_return_address_is_followed_only_to_protected_hosts,
    logout_needs_a_hint_for_this_very_session,
    switching_an_application_off_ends_its_tokens,
    the_password_alone_never_gets_a_code,
);

const ZORG_PHONE: &str = "+31612345602";
const CALLBACK: &str = "https://app.voorbeeld.example/terug";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

pub(crate) struct Registered {
    pub client_id: String,
    pub secret: Option<String>,
}

/// Registers an application as the demo beheerder does in 'Koppelingen'.
pub(crate) async fn register(
    app: &TestApp,
    kind: &str,
    office_users: bool,
    clients: &str,
    strength: &str,
    logout_uri: &str,
) -> Registered {
    let mut beheerder = app.beheerder().await;
    let mut form = vec![
        ("name", "Documenten"),
        ("redirect_uris", CALLBACK),
        ("logout_uri", logout_uri),
        ("kind", kind),
        ("clients", clients),
        ("chosen", ""),
        ("strength", strength),
    ];
    if office_users {
        form.push(("office_users", "ja"));
    }
    let answer = beheerder.call("register_application", &form).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let json: Value = serde_json::from_str(&answer.body).unwrap();
    Registered {
        client_id: json["client_id"].as_str().unwrap().to_string(),
        secret: json["secret"].as_str().map(str::to_string),
    }
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub(crate) fn authorize_path(client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", CALLBACK)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid profile email")
        .append_pair("state", "toestand-1")
        .append_pair("nonce", "nonce-1");
    for (k, v) in extra {
        query.append_pair(k, v);
    }
    format!("/oidc/authorize?{}", query.finish())
}

fn pkce() -> [(&'static str, String); 2] {
    [
        ("code_challenge", challenge(VERIFIER)),
        ("code_challenge_method", "S256".into()),
    ]
}

/// A query parameter of a redirect's `Location`.
pub(crate) fn param(location: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(location)
        .or_else(|_| url::Url::parse("http://x").unwrap().join(location))
        .unwrap();
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

pub(crate) async fn logged_in_zorg(app: &TestApp) -> Browser {
    let mut zorg = app.browser();
    assert_eq!(
        zorg.login("zorg", DEMO_PASSWORD).await.body,
        "\"NeedsCode\""
    );
    let code = app.last_code_to(ZORG_PHONE).await;
    assert_eq!(zorg.verify(&code).await.status, 200);
    zorg
}

/// The code from an authorization redirect to the callback.
pub(crate) fn code_of(answer: &Answer) -> String {
    let location = answer.location.clone().unwrap_or_default();
    assert!(
        location.starts_with(CALLBACK),
        "{} {location} {}",
        answer.status,
        answer.body
    );
    assert_eq!(param(&location, "state").as_deref(), Some("toestand-1"));
    assert_eq!(
        param(&location, "iss").as_deref(),
        Some("http://127.0.0.1:3000")
    );
    param(&location, "code").unwrap_or_else(|| panic!("no code in {location}"))
}

pub(crate) async fn exchange(
    app: &TestApp,
    reg: &Registered,
    code: &str,
    verifier: Option<&str>,
    basic: bool,
) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code".to_string()),
        ("code", code.to_string()),
        ("redirect_uri", CALLBACK.to_string()),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v.to_string()));
    }
    let mut request = reqwest::Client::new().post(format!("{}/oidc/token", app.base));
    match (&reg.secret, basic) {
        (Some(secret), true) => request = request.basic_auth(&reg.client_id, Some(secret)),
        (Some(secret), false) => {
            form.push(("client_id", reg.client_id.clone()));
            form.push(("client_secret", secret.clone()));
        }
        (None, _) => form.push(("client_id", reg.client_id.clone())),
    }
    let response = request.form(&form).send().await.unwrap();
    let status = response.status().as_u16();
    assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
    (status, response.json().await.unwrap())
}

pub(crate) async fn jwks(app: &TestApp) -> JwkSet {
    reqwest::get(format!("{}/oidc/jwks", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Checks a token as an application would: the published key its `kid`
/// names, ES256, our issuer, its audience.
pub(crate) async fn checked(app: &TestApp, token: &str, audience: &str) -> Value {
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::ES256);
    let set = jwks(app).await;
    let jwk = set
        .find(header.kid.as_deref().unwrap())
        .expect("the token's key is published");
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_issuer(&["http://127.0.0.1:3000"]);
    validation.set_audience(&[audience]);
    // The test clock runs ahead of the real one.
    validation.validate_exp = false;
    jsonwebtoken::decode::<Value>(token, &DecodingKey::from_jwk(jwk).unwrap(), &validation)
        .unwrap()
        .claims
}

async fn discovery_and_keys(engine: Engine) {
    let app = TestApp::start(engine).await;
    let doc: Value = reqwest::get(format!("{}/.well-known/openid-configuration", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["issuer"], "http://127.0.0.1:3000");
    assert_eq!(doc["token_endpoint"], "http://127.0.0.1:3000/oidc/token");
    assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        serde_json::json!(["ES256"])
    );
    assert_eq!(doc["backchannel_logout_supported"], true);
    let set = jwks(&app).await;
    assert_eq!(set.keys.len(), 1);
    // The same set from another instance on the same database.
    let other = app.another_instance().await;
    let again = jwks(&other).await;
    assert_eq!(
        serde_json::to_value(&set).unwrap(),
        serde_json::to_value(&again).unwrap()
    );
}

async fn the_code_flow_for_a_confidential_and_a_public_client(engine: Engine) {
    let app = TestApp::start(engine).await;
    let confidential = register(&app, "vertrouwelijk", false, "alle", "twee", "").await;
    assert!(confidential.secret.is_some());
    let mut zorg = logged_in_zorg(&app).await;
    let code = code_of(
        &zorg
            .get(&authorize_path(&confidential.client_id, &[]))
            .await,
    );
    let (status, tokens) = exchange(&app, &confidential, &code, None, true).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    let claims = checked(
        &app,
        tokens["id_token"].as_str().unwrap(),
        &confidential.client_id,
    )
    .await;
    assert_eq!(claims["nonce"], "nonce-1");
    assert!(claims["name"].is_string(), "{claims}");
    assert_eq!(claims["amr"], serde_json::json!(["pwd", "sms", "mfa"]));
    assert_eq!(claims["acr"], "urn:tweestap:acr:twee-factoren");
    assert_eq!(claims["email_verified"], claims["email"].is_string());
    assert!(
        claims["groups"][0].as_str().unwrap().starts_with("client:"),
        "{claims}"
    );
    let sub = claims["sub"].as_str().unwrap().to_string();
    assert!(!sub.contains("zorg") && sub.len() == 32, "opaque: {sub}");
    let info: Value = reqwest::Client::new()
        .get(format!("{}/oidc/userinfo", app.base))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sub"], sub.as_str());
    assert_eq!(info["name"], claims["name"]);
    assert!(app
        .audit_actions()
        .await
        .contains(&"oidc.login".to_string()));

    // The same user, another login: the same `sub`; client_secret_post.
    let code = code_of(
        &zorg
            .get(&authorize_path(&confidential.client_id, &[]))
            .await,
    );
    let (status, tokens) = exchange(&app, &confidential, &code, None, false).await;
    assert_eq!(status, 200, "{tokens}");
    let again = checked(
        &app,
        tokens["id_token"].as_str().unwrap(),
        &confidential.client_id,
    )
    .await;
    assert_eq!(again["sub"], sub.as_str());

    // A public client must use PKCE, and then needs no secret.
    let public = register(&app, "openbaar", false, "alle", "twee", "").await;
    assert!(public.secret.is_none());
    let refused = zorg.get(&authorize_path(&public.client_id, &[])).await;
    let location = refused.location.unwrap();
    assert_eq!(
        param(&location, "error").as_deref(),
        Some("invalid_request")
    );
    let pkce = pkce();
    let extra: Vec<(&str, &str)> = pkce.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let code = code_of(&zorg.get(&authorize_path(&public.client_id, &extra)).await);
    let (status, tokens) = exchange(&app, &public, &code, Some(VERIFIER), false).await;
    assert_eq!(status, 200, "{tokens}");
    checked(
        &app,
        tokens["id_token"].as_str().unwrap(),
        &public.client_id,
    )
    .await;
}

async fn wrong_parts_are_refused(engine: Engine) {
    let app = TestApp::start(engine).await;
    let reg = register(&app, "vertrouwelijk", false, "alle", "twee", "").await;
    let mut zorg = logged_in_zorg(&app).await;

    // A redirect URI not registered: our own page, never a redirect there.
    let path = authorize_path(&reg.client_id, &[]).replace(
        &url::form_urlencoded::byte_serialize(CALLBACK.as_bytes()).collect::<String>(),
        "https%3A%2F%2Fevil.example%2Fterug",
    );
    let answer = zorg.get(&path).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.location, None);
    assert!(answer.body.contains("terugkeeradres"), "{}", answer.body);
    // An unknown client: the same.
    let answer = zorg.get(&authorize_path("onbekend", &[])).await;
    assert_eq!((answer.status, answer.location), (400, None));

    // A wrong secret.
    let code = code_of(&zorg.get(&authorize_path(&reg.client_id, &[])).await);
    let wrong = Registered {
        client_id: reg.client_id.clone(),
        secret: Some("niet-het-geheim".into()),
    };
    let (status, body) = exchange(&app, &wrong, &code, None, true).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    // The code still works for the real client (the wrong one never took it).
    let (status, tokens) = exchange(&app, &reg, &code, None, true).await;
    assert_eq!(status, 200, "{tokens}");

    // A redirect URI at the token endpoint other than the one asked with.
    let code = code_of(&zorg.get(&authorize_path(&reg.client_id, &[])).await);
    let response = reqwest::Client::new()
        .post(format!("{}/oidc/token", app.base))
        .basic_auth(&reg.client_id, reg.secret.as_deref())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "https://app.voorbeeld.example/anders"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");

    // A wrong code_verifier.
    let pkce = pkce();
    let extra: Vec<(&str, &str)> = pkce.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let code = code_of(&zorg.get(&authorize_path(&reg.client_id, &extra)).await);
    let (status, body) = exchange(
        &app,
        &reg,
        &code,
        Some("een-andere-verifier-van-genoeg-tekens-lang-0123456789"),
        true,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // The nonce comes back as sent, so an application sees a swapped one.
    let code = code_of(
        &zorg
            .get(&authorize_path(&reg.client_id, &[]).replace("nonce-1", "nonce-2"))
            .await,
    );
    let (_, tokens) = exchange(&app, &reg, &code, None, true).await;
    let claims = checked(&app, tokens["id_token"].as_str().unwrap(), &reg.client_id).await;
    assert_eq!(claims["nonce"], "nonce-2");
    assert_ne!(claims["nonce"], "nonce-1");

    // Only the code flow: no implicit flow, no password grant.
    let answer = zorg
        .get(
            &authorize_path(&reg.client_id, &[])
                .replace("response_type=code", "response_type=token"),
        )
        .await;
    assert_eq!(
        param(&answer.location.unwrap(), "error").as_deref(),
        Some("unsupported_response_type")
    );
    let response = reqwest::Client::new()
        .post(format!("{}/oidc/token", app.base))
        .basic_auth(&reg.client_id, reg.secret.as_deref())
        .form(&[
            ("grant_type", "password"),
            ("username", "zorg"),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
}

async fn a_code_used_twice_revokes_what_it_gave(engine: Engine) {
    let app = TestApp::start(engine).await;
    let reg = register(&app, "vertrouwelijk", false, "alle", "twee", "").await;
    let mut zorg = logged_in_zorg(&app).await;
    let code = code_of(&zorg.get(&authorize_path(&reg.client_id, &[])).await);
    let (status, tokens) = exchange(&app, &reg, &code, None, true).await;
    assert_eq!(status, 200);
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let userinfo = |token: String| {
        let base = app.base.clone();
        async move {
            reqwest::Client::new()
                .get(format!("{base}/oidc/userinfo"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(userinfo(access.clone()).await, 200);
    let (status, body) = exchange(&app, &reg, &code, None, true).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(userinfo(access).await, 401);
    assert!(app
        .audit_actions()
        .await
        .contains(&"oidc.code_replayed".to_string()));
    // A code lapses after a minute.
    let code = code_of(&zorg.get(&authorize_path(&reg.client_id, &[])).await);
    app.clock.advance(61);
    let (status, _) = exchange(&app, &reg, &code, None, true).await;
    assert_eq!(status, 400);
}

async fn two_hundred_uses_of_one_code_give_one_token(engine: Engine) {
    let app = TestApp::start(engine).await;
    let reg = Arc::new(register(&app, "vertrouwelijk", false, "alle", "twee", "").await);
    let mut zorg = logged_in_zorg(&app).await;
    let code = code_of(&zorg.get(&authorize_path(&reg.client_id, &[])).await);
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let client = client.clone();
        let url = format!("{}/oidc/token", app.base);
        let reg = reg.clone();
        let code = code.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .basic_auth(&reg.client_id, reg.secret.as_deref())
                .form(&[
                    ("grant_type", "authorization_code"),
                    ("code", code.as_str()),
                    ("redirect_uri", CALLBACK),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            200 => ok += 1,
            400 => {}
            other => panic!("status {other}"),
        }
    }
    assert_eq!(ok, 1);
}

async fn prompt_and_max_age(engine: Engine) {
    let app = TestApp::start(engine).await;
    let reg = register(&app, "vertrouwelijk", false, "alle", "twee", "").await;

    // No session: prompt=none answers login_required; otherwise the login.
    let mut nobody = app.browser();
    let answer = nobody
        .get(&authorize_path(&reg.client_id, &[("prompt", "none")]))
        .await;
    let location = answer.location.unwrap();
    assert!(location.starts_with(CALLBACK));
    assert_eq!(param(&location, "error").as_deref(), Some("login_required"));
    let answer = nobody.get(&authorize_path(&reg.client_id, &[])).await;
    let location = answer.location.unwrap();
    assert!(location.starts_with("/inloggen?koppeling="), "{location}");

    let mut zorg = logged_in_zorg(&app).await;
    code_of(
        &zorg
            .get(&authorize_path(&reg.client_id, &[("prompt", "none")]))
            .await,
    );

    // prompt=login: to the step-up, then a code for the fresh proof.
    app.clock.advance(5);
    let answer = zorg
        .get(&authorize_path(&reg.client_id, &[("prompt", "login")]))
        .await;
    let location = answer.location.unwrap();
    assert!(location.starts_with("/inloggen/bevestigen?"), "{location}");
    let back = param(&location, "terug").unwrap();
    // Following the way back without proving again gives no code.
    let again = zorg.get(&back).await;
    assert!(again.location.unwrap().starts_with("/inloggen/bevestigen?"));
    zorg.step_up_by_sms(&app, DEMO_PASSWORD, Some(ZORG_PHONE))
        .await;
    let code = code_of(&zorg.get(&back).await);
    let (_, tokens) = exchange(&app, &reg, &code, None, true).await;
    let claims = checked(&app, tokens["id_token"].as_str().unwrap(), &reg.client_id).await;
    assert_eq!(claims["auth_time"].as_i64(), Some(app.now()));

    // max_age: a proof older than asked for needs a new one.
    app.clock.advance(120);
    let answer = zorg
        .get(&authorize_path(&reg.client_id, &[("max_age", "60")]))
        .await;
    assert!(answer
        .location
        .unwrap()
        .starts_with("/inloggen/bevestigen?"));
    code_of(
        &zorg
            .get(&authorize_path(&reg.client_id, &[("max_age", "600")]))
            .await,
    );
    let answer = zorg
        .get(&authorize_path(
            &reg.client_id,
            &[("max_age", "60"), ("prompt", "none")],
        ))
        .await;
    assert_eq!(
        param(&answer.location.unwrap(), "error").as_deref(),
        Some("login_required")
    );
}

async fn a_passkey_asked_after_an_sms_login_is_a_step_up(engine: Engine) {
    let app = TestApp::start(engine).await;
    let reg = register(&app, "vertrouwelijk", false, "alle", "twee", "").await;
    let mut zorg = logged_in_zorg(&app).await;
    let ask = authorize_path(
        &reg.client_id,
        &[("acr_values", "urn:tweestap:acr:passkey")],
    );
    let answer = zorg.get(&ask).await;
    let location = answer.location.unwrap();
    assert!(location.starts_with("/inloggen/bevestigen?"), "{location}");
    assert_eq!(param(&location, "sterkte").as_deref(), Some("passkey"));
    // An SMS step-up does not make it a passkey login: refused, no loop.
    let back = param(&location, "terug").unwrap();
    zorg.step_up_by_sms(&app, DEMO_PASSWORD, Some(ZORG_PHONE))
        .await;
    let answer = zorg.get(&back).await;
    let location = answer.location.unwrap();
    assert!(location.starts_with(CALLBACK), "{location}");
    assert_eq!(
        param(&location, "error").as_deref(),
        Some("unmet_authentication_requirements")
    );
    assert!(app
        .audit_actions()
        .await
        .contains(&"oidc.refused".to_string()));
}

async fn a_user_outside_the_application_is_refused(engine: Engine) {
    let app = TestApp::start(engine).await;
    // For office users only: zorg is a client's user.
    let reg = register(&app, "vertrouwelijk", true, "geen", "twee", "").await;
    let mut zorg = logged_in_zorg(&app).await;
    let answer = zorg.get(&authorize_path(&reg.client_id, &[])).await;
    assert_eq!(
        param(&answer.location.unwrap(), "error").as_deref(),
        Some("access_denied")
    );
    // Switched off: nobody.
    let mut beheerder = app.beheerder().await;
    switch_first_off(&mut beheerder).await;
    let answer = beheerder.get(&authorize_path(&reg.client_id, &[])).await;
    assert_eq!((answer.status, answer.location), (400, None));
}

async fn tokens_verify_after_a_rotation(engine: Engine) {
    let app = TestApp::start(engine).await;
    let reg = register(&app, "vertrouwelijk", false, "alle", "twee", "").await;
    let first_kid = |token: &str| jsonwebtoken::decode_header(token).unwrap().kid.unwrap();
    let token_now = || async {
        let mut zorg = logged_in_zorg(&app).await;
        let code = code_of(&zorg.get(&authorize_path(&reg.client_id, &[])).await);
        let (status, tokens) = exchange(&app, &reg, &code, None, true).await;
        assert_eq!(status, 200, "{tokens}");
        tokens["id_token"].as_str().unwrap().to_string()
    };
    let before = token_now().await;
    let old_kid = first_kid(&before);
    // A month on: the next key is published at once, signs a day later.
    app.clock.advance(30 * 24 * 3600);
    app::flows::oidc::housekeeping(&app.state.core)
        .await
        .unwrap();
    let other = app.another_instance().await;
    assert_eq!(jwks(&other).await.keys.len(), 2);
    let still_old = token_now().await;
    assert_eq!(first_kid(&still_old), old_kid);
    app.clock.advance(24 * 3600);
    let new = token_now().await;
    assert_ne!(first_kid(&new), old_kid);
    checked(&app, &new, &reg.client_id).await;
    // The old key stays while its tokens may be checked, then goes.
    checked(&app, &still_old, &reg.client_id).await;
    app.clock.advance(3600);
    app::flows::oidc::housekeeping(&app.state.core)
        .await
        .unwrap();
    let set = jwks(&app).await;
    assert_eq!(set.keys.len(), 1);
    assert!(set.find(&old_kid).is_none());
}

/// A stand-in application's back-channel logout endpoint.
async fn logout_receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let kept = got.clone();
    let router = axum::Router::new().route(
        "/afmelden",
        axum::routing::post(move |body: String| {
            let kept = kept.clone();
            async move {
                let token = url::form_urlencoded::parse(body.as_bytes())
                    .find(|(k, _)| k == "logout_token")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                kept.lock().unwrap().push(token);
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let at = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://127.0.0.1:{}/afmelden", at.port()), got)
}

async fn back_channel_logout_on_logout_and_on_a_block(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (uri, got) = logout_receiver().await;
    let reg = register(&app, "vertrouwelijk", false, "alle", "twee", &uri).await;
    let http = reqwest::Client::new();
    let core = &app.state.core;

    let login = || async {
        let mut zorg = logged_in_zorg(&app).await;
        let code = code_of(&zorg.get(&authorize_path(&reg.client_id, &[])).await);
        let (_, tokens) = exchange(&app, &reg, &code, None, true).await;
        let claims = checked(&app, tokens["id_token"].as_str().unwrap(), &reg.client_id).await;
        (zorg, claims)
    };
    let (mut zorg, claims) = login().await;
    // Nothing to tell while the session lives.
    assert_eq!(server::oidc::backchannel::run_once(core, &http).await, 0);
    assert_eq!(zorg.call("logout", &[]).await.status, 200);
    assert_eq!(server::oidc::backchannel::run_once(core, &http).await, 1);
    // Told once, also by another instance looking at the same time.
    assert_eq!(server::oidc::backchannel::run_once(core, &http).await, 0);
    let token = got.lock().unwrap()[0].clone();
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("logout+jwt"));
    let logout = checked(&app, &token, &reg.client_id).await;
    assert_eq!(logout["sid"], claims["sid"]);
    assert_eq!(logout["sub"], claims["sub"]);
    assert!(logout["events"]["http://schemas.openid.net/event/backchannel-logout"].is_object());
    assert!(logout.get("nonce").is_none());

    // A change through the one door (a beheerder's block) ends it too.
    let (_, claims) = login().await;
    let mut beheerder = app.beheerder().await;
    let blocked = beheerder.call("block_user", &[("user_id", "5")]).await;
    assert_eq!(blocked.status, 200, "{}", blocked.body);
    assert_eq!(server::oidc::backchannel::run_once(core, &http).await, 1);
    let token = got.lock().unwrap()[1].clone();
    assert_eq!(
        checked(&app, &token, &reg.client_id).await["sid"],
        claims["sid"]
    );
    assert!(app
        .audit_actions()
        .await
        .contains(&"oidc.logout".to_string()));
}

fn verify_request(app: &TestApp, original: &str, cookie: Option<&str>) -> reqwest::RequestBuilder {
    let mut request = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/auth/verify", app.base))
        .header("x-original-url", original);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request
}

/// A portal that guards `wiki.voorbeeld.example` (`--protect`), and the
/// first instance on its database, which must live as long.
async fn protecting_wiki(engine: Engine) -> (TestApp, TestApp) {
    let first = TestApp::start(engine).await;
    let app = first
        .another_instance_with(|c| {
            c.protect =
                vec![
                    app::domain::return_to::ProtectedHosts::parse_one("wiki.voorbeeld.example")
                        .unwrap(),
                ];
        })
        .await;
    (first, app)
}

async fn the_reverse_proxy_check(engine: Engine) {
    let (_first, app) = protecting_wiki(engine).await;
    let page = "https://wiki.voorbeeld.example/notulen?week=12";
    // Nobody: nginx gets 401 with the way to the login and back.
    let answer = verify_request(&app, page, None).send().await.unwrap();
    assert_eq!(answer.status(), 401);
    let location = answer.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("http://127.0.0.1:3000/inloggen?terug="),
        "{location}"
    );
    assert_eq!(param(&location, "terug").as_deref(), Some(page));
    // A forged Host or X-Forwarded-Host never becomes the way to the login.
    let answer = verify_request(&app, page, None)
        .header("host", "evil.example")
        .header("x-forwarded-host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    let forged = answer.headers()["location"].to_str().unwrap();
    assert_eq!(forged, location);
    // Traefik and Caddy follow a 302.
    let answer = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/auth/verify", app.base))
        .header("x-forwarded-method", "GET")
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-host", "wiki.voorbeeld.example")
        .header("x-forwarded-uri", "/notulen?week=12")
        // The visitor's own header, passed along by these proxies: ignored.
        .header("x-original-url", "https://elders.example/")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 302);
    let location = answer.headers()["location"].to_str().unwrap();
    assert_eq!(param(location, "terug").as_deref(), Some(page));
    // A session with two factors passes, with who it is.
    let zorg = logged_in_zorg(&app).await;
    let cookie = zorg.cookie.clone().unwrap();
    let answer = verify_request(&app, page, Some(&cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["remote-user"], "zorg");
    assert!(answer.headers()["remote-groups"]
        .to_str()
        .unwrap()
        .starts_with("client:"));
    assert!(answer.headers().contains_key("remote-email"));
    // The password alone is not enough for 'Twee factoren'.
    let mut bakker = app.browser();
    bakker.login("bakker", DEMO_PASSWORD).await;
    let answer = verify_request(&app, page, bakker.cookie.as_deref())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    let location = answer.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("http://127.0.0.1:3000/inloggen/bevestigen?"),
        "{location}"
    );
    // A host not protected: refused, with no way anywhere.
    let answer = verify_request(&app, "https://elders.example/", Some(&cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 403);
    assert!(answer.headers().get("location").is_none());
    assert!(answer.headers().get("remote-user").is_none());
}

async fn a_return_address_is_followed_only_to_protected_hosts(engine: Engine) {
    let (_first, app) = protecting_wiki(engine).await;
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    for evil in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "https:\\\\evil.example",
        "/%2F%2Fevil.example",
        "javascript:alert(1)",
        "java%0ascript:alert(1)",
        "https://wiki.voorbeeld.example@evil.example/",
        "https://wiki.voorbeeld.example.evil.example/",
        "https://wiki.voorbeeld.example:444/",
    ] {
        let mut browser = app.browser();
        let answer = browser
            .get(&format!("/inloggen?terug={}", encode(evil)))
            .await;
        assert!(
            answer
                .set_cookie
                .iter()
                .all(|c| !c.starts_with("tweestap_terug=") || c.contains("Max-Age=0")),
            "{evil}: {:?}",
            answer.set_cookie
        );
        assert_eq!(browser.login("bakker", DEMO_PASSWORD).await.status, 200);
        let home = browser.get("/").await;
        assert_eq!(home.status, 200, "{evil}: {:?}", home.location);
    }
    // A protected host's address is followed after the login, once.
    let page = "https://wiki.voorbeeld.example/notulen?week=12";
    let mut zorg = app.browser();
    let answer = zorg.get(&format!("/inloggen?terug={}", encode(page))).await;
    assert!(answer
        .set_cookie
        .iter()
        .any(|c| c.starts_with("tweestap_terug=")));
    assert_eq!(
        zorg.login("zorg", DEMO_PASSWORD).await.body,
        "\"NeedsCode\""
    );
    let code = app.last_code_to(ZORG_PHONE).await;
    assert_eq!(zorg.verify(&code).await.status, 200);
    let home = zorg.get("/").await;
    assert_eq!(home.location.as_deref(), Some(page));
    assert_eq!(zorg.get("/").await.status, 200);
}

async fn userinfo_status(app: &TestApp, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/oidc/userinfo", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// zorg's tokens for `reg` in a session of their own.
async fn tokens_for(app: &TestApp, reg: &Registered) -> (Browser, Value) {
    let mut zorg = logged_in_zorg(app).await;
    let code = code_of(&zorg.get(&authorize_path(&reg.client_id, &[])).await);
    let (status, tokens) = exchange(app, reg, &code, None, true).await;
    assert_eq!(status, 200, "{tokens}");
    (zorg, tokens)
}

async fn logout_needs_a_hint_for_this_very_session(engine: Engine) {
    let app = TestApp::start(engine).await;
    let reg = register(&app, "vertrouwelijk", false, "alle", "twee", "").await;
    let (mut zorg, tokens) = tokens_for(&app, &reg).await;
    let (_, other) = tokens_for(&app, &reg).await;
    let hint = tokens["id_token"].as_str().unwrap();
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let still_in = |answer: &Answer| answer.status == 200;

    // A bare link (logout CSRF) ends nothing.
    let answer = zorg.get("/oidc/logout").await;
    assert_eq!(answer.location.as_deref(), Some("/"));
    assert!(still_in(&zorg.call("whoami", &[]).await));
    // Nor a valid hint of another session, nor a forged one.
    let other_hint = other["id_token"].as_str().unwrap();
    zorg.get(&format!(
        "/oidc/logout?id_token_hint={}",
        encode(other_hint)
    ))
    .await;
    assert!(still_in(&zorg.call("whoami", &[]).await));
    let mut forged = hint.to_string();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    zorg.get(&format!("/oidc/logout?id_token_hint={}", encode(&forged)))
        .await;
    assert!(still_in(&zorg.call("whoami", &[]).await));

    // Its own hint ends it, but never sends the browser to an address the
    // application did not register.
    let answer = zorg
        .get(&format!(
            "/oidc/logout?id_token_hint={}&post_logout_redirect_uri={}&state=s",
            encode(hint),
            encode("https://evil.example/")
        ))
        .await;
    assert_eq!(answer.location.as_deref(), Some("/inloggen"));
    assert_eq!(zorg.call("whoami", &[]).await.status, 401);
    // A registered address is followed, with the state.
    let (mut zorg, tokens) = tokens_for(&app, &reg).await;
    let answer = zorg
        .get(&format!(
            "/oidc/logout?id_token_hint={}&post_logout_redirect_uri={}&state=s",
            encode(tokens["id_token"].as_str().unwrap()),
            encode(CALLBACK)
        ))
        .await;
    assert_eq!(answer.location, Some(format!("{CALLBACK}?state=s")));
    assert_eq!(zorg.call("whoami", &[]).await.status, 401);
    // The access token of an ended session opens nothing.
    assert_eq!(
        userinfo_status(&app, tokens["access_token"].as_str().unwrap()).await,
        401
    );
}

async fn switching_an_application_off_ends_its_tokens(engine: Engine) {
    let app = TestApp::start(engine).await;
    let reg = register(&app, "vertrouwelijk", false, "alle", "twee", "").await;
    let (_zorg, tokens) = tokens_for(&app, &reg).await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(userinfo_status(&app, access).await, 200);
    let mut beheerder = app.beheerder().await;
    switch_first_off(&mut beheerder).await;
    assert_eq!(userinfo_status(&app, access).await, 401);
    // Its secret opens the token endpoint no more either.
    let (status, body) = exchange(&app, &reg, "een-code", None, true).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
}

async fn the_password_alone_never_gets_a_code(engine: Engine) {
    let app = TestApp::start(engine).await;
    let reg = register(&app, "vertrouwelijk", false, "alle", "twee", "").await;
    // bakker's client asks no second factor: the password is all they have.
    let mut bakker = app.browser();
    assert_eq!(
        bakker.login("bakker", DEMO_PASSWORD).await.body,
        "\"LoggedIn\""
    );
    let answer = bakker.get(&authorize_path(&reg.client_id, &[])).await;
    let location = answer.location.unwrap();
    assert!(location.starts_with("/inloggen/bevestigen?"), "{location}");
    // Confirming with the password again proves no more.
    app.clock.advance(1);
    bakker.step_up_by_sms(&app, DEMO_PASSWORD, None).await;
    let answer = bakker.get(&param(&location, "terug").unwrap()).await;
    let location = answer.location.unwrap();
    assert!(location.starts_with(CALLBACK), "{location}");
    assert_eq!(
        param(&location, "error").as_deref(),
        Some("unmet_authentication_requirements")
    );
    assert_eq!(param(&location, "code"), None);
}

/// 'Uitzetten' of the office's first application, by its beheerder.
async fn switch_first_off(beheerder: &mut Browser) {
    let list = beheerder.call("applications", &[]).await;
    let id = serde_json::from_str::<Value>(&list.body).unwrap()["applications"][0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let off = beheerder
        .call("switch_application", &[("id", &id), ("on", "false")])
        .await;
    assert_eq!(off.status, 200, "{}", off.body);
}
