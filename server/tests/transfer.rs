//! `gatehouse export` and `gatehouse import` as real processes on real database files (issue #19).

mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use app::domain::features::Feature;
use app::ops::properties;
use app::ops::Actor;
use app::store::settings::Scope;
use app::store::Store;

fn run(database: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("--database")
        .arg(database)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn actor() -> Actor {
    Actor::operator("transfertest0000".into(), 1_767_225_600)
}

/// What import must reproduce of a database, properties by name: features, whitelist, settings;
/// and the global settings.
type Contents = (
    BTreeMap<String, (Vec<Feature>, Vec<String>, BTreeMap<String, String>)>,
    BTreeMap<String, String>,
);

async fn contents(database: &Path) -> Contents {
    let store = Store::open(database).await.unwrap();
    let (global, states) = store.transfer_state().await.unwrap();
    store.close().await;
    let by_name = states
        .into_iter()
        .map(|p| (p.name, (p.features, p.whitelist, p.settings)))
        .collect();
    (by_name, global)
}

/// A source database: an owner, two more properties with settings, global settings. Returns the
/// secrets, which must never leave it.
async fn source(dir: &Path) -> (PathBuf, Vec<String>) {
    let path = dir.join("source").join("gatehouse.db");
    let store = Store::open(&path).await.unwrap();
    let actor = actor();
    let mut secrets = Vec::new();
    let owner = properties::create(&store, &actor, "Owner", &[Feature::Owner], &[])
        .await
        .unwrap();
    let shop = properties::create(
        &store,
        &actor,
        "Shop EU",
        &[Feature::DirectAccess, Feature::AccessIssuer],
        &["10.0.0.0/8".into(), "2001:db8::/32".into()],
    )
    .await
    .unwrap();
    let login = properties::create(&store, &actor, "Login app", &[Feature::LoginClient], &[])
        .await
        .unwrap();
    for record in [&owner, &shop, &login] {
        secrets.push(record.client_secret.expose().to_string());
    }
    store
        .set_setting(Scope::Property(&shop.client_id), "site_name", "Shop", 0)
        .await
        .unwrap();
    store
        .set_setting(
            Scope::Property(&shop.client_id),
            "backplane_password",
            "pw",
            0,
        )
        .await
        .unwrap();
    store
        .set_setting(Scope::Global, "default_flow_name", "standard", 0)
        .await
        .unwrap();
    store
        .set_setting(Scope::Global, "login_attempts", "5", 0)
        .await
        .unwrap();
    store.close().await;
    (path, secrets)
}

#[tokio::test]
async fn export_then_import_into_an_empty_gatehouse_reproduces_every_property_and_setting() {
    let dir = tempfile::tempdir().unwrap();
    let (source, secrets) = source(dir.path()).await;
    let file = dir.path().join("export.json");
    let exported = run(&source, &["export", "--output", file.to_str().unwrap()], "");
    assert!(exported.status.success(), "{}", text(&exported.stderr));
    let document = std::fs::read_to_string(&file).unwrap();
    for secret in &secrets {
        assert!(!document.contains(secret.as_str()), "a secret was exported");
    }
    assert!(!document.contains("secret"), "{document}");

    let target = dir.path().join("target").join("gatehouse.db");
    let imported = run(&target, &["import", file.to_str().unwrap(), "--yes"], "");
    let stdout = text(&imported.stdout);
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    assert!(
        stdout.contains(
            "3 to create, 0 to change, 0 unchanged, 0 to delete; 2 global settings to change"
        ),
        "{stdout}"
    );
    assert_eq!(contents(&target).await, contents(&source).await);

    // The new secrets are printed once, and they are the ones that now authenticate.
    let store = Store::open(&target).await.unwrap();
    let (_, states) = store.transfer_state().await.unwrap();
    assert_eq!(states.len(), 3);
    for state in &states {
        let record = store.property(&state.client_id).await.unwrap().unwrap();
        let line = format!(
            "client_id {} client_secret {}",
            record.client_id,
            record.client_secret.expose()
        );
        assert!(stdout.contains(&line), "{stdout}");
        assert!(!secrets.contains(&record.client_secret.expose().to_string()));
    }
    // Every created property has an audit entry by the operator at the command line.
    let audit = store.audit_since(0).await.unwrap();
    let creates = audit
        .iter()
        .filter(|e| e.action == "property.create")
        .count();
    assert_eq!(creates, 3);
    store.close().await;
    assert!(
        !text(&imported.stderr).contains("client_secret"),
        "secrets must not reach the log"
    );

    // The same file again: everything matches by name now, nothing to do.
    let again = run(&target, &["import", file.to_str().unwrap(), "--yes"], "");
    let stdout = text(&again.stdout);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        stdout.contains("0 to create, 0 to change, 3 unchanged"),
        "{stdout}"
    );
    assert!(stdout.contains("Nothing to do"), "{stdout}");
}

