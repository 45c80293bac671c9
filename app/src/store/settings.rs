//! SQL for settings: the global ("default") scope and each property's own scope.
//!
//! Writes that must report whether a key existed try an UPDATE first and INSERT only when nothing
//! was updated: the transaction starts with a write, so concurrent writers wait their turn.

use std::collections::BTreeMap;

use sqlx::{Sqlite, Transaction};

use super::{Store, StoreError};

pub type SettingsMap = BTreeMap<String, String>;

/// Every setting of both scopes (`/settings/get_all`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllSettings {
    pub global: SettingsMap,
    pub by_property: BTreeMap<String, SettingsMap>,
}

/// Where a settings write goes.
#[derive(Clone, Copy, Debug)]
pub enum Scope<'a> {
    Global,
    Property(&'a str),
}

impl Store {
    pub async fn global_settings(&self) -> Result<SettingsMap, StoreError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT key, value FROM global_settings ORDER BY key")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().collect())
    }

    pub async fn property_settings(&self, client_id: &str) -> Result<SettingsMap, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT key, value FROM property_settings WHERE client_id = ? ORDER BY key",
        )
        .bind(client_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    pub async fn global_setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM global_settings WHERE key = ?")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The value the property sees: its own, else the global one.
    pub async fn effective_setting(
        &self,
        client_id: &str,
        key: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT coalesce((SELECT value FROM property_settings WHERE client_id = ?1 AND key = ?2), \
                             (SELECT value FROM global_settings WHERE key = ?2))",
        )
        .bind(client_id)
        .bind(key)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Every key the property sees with its effective value.
    pub async fn effective_settings(&self, client_id: &str) -> Result<SettingsMap, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT key, value FROM property_settings WHERE client_id = ?1 \
             UNION ALL SELECT key, value FROM global_settings g \
             WHERE NOT EXISTS (SELECT 1 FROM property_settings p WHERE p.client_id = ?1 AND p.key = g.key)",
        )
        .bind(client_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    pub async fn all_settings(&self) -> Result<AllSettings, StoreError> {
        let global = self.global_settings().await?;
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT client_id, key, value FROM property_settings ORDER BY client_id, key",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut by_property: BTreeMap<String, SettingsMap> = BTreeMap::new();
        for (client_id, key, value) in rows {
            by_property.entry(client_id).or_default().insert(key, value);
        }
        Ok(AllSettings {
            global,
            by_property,
        })
    }

    /// Sets one key; `true` when it overwrote a value of that scope, `false` when it created one.
    pub async fn set_setting(
        &self,
        scope: Scope<'_>,
        key: &str,
        value: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let existed = upsert(&mut tx, scope, key, value, now).await?;
        tx.commit().await?;
        Ok(existed)
    }

    /// Sets several keys in one transaction: all or nothing. Returns key -> overwritten.
    pub async fn set_settings(
        &self,
        scope: Scope<'_>,
        items: &SettingsMap,
        now: i64,
    ) -> Result<BTreeMap<String, bool>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut results = BTreeMap::new();
        for (key, value) in items {
            results.insert(key.clone(), upsert(&mut tx, scope, key, value, now).await?);
        }
        tx.commit().await?;
        Ok(results)
    }

    /// Deletes one key of that scope only; `true` when it existed. Never touches the other scope.
    pub async fn delete_setting(&self, scope: Scope<'_>, key: &str) -> Result<bool, StoreError> {
        let result = match scope {
            Scope::Global => sqlx::query("DELETE FROM global_settings WHERE key = ?").bind(key),
            Scope::Property(client_id) => {
                sqlx::query("DELETE FROM property_settings WHERE client_id = ? AND key = ?")
                    .bind(client_id)
                    .bind(key)
            }
        }
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() > 0)
    }

    /// Replaces a scope's settings with `settings` in one transaction (the console's "Save Changes").
    /// Returns how many keys were added, changed and removed.
    pub async fn replace_settings(
        &self,
        scope: Scope<'_>,
        settings: &SettingsMap,
        now: i64,
    ) -> Result<SettingsDiff, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Touch the scope first so the transaction holds the write lock before it reads.
        match scope {
            Scope::Global => sqlx::query("UPDATE global_settings SET key = key WHERE 0"),
            Scope::Property(id) => {
                sqlx::query("UPDATE properties SET updated_at = updated_at WHERE client_id = ?")
                    .bind(id)
            }
        }
        .execute(&mut *tx)
        .await?;
        let current: Vec<(String, String)> = match scope {
            Scope::Global => sqlx::query_as("SELECT key, value FROM global_settings"),
            Scope::Property(id) => {
                sqlx::query_as("SELECT key, value FROM property_settings WHERE client_id = ?")
                    .bind(id)
            }
        }
        .fetch_all(&mut *tx)
        .await?;
        let current: SettingsMap = current.into_iter().collect();
        let mut diff = SettingsDiff::default();
        for key in current.keys().filter(|k| !settings.contains_key(*k)) {
            match scope {
                Scope::Global => sqlx::query("DELETE FROM global_settings WHERE key = ?").bind(key),
                Scope::Property(id) => {
                    sqlx::query("DELETE FROM property_settings WHERE client_id = ? AND key = ?")
                        .bind(id)
                        .bind(key)
                }
            }
            .execute(&mut *tx)
            .await?;
            diff.removed += 1;
        }
        for (key, value) in settings {
            match current.get(key) {
                Some(old) if old == value => continue,
                Some(_) => diff.changed += 1,
                None => diff.added += 1,
            }
            upsert(&mut tx, scope, key, value, now).await?;
        }
        tx.commit().await?;
        Ok(diff)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SettingsDiff {
    pub added: u32,
    pub changed: u32,
    pub removed: u32,
}

