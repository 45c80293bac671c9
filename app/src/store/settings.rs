//! SQL for settings: the global ("default") scope and each property's own scope.
//!
//! Writes that must report whether a key existed try an UPDATE first and INSERT only when nothing
//! was updated: the transaction starts with a write, so concurrent writers wait their turn.

use std::collections::BTreeMap;

use sqlx::{Sqlite, Transaction};

use super::{Store, StoreError, Write};
use crate::domain::settings_edit::{SettingChange, SettingsDiff};

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
        let mut w = self.write().await?;
        let existed = w.set_setting(scope, key, value, now).await?;
        w.commit().await?;
        Ok(existed)
    }

    /// Sets several keys in one transaction: all or nothing. Returns key -> overwritten.
    pub async fn set_settings(
        &self,
        scope: Scope<'_>,
        items: &SettingsMap,
        now: i64,
    ) -> Result<BTreeMap<String, bool>, StoreError> {
        let mut w = self.write().await?;
        let results = w.set_settings(scope, items, now).await?;
        w.commit().await?;
        Ok(results)
    }

    pub async fn delete_setting(&self, scope: Scope<'_>, key: &str) -> Result<bool, StoreError> {
        let mut w = self.write().await?;
        let existed = w.delete_setting(scope, key).await?;
        w.commit().await?;
        Ok(existed)
    }

    pub async fn apply_setting_changes(
        &self,
        scope: Scope<'_>,
        changes: &[SettingChange],
        now: i64,
    ) -> Result<SettingsDiff, StoreError> {
        let mut w = self.write().await?;
        let diff = w.apply_setting_changes(scope, changes, now).await?;
        w.commit().await?;
        Ok(diff)
    }

    /// For each of `keys`, how many properties set their own value (the application settings
    /// page warns that deleting a global key leaves those in place).
    pub async fn override_counts(
        &self,
        keys: &[String],
    ) -> Result<BTreeMap<String, u32>, StoreError> {
        let keys_json = serde_json::json!(keys).to_string();
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT key, COUNT(*) FROM property_settings \
             WHERE key IN (SELECT value FROM json_each(?)) GROUP BY key",
        )
        .bind(keys_json)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(key, n)| (key, u32::try_from(n).unwrap_or(u32::MAX)))
            .collect())
    }
}

impl Write {
    /// How many settings of its own `client_id` holds, inside this write.
    pub async fn count_property_settings(&mut self, client_id: &str) -> Result<usize, StoreError> {
        let count: i64 =
            sqlx::query_scalar("SELECT count(*) FROM property_settings WHERE client_id = ?")
                .bind(client_id)
                .fetch_one(&mut *self.tx)
                .await?;
        Ok(usize::try_from(count).unwrap_or(usize::MAX))
    }

    /// The stored values of `keys` in `scope` (absent keys are left out), inside this write.
    pub async fn setting_values<'k>(
        &mut self,
        scope: Scope<'_>,
        keys: impl IntoIterator<Item = &'k str>,
    ) -> Result<SettingsMap, StoreError> {
        let keys_json = serde_json::Value::from(keys.into_iter().collect::<Vec<_>>()).to_string();
        let rows: Vec<(String, String)> = match scope {
            Scope::Global => sqlx::query_as(
                "SELECT key, value FROM global_settings WHERE key IN (SELECT value FROM json_each(?))",
            )
            .bind(keys_json),
            Scope::Property(id) => sqlx::query_as(
                "SELECT key, value FROM property_settings WHERE client_id = ? AND key IN (SELECT value FROM json_each(?))",
            )
            .bind(id)
            .bind(keys_json),
        }
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// Sets one key; `true` when it overwrote a value of that scope, `false` when it created one.
    pub async fn set_setting(
        &mut self,
        scope: Scope<'_>,
        key: &str,
        value: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        upsert(&mut self.tx, scope, key, value, now).await
    }

    /// Sets several keys. Returns key -> overwritten.
    pub async fn set_settings(
        &mut self,
        scope: Scope<'_>,
        items: &SettingsMap,
        now: i64,
    ) -> Result<BTreeMap<String, bool>, StoreError> {
        let mut results = BTreeMap::new();
        for (key, value) in items {
            results.insert(
                key.clone(),
                upsert(&mut self.tx, scope, key, value, now).await?,
            );
        }
        Ok(results)
    }

    /// Deletes one key of that scope only; `true` when it existed. Never touches the other scope.
    pub async fn delete_setting(
        &mut self,
        scope: Scope<'_>,
        key: &str,
    ) -> Result<bool, StoreError> {
        let result = match scope {
            Scope::Global => sqlx::query("DELETE FROM global_settings WHERE key = ?").bind(key),
            Scope::Property(client_id) => {
                sqlx::query("DELETE FROM property_settings WHERE client_id = ? AND key = ?")
                    .bind(client_id)
                    .bind(key)
            }
        }
        .execute(&mut *self.tx)
        .await?;
        Ok(result.rows_affected() > 0)
    }

    /// Applies the console's "Save Changes" in one transaction: all or nothing. Each change
    /// applies only while the stored value is still the one the page was loaded with; otherwise
    /// nothing is written and the error names every key someone else changed meanwhile.
    pub async fn apply_setting_changes(
        &mut self,
        scope: Scope<'_>,
        changes: &[SettingChange],
        now: i64,
    ) -> Result<SettingsDiff, StoreError> {
        let tx = &mut self.tx;
        // Write first so the transaction holds the write lock before it reads.
        let touched = match scope {
            Scope::Global => sqlx::query("UPDATE global_settings SET key = key WHERE 0"),
            Scope::Property(id) => {
                sqlx::query("UPDATE properties SET updated_at = updated_at WHERE client_id = ?")
                    .bind(id)
            }
        }
        .execute(&mut **tx)
        .await?;
        if matches!(scope, Scope::Property(_)) && touched.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let mut conflicts = Vec::new();
        for change in changes {
            let current: Option<String> = match scope {
                Scope::Global => {
                    sqlx::query_scalar("SELECT value FROM global_settings WHERE key = ?")
                        .bind(&change.key)
                }
                Scope::Property(id) => sqlx::query_scalar(
                    "SELECT value FROM property_settings WHERE client_id = ? AND key = ?",
                )
                .bind(id)
                .bind(&change.key),
            }
            .fetch_optional(&mut **tx)
            .await?;
            if current != change.expected {
                conflicts.push(change.key.clone());
            }
        }
        if !conflicts.is_empty() {
            return Err(StoreError::SettingsConflict { keys: conflicts });
        }
        let mut diff = SettingsDiff::default();
        for change in changes {
            match &change.new {
                Some(value) => {
                    upsert(tx, scope, &change.key, value, now).await?;
                }
                None => delete(tx, scope, &change.key).await?,
            }
            diff.count(change);
        }
        Ok(diff)
    }
}

