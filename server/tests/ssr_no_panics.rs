//! Server rendering must not panic, not even in work it leaves behind after the response: such panics
//! are caught by tokio and only show in the log. Its own test binary, because the panic hook that
//! counts them is process-wide.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rendering_the_console_pages_leaves_no_panicking_tasks_behind() {
    let panics = Arc::new(AtomicUsize::new(0));
    let default_hook = std::panic::take_hook();
    std::panic::set_hook({
        let panics = panics.clone();
        Box::new(move |info| {
            panics.fetch_add(1, Ordering::SeqCst);
            default_hook(info);
        })
    });

    let server = TestServer::start().await;
    for i in 0..12 {
        server.add_client(&format!("quartz {i}"), "[]").await;
    }
    // The list with a search used to leave an effect behind (Transition's set_pending) that ran
    // after the response and panicked on a disposed signal, in a few percent of renders.
    for round in 0..40 {
        for path in [
            "/?rows=50".to_string(),
            format!("/?q=quartz&rows=50&page={}", round % 2 + 1),
            "/?q=qu&rows=5&sort=name&dir=desc".to_string(),
            "/application".to_string(),
        ] {
            let response = server
                .http
                .get(server.url(&path))
                .header("Cookie", &server.admin_cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{path}");
            let page = response.text().await.unwrap();
            assert!(page.contains("</html>"), "{path}: the page is complete");
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(panics.load(Ordering::SeqCst), 0, "panics while rendering");
}
