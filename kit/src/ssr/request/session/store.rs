//! Where sessions are kept: the [`SessionConfig`] an app sets, and the
//! [`SessionStore`]s that keep them on the server. Apart from the
//! [`Session`](super::Session) argument so that the request configuration
//! can hold it without depending on what reads a request.

use futures::future::BoxFuture;
use web_time::Instant;

use std::{
    borrow::Cow,
    collections::HashMap,
    fmt,
    sync::{Arc, Mutex},
    time::Duration,
};

/// How long a session lasts when the app does not say: 30 days.
pub const DEFAULT_SESSION_MAX_AGE: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// Where and how sessions are kept: set with
/// [`ServerPropsBuilder::sessions`](crate::ServerPropsBuilder::sessions).
///
/// ```
/// use server_props::session::{MemorySessionStore, SessionConfig};
/// use std::time::Duration;
///
/// // In a private cookie named `session` (the default)…
/// let in_cookie = SessionConfig::default();
/// // …or on the server, the cookie holding the session's id.
/// let in_store = SessionConfig::default()
///     .store(MemorySessionStore::default())
///     .cookie_name("sid")
///     .max_age(Duration::from_secs(7 * 24 * 60 * 60));
/// ```
#[derive(Clone)]
pub struct SessionConfig {
    pub(crate) cookie_name: Cow<'static, str>,
    pub(crate) max_age: Duration,
    pub(crate) store: Option<Arc<dyn SessionStore>>,
}

impl Default for SessionConfig {
    /// A private cookie named `session`, for 30 days.
    fn default() -> Self {
        Self {
            cookie_name: Cow::Borrowed("session"),
            max_age: DEFAULT_SESSION_MAX_AGE,
            store: None,
        }
    }
}

impl fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionConfig")
            .field("cookie_name", &self.cookie_name)
            .field("max_age", &self.max_age)
            .field("store", &self.store.as_ref().map(|_| "…"))
            .finish()
    }
}

impl SessionConfig {
    /// The cookie's name (default `session`).
    #[must_use]
    pub fn cookie_name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.cookie_name = name.into();
        self
    }

    /// How long a session lasts after it was last set (the cookie's
    /// `Max-Age`, and the store's expiry).
    #[must_use]
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// Keeps sessions in `store`, the cookie holding their ids.
    #[must_use]
    pub fn store(mut self, store: impl SessionStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }
}

/// Why a session store failed: the store is unreachable or answered
/// something it should not. [`Session`](super::Session)'s calls answer it with a 503.
#[derive(Debug, thiserror::Error)]
#[error("session store: {0}")]
pub struct SessionStoreError(pub String);

/// Where sessions are kept on the server, by id: bytes in, bytes out, with
/// an expiry. Implement it for another database; the kit has
/// [`MemorySessionStore`] and (feature `redis`) [`RedisSessionStore`].
pub trait SessionStore: Send + Sync + 'static {
    /// The session stored under `id`, unless there is none or it expired.
    fn load<'a>(&'a self, id: &'a str)
        -> BoxFuture<'a, Result<Option<Vec<u8>>, SessionStoreError>>;
    /// Stores `data` under `id` for `ttl`, replacing what was there.
    fn save<'a>(
        &'a self,
        id: &'a str,
        data: Vec<u8>,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), SessionStoreError>>;
    /// Forgets the session stored under `id`.
    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), SessionStoreError>>;
}

/// Sessions in this process's memory: for one instance, and for tests.
/// Expired sessions are dropped when read, and swept on every 1,024th save.
#[derive(Debug, Default)]
pub struct MemorySessionStore {
    sessions: Mutex<MemorySessions>,
}

#[derive(Debug, Default)]
struct MemorySessions {
    by_id: HashMap<String, (Vec<u8>, Instant)>,
    saves: u64,
}

impl MemorySessionStore {
    /// How many sessions it holds, expired ones not yet swept included.
    pub fn len(&self) -> usize {
        crate::sync::lock(&self.sessions).by_id.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl SessionStore for MemorySessionStore {
    fn load<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Vec<u8>>, SessionStoreError>> {
        let mut sessions = crate::sync::lock(&self.sessions);
        let found = match sessions.by_id.get(id) {
            Some((data, until)) if *until > Instant::now() => Some(data.clone()),
            Some(_) => {
                sessions.by_id.remove(id);
                None
            }
            None => None,
        };
        Box::pin(std::future::ready(Ok(found)))
    }

    fn save<'a>(
        &'a self,
        id: &'a str,
        data: Vec<u8>,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), SessionStoreError>> {
        let mut sessions = crate::sync::lock(&self.sessions);
        let now = Instant::now();
        sessions.saves += 1;
        if sessions.saves.is_multiple_of(1024) {
            sessions.by_id.retain(|_, (_, until)| *until > now);
        }
        // A lifetime past what `Instant` can count: for as long as it can.
        let until = now
            .checked_add(ttl)
            .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 60 * 60));
        sessions.by_id.insert(id.to_owned(), (data, until));
        Box::pin(std::future::ready(Ok(())))
    }

    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), SessionStoreError>> {
        crate::sync::lock(&self.sessions).by_id.remove(id);
        Box::pin(std::future::ready(Ok(())))
    }
}

/// Sessions in Redis, shared by every instance (feature `redis`): each
/// under `<prefix><id>` with Redis's own expiry.
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use server_props::session::{RedisSessionStore, SessionConfig};
/// let store = RedisSessionStore::new("redis://127.0.0.1:6379/")?;
/// let sessions = SessionConfig::default().store(store);
/// # Ok(()) }
/// ```
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
#[derive(Clone)]
pub struct RedisSessionStore {
    connection: redis::aio::ConnectionManager,
    prefix: String,
}

#[cfg(feature = "redis")]
impl fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSessionStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "redis")]
impl RedisSessionStore {
    /// A store on the Redis at `url`, its keys prefixed `server-props:session:`.
    /// Connects lazily: an unreachable server fails requests (503), never
    /// the start-up.
    ///
    /// # Errors
    /// When `url` is not a Redis URL.
    pub fn new(url: &str) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)));
        Ok(Self {
            connection: redis::aio::ConnectionManager::new_lazy_with_config(client, config)?,
            prefix: "server-props:session:".to_owned(),
        })
    }

    /// Another key prefix, for several apps on one Redis.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }
}

#[cfg(feature = "redis")]
impl SessionStore for RedisSessionStore {
    fn load<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Vec<u8>>, SessionStoreError>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            redis::cmd("GET")
                .arg(format!("{}{id}", self.prefix))
                .query_async(&mut connection)
                .await
                .map_err(|e| SessionStoreError(e.to_string()))
        })
    }

    fn save<'a>(
        &'a self,
        id: &'a str,
        data: Vec<u8>,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), SessionStoreError>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            redis::cmd("SET")
                .arg(format!("{}{id}", self.prefix))
                .arg(data)
                .arg("PX")
                // Redis takes at most `i64::MAX` milliseconds.
                .arg(
                    u64::try_from(ttl.as_millis())
                        .unwrap_or(u64::MAX)
                        .clamp(1, i64::MAX as u64),
                )
                .query_async::<()>(&mut connection)
                .await
                .map_err(|e| SessionStoreError(e.to_string()))
        })
    }

    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), SessionStoreError>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            redis::cmd("DEL")
                .arg(format!("{}{id}", self.prefix))
                .query_async::<()>(&mut connection)
                .await
                .map_err(|e| SessionStoreError(e.to_string()))
        })
    }
}
