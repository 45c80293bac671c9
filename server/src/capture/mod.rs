//! The Capture-compatible REST API (SPEC section 2). Every endpoint accepts GET and POST, reads
//! parameters from the query string or a form body, and answers JSON with HTTP 200.

pub mod clients;
pub mod error;
pub mod limits;
pub mod openapi;
pub mod request;
pub mod settings;

use axum::http::Uri;
use axum::routing::{any, get, MethodRouter};
use axum::Router;

use crate::state::AppState;
use error::ApiError;

/// Every endpoint of the API, with its handler: the router and the OpenAPI document's check both
/// read this list.
pub fn endpoints() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/clients/list", any(clients::list)),
        ("/clients/add", any(clients::add)),
        ("/clients/delete", any(clients::delete)),
        ("/clients/reset_secret", any(clients::reset_secret)),
        ("/clients/set_description", any(clients::set_description)),
        ("/clients/set_features", any(clients::set_features)),
        ("/clients/set_whitelist", any(clients::set_whitelist)),
        ("/clients/clear_whitelist", any(clients::clear_whitelist)),
        ("/settings/get", any(settings::get)),
        ("/settings/get_multi", any(settings::get_multi)),
        ("/settings/items", any(settings::items)),
        ("/settings/keys", any(settings::keys)),
        ("/settings/set", any(settings::set)),
        ("/settings/set_multi", any(settings::set_multi)),
        ("/settings/delete", any(settings::delete)),
        ("/settings/get_default", any(settings::get_default)),
        ("/settings/set_default", any(settings::set_default)),
        (
            "/settings/set_default_multi",
            any(settings::set_default_multi),
        ),
        ("/settings/delete_default", any(settings::delete_default)),
        ("/settings/get_all", any(settings::get_all)),
    ]
}

pub fn routes() -> Router<AppState> {
    let known = endpoints()
        .into_iter()
        .fold(Router::new(), |router, (path, handler)| {
            router.route(path, handler)
        });
    // Anything else under the API's prefixes is a Capture error, not the console's 404 page.
    known
        .route("/clients/{*rest}", any(unknown_endpoint))
        .route("/clients", any(unknown_endpoint))
        .route("/settings/{*rest}", any(unknown_endpoint))
        .route("/settings", any(unknown_endpoint))
        .route("/openapi.json", get(openapi::document))
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
