//! Console sign-in: accounts, roles, sessions, and the one authorization check every server
//! function and page goes through. The Capture API authenticates clients on its own (server/api).

pub mod pages;
#[cfg(feature = "ssr")]
pub mod password;
pub mod server_fns;
#[cfg(feature = "ssr")]
pub mod session;

use serde::{Deserialize, Serialize};

pub use crate::domain::accounts::{Permission, Role};

/// The signed-in person a console request acts for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub username: String,
    pub role: Role,
    /// Hash of the session token, so the session can end itself (sign out, password change).
    #[serde(skip)]
    pub session: String,
}

impl Principal {
    pub fn can(&self, permission: Permission) -> bool {
        self.role.allows(permission)
    }
}

/// The address a request comes from, after believing trusted proxies; the server puts it in every
/// request's extensions, so the API and the console judge callers by the same address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallerAddress(pub std::net::IpAddr);

/// The id of a request: in its log lines, its audit entries and a Capture error's `request_id`. The
/// server puts it in every request's extensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(pub String);

/// The current request's id, or a fresh one when the server recorded none.
#[cfg(feature = "ssr")]
pub fn request_id() -> String {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<RequestId>().cloned())
        .map(|id| id.0)
        .unwrap_or_else(new_request_id)
}

/// A fresh request id (16 lowercase alphanumerics) from the thread CSPRNG: for a request, or for
/// an operation started at the terminal.
#[cfg(feature = "ssr")]
pub fn new_request_id() -> String {
    crate::domain::tokens::request_id_from_random(|buf| {
        rand::RngCore::fill_bytes(&mut rand::rng(), buf)
    })
}

/// The caller's address of the current request (unspecified if the server recorded none).
#[cfg(feature = "ssr")]
pub fn caller_address() -> std::net::IpAddr {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CallerAddress>().copied())
        .map(|caller| caller.0)
        .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]))
}

/// The one authorization check of every server function: the request must carry a live session
/// (put there by the server's session layer) whose role allows `permission`.
#[cfg(feature = "ssr")]
pub async fn authorize(permission: Permission) -> Result<Principal, crate::error::ConsoleError> {
    use crate::error::ConsoleError;
    let principal = current_principal().ok_or(ConsoleError::Unauthenticated)?;
    if principal.can(permission) {
        Ok(principal)
    } else {
        tracing::warn!(user = %principal.username, ?permission, "console request refused: role does not allow it");
        Err(ConsoleError::Forbidden)
    }
}

/// The signed-in person as the actor of an operation: the operation itself authorizes by role.
#[cfg(feature = "ssr")]
pub fn console_actor() -> Result<crate::ops::Actor, crate::error::ConsoleError> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()
        .ok_or(crate::error::ConsoleError::Unauthenticated)?;
    request_actor(&parts.extensions, context::now())
}

/// The signed-in person of a console request as the actor of an operation, from what the server's
/// layers put in the request's extensions (the session's [`Principal`], the caller's address, the
/// request id): for console doors that are plain HTTP routes rather than server functions.
#[cfg(feature = "ssr")]
pub fn request_actor(
    extensions: &http::Extensions,
    now: i64,
) -> Result<crate::ops::Actor, crate::error::ConsoleError> {
    use crate::domain::audit::Door;
    use crate::ops::{Actor, Who};
    let principal = extensions
        .get::<Principal>()
        .cloned()
        .ok_or(crate::error::ConsoleError::Unauthenticated)?;
    let source = extensions
        .get::<CallerAddress>()
        .map(|caller| caller.0)
        .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    Ok(Actor {
        who: Who::User {
            username: principal.username,
            role: principal.role,
        },
        door: Door::Console,
        source: source.to_string(),
        request_id: extensions
            .get::<RequestId>()
            .map(|id| id.0.clone())
            .unwrap_or_else(new_request_id),
        now,
    })
}

/// The principal of the current request, if signed in.
#[cfg(feature = "ssr")]
pub fn current_principal() -> Option<Principal> {
    leptos::prelude::use_context::<http::request::Parts>()?
        .extensions
        .get::<Principal>()
        .cloned()
}

/// Server-side context every server function needs.
#[cfg(feature = "ssr")]
pub mod context {
    use crate::clock::Clock;
    use crate::error::ConsoleError;
    use crate::store::Store;
    use leptos::prelude::use_context;

    pub fn store() -> Result<Store, ConsoleError> {
        use_context::<Store>()
            .ok_or_else(|| ConsoleError::Server("the database is not available".into()))
    }

    pub fn now() -> i64 {
        use_context::<Clock>().unwrap_or_default().now()
    }
}
