//! Console server functions over real HTTP: the rules are enforced on the server, and refusals
//! come back as the console's error type with a fitting status.

mod common;

use app::domain::features::Feature;
use app::error::ConsoleError;
use common::TestServer;

/// As the signed-in admin.
async fn post(server: &TestServer, endpoint: &str, form: &[(&str, &str)]) -> (u16, String) {
    server
        .console(&server.fresh_admin_cookie().await, endpoint, form)
        .await
}

#[tokio::test]
async fn copy_refuses_a_taken_name_with_422_and_a_field_error() {
    let server = TestServer::start().await;
    let (id, _) = server.add_client("Source", "[]").await;
    server.add_client("Taken", "[]").await;
    let (status, body) = post(
        &server,
        "/api/properties/copy",
        &[("source_id", &id), ("name", "TAKEN")],
    )
    .await;
    println!("body: {body}");
    assert_eq!(status, 422, "{body}");
    let error: ConsoleError = serde_json::from_str(&body).unwrap();
    assert_eq!(
        error.for_field("name").as_deref(),
        Some("Another property is already named \"TAKEN\"; choose a different name.")
    );
    assert_eq!(server.property_count().await, 3);
}

#[tokio::test]
async fn delete_refuses_owners_and_reports_unknown_properties() {
    let server = TestServer::start().await;
    let owner = server.owner.client_id.clone();
    let (status, body) = post(&server, "/api/properties/delete", &[("client_id", &owner)]).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("owner properties cannot be deleted"),
        "{body}"
    );
    assert!(server.store.property(&owner).await.unwrap().is_some());

    let (status, body) = post(
        &server,
        "/api/properties/delete",
        &[("client_id", &"u".repeat(32))],
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (id, _) = server.add_client("Doomed", "[]").await;
    let (status, _) = post(&server, "/api/properties/delete", &[("client_id", &id)]).await;
    assert_eq!(status, 200);
    assert!(server.store.property(&id).await.unwrap().is_none());
}

