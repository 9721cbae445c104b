//! The shared cache in front of plain axum handlers: what is kept, for how
//! long, for whom, and how often the app is asked. Time is tokio's paused
//! clock, so ages and staleness are exact.

#![cfg(feature = "ssr")]

use axum::{
    body::Body,
    extract::{Request, State},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use http_body_util::BodyExt;
use server_props::cache::{CacheConfig, CacheLayer};
use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};
use tower::ServiceExt;

/// Counts how often each handler ran.
#[derive(Clone, Default)]
struct Runs(Arc<AtomicU64>);

impl Runs {
    fn next(&self) -> u64 {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
    fn get(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A handler answering `run <n>` with the given headers, after `delay`.
fn answer(
    runs: &Runs,
    status: StatusCode,
    headers: &'static [(&'static str, &'static str)],
    delay: Duration,
) -> axum::routing::MethodRouter<()> {
    let runs = runs.clone();
    get(move || {
        let runs = runs.clone();
        async move {
            tokio::time::sleep(delay).await;
            let n = runs.next();
            let mut response = format!("run {n}").into_response();
            *response.status_mut() = status;
            for (name, value) in headers {
                response
                    .headers_mut()
                    .append(*name, HeaderValue::from_static(value));
            }
            response
        }
    })
}

const SWR: &[(&str, &str)] = &[(
    "cache-control",
    "public, s-maxage=10, stale-while-revalidate=59",
)];

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn cache(&self) -> &str {
        self.headers["x-cache"].to_str().unwrap()
    }
    fn age(&self) -> u64 {
        self.headers[header::AGE].to_str().unwrap().parse().unwrap()
    }
}

async fn send(app: &Router, request: Request) -> Reply {
    let response: Response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

fn get_req(uri: &str) -> Request {
    Request::builder().uri(uri).body(Body::empty()).unwrap()
}

fn with_header(uri: &str, name: &str, value: &str) -> Request {
    Request::builder()
        .uri(uri)
        .header(name, value)
        .body(Body::empty())
        .unwrap()
}

fn cached(router: Router) -> Router {
    router.layer(CacheLayer::new("build-1", &CacheConfig::default()))
}

/// Lets spawned revalidations run to completion.
async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(1)).await;
}

#[tokio::test(start_paused = true)]
async fn fresh_responses_are_served_without_asking_the_app() {
    let runs = Runs::default();
    let app = cached(Router::new().route("/", answer(&runs, StatusCode::OK, SWR, Duration::ZERO)));
    let first = send(&app, get_req("/")).await;
    assert_eq!(
        (first.cache(), first.age(), first.body.as_str()),
        ("MISS", 0, "run 1")
    );
    for i in 0..50 {
        tokio::time::advance(Duration::from_millis(150)).await;
        let r = send(&app, get_req("/")).await;
        assert_eq!(
            (r.cache(), r.body.as_str()),
            ("HIT", "run 1"),
            "request {i}"
        );
        assert_eq!(r.headers[header::CACHE_CONTROL], SWR[0].1);
    }
    assert_eq!(runs.get(), 1);
    assert_eq!(send(&app, get_req("/")).await.age(), 7);
    // Another query string is another resource.
    assert_eq!(send(&app, get_req("/?page=2")).await.cache(), "MISS");
    assert_eq!(runs.get(), 2);
}

#[tokio::test(start_paused = true)]
async fn stale_responses_are_served_while_one_refresh_runs() {
    let runs = Runs::default();
    let app = cached(Router::new().route("/", answer(&runs, StatusCode::OK, SWR, Duration::ZERO)));
    send(&app, get_req("/")).await;
    tokio::time::advance(Duration::from_secs(11)).await;
    let stale = send(&app, get_req("/")).await;
    assert_eq!(
        (stale.cache(), stale.body.as_str(), stale.age()),
        ("STALE", "run 1", 11)
    );
    settle().await;
    assert_eq!(runs.get(), 2, "revalidated once in the background");
    let fresh = send(&app, get_req("/")).await;
    assert_eq!((fresh.cache(), fresh.body.as_str()), ("HIT", "run 2"));
    // Past stale-while-revalidate the app answers before the client does.
    tokio::time::advance(Duration::from_secs(10 + 59)).await;
    let late = send(&app, get_req("/")).await;
    assert_eq!((late.cache(), late.body.as_str()), ("MISS", "run 3"));
}

#[tokio::test(start_paused = true)]
async fn concurrent_misses_ask_the_app_once() {
    let runs = Runs::default();
    let app = cached(Router::new().route(
        "/",
        answer(&runs, StatusCode::OK, SWR, Duration::from_millis(50)),
    ));
    let replies = futures::future::join_all((0..100).map(|_| {
        let app = app.clone();
        tokio::spawn(async move { send(&app, get_req("/")).await })
    }))
    .await;
    assert_eq!(runs.get(), 1);
    let misses = replies
        .iter()
        .map(|r| r.as_ref().unwrap())
        .inspect(|r| assert_eq!(r.body, "run 1"))
        .filter(|r| r.cache() == "MISS")
        .count();
    assert_eq!(misses, 1);
}

#[tokio::test(start_paused = true)]
async fn concurrent_stale_requests_refresh_once() {
    let runs = Runs::default();
    let app = cached(Router::new().route(
        "/",
        answer(&runs, StatusCode::OK, SWR, Duration::from_millis(50)),
    ));
    send(&app, get_req("/")).await;
    tokio::time::advance(Duration::from_secs(30)).await;
    let replies = futures::future::join_all((0..100).map(|_| {
        let app = app.clone();
        tokio::spawn(async move { send(&app, get_req("/")).await })
    }))
    .await;
    for r in &replies {
        let r = r.as_ref().unwrap();
        assert_eq!((r.cache(), r.body.as_str()), ("STALE", "run 1"));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(runs.get(), 2);
    assert_eq!(send(&app, get_req("/")).await.body, "run 2");
}

#[tokio::test(start_paused = true)]
async fn a_waiting_request_takes_over_when_the_leader_goes_away() {
    let runs = Runs::default();
    let app = cached(Router::new().route(
        "/",
        answer(&runs, StatusCode::OK, SWR, Duration::from_millis(50)),
    ));
    let leader = tokio::spawn({
        let app = app.clone();
        async move { send(&app, get_req("/")).await }
    });
    tokio::time::sleep(Duration::from_millis(10)).await;
    let follower = tokio::spawn({
        let app = app.clone();
        async move { send(&app, get_req("/")).await }
    });
    tokio::time::sleep(Duration::from_millis(10)).await;
    leader.abort();
    let reply = follower.await.unwrap();
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "run 1")
    );
    assert_eq!(runs.get(), 1, "the aborted leader's handler never finished");
}

