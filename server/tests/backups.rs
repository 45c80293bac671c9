//! Backups taken while the server writes, restores, and `/readyz`.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::store::{KeySource, Store};
use common::{spawn_server, stop_server, Options, TestServer};
use serde_json::Value;
use server::capture::limits::RateLimit;

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// A backup taken during a write storm holds every write acknowledged before it began; restored,
/// it authenticates every such client; its bytes hold no secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_during_a_write_storm_holds_every_write_acknowledged_before_it() {
    let server = Arc::new(
        TestServer::start_with(Options {
            rate_limit: RateLimit::OFF,
            ..Options::default()
        })
        .await,
    );
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for writer in 0..4 {
        let (server, stop) = (server.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let (id, secret) = server.add_client(&format!("w{writer} n{n}"), "[]").await;
                acknowledged.push((id, secret, Instant::now()));
            }
            acknowledged
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("gatehouse.db");
    let began = Instant::now();
    let report = server.store.backup_to(&backup).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    let mut before = Vec::new();
    let mut after = 0;
    for writer in writers {
        for (id, secret, at) in writer.await.unwrap() {
            if at < began {
                before.push((id, secret));
            } else {
                after += 1;
            }
        }
    }
    assert!(
        before.len() > 20 && after > 0,
        "{} before, {after} after",
        before.len()
    );
    assert!(
        report.properties as usize > before.len(),
        "the owner and every acknowledged client"
    );

    let bytes = std::fs::read(&backup).unwrap();
    for (_, secret) in &before {
        assert!(!contains(&bytes, secret), "a secret is in the backup");
    }

    let key = server.database_path().with_file_name("master.key");
    let restored = Store::open_with_key(&backup, &KeySource::File(key))
        .await
        .unwrap();
    let restored = TestServer::start_on(restored, server.owner.clone()).await;
    for (id, secret) in &before {
        let answer = restored.call_as(id, secret, "/settings/items", &[]).await;
        assert_eq!(answer["stat"], "ok", "{id}: {answer}");
    }
}

fn server_command(database: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .arg("--database")
        .arg(database)
        .args(["--log-level", "error"]);
    command
}

async fn readyz(base: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{base}/readyz")).await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn backup_and_restore_from_the_command_line_refuse_what_would_lose_data() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("gatehouse.db");
    let (mut child, base) = spawn_server(&database, &[]);
    let (status, ready) = readyz(&base).await;
    assert_eq!(status, 200, "{ready}");
    assert_eq!(ready["migrations"], "ok");
    assert_eq!(ready["writable"], "ok");

    // A backup while the server runs.
    let backup = dir.path().join("copy.db");
    let output = server_command(&database)
        .arg("backup")
        .arg(&backup)
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        printed.contains("1 properties") && printed.contains("integrity check ok"),
        "{printed}"
    );
    let again = server_command(&database)
        .arg("backup")
        .arg(&backup)
        .output()
        .unwrap();
    assert!(!again.status.success(), "a backup never overwrites a file");

    // No restore, and no second server, while the server runs.
    let refused = server_command(&database)
        .arg("restore")
        .arg(&backup)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("stop it first"));
    let second = server_command(&database)
        .args(["--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("stop it first"));

    stop_server(&mut child);
    let restored = server_command(&database)
        .arg("restore")
        .arg(&backup)
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&restored.stdout);
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    assert!(
        printed.contains("The replaced database is kept at"),
        "{printed}"
    );
    let (mut child, base) = spawn_server(&database, &[]);
    assert_eq!(readyz(&base).await.0, 200);
    stop_server(&mut child);
}

#[tokio::test]
async fn scheduled_backups_are_taken_pruned_and_reported_on_readyz() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("gatehouse.db");
    let backups = dir.path().join("backups");
    let folder = backups.to_str().unwrap();
    let (mut child, base) = spawn_server(
        &database,
        &[
            "--backup-dir",
            folder,
            "--backup-every",
            "1s",
            "--backup-keep",
            "2",
        ],
    );
    tokio::time::sleep(Duration::from_millis(4500)).await;
    let (status, ready) = readyz(&base).await;
    stop_server(&mut child);
    assert_eq!(status, 200, "{ready}");
    assert!(
        ready["backup"].as_str().unwrap().starts_with("ok: "),
        "{ready}"
    );
    let names: Vec<String> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names
        .iter()
        .all(|n| n.starts_with("gatehouse-") && n.ends_with("Z.db")));

    // A folder that cannot be written: logged, and /readyz says not ready.
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, b"x").unwrap();
    let bad = blocker.join("backups");
    let (mut child, base) = spawn_server(
        &database,
        &[
            "--backup-dir",
            bad.to_str().unwrap(),
            "--backup-every",
            "1s",
        ],
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (status, ready) = readyz(&base).await;
    stop_server(&mut child);
    assert_eq!(status, 503, "{ready}");
    assert!(
        ready["backup"].as_str().unwrap().starts_with("failed at "),
        "{ready}"
    );
}
