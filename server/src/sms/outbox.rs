//! The development outbox: every SMS is appended as one JSON line
//! (`time`, `to`, `text`) to a file, and `/dev/sms` lists them. Nothing is
//! sent to any phone; the start-up log says so.

use std::{path::PathBuf, sync::Arc};

use app::{
    domain::clock::Clock,
    sms::{SendFuture, SmsError, SmsMessage, SmsSender},
};
use axum::{http::StatusCode, response::Html};
use serde::{Deserialize, Serialize};

use crate::dev_outbox::{self, JsonLines};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxLine {
    /// RFC 3339, UTC.
    pub time: String,
    pub to: String,
    pub text: String,
}

pub struct Outbox {
    file: JsonLines,
    clock: Arc<dyn Clock>,
}

impl Outbox {
    pub fn new(path: PathBuf, clock: Arc<dyn Clock>) -> Outbox {
        Outbox {
            file: JsonLines::new(path),
            clock,
        }
    }

    pub fn path(&self) -> &PathBuf {
        self.file.path()
    }

    async fn append(&self, message: &SmsMessage) -> Result<(), SmsError> {
        self.file
            .append(&OutboxLine {
                time: dev_outbox::rfc3339(self.clock.now()),
                to: message.to.clone(),
                text: message.text.clone(),
            })
            .await
            .map_err(|e| SmsError::Unreachable(e.to_string()))
    }
}

impl SmsSender for Outbox {
    fn send<'a>(&'a self, message: &'a SmsMessage) -> SendFuture<'a> {
        Box::pin(self.append(message))
    }

    fn name(&self) -> &'static str {
        app::sms::OUTBOX
    }

    fn describe(&self) -> String {
        format!(
            "development outbox {} (no SMS leaves this machine)",
            self.path().display()
        )
    }
}

/// All lines of an outbox file, oldest first; a missing file is empty.
pub async fn read(path: &std::path::Path) -> std::io::Result<Vec<OutboxLine>> {
    dev_outbox::read(path).await
}

/// `/dev/sms`: the outbox as a page, newest first. The router adds the
/// route only while this outbox is the sender, so a deployment that sends
/// for real has no such page.
pub async fn page(path: PathBuf) -> Result<Html<String>, StatusCode> {
    let path = path.as_path();
    let lines = read(path).await.map_err(|err| {
        tracing::error!("reading the outbox {} failed: {err}", path.display());
        StatusCode::INTERNAL_SERVER_ERROR
    })?;
    let rows: Vec<Vec<String>> = lines
        .into_iter()
        .rev()
        .map(|line| vec![line.time, line.to, line.text])
        .collect();
    Ok(dev_outbox::page(
        "Ontwikkel-outbox",
        path,
        &["Tijd", "Aan", "Tekst"],
        &rows,
    ))
}
