//! Deferred props through the whole server: several values finishing out
//! of the page's order, one shown twice and one not shown at all; a value
//! whose view panics or changes what was sent already; development mode's
//! messages; and, over a real socket, the `Server-Timing` trailer and a
//! client that goes away while the answer waits.

#![cfg(feature = "server")]

mod common;

use axum::{body::Body, Router};
use http_body_util::BodyExt;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use server_props::{
    loader, page, testing::TestClient, Deferred, LoaderContext, LoaderError, LoaderResult, Pages,
    ServerProps, ServerPropsRouter,
};
use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        LazyLock,
    },
    time::Duration,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A value after `ms` milliseconds.
fn after<T: Serialize + Send + 'static>(ms: u64, value: T) -> Deferred<T> {
    Deferred::new(async move {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        Ok::<_, LoaderError>(value)
    })
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ManyProps {
    first: Deferred<String>,
    second: Deferred<String>,
    hidden: Deferred<String>,
}

fn shown(value: &Deferred<String>, class: &'static str) -> impl IntoView {
    value.show(
        move || view! { <i class=class>"…"</i> },
        move |v| view! { <b class=class>{v}</b> },
        move |e| view! { <em class=class>{e}</em> },
    )
}

/// Three values: `first` (shown twice), `second`, and `hidden` (not shown).
#[page("/many")]
pub fn Many(props: ManyProps) -> impl IntoView {
    view! {
        <h1>"Many"</h1>
        {shown(&props.first, "first")}
        <p>"between"</p>
        {shown(&props.second, "second")}
        {shown(&props.first, "again")}
        <p>"end"</p>
    }
}

/// `second` is ready first, `hidden` last.
#[loader(Many)]
async fn load_many() -> LoaderResult<ManyProps> {
    Ok(ManyProps {
        first: after(120, "one".to_owned()),
        second: after(20, "two".to_owned()),
        hidden: after(200, "three".to_owned()),
    })
}

#[derive(Debug, Serialize, Deserialize)]
pub struct OddProps {
    value: Deferred<String>,
}

/// `?panic`: the value's view panics; `?title`: it sets the page's title
/// (which was sent long before); `?fail`: the value fails.
#[page("/odd")]
pub fn Odd(props: OddProps) -> impl IntoView {
    view! {
        <h1>"Odd"</h1>
        {props.value.show(
            || view! { <i>"waiting"</i> },
            |v| {
                if v == "panic" {
                    panic!("the value's view panicked");
                }
                let title = (v == "title").then(|| view! { <Title text="changed"/> });
                view! { {title} <b class="value">{v}</b> }
            },
            |e| view! { <em class="failed">{e}</em> },
        )}
        <p>"after"</p>
    }
}

#[loader(Odd)]
async fn load_odd(cx: &LoaderContext<()>) -> LoaderResult<OddProps> {
    let what = cx.query_value("what").unwrap_or("plain").to_owned();
    let value = if what == "fail" {
        Deferred::new(async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Err::<String, _>(LoaderError::internal("the service said no"))
        })
    } else {
        after(20, what)
    };
    Ok(OddProps { value })
}

static STARTED: AtomicUsize = AtomicUsize::new(0);
static DROPPED: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, Serialize, Deserialize)]
pub struct SlowProps {
    value: Deferred<u8>,
}

#[page("/slow")]
pub fn Slow(props: SlowProps) -> impl IntoView {
    view! { <h1>"Slow"</h1> {props.value.show(|| "…", |v| v.to_string(), |e| e)} }
}

#[loader(Slow)]
async fn load_slow(cx: &LoaderContext<()>) -> LoaderResult<SlowProps> {
    let ms: u64 = cx
        .query_value("ms")
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(5000);
    Ok(SlowProps {
        value: Deferred::new(async move {
            // Counts every end of the future, finished or dropped: the test
            // reads the count before the run it watches.
            let _ended = common::CountDrop(&DROPPED);
            STARTED.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok::<_, LoaderError>(7)
        }),
    })
}

static KEPT_RUNS: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, Serialize, Deserialize)]
pub struct KeptProps {
    run: usize,
    value: Deferred<usize>,
}

/// Shared for a minute: the shared cache keeps its complete answer.
#[page("/kept")]
pub fn Kept(props: KeptProps) -> impl IntoView {
    view! { <h1>"Run " {props.run}</h1> {props.value.show(|| 0, |v| v, |_| 0)} }
}

