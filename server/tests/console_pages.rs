//! Every console page is rendered in full on the server, with its page island (the part the
//! browser hydrates) and the island's data in place.
//!
//! Pages also finish streaming while another server in the same process is being started (as
//! tests do all the time): building a router lists the console's routes, which once stopped every
//! resource in the process that first ran meanwhile, for good.

mod common;

use common::TestServer;

async fn page(server: &TestServer, path: &str, cookie: Option<&str>) -> String {
    // A page that never finishes streaming must fail here, naming itself, not hang the suite.
    let mut request = server
        .http
        .get(server.url(path))
        .timeout(std::time::Duration::from_secs(10));
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(response.status(), 200, "{path}");
    response
        .text()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The part of `html` inside the island named `component`, or a failure naming what is missing.
fn island<'a>(html: &'a str, component: &str) -> &'a str {
    let start = html
        .find(&format!("<leptos-island data-component=\"{component}_"))
        .unwrap_or_else(|| panic!("no {component} island in:\n{html}"));
    let end = html[start..]
        .find("</leptos-island>")
        .expect("island closed")
        + start;
    &html[start..end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_page_renders_its_island_with_the_data_in_place_and_never_the_session() {
    let server = TestServer::start().await;
    let (client_id, _) = server.add_client("Quartz Page", "[]").await;
    let admin = Some(server.admin_cookie.as_str());

    let list = page(&server, "/?q=quartz", admin).await;
    let list_island = island(&list, "PropertiesPage");
    assert!(
        list_island.contains("<td"),
        "the rows are rendered on the server"
    );
    assert!(list_island.contains("Quartz Page"));
    assert!(
        list_island.contains("1-1 of 1"),
        "the pager counts the search's matches"
    );
    assert!(
        !list.contains("Loading properties"),
        "no loading state on the first page"
    );
    // The frame (navigation, who is signed in) is server-only.
    assert!(list.contains("aria-label=\"Primary\""));
    assert!(!island(&list, "MenuToggle").contains("Primary"));

    // The property and settings islands are handed their data too: no loading state, no second
    // round trip.
    let property = page(&server, &format!("/properties/{client_id}"), admin).await;
    let property_island = island(&property, "PropertyPage");
    assert!(property_island.contains("<h1>Quartz Page"));
    assert!(property.contains("<title>Quartz Page · Gatehouse</title>"));
    assert!(!property.contains("Loading"));

    let settings = page(&server, &format!("/properties/{client_id}/settings"), admin).await;
    assert!(island(&settings, "SettingsPage").contains("Add Setting"));
    assert!(settings.contains("<h1>Edit Settings"));
    assert!(settings.contains("<title>Edit Settings · Quartz Page · Gatehouse</title>"));
    assert!(!settings.contains("Loading"));

    // Create Property, Users and Import are checked more closely below.
    for (path, component) in [
        ("/application", "SettingsPage"),
        ("/account", "AccountPage"),
    ] {
        island(&page(&server, path, admin).await, component);
    }

    // Create Property and Users start with their data as well: the global settings, the accounts.
    let new_property = page(&server, "/properties/new", admin).await;
    let new_island = island(&new_property, "NewPropertyPage");
    assert!(new_island.contains("<legend>Settings</legend>"));
    assert!(new_island.contains("No global settings."), "{new_island}");
    let users = page(&server, "/users", admin).await;
    let users_island = island(&users, "UsersPage");
    assert!(users_island.contains(">admin<"), "{users_island}");
    assert!(
        users_island.contains("Reset password of viewer"),
        "{users_island}"
    );
    for html in [&new_property, &users] {
        assert!(!html.contains("Loading"));
    }

    // Import: the form for an admin, the refusal (and no form) for a viewer.
    let import = page(&server, "/properties/import", admin).await;
    assert!(island(&import, "ImportPage").contains("Import file"));
    assert!(import.contains("<title>Import Properties · Gatehouse</title>"));
    let refused = page(
        &server,
        "/properties/import",
        Some(server.viewer_cookie.as_str()),
    )
    .await;
    let refused = island(&refused, "ImportPage");
    assert!(refused.contains("Your account is not allowed to do this."));
    assert!(!refused.contains("Import file"));

    // The island is given who is looking, but never the session.
    let props = island(&list, "PropertiesPage");
    assert!(
        props.contains("&quot;role&quot;:&quot;Admin&quot;"),
        "{props}"
    );
    assert!(
        !props.contains("session"),
        "the session hash stays on the server"
    );
}

/// The first page everyone sees is plain HTML: no wasm, no islands, no navigation to pages the
/// visitor cannot open yet; its one script is public. Signed-in pages still load the bundle.
#[tokio::test]
async fn the_sign_in_page_loads_no_wasm() {
    let server = TestServer::start().await;
    let html = page(&server, "/sign-in", None).await;
    assert!(
        html.contains(r#"<script src="/sign-in.js" defer"#),
        "{html}"
    );
    // The stylesheet is the only file from /pkg.
    assert_eq!(html.matches("/pkg/").count(), 1, "{html}");
    assert!(html.contains(r#"<link id="leptos" rel="stylesheet" href="/pkg/"#));
    for absent in [
        ".wasm",
        "modulepreload",
        "leptos-island",
        "Application settings",
        "Menu",
    ] {
        assert!(!html.contains(absent), "{absent} in {html}");
    }
    let audit = page(&server, "/audit", Some(&server.admin_cookie)).await;
    assert!(audit.contains(".wasm") && audit.contains("leptos-island"));
}

/// Listing the routes runs the app with leptos's process-wide "load no resources" flag set; a page
/// whose resource first ran in that window never finished (leptos issue #4773; about one page in
/// twenty-five when two tests of a binary overlapped). The router lists them once per process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_finish_streaming_while_other_servers_start() {
    let server = TestServer::start().await;
    let starting = tokio::spawn(async {
        for _ in 0..40 {
            TestServer::start().await;
        }
    });
    let mut rendered = 0;
    while !starting.is_finished() {
        for path in ["/", "/audit", "/application"] {
            let html = page(&server, path, Some(&server.viewer_cookie)).await;
            assert!(html.contains("__RESOLVED_RESOURCES"), "{path}: {html}");
            rendered += 1;
        }
    }
    starting.await.unwrap();
    assert!(rendered >= 3, "no page was rendered while servers started");
}
