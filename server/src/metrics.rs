//! `/metrics` in the Prometheus text format, on with `--metrics`: requests and their latency by
//! route group, Capture errors by code, failed API authentications by scheme, console sign-ins, and
//! at each scrape the property count, the database pools and the last scheduled backup.
//!
//! Counters are recorded through the `metrics` facade (a no-op until the recorder is installed), so
//! the doors only name what happened.

use std::sync::OnceLock;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::backup::LastBackup;
use crate::state::AppState;

/// The process-wide recorder; installed once, the first time a server asks for metrics.
static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the Prometheus recorder (once per process) and returns its handle.
pub fn install() -> Option<PrometheusHandle> {
    RECORDER
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ])
                .ok()?;
            match builder.install_recorder() {
                Ok(handle) => Some(handle),
                Err(error) => {
                    tracing::error!(%error, "cannot install the metrics recorder");
                    None
                }
            }
        })
        .clone()
}

/// The route group a path belongs to: a bounded label, never the path itself.
pub fn route_group(path: &str) -> &'static str {
    match path {
        "/healthz" | "/readyz" => "health",
        "/metrics" => "metrics",
        "/openapi.json" => "openapi",
        _ if path.starts_with("/clients") => "capture_clients",
        _ if path.starts_with("/settings") => "capture_settings",
        _ if path.starts_with("/api/") => "console_functions",
        _ if path.starts_with("/pkg/") => "static",
        _ => "console_pages",
    }
}

/// Counts every request and times it, by route group and status.
pub async fn record_request(request: Request<Body>, next: Next) -> Response {
    let group = route_group(request.uri().path());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("gatehouse_http_requests_total", "group" => group, "status" => status)
        .increment(1);
    metrics::histogram!("gatehouse_http_request_duration_seconds", "group" => group)
        .record(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`: 404 unless the server was started with `--metrics`.
pub async fn scrape(State(state): State<AppState>) -> Response {
    let Some(handle) = state.metrics.as_ref() else {
        return (
            StatusCode::NOT_FOUND,
            "metrics are off: start the server with --metrics\n",
        )
            .into_response();
    };
    match state.store.property_count().await {
        Ok(count) => metrics::gauge!("gatehouse_properties").set(count as f64),
        Err(error) => tracing::warn!(%error, "metrics: cannot count the properties"),
    }
    for (pool, (size, idle)) in [
        ("readers", state.store.reader_pool_use()),
        ("writer", state.store.writer_pool_use()),
    ] {
        metrics::gauge!("gatehouse_database_connections", "pool" => pool, "state" => "idle")
            .set(idle as f64);
        metrics::gauge!("gatehouse_database_connections", "pool" => pool, "state" => "in_use")
            .set((size as usize).saturating_sub(idle) as f64);
    }
    match state.backups.last() {
        Some(LastBackup::Ok { at, .. }) => {
            metrics::gauge!("gatehouse_last_backup_timestamp_seconds").set(at as f64);
            metrics::gauge!("gatehouse_last_backup_success").set(1.0);
        }
        Some(LastBackup::Failed { .. }) => {
            metrics::gauge!("gatehouse_last_backup_success").set(0.0)
        }
        None => {}
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn route_groups_are_a_small_fixed_set() {
        use super::route_group;
        assert_eq!(route_group("/clients/add"), "capture_clients");
        assert_eq!(route_group("/settings/get_all"), "capture_settings");
        assert_eq!(route_group("/api/properties/save"), "console_functions");
        assert_eq!(route_group("/properties/abc/settings"), "console_pages");
        assert_eq!(route_group("/pkg/gatehouse.wasm"), "static");
        assert_eq!(route_group("/readyz"), "health");
    }
}
