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
    app::AppServer, loader, page, testing::TestClient, Layout, LoaderContext, LoaderResult, Pages,
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

/// A long, shared-cacheable list: worth compressing and keeping.
#[page("/list")]
pub fn ListPage(items: Vec<String>) -> impl IntoView {
    view! { <ul>{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul> }
}

#[loader(ListPage)]
async fn load_list(cx: &LoaderContext<&'static str>) -> LoaderResult<Vec<String>> {
    cx.response().set_cache_control("public, s-maxage=60")?;
    Ok((0..200)
        .map(|i| format!("item {i}, with some text to make it realistic"))
        .collect())
}

/// The app's state, as a loader reads it.
#[page("/state")]
pub fn StatePage(state: String) -> impl IntoView {
    view! { <p id="state">{state}</p> }
}

#[loader(StatePage)]
async fn load_state(cx: &LoaderContext<&'static str>) -> LoaderResult<String> {
    Ok((*cx.state()).to_owned())
}

/// The app's layout: its loader reads the state too, for every document,
/// the 404 page's included.
#[derive(Debug)]
pub struct Frame;

impl Layout for Frame {
    type Data = String;
}

#[loader(Frame)]
async fn load_frame(cx: &LoaderContext<&'static str>) -> LoaderResult<String> {
    Ok((*cx.state()).to_owned())
}

static PAGES: LazyLock<Pages> = LazyLock::new(|| {
    Pages::new()
        .page::<VisitsPage>()
        .page::<ListPage>()
        .page::<StatePage>()
        .layout::<Frame>()
});

/// A site root with a few files, and a secret beside it, in cargo's
/// temporary directory for integration tests (inside `target/`, so nothing
/// is left behind in the system's). Written once per process; each file is
/// written beside its place and renamed into it, so a run in another
/// process never reads a half-written file.
fn site_root() -> String {
    static ROOT: LazyLock<String> = LazyLock::new(|| {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("app_server_site");
        let root = dir.join("site");
        std::fs::create_dir_all(root.join("pkg")).unwrap();
        let write = |path: std::path::PathBuf, contents: &[u8]| {
            let partial = path.with_extension(format!("partial-{}", std::process::id()));
            std::fs::write(&partial, contents).unwrap();
            std::fs::rename(&partial, &path).unwrap();
        };
        write(root.join("pkg/app.js"), b"console.log(1)");
        // A stylesheet worth compressing, and its build-time brotli twin
        // (its bytes stand in for real brotli: the server sends them as
        // they are).
        write(
            root.join("pkg/app.css"),
            "body { color: red; }\n".repeat(100).as_bytes(),
        );
        write(root.join("pkg/app.css.br"), b"PRECOMPRESSED");
        write(dir.join("secret.txt"), b"TOP SECRET");
        root.to_string_lossy().into_owned()
    });
    ROOT.clone()
}

fn client() -> TestClient {
    TestClient::new(&built(false))
}

/// The Leptos options of the test site.
fn options(hash_files: bool) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("app")
        .site_root(site_root())
        .hash_files(hash_files)
        .build()
}

fn built(hash_files: bool) -> server_props::app::BuiltApp {
    AppServer::new(&PAGES, common::shell(&PAGES))
        .options(options(hash_files))
        .state("the state")
        .max_body_bytes(16)
        .routes(|r: Router<&'static str>| {
            r.route(
                "/health",
                get(|state: axum::extract::State<&'static str>| async move { *state }),
            )
            // Reads its body whole: the limit applies to what it reads.
            .route(
                "/echo",
                axum::routing::post(|body: String| async move { body }),
            )
        })
        .layer(|r| r.layer(axum::middleware::map_response(mark("x-outer"))))
        .props(|p| p.build_id("b"))
        .build()
        .unwrap()
}

/// Marks each response with the header `name: 1` (for `map_response`).
fn mark(
    name: &'static str,
) -> impl Fn(axum::response::Response) -> std::future::Ready<axum::response::Response> + Clone {
    move |mut response| {
        response
            .headers_mut()
            .insert(name, http::HeaderValue::from_static("1"));
        std::future::ready(response)
    }
}

