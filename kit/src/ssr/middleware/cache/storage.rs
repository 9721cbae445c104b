//! Where the shared cache keeps its entries: the [`CacheStorage`] trait.
//!
//! The cache's rules (what may be kept, for how long, for whom, single
//! flight) live in the layer; a store only keeps entries, keeps a tag clock
//! and hands out locks. One process keeps them in its own memory
//! ([`MemoryStorage`](super::MemoryStorage), the default); several
//! instances behind a balancer share one store
//! ([`RedisStorage`](super::RedisStorage), feature `redis`), so an entry
//! filled by one is a hit on the others, a key is fetched by one instance
//! at a time, and an action's invalidation reaches all of them.
//!
//! A store that fails answers [`StorageError`]: the layer then asks the app
//! as if the cache were off for that request, logs and counts it
//! ([`CacheLayer::storage_errors`](super::CacheLayer::storage_errors)). An
//! unreachable store never turns into an error page.

use super::entry::CacheEntry;
use super::error::StorageError;
use futures::future::BoxFuture;
use std::{fmt, time::Duration};

/// Proof that a store gave this caller the right to fetch a key; handed
/// back to [`CacheStorage::unlock`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockToken(pub u64);

/// Keeps the shared cache's entries, a tag clock and fetch locks.
///
/// The contract every store keeps (the kit's cache test suite runs against
/// each store it ships):
/// * **Tags.** [`tick`](Self::tick) reads a clock that
///   [`invalidate`](Self::invalidate) moves on. An entry is *current* while
///   none of its [`tags`](CacheEntry::tags) was invalidated after its
///   [`fetched_at`](CacheEntry::fetched_at) tick. [`put`](Self::put) keeps
///   only a current entry (atomically with the check: an invalidation
///   between the app's answer and the put wins), and [`get`](Self::get)
///   returns only current ones.
/// * **Lifetime.** A store may drop an entry after its
///   [`lifetime`](CacheEntry::lifetime), and sooner to stay within its
///   bounds; the layer judges freshness itself.
/// * **Locks.** [`lock`](Self::lock) gives a key to one caller at a time,
///   for at most `hold_for` (a caller that crashed cannot block a key). A
///   store used by one process only says so with
///   [`is_shared`](Self::is_shared) and is never asked: the layer already
///   lets one request per key and process ask the app.
pub trait CacheStorage: Send + Sync + fmt::Debug + 'static {
    /// The current entry under `key`.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<CacheEntry>, StorageError>>;

    /// Keeps `entry` under `key` if it is current; `Ok(false)` if it is not.
    fn put<'a>(
        &'a self,
        key: &'a str,
        entry: CacheEntry,
    ) -> BoxFuture<'a, Result<bool, StorageError>>;

    /// The tag clock now: read before a request goes to the app, it becomes
    /// the answer's `fetched_at`.
    fn tick(&self) -> BoxFuture<'_, Result<u64, StorageError>>;

    /// Moves the tag clock on and makes every entry tagged with one of
    /// `tags` not current.
    fn invalidate<'a>(&'a self, tags: &'a [&'a str]) -> BoxFuture<'a, Result<(), StorageError>>;

    /// Drops every entry.
    fn clear(&self) -> BoxFuture<'_, Result<(), StorageError>>;

    /// The right to fetch `key` for at most `hold_for`, or `None` while
    /// another caller holds it.
    fn lock<'a>(
        &'a self,
        key: &'a str,
        hold_for: Duration,
    ) -> BoxFuture<'a, Result<Option<LockToken>, StorageError>>;

    /// Gives the lock back (no-op if it expired and another caller took it).
    fn unlock<'a>(
        &'a self,
        key: &'a str,
        token: LockToken,
    ) -> BoxFuture<'a, Result<(), StorageError>>;

    /// Whether other processes use the store too (default `true`). For a
    /// store of one process, the layer's own single flight is the lock:
    /// [`lock`](Self::lock) and [`unlock`](Self::unlock) are not called.
    fn is_shared(&self) -> bool {
        true
    }
}
