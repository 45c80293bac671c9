//! `GET /healthz` (liveness: the database answers) and `GET /readyz` (readiness: migrations current,
//! database writable, last scheduled backup ok), for load balancers and service managers. 200 or
//! 503 with what failed.

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

/// How long `/readyz` waits for the write lock behind queued writers before calling it busy.
const WRITABLE_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

pub async fn readyz(
    State(store): State<Store>,
    State(backups): State<crate::backup::BackupStatus>,
) -> impl IntoResponse {
    use crate::backup::LastBackup;
    let mut ready = true;
    let mut verdict = |outcome: Result<String, String>| match outcome {
        Ok(text) => text,
        Err(text) => {
            ready = false;
            text
        }
    };
    let migrations = verdict(match store.migrations_current().await {
        Ok(true) => Ok("ok".into()),
        Ok(false) => Err("behind: restart to apply the migrations".into()),
        Err(error) => Err(format!("unavailable: {error}")),
    });
    let writable = verdict(
        match tokio::time::timeout(WRITABLE_WITHIN, store.check_writable()).await {
            Ok(Ok(())) => Ok("ok".into()),
            Ok(Err(error)) => Err(format!("error: {error}")),
            Err(_) => Err(format!(
                "busy: the write lock was not free within {} s",
                WRITABLE_WITHIN.as_secs()
            )),
        },
    );
    let backup = verdict(match backups.last() {
        None => Ok("no scheduled backup yet".into()),
        Some(LastBackup::Ok { at, path }) => Ok(format!(
            "ok: {} at {} UTC",
            path.display(),
            app::domain::signature::format_date(at)
        )),
        Some(LastBackup::Failed { at, error }) => Err(format!(
            "failed at {} UTC: {error}",
            app::domain::signature::format_date(at)
        )),
    });
    if !ready {
        tracing::warn!(%migrations, %writable, %backup, "readiness check failed");
    }
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({
            "status": if ready { "ok" } else { "error" },
            "migrations": migrations,
            "writable": writable,
            "backup": backup,
            "version": env!("CARGO_PKG_VERSION"),
        })),
    )
}
