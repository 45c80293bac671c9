//! Gatehouse load benchmark (not a test): `cargo run -p server --release --example bench`.
//!
//! Part 1, the API: requests/s of `/healthz`, authenticated `/clients/list` (10 clients; Basic and
//! janrain-signed auth), `/settings/get` and `/settings/items` (20 global + 10 property keys), each
//! driven by 16 concurrent keep-alive connections against one in-process server on loopback.
//!
//! Part 2, the list at 100,000 properties (or `--properties N`): every kind of Manage Properties
//! view (search of 1, 2 and 3+ characters matching nothing, a few rows or most rows; a feature
//! nobody has; deep pages in both sort orders), timed from the store and as the server-rendered
//! page over HTTP; then the application settings (override counts) and a property's settings,
//! and the process's resident memory.
//!
//! Part 3, the audit log at 1,000,000 entries: the audit page's queries straight from the store.
//!
//! Flags: `--seconds N` per API case (default 5), `--properties N` (default 100000),
//! `--audit-entries N` (default 1000000), `--only api|list|audit`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::clock::Clock;
use app::domain::features::Feature;
use app::domain::signature;
use app::properties::model::{ListQuery, ListView, SortColumn, SortDirection};
use app::store::properties::NewProperty;
use app::store::settings::Scope;
use app::store::Store;
use leptos::prelude::LeptosOptions;
use server::bootstrap::ensure_owner;
use server::capture::limits::{ApiLimits, RateLimit};
use server::{AppState, TrustedProxies};

const CONNECTIONS: usize = 16;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let seconds = flag("--seconds", 5);
    let properties = flag("--properties", 100_000) as usize;

    let dir = tempfile::tempdir().expect("temp dir");
    println!(
        "# Gatehouse benchmark ({} cores)",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let run = |part: &str| only.as_deref().is_none_or(|o| o == part);
    if run("api") {
        api_benchmark(&dir.path().join("api.db"), Duration::from_secs(seconds)).await;
    }
    if run("list") {
        list_benchmark(&dir.path().join("list.db"), properties).await;
    }
    if run("audit") {
        audit_benchmark(
            &dir.path().join("audit.db"),
            flag("--audit-entries", 1_000_000) as usize,
        )
        .await;
    }
}

/// The audit page's queries at `count` entries: the newest page, each filter, a time range and a
/// deep page (keyset), straight from the store.
async fn audit_benchmark(path: &std::path::Path, count: usize) {
    use app::domain::audit::{actions, AuditFilter, AUDIT_PAGE_SIZE};
    let store = Store::open(path).await.unwrap();
    let started = Instant::now();
    // 1,000 properties, 20 actors, the actions in turn, one entry a minute.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?) \
         INSERT INTO audit_events (at, door, actor_kind, actor, actor_name, source, request_id, action, \
         client_id, property_name, before_json, after_json) \
         SELECT 1700000000 + i * 60, 'api', 'client', 'actor' || (i % 20), 'Owner', '127.0.0.1', \
         printf('%016d', i), CASE i % 4 WHEN 0 THEN 'property.features' WHEN 1 THEN 'settings.property' \
         WHEN 2 THEN 'property.whitelist' ELSE 'secret.reset' END, printf('%032d', i % 1000), \
         'Property ' || (i % 1000), '{\"features\":[]}', '{\"features\":[\"owner\"]}' FROM n",
    )
    .bind(count as i64)
    .execute(store.pool())
    .await
    .unwrap();
    sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();
    println!(
        "\n## Audit log at {count} entries (seeded in {:.1} s): one page of {AUDIT_PAGE_SIZE}, newest first\n",
        started.elapsed().as_secs_f64()
    );
    println!("| view | entries | median ms | p95 ms |");
    println!("|---|---:|---:|---:|");
    let middle = 1_700_000_000 + (count as i64 / 2) * 60;
    let deep_before =
        sqlx::query_scalar::<_, i64>("SELECT id FROM audit_events ORDER BY id LIMIT 1 OFFSET ?")
            .bind(count as i64 / 2)
            .fetch_one(store.pool())
            .await
            .unwrap();
    let views: Vec<(&str, AuditFilter, Option<i64>)> = vec![
        ("first page, no filter", AuditFilter::default(), None),
        (
            "property (id)",
            AuditFilter {
                property: format!("{:032}", 7),
                ..Default::default()
            },
            None,
        ),
        (
            "property (name)",
            AuditFilter {
                property: "property 7".into(),
                ..Default::default()
            },
            None,
        ),
        (
            "actor",
            AuditFilter {
                actor: "actor3".into(),
                ..Default::default()
            },
            None,
        ),
        (
            "action",
            AuditFilter {
                action: actions::SECRET_RESET.into(),
                ..Default::default()
            },
            None,
        ),
        (
            "a day in the middle",
            AuditFilter {
                since: Some(middle),
                until: Some(middle + 86_400),
                ..Default::default()
            },
            None,
        ),
        (
            "actor + action + day",
            AuditFilter {
                actor: "actor3".into(),
                action: actions::SECRET_RESET.into(),
                since: Some(middle),
                until: Some(middle + 86_400),
                ..Default::default()
            },
            None,
        ),
        (
            "action nobody did",
            AuditFilter {
                action: actions::USER_ADD.into(),
                ..Default::default()
            },
            None,
        ),
        (
            "half way back (keyset)",
            AuditFilter::default(),
            Some(deep_before),
        ),
    ];
    for (label, filter, before) in views {
        let mut times = Vec::new();
        let mut shown = 0;
        for _ in 0..15 {
            let t = Instant::now();
            shown = store
                .audit_page(&filter, before, AUDIT_PAGE_SIZE)
                .await
                .unwrap()
                .entries
                .len();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let (median, p95) = percentiles(&mut times);
        println!("| {label} | {shown} | {median:.2} | {p95:.2} |");
    }
}

