//! What a loader can take and how each input fails: typed params and query,
//! axum extractors (whose rejections keep their status), request bodies
//! (400, 413, 415, never read unless asked), accepted methods, early exits
//! through `?`, and the layout loader beside every page. Each is checked on
//! the document and on the props answer.

#![cfg(feature = "ssr")]

mod common;

use axum::{
    body::Body,
    extract::{FromRequestParts, Query, State},
    http::request::Parts,
    response::{IntoResponse, Redirect as AxumRedirect, Response},
    Router,
};
use futures::stream;
use http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use server_props::{
    extract::{Json, Params},
    loader, page,
    protocol::props_url,
    Layout, LoaderContext, LoaderError, LoaderResult, NotFound, Pages, Redirect, ResponseHead,
    ServerProps, ServerPropsRouter,
};
use std::sync::{
    atomic::{AtomicUsize, Ordering},
    LazyLock,
};
use tower::ServiceExt;

const BUILD: &str = "b";

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Text {
    text: String,
}

fn text(props: Text) -> impl IntoView {
    view! { <p id="text">{props.text}</p> }
}

fn done(text: impl Into<String>) -> LoaderResult<Text> {
    Ok(Text { text: text.into() })
}

// --- typed params -----------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct RepoParams {
    owner: String,
    id: u32,
}

#[page("/repos/:owner/:id")]
pub fn RepoPage(props: Text) -> impl IntoView {
    text(props)
}

#[loader(RepoPage)]
async fn load_repo(Params(p): Params<RepoParams>) -> LoaderResult<Text> {
    // `?` on an Option: no repo 0.
    let id = (p.id != 0).then_some(p.id).ok_or(NotFound)?;
    done(format!("{}#{id}", p.owner))
}

// --- typed query and extractors ------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct Paging {
    page: u32,
}

#[page("/query")]
pub fn QueryPage(props: Text) -> impl IntoView {
    text(props)
}

#[loader(QueryPage)]
async fn load_query(Query(paging): Query<Paging>, cx: &LoaderContext<()>) -> LoaderResult<Text> {
    #[derive(Deserialize)]
    struct Also {
        page: u32,
    }
    let also: Also = cx.query()?;
    done(format!("page {} {}", paging.page, also.page))
}

/// An extractor of the app's own: the URI it sees, or 401 without a token,
/// or a redirect to a login page with `?login`.
#[derive(Debug)]
pub struct SeenUri(String);

impl<S: Send + Sync> FromRequestParts<S> for SeenUri {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        if parts.uri.query() == Some("login") {
            return Err(AxumRedirect::to("/login").into_response());
        }
        if !parts.headers.contains_key("x-token") {
            let challenge = [(header::WWW_AUTHENTICATE, "Bearer")];
            return Err((StatusCode::UNAUTHORIZED, challenge, "token required").into_response());
        }
        Ok(Self(parts.uri.to_string()))
    }
}

#[page("/guarded")]
pub fn Guarded(props: Text) -> impl IntoView {
    text(props)
}

#[loader(Guarded)]
async fn load_guarded(SeenUri(uri): SeenUri, State(n): State<u32>) -> LoaderResult<Text> {
    done(format!("{uri} {n}"))
}

// --- the app's own argument ------------------------------------------------------

/// The app's own argument, by its trait: made from the route param, the
/// request head and the state, and it writes the response head.
#[derive(Debug)]
pub struct Visit {
    owner: String,
    name: String,
    state: u32,
}

impl server_props::extract::FromLoader<u32> for Visit {
    async fn from_loader(cx: &mut LoaderContext<u32>) -> Result<Self, LoaderError> {
        let owner: String = cx.param("owner")?;
        let Some(name) = cx.header("x-name").map(str::to_owned) else {
            return Err(LoaderError::new(StatusCode::UNAUTHORIZED, "who are you?"));
        };
        cx.response()
            .insert_header(header::VARY, http::HeaderValue::from_static("x-name"));
        Ok(Visit {
            owner,
            name,
            state: *cx.state(),
        })
    }
}

#[page("/visits/:owner")]
pub fn VisitPage(props: Text) -> impl IntoView {
    text(props)
}

#[loader(VisitPage)]
async fn load_visit(visit: Visit, State(n): State<u32>) -> LoaderResult<Text> {
    done(format!(
        "{} visits {} ({} {n})",
        visit.name, visit.owner, visit.state
    ))
}

// --- bodies and methods -----------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct Entry {
    name: String,
    count: u32,
}

#[page("/form")]
pub fn FormPage(props: Text) -> impl IntoView {
    text(props)
}

