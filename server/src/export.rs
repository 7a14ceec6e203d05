//! 'Overzicht' → 'Exporteren': the two CSV downloads. Plain GET routes (a
//! download link needs one), outside the page router; each checks the
//! beheerder's session as a server function does, and what it sends is
//! `app::flows::overview`'s.

use axum::{
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use app::{core::Core, error::AppError, session};

pub use app::pages::overview::{EXPORT_ROWS_PATH, EXPORT_USERS_PATH};

pub async fn rows(State(core): State<Core>, headers: HeaderMap) -> Response {
    export(&core, &headers, "tweestap-overzicht.csv", Which::Rows).await
}

pub async fn users(State(core): State<Core>, headers: HeaderMap) -> Response {
    export(&core, &headers, "tweestap-gebruikers.csv", Which::Users).await
}

enum Which {
    Rows,
    Users,
}

async fn export(core: &Core, headers: &HeaderMap, file: &'static str, which: Which) -> Response {
    let result = async {
        let auth = session::authenticate(core, headers)
            .await?
            .ok_or(AppError::NotLoggedIn)?;
        let auth = session::beheerder_only(auth)?;
        match which {
            Which::Rows => app::flows::overview::export_rows(core, &auth).await,
            Which::Users => app::flows::overview::export_users(core, &auth).await,
        }
    }
    .await;
    let mut response = match result {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}\""),
                ),
            ],
            csv,
        )
            .into_response(),
        Err(err) => (
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            err.to_string(),
        )
            .into_response(),
    };
    // Personal data: never in a shared or local cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
