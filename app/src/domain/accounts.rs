//! Console accounts: roles and what they allow, username and password rules, session lifetimes,
//! the sign-in throttle and safe return addresses. Pure: time is passed in.

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a console request wants to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Permission {
    /// See properties, features, whitelists and settings (never secrets).
    Read,
    /// Create, change, copy and delete properties and settings.
    Write,
    /// See or copy a client secret.
    RevealSecret,
    /// Manage console accounts.
    ManageUsers,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Everything.
    Admin,
    /// Reads; never sees a secret; changes nothing.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Admin, Role::Viewer];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Viewer => "viewer",
        }
    }

    pub fn allows(&self, permission: Permission) -> bool {
        match self {
            Role::Admin => true,
            Role::Viewer => permission == Permission::Read,
        }
    }

    pub fn description(&self) -> &'static str {
        match self {
            Role::Admin => "Everything, including secrets and console accounts.",
            Role::Viewer => "Sees properties and settings; never sees a secret; changes nothing.",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Role::Admin),
            "viewer" => Ok(Role::Viewer),
            other => Err(format!("{other:?} is not a role; use admin or viewer")),
        }
    }
}

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 256;
pub const MAX_USERNAME_CHARS: usize = 64;
/// A password typed at sign-in longer than this is refused before it is hashed: no account has
/// one (see [`MAX_PASSWORD_CHARS`]), and hashing megabytes would cost the server, not the caller.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Usernames: 1-64 of a-z 0-9 . _ - @ (case-insensitive, stored lower-case). Only ASCII letters
/// are folded: Unicode lower-casing would turn look-alikes such as the Kelvin sign into `k`.
pub fn validate_username(raw: &str) -> Result<String, String> {
    let name = raw.trim().to_ascii_lowercase();
    if name.is_empty() {
        return Err("Enter a username.".into());
    }
    if name.chars().count() > MAX_USERNAME_CHARS {
        return Err(format!(
            "A username has at most {MAX_USERNAME_CHARS} characters."
        ));
    }
    if let Some(bad) = name.chars().find(|c| {
        !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '@'))
    }) {
        return Err(format!(
            "A username may contain letters, digits and . _ - @ only, not {bad:?}."
        ));
    }
    Ok(name)
}

/// Passwords: 12-256 characters; long beats clever.
pub fn validate_password(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "Use at least {MIN_PASSWORD_CHARS} characters (this one has {chars})."
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!("Use at most {MAX_PASSWORD_CHARS} characters."));
    }
    Ok(())
}

/// A session ends after this long without a request...
pub const SESSION_IDLE_SECS: i64 = 60 * 60;
/// ...and after this long in any case.
pub const SESSION_ABSOLUTE_SECS: i64 = 12 * 60 * 60;

pub fn session_alive(created_at: i64, last_seen_at: i64, now: i64) -> bool {
    now < created_at + SESSION_ABSOLUTE_SECS && now < last_seen_at + SESSION_IDLE_SECS
}

/// Every refused sign-in reads the same, whatever was wrong, so it tells a guesser nothing.
pub const SIGN_IN_REFUSED: &str = "The username or password is not correct.";

/// Where to go after signing in: only a path on this site, never another host.
pub fn safe_return_path(next: &str) -> String {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control())
        && !next.starts_with("/sign-in");
    if ok {
        next.to_string()
    } else {
        "/".to_string()
    }
}

/// Failed sign-ins remembered over a sliding window.
#[derive(Clone, Debug, Default)]
pub struct Throttle {
    failures: VecDeque<i64>,
}

pub const THROTTLE_WINDOW_SECS: i64 = 15 * 60;
/// Failures remembered per key; more change nothing (the delay is at its cap long before).
const MAX_REMEMBERED_FAILURES: usize = 128;

impl Throttle {
    fn forget_old(&mut self, now: i64) {
        while self
            .failures
            .front()
            .is_some_and(|t| *t <= now - THROTTLE_WINDOW_SECS)
        {
            self.failures.pop_front();
        }
    }

    /// Failures within the window.
    pub fn failures(&mut self, now: i64) -> usize {
        self.forget_old(now);
        self.failures.len()
    }

    pub fn record_failure(&mut self, now: i64) {
        self.forget_old(now);
        if self.failures.len() == MAX_REMEMBERED_FAILURES {
            self.failures.pop_front();
        }
        self.failures.push_back(now);
    }

    /// Takes back the most recent failure (an attempt counted in advance that succeeded).
    pub fn forget_last(&mut self) {
        self.failures.pop_back();
    }

    pub fn is_empty(&mut self, now: i64) -> bool {
        self.failures(now) == 0
    }
}

/// Failures of one account from one address that cost nothing extra.
const FREE_FAILURES: usize = 3;
/// The delay after the free failures, doubling with each further one...
const FIRST_DELAY_MS: u64 = 250;
/// ...up to this.
pub const MAX_SIGN_IN_DELAY_MS: u64 = 30_000;
/// An address's failures across all accounts count this much less than one account's.
const ADDRESS_FAILURES_PER_STEP: usize = 4;

