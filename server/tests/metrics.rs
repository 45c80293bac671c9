//! `/metrics`: off unless asked for; then requests, Capture errors, failed authentications by
//! scheme, sign-ins, properties and database connections in the Prometheus text format.

mod common;

use common::{Options, TestServer};

async fn scrape(server: &TestServer) -> (u16, String) {
    let response = server
        .http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The value of the sample whose line starts with `series` (name and labels as printed).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|line| line.starts_with(series) && line[series.len()..].starts_with(' '))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test]
async fn metrics_are_off_unless_asked_for_and_count_what_happened() {
    let off = TestServer::start().await;
    assert_eq!(scrape(&off).await.0, 404);

    let server = TestServer::start_with(Options {
        metrics: true,
        ..Options::default()
    })
    .await;
    server.add_client("Counted", "[]").await;
    let wrong = server
        .call_as(
            &server.owner.client_id,
            &"x".repeat(32),
            "/clients/list",
            &[],
        )
        .await;
    assert_eq!(wrong["code"], 402);
    let params = server
        .post_form(
            "/clients/list",
            &[("client_id", "nobody"), ("client_secret", "nothing")],
        )
        .await;
    assert_eq!(params["code"], 402);
    let (status, _) = server
        .console_form(
            "",
            "/api/auth/sign_in",
            &[
                ("username", "admin"),
                ("password", "wrong password"),
                ("next", "/"),
            ],
        )
        .await;
    assert_ne!(status, 200);

    let (status, text) = scrape(&server).await;
    assert_eq!(status, 200);
    let at_least = |series: &str, least: f64| {
        let value = sample(&text, series).unwrap_or_else(|| panic!("no {series} in\n{text}"));
        assert!(value >= least, "{series} = {value}");
    };
    at_least(
        r#"gatehouse_http_requests_total{group="capture_clients",status="200"}"#,
        3.0,
    );
    at_least(r#"gatehouse_capture_errors_total{code="402"}"#, 2.0);
    at_least(
        r#"gatehouse_api_authentication_failures_total{scheme="basic"}"#,
        1.0,
    );
    at_least(
        r#"gatehouse_api_authentication_failures_total{scheme="params"}"#,
        1.0,
    );
    at_least(r#"gatehouse_console_sign_ins_total{outcome="failed"}"#, 1.0);
    at_least("gatehouse_properties", 2.0);
    at_least(
        r#"gatehouse_database_connections{pool="writer",state="idle"}"#,
        0.0,
    );
    assert!(
        text.contains("gatehouse_http_request_duration_seconds_bucket{group=\"capture_clients\""),
        "{text}"
    );
}
