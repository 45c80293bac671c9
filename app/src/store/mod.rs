//! The one place that talks SQL. Everything that reads or writes the database goes through
//! [`Store`]; handlers and server functions never see a query.

use std::path::{Path, PathBuf};

use sealed::MasterKey;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

pub mod audit;
pub mod backup;
pub mod list_index;
pub mod properties;
pub mod sealed;
pub mod settings;
pub mod transfer;
pub mod usage;
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
    #[error("{0}")]
    Key(#[from] sealed::KeyError),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A backup or restore refused, with the reason (names the file).
    #[error("{0}")]
    Backup(String),
    #[error("could not create the database file or its folder {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
}

#[derive(Clone, Debug)]
pub struct Store {
    /// Readers: WAL lets them run beside the writer.
    pool: SqlitePool,
    /// Every write goes through this pool of one connection, so concurrent writers queue in order
    /// for it instead of racing for SQLite's lock (a deferred transaction that reads first cannot
    /// wait for the lock: SQLite answers "database is locked" at once to avoid a deadlock).
    writer: SqlitePool,
    /// Properties recently read to authenticate API calls.
    credentials: std::sync::Arc<properties::CredentialCache>,
    /// Seals and opens the client secrets.
    key: std::sync::Arc<MasterKey>,
    /// The key file this start created (a new database): the operator must back it up.
    created_key_file: Option<PathBuf>,
    /// Secret uses and failed authentications not yet written.
    usage: std::sync::Arc<usage::UsageLog>,
    /// What the Manage Properties list filters and sorts on, in memory (see [`list_index`]).
    list: std::sync::Arc<list_index::SharedListIndex>,
}

/// Where the master key comes from.
#[derive(Clone, Debug, Default)]
pub enum KeySource {
    /// `master.key` beside the database, created on the first start if there is none yet.
    #[default]
    BesideDatabase,
    /// A file the operator names (`--master-key-file`); never created.
    File(PathBuf),
}

/// What a commit survives. Either way a commit is never half applied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// WAL with `synchronous=NORMAL`: every acknowledged write survives a crash of the process; an
    /// operating-system crash or power loss may lose the last commits.
    #[default]
    Normal,
    /// `synchronous=FULL`: the WAL is synced at every commit, so acknowledged writes also survive
    /// an operating-system crash or power loss. Slower writes.
    Full,
}

impl std::str::FromStr for Durability {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "normal" => Ok(Durability::Normal),
            "full" => Ok(Durability::Full),
            other => Err(format!("durability must be normal or full, not {other:?}")),
        }
    }
}

impl std::fmt::Display for Durability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Durability::Normal => "normal",
            Durability::Full => "full",
        })
    }
}

/// How to open the database.
#[derive(Clone, Debug, Default)]
pub struct StoreConfig {
    pub key: KeySource,
    pub durability: Durability,
}

