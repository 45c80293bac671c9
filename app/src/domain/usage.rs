//! When each client secret was last used, and failed authentications: the rules and the sentences
//! the property page shows, so an operator can tell when it is safe to expire a previous secret.

use serde::{Deserialize, Serialize};

/// Failed authentications are counted over this window ("in the last 24 hours").
pub const FAILURE_WINDOW_SECS: i64 = 24 * 3600;

/// Failures are stored per client and hour.
pub const FAILURE_BUCKET_SECS: i64 = 3600;

/// The bucket that `at` (unix seconds) counts in.
pub fn failure_bucket(at: i64) -> i64 {
    at.div_euclid(FAILURE_BUCKET_SECS)
}

/// The oldest bucket counted in the window that ends at `now`: the current hour and the 24 before
/// it, so no failure of the last 24 hours is missed (one up to 25 hours old may still count).
pub fn first_bucket_in_window(now: i64) -> i64 {
    failure_bucket(now) - FAILURE_WINDOW_SECS / FAILURE_BUCKET_SECS
}

/// Which of a client's secrets authenticated a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretSlot {
    Current,
    /// The previous secret, during its grace period.
    Previous,
}

impl SecretSlot {
    /// Secrets are numbered by generation: every reset makes a new one, and the previous secret of
    /// generation `g` is the secret of generation `g - 1`. A use is recorded against the secret's
    /// generation, so a use counted just before a reset lands on the secret that was used.
    pub fn generation(self, current_generation: i64) -> i64 {
        match self {
            SecretSlot::Current => current_generation,
            SecretSlot::Previous => current_generation - 1,
        }
    }
}

/// One moment a secret was used, and the caller's address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretUse {
    pub at: i64,
    pub from: String,
}

impl SecretUse {
    /// The later of two uses (either may be missing).
    pub fn latest(a: Option<SecretUse>, b: Option<SecretUse>) -> Option<SecretUse> {
        match (a, b) {
            (Some(a), Some(b)) => Some(if b.at >= a.at { b } else { a }),
            (a, b) => a.or(b),
        }
    }

    fn describe(&self, now: i64) -> String {
        format!("last used {} from {}", format_ago(now - self.at), self.from)
    }
}

/// What the property page says about a property's secrets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretUsage {
    /// The last request the current secret authenticated.
    pub current: Option<SecretUse>,
    /// The last request the previous secret authenticated, before or after the reset.
    pub previous: Option<SecretUse>,
    /// When the current secret was issued by a reset (none: it is the property's first).
    pub reset_at: Option<i64>,
    /// Failed authentications naming this client id in the last 24 hours.
    pub recent_failures: u64,
    /// The last failed authentication (whenever it was).
    pub last_failure: Option<SecretUse>,
}

impl SecretUsage {
    /// "Current secret: last used 3 minutes ago from 10.0.4.7", or never used (since the reset).
    pub fn current_sentence(&self, now: i64) -> String {
        match (&self.current, self.reset_at) {
            (Some(used), _) => format!("Current secret: {}.", used.describe(now)),
            (None, Some(_)) => "Current secret: never used since the reset.".into(),
            (None, None) => "Current secret: never used.".into(),
        }
    }

    /// "Previous secret: last used 3 minutes ago from 10.0.4.7", or "never used since the reset"
    /// when its last use came before the reset (then nothing still depends on it, as far as
    /// Gatehouse can tell). Times are whole seconds: a use in the second of the reset counts as
    /// after it, so the page never calls a secret unused when it may not be.
    pub fn previous_sentence(&self, now: i64) -> String {
        match (&self.previous, self.reset_at) {
            (Some(used), Some(reset)) if used.at >= reset => {
                format!("Previous secret: {}.", used.describe(now))
            }
            (Some(used), Some(_)) => format!(
                "Previous secret: never used since the reset (before it: {}).",
                used.describe(now)
            ),
            (Some(used), None) => format!("Previous secret: {}.", used.describe(now)),
            (None, _) => "Previous secret: never used since the reset.".into(),
        }
    }

    /// "2 failed attempts in the last 24 hours, last from 203.0.113.9 5 minutes ago".
    pub fn failures_sentence(&self, now: i64) -> String {
        let count = match self.recent_failures {
            0 => return "No failed attempts in the last 24 hours.".into(),
            1 => "1 failed attempt".to_string(),
            n => format!("{n} failed attempts"),
        };
        match &self.last_failure {
            Some(last) => format!(
                "{count} in the last 24 hours, last from {} {}.",
                last.from,
                format_ago(now - last.at)
            ),
            None => format!("{count} in the last 24 hours."),
        }
    }
}

