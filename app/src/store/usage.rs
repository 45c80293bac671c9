//! When each secret was last used and failed authentications, collected in memory on the API's hot
//! path and written every few seconds ([`Store::flush_usage`]), never once per request.
//!
//! What is pending is bounded by the number of properties: a use is kept per secret generation, a
//! failure only for a client id that exists, so a caller guessing ids cannot grow it.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Mutex;

use sqlx::Row;

use super::properties::PropertyRecord;
use super::{Store, StoreError};
use crate::domain::usage::{
    failure_bucket, first_bucket_in_window, SecretSlot, SecretUsage, SecretUse,
};

/// Pending uses and failures, not yet written.
#[derive(Debug, Default)]
pub struct UsageLog {
    pending: Mutex<Pending>,
}

#[derive(Debug, Default)]
struct Pending {
    /// The last use of each (client id, secret generation).
    uses: HashMap<(String, i64), Used>,
    failures: HashMap<String, Failures>,
}

#[derive(Clone, Copy, Debug)]
struct Used {
    at: i64,
    from: IpAddr,
}

#[derive(Debug, Default)]
struct Failures {
    /// Count per hour bucket.
    per_hour: BTreeMap<i64, u64>,
    last: Option<Used>,
}

impl Used {
    fn later(self, other: Option<Used>) -> Used {
        match other {
            Some(other) if other.at > self.at => other,
            _ => self,
        }
    }

    fn to_use(self) -> SecretUse {
        SecretUse {
            at: self.at,
            from: self.from.to_string(),
        }
    }
}

/// What one flush wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlushCounts {
    pub uses: usize,
    pub failures: usize,
}

impl UsageLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        // A panic while holding the lock leaves plain data behind: keep counting.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record_use(&self, client_id: &str, generation: i64, at: i64, from: IpAddr) {
        let mut pending = self.lock();
        let used = Used { at, from };
        pending
            .uses
            .entry((client_id.to_string(), generation))
            .and_modify(|slot| *slot = used.later(Some(*slot)))
            .or_insert(used);
    }

    fn record_failure(&self, client_id: &str, at: i64, from: IpAddr) {
        let mut pending = self.lock();
        let failures = pending.failures.entry(client_id.to_string()).or_default();
        *failures.per_hour.entry(failure_bucket(at)).or_default() += 1;
        failures.last = Some(Used { at, from }.later(failures.last));
    }

    fn take(&self) -> Pending {
        std::mem::take(&mut *self.lock())
    }

    /// Puts back what a failed flush could not write (newer entries since then win).
    fn restore(&self, old: Pending) {
        let mut pending = self.lock();
        for (key, used) in old.uses {
            let merged = match pending.uses.get(&key) {
                Some(newer) => newer.later(Some(used)),
                None => used,
            };
            pending.uses.insert(key, merged);
        }
        for (client_id, old) in old.failures {
            let failures = pending.failures.entry(client_id).or_default();
            for (hour, count) in old.per_hour {
                *failures.per_hour.entry(hour).or_default() += count;
            }
            failures.last = match (failures.last, old.last) {
                (Some(a), b) => Some(a.later(b)),
                (None, b) => b,
            };
        }
    }

    /// What is pending for one client, to add to what is stored.
    fn pending_for(&self, client_id: &str) -> PendingForClient {
        let pending = self.lock();
        let failures = pending.failures.get(client_id);
        PendingForClient {
            uses: pending
                .uses
                .iter()
                .filter(|((id, _), _)| id == client_id)
                .map(|((_, generation), used)| (*generation, *used))
                .collect(),
            failures_per_hour: failures
                .map(|f| f.per_hour.iter().map(|(h, c)| (*h, *c)).collect())
                .unwrap_or_default(),
            last_failure: failures.and_then(|f| f.last),
        }
    }
}

/// One client's pending uses (by secret generation) and failures (by hour).
struct PendingForClient {
    uses: Vec<(i64, Used)>,
    failures_per_hour: Vec<(i64, u64)>,
    last_failure: Option<Used>,
}

