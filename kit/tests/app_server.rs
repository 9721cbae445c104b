//! `AppServer`'s defaults on a small app, through the kit's test client:
//! static files from the site root and nothing outside it, the app's 404
//! page for the rest, the body limit, security headers, the app's own
//! routes and layers, and the client's cookie jar.

#![cfg(feature = "testing")]

mod common;

use axum::{routing::get, Router};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_props::{
    app::AppServer, loader, page, testing::TestClient, LoaderContext, LoaderResult, Pages,
};
use std::sync::LazyLock;

#[derive(Debug, Serialize, Deserialize)]
pub struct Visits {
    count: u32,
}

/// Counts visits in a cookie.
#[page("/visits")]
pub fn VisitsPage(v: Visits) -> impl IntoView {
    view! { <p id="count">{v.count}</p> }
}

#[loader(VisitsPage)]
async fn load_visits(cx: &LoaderContext<&'static str>) -> LoaderResult<Visits> {
    let count = cx
        .cookie("visits")
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(0)
        + 1;
    cx.response()
        .set_cookie(&server_props::cookie::Cookie::new(
            "visits",
            count.to_string(),
        ))?;
    if count > 2 {
        cx.response().remove_cookie("visits")?;
    }
    Ok(Visits { count })
}

static PAGES: LazyLock<Pages> = LazyLock::new(|| Pages::new().page::<VisitsPage>());

/// A site root with one file, and a secret beside it: written once per
/// process, since the tests run concurrently and a rewrite (which truncates
/// first) would let another test read an empty file.
fn site_root() -> String {
    static ROOT: LazyLock<String> = LazyLock::new(|| {
        let dir =
            std::env::temp_dir().join(format!("server-props-app-test-{}", std::process::id()));
        let root = dir.join("site");
        std::fs::create_dir_all(root.join("pkg")).unwrap();
        std::fs::write(root.join("pkg/app.js"), "console.log(1)").unwrap();
        std::fs::write(dir.join("secret.txt"), "TOP SECRET").unwrap();
        root.to_string_lossy().into_owned()
    });
    ROOT.clone()
}

fn client() -> TestClient {
    let options = LeptosOptions::builder()
        .output_name("app")
        .site_root(site_root())
        .build();
    let app = AppServer::new(&PAGES, common::shell(&PAGES))
        .options(options)
        .state("the state")
        .max_body_bytes(16)
        .routes(|r: Router<&'static str>| {
            r.route(
                "/health",
                get(|state: axum::extract::State<&'static str>| async move { *state }),
            )
        })
        .layer(|r| {
            r.layer(axum::middleware::map_response(
                |mut res: axum::response::Response| async {
                    res.headers_mut()
                        .insert("x-outer", http::HeaderValue::from_static("1"));
                    res
                },
            ))
        })
        .props(|p| p.build_id("b"))
        .build()
        .unwrap();
    TestClient::new(&app)
}

#[tokio::test]
async fn static_files_come_from_the_site_root_and_nothing_outside_it() {
    let client = client();
    let file = client.get("/pkg/app.js").await;
    assert_eq!(file.status, 200);
    assert_eq!(file.body, "console.log(1)");
    for hostile in [
        "/../secret.txt",
        "/pkg/../../secret.txt",
        "/%2e%2e/secret.txt",
    ] {
        let reply = client.get(hostile).await;
        assert!(!reply.body.contains("TOP SECRET"), "{hostile}");
        assert!(
            matches!(reply.status.as_u16(), 400 | 404),
            "{hostile}: {}",
            reply.status
        );
    }
    // Names no file system takes are no file either: never a 5xx.
    let long = "a".repeat(300);
    let deep = "/a".repeat(2100);
    for path in [
        format!("/{long}"),
        format!("/pkg/{long}"),
        format!("/pkg/{long}.js"),
        deep,
        "/pkg/app.js/x".to_owned(),
        format!("/pkg/{}", "%41".repeat(300)),
        "/pkg/%00".to_owned(),
        format!("/{}", "b/".repeat(2040)),
    ] {
        let reply = client.get(&path).await;
        assert_eq!(
            reply.status,
            404,
            "{}: {}",
            &path[..40.min(path.len())],
            reply.body
        );
    }
    let missing = client.get("/nothing/here").await;
    assert_eq!(missing.status, 404);
    assert!(
        missing.text().contains("This page could not be found."),
        "{}",
        missing.body
    );
}

#[tokio::test]
async fn the_defaults_limit_bodies_and_add_security_headers_and_app_routes_and_layers_work() {
    let client = client();
    let big = client.post_form("/visits", &[("x", "a".repeat(64))]).await;
    assert_eq!(big.status, 413);
    let health = client.get("/health").await;
    assert_eq!(health.body, "the state");
    assert_eq!(health.header("x-outer"), Some("1"));
    assert_eq!(health.header("x-content-type-options"), Some("nosniff"));
    let page = client.get("/visits").await;
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert!(page.header("content-security-policy").is_some());
}

#[tokio::test]
async fn the_test_client_keeps_cookies_across_calls_and_forgets_removed_ones() {
    let client = client();
    assert_eq!(client.get("/visits").await.embedded()["props"]["count"], 1);
    assert_eq!(client.props("/visits").await.json()["props"]["count"], 2);
    assert_eq!(client.cookie("visits").unwrap().value(), "2");
    // The third visit removes the cookie: the fourth starts again.
    assert_eq!(client.get("/visits").await.embedded()["props"]["count"], 3);
    assert!(client.cookie("visits").is_none());
    assert_eq!(client.get("/visits").await.embedded()["props"]["count"], 1);
    client.clear_cookies();
    assert_eq!(client.get("/visits").await.embedded()["props"]["count"], 1);
}