/// "just now", "3 minutes ago", "1 hour ago", "2 days ago": how long ago, roughly.
pub fn format_ago(seconds: i64) -> String {
    let s = seconds.max(0);
    let (amount, unit) = match s {
        0..=9 => return "just now".into(),
        10..=59 => (s, "second"),
        60..=3599 => (s / 60, "minute"),
        3600..=86_399 => (s / 3600, "hour"),
        _ => (s / 86_400, "day"),
    };
    if amount == 1 {
        format!("1 {unit} ago")
    } else {
        format!("{amount} {unit}s ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn used(at: i64, from: &str) -> Option<SecretUse> {
        Some(SecretUse {
            at,
            from: from.into(),
        })
    }

    #[test]
    fn ago_reads_naturally_at_every_boundary() {
        let cases = [
            (-5, "just now"),
            (0, "just now"),
            (9, "just now"),
            (10, "10 seconds ago"),
            (59, "59 seconds ago"),
            (60, "1 minute ago"),
            (179, "2 minutes ago"),
            (3599, "59 minutes ago"),
            (3600, "1 hour ago"),
            (86_399, "23 hours ago"),
            (86_400, "1 day ago"),
            (3 * 86_400 + 5, "3 days ago"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(format_ago(seconds), expected, "{seconds}");
        }
    }

    #[test]
    fn a_use_is_counted_against_the_generation_of_the_secret_used() {
        assert_eq!(SecretSlot::Current.generation(4), 4);
        assert_eq!(SecretSlot::Previous.generation(4), 3);
    }

    #[test]
    fn the_later_use_wins() {
        assert_eq!(SecretUse::latest(used(5, "a"), used(7, "b")), used(7, "b"));
        assert_eq!(SecretUse::latest(used(7, "a"), used(5, "b")), used(7, "a"));
        assert_eq!(SecretUse::latest(None, used(5, "b")), used(5, "b"));
        assert_eq!(SecretUse::latest(used(5, "a"), None), used(5, "a"));
        assert_eq!(SecretUse::latest(None, None), None);
    }

    #[test]
    fn buckets_cover_the_last_24_hours() {
        for now in [1_000_000, 1_000_000 + 3599, 1_700_000_000] {
            let first = first_bucket_in_window(now);
            assert!(failure_bucket(now - FAILURE_WINDOW_SECS) >= first, "{now}");
            assert!(failure_bucket(now - FAILURE_WINDOW_SECS - FAILURE_BUCKET_SECS) < first);
        }
        assert_eq!(failure_bucket(3599), 0);
        assert_eq!(failure_bucket(3600), 1);
        assert_eq!(failure_bucket(-1), -1);
    }

    #[test]
    fn the_current_secret_says_whether_it_was_used_and_since_when() {
        let now = 10_000;
        let mut usage = SecretUsage::default();
        assert_eq!(usage.current_sentence(now), "Current secret: never used.");
        usage.reset_at = Some(9_000);
        assert_eq!(
            usage.current_sentence(now),
            "Current secret: never used since the reset."
        );
        usage.current = used(now - 180, "10.0.4.7");
        assert_eq!(
            usage.current_sentence(now),
            "Current secret: last used 3 minutes ago from 10.0.4.7."
        );
    }

    #[test]
    fn the_previous_secret_tells_uses_after_the_reset_from_uses_before_it() {
        let now = 10_000;
        let mut usage = SecretUsage {
            reset_at: Some(9_000),
            ..Default::default()
        };
        assert_eq!(
            usage.previous_sentence(now),
            "Previous secret: never used since the reset."
        );
        usage.previous = used(8_000, "10.0.4.7");
        assert_eq!(
            usage.previous_sentence(now),
            "Previous secret: never used since the reset (before it: last used 33 minutes ago from 10.0.4.7)."
        );
        usage.previous = used(8_999, "10.0.4.7");
        assert!(usage
            .previous_sentence(now)
            .contains("never used since the reset"));
        usage.previous = used(9_000, "2001:db8::1");
        assert_eq!(
            usage.previous_sentence(now),
            "Previous secret: last used 16 minutes ago from 2001:db8::1."
        );
    }

    #[test]
    fn failures_are_counted_with_the_last_address() {
        let now = 10_000;
        let mut usage = SecretUsage::default();
        assert_eq!(
            usage.failures_sentence(now),
            "No failed attempts in the last 24 hours."
        );
        usage.recent_failures = 1;
        usage.last_failure = used(now - 300, "203.0.113.9");
        assert_eq!(
            usage.failures_sentence(now),
            "1 failed attempt in the last 24 hours, last from 203.0.113.9 5 minutes ago."
        );
        usage.recent_failures = 12;
        assert_eq!(
            usage.failures_sentence(now),
            "12 failed attempts in the last 24 hours, last from 203.0.113.9 5 minutes ago."
        );
    }
}