#[tokio::test]
async fn a_changed_file_shows_each_field_and_applies_only_after_yes() {
    let dir = tempfile::tempdir().unwrap();
    let (source, _) = source(dir.path()).await;
    let file = dir.path().join("export.json");
    let exported = run(&source, &["export"], "");
    assert!(exported.status.success(), "{}", text(&exported.stderr));
    let mut document: serde_json::Value = serde_json::from_slice(&exported.stdout).unwrap();
    let shop = document["properties"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["name"] == "Shop EU")
        .unwrap();
    shop["name"] = "Shop Europe".into();
    shop["whitelist"] = serde_json::json!(["10.0.0.0/8"]);
    shop["settings"]["site_name"] = "Shop Europe".into();
    std::fs::write(&file, serde_json::to_vec(&document).unwrap()).unwrap();
    let before = contents(&source).await;

    let dry = run(
        &source,
        &["import", file.to_str().unwrap(), "--dry-run"],
        "",
    );
    let stdout = text(&dry.stdout);
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert!(
        stdout.contains("0 to create, 1 to change, 2 unchanged"),
        "{stdout}"
    );
    assert!(
        stdout.contains("name: \"Shop EU\" -> \"Shop Europe\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("whitelist: [10.0.0.0/8, 2001:db8::/32] -> [10.0.0.0/8]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("settings.site_name: \"Shop\" -> \"Shop Europe\""),
        "{stdout}"
    );
    assert!(stdout.contains("Dry run: nothing was written."), "{stdout}");
    assert_eq!(contents(&source).await, before);

    let declined = run(&source, &["import", file.to_str().unwrap()], "n\n");
    let stdout = text(&declined.stdout);
    assert!(stdout.contains("Apply this plan? [y/N]"), "{stdout}");
    assert!(
        stdout.contains("Not applied: nothing was written."),
        "{stdout}"
    );
    assert_eq!(contents(&source).await, before);

    // End of input counts as no.
    let closed = run(&source, &["import", file.to_str().unwrap()], "");
    assert!(text(&closed.stdout).contains("Not applied"));
    assert_eq!(contents(&source).await, before);

    let accepted = run(&source, &["import", file.to_str().unwrap()], "y\n");
    let stdout = text(&accepted.stdout);
    assert!(accepted.status.success(), "{}", text(&accepted.stderr));
    assert!(stdout.contains("Applied: 0 created, 1 changed"), "{stdout}");
    let (after, _) = contents(&source).await;
    let (features, whitelist, settings) = &after["Shop Europe"];
    assert_eq!(features, &[Feature::AccessIssuer, Feature::DirectAccess]);
    assert_eq!(whitelist, &["10.0.0.0/8"]);
    assert_eq!(settings["site_name"], "Shop Europe");
    assert_eq!(settings["backplane_password"], "pw");
    assert!(!after.contains_key("Shop EU"));
}

#[tokio::test]
async fn an_invalid_file_lists_every_problem_with_its_position_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("gatehouse.db");
    let file = dir.path().join("bad.json");
    std::fs::write(
        &file,
        r#"{"format":"gatehouse-export","version":1,
            "global_settings":{"site_name":"x"},
            "properties":[
              {"name":"Fine"},
              {"name":"Net","whitelist":["10.0.0.0/8","10.0.0.0/33"]},
              {"name":"Feat","features":["ninja_superuser"]},
              {"name":"fine"}
            ]}"#,
    )
    .unwrap();
    let output = run(&database, &["import", file.to_str().unwrap(), "--yes"], "");
    let stderr = text(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("properties[1].whitelist[1]: invalid cidr address: 10.0.0.0/33; value after slash must be 32 or less"),
        "{stderr}"
    );
    assert!(
        stderr.contains("properties[2].features[0]: ninja_superuser is not a valid feature name"),
        "{stderr}"
    );
    assert!(
        stderr.contains("properties[3].name: properties[0] has the same name"),
        "{stderr}"
    );
    assert!(
        stderr.contains("has 3 problem(s); nothing was written"),
        "{stderr}"
    );
    let (properties, global) = contents(&database).await;
    assert!(properties.is_empty() && global.is_empty());

    std::fs::write(
        &file,
        "{\"format\":\"gatehouse-export\",\n\"version\":1,\n\"x\":1}",
    )
    .unwrap();
    let output = run(&database, &["import", file.to_str().unwrap(), "--yes"], "");
    let stderr = text(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("line 3 column"), "{stderr}");
    assert!(stderr.contains("unknown field `x`"), "{stderr}");
}

