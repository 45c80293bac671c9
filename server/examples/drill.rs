//! Reliability drills against the real server binary (not a benchmark, not a unit test):
//!
//! - `crash`: a write storm through the API (add, set_features, set_whitelist, reset_secret,
//!   settings set_multi; several connections), `kill -9` at a random moment, restart, then check
//!   that every acknowledged write is there, `PRAGMA integrity_check` is ok and every client's
//!   current credentials authenticate.
//! - `shutdown`: the same storm ended by SIGTERM: the server must exit 0 within its drain timeout,
//!   and every request must have got its answer or been refused: no write applied without an
//!   answer, none lost.
//!
//! - `concurrency`: 1, 4 and 16 writers on one property at once, through the API and the console's
//!   server functions together (features, whitelist, secret resets, settings, "Save changes" with
//!   its version), on a fresh database and on one of `--properties` (100,000); in-process server.
//!   No request may fail (no 500, `unexpected_error` or "database is locked"), no writer may hang,
//!   and no console save may succeed on a version another save already used (a lost update).
//!   Reports throughput, p50/p99 latency and the saves refused as conflicts.
//!
//! `cargo run -p server --release --example drill -- crash|shutdown [--trials N] [--writers N]
//! [--server target/release/server] [--seed N] [--self-test]`. Exits 1 when anything was lost
//! (with `--self-test`: when a client deleted behind its back is not reported lost).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

const FEATURE_SETS: [&[&str]; 4] = [
    &[],
    &["direct_read_access"],
    &["direct_access"],
    &["login_client"],
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Crash,
    Shutdown,
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let mode = match args.get(1).map(String::as_str) {
        Some("crash") => Mode::Crash,
        Some("shutdown") => Mode::Shutdown,
        Some("concurrency") => {
            let properties = flag("--properties")
                .and_then(|t| t.parse().ok())
                .unwrap_or(100_000);
            let seconds = flag("--seconds").and_then(|t| t.parse().ok()).unwrap_or(3);
            let ok = concurrency::run(properties, Duration::from_secs(seconds)).await;
            std::process::exit(if ok { 0 } else { 1 });
        }
        _ => {
            eprintln!(
                "usage: drill crash|shutdown [--trials N] [--writers N] [--server PATH] \
                 | drill concurrency [--properties N] [--seconds N]"
            );
            std::process::exit(2);
        }
    };
    let trials: usize = flag("--trials").and_then(|t| t.parse().ok()).unwrap_or(20);
    let writers: usize = flag("--writers").and_then(|t| t.parse().ok()).unwrap_or(4);
    let server = PathBuf::from(flag("--server").unwrap_or_else(|| "target/release/server".into()));
    // Proves the check can fail: deletes one acknowledged client before checking, which must be
    // reported as lost.
    let self_test = args.iter().any(|a| a == "--self-test");
    let seed: u64 = flag("--seed")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random());
    println!(
        "# {} drill: {trials} trials, {writers} writers, seed {seed}",
        match mode {
            Mode::Crash => "Crash (kill -9)",
            Mode::Shutdown => "Graceful shutdown (SIGTERM)",
        }
    );
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut total = Totals::default();
    let started = Instant::now();
    for trial in 0..trials {
        let outcome = run_trial(&server, mode, trial, writers, rng.random(), self_test).await;
        println!(
            "trial {trial:>3}: stopped after {:>5} ms, {:>5} writes acknowledged, {} lost, {} error answers; \
             in flight: {} unanswered ({} of them applied), {} refused{}",
            outcome.stopped_after_ms,
            outcome.acknowledged,
            outcome.lost.len(),
            outcome.bad_answers.len(),
            outcome.unanswered,
            outcome.unanswered_but_applied,
            outcome.refused,
            if outcome.integrity_ok { "" } else { ", INTEGRITY CHECK FAILED" },
        );
        for problem in outcome.lost.iter().chain(&outcome.bad_answers).take(10) {
            println!("    {problem}");
        }
        total.add(&outcome);
    }
    println!(
        "\n{trials} trials in {:.0} s: {} writes acknowledged, {} lost, {} answers that were errors, {} writes applied without an answer, {} integrity failures",
        started.elapsed().as_secs_f64(),
        total.acknowledged,
        total.lost,
        total.bad_answers,
        total.unanswered_but_applied,
        total.integrity_failures,
    );
    if self_test {
        let caught = total.lost >= trials;
        println!(
            "self-test: the check {} the deleted clients",
            if caught { "caught" } else { "MISSED" }
        );
        std::process::exit(if caught { 0 } else { 1 });
    }
    if total.failed(mode) {
        println!("FAILED");
        std::process::exit(1);
    }
    println!("OK");
}

