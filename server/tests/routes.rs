//! Every route of the reference app (docs/reference-app.md), as a document and through
//! the props endpoint, without a socket.

mod common;

use common::*;
use http::{Method, StatusCode};
use serde_json::json;
use std::sync::atomic::Ordering;

#[tokio::test]
async fn home_has_no_loader_and_links_to_every_page() {
    let app = TestApp::new().await;
    let doc = app.get("/").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(doc.header("cache-control"), Some(DEFAULT_CACHE_CONTROL));
    for page in app::PAGES.paths().filter(|p| *p != "/") {
        let prefix = page.split(':').next().unwrap().split('*').next().unwrap();
        assert!(
            doc.html().contains(&format!("href=\"{prefix}")),
            "no link to {page}"
        );
    }
    let embedded = doc.embedded();
    assert_eq!(
        embedded,
        json!({"build": BUILD, "url": "/", "layout": {"user": null}})
    );
    let props = app.props("/").await;
    assert_props_answer(&props);
    // No props, and the layout's data: the header after a client navigation.
    assert_eq!(
        props.json(),
        json!({"props": null, "layout": {"user": null}})
    );
}

#[tokio::test]
async fn repo_page_reads_the_database() {
    let app = TestApp::new().await;
    let doc = app.get("/repos/vercel/next.js").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(
        doc.html().contains("<h1>vercel/next.js</h1>"),
        "{}",
        doc.body
    );
    assert!(doc.html().contains("<span class=\"stars\">131000</span>"));
    let repo = json!({"owner": "vercel", "name": "next.js", "stargazers_count": 131000});
    assert_eq!(doc.embedded()["props"], repo);
    let props = app.props("/repos/vercel/next.js").await;
    assert_props_answer(&props);
    assert_eq!(props.status, StatusCode::OK);
    assert_eq!(
        props.json(),
        json!({ "props": repo, "layout": {"user": null} })
    );

    // A row added at run time is seen by the next request: the loader runs every time.
    sqlx::query("UPDATE repos SET stargazers_count = 7 WHERE name = 'next.js'")
        .execute(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        app.props("/repos/vercel/next.js").await.json()["props"]["stargazers_count"],
        7
    );
}

#[tokio::test]
async fn unknown_repo_is_not_found_in_both_forms() {
    let app = TestApp::new().await;
    let doc = app.get("/repos/nobody/nothing").await;
    assert_eq!(doc.status, StatusCode::NOT_FOUND);
    assert!(
        doc.text().contains("404This page could not be found."),
        "{}",
        doc.body
    );
    assert_eq!(doc.embedded()["notFound"], true);
    let props = app.props("/repos/nobody/nothing").await;
    assert_props_answer(&props);
    assert_eq!(props.status, StatusCode::NOT_FOUND);
    assert_eq!(
        props.json(),
        json!({"notFound": true, "layout": {"user": null}})
    );
}

#[tokio::test]
async fn blog_shows_param_query_url_and_time() {
    let app = TestApp::new().await;
    let doc = app.get("/blog/hello?post=evil&x=1").await;
    assert_eq!(doc.status, StatusCode::OK);
    let page = doc.text();
    assert!(page.contains("Post: hello"), "{page}");
    // The route param wins over the query parameter of the same name.
    let query = doc.html();
    let query = query
        .split("<ul class=\"query\">")
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap();
    assert_eq!(query, "<li>post=hello</li><li>x=1</li>");
    assert!(doc
        .html()
        .contains("<code class=\"url\">/blog/hello?post=evil&amp;x=1</code>"));
    assert!(doc.html().contains("class=\"loaded-at\""));
    let props = app.props("/blog/hello?post=evil&x=1").await.json();
    // The resolved URL is the page's, never the props URL.
    assert_eq!(props["props"]["url"], "/blog/hello?post=evil&x=1");
    assert_eq!(props["props"]["post"], "hello");
    assert_eq!(
        props["props"]["query"],
        json!([["post", "hello"], ["x", "1"]])
    );
}

