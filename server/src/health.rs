//! For load balancers: `/healthz` (the process answers) and `/readyz`
//! (the database answers and its migrations are this build's). Both are
//! cheap, sit outside every other layer (no host check: a balancer asks by
//! the instance's address) and are never logged per request.

use std::{net::SocketAddr, sync::Arc};

use app::core::Core;
use axum::{
    extract::{ConnectInfo, State},
    http::{request::Parts, StatusCode},
    response::{IntoResponse, Response},
};

use crate::middleware::client_ip::{client_address, TrustedProxies};

/// `GET /healthz`: the process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// How long `/readyz` waits for the database.
const READY_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

/// `GET /readyz`: the database answers and its migrations are this
/// build's; 503 otherwise. The reason (a migration's name, the database's
/// error) is logged, and told only to a caller on this machine: to anyone
/// else it would describe the installation.
pub async fn readyz(
    State(core): State<Core>,
    State(trusted): State<Arc<TrustedProxies>>,
    parts: Parts,
) -> Response {
    let Err(reason) = core.db.readiness(READY_WITHIN).await else {
        return "ready".into_response();
    };
    tracing::warn!("not ready: {reason}");
    let forwarded: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.to_str().unwrap_or("?"))
        .collect();
    let local = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|ConnectInfo(peer)| {
            client_address(peer.ip(), &forwarded, &trusted).is_loopback()
        });
    let told = if local {
        reason
    } else {
        "not ready".to_string()
    };
    (StatusCode::SERVICE_UNAVAILABLE, told).into_response()
}
