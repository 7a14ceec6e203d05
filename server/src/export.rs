//! The downloads: 'Overzicht' → 'Exporteren' (two CSV files) and 'Mijn
//! gegevens downloaden' (AVG art. 15, one JSON file, also for a beheerder
//! answering a user's request). Plain GET routes (a download link needs
//! one), outside the page router; each checks the session as a server
//! function does, and what it sends is a flow's.

use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use app::{core::Core, error::AppError, session};

pub use app::pages::{
    account_life::{MY_DATA_PATH, USER_DATA_ROUTE},
    overview::{EXPORT_ROWS_PATH, EXPORT_USERS_PATH},
};

pub async fn rows(State(core): State<Core>, headers: HeaderMap) -> Response {
    export(&core, &headers, "tweestap-overzicht.csv", Which::Rows).await
}

pub async fn users(State(core): State<Core>, headers: HeaderMap) -> Response {
    export(&core, &headers, "tweestap-gebruikers.csv", Which::Users).await
}

/// The user's own data, after a step-up.
pub async fn my_data(State(core): State<Core>, headers: HeaderMap) -> Response {
    let result = async {
        let auth = session::authenticate(&core, &headers)
            .await?
            .ok_or(AppError::NotLoggedIn)?;
        let auth = app::factors::session_still_holds(&core, auth).await?;
        app::flows::account::my_data(&core, &auth).await
    }
    .await;
    download(result, "application/json", "tweestap-mijn-gegevens.json")
}

/// One user's data, for a beheerder of their office, after a step-up.
pub async fn user_data(
    State(core): State<Core>,
    Path(user_id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let auth = session::authenticate(&core, &headers)
            .await?
            .ok_or(AppError::NotLoggedIn)?;
        let auth = app::factors::session_still_holds(&core, auth).await?;
        let auth = session::beheerder_only(auth)?;
        app::flows::office::user_data(&core, &auth, user_id).await
    }
    .await;
    download(result, "application/json", "tweestap-gegevens.json")
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
        let auth = app::factors::session_still_holds(core, auth).await?;
        let auth = session::beheerder_only(auth)?;
        match which {
            Which::Rows => app::flows::overview::export_rows(core, &auth).await,
            Which::Users => app::flows::overview::export_users(core, &auth).await,
        }
    }
    .await;
    download(result, "text/csv; charset=utf-8", file)
}

fn download(result: Result<String, AppError>, kind: &str, file: &str) -> Response {
    let mut response = match result {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, kind.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}\""),
                ),
            ],
            body,
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
