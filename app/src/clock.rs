//! The time source, injectable so tests can move past a secret's grace period without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// The machine's clock.
    #[default]
    System,
    /// A clock that only moves when told to (tests).
    Manual(Arc<AtomicI64>),
}

impl Clock {
    pub fn manual(start_unix: i64) -> Self {
        Clock::Manual(Arc::new(AtomicI64::new(start_unix)))
    }

    /// Unix seconds, UTC.
    pub fn now(&self) -> i64 {
        match self {
            Clock::System => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
            Clock::Manual(now) => now.load(Ordering::SeqCst),
        }
    }

    /// Moves a manual clock forward; the system clock ignores it.
    pub fn advance(&self, seconds: i64) {
        if let Clock::Manual(now) = self {
            now.fetch_add(seconds, Ordering::SeqCst);
        }
    }
}
