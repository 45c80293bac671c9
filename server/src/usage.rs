//! Writes the secret uses and failed authentications the API collects in memory, every few
//! seconds while the server runs (and once more when the store closes).

use std::time::Duration;

use app::clock::Clock;
use app::store::Store;

/// How long a use may wait in memory: the most a crash can lose of it.
pub const FLUSH_EVERY: Duration = Duration::from_secs(5);

/// Flushes every [`FLUSH_EVERY`] for as long as the server runs.
pub fn spawn_flusher(store: Store, clock: Clock) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(FLUSH_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(error) = store.flush_usage(clock.now()).await {
                tracing::error!(%error, "could not write secret uses; will try again");
            }
        }
    });
}
