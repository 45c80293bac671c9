//! Console sign-in, sessions and roles over real HTTP.

mod common;

use common::{TestServer, PASSWORD};

fn no_redirects() -> reqwest::Client {
    // A page that never finishes streaming fails the test instead of hanging the suite.
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap()
}

#[tokio::test]
async fn signed_out_pages_redirect_to_sign_in_with_the_way_back() {
    let server = TestServer::start().await;
    let response = no_redirects()
        .get(server.url("/properties/abc?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/sign-in?next=%2Fproperties%2Fabc%3Fx%3D1"
    );
    let sign_in = no_redirects()
        .get(server.url("/sign-in"))
        .send()
        .await
        .unwrap();
    assert_eq!(sign_in.status(), 200);
    let html = sign_in.text().await.unwrap();
    assert!(html.contains("Sign in to Gatehouse"));
    // The Capture API and the health check do not use console sessions.
    assert_eq!(
        no_redirects()
            .get(server.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(server.call("/clients/list", &[]).await["stat"], "ok");
}

/// Without JavaScript the form posts to the server function: a refusal comes back to the sign-in
/// page, which says so and keeps the way back; the right password signs in and returns there.
#[tokio::test]
async fn a_plain_form_post_signs_in_or_comes_back_refused() {
    let server = TestServer::start().await;
    let post = |password: &'static str| {
        no_redirects()
            .post(server.url("/api/auth/sign_in"))
            .header("Accept", "text/html,application/xhtml+xml")
            .header("Referer", server.url("/sign-in?next=%2Faudit"))
            .form(&[
                ("username", "admin"),
                ("password", password),
                ("next", "/audit?x=1&y"),
            ])
            .send()
    };
    let refused = post("not the password").await.unwrap();
    assert_eq!(refused.status(), 302);
    assert!(refused.headers().get("set-cookie").is_none());
    let back = refused.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(back, "/sign-in?next=%2Faudit%3Fx%3D1%26y&refused");
    let html = no_redirects()
        .get(server.url(&back))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("The username or password is not correct."),
        "{html}"
    );
    assert!(html.contains(r#"aria-invalid="true""#), "{html}");
    assert!(html.contains(r#"value="/audit?x=1&amp;y""#), "{html}");

    let accepted = post(PASSWORD).await.unwrap();
    assert_eq!(accepted.status(), 302);
    assert_eq!(accepted.headers()["location"], "/audit?x=1&y");
    assert!(accepted.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .starts_with("gatehouse_session="));
}

#[tokio::test]
async fn signed_out_server_functions_get_401_and_change_nothing() {
    let server = TestServer::start().await;
    let (id, _) = server.add_client("Kept", "[]").await;
    let (status, _) = server
        .console("", "/api/properties/delete", &[("client_id", &id)])
        .await;
    assert_eq!(status, 401);
    let (status, _) = server
        .console(
            "gatehouse_session=forged",
            "/api/properties/delete",
            &[("client_id", &id)],
        )
        .await;
    assert_eq!(status, 401);
    assert!(server.store.property(&id).await.unwrap().is_some());
}

#[tokio::test]
async fn viewers_read_but_cannot_change_anything_or_manage_accounts() {
    let server = TestServer::start().await;
    let (id, _) = server.add_client("Read only", "[]").await;
    let (status, body) = server
        .console(
            &server.viewer_cookie,
            "/api/properties/summary",
            &[("client_id", &id)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    for (endpoint, form) in [
        ("/api/properties/delete", vec![("client_id", id.as_str())]),
        (
            "/api/properties/copy",
            vec![("source_id", id.as_str()), ("name", "Sneaky copy")],
        ),
        ("/api/properties/secret", vec![("client_id", id.as_str())]),
        (
            "/api/properties/reset-secret",
            vec![("client_id", id.as_str()), ("hours", "0")],
        ),
        ("/api/auth/users", vec![]),
        (
            "/api/auth/add_user",
            vec![("username", "mallory"), ("role", "Admin")],
        ),
    ] {
        let (status, body) = server.console(&server.viewer_cookie, endpoint, &form).await;
        assert_eq!(status, 403, "{endpoint}: {body}");
    }
    assert_eq!(server.property_count().await, 2);
    assert!(server.store.user("mallory").await.unwrap().is_none());
}

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_cookie_and_sign_out_ends_the_session() {
    let server = TestServer::start().await;
    let client = no_redirects();
    let response = client
        .post(server.url("/api/auth/sign_in"))
        .form(&[
            ("username", "Admin"),
            ("password", PASSWORD),
            ("next", "/properties/new"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success() || response.status().is_redirection(),
        "{}",
        response.status()
    );
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("gatehouse_session="), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    let session = cookie.split(';').next().unwrap().to_string();
    let page = client
        .get(server.url("/"))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    for (name, value) in [
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
        ("referrer-policy", "no-referrer"),
    ] {
        assert_eq!(page.headers()[name], value);
    }
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_string();
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "hydration script carries the CSP nonce"
    );

    let (status, _) = server
        .console_form(&session, "/api/auth/sign_out", &[])
        .await;
    assert!(status < 400);
    let after = client
        .get(server.url("/"))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.status(),
        303,
        "the old cookie no longer opens the console"
    );
}

#[tokio::test]
async fn wrong_passwords_get_one_generic_message() {
    let server = TestServer::start().await;
    let attempt = |username: &'static str, password: &'static str| {
        let server = &server;
        async move {
            server
                .console_form(
                    "",
                    "/api/auth/sign_in",
                    &[
                        ("username", username),
                        ("password", password),
                        ("next", "/"),
                    ],
                )
                .await
        }
    };
    let (status, wrong) = attempt("admin", "not the password").await;
    assert_eq!(status, 422);
    let (_, unknown) = attempt("nobody", "not the password").await;
    assert_eq!(
        wrong, unknown,
        "an unknown username reads exactly like a wrong password"
    );
    let (_, impossible) = attempt("no such <user>", "not the password").await;
    assert_eq!(wrong, impossible, "so does a username no account can have");
    let (status, _) = attempt("admin", PASSWORD).await;
    assert_eq!(status, 200, "the right password still gets in");
}

#[tokio::test]
async fn the_last_admin_cannot_be_removed_or_demoted_from_the_console() {
    let server = TestServer::start().await;
    let (status, body) = server
        .console(
            &server.admin_cookie,
            "/api/auth/remove_user",
            &[("username", "admin")],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = server
        .console(
            &server.admin_cookie,
            "/api/auth/set_role",
            &[("username", "admin"), ("role", "Viewer")],
        )
        .await;
    assert_eq!(status, 422);
    let (status, password) = server
        .console(
            &server.admin_cookie,
            "/api/auth/add_user",
            &[("username", "second"), ("role", "Admin")],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<String>(&password).unwrap().len(), 20);
    let (status, _) = server
        .console(
            &server.admin_cookie,
            "/api/auth/set_role",
            &[("username", "admin"), ("role", "Viewer")],
        )
        .await;
    assert_eq!(status, 200);
}
