//! `GET /healthz`: for load balancers and service managers. 200 when the database answers, 503 when not.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

use app::store::Store;

pub async fn healthz(State(store): State<Store>) -> impl IntoResponse {
    match store.health_check().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({"status": "ok", "database": "ok", "version": env!("CARGO_PKG_VERSION")})),
        ),
        Err(error) => {
            tracing::error!(%error, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(
                    json!({"status": "error", "database": "unavailable", "version": env!("CARGO_PKG_VERSION")}),
                ),
            )
        }
    }
}
