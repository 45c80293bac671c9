//! Test harness: a real server on a random loopback port, a real SQLite file, a manual clock.
#![allow(dead_code)]

use app::auth::password::hash_password;
use app::auth::session::CookiePolicy;
use app::clock::Clock;
use app::domain::accounts::Role;
use app::store::Store;
use leptos::prelude::LeptosOptions;
use serde_json::Value;
use server::bootstrap::{ensure_owner, OwnerCredentials};
use server::capture::limits::{ApiLimits, RateLimit};
use server::{AppState, TrustedProxies};

/// 2026-01-01 00:00:00 UTC: tests start here and move the clock by hand.
pub const START: i64 = 1_767_225_600;

/// How a test server differs from the product's defaults.
#[derive(Default)]
pub struct Options {
    pub trusted: Vec<ipnet::IpNet>,
    pub rate_limit: RateLimit,
    pub secure_cookies: bool,
    /// Defaults to 127.0.0.1:0.
    pub listen: Option<&'static str>,
    /// Serve /metrics (installs the process-wide recorder).
    pub metrics: bool,
}

pub struct TestServer {
    pub base: String,
    /// Session cookies of a signed-in admin and viewer.
    pub admin_cookie: String,
    pub viewer_cookie: String,
    pub store: Store,
    pub clock: Clock,
    pub owner: OwnerCredentials,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with_proxies(Vec::new()).await
    }

    pub async fn start_with_proxies(trusted: Vec<ipnet::IpNet>) -> TestServer {
        Self::start_with(Options {
            trusted,
            ..Options::default()
        })
        .await
    }

    pub async fn start_with(options: Options) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("gatehouse.db")).await.unwrap();
        let owner = ensure_owner(&store, START).await.unwrap().unwrap();
        Self::serve(options, dir, store, owner).await
    }

    /// Serves a store opened by the test, whose owner the test already knows.
    pub async fn start_on(store: Store, owner: OwnerCredentials) -> TestServer {
        Self::serve(
            Options::default(),
            tempfile::tempdir().unwrap(),
            store,
            owner,
        )
        .await
    }

    async fn serve(
        options: Options,
        dir: tempfile::TempDir,
        store: Store,
        owner: OwnerCredentials,
    ) -> TestServer {
        let Options {
            trusted,
            rate_limit,
            secure_cookies,
            listen,
            metrics,
        } = options;
        let clock = Clock::manual(START);
        let admin_cookie = signed_in(&store, "admin", Role::Admin, clock.now()).await;
        let viewer_cookie = signed_in(&store, "viewer", Role::Viewer, clock.now()).await;
        let listener = tokio::net::TcpListener::bind(listen.unwrap_or("127.0.0.1:0"))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let mut state = AppState::new(
            LeptosOptions::builder()
                .output_name("gatehouse")
                .site_root(dir.path().display().to_string())
                .site_addr(addr)
                .build(),
            store.clone(),
            clock.clone(),
        );
        state.trusted_proxies = TrustedProxies::new(trusted);
        state.api_limits = ApiLimits::new(rate_limit);
        state.cookies = CookiePolicy {
            secure: secure_cookies,
        };
        if metrics {
            state.metrics = server::metrics::install();
        }
        tokio::spawn(server::serve(listener, state, std::future::pending()));
        TestServer {
            // A server on every address ([::]) is reached over IPv4 loopback.
            base: format!("http://127.0.0.1:{}", addr.port()),
            admin_cookie,
            viewer_cookie,
            store,
            clock,
            owner,
            http: reqwest::Client::new(),
            _dir: dir,
        }
    }

    /// POSTs string arguments to a console server function with a session cookie, as the browser
    /// does: a JSON object (every console function but the three below takes JSON); (status, body).
    pub async fn console(
        &self,
        cookie: &str,
        endpoint: &str,
        fields: &[(&str, &str)],
    ) -> (u16, String) {
        let body: serde_json::Map<String, serde_json::Value> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
            .collect();
        self.console_json(cookie, endpoint, &serde_json::Value::Object(body))
            .await
    }

    /// POSTs form fields, as a plain HTML form does, to the functions that take them (sign in,
    /// sign out, change password: their forms work without JavaScript); (status, body).
    pub async fn console_form(
        &self,
        cookie: &str,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> (u16, String) {
        self.post_console(cookie, endpoint, |request| request.form(form))
            .await
    }

    /// POSTs a JSON body to a console server function (those declared `input = Json`).
    pub async fn console_json(
        &self,
        cookie: &str,
        endpoint: &str,
        body: &serde_json::Value,
    ) -> (u16, String) {
        self.post_console(cookie, endpoint, |request| request.json(body))
            .await
    }

    async fn post_console(
        &self,
        cookie: &str,
        endpoint: &str,
        with_body: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> (u16, String) {
        let request = self.http.post(self.url(endpoint)).header("Cookie", cookie);
        let response = with_body(request).send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// A new admin session at the current (test) clock time, for tests that move the clock past
    /// the session's idle limit.
    pub async fn fresh_admin_cookie(&self) -> String {
        use app::auth::session::{new_session_token, token_hash, SESSION_COOKIE};
        let user = self.store.user("admin").await.unwrap().unwrap();
        let token = new_session_token();
        let now = self.clock.now();
        self.store
            .create_session(&token_hash(&token), user.id, now, now + 3600)
            .await
            .unwrap();
        format!("{SESSION_COOKIE}={token}")
    }

    /// How many properties exist: proves a refused call stored nothing.
    pub async fn property_count(&self) -> usize {
        self.store
            .properties_with_features(&[])
            .await
            .unwrap()
            .len()
    }

    /// The database file of a server made by [`TestServer::start_with`].
    pub fn database_path(&self) -> std::path::PathBuf {
        self._dir.path().join("gatehouse.db")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// POSTs form fields with Basic authentication as (id, secret).
    pub async fn call_as(
        &self,
        id: &str,
        secret: &str,
        path: &str,
        params: &[(&str, &str)],
    ) -> Value {
        self.http
            .post(self.url(path))
            .basic_auth(id, Some(secret))
            .form(params)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// POSTs form fields as a janrain-signed request by (id, secret) with this `Date`.
    pub async fn call_signed(
        &self,
        id: &str,
        secret: &str,
        path: &str,
        params: &[(&str, &str)],
        date: &str,
    ) -> Value {
        let pairs: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let sig = app::domain::signature::sign(secret, path, date, &pairs);
        let request = self
            .http
            .post(self.url(path))
            .header("Date", date)
            .header(
                "Authorization",
                app::domain::signature::authorization_header(id, &sig),
            )
            .form(params);
        answer(request).await
    }

    /// POSTs form fields without credentials; the JSON answer.
    pub async fn post_form<F: serde::Serialize + ?Sized>(&self, path: &str, form: &F) -> Value {
        answer(self.http.post(self.url(path)).form(form)).await
    }

    /// POSTs a form body as it is (names and encoding the caller's), without credentials.
    pub async fn post_body(&self, path: &str, body: impl Into<String>) -> Value {
        let request = self
            .http
            .post(self.url(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.into());
        answer(request).await
    }

    /// POSTs as the owner.
    pub async fn call(&self, path: &str, params: &[(&str, &str)]) -> Value {
        self.call_as(
            &self.owner.client_id,
            &self.owner.client_secret,
            path,
            params,
        )
        .await
    }

    /// Resets a client's secret through the API as the owner, keeping the old one for `hours`;
    /// the new secret.
    pub async fn reset_secret(&self, id: &str, hours: &str) -> String {
        let body = self
            .call(
                "/clients/reset_secret",
                &[("for_client_id", id), ("hours_to_live", hours)],
            )
            .await;
        assert_eq!(body["stat"], "ok", "{body}");
        body["new_secret"].as_str().unwrap().to_string()
    }

    /// Adds a client through the API and returns (id, secret).
    pub async fn add_client(&self, name: &str, features: &str) -> (String, String) {
        let body = self
            .call(
                "/clients/add",
                &[("description", name), ("features", features)],
            )
            .await;
        assert_eq!(body["stat"], "ok", "{body}");
        (
            body["client_id"].as_str().unwrap().to_string(),
            body["client_secret"].as_str().unwrap().to_string(),
        )
    }
}

/// The property names of an export document, sorted.
pub fn exported_names(document: &Value) -> Vec<String> {
    let mut names: Vec<String> = document["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// Sends `request`; its JSON answer.
pub async fn answer(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

/// The password of the test accounts.
pub const PASSWORD: &str = "test password 123";

/// Creates an account and a session for it; returns the Cookie header value.
async fn signed_in(store: &Store, username: &str, role: Role, now: i64) -> String {
    use app::auth::session::{new_session_token, token_hash, SESSION_COOKIE};
    // A store copied from another test server (a restored backup) has the accounts already.
    let user = match store.user(username).await.unwrap() {
        Some(user) => user,
        None => store
            .create_user(username, &hash_password(PASSWORD), role, now)
            .await
            .unwrap(),
    };
    let token = new_session_token();
    store
        .create_session(&token_hash(&token), user.id, now, now + 3600 * 12)
        .await
        .unwrap();
    format!("{SESSION_COOKIE}={token}")
}

/// Asserts a Capture error envelope with this code, error name and argument.
pub fn assert_error(body: &Value, code: u64, error: &str, argument: Option<&str>) {
    assert_eq!(body["stat"], "error", "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["error"], error, "{body}");
    match argument {
        Some(name) => assert_eq!(body["argument_name"], name, "{body}"),
        None => assert!(body.get("argument_name").is_none(), "{body}"),
    }
    let request_id = body["request_id"].as_str().unwrap();
    assert_eq!(request_id.len(), 16, "{body}");
    assert!(
        request_id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
        "{body}"
    );
}

/// Starts the server binary on `database` with `args` on a free loopback port; returns the process
/// and its base address, read from its "running at" line.
pub fn spawn_server(database: &std::path::Path, args: &[&str]) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("--database")
        .arg(database)
        .args(["--log-level", "error", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("the server stopped before it listened")
            .unwrap();
        if let Some(rest) = line.split("running at ").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_string();
        }
    };
    // Keep reading, so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, base)
}

/// Stops a spawned server with SIGTERM, as a service manager does, and expects a clean exit.
pub fn stop_server(child: &mut std::process::Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success());
}
