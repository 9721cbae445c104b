//! A page whose hydration failed in the browser is loaded once more with
//! `__render=browser`: the server sends the shell with the app's element
//! empty, the page's props embedded, never for a cache to keep, and the
//! parameter is off the URL the loaders see.

mod common;

use common::TestApp;

#[tokio::test]
async fn a_page_left_for_the_browser_has_its_props_and_an_empty_app_element() {
    let app = TestApp::new().await;
    let doc = app.get("/echo?text=hello&__render=browser&attr=x").await;
    assert_eq!(doc.status, 200, "{}", doc.body);
    let html = doc.html();
    assert!(
        html.contains(
            r#"<div id="server-props-root" data-render="browser" style="display:contents;"></div>"#
        ),
        "{html}"
    );
    assert!(
        !html.contains("echo-text"),
        "the page is not rendered: {html}"
    );
    // Its props, for the URL without the parameter, as the loader saw it.
    let embedded = doc.embedded();
    assert_eq!(embedded["url"], "/echo?text=hello&attr=x");
    assert_eq!(embedded["props"]["text"], "hello");
    assert_eq!(embedded["props"]["attr"], "x");
    // The scripts that load the wasm are there; nothing is kept.
    assert!(html.contains("m.hydrate()"), "{html}");
    assert_eq!(
        doc.header("cache-control"),
        Some("private, no-cache, no-store, max-age=0, must-revalidate")
    );

    // Any other value, or none, is a plain document; other pages' queries
    // keep their own parameters.
    let plain = app.get("/echo?text=hello&__render=server").await;
    assert!(plain.html().contains("echo-text"));
    assert_eq!(plain.embedded()["url"], "/echo?text=hello");
    let normal = app.get("/echo?text=hello").await;
    assert!(normal.html().contains("echo-text"));
    assert!(!normal.html().contains("data-render"));
}

#[tokio::test]
async fn a_cacheable_page_left_for_the_browser_is_never_kept() {
    let app = TestApp::new().await;
    let left = app.get("/cached?__render=browser").await;
    assert_eq!(left.status, 200);
    assert!(left.html().contains(r#"data-render="browser""#));
    assert_eq!(
        left.header("cache-control"),
        Some("private, no-cache, no-store, max-age=0, must-revalidate")
    );
    // The page itself still renders whole for everyone else.
    let whole = app.get("/cached").await;
    assert!(!whole.html().contains("data-render"), "{}", whole.body);
    assert!(whole.text().contains("Loader runs"), "{}", whole.text());
}

#[tokio::test]
async fn deferred_values_still_arrive_for_a_page_left_for_the_browser() {
    let app = TestApp::new().await;
    let doc = app.get("/feed?ms=10&__render=browser").await;
    assert_eq!(doc.status, 200);
    assert!(doc.html().contains(r#"data-render="browser""#));
    assert!(!doc.html().contains("feed-items"), "{}", doc.body);
    // The values follow, whole, for the browser to render the page with.
    assert!(
        doc.body
            .contains(r#"{"0":{"ok":["Recommended 1","Recommended 2","Recommended 3"]}}"#),
        "{}",
        doc.body
    );
    assert_eq!(doc.header("x-robots-tag"), Some("noindex"));
}

#[tokio::test]
async fn the_answer_to_a_submission_is_never_loaded_again() {
    let app = TestApp::new().await;
    let refused = app
        .client
        .post_form("/guestbook", &[("name", "Ada"), ("message", "")])
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.html().contains(r#"data-recover="off""#),
        "{}",
        refused.body
    );
    let read = app.get("/guestbook").await;
    assert!(!read.html().contains("data-recover"), "{}", read.body);
}
