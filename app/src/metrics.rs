//! Every metric the portal counts, named in one place (the README lists
//! them). The calls go to the `metrics` facade: with no recorder installed
//! (`--metrics-listen` unset) each is a check of one atomic and nothing
//! more; the server installs the Prometheus recorder when asked.
//!
//! Labels are fixed words, never a login, a number or a path typed by a
//! visitor, so no series can grow without bound.

use metrics::{counter, gauge};

pub const LOGINS: &str = "tweestap_logins_total";
pub const SECOND_STEPS: &str = "tweestap_second_steps_total";
pub const SMS_SENT: &str = "tweestap_sms_sent_total";
pub const SMS_PROVIDER_REFUSALS: &str = "tweestap_sms_provider_refusals_total";
pub const SMS_DELIVERY: &str = "tweestap_sms_delivery_reports_total";
pub const SMS_REPORTS_REFUSED: &str = "tweestap_sms_delivery_reports_refused_total";
pub const CEREMONIES_REFUSED: &str = "tweestap_passkey_ceremonies_refused_total";
pub const LOCKOUTS: &str = "tweestap_lockouts_total";
pub const STEP_UPS: &str = "tweestap_step_ups_total";
pub const HASH_QUEUE: &str = "tweestap_hash_queue_length";
pub const HASH_REFUSALS: &str = "tweestap_hash_refusals_total";
pub const PURGED_ROWS: &str = "tweestap_purged_rows_total";
pub const REQUEST_SECONDS: &str = "tweestap_http_request_duration_seconds";
pub const OIDC: &str = "tweestap_oidc_total";
pub const FORWARD_AUTH: &str = "tweestap_forward_auth_total";
pub const BACKCHANNEL: &str = "tweestap_backchannel_logouts_total";

/// Every metric with its help text, for the exporter's `# HELP` lines.
pub const ALL: [(&str, &str); 16] = [
    (LOGINS, "Password steps by outcome: password_wrong, held_back (locked or too busy), second_step_asked, logged_in."),
    (SECOND_STEPS, "Second steps (login and step-up) by factor (sms, app, herstelcode, passkey; a wrong six-digit code: code) and outcome (ok, wrong)."),
    (SMS_SENT, "SMS taken by a provider, by provider; failover=true when an earlier provider refused it."),
    (SMS_PROVIDER_REFUSALS, "SMS a provider refused or did not take in time, by provider."),
    (SMS_DELIVERY, "Delivery reports applied, by provider and status (sent, delivered, undelivered, failed)."),
    (SMS_REPORTS_REFUSED, "Delivery reports refused as not from the provider (a wrong signature or secret URL), by provider: probing shows here."),
    (CEREMONIES_REFUSED, "'Inloggen met een passkey' refused before a ceremony was stored, by reason (address: its limit; full: the open ceremonies at their cap; off: no office allows it)."),
    (LOCKOUTS, "Accounts locked after too many wrong passwords or codes."),
    (STEP_UPS, "'Bevestig dat jij het bent' by outcome (ok, refused)."),
    (HASH_QUEUE, "Password checks waiting for a free hasher."),
    (HASH_REFUSALS, "Logins answered 'te druk' because the hashing queue was full."),
    (PURGED_ROWS, "Lapsed rows deleted by the scheduled purge, by kind."),
    (REQUEST_SECONDS, "Time to answer a request, by route."),
    (OIDC, "OpenID Connect by event: code (issued), token (issued), refused (an authorization or token request refused, by error), replay (a code used twice), userinfo."),
    (FORWARD_AUTH, "GET /auth/verify by outcome: pass, login (no session), step_up (too weak or too old), refused (not a protected host)."),
    (BACKCHANNEL, "Back-channel logout tokens by outcome: sent, retry, given_up."),
];

/// What a password step came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    PasswordWrong,
    /// A lockout, or the hashing queue full.
    HeldBack,
    SecondStepAsked,
    LoggedIn,
}

impl LoginOutcome {
    fn label(self) -> &'static str {
        match self {
            LoginOutcome::PasswordWrong => "password_wrong",
            LoginOutcome::HeldBack => "held_back",
            LoginOutcome::SecondStepAsked => "second_step_asked",
            LoginOutcome::LoggedIn => "logged_in",
        }
    }
}

pub fn login(outcome: LoginOutcome) {
    counter!(LOGINS, "outcome" => outcome.label()).increment(1);
}

/// `factor`: sms, app, herstelcode, passkey (code: a wrong six digits);
/// `ok`: whether it was accepted.
pub fn second_step(factor: &'static str, ok: bool) {
    let outcome = if ok { "ok" } else { "wrong" };
    counter!(SECOND_STEPS, "factor" => factor, "outcome" => outcome).increment(1);
}

pub fn sms_sent(provider: &'static str, failover: bool) {
    let failover = if failover { "true" } else { "false" };
    counter!(SMS_SENT, "provider" => provider, "failover" => failover).increment(1);
}

pub fn sms_refused(provider: &'static str) {
    counter!(SMS_PROVIDER_REFUSALS, "provider" => provider).increment(1);
}

pub fn sms_delivery(provider: &'static str, status: &'static str) {
    counter!(SMS_DELIVERY, "provider" => provider, "status" => status).increment(1);
}

/// A delivery report not from the provider it names.
pub fn sms_report_refused(provider: &'static str) {
    counter!(SMS_REPORTS_REFUSED, "provider" => provider).increment(1);
}

/// 'Inloggen met een passkey' refused before a ceremony was stored.
pub fn ceremony_refused(reason: &'static str) {
    counter!(CEREMONIES_REFUSED, "reason" => reason).increment(1);
}

pub fn lockout() {
    counter!(LOCKOUTS).increment(1);
}

pub fn step_up(ok: bool) {
    counter!(STEP_UPS, "outcome" => if ok { "ok" } else { "refused" }).increment(1);
}

/// Read at each scrape (the queue itself counts; nothing is kept here).
pub fn hash_queue(waiting: usize) {
    gauge!(HASH_QUEUE).set(waiting as f64);
}

pub fn hash_refused() {
    counter!(HASH_REFUSALS).increment(1);
}

pub fn purged(kind: &'static str, rows: u64) {
    counter!(PURGED_ROWS, "kind" => kind).increment(rows);
}

pub fn oidc(event: &'static str, detail: &'static str) {
    counter!(OIDC, "event" => event, "detail" => detail).increment(1);
}

pub fn forward_auth(outcome: &'static str) {
    counter!(FORWARD_AUTH, "outcome" => outcome).increment(1);
}

pub fn backchannel(outcome: &'static str) {
    counter!(BACKCHANNEL, "outcome" => outcome).increment(1);
}
