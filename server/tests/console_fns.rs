//! Console server functions over real HTTP: the rules are enforced on the server, and refusals
//! come back as the console's error type with a fitting status.

mod common;

use app::error::ConsoleError;
use common::TestServer;

/// As the signed-in admin.
async fn post(server: &TestServer, endpoint: &str, form: &[(&str, &str)]) -> (u16, String) {
    server.console(&server.admin_cookie, endpoint, form).await
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
        Some("Another property already has this name. Choose a different one.")
    );
    assert_eq!(
        server
            .store
            .properties_with_features(&[])
            .await
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn delete_refuses_owners_and_reports_unknown_properties() {
    let server = TestServer::start().await;
    let owner = server.owner.client_id.clone();
    let (status, body) = post(&server, "/api/properties/delete", &[("client_id", &owner)]).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("Owner properties cannot be deleted"),
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
    assert_eq!(
        server
            .store
            .properties_with_features(&[])
            .await
            .unwrap()
            .len(),
        2
    );
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
