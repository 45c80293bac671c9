//! Who is calling: the caller's address as every door sees it (the Capture API's whitelist and
//! rate limits, the console's sign-in throttle and logs), worked out once per request.

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Request};
use axum::middleware::Next;
use axum::response::Response;

use app::auth::CallerAddress;

use crate::state::{AppState, TrustedProxies};

/// Puts the [`CallerAddress`] of every request into its extensions.
pub async fn record_caller(
    State(state): State<AppState>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    if let Some(peer) = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
    {
        let address = caller_address(peer, request.headers(), &state.trusted_proxies);
        request.extensions_mut().insert(CallerAddress(address));
    }
    next.run(request).await
}

/// The socket peer, unless it is a trusted proxy: then, walking `X-Forwarded-For` from the right,
/// the first address that is not a trusted proxy. An entry that does not parse ends the walk at
/// the last trusted hop, so nothing an untrusted client wrote to its left is believed. Addresses
/// are canonical: an IPv4 peer of an IPv6 socket (`::ffff:10.0.0.5`) is `10.0.0.5`.
pub fn caller_address(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.0.iter().any(|net| net.contains(ip));
    let mut caller = peer.to_canonical();
    let entries: Vec<Option<IpAddr>> = headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|value| match value.to_str() {
            Ok(text) => text
                .split(',')
                .map(|part| part.trim().parse::<IpAddr>().ok())
                .collect::<Vec<_>>(),
            Err(_) => vec![None],
        })
        .collect();
    for entry in entries.into_iter().rev() {
        if !is_trusted(&caller) {
            break;
        }
        match entry {
            Some(ip) => caller = ip.to_canonical(),
            None => break,
        }
    }
    caller
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn proxies(blocks: &[&str]) -> TrustedProxies {
        TrustedProxies::new(blocks.iter().map(|b| b.parse().unwrap()).collect())
    }

    #[test]
    fn an_untrusted_peer_is_the_caller_whatever_it_forwards() {
        let headers = forwarded(&["1.2.3.4"]);
        assert_eq!(
            caller_address(ip("9.9.9.9"), &headers, &proxies(&["10.0.0.0/8"])),
            ip("9.9.9.9")
        );
    }

    #[test]
    fn a_trusted_proxy_is_believed_up_to_the_first_untrusted_hop() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let headers = forwarded(&["6.6.6.6, 1.2.3.4, 10.0.0.7"]);
        assert_eq!(
            caller_address(ip("10.0.0.5"), &headers, &trusted),
            ip("1.2.3.4")
        );
        let split = forwarded(&["6.6.6.6", "1.2.3.4", "10.0.0.7"]);
        assert_eq!(
            caller_address(ip("10.0.0.5"), &split, &trusted),
            ip("1.2.3.4")
        );
        assert_eq!(
            caller_address(ip("10.0.0.5"), &HeaderMap::new(), &trusted),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn a_mapped_ipv4_peer_of_an_ipv6_listener_is_recognised_as_trusted() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let headers = forwarded(&["1.2.3.4"]);
        assert_eq!(
            caller_address(ip("::ffff:10.0.0.5"), &headers, &trusted),
            ip("1.2.3.4")
        );
        assert_eq!(
            caller_address(ip("10.0.0.5"), &forwarded(&["::ffff:1.2.3.4"]), &trusted),
            ip("1.2.3.4")
        );
        assert_eq!(
            caller_address(ip("::ffff:9.9.9.9"), &HeaderMap::new(), &trusted),
            ip("9.9.9.9")
        );
    }

    #[test]
    fn an_entry_that_does_not_parse_stops_the_walk_at_the_last_trusted_hop() {
        let trusted = proxies(&["10.0.0.0/8"]);
        for junk in ["1.2.3.4:5678", "unknown", "[::1]", ""] {
            let headers = forwarded(&[&format!("6.6.6.6, {junk}")]);
            assert_eq!(
                caller_address(ip("10.0.0.5"), &headers, &trusted),
                ip("10.0.0.5"),
                "{junk}"
            );
        }
        let headers = forwarded(&["6.6.6.6, garbage, 10.0.0.9"]);
        assert_eq!(
            caller_address(ip("10.0.0.5"), &headers, &trusted),
            ip("10.0.0.9")
        );
    }
}
