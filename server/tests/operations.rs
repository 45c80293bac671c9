//! One set of operations behind both doors: the same bad input gets the same reason through the
//! Capture API and the console, and every change is one audit entry with who, how, from where and
//! what changed, never a secret.

mod common;

use app::domain::audit::{actions, ActorKind, AuditEntry, AuditFilter, Door};
use app::domain::capitalize;
use app::error::ConsoleError;
use common::TestServer;
use serde_json::{json, Value};

/// The reason of a Capture error (`<arg> was not valid for the following reason: <reason>`).
fn api_reason(body: &Value) -> String {
    let description = body["error_description"].as_str().unwrap_or_default();
    description
        .split_once("was not valid for the following reason: ")
        .map(|(_, reason)| reason.to_string())
        .unwrap_or_else(|| panic!("not an invalid-argument error: {body}"))
}

/// The message of a console field error, whatever the field.
fn console_message(body: &str) -> String {
    match serde_json::from_str::<ConsoleError>(body) {
        Ok(ConsoleError::Invalid { message, .. }) => message,
        other => panic!("not a field error: {other:?} from {body}"),
    }
}

async fn console_fields(
    server: &TestServer,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    server.console(&server.admin_cookie, endpoint, form).await
}

async fn console_json(server: &TestServer, endpoint: &str, body: Value) -> (u16, String) {
    server
        .console_json(&server.admin_cookie, endpoint, &body)
        .await
}

async fn version(server: &TestServer, id: &str) -> i64 {
    server.store.property(id).await.unwrap().unwrap().version
}

async fn entries(server: &TestServer) -> Vec<AuditEntry> {
    let mut page = server
        .store
        .audit_page(&AuditFilter::default(), None, 10_000)
        .await
        .unwrap()
        .entries;
    page.reverse();
    page
}