async fn upsert(
    tx: &mut Transaction<'_, Sqlite>,
    scope: Scope<'_>,
    key: &str,
    value: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let updated = match scope {
        Scope::Global => sqlx::query("UPDATE global_settings SET value = ?, updated_at = ? WHERE key = ?")
            .bind(value)
            .bind(now)
            .bind(key),
        Scope::Property(id) => {
            sqlx::query("UPDATE property_settings SET value = ?, updated_at = ? WHERE client_id = ? AND key = ?")
                .bind(value)
                .bind(now)
                .bind(id)
                .bind(key)
        }
    }
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() > 0 {
        return Ok(true);
    }
    match scope {
        Scope::Global => {
            sqlx::query("INSERT INTO global_settings (key, value, updated_at) VALUES (?, ?, ?)")
                .bind(key)
                .bind(value)
                .bind(now)
        }
        Scope::Property(id) => sqlx::query(
            "INSERT INTO property_settings (client_id, key, value, updated_at) VALUES (?, ?, ?, ?)",
        )
        .bind(id)
        .bind(key)
        .bind(value)
        .bind(now),
    }
    .execute(&mut **tx)
    .await?;
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::properties::NewProperty;
    use sqlx::SqlitePool;

    async fn with_property(pool: SqlitePool) -> (Store, String) {
        let store = Store::from_pool(pool).await.unwrap();
        let record = store
            .create_property(
                NewProperty {
                    name: "P".into(),
                    features: vec![],
                    whitelist: vec![],
                },
                1,
            )
            .await
            .unwrap();
        (store, record.client_id)
    }

    fn map(pairs: &[(&str, &str)]) -> SettingsMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[sqlx::test(migrations = false)]
    async fn effective_values_prefer_the_property(pool: SqlitePool) {
        let (store, id) = with_property(pool).await;
        assert_eq!(store.effective_setting(&id, "k").await.unwrap(), None);
        assert!(!store
            .set_setting(Scope::Global, "k", "global", 1)
            .await
            .unwrap());
        assert_eq!(
            store.effective_setting(&id, "k").await.unwrap().as_deref(),
            Some("global")
        );
        assert!(!store
            .set_setting(Scope::Property(&id), "k", "mine", 1)
            .await
            .unwrap());
        assert!(store
            .set_setting(Scope::Property(&id), "k", "mine2", 1)
            .await
            .unwrap());
        assert_eq!(
            store.effective_setting(&id, "k").await.unwrap().as_deref(),
            Some("mine2")
        );
        assert_eq!(
            store.effective_settings(&id).await.unwrap(),
            map(&[("k", "mine2")])
        );
        assert!(store
            .delete_setting(Scope::Property(&id), "k")
            .await
            .unwrap());
        assert_eq!(
            store.effective_setting(&id, "k").await.unwrap().as_deref(),
            Some("global")
        );
        assert!(!store
            .delete_setting(Scope::Property(&id), "k")
            .await
            .unwrap());
    }

    #[sqlx::test(migrations = false)]
    async fn replace_settings_reports_the_difference(pool: SqlitePool) {
        let (store, id) = with_property(pool).await;
        store
            .set_settings(
                Scope::Property(&id),
                &map(&[("a", "1"), ("b", "2"), ("c", "3")]),
                1,
            )
            .await
            .unwrap();
        let diff = store
            .replace_settings(
                Scope::Property(&id),
                &map(&[("a", "1"), ("b", "20"), ("d", "4")]),
                2,
            )
            .await
            .unwrap();
        assert_eq!(
            diff,
            SettingsDiff {
                added: 1,
                changed: 1,
                removed: 1
            }
        );
        assert_eq!(
            store.property_settings(&id).await.unwrap(),
            map(&[("a", "1"), ("b", "20"), ("d", "4")])
        );
        let diff = store
            .replace_settings(Scope::Global, &map(&[("g", "1")]), 3)
            .await
            .unwrap();
        assert_eq!(
            diff,
            SettingsDiff {
                added: 1,
                changed: 0,
                removed: 0
            }
        );
        assert_eq!(
            store.property_settings(&id).await.unwrap().len(),
            3,
            "other scope untouched"
        );
    }

    #[sqlx::test(migrations = false)]
    async fn deleting_a_property_deletes_its_settings(pool: SqlitePool) {
        let (store, id) = with_property(pool).await;
        store
            .set_setting(Scope::Property(&id), "k", "v", 1)
            .await
            .unwrap();
        store.delete_property(&id).await.unwrap();
        assert!(store.all_settings().await.unwrap().by_property.is_empty());
    }
}
