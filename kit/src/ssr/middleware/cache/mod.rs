//! A shared HTTP cache inside the server, so one process behaves like an
//! origin with a CDN in front of it.
//!
//! Next.js leaves `s-maxage` and `stale-while-revalidate` to a CDN. The kit
//! honours them itself: a [`CacheLayer`] in front of the pages keeps the
//! responses a loader marks as shared-cacheable and answers later requests
//! from memory, without running the loader. Because it follows the same
//! rules a CDN does (RFC 9111 and RFC 5861), a deployment behind a real CDN
//! sees the same behaviour, only once more.
//!
//! * **Fresh** (age below `s-maxage`, else `max-age`): served from memory,
//!   `x-cache: HIT`.
//! * **Stale within `stale-while-revalidate`**: served from memory at once,
//!   `x-cache: STALE`, and refreshed by one request to the app in the
//!   background.
//! * **Missing or older**: the app answers, `x-cache: MISS`. Concurrent
//!   requests for one URL wait for that one answer (single flight) instead
//!   of each running the loader.
//!
//! Where the entries live is a [`CacheStorage`]: this process's memory by
//! default ([`MemoryStorage`]), or a Redis server that several instances
//! share ([`RedisStorage`], feature `redis`), so an entry filled through
//! one instance is a hit on the others, one instance at a time asks the app
//! for a key, and an action's invalidation reaches all of them. A store
//! that fails is bypassed: the app answers, nothing is kept, the failure is
//! logged and counted.
//!
//! Never kept: `private`, `no-store` and `no-cache` responses, responses
//! with `Set-Cookie` or `Vary: *`, statuses not cacheable by default,
//! requests other than `GET`/`HEAD`, requests with `Authorization` (these
//! are not served from the cache either), and responses to requests with
//! `Cookie` unless the response says `Vary: Cookie`. See `docs/caching.md`.
//!
//! ```
//! # use server_props::cache::CacheConfig;
//! let config = CacheConfig::default().max_bytes(16 << 20);
//! assert!(config.is_enabled());
//! assert!(!CacheConfig::disabled().is_enabled());
//! ```

mod clock;
mod directives;
mod entry;
mod error;
mod layer;
mod memory;
mod policy;
mod recording;
#[cfg(feature = "redis")]
mod redis;
mod storage;

pub use clock::CacheClock;
pub use directives::CacheControl;
pub use entry::CacheEntry;
pub use error::StorageError;
pub use layer::{CacheLayer, CacheService, CachedService};
pub use memory::MemoryStorage;
#[cfg(feature = "redis")]
pub use redis::{RedisStorage, RedisStorageBuilder};
use std::{sync::Arc, time::Duration};
pub use storage::{CacheStorage, LockToken};

/// The `x-cache` response header: `HIT`, `STALE` or `MISS`.
pub const X_CACHE: &str = "x-cache";

/// How long one instance may hold a key's fetch lock in a shared store
/// before another instance asks the app itself.
pub const DEFAULT_LOCK_FOR: Duration = Duration::from_secs(10);

/// Where the cache keeps its entries, how big it may grow, or whether it
/// exists at all.
#[derive(Clone, Debug)]
#[must_use]
pub struct CacheConfig {
    max_bytes: u64,
    max_entry_bytes: u64,
    storage: Option<Arc<dyn CacheStorage>>,
    clock: CacheClock,
    lock_for: Duration,
}

impl Default for CacheConfig {
    /// On, in memory, 64 MiB, no single response above 4 MiB.
    fn default() -> Self {
        Self {
            max_bytes: 64 << 20,
            max_entry_bytes: 4 << 20,
            storage: None,
            clock: CacheClock::system(),
            lock_for: DEFAULT_LOCK_FOR,
        }
    }
}

impl CacheConfig {
    /// No cache: the layer passes every request through untouched.
    pub fn disabled() -> Self {
        Self {
            max_bytes: 0,
            max_entry_bytes: 0,
            ..Self::default()
        }
    }

    /// The bound on the memory held (bodies, headers and keys) by the
    /// default in-memory store; `0` turns the cache off, whatever the
    /// store. A shared store bounds itself (Redis: `maxmemory` with an
    /// eviction policy).
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// Responses bigger than this are passed through, not kept.
    pub fn max_entry_bytes(mut self, bytes: u64) -> Self {
        self.max_entry_bytes = bytes;
        self
    }

    /// Keeps the entries in `storage` instead of this process's memory.
    ///
    /// ```
    /// # use server_props::cache::{CacheConfig, MemoryStorage};
    /// let config = CacheConfig::default().storage(MemoryStorage::new(1 << 20));
    /// assert!(config.is_enabled());
    /// ```
    pub fn storage(mut self, storage: impl CacheStorage) -> Self {
        self.storage = Some(Arc::new(storage));
        self
    }

    /// The clock ages are judged by (default: the system's; tests use
    /// [`CacheClock::manual`]).
    pub fn clock(mut self, clock: CacheClock) -> Self {
        self.clock = clock;
        self
    }

    /// How long one instance may hold a key's fetch lock in a shared store
    /// ([`DEFAULT_LOCK_FOR`]): others wait for its answer that long at
    /// most, then ask the app themselves. So it is also how long a key
    /// waits for an instance that crashed while it fetched; a loader slower
    /// than this may run on two instances at once.
    pub fn lock_for(mut self, lock_for: Duration) -> Self {
        self.lock_for = lock_for;
        self
    }

    /// Whether the cache is on.
    pub fn is_enabled(&self) -> bool {
        self.max_bytes > 0
    }
}
