//! For load balancers: `/healthz` (the process answers) and `/readyz`
//! (the database answers and its migrations are this build's). Both are
//! cheap, sit outside every other layer (no host check: a balancer asks by
//! the instance's address) and are never logged per request.

use app::core::Core;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};

/// `GET /healthz`: the process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// How long `/readyz` waits for the database.
const READY_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

/// `GET /readyz`: the database answers and its migrations are this
/// build's; 503 with the reason otherwise.
pub async fn readyz(State(core): State<Core>) -> Response {
    match core.db.readiness(READY_WITHIN).await {
        Ok(()) => "ready".into_response(),
        Err(reason) => (StatusCode::SERVICE_UNAVAILABLE, reason).into_response(),
    }
}