/// One request straight to the router: the body as bytes (compressed
/// bodies are no text).
async fn raw(
    app: &server_props::app::BuiltApp,
    uri: &str,
    accept_encoding: Option<&str>,
) -> (http::response::Parts, Vec<u8>) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut request = http::Request::builder()
        .uri(uri)
        .header("host", "test.local");
    if let Some(accept) = accept_encoding {
        request = request.header("accept-encoding", accept);
    }
    let response = app
        .router
        .clone()
        .oneshot(request.body(axum::body::Body::empty()).unwrap())
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    (parts, body.collect().await.unwrap().to_bytes().to_vec())
}

/// A body as text, without the CSP nonces (fresh on every render).
fn without_nonces(body: &[u8]) -> String {
    let text = String::from_utf8(body.to_vec()).expect("text");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("nonce=\"") {
        out.push_str(&rest[..at]);
        rest = &rest[at + 7..];
        rest = &rest[rest.find('"').map_or(rest.len(), |end| end + 1)..];
    }
    out.push_str(rest);
    out
}

fn decoded(parts: &http::response::Parts, bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    match parts
        .headers
        .get("content-encoding")
        .map(|v| v.to_str().unwrap())
    {
        Some("br") => {
            brotli::Decompressor::new(bytes, 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(bytes)
                .read_to_end(&mut out)
                .unwrap();
        }
        None => out = bytes.to_vec(),
        Some(other) => panic!("{other}"),
    }
    out
}

#[tokio::test]
async fn answers_are_compressed_as_asked_and_the_cache_keeps_each_encoding() {
    let app = built(false);
    let props = server_props::protocol::props_url("b", "/list");
    for uri in ["/list", props.as_str()] {
        let (identity, plain) = raw(&app, uri, None).await;
        assert_eq!(identity.status, 200, "{uri}");
        assert!(identity.headers.get("content-encoding").is_none(), "{uri}");
        assert!(plain.len() > 5000, "{uri}");
        for (accept, encoding, verdict) in [
            // A browser: both taken, gzip made (cheaper on the fly).
            ("gzip, deflate, br, zstd", "gzip", "MISS"),
            ("br", "br", "MISS"),
            ("gzip", "gzip", "MISS"),
            // Another spelling of what the browser takes: the same entry.
            ("x-gzip;q=1, br;q=0.5", "gzip", "HIT"),
            ("br;q=1", "br", "HIT"),
        ] {
            let (parts, bytes) = raw(&app, uri, Some(accept)).await;
            assert_eq!(
                parts.headers["content-encoding"], encoding,
                "{uri} {accept}"
            );
            assert_eq!(
                parts.headers["content-length"],
                bytes.len().to_string().as_str(),
                "{uri} {accept}"
            );
            assert!(
                bytes.len() * 4 < plain.len(),
                "{uri} {accept}: {}",
                bytes.len()
            );
            let vary: Vec<_> = parts.headers.get_all("vary").iter().collect();
            assert!(
                vary.iter()
                    .any(|v| v.to_str().unwrap().contains("accept-encoding")),
                "{uri}: {vary:?}"
            );
            // The same bytes once decoded, and every spelling that selects
            // the same encoding is a hit on one entry.
            assert_eq!(
                without_nonces(&decoded(&parts, &bytes)),
                without_nonces(&plain),
                "{uri} {accept}"
            );
            assert_eq!(parts.headers["x-cache"], verdict, "{uri} {accept}");
        }
        // Each encoding is its own entry, filled once.
        let (again, _) = raw(&app, uri, None).await;
        assert_eq!(again.headers["x-cache"], "HIT", "{uri}");
    }
}

/// An app built with hashed asset names, from `site_root`: `hashes` as
/// cargo-leptos's hash file beside the binary (here the test's), under a
/// name of its own (the kit keeps what it read by name), gone once built.
fn built_with_hashes<F, V>(site_root: String, hashes: &str, shell: F) -> server_props::app::BuiltApp
where
    F: Fn(LeptosOptions) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    static BUILDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let build = BUILDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let hash_file = format!(
        "server-props-test-hashes-{}-{build}.txt",
        std::process::id()
    );
    let exe_dir = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_owned();
    std::fs::write(exe_dir.join(&hash_file), hashes).unwrap();
    let app = AppServer::new(&PAGES, shell)
        .options(
            LeptosOptions::builder()
                .output_name("app")
                .site_root(site_root)
                .hash_files(true)
                .hash_file(std::sync::Arc::<str>::from(hash_file.as_str()))
                .build(),
        )
        .state("the state")
        .build()
        .unwrap();
    std::fs::remove_file(exe_dir.join(&hash_file)).unwrap();
    app
}

