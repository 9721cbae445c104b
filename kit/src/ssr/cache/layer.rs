//! The tower layer: look up, serve, fetch once, keep.

use super::{
    store::{self, Refusal, Slot, Stored},
    CacheConfig, X_CACHE,
};
use axum::body::Body;
use futures::future::BoxFuture;
use http::{
    header::{AGE, AUTHORIZATION, CONTENT_LENGTH, COOKIE, HOST},
    request::Parts,
    HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode,
};
use std::{
    collections::HashMap,
    convert::Infallible,
    fmt,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::Duration,
};
use tokio::{sync::watch, time::Instant};
use tower::{Layer, Service, ServiceExt};

/// What the cache wraps: the app as a cloneable, sendable service (axum's
/// `Router` and `Route` are). One name for the bounds every function here needs.
pub trait CachedService:
    Service<Request<Body>, Response = Response<Body>, Error = Infallible, Future: Send + 'static>
    + Clone
    + Send
    + 'static
{
}

impl<S> CachedService for S where
    S: Service<
            Request<Body>,
            Response = Response<Body>,
            Error = Infallible,
            Future: Send + 'static,
        > + Clone
        + Send
        + 'static
{
}

/// The shared cache as a [`tower::Layer`]. Build it with
/// [`ServerProps::cache_layer`](crate::ServerProps::cache_layer), which puts
/// the build id in every key, and add it with `Router::layer`; clones share
/// one cache.
#[derive(Clone)]
pub struct CacheLayer {
    shared: Option<Arc<Shared>>,
}

impl fmt::Debug for CacheLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheLayer")
            .field("enabled", &self.shared.is_some())
            .field(
                "entries",
                &self.shared.as_ref().map(|s| s.entries.entry_count()),
            )
            .finish()
    }
}

impl CacheLayer {
    /// A cache whose keys start with `build_id`, so a new build never
    /// serves the old one's pages.
    pub fn new(build_id: &str, config: &CacheConfig) -> Self {
        if !config.is_enabled() {
            return Self { shared: None };
        }
        let entries = moka::sync::Cache::builder()
            .max_capacity(config.max_bytes)
            .weigher(|key: &String, slot: &Slot| slot.weight(key))
            .expire_after(SlotExpiry)
            .build();
        Self {
            shared: Some(Arc::new(Shared {
                entries,
                flights: Mutex::new(HashMap::new()),
                build: build_id.into(),
                max_entry_bytes: config.max_entry_bytes,
                tags: Mutex::new(TagClock::default()),
                tick: std::sync::atomic::AtomicU64::new(0),
                server_timing: true,
            })),
        }
    }

    /// Whether answers carry `Server-Timing: cache;desc=hit|stale|miss`
    /// (default on; `ServerPropsBuilder::server_timing` decides for the
    /// kit's own layer).
    #[must_use]
    pub fn server_timing(mut self, on: bool) -> Self {
        if let Some(shared) = self.shared.as_mut().and_then(Arc::get_mut) {
            shared.server_timing = on;
        }
        self
    }

    /// Drops every stored response (a deploy hook or an admin action).
    pub fn invalidate_all(&self) {
        if let Some(shared) = &self.shared {
            shared.entries.invalidate_all();
        }
    }

    /// Drops every stored response tagged with one of `tags` (what
    /// `ResponseHead::invalidate` does from an action, through the
    /// `x-server-props-invalidate` header of its answer).
    pub fn invalidate_tags<'a>(&self, tags: impl IntoIterator<Item = &'a str>) {
        if let Some(shared) = &self.shared {
            shared.invalidate(tags.into_iter());
        }
    }
}

impl<S> Layer<S> for CacheLayer {
    type Service = CacheService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CacheService {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// The service [`CacheLayer`] wraps around the app.
#[derive(Clone)]
pub struct CacheService<S> {
    inner: S,
    shared: Option<Arc<Shared>>,
}

impl<S> fmt::Debug for CacheService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheService")
            .field("enabled", &self.shared.is_some())
            .finish_non_exhaustive()
    }
}

