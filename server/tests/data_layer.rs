//! What the browser's props cache relies on, without a socket: `/catalog`'s
//! `Cache-Control` in the props answer and in the embedded props, strong
//! `ETag`s and `304`s for unchanged props (from the app and from the shared
//! cache), and `/report`'s document, which never holds its skeleton.

mod common;

use common::{TestApp, BUILD};
use http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_catalog_is_private_for_30_seconds_in_both_answers() {
    let app = TestApp::new().await;
    let doc = app.get("/catalog/3").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.text().contains("Catalog 3"));
    assert!(doc.html().contains(r#"href="/catalog/4""#));
    assert!(doc.text().contains("Next catalog"));
    assert!(doc.text().contains("Previous catalog"));
    assert_eq!(doc.header("cache-control"), Some("private, max-age=30"));
    // The embedded props say how long the browser may keep them.
    assert_eq!(doc.embedded()["cacheControl"], "private, max-age=30");
    assert_eq!(doc.embedded()["tags"], json!(["catalog", "catalog:3"]));
    assert_eq!(doc.embedded()["props"]["title"], "Catalog 3");
    let props = app.props("/catalog/3").await;
    common::assert_props_answer(&props);
    assert_eq!(props.header("cache-control"), Some("private, max-age=30"));
    assert_eq!(props.json()["props"]["id"], 3);
    assert!(props.header("etag").is_some());
    for bad in ["/catalog/0", "/catalog/x", "/catalog/-1"] {
        assert_eq!(app.get(bad).await.status, StatusCode::NOT_FOUND, "{bad}");
        assert_eq!(app.props(bad).await.status, StatusCode::NOT_FOUND, "{bad}");
    }
}

#[tokio::test]
async fn restocking_names_every_catalog_as_changed() {
    let app = TestApp::new().await;
    // With JavaScript: the catalog's fresh props, and the tag to drop.
    let answer = app.client.submit_form("/catalog/3", &[("x", "")]).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["props"]["title"], "Catalog 3");
    assert_eq!(answer.header("x-server-props-invalidate"), Some("catalog"));
    // Without: POST, 303, GET.
    let doc = app.client.post_form("/catalog/3", &[("x", "")]).await;
    assert_eq!(doc.status, StatusCode::SEE_OTHER);
    assert_eq!(doc.location(), Some("/catalog/3"));
    let page = app.get("/catalog/3").await;
    assert!(
        page.html()
            .contains(r#"<form method="post" class="restock">"#),
        "{}",
        page.body
    );
    assert!(page.text().contains("Refresh"));
}

#[tokio::test]
async fn the_digest_is_complete_in_its_document_and_its_props() {
    let app = TestApp::new().await;
    let doc = app.get("/digest/4?ms=5").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.text().contains("Digest 4"), "{}", doc.body);
    assert!(!doc.text().contains("Opening digest"));
    let props = app.props("/digest/4?ms=5").await;
    common::assert_props_answer(&props);
    assert_eq!(props.json()["props"], json!({"id": 4, "waited_ms": 5}));
    // No wait unless asked.
    let quick = app.props("/digest/4").await;
    assert_eq!(quick.json()["props"]["waited_ms"], 0);
    assert_eq!(app.get("/digest/x").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unchanged_props_are_a_304_and_changed_ones_a_200() {
    let app = TestApp::new().await;
    let url = server_props::protocol::props_url(BUILD, "/search?q=x");
    let first = app.props("/search?q=x").await;
    let etag = first.header("etag").expect("an etag").to_owned();
    assert!(etag.starts_with('"'), "strong: {etag}");
    let again = app
        .send(common::request_with(&url, &[("if-none-match", &etag)]))
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(again.body, "");
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    assert_eq!(again.header("x-server-props"), Some(BUILD));
    // Other props, another ETag: a 200.
    let other = app
        .send(common::request_with(
            &server_props::protocol::props_url(BUILD, "/search?q=y"),
            &[("if-none-match", &etag)],
        ))
        .await;
    assert_eq!(other.status, StatusCode::OK);
    // A loader whose output changes on every run simply answers 200.
    let catalog = app.props("/catalog/1").await;
    let tag = catalog.header("etag").unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let again = app
        .send(common::request_with(
            &server_props::protocol::props_url(BUILD, "/catalog/1"),
            &[("if-none-match", &tag)],
        ))
        .await;
    assert_eq!(again.status, StatusCode::OK);
    // Documents have no ETag.
    assert!(app.get("/search?q=x").await.header("etag").is_none());
}

#[tokio::test]
async fn the_shared_cache_answers_conditional_requests_with_304() {
    let app = TestApp::new().await;
    let url = server_props::protocol::props_url(BUILD, "/cached");
    let first = app.props("/cached").await;
    let etag = first.header("etag").unwrap().to_owned();
    let hit = app
        .send(common::request_with(&url, &[("if-none-match", &etag)]))
        .await;
    assert_eq!(hit.header("x-cache"), Some("HIT"));
    assert_eq!(hit.status, StatusCode::NOT_MODIFIED);
    // Without the condition, the stored answer whole.
    let whole = app.props("/cached").await;
    assert_eq!(whole.status, StatusCode::OK);
    assert_eq!(whole.json(), first.json());
    // A miss with a stale condition still fills the cache with a 200.
    let stale = app
        .send(common::request_with(
            &server_props::protocol::props_url(BUILD, "/cached?v=2"),
            &[("if-none-match", "\"nope\"")],
        ))
        .await;
    assert_eq!(stale.status, StatusCode::OK);
    assert_eq!(
        app.props("/cached?v=2").await.header("x-cache"),
        Some("HIT")
    );
}

#[tokio::test]
async fn the_report_document_is_complete_and_never_a_skeleton() {
    let app = TestApp::new().await;
    let doc = app.get("/report/7?ms=20").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.text().contains("Report 7"), "{}", doc.body);
    assert!(!doc.text().contains("Loading report"), "{}", doc.body);
    let props = app.props("/report/7?ms=20").await;
    assert_eq!(props.json()["props"], json!({"id": 7, "waited_ms": 20}));
    // The pending view, as the browser renders it, from the route params.
    assert!(<app::pages::Report as server_props::Page>::NAVIGATION
        .pending_delay()
        .is_some());
}
