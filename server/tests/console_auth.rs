//! Console sign-in, sessions and roles over real HTTP.

mod common;

use common::{TestServer, PASSWORD};

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
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

    let (status, _) = server.console(&session, "/api/auth/sign_out", &[]).await;
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
                .console(
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