#[tokio::test]
async fn copy_validates_the_name_on_the_server() {
    let server = TestServer::start().await;
    let (id, _) = server.add_client("Source", "[]").await;
    for bad in ["", "   ", &"x".repeat(101)] {
        let (status, body) = post(
            &server,
            "/api/properties/copy",
            &[("source_id", &id), ("name", bad)],
        )
        .await;
        assert_eq!(status, 422, "{body}");
        let error: ConsoleError = serde_json::from_str(&body).unwrap();
        assert!(error.for_field("name").is_some(), "{body}");
    }
    let (status, _) = post(
        &server,
        "/api/properties/copy",
        &[("source_id", &"m".repeat(32)), ("name", "Orphan")],
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(server.property_count().await, 2);
}

#[tokio::test]
async fn the_list_function_pages_in_sql_and_clamps_odd_input() {
    let server = TestServer::start().await;
    for i in 0..12 {
        server
            .add_client(&format!("Item {i:02}"), "[\"access_issuer\"]")
            .await;
    }
    let list = |view: serde_json::Value| {
        let server = &server;
        async move {
            let response = server
                .http
                .post(server.url("/api/properties/list"))
                .header("Cookie", &server.admin_cookie)
                .json(&serde_json::json!({ "view": view }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.json::<serde_json::Value>().await.unwrap()
        }
    };
    let view = |search: &str, page: u64, rows: Option<u32>| serde_json::json!({"search": search, "features": ["access_issuer"], "sort": "Name", "direction": "Ascending", "page": page, "rows": rows});
    let first = list(view("item", 1, Some(5))).await;
    assert_eq!(first["total"], 12);
    assert_eq!(first["rows"].as_array().unwrap().len(), 5);
    assert_eq!(first["rows"][0]["name"], "Item 00");
    assert!(
        first["rows"][0].get("client_secret").is_none(),
        "the list never carries secrets"
    );
    // Past the end: the last page. A page size the console does not offer: the default.
    let beyond = list(view("item", 99, Some(5))).await;
    assert_eq!(beyond["page"], 3);
    assert_eq!(beyond["rows"].as_array().unwrap().len(), 2);
    let odd = list(view("item", 1, Some(7))).await;
    assert_eq!(odd["rows_per_page"], 5);
    let wild = list(view("%_", 1, None)).await;
    assert_eq!(wild["total"], 0);
}

async fn post_json(server: &TestServer, endpoint: &str, body: serde_json::Value) -> (u16, String) {
    server
        .console_json(&server.fresh_admin_cookie().await, endpoint, &body)
        .await
}

fn field_error(body: &str, field: &str) -> Option<String> {
    serde_json::from_str::<ConsoleError>(body)
        .ok()
        .and_then(|e| e.for_field(field))
}

async fn details(server: &TestServer, id: &str) -> serde_json::Value {
    let (status, body) = post(server, "/api/properties/details", &[("client_id", id)]).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test]
async fn create_stores_a_checked_property_and_refuses_every_broken_rule() {
    let server = TestServer::start().await;
    let create = |name: &str, features: serde_json::Value, whitelist: serde_json::Value| serde_json::json!({ "name": name, "features": features, "whitelist": whitelist });
    let (status, body) = post_json(
        &server,
        "/api/properties/create",
        create(
            "  Shop  ",
            serde_json::json!(["login_client"]),
            serde_json::json!([]),
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let created: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(created.get("client_secret").is_none(), "no secret: {body}");
    let id = created["client_id"].as_str().unwrap();
    let record = server.store.property(id).await.unwrap().unwrap();
    assert_eq!(record.name, "Shop");
    assert_eq!(record.features, vec![Feature::LoginClient]);
    assert_eq!(
        record.whitelist,
        vec!["0.0.0.0/0"],
        "empty means the default"
    );

    // Name clash (case-insensitive), bad names, login_client combined, bad CIDR: each refused with
    // a message for its field, nothing stored.
    let cases = [
        (
            create("SHOP", serde_json::json!([]), serde_json::json!([])),
            "name",
        ),
        (
            create("   ", serde_json::json!([]), serde_json::json!([])),
            "name",
        ),
        (
            create(
                &"x".repeat(101),
                serde_json::json!([]),
                serde_json::json!([]),
            ),
            "name",
        ),
        (
            create(
                "Mixed",
                serde_json::json!(["login_client", "access_issuer"]),
                serde_json::json!([]),
            ),
            "features",
        ),
        (
            create(
                "Bad range",
                serde_json::json!([]),
                serde_json::json!(["10.0.0.0/8", "10.0.0.0/33"]),
            ),
            "whitelist.1",
        ),
        (
            create(
                "Bad address",
                serde_json::json!([]),
                serde_json::json!(["300.1.1.1"]),
            ),
            "whitelist.0",
        ),
    ];
    for (form, field) in cases {
        let (status, body) = post_json(&server, "/api/properties/create", form.clone()).await;
        assert_eq!(status, 422, "{form} {body}");
        assert!(field_error(&body, field).is_some(), "{field}: {body}");
    }
    assert_eq!(
        field_error(
            &post_json(
                &server,
                "/api/properties/create",
                create("shop", serde_json::json!([]), serde_json::json!([]))
            )
            .await
            .1,
            "name"
        )
        .as_deref(),
        Some("Another property is already named \"shop\"; choose a different name.")
    );
    assert_eq!(server.property_count().await, 2, "only the owner and Shop");

    // The console may assign metadata and owner; entries are stored in canonical text, deduplicated.
    let (status, body) = post_json(
        &server,
        "/api/properties/create",
        create(
            "Admin",
            serde_json::json!(["metadata", "owner", "owner"]),
            serde_json::json!(["192.0.2.7", "10.1.2.3/8", "192.0.2.7/32"]),
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id: serde_json::Value = serde_json::from_str(&body).unwrap();
    let record = server
        .store
        .property(id["client_id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.features, vec![Feature::Owner, Feature::Metadata]);
    assert_eq!(record.whitelist, vec!["192.0.2.7/32", "10.1.2.3/8"]);
}

#[tokio::test]
async fn details_never_carry_a_secret_and_unknown_ids_are_404() {
    let server = TestServer::start().await;
    let (id, secret) = server.add_client("Plain", "[\"direct_access\"]").await;
    let (status, body) = post(&server, "/api/properties/details", &[("client_id", &id)]).await;
    assert_eq!(status, 200);
    assert!(!body.contains(&secret), "{body}");
    let d: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(d["name"], "Plain");
    assert_eq!(d["features"], serde_json::json!(["direct_access"]));
    assert_eq!(d["whitelist"], serde_json::json!(["0.0.0.0/0"]));
    assert_eq!(d["previous_secret_expires_at"], serde_json::Value::Null);
    let (status, _) = post(
        &server,
        "/api/properties/details",
        &[("client_id", &"z".repeat(32))],
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn save_changes_checks_every_rule_and_the_version() {
    let server = TestServer::start().await;
    let (id, _) = server.add_client("Editable", "[\"access_issuer\"]").await;
    server.add_client("Other", "[]").await;
    let version = details(&server, &id).await["version"].as_i64().unwrap();
    let save = |version: i64,
                name: &str,
                features: serde_json::Value,
                whitelist: serde_json::Value| {
        serde_json::json!({"client_id": id, "version": version, "name": name, "features": features, "whitelist": whitelist})
    };

    // Refusals: nothing written, the version unchanged.
    let refusals = [
        (
            save(
                version,
                "other",
                serde_json::json!([]),
                serde_json::json!([]),
            ),
            "name",
        ),
        (
            save(version, "", serde_json::json!([]), serde_json::json!([])),
            "name",
        ),
        (
            save(
                version,
                "Renamed",
                serde_json::json!(["login_client", "direct_access"]),
                serde_json::json!([]),
            ),
            "features",
        ),
        (
            save(
                version,
                "Renamed",
                serde_json::json!([]),
                serde_json::json!(["10.0.0.0/8", "nope"]),
            ),
            "whitelist.1",
        ),
    ];
    for (form, field) in refusals {
        let (status, body) = post_json(&server, "/api/properties/save", form.clone()).await;
        assert_eq!(status, 422, "{form} {body}");
        assert!(field_error(&body, field).is_some(), "{field}: {body}");
    }
    let record = server.store.property(&id).await.unwrap().unwrap();
    assert_eq!(
        (record.name.as_str(), record.version),
        ("Editable", version)
    );

    // A good save: name, features, whitelist together; the id stays; the version moves on.
    let (status, body) = post_json(
        &server,
        "/api/properties/save",
        save(
            version,
            "Renamed",
            serde_json::json!(["direct_read_access", "owner"]),
            serde_json::json!(["10.1.2.3/8", "2001:db8::/32"]),
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let saved: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(saved["client_id"], id.as_str());
    assert_eq!(saved["version"], version + 1);
    let listed = server.call("/clients/list", &[]).await;
    let row = listed["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["client_id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["description"], "Renamed");
    assert_eq!(
        row["whitelist"],
        serde_json::json!(["10.1.2.3/8", "2001:db8::/32"])
    );

    // A stale version: 409, nothing overwritten.
    let (status, body) = post_json(
        &server,
        "/api/properties/save",
        save(
            version,
            "Stale",
            serde_json::json!(["owner"]),
            serde_json::json!([]),
        ),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        serde_json::from_str::<ConsoleError>(&body).unwrap(),
        ConsoleError::Conflict
    );
    assert_eq!(
        server.store.property(&id).await.unwrap().unwrap().name,
        "Renamed"
    );

    // Once saved as owner, the console cannot take owner away again.
    let (status, body) = post_json(
        &server,
        "/api/properties/save",
        save(
            version + 1,
            "Renamed",
            serde_json::json!(["direct_read_access"]),
            serde_json::json!([]),
        ),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        field_error(&body, "features").unwrap().contains("owner"),
        "{body}"
    );

    // An empty whitelist is stored empty (any address).
    let (status, body) = post_json(
        &server,
        "/api/properties/save",
        save(
            version + 1,
            "Renamed",
            serde_json::json!(["owner"]),
            serde_json::json!([]),
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(server
        .store
        .property(&id)
        .await
        .unwrap()
        .unwrap()
        .whitelist
        .is_empty());

    let (status, _) = post_json(
        &server,
        "/api/properties/save",
        serde_json::json!({"client_id": "q".repeat(32), "version": 1, "name": "Ghost", "features": [], "whitelist": []}),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_secret_travels_only_through_reveal_and_reset() {
    let server = TestServer::start().await;
    let (id, secret) = server.add_client("Secretive", "[\"owner\"]").await;
    let (status, body) = post(&server, "/api/properties/secret", &[("client_id", &id)]).await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<String>(&body).unwrap(), secret);
    let (status, _) = post(
        &server,
        "/api/properties/secret",
        &[("client_id", &"y".repeat(32))],
    )
    .await;
    assert_eq!(status, 404);
    // The server-rendered page shows the property but never its secret.
    let page = server
        .http
        .get(server.url(&format!("/properties/{id}")))
        .header("Cookie", &server.admin_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Secretive"), "{html}");
    assert!(!html.contains(&secret), "never in the page");
}

#[tokio::test]
async fn reset_validates_hours_and_the_grace_period_works_over_the_api() {
    let server = TestServer::start().await;
    let (id, old) = server.add_client("Rotating", "[\"owner\"]").await;
    for bad in ["", "169", "-1", "1.5", "two", "1e2"] {
        let (status, body) = post(
            &server,
            "/api/properties/reset-secret",
            &[("client_id", &id), ("hours", bad)],
        )
        .await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert_eq!(
            field_error(&body, "hours").as_deref(),
            Some("The number of hours must be a whole number from 0 to 168."),
        );
    }
    assert_eq!(
        server
            .store
            .property(&id)
            .await
            .unwrap()
            .unwrap()
            .client_secret
            .expose(),
        old
    );

    // Two hours: both secrets work, until the clock passes the end.
    let (status, body) = post(
        &server,
        "/api/properties/reset-secret",
        &[("client_id", &id), ("hours", "2")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let reset: serde_json::Value = serde_json::from_str(&body).unwrap();
    let new = reset["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert_eq!(
        reset["details"]["previous_secret_expires_at"],
        common::START + 2 * 3600
    );
    assert_eq!(
        server.call_as(&id, &old, "/clients/list", &[]).await["stat"],
        "ok"
    );
    assert_eq!(
        server.call_as(&id, &new, "/clients/list", &[]).await["stat"],
        "ok"
    );
    server.clock.advance(2 * 3600);
    assert_eq!(
        server.call_as(&id, &old, "/clients/list", &[]).await["code"],
        402
    );

    // Expire now ends a live grace period at once.
    let (_, body) = post(
        &server,
        "/api/properties/reset-secret",
        &[("client_id", &id), ("hours", "168")],
    )
    .await;
    let newer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        server.call_as(&id, &new, "/clients/list", &[]).await["stat"],
        "ok"
    );
    let (status, body) = post(
        &server,
        "/api/properties/expire-previous-secret",
        &[("client_id", &id)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let after: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(after["previous_secret_expires_at"], serde_json::Value::Null);
    assert_eq!(
        server.call_as(&id, &new, "/clients/list", &[]).await["code"],
        402
    );
    let newest = newer["secret"].as_str().unwrap();
    assert_eq!(
        server.call_as(&id, newest, "/clients/list", &[]).await["stat"],
        "ok"
    );

    // Zero hours: the old secret stops at once.
    let (_, body) = post(
        &server,
        "/api/properties/reset-secret",
        &[("client_id", &id), ("hours", "0")],
    )
    .await;
    let last: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        last["details"]["previous_secret_expires_at"],
        serde_json::Value::Null
    );
    assert_eq!(
        server.call_as(&id, newest, "/clients/list", &[]).await["code"],
        402
    );
    let (status, _) = post(
        &server,
        "/api/properties/reset-secret",
        &[("client_id", &"w".repeat(32)), ("hours", "1")],
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn global_settings_are_listed_for_the_create_page() {
    let server = TestServer::start().await;
    server
        .call(
            "/settings/set_default",
            &[("key", "site_name"), ("value", "Example")],
        )
        .await;
    let (status, body) = post(&server, "/api/properties/global-settings", &[]).await;
    assert_eq!(status, 200, "{body}");
    let rows: Vec<(String, String)> = serde_json::from_str(&body).unwrap();
    assert!(
        rows.contains(&("site_name".to_string(), "Example".to_string())),
        "{body}"
    );
}
