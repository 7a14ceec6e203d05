//! The development mail outbox: every mail is appended as one JSON line
//! (`time`, `to`, `subject`, `body`) to a file, and `/dev/mail` lists
//! them. Nothing is sent; the start-up log says so.

use std::{path::PathBuf, sync::Arc};

use app::{
    domain::clock::Clock,
    mail::{MailError, MailMessage, MailSender, SendFuture},
};
use axum::{http::StatusCode, response::Html};
use serde::{Deserialize, Serialize};

use crate::dev_outbox::{self, JsonLines};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailLine {
    /// RFC 3339, UTC.
    pub time: String,
    pub to: String,
    pub subject: String,
    pub body: String,
}

pub struct MailOutbox {
    file: JsonLines,
    clock: Arc<dyn Clock>,
}

impl MailOutbox {
    pub fn new(path: PathBuf, clock: Arc<dyn Clock>) -> MailOutbox {
        MailOutbox {
            file: JsonLines::new(path),
            clock,
        }
    }

    async fn append(&self, message: &MailMessage) -> Result<(), MailError> {
        self.file
            .append(&MailLine {
                time: dev_outbox::rfc3339(self.clock.now()),
                to: message.to.clone(),
                subject: message.subject.clone(),
                body: message.body.clone(),
            })
            .await
            .map_err(|e| MailError::Unreachable(e.to_string()))
    }
}

impl MailSender for MailOutbox {
    fn send<'a>(&'a self, message: &'a MailMessage) -> SendFuture<'a> {
        Box::pin(self.append(message))
    }

    fn describe(&self) -> String {
        format!(
            "development outbox {} (no mail leaves this machine)",
            self.file.path().display()
        )
    }
}

/// All mails in an outbox file, oldest first; a missing file is empty.
pub async fn read(path: &std::path::Path) -> std::io::Result<Vec<MailLine>> {
    dev_outbox::read(path).await
}

/// `/dev/mail`: the outbox as a page, newest first. The router adds the
/// route only while this outbox is the sender, so a deployment that sends
/// for real has no such page.
pub async fn page(path: PathBuf) -> Result<Html<String>, StatusCode> {
    let path = path.as_path();
    let lines = read(path).await.map_err(|err| {
        tracing::error!("reading the mail outbox {} failed: {err}", path.display());
        StatusCode::INTERNAL_SERVER_ERROR
    })?;
    let rows: Vec<Vec<String>> = lines
        .into_iter()
        .rev()
        .map(|line| vec![line.time, line.to, line.subject, line.body])
        .collect();
    Ok(dev_outbox::page(
        "Ontwikkel-outbox: e-mail",
        path,
        &["Tijd", "Aan", "Onderwerp", "Tekst"],
        &rows,
    ))
}
