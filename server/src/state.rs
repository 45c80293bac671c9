//! What every handler can reach.

use std::sync::Arc;

use app::auth::session::{CookiePolicy, SignInThrottle};
use app::clock::Clock;
use app::store::Store;
use axum::extract::FromRef;
use ipnet::IpNet;
use leptos::prelude::LeptosOptions;

use crate::backup::BackupStatus;
use crate::capture::limits::ApiLimits;

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub clock: Clock,
    pub trusted_proxies: TrustedProxies,
    pub sign_in_throttle: SignInThrottle,
    pub cookies: CookiePolicy,
    pub api_limits: ApiLimits,
    /// The last scheduled backup, for `/readyz`.
    pub backups: BackupStatus,
    /// The Prometheus recorder, when `--metrics` turned `/metrics` on.
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

impl AppState {
    /// State with no trusted proxies, plain (non-Secure) cookies, a fresh sign-in throttle and the
    /// default API rate limits.
    pub fn new(leptos_options: LeptosOptions, store: Store, clock: Clock) -> Self {
        AppState {
            leptos_options,
            store,
            clock,
            trusted_proxies: TrustedProxies::default(),
            sign_in_throttle: SignInThrottle::default(),
            cookies: CookiePolicy::default(),
            api_limits: ApiLimits::default(),
            backups: BackupStatus::default(),
            metrics: None,
        }
    }
}

/// Proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub Arc<Vec<IpNet>>);

impl TrustedProxies {
    pub fn new(blocks: Vec<IpNet>) -> Self {
        TrustedProxies(Arc::new(blocks))
    }
}
