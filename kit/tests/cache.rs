//! The shared cache in front of plain axum handlers: what is kept, for how
//! long, for whom, and how often the app is asked.
//!
//! Every test runs once per store: in memory, and (feature `redis`) in a
//! redis-server the test starts itself. Time is the cache's manual clock,
//! so ages and staleness are exact whichever store keeps the entries. The
//! tests at the end are Redis's own: several instances on one store, and
//! Redis failing.

#![cfg(feature = "cache")]

use axum::{
    body::Body,
    extract::{Request, State},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use http_body_util::BodyExt;
use server_props::cache::{CacheClock, CacheConfig, CacheLayer, MemoryStorage};
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

/// A store for one test, and the clock its caches read.
struct Store {
    config: CacheConfig,
    clock: CacheClock,
    #[cfg(feature = "redis")]
    server: Option<redis_server::RedisServer>,
}

impl Store {
    fn memory() -> Self {
        let clock = CacheClock::manual();
        Self {
            config: CacheConfig::default()
                .clock(clock.clone())
                .storage(MemoryStorage::new(64 << 20)),
            clock,
            #[cfg(feature = "redis")]
            server: None,
        }
    }

    #[cfg(feature = "redis")]
    fn redis() -> Self {
        let server = redis_server::RedisServer::start();
        let clock = CacheClock::manual();
        Self {
            config: CacheConfig::default().clock(clock.clone()),
            clock,
            server: Some(server),
        }
    }

    /// The configuration of one cache (instance): the memory store is
    /// shared by every cache of the test; with Redis each cache has its own
    /// client (connections, pause after failures) to the one server, as
    /// instances do.
    fn config(&self) -> CacheConfig {
        #[cfg(feature = "redis")]
        if let Some(server) = &self.server {
            let storage = server_props::cache::RedisStorage::builder(&server.url())
                .unwrap()
                .build();
            return self.config.clone().storage(storage);
        }
        self.config.clone()
    }

    /// A cache over this store: caches made by one store share its entries,
    /// as instances sharing one Redis do.
    fn layer(&self, build: &str) -> CacheLayer {
        CacheLayer::new(build, &self.config())
    }

    fn cached(&self, router: Router) -> Router {
        router.layer(self.layer("build-1"))
    }

    fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }
}

#[cfg(feature = "redis")]
#[path = "support/redis_server.rs"]
mod redis_server;