impl<S: CachedService> Service<Request<Body>> for CacheService<S> {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Every call drives a clone of the inner service to readiness itself.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let inner = self.inner.clone();
        match &self.shared {
            Some(shared) if is_cacheable_request(&request) => {
                let shared = shared.clone();
                Box::pin(async move { Ok(shared.serve(inner, request).await) })
            }
            // A write's answer may say what it changed.
            Some(shared) if is_write(&request) => {
                let shared = shared.clone();
                Box::pin(async move {
                    let Ok(response) = inner.oneshot(request).await;
                    shared.note_invalidations(&response);
                    Ok(response)
                })
            }
            Some(_) => Box::pin(inner.oneshot(request)),
            None => Box::pin(inner.oneshot(request)),
        }
    }
}

/// Anything but `GET`, `HEAD` and `OPTIONS`: only these answers invalidate tags.
fn is_write(request: &Request<Body>) -> bool {
    !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    )
}

/// `GET`/`HEAD` without credentials; anything else bypasses the cache.
fn is_cacheable_request(request: &Request<Body>) -> bool {
    matches!(*request.method(), Method::GET | Method::HEAD)
        && !request.headers().contains_key(AUTHORIZATION)
}

struct Shared {
    entries: moka::sync::Cache<String, Slot>,
    /// The requests to the app under way, by key; a follower waits for the
    /// sender to drop.
    flights: Mutex<HashMap<String, watch::Receiver<()>>>,
    build: Box<str>,
    max_entry_bytes: u64,
    tags: Mutex<TagClock>,
    /// The tag clock's tick, readable without its lock: a response fetched
    /// at the current tick is current, and a hit asks no more than that.
    tick: std::sync::atomic::AtomicU64,
    /// Whether answers say `cache;desc=hit|stale|miss` in `Server-Timing`.
    server_timing: bool,
}

/// When each tag last changed, on a clock that ticks once per
/// invalidation. A response fetched at tick `t` is current while none of
/// its tags changed after `t`: a response whose loader ran before a
/// mutation and arrives after it is never kept, and one kept before it is
/// never served again.
#[derive(Debug, Default)]
struct TagClock {
    now: u64,
    changed: HashMap<Box<str>, u64>,
    /// The bytes `changed` holds, roughly.
    bytes: usize,
    /// Responses fetched before this tick are not current (the map was
    /// emptied to stay bounded).
    floor: u64,
}

/// How many changed tags (and how many bytes of them) the clock remembers
/// before it forgets them all, and with them every response kept so far.
const MAX_TAGS: usize = 100_000;
const MAX_TAG_BYTES: usize = 4 << 20;

impl TagClock {
    fn invalidate<'a>(&mut self, tags: impl Iterator<Item = &'a str>) {
        self.now += 1;
        for tag in tags {
            if self.changed.insert(tag.into(), self.now).is_none() {
                self.bytes += tag.len() + 48;
            }
        }
        if self.changed.len() > MAX_TAGS || self.bytes > MAX_TAG_BYTES {
            self.changed.clear();
            self.bytes = 0;
            self.floor = self.now;
        }
    }

    fn is_current(&self, tags: &[Box<str>], fetched_at: u64) -> bool {
        fetched_at >= self.floor
            && tags
                .iter()
                .all(|tag| self.changed.get(tag).is_none_or(|&at| at <= fetched_at))
    }
}

