//! The /settings/* API over real HTTP against a real SQLite file.

mod common;

use common::{assert_error, TestServer};
use serde_json::json;

#[tokio::test]
async fn property_values_override_global_values_and_fall_back_when_deleted() {
    let server = TestServer::start().await;
    let (id, secret) = server.add_client("Site", "[\"login_client\"]").await;
    let as_site = |path: &'static str, params: Vec<(&'static str, String)>| {
        let server = &server;
        let (id, secret) = (id.clone(), secret.clone());
        async move {
            let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            server.call_as(&id, &secret, path, &params).await
        }
    };

    assert_eq!(
        as_site("/settings/get", vec![("key", "login_attempts".into())]).await,
        json!({"result": null, "stat": "ok"})
    );
    assert_eq!(
        server
            .call(
                "/settings/set_default",
                &[("key", "login_attempts"), ("value", "6")]
            )
            .await["result"],
        false
    );
    assert_eq!(
        server
            .call(
                "/settings/set_default",
                &[("key", "login_attempts"), ("value", "6")]
            )
            .await["result"],
        true
    );
    assert_eq!(
        as_site("/settings/get", vec![("key", "login_attempts".into())]).await["result"],
        "6"
    );

    // A login_client may write its own settings.
    assert_eq!(
        as_site(
            "/settings/set",
            vec![("key", "login_attempts".into()), ("value", "4".into())]
        )
        .await["result"],
        false
    );
    assert_eq!(
        as_site(
            "/settings/set",
            vec![("key", "login_attempts".into()), ("value", "4".into())]
        )
        .await["result"],
        true
    );
    assert_eq!(
        as_site("/settings/get", vec![("key", "login_attempts".into())]).await["result"],
        "4"
    );
    assert_eq!(
        server
            .call("/settings/get_default", &[("key", "login_attempts")])
            .await["result"],
        "6"
    );

    assert_eq!(
        as_site("/settings/delete", vec![("key", "login_attempts".into())]).await["result"],
        true
    );
    assert_eq!(
        as_site("/settings/delete", vec![("key", "login_attempts".into())]).await["result"],
        false
    );
    assert_eq!(
        as_site("/settings/get", vec![("key", "login_attempts".into())]).await["result"],
        "6",
        "falls back to global"
    );
    assert_eq!(
        server
            .call("/settings/get_default", &[("key", "login_attempts")])
            .await["result"],
        "6",
        "global untouched"
    );
}

