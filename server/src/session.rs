//! The console's session layer: resolves the session cookie to a [`Principal`] for the one
//! authorization check, sends signed-out page requests to the sign-in page (with a way back), and
//! sets the console's security headers. The Capture API is not affected: it authenticates clients.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use app::auth::session::{cookie_value, token_hash, SESSION_COOKIE};
use app::auth::Principal;
use app::domain::accounts::session_alive;
use app::properties::model::encode_query_value;
use app::store::Store;

use crate::state::AppState;

/// Paths that answer without a session: the sign-in page and what it needs to load.
fn is_public(path: &str) -> bool {
    path == "/sign-in"
        || path == "/api/auth/sign_in"
        || path == "/api/auth/me"
        || path.starts_with("/pkg/")
        || path == "/favicon.svg"
}

/// The Capture API and the health check: no console session involved.
fn is_outside_console(path: &str) -> bool {
    path == "/healthz" || path.starts_with("/clients") || path.starts_with("/settings")
}

/// Sessions are touched at most this often, so browsing is not a write per request.
const TOUCH_EVERY_SECS: i64 = 60;

pub async fn console_session(
    State(state): State<AppState>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    if is_outside_console(&path) {
        return next.run(request).await;
    }
    let now = state.clock.now();
    let principal = match cookie_value(request.headers(), SESSION_COOKIE) {
        Some(token) => principal_for(&state.store, token, now).await,
        None => None,
    };
    let signed_in = principal.is_some();
    if let Some(principal) = principal {
        request.extensions_mut().insert(principal);
    }
    if !signed_in && !is_public(&path) && !path.starts_with("/api/") {
        let target = request
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        return Redirect::to(&format!("/sign-in?next={}", encode_query_value(target)))
            .into_response();
    }
    if signed_in && path == "/sign-in" {
        return Redirect::to("/").into_response();
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !path.starts_with("/pkg/") {
        // Pages and server functions may carry secrets: never keep them in any cache.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

async fn principal_for(store: &Store, token: &str, now: i64) -> Option<Principal> {
    let hash = token_hash(token);
    let session = store.session(&hash).await.ok().flatten()?;
    if !session_alive(session.created_at, session.last_seen_at, now) {
        let _ = store.delete_session(&hash).await;
        return None;
    }
    if now - session.last_seen_at >= TOUCH_EVERY_SECS {
        let _ = store.touch_session(&hash, now).await;
    }
    Some(Principal {
        username: session.user.username,
        role: session.user.role,
        session: hash,
    })
}
