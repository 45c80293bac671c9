//! Rate limits of the Capture API (SPEC 2.3, code 510): a token bucket per authenticated client,
//! and one per source address for failed authentications. An address over its failure budget is
//! refused before any authentication work until the bucket has refilled.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::clock::Clock as _;
use governor::{DefaultKeyedRateLimiter, Quota};

use super::error::ApiError;

/// Requests per second and burst per client (`--api-rate-limit`). `0` turns the limits off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub per_second: u32,
    pub burst: u32,
}

impl RateLimit {
    /// A busy integration never meets it; a runaway loop does within seconds.
    pub const DEFAULT: RateLimit = RateLimit {
        per_second: 100,
        burst: 200,
    };
    pub const OFF: RateLimit = RateLimit {
        per_second: 0,
        burst: 0,
    };
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit::DEFAULT
    }
}

impl std::fmt::Display for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.per_second == 0 {
            write!(f, "0")
        } else {
            write!(f, "{},{}", self.per_second, self.burst)
        }
    }
}

impl FromStr for RateLimit {
    type Err = String;

    /// `RATE` (burst twice the rate), `RATE,BURST`, or `0` (off).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let number = |part: &str, what: &str| {
            part.trim()
                .parse::<u32>()
                .map_err(|_| format!("{what} must be a whole number, not {:?}", part.trim()))
        };
        let (rate, burst) = match text.split_once(',') {
            Some((rate, burst)) => (number(rate, "the rate")?, Some(number(burst, "the burst")?)),
            None => (number(text, "the rate")?, None),
        };
        if rate == 0 {
            return Ok(RateLimit::OFF);
        }
        let burst = burst.unwrap_or(rate.saturating_mul(2));
        if burst == 0 {
            return Err("the burst must be at least 1".into());
        }
        Ok(RateLimit {
            per_second: rate,
            burst,
        })
    }
}

/// Failed authentications allowed from one address: this many at once...
const FAILURE_BURST: u32 = 30;
/// ...then one per this many milliseconds.
const FAILURE_REFILL_MS: u64 = 1_000;
/// Past this many tracked keys, forget the ones whose buckets are full again.
const PRUNE_ABOVE: usize = 50_000;

/// The API's rate limiters, shared by every request.
#[derive(Clone, Debug)]
pub struct ApiLimits {
    inner: Option<Arc<Limiters>>,
}

#[derive(Debug)]
struct Limiters {
    limit: RateLimit,
    clients: DefaultKeyedRateLimiter<String>,
    failures: DefaultKeyedRateLimiter<IpAddr>,
    /// Addresses over their failure budget, and until when.
    blocked: Mutex<HashMap<IpAddr, Instant>>,
}

impl Default for ApiLimits {
    fn default() -> Self {
        ApiLimits::new(RateLimit::DEFAULT)
    }
}

