//! Builds the whole HTTP app in one function, so tests serve exactly what
//! production serves.

use std::time::Duration;

use app::{shell, App};
use axum::{
    extract::DefaultBodyLimit,
    http::{header, HeaderValue, StatusCode},
    middleware,
    routing::{get, post},
    Router,
};
use leptos::prelude::provide_context;
use leptos_axum::{file_and_error_handler_with_context, generate_route_list, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::{
    compression::CompressionLayer, services::ServeDir, set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
};

use crate::{
    mail,
    middleware::{
        body_limit, client_ip, form_text, host_check, page_guard, same_origin, security_headers,
    },
    sms,
    state::AppState,
};

pub use crate::middleware::body_limit::BODY_LIMIT;

/// A request still unanswered after this is given up (503), so a slow
/// client or a stuck dependency cannot hold a connection's work forever.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub fn build(state: AppState) -> Router {
    let options = state.leptos_options.clone();
    let routes = generate_route_list(App);
    let core = state.core.clone();
    // Every render and server function gets the core and this request's CSP
    // nonce (the one the Content-Security-Policy header names).
    let context = move || {
        provide_context(core.clone());
        security_headers::provide_leptos_nonce();
    };

    // With hashed file names a bundle never changes under its name, so the
    // browser may keep it for a year; without, it must ask every time.
    let pkg_cache = if options.hash_files {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let pkg_dir = format!("{}/{}", options.site_root, options.site_pkg_dir);
    let pkg = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static(pkg_cache),
        ))
        // Copies made by `server precompress` when present; otherwise the
        // compression layer below compresses on the fly.
        .service(
            ServeDir::new(pkg_dir)
                .precompressed_br()
                .precompressed_gzip(),
        );

    let router = Router::new()
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            shell(options.clone())
        })
        .route_layer(middleware::from_fn_with_state(
            state.core.clone(),
            page_guard::pages,
        ));
    // Outside the page guard, which would redirect: each export answers
    // 401 or 403 itself.
    let router = router
        .route(crate::export::EXPORT_ROWS_PATH, get(crate::export::rows))
        .route(crate::export::EXPORT_USERS_PATH, get(crate::export::users))
        .route(crate::export::MY_DATA_PATH, get(crate::export::my_data))
        .route(
            crate::export::USER_DATA_ROUTE,
            get(crate::export::user_data),
        )
        // The providers' delivery reports: each checks its sender itself.
        .route(sms::twilio::STATUS_PATH, post(sms::reports::twilio))
        .route(
            &format!("{}/{{secret}}", sms::cm::STATUS_PATH),
            post(sms::reports::cm),
        );
    // The OpenID Connect provider: its own answers, outside the page guard.
    let router = router.merge(crate::oidc::routes());
    // Development only: outside the page guard, and absent unless the
    // outbox is the SMS sender.
    let router = match state.outbox.clone() {
        Some(file) => router.route("/dev/sms", get(move || sms::outbox::page(file.clone()))),
        None => router,
    };
    let router = match state.mail_outbox.clone() {
        Some(file) => router.route("/dev/mail", get(move || mail::outbox::page(file.clone()))),
        None => router,
    };
    let router = router
        .nest_service(&format!("/{}", state.leptos_options.site_pkg_dir), pkg)
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            context, shell,
        ))
        // Outermost first: every request, also a refused one, has its
        // client address and the browser-defence headers.
        .layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn_with_state(
                    state.trusted_proxies.clone(),
                    client_ip::middleware,
                ))
                .layer(middleware::from_fn_with_state(
                    state.hsts,
                    security_headers::middleware,
                ))
                // Before any route: a request for another host is refused.
                .layer(middleware::from_fn_with_state(
                    state.hosts.clone(),
                    host_check::middleware,
                ))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    REQUEST_TIMEOUT,
                ))
                .layer(middleware::from_fn_with_state(
                    state.public_origin.clone(),
                    same_origin::middleware,
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::X_FRAME_OPTIONS,
                    HeaderValue::from_static("DENY"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("same-origin"),
                ))
                // Innermost: the body each path may have. axum's own limit
                // for its extractors (2 MB) makes room for the largest; the
                // layer above it is the one that decides per path.
                .layer(middleware::from_fn(body_limit::middleware))
                // Within the limit: every server function's form, read once.
                .layer(middleware::from_fn(form_text::middleware))
                .layer(DefaultBodyLimit::max(body_limit::IMPORT_BODY_LIMIT))
                .layer(CompressionLayer::new()),
        );
    let router = if state.timed {
        router.layer(middleware::from_fn(crate::metrics::timing))
    } else {
        router
    };
    // Outside every layer above: a load balancer asks by the instance's
    // address (no host check), often, and is not timed or logged.
    Router::new()
        .route("/healthz", get(crate::health::healthz))
        .route("/readyz", get(crate::health::readyz))
        // A reverse proxy asks by whatever address it reaches us at; the
        // answer's links come from the public URL, never from `Host`.
        .route(crate::forward_auth::PATH, get(crate::forward_auth::verify))
        .merge(router)
        .with_state(state)
}
