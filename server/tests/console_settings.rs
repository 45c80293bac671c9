//! The settings pages' server functions over real HTTP: one transaction per save, stale edits
//! refused, every key and value checked again, and only admins may write.

mod common;

use app::error::ConsoleError;
use app::settings::model::{SavedSettings, SettingsSnapshot};
use common::TestServer;
use serde_json::{json, Value};

async fn save_property(server: &TestServer, id: &str, changes: Value) -> (u16, String) {
    let cookie = server.fresh_admin_cookie().await;
    server
        .console_json(
            &cookie,
            "/api/settings/save",
            &json!({ "client_id": id, "changes": changes }),
        )
        .await
}

async fn effective(server: &TestServer, id: &str, key: &str) -> Value {
    server
        .call("/settings/get", &[("key", key), ("for_client_id", id)])
        .await["result"]
        .clone()
}

async fn own_settings(server: &TestServer, id: &str) -> Value {
    server.call("/settings/get_all", &[]).await["client_settings"][id].clone()
}

#[tokio::test]
async fn a_property_save_applies_every_change_at_once_and_reports_them() {
    let server = TestServer::start().await;
    let (id, _) = server.add_client("Shop", "[]").await;
    server
        .call(
            "/settings/set_default",
            &[("key", "login_attempts"), ("value", "6")],
        )
        .await;
    server
        .call(
            "/settings/set_multi",
            &[("items", r#"{"a":"1","b":"2"}"#), ("for_client_id", &id)],
        )
        .await;

    let (status, body) = save_property(
        &server,
        &id,
        json!([
            { "key": "a", "expected": "1", "new": "10" },
            { "key": "b", "expected": "2", "new": null },
            { "key": "login_attempts", "expected": null, "new": "4" },
        ]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let saved: SavedSettings = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (saved.diff.added, saved.diff.changed, saved.diff.removed),
        (1, 1, 1)
    );
    let keys: Vec<_> = saved.snapshot.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["a", "login_attempts"]);
    assert_eq!(saved.snapshot.rows[1].global.as_deref(), Some("6"));
    assert_eq!(saved.snapshot.rows[1].property.as_deref(), Some("4"));
    assert_eq!(effective(&server, &id, "login_attempts").await, "4");
    assert_eq!(
        own_settings(&server, &id).await,
        json!({"a": "10", "login_attempts": "4"})
    );

    // Removing the override brings the global value back.
    let (status, body) = save_property(
        &server,
        &id,
        json!([{ "key": "login_attempts", "expected": "4", "new": null }]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(effective(&server, &id, "login_attempts").await, "6");
}

#[tokio::test]
async fn bad_keys_and_values_are_refused_on_their_row_and_nothing_is_written() {
    let server = TestServer::start().await;
    let (id, _) = server.add_client("Shop", "[]").await;
    let cases = [
        (
            json!([{ "key": "ok", "expected": null, "new": "1" }, { "key": "my key", "expected": null, "new": "x" }]),
            "my key",
            "The key contains a space; use underscores instead (my_setting_name).",
        ),
        (
            json!([{ "key": "ok", "expected": null, "new": "1" }, { "key": "big", "expected": null, "new": "v".repeat(65_537) }]),
            "big",
            "The value must be at most 65536 bytes (64 KiB); it has 65537.",
        ),
        (
            json!([{ "key": "twice", "expected": null, "new": "1" }, { "key": "twice", "expected": null, "new": "2" }]),
            "twice",
            "This key appears twice; keep one row per key.",
        ),
    ];
    for (changes, field, message) in cases {
        let (status, body) = save_property(&server, &id, changes).await;
        assert_eq!(status, 422, "{body}");
        let error: ConsoleError = serde_json::from_str(&body).unwrap();
        assert_eq!(error.for_field(field).as_deref(), Some(message), "{body}");
    }
    let many: Vec<Value> = (0..1001)
        .map(|i| json!({ "key": format!("k{i}"), "expected": null, "new": "v" }))
        .collect();
    let (status, body) = save_property(&server, &id, Value::Array(many)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        own_settings(&server, &id).await,
        Value::Null,
        "nothing was written"
    );
}

#[tokio::test]
async fn a_stale_save_is_a_conflict_naming_the_keys_and_writes_nothing() {
    let server = TestServer::start().await;
    let (id, _) = server.add_client("Shop", "[]").await;
    server
        .call(
            "/settings/set",
            &[("key", "k"), ("value", "theirs"), ("for_client_id", &id)],
        )
        .await;
    let (status, body) = save_property(
        &server,
        &id,
        json!([
            { "key": "k", "expected": "mine-before", "new": "mine" },
            { "key": "other", "expected": null, "new": "x" },
        ]),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let error: ConsoleError = serde_json::from_str(&body).unwrap();
    assert_eq!(
        error,
        ConsoleError::SettingsConflict {
            keys: vec!["k".into()]
        }
    );
    assert_eq!(own_settings(&server, &id).await, json!({"k": "theirs"}));
}

#[tokio::test]
async fn unknown_properties_are_not_found() {
    let server = TestServer::start().await;
    let (status, body) = save_property(
        &server,
        &"x".repeat(32),
        json!([{ "key": "k", "expected": null, "new": "v" }]),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = server
        .console(
            &server.fresh_admin_cookie().await,
            "/api/settings",
            &[("client_id", &"x".repeat(32))],
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn viewers_read_but_cannot_save_and_signed_out_callers_get_nothing() {
    let server = TestServer::start().await;
    let (id, _) = server.add_client("Shop", "[]").await;
    server
        .call(
            "/settings/set",
            &[("key", "k"), ("value", "v"), ("for_client_id", &id)],
        )
        .await;
    let (status, body) = server
        .console(
            &server.viewer_cookie,
            "/api/settings",
            &[("client_id", &id)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let snapshot: SettingsSnapshot = serde_json::from_str(&body).unwrap();
    assert_eq!(snapshot.property.unwrap().name, "Shop");

    let change = json!([{ "key": "k", "expected": "v", "new": "forged" }]);
    let (status, _) = server
        .console_json(
            &server.viewer_cookie,
            "/api/settings/save",
            &json!({ "client_id": id, "changes": change }),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = server
        .console_json(
            &server.viewer_cookie,
            "/api/settings/save",
            &json!({ "changes": [{ "key": "g", "expected": null, "new": "forged" }] }),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = server
        .console_json(
            "",
            "/api/settings/save",
            &json!({ "client_id": id, "changes": change }),
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = server.console("", "/api/settings", &[]).await;
    assert_eq!(status, 401);
    assert_eq!(own_settings(&server, &id).await, json!({"k": "v"}));
    assert_eq!(
        server.call("/settings/get_default", &[("key", "g")]).await["result"],
        Value::Null
    );
}

#[tokio::test]
async fn deleting_a_global_key_keeps_the_property_overrides_it_counted() {
    let server = TestServer::start().await;
    let (first, _) = server.add_client("First", "[]").await;
    let (second, _) = server.add_client("Second", "[]").await;
    server
        .call(
            "/settings/set_default",
            &[("key", "site_name"), ("value", "Global")],
        )
        .await;
    for id in [&first, &second] {
        server
            .call(
                "/settings/set",
                &[
                    ("key", "site_name"),
                    ("value", "Own"),
                    ("for_client_id", id),
                ],
            )
            .await;
    }
    let cookie = server.fresh_admin_cookie().await;
    let (status, body) = server.console(&cookie, "/api/settings", &[]).await;
    assert_eq!(status, 200, "{body}");
    let snapshot: SettingsSnapshot = serde_json::from_str(&body).unwrap();
    assert!(snapshot.property.is_none());
    assert_eq!(snapshot.rows.len(), 1);
    assert_eq!(snapshot.rows[0].overrides, 2);

    let (status, body) = server
        .console_json(
            &cookie,
            "/api/settings/save",
            &json!({ "changes": [
            { "key": "site_name", "expected": "Global", "new": null },
            { "key": "default_flow_name", "expected": null, "new": "standard" },
        ] }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let saved: SavedSettings = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (saved.diff.added, saved.diff.changed, saved.diff.removed),
        (1, 0, 1)
    );
    assert_eq!(
        server
            .call("/settings/get_default", &[("key", "site_name")])
            .await["result"],
        Value::Null
    );
    assert_eq!(effective(&server, &first, "site_name").await, "Own");
    assert_eq!(
        effective(&server, &second, "default_flow_name").await,
        "standard"
    );
}
