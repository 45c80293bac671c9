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
    let routes = generate_route_list(App);
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

/// What server functions and server-rendered pages can `use_context` for.
fn server_context(state: AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    move || {
        provide_context(state.store.clone());
        provide_context(state.clock.clone());
        provide_context(state.sign_in_throttle.clone());
        provide_context(state.cookies);
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
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "server function error").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<ConsoleError>(&bytes) {
        parts.status = error.status();
    }
    Response::from_parts(parts, Body::from(bytes))
}
