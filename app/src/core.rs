//! What every server function needs from the server (database, password
//! hasher, clock, settings), handed in as Leptos context by the server crate,
//! and the one place where errors become HTTP answers.

use std::{fmt::Display, future::Future, sync::Arc, time::Duration};

use leptos::prelude::use_context;

use crate::{
    domain::{
        clock::{Clock, UnixTime},
        password::Passwords,
        secret_box::Keyring,
        session_lifetime::SessionLifetime,
        token::random_bytes,
    },
    error::AppError,
    mail::MailSender,
    sms::SmsSender,
    storage::{Db, StorageError},
};

#[derive(Clone)]
pub struct Core {
    pub db: Db,
    pub passwords: Passwords,
    pub clock: Arc<dyn Clock>,
    pub sessions: SessionSettings,
    pub sms: SmsSettings,
    /// Notices by e-mail; `NoMail` when none is configured.
    pub mail: MailSettings,
    /// Seals authenticator secrets at rest.
    pub keys: Keyring,
}

#[derive(Clone)]
pub struct SmsSettings {
    pub sender: Arc<dyn SmsSender>,
    /// A send that takes longer counts as failed; the user is told at once.
    pub timeout: Duration,
    /// At most this many SMS per office per 24 hours.
    pub office_daily_cap: i64,
}

#[derive(Clone)]
pub struct MailSettings {
    pub sender: Arc<dyn MailSender>,
    /// A send still busy after this is given up and logged; nobody waits
    /// for it (see `mail::notify`).
    pub timeout: Duration,
}

#[derive(Debug, Clone, Copy)]
pub struct SessionSettings {
    pub lifetime: SessionLifetime,
    /// Set when the portal is served over https, so the cookie never travels
    /// in the clear.
    pub secure_cookie: bool,
}

impl Core {
    pub fn now(&self) -> UnixTime {
        self.clock.now()
    }
}

/// The address a request came from, as the server worked it out (the
/// socket's, or `X-Forwarded-For`'s behind a trusted proxy). The server
/// puts it in every request's extensions; rules keyed on the address
/// (the password throttle) read it with [`client_ip`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

/// The calling request's address; `None` outside a request.
pub fn client_ip() -> Option<std::net::IpAddr> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientIp>().copied())
        .map(|ip| ip.0)
}

/// The server's `Core`, as provided to every request.
pub fn core() -> Result<Core, AppError> {
    use_context::<Core>().ok_or_else(|| internal("Core was not provided as context"))
}

/// Logs an internal failure under a short reference and returns the error the
/// user sees, which carries only that reference.
pub fn internal(cause: impl Display) -> AppError {
    let reference: String = random_bytes::<4>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    tracing::error!(reference = %reference, "{cause}");
    AppError::Internal(reference)
}

impl From<StorageError> for AppError {
    fn from(err: StorageError) -> Self {
        internal(err)
    }
}

/// Runs a server function's body and gives a failure its proper status
/// (401/403/422/…), so that bad input never shows up as a server error.
pub async fn respond<T>(body: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let result = body.await;
    if let Err(err) = &result {
        set_status(err);
    }
    result
}

/// Sets the status of the current server function's answer to the error's.
pub fn set_status(err: &AppError) {
    if let (Some(options), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(err.status()),
    ) {
        options.set_status(status);
    }
}
