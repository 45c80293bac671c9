//! The audit log page and its server function over real HTTP: admins and viewers read the log
//! (newest first, filtered, a page at a time), signed-out callers are refused, and the page is
//! rendered on the server with the entries in place.
//!
//! Entries are seeded straight into the store, each under its own made-up client ids, so whatever
//! the server itself records meanwhile (e.g. the owner created at start-up) does not disturb them.

mod common;

use app::domain::audit::{
    actions, ActorKind, AuditEntry, AuditLine, AuditPage, ChangeRow, Door, AUDIT_PAGE_SIZE,
};
use app::error::ConsoleError;
use common::{TestServer, START};
use serde_json::{json, Value};

const DAY: i64 = 86_400;

/// Made-up client ids (real ones are 32 lowercase letters and digits too).
fn id(c: char) -> String {
    c.to_string().repeat(32)
}

struct Seed {
    at: i64,
    door: Door,
    kind: ActorKind,
    actor: &'static str,
    actor_name: Option<&'static str>,
    action: &'static str,
    property: Option<(String, &'static str)>,
    before: Option<Value>,
    after: Option<Value>,
}

fn entry(seed: Seed) -> AuditEntry {
    AuditEntry {
        id: 0,
        at: seed.at,
        door: seed.door,
        actor_kind: seed.kind,
        actor: seed.actor.to_string(),
        actor_name: seed.actor_name.map(str::to_string),
        source: if seed.door == Door::Cli {
            "cli".to_string()
        } else {
            "192.0.2.10".to_string()
        },
        request_id: format!("req{:013}", seed.at),
        action: seed.action.to_string(),
        client_id: seed.property.as_ref().map(|(id, _)| id.clone()),
        property_name: seed.property.as_ref().map(|(_, name)| name.to_string()),
        before: seed.before,
        after: seed.after,
        batch_id: None,
    }
}

async fn seed(server: &TestServer, entries: &[AuditEntry]) {
    let mut write = server.store.write().await.unwrap();
    for entry in entries {
        write.audit(entry).await.unwrap();
    }
    write.commit().await.unwrap();
}

/// The four entries most checks look at: two for "Shop" (a), one for "Blog" (b), one for a
/// property deleted since (c), over three days.
async fn seed_story(server: &TestServer) {
    let shop = Some((id('a'), "Shop"));
    seed(
        server,
        &[
            entry(Seed {
                at: START + 10,
                door: Door::Console,
                kind: ActorKind::User,
                actor: "alice",
                actor_name: None,
                action: actions::PROPERTY_RENAME,
                property: shop.clone(),
                before: Some(json!({"name": "Shop old"})),
                after: Some(json!({"name": "Shop"})),
            }),
            entry(Seed {
                at: START + DAY + 20,
                door: Door::Api,
                kind: ActorKind::Client,
                actor: "oooooooooooooooooooooooooooooooo",
                actor_name: Some("Owner App"),
                action: actions::PROPERTY_FEATURES,
                property: shop,
                before: Some(json!({"features": ["login_client"]})),
                after: Some(json!({"features": ["direct_access"]})),
            }),
            entry(Seed {
                at: START + 2 * DAY,
                door: Door::Console,
                kind: ActorKind::User,
                actor: "alice",
                actor_name: None,
                action: actions::SECRET_RESET,
                property: Some((id('b'), "Blog")),
                before: None,
                after: Some(json!({"previous_secret_expires_at": START + 3 * DAY})),
            }),
            entry(Seed {
                at: START + 2 * DAY + 5,
                door: Door::Cli,
                kind: ActorKind::System,
                actor: "root",
                actor_name: None,
                action: actions::PROPERTY_DELETE,
                property: Some((id('c'), "Gone <script>alert(1)</script>")),
                before: Some(json!({"name": "Gone <script>alert(1)</script>"})),
                after: None,
            }),
        ],
    )
    .await;
}

/// Calls `/api/audit/list`; (status, body).
async fn list(
    server: &TestServer,
    cookie: &str,
    filter: Value,
    before: Option<i64>,
) -> (u16, String) {
    let mut full = json!({"property": "", "actor": "", "action": "", "since": null, "until": null});
    for (key, value) in filter.as_object().unwrap() {
        full[key] = value.clone();
    }
    server
        .console_json(
            cookie,
            "/api/audit/list",
            &json!({"filter": full, "before": before}),
        )
        .await
}

/// The page of entries `cookie` gets, asserting a 200.
async fn page(
    server: &TestServer,
    cookie: &str,
    filter: Value,
    before: Option<i64>,
) -> AuditPage<AuditLine> {
    let (status, body) = list(server, cookie, filter, before).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn times(page: &AuditPage<AuditLine>) -> Vec<i64> {
    page.entries.iter().map(|e| e.at).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_and_viewers_read_the_log_newest_first_filtered_and_paged() {
    let server = TestServer::start().await;
    seed_story(&server).await;

    for cookie in [&server.admin_cookie, &server.viewer_cookie] {
        // By client id: newest first, every field as stored.
        let shop = page(&server, cookie, json!({"property": id('a')}), None).await;
        assert_eq!(times(&shop), [START + DAY + 20, START + 10]);
        assert!(!shop.has_more);
        let newest = &shop.entries[0];
        assert_eq!(newest.door, Door::Api);
        assert_eq!(newest.actor_kind, ActorKind::Client);
        assert_eq!(newest.actor_name.as_deref(), Some("Owner App"));
        assert_eq!(newest.action, actions::PROPERTY_FEATURES);
        assert_eq!(newest.property_name.as_deref(), Some("Shop"));
        assert_eq!(newest.source, "192.0.2.10");
        // What changed arrives as rows of pretty-printed JSON: the browser parses no values.
        assert_eq!(
            newest.changes,
            [ChangeRow {
                field: "features".into(),
                before: Some("[\n  \"login_client\"\n]".into()),
                after: Some("[\n  \"direct_access\"\n]".into()),
            }]
        );
        assert!(shop.entries[0].id > shop.entries[1].id);

        // By name at the time, ignoring case; by actor; by action; by UTC days.
        let by_name = page(&server, cookie, json!({"property": "SHOP"}), None).await;
        assert_eq!(times(&by_name), [START + DAY + 20, START + 10]);
        let by_actor = page(&server, cookie, json!({"actor": "alice"}), None).await;
        assert_eq!(times(&by_actor), [START + 2 * DAY, START + 10]);
        let by_action = page(
            &server,
            cookie,
            json!({"action": actions::SECRET_RESET, "property": id('b')}),
            None,
        )
        .await;
        assert_eq!(times(&by_action), [START + 2 * DAY]);
        let second_day = page(
            &server,
            cookie,
            json!({"property": id('a'), "since": START + DAY, "until": START + 2 * DAY - 1}),
            None,
        )
        .await;
        assert_eq!(times(&second_day), [START + DAY + 20]);

        // A deleted property's entries stay, found by its client id.
        let gone = page(&server, cookie, json!({"property": id('c')}), None).await;
        assert_eq!(gone.entries.len(), 1);
        assert_eq!(gone.entries[0].action, actions::PROPERTY_DELETE);

        let nothing = page(&server, cookie, json!({"actor": "nobody"}), None).await;
        assert!(nothing.entries.is_empty() && !nothing.has_more);
    }

    // Paging: AUDIT_PAGE_SIZE at a time, older entries before the smallest id shown.
    let many: Vec<AuditEntry> = (0..AUDIT_PAGE_SIZE as i64 + 5)
        .map(|i| {
            entry(Seed {
                at: START + 3 * DAY + i,
                door: Door::Api,
                kind: ActorKind::Client,
                actor: "pppppppppppppppppppppppppppppppp",
                actor_name: Some("Busy"),
                action: actions::PROPERTY_WHITELIST,
                property: Some((id('d'), "Busy")),
                before: Some(json!({"whitelist": []})),
                after: Some(json!({"whitelist": ["10.0.0.0/8"]})),
            })
        })
        .collect();
    seed(&server, &many).await;
    let filter = json!({"property": id('d')});
    let first = page(&server, &server.viewer_cookie, filter.clone(), None).await;
    assert_eq!(first.entries.len(), AUDIT_PAGE_SIZE as usize);
    assert!(first.has_more);
    assert_eq!(
        first.entries[0].at,
        START + 3 * DAY + AUDIT_PAGE_SIZE as i64 + 4
    );
    assert!(first.entries.windows(2).all(|w| w[0].id > w[1].id));
    let oldest_shown = first.entries.last().unwrap().id;
    let rest = page(&server, &server.viewer_cookie, filter, Some(oldest_shown)).await;
    assert_eq!(
        times(&rest),
        (0..5)
            .rev()
            .map(|i| START + 3 * DAY + i)
            .collect::<Vec<_>>()
    );
    assert!(!rest.has_more);

    // Signed out (no cookie, or one that names no session): 401, and nothing is given away.
    for cookie in ["", "gatehouse_session=not-a-session"] {
        let (status, body) = list(&server, cookie, json!({}), None).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(
            serde_json::from_str::<ConsoleError>(&body).unwrap(),
            ConsoleError::Unauthenticated
        );
        assert!(!body.contains("alice"));
    }
}

/// The part of `html` inside the island named `component`.
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

async fn get(server: &TestServer, path: &str, cookie: &str) -> (u16, String, String) {
    let response = server
        .http
        .get(server.url(path))
        .header("Cookie", cookie)
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = response.status().as_u16();
    let url = response.url().to_string();
    let body = response.text().await;
    (status, url, body.unwrap_or_else(|e| panic!("{path}: {e}")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_is_rendered_with_the_entries_in_place_for_admins_and_viewers() {
    let server = TestServer::start().await;
    seed_story(&server).await;

    let path = format!("/audit?property={}", id('a'));
    for cookie in [&server.admin_cookie, &server.viewer_cookie] {
        let (status, _, html) = get(&server, &path, cookie).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("<title>Audit log · Gatehouse</title>"),
            "{html}"
        );
        assert!(
            html.contains("href=\"/audit\""),
            "the navigation links the log"
        );
        let page = island(&html, "AuditLogPage");
        assert!(page.contains("<h1>Audit log</h1>"), "{page}");
        // Rendered rows, not only the island's props: labels and times are made by the view.
        assert!(page.contains(">Property renamed</td>"), "{page}");
        assert!(page.contains(">Features set</td>"), "{page}");
        assert!(page.contains("2026-01-01 00:00:10"), "{page}");
        assert!(page.contains("2026-01-02 00:00:20"), "{page}");
        assert!(page.contains("Owner App"));
        assert!(page.contains(&format!("href=\"/properties/{}\"", id('a'))));
        assert!(
            !page.contains(">Secret reset</td>"),
            "another property's entry"
        );
        assert!(
            !html.contains("Loading"),
            "no loading state on the first page"
        );
        // The filter reads back from the address.
        assert!(page.contains(&format!("value=\"{}\"", id('a'))), "{page}");
    }

    // A deleted property's history, with its name escaped everywhere.
    let (status, _, html) = get(
        &server,
        &format!("/audit?property={}", id('c')),
        &server.admin_cookie,
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains(">Property deleted</td>"));
    assert!(
        html.contains("Gone &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>alert(1)"));

    // Filters that match nothing say so.
    let (_, _, html) = get(&server, "/audit?actor=nobody", &server.admin_cookie).await;
    assert!(html.contains("No entries match these filters."));

    // The property page links its history.
    let (client_id, _) = server.add_client("Audited", "[]").await;
    let (status, _, html) = get(
        &server,
        &format!("/properties/{client_id}"),
        &server.viewer_cookie,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("href=\"/audit?property={client_id}\"")),
        "{html}"
    );

    // Signed out, the page sends to sign-in and shows nothing of the log.
    let (_, url, html) = get(&server, &path, "").await;
    assert!(url.contains("/sign-in"), "{url}");
    assert!(!html.contains(">Property renamed</td>"));
}