#[derive(Default)]
struct Totals {
    acknowledged: u64,
    lost: usize,
    bad_answers: usize,
    unanswered_but_applied: usize,
    integrity_failures: usize,
}

impl Totals {
    fn add(&mut self, outcome: &Outcome) {
        self.acknowledged += outcome.acknowledged;
        self.lost += outcome.lost.len();
        self.bad_answers += outcome.bad_answers.len();
        self.unanswered_but_applied += outcome.unanswered_but_applied;
        self.integrity_failures += usize::from(!outcome.integrity_ok);
    }

    fn failed(&self, mode: Mode) -> bool {
        self.lost > 0
            || self.bad_answers > 0
            || self.integrity_failures > 0
            || (mode == Mode::Shutdown && self.unanswered_but_applied > 0)
    }
}

#[derive(Default)]
struct Outcome {
    stopped_after_ms: u128,
    acknowledged: u64,
    refused: u64,
    unanswered: u64,
    lost: Vec<String>,
    bad_answers: Vec<String>,
    unanswered_but_applied: usize,
    integrity_ok: bool,
}

/// A value as the drill knows it: the last acknowledged one, and the one a request without an
/// answer may or may not have written.
#[derive(Clone, Debug)]
struct Known<T> {
    confirmed: T,
    unanswered: Option<T>,
}

impl<T: PartialEq + Clone> Known<T> {
    fn new(value: T) -> Self {
        Known {
            confirmed: value,
            unanswered: None,
        }
    }

    /// Whether `seen` is a state the database may be in, and whether it is the unanswered write.
    fn judge(&self, seen: &T) -> Judgement {
        if *seen == self.confirmed {
            Judgement::Acknowledged
        } else if self.unanswered.as_ref() == Some(seen) {
            Judgement::Unanswered
        } else {
            Judgement::Lost
        }
    }
}

#[derive(PartialEq, Eq)]
enum Judgement {
    Acknowledged,
    Unanswered,
    Lost,
}

/// One client the storm made, and what it was told about it.
struct ClientLedger {
    client_id: String,
    /// `None` in `unanswered`: a reset whose new secret never arrived.
    secret: Known<Option<String>>,
    features: Known<Vec<String>>,
    /// `None` confirmed: the default the add gave it.
    whitelist: Known<Option<Vec<String>>>,
    settings: Known<HashMap<String, String>>,
}

#[derive(Default)]
struct WorkerLedger {
    clients: Vec<ClientLedger>,
    /// The name of an add that got no answer.
    unanswered_add: Option<String>,
    acknowledged: u64,
    refused: u64,
    unanswered: u64,
    bad_answers: Vec<String>,
}

enum Sent {
    Ok(Value),
    /// The server answered with a Capture error.
    Error(Value),
    /// Refused before anything was sent: the write cannot have happened.
    Refused,
    /// Sent, but no (complete) answer came back.
    NoAnswer,
}

async fn post(
    http: &reqwest::Client,
    base: &str,
    owner: &Credentials,
    path: &str,
    form: &[(&str, String)],
) -> Sent {
    let request = http
        .post(format!("{base}{path}"))
        .basic_auth(&owner.client_id, Some(&owner.client_secret))
        .form(form);
    match request.send().await {
        Err(error) if error.is_connect() => Sent::Refused,
        Err(_) => Sent::NoAnswer,
        Ok(response) => match response.json::<Value>().await {
            Ok(body) if body["stat"] == "ok" => Sent::Ok(body),
            Ok(body) => Sent::Error(body),
            Err(_) => Sent::NoAnswer,
        },
    }
}

