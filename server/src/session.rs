//! The console's session layer: resolves the session cookie to a [`Principal`] for the one
//! authorization check, sends signed-out page requests to the sign-in page (with a way back), and
//! sets the console's security headers. The Capture API is not affected: it authenticates clients.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use app::auth::session::{cookie_value, token_hash};
use app::auth::Principal;
use app::domain::accounts::session_alive;
use app::domain::listing::encode_query_value;
use app::store::Store;

use crate::state::AppState;

/// Paths that answer without a session: the sign-in page and what it needs to load.
fn is_public(path: &str) -> bool {
    path == "/sign-in"
        || path == "/sign-in.js"
        || path == "/api/auth/sign_in"
        || path == "/api/auth/me"
        || path.starts_with("/pkg/")
        || path == "/favicon.svg"
}

/// The Capture API, its OpenAPI document and the health checks: no console session involved.
fn is_outside_console(path: &str) -> bool {
    path == "/healthz"
        || path == "/readyz"
        || path == "/metrics"
        || path == "/openapi.json"
        || path.starts_with("/clients")
        || path.starts_with("/settings")
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
    if is_cross_site_change(request.method(), request.headers()) {
        tracing::warn!(%path, origin = ?request.headers().get(header::ORIGIN), "console: refused a state-changing request from another site");
        return (
            StatusCode::FORBIDDEN,
            "This request came from another site. Use the Gatehouse console itself.",
        )
            .into_response();
    }
    let now = state.clock.now();
    let principal = match cookie_value(request.headers(), state.cookies.cookie_name()) {
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
    let status = response.status();
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
    headers.insert(
        header::CACHE_CONTROL,
        cache_policy(&path, status, state.leptos_options.hash_files),
    );
    response
}

/// How long a browser may keep a response. Pages and server functions may carry secrets: never
/// kept. A /pkg file whose name holds its content hash never changes: kept for a year without
/// asking again. Other static files (and everything in a build without hashes): asked again each
/// time, which costs a 304 when nothing changed.
fn cache_policy(path: &str, status: StatusCode, hashed: bool) -> HeaderValue {
    if !path.starts_with("/pkg/") && path != "/favicon.svg" {
        HeaderValue::from_static("no-store")
    } else if hashed
        && status == StatusCode::OK
        && path.starts_with("/pkg/")
        && !path.starts_with("/pkg/snippets/")
    {
        HeaderValue::from_static("public, max-age=31536000, immutable")
    } else {
        HeaderValue::from_static("no-cache")
    }
}

/// Whether a request that may change something (anything but GET, HEAD, OPTIONS) was sent by a
/// browser from another site: its `Sec-Fetch-Site` is not same-origin, or, in browsers that do not
/// send it, its `Origin` is not this host. Requests with neither header do not come from a browser
/// page (scripts, curl) and cannot be forged by one. `SameSite=Strict` alone does not cover sibling
/// subdomains, other ports of the same host, or sign-in, which has no session yet.
pub fn is_cross_site_change(method: &Method, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, authority)| authority);
    match (origin_host, host) {
        (Some(origin_host), Some(host)) => !origin_host.eq_ignore_ascii_case(host),
        _ => true,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn only_hashed_bundle_files_are_kept_for_a_year() {
        let ok = StatusCode::OK;
        let forever = "public, max-age=31536000, immutable";
        assert_eq!(cache_policy("/pkg/gatehouse.Ab3_x.wasm", ok, true), forever);
        assert_eq!(cache_policy("/pkg/gatehouse.wasm", ok, false), "no-cache");
        // Not hashed by cargo-leptos even in a hashed build.
        assert_eq!(
            cache_policy("/pkg/snippets/x/inline0.js", ok, true),
            "no-cache"
        );
        // A missing file may appear with the next build.
        assert_eq!(
            cache_policy("/pkg/gone.wasm", StatusCode::NOT_FOUND, true),
            "no-cache"
        );
        assert_eq!(cache_policy("/favicon.svg", ok, true), "no-cache");
        for page in ["/", "/properties/x", "/api/properties/list", "/sign-in"] {
            assert_eq!(cache_policy(page, ok, true), "no-store");
        }
    }

    #[test]
    fn reads_are_never_refused() {
        let cross = headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://evil.example"),
        ]);
        assert!(!is_cross_site_change(&Method::GET, &cross));
        assert!(!is_cross_site_change(&Method::HEAD, &cross));
    }

    #[test]
    fn posts_from_this_site_or_from_no_browser_pass() {
        let post = Method::POST;
        assert!(!is_cross_site_change(&post, &HeaderMap::new()));
        assert!(!is_cross_site_change(
            &post,
            &headers(&[("sec-fetch-site", "same-origin")])
        ));
        assert!(!is_cross_site_change(
            &post,
            &headers(&[
                ("origin", "http://127.0.0.1:3000"),
                ("host", "127.0.0.1:3000")
            ])
        ));
        assert!(!is_cross_site_change(
            &post,
            &headers(&[
                ("origin", "https://Console.Example"),
                ("host", "console.example")
            ])
        ));
    }

    #[test]
    fn posts_from_another_site_port_or_subdomain_are_refused() {
        let post = Method::POST;
        for site in ["cross-site", "same-site"] {
            assert!(
                is_cross_site_change(&post, &headers(&[("sec-fetch-site", site)])),
                "{site}"
            );
        }
        for origin in [
            "http://evil.example",
            "http://127.0.0.1:3001",
            "http://sub.console.example",
            "null",
        ] {
            let h = headers(&[("origin", origin), ("host", "console.example")]);
            assert!(is_cross_site_change(&post, &h), "{origin}");
        }
        assert!(is_cross_site_change(
            &Method::DELETE,
            &headers(&[("origin", "http://evil.example")])
        ));
    }
}