#[tokio::test]
async fn the_same_bad_input_gets_the_same_reason_through_both_doors() {
    let server = TestServer::start().await;
    let (id, _) = server.add_client("Target", r#"["direct_access"]"#).await;
    server.add_client("Taken", "[]").await;
    let owner = server.owner.client_id.clone();
    let save = |name: &str, features: Value, whitelist: Value| json!({ "client_id": id, "version": 0, "name": name, "features": features, "whitelist": whitelist });
    let many_items: serde_json::Map<String, Value> =
        (0..1001).map(|i| (format!("k{i}"), json!("v"))).collect();
    let many_changes: Vec<Value> = (0..1001)
        .map(|i| json!({ "key": format!("k{i}"), "expected": null, "new": "v" }))
        .collect();

    struct Case {
        what: &'static str,
        api: (&'static str, Vec<(&'static str, String)>),
        console: (&'static str, Value),
    }
    let cases = vec![
        Case {
            what: "bad hours",
            api: (
                "/clients/reset_secret",
                vec![
                    ("for_client_id", id.clone()),
                    ("hours_to_live", "+5".into()),
                ],
            ),
            console: (
                "/api/properties/reset-secret",
                json!({ "client_id": id, "hours": "+5" }),
            ),
        },
        Case {
            what: "bad CIDR",
            api: (
                "/clients/set_whitelist",
                vec![
                    ("for_client_id", id.clone()),
                    ("whitelist", r#"["10.0.0.0/33"]"#.into()),
                ],
            ),
            console: (
                "/api/properties/save",
                save("Target", json!(["direct_access"]), json!(["10.0.0.0/33"])),
            ),
        },
        Case {
            what: "bad feature set",
            api: (
                "/clients/set_features",
                vec![
                    ("for_client_id", id.clone()),
                    ("features", r#"["login_client","direct_access"]"#.into()),
                ],
            ),
            console: (
                "/api/properties/save",
                save(
                    "Target",
                    json!(["login_client", "direct_access"]),
                    json!([]),
                ),
            ),
        },
        Case {
            what: "too many whitelist entries",
            api: (
                "/clients/set_whitelist",
                vec![
                    ("for_client_id", id.clone()),
                    (
                        "whitelist",
                        json!((0..1001)
                            .map(|i| format!("10.{}.{}.0/24", i / 256, i % 256))
                            .collect::<Vec<_>>())
                        .to_string(),
                    ),
                ],
            ),
            console: (
                "/api/properties/save",
                save(
                    "Target",
                    json!(["direct_access"]),
                    json!((0..1001)
                        .map(|i| format!("10.{}.{}.0/24", i / 256, i % 256))
                        .collect::<Vec<_>>()),
                ),
            ),
        },
        Case {
            what: "duplicate name",
            api: (
                "/clients/set_description",
                vec![
                    ("for_client_id", id.clone()),
                    ("description", "taken".into()),
                ],
            ),
            console: (
                "/api/properties/save",
                save("taken", json!(["direct_access"]), json!([])),
            ),
        },
        Case {
            what: "owner deletion",
            api: (
                "/clients/delete",
                vec![("client_id_for_deletion", owner.clone())],
            ),
            console: ("/api/properties/delete", json!({ "client_id": owner })),
        },
        Case {
            what: "bad key",
            api: (
                "/settings/set",
                vec![
                    ("for_client_id", id.clone()),
                    ("key", "my key".into()),
                    ("value", "1".into()),
                ],
            ),
            console: (
                "/api/settings/save",
                json!({ "client_id": id, "changes": [{ "key": "my key", "expected": null, "new": "1" }] }),
            ),
        },
        Case {
            what: "too many changes",
            api: (
                "/settings/set_multi",
                vec![
                    ("for_client_id", id.clone()),
                    ("items", Value::Object(many_items).to_string()),
                ],
            ),
            console: (
                "/api/settings/save",
                json!({ "client_id": id, "changes": many_changes }),
            ),
        },
    ];
    let before = entries(&server).await.len();
    for case in cases {
        let params: Vec<(&str, &str)> = case.api.1.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let api = server.call(case.api.0, &params).await;
        assert_eq!(api["code"], 200, "{}: {api}", case.what);
        let mut body = case.console.1.clone();
        if body.get("version").is_some() {
            body["version"] = json!(version(&server, &id).await);
        }
        let (status, console) = console_json(&server, case.console.0, body).await;
        assert_eq!(status, 422, "{}: {console}", case.what);
        assert_eq!(
            capitalize(&api_reason(&api)),
            console_message(&console),
            "{}: the API and the console give the same reason",
            case.what
        );
    }
    assert_eq!(
        entries(&server).await.len(),
        before,
        "a refused change writes no audit entry"
    );
}

#[tokio::test]
async fn names_with_invisible_characters_or_lookalike_forms_are_refused() {
    let server = TestServer::start().await;
    server.add_client("Owner team", "[]").await;
    for (name, why) in [
        ("Own\u{200B}er", "zero-width space"),
        ("Shop\u{202E}", "right-to-left override"),
    ] {
        let api = server.call("/clients/add", &[("description", name)]).await;
        assert_eq!(api["code"], 200, "{why}: {api}");
        let (status, console) = console_json(
            &server,
            "/api/properties/create",
            json!({ "name": name, "features": [], "whitelist": [] }),
        )
        .await;
        assert_eq!(status, 422, "{why}: {console}");
        assert_eq!(
            capitalize(&api_reason(&api)),
            console_message(&console),
            "{why}"
        );
    }
    // A full-width "Ｏwner team" is the same name as "Owner team" after NFKC case folding.
    let api = server
        .call("/clients/add", &[("description", "Ｏwner team")])
        .await;
    assert_eq!(api["code"], 200, "{api}");
    assert!(api_reason(&api).contains("already named"), "{api}");
}

/// The fields every entry of a request by `door` from the test client must have.
fn assert_actor(entry: &AuditEntry, door: Door, kind: ActorKind, actor: &str, action: &str) {
    assert_eq!(entry.door, door, "{entry:?}");
    assert_eq!(entry.actor_kind, kind, "{entry:?}");
    assert_eq!(entry.actor, actor, "{entry:?}");
    assert_eq!(entry.action, action, "{entry:?}");
    assert_eq!(entry.request_id.len(), 16, "{entry:?}");
    if door != Door::Cli {
        assert_eq!(entry.source, "127.0.0.1", "{entry:?}");
    } else {
        assert_eq!(entry.source, "cli");
    }
}

#[tokio::test]
async fn every_operation_through_every_door_writes_exactly_one_audit_entry() {
    let server = TestServer::start().await;
    let owner = server.owner.client_id.clone();
    let mut secrets = vec![server.owner.client_secret.clone()];
    // The test server's first start created the owner: that is the first entry.
    let mut seen = entries(&server).await.len();
    assert_eq!(seen, 1);
    // Runs `change`, then returns the one entry it wrote.
    macro_rules! one_entry {
        ($change:expr) => {{
            $change;
            let all = entries(&server).await;
            assert_eq!(all.len(), seen + 1, "exactly one entry: {:?}", &all[seen..]);
            seen += 1;
            all.last().unwrap().clone()
        }};
    }
    let api = |kind: &'static str| (Door::Api, ActorKind::Client, owner.clone(), kind);

    // API: create, rename, features, whitelist, clear, settings, defaults, reset, delete.
    let added = one_entry!({
        let body = server
            .call(
                "/clients/add",
                &[
                    ("description", "Shop"),
                    ("features", r#"["direct_access"]"#),
                ],
            )
            .await;
        assert_eq!(body["stat"], "ok", "{body}");
        secrets.push(body["client_secret"].as_str().unwrap().to_string());
    });
    let (d, k, a, action) = api(actions::PROPERTY_CREATE);
    assert_actor(&added, d, k, &a, action);
    let id = added.client_id.clone().unwrap();
    assert_eq!(added.property_name.as_deref(), Some("Shop"));
    assert_eq!(
        added.actor_name.as_deref(),
        Some(server.owner.name.as_str())
    );
    assert_eq!(
        added.after.as_ref().unwrap()["features"],
        json!(["direct_access"])
    );

    let renamed = one_entry!(assert_eq!(
        server
            .call(
                "/clients/set_description",
                &[("for_client_id", &id), ("description", "Shop EU")]
            )
            .await["stat"],
        "ok"
    ));
    assert_actor(
        &renamed,
        Door::Api,
        ActorKind::Client,
        &owner,
        actions::PROPERTY_RENAME,
    );
    assert_eq!(
        (
            renamed.before.unwrap()["name"].clone(),
            renamed.after.unwrap()["name"].clone()
        ),
        (json!("Shop"), json!("Shop EU"))
    );

    let features = one_entry!(assert_eq!(
        server
            .call(
                "/clients/set_features",
                &[
                    ("for_client_id", &id),
                    ("features", r#"["direct_read_access"]"#)
                ]
            )
            .await["stat"],
        "ok"
    ));
    assert_actor(
        &features,
        Door::Api,
        ActorKind::Client,
        &owner,
        actions::PROPERTY_FEATURES,
    );
    assert_eq!(
        features.before.unwrap()["features"],
        json!(["direct_access"])
    );
    assert_eq!(
        features.after.unwrap()["features"],
        json!(["direct_read_access"])
    );

    let whitelist = one_entry!(assert_eq!(
        server
            .call(
                "/clients/set_whitelist",
                &[("for_client_id", &id), ("whitelist", r#"["10.0.0.0/8"]"#)]
            )
            .await["stat"],
        "ok"
    ));
    assert_actor(
        &whitelist,
        Door::Api,
        ActorKind::Client,
        &owner,
        actions::PROPERTY_WHITELIST,
    );
    assert_eq!(whitelist.before.unwrap()["whitelist"], json!(["0.0.0.0/0"]));
    assert_eq!(whitelist.after.unwrap()["whitelist"], json!(["10.0.0.0/8"]));

    let cleared = one_entry!(assert_eq!(
        server
            .call("/clients/clear_whitelist", &[("for_client_id", &id)])
            .await["stat"],
        "ok"
    ));
    assert_eq!(cleared.after.unwrap()["whitelist"], json!(["0.0.0.0/0"]));

    let setting = one_entry!(assert_eq!(
        server
            .call(
                "/settings/set",
                &[
                    ("for_client_id", &id),
                    ("key", "site_name"),
                    ("value", "Shop")
                ]
            )
            .await["stat"],
        "ok"
    ));
    assert_actor(
        &setting,
        Door::Api,
        ActorKind::Client,
        &owner,
        actions::SETTINGS_PROPERTY,
    );
    assert_eq!(setting.before.unwrap(), json!({ "site_name": null }));
    assert_eq!(setting.after.unwrap(), json!({ "site_name": "Shop" }));

    let password = one_entry!(assert_eq!(
        server
            .call(
                "/settings/set_default",
                &[("key", "backplane_password"), ("value", "hunter2 hunter2")]
            )
            .await["stat"],
        "ok"
    ));
    assert_actor(
        &password,
        Door::Api,
        ActorKind::Client,
        &owner,
        actions::SETTINGS_GLOBAL,
    );
    assert_eq!(
        password.after.unwrap(),
        json!({ "backplane_password": "[redacted]" }),
        "credentials among settings are not recorded"
    );
    assert_eq!(password.client_id, None);
    secrets.push("hunter2 hunter2".into());

    let deleted_key = one_entry!(assert_eq!(
        server
            .call(
                "/settings/delete",
                &[("for_client_id", &id), ("key", "site_name")]
            )
            .await["result"],
        true
    ));
    assert_eq!(deleted_key.after.unwrap(), json!({ "site_name": null }));

    let reset = one_entry!({
        let body = server
            .call(
                "/clients/reset_secret",
                &[("for_client_id", &id), ("hours_to_live", "2")],
            )
            .await;
        secrets.push(body["new_secret"].as_str().unwrap().to_string());
    });
    assert_actor(
        &reset,
        Door::Api,
        ActorKind::Client,
        &owner,
        actions::SECRET_RESET,
    );
    assert_eq!(
        reset.after.as_ref().unwrap()["old_secret_valid_until"],
        json!(server.clock.now() + 7200)
    );

    // Console: create, copy, save, reveal, reset, expire, settings, application settings, delete.
    let created = one_entry!({
        let (status, body) = console_json(
            &server,
            "/api/properties/create",
            json!({ "name": "Blog", "features": ["login_client"], "whitelist": [] }),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    });
    assert_actor(
        &created,
        Door::Console,
        ActorKind::User,
        "admin",
        actions::PROPERTY_CREATE,
    );
    let blog = created.client_id.clone().unwrap();

    let copied = one_entry!(assert_eq!(
        console_fields(
            &server,
            "/api/properties/copy",
            &[("source_id", &blog), ("name", "Blog copy")]
        )
        .await
        .0,
        200
    ));
    assert_actor(
        &copied,
        Door::Console,
        ActorKind::User,
        "admin",
        actions::PROPERTY_COPY,
    );
    assert_eq!(copied.after.as_ref().unwrap()["copied_from"], json!(blog));

    let saved = one_entry!({
        let v = version(&server, &blog).await;
        let (status, body) = console_json(&server, "/api/properties/save", json!({ "client_id": blog, "version": v, "name": "Blog EU", "features": ["login_client"], "whitelist": ["192.168.0.0/16"] })).await;
        assert_eq!(status, 200, "{body}");
    });
    assert_actor(
        &saved,
        Door::Console,
        ActorKind::User,
        "admin",
        actions::PROPERTY_UPDATE,
    );
    assert_eq!(
        saved.before.clone().unwrap(),
        json!({ "name": "Blog", "whitelist": ["0.0.0.0/0"] }),
        "only what changed"
    );
    assert_eq!(
        saved.after.clone().unwrap(),
        json!({ "name": "Blog EU", "whitelist": ["192.168.0.0/16"] })
    );

    for _ in 0..2 {
        let revealed = one_entry!({
            let (status, body) =
                console_fields(&server, "/api/properties/secret", &[("client_id", &blog)]).await;
            assert_eq!(status, 200);
            secrets.push(serde_json::from_str::<String>(&body).unwrap());
        });
        assert_actor(
            &revealed,
            Door::Console,
            ActorKind::User,
            "admin",
            actions::SECRET_REVEAL,
        );
    }

    let console_reset = one_entry!({
        let (status, body) = console_fields(
            &server,
            "/api/properties/reset-secret",
            &[("client_id", &blog), ("hours", "1")],
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let reset: Value = serde_json::from_str(&body).unwrap();
        secrets.push(reset["secret"].as_str().unwrap().to_string());
    });
    assert_actor(
        &console_reset,
        Door::Console,
        ActorKind::User,
        "admin",
        actions::SECRET_RESET,
    );

    let expired = one_entry!(assert_eq!(
        console_fields(
            &server,
            "/api/properties/expire-previous-secret",
            &[("client_id", &blog)]
        )
        .await
        .0,
        200
    ));
    assert_actor(
        &expired,
        Door::Console,
        ActorKind::User,
        "admin",
        actions::SECRET_EXPIRE_PREVIOUS,
    );

    let edited = one_entry!(assert_eq!(console_json(&server, "/api/settings/save", json!({ "client_id": blog, "changes": [{ "key": "site_name", "expected": null, "new": "Blog" }] })).await.0, 200));
    assert_actor(
        &edited,
        Door::Console,
        ActorKind::User,
        "admin",
        actions::SETTINGS_PROPERTY,
    );
    assert_eq!(edited.property_name.as_deref(), Some("Blog EU"));

    let global = one_entry!(assert_eq!(
        console_json(
            &server,
            "/api/settings/save",
            json!({ "changes": [{ "key": "site_name", "expected": null, "new": "All" }] })
        )
        .await
        .0,
        200
    ));
    assert_actor(
        &global,
        Door::Console,
        ActorKind::User,
        "admin",
        actions::SETTINGS_GLOBAL,
    );

    let removed = one_entry!(assert_eq!(
        console_fields(&server, "/api/properties/delete", &[("client_id", &blog)])
            .await
            .0,
        200
    ));
    assert_actor(
        &removed,
        Door::Console,
        ActorKind::User,
        "admin",
        actions::PROPERTY_DELETE,
    );
    assert_eq!(
        removed.property_name.as_deref(),
        Some("Blog EU"),
        "the name at the time stays"
    );

    let api_deleted = one_entry!(assert_eq!(
        server
            .call("/clients/delete", &[("client_id_for_deletion", &id)])
            .await["stat"],
        "ok"
    ));
    assert_actor(
        &api_deleted,
        Door::Api,
        ActorKind::Client,
        &owner,
        actions::PROPERTY_DELETE,
    );

    // Console accounts.
    let added_user = one_entry!({
        let (status, body) = console_fields(
            &server,
            "/api/auth/add_user",
            &[("username", "carol"), ("role", "Viewer")],
        )
        .await;
        assert_eq!(status, 200, "{body}");
        secrets.push(serde_json::from_str::<String>(&body).unwrap());
    });
    assert_actor(
        &added_user,
        Door::Console,
        ActorKind::User,
        "admin",
        actions::USER_ADD,
    );
    let role = one_entry!(assert_eq!(
        console_fields(
            &server,
            "/api/auth/set_role",
            &[("username", "carol"), ("role", "Admin")]
        )
        .await
        .0,
        200
    ));
    assert_eq!(role.after.unwrap()["role"], "admin");
    let password_reset = one_entry!({
        let (status, body) = console_fields(
            &server,
            "/api/auth/reset_password",
            &[("username", "carol")],
        )
        .await;
        assert_eq!(status, 200);
        secrets.push(serde_json::from_str::<String>(&body).unwrap());
    });
    assert_actor(
        &password_reset,
        Door::Console,
        ActorKind::User,
        "admin",
        actions::USER_PASSWORD_RESET,
    );
    let user_removed = one_entry!(assert_eq!(
        console_fields(&server, "/api/auth/remove_user", &[("username", "carol")])
            .await
            .0,
        200
    ));
    assert_actor(
        &user_removed,
        Door::Console,
        ActorKind::User,
        "admin",
        actions::USER_REMOVE,
    );

    // The command line: the owner's secret, and accounts.
    let operator = app::ops::Actor::operator("cli0000000000000".into(), server.clock.now());
    let os_user = match &operator.who {
        app::ops::Who::Operator { os_user } => os_user.clone(),
        _ => unreachable!(),
    };
    let cli_reset = one_entry!({
        let credentials = server::bootstrap::reset_owner_secret(&server.store, &operator)
            .await
            .unwrap();
        secrets.push(credentials.client_secret);
    });
    assert_actor(
        &cli_reset,
        Door::Cli,
        ActorKind::System,
        &os_user,
        actions::SECRET_RESET,
    );
    let cli_user = one_entry!({
        let (_, password) = app::ops::users::add(
            &server.store,
            &operator,
            "dave",
            app::domain::accounts::Role::Viewer,
        )
        .await
        .unwrap();
        secrets.push(password);
    });
    assert_actor(
        &cli_user,
        Door::Cli,
        ActorKind::System,
        &os_user,
        actions::USER_ADD,
    );

    assert_eq!(entries(&server).await.len(), seen);

    // No secret issued above appears anywhere in the log.
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT coalesce(actor,'') || '|' || coalesce(actor_name,'') || '|' || coalesce(source,'') || '|' || \
         coalesce(request_id,'') || '|' || coalesce(action,'') || '|' || coalesce(client_id,'') || '|' || \
         coalesce(property_name,'') || '|' || coalesce(before_json,'') || '|' || coalesce(after_json,'') FROM audit_events",
    )
    .fetch_all(server.store.pool())
    .await
    .unwrap();
    let log: String = rows
        .into_iter()
        .map(|(row,)| row)
        .collect::<Vec<_>>()
        .join("\n");
    let mut export = Vec::new();
    let exported = server::audit::export(&server.store, i64::MIN, &mut export)
        .await
        .unwrap();
    assert_eq!(exported, seen);
    let export = String::from_utf8(export).unwrap();
    let lines: Vec<Value> = export
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), seen, "one JSON object per line");
    assert_eq!(lines[0]["action"], actions::PROPERTY_CREATE, "oldest first");
    assert_eq!(lines[0]["door"], "cli", "the owner made at first start");
    for field in [
        "id",
        "at",
        "time",
        "door",
        "actor_kind",
        "actor",
        "source",
        "request_id",
        "action",
        "client_id",
        "property_name",
        "before",
        "after",
    ] {
        assert!(lines[0].get(field).is_some(), "{field} in {}", lines[0]);
    }
    assert_eq!(lines[1]["door"], "api");
    assert!(secrets.len() >= 10);
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "a secret is in the audit log: {secret}"
        );
        assert!(
            !export.contains(secret.as_str()),
            "a secret is in the export: {secret}"
        );
    }
}

#[tokio::test]
async fn retention_prunes_entries_older_than_the_period_and_export_starts_where_asked() {
    let server = TestServer::start().await;
    server.add_client("Old", "[]").await;
    server.clock.advance(40 * 86_400);
    server.add_client("New", "[]").await;
    let mut out = Vec::new();
    let since = common::START + 86_400;
    assert_eq!(
        server::audit::export(&server.store, since, &mut out)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        server::audit::prune(&server.store, &server.clock, 30)
            .await
            .unwrap(),
        2,
        "the owner made at first start and Old"
    );
    let left = entries(&server).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].property_name.as_deref(), Some("New"));
}

#[tokio::test]
async fn reads_and_refused_changes_write_no_entry() {
    let server = TestServer::start().await;
    let (id, secret) = server.add_client("Reader", r#"["direct_access"]"#).await;
    let before = entries(&server).await.len();
    server.call("/clients/list", &[]).await;
    server.call_as(&id, &secret, "/settings/items", &[]).await;
    let refused = server
        .call_as(&id, &secret, "/clients/add", &[("description", "Nope")])
        .await;
    assert_eq!(refused["code"], 403, "{refused}");
    let (status, _) = server
        .console(
            &server.viewer_cookie,
            "/api/properties/delete",
            &[("client_id", &id)],
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        server
            .call(
                "/settings/delete",
                &[("for_client_id", &id), ("key", "absent")]
            )
            .await["result"],
        false
    );
    assert_eq!(entries(&server).await.len(), before);
}

/// The command line: `server owner reset-secret` and `server user add` are audited with the
/// operator as actor, and `server audit export` prints them as JSON lines.
#[tokio::test]
async fn the_command_line_is_audited_and_exports_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("gatehouse.db");
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .arg("--database")
            .arg(&database)
            .args(args)
            .env("USER", "ops-person")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let credentials: Value =
        serde_json::from_str(run(&["owner", "reset-secret", "--json"]).trim()).unwrap();
    run(&["owner", "reset-secret", "--json"]);
    let account: Value =
        serde_json::from_str(run(&["user", "add", "erin", "--json"]).trim()).unwrap();
    let export = run(&["audit", "export", "--since", "2000-01-01T00:00:00Z"]);
    let lines: Vec<Value> = export
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let actions: Vec<&str> = lines
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            actions::PROPERTY_CREATE,
            actions::SECRET_RESET,
            actions::USER_ADD
        ],
        "the first reset created the owner: {export}"
    );
    for line in &lines {
        assert_eq!(line["door"], "cli");
        assert_eq!(line["actor"], "ops-person");
        assert_eq!(line["source"], "cli");
    }
    assert_eq!(lines[1]["client_id"], credentials["client_id"]);
    assert!(!export.contains(account["password"].as_str().unwrap()));
    assert!(run(&["audit", "export", "--since", "2999-01-01"]).is_empty());
}

