//! The one error type that crosses the wire. Each variant carries what the
//! user may read; internal causes are logged on the server and never sent.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Je bent niet (meer) ingelogd. Log opnieuw in.")]
    NotLoggedIn,
    #[error("Je hebt geen toegang tot deze functie.")]
    Forbidden,
    /// One message for an unknown login name and a wrong password, so the
    /// answer does not tell which login names exist.
    #[error("Inlognaam of wachtwoord onjuist")]
    BadCredentials,
    /// Input that cannot be accepted; the text says what to change.
    #[error("{0}")]
    Invalid(String),
    /// A mailed link that is unknown, used, voided by a newer one or
    /// expired: one answer for all, so it tells nothing about which.
    #[error("Deze link is verlopen of al gebruikt.")]
    LinkGone,
    /// 'Account blokkeren': said only after the right password, a passkey
    /// of the account or a link from its mailbox, so a block tells a
    /// guesser nothing.
    #[error("Je account is geblokkeerd. Neem contact op met je kantoor.")]
    Blocked,
    /// Too many tries or messages; the text says how long to wait.
    #[error("{0}")]
    TooMany(String),
    /// A service the portal depends on (the SMS gateway) failed; the text
    /// says what to do instead.
    #[error("{0}")]
    Unavailable(String),
    /// Too many logins at once: answered at once instead of queued.
    #[error("Het is op dit moment te druk in het portaal. Probeer het over een minuut opnieuw.")]
    Busy,
    /// A change to how the account logs in needs a fresh proof of who is
    /// asking: the password and the current second factor.
    #[error("Bevestig eerst dat jij het bent: vul je wachtwoord in en een code van je huidige tweede factor.")]
    StepUpRequired,
    /// Something failed on the server. The reference lets support find the
    /// log line; the cause itself stays on the server.
    #[error("Er ging iets mis aan onze kant (referentie {0}). Probeer het opnieuw.")]
    Internal(String),
    #[error("De server is niet bereikbaar of gaf een onverwacht antwoord. Probeer het opnieuw.")]
    Transport(String),
}

impl AppError {
    pub fn invalid(message: impl Into<String>) -> Self {
        AppError::Invalid(message.into())
    }

    /// A short stable code that help-desk staff can search for.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotLoggedIn => "TS-SESSIE",
            AppError::Forbidden => "TS-RECHTEN",
            AppError::BadCredentials => "TS-INLOG",
            AppError::Invalid(_) => "TS-INVOER",
            AppError::LinkGone => "TS-LINK",
            AppError::Blocked => "TS-GEBLOKKEERD",
            AppError::TooMany(_) => "TS-LIMIET",
            AppError::Unavailable(_) => "TS-SMS",
            AppError::Busy => "TS-DRUK",
            AppError::StepUpRequired => "TS-BEVESTIG",
            AppError::Internal(_) => "TS-INTERN",
            AppError::Transport(_) => "TS-VERBINDING",
        }
    }

    /// The HTTP status a server function answers with for this error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotLoggedIn | AppError::BadCredentials => 401,
            AppError::Forbidden | AppError::Blocked => 403,
            AppError::Invalid(_) => 422,
            AppError::LinkGone => 410,
            AppError::TooMany(_) => 429,
            AppError::Unavailable(_) | AppError::Busy => 503,
            AppError::StepUpRequired => 403,
            AppError::Internal(_) => 500,
            AppError::Transport(_) => 400,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let error = match value {
            // The request did not carry the form's fields: a forged or broken
            // request, answered as bad input rather than as a server fault.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                AppError::invalid("Het formulier is niet volledig verstuurd. Probeer het opnieuw.")
            }
            other => AppError::Transport(other.to_string()),
        };
        // On the server this runs when a request's arguments cannot be
        // read; give the answer the status of the error, not a blanket 500.
        #[cfg(feature = "ssr")]
        set_status(&error);
        error
    }
}

/// Sets the status of the current server function's answer to the error's.
#[cfg(feature = "ssr")]
pub fn set_status(err: &AppError) {
    if let (Some(options), Ok(status)) = (
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(err.status()),
    ) {
        options.set_status(status);
    }
}