#[tokio::test(start_paused = true)]
async fn private_cookie_and_uncacheable_responses_are_never_shared() {
    let runs = Runs::default();
    let app = cached(
        Router::new()
            .route(
                "/private",
                answer(
                    &runs,
                    StatusCode::OK,
                    &[("cache-control", "private, max-age=60")],
                    Duration::ZERO,
                ),
            )
            .route(
                "/cookie",
                answer(
                    &runs,
                    StatusCode::OK,
                    &[
                        ("cache-control", "public, s-maxage=60"),
                        ("set-cookie", "session=secret"),
                    ],
                    Duration::ZERO,
                ),
            )
            .route(
                "/default",
                answer(
                    &runs,
                    StatusCode::OK,
                    &[(
                        "cache-control",
                        "private, no-cache, no-store, max-age=0, must-revalidate",
                    )],
                    Duration::ZERO,
                ),
            )
            .route("/none", answer(&runs, StatusCode::OK, &[], Duration::ZERO))
            .route(
                "/error",
                answer(
                    &runs,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &[("cache-control", "public, s-maxage=60")],
                    Duration::ZERO,
                ),
            )
            .route(
                "/redirect",
                answer(
                    &runs,
                    StatusCode::TEMPORARY_REDIRECT,
                    &[("cache-control", "public, s-maxage=60")],
                    Duration::ZERO,
                ),
            ),
    );
    for path in [
        "/private",
        "/cookie",
        "/default",
        "/none",
        "/error",
        "/redirect",
    ] {
        let a = send(&app, get_req(path)).await;
        let b = send(&app, get_req(path)).await;
        assert_eq!((a.cache(), b.cache()), ("MISS", "MISS"), "{path}");
        assert_ne!(a.body, b.body, "{path} was shared");
    }
}

#[tokio::test(start_paused = true)]
async fn requests_with_credentials_bypass_the_cache() {
    let runs = Runs::default();
    let app = cached(Router::new().route("/", answer(&runs, StatusCode::OK, SWR, Duration::ZERO)));
    // A request with Authorization is neither kept…
    let auth = send(&app, with_header("/", "authorization", "Bearer alice")).await;
    assert_eq!(auth.body, "run 1");
    assert!(auth.headers.get("x-cache").is_none());
    let anonymous = send(&app, get_req("/")).await;
    assert_eq!(
        (anonymous.cache(), anonymous.body.as_str()),
        ("MISS", "run 2")
    );
    // …nor served from the cache.
    let auth = send(&app, with_header("/", "authorization", "Bearer alice")).await;
    assert_eq!(auth.body, "run 3");
    // A response to a request with cookies is not kept unless it varies by them.
    let mut request = with_header("/other", "cookie", "session=alice");
    *request.uri_mut() = "/?other".parse().unwrap();
    let with_cookie = send(&app, request).await;
    assert_eq!(with_cookie.body, "run 4");
    let after = send(&app, get_req("/?other")).await;
    assert_eq!((after.cache(), after.body.as_str()), ("MISS", "run 5"));
}

