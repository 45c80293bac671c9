//! Who may do what in the console. Every server function calls [`authorize`] first, so sign-in
//! (accounts and roles) changes this one place, not every function.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Permission {
    /// See properties, features, whitelists and settings (never secrets).
    Read,
    /// Create, change, copy and delete.
    Write,
    /// See or copy a client secret.
    RevealSecret,
}

/// The person a console request acts for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub username: String,
}

/// The one authorization check of every server function and page.
///
/// Until console sign-in exists (its own issue), the console trusts whoever can reach it, which is
/// why the server listens on loopback by default; every call already passes through here.
#[cfg(feature = "ssr")]
pub async fn authorize(_permission: Permission) -> Result<Principal, crate::error::ConsoleError> {
    Ok(Principal {
        username: "operator".into(),
    })
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