#[loader(Kept)]
async fn load_kept(cx: &LoaderContext<()>) -> LoaderResult<KeptProps> {
    cx.response().set_cache_control("public, s-maxage=60")?;
    let run = KEPT_RUNS.fetch_add(1, Ordering::SeqCst) + 1;
    Ok(KeptProps {
        run,
        value: after(150, run * 10),
    })
}

static PAGES: LazyLock<Pages> = LazyLock::new(|| {
    Pages::new()
        .page::<Many>()
        .page::<Odd>()
        .page::<Slow>()
        .page::<Kept>()
});

/// The tests' shell, with leptos_meta's tags in `<head>`.
fn shell(_: LeptosOptions) -> AnyView {
    view! {
        <!DOCTYPE html>
        <html>
            <head><leptos_meta::MetaTags/></head>
            <body>
                <leptos_router::components::Router>
                    <server_props::PageRoutes pages=&PAGES/>
                </leptos_router::components::Router>
            </body>
        </html>
    }
    .into_any()
}

fn props(dev: bool) -> ServerProps {
    let options = LeptosOptions::builder().output_name("kit-test").build();
    ServerProps::builder(&PAGES, options, shell)
        .build_id("b")
        .dev_errors(dev)
        .build()
}

fn client(dev: bool) -> TestClient {
    TestClient::for_router(Router::new().server_props(&props(dev)), "b")
}

/// The data frames of a body as they come, as text.
async fn frames(body: Body) -> Vec<String> {
    let mut body = body;
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            out.push(String::from_utf8(data.to_vec()).unwrap());
        }
    }
    out
}