/// How long a sign-in waits before its password is checked, given the failures within the window
/// of this account from this address, and of this address for any account. Sign-in is slowed,
/// never refused: the right password always gets in, so nobody can lock the administrator out.
pub fn sign_in_delay_ms(account_from_address: usize, from_address: usize) -> u64 {
    let steps = account_from_address.max(from_address / ADDRESS_FAILURES_PER_STEP);
    match steps.checked_sub(FREE_FAILURES) {
        None => 0,
        Some(doublings) => FIRST_DELAY_MS
            .saturating_mul(1u64 << doublings.min(20))
            .min(MAX_SIGN_IN_DELAY_MS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewers_only_read() {
        assert!(Role::Viewer.allows(Permission::Read));
        for p in [
            Permission::Write,
            Permission::RevealSecret,
            Permission::ManageUsers,
        ] {
            assert!(!Role::Viewer.allows(p));
            assert!(Role::Admin.allows(p));
        }
        assert_eq!("viewer".parse::<Role>().unwrap(), Role::Viewer);
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn usernames() {
        assert_eq!(
            validate_username("  Alice@Example.com ").unwrap(),
            "alice@example.com"
        );
        assert!(validate_username("").is_err());
        assert!(validate_username("bob smith").is_err());
        assert!(validate_username("bob<script>").is_err());
        assert!(validate_username(&"a".repeat(65)).is_err());
        assert!(validate_username(&"a".repeat(64)).is_ok());
        // A look-alike is refused, not folded into another account's name.
        assert!(validate_username("\u{212A}elvin").is_err());
        assert!(validate_username("ADMİN").is_err());
    }

    #[test]
    fn passwords() {
        assert!(validate_password("short").is_err());
        assert!(validate_password("exactly12chr").is_ok());
        assert!(validate_password("ünïcödé-pässwörd").is_ok());
        assert!(validate_password(&"x".repeat(257)).is_err());
    }

    #[test]
    fn sessions_end_when_idle_or_old() {
        assert!(session_alive(0, 0, SESSION_IDLE_SECS - 1));
        assert!(!session_alive(0, 0, SESSION_IDLE_SECS));
        let late = SESSION_ABSOLUTE_SECS - 10;
        assert!(session_alive(0, late - 5, late));
        assert!(!session_alive(
            0,
            SESSION_ABSOLUTE_SECS - 1,
            SESSION_ABSOLUTE_SECS
        ));
    }

    #[test]
    fn return_paths_stay_on_this_site() {
        assert_eq!(
            safe_return_path("/properties/abc?x=1"),
            "/properties/abc?x=1"
        );
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "",
            "javascript:alert(1)",
            "/sign-in?next=/",
        ] {
            assert_eq!(safe_return_path(bad), "/", "{bad}");
        }
    }

    #[test]
    fn throttle_counts_failures_within_the_window_and_is_bounded() {
        let mut throttle = Throttle::default();
        for t in 0..5 {
            throttle.record_failure(t);
        }
        assert_eq!(throttle.failures(10), 5);
        assert_eq!(
            throttle.failures(THROTTLE_WINDOW_SECS),
            4,
            "the first failure expired"
        );
        throttle.forget_last();
        assert_eq!(throttle.failures(THROTTLE_WINDOW_SECS), 3);
        assert!(!throttle.is_empty(THROTTLE_WINDOW_SECS + 2));
        assert!(throttle.is_empty(THROTTLE_WINDOW_SECS + 4));
        for t in 0..10_000 {
            throttle.record_failure(t / 100);
        }
        assert_eq!(throttle.failures(100), MAX_REMEMBERED_FAILURES);
    }

    #[test]
    fn sign_in_slows_down_with_failures_and_never_refuses() {
        assert_eq!(sign_in_delay_ms(0, 0), 0);
        assert_eq!(sign_in_delay_ms(FREE_FAILURES, 0), FIRST_DELAY_MS);
        assert_eq!(sign_in_delay_ms(FREE_FAILURES - 1, 0), 0);
        let delays: Vec<u64> = (0..40).map(|n| sign_in_delay_ms(n, 0)).collect();
        assert!(delays.windows(2).all(|w| w[0] <= w[1]), "{delays:?}");
        assert_eq!(
            sign_in_delay_ms(usize::MAX, usize::MAX),
            MAX_SIGN_IN_DELAY_MS
        );
        // An address guessing across many accounts is slowed too, four times more gently.
        assert_eq!(sign_in_delay_ms(0, 4 * FREE_FAILURES), FIRST_DELAY_MS);
        assert_eq!(sign_in_delay_ms(0, 4 * FREE_FAILURES - 1), 0);
    }
}
