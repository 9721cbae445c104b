//! Security of what the reference app sends: headers on every response, a
//! Content-Security-Policy whose nonce matches the document's scripts, cookie
//! attributes, no open redirects, no static file from outside the site root,
//! and a bounded request body. (The XSS matrix runs in Chromium:
//! `end2end/tests/xss.spec.ts`.)

mod common;

use axum::body::Body;
use common::{request, TestApp};
use http::{Method, Request, StatusCode};
use server_props::security::SecurityHeaders;
use std::time::Duration;

/// Every kind of response the app gives.
const EVERY_KIND: &[&str] = &[
    "/",                              // page without a loader
    "/blog/a",                        // page with props
    "/cached",                        // shared cache
    "/error",                         // 500 page
    "/nowhere",                       // 404 page
    "/raw",                           // the loader's own response
    "/redirect/temporary",            // redirect
    "/pkg/hello.txt",                 // static file
    "/_props/test-build/blog/a.json", // props answer
];

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::new().await;
    for url in EVERY_KIND {
        let reply = app.get(url).await;
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{url}"
        );
        assert_eq!(
            reply.header("referrer-policy"),
            Some("strict-origin-when-cross-origin"),
            "{url}"
        );
        assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{url}");
        assert_eq!(reply.header("strict-transport-security"), None, "{url}");
    }
}

/// The nonce of the document's policy, and each inline script's nonce.
fn nonces(reply: &common::Reply) -> (String, Vec<Option<String>>) {
    let csp = reply
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("a policy on {reply:?}"));
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the policy")
        .to_owned();
    assert_eq!(csp.matches(&format!("'nonce-{nonce}'")).count(), 2, "{csp}");
    let scripts = reply
        .body
        .split("<script")
        .skip(1)
        .map(|tag| tag.split('>').next().unwrap_or_default())
        // The props are a JSON data block, which never runs.
        .filter(|attrs| !attrs.contains("type=\"application/json\""))
        .map(|attrs| {
            attrs
                .split("nonce=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .map(str::to_owned)
        })
        .collect();
    (nonce, scripts)
}

#[tokio::test]
async fn documents_have_a_strict_policy_whose_nonce_is_on_every_script() {
    let app = TestApp::new().await;
    for url in [
        "/",
        "/counter",
        "/xss",
        "/error",
        "/nowhere",
        "/repos/vercel/next.js",
    ] {
        let reply = app.get(url).await;
        let csp = reply.header("content-security-policy").unwrap();
        for directive in [
            "default-src 'self'",
            "script-src 'self' 'wasm-unsafe-eval' 'nonce-",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{url}: {csp}");
        }
        let script_src = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src "))
            .unwrap();
        assert!(!script_src.contains("unsafe-inline"), "{csp}");
        assert!(!csp.contains("'unsafe-eval'"), "{csp}");
        assert!(csp.contains("style-src-attr 'unsafe-inline'"), "{csp}");
        let (nonce, scripts) = nonces(&reply);
        assert!(nonce.len() >= 22, "128 bits of nonce: {nonce}");
        assert!(scripts.len() >= 2, "{url}: hydration and data scripts");
        for script in scripts {
            assert_eq!(script.as_deref(), Some(nonce.as_str()), "{url}");
        }
    }
    // Not on JSON answers or static files: they run no script.
    let reply = app.props("/blog/a").await;
    assert_eq!(reply.header("content-security-policy"), None);
}

#[tokio::test]
async fn each_document_draws_a_new_nonce_and_a_cached_one_keeps_header_and_body_together() {
    let app = TestApp::new().await;
    let (a, _) = nonces(&app.get("/blog/a").await);
    let (b, _) = nonces(&app.get("/blog/a").await);
    assert_ne!(a, b);
    let first = app.get("/cached").await;
    let hit = app.get("/cached").await;
    assert_eq!(hit.header("x-cache"), Some("HIT"));
    let (header, scripts) = nonces(&hit);
    assert_eq!(header, nonces(&first).0);
    assert!(scripts
        .iter()
        .all(|s| s.as_deref() == Some(header.as_str())));
}

#[tokio::test]
async fn the_policy_can_be_replaced_or_turned_off() {
    use server_props::security::ContentSecurityPolicy;
    let app = TestApp::with(|b| {
        b.content_security_policy(Some(
            ContentSecurityPolicy::default()
                .directive("img-src", "'self' https://img.example")
                .report_only(true),
        ))
    })
    .await;
    let reply = app.get("/").await;
    assert_eq!(reply.header("content-security-policy"), None);
    let csp = reply.header("content-security-policy-report-only").unwrap();
    assert!(csp.contains("img-src 'self' https://img.example;"));
    let app = TestApp::with(|b| b.content_security_policy(None)).await;
    let reply = app.get("/").await;
    assert_eq!(reply.header("content-security-policy"), None);
    assert!(!reply.body.contains("nonce="));
}

