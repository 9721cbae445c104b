//! The tower layer: look up, serve, fetch once, keep.

use super::{
    clock::CacheClock,
    entry::{CacheEntry, Slot, Stored},
    error::StorageError,
    memory::MemoryStorage,
    policy::{self, Refusal},
    recording::{self, Recording},
    storage::{CacheStorage, LockToken},
    CacheConfig, X_CACHE,
};
use crate::sync::lock;
use axum::body::Body;
use bytes::Bytes;
use futures::future::BoxFuture;
use http::{
    header::{AGE, AUTHORIZATION, CONTENT_LENGTH, COOKIE, HOST, TRAILER},
    request::Parts,
    HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode,
};
use std::{
    collections::HashMap,
    convert::Infallible,
    fmt,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    task::{Context, Poll},
    time::Duration,
};
use tokio::sync::watch;
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
            .field("storage", &self.shared.as_ref().map(|s| &s.storage))
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
        let storage = config
            .storage
            .clone()
            .unwrap_or_else(|| Arc::new(MemoryStorage::new(config.max_bytes)));
        let shared = storage.is_shared();
        Self {
            shared: Some(Arc::new(Shared {
                storage,
                flights: Mutex::new(HashMap::new()),
                build: build_id.into(),
                max_entry_bytes: config.max_entry_bytes,
                clock: config.clock.clone(),
                lock_for: config.lock_for,
                server_timing: true,
                errors: AtomicU64::new(0),
                logged_at: AtomicU64::new(0),
                vary_hints: shared.then(|| {
                    moka::sync::Cache::builder()
                        .max_capacity(10_000)
                        .time_to_live(VARY_HINT_FOR)
                        .build()
                }),
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
    ///
    /// # Errors
    /// When the store cannot be reached.
    pub async fn invalidate_all(&self) -> Result<(), StorageError> {
        match &self.shared {
            Some(shared) => shared.storage.clear().await,
            None => Ok(()),
        }
    }

    /// Drops every stored response tagged with one of `tags`, in every
    /// instance that shares the store (what `ResponseHead::invalidate`
    /// does from an action, through the `x-server-props-invalidate` header
    /// of its answer).
    ///
    /// # Errors
    /// When the store cannot be reached.
    pub async fn invalidate_tags<'a>(
        &self,
        tags: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), StorageError> {
        match &self.shared {
            Some(shared) => {
                let tags: Vec<&str> = tags.into_iter().collect();
                shared.storage.invalidate(&tags).await
            }
            None => Ok(()),
        }
    }

    /// How many times the store failed since start (each time, that
    /// request was answered by the app as if the cache were off).
    pub fn storage_errors(&self) -> u64 {
        self.shared
            .as_ref()
            .map_or(0, |s| s.errors.load(Ordering::Relaxed))
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
                    shared.note_invalidations(response.headers()).await;
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
    storage: Arc<dyn CacheStorage>,
    /// The requests to the app under way in this process, by key; a
    /// follower waits for the sender to drop.
    flights: Mutex<HashMap<String, watch::Receiver<()>>>,
    build: Box<str>,
    max_entry_bytes: u64,
    clock: CacheClock,
    /// How long one instance may hold a key's fetch lock in a shared store.
    lock_for: Duration,
    /// Whether answers say `cache;desc=hit|stale|miss` in `Server-Timing`.
    server_timing: bool,
    /// The store's failures since start.
    errors: AtomicU64,
    /// When a failure was last logged (ms by the cache's clock).
    logged_at: AtomicU64,
    /// With a shared store: the `Vary` lists of URLs seen in the last
    /// second, by primary key, so a hit on a page that varies (every
    /// compressed page does) is one call to the store, not two.
    vary_hints: Option<moka::sync::Cache<String, Arc<[HeaderName]>>>,
}

/// How long this process trusts a `Vary` list it read from a shared store.
const VARY_HINT_FOR: Duration = Duration::from_secs(1);

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

/// Whose turn it is to ask the app, in this process.
enum Turn {
    Lead(FlightGuard),
    Follow(watch::Receiver<()>),
}

/// Held by the one request in this process asking the app for a key;
/// dropping it (done, or the client went away) wakes the followers, who
/// look again.
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

/// A key's fetch lock in the store; given back when dropped, also when the
/// client went away mid-fetch (else other instances would wait out its
/// expiry).
struct StoreLock {
    shared: Arc<Shared>,
    key: String,
    token: LockToken,
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        let (shared, key, token) = (
            self.shared.clone(),
            std::mem::take(&mut self.key),
            self.token,
        );
        // Outside a runtime (dropped while it shuts down) the lock simply
        // expires.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = shared.storage.unlock(&key, token).await {
                    shared.failed(&e);
                }
            });
        }
    }
}

