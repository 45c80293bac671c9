//! Hostile and busy callers, one test per item of the hardening issue: each was reproduced against
//! the server before the fix, and each test fails on that server.

mod common;

use std::time::{Duration, Instant};

use app::domain::signature;
use common::{assert_error, Options, TestServer, PASSWORD};
use serde_json::{json, Value};
use server::capture::limits::RateLimit;

fn proxy_options() -> Options {
    Options {
        trusted: vec!["127.0.0.1/32".parse().unwrap()],
        ..Options::default()
    }
}

/// `/settings/keys` as `id` through the trusted proxy, which says the caller is `forwarded`.
async fn keys_via_proxy(server: &TestServer, id: &str, secret: &str, forwarded: &str) -> Value {
    common::answer(
        server
            .http
            .post(server.url("/settings/keys"))
            .basic_auth(id, Some(secret))
            .header("X-Forwarded-For", forwarded),
    )
    .await
}

/// A form body of `count` distinct parameter names.
fn distinct_names_body(bytes: usize) -> String {
    let mut body = String::with_capacity(bytes + 16);
    let mut i = 0u64;
    while body.len() < bytes {
        if i > 0 {
            body.push('&');
        }
        body.push_str(&format!("p{i}="));
        i += 1;
    }
    body
}

// 1. One unauthenticated request stalled the server: parsing was quadratic in the parameters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_megabyte_of_distinct_names_is_refused_at_once_and_the_server_stays_responsive() {
    let server = TestServer::start().await;
    let body = distinct_names_body(1024 * 1024 - 64);
    let send = || {
        server
            .http
            .post(server.url("/clients/list"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
    };
    let started = Instant::now();
    let (first, second, health) = tokio::join!(send(), send(), async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let asked = Instant::now();
        let answer = server
            .http
            .get(server.url("/healthz"))
            .send()
            .await
            .unwrap();
        (answer.status(), asked.elapsed())
    });
    for answer in [first, second] {
        let body: Value = answer.unwrap().json().await.unwrap();
        assert_error(&body, 200, "invalid_argument", Some("parameters"));
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .contains("at most 256 parameters"),
            "{body}"
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "two 1 MiB hostile requests took {:?}",
        started.elapsed()
    );
    assert_eq!(health.0, 200);
    assert!(
        health.1 < Duration::from_millis(500),
        "/healthz took {:?}",
        health.1
    );
}

#[tokio::test]
async fn parameter_limits_are_checked_before_credentials() {
    let server = TestServer::start().await;
    let mut params: Vec<(String, String)> =
        (0..257).map(|i| (format!("p{i}"), "1".into())).collect();
    let answer = server.post_form("/settings/get", &params).await;
    assert_error(&answer, 200, "invalid_argument", Some("parameters"));
    // 256 are fine: the call then fails for its real reason, the missing credentials.
    params.truncate(256);
    let answer = server.post_form("/settings/get", &params).await;
    assert_error(&answer, 402, "invalid_client_credentials", None);
}

