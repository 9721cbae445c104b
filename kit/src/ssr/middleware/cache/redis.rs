//! A store that several instances share: Redis (feature `redis`).
//!
//! An entry is a Redis hash: its bytes ([`CacheEntry::to_bytes`]), its
//! `fetched_at` and its tags, expiring with its lifetime. Tag changes are one
//! sorted set, tag → the time of its last change in Redis's clock (µs,
//! `TIME`), and the tag clock's tick is that clock too, so it survives a
//! Redis restart or a flush and needs no counter that could start over.
//! Lua scripts keep the rules atomic across instances: a read returns an
//! entry only if none of its tags changed since it was fetched; a put keeps
//! it only on the same condition; an invalidation stamps the tags. Entries
//! are never found and deleted by tag: they stop being served and expire.
//! Changes older than an hour are forgotten, and with them every tagged
//! entry fetched before that (a floor). A lock is `SET NX PX` and is given
//! back only by the token that took it.
//!
//! The entries expire and the bookkeeping (the change set, the floor, the
//! clock's last value) does not, so `maxmemory-policy volatile-lru` (or
//! `volatile-ttl`) evicts only entries under memory pressure.
//!
//! Connections are opened lazily (an instance starts while Redis is down)
//! and used by many requests at once (pipelined on a few multiplexed
//! connections, picked in turn). Every call has a time limit. After a
//! connection failure or a timeout the store answers
//! [`StorageError::Unavailable`] at once for a short while, then lets one
//! call try again while the others still skip it, so an outage costs the
//! cache, never the site, and one request per pause the time limit.
//! Invalidations and lock releases are always tried.
//!
//! The scripts name keys they compute, so they need one Redis server (or a
//! primary with replicas), not Redis Cluster, of version 5 or later (a
//! script that writes after reading `TIME`). Run it without persistence:
//! entries are disposable, and a snapshot restored after a crash would
//! bring back entries that later changes had stopped.

