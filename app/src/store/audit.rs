//! SQL for the audit log: entries are written inside the write they record ([`Write::audit`]),
//! read a page at a time newest first with one index per filter, exported and pruned.

use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use super::{Store, StoreError, Write};
use crate::domain::audit::{ActorKind, AuditEntry, AuditFilter, AuditPage, Door};

const COLUMNS: &str = "id, at, door, actor_kind, actor, actor_name, source, request_id, action, \
     client_id, property_name, before_json, after_json, batch_id";

fn entry_from_row(row: &SqliteRow) -> Result<AuditEntry, StoreError> {
    let json = |column: &str| -> Result<Option<serde_json::Value>, StoreError> {
        let text: Option<String> = row.try_get(column)?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    };
    let door: String = row.try_get("door")?;
    let kind: String = row.try_get("actor_kind")?;
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        door: Door::parse(&door).unwrap_or(Door::Cli),
        actor_kind: ActorKind::parse(&kind).unwrap_or(ActorKind::System),
        actor: row.try_get("actor")?,
        actor_name: row.try_get("actor_name")?,
        source: row.try_get("source")?,
        request_id: row.try_get("request_id")?,
        action: row.try_get("action")?,
        client_id: row.try_get("client_id")?,
        property_name: row.try_get("property_name")?,
        before: json("before_json")?,
        after: json("after_json")?,
        batch_id: row.try_get("batch_id")?,
    })
}