#[tokio::test]
async fn cookies_are_http_only_and_lax_and_secure_when_configured() {
    let app = TestApp::new().await;
    for reply in [app.get("/request").await, app.props("/request").await] {
        let cookie = reply.header("set-cookie").unwrap();
        assert_eq!(cookie, "visited=1; HttpOnly; SameSite=Lax; Path=/");
    }
    let settings = server::Settings {
        security_headers: SecurityHeaders::default().hsts(Duration::from_secs(600), true),
        ..server::Settings::default()
    };
    let app = TestApp::with_settings(|b| b.secure_cookies(true), settings).await;
    let reply = app.get("/request").await;
    assert_eq!(
        reply.header("set-cookie"),
        Some("visited=1; HttpOnly; SameSite=Lax; Secure; Path=/")
    );
    assert_eq!(
        reply.header("strict-transport-security"),
        Some("max-age=600; includeSubDomains")
    );
}

/// Hostile destinations a route could be tricked into redirecting to.
const EXTERNAL: &[&str] = &[
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "javascript:alert(1)",
    "https:evil.example",
];

/// Is `location` a path on this site?
fn is_local(location: &str) -> bool {
    location.starts_with('/') && !location.starts_with("//") && !location.starts_with("/\\")
}

#[tokio::test]
async fn no_route_redirects_to_a_user_supplied_external_url() {
    let app = TestApp::new().await;
    let routes = [
        "/",
        "/blog/a",
        "/something",
        "/catchall/a",
        "/redirect/temporary",
        "/redirect/permanent",
        "/redirect/status/302",
        "/redirect/to-blog",
        "/request",
        "/pkg",
        "/pkg/",
    ];
    let mut checked = 0;
    for route in routes {
        for target in EXTERNAL {
            let encoded =
                percent_encoding::utf8_percent_encode(target, percent_encoding::NON_ALPHANUMERIC)
                    .to_string();
            let mut urls = vec![];
            for name in ["next", "redirect", "url", "to", "returnTo", "destination"] {
                urls.push(format!("{route}?{name}={encoded}"));
            }
            urls.push(format!("/{encoded}"));
            urls.push(format!("/{}", target.trim_start_matches('/')));
            urls.push(format!("/{target}"));
            if target.starts_with('/') {
                urls.push((*target).to_owned());
                urls.push(format!("/pkg{target}"));
            }
            for url in urls {
                let Ok(uri) = url.parse::<http::Uri>() else {
                    continue; // hyper refuses it before the app sees it
                };
                for reply in [
                    app.get(&uri.to_string()).await,
                    app.props(&uri.to_string()).await,
                ] {
                    assert!(reply.status.as_u16() < 500, "{url}: {reply:?}");
                    if let Some(location) = reply.header("location") {
                        assert!(is_local(location), "{url} redirects to {location}");
                    }
                    if reply.header("content-type") == Some("application/json") {
                        let json = reply.json();
                        if let Some(to) = json["redirect"]["destination"].as_str() {
                            assert!(is_local(to), "{url} redirects to {to}");
                        }
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 500, "{checked}");
    // The one external redirect is fixed by the app, not taken from input.
    let reply = app.get("/redirect/external?to=https://evil.example/").await;
    assert_eq!(reply.header("location"), Some("https://example.com/"));
}

#[tokio::test]
async fn static_files_never_come_from_outside_the_site_root() {
    let app = TestApp::new().await;
    let control = app.get("/pkg/hello.txt").await;
    assert_eq!(control.status, StatusCode::OK);
    assert_eq!(control.body, "static file\n");
    let attempts = [
        "/../secret.txt",
        "/pkg/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/pkg/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/pkg/..%2f..%2fsecret.txt",
        "/pkg/..%5c..%5csecret.txt",
        "/pkg/..\\..\\secret.txt",
        "/.%2e/secret.txt",
        "/%252e%252e/secret.txt",
        "//secret.txt",
        "/pkg//../../secret.txt",
        "/pkg/%00/../../secret.txt",
        "/%c0%ae%c0%ae/secret.txt",
        "/tests/secret.txt",
        "/secret.txt",
    ];
    for url in attempts {
        let Ok(uri) = url.parse::<http::Uri>() else {
            continue;
        };
        let reply = app.send(request(Method::GET, &uri.to_string())).await;
        assert!(
            matches!(reply.status.as_u16(), 400 | 404),
            "{url}: {}",
            reply.status
        );
        assert!(!reply.body.contains("TOP SECRET"), "{url} leaked the file");
    }
}

#[tokio::test]
async fn request_bodies_over_the_limit_are_refused() {
    let settings = server::Settings {
        max_body_bytes: 1024,
        ..server::Settings::default()
    };
    let app = TestApp::with_settings(|b| b, settings).await;
    let big = Request::builder()
        .method(Method::POST)
        .uri("/blog/a")
        .header("content-length", "4096")
        .body(Body::from(vec![b'x'; 4096]))
        .unwrap();
    let reply = app.send(big).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    let small = Request::builder()
        .method(Method::POST)
        .uri("/blog/a")
        .body(Body::from(vec![b'x'; 100]))
        .unwrap();
    assert_eq!(app.send(small).await.status, StatusCode::OK);
}

#[tokio::test]
async fn names_no_file_system_takes_are_404_through_the_whole_app() {
    let app = TestApp::new().await;
    let long = "a".repeat(300);
    for path in [
        format!("/{long}"),
        format!("/pkg/{long}"),
        "/x".repeat(2100),
    ] {
        let reply = app.get(&path).await;
        assert_eq!(reply.status, 404, "{}", &path[..30]);
        assert!(reply.text().contains("This page could not be found."));
        let props = app.props(&path).await;
        assert_eq!(props.status, 404, "props of {}", &path[..30]);
    }
}