/// The values of a comma-separated list header, trimmed, non-empty.
fn list_values<'a>(headers: &'a HeaderMap, name: &str) -> impl Iterator<Item = &'a str> + 'a {
    headers
        .get_all(name)
        .into_iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// What a lookup found.
enum Found {
    Fresh(Arc<Stored>),
    /// Stale but servable; the key to revalidate.
    Stale(Arc<Stored>, String),
    /// Not kept; the key to fetch it under.
    Miss(String),
    /// The URL is known to be uncacheable: fetch, no queueing.
    Pass,
}

/// Whose turn it is to ask the app.
enum Turn {
    Lead(FlightGuard),
    Follow(watch::Receiver<()>),
}

/// Held by the one request asking the app for a key; dropping it (done, or
/// the client went away) wakes the followers, who look again.
struct FlightGuard {
    shared: Arc<Shared>,
    key: String,
    _done: watch::Sender<()>,
}

impl Drop for FlightGuard {
    fn drop(&mut self) {
        lock(&self.shared.flights).remove(&self.key);
    }
}

/// How many times a request waits behind another before asking the app
/// itself (a leader whose client keeps going away must not stall others).
const MAX_WAITS: u32 = 3;

impl Shared {
    async fn serve<S: CachedService>(
        self: Arc<Self>,
        inner: S,
        request: Request<Body>,
    ) -> Response<Body> {
        let head = request.method() == Method::HEAD;
        let (mut parts, _body) = request.into_parts();
        // A HEAD miss is fetched as GET so the kept response has its body.
        parts.method = Method::GET;
        // The app is asked for the whole answer, to keep; the client's
        // condition is applied to what goes back to it.
        let if_none_match = parts.headers.remove(http::header::IF_NONE_MATCH);
        let host = parts
            .headers
            .get(HOST)
            .map(HeaderValue::as_bytes)
            .or_else(|| parts.uri.authority().map(|a| a.as_str().as_bytes()))
            .unwrap_or_default();
        let path = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
        let primary = store::primary_key(&self.build, host, path);
        let mut waits = 0;
        let response = loop {
            let now = Instant::now();
            match self.lookup(&primary, &parts.headers, now) {
                Found::Fresh(stored) => break respond(&stored, now, "HIT", self.server_timing),
                Found::Stale(stored, key) => {
                    self.revalidate(key, &primary, &parts, &stored, inner);
                    break respond(&stored, now, "STALE", self.server_timing);
                }
                Found::Pass => break self.fetch(&primary, parts, inner, true).await,
                Found::Miss(key) => match self.turn(key) {
                    Turn::Follow(mut done) if waits < MAX_WAITS => {
                        waits += 1;
                        // Resolves when the leader's guard drops.
                        let _ = done.changed().await;
                    }
                    Turn::Follow(_) => break self.fetch(&primary, parts, inner, false).await,
                    Turn::Lead(guard) => {
                        let response = self.fetch(&primary, parts, inner, false).await;
                        drop(guard);
                        break response;
                    }
                },
            }
        };
        let response =
            crate::ssr::answer::not_modified_if_matching(if_none_match.as_ref(), response);
        if head {
            without_body(response)
        } else {
            response
        }
    }

    fn lookup(&self, primary: &str, request: &HeaderMap, now: Instant) -> Found {
        let (stored, key) = match self.entries.get(primary) {
            None => return Found::Miss(primary.to_owned()),
            Some(Slot::Pass) => return Found::Pass,
            Some(Slot::Response(stored)) => (stored, primary.to_owned()),
            Some(Slot::Vary(names, _)) => {
                let key = store::secondary_key(primary, &names, request);
                match self.entries.get(&key) {
                    Some(Slot::Response(stored)) => (stored, key),
                    _ => return Found::Miss(key),
                }
            }
        };
        if !self.is_current(&stored.tags, stored.fetched_at) {
            return Found::Miss(key);
        }
        let age = stored.age(now);
        if age < stored.fresh_for {
            Found::Fresh(stored)
        } else if age < stored.fresh_for + stored.stale_for {
            Found::Stale(stored, key)
        } else {
            Found::Miss(key)
        }
    }

    fn turn(self: &Arc<Self>, key: String) -> Turn {
        let mut flights = lock(&self.flights);
        if let Some(done) = flights.get(&key) {
            return Turn::Follow(done.clone());
        }
        let (done, waiting) = watch::channel(());
        flights.insert(key.clone(), waiting);
        Turn::Lead(FlightGuard {
            shared: self.clone(),
            key,
            _done: done,
        })
    }

    /// Asks the app and keeps what it may. `passing`: the URL is already
    /// marked uncacheable, so an uncacheable answer changes nothing.
    async fn fetch<S>(&self, primary: &str, parts: Parts, inner: S, passing: bool) -> Response<Body>
    where
        S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>,
    {
        let request_headers = parts.headers.clone();
        let fetched_at = self.tick();
        let Ok(response) = inner
            .oneshot(Request::from_parts(parts, Body::empty()))
            .await;
        self.keep(primary, &request_headers, response, passing, fetched_at)
            .await
    }

    /// Refreshes a stale entry in the background, unless a refresh (or a
    /// miss) for it is already asking the app.
    fn revalidate<S: CachedService>(
        self: &Arc<Self>,
        key: String,
        primary: &str,
        parts: &Parts,
        stale: &Arc<Stored>,
        inner: S,
    ) {
        let Turn::Lead(guard) = self.turn(key) else {
            return;
        };
        // A refresh that finished between this request's lookup and its
        // turn has already replaced the entry (it stores before it lets go
        // of its turn): one stale window, one refresh.
        let still_stale = matches!(
            self.entries.get(&guard.key),
            Some(Slot::Response(current)) if Arc::ptr_eq(&current, stale)
        );
        if !still_stale {
            return;
        }
        let vary = &stale.vary;
        let mut request = Request::new(Body::empty());
        *request.uri_mut() = parts.uri.clone();
        *request.version_mut() = parts.version;
        *request.headers_mut() = parts.headers.clone();
        *request.extensions_mut() = parts.extensions.clone();
        if !vary.contains(&COOKIE) {
            // Refresh the shared variant, not this client's personal one.
            request.headers_mut().remove(COOKIE);
        }
        let shared = self.clone();
        let primary = primary.to_owned();
        tokio::spawn(async move {
            let headers = request.headers().clone();
            let fetched_at = shared.tick();
            let Ok(response) = inner.oneshot(request).await;
            let response = shared
                .keep(&primary, &headers, response, false, fetched_at)
                .await;
            drop(guard);
            drop(response);
        });
    }

    /// Applies the tags a response says its request changed.
    fn note_invalidations(&self, response: &Response<Body>) {
        let mut tags =
            list_values(response.headers(), crate::protocol::INVALIDATE_HEADER).peekable();
        if tags.peek().is_some() {
            self.invalidate(tags);
        }
    }

    /// Ticks the tag clock for `tags`.
    fn invalidate<'a>(&self, tags: impl Iterator<Item = &'a str>) {
        let mut clock = lock(&self.tags);
        clock.invalidate(tags);
        self.tick
            .store(clock.now, std::sync::atomic::Ordering::Release);
    }

    /// The tag clock's tick now.
    fn tick(&self) -> u64 {
        self.tick.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Whether a response with `tags`, fetched at tick `fetched_at`, may be
    /// served or kept: nothing changed since, or none of its tags did.
    fn is_current(&self, tags: &[Box<str>], fetched_at: u64) -> bool {
        fetched_at == self.tick() || lock(&self.tags).is_current(tags, fetched_at)
    }

    /// Stores `response` (whose request was sent at tick `fetched_at` of
    /// the tag clock) if the rules allow, and returns it marked.
    async fn keep(
        &self,
        primary: &str,
        request: &HeaderMap,
        response: Response<Body>,
        passing: bool,
        fetched_at: u64,
    ) -> Response<Body> {
        let (mut parts, body) = response.into_parts();
        let tags: Arc<[Box<str>]> = list_values(&parts.headers, crate::protocol::TAGS_HEADER)
            .map(Box::from)
            .collect();
        if !self.is_current(&tags, fetched_at) {
            // Made before a change to what it shows: pass it on, keep nothing.
            return marked(
                Response::from_parts(parts, body),
                "MISS",
                self.server_timing,
            );
        }
        let keep = match store::keep(request, parts.status, &parts.headers) {
            Ok(keep) => keep,
            Err(refusal) => {
                if matches!(refusal, Refusal::Response(_)) && !passing {
                    self.entries.insert(primary.to_owned(), Slot::Pass);
                }
                return marked(
                    Response::from_parts(parts, body),
                    "MISS",
                    self.server_timing,
                );
            }
        };
        let size = axum::body::HttpBody::size_hint(&body).exact();
        if size.is_none_or(|n| n > self.max_entry_bytes) {
            self.entries.insert(primary.to_owned(), Slot::Pass);
            return marked(
                Response::from_parts(parts, body),
                "MISS",
                self.server_timing,
            );
        }
        let bytes = match axum::body::to_bytes(body, usize::MAX).await {
            Ok(bytes) => bytes,
            Err(e) => {
                tracing::error!(
                    key = primary,
                    "server_props cache: reading a response failed: {e}"
                );
                let mut response = Response::new(Body::empty());
                *response.status_mut() = StatusCode::BAD_GATEWAY;
                return response;
            }
        };
        parts.headers.remove(AGE);
        let stored = Arc::new(Stored {
            status: parts.status,
            headers: parts.headers,
            body: bytes,
            stored_at: Instant::now(),
            initial_age: keep.initial_age,
            fresh_for: keep.fresh_for,
            stale_for: keep.stale_for,
            vary: keep.vary,
            tags,
            fetched_at,
        });
        let slot = Slot::Response(stored.clone());
        if stored.vary.is_empty() {
            self.entries.insert(primary.to_owned(), slot);
        } else {
            let lifetime = slot.lifetime();
            self.entries
                .insert(store::secondary_key(primary, &stored.vary, request), slot);
            self.entries.insert(
                primary.to_owned(),
                Slot::Vary(stored.vary.clone(), lifetime),
            );
        }
        respond(&stored, stored.stored_at, "MISS", self.server_timing)
    }
}

fn respond(stored: &Stored, now: Instant, label: &'static str, timing: bool) -> Response<Body> {
    let mut response = Response::new(Body::from(stored.body.clone()));
    *response.status_mut() = stored.status;
    *response.headers_mut() = stored.headers.clone();
    response
        .headers_mut()
        .insert(AGE, store::age_value(stored.age(now)));
    if label != "MISS" {
        // The stored timings are the request that filled the cache's.
        response.headers_mut().remove(SERVER_TIMING);
    }
    marked(response, label, timing)
}

const SERVER_TIMING: &str = "server-timing";

fn marked(mut response: Response<Body>, label: &'static str, timing: bool) -> Response<Body> {
    let headers = response.headers_mut();
    if timing {
        let desc = match label {
            "HIT" => "cache;desc=hit",
            "STALE" => "cache;desc=stale",
            _ => "cache;desc=miss",
        };
        headers.append(SERVER_TIMING, HeaderValue::from_static(desc));
    }
    headers.insert(
        HeaderName::from_static(X_CACHE),
        HeaderValue::from_static(label),
    );
    headers.entry(AGE).or_insert(HeaderValue::from_static("0"));
    response
}

/// The answer to a `HEAD`: the headers of the `GET`, its length, no body.
fn without_body(response: Response<Body>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    if let Some(n) = axum::body::HttpBody::size_hint(&body).exact() {
        parts
            .headers
            .entry(CONTENT_LENGTH)
            .or_insert(HeaderValue::from(n));
    }
    Response::from_parts(parts, Body::empty())
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Lets moka drop a slot once nothing may be served from it. moka measures
/// with its own clock; freshness is judged with tokio's on lookup.
struct SlotExpiry;

impl moka::Expiry<String, Slot> for SlotExpiry {
    fn expire_after_create(
        &self,
        _key: &String,
        slot: &Slot,
        _created_at: std::time::Instant,
    ) -> Option<Duration> {
        Some(slot.lifetime())
    }

    fn expire_after_update(
        &self,
        _key: &String,
        slot: &Slot,
        _updated_at: std::time::Instant,
        _remaining: Option<Duration>,
    ) -> Option<Duration> {
        Some(slot.lifetime())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_fetched_before_a_change_is_not_current() {
        let mut clock = TagClock::default();
        let tags: Vec<Box<str>> = vec!["notes".into()];
        let before = clock.now;
        clock.invalidate(["notes"].into_iter());
        // The loader ran before the change and answered after it.
        assert!(!clock.is_current(&tags, before));
        // Fetched after the change.
        assert!(clock.is_current(&tags, clock.now));
        // Other tags, and untagged responses, are not touched.
        assert!(clock.is_current(&["other".into()], before));
        assert!(clock.is_current(&[], before));
    }

    #[test]
    fn the_clock_stays_bounded() {
        let mut clock = TagClock::default();
        let names: Vec<String> = (0..=MAX_TAGS).map(|i| format!("post:{i}")).collect();
        clock.invalidate(names.iter().map(String::as_str));
        assert!(clock.changed.is_empty());
        let long = "x".repeat(MAX_TAG_BYTES);
        clock.invalidate(std::iter::once(long.as_str()));
        assert!(clock.changed.is_empty());
        assert_eq!(clock.bytes, 0);
        // Forgetting the tags forgets everything fetched before.
        assert!(!clock.is_current(&[], clock.now - 1));
        assert!(clock.is_current(&[], clock.now));
    }
}
