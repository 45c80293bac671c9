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

/// Usernames: 1-64 of a-z 0-9 . _ - @ (case-insensitive, stored lower-case).
pub fn validate_username(raw: &str) -> Result<String, String> {
    let name = raw.trim().to_lowercase();
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

/// Failed sign-ins remembered over a sliding window; too many within it lock further tries.
#[derive(Clone, Debug, Default)]
pub struct Throttle {
    failures: VecDeque<i64>,
}

pub const THROTTLE_WINDOW_SECS: i64 = 15 * 60;
/// Failures allowed per account within the window.
pub const MAX_FAILURES_PER_ACCOUNT: usize = 5;
/// Failures allowed per address within the window (several people may share one).
pub const MAX_FAILURES_PER_ADDRESS: usize = 20;

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

    /// Seconds until another try is allowed, or None when allowed now.
    pub fn locked_for(&mut self, now: i64, limit: usize) -> Option<i64> {
        self.forget_old(now);
        if self.failures.len() >= limit {
            self.failures
                .front()
                .map(|oldest| oldest + THROTTLE_WINDOW_SECS - now)
        } else {
            None
        }
    }

    pub fn record_failure(&mut self, now: i64) {
        self.forget_old(now);
        self.failures.push_back(now);
    }

    pub fn is_empty(&mut self, now: i64) -> bool {
        self.forget_old(now);
        self.failures.is_empty()
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
    fn throttle_locks_after_the_limit_and_forgets_after_the_window() {
        let mut throttle = Throttle::default();
        for t in 0..5 {
            assert_eq!(throttle.locked_for(t, 5), None);
            throttle.record_failure(t);
        }
        assert_eq!(throttle.locked_for(10, 5), Some(THROTTLE_WINDOW_SECS - 10));
        assert_eq!(
            throttle.locked_for(THROTTLE_WINDOW_SECS, 5),
            None,
            "the first failure expired"
        );
        assert!(!throttle.is_empty(THROTTLE_WINDOW_SECS + 3));
        assert!(throttle.is_empty(THROTTLE_WINDOW_SECS + 4));
    }
}
