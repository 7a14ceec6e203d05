//! `/dev/sms`: the development outbox as a page, newest first. The route
//! exists only while the outbox is the SMS sender, so a deployment that
//! sends real SMS has no such page.

use axum::{extract::State, http::StatusCode, response::Html};

use crate::{dev_outbox, sms::outbox, state::AppState};

pub async fn page(State(state): State<AppState>) -> Result<Html<String>, StatusCode> {
    let path = state.outbox.as_ref().ok_or(StatusCode::NOT_FOUND)?;
    let lines = outbox::read(path).await.map_err(|err| {
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