// 2. A captured signed request could be re-encoded into a different call.
#[tokio::test]
async fn a_captured_signed_request_cannot_be_re_split_into_another_call() {
    let server = TestServer::start().await;
    let (victim, _) = server.add_client("Victim", r#"["login_client"]"#).await;
    let owner = &server.owner;
    let date = signature::format_date(server.clock.now());
    let params = vec![
        ("for_client_id".to_string(), victim.clone()),
        ("hours_to_live".to_string(), "24".to_string()),
    ];
    let signed = signature::sign(
        &owner.client_secret,
        "/clients/reset_secret",
        &date,
        &params,
    );
    let authorization = signature::authorization_header(&owner.client_id, &signed);
    let send = |form: Vec<(String, String)>| {
        server
            .http
            .post(server.url("/clients/reset_secret"))
            .header("Date", date.clone())
            .header("Authorization", authorization.clone())
            .form(&form)
            .send()
    };

    // The eavesdropper's version: one parameter whose name swallows the first line of the signed
    // string. Same signed string, but neither parameter is seen, so before the fix it reset the
    // owner's own secret with no grace and handed the new one over.
    let replay: Value = send(vec![(
        format!("for_client_id={victim}\nhours_to_live"),
        "24".into(),
    )])
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_error(
        &replay,
        200,
        "invalid_argument",
        Some(
            "for_client_id=...\\nhours_to_live"
                .replace("...", &victim)
                .as_str(),
        ),
    );
    assert!(replay.get("new_secret").is_none(), "{replay}");
    assert_eq!(
        server
            .store
            .property(&owner.client_id)
            .await
            .unwrap()
            .unwrap()
            .client_secret
            .expose(),
        owner.client_secret,
        "the owner's secret is unchanged"
    );
    let list = server.call("/clients/list", &[]).await;
    assert_eq!(
        list["stat"], "ok",
        "the owner's credentials still work: {list}"
    );

    // The genuine request still works, so the refusal was not about the signature.
    let genuine: Value = send(params).await.unwrap().json().await.unwrap();
    assert_eq!(genuine["stat"], "ok", "{genuine}");
}

#[tokio::test]
async fn names_with_line_breaks_equals_or_control_characters_are_refused() {
    let server = TestServer::start().await;
    for name in ["a\nb", "a=b", "a&b", "a\u{1}b", "a\rb"] {
        let answer = server
            .call("/settings/get", &[(name, "1"), ("key", "site_name")])
            .await;
        assert_eq!(answer["code"], 200, "{name:?}: {answer}");
        assert!(
            answer["error_description"]
                .as_str()
                .unwrap()
                .contains("parameter names may not contain"),
            "{answer}"
        );
    }
    let empty = server.post_body("/settings/get", "=1&key=site_name").await;
    assert_error(&empty, 200, "invalid_argument", Some("parameters"));
}

// 3. Concurrent writers failed with "database is locked".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_writers_through_the_api_and_the_console_all_succeed() {
    let server = std::sync::Arc::new(
        TestServer::start_with(Options {
            rate_limit: RateLimit::OFF,
            ..Options::default()
        })
        .await,
    );
    let (target, _) = server.add_client("Target", r#"["direct_access"]"#).await;
    const WRITERS: usize = 16;
    const WRITES: usize = 1_000;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let server = server.clone();
        let target = target.clone();
        tasks.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            // The value this writer last saved under its own key of the target's settings.
            let mut own_value: Option<String> = None;
            for i in 0..WRITES {
                let outcome = write_once(&server, &target, writer, i, &mut own_value).await;
                if let Err(problem) = outcome {
                    failures.push(problem);
                }
            }
            failures
        }));
    }
    let mut failures = Vec::new();
    for task in tasks {
        failures.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    assert!(
        failures.is_empty(),
        "{} of {} writes failed, e.g. {:?}",
        failures.len(),
        WRITERS * WRITES,
        &failures[..failures.len().min(5)]
    );
    eprintln!(
        "{} mixed writes by {WRITERS} writers in {elapsed:?}",
        WRITERS * WRITES
    );
    let settings = server.store.global_settings().await.unwrap();
    assert_eq!(
        settings.keys().filter(|k| k.starts_with("w")).count(),
        WRITERS * WRITES / 8,
        "every acknowledged console settings write is stored"
    );
}