#[tokio::test]
async fn items_keys_and_get_multi_show_effective_values() {
    let server = TestServer::start().await;
    let (id, _) = server.add_client("Site", "[]").await;
    server
        .call(
            "/settings/set_default_multi",
            &[("items", r#"{"site_name":"Global","email_method":"smtp"}"#)],
        )
        .await;
    server
        .call(
            "/settings/set_multi",
            &[
                ("for_client_id", &id),
                ("items", r#"{"site_name":"Mine","custom.key":"c"}"#),
            ],
        )
        .await;

    let items = server
        .call("/settings/items", &[("for_client_id", &id)])
        .await;
    assert_eq!(
        items["result"],
        json!({"custom.key": "c", "email_method": "smtp", "site_name": "Mine"})
    );
    let keys = server
        .call("/settings/keys", &[("for_client_id", &id)])
        .await;
    assert_eq!(
        keys["result"],
        json!(["custom.key", "email_method", "site_name"])
    );
    let multi = server
        .call(
            "/settings/get_multi",
            &[
                ("for_client_id", &id),
                ("keys", r#"["site_name","email_method","nope"]"#),
            ],
        )
        .await;
    assert_eq!(
        multi["result"],
        json!({"site_name": "Mine", "email_method": "smtp", "nope": null})
    );
    // The owner's own settings see only the globals.
    assert_eq!(
        server.call("/settings/items", &[]).await["result"],
        json!({"email_method": "smtp", "site_name": "Global"})
    );

    let all = server.call("/settings/get_all", &[]).await;
    assert_eq!(
        all,
        json!({
            "default_settings": {"email_method": "smtp", "site_name": "Global"},
            "client_settings": {id.clone(): {"custom.key": "c", "site_name": "Mine"}},
            "stat": "ok"
        })
    );
}

#[tokio::test]
async fn multi_writes_report_each_key_and_are_all_or_nothing() {
    let server = TestServer::start().await;
    server
        .call("/settings/set_default", &[("key", "a"), ("value", "1")])
        .await;
    let body = server
        .call(
            "/settings/set_default_multi",
            &[("items", r#"{"a":"2","b":"3"}"#)],
        )
        .await;
    assert_eq!(body["result"], json!({"a": true, "b": false}));

    for bad in [
        r#"{"c":"4","bad key":"5"}"#,
        r#"{"c":"4","d":5}"#,
        r#"["c"]"#,
        "not json",
        r#"{"c":null}"#,
    ] {
        let body = server.call("/settings/set_multi", &[("items", bad)]).await;
        assert_error(&body, 200, "invalid_argument", Some("items"));
        let body = server
            .call("/settings/set_default_multi", &[("items", bad)])
            .await;
        assert_error(&body, 200, "invalid_argument", Some("items"));
    }
    let all = server.call("/settings/get_all", &[]).await;
    assert_eq!(
        all["default_settings"],
        json!({"a": "2", "b": "3"}),
        "no bad batch wrote anything"
    );
    assert_eq!(all["client_settings"], json!({}));
}

#[tokio::test]
async fn bad_keys_and_values_are_refused_with_reasons() {
    let server = TestServer::start().await;
    assert_error(
        &server.call("/settings/get", &[]).await,
        100,
        "missing_argument",
        Some("key"),
    );
    assert_error(
        &server.call("/settings/set", &[("key", "k")]).await,
        100,
        "missing_argument",
        Some("value"),
    );
    let spaced = server
        .call("/settings/set", &[("key", "my key"), ("value", "v")])
        .await;
    assert_error(&spaced, 200, "invalid_argument", Some("key"));
    assert!(spaced["error_description"]
        .as_str()
        .unwrap()
        .starts_with("key was not valid for the following reason: "));
    let long_key = "k".repeat(101);
    assert_error(
        &server
            .call("/settings/set", &[("key", &long_key), ("value", "v")])
            .await,
        200,
        "invalid_argument",
        Some("key"),
    );
    let big = "v".repeat(64 * 1024 + 1);
    assert_error(
        &server
            .call("/settings/set", &[("key", "k"), ("value", &big)])
            .await,
        200,
        "invalid_argument",
        Some("value"),
    );
    let fits = "v".repeat(64 * 1024);
    assert_eq!(
        server
            .call("/settings/set", &[("key", "k"), ("value", &fits)])
            .await["result"],
        false
    );
    assert_error(
        &server.call("/settings/get_multi", &[("keys", "{}")]).await,
        200,
        "invalid_argument",
        Some("keys"),
    );
    assert_error(
        &server.call("/settings/get_multi", &[("keys", "[1]")]).await,
        200,
        "invalid_argument",
        Some("keys"),
    );
    let unknown = server
        .call("/settings/items", &[("for_client_id", &"q".repeat(32))])
        .await;
    assert_error(&unknown, 200, "invalid_argument", Some("for_client_id"));
    assert_error(
        &server.call("/settings/nope", &[]).await,
        200,
        "invalid_argument",
        Some("path"),
    );
}

#[tokio::test]
async fn only_owners_use_for_client_id_or_change_defaults() {
    let server = TestServer::start().await;
    let (id, secret) = server.add_client("Plain", "[\"direct_access\"]").await;
    let (other, _) = server.add_client("Other", "[]").await;
    server
        .call(
            "/settings/set_default",
            &[("key", "site_name"), ("value", "G")],
        )
        .await;

    for (path, params) in [
        (
            "/settings/get",
            vec![("for_client_id", other.as_str()), ("key", "site_name")],
        ),
        (
            "/settings/set",
            vec![
                ("for_client_id", other.as_str()),
                ("key", "site_name"),
                ("value", "x"),
            ],
        ),
        ("/settings/items", vec![("for_client_id", other.as_str())]),
        (
            "/settings/set_default",
            vec![("key", "site_name"), ("value", "x")],
        ),
        (
            "/settings/set_default_multi",
            vec![("items", r#"{"site_name":"x"}"#)],
        ),
        ("/settings/delete_default", vec![("key", "site_name")]),
        ("/settings/get_all", vec![]),
    ] {
        let body = server.call_as(&id, &secret, path, &params).await;
        assert_error(&body, 403, "client_permission_error", None);
    }
    // Reading the global value is allowed to any authenticated client.
    assert_eq!(
        server
            .call_as(
                &id,
                &secret,
                "/settings/get_default",
                &[("key", "site_name")]
            )
            .await["result"],
        "G"
    );
    assert!(server
        .store
        .property_settings(&other)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        server
            .store
            .global_setting("site_name")
            .await
            .unwrap()
            .as_deref(),
        Some("G")
    );
    assert_eq!(
        server
            .call("/settings/delete_default", &[("key", "site_name")])
            .await["result"],
        true
    );
    assert_eq!(
        server
            .call("/settings/delete_default", &[("key", "site_name")])
            .await["result"],
        false
    );
}

#[tokio::test]
async fn copying_a_property_copies_its_settings() {
    let server = TestServer::start().await;
    let (id, _) = server
        .add_client("United States", "[\"direct_access\"]")
        .await;
    server
        .call(
            "/settings/set_multi",
            &[
                ("for_client_id", &id),
                ("items", r#"{"site_name":"US","rpx_realm":"us"}"#),
            ],
        )
        .await;
    let copy = server
        .store
        .copy_property(&id, "United States copy", common::START)
        .await
        .unwrap();
    assert_ne!(copy.client_id, id);
    assert_eq!(
        copy.features,
        server.store.property(&id).await.unwrap().unwrap().features
    );
    let items = server
        .call("/settings/items", &[("for_client_id", &copy.client_id)])
        .await;
    assert_eq!(
        items["result"],
        json!({"rpx_realm": "us", "site_name": "US"})
    );
}
