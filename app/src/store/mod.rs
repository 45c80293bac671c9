//! The one place that talks SQL. Everything that reads or writes the database goes through
//! [`Store`]; handlers and server functions never see a query.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

pub mod properties;
pub mod settings;
pub mod users;

/// Migrations are compiled into the binary, so a fresh machine needs nothing but the file path.
pub static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("the name is already used by another property")]
    NameTaken,
    #[error("the property was changed by someone else since it was loaded")]
    VersionConflict,
    /// Settings saved from the console that someone else changed after the page was loaded.
    #[error("settings changed since they were loaded: {}", .keys.join(", "))]
    SettingsConflict { keys: Vec<String> },
    #[error("the username is already taken")]
    UsernameTaken,
    #[error("the console must keep at least one admin")]
    LastAdmin,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("could not create the database directory {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    /// Properties recently read to authenticate API calls.
    credentials: std::sync::Arc<properties::CredentialCache>,
}

impl Store {
    /// Opens (creating if needed) the SQLite file at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Self::from_pool(pool).await
    }

    /// Wraps an open pool (tests hand in the one `#[sqlx::test]` made) and migrates it.
    pub async fn from_pool(pool: SqlitePool) -> Result<Store, StoreError> {
        MIGRATIONS.run(&pool).await?;
        Ok(Store {
            pool,
            credentials: Default::default(),
        })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A cheap query that proves the database answers.
    pub async fn health_check(&self) -> Result<(), StoreError> {
        sqlx::query_scalar::<_, i64>("SELECT 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(())
    }

    /// Closes the pool so the WAL is checkpointed before the process exits.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[sqlx::test(migrations = false)]
    async fn a_fresh_database_gets_every_table(pool: SqlitePool) {
        let store = Store::from_pool(pool).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type IN ('table') AND name NOT LIKE 'sqlite_%' \
             AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' AND name NOT LIKE 'properties_search_%' ORDER BY name",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        assert_eq!(
            tables,
            [
                "audit_events",
                "global_settings",
                "properties",
                "properties_search",
                "property_settings",
                "sessions",
                "users"
            ]
        );
    }

    #[sqlx::test(migrations = false)]
    async fn migrating_twice_is_harmless(pool: SqlitePool) {
        let store = Store::from_pool(pool.clone()).await.unwrap();
        Store::from_pool(pool).await.unwrap();
        store.health_check().await.unwrap();
    }

    #[tokio::test]
    async fn open_creates_the_file_and_its_directory_in_wal_mode() {
        let dir = std::env::temp_dir().join(format!("gatehouse-open-{}", std::process::id()));
        let path = dir.join("nested").join("gatehouse.db");
        let store = Store::open(&path).await.unwrap();
        assert!(path.exists());
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(fk, 1);
        store.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }
}
