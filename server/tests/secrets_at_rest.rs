//! Client secrets at rest: sealed under the master key, never in the database's bytes; a wrong,
//! missing or broken key stops the start with a message naming the file; a database from before
//! sealing is sealed on its first start; a rotation keeps every credential working.

mod common;

use std::path::{Path, PathBuf};

use app::domain::signature;
use app::store::properties::NewProperty;
use app::store::{KeySource, Store};
use common::{TestServer, START};
use serde_json::Value;

/// Every byte of the database, its WAL and its shared-memory file.
fn database_bytes(database: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let mut path = database.as_os_str().to_owned();
        path.push(suffix);
        if let Ok(content) = std::fs::read(PathBuf::from(path)) {
            bytes.extend(content);
        }
    }
    bytes
}

/// The sealed secrets and the key check value as stored, read without the store.
async fn stored_secrets(database: &Path) -> Vec<String> {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", database.display()))
        .await
        .unwrap();
    let mut rows: Vec<String> = sqlx::query_scalar("SELECT client_secret FROM properties")
        .fetch_all(&pool)
        .await
        .unwrap();
    rows.extend(
        sqlx::query_scalar::<_, String>("SELECT value FROM master_key_check")
            .fetch_all(&pool)
            .await
            .unwrap(),
    );
    pool.close().await;
    rows
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn run(database: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("--database")
        .arg(database)
        .args(args)
        .output()
        .unwrap()
}

#[tokio::test]
async fn no_issued_secret_is_in_the_database_bytes_before_or_after_a_rotation() {
    let server = TestServer::start().await;
    let mut secrets = vec![server.owner.client_secret.clone()];
    for name in ["A", "B"] {
        let (_, secret) = server.add_client(name, r#"["direct_access"]"#).await;
        secrets.push(secret);
    }
    let (id, _) = server.add_client("Rotated", "[]").await;
    secrets.push(server.reset_secret(&id, "5").await);
    let database = server.database_path();
    let bytes = database_bytes(&database);
    assert!(!bytes.is_empty());
    for secret in &secrets {
        assert!(
            !contains(&bytes, secret),
            "a secret is in the database file: {secret}"
        );
    }
    // The audit log holds none either, and a record's Debug output shows none.
    let record = server.store.property(&id).await.unwrap().unwrap();
    let debug = format!("{record:?}");
    assert!(
        !secrets.iter().any(|s| debug.contains(s.as_str())),
        "{debug}"
    );
}

#[tokio::test]
async fn a_wrong_missing_or_broken_key_stops_the_start_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("gatehouse.db");
    let store = Store::open(&database).await.unwrap();
    let key_file = dir.path().join("master.key");
    assert_eq!(store.created_key_file(), Some(key_file.as_path()));
    store
        .create_property(
            NewProperty {
                name: "Shop".into(),
                features: vec![],
                whitelist: vec![],
            },
            START,
        )
        .await
        .unwrap();
    store.close().await;
    let before = stored_secrets(&database).await;

    // A wrong key.
    let wrong = dir.path().join("wrong.key");
    app::store::sealed::MasterKey::create(&wrong).unwrap();
    let error = Store::open_with_key(&database, &KeySource::File(wrong.clone()))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("does not match this database") && error.contains("wrong.key"),
        "{error}"
    );
    // A missing key: never replaced by a new one when the database has secrets sealed.
    std::fs::rename(&key_file, dir.path().join("aside.key")).unwrap();
    let error = Store::open(&database).await.unwrap_err().to_string();
    assert!(
        error.contains("is missing") && error.contains("master.key"),
        "{error}"
    );
    assert!(!key_file.exists(), "no new key was made");
    // A truncated key.
    std::fs::write(&key_file, "0123abcd\n").unwrap();
    let error = Store::open(&database).await.unwrap_err().to_string();
    assert!(error.contains("64 hexadecimal digits"), "{error}");
    // The binary says so and exits non-zero.
    let output = run(&database, &["user", "list"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("master.key"));
    assert!(stored_secrets(&database).await == before, "nothing changed");

    std::fs::rename(dir.path().join("aside.key"), &key_file).unwrap();
    let store = Store::open(&database).await.unwrap();
    assert_eq!(store.created_key_file(), None);
    assert_eq!(store.properties_with_features(&[]).await.unwrap().len(), 1);
}

#[tokio::test]
async fn secrets_stored_in_plain_text_are_sealed_on_the_first_start_and_keep_working() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("gatehouse.db");
    let store = Store::open(&database).await.unwrap();
    let record = store
        .create_property(
            NewProperty {
                name: "Old".into(),
                features: vec![],
                whitelist: vec![],
            },
            START,
        )
        .await
        .unwrap();
    let secret = record.client_secret.expose().to_string();
    // As a database from before sealing holds it: the secret in plain text, no key check.
    sqlx::query("UPDATE properties SET client_secret = ? WHERE client_id = ?")
        .bind(&secret)
        .bind(&record.client_id)
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query("DELETE FROM master_key_check")
        .execute(store.pool())
        .await
        .unwrap();
    store.close().await;
    assert!(contains(&database_bytes(&database), &secret));

    let store = Store::open(&database).await.unwrap();
    let reopened = store.property(&record.client_id).await.unwrap().unwrap();
    assert_eq!(
        reopened.client_secret.expose(),
        secret,
        "the same secret, now sealed"
    );
    store.close().await;
    let store = Store::open(&database).await.unwrap();
    sqlx::query("VACUUM").execute(store.pool()).await.unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(store.pool())
        .await
        .unwrap();
    store.close().await;
    assert!(
        !contains(&database_bytes(&database), &secret),
        "no plain copy is left behind"
    );
}

#[tokio::test]
async fn a_rotation_keeps_basic_form_and_signed_credentials_working() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("gatehouse.db");
    let store = Store::open(&database).await.unwrap();
    let owner = server::bootstrap::ensure_owner(&store, START)
        .await
        .unwrap()
        .unwrap();
    let (id, secret) = (owner.client_id.clone(), owner.client_secret.clone());
    store.close().await;
    let owner_again = owner.clone();

    let new_key = dir.path().join("new.key");
    let output = run(
        &database,
        &[
            "rotate-master-key",
            "--new-key-file",
            new_key.to_str().unwrap(),
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("--master-key-file"));
    // The old key no longer opens the database; the new one does.
    assert!(Store::open(&database).await.is_err());
    let store = Store::open_with_key(&database, &KeySource::File(new_key.clone()))
        .await
        .unwrap();
    let entries = store
        .audit_page(&Default::default(), None, 10)
        .await
        .unwrap()
        .entries;
    assert_eq!(
        entries[0].action,
        app::domain::audit::actions::MASTER_KEY_ROTATE
    );
    let server = TestServer::start_on(store, owner_again).await;
    let basic = server.call_as(&id, &secret, "/settings/keys", &[]).await;
    assert_eq!(basic["stat"], "ok", "{basic}");
    let form: Value = server
        .post_form(
            "/settings/keys",
            &[
                ("client_id", id.as_str()),
                ("client_secret", secret.as_str()),
            ],
        )
        .await;
    assert_eq!(form["stat"], "ok", "{form}");
    let date = signature::format_date(server.clock.now());
    let signed = signature::sign(&secret, "/settings/keys", &date, &[]);
    let answer = common::answer(
        server
            .http
            .post(server.url("/settings/keys"))
            .header("Date", date)
            .header(
                "Authorization",
                signature::authorization_header(&id, &signed),
            ),
    )
    .await;
    assert_eq!(answer["stat"], "ok", "{answer}");
}