#[tokio::test(start_paused = true)]
async fn vary_keeps_variants_apart() {
    let runs = Runs::default();
    let app = cached(
        Router::new()
            .route(
                "/lang",
                answer(
                    &runs,
                    StatusCode::OK,
                    &[
                        ("cache-control", "public, s-maxage=60"),
                        ("vary", "Accept-Language"),
                    ],
                    Duration::ZERO,
                ),
            )
            .route(
                "/by-cookie",
                answer(
                    &runs,
                    StatusCode::OK,
                    &[("cache-control", "public, s-maxage=60"), ("vary", "cookie")],
                    Duration::ZERO,
                ),
            ),
    );
    let en = send(&app, with_header("/lang", "accept-language", "en")).await;
    let fr = send(&app, with_header("/lang", "accept-language", "fr")).await;
    let none = send(&app, get_req("/lang")).await;
    assert_eq!(
        (en.body.as_str(), fr.body.as_str(), none.body.as_str()),
        ("run 1", "run 2", "run 3")
    );
    for (lang, body) in [("en", "run 1"), ("fr", "run 2")] {
        let again = send(&app, with_header("/lang", "accept-language", lang)).await;
        assert_eq!((again.cache(), again.body.as_str()), ("HIT", body));
    }
    assert_eq!(send(&app, get_req("/lang")).await.body, "run 3");
    // Vary: Cookie opts in to keeping cookie-bearing requests, per cookie.
    let alice = send(&app, with_header("/by-cookie", "cookie", "u=alice")).await;
    let bob = send(&app, with_header("/by-cookie", "cookie", "u=bob")).await;
    assert_ne!(alice.body, bob.body);
    let alice_again = send(&app, with_header("/by-cookie", "cookie", "u=alice")).await;
    assert_eq!(
        (alice_again.cache(), &alice_again.body),
        ("HIT", &alice.body)
    );
    assert_eq!(runs.get(), 5);
}

#[tokio::test(start_paused = true)]
async fn head_is_answered_from_the_get_entry() {
    let runs = Runs::default();
    let app = cached(Router::new().route("/", answer(&runs, StatusCode::OK, SWR, Duration::ZERO)));
    let head = |app: &Router| {
        let app = app.clone();
        async move {
            send(
                &app,
                Request::builder()
                    .method(Method::HEAD)
                    .uri("/")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
        }
    };
    let first = head(&app).await;
    assert_eq!((first.cache(), first.body.as_str()), ("MISS", ""));
    assert_eq!(first.headers[header::CONTENT_LENGTH], "5");
    let get = send(&app, get_req("/")).await;
    assert_eq!((get.cache(), get.body.as_str()), ("HIT", "run 1"));
    assert_eq!(head(&app).await.cache(), "HIT");
    // Other methods always reach the app.
    let post = Router::new()
        .route(
            "/",
            answer(&runs, StatusCode::OK, SWR, Duration::ZERO).post(|| async { "posted" }),
        )
        .layer(CacheLayer::new("b", &CacheConfig::default()));
    let request = Request::builder()
        .method(Method::POST)
        .uri("/")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&post, request).await.body, "posted");
    assert_eq!(runs.get(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_disabled_cache_passes_everything_through() {
    let runs = Runs::default();
    let app = Router::new()
        .route("/", answer(&runs, StatusCode::OK, SWR, Duration::ZERO))
        .layer(CacheLayer::new("build-1", &CacheConfig::disabled()));
    for _ in 0..3 {
        assert!(send(&app, get_req("/"))
            .await
            .headers
            .get("x-cache")
            .is_none());
    }
    assert_eq!(runs.get(), 3);
}

#[tokio::test(start_paused = true)]
async fn responses_over_the_entry_limit_are_passed_through() {
    let runs = Runs::default();
    let app = Router::new()
        .route("/", answer(&runs, StatusCode::OK, SWR, Duration::ZERO))
        .layer(CacheLayer::new(
            "b",
            &CacheConfig::default().max_entry_bytes(4),
        ));
    send(&app, get_req("/")).await;
    assert_eq!(send(&app, get_req("/")).await.body, "run 2");
}

#[tokio::test(start_paused = true)]
async fn a_revalidation_that_turns_uncacheable_drops_the_entry() {
    let runs = Runs::default();
    let flip = Arc::new(AtomicU64::new(0));
    let app = cached(Router::new().route(
        "/",
        get({
            let runs = runs.clone();
            let flip = flip.clone();
            move |_: State<()>| {
                let n = runs.next();
                let cc = if flip.load(Ordering::SeqCst) == 0 {
                    SWR[0].1
                } else {
                    "private, no-store"
                };
                async move { ([(header::CACHE_CONTROL, cc)], format!("run {n}")) }
            }
        }),
    ));
    send(&app, get_req("/")).await;
    flip.store(1, Ordering::SeqCst);
    tokio::time::advance(Duration::from_secs(11)).await;
    assert_eq!(send(&app, get_req("/")).await.cache(), "STALE");
    settle().await;
    let after = send(&app, get_req("/")).await;
    assert_eq!((after.cache(), after.body.as_str()), ("MISS", "run 3"));
}
