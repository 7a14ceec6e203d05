//! What every server function needs from the server (database, password
//! hasher, clock, settings), handed in as Leptos context by the server crate,
//! and `respond`, which gives a server function's error its HTTP status.

use std::{fmt::Display, future::Future, sync::Arc};

use leptos::prelude::use_context;

use crate::{
    domain::{
        clock::{Clock, UnixTime},
        link_token::Lifetimes,
        password::Passwords,
        return_to::ProtectedHosts,
        secret_box::Keyring,
        session_lifetime::SessionLifetime,
        token::random_bytes,
    },
    error::AppError,
    mail::MailSettings,
    sms::SmsSettings,
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
    /// The relying party for passkeys, from the public URL; `None` where
    /// that URL cannot carry one (an IP address: WebAuthn needs a name).
    pub passkeys: Option<Arc<webauthn_rs::Webauthn>>,
    /// What the links the portal mails are built from.
    pub links: LinkSettings,
}

/// Every link the portal mails starts with the configured public URL
/// (`--public-url`), never with anything a request says about itself.
#[derive(Debug, Clone)]
pub struct LinkSettings {
    pub public_url: String,
    pub lifetimes: Lifetimes,
    /// The hosts a login may return to besides the portal (`--protect`).
    pub protected: ProtectedHosts,
}

#[derive(Debug, Clone)]
pub struct SessionSettings {
    pub lifetime: SessionLifetime,
    /// Set when the portal is served over https, so the cookie never travels
    /// in the clear.
    pub secure_cookie: bool,
    /// `--cookie-domain`: the parent domain the session cookie is set for,
    /// so the reverse-proxy check sees it on the protected hosts.
    pub cookie_domain: Option<String>,
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
        crate::error::set_status(err);
    }
    result
}