impl Write {
    /// Records `entry` in this write: it exists exactly when the change does.
    pub async fn audit(&mut self, entry: &AuditEntry) -> Result<(), StoreError> {
        let json = |value: &Option<serde_json::Value>| value.as_ref().map(|v| v.to_string());
        sqlx::query(
            "INSERT INTO audit_events (at, door, actor_kind, actor, actor_name, source, request_id, action, \
             client_id, property_name, before_json, after_json, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(entry.at)
        .bind(entry.door.as_str())
        .bind(entry.actor_kind.as_str())
        .bind(&entry.actor)
        .bind(&entry.actor_name)
        .bind(&entry.source)
        .bind(&entry.request_id)
        .bind(&entry.action)
        .bind(&entry.client_id)
        .bind(&entry.property_name)
        .bind(json(&entry.before))
        .bind(json(&entry.after))
        .bind(&entry.batch_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}

impl Store {
    /// One page of the log, newest first: `limit` entries older than `before_id` (all when None).
    /// Each filter has its own index; SQLite's planner picks the narrowest (statistics from ANALYZE).
    pub async fn audit_page(
        &self,
        filter: &AuditFilter,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<AuditPage, StoreError> {
        let mut query =
            QueryBuilder::<Sqlite>::new(format!("SELECT {COLUMNS} FROM audit_events WHERE 1 = 1"));
        push_filters(&mut query, filter);
        if let Some(before) = before_id {
            query.push(" AND id < ").push_bind(before);
        }
        query
            .push(" ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(limit) + 1);
        let rows = query.build().fetch_all(&self.pool).await?;
        let mut entries = rows
            .iter()
            .map(entry_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let has_more = entries.len() > limit as usize;
        entries.truncate(limit as usize);
        Ok(AuditPage { entries, has_more })
    }

    /// Every entry at or after `since`, oldest first (for `server audit export`).
    pub async fn audit_since(&self, since: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM audit_events WHERE at >= ? ORDER BY id"
        ))
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Deletes entries older than `before` (retention); returns how many.
    pub async fn prune_audit(&self, before: i64) -> Result<u64, StoreError> {
        let mut w = self.write().await?;
        let result = sqlx::query("DELETE FROM audit_events WHERE at < ?")
            .bind(before)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(result.rows_affected())
    }
}

/// A time range at most this long is narrower than any other filter in practice, so it leads.
const NARROW_RANGE_SECS: i64 = 31 * 86_400;

fn push_filters(query: &mut QueryBuilder<'_, Sqlite>, filter: &AuditFilter) {
    // With a narrow time range, read that range through the time index and check the other
    // filters on its rows (a unary + keeps SQLite off their indexes); otherwise each filter's own
    // index (kept in id order) serves the page newest first.
    let narrow = matches!((filter.since, filter.until), (Some(since), Some(until)) if until - since <= NARROW_RANGE_SECS);
    let column = |name: &'static str| {
        if narrow {
            format!("+{name}")
        } else {
            name.to_string()
        }
    };
    let property = filter.property.trim();
    if !property.is_empty() {
        query
            .push(format!(" AND ({} = ", column("client_id")))
            .push_bind(property.to_string())
            .push(format!(" OR {} = ", column("property_name")))
            .push_bind(property.to_string())
            .push(" COLLATE NOCASE)");
    }
    let actor = filter.actor.trim();
    if !actor.is_empty() {
        query
            .push(format!(" AND {} = ", column("actor")))
            .push_bind(actor.to_string());
    }
    let action = filter.action.trim();
    if !action.is_empty() {
        query
            .push(format!(" AND {} = ", column("action")))
            .push_bind(action.to_string());
    }
    if let Some(since) = filter.since {
        query.push(" AND at >= ").push_bind(since);
    }
    if let Some(until) = filter.until {
        query.push(" AND at <= ").push_bind(until);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::actions;
    use sqlx::SqlitePool;

    fn entry(at: i64, actor: &str, action: &str, client_id: &str, name: &str) -> AuditEntry {
        AuditEntry {
            id: 0,
            at,
            door: Door::Api,
            actor_kind: ActorKind::Client,
            actor: actor.into(),
            actor_name: Some("Owner".into()),
            source: "127.0.0.1".into(),
            request_id: "r".repeat(16),
            action: action.into(),
            client_id: Some(client_id.into()),
            property_name: Some(name.into()),
            before: Some(serde_json::json!({"features": []})),
            after: Some(serde_json::json!({"features": ["owner"]})),
            batch_id: None,
        }
    }

    async fn store_with(entries: &[AuditEntry], pool: SqlitePool) -> Store {
        let store = Store::from_pool(pool).await.unwrap();
        let mut w = store.write().await.unwrap();
        for e in entries {
            w.audit(e).await.unwrap();
        }
        w.commit().await.unwrap();
        store
    }

    #[sqlx::test(migrations = false)]
    async fn entries_round_trip_and_page_newest_first(pool: SqlitePool) {
        let entries: Vec<AuditEntry> = (0..5)
            .map(|i| entry(100 + i, "a", actions::PROPERTY_FEATURES, "c1", "One"))
            .collect();
        let store = store_with(&entries, pool).await;
        let first = store
            .audit_page(&AuditFilter::default(), None, 2)
            .await
            .unwrap();
        assert_eq!(
            first.entries.iter().map(|e| e.at).collect::<Vec<_>>(),
            [104, 103]
        );
        assert!(first.has_more);
        let stored = &first.entries[0];
        assert_eq!(
            AuditEntry {
                id: 0,
                ..stored.clone()
            },
            entries[4]
        );
        let last = store
            .audit_page(&AuditFilter::default(), Some(first.entries[1].id), 10)
            .await
            .unwrap();
        assert_eq!(last.entries.len(), 3);
        assert!(!last.has_more);
    }

    #[sqlx::test(migrations = false)]
    async fn every_filter_narrows_the_page(pool: SqlitePool) {
        let store = store_with(
            &[
                entry(100, "alice", actions::PROPERTY_RENAME, "c1", "Shop"),
                entry(200, "bob", actions::SECRET_RESET, "c2", "Blog"),
                entry(300, "alice", actions::SECRET_RESET, "c2", "Blog"),
            ],
            pool,
        )
        .await;
        let ats = |filter: AuditFilter| {
            let store = store.clone();
            async move {
                store
                    .audit_page(&filter, None, 50)
                    .await
                    .unwrap()
                    .entries
                    .iter()
                    .map(|e| e.at)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            ats(AuditFilter {
                property: "c2".into(),
                ..Default::default()
            })
            .await,
            [300, 200]
        );
        assert_eq!(
            ats(AuditFilter {
                property: "shop".into(),
                ..Default::default()
            })
            .await,
            [100]
        );
        assert_eq!(
            ats(AuditFilter {
                actor: "alice".into(),
                ..Default::default()
            })
            .await,
            [300, 100]
        );
        assert_eq!(
            ats(AuditFilter {
                action: actions::SECRET_RESET.into(),
                ..Default::default()
            })
            .await,
            [300, 200]
        );
        assert_eq!(
            ats(AuditFilter {
                since: Some(150),
                until: Some(250),
                ..Default::default()
            })
            .await,
            [200]
        );
        assert_eq!(
            ats(AuditFilter {
                since: Some(400),
                ..Default::default()
            })
            .await,
            Vec::<i64>::new()
        );
        assert_eq!(
            ats(AuditFilter {
                until: Some(50),
                ..Default::default()
            })
            .await,
            Vec::<i64>::new()
        );
        // A narrow time range leads; the other filters still apply to its rows.
        assert_eq!(
            ats(AuditFilter {
                actor: "alice".into(),
                action: actions::SECRET_RESET.into(),
                property: "BLOG".into(),
                since: Some(0),
                until: Some(1000),
            })
            .await,
            [300]
        );
        assert_eq!(store.audit_since(200).await.unwrap().len(), 2);
        assert_eq!(store.prune_audit(250).await.unwrap(), 2);
        assert_eq!(ats(AuditFilter::default()).await, [300]);
    }

    #[sqlx::test(migrations = false)]
    async fn an_entry_in_a_write_that_is_not_committed_does_not_exist(pool: SqlitePool) {
        let store = Store::from_pool(pool).await.unwrap();
        {
            let mut w = store.write().await.unwrap();
            w.audit(&entry(1, "a", actions::PROPERTY_CREATE, "c", "n"))
                .await
                .unwrap();
        }
        assert!(store
            .audit_page(&AuditFilter::default(), None, 5)
            .await
            .unwrap()
            .entries
            .is_empty());
    }
}