/// Sends `uri` until the answer satisfies `done` (a background refresh has
/// landed), for at most five seconds; the matching answer.
async fn until(app: &Router, uri: &str, done: impl Fn(&Reply) -> bool) -> Reply {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let reply = send(app, get_req(uri)).await;
        if done(&reply) {
            return reply;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still {} {:?}",
            reply.cache(),
            reply.body
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A `GET uri` sent in the background and given 100 ms to reach the app
/// (a slow loader there: it reads now and answers later).
async fn read_under_way(app: &Router, uri: &str) -> tokio::task::JoinHandle<Reply> {
    let read = tokio::spawn({
        let (app, request) = (app.clone(), get_req(uri));
        async move { send(&app, request).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    read
}

/// Runs each test once per store.
macro_rules! for_each_store {
    ($($test:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test(super::Store::memory()).await;
                }
            )*
        }
        #[cfg(feature = "redis")]
        mod redis {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test(super::Store::redis()).await;
                }
            )*
        }
    };
}

for_each_store!(
    fresh_responses_are_served_without_asking_the_app,
    stale_responses_are_served_while_one_refresh_runs,
    concurrent_misses_ask_the_app_once,
    concurrent_stale_requests_refresh_once,
    a_waiting_request_takes_over_when_the_leader_goes_away,
    private_cookie_and_uncacheable_responses_are_never_shared,
    requests_with_credentials_bypass_the_cache,
    vary_keeps_variants_apart,
    head_is_answered_from_the_get_entry,
    responses_over_the_entry_limit_are_passed_through,
    a_revalidation_that_turns_uncacheable_drops_the_entry,
    a_write_naming_a_tag_drops_its_entries,
    an_answer_begun_before_an_invalidation_is_not_kept,
    invalidate_tags_and_invalidate_all_reach_every_cache_on_the_store,
    invalidate_all_keeps_judging_answers_under_way,
);

async fn fresh_responses_are_served_without_asking_the_app(store: Store) {
    let runs = Runs::default();
    let app =
        store.cached(Router::new().route("/", answer(&runs, StatusCode::OK, SWR, Duration::ZERO)));
    let first = send(&app, get_req("/")).await;
    assert_eq!(
        (first.cache(), first.age(), first.body.as_str()),
        ("MISS", 0, "run 1")
    );
    for i in 0..50 {
        store.advance(Duration::from_millis(150));
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

async fn stale_responses_are_served_while_one_refresh_runs(store: Store) {
    let runs = Runs::default();
    let app =
        store.cached(Router::new().route("/", answer(&runs, StatusCode::OK, SWR, Duration::ZERO)));
    send(&app, get_req("/")).await;
    store.advance(Duration::from_secs(11));
    let stale = send(&app, get_req("/")).await;
    assert_eq!(
        (stale.cache(), stale.body.as_str(), stale.age()),
        ("STALE", "run 1", 11)
    );
    let fresh = until(&app, "/", |r| r.cache() != "STALE").await;
    assert_eq!((fresh.cache(), fresh.body.as_str()), ("HIT", "run 2"));
    assert_eq!(runs.get(), 2, "revalidated once in the background");
    // Past stale-while-revalidate the app answers before the client does.
    store.advance(Duration::from_secs(10 + 59));
    let late = send(&app, get_req("/")).await;
    assert_eq!((late.cache(), late.body.as_str()), ("MISS", "run 3"));
}

async fn concurrent_misses_ask_the_app_once(store: Store) {
    let runs = Runs::default();
    let app = store.cached(Router::new().route(
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

async fn concurrent_stale_requests_refresh_once(store: Store) {
    let runs = Runs::default();
    let app = store.cached(Router::new().route(
        "/",
        answer(&runs, StatusCode::OK, SWR, Duration::from_millis(200)),
    ));
    send(&app, get_req("/")).await;
    store.advance(Duration::from_secs(30));
    let replies = futures::future::join_all((0..100).map(|_| {
        let app = app.clone();
        tokio::spawn(async move { send(&app, get_req("/")).await })
    }))
    .await;
    for r in &replies {
        let r = r.as_ref().unwrap();
        assert_eq!((r.cache(), r.body.as_str()), ("STALE", "run 1"));
    }
    let fresh = until(&app, "/", |r| r.cache() != "STALE").await;
    assert_eq!((fresh.cache(), fresh.body.as_str()), ("HIT", "run 2"));
    assert_eq!(runs.get(), 2);
}

async fn a_waiting_request_takes_over_when_the_leader_goes_away(store: Store) {
    let runs = Runs::default();
    let app = store.cached(Router::new().route(
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

async fn private_cookie_and_uncacheable_responses_are_never_shared(store: Store) {
    let runs = Runs::default();
    let app = store.cached(
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

async fn requests_with_credentials_bypass_the_cache(store: Store) {
    let runs = Runs::default();
    let app =
        store.cached(Router::new().route("/", answer(&runs, StatusCode::OK, SWR, Duration::ZERO)));
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

async fn vary_keeps_variants_apart(store: Store) {
    let runs = Runs::default();
    let app = store.cached(
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

async fn head_is_answered_from_the_get_entry(store: Store) {
    let runs = Runs::default();
    let app =
        store.cached(Router::new().route("/", answer(&runs, StatusCode::OK, SWR, Duration::ZERO)));
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
        .layer(store.layer("b"));
    let request = Request::builder()
        .method(Method::POST)
        .uri("/")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&post, request).await.body, "posted");
    assert_eq!(runs.get(), 1);
}

/// No store at all: one test, not one per store.
#[tokio::test]
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

async fn responses_over_the_entry_limit_are_passed_through(store: Store) {
    let runs = Runs::default();
    let app = Router::new()
        .route("/", answer(&runs, StatusCode::OK, SWR, Duration::ZERO))
        .layer(CacheLayer::new("b", &store.config().max_entry_bytes(4)));
    send(&app, get_req("/")).await;
    assert_eq!(send(&app, get_req("/")).await.body, "run 2");
}

async fn a_revalidation_that_turns_uncacheable_drops_the_entry(store: Store) {
    let runs = Runs::default();
    let flip = Arc::new(AtomicU64::new(0));
    let app = store.cached(Router::new().route(
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
    store.advance(Duration::from_secs(11));
    assert_eq!(send(&app, get_req("/")).await.cache(), "STALE");
    let after = until(&app, "/", |r| r.cache() != "STALE").await;
    assert_eq!((after.cache(), after.body.as_str()), ("MISS", "run 3"));
    assert_eq!(
        send(&app, get_req("/")).await.body,
        "run 4",
        "never kept again"
    );
}

/// A handler answering `run <n>` tagged `notes`, after `delay`.
fn tagged(runs: &Runs, delay: Duration) -> axum::routing::MethodRouter<()> {
    answer(
        runs,
        StatusCode::OK,
        &[
            ("cache-control", "public, s-maxage=60"),
            ("x-server-props-tags", "notes, note:1"),
        ],
        delay,
    )
}

/// A write whose answer says it changed `notes`.
fn write_notes() -> axum::routing::MethodRouter<()> {
    axum::routing::post(|| async { ([("x-server-props-invalidate", "notes")], "written") })
}

/// `/notes` ([`tagged`], after `delay`) and `/write` ([`write_notes`]).
fn notes_and_write(runs: &Runs, delay: Duration) -> Router {
    Router::new()
        .route("/notes", tagged(runs, delay))
        .route("/write", write_notes())
}

fn post_req(uri: &str) -> Request {
    Request::builder()
        .method(Method::POST)
        .uri(uri)
        .body(Body::empty())
        .unwrap()
}

async fn a_write_naming_a_tag_drops_its_entries(store: Store) {
    let runs = Runs::default();
    let other = Runs::default();
    let app = store.cached(notes_and_write(&runs, Duration::ZERO).route(
        "/other",
        answer(&other, StatusCode::OK, SWR, Duration::ZERO),
    ));
    send(&app, get_req("/notes")).await;
    send(&app, get_req("/other")).await;
    assert_eq!(send(&app, get_req("/notes")).await.cache(), "HIT");
    assert_eq!(send(&app, post_req("/write")).await.body, "written");
    let after = send(&app, get_req("/notes")).await;
    assert_eq!((after.cache(), after.body.as_str()), ("MISS", "run 2"));
    assert_eq!(send(&app, get_req("/notes")).await.cache(), "HIT");
    // Untagged entries are not touched.
    let untouched = send(&app, get_req("/other")).await;
    assert_eq!(
        (untouched.cache(), untouched.body.as_str()),
        ("HIT", "run 1")
    );
}

async fn an_answer_begun_before_an_invalidation_is_not_kept(store: Store) {
    let runs = Runs::default();
    let app = store.cached(notes_and_write(&runs, Duration::from_millis(300)));
    // The loader reads before the write and answers after it.
    let slow = read_under_way(&app, "/notes").await;
    send(&app, post_req("/write")).await;
    let slow = slow.await.unwrap();
    assert_eq!((slow.cache(), slow.body.as_str()), ("MISS", "run 1"));
    let next = send(&app, get_req("/notes")).await;
    assert_eq!(
        (next.cache(), next.body.as_str()),
        ("MISS", "run 2"),
        "the answer from before the write was not kept"
    );
}

async fn invalidate_tags_and_invalidate_all_reach_every_cache_on_the_store(store: Store) {
    let runs = Runs::default();
    let layer = store.layer("build-1");
    let one = Router::new()
        .route("/notes", tagged(&runs, Duration::ZERO))
        .route("/plain", answer(&runs, StatusCode::OK, SWR, Duration::ZERO))
        .layer(layer.clone());
    let two = Router::new()
        .route("/notes", tagged(&runs, Duration::ZERO))
        .route("/plain", answer(&runs, StatusCode::OK, SWR, Duration::ZERO))
        .layer(store.layer("build-1"));
    send(&one, get_req("/notes")).await;
    send(&one, get_req("/plain")).await;
    assert_eq!(send(&two, get_req("/notes")).await.cache(), "HIT");
    layer.invalidate_tags(["note:1"]).await.unwrap();
    assert_eq!(send(&two, get_req("/notes")).await.body, "run 3");
    assert_eq!(send(&two, get_req("/plain")).await.cache(), "HIT");
    layer.invalidate_all().await.unwrap();
    assert_eq!(send(&two, get_req("/plain")).await.cache(), "MISS");
    assert_eq!(send(&two, get_req("/notes")).await.cache(), "MISS");
    assert_eq!(layer.storage_errors(), 0);
}

async fn invalidate_all_keeps_judging_answers_under_way(store: Store) {
    let runs = Runs::default();
    let layer = store.layer("build-1");
    let app = notes_and_write(&runs, Duration::from_millis(300)).layer(layer.clone());
    // Changes before the request, so a clock that started over would read
    // lower than the one this request notes.
    for _ in 0..5 {
        send(&app, post_req("/write")).await;
    }
    let slow = read_under_way(&app, "/notes").await;
    layer.invalidate_all().await.unwrap();
    send(&app, post_req("/write")).await;
    assert_eq!(slow.await.unwrap().body, "run 1");
    let next = send(&app, get_req("/notes")).await;
    assert_eq!(
        (next.cache(), next.body.as_str()),
        ("MISS", "run 2"),
        "read before the write, so never kept"
    );
}

/// Redis's own: instances sharing one store, and the store failing.
#[cfg(feature = "redis")]
mod shared_store {
    use super::*;
    use server_props::cache::{CacheStorage, RedisStorage};

    /// `n` caches (instances) over one Redis, each in front of its own copy
    /// of the app counting into `runs`.
    fn instances(store: &Store, runs: &Runs, n: usize, delay: Duration) -> Vec<Router> {
        (0..n)
            .map(|_| {
                Router::new()
                    .route("/", answer(runs, StatusCode::OK, SWR, delay))
                    .layer(store.layer("build-1"))
            })
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn instances_share_entries_and_ask_the_app_once_per_key() {
        let store = Store::redis();
        let runs = Runs::default();
        let apps = instances(&store, &runs, 2, Duration::from_millis(100));
        let replies = futures::future::join_all((0..50).map(|i| {
            let app = apps[i % 2].clone();
            tokio::spawn(async move { send(&app, get_req("/?new")).await })
        }))
        .await;
        assert_eq!(runs.get(), 1, "one loader run across both instances");
        for r in replies {
            assert_eq!(r.unwrap().body, "run 1");
        }
        // Filled through one, a hit on the other.
        send(&apps[0], get_req("/?other")).await;
        let other = send(&apps[1], get_req("/?other")).await;
        assert_eq!((other.cache(), other.body.as_str()), ("HIT", "run 2"));
        // Stale on both: one refresh in all.
        store.advance(Duration::from_secs(11));
        for app in &apps {
            assert_eq!(send(app, get_req("/?other")).await.cache(), "STALE");
        }
        let fresh = until(&apps[1], "/?other", |r| r.cache() != "STALE").await;
        assert_eq!((fresh.cache(), fresh.body.as_str()), ("HIT", "run 3"));
        assert_eq!(send(&apps[0], get_req("/?other")).await.body, "run 3");
        assert_eq!(runs.get(), 3);
    }

    /// A loader quicker than a Redis round trip: a request that looked up
    /// before the leader stored its answer, and takes its turn after the
    /// leader let go, must look again instead of running the loader.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn quick_loaders_run_once_per_key_too() {
        let store = Store::redis();
        let runs = Runs::default();
        let apps = instances(&store, &runs, 2, Duration::ZERO);
        for round in 0..20 {
            let uri = format!("/?round={round}");
            let replies = futures::future::join_all((0..50).map(|i| {
                let app = apps[i % 2].clone();
                let uri = uri.clone();
                tokio::spawn(async move { send(&app, get_req(&uri)).await })
            }))
            .await;
            assert!(replies
                .iter()
                .all(|r| r.as_ref().unwrap().status == StatusCode::OK));
            assert_eq!(runs.get(), round + 1, "round {round}");
        }
    }

    /// A Redis store that counts the reads it is asked for.
    #[derive(Debug)]
    struct CountingReads(RedisStorage, Arc<AtomicU64>);

    impl CacheStorage for CountingReads {
        fn get<'a>(
            &'a self,
            key: &'a str,
        ) -> futures::future::BoxFuture<
            'a,
            Result<Option<server_props::cache::CacheEntry>, server_props::cache::StorageError>,
        > {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.get(key)
        }
        fn put<'a>(
            &'a self,
            key: &'a str,
            entry: server_props::cache::CacheEntry,
        ) -> futures::future::BoxFuture<'a, Result<bool, server_props::cache::StorageError>>
        {
            self.0.put(key, entry)
        }
        fn tick(
            &self,
        ) -> futures::future::BoxFuture<'_, Result<u64, server_props::cache::StorageError>>
        {
            self.0.tick()
        }
        fn invalidate<'a>(
            &'a self,
            tags: &'a [&'a str],
        ) -> futures::future::BoxFuture<'a, Result<(), server_props::cache::StorageError>> {
            self.0.invalidate(tags)
        }
        fn clear(
            &self,
        ) -> futures::future::BoxFuture<'_, Result<(), server_props::cache::StorageError>> {
            self.0.clear()
        }
        fn lock<'a>(
            &'a self,
            key: &'a str,
            hold_for: Duration,
        ) -> futures::future::BoxFuture<
            'a,
            Result<Option<server_props::cache::LockToken>, server_props::cache::StorageError>,
        > {
            self.0.lock(key, hold_for)
        }
        fn unlock<'a>(
            &'a self,
            key: &'a str,
            token: server_props::cache::LockToken,
        ) -> futures::future::BoxFuture<'a, Result<(), server_props::cache::StorageError>> {
            self.0.unlock(key, token)
        }
    }

    /// Every compressed page varies by `Accept-Encoding`: its hit reads
    /// the variant alone once this instance has seen the URL's Vary list,
    /// and an instance that has not reads the list first.
    #[tokio::test]
    async fn a_hit_on_a_page_that_varies_is_one_read() {
        let server = redis_server::RedisServer::start();
        let reads = Arc::new(AtomicU64::new(0));
        let runs = Runs::default();
        let instance = |reads: &Arc<AtomicU64>| {
            let storage = CountingReads(
                RedisStorage::builder(&server.url()).unwrap().build(),
                reads.clone(),
            );
            Router::new()
                .route(
                    "/",
                    answer(
                        &runs,
                        StatusCode::OK,
                        &[
                            ("cache-control", "public, s-maxage=60"),
                            ("vary", "accept-encoding"),
                        ],
                        Duration::ZERO,
                    ),
                )
                .layer(CacheLayer::new(
                    "build-1",
                    &CacheConfig::default().storage(storage),
                ))
        };
        let (a, other_reads) = (instance(&reads), Arc::new(AtomicU64::new(0)));
        let b = instance(&other_reads);
        send(&a, with_header("/", "accept-encoding", "gzip")).await;
        for _ in 0..3 {
            let before = reads.load(Ordering::SeqCst);
            let hit = send(&a, with_header("/", "accept-encoding", "gzip")).await;
            assert_eq!((hit.cache(), hit.body.as_str()), ("HIT", "run 1"));
            assert_eq!(reads.load(Ordering::SeqCst) - before, 1);
        }
        // Another variant through the hint: the variant misses, the list
        // is read again, the app answers.
        let br = send(&a, with_header("/", "accept-encoding", "br")).await;
        assert_eq!((br.cache(), br.body.as_str()), ("MISS", "run 2"));
        // The other instance: the list, then the variant; then one read.
        let hit = send(&b, with_header("/", "accept-encoding", "gzip")).await;
        assert_eq!((hit.cache(), hit.body.as_str()), ("HIT", "run 1"));
        assert_eq!(other_reads.load(Ordering::SeqCst), 2);
        send(&b, with_header("/", "accept-encoding", "gzip")).await;
        assert_eq!(other_reads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_lock_left_by_a_crashed_instance_expires() {
        let server = redis_server::RedisServer::start();
        let storage = RedisStorage::builder(&server.url()).unwrap().build();
        let clock = CacheClock::manual();
        let config = CacheConfig::default()
            .clock(clock)
            .storage(storage.clone())
            .lock_for(Duration::from_millis(300));
        let runs = Runs::default();
        let app = Router::new()
            .route("/", answer(&runs, StatusCode::OK, SWR, Duration::ZERO))
            .layer(CacheLayer::new("build-1", &config));
        // An instance took the key's lock and died without giving it back.
        let key = "build-1\n\n/";
        let taken = storage.lock(key, Duration::from_millis(300)).await.unwrap();
        assert!(taken.is_some());
        let started = std::time::Instant::now();
        let reply = send(&app, get_req("/")).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, "run 1")
        );
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(250) && waited < Duration::from_secs(3),
            "waited {waited:?} for the dead lock"
        );
        assert_eq!(send(&app, get_req("/")).await.cache(), "HIT");
    }

    #[tokio::test]
    async fn redis_down_means_no_cache_never_an_error() {
        let mut store = Store::redis();
        let runs = Runs::default();
        let layer = store.layer("build-1");
        let app = Router::new()
            .route("/", answer(&runs, StatusCode::OK, SWR, Duration::ZERO))
            .route("/write", write_notes())
            .layer(layer.clone());
        send(&app, get_req("/")).await;
        assert_eq!(send(&app, get_req("/")).await.cache(), "HIT");
        store.server.as_mut().unwrap().stop();
        for i in 0..5 {
            let reply = send(&app, get_req("/")).await;
            assert_eq!(
                (reply.status, reply.cache(), reply.body.clone()),
                (StatusCode::OK, "MISS", format!("run {}", i + 2)),
                "served by the app while Redis is down"
            );
        }
        let written = send(&app, post_req("/write")).await;
        assert_eq!(
            (written.status, written.body.as_str()),
            (StatusCode::OK, "written")
        );
        assert!(layer.storage_errors() >= 1);
        // Back, empty: after the pause the cache works again.
        store.server.as_mut().unwrap().restart();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        send(&app, get_req("/")).await;
        let after = until(&app, "/", |r| r.cache() == "HIT").await;
        assert_eq!(after.status, StatusCode::OK);
    }

    #[tokio::test]
    async fn a_frozen_redis_costs_one_time_limit_then_nothing() {
        let store = Store::redis();
        let runs = Runs::default();
        let app = store
            .cached(Router::new().route("/", answer(&runs, StatusCode::OK, SWR, Duration::ZERO)));
        send(&app, get_req("/")).await;
        store.server.as_ref().unwrap().freeze();
        let started = std::time::Instant::now();
        let first = send(&app, get_req("/")).await;
        let first_took = started.elapsed();
        assert_eq!((first.status, first.cache()), (StatusCode::OK, "MISS"));
        assert!(first_took < Duration::from_secs(2), "{first_took:?}");
        let started = std::time::Instant::now();
        for _ in 0..10 {
            assert_eq!(send(&app, get_req("/")).await.status, StatusCode::OK);
        }
        let rest = started.elapsed();
        assert!(
            rest < Duration::from_millis(200),
            "ten requests took {rest:?}: the store is skipped after a failure"
        );
        // The pause over, Redis still frozen: one request tries it, the
        // others go on without it.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let took = futures::future::join_all((0..20).map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                let started = std::time::Instant::now();
                let reply = send(&app, get_req("/")).await;
                assert_eq!(reply.status, StatusCode::OK);
                started.elapsed()
            })
        }))
        .await;
        let slow = took
            .iter()
            .filter(|t| *t.as_ref().unwrap() >= Duration::from_millis(200))
            .count();
        assert!(
            slow <= 1,
            "{slow} of 20 waited for the frozen Redis: {took:?}"
        );
        store.server.as_ref().unwrap().thaw();
    }

    #[tokio::test]
    async fn a_redis_restarted_empty_still_refuses_answers_read_before_a_write() {
        let mut store = Store::redis();
        let runs = Runs::default();
        let app = store.cached(notes_and_write(&runs, Duration::from_millis(400)));
        for _ in 0..5 {
            send(&app, post_req("/write")).await;
        }
        let slow = read_under_way(&app, "/notes").await;
        store.server.as_mut().unwrap().restart();
        // Past the store's pause after the failures the restart caused.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        send(&app, post_req("/write")).await;
        assert_eq!(slow.await.unwrap().body, "run 1");
        let next = until(&app, "/notes", |r| r.cache() == "MISS").await;
        assert_eq!(
            next.body, "run 2",
            "the answer read before the write was not kept"
        );
    }

    #[tokio::test]
    async fn a_write_then_a_redis_restarted_empty_still_refuses_what_was_read_before() {
        let mut store = Store::redis();
        let runs = Runs::default();
        let app = store.cached(notes_and_write(&runs, Duration::from_millis(400)));
        let slow = read_under_way(&app, "/notes").await;
        send(&app, post_req("/write")).await;
        // The write's stamp is lost with everything else.
        store.server.as_mut().unwrap().restart();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(slow.await.unwrap().body, "run 1");
        let next = until(&app, "/notes", |r| r.cache() == "MISS").await;
        assert_eq!(
            next.body, "run 2",
            "what was read before the write was not kept"
        );
    }

    /// Answers kept for no one (a request with cookies the page does not
    /// vary by) do not make instances take turns.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn instances_do_not_queue_for_answers_that_are_not_kept() {
        let store = Store::redis();
        let runs = Runs::default();
        let apps = instances(&store, &runs, 4, Duration::from_millis(300));
        let started = std::time::Instant::now();
        let took = futures::future::join_all(apps.iter().map(|app| {
            let app = app.clone();
            tokio::spawn(async move {
                send(&app, with_header("/", "cookie", "session=alice")).await;
                started.elapsed()
            })
        }))
        .await;
        assert_eq!(runs.get(), 4);
        let longest = took.iter().map(|t| *t.as_ref().unwrap()).max().unwrap();
        assert!(
            longest < Duration::from_millis(1000),
            "{longest:?}: four 300 ms answers one after another"
        );
    }
}