#[derive(Clone, serde::Deserialize)]
struct Credentials {
    client_id: String,
    client_secret: String,
}

/// Writes until told to stop or the server goes away; one request in flight at a time, so at most
/// one write per worker is unanswered.
async fn storm(
    base: String,
    owner: Credentials,
    trial: usize,
    worker: usize,
    seed: u64,
    stop: Arc<AtomicBool>,
) -> WorkerLedger {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut ledger = WorkerLedger::default();
    let mut added = 0;
    while !stop.load(Ordering::Relaxed) {
        if ledger.clients.len() < 3 || rng.random_ratio(1, 8) {
            added += 1;
            let name = format!("drill {trial}-{worker}-{added}");
            match post(
                &http,
                &base,
                &owner,
                "/clients/add",
                &[("description", name.clone())],
            )
            .await
            {
                Sent::Ok(body) => {
                    ledger.acknowledged += 1;
                    ledger.clients.push(ClientLedger {
                        client_id: body["client_id"].as_str().unwrap_or_default().to_string(),
                        secret: Known::new(body["client_secret"].as_str().map(str::to_string)),
                        features: Known::new(Vec::new()),
                        whitelist: Known::new(None),
                        settings: Known::new(HashMap::new()),
                    });
                }
                Sent::Error(body) => ledger.bad_answers.push(format!("add: {body}")),
                Sent::Refused => {
                    ledger.refused += 1;
                    break;
                }
                Sent::NoAnswer => {
                    ledger.unanswered += 1;
                    ledger.unanswered_add = Some(name);
                    break;
                }
            }
            continue;
        }
        let index = rng.random_range(0..ledger.clients.len());
        let client = &mut ledger.clients[index];
        let id = client.client_id.clone();
        let (path, form, apply): (&str, Vec<(&str, String)>, Apply) = match rng.random_range(0..4) {
            0 => {
                let features: Vec<String> = FEATURE_SETS[rng.random_range(0..FEATURE_SETS.len())]
                    .iter()
                    .map(|f| f.to_string())
                    .collect();
                let form = vec![
                    ("for_client_id", id),
                    ("features", json!(features).to_string()),
                ];
                (
                    "/clients/set_features",
                    form,
                    Box::new(move |c, answer| write(&mut c.features, features, answer.is_some())),
                )
            }
            1 => {
                // Loopback stays allowed, so the check can call as the client.
                let whitelist = vec![
                    "127.0.0.1/32".to_string(),
                    format!("10.{}.0.0/16", rng.random_range(0..256)),
                ];
                let form = vec![
                    ("for_client_id", id),
                    ("whitelist", json!(whitelist).to_string()),
                ];
                (
                    "/clients/set_whitelist",
                    form,
                    Box::new(move |c, answer| {
                        write(&mut c.whitelist, Some(whitelist), answer.is_some())
                    }),
                )
            }
            2 => {
                let form = vec![("for_client_id", id), ("hours_to_live", "0".to_string())];
                (
                    "/clients/reset_secret",
                    form,
                    Box::new(move |c, answer| {
                        let new = answer
                            .and_then(|a| a["new_secret"].as_str())
                            .map(str::to_string);
                        write(&mut c.secret, new, answer.is_some())
                    }),
                )
            }
            _ => {
                let mut settings = client.settings.confirmed.clone();
                let value = format!("v{}", rng.random::<u32>());
                let key = format!("drill_{}", rng.random_range(0..4));
                settings.insert(key.clone(), value.clone());
                let form = vec![
                    ("for_client_id", id),
                    ("items", json!({ key: value }).to_string()),
                ];
                (
                    "/settings/set_multi",
                    form,
                    Box::new(move |c, answer| write(&mut c.settings, settings, answer.is_some())),
                )
            }
        };
        match post(&http, &base, &owner, path, &form).await {
            Sent::Ok(body) => {
                ledger.acknowledged += 1;
                apply(&mut ledger.clients[index], Some(&body));
            }
            Sent::Error(body) => ledger.bad_answers.push(format!("{path}: {body}")),
            Sent::Refused => {
                ledger.refused += 1;
                break;
            }
            Sent::NoAnswer => {
                ledger.unanswered += 1;
                apply(&mut ledger.clients[index], None);
                break;
            }
        }
    }
    ledger
}

