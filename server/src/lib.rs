//! The Gatehouse server: the Capture-compatible API, the server-rendered console and the static site,
//! assembled into one axum router by [`router`]. `main.rs` only parses flags and starts it.

pub mod audit;
pub mod backup;
pub mod bootstrap;
pub mod caller;
pub mod capture;
pub mod config;
pub mod export;
pub mod health;
pub mod metrics;
pub mod request_id;
pub mod session;
pub mod state;
pub mod transfer;
pub mod usage;

use std::net::SocketAddr;

use axum::body::Body;
use axum::http::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::trace::TraceLayer;

use app::error::ConsoleError;
use app::{shell, App};
pub use state::{AppState, TrustedProxies};

/// The whole HTTP surface. Tests build it on a random port exactly as `main` does.
pub fn router(state: AppState) -> Router {
    let routes = console_routes();
    let context = server_context(state.clone());
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::scrape))
        .route("/properties/export", get(export::download))
        .merge(capture::routes())
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(middleware::from_fn(import_body_limit))
        .layer(middleware::from_fn(with_console_error_status))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::console_session,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            caller::record_caller,
        ))
        .layer(middleware::from_fn(metrics::record_request))
        .layer(TraceLayer::new_for_http().make_span_with(request_id::span))
        .layer(middleware::from_fn(request_id::assign))
        .with_state(state)
}

/// The console's routes, listed once per process. Listing them runs the app with resource loading
/// switched off by a flag global to the process (leptos_server's `SuppressResourceLoad`): a page
/// another router in the same process renders meanwhile would wait forever on a resource that
/// first ran then (leptos issue #4773). Tests start many routers side by side; listing once means
/// no router can list while another serves.
fn console_routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::LazyLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::LazyLock::new(|| generate_route_list(App));
    ROUTES.clone()
}

/// Serves the router on `listener` until `shutdown` resolves. TCP_NODELAY: streamed pages go out in
/// several writes, and Nagle plus delayed ACK would add ~40 ms to each.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Whether the release build gave every /pkg file a content hash: cargo-leptos then writes
/// `hash.txt` beside the server binary, where Leptos looks for it to name the files in each page.
/// Without it (a build without `hash-files`) the plain names are used and cannot be cached for long.
pub fn bundle_is_hashed() -> bool {
    app::ui::preload::bundle_hash_file("hash.txt").is_some()
}

/// What server functions and server-rendered pages can `use_context` for.
fn server_context(state: AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    move || {
        provide_context(state.store.clone());
        provide_context(state.clock.clone());
        provide_context(state.sign_in_throttle.clone());
        provide_context(state.cookies);
    }
}

/// Console requests are limited to axum's 2 MB body, except an admin's import (a document of
/// 10,000 properties is about 3 MB, and Apply sends it again with its plan): up to
/// [`app::properties::import::MAX_BODY_BYTES`]. Only with a session allowed to import, so nobody
/// else can make the server hold a large body. The session layer runs before this one.
async fn import_body_limit(request: Request<Body>, next: Next) -> Response {
    use app::auth::{Permission, Principal};
    use app::properties::import::{ENDPOINT_PREFIX, MAX_BODY_BYTES};
    use tower::{Layer, ServiceExt};
    let may_import = request.uri().path().starts_with(ENDPOINT_PREFIX)
        && request
            .extensions()
            .get::<Principal>()
            .is_some_and(|p| p.can(Permission::Write));
    if !may_import {
        return next.run(request).await;
    }
    match axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES)
        .layer(next)
        .oneshot(request)
        .await
    {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// Server functions answer every error with 500; a refused name is not a server failure. Give each
/// console error its proper status (422, 404, 409, ...) here, in one place.
async fn with_console_error_status(request: Request<Body>, next: Next) -> Response {
    let is_server_fn = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !is_server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // An import's problems (up to 1,000 listed) fit; nothing else comes near.
    let Ok(bytes) = axum::body::to_bytes(body, 1024 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "server function error").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<ConsoleError>(&bytes) {
        parts.status = error.status();
    }
    Response::from_parts(parts, Body::from(bytes))
}
