//! The Gatehouse server: the Capture-compatible API, the server-rendered console and the static site,
//! assembled into one axum router by [`router`]. `main.rs` only parses flags and starts it.

pub mod api;
pub mod bootstrap;
pub mod config;
pub mod health;
pub mod state;

use axum::body::Body;
use axum::extract::State;
use axum::http::Request;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};
use tower_http::trace::TraceLayer;

use app::{shell, App};
pub use state::{AppState, TrustedProxies};

/// The whole HTTP surface. Tests build it on a random port exactly as `main` does.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = server_context(state.clone());
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(health::healthz))
        .merge(api::routes())
        .route(
            "/api/{*fn_name}",
            get(server_fn_handler).post(server_fn_handler),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// What server functions and server-rendered pages can `use_context` for.
fn server_context(state: AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    move || {
        provide_context(state.store.clone());
        provide_context(state.clock.clone());
    }
}

async fn server_fn_handler(
    State(state): State<AppState>,
    request: Request<Body>,
) -> impl IntoResponse {
    handle_server_fns_with_context(server_context(state), request).await
}