impl Store {
    /// Notes that `slot` of `record` authenticated a request from `from` at `at`. In memory only.
    pub fn record_secret_use(
        &self,
        record: &PropertyRecord,
        slot: SecretSlot,
        at: i64,
        from: IpAddr,
    ) {
        self.usage.record_use(
            &record.client_id,
            slot.generation(record.secret_generation),
            at,
            from,
        );
    }

    /// Notes a failed authentication naming `client_id`, an existing client. In memory only.
    pub fn record_failed_authentication(&self, client_id: &str, at: i64, from: IpAddr) {
        self.usage.record_failure(client_id, at, from);
    }

    /// Writes what is pending in one transaction, and prunes failure counts older than the window
    /// ending at `now`. A use is written to the slot its secret holds now (a reset since moved it
    /// to previous; a second reset dropped it). It bumps no version and evicts no cached
    /// credentials: usage is not an edit. On failure what was taken is put back.
    pub async fn flush_usage(&self, now: i64) -> Result<FlushCounts, StoreError> {
        self.write_pending_usage(Some(first_bucket_in_window(now)))
            .await
    }

    /// Writes what is pending; with `prune_before`, drops failure counts of older hours.
    pub(super) async fn write_pending_usage(
        &self,
        prune_before: Option<i64>,
    ) -> Result<FlushCounts, StoreError> {
        let pending = self.usage.take();
        if pending.uses.is_empty() && pending.failures.is_empty() {
            return Ok(FlushCounts::default());
        }
        match self.write_usage(&pending, prune_before).await {
            Ok(counts) => Ok(counts),
            Err(error) => {
                self.usage.restore(pending);
                Err(error)
            }
        }
    }

    async fn write_usage(
        &self,
        pending: &Pending,
        prune_before: Option<i64>,
    ) -> Result<FlushCounts, StoreError> {
        let mut tx = self.begin_write().await?;
        for ((client_id, generation), used) in &pending.uses {
            let from = used.from.to_string();
            for (column, generation_now) in
                [("secret", *generation), ("previous_secret", generation + 1)]
            {
                sqlx::query(&format!(
                    "UPDATE properties SET {column}_last_used_at = ?1, {column}_last_used_from = ?2 \
                     WHERE client_id = ?3 AND secret_generation = ?4 \
                     AND ({column}_last_used_at IS NULL OR {column}_last_used_at <= ?1)"
                ))
                .bind(used.at)
                .bind(&from)
                .bind(client_id)
                .bind(generation_now)
                .execute(&mut *tx)
                .await?;
            }
        }
        for (client_id, failures) in &pending.failures {
            for (hour, count) in &failures.per_hour {
                // A client deleted since is skipped: the insert selects from its row.
                sqlx::query(
                    "INSERT INTO failed_authentications (client_id, hour, count) \
                     SELECT client_id, ?2, ?3 FROM properties WHERE client_id = ?1 \
                     ON CONFLICT (client_id, hour) DO UPDATE SET count = count + excluded.count",
                )
                .bind(client_id)
                .bind(hour)
                .bind(*count as i64)
                .execute(&mut *tx)
                .await?;
            }
            if let Some(last) = failures.last {
                sqlx::query(
                    "UPDATE properties SET last_failed_auth_at = ?1, last_failed_auth_from = ?2 \
                     WHERE client_id = ?3 AND (last_failed_auth_at IS NULL OR last_failed_auth_at <= ?1)",
                )
                .bind(last.at)
                .bind(last.from.to_string())
                .bind(client_id)
                .execute(&mut *tx)
                .await?;
            }
        }
        if let Some(hour) = prune_before {
            sqlx::query("DELETE FROM failed_authentications WHERE hour < ?")
                .bind(hour)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(FlushCounts {
            uses: pending.uses.len(),
            failures: pending.failures.len(),
        })
    }

    /// When the property's secrets were last used and its recent failures, as stored plus what is
    /// still pending, so the page is current without waiting for a flush.
    pub async fn secret_usage(
        &self,
        client_id: &str,
        now: i64,
    ) -> Result<Option<SecretUsage>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT secret_generation, secret_reset_at, \
             secret_last_used_at, secret_last_used_from, \
             previous_secret_last_used_at, previous_secret_last_used_from, \
             last_failed_auth_at, last_failed_auth_from, \
             (SELECT COALESCE(SUM(count), 0) FROM failed_authentications f \
              WHERE f.client_id = properties.client_id AND f.hour >= ?2) AS recent_failures \
             FROM properties WHERE client_id = ?1",
        )
        .bind(client_id)
        .bind(first_bucket_in_window(now))
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let stored = |at: &str, from: &str| -> Result<Option<SecretUse>, StoreError> {
            let at: Option<i64> = row.try_get(at)?;
            let from: Option<String> = row.try_get(from)?;
            Ok(at.map(|at| SecretUse {
                at,
                from: from.unwrap_or_default(),
            }))
        };
        let generation: i64 = row.try_get("secret_generation")?;
        let mut usage = SecretUsage {
            current: stored("secret_last_used_at", "secret_last_used_from")?,
            previous: stored(
                "previous_secret_last_used_at",
                "previous_secret_last_used_from",
            )?,
            reset_at: row.try_get("secret_reset_at")?,
            recent_failures: row.try_get::<i64, _>("recent_failures")?.max(0) as u64,
            last_failure: stored("last_failed_auth_at", "last_failed_auth_from")?,
        };
        let pending = self.usage.pending_for(client_id);
        for (used_generation, used) in pending.uses {
            if used_generation == generation {
                usage.current = SecretUse::latest(usage.current, Some(used.to_use()));
            } else if used_generation + 1 == generation {
                usage.previous = SecretUse::latest(usage.previous, Some(used.to_use()));
            }
        }
        let first = first_bucket_in_window(now);
        usage.recent_failures += pending
            .failures_per_hour
            .iter()
            .filter(|(hour, _)| *hour >= first)
            .map(|(_, count)| count)
            .sum::<u64>();
        usage.last_failure =
            SecretUse::latest(usage.last_failure, pending.last_failure.map(Used::to_use));
        Ok(Some(usage))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::properties::NewProperty;
    use sqlx::SqlitePool;