impl Store {
    /// Opens (creating if needed) the SQLite file at `path` with the master key file beside it.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        Self::open_with(path, &StoreConfig::default()).await
    }

    /// [`Store::open_with`] the key from `source` and the default durability.
    pub async fn open_with_key(path: &Path, source: &KeySource) -> Result<Store, StoreError> {
        let config = StoreConfig {
            key: source.clone(),
            ..StoreConfig::default()
        };
        Self::open_with(path, &config).await
    }

    /// Opens (creating if needed) the SQLite file at `path`, brings its schema up to date, and
    /// checks the master key against it: a wrong or missing key stops here, with a message that
    /// names the file, and changes nothing. Secrets still stored in plain text are sealed once.
    pub async fn open_with(path: &Path, config: &StoreConfig) -> Result<Store, StoreError> {
        let source = &config.key;
        create_private_file(path)?;
        let synchronous = match config.durability {
            Durability::Normal => SqliteSynchronous::Normal,
            Durability::Full => SqliteSynchronous::Full,
        };
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            // A long queue of writers is still served in order; only a stuck database times out.
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(options.clone())
            .await?;
        MIGRATIONS.run(&writer).await?;
        properties::rekey_names(&writer).await?;
        let (key, created_key_file) = load_key(&writer, path, source).await?;
        properties::seal_plain_secrets(&writer, &key).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(Store {
            pool,
            writer,
            credentials: Default::default(),
            key: std::sync::Arc::new(key),
            created_key_file,
            usage: Default::default(),
            list: Default::default(),
        })
    }

    /// The key file this start created, if it did (to tell the operator to back it up).
    pub fn created_key_file(&self) -> Option<&Path> {
        self.created_key_file.as_deref()
    }

    /// The master key file in use.
    pub fn key_file(&self) -> &Path {
        self.key.path()
    }

    /// Wraps an open pool (tests hand in the one `#[sqlx::test]` made) and migrates it. Reads and
    /// writes share the pool; writes still begin IMMEDIATE, so they wait for the lock.
    pub async fn from_pool(pool: SqlitePool) -> Result<Store, StoreError> {
        MIGRATIONS.run(&pool).await?;
        properties::rekey_names(&pool).await?;
        let key = MasterKey::ephemeral();
        properties::seal_plain_secrets(&pool, &key).await?;
        Ok(Store {
            writer: pool.clone(),
            pool,
            credentials: Default::default(),
            key: std::sync::Arc::new(key),
            created_key_file: None,
            usage: Default::default(),
            list: Default::default(),
        })
    }

    /// A write transaction that takes SQLite's write lock at BEGIN, so it waits its turn (busy
    /// timeout) rather than failing when it later upgrades from reading to writing.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Starts one write: the operations read the state before, change it and record the audit
    /// entry inside it, all or nothing. Dropped without [`Write::commit`], it changes nothing.
    pub async fn write(&self) -> Result<Write, StoreError> {
        Ok(Write {
            tx: self.begin_write().await?,
            credentials: self.credentials.clone(),
            key: self.key.clone(),
            list: self.list.clone(),
            changed: Vec::new(),
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

    /// (connections open, of which idle) of the readers' pool.
    pub fn reader_pool_use(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    /// (connections open, of which idle) of the writer's pool of one.
    pub fn writer_pool_use(&self) -> (u32, usize) {
        (self.writer.size(), self.writer.num_idle())
    }

    /// How many properties exist.
    pub async fn property_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM properties")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Whether every migration this binary knows has been applied.
    pub async fn migrations_current(&self) -> Result<bool, StoreError> {
        let applied: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(applied == MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0))
    }

    /// Proves the database takes writes: takes the write lock (in turn, behind queued writers)
    /// and rolls back.
    pub async fn check_writable(&self) -> Result<(), StoreError> {
        self.begin_write().await?.rollback().await?;
        Ok(())
    }

    /// Writes what is pending, then closes the pools so the WAL is checkpointed before the process
    /// exits.
    pub async fn close(&self) {
        if let Err(error) = self.write_pending_usage(None).await {
            tracing::error!(%error, "could not write the last secret uses before closing");
        }
        self.pool.close().await;
        self.writer.close().await;
    }
}

/// One write transaction (see [`Store::write`]). Its methods live beside the tables they touch.
pub struct Write {
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    credentials: std::sync::Arc<properties::CredentialCache>,
    key: std::sync::Arc<MasterKey>,
    list: std::sync::Arc<list_index::SharedListIndex>,
    /// Properties this write created, changed or deleted: once it commits, their cached
    /// credentials go and the list index takes their new rows.
    changed: Vec<String>,
}

impl Write {
    /// Commits, then brings the caches in line: the list index gets the committed rows of the
    /// changed properties in commit order (commits take turns for that), and the credential cache
    /// evicts them (after the commit, so a reader racing the write cannot cache the old record).
    pub async fn commit(mut self) -> Result<(), StoreError> {
        let list = self.list.clone();
        let _turn = list.turn.lock().await;
        let tracking = list.is_current() && !self.changed.is_empty();
        let rows = if tracking {
            properties::list_rows(&mut self.tx, &self.changed).await?
        } else {
            Vec::new()
        };
        let unfinished = list_index::StaleUnlessFinished(Some(&list));
        self.tx.commit().await?;
        if tracking {
            list.apply(rows);
        }
        unfinished.finished();
        for client_id in &self.changed {
            self.credentials.forget(client_id);
        }
        Ok(())
    }

    fn changed(&mut self, client_id: &str) {
        self.changed.push(client_id.to_string());
    }
}

/// The master key for the database behind `writer`: loaded from its file and checked against the
/// stored key check value. Beside the database, a key is created when the database has none yet
/// (a new database, or one from before secrets were sealed); a database that has one is never
/// given a new key.
async fn load_key(
    writer: &SqlitePool,
    database: &Path,
    source: &KeySource,
) -> Result<(MasterKey, Option<PathBuf>), StoreError> {
    let check: Option<String> =
        sqlx::query_scalar("SELECT value FROM master_key_check WHERE id = 1")
            .fetch_optional(writer)
            .await?;
    let (path, may_create) = match source {
        KeySource::BesideDatabase => (database.with_file_name("master.key"), check.is_none()),
        KeySource::File(path) => (path.clone(), false),
    };
    let (key, created) = match MasterKey::load(&path) {
        Ok(key) => (key, None),
        Err(sealed::KeyError::Missing { .. }) if may_create => {
            (MasterKey::create(&path)?, Some(path.clone()))
        }
        Err(error) => return Err(error.into()),
    };
    if let Some(check) = check {
        key.verify_check_value(&check)?;
    }
    Ok((key, created))
}

/// Creates the database's folder (0700) and file (0600) when missing, so that only the server's
/// user can read the secrets in them. SQLite gives the `-wal` and `-shm` files the mode of the
/// database file.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let io_error = |source: std::io::Error| StoreError::CreateDir {
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder
                .create(dir)
                .map_err(|source| StoreError::CreateDir {
                    path: dir.display().to_string(),
                    source,
                })?;
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(io_error)?;
    Ok(())
}

/// A fresh folder for a test's database files.
#[cfg(test)]
pub(crate) fn test_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "gatehouse-{name}-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[cfg(test)]
mod tests {
    use super::*;

    #[sqlx::test(migrations = false)]
    async fn a_fresh_database_gets_every_table(pool: SqlitePool) {
        let store = Store::from_pool(pool).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type IN ('table') AND name NOT LIKE 'sqlite_%' \
             AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' ORDER BY name",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        assert_eq!(
            tables,
            [
                "audit_events",
                "failed_authentications",
                "global_settings",
                "master_key_check",
                "properties",
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

    /// `--durability full` syncs at every commit; the default relies on WAL's NORMAL.
    #[tokio::test]
    async fn durability_sets_the_synchronous_mode_of_every_connection() {
        let dir = test_dir("durability");
        for (durability, expected) in [(Durability::Normal, 1), (Durability::Full, 2)] {
            let config = StoreConfig {
                durability,
                ..StoreConfig::default()
            };
            let store = Store::open_with(&dir.join(format!("{durability}.db")), &config)
                .await
                .unwrap();
            for pool in [&store.pool, &store.writer] {
                let mode: i64 = sqlx::query_scalar("PRAGMA synchronous")
                    .fetch_one(pool)
                    .await
                    .unwrap();
                assert_eq!(mode, expected, "{durability}");
            }
            store.close().await;
        }
        assert_eq!("FULL".parse::<Durability>(), Ok(Durability::Full));
        assert!("fast".parse::<Durability>().is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn only_the_owner_can_read_the_database_its_journal_and_its_folder() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = test_dir("modes");
        let folder = dir.join("data");
        let path = folder.join("gatehouse.db");
        let store = Store::open(&path).await.unwrap();
        store
            .set_setting(settings::Scope::Global, "site_name", "x", 0)
            .await
            .unwrap();
        assert_eq!(mode(&folder), 0o700);
        for file in ["gatehouse.db", "gatehouse.db-wal", "gatehouse.db-shm"] {
            assert_eq!(mode(&folder.join(file)), 0o600, "{file}");
        }
        store.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// Many writers at once, each transaction reading before it writes: all queue, none fails.
    #[tokio::test]
    async fn concurrent_read_then_write_transactions_queue_instead_of_failing() {
        let dir = test_dir("writers");
        let store = Store::open(&dir.join("gatehouse.db")).await.unwrap();
        let mut tasks = Vec::new();
        for writer in 0..16 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..50 {
                    let items: settings::SettingsMap =
                        [(format!("k{writer}_{i}"), "v".to_string())].into();
                    store
                        .set_settings(settings::Scope::Global, &items, i)
                        .await
                        .map_err(|e| e.to_string())?;
                }
                Ok::<_, String>(())
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(store.global_settings().await.unwrap().len(), 16 * 50);
        store.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }
}
