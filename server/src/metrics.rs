//! Prometheus metrics on an address of their own (`--metrics-listen`),
//! never on the public port: the counters say how many logins fail and
//! which SMS provider struggles, which is nobody else's business. Off by
//! default; then no recorder is installed and every count in
//! `app::metrics` is a no-op.

use std::{net::SocketAddr, sync::OnceLock, time::Instant};

use app::{core::Core, metrics as names};
use axum::{
    extract::Request,
    http::{header, StatusCode},
    middleware::Next,
    response::Response,
    routing::get,
    Router,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Request times in seconds: from a cached page to a slow login.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's one recorder, installed on first use (a process has one
/// global recorder; a test binary's apps share it).
pub fn recorder() -> &'static PrometheusHandle {
    RECORDER.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(names::REQUEST_SECONDS.into()), BUCKETS)
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        ::metrics::set_global_recorder(recorder).expect("no other metrics recorder");
        for (name, help) in names::ALL {
            if name == names::HASH_QUEUE {
                ::metrics::describe_gauge!(name, help);
            } else if name == names::REQUEST_SECONDS {
                ::metrics::describe_histogram!(name, ::metrics::Unit::Seconds, help);
            } else {
                ::metrics::describe_counter!(name, help);
            }
        }
        handle
    })
}

/// Serves `GET /metrics` on `listen`; the address it got (port 0 picks one).
pub async fn serve(listen: SocketAddr, core: Core) -> anyhow::Result<SocketAddr> {
    let handle = recorder();
    let app = Router::new().route(
        "/metrics",
        get(move || async move {
            names::hash_queue(core.passwords.waiting());
            handle.run_upkeep();
            (
                [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                handle.render(),
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::error!("the metrics listener stopped: {err}");
        }
    });
    Ok(addr)
}

/// Times each request into the histogram, labelled by route.
pub async fn timing(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let route = route_label(&path, response.status());
    ::metrics::histogram!(names::REQUEST_SECONDS, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// A label from a fixed set: a visitor's made-up path never becomes a
/// series of its own, and the CM.com secret in its report path never
/// shows.
fn route_label(path: &str, status: StatusCode) -> String {
    if status == StatusCode::NOT_FOUND {
        return "unmatched".into();
    }
    if path.starts_with("/api/") {
        // A server function's endpoint: our own fixed names.
        return path.to_string();
    }
    if path.starts_with("/pkg/") {
        return "/pkg".into();
    }
    if path.starts_with(crate::sms::cm::STATUS_PATH) {
        return crate::sms::cm::STATUS_PATH.into();
    }
    if path == crate::sms::twilio::STATUS_PATH {
        return path.into();
    }
    "page".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_come_from_a_fixed_set() {
        assert_eq!(route_label("/api/login", StatusCode::OK), "/api/login");
        assert_eq!(
            route_label("/api/verzonnen", StatusCode::NOT_FOUND),
            "unmatched"
        );
        assert_eq!(
            route_label("/pkg/tweestap-1a2b.wasm", StatusCode::OK),
            "/pkg"
        );
        assert_eq!(
            route_label("/sms/status/cm/geheim", StatusCode::FORBIDDEN),
            "/sms/status/cm"
        );
        assert_eq!(route_label("/clienten/12", StatusCode::OK), "page");
    }
}
