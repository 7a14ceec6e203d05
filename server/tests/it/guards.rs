//! Every server function checks its caller first, whatever the form says:
//! without a session nothing but the login answers, a login still waiting
//! for its second step reaches only that step, and only a beheerder
//! reaches the beheerder's functions. Each server function is named here
//! once, by the guard `pages::serve` puts in front of it.

use crate::common::{Engine, TestApp};

on_both_engines!(every_server_function_checks_its_caller_first);

const PASSWORD: &str = "Welkom-2fa!";

/// The second step of a login.
pub(crate) const PENDING: &[&str] = &[
    "verify_code",
    "code_status",
    "sms_delivery",
    "verify_recovery_code",
    "resend_code",
    "submit_mobile",
    "begin_login_passkey",
    "login_with_passkey",
];

/// A logged-in user.
pub(crate) const USER: &[&str] = &[
    "begin_binding",
    "send_binding_sms",
    "submit_binding_mobile",
    "binding_status",
    "confirm_binding",
    "unbind_authenticator",
    "my_details",
    "set_my_two_factor",
    "forget_trusted_browser",
    "set_my_email",
    "number_change_status",
    "send_number_code",
    "confirm_number",
    "whoami",
    "postpone_date_notice",
    "switch_client",
    "make_recovery_codes",
    "step_up_status",
    "send_step_up_sms",
    "step_up",
    "my_passkeys",
    "begin_add_passkey",
    "add_passkey",
    "remove_passkey",
    "begin_step_up_passkey",
    "step_up_passkey",
    "change_password",
    "end_my_session",
];

/// Anyone, logged in or not: the login itself and the pages of a
/// forgotten password, whose link is the proof (refused alike without one).
pub(crate) const ANYONE: &[&str] = &[
    "ask_password_reset",
    "link_account",
    "choose_password",
    "confirm_email",
    "application_name",
];

/// The login itself, for anyone: its password step, the passkey's way in
/// without the password, and 'Uitloggen' (which ends whatever session
/// the browser has, or none).
pub(crate) const LOGIN: &[&str] = &[
    "login",
    "begin_passwordless",
    "passwordless",
    "passkeys_offered",
    "logout",
];

/// A logged-in beheerder.
pub(crate) const BEHEERDER: &[&str] = &[
    "reset_authenticator",
    "list_clients",
    "client_detail",
    "save_client_authentication",
    "overview",
    "end_user_sessions",
    "set_user_mobile",
    "audit_log",
    "audit_log_users",
    "office_settings",
    "save_office_settings",
    "list_office_users",
    "office_user_detail",
    "save_office_user",
    "reset_passkeys",
    "save_office_passkeys",
    "office_branches",
    "add_client",
    "rename_client",
    "invite_client_user",
    "add_to_client",
    "invite_office_user",
    "resend_invitation",
    "send_reset_link",
    "block_user",
    "unblock_user",
    "removal_of",
    "remove_user",
    "preview_import",
    "import_users",
    "import_progress",
    "save_office_dormant",
    "applications",
    "register_application",
    "new_application_secret",
    "switch_application",
    "remove_application",
];

/// Every field any of them reads, so no call is refused for a missing
/// field before its guard is reached.
pub(crate) const FORM: &[(&str, &str)] = &[
    ("id", "1"),
    ("user_id", "1"),
    ("client_id", "1"),
    ("policy", "ja"),
    ("mobile", "0612345678"),
    ("code", "123456"),
    ("sms_code", "123456"),
    ("app_code", "123456"),
    ("recovery_code", "abcd-efgh-ijkl"),
    ("password", PASSWORD),
    ("two_factor", "ja"),
    ("email", "iemand@voorbeeld.example"),
    ("display_name", "Iemand"),
    ("trust_days", "60"),
    ("ceremony", "abc"),
    ("response", "{}"),
    ("name", "Sleutel"),
    ("allowed", "ja"),
    ("passwordless", "ja"),
    ("account", "iemand"),
    ("token", "abc"),
    ("page", "welkom"),
    ("reference", "abcdefghijklmnop"),
    ("branch_id", "1"),
    ("login_name", "iemand"),
    ("beheerder", "ja"),
    ("current_password", PASSWORD),
    ("new_password", "een lang nieuw wachtwoord"),
    ("repeat_password", "een lang nieuw wachtwoord"),
    ("deletes_account", "false"),
    ("file", "abc"),
    ("import_id", "1"),
    ("dormant_days", "180"),
    ("dormant_block", "nee"),
    ("redirect_uris", "https://app.voorbeeld.example/terug"),
    ("logout_uri", ""),
    ("kind", "vertrouwelijk"),
    ("clients", "alle"),
    ("chosen", ""),
    ("strength", "twee"),
    ("on", "false"),
];

async fn every_server_function_checks_its_caller_first(engine: Engine) {
    let app = TestApp::start(engine).await;

    let mut nobody = app.browser();
    for endpoint in ANYONE {
        let answer = nobody.call(endpoint, FORM).await;
        assert!(
            [200, 410].contains(&answer.status),
            "no session, {endpoint}: {} {}",
            answer.status,
            answer.body
        );
    }
    for endpoint in PENDING.iter().chain(USER).chain(BEHEERDER) {
        let answer = nobody.call(endpoint, FORM).await;
        assert_eq!(
            answer.status, 401,
            "no session, {endpoint}: {}",
            answer.body
        );
    }

    // zorg's login waits for an SMS code.
    let mut waiting = app.browser();
    waiting.login("zorg", PASSWORD).await;
    assert_eq!(waiting.call("code_status", &[]).await.status, 200);
    for endpoint in USER.iter().chain(BEHEERDER) {
        let answer = waiting.call(endpoint, FORM).await;
        assert_eq!(
            answer.status, 401,
            "second step, {endpoint}: {}",
            answer.body
        );
    }

    // medewerker logs in with the password alone and is no beheerder.
    let mut user = app.browser();
    user.login("medewerker", PASSWORD).await;
    assert_eq!(user.call("whoami", &[]).await.status, 200);
    for endpoint in BEHEERDER {
        let answer = user.call(endpoint, FORM).await;
        assert_eq!(
            answer.status, 403,
            "no beheerder, {endpoint}: {}",
            answer.body
        );
        assert!(
            answer.body.contains("Forbidden"),
            "{endpoint}: {}",
            answer.body
        );
    }
    for endpoint in PENDING {
        let answer = user.call(endpoint, FORM).await;
        assert_eq!(answer.status, 401, "logged in, {endpoint}: {}", answer.body);
    }
}
