//! The kit's server half on a small app of its own, without a socket: what a
//! loader sets reaches both responses, failures are logged with the path,
//! and a page that panics while rendering gives a 500 while the server keeps
//! serving.

#![cfg(feature = "ssr")]

mod common;

use axum::{body::Body, Router};
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_props::{
    protocol::props_url, Loader, LoaderContext, LoaderError, LoaderResult, Page, Pages,
    ServerProps, ServerPropsRouter,
};
use std::sync::{Arc, LazyLock, Mutex};
use tower::ServiceExt;
use tracing_subscriber::fmt::format::FmtSpan;

#[derive(Serialize, Deserialize)]
struct Message {
    text: String,
}

struct Created;

impl Page for Created {
    type Props = Message;
    fn view(props: Message) -> impl IntoView {
        view! { <p id="text">{props.text}</p> }
    }
}

impl Loader for Created {
    type Props = Message;
    type State = ();
    type Params = ();
    async fn load(cx: &mut LoaderContext<()>) -> LoaderResult<Message> {
        cx.response().set_status(StatusCode::CREATED).insert_header(
            http::HeaderName::from_static("x-kit-test"),
            http::HeaderValue::from_static("yes"),
        );
        cx.response()
            .set_cookie(&server_props::cookie::Cookie::new("made", "1"))?;
        Ok(Message {
            text: format!("made by {}", cx.method()),
        })
    }
}

struct Failing;

impl Page for Failing {
    type Props = Message;
    fn view(props: Message) -> impl IntoView {
        props.text
    }
}

impl Loader for Failing {
    type Props = Message;
    type State = ();
    type Params = ();
    async fn load(cx: &mut LoaderContext<()>) -> LoaderResult<Message> {
        cx.response().set_cache_control("public, s-maxage=60")?;
        Err(LoaderError::internal("secret database password rejected"))
    }
}

struct Exploding;

impl Page for Exploding {
    type Props = Message;
    fn view(props: Message) -> impl IntoView {
        if props.text.is_empty() {
            panic!("the view exploded");
        }
        props.text
    }
}

impl Loader for Exploding {
    type Props = Message;
    type State = ();
    type Params = ();
    async fn load(_: &mut LoaderContext<()>) -> LoaderResult<Message> {
        Ok(Message {
            text: String::new(),
        })
    }
}

static PAGES: LazyLock<Pages> = LazyLock::new(|| {
    Pages::new()
        .static_page("/", || view! { <p>"home"</p> })
        .page_at::<Created>("/created")
        .page_at::<Failing>("/failing")
        .page_at::<Exploding>("/exploding")
});

fn app() -> Router {
    let options = LeptosOptions::builder().output_name("kit-test").build();
    let props = ServerProps::builder(&PAGES, options, common::shell(&PAGES))
        .build_id("b")
        .dev_errors(false)
        .build();
    Router::new().server_props(&props)
}

/// The app with development mode left to its default, in Leptos's `env`.
fn app_in(env: leptos::config::Env) -> Router {
    let options = LeptosOptions::builder()
        .output_name("kit-test")
        .env(env)
        .build();
    let props = ServerProps::builder(&PAGES, options, common::shell(&PAGES))
        .build_id("b")
        .build();
    Router::new().server_props(&props)
}

async fn send(method: &str, uri: &str) -> (StatusCode, http::HeaderMap, String) {
    send_to(app(), method, uri).await
}

async fn send_to(app: Router, method: &str, uri: &str) -> (StatusCode, http::HeaderMap, String) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

#[tokio::test]
async fn status_headers_and_cookies_from_the_loader_reach_both_responses() {
    for uri in ["/created".to_owned(), props_url("b", "/created")] {
        let (status, headers, body) = send("GET", &uri).await;
        assert_eq!(status, StatusCode::CREATED, "{uri}");
        assert_eq!(headers["x-kit-test"], "yes");
        assert_eq!(
            headers["set-cookie"],
            "made=1; HttpOnly; SameSite=Lax; Path=/"
        );
        assert_eq!(
            headers["cache-control"],
            server_props::protocol::DEFAULT_CACHE_CONTROL
        );
        assert!(body.contains("made by GET"), "{body}");
    }
    let (status, _, body) = send("POST", "/created").await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(body.contains("<p id=\"text\">made by POST</p>"), "{body}");
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// This thread's logs, and span events as `spans` says, captured until
    /// the guard is dropped.
    fn logs(spans: FmtSpan) -> (Self, tracing::subscriber::DefaultGuard) {
        let captured = Self::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_span_events(spans)
            .finish();
        (captured, tracing::subscriber::set_default(subscriber))
    }

    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_failing_loader_is_logged_with_its_path_and_hidden_from_the_client() {
    let (captured, _guard) = Captured::logs(FmtSpan::NONE);
    let (status, headers, body) = send("GET", "/failing?x=1").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    // The loader asked for a shared cache, but an error page must not be cached.
    assert_eq!(
        headers["cache-control"],
        server_props::protocol::DEFAULT_CACHE_CONTROL
    );
    let (_, headers, _) = send("GET", &props_url("b", "/failing")).await;
    assert_eq!(
        headers["cache-control"],
        server_props::protocol::DEFAULT_CACHE_CONTROL
    );
    assert!(!body.contains("secret"), "internal detail leaked: {body}");
    let log = captured.text();
    assert!(log.contains("path=\"/failing?x=1\""), "{log}");
    assert!(log.contains("secret database password rejected"), "{log}");
}

#[tokio::test]
async fn a_view_that_panics_gives_500_and_the_server_keeps_serving() {
    for _ in 0..2 {
        let (status, _, body) = send("GET", "/exploding").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body.contains("Internal Server Error"), "{body}");
        assert!(!body.contains("exploded"));
        let (status, _, _) = send("GET", "/").await;
        assert_eq!(status, StatusCode::OK);
    }
}