async fn start(store: Store) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut state = AppState::new(
        LeptosOptions::builder()
            .output_name("gatehouse")
            .site_root("target/site")
            .site_addr(addr)
            .build(),
        store,
        Clock::System,
    );
    state.trusted_proxies = TrustedProxies::default();
    // The benchmark measures throughput, which the per-client rate limit exists to cap.
    state.api_limits = ApiLimits::new(RateLimit::OFF);
    tokio::spawn(server::serve(listener, state, std::future::pending()));
    format!("http://{addr}")
}

/// A request to repeat: method is always POST for API calls (form body), GET otherwise.
#[derive(Clone)]
enum Call {
    Get(String),
    Basic {
        url: String,
        id: String,
        secret: String,
        form: Vec<(String, String)>,
    },
    Signed {
        url: String,
        path: String,
        id: String,
        secret: String,
    },
    /// Basic auth as each of many clients in turn: each call misses the credential cache, so it
    /// reads the property and opens its sealed secret (a cold authentication).
    ManyClients {
        url: String,
        clients: Arc<Vec<(String, String)>>,
    },
}

/// Clients the cold-authentication case takes turns with: more than the credential cache keeps.
const COLD_CLIENTS: usize = 20_000;

async fn api_benchmark(path: &std::path::Path, duration: Duration) {
    let store = Store::open(path).await.unwrap();
    let owner = ensure_owner(&store, Clock::System.now())
        .await
        .unwrap()
        .unwrap();
    let batch: Vec<NewProperty> = (1..10)
        .map(|i| NewProperty {
            name: format!("Client {i}"),
            features: vec![Feature::LoginClient],
            whitelist: vec![],
        })
        .collect();
    let other = store.create_properties(&batch, 0).await.unwrap()[0]
        .client_id
        .clone();

    for i in 0..20 {
        store
            .set_setting(Scope::Global, &format!("global_key_{i}"), "global value", 0)
            .await
            .unwrap();
    }
    for i in 0..10 {
        store
            .set_setting(
                Scope::Property(&owner.client_id),
                &format!("global_key_{i}"),
                "own value",
                0,
            )
            .await
            .unwrap();
    }
    let base = start(store.clone()).await;
    let (id, secret) = (owner.client_id.clone(), owner.client_secret.clone());
    let basic = |path: &str, form: &[(&str, &str)]| Call::Basic {
        url: format!("{base}{path}"),
        id: id.clone(),
        secret: secret.clone(),
        form: form
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    let cases = [
        ("GET /healthz", Call::Get(format!("{base}/healthz"))),
        (
            "/clients/list, Basic auth (10 clients)",
            basic("/clients/list", &[]),
        ),
        (
            "/clients/list, janrain-signed",
            Call::Signed {
                url: format!("{base}/clients/list"),
                path: "/clients/list".into(),
                id: id.clone(),
                secret: secret.clone(),
            },
        ),
        (
            "/settings/get, Basic auth",
            basic("/settings/get", &[("key", "global_key_5")]),
        ),
        (
            "/settings/items, Basic auth (20 global + 10 own keys)",
            basic("/settings/items", &[]),
        ),
        (
            "/clients/set_features (a write, with its audit entry)",
            basic(
                "/clients/set_features",
                &[
                    ("for_client_id", &other),
                    ("features", r#"["login_client"]"#),
                ],
            ),
        ),
        (
            "/settings/set (a write, with its audit entry)",
            basic(
                "/settings/set",
                &[("key", "global_key_3"), ("value", "new value")],
            ),
        ),
    ];
    println!(
        "\n## API throughput: {CONNECTIONS} connections, {} s per case\n",
        duration.as_secs()
    );
    println!("| call | requests/s | vs /healthz |");
    println!("|---|---:|---:|");
    let mut baseline = 0.0;
    for (label, call) in cases {
        let rate = drive(call, duration).await;
        if baseline == 0.0 {
            baseline = rate;
        }
        println!("| {label} | {rate:.0} | {:.0}% |", 100.0 * rate / baseline);
    }
    // Last, so that the cases above see the same ten clients as ever.
    let cold: Vec<NewProperty> = (0..COLD_CLIENTS)
        .map(|i| NewProperty {
            name: format!("Cold client {i}"),
            features: vec![Feature::DirectAccess],
            whitelist: vec![],
        })
        .collect();
    let cold_clients: Arc<Vec<(String, String)>> = Arc::new(
        store
            .create_properties(&cold, 0)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.client_id, r.client_secret.expose().to_string()))
            .collect(),
    );
    let (label, call) = (
        "/settings/get, Basic auth, 20,000 clients in turn (cold: read + open the sealed secret)",
        Call::ManyClients {
            url: format!("{base}/settings/get?key=global_key_5"),
            clients: cold_clients,
        },
    );
    let rate = drive(call, duration).await;
    println!("| {label} | {rate:.0} | {:.0}% |", 100.0 * rate / baseline);
}

