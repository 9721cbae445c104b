//! Two instances of the reference app on one Redis (`REDIS_URL` in
//! production): what one instance keeps, the other serves; what one
//! instance's action purges, the other no longer serves. The redis-server is
//! the test's own, on a free loopback port.

mod common;

#[path = "../../kit/tests/support/redis_server.rs"]
mod redis_server;

use common::TestApp;
use http::{Method, Request, StatusCode};
use server_props::cache::{CacheConfig, RedisStorage};
use std::sync::atomic::Ordering;

async fn instance(redis: &redis_server::RedisServer) -> TestApp {
    let settings = server::Settings {
        cache: CacheConfig::default().storage(RedisStorage::builder(&redis.url()).unwrap().build()),
        ..server::Settings::default()
    };
    TestApp::with_settings(|b| b, settings).await
}

fn runs(apps: &[&TestApp]) -> u64 {
    apps.iter()
        .map(|a| a.state.cached_runs.load(Ordering::Relaxed))
        .sum()
}

#[tokio::test]
async fn instances_on_one_redis_share_the_cache_and_its_purges() {
    let redis = redis_server::RedisServer::start();
    let (a, b) = (instance(&redis).await, instance(&redis).await);
    let first = a.get("/cached").await;
    assert_eq!(first.header("x-cache"), Some("MISS"));
    let other = b.get("/cached").await;
    assert_eq!(
        (other.status, other.header("x-cache")),
        (StatusCode::OK, Some("HIT"))
    );
    assert_eq!(other.body, first.body, "the document instance A rendered");
    // Fifty concurrent props requests, spread over both: one loader run.
    let replies = futures::future::join_all((0..50).map(|i| {
        if i % 2 == 0 {
            a.props("/cached")
        } else {
            b.props("/cached")
        }
    }))
    .await;
    assert!(replies.iter().all(|r| r.status == StatusCode::OK));
    assert_eq!(
        runs(&[&a, &b]),
        2,
        "one run for the document, one for the props"
    );
    // The purge form, posted to A (the same-origin form post a browser
    // sends without JavaScript).
    let purge = Request::builder()
        .method(Method::POST)
        .uri("/cached")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::empty())
        .unwrap();
    let purged = a.send(purge).await;
    assert!(
        purged.status.is_redirection() || purged.status.is_success(),
        "{}",
        purged.status
    );
    let after = b.get("/cached").await;
    assert_eq!(
        after.header("x-cache"),
        Some("MISS"),
        "B no longer serves it"
    );
    assert_eq!(runs(&[&a, &b]), 3);
}

#[tokio::test]
async fn with_redis_down_every_page_is_still_served() {
    let mut redis = redis_server::RedisServer::start();
    let app = instance(&redis).await;
    assert_eq!(app.get("/cached").await.header("x-cache"), Some("MISS"));
    redis.stop();
    for path in ["/cached", "/", "/repos/vercel/next.js", "/guestbook"] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
    }
    assert_eq!(app.props("/cached").await.status, StatusCode::OK);
}
