//! Backups of a live database, restores, and the lock that tells a restore a server is running.
//!
//! A backup is SQLite's `VACUUM INTO` from a read connection: one consistent snapshot, taken while
//! the server keeps writing (WAL lets the writer go on), holding every write committed before it
//! began. Secrets in it are sealed like in the database: the master key is not in the backup and
//! must be kept apart from it.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use super::{create_private_file, Store, StoreError, MIGRATIONS};

/// What a backup (or a file about to be restored) holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub properties: i64,
    /// The newest migration applied to it.
    pub schema_version: i64,
}

/// Holds the database's lock file for as long as it lives: one server per database, and no restore
/// under a running server.
#[derive(Debug)]
pub struct DatabaseLock {
    _file: File,
}

/// The lock file of `database`: `<database>.lock`.
pub fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the database's lock, or says that a server holds it.
pub fn lock_database(database: &Path) -> Result<DatabaseLock, StoreError> {
    let path = lock_path(database);
    create_private_file(&path)?;
    let file = File::options()
        .read(true)
        .write(true)
        .open(&path)
        .map_err(|source| StoreError::CreateDir {
            path: path.display().to_string(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(DatabaseLock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Backup(format!(
            "a Gatehouse server is running on {} (it holds {}); stop it first",
            database.display(),
            path.display()
        ))),
        Err(std::fs::TryLockError::Error(source)) => Err(StoreError::CreateDir {
            path: path.display().to_string(),
            source,
        }),
    }
}

impl Store {
    /// Writes a consistent copy of the live database to `target` (a new file, 0600), then checks
    /// it as [`inspect`] does.
    pub async fn backup_to(&self, target: &Path) -> Result<BackupReport, StoreError> {
        if target.exists() {
            return Err(StoreError::Backup(format!(
                "{} already exists; name a new file",
                target.display()
            )));
        }
        let Some(target_text) = target.to_str() else {
            return Err(StoreError::Backup(format!(
                "{} is not a UTF-8 path",
                target.display()
            )));
        };
        // An empty file is allowed as VACUUM INTO's target; creating it first sets its mode.
        create_private_file(target)?;
        if let Err(error) = sqlx::query("VACUUM INTO ?")
            .bind(target_text)
            .execute(&self.pool)
            .await
        {
            let _ = std::fs::remove_file(target);
            return Err(error.into());
        }
        inspect(target).await
    }
}

/// Opens `path` read-only and checks that it is a whole Gatehouse database this version can run:
/// `integrity_check` is ok and its schema is not newer than this binary's.
pub async fn inspect(path: &Path) -> Result<BackupReport, StoreError> {
    let bytes = std::fs::metadata(path)
        .map_err(|e| StoreError::Backup(format!("cannot read {}: {e}", path.display())))?
        .len();
    let mut connection = SqliteConnectOptions::from_str("sqlite:")?
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| {
            StoreError::Backup(format!("{} is not a SQLite database: {e}", path.display()))
        })?;
    let not_gatehouse = |e: sqlx::Error| {
        StoreError::Backup(format!(
            "{} is not a Gatehouse database: {e}",
            path.display()
        ))
    };
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut connection)
        .await
        .map_err(not_gatehouse)?;
    if integrity != "ok" {
        return Err(StoreError::Backup(format!(
            "{} is damaged: integrity_check says {integrity}",
            path.display()
        )));
    }
    let schema_version: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut connection)
            .await
            .map_err(not_gatehouse)?;
    let newest = MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0);
    if schema_version > newest {
        return Err(StoreError::Backup(format!(
            "{} has schema version {schema_version}, newer than this Gatehouse knows ({newest}); use a newer Gatehouse",
            path.display()
        )));
    }
    let properties: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM properties")
        .fetch_one(&mut connection)
        .await
        .map_err(not_gatehouse)?;
    connection.close().await?;
    Ok(BackupReport {
        path: path.to_path_buf(),
        bytes,
        properties,
        schema_version,
    })
}

