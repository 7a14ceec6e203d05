//! Builds the whole HTTP app in one function, so tests serve exactly what
//! production serves.

use app::{shell, App};
use axum::{
    http::{header, HeaderValue},
    middleware,
    routing::get,
    Router,
};
use leptos::prelude::provide_context;
use leptos_axum::{file_and_error_handler, generate_route_list, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::{
    compression::CompressionLayer, services::ServeDir, set_header::SetResponseHeaderLayer,
};

use crate::{dev_sms, guard, state::AppState};

pub fn build(state: AppState) -> Router {
    let options = state.leptos_options.clone();
    let routes = generate_route_list(App);
    let core = state.core.clone();

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

    let has_outbox = state.outbox.is_some();
    let router = Router::new()
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(core.clone()),
            move || shell(options.clone()),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), guard::pages));
    // Development only: outside the page guard, and absent unless the
    // outbox is the SMS sender.
    let router = if has_outbox {
        router.route("/dev/sms", get(dev_sms::page))
    } else {
        router
    };
    router
        .nest_service(&format!("/{}", state.leptos_options.site_pkg_dir), pkg)
        .fallback(file_and_error_handler::<AppState, _>(shell))
        .layer(
            ServiceBuilder::new()
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
                .layer(CompressionLayer::new()),
        )
        .with_state(state)
}
