//! Session cookies: a random token in an HttpOnly, SameSite=Strict cookie; the database keeps only
//! its SHA-256, so a stolen database file holds no usable session.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::domain::accounts::{Throttle, SESSION_ABSOLUTE_SECS};
use crate::domain::tokens::random_alphanumeric;

pub const SESSION_COOKIE: &str = "gatehouse_session";

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
    pub fn session_cookie(&self, token: &str) -> String {
        format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_ABSOLUTE_SECS}{}",
            if self.secure { "; Secure" } else { "" }
        )
    }

    pub fn cleared_cookie(&self) -> String {
        format!(
            "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
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

/// Failed sign-ins per account and per address, in memory (a restart forgets them, which is fine:
/// the throttle slows guessing, it is not a ledger).
#[derive(Clone, Debug, Default)]
pub struct SignInThrottle {
    accounts: Arc<Mutex<HashMap<String, Throttle>>>,
    addresses: Arc<Mutex<HashMap<IpAddr, Throttle>>>,
}

impl SignInThrottle {
    /// Seconds until `username` from `address` may try again, or None.
    pub fn locked_for(&self, username: &str, address: IpAddr, now: i64) -> Option<i64> {
        use crate::domain::accounts::{MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS};
        let account = self.accounts.lock().ok().and_then(|mut map| {
            map.get_mut(username)
                .and_then(|t| t.locked_for(now, MAX_FAILURES_PER_ACCOUNT))
        });
        let address = self.addresses.lock().ok().and_then(|mut map| {
            map.get_mut(&address)
                .and_then(|t| t.locked_for(now, MAX_FAILURES_PER_ADDRESS))
        });
        account.max(address)
    }

    pub fn record_failure(&self, username: &str, address: IpAddr, now: i64) {
        if let Ok(mut map) = self.accounts.lock() {
            if map.len() > 100_000 {
                map.retain(|_, t| !t.is_empty(now));
            }
            map.entry(username.to_string())
                .or_default()
                .record_failure(now);
        }
        if let Ok(mut map) = self.addresses.lock() {
            if map.len() > 100_000 {
                map.retain(|_, t| !t.is_empty(now));
            }
            map.entry(address).or_default().record_failure(now);
        }
    }

    pub fn forget_account(&self, username: &str) {
        if let Ok(mut map) = self.accounts.lock() {
            map.remove(username);
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
        assert!(CookiePolicy { secure: true }
            .session_cookie("t")
            .ends_with("; Secure"));
        assert!(CookiePolicy::default()
            .cleared_cookie()
            .contains("Max-Age=0"));
    }

    #[test]
    fn throttle_locks_an_account_after_five_failures_from_anywhere() {
        let throttle = SignInThrottle::default();
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for i in 0..5 {
            assert_eq!(
                throttle.locked_for("ann", if i % 2 == 0 { a } else { b }, i),
                None
            );
            throttle.record_failure("ann", if i % 2 == 0 { a } else { b }, i);
        }
        assert!(throttle.locked_for("ann", a, 10).is_some());
        assert_eq!(
            throttle.locked_for("bob", a, 10),
            None,
            "other accounts from the same address still may"
        );
        throttle.forget_account("ann");
        assert_eq!(throttle.locked_for("ann", a, 10), None);
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