#[tokio::test]
async fn values_go_in_the_pages_order_whatever_order_they_finish_in() {
    let client = client(false);
    let request = http::Request::get("/many").body(Body::empty()).unwrap();
    let response = client.stream(request).await;
    let frames = frames(response.into_body()).await;
    let document = frames.concat();
    // The first stretch ends at `first`'s marker, though `second` is ready
    // first: the page is sent in order.
    assert!(frames[0].contains("<h1>Many</h1>"), "{frames:?}");
    assert!(
        frames[0].ends_with("<template data-deferred=\"0\"></template>"),
        "{frames:?}"
    );
    assert!(
        !frames.concat().contains("<i class="),
        "no fallback sent: {document}"
    );
    for shown in [
        r#"<b class="first">one</b>"#,
        r#"<b class="second">two</b>"#,
        r#"<b class="again">one</b>"#,
    ] {
        assert_eq!(document.matches(shown).count(), 1, "{shown} in {document}");
    }
    let (one, two, again) = (
        document.find("\"first\">one").unwrap(),
        document.find("\"second\">two").unwrap(),
        document.find("\"again\">one").unwrap(),
    );
    assert!(one < two && two < again, "{document}");
    // `hidden` is on no page but the document waits for it: its outcome
    // is in the values' script with the others.
    assert!(
        document.contains(r#"{"0":{"ok":"one"},"1":{"ok":"two"},"2":{"ok":"three"}}"#),
        "{document}"
    );
    assert!(document.ends_with("</body></html>"), "{document}");
    assert_eq!(document.matches("<h1>Many</h1>").count(), 1);
}

#[tokio::test]
async fn a_view_that_panics_shows_the_value_failed_and_the_document_ends() {
    let client = client(false);
    let doc = client.get("/odd?what=panic").await;
    assert_eq!(doc.status, 200);
    assert!(
        doc.body
            .contains(r#"<em class="failed">Internal Server Error</em>"#),
        "{}",
        doc.body
    );
    assert!(doc.body.contains("<p>after</p>"), "{}", doc.body);
    assert!(
        doc.body
            .contains(r#"{"0":{"error":"Internal Server Error"}}"#),
        "what hydration renders is what the HTML shows: {}",
        doc.body
    );
    assert!(doc.body.ends_with("</html>"));
}

#[tokio::test]
async fn a_value_that_changes_what_was_sent_ends_the_document_as_it_was() {
    let client = client(false);
    let doc = client.get("/odd?what=title").await;
    assert_eq!(doc.status, 200);
    let body = &doc.body;
    // Nothing sent twice or cut: the render that changed the head is not
    // used; the page ends as it was, with the outcomes it was rendered
    // with (none), so that hydration renders the same.
    assert_eq!(body.matches("<h1>Odd</h1>").count(), 1, "{body}");
    assert!(!body.contains("class=\"value\""), "{body}");
    assert!(body.contains("<i>waiting</i><p>after</p>"), "{body}");
    assert!(
        body.contains(r#"type="application/json">{}</script>"#),
        "{body}"
    );
    assert!(body.ends_with("</body></html>"), "{body}");
}

#[tokio::test]
async fn development_mode_shows_the_failures_message_and_production_its_reason() {
    let doc = client(true).get("/odd?what=fail").await;
    assert!(
        doc.body
            .contains(r#"<em class="failed">the service said no</em>"#),
        "{}",
        doc.body
    );
    let doc = client(false).get("/odd?what=fail").await;
    assert!(
        doc.body
            .contains(r#"<em class="failed">Internal Server Error</em>"#),
        "{}",
        doc.body
    );
    assert!(!doc.body.contains("the service said no"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_the_deferred_time_is_a_trailer_and_a_client_that_leaves_stops_the_work() {
    let served = common::Served::start(Router::new().server_props(&props(false))).await;
    let addr = served.addr;

    // A client that asks for trailers gets `Server-Timing` after the body.
    for path in ["/slow?ms=80", "/_props/b/slow.json?ms=80"] {
        let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nTE: trailers\r\nConnection: close\r\n\r\n"
        );
        client.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        client.read_to_string(&mut answer).await.unwrap();
        let lower = answer.to_ascii_lowercase();
        assert!(lower.contains("\r\ntrailer: server-timing\r\n"), "{answer}");
        assert!(
            lower.contains("\r\ntransfer-encoding: chunked\r\n"),
            "{answer}"
        );
        let last_chunk = lower.rfind("\r\n0\r\n").expect("the last chunk");
        let trailer = &lower[last_chunk..];
        let dur: f64 = trailer
            .split("server-timing: deferred;dur=")
            .nth(1)
            .unwrap_or_else(|| panic!("{path}: no trailer in {answer}"))
            .split("\r\n")
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(dur >= 80.0, "{path}: {trailer}");
    }

    // A client that goes away while the answer waits for its value.
    let dropped = DROPPED.load(Ordering::SeqCst);
    let started = STARTED.load(Ordering::SeqCst);
    let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET /slow?ms=5000 HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    client.write_all(request.as_bytes()).await.unwrap();
    let mut first = vec![0; 4096];
    let n = client.read(&mut first).await.unwrap();
    assert!(String::from_utf8_lossy(&first[..n]).contains("200 OK"));
    assert_eq!(STARTED.load(Ordering::SeqCst), started + 1);
    drop(client);
    for _ in 0..200 {
        if DROPPED.load(Ordering::SeqCst) > dropped {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        DROPPED.load(Ordering::SeqCst),
        dropped + 1,
        "the value's future was dropped"
    );

    served.stop().await;
}

#[tokio::test]
async fn the_shared_cache_keeps_the_complete_answer_and_its_waiters_get_it() {
    use server_props::cache::{CacheConfig, CacheLayer};
    let router = Router::new()
        .server_props(&props(false))
        .layer(CacheLayer::new("b", &CacheConfig::default()));
    let client = std::sync::Arc::new(TestClient::for_router(router, "b"));
    let get = |uri: &str| http::Request::get(uri).body(Body::empty()).unwrap();
    for uri in ["/kept", "/_props/b/kept.json"] {
        let runs = KEPT_RUNS.load(Ordering::SeqCst);
        // The first client gets the answer in parts, as it is sent.
        let first = client.stream(get(uri)).await;
        assert_eq!(first.headers()["x-cache"], "MISS");
        let mut body = first.into_body();
        let start = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert!(!start.is_empty());
        // A second client meanwhile waits for it rather than asking the app.
        let second = tokio::spawn({
            let client = client.clone();
            let request = get(uri);
            async move {
                let response = client.stream(request).await;
                let cache = response.headers()["x-cache"].to_str().unwrap().to_owned();
                let bytes = response.into_body().collect().await.unwrap().to_bytes();
                (cache, bytes)
            }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let mut whole = start.to_vec();
        whole.extend_from_slice(&body.collect().await.unwrap().to_bytes());
        let (cache, kept) = second.await.unwrap();
        assert_eq!(cache, "HIT", "{uri}");
        assert_eq!(
            kept, whole,
            "{uri}: the complete answer, as the first client got it"
        );
        let text = String::from_utf8(whole).unwrap();
        assert!(
            text.contains(&format!("{}", (runs + 1) * 10)),
            "{uri}: {text}"
        );
        // And the next one too; the loader ran once.
        let third = client.send(get(uri)).await;
        assert_eq!(
            (third.header("x-cache"), third.body.as_str()),
            (Some("HIT"), text.as_str())
        );
        assert!(third.header("trailer").is_none(), "{uri}: replayed whole");
        assert_eq!(KEPT_RUNS.load(Ordering::SeqCst), runs + 1, "{uri}");
    }
}
