//! `/dev/sms`: the development outbox as a page, newest first. The route
//! exists only while the outbox is the SMS sender, so a deployment that
//! sends real SMS has no such page.

use axum::{extract::State, http::StatusCode, response::Html};

use crate::{sms::outbox, state::AppState};

pub async fn page(State(state): State<AppState>) -> Result<Html<String>, StatusCode> {
    let path = state.outbox.as_ref().ok_or(StatusCode::NOT_FOUND)?;
    let lines = outbox::read(path).await.map_err(|err| {
        tracing::error!("reading the outbox {} failed: {err}", path.display());
        StatusCode::INTERNAL_SERVER_ERROR
    })?;
    let rows: String = lines
        .iter()
        .rev()
        .map(|line| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&line.time),
                escape(&line.to),
                escape(&line.text)
            )
        })
        .collect();
    Ok(Html(format!(
        "<!DOCTYPE html><html lang=\"nl\"><head><meta charset=\"utf-8\"><title>Ontwikkel-outbox – Tweestap</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head><body>\
         <h1>Ontwikkel-outbox</h1><p>Deze berichten zijn <strong>niet</strong> verstuurd: de portal draait met de \
         ontwikkel-outbox ({}). Nieuwste bovenaan.</p>\
         <table><thead><tr><th>Tijd</th><th>Aan</th><th>Tekst</th></tr></thead><tbody>{rows}</tbody></table></body></html>",
        escape(&path.display().to_string())
    )))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