/// What a write does to the ledger once its answer (or its lack of one) is known.
type Apply = Box<dyn FnOnce(&mut ClientLedger, Option<&Value>) + Send>;

/// Records an acknowledged write, or one sent without an answer.
fn write<T>(known: &mut Known<T>, value: T, acknowledged: bool) {
    if acknowledged {
        known.confirmed = value;
        known.unanswered = None;
    } else {
        known.unanswered = Some(value);
    }
}

struct Running {
    child: Child,
    base: String,
}

/// Starts the server on `database`; returns once it listens.
fn start(server: &Path, database: &Path) -> Running {
    let mut child = Command::new(server)
        .arg("--database")
        .arg(database)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--api-rate-limit",
            "0",
            "--log-level",
            "error",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the server");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(rest) = line.split("running at ").nth(1) {
                    break rest
                        .split_whitespace()
                        .next()
                        .unwrap()
                        .trim_end_matches('/')
                        .to_string();
                }
            }
            _ => panic!("the server stopped before it listened"),
        }
    };
    // Keep reading, so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Running { child, base }
}

fn terminate(child: &Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
}

fn owner_credentials(server: &Path, database: &Path) -> Credentials {
    let output = Command::new(server)
        .arg("--database")
        .arg(database)
        .args(["--log-level", "error", "owner", "reset-secret", "--json"])
        .output()
        .expect("run owner reset-secret");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("owner credentials")
}

