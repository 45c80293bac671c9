//! `GET /properties/export`, the console's Export link (issue #19): the document for the list's
//! search and filter or for a selection, as a download, for signed-in accounts only, never a secret.

mod common;

use app::domain::features::Feature;
use app::ops::{properties, Actor};
use common::{exported_names, TestServer, START};
use serde_json::Value;

async fn add(server: &TestServer, name: &str, features: &[Feature]) -> (String, String) {
    let actor = Actor::operator("exporttest000000".into(), server.clock.now());
    let record = properties::create(&server.store, &actor, name, features, &[])
        .await
        .unwrap();
    let secret = properties::reveal_secret(&server.store, &actor, &record.client_id)
        .await
        .unwrap();
    (record.client_id, secret)
}

/// GETs the export with a session cookie (or none); the response as it is, redirects not followed.
async fn export(server: &TestServer, cookie: Option<&str>, query: &str) -> reqwest::Response {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client.get(server.url(&format!("/properties/export?{query}")));
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn the_export_link_downloads_the_filtered_document_without_secrets() {
    let server = TestServer::start().await;
    let (shop, shop_secret) = add(&server, "Exp Web Shop", &[Feature::DirectAccess]).await;
    let (blog, blog_secret) = add(&server, "Exp Blog", &[Feature::LoginClient]).await;
    let (_, wiki_secret) = add(&server, "Exp Wiki", &[]).await;

    // The search and a feature filter, as the list has them.
    let response = export(
        &server,
        Some(&server.admin_cookie),
        "search=exp&feature=direct_access&feature=login_client",
    )
    .await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["cache-control"], "no-store");
    let day = &app::domain::signature::format_date(START)[..10];
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"gatehouse-properties-{day}.json\"").as_str()
    );
    let text = response.text().await.unwrap();
    for secret in [
        &shop_secret,
        &blog_secret,
        &wiki_secret,
        &server.owner.client_secret,
    ] {
        assert!(!text.contains(secret.as_str()), "a secret in the export");
    }
    let document: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(document["format"], "gatehouse-export");
    assert_eq!(exported_names(&document), ["Exp Blog", "Exp Web Shop"]);

    // A selection: only those ids; viewers may export too.
    let response = export(
        &server,
        Some(&server.viewer_cookie),
        &format!("id={shop}&id={blog}&search=shop"),
    )
    .await;
    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.unwrap();
    assert_eq!(exported_names(&document), ["Exp Web Shop"]);
    let response = export(&server, Some(&server.admin_cookie), &format!("id={blog}")).await;
    let document: Value = response.json().await.unwrap();
    assert_eq!(exported_names(&document), ["Exp Blog"]);
    assert_eq!(document["properties"][0]["client_id"], blog.as_str());

    // No filter: every property, the owner included.
    let document: Value = export(&server, Some(&server.admin_cookie), "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(document["properties"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn the_export_link_refuses_strangers_and_bad_input() {
    let server = TestServer::start().await;
    add(&server, "Exp Secret Shop", &[]).await;

    // Signed out: sent to sign in, and no document.
    for cookie in [None, Some("gatehouse_session=not-a-session")] {
        let response = export(&server, cookie, "").await;
        assert!(response.status().is_redirection(), "{}", response.status());
        let location = response.headers()["location"].to_str().unwrap().to_string();
        assert!(location.starts_with("/sign-in?next="), "{location}");
        assert!(!response.text().await.unwrap().contains("Exp Secret Shop"));
    }

    // A malformed id or an unknown feature is refused with the reason.
    let response = export(&server, Some(&server.admin_cookie), "id=not-an-id").await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("not a client id"));
    let response = export(&server, Some(&server.admin_cookie), "feature=nope").await;
    assert_eq!(response.status(), 422);
}
