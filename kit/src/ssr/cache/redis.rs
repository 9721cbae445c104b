//! A store that several instances share: Redis (feature `redis`).
//!
//! Entries are Redis strings ([`CacheEntry::to_bytes`]) with an expiry of
//! their lifetime, so Redis drops what nothing may be served from. Three
//! Lua scripts keep the tag rules atomic across instances: a put checks the
//! entry's tags against the tag clock and adds the key to each tag's set in
//! one step; an invalidation ticks the clock, stamps each tag with the new
//! tick and deletes every key in its sets; a lock is `SET NX PX` and is
//! given back only by the token that took it. Reads are a plain `GET`.
//!
//! Connections are opened lazily (an instance starts while Redis is down)
//! and used by many requests at once (pipelined on a few multiplexed
//! connections, picked in turn). Every call has a time limit; after a
//! failure the store answers [`StorageError::Unavailable`] at once for a
//! short while instead of making each request wait for Redis again, so an
//! outage costs the cache, never the site.
//!
//! The scripts name keys they compute, so they need one Redis server (or a
//! primary with replicas), not Redis Cluster.

use super::{
    entry::CacheEntry,
    storage::{CacheStorage, LockToken, StorageError},
};
use futures::future::BoxFuture;
use redis::{aio::ConnectionManager, AsyncCommands, Script};
use std::{
    fmt,
    future::Future,
    hash::{BuildHasher, Hasher},
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc, LazyLock,
    },
    time::{Duration, Instant},
};

/// How long a tag's change is remembered: longer than any request that
/// was under way when it changed may take to answer.
const TAG_MEMORY_MS: u64 = 3_600_000;

static PUT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local fetched = tonumber(ARGV[3])
for i = 5, #ARGV do
  local changed = redis.call('GET', ARGV[4] .. 'tag:' .. ARGV[i])
  if changed and tonumber(changed) > fetched then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
for i = 5, #ARGV do
  local set = ARGV[4] .. 'tagged:' .. ARGV[i]
  redis.call('SADD', set, KEYS[1])
  if redis.call('PTTL', set) < tonumber(ARGV[2]) then
    redis.call('PEXPIRE', set, ARGV[2])
  end
end
return 1
",
    )
});

static INVALIDATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local now = redis.call('INCR', ARGV[1] .. 'clock')
for i = 3, #ARGV do
  redis.call('SET', ARGV[1] .. 'tag:' .. ARGV[i], now, 'PX', ARGV[2])
  local set = ARGV[1] .. 'tagged:' .. ARGV[i]
  for _, key in ipairs(redis.call('SMEMBERS', set)) do
    redis.call('DEL', key)
  end
  redis.call('DEL', set)
end
return now
",
    )
});

static UNLOCK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
",
    )
});

/// The shared cache's entries in Redis, for several instances.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use server_props::cache::{CacheConfig, RedisStorage};
/// let redis = RedisStorage::builder("redis://127.0.0.1:6379/")?.prefix("shop:").build();
/// let config = CacheConfig::default().storage(redis);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStorage(Arc<Inner>);

struct Inner {
    url: String,
    connections: Vec<ConnectionManager>,
    next: AtomicUsize,
    prefix: String,
    timeout: Duration,
    retry_after: Duration,
    /// Until when (ms since `started`) calls fail at once, after a failure.
    down_until: AtomicU64,
    started: Instant,
    tokens: AtomicU64,
}

impl fmt::Debug for RedisStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStorage")
            .field("url", &self.0.url)
            .field("prefix", &self.0.prefix)
            .field("connections", &self.0.connections.len())
            .finish_non_exhaustive()
    }
}

/// Sets up a [`RedisStorage`].
#[derive(Debug)]
#[must_use]
pub struct RedisStorageBuilder {
    client: redis::Client,
    url: String,
    prefix: String,
    connections: usize,
    timeout: Duration,
    retry_after: Duration,
}

impl RedisStorage {
    /// A builder for the Redis server at `url` (`redis://host:port/db`,
    /// `rediss://` for TLS, `redis+unix:///path`); nothing connects until
    /// the first request.
    ///
    /// # Errors
    /// When `url` is not a Redis URL.
    pub fn builder(url: &str) -> Result<RedisStorageBuilder, StorageError> {
        let client = redis::Client::open(url)
            .map_err(|e| StorageError::Unavailable(format!("{url}: {e}")))?;
        Ok(RedisStorageBuilder {
            client,
            url: redact(url),
            prefix: "server_props:".into(),
            connections: 4,
            timeout: Duration::from_millis(250),
            retry_after: Duration::from_secs(1),
        })
    }

    fn key(&self, kind: &str, key: &str) -> String {
        let mut out = String::with_capacity(self.0.prefix.len() + kind.len() + key.len());
        out.push_str(&self.0.prefix);
        out.push_str(kind);
        out.push_str(key);
        out
    }

    /// Runs `call` on the next connection, within the time limit, unless
    /// Redis failed a moment ago.
    async fn call<T, F, Fut>(&self, call: F) -> Result<T, StorageError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let inner = &self.0;
        let now = inner.started.elapsed().as_millis() as u64;
        let until = inner.down_until.load(Ordering::Relaxed);
        if now < until {
            return Err(StorageError::Unavailable(format!(
                "{} failed less than {:?} ago",
                inner.url, inner.retry_after
            )));
        }
        let i = inner.next.fetch_add(1, Ordering::Relaxed) % inner.connections.len();
        let connection = inner.connections[i].clone();
        let result = match tokio::time::timeout(inner.timeout, call(connection)).await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no answer within {:?}", inner.timeout),
        };
        let retry = inner.started.elapsed() + inner.retry_after;
        inner
            .down_until
            .store(retry.as_millis() as u64, Ordering::Relaxed);
        Err(StorageError::Unavailable(format!(
            "{}: {result}",
            inner.url
        )))
    }

    fn token(&self) -> LockToken {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(self.0.tokens.fetch_add(1, Ordering::Relaxed));
        hasher.write_u32(std::process::id());
        LockToken(hasher.finish())
    }
}