#[loader(FormPage, methods(POST, PUT, PUT))]
async fn load_form(cx: &mut LoaderContext<()>) -> LoaderResult<Text> {
    if cx.method() == http::Method::GET {
        return done("form");
    }
    let entry: Entry = cx.form().await?;
    if entry.name == "bye" {
        Err(Redirect::see_other("/query?page=1"))?;
    }
    done(format!("{} {} by {}", entry.name, entry.count, cx.method()))
}

#[page("/json")]
pub fn JsonPage(props: Text) -> impl IntoView {
    text(props)
}

#[loader(JsonPage)]
async fn load_json(Json(entry): Json<Entry>) -> LoaderResult<Text> {
    done(format!("{} {}", entry.name, entry.count))
}

static NEVER_READ: AtomicUsize = AtomicUsize::new(0);

#[page("/ignores-body")]
pub fn IgnoresBody(props: Text) -> impl IntoView {
    text(props)
}

#[loader(IgnoresBody)]
async fn load_ignores_body(head: &ResponseHead) -> LoaderResult<Text> {
    head.set_status(StatusCode::ACCEPTED);
    done("ignored")
}

// --- the layout --------------------------------------------------------------------

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Visitor {
    name: String,
}

#[derive(Debug)]
pub struct AppLayout;

impl Layout for AppLayout {
    type Data = Visitor;
}

#[loader(AppLayout)]
async fn load_layout(cx: &LoaderContext<u32>) -> LoaderResult<Visitor> {
    if cx.path() == "/closed" {
        Err(Redirect::temporary("/query?page=9"))?;
    }
    cx.response().set_cache_control("private, max-age=5")?;
    Ok(Visitor {
        name: cx.header("x-name").unwrap_or("anonymous").to_owned(),
    })
}

#[page("/closed")]
pub fn Closed(props: Text) -> impl IntoView {
    text(props)
}

static CLOSED_RUNS: AtomicUsize = AtomicUsize::new(0);

#[loader(Closed)]
async fn load_closed(head: &ResponseHead) -> LoaderResult<Text> {
    CLOSED_RUNS.fetch_add(1, Ordering::SeqCst);
    head.set_cookie(&server_props::cookie::Cookie::new("page", "1"))?;
    Err(LoaderError::internal(
        "the layout redirects before this matters",
    ))
}

#[component]
fn Shell() -> impl IntoView {
    let visitor = server_props::use_layout_data::<AppLayout>();
    view! { <span id="visitor">{move || visitor.get().map(|v| v.name)}</span> }
}

static PAGES: LazyLock<Pages> = LazyLock::new(|| {
    Pages::new()
        .static_page("/", || view! { <Shell/> })
        .page::<RepoPage>()
        .page::<QueryPage>()
        .page::<Guarded>()
        .page::<VisitPage>()
        .page::<FormPage>()
        .page::<JsonPage>()
        .page::<IgnoresBody>()
        .page::<Closed>()
        .layout::<AppLayout>()
});

fn app() -> Router {
    let options = LeptosOptions::builder().output_name("kit-test").build();
    let props = ServerProps::builder(&PAGES, options, common::shell(&PAGES))
        .build_id(BUILD)
        .dev_errors(false)
        .max_body_bytes(64)
        .build();
    Router::new().server_props(&props).with_state(7u32)
}