async fn run_trial(
    server: &Path,
    mode: Mode,
    trial: usize,
    writers: usize,
    seed: u64,
    self_test: bool,
) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("gatehouse.db");
    let owner = owner_credentials(server, &database);
    let mut running = start(server, &database);
    let stop = Arc::new(AtomicBool::new(false));
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let workers: Vec<_> = (0..writers)
        .map(|w| {
            tokio::spawn(storm(
                running.base.clone(),
                owner.clone(),
                trial,
                w,
                rng.random(),
                stop.clone(),
            ))
        })
        .collect();
    let run_for = Duration::from_millis(rng.random_range(200..1500));
    tokio::time::sleep(run_for).await;
    let mut outcome = Outcome {
        stopped_after_ms: run_for.as_millis(),
        ..Outcome::default()
    };
    match mode {
        Mode::Crash => {
            running.child.kill().unwrap();
            running.child.wait().unwrap();
        }
        Mode::Shutdown => {
            terminate(&running.child);
            let began = Instant::now();
            let status = running.child.wait().unwrap();
            if !status.success() {
                outcome
                    .bad_answers
                    .push(format!("the server exited with {status} on SIGTERM"));
            }
            if began.elapsed() > Duration::from_secs(11) {
                outcome
                    .bad_answers
                    .push(format!("the server took {:?} to stop", began.elapsed()));
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let mut ledgers = Vec::new();
    for worker in workers {
        ledgers.push(worker.await.unwrap());
    }
    outcome.integrity_ok = integrity_ok(&database).await;

    let running = start(server, &database);
    if self_test {
        if let Some(client) = ledgers.iter().flat_map(|l| &l.clients).next() {
            let http = reqwest::Client::new();
            let form = [("client_id_for_deletion", client.client_id.clone())];
            let _ = post(&http, &running.base, &owner, "/clients/delete", &form).await;
        }
    }
    check(&running.base, &owner, &ledgers, &mut outcome).await;
    terminate(&running.child);
    let mut child = running.child;
    let _ = child.wait();
    outcome
}

async fn integrity_ok(database: &Path) -> bool {
    let Ok(pool) = sqlx::SqlitePool::connect(&format!("sqlite:{}", database.display())).await
    else {
        return false;
    };
    let result: Result<String, _> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await;
    pool.close().await;
    matches!(result.as_deref(), Ok("ok"))
}

/// Compares what the restarted server holds with what each worker was told.
async fn check(base: &str, owner: &Credentials, ledgers: &[WorkerLedger], outcome: &mut Outcome) {
    let http = reqwest::Client::new();
    let list = match post(&http, base, owner, "/clients/list", &[]).await {
        Sent::Ok(body) => body,
        _ => {
            outcome
                .lost
                .push("the owner cannot list clients after the restart".into());
            return;
        }
    };
    let listed: HashMap<&str, &Value> = list["results"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| (r["client_id"].as_str().unwrap_or(""), r))
                .collect()
        })
        .unwrap_or_default();
    let names: Vec<&str> = listed
        .values()
        .filter_map(|r| r["description"].as_str())
        .collect();
    for ledger in ledgers {
        outcome.acknowledged += ledger.acknowledged;
        outcome.refused += ledger.refused;
        outcome.unanswered += ledger.unanswered;
        outcome
            .bad_answers
            .extend(ledger.bad_answers.iter().cloned());
        if let Some(name) = &ledger.unanswered_add {
            outcome.unanswered_but_applied += usize::from(names.contains(&name.as_str()));
        }
        for client in &ledger.clients {
            let Some(row) = listed.get(client.client_id.as_str()) else {
                outcome
                    .lost
                    .push(format!("client {} is gone", client.client_id));
                continue;
            };
            let strings = |v: &Value| -> Vec<String> {
                v.as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let mut judge = |what: &str, judgement: Judgement| match judgement {
                Judgement::Acknowledged => {}
                Judgement::Unanswered => outcome.unanswered_but_applied += 1,
                Judgement::Lost => outcome
                    .lost
                    .push(format!("{what} of {} lost", client.client_id)),
            };
            judge(
                "features",
                client.features.judge(&strings(&row["features"])),
            );
            let whitelist = strings(&row["whitelist"]);
            if client.whitelist.confirmed.is_some() || client.whitelist.unanswered.is_some() {
                let seen = Some(whitelist);
                let judgement = match client.whitelist.judge(&seen) {
                    // Never set and the write unanswered: the default is the acknowledged state.
                    Judgement::Lost if client.whitelist.confirmed.is_none() => {
                        Judgement::Acknowledged
                    }
                    other => other,
                };
                judge("whitelist", judgement);
            }
            let secret = row["client_secret"].as_str().map(str::to_string);
            let judgement = match client.secret.judge(&secret) {
                // A reset whose new secret never arrived: any other secret is that one.
                Judgement::Lost if client.secret.unanswered == Some(None) => Judgement::Unanswered,
                other => other,
            };
            judge("secret", judgement);
            // The current credentials authenticate, and the settings are as written.
            let as_client = Credentials {
                client_id: client.client_id.clone(),
                client_secret: secret.unwrap_or_default(),
            };
            match post(&http, base, &as_client, "/settings/items", &[]).await {
                Sent::Ok(body) => {
                    let items: HashMap<String, String> = body["result"]
                        .as_object()
                        .map(|o| {
                            o.iter()
                                .filter(|(k, _)| k.starts_with("drill_"))
                                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                                .collect()
                        })
                        .unwrap_or_default();
                    judge("settings", client.settings.judge(&items));
                }
                other => outcome.lost.push(format!(
                    "client {} cannot authenticate with its current secret: {}",
                    client.client_id,
                    match other {
                        Sent::Error(body) => body.to_string(),
                        _ => "no answer".into(),
                    }
                )),
            }
        }
    }
}

mod concurrency {
    use std::collections::HashMap;
    use std::time::{Duration, Instant};

    use app::auth::password::hash_password;
    use app::auth::session::{new_session_token, token_hash, SESSION_COOKIE};
    use app::clock::Clock;
    use app::domain::accounts::Role;
    use app::store::properties::NewProperty;
    use app::store::Store;
    use leptos::prelude::LeptosOptions;
    use serde_json::{json, Value};
    use server::bootstrap::ensure_owner;
    use server::capture::limits::{ApiLimits, RateLimit};
    use server::AppState;

    /// Runs every case; false when any request failed, hung or lost an update.
    pub async fn run(properties: usize, duration: Duration) -> bool {
        println!("# Concurrency drill: writers on one property, API and console together, {duration:?} per case");
        println!("| database | writers | writes | writes/s | p50 ms | p99 ms | max ms | conflicts | failures |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        let mut ok = true;
        for count in [0, properties] {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(&dir.path().join("gatehouse.db")).await.unwrap();
            seed(&store, count).await;
            let label = if count == 0 {
                "fresh".to_string()
            } else {
                format!("{count} properties")
            };
            let setup = Setup::start(store).await;
            for writers in [1, 4, 16] {
                let report = setup.storm(writers, duration).await;
                println!(
                    "| {label} | {writers} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {} | {} |",
                    report.latencies_ms.len(),
                    report.latencies_ms.len() as f64 / duration.as_secs_f64(),
                    report.percentile(0.50),
                    report.percentile(0.99),
                    report.percentile(1.0),
                    report.conflicts,
                    report.failures.len(),
                );
                for failure in report.failures.iter().take(5) {
                    println!("    {failure}");
                }
                ok &= report.failures.is_empty();
            }
        }
        println!("{}", if ok { "OK" } else { "FAILED" });
        ok
    }

    async fn seed(store: &Store, count: usize) {
        let names: Vec<usize> = (0..count).collect();
        for chunk in names.chunks(10_000) {
            let batch: Vec<NewProperty> = chunk
                .iter()
                .map(|i| NewProperty {
                    name: format!("site {i}"),
                    features: vec![],
                    whitelist: vec![],
                })
                .collect();
            store.create_properties(&batch, 0).await.unwrap();
        }
    }

    struct Setup {
        base: String,
        owner: (String, String),
        cookie: String,
        target: String,
        http: reqwest::Client,
    }

    #[derive(Default)]
    struct Report {
        latencies_ms: Vec<f64>,
        conflicts: usize,
        failures: Vec<String>,
    }

    impl Report {
        fn percentile(&self, p: f64) -> f64 {
            if self.latencies_ms.is_empty() {
                return 0.0;
            }
            let mut sorted = self.latencies_ms.clone();
            sorted.sort_by(f64::total_cmp);
            sorted[((sorted.len() - 1) as f64 * p).round() as usize]
        }
    }

    impl Setup {
        async fn start(store: Store) -> Setup {
            let now = Clock::System.now();
            let owner = ensure_owner(&store, now).await.unwrap().unwrap();
            let user = store
                .create_user(
                    "drill",
                    &hash_password("drill password 1"),
                    Role::Admin,
                    now,
                )
                .await
                .unwrap();
            let token = new_session_token();
            store
                .create_session(&token_hash(&token), user.id, now, now + 3600)
                .await
                .unwrap();
            let target = store
                .create_property(
                    NewProperty {
                        name: "Contended".into(),
                        features: vec![],
                        whitelist: vec![],
                    },
                    now,
                )
                .await
                .unwrap()
                .client_id;
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
            state.api_limits = ApiLimits::new(RateLimit::OFF);
            tokio::spawn(server::serve(listener, state, std::future::pending()));
            Setup {
                base: format!("http://{addr}"),
                owner: (owner.client_id, owner.client_secret),
                cookie: format!("{SESSION_COOKIE}={token}"),
                target,
                http: reqwest::Client::builder()
                    .timeout(Duration::from_secs(30))
                    .build()
                    .unwrap(),
            }
        }

        async fn storm(&self, writers: usize, duration: Duration) -> Report {
            let deadline = Instant::now() + duration;
            let results =
                futures_util::future::join_all((0..writers).map(|w| self.writer(w, deadline)))
                    .await;
            let mut report = Report::default();
            let mut saved_from: HashMap<i64, usize> = HashMap::new();
            for (writer, saves) in results {
                report.latencies_ms.extend(writer.latencies_ms);
                report.conflicts += writer.conflicts;
                report.failures.extend(writer.failures);
                for base in saves {
                    *saved_from.entry(base).or_default() += 1;
                }
            }
            for (version, saves) in saved_from {
                if saves > 1 {
                    report.failures.push(format!(
                        "{saves} console saves succeeded on version {version}: all but one overwrote an update"
                    ));
                }
            }
            report
        }

        /// One writer until the deadline; also returns the versions its successful saves started from.
        async fn writer(&self, writer: usize, deadline: Instant) -> (Report, Vec<i64>) {
            let mut report = Report::default();
            let mut saves = Vec::new();
            let mut i = writer;
            while Instant::now() < deadline {
                i += 1;
                let began = Instant::now();
                let outcome = self.write_once(writer, i).await;
                report
                    .latencies_ms
                    .push(began.elapsed().as_secs_f64() * 1000.0);
                match outcome {
                    Ok(Some(base)) => saves.push(base),
                    Ok(None) => {}
                    Err(Problem::Conflict) => report.conflicts += 1,
                    Err(Problem::Failed(what)) => report.failures.push(what),
                }
            }
            (report, saves)
        }

        /// One write of a mix of six; `Some(version)`: a console save that succeeded on it.
        async fn write_once(&self, writer: usize, i: usize) -> Result<Option<i64>, Problem> {
            let target = self.target.clone();
            match i % 6 {
                0 => {
                    let features =
                        ["[]", r#"["direct_access"]"#, r#"["direct_read_access"]"#][i % 3];
                    self.api(
                        "/clients/set_features",
                        &[("for_client_id", target), ("features", features.into())],
                    )
                    .await
                }
                1 => {
                    let whitelist =
                        json!([format!("10.{}.{}.0/24", writer % 256, i % 256)]).to_string();
                    self.api(
                        "/clients/set_whitelist",
                        &[("for_client_id", target), ("whitelist", whitelist)],
                    )
                    .await
                }
                2 => {
                    self.api(
                        "/clients/reset_secret",
                        &[("for_client_id", target), ("hours_to_live", "1".into())],
                    )
                    .await
                }
                3 => {
                    let items = json!({ format!("k{writer}"): i.to_string() }).to_string();
                    self.api(
                        "/settings/set_multi",
                        &[("for_client_id", target), ("items", items)],
                    )
                    .await
                }
                4 => self
                    .console("/api/properties/reset-secret", |r| {
                        r.json(&json!({ "client_id": target, "hours": "1" }))
                    })
                    .await
                    .map(|_| None),
                _ => {
                    // "Save changes" as the page does it: load, then save with the loaded version.
                    let details = self
                        .console("/api/properties/details", |r| {
                            r.json(&json!({ "client_id": target }))
                        })
                        .await?;
                    let version = details["version"].as_i64().unwrap_or_default();
                    let body = json!({
                        "client_id": target,
                        "version": version,
                        "name": details["name"],
                        "features": details["features"],
                        "whitelist": [format!("192.168.{}.0/24", writer % 256)],
                    });
                    self.console("/api/properties/save", |r| r.json(&body))
                        .await?;
                    Ok(Some(version))
                }
            }
        }

        async fn api(&self, path: &str, form: &[(&str, String)]) -> Result<Option<i64>, Problem> {
            let answer = self
                .http
                .post(format!("{}{path}", self.base))
                .basic_auth(&self.owner.0, Some(&self.owner.1))
                .form(form)
                .send()
                .await
                .map_err(|e| Problem::Failed(format!("{path}: {e}")))?;
            let body: Value = answer
                .json()
                .await
                .map_err(|e| Problem::Failed(format!("{path}: {e}")))?;
            if body["stat"] == "ok" {
                Ok(None)
            } else {
                Err(Problem::Failed(format!("{path}: {body}")))
            }
        }

        async fn console(
            &self,
            endpoint: &str,
            with_body: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
        ) -> Result<Value, Problem> {
            let request = self
                .http
                .post(format!("{}{endpoint}", self.base))
                .header("Cookie", &self.cookie);
            let answer = with_body(request)
                .send()
                .await
                .map_err(|e| Problem::Failed(format!("{endpoint}: {e}")))?;
            let status = answer.status().as_u16();
            let text = answer.text().await.unwrap_or_default();
            match status {
                200 => Ok(serde_json::from_str(&text).unwrap_or(Value::Null)),
                409 => Err(Problem::Conflict),
                _ => Err(Problem::Failed(format!("{endpoint}: {status} {text}"))),
            }
        }
    }

    enum Problem {
        /// A console save refused because the property changed since it was loaded.
        Conflict,
        Failed(String),
    }
}