#[tokio::test]
async fn export_filters_like_the_list_and_prune_never_deletes_an_owner() {
    let dir = tempfile::tempdir().unwrap();
    let (source, _) = source(dir.path()).await;
    let names = |output: &Output| -> Vec<String> {
        common::exported_names(&serde_json::from_slice(&output.stdout).unwrap())
    };
    let searched = run(&source, &["export", "--search", "SHOP"], "");
    assert!(searched.status.success(), "{}", text(&searched.stderr));
    assert_eq!(names(&searched), ["Shop EU"]);
    let featured = run(
        &source,
        &["export", "--feature", "owner", "--feature", "login_client"],
        "",
    );
    assert_eq!(names(&featured), ["Login app", "Owner"]);
    let bad = run(&source, &["export", "--feature", "ninja"], "");
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("--feature: ninja is not a valid feature name"));

    // Importing only Shop with prune: Login app is deleted, Owner stays (and the plan says why).
    let file = dir.path().join("shop.json");
    std::fs::write(&file, &searched.stdout).unwrap();
    let pruned = run(
        &source,
        &["import", file.to_str().unwrap(), "--prune", "--yes"],
        "",
    );
    let stdout = text(&pruned.stdout);
    assert!(pruned.status.success(), "{}", text(&pruned.stderr));
    assert!(stdout.contains("delete \"Login app\""), "{stdout}");
    assert!(stdout.contains("keep \"Owner\""), "{stdout}");
    assert!(
        stdout.contains("owner properties are never deleted"),
        "{stdout}"
    );
    let (after, _) = contents(&source).await;
    let left: Vec<&String> = after.keys().collect();
    assert_eq!(left, ["Owner", "Shop EU"]);
}

/// The time to import 10,000 properties (each with a whitelist and two settings) into an empty
/// database, through the real command: `cargo test -p server --test transfer -- --ignored
/// --nocapture`.
#[tokio::test]
#[ignore]
async fn time_to_import_ten_thousand_properties() {
    let dir = tempfile::tempdir().unwrap();
    let properties: Vec<serde_json::Value> = (0..10_000)
        .map(|i| {
            serde_json::json!({
                "name": format!("Property {i:05}"),
                "features": if i % 2 == 0 { vec!["direct_access"] } else { vec!["login_client"] },
                "whitelist": [format!("10.{}.{}.0/24", i / 256, i % 256)],
                "settings": { "site_name": format!("Site {i}"), "login_attempts": "5" },
            })
        })
        .collect();
    let document = serde_json::json!({
        "format": "gatehouse-export", "version": 1,
        "global_settings": { "default_flow_name": "standard" },
        "properties": properties,
    });
    let file = dir.path().join("big.json");
    std::fs::write(&file, serde_json::to_vec(&document).unwrap()).unwrap();
    let database = dir.path().join("gatehouse.db");
    // Create the database (and its key) first, so only the import is timed.
    assert!(run(&database, &["user", "list"], "").status.success());
    let started = std::time::Instant::now();
    let output = run(&database, &["import", file.to_str().unwrap(), "--yes"], "");
    let elapsed = started.elapsed();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let (imported, _) = contents(&database).await;
    assert_eq!(imported.len(), 10_000);
    println!("imported 10,000 properties in {elapsed:.2?}");
}