struct Reply {
    status: StatusCode,
    headers: http::HeaderMap,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

async fn send(request: Request<Body>) -> Reply {
    let response = app().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

async fn get(uri: &str) -> Reply {
    send(Request::get(uri).body(Body::empty()).unwrap()).await
}

/// The document and the props answer of a page URL.
async fn both(page: &str) -> (Reply, Reply) {
    (get(page).await, get(&props_url(BUILD, page)).await)
}

async fn post(uri: &str, content_type: &str, body: impl Into<Body>) -> Reply {
    send(
        Request::post(uri)
            .header(header::CONTENT_TYPE, content_type)
            .body(body.into())
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn typed_params_decode_and_values_that_do_not_parse_are_404() {
    let (doc, props) = both("/repos/ada%20l/42").await;
    assert_eq!(doc.status, 200);
    assert!(doc.body.contains("ada l#42"), "{}", doc.body);
    assert_eq!(props.json()["props"]["text"], "ada l#42");
    for bad in [
        "/repos/ada/x",
        "/repos/ada/-1",
        "/repos/ada/99999999999",
        "/repos/ada/0",
    ] {
        let (doc, props) = both(bad).await;
        assert_eq!(doc.status, 404, "{bad}");
        assert!(doc.body.contains("This page could not be found"), "{bad}");
        assert_eq!(props.status, 404, "{bad}");
        assert_eq!(props.json()["notFound"], true, "{bad}");
    }
}

#[tokio::test]
async fn typed_queries_and_query_extractor_rejections_are_400_not_500() {
    let (doc, props) = both("/query?page=3").await;
    assert!(doc.body.contains("page 3 3"), "{}", doc.body);
    assert_eq!(props.json()["props"]["text"], "page 3 3");
    for bad in ["/query?page=x", "/query", "/query?page=-1"] {
        let (doc, props) = both(bad).await;
        assert_eq!(doc.status, 400, "{bad}");
        assert_eq!(props.status, 400, "{bad}");
        assert_eq!(props.json()["status"], 400, "{bad}");
    }
}

#[tokio::test]
async fn an_argument_of_the_apps_own_is_made_by_its_trait() {
    let named = |uri: &str| {
        Request::get(uri)
            .header("x-name", "ada")
            .body(Body::empty())
            .unwrap()
    };
    let doc = send(named("/visits/grace")).await;
    assert_eq!(doc.status, 200);
    assert!(doc.body.contains("ada visits grace (7 7)"), "{}", doc.body);
    assert_eq!(
        doc.headers[header::VARY],
        "x-name",
        "it wrote the response head"
    );
    let props = send(named(&props_url(BUILD, "/visits/grace"))).await;
    assert_eq!(props.json()["props"]["text"], "ada visits grace (7 7)");
    // Its error leaves the loader with its status.
    let (doc, props) = both("/visits/grace").await;
    assert_eq!(doc.status, 401);
    assert_eq!(props.status, 401);
}

#[tokio::test]
async fn extractors_see_the_page_uri_and_their_rejections_keep_their_status() {
    let with_token = |uri: &str| {
        Request::get(uri)
            .header("x-token", "t")
            .body(Body::empty())
            .unwrap()
    };
    let doc = send(with_token("/guarded?a=1")).await;
    assert!(doc.body.contains("/guarded?a=1 7"), "{}", doc.body);
    let props = send(with_token(&props_url(BUILD, "/guarded?a=1"))).await;
    assert_eq!(
        props.json()["props"]["text"],
        "/guarded?a=1 7",
        "never the props URL"
    );
    let (doc, props) = both("/guarded").await;
    for reply in [&doc, &props] {
        assert_eq!(reply.status, 401);
        assert_eq!(
            reply.headers[header::WWW_AUTHENTICATE],
            "Bearer",
            "the rejection's headers stay"
        );
    }
    assert!(
        doc.body.contains("401"),
        "the app's error page: {}",
        doc.body
    );
    // A rejection that redirects (to a login page) is the kit's redirect:
    // a 303 document, a JSON redirect the browser follows client-side.
    let (doc, props) = both("/guarded?login").await;
    assert_eq!(doc.status, StatusCode::SEE_OTHER);
    assert_eq!(doc.headers[header::LOCATION], "/login");
    assert_eq!(props.status, 200);
    assert_eq!(
        props.json()["redirect"],
        serde_json::json!({"destination": "/login", "status": 303})
    );
}

#[tokio::test]
async fn form_and_json_bodies_fail_with_400_413_and_415() {
    let form = "application/x-www-form-urlencoded";
    let ok = post("/form", form, "name=ada&count=2").await;
    assert_eq!(ok.status, 200);
    assert!(ok.body.contains("ada 2 by POST"), "{}", ok.body);
    let put = send(
        Request::put("/form")
            .header(header::CONTENT_TYPE, form)
            .body(Body::from("name=b&count=3"))
            .unwrap(),
    )
    .await;
    assert!(put.body.contains("b 3 by PUT"), "{}", put.body);
    let redirect = post("/form", form, "name=bye&count=1").await;
    assert_eq!(redirect.status, StatusCode::SEE_OTHER);
    assert_eq!(redirect.headers[header::LOCATION], "/query?page=1");

    assert_eq!(post("/form", form, "name=ada&count=many").await.status, 400);
    assert_eq!(post("/form", form, "name=ada").await.status, 400);
    let long = format!("name={}&count=1", "a".repeat(100));
    let too_large = post("/form", form, long).await;
    assert_eq!(too_large.status, 413);
    assert!(
        too_large.body.contains("413"),
        "the error page: {}",
        too_large.body
    );
    let chunked =
        Body::from_stream(stream::iter((0..10).map(|_| {
            Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"name=aaaaaaaaaa"))
        })));
    assert_eq!(post("/form", form, chunked).await.status, 413);
    assert_eq!(
        post("/form", "text/plain", "name=ada&count=2").await.status,
        415
    );
    assert_eq!(
        post("/form", "application/json", r#"{"name":"a"}"#)
            .await
            .status,
        415
    );

    let json = post("/json", "application/json", r#"{"name":"ada","count":4}"#).await;
    assert!(json.body.contains("ada 4"), "{}", json.body);
    assert_eq!(post("/json", "application/json", "{").await.status, 400);
    assert_eq!(
        post("/json", "application/json", r#"{"name":1}"#)
            .await
            .status,
        400
    );
    assert_eq!(post("/json", form, "name=ada&count=1").await.status, 415);
}

#[tokio::test]
async fn writes_from_other_sites_are_refused_with_403_before_any_loader_runs() {
    let before = CLOSED_RUNS.load(Ordering::SeqCst);
    let write = |origin: Option<&str>, fetch_site: Option<&str>| {
        let mut request = Request::post("/form")
            .header(header::HOST, "app.example")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        if let Some(site) = fetch_site {
            request = request.header("sec-fetch-site", site);
        }
        request.body(Body::from("name=ada&count=1")).unwrap()
    };
    for (origin, site) in [
        (Some("https://evil.example"), None),
        (Some("null"), None),
        (Some("https://app.example.evil.example"), Some("cross-site")),
        (None, Some("cross-site")),
    ] {
        let reply = send(write(origin, site)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{origin:?} {site:?}");
        assert!(reply.body.contains("403"), "the app's error page");
    }
    for (origin, site) in [
        (Some("https://app.example"), Some("same-origin")),
        (None, Some("same-origin")),
        (None, None),
    ] {
        let reply = send(write(origin, site)).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{origin:?} {site:?}: {}",
            reply.body
        );
    }
    // Reads from anywhere pass; a refused write ran no loader.
    let read = Request::get("/repos/x/1")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(read).await.status, StatusCode::OK);
    let refused = Request::post("/closed")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(refused).await.status, StatusCode::FORBIDDEN);
    assert_eq!(CLOSED_RUNS.load(Ordering::SeqCst), before);
}

#[tokio::test]
async fn a_loader_that_reads_no_body_never_polls_it() {
    let polled = stream::poll_fn(|_| {
        NEVER_READ.fetch_add(1, Ordering::SeqCst);
        std::task::Poll::Ready(Some(Err::<bytes::Bytes, _>(std::io::Error::other("read"))))
    });
    let reply = post("/ignores-body", "text/plain", Body::from_stream(polled)).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert_eq!(NEVER_READ.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn methods_a_page_does_not_accept_are_405() {
    let delete = send(Request::delete("/form").body(Body::empty()).unwrap()).await;
    assert_eq!(delete.status, StatusCode::METHOD_NOT_ALLOWED);
    let put = send(Request::put("/json").body(Body::empty()).unwrap()).await;
    assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);
    let post_static = send(Request::post("/").body(Body::empty()).unwrap()).await;
    assert_eq!(post_static.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn layout_data_travels_with_every_document_and_props_answer() {
    let request = |uri: &str| {
        Request::get(uri)
            .header("x-name", "ada")
            .body(Body::empty())
            .unwrap()
    };
    // A page without a loader: the layout runs for its document.
    let home = send(request("/")).await;
    assert!(
        home.body.contains("<span id=\"visitor\">ada</span>"),
        "{}",
        home.body
    );
    assert!(
        home.body.contains(r#""layout":{"name":"ada"}"#),
        "{}",
        home.body
    );
    let doc = send(request("/repos/x/1")).await;
    assert!(
        doc.body.contains(r#""layout":{"name":"ada"}"#),
        "{}",
        doc.body
    );
    let props = send(request(&props_url(BUILD, "/repos/x/1"))).await.json();
    assert_eq!(props["layout"], serde_json::json!({"name": "ada"}));
    // "Not found" renders in place with the header: its answer carries the layout too.
    let missing = send(request(&props_url(BUILD, "/repos/x/0"))).await.json();
    assert_eq!(missing["notFound"], true);
    assert_eq!(missing["layout"], serde_json::json!({"name": "ada"}));
    assert_eq!(props["props"]["text"], "x#1");
    // The stricter Cache-Control of the two wins.
    let (doc, props) = both("/repos/x/1").await;
    assert_eq!(
        doc.headers[header::CACHE_CONTROL],
        server_props::protocol::DEFAULT_CACHE_CONTROL
    );
    assert_eq!(props.json()["layout"]["name"], "anonymous");
    // The layout's early exit wins over the page, with the layout's head only.
    let (doc, props) = both("/closed").await;
    assert_eq!(doc.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(doc.headers[header::LOCATION], "/query?page=9");
    assert!(
        doc.headers.get(header::SET_COOKIE).is_none(),
        "no page cookie"
    );
    assert_eq!(props.json()["redirect"]["destination"], "/query?page=9");
    // A write runs only if the layout lets it: the page's loader never runs.
    let before = CLOSED_RUNS.load(Ordering::SeqCst);
    let post = post("/closed", "application/x-www-form-urlencoded", "a=1").await;
    // The redirect answering a write is a 303, so the form is not re-posted.
    assert_eq!(post.status, StatusCode::SEE_OTHER);
    assert_eq!(CLOSED_RUNS.load(Ordering::SeqCst), before);
}

// --- start-up checks ------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct TwoParams {
    owner: String,
    name: String,
}

#[page("/two/:owner")]
pub fn MissingField(props: Text) -> impl IntoView {
    text(props)
}

#[loader(MissingField)]
async fn load_missing_field(Params(p): Params<TwoParams>) -> LoaderResult<Text> {
    done(p.owner + &p.name)
}

#[page("/two/:owner/:name/:tab")]
pub fn ExtraParam(props: Text) -> impl IntoView {
    text(props)
}

#[loader(ExtraParam)]
async fn load_extra_param(Params(p): Params<TwoParams>) -> LoaderResult<Text> {
    done(p.owner + &p.name)
}

#[test]
#[should_panic(
    expected = "page `loaders::MissingField`: the params type `loaders::TwoParams` has a field `name` that the path `/two/:owner` does not have"
)]
fn a_params_field_the_path_lacks_fails_at_start_up() {
    let _ = Pages::new().page::<MissingField>();
}

#[test]
#[should_panic(
    expected = "page `loaders::ExtraParam`: the path `/two/:owner/:name/:tab` has a param `tab` that the params type `loaders::TwoParams` does not take"
)]
fn a_path_param_the_type_lacks_fails_at_start_up() {
    let _ = Pages::new().page::<ExtraParam>();
}

#[page("/named/:owner")]
pub fn ReadsOwner(props: Text) -> impl IntoView {
    text(props)
}

#[loader(ReadsOwner)]
async fn load_reads_owner(#[param] owner: String) -> LoaderResult<Text> {
    done(owner)
}

#[test]
#[should_panic(
    expected = "page `loaders::ReadsOwner`: its loader reads the param `owner`, which the path `/named/:who` does not have"
)]
fn a_param_the_loader_reads_is_checked_against_every_path_it_is_added_at() {
    let _ = Pages::new().page_at::<ReadsOwner>("/named/:who");
}

#[test]
#[should_panic(expected = "serves every path, so its loader reads no route params")]
fn a_layout_that_reads_params_fails_at_start_up() {
    #[derive(Debug)]
    pub struct BadLayout;
    impl Layout for BadLayout {
        type Data = Visitor;
    }
    impl server_props::Loader for BadLayout {
        type Props = Visitor;
        type State = ();
        type Params = TwoParams;
        async fn load(_: &mut LoaderContext<()>) -> LoaderResult<Visitor> {
            Err(NotFound)?
        }
    }
    let _ = Pages::new().layout::<BadLayout>();
}

/// The 404 document of a URL no page serves runs the layout's loader with
/// the router's state; given a state the layout cannot take, it is still
/// a 404 (without the layout's data), never a 500.
#[tokio::test]
async fn the_404_of_an_unknown_url_runs_the_layout_with_the_routers_state() {
    let options = LeptosOptions::builder().output_name("kit-test").build();
    let props = ServerProps::builder(&PAGES, options, common::shell(&PAGES))
        .build_id(BUILD)
        .dev_errors(false)
        .build();
    let request = || {
        Request::builder()
            .uri("/no/such/page")
            .header("x-name", "ada")
            .body(Body::empty())
            .unwrap()
    };
    let answer = props.clone().not_found(7u32, request()).await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    let body = answer.into_body().collect().await.unwrap().to_bytes();
    let body = String::from_utf8(body.to_vec()).unwrap();
    assert!(body.contains(r#""layout":{"name":"ada"}"#), "{body}");

    let answer = props.not_found((), request()).await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND, "not a 500");
    let body = answer.into_body().collect().await.unwrap().to_bytes();
    let body = String::from_utf8(body.to_vec()).unwrap();
    assert!(!body.contains(r#""layout""#), "no layout data: {body}");
}