#[tokio::test]
async fn blog_params_are_percent_decoded_and_bad_encoding_is_400() {
    let app = TestApp::new().await;
    let doc = app.get("/blog/caf%C3%A9%20au%20lait").await;
    assert!(doc.text().contains("Post: café au lait"));
    assert_eq!(
        app.props("/blog/caf%C3%A9").await.json()["props"]["post"],
        "café"
    );
    let bad = app.get("/blog/%FF").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("400Bad Request."));
    assert_eq!(app.props("/blog/%FF").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn loader_time_changes_on_every_request() {
    let app = TestApp::new().await;
    let first = app.props("/something").await.json()["props"]["loaded_at"].clone();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let second = app.props("/something").await.json()["props"]["loaded_at"].clone();
    assert!(first.is_string() && second.is_string());
    assert_ne!(first, second);
}

#[tokio::test]
async fn catch_all_is_a_list_of_segments() {
    let app = TestApp::new().await;
    let doc = app.get("/catchall/a/b%2Fc/d").await;
    assert!(
        doc.html()
            .contains("<ol class=\"segments\"><li>a</li><li>b/c</li><li>d</li></ol>"),
        "{}",
        doc.body
    );
    let props = app.props("/catchall/a/b%2Fc/d").await.json();
    assert_eq!(
        props,
        json!({"props": {"segments": ["a", "b/c", "d"]}, "layout": {"user": null}})
    );
}

#[tokio::test]
async fn something_shows_the_query_and_links_onward() {
    let app = TestApp::new().await;
    let doc = app.get("/something?another=thing").await;
    assert!(doc.text().contains("another=thing"));
    assert!(doc.html().contains("href=\"/something?another=thing\""));
    let plain = app.get("/something").await;
    assert!(plain.text().contains("Query: none"));
}

#[tokio::test]
async fn not_found_loaders_give_the_404_page() {
    let app = TestApp::new().await;
    for page in ["/not-found", "/not-found/some-slug"] {
        let doc = app.get(page).await;
        assert_eq!(doc.status, StatusCode::NOT_FOUND, "{page}");
        assert!(doc.text().contains("This page could not be found."));
        assert_eq!(doc.header("cache-control"), Some(DEFAULT_CACHE_CONTROL));
        let props = app.props(page).await;
        assert_eq!(props.status, StatusCode::NOT_FOUND);
        assert_eq!(
            props.json(),
            json!({"notFound": true, "layout": {"user": null}})
        );
    }
}

#[tokio::test]
async fn unknown_urls_give_the_404_page() {
    let app = TestApp::new().await;
    let doc = app.get("/no/such/page").await;
    assert_eq!(doc.status, StatusCode::NOT_FOUND);
    assert!(doc.text().contains("404This page could not be found."));
    assert_eq!(doc.embedded()["notFound"], true);
    let props = app.props("/no/such/page").await;
    assert_props_answer(&props);
    assert_eq!(props.status, StatusCode::NOT_FOUND);
    assert_eq!(props.json(), json!({"notFound": true}));
    let malformed = app.get("/_props/test-build/no-suffix").await;
    assert_eq!(malformed.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn redirects_have_the_right_status_and_location() {
    let app = TestApp::new().await;
    let cases = [
        ("/redirect/temporary", 307, "/"),
        ("/redirect/permanent", 308, "/"),
        ("/redirect/status/301", 301, "/"),
        ("/redirect/status/302", 302, "/"),
        ("/redirect/status/303", 303, "/"),
        ("/redirect/to-blog", 307, "/blog/redirected"),
        ("/redirect/external", 307, "https://example.com/"),
    ];
    for (page, status, location) in cases {
        let doc = app.get(page).await;
        assert_eq!(doc.status.as_u16(), status, "{page}");
        assert_eq!(doc.header("location"), Some(location), "{page}");
        let refresh = (status == 308).then(|| format!("0;url={location}"));
        assert_eq!(doc.header("refresh"), refresh.as_deref(), "{page}");
        assert_eq!(doc.header("cache-control"), Some(DEFAULT_CACHE_CONTROL));
        // The props answer is a 200 that `fetch` will not follow.
        let props = app.props(page).await;
        assert_props_answer(&props);
        assert_eq!(props.status, StatusCode::OK, "{page}");
        assert_eq!(props.header("location"), None);
        assert_eq!(
            props.json(),
            json!({"redirect": {"destination": location, "status": status}})
        );
    }
    for page in [
        "/redirect/status/200",
        "/redirect/status/307",
        "/redirect/nowhere",
    ] {
        assert_eq!(app.get(page).await.status, StatusCode::NOT_FOUND, "{page}");
    }
}

#[tokio::test]
async fn a_failing_loader_gives_the_500_page_without_details() {
    let app = TestApp::new().await;
    let doc = app.get("/error").await;
    assert_eq!(doc.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        doc.text().contains("500Internal Server Error."),
        "{}",
        doc.body
    );
    assert!(
        !doc.html().contains("always fails"),
        "internal detail leaked"
    );
    assert_eq!(doc.header("cache-control"), Some(DEFAULT_CACHE_CONTROL));
    let props = app.props("/error").await;
    assert_props_answer(&props);
    assert_eq!(props.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        props.json(),
        json!({"error": "Internal Server Error", "status": 500})
    );
}

#[tokio::test]
async fn development_mode_shows_the_error_detail() {
    let app = TestApp::with(|b| b.dev_errors(true)).await;
    let doc = app.get("/error?from=test").await;
    assert!(doc.html().contains("the /error page always fails"));
    let props = app.props("/error").await.json();
    assert_eq!(props["error"], "Internal Server Error");
    assert!(props["detail"]
        .as_str()
        .unwrap()
        .contains("the /error page always fails"));
    assert!(doc.embedded()["detail"]
        .as_str()
        .unwrap()
        .contains("the /error page always fails"));
    // The overlay: drawn in the document, and its facts in both answers.
    let html = doc.html();
    assert!(html.contains(r#"id="server-props-dev-overlay""#), "{html}");
    for dev in [&doc.embedded()["dev"], &props["dev"]] {
        assert_eq!(dev["page"], "/error", "{dev}");
        let location = dev["location"].as_str().expect("a location");
        // The `LoaderError::internal` call in the app's loader.
        assert!(
            location.starts_with("app/src/pages/outcomes.rs:"),
            "{location}"
        );
        assert!(dev["message"]
            .as_str()
            .unwrap()
            .contains("the /error page always fails"));
    }
    assert_eq!(doc.embedded()["dev"]["request"], "GET /error?from=test");
    assert_eq!(props["dev"]["request"], "GET /error (props answer)");
    assert!(html.contains("Server error 500") && html.contains("GET /error?from=test"));
}

#[tokio::test]
async fn development_mode_locates_a_panic_where_it_happened() {
    let app = TestApp::with(|b| b.dev_errors(true)).await;
    let doc = app.get("/panic").await;
    assert_eq!(doc.status, StatusCode::INTERNAL_SERVER_ERROR);
    let dev = &doc.embedded()["dev"];
    assert_eq!(
        dev["message"],
        "loader panicked: the /panic page always panics (500 Internal Server Error)"
    );
    let source = std::fs::read_to_string("../app/src/pages/outcomes.rs").unwrap();
    let line = source
        .lines()
        .position(|l| l.contains(r#"panic!("the /panic page always panics")"#))
        .unwrap()
        + 1;
    assert_eq!(
        dev["location"],
        format!("app/src/pages/outcomes.rs:{line}:5"),
        "{dev}"
    );
    assert!(doc.html().contains(r#"id="server-props-dev-overlay""#));
    // Without development mode: no overlay, no facts.
    let app = TestApp::new().await;
    let doc = app.get("/panic").await;
    assert!(!doc.html().contains("server-props-dev-overlay"));
    assert!(doc.embedded().get("dev").is_none());
    assert!(app.props("/panic").await.json().get("dev").is_none());
}

#[tokio::test]
async fn a_panicking_loader_gives_500_and_the_server_keeps_serving() {
    let app = TestApp::new().await;
    for _ in 0..3 {
        let doc = app.get("/panic").await;
        assert_eq!(doc.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(doc.text().contains("500Internal Server Error."));
        assert!(!doc.html().contains("always panics"));
        let props = app.props("/panic").await;
        assert_eq!(props.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(app.get("/bench/hello").await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn cached_sets_shared_cache_headers_and_counts_runs() {
    let app = TestApp::new().await;
    let cache = "public, s-maxage=10, stale-while-revalidate=59";
    let doc = app.get("/cached").await;
    assert_eq!(doc.header("cache-control"), Some(cache));
    assert!(
        doc.html().contains("<span class=\"runs\">1</span>"),
        "{}",
        doc.body
    );
    let props = app.props("/cached").await;
    assert_eq!(props.header("cache-control"), Some(cache));
    assert_eq!(props.json()["props"]["runs"], 2);
    assert_eq!(app.state.cached_runs.load(Ordering::Relaxed), 2);
}

#[tokio::test]
async fn custom_cache_control_reaches_both_responses() {
    let app = TestApp::new().await;
    assert_eq!(
        app.get("/custom-cache").await.header("cache-control"),
        Some("public, max-age=3600")
    );
    assert_eq!(
        app.props("/custom-cache").await.header("cache-control"),
        Some("public, max-age=3600")
    );
}

#[tokio::test]
async fn request_page_sees_method_headers_and_cookies_and_sets_a_cookie() {
    let app = TestApp::new().await;
    for method in [Method::GET, Method::POST] {
        let request = http::Request::builder()
            .method(method.clone())
            .uri("/request")
            .header("user-agent", "test-agent/1.0")
            .header("accept-language", "fr-CH, fr;q=0.9")
            .header("cookie", "other=x; theme=dark")
            .body(axum::body::Body::empty())
            .unwrap();
        let doc = app.send(request).await;
        assert_eq!(doc.status, StatusCode::OK, "{method}");
        assert!(doc
            .html()
            .contains(&format!("<dd class=\"method\">{method}</dd>")));
        assert!(doc
            .html()
            .contains("<dd class=\"user-agent\">test-agent/1.0</dd>"));
        assert!(doc
            .html()
            .contains("<dd class=\"accept-language\">fr-CH, fr;q=0.9</dd>"));
        assert!(doc.html().contains("<dd class=\"theme\">dark</dd>"));
        assert_eq!(
            doc.header("set-cookie"),
            Some("visited=1; HttpOnly; SameSite=Lax; Path=/")
        );
    }
    let props = app.props("/request").await;
    assert_eq!(
        props.header("set-cookie"),
        Some("visited=1; HttpOnly; SameSite=Lax; Path=/")
    );
    assert_eq!(props.json()["props"]["theme"], serde_json::Value::Null);
}

/// A page marked for the edge is the server's as well: it answers it (as
/// in development, or with no edge build deployed) and says so; its loader
/// sets its cookie on both answers.
#[tokio::test]
async fn the_edge_page_is_served_by_the_server_too() {
    let app = TestApp::new().await;
    let doc = app.get("/edge/hello").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(
        doc.html().contains("<h1>Hello from the edge</h1>"),
        "{}",
        doc.body
    );
    assert!(doc
        .html()
        .contains("<p class=\"runtime\">Runtime: server</p>"));
    assert_eq!(doc.embedded()["props"], json!({"runtime": "server"}));
    assert_eq!(
        doc.header("set-cookie"),
        Some("edge=1; HttpOnly; SameSite=Lax; Path=/")
    );
    let props = app.props("/edge/hello").await;
    assert_props_answer(&props);
    assert_eq!(
        props.json(),
        json!({"props": {"runtime": "server"}, "layout": {"user": null}})
    );
    assert_eq!(
        props.header("set-cookie"),
        Some("edge=1; HttpOnly; SameSite=Lax; Path=/")
    );
    assert_eq!(
        <app::pages::EdgeHello as server_props::Page>::RUNTIME,
        server_props::PageRuntime::Edge
    );
    // Its action removes the cookie.
    let forget = app.send(request(Method::POST, "/edge/hello")).await;
    assert_eq!(forget.status, StatusCode::SEE_OTHER);
    assert_eq!(forget.header("location"), Some("/"));
    let removal = forget.header("set-cookie").unwrap_or_default();
    assert!(removal.starts_with("edge=;"), "{removal}");
    assert!(removal.contains("Max-Age=0"), "{removal}");
}

#[tokio::test]
async fn head_requests_run_the_loader_and_send_no_body() {
    let app = TestApp::new().await;
    let head = app.send(request(Method::HEAD, "/cached")).await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.body.is_empty());
    assert_eq!(
        head.header("cache-control"),
        Some("public, s-maxage=10, stale-while-revalidate=59")
    );
    assert_eq!(app.state.cached_runs.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn other_methods_are_405() {
    let app = TestApp::new().await;
    let put = app.send(request(Method::PUT, "/blog/x")).await;
    assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn slow_waits_and_rejects_bad_numbers() {
    let app = TestApp::new().await;
    let doc = app.get("/slow?ms=20").await;
    assert!(doc.html().contains("<h1>Slow 20</h1>"), "{}", doc.body);
    assert_eq!(
        app.props("/slow?ms=20").await.json(),
        json!({"props": {"ms": 20}, "layout": {"user": null}})
    );
    let bad = app.get("/slow?ms=abc").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("400Bad Request."));
    assert_eq!(
        app.props("/slow?ms=-1").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn xss_props_are_embedded_inertly_and_shown_as_text() {
    let app = TestApp::new().await;
    let doc = app.get("/xss").await;
    // The only script elements are the hydration loader, the props and Leptos's data.
    assert_eq!(doc.body.matches("<script").count(), 3, "{}", doc.body);
    assert!(!doc.html().contains("<script>window.__xss"));
    assert!(!doc.html().contains("<img src=x"));
    let payloads: Vec<String> = app::pages::XSS_PAYLOADS
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(doc.embedded()["props"]["payloads"], json!(payloads));
    let script = doc
        .body
        .split("__SERVER_PROPS__")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    for raw in ['<', '&', '\u{2028}', '\u{2029}'] {
        assert!(!script[1..].contains(raw), "{raw:?} unescaped in {script}");
    }
    assert!(doc
        .html()
        .contains("&lt;/script&gt;&lt;script&gt;window.__xss=1&lt;/script&gt;"));
    assert_eq!(
        app.props("/xss").await.json()["props"]["payloads"],
        json!(payloads)
    );
}

#[tokio::test]
async fn raw_sends_the_loaders_own_response() {
    let app = TestApp::new().await;
    for reply in [app.get("/raw").await, app.props("/raw").await] {
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(
            reply.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(reply.body, "hello from loader");
        // Not a props answer: the client turns it into a document navigation.
        assert_eq!(reply.header(server_props::protocol::PROPS_HEADER), None);
    }
}

#[tokio::test]
async fn counter_starts_from_props() {
    let app = TestApp::new().await;
    let doc = app.get("/counter").await;
    assert!(
        doc.html().contains("<span class=\"count\">5</span>"),
        "{}",
        doc.body
    );
    assert_eq!(doc.embedded()["props"], json!({"initial": 5}));
}

#[tokio::test]
async fn bench_pages_match_the_spec() {
    let app = TestApp::new().await;
    let doc = app.get("/bench/items/1").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.html().contains("<h1>Collection 1</h1>"));
    let list = doc
        .body
        .split("<ul class=\"items\">")
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap();
    assert_eq!(list.matches("<li>").count(), 50);
    assert!(
        list.contains("<strong>item-1-0</strong> <span class=\"stars\">7919</span>"),
        "{list}"
    );
    assert!(doc.html().contains("href=\"/bench/items/2\""));
    let expected = serde_json::to_value(app::pages::ItemsProps::for_id(1)).unwrap();
    assert_eq!(doc.embedded()["props"], expected);
    assert_eq!(app.props("/bench/items/1").await.json()["props"], expected);
    assert_eq!(
        app.get("/bench/items/abc").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.props("/bench/items/abc").await.json(),
        json!({"notFound": true, "layout": {"user": null}})
    );

    let hello = app.get("/bench/hello").await;
    assert!(hello.body.contains("<p>hello</p>"));
    assert_eq!(
        app.props("/bench/hello").await.json(),
        json!({"props": {"message": "hello"}, "layout": {"user": null}})
    );
}

#[tokio::test]
async fn a_props_url_from_another_build_is_gone() {
    let app = TestApp::new().await;
    let reply = app
        .get(&server_props::protocol::props_url(
            "old-build",
            "/bench/hello",
        ))
        .await;
    assert_eq!(reply.status, StatusCode::GONE);
    assert_eq!(reply.json(), json!({"staleBuild": true}));
    assert_eq!(
        reply.header(server_props::protocol::PROPS_HEADER),
        Some(BUILD)
    );
}

#[tokio::test]
async fn the_embedded_url_is_the_request_url() {
    let app = TestApp::new().await;
    let doc = app.get("/blog/a%20b?q=%3Cx%3E").await;
    let embedded = doc.embedded();
    assert_eq!(embedded["build"], BUILD);
    assert_eq!(embedded["url"], "/blog/a%20b?q=%3Cx%3E");
}

#[test]
#[should_panic(expected = "wants state `app::state::AppState`, but the router's state is `()`")]
fn mounting_with_the_wrong_state_fails_at_start_up() {
    use server_props::ServerPropsRouter;
    let options = leptos::config::LeptosOptions::builder()
        .output_name("x")
        .build();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _guard = rt.enter();
    let props = server_props::ServerProps::builder(&app::PAGES, options, app::shell)
        .build_id("x")
        .build();
    let _ = axum::Router::<()>::new().server_props(&props);
}

#[tokio::test]
async fn trailing_slashes_and_empty_catch_alls_are_not_found() {
    let app = TestApp::new().await;
    for url in [
        "/blog/hello/",
        "/catchall",
        "/catchall/",
        "/repos/vercel/next.js/",
    ] {
        let doc = app.get(url).await;
        assert_eq!(doc.status, StatusCode::NOT_FOUND, "{url}");
        assert!(
            doc.text().contains("404This page could not be found."),
            "{url}: {}",
            doc.body
        );
    }
}

#[tokio::test]
async fn an_empty_query_is_no_query() {
    let app = TestApp::new().await;
    let doc = app.get("/blog/a?").await;
    assert_eq!(doc.embedded()["url"], "/blog/a");
    assert_eq!(
        app.props("/blog/a?").await.json()["props"]["url"],
        "/blog/a"
    );
}

#[tokio::test]
async fn search_takes_a_typed_query_and_rejects_bad_page_numbers() {
    let app = TestApp::new().await;
    let doc = app.get("/search?q=leptos+router&page=2").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(
        doc.text().contains("Results for leptos router, page 2"),
        "{}",
        doc.body
    );
    assert_eq!(
        doc.embedded()["props"],
        json!({"q": "leptos router", "page": 2})
    );
    let props = app.props("/search?q=x").await;
    assert_props_answer(&props);
    assert_eq!(props.json()["props"], json!({"q": "x", "page": 1}));
    assert_eq!(
        app.props("/search").await.json()["props"],
        json!({"q": "", "page": 1})
    );
    for bad in ["0", "-1", "abc", "1.5", "99999999999"] {
        let uri = format!("/search?q=x&page={bad}");
        let doc = app.get(&uri).await;
        assert_eq!(doc.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(doc.text().contains("400"), "the error page for {uri}");
        let props = app.props(&uri).await;
        assert_eq!(props.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(props.json()["status"], 400, "{uri}");
    }
}

/// An unknown URL takes the same steps as a page's own "not found": the
/// layout's loader runs, so the 404 page's header shows who is signed in.
#[tokio::test]
async fn the_404_page_of_an_unknown_url_runs_the_layout_loader() {
    let app = TestApp::new().await;
    for page in ["/no-such-url", "/not-found"] {
        let status = assert_the_layout_shows_ada(&app, page).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
    }
}

/// Signed in as ada, `page`'s document shows it in the layout (and embeds
/// the layout's data); signed out, it does not. The signed-in status.
async fn assert_the_layout_shows_ada(app: &TestApp, page: &str) -> StatusCode {
    let signed = common::session_cookie("ada", &common::cookie_key());
    let doc = app
        .send(common::request_with(page, &[("cookie", &signed)]))
        .await;
    assert!(
        doc.text().contains("Signed in as ada"),
        "{page}: {}",
        doc.body
    );
    assert_eq!(doc.embedded()["layout"], json!({"user": "ada"}), "{page}");
    let status = doc.status;
    let doc = app.get(page).await;
    assert!(doc.text().contains("Not signed in"), "{page}");
    status
}

/// A write to a URL no page serves has nothing to guard: a 404 that runs
/// nothing (not the layout's loader, not the cross-site check's 403).
#[tokio::test]
async fn a_write_to_an_unknown_url_is_a_404_that_runs_nothing() {
    let app = TestApp::new().await;
    let signed = common::session_cookie("ada", &common::cookie_key());
    for origin in [None, Some("https://evil.example")] {
        let mut request = http::Request::builder()
            .method("POST")
            .uri("/no-such-url")
            .header("cookie", &signed)
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let request = request.body(axum::body::Body::from("a=1")).unwrap();
        let doc = app.send(request).await;
        assert_eq!(doc.status, StatusCode::NOT_FOUND, "{origin:?}");
        assert!(doc.text().contains("This page could not be found."));
        assert!(
            doc.text().contains("Not signed in"),
            "the layout's loader did not run: {}",
            doc.body
        );
    }
}

#[tokio::test]
async fn the_layout_shows_the_signed_in_user_from_an_encrypted_session_cookie() {
    let app = TestApp::new().await;
    let signed = common::session_cookie("ada", &common::cookie_key());
    for page in ["/", "/blog/a", "/search?q=x"] {
        assert_the_layout_shows_ada(&app, page).await;
    }
    let props = app
        .send(common::request_with(
            &server_props::protocol::props_url(BUILD, "/blog/a"),
            &[("cookie", &signed)],
        ))
        .await;
    assert_eq!(props.json()["layout"], json!({"user": "ada"}));
    assert_eq!(props.header("vary"), Some("Cookie"));
    // Forged: one character of the encrypted value changed, a plain
    // cookie, a session encrypted with another key.
    let (name, value) = signed.split_once('=').unwrap();
    let mut bytes = value.as_bytes().to_vec();
    bytes[20] = if bytes[20] == b'A' { b'B' } else { b'A' };
    let forged = format!("{name}={}", String::from_utf8(bytes).unwrap());
    let other_key =
        server_props::cookie::Key::derive_from(b"somebody else's key, 32 bytes or more");
    for cookie in [
        forged,
        "session=ada".to_owned(),
        common::session_cookie("ada", &other_key),
    ] {
        let doc = app
            .send(common::request_with("/blog/a", &[("cookie", &cookie)]))
            .await;
        assert!(doc.text().contains("Not signed in"), "{cookie}");
        assert_eq!(doc.embedded()["layout"], json!({"user": null}), "{cookie}");
    }
}

#[tokio::test]
async fn redirect_kinds_that_do_not_parse_are_not_found() {
    let app = TestApp::new().await;
    for uri in [
        "/redirect/sideways",
        "/redirect/status/304",
        "/redirect/status/x",
    ] {
        assert_eq!(app.get(uri).await.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(app.props(uri).await.status, StatusCode::NOT_FOUND, "{uri}");
    }
}

#[tokio::test]
async fn health_answers_ok_outside_the_cache_and_touches_no_page() {
    let app = TestApp::new().await;
    for _ in 0..2 {
        let health = app.get("/health").await;
        assert_eq!(health.status, StatusCode::OK);
        assert_eq!(health.body, "ok\n");
        assert_eq!(health.header("cache-control"), Some("no-store"));
        assert_eq!(health.header("x-cache"), None);
        assert_eq!(health.header("x-server-props-build"), Some(BUILD));
    }
    let head = app.send(request(Method::HEAD, "/health")).await;
    assert_eq!((head.status, head.body.as_str()), (StatusCode::OK, ""));
    // Only GET and HEAD.
    let post = app.send(request(Method::POST, "/health")).await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
    // The 503 while draining: tests/shutdown.rs, on the real binary.
}

/// A method the page does not take is a 405 with `Allow` before anything
/// else is decided, on a props URL whose path takes an empty param too
/// (which no page serves): the same answer axum gives the document.
#[tokio::test]
async fn a_method_the_page_does_not_take_is_a_405_before_the_write_to_no_page() {
    let app = TestApp::new().await;
    for path in ["/repos/vercel/next.js", "/repos//next.js"] {
        let request = http::Request::builder()
            .method("PUT")
            .uri(server_props::protocol::props_url(BUILD, path))
            .body(axum::body::Body::empty())
            .unwrap();
        let answer = app.send(request).await;
        assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_eq!(answer.header("allow"), Some("GET, HEAD, POST"), "{path}");
    }
}