/// One write of a mix of eight, through the API (owner) or the console (admin).
async fn write_once(
    server: &TestServer,
    target: &str,
    writer: usize,
    i: usize,
    own_value: &mut Option<String>,
) -> Result<(), String> {
    let api = |path: &'static str, params: Vec<(&'static str, String)>| async move {
        let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = server.call(path, &params).await;
        if answer["stat"] == "ok" {
            Ok(())
        } else {
            Err(format!("{path}: {answer}"))
        }
    };
    let console = |endpoint: &'static str, body: Value| async move {
        let (status, answer) = server
            .console_json(&server.admin_cookie, endpoint, &body)
            .await;
        if status == 200 {
            Ok(())
        } else {
            Err(format!("{endpoint}: {status} {answer}"))
        }
    };
    let target = target.to_string();
    match (writer + i) % 8 {
        0 => api("/clients/add", vec![("description", format!("w{writer} n{i}"))]).await,
        1 => {
            let features = if i.is_multiple_of(2) { r#"["direct_access"]"# } else { r#"["direct_read_access"]"# };
            api("/clients/set_features", vec![("for_client_id", target), ("features", features.into())]).await
        }
        2 => {
            let whitelist = json!([format!("10.{}.{}.0/24", writer, i % 256)]).to_string();
            api("/clients/set_whitelist", vec![("for_client_id", target), ("whitelist", whitelist)]).await
        }
        3 => {
            let items = json!({ format!("k{writer}"): i.to_string() }).to_string();
            api("/settings/set_multi", vec![("for_client_id", target), ("items", items)]).await
        }
        4 => console("/api/properties/reset-secret", json!({ "client_id": target, "hours": "1" })).await,
        5 => {
            console(
                "/api/settings/save",
                json!({ "changes": [{ "key": format!("w{writer}_{i}"), "expected": null, "new": "v" }] }),
            )
            .await
        }
        6 => {
            // The settings editor's save: it applies only while the stored value is the one
            // the page loaded, so each writer edits its own key.
            let new = i.to_string();
            let saved = console(
                "/api/settings/save",
                json!({ "client_id": target, "changes": [{ "key": format!("c{writer}"), "expected": own_value.clone(), "new": new }] }),
            )
            .await;
            *own_value = Some(new);
            saved
        }
        _ => api("/settings/set", vec![("for_client_id", target), ("key", format!("s{writer}")), ("value", i.to_string())]).await,
    }
}

