//! A small app whose pages decode every kind of input the kit hands a loader
//! (a typed param, a string param, a catch-all, typed and free query values),
//! and one request check: whatever the method and target, the kit answers
//! without a panic and without a 5xx. Shared by the property tests
//! (`tests/bad_input.rs`) and the fuzz target (`fuzz/fuzz_targets/request.rs`),
//! each of which also declares `mod common` for the shell.

#![allow(dead_code)]

use axum::{body::Body, Router};
use http::{Method, Request, StatusCode, Uri};
use http_body_util::BodyExt;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_props::{
    extract::Params, loader, page, LoaderContext, LoaderResult, Pages, ServerProps,
    ServerPropsRouter,
};
use std::sync::LazyLock;
use tower::ServiceExt;

/// The build id of the hostile app.
pub const BUILD: &str = "hostile";

#[derive(Serialize, Deserialize)]
pub struct Shown {
    text: String,
}

fn shown(props: Shown) -> impl IntoView {
    view! { <p>{props.text}</p> }
}

/// `/items/:id`: a `u32` id (anything else is 404).
#[page("/items/:id")]
pub fn Item(props: Shown) -> impl IntoView {
    shown(props)
}

#[loader(Item)]
async fn load_item(#[param] id: u32) -> LoaderResult<Shown> {
    Ok(Shown {
        text: format!("item {id}"),
    })
}

/// `/blog/:post`: a string param and any query.
#[page("/blog/:post")]
pub fn Post(props: Shown) -> impl IntoView {
    shown(props)
}

#[loader(Post)]
async fn load_post(#[param] post: String, cx: &LoaderContext<()>) -> LoaderResult<Shown> {
    let query: Vec<String> = cx.query_pairs().map(|(k, v)| format!("{k}={v}")).collect();
    Ok(Shown {
        text: format!("{post} {query:?} {}", cx.url()),
    })
}

/// `/files/*path`: a catch-all, as typed params.
#[page("/files/*path")]
pub fn Files(props: Shown) -> impl IntoView {
    shown(props)
}

#[derive(Deserialize)]
pub struct FilesParams {
    pub path: Vec<String>,
}

#[loader(Files)]
async fn load_files(Params(p): Params<FilesParams>) -> LoaderResult<Shown> {
    Ok(Shown {
        text: p.path.join("|"),
    })
}

/// `/search?n=<i64>&q=…`: a typed query (a bad `n` is 400).
#[page("/search")]
pub fn Search(props: Shown) -> impl IntoView {
    shown(props)
}

#[derive(Deserialize, Debug)]
struct SearchQuery {
    n: Option<i64>,
    q: Option<String>,
}

#[loader(Search)]
async fn load_search(cx: &LoaderContext<()>) -> LoaderResult<Shown> {
    let query: SearchQuery = cx.query()?;
    Ok(Shown {
        text: format!("{:?} {:?}", query.n, query.q),
    })
}

#[component]
fn Home() -> impl IntoView {
    view! { <p>"home"</p> }
}

pub static PAGES: LazyLock<Pages> = LazyLock::new(|| {
    Pages::new()
        .static_page("/", Home)
        .page::<Item>()
        .page::<Post>()
        .page::<Files>()
        .page::<Search>()
});

/// The app: the pages, their props endpoint, and the 404 page for the rest.
pub fn app() -> Router {
    let props = ServerProps::builder(
        &PAGES,
        LeptosOptions::builder().output_name("h").build(),
        crate::common::shell(LazyLock::force(&PAGES)),
    )
    .build_id(BUILD)
    .dev_errors(false)
    .build();
    let not_found = props.clone();
    Router::new()
        .server_props(&props)
        .fallback(move |request| not_found.clone().not_found((), request))
}

/// What a hostile request got, when it got past HTTP parsing (which hyper
/// does before the app sees anything: what `http` refuses, hyper answers 400).
pub async fn answer(app: &Router, method: &[u8], target: &[u8]) -> Option<(StatusCode, String)> {
    let method = Method::from_bytes(method).ok()?;
    let uri = Uri::try_from(target).ok()?;
    // hyper hands the app every form of target: origin (`/a?b`), absolute
    // (`http://host/a?b`, as sent to proxies), authority (`host:443`) and `*`.
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "localhost")
        .body(Body::empty())
        .ok()?;
    let response = app.clone().oneshot(request).await.ok()?;
    let status = response.status();
    let body = response.into_body().collect().await.ok()?.to_bytes();
    Some((status, String::from_utf8_lossy(&body).into_owned()))
}

/// The property: no 5xx (so no panic, which would be a 500), and a 4xx is
/// one of those that describe bad input.
pub fn check(target: &[u8], answer: &(StatusCode, String)) -> Result<(), String> {
    let (status, body) = answer;
    let ok = status.is_success()
        || status.is_redirection()
        || matches!(status.as_u16(), 400 | 404 | 405 | 410 | 413 | 414);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} for {:?}: {}",
            status,
            String::from_utf8_lossy(target),
            body.chars().take(300).collect::<String>()
        ))
    }
}
