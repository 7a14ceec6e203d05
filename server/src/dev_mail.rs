//! `/dev/mail`: the development mail outbox as a page, newest first. The
//! route exists only while the outbox is the mail sender.

use axum::{extract::State, http::StatusCode, response::Html};

use crate::{dev_outbox, mail::outbox, state::AppState};

pub async fn page(State(state): State<AppState>) -> Result<Html<String>, StatusCode> {
    let path = state.mail_outbox.as_ref().ok_or(StatusCode::NOT_FOUND)?;
    let lines = outbox::read(path).await.map_err(|err| {
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
