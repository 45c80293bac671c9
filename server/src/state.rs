//! What every handler can reach.

use std::sync::Arc;

use app::clock::Clock;
use app::store::Store;
use axum::extract::FromRef;
use ipnet::IpNet;
use leptos::prelude::LeptosOptions;

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub clock: Clock,
    pub trusted_proxies: TrustedProxies,
}

/// Proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub Arc<Vec<IpNet>>);

impl TrustedProxies {
    pub fn new(blocks: Vec<IpNet>) -> Self {
        TrustedProxies(Arc::new(blocks))
    }
}
