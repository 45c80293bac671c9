//! The console's import (issue #19) over real HTTP: its two server functions authorize inside,
//! list a bad file's problems with their positions, apply only the plan that was shown, and take
//! an admin's document of 10,000 properties (larger than the 2 MB every other console request
//! may send).

mod common;

use app::domain::transfer::{FieldDiff, Plan};
use app::error::ConsoleError;
use app::properties::import::ImportResult;
use common::TestServer;
use serde_json::{json, Value};

const PLAN: &str = "/api/properties/import/plan";
const APPLY: &str = "/api/properties/import/apply";

fn document(properties: Value) -> String {
    json!({ "format": "gatehouse-export", "version": 1, "properties": properties }).to_string()
}

async fn plan(server: &TestServer, cookie: &str, document: &str, prune: bool) -> (u16, String) {
    server
        .console_json(
            cookie,
            PLAN,
            &json!({ "document": document, "prune": prune }),
        )
        .await
}

async fn apply(
    server: &TestServer,
    cookie: &str,
    document: &str,
    prune: bool,
    plan: &Plan,
) -> (u16, String) {
    server
        .console_json(
            cookie,
            APPLY,
            &json!({ "document": document, "prune": prune, "plan": plan }),
        )
        .await
}

#[tokio::test]
async fn viewers_and_strangers_may_neither_plan_nor_apply() {
    let server = TestServer::start().await;
    let doc = document(json!([{ "name": "Viewer made" }]));
    let (status, body) = plan(&server, &server.viewer_cookie, &doc, false).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        serde_json::from_str::<ConsoleError>(&body).unwrap(),
        ConsoleError::Forbidden
    );
    let (status, body) = plan(&server, &server.admin_cookie, &doc, false).await;
    assert_eq!(status, 200, "{body}");
    let shown: Plan = serde_json::from_str(&body).unwrap();
    let (status, body) = apply(&server, &server.viewer_cookie, &doc, false, &shown).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = apply(&server, "gatehouse_session=forged", &doc, false, &shown).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(server.property_count().await, 1, "only the owner");
}

#[tokio::test]
async fn an_admin_sees_the_plan_then_applies_it_and_each_new_secret_works_once_shown() {
    let server = TestServer::start().await;
    let (shop, _) = server.add_client("Shop", "[]").await;
    let doc = document(json!([
        { "client_id": shop, "name": "Shop", "features": ["login_client"] },
        { "name": "Fresh", "whitelist": ["127.0.0.1/32"], "settings": { "site_name": "F" } },
    ]));
    let (status, body) = plan(&server, &server.admin_cookie, &doc, false).await;
    assert_eq!(status, 200, "{body}");
    let shown: Plan = serde_json::from_str(&body).unwrap();
    assert_eq!(shown.creates.len(), 1);
    assert_eq!(shown.creates[0].name, "Fresh");
    assert_eq!(shown.changes.len(), 1);
    assert!(matches!(
        &shown.changes[0].diffs[..],
        [FieldDiff::Features { from, to }] if from.is_empty() && to.len() == 1
    ));
    assert_eq!(server.property_count().await, 2, "a plan writes nothing");

    let (status, body) = apply(&server, &server.admin_cookie, &doc, false, &shown).await;
    assert_eq!(status, 200, "{body}");
    let result: ImportResult = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (result.changed, result.unchanged, result.deleted),
        (1, 0, 0)
    );
    let [created] = &result.created[..] else {
        panic!("{result:?}")
    };
    assert_eq!(created.name, "Fresh");
    let answer = server
        .call_as(
            &created.client_id,
            &created.client_secret,
            "/settings/items",
            &[],
        )
        .await;
    assert_eq!(answer["stat"], "ok", "{answer}");
    assert_eq!(answer["result"]["site_name"], "F", "{answer}");

    // The same plan again: the state moved on ("Fresh" exists now), so nothing is written.
    let (status, body) = apply(&server, &server.admin_cookie, &doc, false, &shown).await;
    assert_eq!(status, 409, "{body}");
    let error: ConsoleError = serde_json::from_str(&body).unwrap();
    assert_eq!(error, ConsoleError::PlanChanged);
    assert!(error.to_string().contains("Show the plan again"), "{error}");
    assert_eq!(server.property_count().await, 3);
}

#[tokio::test]
async fn a_bad_file_lists_every_problem_with_its_position_and_writes_nothing() {
    let server = TestServer::start().await;
    server.add_client("Taken", "[]").await;
    let doc = document(json!([
        { "name": "Good" },
        { "name": "Bad net", "whitelist": ["10.0.0.0/8", "10.0.0.300/8"] },
        { "name": "Bad feature", "features": ["nope"] },
        { "name": "good" },
    ]));
    let (status, body) = plan(&server, &server.admin_cookie, &doc, false).await;
    assert_eq!(status, 422, "{body}");
    let ConsoleError::ImportProblems { problems, total } = serde_json::from_str(&body).unwrap()
    else {
        panic!("{body}")
    };
    let positions: Vec<&str> = problems.iter().map(|p| p.position.as_str()).collect();
    assert_eq!(
        positions,
        [
            "properties[1].whitelist[1]",
            "properties[2].features[0]",
            "properties[3].name"
        ]
    );
    assert_eq!(total, 3);
    // Apply checks again: a forged "plan" for a bad file is refused the same way.
    let (status, _) = apply(&server, &server.admin_cookie, &doc, false, &Plan::default()).await;
    assert_eq!(status, 422);

    let (status, body) = plan(&server, &server.admin_cookie, "{\"format\": ", false).await;
    assert_eq!(status, 422, "{body}");
    let ConsoleError::ImportProblems { problems, .. } = serde_json::from_str(&body).unwrap() else {
        panic!("{body}")
    };
    assert!(problems[0].position.starts_with("line 1 column"), "{body}");
    assert_eq!(server.property_count().await, 2);
}

#[tokio::test]
async fn ten_thousand_properties_import_through_the_console() {
    let server = TestServer::start().await;
    let properties: Vec<Value> = (0..10_000)
        .map(|i| {
            json!({
                "name": format!("Imported property {i:05}"),
                "features": ["login_client"],
                "whitelist": ["10.0.0.0/8", "192.168.0.0/16"],
                "settings": { "site_name": format!("Site {i}"), "locale": "en-GB" },
            })
        })
        .collect();
    let doc = serde_json::to_string_pretty(&json!({
        "format": "gatehouse-export", "version": 1, "properties": properties,
    }))
    .unwrap();
    assert!(doc.len() > 2 * 1024 * 1024, "{} bytes", doc.len());

    // Over every other console request's limit: refused for a viewer (before it is read whole).
    let (status, _) = plan(&server, &server.viewer_cookie, &doc, false).await;
    assert_ne!(status, 200);

    let started = std::time::Instant::now();
    let (status, body) = plan(&server, &server.admin_cookie, &doc, false).await;
    assert_eq!(status, 200, "{}", &body[..body.len().min(500)]);
    let shown: Plan = serde_json::from_str(&body).unwrap();
    assert_eq!(shown.creates.len(), 10_000);
    let planned = started.elapsed();
    let (status, body) = apply(&server, &server.admin_cookie, &doc, false, &shown).await;
    assert_eq!(status, 200, "{}", &body[..body.len().min(500)]);
    let result: ImportResult = serde_json::from_str(&body).unwrap();
    assert_eq!(result.created.len(), 10_000);
    println!(
        "10,000 properties ({} KB): plan {planned:.1?}, plan and apply {:.1?}",
        doc.len() / 1024,
        started.elapsed()
    );
    assert_eq!(server.property_count().await, 10_001);
}
