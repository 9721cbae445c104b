//! No session can leak through the shared cache: an answer whose loaders
//! read a cookie (the session) or `Authorization` varies by it, whatever the
//! loader wrote, so a shared cache keeps one copy per visitor and never
//! hands one visitor's page to another, nor a signed-out page to a
//! signed-in visitor. Once with the cache in memory, once (feature `redis`)
//! in a redis-server of the test's own.

#![cfg(feature = "testing")]

mod common;

#[cfg(feature = "redis")]
#[path = "support/redis_server.rs"]
mod redis_server;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_props::{
    app::AppServer,
    cache::{CacheConfig, MemoryStorage},
    cookie::Cookie,
    loader, page,
    testing::{TestClient, TestResponse},
    LoaderContext, LoaderResult, Pages,
};
use std::sync::LazyLock;

#[derive(Debug, Serialize, Deserialize)]
pub struct Who {
    name: String,
}

/// Says who is signed in, from the session cookie; a page any shared cache
/// may keep, and which says nothing of `Vary` itself (the mistake).
#[page("/who")]
pub fn WhoPage(who: Who) -> impl IntoView {
    view! { <p id="who">{who.name}</p> }
}

#[loader(WhoPage)]
async fn load_who(cx: &LoaderContext<()>) -> LoaderResult<Who> {
    cx.response().set_cache_control("public, s-maxage=60")?;
    let name = cx.cookie("session").unwrap_or_else(|| "nobody".into());
    Ok(Who { name })
}

/// The same, reading the cookie through an axum extractor (the header map).
#[page("/who-by-header")]
pub fn WhoByHeaderPage(who: Who) -> impl IntoView {
    view! { <p id="who">{who.name}</p> }
}

#[loader(WhoByHeaderPage)]
async fn load_who_by_header(
    headers: http::HeaderMap,
    head: &server_props::ResponseHead,
) -> LoaderResult<Who> {
    head.set_cache_control("public, s-maxage=60")?;
    let name = headers
        .get("cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("session="))
        .unwrap_or("nobody")
        .to_owned();
    Ok(Who { name })
}

/// Reads no credential: shared as the loader says, no `Vary` added.
#[page("/public")]
pub fn PublicPage(who: Who) -> impl IntoView {
    view! { <p id="who">{who.name}</p> }
}

#[loader(PublicPage)]
async fn load_public(cx: &LoaderContext<()>) -> LoaderResult<Who> {
    cx.response().set_cache_control("public, s-maxage=60")?;
    Ok(Who {
        name: "everyone".into(),
    })
}

static PAGES: LazyLock<Pages> = LazyLock::new(|| {
    Pages::new()
        .page::<WhoPage>()
        .page::<WhoByHeaderPage>()
        .page::<PublicPage>()
});

fn app(cache: CacheConfig) -> server_props::app::BuiltApp {
    let options = LeptosOptions::builder()
        .output_name("app")
        .site_root(env!("CARGO_TARGET_TMPDIR"))
        .build();
    AppServer::new(&PAGES, common::shell(&PAGES))
        .options(options)
        .cache(cache)
        .props(|p| p.build_id("b"))
        .build()
        .unwrap()
}

/// A visitor: a client of the one app, with a session cookie or none.
fn visitor(app: &server_props::app::BuiltApp, session: Option<&str>) -> TestClient {
    let client = TestClient::new(app);
    if let Some(session) = session {
        client.set_cookie(Cookie::new("session", session.to_owned()));
    }
    client
}

fn said(response: &TestResponse) -> &'static str {
    for name in ["alice", "bob", "nobody", "everyone"] {
        if response.body.contains(&format!(">{name}<"))
            || response.body.contains(&format!("\"name\":\"{name}\""))
        {
            return name;
        }
    }
    panic!("no name in {}", response.body);
}

fn varies_by(response: &TestResponse, name: &str) -> bool {
    response
        .headers
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(name))
}

async fn no_visitor_sees_another_visitors_page(cache: CacheConfig) {
    let app = app(cache);
    let anonymous = visitor(&app, None);
    let alice = visitor(&app, Some("alice"));
    let bob = visitor(&app, Some("bob"));
    for path in ["/who", "/who-by-header"] {
        for round in 0..2 {
            for (client, name) in [(&anonymous, "nobody"), (&alice, "alice"), (&bob, "bob")] {
                let document = client.get(path).await;
                assert_eq!(said(&document), name, "{path}, round {round}: document");
                let props = client.props(path).await;
                assert_eq!(said(&props), name, "{path}, round {round}: props");
                if round == 1 {
                    // Each visitor's own copy is kept and served again.
                    assert_eq!(document.header("x-cache"), Some("HIT"), "{path} {name}");
                }
            }
        }
    }
    // Said in the answer, for caches downstream too.
    for path in ["/who", "/who-by-header"] {
        assert!(varies_by(&alice.get(path).await, "cookie"), "{path}");
        assert!(varies_by(&anonymous.props(path).await, "cookie"), "{path}");
    }
    let by_header = alice.get("/who-by-header").await;
    assert!(
        varies_by(&by_header, "authorization"),
        "an extractor may read any header"
    );
    // A page that reads no credential is shared as it says, with no `Vary`
    // added (the cache keeps what a cookie-less visitor was answered).
    let first = anonymous.get("/public").await;
    assert!(!varies_by(&first, "cookie") && !varies_by(&first, "authorization"));
    assert_eq!(
        anonymous.get("/public").await.header("x-cache"),
        Some("HIT")
    );
}

#[tokio::test]
async fn in_memory_no_visitor_sees_another_visitors_page() {
    no_visitor_sees_another_visitors_page(
        CacheConfig::default().storage(MemoryStorage::new(64 << 20)),
    )
    .await;
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn in_redis_no_visitor_sees_another_visitors_page() {
    let server = redis_server::RedisServer::start();
    let storage = server_props::cache::RedisStorage::builder(&server.url())
        .unwrap()
        .build();
    no_visitor_sees_another_visitors_page(CacheConfig::default().storage(storage)).await;
}
