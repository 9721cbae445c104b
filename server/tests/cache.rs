//! The reference app behind the kit's shared cache (`docs/caching.md`).

mod common;

use common::{request, TestApp};
use http::{Method, StatusCode};
use std::sync::atomic::Ordering;

fn runs(app: &TestApp) -> u64 {
    app.state.cached_runs.load(Ordering::Relaxed)
}

#[tokio::test]
async fn cached_runs_its_loader_once_across_fifty_requests() {
    let app = TestApp::new().await;
    let first = app.get("/cached").await;
    assert_eq!(first.header("x-cache"), Some("MISS"));
    for _ in 0..49 {
        let doc = app.get("/cached").await;
        assert_eq!(doc.status, StatusCode::OK);
        assert_eq!(doc.header("x-cache"), Some("HIT"));
        assert_eq!(doc.body, first.body, "the same document");
        assert!(doc.header("age").is_some());
        assert_eq!(
            doc.header("cache-control"),
            Some("public, s-maxage=10, stale-while-revalidate=59")
        );
    }
    assert_eq!(runs(&app), 1);
    // The props answer is its own entry, kept the same way.
    for _ in 0..50 {
        let props = app.props("/cached").await;
        assert_eq!(props.json()["props"]["runs"], 2);
    }
    assert_eq!(runs(&app), 2);
    // HEAD is answered from the GET entry.
    let head = app.send(request(Method::HEAD, "/cached")).await;
    assert_eq!(
        (head.header("x-cache"), head.body.as_str()),
        (Some("HIT"), "")
    );
    assert_eq!(runs(&app), 2);
}

#[tokio::test]
async fn concurrent_first_requests_run_the_loader_once() {
    let app = TestApp::new().await;
    let replies = futures::future::join_all((0..100).map(|_| app.get("/cached"))).await;
    assert!(replies.iter().all(|r| r.status == StatusCode::OK));
    assert_eq!(runs(&app), 1);
}

#[tokio::test]
async fn custom_cache_max_age_is_used_when_there_is_no_s_maxage() {
    let app = TestApp::new().await;
    let first = app.get("/custom-cache").await;
    let second = app.get("/custom-cache").await;
    assert_eq!(second.header("x-cache"), Some("HIT"));
    assert_eq!(first.body, second.body);
}

#[tokio::test]
async fn default_no_store_pages_are_never_cached() {
    let app = TestApp::new().await;
    for path in ["/", "/bench/items/1", "/blog/hello", "/counter"] {
        for _ in 0..2 {
            let reply = app.get(path).await;
            assert_eq!(reply.header("x-cache"), Some("MISS"), "{path}");
        }
    }
    let a = app.get("/slow?ms=1").await;
    let b = app.get("/slow?ms=1").await;
    assert_eq!(
        (a.header("x-cache"), b.header("x-cache")),
        (Some("MISS"), Some("MISS"))
    );
}

#[tokio::test]
async fn a_page_that_reads_headers_and_sets_a_cookie_is_never_shared() {
    let app = TestApp::new().await;
    let alice = app
        .send(
            http::Request::builder()
                .uri("/request")
                .header("user-agent", "alice-agent")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert!(alice.header("set-cookie").is_some());
    let bob = app
        .send(
            http::Request::builder()
                .uri("/request")
                .header("user-agent", "bob-agent")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(bob.header("x-cache"), Some("MISS"));
    assert!(bob.body.contains("bob-agent") && !bob.body.contains("alice-agent"));
}

#[tokio::test]
async fn a_request_with_authorization_is_neither_kept_nor_served() {
    let app = TestApp::new().await;
    let with_auth = |uri: &str| {
        http::Request::builder()
            .uri(uri)
            .header("authorization", "Bearer secret")
            .body(axum::body::Body::empty())
            .unwrap()
    };
    app.send(with_auth("/cached")).await;
    assert_eq!(app.get("/cached").await.header("x-cache"), Some("MISS"));
    let reply = app.send(with_auth("/cached")).await;
    assert_eq!(reply.header("x-cache"), None);
    assert_eq!(runs(&app), 3);
}

#[tokio::test]
async fn purging_cached_drops_it_from_the_shared_cache() {
    let app = TestApp::new().await;
    for uri in ["/cached?k=1", "/cached"] {
        assert_eq!(app.get(uri).await.header("x-cache"), Some("MISS"));
        let hit = app.get(uri).await;
        assert_eq!(hit.header("x-cache"), Some("HIT"));
        assert_eq!(hit.header("x-server-props-tags"), Some("cached"));
    }
    assert_eq!(runs(&app), 2);
    // The form without JavaScript: 303 back to the page.
    let purged = app.client.post_form("/cached", &[("purge", "")]).await;
    assert_eq!(purged.status, StatusCode::SEE_OTHER);
    assert_eq!(purged.header("location"), Some("/cached"));
    assert_eq!(purged.header("x-server-props-invalidate"), Some("cached"));
    for uri in ["/cached?k=1", "/cached"] {
        let after = app.get(uri).await;
        assert_eq!(after.header("x-cache"), Some("MISS"), "{uri}");
    }
    assert_eq!(runs(&app), 4);
}
