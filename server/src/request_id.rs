//! One id per request, assigned before anything else runs: it names the request's log lines (the
//! `request` span), its audit entries, a Capture error's `request_id` and the `x-request-id`
//! response header, so an operator can go from an error a caller reports to the log and back.

use axum::body::Body;
use axum::http::{HeaderValue, Request};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Span;

use app::auth::RequestId;

use crate::capture::error::new_request_id;

tokio::task_local! {
    static CURRENT: String;
}

/// The id of the request being served on this task, if any.
pub fn current() -> Option<String> {
    CURRENT.try_with(|id| id.clone()).ok()
}

/// Gives the request its id (extensions and task-local) and echoes it in `x-request-id`.
pub async fn assign(mut request: Request<Body>, next: Next) -> Response {
    let id = new_request_id();
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = CURRENT.scope(id.clone(), next.run(request)).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// The span every log line of a request is written in: method, path (never the query string, which
/// may carry a client secret) and the request id.
pub fn span(request: &Request<Body>) -> Span {
    let id = request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.as_str())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %id,
    )
}