// 4. Who is calling: forwarded addresses.
#[tokio::test]
async fn a_trusted_proxy_on_an_ipv6_listener_is_recognised() {
    let server = TestServer::start_with(Options {
        listen: Some("[::]:0"),
        ..proxy_options()
    })
    .await;
    let (id, secret) = server
        .add_client("Behind the proxy", r#"["direct_access"]"#)
        .await;
    server
        .store
        .set_whitelist(&id, &["10.9.9.9/32".to_string()], 0)
        .await
        .unwrap();
    // The proxy connects over IPv4 to an IPv6 socket: its peer address is ::ffff:127.0.0.1.
    let answer = keys_via_proxy(&server, &id, &secret, "10.9.9.9").await;
    assert_eq!(answer["stat"], "ok", "{answer}");
}

#[tokio::test]
async fn a_forwarded_entry_that_does_not_parse_ends_the_walk_at_the_last_trusted_hop() {
    let server = TestServer::start_with(proxy_options()).await;
    let (id, secret) = server
        .add_client("Behind the proxy", r#"["direct_access"]"#)
        .await;
    server
        .store
        .set_whitelist(&id, &["10.9.9.9/32".to_string()], 0)
        .await
        .unwrap();
    let call = |forwarded: &'static str| keys_via_proxy(&server, &id, &secret, forwarded);
    assert_eq!(call("10.9.9.9").await["stat"], "ok");
    // The attacker wrote the allowed address to the left of something the proxy could not read.
    for forwarded in [
        "10.9.9.9, unknown",
        "10.9.9.9, 1.2.3.4:5678",
        "10.9.9.9, [::1]",
    ] {
        let answer = call(forwarded).await;
        assert_error(&answer, 403, "client_permission_error", None);
        assert!(
            answer["error_description"]
                .as_str()
                .unwrap()
                .contains("127.0.0.1"),
            "judged by the last trusted hop: {answer}"
        );
    }
}

// 5. Console sign-in.
async fn sign_in_from(
    server: &TestServer,
    address: &str,
    username: &str,
    password: &str,
) -> (u16, Duration) {
    let started = Instant::now();
    let answer = server
        .http
        .post(server.url("/api/auth/sign_in"))
        .header("X-Forwarded-For", address)
        .form(&[
            ("username", username),
            ("password", password),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_from_anywhere_never_lock_the_administrator_out() {
    let server = TestServer::start_with(proxy_options()).await;
    for _ in 0..6 {
        let (status, _) = sign_in_from(&server, "6.6.6.6", "admin", "guess guess guess").await;
        assert_eq!(status, 422);
    }
    let (status, took) = sign_in_from(&server, "10.1.1.1", "admin", PASSWORD).await;
    assert_eq!(
        status, 200,
        "the administrator signs in with the right password"
    );
    assert!(
        took < Duration::from_millis(1_500),
        "and is not slowed: {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_slow_the_next_try_down_without_refusing_the_right_password() {
    let server = TestServer::start_with(proxy_options()).await;
    let mut times = Vec::new();
    for _ in 0..6 {
        let (status, took) = sign_in_from(&server, "6.6.6.6", "admin", "guess guess guess").await;
        assert_eq!(status, 422);
        times.push(took);
    }
    assert!(
        times[5] >= Duration::from_millis(1_000),
        "the sixth failure waited: {times:?}"
    );
    assert!(times[5] > times[0], "{times:?}");
    let (status, took) = sign_in_from(&server, "6.6.6.6", "admin", PASSWORD).await;
    assert_eq!(status, 200, "slowed, not refused");
    assert!(took >= Duration::from_millis(2_000), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_throttle_judges_the_forwarded_caller_not_the_proxy() {
    let server = TestServer::start_with(proxy_options()).await;
    // One address guesses across many accounts at once...
    let guesses = (0..24).map(|i| {
        let server = &server;
        async move {
            let username = format!("user{i}");
            sign_in_from(server, "6.6.6.6", &username, "guess guess guess").await
        }
    });
    for (status, _) in futures_util::future::join_all(guesses).await {
        assert_eq!(status, 422);
    }
    // ...another person behind the same proxy is neither refused nor slowed.
    let (status, took) = sign_in_from(&server, "7.7.7.7", "admin", PASSWORD).await;
    assert_eq!(status, 200);
    assert!(took < Duration::from_millis(1_500), "{took:?}");
}

#[tokio::test]
async fn oversized_usernames_and_passwords_are_refused_before_hashing() {
    let server = TestServer::start().await;
    let huge_name = "a".repeat(100_000);
    let (status, body) = server
        .console_form(
            "",
            "/api/auth/sign_in",
            &[
                ("username", &huge_name),
                ("password", "whatever"),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        body.contains("The username or password is not correct."),
        "{body}"
    );
    assert!(
        body.len() < 1_000,
        "the name is not echoed: {} bytes",
        body.len()
    );
    let huge_password = "p".repeat(1024 * 1024);
    let started = Instant::now();
    let (status, body) = server
        .console_form(
            "",
            "/api/auth/sign_in",
            &[
                ("username", "admin"),
                ("password", &huge_password),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(body.contains("at most 1024 bytes"), "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn sign_in_and_console_changes_from_another_site_are_refused() {
    let server = TestServer::start().await;
    let post = |endpoint: &str,
                cookie: &str,
                header: (&'static str, &str),
                form: Vec<(&'static str, String)>| {
        server
            .http
            .post(server.url(endpoint))
            .header("Cookie", cookie.to_string())
            .header(header.0, header.1.to_string())
            .form(&form)
            .send()
    };
    let credentials = || {
        vec![
            ("username", "admin".to_string()),
            ("password", PASSWORD.to_string()),
            ("next", "/".to_string()),
        ]
    };
    for header in [
        ("Origin", "http://evil.example"),
        ("Sec-Fetch-Site", "cross-site"),
        ("Sec-Fetch-Site", "same-site"),
    ] {
        let answer = post("/api/auth/sign_in", "", header, credentials())
            .await
            .unwrap();
        assert_eq!(answer.status(), 403, "{header:?}");
        assert!(answer.headers().get("set-cookie").is_none(), "{header:?}");
    }
    let (id, _) = server.add_client("Target", r#"["direct_access"]"#).await;
    let answer = post(
        "/api/properties/delete",
        &server.admin_cookie,
        ("Origin", "http://127.0.0.1:1"),
        vec![("client_id", id.clone())],
    )
    .await
    .unwrap();
    assert_eq!(answer.status(), 403);
    assert!(
        server.store.property(&id).await.unwrap().is_some(),
        "nothing was deleted"
    );

    // From this site, the same requests work.
    let answer = post(
        "/api/auth/sign_in",
        "",
        ("Origin", &server.base),
        credentials(),
    )
    .await
    .unwrap();
    assert_eq!(answer.status(), 200);
    let answer = post(
        "/api/auth/sign_in",
        "",
        ("Sec-Fetch-Site", "same-origin"),
        credentials(),
    )
    .await
    .unwrap();
    assert_eq!(answer.status(), 200);
}

#[tokio::test]
async fn over_https_the_session_cookie_is_a_host_only_cookie() {
    let server = TestServer::start_with(Options {
        secure_cookies: true,
        ..Options::default()
    })
    .await;
    let answer = server
        .http
        .post(server.url("/api/auth/sign_in"))
        .form(&[("username", "admin"), ("password", PASSWORD), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let cookie = answer.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("__Host-gatehouse_session="), "{cookie}");
    assert!(
        cookie.contains("; Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_string();
    let page = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(server.url("/"))
        .header("Cookie", pair)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "the console accepts its own cookie");
}

// 6. Smaller items.
#[tokio::test]
async fn a_stored_whitelist_that_is_not_a_list_of_addresses_allows_nobody() {
    let server = TestServer::start().await;
    let (id, secret) = server.add_client("Corrupted", r#"["direct_access"]"#).await;
    assert_eq!(
        server.call_as(&id, &secret, "/settings/keys", &[]).await["stat"],
        "ok"
    );
    for stored in [r#"{"0.0.0.0/0":true}"#, "[1,2]", "null"] {
        sqlx::query("UPDATE properties SET whitelist = ? WHERE client_id = ?")
            .bind(stored)
            .bind(&id)
            .execute(server.store.pool())
            .await
            .unwrap();
        tokio::time::sleep(app::store::properties::CredentialCache::LIFETIME).await;
        let answer = server.call_as(&id, &secret, "/settings/keys", &[]).await;
        assert_error(&answer, 403, "client_permission_error", None);
    }
}

#[tokio::test]
async fn input_echoed_into_errors_is_bounded() {
    let server = TestServer::start().await;
    let long_name = "n".repeat(100_000);
    let body = format!("{long_name}=1&{long_name}=2");
    let answer = server.post_body("/settings/get", body).await;
    assert_eq!(answer["code"], 200, "{answer}");
    assert!(
        answer["argument_name"].as_str().unwrap().chars().count() <= 103,
        "{answer}"
    );
    assert!(
        answer.to_string().len() < 1_000,
        "{} bytes",
        answer.to_string().len()
    );
}

#[tokio::test]
async fn a_client_over_its_rate_gets_code_510_and_others_do_not() {
    let server = TestServer::start_with(Options {
        rate_limit: RateLimit {
            per_second: 1,
            burst: 5,
        },
        ..Options::default()
    })
    .await;
    let (other, other_secret) = server.add_client("Other", r#"["direct_access"]"#).await;
    // add_client spent one of the owner's five.
    for _ in 0..4 {
        assert_eq!(server.call("/settings/keys", &[]).await["stat"], "ok");
    }
    let limited = server.call("/settings/keys", &[]).await;
    assert_error(&limited, 510, "api_limit_error", None);
    assert_eq!(
        server
            .call_as(&other, &other_secret, "/settings/keys", &[])
            .await["stat"],
        "ok"
    );
}

#[tokio::test]
async fn an_address_that_keeps_failing_authentication_is_refused_before_any_work() {
    let server = TestServer::start_with(proxy_options()).await;
    let owner = &server.owner;
    let call = |address: &'static str, secret: &str| {
        let secret = secret.to_string();
        let server = &server;
        async move { keys_via_proxy(server, &owner.client_id, &secret, address).await }
    };
    let mut codes = Vec::new();
    for _ in 0..40 {
        let answer = call("6.6.6.6", "wrong").await;
        codes.push(answer["code"].as_u64().unwrap());
    }
    assert_eq!(codes[0], 402);
    assert_eq!(*codes.last().unwrap(), 510, "{codes:?}");
    let blocked = call("6.6.6.6", &owner.client_secret).await;
    assert_error(&blocked, 510, "api_limit_error", None);
    let elsewhere = call("7.7.7.7", &owner.client_secret).await;
    assert_eq!(elsewhere["stat"], "ok", "{elsewhere}");
}