use super::{
    entry::CacheEntry,
    error::StorageError,
    storage::{CacheStorage, LockToken},
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

/// How long a tag's change is remembered (µs): a tagged entry fetched
/// before the oldest change remembered is not served.
const CHANGES_KEPT_US: u64 = 3_600_000_000;

/// What the tag scripts share: Redis's clock in µs (exact in Lua's
/// doubles; written with `%d`, since Lua's own `tostring` rounds), the
/// floor (set by the first script after an empty start, so what was read
/// before it is not kept), and whether an entry fetched at `fetched` with
/// `tags` (one per line) is current.
const TAG_PRELUDE: &str = r"
local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local function floor_of(p)
  local f = redis.call('GET', p .. 'floor')
  if f then return tonumber(f) end
  local now = now_us()
  redis.call('SET', p .. 'floor', string.format('%d', now))
  return now
end
local function is_current(p, fetched, tags)
  if tags == '' then return true end
  if fetched < floor_of(p) then return false end
  for tag in string.gmatch(tags, '[^\n]+') do
    local at = redis.call('ZSCORE', p .. 'changes', tag)
    if at and tonumber(at) >= fetched then return false end
  end
  return true
end
";

/// A script of the tag rules: [`TAG_PRELUDE`] then `body`.
fn tag_script(body: &str) -> Script {
    Script::new(&format!("{TAG_PRELUDE}{body}"))
}

/// `KEYS[1]` the entry; `ARGV` the prefix. The entry's bytes if it is
/// current.
static GET: LazyLock<Script> = LazyLock::new(|| {
    tag_script(
        r"
local e = redis.call('HMGET', KEYS[1], 'v', 'f', 't')
if not e[1] or not is_current(ARGV[1], tonumber(e[2]), e[3] or '') then return false end
return e[1]
",
    )
});

/// `KEYS[1]` the entry; `ARGV` the bytes, the lifetime (ms), `fetched_at`,
/// the prefix, the tags (one per line). 1 if kept.
static PUT: LazyLock<Script> = LazyLock::new(|| {
    tag_script(
        r"
if not is_current(ARGV[4], tonumber(ARGV[3]), ARGV[5]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'f', ARGV[3], 't', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
",
    )
});

/// `ARGV` the prefix, how long changes are remembered (µs), the tags. The
/// change's time: Redis's clock, and after the last change's.
static INVALIDATE: LazyLock<Script> = LazyLock::new(|| {
    tag_script(
        r"
floor_of(ARGV[1])
local now = now_us()
local last = tonumber(redis.call('GET', ARGV[1] .. 'last') or '0')
if now <= last then now = last + 1 end
redis.call('SET', ARGV[1] .. 'last', string.format('%d', now))
for i = 3, #ARGV do
  redis.call('ZADD', ARGV[1] .. 'changes', string.format('%d', now), ARGV[i])
end
local horizon = now - tonumber(ARGV[2])
local old = redis.call('ZRANGEBYSCORE', ARGV[1] .. 'changes', '-inf', string.format('%d', horizon), 'LIMIT', 0, 1)
if #old > 0 then
  redis.call('ZREMRANGEBYSCORE', ARGV[1] .. 'changes', '-inf', string.format('%d', horizon))
  if horizon + 1 > floor_of(ARGV[1]) then
    redis.call('SET', ARGV[1] .. 'floor', string.format('%d', horizon + 1))
  end
end
return now
",
    )
});

/// `ARGV` the prefix. The tag clock now: Redis's clock in µs, never
/// behind the last change (a clock stepped back would otherwise date a
/// fetch before a change it follows) nor the floor.
static TICK: LazyLock<Script> = LazyLock::new(|| {
    tag_script(
        r"
local floor = floor_of(ARGV[1])
local now = now_us()
local last = tonumber(redis.call('GET', ARGV[1] .. 'last') or '0')
if last > now then now = last end
if floor > now then now = floor end
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
    /// Until when (ms since `started`) calls fail at once, after a
    /// failure; 0 while Redis answers.
    down_until: AtomicU64,
    started: Instant,
    tokens: AtomicU64,
}

impl Inner {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn retry_after_ms(&self) -> u64 {
        u64::try_from(self.retry_after.as_millis()).unwrap_or(u64::MAX)
    }
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
            .map_err(|e| StorageError::Unavailable(format!("{}: {e}", redact(url))))?;
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
    /// Redis failed a moment ago; once that pause is over, one call tries
    /// while the others still fail at once.
    async fn call<T, F, Fut>(&self, call: F) -> Result<T, StorageError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        self.admit()?;
        self.always(call).await
    }

    /// Whether a call may go to Redis now: yes while it answers; after a
    /// failure, no until the pause is over, then yes for one caller.
    fn admit(&self) -> Result<(), StorageError> {
        let inner = &self.0;
        let until = inner.down_until.load(Ordering::Acquire);
        if until == 0 {
            return Ok(());
        }
        let now = inner.now_ms();
        let claimed = now >= until
            && inner
                .down_until
                .compare_exchange(
                    until,
                    now.saturating_add(inner.retry_after_ms()),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                )
                .is_ok();
        if claimed {
            Ok(())
        } else {
            Err(StorageError::Unavailable(format!(
                "{} failed less than {:?} ago",
                inner.url, inner.retry_after
            )))
        }
    }

    /// Runs `call` within the time limit whatever the last calls did (an
    /// invalidation, a lock's release: worth the wait); a connection
    /// failure or a timeout pauses the other calls, a success ends the
    /// pause.
    async fn always<T, F, Fut>(&self, call: F) -> Result<T, StorageError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let inner = &self.0;
        let i = inner.next.fetch_add(1, Ordering::Relaxed) % inner.connections.len();
        let connection = inner.connections[i].clone();
        let why = match tokio::time::timeout(inner.timeout, call(connection)).await {
            Ok(Ok(value)) => {
                inner.down_until.store(0, Ordering::Release);
                return Ok(value);
            }
            // Redis answered, with an error: no reason to stop asking it.
            Ok(Err(e))
                if !(e.is_io_error()
                    || e.is_timeout()
                    || e.is_connection_refusal()
                    || e.is_connection_dropped()) =>
            {
                return Err(StorageError::Unavailable(format!("{}: {e}", inner.url)));
            }
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no answer within {:?}", inner.timeout),
        };
        inner.down_until.store(
            inner.now_ms().saturating_add(inner.retry_after_ms()).max(1),
            Ordering::Release,
        );
        Err(StorageError::Unavailable(format!("{}: {why}", inner.url)))
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
            let bytes: Option<Vec<u8>> = self
                .call(|mut c| async move {
                    GET.key(&key).arg(&self.0.prefix).invoke_async(&mut c).await
                })
                .await?;
            // Bytes another version wrote are a miss, overwritten by the
            // next put.
            Ok(bytes.and_then(|b| CacheEntry::from_bytes(&b).ok()))
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
            let tags = entry.tags().join("\n");
            let kept: i64 = self
                .call(|mut c| async move {
                    PUT.key(&key)
                        .arg(bytes)
                        .arg(ttl)
                        .arg(entry.fetched_at())
                        .arg(&self.0.prefix)
                        .arg(tags)
                        .invoke_async(&mut c)
                        .await
                })
                .await?;
            Ok(kept == 1)
        })
    }

    fn tick(&self) -> BoxFuture<'_, Result<u64, StorageError>> {
        Box::pin(async move {
            self.call(|mut c| async move { TICK.arg(&self.0.prefix).invoke_async(&mut c).await })
                .await
        })
    }

    fn invalidate<'a>(&'a self, tags: &'a [&'a str]) -> BoxFuture<'a, Result<(), StorageError>> {
        Box::pin(async move {
            let _: u64 = self
                .always(|mut c| async move {
                    let mut call = INVALIDATE.prepare_invoke();
                    call.arg(&self.0.prefix).arg(CHANGES_KEPT_US);
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
            // Entries only: the change set and the clock stay, so an
            // answer under way keeps being judged by them.
            let pattern = format!("{}entry:*", escape_glob(&self.0.prefix));
            let mut cursor: u64 = 0;
            loop {
                let pattern = &pattern;
                let (next, keys): (u64, Vec<Vec<u8>>) = self
                    .always(|mut c| async move {
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
                        .always(|mut c| async move { c.unlink(keys).await })
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
            let token = self.token();
            let redis_key = self.key("lock:", key);
            // Not `call`: a lock the pause refused never reached Redis, so
            // only a SET that was sent needs the unlock below.
            self.admit()?;
            let taken: Result<Option<String>, StorageError> = self
                .always(|mut c| async move {
                    redis::cmd("SET")
                        .arg(&redis_key)
                        .arg(token.0)
                        .arg("NX")
                        .arg("PX")
                        .arg(super::clock::as_millis(hold_for).max(1))
                        .query_async(&mut c)
                        .await
                })
                .await;
            match taken {
                Ok(taken) => Ok(taken.map(|_| token)),
                Err(e) => {
                    // The SET may have reached Redis before the time ran
                    // out: give back what this token may hold.
                    let store = self.clone();
                    let key = key.to_owned();
                    tokio::spawn(async move { store.unlock(&key, token).await });
                    Err(e)
                }
            }
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
                .always(
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
