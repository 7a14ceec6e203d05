//! The mail senders behind `app::mail::MailSender`: SMTP (through
//! `lettre`), the development outbox (a file, no mail leaves the machine),
//! and none at all.

pub mod outbox;
pub mod smtp;

use app::mail::{MailMessage, MailSender, SendFuture};

/// No mail is configured (the default): notices go by SMS only, and a
/// send quietly does nothing, so deployments without SMTP keep working.
pub struct NoMail;

impl MailSender for NoMail {
    fn send<'a>(&'a self, _message: &'a MailMessage) -> SendFuture<'a> {
        Box::pin(async { Ok(()) })
    }

    fn describe(&self) -> String {
        "none (notices go by SMS only)".into()
    }
}