/// A debug build (as `cargo leptos watch`'s server is) in the `DEV` env.
#[cfg(debug_assertions)]
#[tokio::test]
async fn development_mode_is_on_by_default_in_a_debug_build_in_the_dev_env_only() {
    let line = include_str!("server.rs")
        .lines()
        .position(|l| l.contains(r#"panic!("the view exploded")"#))
        .unwrap()
        + 1;
    let (status, _, body) = send_to(app_in(leptos::config::Env::DEV), "GET", "/exploding").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.contains(r#"id="server-props-dev-overlay""#), "{body}");
    assert!(
        body.contains("rendering panicked: the view exploded"),
        "{body}"
    );
    // Where the view panicked, and which request.
    assert!(
        body.contains(&format!("kit/tests/server.rs:{line}:")),
        "{body}"
    );
    assert!(body.contains("GET /exploding"), "{body}");
    // A loader's error: located at the `LoaderError` constructor's call.
    let (_, _, body) = send_to(
        app_in(leptos::config::Env::DEV),
        "GET",
        &props_url("b", "/failing"),
    )
    .await;
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let location = json["dev"]["location"].as_str().unwrap();
    assert!(location.starts_with("kit/tests/server.rs:"), "{json}");
    assert_eq!(json["dev"]["page"], "/failing");
    // In the production env: nothing.
    for uri in ["/exploding".to_owned(), props_url("b", "/failing")] {
        let (_, _, body) = send_to(app_in(leptos::config::Env::PROD), "GET", &uri).await;
        assert!(!body.contains("server-props-dev-overlay"), "{body}");
        assert!(
            !body.contains("exploded") && !body.contains("secret"),
            "{body}"
        );
        assert!(!body.contains("\"dev\""), "{body}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn each_request_has_a_span_with_its_page_outcome_status_and_size() {
    let (captured, _guard) = Captured::logs(FmtSpan::CLOSE);
    let (_, headers, _) = send("GET", "/failing?x=1").await;
    let length = headers["content-length"].to_str().unwrap().to_owned();
    send("GET", &props_url("b", "/created")).await;
    send("GET", &props_url("b", "/nowhere")).await;
    let log = captured.text();
    let closed = |needle: &str| {
        log.lines()
            .find(|l| {
                // The request span's own close, not a child's.
                l.contains("server_props.request{")
                    && !l.contains("}:server_props.")
                    && l.contains(needle)
                    && l.contains("close")
            })
            .unwrap_or_else(|| panic!("no closed request span with {needle}:\n{log}"))
            .to_owned()
    };
    let failing = closed("path=/failing");
    for field in [
        "otel.name=\"GET /failing\"",
        "method=GET",
        "format=\"document\"",
        "page=\"/failing\"",
        "outcome=\"error\"",
        "status=500",
        &format!("bytes={length}"),
    ] {
        assert!(failing.contains(field), "{field} in {failing}");
    }
    // The loader and the render ran in child spans of the request.
    assert!(
        log.lines()
            .any(|l| l.contains("server_props.run{otel.name=\"loader\"")
                && l.contains("path=/failing")),
        "{log}"
    );
    assert!(log
        .lines()
        .any(|l| l.contains("server_props.render") && l.contains("path=/failing")));
    let created = closed("format=\"props\"");
    assert!(created.contains("page=\"/created\"") && created.contains("outcome=\"props\""));
    assert!(created.contains("status=201"), "{created}");
    let nowhere = closed("path=/_props/b/nowhere.json");
    assert!(nowhere.contains("outcome=\"not_found\"") && nowhere.contains("status=404"));
}
