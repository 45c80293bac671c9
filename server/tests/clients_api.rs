//! The /clients/* API over real HTTP against a real SQLite file.

mod common;

use app::domain::signature;
use common::{assert_error, TestServer};
use serde_json::Value;

async fn signed(
    server: &TestServer,
    id: &str,
    secret: &str,
    path: &str,
    params: &[(&str, &str)],
    date: &str,
) -> Value {
    server.call_signed(id, secret, path, params, date).await
}

#[tokio::test]
async fn healthz_reports_the_database() {
    let server = TestServer::start().await;
    let response = server
        .http
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn basic_and_form_credentials_authenticate() {
    let server = TestServer::start().await;
    let body = server.call("/clients/list", &[]).await;
    assert_eq!(body["stat"], "ok");
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["client_id"], server.owner.client_id.as_str());
    assert_eq!(results[0]["description"], "Owner");
    assert_eq!(results[0]["features"], serde_json::json!(["owner"]));
    assert_eq!(results[0]["whitelist"], serde_json::json!(["0.0.0.0/0"]));

    let body: Value = server
        .http
        .get(server.url("/clients/list"))
        .query(&[
            ("client_id", &server.owner.client_id),
            ("client_secret", &server.owner.client_secret),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["stat"], "ok", "GET with query credentials: {body}");
}

#[tokio::test]
async fn bad_credentials_get_402() {
    let server = TestServer::start().await;
    let wrong = server
        .call_as(
            &server.owner.client_id,
            "x".repeat(32).as_str(),
            "/clients/list",
            &[],
        )
        .await;
    assert_error(&wrong, 402, "invalid_client_credentials", None);
    let unknown = server
        .call_as(
            &"a".repeat(32),
            &server.owner.client_secret,
            "/clients/list",
            &[],
        )
        .await;
    assert_error(&unknown, 402, "invalid_client_credentials", None);
    let none: Value = server
        .http
        .post(server.url("/clients/list"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_error(&none, 402, "invalid_client_credentials", None);
    assert!(none["error_description"]
        .as_str()
        .unwrap()
        .contains("no client credentials"));
    let bearer: Value = server
        .http
        .post(server.url("/clients/list"))
        .header("Authorization", "Bearer abc")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_error(&bearer, 402, "invalid_client_credentials", None);
    let garbage: Value = server
        .http
        .post(server.url("/clients/list"))
        .header("Authorization", "Basic %%%not-base64")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_error(&garbage, 402, "invalid_client_credentials", None);
}

#[tokio::test]
async fn janrain_signed_requests_authenticate_and_stale_or_forged_ones_do_not() {
    let server = TestServer::start().await;
    let (id, secret) = (
        server.owner.client_id.clone(),
        server.owner.client_secret.clone(),
    );
    let now = signature::format_date(server.clock.now());

    let body = signed(&server, &id, &secret, "/clients/list", &[], &now).await;
    assert_eq!(body["stat"], "ok", "{body}");
    let body = signed(
        &server,
        &id,
        &secret,
        "/clients/add",
        &[("description", "Signed"), ("features", "[]")],
        &now,
    )
    .await;
    assert_eq!(body["stat"], "ok", "signed with parameters: {body}");

    let stale = signature::format_date(server.clock.now() - 301);
    let body = signed(&server, &id, &secret, "/clients/list", &[], &stale).await;
    assert_error(&body, 402, "invalid_client_credentials", None);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("300 seconds"));
    let future = signature::format_date(server.clock.now() + 301);
    assert_error(
        &signed(&server, &id, &secret, "/clients/list", &[], &future).await,
        402,
        "invalid_client_credentials",
        None,
    );
    let wrong = signed(&server, &id, &"y".repeat(32), "/clients/list", &[], &now).await;
    assert_error(&wrong, 402, "invalid_client_credentials", None);

    // A signature over other parameters than those sent is refused.
    let sig = signature::sign(
        &secret,
        "/clients/add",
        &now,
        &[("description".into(), "A".into())],
    );
    let tampered: Value = server
        .http
        .post(server.url("/clients/add"))
        .header("Date", &now)
        .header("Authorization", signature::authorization_header(&id, &sig))
        .form(&[("description", "B")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_error(&tampered, 402, "invalid_client_credentials", None);
    let names: Vec<String> = server
        .store
        .properties_with_features(&[])
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert!(!names.contains(&"B".to_string()));
}

#[tokio::test]
async fn add_creates_a_client_with_defaults_and_rejects_bad_input() {
    let server = TestServer::start().await;
    let (id, secret) = server.add_client("Web site", "[\"login_client\"]").await;
    assert!(app::domain::tokens::is_token(&id) && app::domain::tokens::is_token(&secret));
    let record = server.store.property(&id).await.unwrap().unwrap();
    assert_eq!(record.name, "Web site");
    assert_eq!(record.whitelist, vec!["0.0.0.0/0"]);

    let plain = server
        .call("/clients/add", &[("description", "No features")])
        .await;
    assert_eq!(plain["stat"], "ok");
    let created = server
        .store
        .property(plain["client_id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(created.features.is_empty());

    assert_error(
        &server.call("/clients/add", &[]).await,
        100,
        "missing_argument",
        Some("description"),
    );
    let missing = server.call("/clients/add", &[]).await;
    assert_eq!(
        missing["error_description"],
        "missing required argument: description"
    );

    let clash = server
        .call("/clients/add", &[("description", "  WEB SITE ")])
        .await;
    assert_error(&clash, 200, "invalid_argument", Some("description"));

    let ninja = server
        .call(
            "/clients/add",
            &[("description", "N"), ("features", "[\"ninja_superuser\"]")],
        )
        .await;
    assert_error(&ninja, 200, "invalid_argument", Some("features"));
    assert_eq!(
        ninja["error_description"],
        "features was not valid for the following reason: ninja_superuser is not a valid feature name"
    );
    for bad in [
        "[\"login_client\",\"owner\"]",
        "[\"metadata\"]",
        "owner",
        "{\"a\":1}",
        "[1]",
    ] {
        let body = server
            .call("/clients/add", &[("description", "Bad"), ("features", bad)])
            .await;
        assert_error(&body, 200, "invalid_argument", Some("features"));
    }
    let empty_name = server.call("/clients/add", &[("description", "   ")]).await;
    assert_error(&empty_name, 200, "invalid_argument", Some("description"));
    let long_name = "x".repeat(101);
    assert_error(
        &server
            .call("/clients/add", &[("description", &long_name)])
            .await,
        200,
        "invalid_argument",
        Some("description"),
    );
    // Nothing of the refused calls was stored.
    assert_eq!(server.property_count().await, 3);
}

#[tokio::test]
async fn delete_removes_clients_but_never_owners() {
    let server = TestServer::start().await;
    let (id, _) = server.add_client("Doomed", "[]").await;
    server
        .store
        .set_setting(
            app::store::settings::Scope::Property(&id),
            "site_name",
            "x",
            1,
        )
        .await
        .unwrap();
    let body = server
        .call("/clients/delete", &[("client_id_for_deletion", &id)])
        .await;
    assert_eq!(body["stat"], "ok");
    assert!(server.store.property(&id).await.unwrap().is_none());
    assert!(server
        .store
        .property_settings(&id)
        .await
        .unwrap()
        .is_empty());

    let again = server
        .call("/clients/delete", &[("client_id_for_deletion", &id)])
        .await;
    assert_error(
        &again,
        200,
        "invalid_argument",
        Some("client_id_for_deletion"),
    );
    let owner = server
        .call(
            "/clients/delete",
            &[("client_id_for_deletion", &server.owner.client_id)],
        )
        .await;
    assert_error(
        &owner,
        200,
        "invalid_argument",
        Some("client_id_for_deletion"),
    );
    assert!(owner["error_description"]
        .as_str()
        .unwrap()
        .contains("owner"));
    let (second_owner, _) = server.add_client("Second owner", "[\"owner\"]").await;
    let body = server
        .call(
            "/clients/delete",
            &[("client_id_for_deletion", &second_owner)],
        )
        .await;
    assert_error(
        &body,
        200,
        "invalid_argument",
        Some("client_id_for_deletion"),
    );
    assert_error(
        &server.call("/clients/delete", &[]).await,
        100,
        "missing_argument",
        Some("client_id_for_deletion"),
    );
    assert_error(
        &server
            .call("/clients/delete", &[("client_id_for_deletion", "nope")])
            .await,
        200,
        "invalid_argument",
        Some("client_id_for_deletion"),
    );
}

#[tokio::test]
async fn reset_secret_with_zero_hours_retires_the_old_secret_at_once() {
    let server = TestServer::start().await;
    let (id, old) = server.add_client("Rotating", "[\"direct_access\"]").await;
    let body = server
        .call("/clients/reset_secret", &[("for_client_id", &id)])
        .await;
    let new = body["new_secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    // A direct_access client cannot list clients (403), but 403 proves it authenticated; 402 proves it did not.
    assert_error(
        &server.call_as(&id, &old, "/clients/list", &[]).await,
        402,
        "invalid_client_credentials",
        None,
    );
    assert_error(
        &server.call_as(&id, &new, "/clients/list", &[]).await,
        403,
        "client_permission_error",
        None,
    );
}

#[tokio::test]
async fn reset_secret_grace_period_ends_exactly_at_expiry() {
    let server = TestServer::start().await;
    let (id, old) = server.add_client("Graceful", "[\"owner\"]").await;
    let new = server.reset_secret(&id, "2").await;
    assert_eq!(
        server.call_as(&id, &old, "/clients/list", &[]).await["stat"],
        "ok"
    );
    assert_eq!(
        server.call_as(&id, &new, "/clients/list", &[]).await["stat"],
        "ok"
    );
    // The old secret signs requests too while it is valid.
    let date = signature::format_date(server.clock.now());
    assert_eq!(
        signed(&server, &id, &old, "/clients/list", &[], &date).await["stat"],
        "ok"
    );

    server.clock.advance(2 * 3600 - 1);
    assert_eq!(
        server.call_as(&id, &old, "/clients/list", &[]).await["stat"],
        "ok"
    );
    server.clock.advance(1);
    assert_error(
        &server.call_as(&id, &old, "/clients/list", &[]).await,
        402,
        "invalid_client_credentials",
        None,
    );
    assert_eq!(
        server.call_as(&id, &new, "/clients/list", &[]).await["stat"],
        "ok"
    );
}

#[tokio::test]
async fn reset_secret_refuses_hours_out_of_range_and_changes_nothing() {
    let server = TestServer::start().await;
    for bad in ["169", "-1", "1.5", "two", ""] {
        let body = server
            .call("/clients/reset_secret", &[("hours_to_live", bad)])
            .await;
        assert_error(&body, 200, "invalid_argument", Some("hours_to_live"));
    }
    // The owner still works with its original secret.
    assert_eq!(server.call("/clients/list", &[]).await["stat"], "ok");
    let body = server
        .call("/clients/reset_secret", &[("hours_to_live", "168")])
        .await;
    assert_eq!(body["stat"], "ok");
    assert_eq!(
        server.call("/clients/list", &[]).await["stat"],
        "ok",
        "own old secret valid for 168 hours"
    );
}

#[tokio::test]
async fn set_description_renames_and_keeps_names_unique() {
    let server = TestServer::start().await;
    let (id, _) = server.add_client("Before", "[]").await;
    server.add_client("Taken", "[]").await;
    assert_eq!(
        server
            .call(
                "/clients/set_description",
                &[("for_client_id", &id), ("description", "After")]
            )
            .await["stat"],
        "ok"
    );
    assert_eq!(
        server.store.property(&id).await.unwrap().unwrap().name,
        "After"
    );
    let clash = server
        .call(
            "/clients/set_description",
            &[("for_client_id", &id), ("description", "taken")],
        )
        .await;
    assert_error(&clash, 200, "invalid_argument", Some("description"));
    assert_eq!(
        server.store.property(&id).await.unwrap().unwrap().name,
        "After"
    );
    let unknown = server
        .call(
            "/clients/set_description",
            &[("for_client_id", &"z".repeat(32)), ("description", "X")],
        )
        .await;
    assert_error(&unknown, 200, "invalid_argument", Some("for_client_id"));
    // Renaming to the same name in another case is allowed (it is the same property).
    assert_eq!(
        server
            .call(
                "/clients/set_description",
                &[("for_client_id", &id), ("description", "AFTER")]
            )
            .await["stat"],
        "ok"
    );
}

#[tokio::test]
async fn set_features_follows_seed_000() {
    let server = TestServer::start().await;
    let (id, _) = server.add_client("Target", "[\"login_client\"]").await;
    // The seed's example: make the target an owner.
    let body = server
        .call(
            "/clients/set_features",
            &[("for_client_id", &id), ("features", "[\"owner\"]")],
        )
        .await;
    assert_eq!(body, serde_json::json!({"stat": "ok"}));
    assert!(server
        .store
        .property(&id)
        .await
        .unwrap()
        .unwrap()
        .is_owner());
    // An owner may remove owner from another client...
    let body = server
        .call(
            "/clients/set_features",
            &[
                ("for_client_id", &id),
                ("features", "[\"direct_access\",\"access_issuer\"]"),
            ],
        )
        .await;
    assert_eq!(body["stat"], "ok");
    // ...but not from itself.
    let body = server
        .call(
            "/clients/set_features",
            &[("features", "[\"direct_access\"]")],
        )
        .await;
    assert_error(&body, 200, "invalid_argument", Some("features"));
    assert!(server
        .store
        .property(&server.owner.client_id)
        .await
        .unwrap()
        .unwrap()
        .is_owner());
    let body = server
        .call(
            "/clients/set_features",
            &[
                ("for_client_id", &id),
                ("features", "[\"login_client\",\"direct_access\"]"),
            ],
        )
        .await;
    assert_error(&body, 200, "invalid_argument", Some("features"));
    assert_error(
        &server
            .call("/clients/set_features", &[("for_client_id", &id)])
            .await,
        100,
        "missing_argument",
        Some("features"),
    );
    let stored = server.store.property(&id).await.unwrap().unwrap().features;
    assert_eq!(
        stored.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
        ["access_issuer", "direct_access"]
    );
}

#[tokio::test]
async fn set_whitelist_follows_seed_001_and_the_whitelist_is_enforced() {
    let server = TestServer::start().await;
    let (id, secret) = server.add_client("Locked", "[\"owner\"]").await;
    let bad = server
        .call(
            "/clients/set_whitelist",
            &[("for_client_id", &id), ("whitelist", "[\"10.0.0.0/33\"]")],
        )
        .await;
    assert_error(&bad, 200, "invalid_argument", Some("whitelist"));
    assert_eq!(
        bad["error_description"],
        "whitelist was not valid for the following reason: invalid cidr address: 10.0.0.0/33; value after slash must be 32 or less"
    );
    let body = server
        .call(
            "/clients/set_whitelist",
            &[
                ("for_client_id", &id),
                (
                    "whitelist",
                    "[\"10.0.0.0/8\", \"192.168.1.7\", \"10.0.0.0/8\"]",
                ),
            ],
        )
        .await;
    assert_eq!(body["stat"], "ok");
    assert_eq!(
        server.store.property(&id).await.unwrap().unwrap().whitelist,
        vec!["10.0.0.0/8", "192.168.1.7/32"]
    );
    // Calls come from 127.0.0.1, which that whitelist does not allow.
    let refused = server.call_as(&id, &secret, "/clients/list", &[]).await;
    assert_error(&refused, 403, "client_permission_error", None);
    assert!(refused["error_description"]
        .as_str()
        .unwrap()
        .contains("127.0.0.1"));
    assert_eq!(
        server
            .call("/clients/clear_whitelist", &[("for_client_id", &id)])
            .await["stat"],
        "ok"
    );
    assert_eq!(
        server.call_as(&id, &secret, "/clients/list", &[]).await["stat"],
        "ok"
    );
    assert_eq!(
        server.store.property(&id).await.unwrap().unwrap().whitelist,
        vec!["0.0.0.0/0"]
    );

    // The owner cannot lock itself out...
    let lockout = server
        .call(
            "/clients/set_whitelist",
            &[("whitelist", "[\"10.0.0.0/8\"]")],
        )
        .await;
    assert_error(&lockout, 200, "invalid_argument", Some("whitelist"));
    // ...but may narrow its list to one that includes the caller.
    let own = server
        .call(
            "/clients/set_whitelist",
            &[("whitelist", "[\"127.0.0.0/8\", \"::1\"]")],
        )
        .await;
    assert_eq!(own["stat"], "ok");
    assert_error(
        &server.call("/clients/set_whitelist", &[]).await,
        100,
        "missing_argument",
        Some("whitelist"),
    );
    for bad in [
        "not json",
        "[\"\"]",
        "[\"1.2.3.4/\"]",
        "[\"::/129\"]",
        "[5]",
        "\"10.0.0.0/8\"",
    ] {
        assert_error(
            &server
                .call(
                    "/clients/set_whitelist",
                    &[("for_client_id", &id), ("whitelist", bad)],
                )
                .await,
            200,
            "invalid_argument",
            Some("whitelist"),
        );
    }
}

#[tokio::test]
async fn list_filters_by_any_of_has_features() {
    let server = TestServer::start().await;
    server.add_client("Login", "[\"login_client\"]").await;
    server
        .add_client("Reader", "[\"direct_read_access\"]")
        .await;
    server.add_client("Writer", "[\"direct_access\"]").await;
    let names = |body: &Value| {
        let mut names: Vec<String> = body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["description"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(&server.call("/clients/list", &[]).await).len(), 4);
    assert_eq!(
        names(
            &server
                .call("/clients/list", &[("has_features", "[\"login_client\"]")])
                .await
        ),
        ["Login"]
    );
    assert_eq!(
        names(
            &server
                .call(
                    "/clients/list",
                    &[("has_features", "[\"direct_access\",\"owner\"]")]
                )
                .await
        ),
        ["Owner", "Writer"]
    );
    assert_error(
        &server
            .call("/clients/list", &[("has_features", "[\"nope\"]")])
            .await,
        200,
        "invalid_argument",
        Some("has_features"),
    );
}

#[tokio::test]
async fn non_owners_get_403_on_every_clients_endpoint() {
    let server = TestServer::start().await;
    let (id, secret) = server
        .add_client("Plain", "[\"direct_access\",\"access_issuer\"]")
        .await;
    for endpoint in [
        "/clients/list",
        "/clients/add",
        "/clients/delete",
        "/clients/reset_secret",
        "/clients/set_description",
        "/clients/set_features",
        "/clients/set_whitelist",
        "/clients/clear_whitelist",
    ] {
        let body = server
            .call_as(
                &id,
                &secret,
                endpoint,
                &[("description", "x"), ("features", "[]")],
            )
            .await;
        assert_error(&body, 403, "client_permission_error", None);
    }
    assert_eq!(server.property_count().await, 2);
}

#[tokio::test]
async fn transport_errors_are_capture_errors() {
    let server = TestServer::start().await;
    let unknown = server.call("/clients/frobnicate", &[]).await;
    assert_error(&unknown, 200, "invalid_argument", Some("path"));
    let put: Value = server
        .http
        .put(server.url("/clients/list"))
        .basic_auth(&server.owner.client_id, Some(&server.owner.client_secret))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_error(&put, 200, "invalid_argument", Some("method"));
    let huge = "x".repeat(2 * 1024 * 1024);
    let response = server
        .http
        .post(server.url("/clients/add"))
        .basic_auth(&server.owner.client_id, Some(&server.owner.client_secret))
        .form(&[("description", huge.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_error(
        &response.json().await.unwrap(),
        200,
        "invalid_argument",
        Some("body"),
    );
    let twice: Value = server
        .http
        .post(server.url("/clients/add?description=A"))
        .basic_auth(&server.owner.client_id, Some(&server.owner.client_secret))
        .form(&[("description", "B")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_error(&twice, 200, "invalid_argument", Some("description"));
    let json_body: Value = server
        .http
        .post(server.url("/clients/add"))
        .basic_auth(&server.owner.client_id, Some(&server.owner.client_secret))
        .header("Content-Type", "application/json")
        .body("{\"description\":\"J\"}")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_error(&json_body, 200, "invalid_argument", Some("body"));
    assert_eq!(server.property_count().await, 1);
}

#[tokio::test]
async fn trusted_proxies_forwarded_address_is_used_for_the_whitelist() {
    let server = TestServer::start_with_proxies(vec!["127.0.0.1/32".parse().unwrap()]).await;
    let (id, secret) = server.add_client("Behind proxy", "[\"owner\"]").await;
    server
        .call(
            "/clients/set_whitelist",
            &[
                ("for_client_id", &id),
                ("whitelist", "[\"203.0.113.0/24\"]"),
            ],
        )
        .await;
    let call = |forwarded: &'static str| {
        server
            .http
            .post(server.url("/clients/list"))
            .basic_auth(&id, Some(&secret))
            .header("X-Forwarded-For", forwarded)
            .send()
    };
    let allowed: Value = call("203.0.113.9").await.unwrap().json().await.unwrap();
    assert_eq!(allowed["stat"], "ok", "{allowed}");
    let spoofed: Value = call("203.0.113.9, 198.51.100.1")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_error(&spoofed, 403, "client_permission_error", None);
}

#[tokio::test]
async fn untrusted_peers_cannot_spoof_x_forwarded_for() {
    let server = TestServer::start().await;
    let (id, secret) = server.add_client("Direct", "[\"owner\"]").await;
    server
        .call(
            "/clients/set_whitelist",
            &[
                ("for_client_id", &id),
                ("whitelist", "[\"203.0.113.0/24\"]"),
            ],
        )
        .await;
    let body: Value = server
        .http
        .post(server.url("/clients/list"))
        .basic_auth(&id, Some(&secret))
        .header("X-Forwarded-For", "203.0.113.9")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_error(&body, 403, "client_permission_error", None);
}

#[tokio::test]
async fn parallel_writes_leave_a_consistent_state() {
    let server = std::sync::Arc::new(TestServer::start().await);
    let (id, _) = server.add_client("Busy", "[]").await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let server = server.clone();
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                let features = if i % 4 == 0 {
                    "[\"direct_access\"]"
                } else {
                    "[\"access_issuer\"]"
                };
                server
                    .call(
                        "/clients/set_features",
                        &[("for_client_id", &id), ("features", features)],
                    )
                    .await
            } else {
                server
                    .call("/clients/reset_secret", &[("for_client_id", &id)])
                    .await
            }
        }));
    }
    let mut last_secrets = Vec::new();
    for task in tasks {
        let body = task.await.unwrap();
        assert_eq!(body["stat"], "ok", "{body}");
        if let Some(secret) = body["new_secret"].as_str() {
            last_secrets.push(secret.to_string());
        }
    }
    let record = server.store.property(&id).await.unwrap().unwrap();
    assert_eq!(record.version, 41, "every write counted once");
    assert!(
        last_secrets
            .iter()
            .any(|s| s == record.client_secret.expose()),
        "the stored secret is one that was handed out"
    );
    assert_eq!(record.features.len(), 1);
    assert!(record.previous_secret.is_none());
}

#[tokio::test]
async fn the_openapi_document_is_served() {
    let server = TestServer::start().await;
    let response = server
        .http
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let document: Value = response.json().await.unwrap();
    assert!(
        document["paths"]["/clients/reset_secret"].is_object(),
        "{document}"
    );
}
