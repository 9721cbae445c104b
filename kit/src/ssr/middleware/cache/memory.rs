//! The default store: entries in this process's memory.
//!
//! One [`moka`] cache holds every entry, weighed in bytes, so memory is
//! bounded however many URLs clients invent. Tags are checked when an entry
//! is read: an invalidation is one tick of a clock and one map insert, not
//! a walk over the entries.

use super::{
    entry::{CacheEntry, Slot},
    error::StorageError,
    storage::{CacheStorage, LockToken},
};
use crate::sync::lock;
use futures::future::{self, BoxFuture};
use std::{
    collections::HashMap,
    fmt,
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex,
    },
    time::Duration,
};

/// The shared cache's entries in this process's memory, within a size
/// bound.
pub struct MemoryStorage {
    entries: moka::sync::Cache<String, CacheEntry>,
    tags: Mutex<TagClock>,
    /// The tag clock's tick, readable without its lock: an entry fetched
    /// at the current tick is current, and a hit asks no more than that.
    tick: AtomicU64,
}

impl fmt::Debug for MemoryStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStorage")
            .field("entries", &self.entries.entry_count())
            .finish_non_exhaustive()
    }
}

impl MemoryStorage {
    /// A store holding at most `max_bytes` (bodies, headers and keys).
    pub fn new(max_bytes: u64) -> Self {
        Self {
            entries: moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|key: &String, entry: &CacheEntry| entry.weight(key))
                .expire_after(Lifetime)
                .build(),
            tags: Mutex::new(TagClock::default()),
            tick: AtomicU64::new(0),
        }
    }

    /// Whether `entry` may be served ([`TagClock::admits`]); one fetched
    /// at the clock's last tick is, without taking its lock.
    fn is_current(&self, entry: &CacheEntry) -> bool {
        entry.fetched_at() == self.tick.load(Ordering::Acquire) || lock(&self.tags).admits(entry)
    }
}

impl CacheStorage for MemoryStorage {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<CacheEntry>, StorageError>> {
        let entry = self.entries.get(key).filter(|e| self.is_current(e));
        Box::pin(future::ready(Ok(entry)))
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        entry: CacheEntry,
    ) -> BoxFuture<'a, Result<bool, StorageError>> {
        // Checked and inserted under the clock's lock: an invalidation
        // cannot fall between the two.
        let clock = lock(&self.tags);
        let current = clock.admits(&entry);
        if current {
            self.entries.insert(key.to_owned(), entry);
        }
        drop(clock);
        Box::pin(future::ready(Ok(current)))
    }

    fn tick(&self) -> BoxFuture<'_, Result<u64, StorageError>> {
        Box::pin(future::ready(Ok(self.tick.load(Ordering::Acquire))))
    }

    fn invalidate<'a>(&'a self, tags: &'a [&'a str]) -> BoxFuture<'a, Result<(), StorageError>> {
        let mut clock = lock(&self.tags);
        clock.invalidate(tags.iter().copied());
        self.tick.store(clock.now, Ordering::Release);
        Box::pin(future::ready(Ok(())))
    }

    fn clear(&self) -> BoxFuture<'_, Result<(), StorageError>> {
        self.entries.invalidate_all();
        Box::pin(future::ready(Ok(())))
    }

    fn lock<'a>(
        &'a self,
        _key: &'a str,
        _hold_for: Duration,
    ) -> BoxFuture<'a, Result<Option<LockToken>, StorageError>> {
        // One process: the layer's own single flight is the lock.
        Box::pin(future::ready(Ok(Some(LockToken(0)))))
    }

    fn is_shared(&self) -> bool {
        false
    }

    fn unlock<'a>(
        &'a self,
        _key: &'a str,
        _token: LockToken,
    ) -> BoxFuture<'a, Result<(), StorageError>> {
        Box::pin(future::ready(Ok(())))
    }
}

/// When each tag last changed, on a clock that ticks once per
/// invalidation. An entry fetched at tick `t` is current while none of its
/// tags changed after `t`: a response whose loader ran before a mutation
/// and arrives after it is never kept, and one kept before it is never
/// served again.
#[derive(Debug, Default)]
struct TagClock {
    now: u64,
    changed: HashMap<Box<str>, u64>,
    /// The bytes `changed` holds, roughly.
    bytes: usize,
    /// Entries fetched before this tick are not current (the map was
    /// emptied to stay bounded).
    floor: u64,
}

/// How many changed tags (and how many bytes of them) the clock remembers
/// before it forgets them all, and with them every entry kept so far.
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

    /// Whether `entry` may be kept and served: a response none of whose
    /// tags changed since it was fetched. Vary lists and pass marks hold
    /// no data, so no change makes them wrong.
    fn admits(&self, entry: &CacheEntry) -> bool {
        !matches!(entry.0, Slot::Response(_)) || self.is_current(entry.tags(), entry.fetched_at())
    }

    fn is_current(&self, tags: &[Box<str>], fetched_at: u64) -> bool {
        fetched_at >= self.floor
            && tags
                .iter()
                .all(|tag| self.changed.get(tag).is_none_or(|&at| at <= fetched_at))
    }
}

/// Lets moka drop an entry once nothing may be served from it (moka
/// measures with its own clock; the layer judges freshness with the
/// cache's).
struct Lifetime;

impl moka::Expiry<String, CacheEntry> for Lifetime {
    fn expire_after_create(
        &self,
        _key: &String,
        entry: &CacheEntry,
        _created_at: std::time::Instant,
    ) -> Option<Duration> {
        Some(entry.lifetime())
    }

    fn expire_after_update(
        &self,
        _key: &String,
        entry: &CacheEntry,
        _updated_at: std::time::Instant,
        _remaining: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.lifetime())
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

    #[tokio::test]
    async fn vary_lists_and_pass_marks_outlive_a_forgotten_clock() {
        let store = MemoryStorage::new(1 << 20);
        let vary = CacheEntry(Slot::Vary(
            vec![http::header::ACCEPT_ENCODING].into(),
            Duration::from_secs(60),
        ));
        let names: Vec<String> = (0..=MAX_TAGS).map(|i| format!("post:{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        store.invalidate(&names).await.unwrap();
        assert!(store.put("v", vary).await.unwrap());
        assert!(store.put("p", CacheEntry::pass()).await.unwrap());
        assert!(store.get("v").await.unwrap().is_some());
        assert!(store.get("p").await.unwrap().is_some());
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