/// How many times a request waits behind another in this process before
/// asking the app itself (a leader whose client keeps going away must not
/// stall others).
const MAX_WAITS: u32 = 3;

/// How often a request waiting for another instance's fetch looks again:
/// the first wait, doubled up to the last.
const REMOTE_POLL_FIRST: Duration = Duration::from_millis(5);
const REMOTE_POLL_MAX: Duration = Duration::from_millis(50);

/// At most one store failure is logged per this many milliseconds (all
/// are counted).
const LOG_EVERY_MS: u64 = 1_000;

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
        let primary = policy::primary_key(&self.build, host, path);
        let mut waits = 0;
        let mut local_turn = None;
        let mut held = None;
        let mut waited_remote = false;
        let mut remote_wait = REMOTE_POLL_FIRST;
        // Set on the first wait for another instance (a hit reads no clock
        // but the cache's).
        let mut waiting_since = None;
        let response = loop {
            let now = self.clock.now_ms();
            let found = match self.lookup(&primary, &parts.headers, now).await {
                Ok(found) => found,
                Err(e) => {
                    self.failed(&e);
                    break self
                        .fetch(&primary, parts, inner, Keeping::No, Hold::default())
                        .await;
                }
            };
            match found {
                Found::Fresh(stored) => break respond(&stored, now, "HIT", self.server_timing),
                Found::Stale(stored, key) => {
                    self.revalidate(key, &primary, &parts, &stored, inner);
                    break respond(&stored, now, "STALE", self.server_timing);
                }
                Found::Pass => {
                    break self
                        .fetch(&primary, parts, inner, Keeping::Passing, Hold::default())
                        .await
                }
                Found::Miss(key) => {
                    if local_turn.is_none() {
                        match self.turn(key.clone()) {
                            Turn::Follow(mut done) if waits < MAX_WAITS => {
                                waits += 1;
                                // Resolves when the leader's guard drops.
                                let _ = done.changed().await;
                            }
                            Turn::Follow(_) => {
                                let hold = Hold::default();
                                break self.fetch(&primary, parts, inner, Keeping::Yes, hold).await;
                            }
                            // Look again: the lookup above may predate a
                            // leader that stored the answer and let go
                            // since.
                            Turn::Lead(guard) => local_turn = Some(guard),
                        }
                        continue;
                    }
                    // This process's turn; now the store's, which other
                    // instances share.
                    if held.is_some() && waited_remote {
                        // The instance it waited for stored nothing (an
                        // answer for that request only): ask the app
                        // without making the next instance wait in turn.
                        held = None;
                    } else if self.storage.is_shared() && held.is_none() {
                        match self.storage.lock(&key, self.lock_for).await {
                            // Look again, as above, with the other
                            // instances' leaders in mind.
                            Ok(Some(token)) => {
                                held = Some(StoreLock {
                                    shared: self.clone(),
                                    key,
                                    token,
                                });
                                continue;
                            }
                            // Another instance is asking the app: look
                            // again soon, for as long as its lock may last.
                            Ok(None)
                                if waiting_since
                                    .get_or_insert_with(tokio::time::Instant::now)
                                    .elapsed()
                                    < self.lock_for =>
                            {
                                waited_remote = true;
                                tokio::time::sleep(remote_wait).await;
                                remote_wait = (remote_wait * 2).min(REMOTE_POLL_MAX);
                                continue;
                            }
                            Ok(None) => {}
                            Err(e) => {
                                self.failed(&e);
                                break self
                                    .fetch(&primary, parts, inner, Keeping::No, Hold::default())
                                    .await;
                            }
                        }
                    }
                    // Its lock and its turn go with the answer: given back
                    // once it is stored, which for an answer sent in parts
                    // is when its last part is.
                    let hold = Hold {
                        _store: held.take(),
                        _turn: local_turn.take(),
                    };
                    break self.fetch(&primary, parts, inner, Keeping::Yes, hold).await;
                }
            }
        };
        // The store's lock first (its answer is kept by now), then this
        // process's followers.
        drop(held);
        drop(local_turn);
        let response =
            crate::ssr::response::etag::not_modified_if_matching(if_none_match.as_ref(), response);
        if head {
            without_body(response)
        } else {
            response
        }
    }

    async fn lookup(
        &self,
        primary: &str,
        request: &HeaderMap,
        now: u64,
    ) -> Result<Found, StorageError> {
        // A URL whose Vary list this process read a moment ago: its
        // variant first. Anything else (no such variant) is settled by the
        // primary slot, which may say more (a pass mark, another list).
        if let Some(names) = self.vary_hints.as_ref().and_then(|h| h.get(primary)) {
            let key = policy::secondary_key(primary, &names, request);
            if let Some(Slot::Response(stored)) = self.storage.get(&key).await?.map(|e| e.0) {
                return Ok(judge(stored, key, now));
            }
        }
        let (stored, key) = match self.storage.get(primary).await?.map(|e| e.0) {
            None => return Ok(Found::Miss(primary.to_owned())),
            Some(Slot::Pass) => return Ok(Found::Pass),
            Some(Slot::Response(stored)) => (stored, primary.to_owned()),
            Some(Slot::Vary(names, _)) => {
                let key = policy::secondary_key(primary, &names, request);
                if let Some(hints) = &self.vary_hints {
                    hints.insert(primary.to_owned(), names);
                }
                match self.storage.get(&key).await?.map(|e| e.0) {
                    Some(Slot::Response(stored)) => (stored, key),
                    _ => return Ok(Found::Miss(key)),
                }
            }
        };
        Ok(judge(stored, key, now))
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

    /// Asks the app and keeps what it may.
    async fn fetch<S>(
        self: &Arc<Self>,
        primary: &str,
        parts: Parts,
        inner: S,
        keeping: Keeping,
        hold: Hold,
    ) -> Response<Body>
    where
        S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>,
    {
        let request_headers = parts.headers.clone();
        let fetched_at = match keeping {
            Keeping::No => None,
            Keeping::Yes | Keeping::Passing => match self.storage.tick().await {
                Ok(tick) => Some(tick),
                Err(e) => {
                    self.failed(&e);
                    None
                }
            },
        };
        let Ok(response) = inner
            .oneshot(Request::from_parts(parts, Body::empty()))
            .await;
        match fetched_at {
            Some(tick) => {
                self.keep(
                    primary,
                    &request_headers,
                    response,
                    keeping == Keeping::Passing,
                    tick,
                    hold,
                )
                .await
            }
            None => marked(response, "MISS", self.server_timing),
        }
    }

    /// Refreshes a stale entry in the background, unless a refresh (or a
    /// miss) for it is already asking the app, here or in another instance.
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
        let mut request = Request::new(Body::empty());
        *request.uri_mut() = parts.uri.clone();
        *request.version_mut() = parts.version;
        *request.headers_mut() = parts.headers.clone();
        *request.extensions_mut() = parts.extensions.clone();
        if !stale.vary.contains(&COOKIE) {
            // Refresh the shared variant, not this client's personal one.
            request.headers_mut().remove(COOKIE);
        }
        let shared = self.clone();
        let primary = primary.to_owned();
        let stale = stale.clone();
        tokio::spawn(async move {
            let _held = if shared.storage.is_shared() {
                match shared.storage.lock(&guard.key, shared.lock_for).await {
                    Ok(Some(token)) => Some(StoreLock {
                        shared: shared.clone(),
                        key: guard.key.clone(),
                        token,
                    }),
                    // Another instance refreshes it.
                    Ok(None) => return,
                    Err(e) => return shared.failed(&e),
                }
            } else {
                None
            };
            // A refresh that finished between this request's lookup and
            // its turn has already replaced the entry (it stores before it
            // lets go of its turn): one stale window, one refresh.
            let still_stale = matches!(
                shared.storage.get(&guard.key).await,
                Ok(Some(CacheEntry(Slot::Response(current)))) if current.is(&stale)
            );
            if !still_stale {
                return;
            }
            let headers = request.headers().clone();
            let fetched_at = match shared.storage.tick().await {
                Ok(tick) => tick,
                Err(e) => return shared.failed(&e),
            };
            let Ok(response) = inner.oneshot(request).await;
            let hold = Hold {
                _store: _held,
                _turn: Some(guard),
            };
            let response = shared
                .keep(&primary, &headers, response, false, fetched_at, hold)
                .await;
            // An answer sent in parts is kept when it has been read whole.
            let _ = axum::body::to_bytes(response.into_body(), usize::MAX).await;
        });
    }

    /// Applies the tags a response says its request changed, before the
    /// response goes back: the client's next request reads the change.
    async fn note_invalidations(&self, response: &HeaderMap) {
        let tags: Vec<&str> = list_values(response, crate::protocol::INVALIDATE_HEADER).collect();
        if tags.is_empty() {
            return;
        }
        if let Err(e) = self.storage.invalidate(&tags).await {
            self.errors.fetch_add(1, Ordering::Relaxed);
            tracing::error!(
                tags = ?tags,
                "server_props cache: invalidating tags failed, trying again in the background: {e}"
            );
            let tags: Vec<String> = tags.into_iter().map(str::to_owned).collect();
            tokio::spawn(retry_invalidation(self.storage.clone(), tags));
        }
    }

    /// Counts a store failure, and logs it unless one was logged within
    /// the last second.
    fn failed(&self, error: &StorageError) {
        let count = self.errors.fetch_add(1, Ordering::Relaxed) + 1;
        let now = self.clock.now_ms();
        let last = self.logged_at.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= LOG_EVERY_MS
            && self
                .logged_at
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                failures = count,
                "server_props cache: {error}; answering without the cache"
            );
        }
    }

    /// Marks `primary` uncacheable, for this process's hints too.
    async fn put_pass(&self, primary: &str) {
        if let Some(hints) = &self.vary_hints {
            hints.invalidate(primary);
        }
        self.put(primary, CacheEntry::pass()).await;
    }

    /// Puts an entry, counting a failure as "not kept".
    async fn put(&self, key: &str, entry: CacheEntry) -> bool {
        match self.storage.put(key, entry).await {
            Ok(kept) => kept,
            Err(e) => {
                self.failed(&e);
                false
            }
        }
    }

    /// Stores `response` (whose request was sent at tick `fetched_at` of
    /// the tag clock) if the rules allow, and returns it marked. `passing`:
    /// the URL is already marked uncacheable, so an uncacheable answer
    /// changes nothing.
    #[allow(clippy::too_many_arguments)]
    async fn keep(
        self: &Arc<Self>,
        primary: &str,
        request: &HeaderMap,
        response: Response<Body>,
        passing: bool,
        fetched_at: u64,
        hold: Hold,
    ) -> Response<Body> {
        let (parts, body) = response.into_parts();
        let keep = match policy::keep(request, parts.status, &parts.headers) {
            Ok(keep) => keep,
            Err(refusal) => {
                if matches!(refusal, Refusal::Response(_)) && !passing {
                    self.put_pass(primary).await;
                }
                return marked(
                    Response::from_parts(parts, body),
                    "MISS",
                    self.server_timing,
                );
            }
        };
        let size = axum::body::HttpBody::size_hint(&body).exact();
        if size.is_none() {
            // Sent in parts (deferred props): passed on as it comes, kept
            // once whole.
            let shared = Arc::clone(self);
            let primary = primary.to_owned();
            let request = request.clone();
            let (status, headers) = (parts.status, parts.headers.clone());
            let on_end: recording::OnEnd = Box::new(move |bytes| {
                tokio::spawn(async move {
                    shared
                        .store(
                            &primary,
                            &request,
                            (status, headers),
                            keep,
                            bytes,
                            fetched_at,
                        )
                        .await;
                    drop(hold);
                });
            });
            let body = Body::new(Recording::new(body, self.max_entry_bytes, on_end));
            return marked(
                Response::from_parts(parts, body),
                "MISS",
                self.server_timing,
            );
        }
        if size.is_some_and(|n| n > self.max_entry_bytes) {
            self.put_pass(primary).await;
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
        let stored = self
            .store(
                primary,
                request,
                (parts.status, parts.headers),
                keep,
                bytes,
                fetched_at,
            )
            .await;
        respond(&stored, stored.stored_at, "MISS", self.server_timing)
    }

    /// Stores a complete answer under `primary` (and its `Vary` variant).
    async fn store(
        &self,
        primary: &str,
        request: &HeaderMap,
        (status, mut headers): (StatusCode, HeaderMap),
        keep: policy::Keep,
        bytes: Bytes,
        fetched_at: u64,
    ) -> Arc<Stored> {
        headers.remove(AGE);
        // Replayed whole: no trailer follows.
        headers.remove(TRAILER);
        let tags: Arc<[Box<str>]> = list_values(&headers, crate::protocol::TAGS_HEADER)
            .map(Box::from)
            .collect();
        let stored = Arc::new(Stored {
            status,
            headers,
            body: bytes,
            stored_at: self.clock.now_ms(),
            initial_age: keep.initial_age,
            fresh_for: keep.fresh_for,
            stale_for: keep.stale_for,
            vary: keep.vary,
            tags,
            fetched_at,
        });
        let entry = CacheEntry(Slot::Response(stored.clone()));
        if stored.vary.is_empty() {
            self.put(primary, entry).await;
        } else {
            let lifetime = entry.lifetime();
            let secondary = policy::secondary_key(primary, &stored.vary, request);
            if self.put(&secondary, entry).await {
                let vary = CacheEntry(Slot::Vary(stored.vary.clone(), lifetime));
                if self.put(primary, vary).await {
                    if let Some(hints) = &self.vary_hints {
                        hints.insert(primary.to_owned(), stored.vary.clone());
                    }
                }
            }
        }
        stored
    }
}

