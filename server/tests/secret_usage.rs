//! When each secret was last used and failed authentications: recorded by the API for the secret
//! that matched (current or previous, any scheme), shown on the property page at once, written
//! without bumping the version, and kept across a restart.

mod common;

use app::domain::signature;
use app::store::properties::NewProperty;
use app::store::Store;
use common::{answer, spawn_server, stop_server, TestServer, START};
use serde_json::Value;

async fn details(server: &TestServer, id: &str) -> Value {
    let (status, body) = server
        .console(
            &server.admin_cookie,
            "/api/properties/details",
            &[("client_id", id)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Calls `/settings/items` for the client itself with `client_id` and `client_secret` fields.
async fn call_with_fields(server: &TestServer, id: &str, secret: &str) -> Value {
    server
        .post_form(
            "/settings/items",
            &[("client_id", id), ("client_secret", secret)],
        )
        .await
}

async fn call_signed(server: &TestServer, id: &str, secret: &str) -> Value {
    let date = signature::format_date(server.clock.now());
    server
        .call_signed(id, secret, "/settings/items", &[], &date)
        .await
}

#[tokio::test]
async fn each_secret_records_its_own_last_use_and_failures_are_counted() {
    let server = TestServer::start().await;
    let (id, old_secret) = server.add_client("Shop", "[]").await;
    let before = details(&server, &id).await;
    assert_eq!(before["usage"]["current"], Value::Null);
    assert_eq!(before["usage"]["recent_failures"], 0);

    // The first secret, by Basic authentication.
    server.clock.advance(10);
    let used_at = server.clock.now();
    let ok = server
        .call_as(&id, &old_secret, "/settings/items", &[])
        .await;
    assert_eq!(ok["stat"], "ok", "{ok}");
    let page = details(&server, &id).await;
    assert_eq!(page["usage"]["current"]["at"], used_at);
    assert_eq!(page["usage"]["current"]["from"], "127.0.0.1");

    // A reset with a grace period: the old secret's use moves to "previous".
    server.clock.advance(50);
    let reset_at = server.clock.now();
    let new_secret = server.reset_secret(&id, "2").await;
    let page = details(&server, &id).await;
    assert_eq!(page["usage"]["current"], Value::Null);
    assert_eq!(page["usage"]["previous"]["at"], used_at);
    assert_eq!(page["usage"]["reset_at"], reset_at);

    // Old secret in form fields, new one signed: each lands on its own slot.
    server.clock.advance(30);
    let old_used_at = server.clock.now();
    assert_eq!(
        call_with_fields(&server, &id, &old_secret).await["stat"],
        "ok"
    );
    server.clock.advance(5);
    let new_used_at = server.clock.now();
    assert_eq!(call_signed(&server, &id, &new_secret).await["stat"], "ok");

    // Wrong secrets for this id count; an unknown id counts nowhere.
    server.clock.advance(5);
    for _ in 0..3 {
        let refused = call_with_fields(&server, &id, &"x".repeat(32)).await;
        assert_eq!(refused["code"], 402, "{refused}");
    }
    let refused = call_signed(&server, &id, &"y".repeat(32)).await;
    assert_eq!(refused["code"], 402, "{refused}");
    let unknown = call_with_fields(&server, &"z".repeat(32), &old_secret).await;
    assert_eq!(unknown["code"], 402);
    let failed_at = server.clock.now();

    let page = details(&server, &id).await;
    let usage = &page["usage"];
    assert_eq!(usage["previous"]["at"], old_used_at, "{page}");
    assert_eq!(usage["current"]["at"], new_used_at);
    assert_eq!(usage["current"]["from"], "127.0.0.1");
    assert_eq!(usage["recent_failures"], 4);
    assert_eq!(usage["last_failure"]["at"], failed_at);
    assert_eq!(usage["last_failure"]["from"], "127.0.0.1");

    // Written to the database, the same; and no version was bumped by any of it.
    server.store.flush_usage(server.clock.now()).await.unwrap();
    let flushed = details(&server, &id).await;
    assert_eq!(flushed["usage"], page["usage"]);
    assert_eq!(flushed["version"], page["version"]);
    let stored: i64 =
        sqlx::query_scalar("SELECT secret_last_used_at FROM properties WHERE client_id = ?")
            .bind(&id)
            .fetch_one(server.store.pool())
            .await
            .unwrap();
    assert_eq!(stored, new_used_at);
    let failure_rows: i64 = sqlx::query_scalar("SELECT SUM(count) FROM failed_authentications")
        .fetch_one(server.store.pool())
        .await
        .unwrap();
    assert_eq!(failure_rows, 4, "the unknown id stored nothing");

    // /clients/list stays as Capture defines it.
    let list = server.call("/clients/list", &[]).await;
    let client = list["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == id.as_str())
        .unwrap()
        .clone();
    let mut fields: Vec<&str> = client
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "client_id",
            "client_secret",
            "description",
            "features",
            "whitelist"
        ]
    );
    assert!(START < used_at);
}

/// A real server process, stopped with SIGTERM within the flush interval: the shutdown writes what
/// it had collected, and a new start shows it.
#[tokio::test]
async fn last_uses_survive_a_stop_and_a_start() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("gatehouse.db");
    let store = Store::open(&database).await.unwrap();
    let record = store
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

    let (mut child, base) = spawn_server(&database, &[]);
    let http = reqwest::Client::new();
    let accepted = answer(
        http.post(format!("{base}/settings/items"))
            .basic_auth(&record.client_id, Some(record.client_secret.expose())),
    )
    .await;
    assert_eq!(accepted["stat"], "ok", "{accepted}");
    let wrong = answer(
        http.post(format!("{base}/settings/items"))
            .basic_auth(&record.client_id, Some("w".repeat(32))),
    )
    .await;
    assert_eq!(wrong["code"], 402);

    stop_server(&mut child);

    let store = Store::open(&database).await.unwrap();
    let now = app::clock::Clock::System.now();
    let usage = store
        .secret_usage(&record.client_id, now)
        .await
        .unwrap()
        .unwrap();
    let current = usage.current.expect("the use was written at shutdown");
    assert_eq!(current.from, "127.0.0.1");
    assert!((now - current.at).abs() < 60);
    assert_eq!(usage.recent_failures, 1);
    assert_eq!(usage.last_failure.unwrap().from, "127.0.0.1");
}
