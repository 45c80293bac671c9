//! Session cookies: a random token in an HttpOnly, SameSite=Strict cookie; the database keeps only
//! its SHA-256, so a stolen database file holds no usable session.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use rand::RngCore;
use sha2::{Digest, Sha256};

use std::time::Duration;

use crate::domain::accounts::{sign_in_delay_ms, Throttle, SESSION_ABSOLUTE_SECS};
use crate::domain::tokens::random_alphanumeric;

pub const SESSION_COOKIE: &str = "gatehouse_session";
/// The cookie's name over HTTPS: the `__Host-` prefix makes browsers refuse it unless it is
/// Secure, for this host only (no Domain) and for every path, so a sibling subdomain cannot set it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-gatehouse_session";

pub fn new_session_token() -> String {
    random_alphanumeric(43, |buf| rand::rng().fill_bytes(buf))
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether cookies get the Secure flag (the console is served over HTTPS, usually via a proxy).
#[derive(Clone, Copy, Debug, Default)]
pub struct CookiePolicy {
    pub secure: bool,
}

impl CookiePolicy {
    pub fn cookie_name(&self) -> &'static str {
        if self.secure {
            SECURE_SESSION_COOKIE
        } else {
            SESSION_COOKIE
        }
    }

    pub fn session_cookie(&self, token: &str) -> String {
        format!(
            "{}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_ABSOLUTE_SECS}{}",
            self.cookie_name(),
            if self.secure { "; Secure" } else { "" }
        )
    }

    pub fn cleared_cookie(&self) -> String {
        format!(
            "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
            self.cookie_name(),
            if self.secure { "; Secure" } else { "" }
        )
    }
}

/// The value of cookie `name` in a Cookie header list.
pub fn cookie_value<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Failed sign-ins per (account, address) and per address, in memory (a restart forgets them,
/// which is fine: the throttle slows guessing, it is not a ledger). Keys are validated usernames
/// and addresses, and each map is pruned when large, so the memory stays bounded.
#[derive(Clone, Debug, Default)]
pub struct SignInThrottle {
    accounts: Arc<Mutex<HashMap<(String, IpAddr), Throttle>>>,
    addresses: Arc<Mutex<HashMap<IpAddr, Throttle>>>,
}

/// Past this many keys, forget those with no failure left in the window.
const PRUNE_ABOVE: usize = 100_000;

fn record<K: std::hash::Hash + Eq>(map: &Mutex<HashMap<K, Throttle>>, key: K, now: i64) -> usize {
    let Ok(mut map) = map.lock() else {
        return 0;
    };
    if map.len() > PRUNE_ABOVE {
        map.retain(|_, t| !t.is_empty(now));
    }
    let throttle = map.entry(key).or_default();
    let before = throttle.failures(now);
    throttle.record_failure(now);
    before
}

impl SignInThrottle {
    /// Counts this attempt as a failure before the password is checked (so that concurrent
    /// attempts cannot slip under the count) and returns how long it must wait first.
    pub fn begin_attempt(&self, username: &str, address: IpAddr, now: i64) -> Duration {
        let account = record(&self.accounts, (username.to_string(), address), now);
        let from_address = record(&self.addresses, address, now);
        Duration::from_millis(sign_in_delay_ms(account, from_address))
    }

    /// The attempt succeeded: it was no failure, and this account's failures from this address
    /// are forgiven.
    pub fn succeeded(&self, username: &str, address: IpAddr) {
        if let Ok(mut map) = self.accounts.lock() {
            map.remove(&(username.to_string(), address));
        }
        if let Ok(mut map) = self.addresses.lock() {
            if let Some(throttle) = map.get_mut(&address) {
                throttle.forget_last();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let (a, b) = (new_session_token(), new_session_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn cookies_carry_the_security_flags() {
        let plain = CookiePolicy { secure: false }.session_cookie("t");
        assert!(
            plain.contains("HttpOnly")
                && plain.contains("SameSite=Strict")
                && !plain.contains("Secure")
        );
        let secure = CookiePolicy { secure: true }.session_cookie("t");
        assert!(
            secure.starts_with("__Host-gatehouse_session=t; Path=/;"),
            "{secure}"
        );
        assert!(
            secure.ends_with("; Secure") && !secure.contains("Domain"),
            "{secure}"
        );
        assert!(plain.starts_with("gatehouse_session=t;"), "{plain}");
        assert!(CookiePolicy::default()
            .cleared_cookie()
            .contains("Max-Age=0"));
    }

    #[test]
    fn failures_slow_one_account_from_one_address_and_never_lock_it_elsewhere() {
        let throttle = SignInThrottle::default();
        let (attacker, admin): (IpAddr, IpAddr) =
            ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let delays: Vec<Duration> = (0..8)
            .map(|i| throttle.begin_attempt("admin", attacker, i))
            .collect();
        assert_eq!(delays[0], Duration::ZERO);
        assert!(delays.windows(2).all(|w| w[0] <= w[1]), "{delays:?}");
        assert!(delays[7] > delays[4], "{delays:?}");
        assert_eq!(
            throttle.begin_attempt("admin", admin, 10),
            Duration::ZERO,
            "the administrator at another address is not slowed"
        );
        throttle.succeeded("admin", attacker);
        assert_eq!(
            throttle.begin_attempt("admin", attacker, 11),
            Duration::ZERO
        );
    }

    #[test]
    fn cookie_values_are_found_among_others() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            "a=1; gatehouse_session=tok; b=2".parse().unwrap(),
        );
        assert_eq!(cookie_value(&headers, SESSION_COOKIE), Some("tok"));
        assert_eq!(cookie_value(&headers, "c"), None);
    }
}
