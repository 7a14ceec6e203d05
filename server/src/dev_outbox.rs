//! What the development outboxes (SMS and mail) share: a file of JSON
//! lines that only grows, and the page that lists it at `/dev/…`. Neither
//! outbox sends anything; both exist only when chosen explicitly.

use std::path::{Path, PathBuf};

use axum::response::Html;
use serde::{de::DeserializeOwned, Serialize};
use tokio::io::AsyncWriteExt;

/// An append-only file of JSON lines.
pub struct JsonLines {
    path: PathBuf,
    /// One writer at a time within this process, so lines never interleave.
    lock: tokio::sync::Mutex<()>,
}

impl JsonLines {
    pub fn new(path: PathBuf) -> JsonLines {
        JsonLines {
            path,
            lock: tokio::sync::Mutex::new(()),
        }
    }

    pub fn path(&self) -> &PathBuf {
        &self.path
    }

    /// Appends `value` as one line, creating the file and its folder when
    /// missing.
    pub async fn append(&self, value: &impl Serialize) -> std::io::Result<()> {
        let mut line = serde_json::to_string(value)?;
        line.push('\n');
        let _guard = self.lock.lock().await;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir).await?;
        }
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .await?;
        file.write_all(line.as_bytes()).await?;
        // tokio hands the write to a background thread; flushing waits for
        // it, so the line is in the file before the send counts as done.
        file.flush().await
    }
}

/// All readable lines of a file, oldest first; a missing file is empty.
pub async fn read<T: DeserializeOwned>(path: &Path) -> std::io::Result<Vec<T>> {
    match tokio::fs::read_to_string(path).await {
        Ok(text) => Ok(text
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// RFC 3339 in UTC, for the `time` of a line; empty if out of range.
pub fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// The outbox page: a table with these column names and rows (plain text,
/// escaped here; a line break stays one), newest first as given.
pub fn page(heading: &str, path: &Path, columns: &[&str], rows: &[Vec<String>]) -> Html<String> {
    let head: String = columns
        .iter()
        .map(|c| format!("<th>{}</th>", escape(c)))
        .collect();
    let body: String = rows
        .iter()
        .map(|row| {
            let cells: String = row
                .iter()
                .map(|cell| format!("<td>{}</td>", escape(cell).replace('\n', "<br>")))
                .collect();
            format!("<tr>{cells}</tr>")
        })
        .collect();
    Html(format!(
        "<!DOCTYPE html><html lang=\"nl\"><head><meta charset=\"utf-8\"><title>{heading} – Tweestap</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"stylesheet\" href=\"/dev-outbox.css\"></head><body>\
         <h1>{heading}</h1><p>Deze berichten zijn <strong>niet</strong> verstuurd: de portal draait met de \
         ontwikkel-outbox ({}). Nieuwste bovenaan.</p>\
         <table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>",
        escape(&path.display().to_string()),
        heading = escape(heading),
    ))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Line {
        to: String,
    }

    #[tokio::test]
    async fn lines_are_appended_and_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/outbox.jsonl");
        assert!(
            read::<Line>(&path).await.unwrap().is_empty(),
            "missing is empty"
        );
        let file = JsonLines::new(path.clone());
        for to in ["a", "b"] {
            file.append(&Line { to: to.into() }).await.unwrap();
        }
        let lines: Vec<Line> = read(&path).await.unwrap();
        assert_eq!(
            lines,
            vec![Line { to: "a".into() }, Line { to: "b".into() }]
        );
    }

    #[test]
    fn the_page_escapes_what_it_shows() {
        let html = page(
            "Ontwikkel-outbox",
            Path::new("data/outbox.jsonl"),
            &["Aan"],
            &[vec!["<script>&\nregel 2".into()]],
        )
        .0;
        assert!(
            html.contains("<td>&lt;script&gt;&amp;<br>regel 2</td>"),
            "{html}"
        );
        assert!(!html.contains("<script>"), "{html}");
    }
}