#[tokio::test]
async fn assets_come_precompressed_and_immutable_when_hashed() {
    // A build with hashed names, and the stylesheet under its hashed name.
    let pkg = std::path::Path::new(&site_root()).join("pkg");
    std::fs::copy(pkg.join("app.css"), pkg.join("app.C1.css")).unwrap();
    std::fs::copy(pkg.join("app.css.br"), pkg.join("app.C1.css.br")).unwrap();
    let hashed = built_with_hashes(
        site_root(),
        "js: J1\nwasm: W1\ncss: C1\n",
        common::shell(&PAGES),
    );
    for (app, path, cache_control) in [
        (&built(false), "/pkg/app.css", "no-cache"),
        (&hashed, "/pkg/app.C1.css", server_props::app::IMMUTABLE),
        // Not a name the build hashed: it may hold another build's file.
        (&hashed, "/pkg/app.css", "no-cache"),
    ] {
        let (parts, bytes) = raw(app, path, Some("gzip, br")).await;
        assert_eq!(parts.status, 200, "{path}");
        assert_eq!(parts.headers["content-encoding"], "br", "{path}");
        // Chosen by `Accept-Encoding`: a cache in front must know.
        assert_eq!(parts.headers["vary"], "accept-encoding", "{path}");
        assert_eq!(bytes, b"PRECOMPRESSED", "{path}");
        assert_eq!(parts.headers["cache-control"], cache_control, "{path}");
        // No twin for gzip: compressed on the fly, the same text.
        let (parts, bytes) = raw(app, path, Some("gzip")).await;
        assert_eq!(parts.headers["content-encoding"], "gzip", "{path}");
        assert_eq!(
            decoded(&parts, &bytes),
            "body { color: red; }\n".repeat(100).as_bytes()
        );
        let (parts, bytes) = raw(app, path, None).await;
        assert!(parts.headers.get("content-encoding").is_none(), "{path}");
        assert_eq!(bytes.len(), 2100, "{path}");
        assert_eq!(parts.headers["cache-control"], cache_control, "{path}");
        // Small files go as they are; a missing one is never immutable.
        let (parts, _) = raw(app, "/pkg/app.js", Some("br")).await;
        assert!(parts.headers.get("content-encoding").is_none());
        let (parts, _) = raw(app, "/pkg/app.J1.js", Some("br")).await;
        assert_eq!(parts.status, 404);
        assert_ne!(
            parts
                .headers
                .get("cache-control")
                .map(|v| v.to_str().unwrap()),
            Some(server_props::app::IMMUTABLE)
        );
    }
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
    // Refused inside the security headers' layer: the 413 has them too.
    assert_eq!(big.header("x-content-type-options"), Some("nosniff"));
    // A body of no announced length is cut at the limit as it is read.
    let chunks = futures::stream::iter(
        ["x=", "aaaaaaaa", "aaaaaaaa", "aaaaaaaa"].map(Ok::<_, std::io::Error>),
    );
    let chunked = client
        .send(
            axum::http::Request::post("/echo")
                .body(axum::body::Body::from_stream(chunks))
                .unwrap(),
        )
        .await;
    assert_eq!(chunked.status, 413, "{}", chunked.body);
    assert_eq!(chunked.header("x-content-type-options"), Some("nosniff"));
    let small = client
        .send(
            axum::http::Request::post("/echo")
                .body(axum::body::Body::from_stream(futures::stream::iter(
                    ["x=", "aaaa"].map(Ok::<_, std::io::Error>),
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(
        (small.status.as_u16(), small.body.as_str()),
        (200, "x=aaaa")
    );
    let health = client.get("/health").await;
    assert_eq!(health.body, "the state");
    assert_eq!(health.header("x-outer"), Some("1"));
    assert_eq!(health.header("x-content-type-options"), Some("nosniff"));
    let page = client.get("/visits").await;
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert!(page.header("content-security-policy").is_some());
}

/// `AppServer` mounts the pages without their state's type (compiled once,
/// in the kit) and gives them to the app's routes as its `Router<S>`: the
/// loaders still read the state it was given, and a route layer the app
/// adds there still wraps the pages.
#[tokio::test]
async fn loaders_read_the_state_and_the_apps_route_layers_wrap_the_pages() {
    let app = AppServer::new(&PAGES, common::shell(&PAGES))
        .options(options(false))
        .state("the state")
        .routes(|r: Router<&'static str>| {
            r.route_layer(axum::middleware::map_response(mark("x-route-layer")))
        })
        .props(|p| p.build_id("b"))
        .build()
        .unwrap();
    let client = TestClient::new(&app);
    let page = client.get("/state").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.embedded()["props"], "the state");
    assert_eq!(page.embedded()["layout"], "the state");
    assert_eq!(page.header("x-route-layer"), Some("1"));
    let props = client.props("/state").await;
    assert_eq!(props.json()["props"], "the state");
    assert_eq!(props.header("x-route-layer"), Some("1"));
    // The fallback (static files, the 404 page) is no route, and its
    // layout's loader reads the state as the pages' do.
    let missing = client.get("/nothing/here").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("x-route-layer"), None);
    assert_eq!(missing.embedded()["layout"], "the state");
}

/// What `build` refuses is reported at the app's own line, not inside the
/// kit: here a health check at a page's path.
#[test]
fn a_route_that_clashes_is_reported_at_the_apps_line() {
    use std::sync::{Arc, Mutex};
    let at: Arc<Mutex<Option<String>>> = Arc::default();
    let this = std::thread::current().id();
    let previous = std::panic::take_hook();
    std::panic::set_hook({
        let at = Arc::clone(&at);
        Box::new(move |info| {
            // Other tests run beside this one: only this thread's panic.
            if std::thread::current().id() == this {
                *at.lock().unwrap() = info.location().map(|l| l.file().to_owned());
            }
        })
    });
    let built = std::panic::catch_unwind(|| {
        AppServer::new(&PAGES, common::shell(&PAGES))
            .options(options(false))
            .state("the state")
            .health("/state")
            .build()
    });
    std::panic::set_hook(previous);
    assert!(built.is_err(), "a health check at a page's path was built");
    let file = at.lock().unwrap().clone().expect("a location");
    assert!(file.ends_with("app_server.rs"), "reported at {file}");
}

/// A state no loader takes is refused when the app is built, naming both
/// types, as the router extension refuses it.
#[test]
#[should_panic(expected = "wants state `&str`, but the router's state is `u32`")]
fn a_state_the_loaders_do_not_take_is_refused_at_build() {
    let _ = AppServer::new(&PAGES, common::shell(&PAGES))
        .options(options(false))
        .state(7_u32)
        .build();
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

#[tokio::test]
async fn the_health_check_answers_ok_then_503_once_draining() {
    let config = server_props::serve::ServeConfig::default();
    let draining = config.draining();
    let app = AppServer::new(&PAGES, common::shell(&PAGES))
        .options(options(false))
        .state("the state")
        .serve_config(config)
        .health("/ready")
        .props(|p| p.build_id("b"))
        .build()
        .unwrap();
    let client = TestClient::new(&app);
    let ok = client.get("/ready").await;
    assert_eq!((ok.status.as_u16(), ok.body.as_str()), (200, "ok\n"));
    assert_eq!(ok.header("cache-control"), Some("no-store"));
    // Which build answers: a balancer routes props requests by it.
    assert_eq!(ok.header(server_props::protocol::BUILD_HEADER), Some("b"));
    // Outside the app's layers: never cached, compressed or decorated.
    assert_eq!(ok.header("x-cache"), None);
    assert_eq!(ok.header("content-security-policy"), None);
    let head = client
        .send(
            http::Request::head("/ready")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!((head.status.as_u16(), head.body.as_str()), (200, ""));
    draining.start();
    let failing = client.get("/ready").await;
    assert_eq!(
        (failing.status.as_u16(), failing.body.as_str()),
        (503, "draining\n")
    );
    assert_eq!(failing.header("cache-control"), Some("no-store"));
    assert_eq!(
        failing.header(server_props::protocol::BUILD_HEADER),
        Some("b")
    );
    // The pages are still served meanwhile.
    assert_eq!(client.get("/list").await.status, 200);
}

/// A build split by page (cargo-leptos's `--split`): each document names
/// its own page's chunk files, and only those, in preload tags (with the
/// split loader), and the chunks, named by their content, are kept for
/// good.
#[tokio::test]
async fn a_split_builds_documents_preload_their_pages_chunk() {
    use server_props::{assets::HydrationScripts, Page, PageRoutes};
    let chunk = <VisitsPage as Page>::__CHUNK.unwrap();
    let other = <ListPage as Page>::__CHUNK.unwrap();
    assert_ne!(chunk, other);
    // Its own site: the manifest and a chunk, as the build writes them.
    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("app_server_split_site");
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    std::fs::write(
        root.join("pkg/__wasm_split_manifest.M1.json"),
        format!(
            r#"{{"{chunk}": ["chunk_1.C1", "split_{chunk}.S1"], "{other}": ["split_{other}.S2"]}}"#
        ),
    )
    .unwrap();
    std::fs::write(root.join(format!("pkg/split_{chunk}.S1.wasm")), b"\0asm").unwrap();
    // A split build's glue imports the split loader.
    std::fs::write(
        root.join("pkg/app.J1.js"),
        "import * as split from './__wasm_split.L1.js';",
    )
    .unwrap();
    let app = built_with_hashes(
        root.to_string_lossy().into_owned(),
        "js: J1\nwasm: W1\ncss: C1\nmanifest: M1\nsplit: L1\n",
        |options: LeptosOptions| {
            view! {
                <!DOCTYPE html>
                <html>
                    <head><HydrationScripts options/></head>
                    <body>
                        <leptos_router::components::Router>
                            <PageRoutes pages=&PAGES/>
                        </leptos_router::components::Router>
                    </body>
                </html>
            }
        },
    );
    let (_, page) = raw(&app, "/visits", None).await;
    let page = String::from_utf8(page).unwrap();
    let preload = |file: &str| {
        format!(
            "<link rel=\"preload\" href=\"/pkg/{file}.wasm\" as=\"fetch\" type=\"application/wasm\" crossorigin>"
        )
    };
    assert!(
        page.contains("<link rel=\"modulepreload\" href=\"/pkg/__wasm_split.L1.js\">"),
        "{page}"
    );
    assert!(page.contains(&preload("chunk_1.C1")), "{page}");
    assert!(
        page.contains(&preload(&format!("split_{chunk}.S1"))),
        "{page}"
    );
    assert!(!page.contains(&format!("split_{other}")), "{page}");
    let (_, list) = raw(&app, "/list", None).await;
    let list = String::from_utf8(list).unwrap();
    assert!(
        list.contains(&preload(&format!("split_{other}.S2"))),
        "{list}"
    );
    assert!(!list.contains(&format!("split_{chunk}")), "{list}");
    let (parts, _) = raw(&app, &format!("/pkg/split_{chunk}.S1.wasm"), None).await;
    assert_eq!(parts.status, 200);
    assert_eq!(parts.headers["cache-control"], server_props::app::IMMUTABLE);
    // The glue, whose name cargo-leptos takes from its content before it
    // writes the loader's name into it, is asked for again.
    let (parts, _) = raw(&app, "/pkg/app.J1.js", None).await;
    assert_eq!(parts.status, 200);
    assert_eq!(parts.headers["cache-control"], "no-cache");
}