impl RedisStorageBuilder {
    /// What every key starts with (default `server_props:`): apps sharing
    /// one Redis database need different prefixes.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How many connections requests are spread over (default 4, at least
    /// 1); each carries many requests at once.
    pub fn connections(mut self, n: usize) -> Self {
        self.connections = n.max(1);
        self
    }

    /// The time limit of one call, connecting included (default 250 ms):
    /// past it, the request goes on without the cache.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long calls fail at once after a failure (default 1 s), so an
    /// outage does not cost every request the time limit.
    pub fn retry_after(mut self, retry_after: Duration) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// The store. Call it inside the Tokio runtime that serves requests.
    ///
    /// # Panics
    /// Outside a Tokio runtime.
    pub fn build(self) -> RedisStorage {
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1)
            .set_max_delay(self.retry_after);
        let connections = (0..self.connections)
            .map(|_| {
                ConnectionManager::new_lazy_with_config(self.client.clone(), config.clone())
                    .expect("a lazy connection manager only fails without a Tokio runtime")
            })
            .collect();
        RedisStorage(Arc::new(Inner {
            url: self.url,
            connections,
            next: AtomicUsize::new(0),
            prefix: self.prefix,
            timeout: self.timeout,
            retry_after: self.retry_after,
            down_until: AtomicU64::new(0),
            started: Instant::now(),
            tokens: AtomicU64::new(0),
        }))
    }
}

impl CacheStorage for RedisStorage {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<CacheEntry>, StorageError>> {
        Box::pin(async move {
            let key = self.key("entry:", key);
            let bytes: Option<Vec<u8>> =
                self.call(|mut c| async move { c.get(&key).await }).await?;
            bytes.map(|b| CacheEntry::from_bytes(&b)).transpose()
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        entry: CacheEntry,
    ) -> BoxFuture<'a, Result<bool, StorageError>> {
        Box::pin(async move {
            let key = self.key("entry:", key);
            let ttl = super::clock::as_millis(entry.lifetime()).max(1);
            let bytes = entry.to_bytes();
            let kept: i64 = self
                .call(|mut c| async move {
                    let mut call = PUT.key(&key);
                    call.arg(bytes)
                        .arg(ttl)
                        .arg(entry.fetched_at())
                        .arg(&self.0.prefix);
                    for tag in entry.tags() {
                        call.arg(&**tag);
                    }
                    call.invoke_async(&mut c).await
                })
                .await?;
            Ok(kept == 1)
        })
    }

    fn tick(&self) -> BoxFuture<'_, Result<u64, StorageError>> {
        Box::pin(async move {
            let key = self.key("clock", "");
            let tick: Option<u64> = self.call(|mut c| async move { c.get(&key).await }).await?;
            Ok(tick.unwrap_or(0))
        })
    }

    fn invalidate<'a>(&'a self, tags: &'a [&'a str]) -> BoxFuture<'a, Result<(), StorageError>> {
        Box::pin(async move {
            let _: u64 = self
                .call(|mut c| async move {
                    let mut call = INVALIDATE.prepare_invoke();
                    call.arg(&self.0.prefix).arg(TAG_MEMORY_MS);
                    for tag in tags {
                        call.arg(*tag);
                    }
                    call.invoke_async(&mut c).await
                })
                .await?;
            Ok(())
        })
    }

    fn clear(&self) -> BoxFuture<'_, Result<(), StorageError>> {
        Box::pin(async move {
            let pattern = format!("{}*", escape_glob(&self.0.prefix));
            let mut cursor: u64 = 0;
            loop {
                let pattern = &pattern;
                let (next, keys): (u64, Vec<Vec<u8>>) = self
                    .call(|mut c| async move {
                        redis::cmd("SCAN")
                            .arg(cursor)
                            .arg("MATCH")
                            .arg(pattern)
                            .arg("COUNT")
                            .arg(500)
                            .query_async(&mut c)
                            .await
                    })
                    .await?;
                if !keys.is_empty() {
                    let _: i64 = self
                        .call(|mut c| async move { c.unlink(keys).await })
                        .await?;
                }
                if next == 0 {
                    return Ok(());
                }
                cursor = next;
            }
        })
    }

    fn lock<'a>(
        &'a self,
        key: &'a str,
        hold_for: Duration,
    ) -> BoxFuture<'a, Result<Option<LockToken>, StorageError>> {
        Box::pin(async move {
            let key = self.key("lock:", key);
            let token = self.token();
            let taken: Option<String> = self
                .call(|mut c| async move {
                    redis::cmd("SET")
                        .arg(&key)
                        .arg(token.0)
                        .arg("NX")
                        .arg("PX")
                        .arg(super::clock::as_millis(hold_for).max(1))
                        .query_async(&mut c)
                        .await
                })
                .await?;
            Ok(taken.map(|_| token))
        })
    }

    fn unlock<'a>(
        &'a self,
        key: &'a str,
        token: LockToken,
    ) -> BoxFuture<'a, Result<(), StorageError>> {
        Box::pin(async move {
            let key = self.key("lock:", key);
            let _: i64 = self
                .call(
                    |mut c| async move { UNLOCK.key(&key).arg(token.0).invoke_async(&mut c).await },
                )
                .await?;
            Ok(())
        })
    }
}

/// The URL without its password, for logs.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// `prefix` with the glob's special characters escaped, for `SCAN MATCH`.
fn escape_glob(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len());
    for c in prefix.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
