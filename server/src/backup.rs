//! Scheduled backups (`--backup-dir DIR --backup-every 24h --backup-keep 7`): a checked copy of the
//! live database every interval, named by its UTC time, the oldest pruned; the outcome is kept for
//! `/readyz`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::clock::Clock;
use app::domain::signature::format_date;
use app::store::backup::BackupReport;
use app::store::{Store, StoreError};

/// Backup file names: `gatehouse-20261130T210000Z.db`, so names sort by time.
const PREFIX: &str = "gatehouse-";
const SUFFIX: &str = ".db";

/// When scheduled backups run, where to, and how many to keep.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub dir: PathBuf,
    pub every: Duration,
    pub keep: usize,
}

/// The last scheduled backup's outcome, for `/readyz`.
#[derive(Clone, Debug, Default)]
pub struct BackupStatus(Arc<Mutex<Option<LastBackup>>>);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LastBackup {
    Ok { at: i64, path: PathBuf },
    Failed { at: i64, error: String },
}

impl BackupStatus {
    pub fn last(&self) -> Option<LastBackup> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set(&self, last: LastBackup) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(last);
    }
}

/// `20261130T210000Z` for `at` (unix seconds, UTC): sorts by time, fits in a file name.
pub fn timestamp(at: i64) -> String {
    let stamp: String = format_date(at)
        .chars()
        .filter_map(|c| match c {
            '-' | ':' => None,
            ' ' => Some('T'),
            c => Some(c),
        })
        .collect();
    format!("{stamp}Z")
}

/// The file name of a backup taken at `at`.
pub fn file_name(at: i64) -> String {
    format!("{PREFIX}{}{SUFFIX}", timestamp(at))
}

/// Takes one backup into the schedule's folder and prunes the oldest beyond `keep`.
pub async fn run_once(
    store: &Store,
    schedule: &Schedule,
    at: i64,
) -> Result<BackupReport, StoreError> {
    let report = store.backup_to(&schedule.dir.join(file_name(at))).await?;
    prune(&schedule.dir, schedule.keep);
    Ok(report)
}

/// Deletes this schedule's backups beyond the newest `keep` (other files are left alone).
fn prune(dir: &Path, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut backups: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX))
        })
        .collect();
    backups.sort();
    let excess = backups.len().saturating_sub(keep);
    for old in &backups[..excess] {
        if let Err(error) = std::fs::remove_file(old) {
            tracing::warn!(%error, file = %old.display(), "could not delete an old backup");
        }
    }
}

/// Backs up every `schedule.every` for as long as the server runs, the first one after one interval.
pub fn spawn(store: Store, clock: Clock, schedule: Schedule, status: BackupStatus) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(schedule.every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            let at = clock.now();
            match run_once(&store, &schedule, at).await {
                Ok(report) => {
                    tracing::info!(
                        file = %report.path.display(),
                        bytes = report.bytes,
                        properties = report.properties,
                        "scheduled backup written and checked"
                    );
                    status.set(LastBackup::Ok {
                        at,
                        path: report.path,
                    });
                }
                Err(error) => {
                    tracing::error!(%error, "scheduled backup failed; will try again at the next interval");
                    status.set(LastBackup::Failed {
                        at,
                        error: error.to_string(),
                    });
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_utc_time_and_sort_by_it() {
        assert_eq!(file_name(1_767_225_600), "gatehouse-20260101T000000Z.db");
        assert!(file_name(1_767_225_601) > file_name(1_767_225_600));
    }

    #[test]
    fn pruning_keeps_the_newest_and_leaves_other_files_alone() {
        let dir = tempfile::tempdir().unwrap();
        for at in [100, 200, 300, 400] {
            std::fs::write(dir.path().join(file_name(at)), b"x").unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), b"mine").unwrap();
        prune(dir.path(), 2);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, [file_name(300), file_name(400), "notes.txt".into()]);
    }
}