async fn delete(
    tx: &mut Transaction<'_, Sqlite>,
    scope: Scope<'_>,
    key: &str,
) -> Result<(), StoreError> {
    match scope {
        Scope::Global => sqlx::query("DELETE FROM global_settings WHERE key = ?").bind(key),
        Scope::Property(id) => {
            sqlx::query("DELETE FROM property_settings WHERE client_id = ? AND key = ?")
                .bind(id)
                .bind(key)
        }
    }
    .execute(&mut **tx)
    .await?;
    Ok(())
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
    use crate::domain::settings_edit::settings_map as map;
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

    fn change(key: &str, expected: Option<&str>, new: Option<&str>) -> SettingChange {
        SettingChange {
            key: key.into(),
            expected: expected.map(Into::into),
            new: new.map(Into::into),
        }
    }

    #[sqlx::test(migrations = false)]
    async fn applied_changes_report_the_difference(pool: SqlitePool) {
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
            .apply_setting_changes(
                Scope::Property(&id),
                &[
                    change("b", Some("2"), Some("20")),
                    change("c", Some("3"), None),
                    change("d", None, Some("4")),
                ],
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
            .apply_setting_changes(Scope::Global, &[change("g", None, Some("1"))], 3)
            .await
            .unwrap();
        assert_eq!(diff.added, 1);
        assert_eq!(store.global_settings().await.unwrap(), map(&[("g", "1")]));
        assert_eq!(
            store.property_settings(&id).await.unwrap().len(),
            3,
            "other scope untouched"
        );
    }

    #[sqlx::test(migrations = false)]
    async fn a_stale_change_writes_nothing_and_names_the_keys(pool: SqlitePool) {
        let (store, id) = with_property(pool).await;
        store
            .set_settings(Scope::Property(&id), &map(&[("a", "1"), ("b", "2")]), 1)
            .await
            .unwrap();
        // Someone else changed b and created c after the page was loaded.
        let stale = store
            .apply_setting_changes(
                Scope::Property(&id),
                &[
                    change("a", Some("1"), Some("10")),
                    change("b", Some("old"), None),
                    change("c", None, Some("3")),
                ],
                2,
            )
            .await;
        match stale {
            Err(StoreError::SettingsConflict { keys }) => assert_eq!(keys, vec!["b"]),
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert_eq!(
            store.property_settings(&id).await.unwrap(),
            map(&[("a", "1"), ("b", "2")]),
            "nothing written"
        );
        store.set_setting(Scope::Global, "g", "x", 1).await.unwrap();
        let created_meanwhile = store
            .apply_setting_changes(Scope::Global, &[change("g", None, Some("y"))], 2)
            .await;
        assert!(matches!(
            created_meanwhile,
            Err(StoreError::SettingsConflict { .. })
        ));
        assert_eq!(
            store.global_setting("g").await.unwrap().as_deref(),
            Some("x")
        );
    }

    #[sqlx::test(migrations = false)]
    async fn changes_to_a_missing_property_are_refused(pool: SqlitePool) {
        let (store, _) = with_property(pool).await;
        let result = store
            .apply_setting_changes(Scope::Property("nope"), &[change("k", None, Some("v"))], 1)
            .await;
        assert!(matches!(result, Err(StoreError::NotFound)));
        assert!(store.all_settings().await.unwrap().by_property.is_empty());
    }

    #[sqlx::test(migrations = false)]
    async fn override_counts_count_properties_per_key(pool: SqlitePool) {
        let (store, first) = with_property(pool).await;
        let second = store
            .create_property(
                NewProperty {
                    name: "Q".into(),
                    features: vec![],
                    whitelist: vec![],
                },
                1,
            )
            .await
            .unwrap()
            .client_id;
        for id in [&first, &second] {
            store
                .set_setting(Scope::Property(id), "site_name", "mine", 1)
                .await
                .unwrap();
        }
        store
            .set_setting(Scope::Property(&first), "other", "x", 1)
            .await
            .unwrap();
        let counts = store
            .override_counts(&["site_name".into(), "unset".into(), "it's \"odd\"".into()])
            .await
            .unwrap();
        assert_eq!(counts.get("site_name"), Some(&2));
        assert_eq!(counts.get("unset"), None);
        assert_eq!(counts.get("other"), None, "only the keys asked for");
        assert!(store.override_counts(&[]).await.unwrap().is_empty());
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