    const T: i64 = 1_700_000_000;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    async fn property(store: &Store) -> PropertyRecord {
        store
            .create_property(
                NewProperty {
                    name: "Shop".into(),
                    features: vec![],
                    whitelist: vec![],
                },
                T,
            )
            .await
            .unwrap()
    }

    async fn reload(store: &Store, client_id: &str) -> PropertyRecord {
        store.property(client_id).await.unwrap().unwrap()
    }

    fn at(at: i64, from: &str) -> Option<SecretUse> {
        Some(SecretUse {
            at,
            from: from.into(),
        })
    }

    #[sqlx::test]
    async fn uses_are_seen_before_and_after_the_flush(pool: SqlitePool) {
        let store = Store::from_pool(pool).await.unwrap();
        let record = property(&store).await;
        let usage = store
            .secret_usage(&record.client_id, T)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(usage, SecretUsage::default());

        store.record_secret_use(&record, SecretSlot::Current, T + 10, ip("10.0.4.7"));
        store.record_secret_use(&record, SecretSlot::Current, T + 5, ip("10.0.4.8"));
        let pending = store
            .secret_usage(&record.client_id, T + 20)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            pending.current,
            at(T + 10, "10.0.4.7"),
            "the later use wins"
        );

        let counts = store.flush_usage(T + 20).await.unwrap();
        assert_eq!(
            counts,
            FlushCounts {
                uses: 1,
                failures: 0
            }
        );
        let stored = store
            .secret_usage(&record.client_id, T + 20)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored, pending);
        assert_eq!(
            store.flush_usage(T + 21).await.unwrap(),
            FlushCounts::default()
        );

        // An older use flushed later does not overwrite a newer one.
        store.record_secret_use(&record, SecretSlot::Current, T + 1, ip("10.9.9.9"));
        store.flush_usage(T + 22).await.unwrap();
        let stored = store
            .secret_usage(&record.client_id, T + 22)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.current, at(T + 10, "10.0.4.7"));
        // Usage is not an edit.
        assert_eq!(
            reload(&store, &record.client_id).await.version,
            record.version
        );
    }

    #[sqlx::test]
    async fn a_reset_moves_the_last_use_to_the_previous_secret(pool: SqlitePool) {
        let store = Store::from_pool(pool).await.unwrap();
        let record = property(&store).await;
        store.record_secret_use(&record, SecretSlot::Current, T + 10, ip("10.0.4.7"));
        store.flush_usage(T + 10).await.unwrap();
        // A use counted just before the reset but written after it.
        store.record_secret_use(&record, SecretSlot::Current, T + 15, ip("10.0.4.8"));
        store
            .reset_secret(&record.client_id, 3600, T + 20)
            .await
            .unwrap();

        let usage = store
            .secret_usage(&record.client_id, T + 30)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(usage.current, None);
        assert_eq!(usage.reset_at, Some(T + 20));
        assert_eq!(usage.previous, at(T + 15, "10.0.4.8"));
        store.flush_usage(T + 30).await.unwrap();
        let usage = store
            .secret_usage(&record.client_id, T + 30)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            usage.current, None,
            "the old secret's use is not the new one's"
        );
        assert_eq!(usage.previous, at(T + 15, "10.0.4.8"));

        // After the reset, each slot is recorded on its own.
        let record = reload(&store, &record.client_id).await;
        assert_eq!(record.secret_generation, 1);
        store.record_secret_use(&record, SecretSlot::Previous, T + 40, ip("2001:db8::1"));
        store.record_secret_use(&record, SecretSlot::Current, T + 41, ip("10.0.0.1"));
        store.flush_usage(T + 41).await.unwrap();
        let usage = store
            .secret_usage(&record.client_id, T + 50)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(usage.previous, at(T + 40, "2001:db8::1"));
        assert_eq!(usage.current, at(T + 41, "10.0.0.1"));

        // A reset with no grace drops the previous secret and its use.
        store
            .reset_secret(&record.client_id, 0, T + 60)
            .await
            .unwrap();
        let usage = store
            .secret_usage(&record.client_id, T + 60)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((usage.current, usage.previous), (None, None));
    }

    #[sqlx::test]
    async fn failures_are_counted_over_the_last_24_hours(pool: SqlitePool) {
        let store = Store::from_pool(pool).await.unwrap();
        let record = property(&store).await;
        let id = &record.client_id;
        let day = 24 * 3600;
        store.record_failed_authentication(id, T, ip("203.0.113.1"));
        store.flush_usage(T).await.unwrap();
        for _ in 0..3 {
            store.record_failed_authentication(id, T + day - 10, ip("203.0.113.9"));
        }
        // Pending and stored together.
        let usage = store.secret_usage(id, T + day - 5).await.unwrap().unwrap();
        assert_eq!(usage.recent_failures, 4);
        assert_eq!(usage.last_failure, at(T + day - 10, "203.0.113.9"));
        store.flush_usage(T + day - 5).await.unwrap();
        let usage = store.secret_usage(id, T + day - 5).await.unwrap().unwrap();
        assert_eq!(usage.recent_failures, 4);
        // A day and an hour later the first failure has left the window, and is pruned.
        let later = T + day + 3600;
        let usage = store.secret_usage(id, later).await.unwrap().unwrap();
        assert_eq!(usage.recent_failures, 3);
        store.record_failed_authentication(id, later, ip("203.0.113.2"));
        store.flush_usage(later).await.unwrap();
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM failed_authentications")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(rows, 2);
        assert_eq!(
            store
                .secret_usage(id, later)
                .await
                .unwrap()
                .unwrap()
                .recent_failures,
            4
        );
    }

    #[sqlx::test]
    async fn usage_of_a_deleted_property_is_dropped(pool: SqlitePool) {
        let store = Store::from_pool(pool).await.unwrap();
        let record = property(&store).await;
        store.record_secret_use(&record, SecretSlot::Current, T, ip("10.0.0.1"));
        store.record_failed_authentication(&record.client_id, T, ip("10.0.0.2"));
        store.delete_property(&record.client_id).await.unwrap();
        assert_eq!(
            store.flush_usage(T).await.unwrap(),
            FlushCounts {
                uses: 1,
                failures: 1
            }
        );
        assert_eq!(
            store.secret_usage(&record.client_id, T).await.unwrap(),
            None
        );
    }
}