/// Runs `call` from many connections for `duration`; returns successful requests per second.
async fn drive(call: Call, duration: Duration) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::new();
    for connection in 0..CONNECTIONS {
        let (call, done) = (call.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut turn = connection * 7919;
            while Instant::now() < deadline {
                turn += 1;
                let request = match &call {
                    Call::ManyClients { url, clients } => {
                        let (id, secret) = &clients[turn % clients.len()];
                        client.post(url).basic_auth(id, Some(secret))
                    }
                    Call::Get(url) => client.get(url),
                    Call::Basic {
                        url,
                        id,
                        secret,
                        form,
                    } => client.post(url).basic_auth(id, Some(secret)).form(form),
                    Call::Signed {
                        url,
                        path,
                        id,
                        secret,
                    } => {
                        let date = signature::format_date(Clock::System.now());
                        let sig = signature::sign(secret, path, &date, &[]);
                        client
                            .post(url)
                            .header("Date", date)
                            .header("Authorization", signature::authorization_header(id, &sig))
                    }
                };
                let body = request.send().await.unwrap().bytes().await.unwrap();
                assert!(
                    body.windows(4).any(|w| w == b"\"ok\""),
                    "unexpected answer: {}",
                    String::from_utf8_lossy(&body)
                );
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / duration.as_secs_f64()
}

/// 100 words: each names about 1% of the seeded properties, so "a fragment matching 1%" is real.
const WORDS: [&str; 100] = [
    "amber", "birch", "cobalt", "dune", "ember", "fjord", "garnet", "harbor", "indigo", "juniper",
    "kestrel", "lagoon", "meadow", "nimbus", "orchid", "pebble", "quartz", "raven", "sierra",
    "tundra", "umber", "velvet", "willow", "xenon", "yonder", "zephyr", "alpine", "bramble",
    "canyon", "delta", "estuary", "falcon", "glacier", "heron", "island", "jasper", "koala",
    "lotus", "marble", "nectar", "onyx", "prairie", "quill", "ripple", "saffron", "thistle",
    "upland", "vortex", "walnut", "yarrow", "zinnia", "aspen", "basalt", "cedar", "dahlia",
    "egret", "fennel", "granite", "hazel", "iris", "jade", "kelp", "lichen", "maple", "nutmeg",
    "olive", "poppy", "quokka", "russet", "sorrel", "topaz", "urchin", "violet", "wren", "yucca",
    "zircon", "acorn", "beacon", "comet", "drift", "elm", "fern", "grove", "hollow", "ivory",
    "jetty", "knoll", "larch", "mesa", "nova", "oasis", "pine", "quiver", "reef", "summit", "tide",
    "vale", "wharf", "yew", "zenith",
];
const REGIONS: [&str; 8] = [
    "North America",
    "Europe",
    "Asia",
    "Africa",
    "Oceania",
    "LatAm",
    "Nordics",
    "Iberia",
];

async fn list_benchmark(path: &std::path::Path, count: usize) {
    let store = Store::open(path).await.unwrap();
    let seeded = Instant::now();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for chunk in (0..count).collect::<Vec<_>>().chunks(10_000) {
        let batch: Vec<NewProperty> = chunk
            .iter()
            .map(|i| {
                let bits = next();
                let features = if bits % 5 == 0 {
                    vec![Feature::LoginClient]
                } else {
                    Feature::API_ASSIGNABLE
                        .into_iter()
                        .filter(|f| {
                            *f != Feature::LoginClient && (bits >> (*f as u64 + 3)) & 3 == 0
                        })
                        .collect()
                };
                NewProperty {
                    // One in 20,000 is in Tromsø: a rare fragment ("ø", "tromsø") to search for.
                    name: format!(
                        "{} {} {i}",
                        WORDS[i % WORDS.len()],
                        if i % 20_000 == 7 {
                            "Tromsø"
                        } else {
                            REGIONS[(bits >> 20) as usize % REGIONS.len()]
                        }
                    ),
                    features,
                    whitelist: vec![],
                }
            })
            .collect();
        store.create_properties(&batch, 0).await.unwrap();
    }
    // Settings for the settings pages: 30 global keys, and every tenth property overrides 5 of
    // them (50,000 rows at 100k), so the application page's override counts have work to do.
    for k in 0..30 {
        store
            .set_setting(Scope::Global, &format!("global_key_{k}"), "default", 0)
            .await
            .unwrap();
    }
    sqlx::query(
        "INSERT INTO property_settings (client_id, key, value, updated_at) \
         SELECT p.client_id, 'global_key_' || k.n, 'own', 0 FROM properties p \
         JOIN (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) k \
         WHERE p.rowid % 10 = 0",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let overriding: String = sqlx::query_scalar("SELECT client_id FROM property_settings LIMIT 1")
        .fetch_one(store.pool())
        .await
        .unwrap();
    sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();
    let seeded = seeded.elapsed();
    let loading = Instant::now();
    store.load_list_index().await.unwrap();
    println!(
        "\n## Manage Properties at {count} properties (seeded in {:.1} s, list index loaded in {:.2} s)\n",
        seeded.as_secs_f64(),
        loading.elapsed().as_secs_f64()
    );
    // Every view the list can be asked for, worst cases included: fragments of 1 and 2
    // characters that match nothing, a few rows or most rows, a feature nobody has, and a deep
    // page in name order. The same views are timed from the store and as server-rendered pages.
    let view =
        |search: &str, features: &[Feature], sort: SortColumn, desc: bool, page: u64| ListView {
            search: search.into(),
            features: features.to_vec(),
            sort,
            direction: if desc {
                SortDirection::Descending
            } else {
                SortDirection::Ascending
            },
            page,
            rows: Some(50),
        };
    use SortColumn::{Id, Name};
    let views = [
        ("unfiltered first page, by id", view("", &[], Id, false, 1)),
        (
            "unfiltered first page, by name",
            view("", &[], Name, false, 1),
        ),
        (
            "unfiltered page 1000, by id",
            view("", &[], Id, false, 1000),
        ),
        ("1 char, no match (\"_\")", view("_", &[], Id, false, 1)),
        ("1 char, rare (\"ø\")", view("ø", &[], Name, false, 1)),
        ("1 char, common (\"a\")", view("a", &[], Id, false, 1)),
        ("2 chars, no match (\"øa\")", view("øa", &[], Id, false, 1)),
        (
            "2 chars, ~2%, in ids only (\"zz\")",
            view("zz", &[], Name, false, 1),
        ),
        (
            "2 chars (\"qu\") + feature owner (nobody)",
            view("qu", &[Feature::Owner], Id, false, 1),
        ),
        (
            "3+ chars, no match (\"tromsø europe\")",
            view("tromsø europe", &[], Name, true, 1),
        ),
        (
            "3+ chars, rare (\"tromsø\")",
            view("tromsø", &[], Id, false, 1),
        ),
        (
            "3+ chars (\"quartz\", ~1%) + feature direct_access",
            view("quartz", &[Feature::DirectAccess], Id, false, 1),
        ),
        (
            "3+ chars (\"quartz\", ~1%), by name",
            view("quartz", &[], Name, false, 1),
        ),
        (
            "3+ chars matching ~12% (\"europe\")",
            view("europe", &[], Id, false, 1),
        ),
        (
            "feature nobody has (metadata)",
            view("", &[Feature::Metadata], Id, false, 1),
        ),
        (
            "feature login_client (~20%)",
            view("", &[Feature::LoginClient], Id, false, 1),
        ),
        (
            "direct_access, by name desc, page 100",
            view("", &[Feature::DirectAccess], Name, true, 100),
        ),
    ];
    println!("| view (50 rows + total count) | matches | store median ms | store p95 ms | page median ms | page p95 ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut store_times = Vec::new();
    for (_, v) in &views {
        let q = ListQuery {
            search: v.search.clone(),
            features: v.features.clone(),
            sort: v.sort,
            direction: v.direction,
            offset: (v.page - 1) * 50,
            limit: 50,
        };
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..30 {
            let started = Instant::now();
            total = store.list_properties(&q).await.unwrap().total;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        store_times.push((total, percentiles(&mut times)));
    }

    // The console needs a signed-in session: make one as the sign-in page would.
    let cookie = {
        use app::auth::session::{new_session_token, token_hash, SESSION_COOKIE};
        let user = store
            .create_user("bench", "unused", app::domain::accounts::Role::Admin, 0)
            .await
            .unwrap();
        let token = new_session_token();
        let now = Clock::System.now();
        store
            .create_session(&token_hash(&token), user.id, now, now + 3600)
            .await
            .unwrap();
        format!("{SESSION_COOKIE}={token}")
    };
    let base = start(store.clone()).await;
    let client = reqwest::Client::new();
    let get_page = |url: String| {
        let client = client.clone();
        let cookie = cookie.clone();
        async move {
            let started = Instant::now();
            let body = client
                .get(&url)
                .header("Cookie", &cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            (started.elapsed().as_secs_f64() * 1000.0, body)
        }
    };
    for ((label, v), (total, (store_median, store_p95))) in views.iter().zip(store_times) {
        let url = format!("{base}/?{}", v.to_query());
        let mut times = Vec::new();
        for _ in 0..15 {
            let (ms, body) = get_page(url.clone()).await;
            assert!(
                body.contains("Manage Properties"),
                "{label}: not the list page"
            );
            times.push(ms);
        }
        let (median, p95) = percentiles(&mut times);
        println!(
            "| {label} | {total} | {store_median:.2} | {store_p95:.2} | {median:.2} | {p95:.2} |"
        );
    }

    println!("\n| other server-rendered page (GET, full HTML) | median ms | p95 ms |");
    println!("|---|---:|---:|");
    for (label, url, expected) in [
        (
            "/application (30 keys, override counts over the property values)",
            format!("{base}/application"),
            "global_key_29",
        ),
        (
            "/properties/:id/settings (30 keys)",
            format!("{base}/properties/{overriding}/settings"),
            "global_key_29",
        ),
    ] {
        let mut times = Vec::new();
        for _ in 0..15 {
            let (ms, body) = get_page(url.clone()).await;
            assert!(body.contains(expected), "{label}: expected {expected:?}");
            times.push(ms);
        }
        let (median, p95) = percentiles(&mut times);
        println!("| {label} | {median:.2} | {p95:.2} |");
    }
    println!(
        "\nlist index: {:.1} MB; process RSS (seeding, SQLite caches, index): {}",
        store.list_index_bytes() as f64 / 1e6,
        rss()
    );
}

/// The resident memory of this process (database pages, caches and the list index), from /proc.
fn rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .map(|line| line.trim_start_matches("VmRSS:").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn percentiles(times: &mut [f64]) -> (f64, f64) {
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.95))
}
