//! The development outbox: every SMS is appended as one JSON line
//! (`time`, `to`, `text`) to a file, and `/dev/sms` lists them. Nothing is
//! sent to any phone; the start-up log says so.

use std::{path::PathBuf, sync::Arc};

use app::{
    domain::clock::Clock,
    sms::{SendFuture, SmsError, SmsMessage, SmsSender},
};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxLine {
    /// RFC 3339, UTC.
    pub time: String,
    pub to: String,
    pub text: String,
}

pub struct Outbox {
    path: PathBuf,
    clock: Arc<dyn Clock>,
    /// One writer at a time within this process, so lines never interleave.
    lock: tokio::sync::Mutex<()>,
}

impl Outbox {
    pub fn new(path: PathBuf, clock: Arc<dyn Clock>) -> Outbox {
        Outbox {
            path,
            clock,
            lock: tokio::sync::Mutex::new(()),
        }
    }

    pub fn path(&self) -> &PathBuf {
        &self.path
    }

    async fn append(&self, message: &SmsMessage) -> Result<(), SmsError> {
        let time = time::OffsetDateTime::from_unix_timestamp(self.clock.now())
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default();
        let mut line = serde_json::to_string(&OutboxLine {
            time,
            to: message.to.clone(),
            text: message.text.clone(),
        })
        .map_err(|e| SmsError::Refused(e.to_string()))?;
        line.push('\n');
        let _guard = self.lock.lock().await;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| SmsError::Unreachable(e.to_string()))?;
        }
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .await
            .map_err(|e| SmsError::Unreachable(e.to_string()))?;
        file.write_all(line.as_bytes())
            .await
            .map_err(|e| SmsError::Unreachable(e.to_string()))?;
        // tokio hands the write to a background thread; flushing waits for
        // it, so the line is in the file before the send counts as done.
        file.flush()
            .await
            .map_err(|e| SmsError::Unreachable(e.to_string()))
    }
}

impl SmsSender for Outbox {
    fn send<'a>(&'a self, message: &'a SmsMessage) -> SendFuture<'a> {
        Box::pin(self.append(message))
    }

    fn describe(&self) -> String {
        format!(
            "development outbox {} (no SMS leaves this machine)",
            self.path.display()
        )
    }
}

/// All lines of an outbox file, oldest first; a missing file is empty.
pub async fn read(path: &PathBuf) -> std::io::Result<Vec<OutboxLine>> {
    match tokio::fs::read_to_string(path).await {
        Ok(text) => Ok(text
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}