/// Fresh, stale or too old, by the response's age `now`.
fn judge(stored: Arc<Stored>, key: String, now: u64) -> Found {
    let age = stored.age(now);
    if age < stored.fresh_for {
        Found::Fresh(stored)
    } else if age < stored.fresh_for + stored.stale_for {
        Found::Stale(stored, key)
    } else {
        Found::Miss(key)
    }
}

/// Tries an invalidation that failed again, 0.5 s later, then doubling up
/// to a minute: entries with these tags are served until it lands or they
/// expire.
async fn retry_invalidation(storage: Arc<dyn CacheStorage>, tags: Vec<String>) {
    let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
    let mut wait = Duration::from_millis(500);
    for _ in 0..8 {
        tokio::time::sleep(wait).await;
        match storage.invalidate(&tags).await {
            Ok(()) => {
                tracing::info!(tags = ?tags, "server_props cache: invalidated after a retry");
                return;
            }
            Err(e) => {
                tracing::warn!(tags = ?tags, "server_props cache: invalidating again failed: {e}")
            }
        }
        wait = (wait * 2).min(Duration::from_secs(60));
    }
    tracing::error!(tags = ?tags, "server_props cache: gave up invalidating; entries with these tags are served until they expire");
}

/// A request's place in the single flight, held until its answer is kept:
/// the store's lock (dropped first), then this process's turn.
#[derive(Default)]
struct Hold {
    _store: Option<StoreLock>,
    _turn: Option<FlightGuard>,
}

/// Whether a fetch's answer goes to the store.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keeping {
    Yes,
    /// Yes, but the URL is already marked uncacheable.
    Passing,
    /// No: the store failed; the cache is off for this request.
    No,
}

fn respond(stored: &Stored, now: u64, label: &'static str, timing: bool) -> Response<Body> {
    let mut response = Response::new(Body::from(stored.body.clone()));
    *response.status_mut() = stored.status;
    *response.headers_mut() = stored.headers.clone();
    response
        .headers_mut()
        .insert(AGE, policy::age_value(stored.age(now)));
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