impl ApiLimits {
    pub fn new(limit: RateLimit) -> ApiLimits {
        let (Some(rate), Some(burst)) = (
            NonZeroU32::new(limit.per_second),
            NonZeroU32::new(limit.burst),
        ) else {
            return ApiLimits { inner: None };
        };
        let failure_quota = Quota::with_period(Duration::from_millis(FAILURE_REFILL_MS))
            .map(|q| q.allow_burst(NonZeroU32::new(FAILURE_BURST).unwrap_or(NonZeroU32::MIN)))
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN));
        ApiLimits {
            inner: Some(Arc::new(Limiters {
                limit,
                clients: DefaultKeyedRateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
                failures: DefaultKeyedRateLimiter::keyed(failure_quota),
                blocked: Mutex::new(HashMap::new()),
            })),
        }
    }

    /// 510 while `address` is over its budget of failed authentications. Checked first, so such an
    /// address costs no parsing and no authentication.
    pub fn check_address(&self, address: IpAddr) -> Result<(), ApiError> {
        let Some(limits) = &self.inner else {
            return Ok(());
        };
        let Ok(mut blocked) = limits.blocked.lock() else {
            return Ok(());
        };
        match blocked.get(&address) {
            Some(until) if *until > Instant::now() => Err(ApiError::RateLimited(format!(
                "too many failed authentications from {address}; try again in {} seconds",
                until
                    .saturating_duration_since(Instant::now())
                    .as_secs()
                    .max(1)
            ))),
            Some(_) => {
                blocked.remove(&address);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Counts a failed authentication from `address`; past the budget the address is blocked.
    pub fn authentication_failed(&self, address: IpAddr) {
        let Some(limits) = &self.inner else {
            return;
        };
        if let Err(not_until) = limits.failures.check_key(&address) {
            let wait = not_until.wait_time_from(limits.failures.clock().now());
            if let Ok(mut blocked) = limits.blocked.lock() {
                if blocked.len() > PRUNE_ABOVE {
                    let now = Instant::now();
                    blocked.retain(|_, until| *until > now);
                }
                blocked.insert(address, Instant::now() + wait);
            }
            tracing::warn!(%address, "API: too many failed authentications; address blocked for {} ms", wait.as_millis());
        }
        if limits.failures.len() > PRUNE_ABOVE {
            limits.failures.retain_recent();
        }
    }

    /// 510 when `client_id` is over its rate.
    pub fn check_client(&self, client_id: &str) -> Result<(), ApiError> {
        let Some(limits) = &self.inner else {
            return Ok(());
        };
        let key = client_id.to_string();
        if limits.clients.len() > PRUNE_ABOVE {
            limits.clients.retain_recent();
        }
        limits.clients.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(limits.clients.clock().now());
            ApiError::RateLimited(format!(
                "this client made more than {} requests per second (burst {}); retry in {} ms",
                limits.limit.per_second,
                limits.limit.burst,
                wait.as_millis().max(1)
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_parse() {
        assert_eq!("0".parse::<RateLimit>(), Ok(RateLimit::OFF));
        assert_eq!(
            "10".parse::<RateLimit>(),
            Ok(RateLimit {
                per_second: 10,
                burst: 20
            })
        );
        assert_eq!(
            " 5 , 7 ".parse::<RateLimit>(),
            Ok(RateLimit {
                per_second: 5,
                burst: 7
            })
        );
        assert!("5,0".parse::<RateLimit>().is_err());
        assert!("fast".parse::<RateLimit>().is_err());
        assert!("-1".parse::<RateLimit>().is_err());
        assert_eq!(
            RateLimit::DEFAULT.to_string().parse::<RateLimit>(),
            Ok(RateLimit::DEFAULT)
        );
    }

    #[test]
    fn a_client_over_its_burst_is_refused_and_others_are_not() {
        let limits = ApiLimits::new(RateLimit {
            per_second: 1,
            burst: 3,
        });
        for _ in 0..3 {
            limits.check_client("a").unwrap();
        }
        let refused = limits.check_client("a").unwrap_err();
        assert_eq!(refused.code(), 510);
        limits.check_client("b").unwrap();
    }

    #[test]
    fn an_address_with_too_many_failures_is_blocked_and_others_are_not() {
        let limits = ApiLimits::new(RateLimit::DEFAULT);
        let (bad, good): (IpAddr, IpAddr) =
            ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for _ in 0..FAILURE_BURST {
            limits.check_address(bad).unwrap();
            limits.authentication_failed(bad);
        }
        limits.check_address(bad).unwrap();
        limits.authentication_failed(bad);
        assert_eq!(limits.check_address(bad).unwrap_err().code(), 510);
        limits.check_address(good).unwrap();
    }

    #[test]
    fn off_means_off() {
        let limits = ApiLimits::new(RateLimit::OFF);
        let address: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..1000 {
            limits.check_client("a").unwrap();
            limits.authentication_failed(address);
        }
        limits.check_address(address).unwrap();
    }
}