/// What a restore did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestoreReport {
    pub restored: BackupReport,
    /// Where the replaced database (and its WAL) now is, if there was one.
    pub replaced_kept_at: Option<PathBuf>,
}

/// Replaces `database` with a copy of `backup`: refused while a server holds the database, and
/// before anything changes when the backup fails [`inspect`]. The replaced file (with its `-wal`
/// and `-shm`) is kept beside it as `<database>.replaced-<suffix>`.
pub async fn restore(
    database: &Path,
    backup: &Path,
    suffix: &str,
) -> Result<RestoreReport, StoreError> {
    let _lock = lock_database(database)?;
    let restored = inspect(backup).await?;
    let kept = if database.exists() {
        let mut kept = database.as_os_str().to_owned();
        kept.push(format!(".replaced-{suffix}"));
        let kept = PathBuf::from(kept);
        for extension in ["", "-wal", "-shm"] {
            let mut from = database.as_os_str().to_owned();
            from.push(extension);
            let from = PathBuf::from(from);
            if from.exists() {
                let mut to = kept.as_os_str().to_owned();
                to.push(extension);
                std::fs::rename(&from, PathBuf::from(to)).map_err(|e| {
                    StoreError::Backup(format!("cannot move {} aside: {e}", from.display()))
                })?;
            }
        }
        Some(kept)
    } else {
        None
    };
    create_private_file(database)?;
    std::fs::copy(backup, database).map_err(|e| {
        StoreError::Backup(format!(
            "cannot copy {} to {}: {e}",
            backup.display(),
            database.display()
        ))
    })?;
    Ok(RestoreReport {
        restored,
        replaced_kept_at: kept,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::properties::NewProperty;

    fn shop(name: &str) -> NewProperty {
        NewProperty {
            name: name.into(),
            features: vec![],
            whitelist: vec![],
        }
    }

    #[tokio::test]
    async fn a_backup_is_a_checked_private_copy_that_restores() {
        let dir = crate::store::test_dir("backup");
        let database = dir.join("gatehouse.db");
        let store = Store::open(&database).await.unwrap();
        let kept = store.create_property(shop("Kept"), 0).await.unwrap();
        let backup = dir.join("backups").join("one.db");
        let report = store.backup_to(&backup).await.unwrap();
        assert_eq!(report.properties, 1);
        assert!(report.bytes > 0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        // Never over an existing file.
        assert!(matches!(
            store.backup_to(&backup).await,
            Err(StoreError::Backup(_))
        ));

        // A server holds the lock: no restore under it.
        let lock = lock_database(&database).unwrap();
        let refused = restore(&database, &backup, "t").await.unwrap_err();
        assert!(refused.to_string().contains("stop it first"), "{refused}");
        drop(lock);

        store
            .create_property(shop("After the backup"), 0)
            .await
            .unwrap();
        store.close().await;
        let report = restore(&database, &backup, "t").await.unwrap();
        let kept_at = report.replaced_kept_at.unwrap();
        assert!(kept_at.exists());
        let store = Store::open(&database).await.unwrap();
        assert!(store.property(&kept.client_id).await.unwrap().is_some());
        assert_eq!(store.properties_with_features(&[]).await.unwrap().len(), 1);
        store.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_whole_gatehouse_database_is_never_restored() {
        let dir = crate::store::test_dir("backup");
        let database = dir.join("gatehouse.db");
        let store = Store::open(&database).await.unwrap();
        store.create_property(shop("Live"), 0).await.unwrap();
        store.close().await;
        let before = std::fs::read(&database).unwrap();
        let garbage = dir.join("garbage.db");
        std::fs::write(&garbage, b"not a database at all").unwrap();
        let other = dir.join("other.db");
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=rwc", other.display()))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (x)")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        for bad in [&garbage, &other, &dir.join("missing.db")] {
            let error = restore(&database, bad, "t").await.unwrap_err();
            assert!(matches!(error, StoreError::Backup(_)), "{error}");
        }
        assert_eq!(std::fs::read(&database).unwrap(), before, "nothing changed");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