/// The first start prints the credentials with the address the server really answers on.
#[tokio::test]
async fn the_first_start_banner_names_the_address_it_answers_on() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("--database")
        .arg(dir.path().join("gatehouse.db"))
        .args(["--listen", "127.0.0.1:0", "--log-level", "error"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut printed = String::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.contains("running at") {
            break;
        }
    }
    let rest = std::thread::spawn(move || lines.map(|l| l.unwrap_or_default()).collect::<Vec<_>>());
    common::stop_server(&mut child);
    let rest = rest.join().unwrap();
    let base = printed
        .split("running at ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    assert!(
        base.starts_with("http://127.0.0.1:") && !base.ends_with(":0"),
        "{printed}"
    );
    assert!(
        printed.contains(&format!("{base}/clients/list")),
        "{printed}"
    );
    assert!(
        printed.contains(&format!("signing in at {base}/sign-in")),
        "{printed}"
    );
    assert!(!printed.contains("<address>"), "{printed}");
    assert!(rest.is_empty(), "nothing more on standard output: {rest:?}");
}

/// One id per request: the `x-request-id` header, a Capture error's `request_id`, the audit entry of
/// a change (from either door) and the request's log lines all carry the same one.
#[tokio::test]
async fn a_request_id_ties_the_answer_the_audit_entry_and_the_log_together() {
    let server = TestServer::start().await;
    let (id, _) = server.add_client("Tied", "[]").await;

    let response = server
        .http
        .post(server.url("/clients/set_features"))
        .basic_auth(&server.owner.client_id, Some(&server.owner.client_secret))
        .form(&[("for_client_id", id.as_str()), ("features", "[\"ninja\"]")])
        .send()
        .await
        .unwrap();
    let header = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["request_id"], header.as_str(), "{body}");

    let response = server
        .http
        .post(server.url("/clients/set_features"))
        .basic_auth(&server.owner.client_id, Some(&server.owner.client_secret))
        .form(&[
            ("for_client_id", id.as_str()),
            ("features", "[\"direct_access\"]"),
        ])
        .send()
        .await
        .unwrap();
    let header = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(entries(&server).await.last().unwrap().request_id, header);

    let response = server
        .http
        .post(server.url("/api/properties/expire-previous-secret"))
        .header("Cookie", &server.admin_cookie)
        .json(&json!({ "client_id": id }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let header = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(entries(&server).await.last().unwrap().request_id, header);

    // The log: a real process, an error answer, its id in the log line.
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("--database")
        .arg(dir.path().join("gatehouse.db"))
        .args(["--listen", "127.0.0.1:0", "--log-level", "info"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let base = lines
        .by_ref()
        .map(|l| l.unwrap())
        .find_map(|l| {
            l.split("running at ").nth(1).map(|r| {
                r.split_whitespace()
                    .next()
                    .unwrap()
                    .trim_end_matches('/')
                    .to_string()
            })
        })
        .unwrap();
    std::thread::spawn(move || lines.for_each(drop));
    let refused = common::answer(
        reqwest::Client::new().post(format!("{base}/clients/list?client_secret=not-in-the-log")),
    )
    .await;
    common::stop_server(&mut child);
    let mut log = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log).unwrap();
    let request_id = refused["request_id"].as_str().unwrap();
    let line = log
        .lines()
        .find(|l| l.contains("API request refused"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(line.contains(request_id), "{line}");
    assert!(
        !log.contains("not-in-the-log"),
        "the query string is never logged: {log}"
    );
}
