//! The Capture-compatible REST API (SPEC section 2). Every endpoint accepts GET and POST, reads
//! parameters from the query string or a form body, and answers JSON with HTTP 200.

pub mod clients;
pub mod error;
pub mod limits;
pub mod request;
pub mod settings;

use axum::http::Uri;
use axum::routing::any;
use axum::Router;

use crate::state::AppState;
use error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/clients/list", any(clients::list))
        .route("/clients/add", any(clients::add))
        .route("/clients/delete", any(clients::delete))
        .route("/clients/reset_secret", any(clients::reset_secret))
        .route("/clients/set_description", any(clients::set_description))
        .route("/clients/set_features", any(clients::set_features))
        .route("/clients/set_whitelist", any(clients::set_whitelist))
        .route("/clients/clear_whitelist", any(clients::clear_whitelist))
        .route("/clients/{*rest}", any(unknown_endpoint))
        .route("/clients", any(unknown_endpoint))
        .route("/settings/get", any(settings::get))
        .route("/settings/get_multi", any(settings::get_multi))
        .route("/settings/items", any(settings::items))
        .route("/settings/keys", any(settings::keys))
        .route("/settings/set", any(settings::set))
        .route("/settings/set_multi", any(settings::set_multi))
        .route("/settings/delete", any(settings::delete))
        .route("/settings/get_default", any(settings::get_default))
        .route("/settings/set_default", any(settings::set_default))
        .route(
            "/settings/set_default_multi",
            any(settings::set_default_multi),
        )
        .route("/settings/delete_default", any(settings::delete_default))
        .route("/settings/get_all", any(settings::get_all))
        .route("/settings/{*rest}", any(unknown_endpoint))
        .route("/settings", any(unknown_endpoint))
}

async fn unknown_endpoint(uri: Uri) -> ApiError {
    ApiError::invalid(
        "path",
        format!(
            "{} is not an API endpoint",
            uri.path().chars().take(100).collect::<String>()
        ),
    )
}
