//! A loader that runs past the configured timeout: the request gets a 504
//! (the error page, or a 504 JSON answer) and the loader's future is dropped.

#![cfg(feature = "tokio")]

mod common;

use axum::{body::Body, Router};
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use leptos::prelude::*;
use server_props::{
    protocol::props_url, Loader, LoaderContext, LoaderResult, Page, Pages, ServerProps,
    ServerPropsRouter,
};
use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        LazyLock,
    },
    time::Duration,
};
use tower::ServiceExt;

static DROPPED: AtomicUsize = AtomicUsize::new(0);
static FINISHED: AtomicUsize = AtomicUsize::new(0);

struct Hanging;

impl Page for Hanging {
    type Props = ();
    fn view(_: ()) -> impl IntoView {
        view! { <h1>"never shown"</h1> }
    }
}

impl Loader for Hanging {
    type Props = ();
    type State = ();
    type Params = ();
    async fn load(cx: &mut LoaderContext<()>) -> LoaderResult<()> {
        let _guard = common::CountDrop(&DROPPED);
        cx.response().set_cache_control("public, s-maxage=60")?;
        tokio::time::sleep(Duration::from_secs(3600)).await;
        FINISHED.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// A loader that is never idle: it spends tokio's cooperative budget on
/// every poll, which a timer under that budget would never get past.
struct Busy;

impl Page for Busy {
    type Props = ();
    fn view(_: ()) -> impl IntoView {
        view! { <h1>"never shown"</h1> }
    }
}

impl Loader for Busy {
    type Props = ();
    type State = ();
    type Params = ();
    async fn load(_: &mut LoaderContext<()>) -> LoaderResult<()> {
        loop {
            tokio::task::coop::consume_budget().await;
        }
    }
}

static PAGES: LazyLock<Pages> = LazyLock::new(|| {
    Pages::new()
        .page_at::<Hanging>("/hanging")
        .page_at::<Busy>("/busy")
});

async fn get(app: &Router, uri: &str) -> (StatusCode, http::HeaderMap, String) {
    let request = Request::builder().uri(uri).body(Body::empty()).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

#[tokio::test(start_paused = true)]
async fn a_loader_past_its_timeout_gets_a_504_and_is_dropped() {
    let options = LeptosOptions::builder().output_name("kit-test").build();
    let props = ServerProps::builder(&PAGES, options, common::shell(&PAGES))
        .build_id("b")
        .loader_timeout(Duration::from_millis(200))
        .build();
    let app = Router::new().server_props(&props);

    let (status, headers, body) = get(&app, "/hanging").await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert!(body.contains("504"), "the error page: {body}");
    assert!(!body.contains("never shown"));
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("no-store"),
        "a timed-out answer is never cacheable"
    );

    let (status, _, body) = get(&app, &props_url("b", "/hanging")).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], 504);

    assert_eq!(
        DROPPED.load(Ordering::SeqCst),
        2,
        "both loaders were dropped"
    );
    assert_eq!(FINISHED.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_loader_that_spends_the_tasks_budget_still_times_out() {
    let options = LeptosOptions::builder().output_name("kit-test").build();
    let props = ServerProps::builder(&PAGES, options, common::shell(&PAGES))
        .build_id("b")
        .loader_timeout(Duration::from_millis(50))
        .build();
    let app = Router::new().server_props(&props);
    // `tokio::time::timeout` polls its timer outside the budget: if the
    // kit's timer does not, this one ends the test instead.
    let answer = tokio::time::timeout(Duration::from_secs(20), get(&app, "/busy")).await;
    let (status, _, _) = answer.expect("the loader timeout fired");
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
}
