//! The browser's props cache: answers kept by props URL, as fresh as their
//! own `Cache-Control` says.
//!
//! A props answer the loader made cacheable (`max-age`, with or without
//! `stale-while-revalidate`; `private` is fine, this is the user's own
//! cache) is kept, bounded in entries and bytes. A navigation to a fresh
//! entry renders it without a request, in the same frame (Back/Forward
//! included); a stale one within `stale-while-revalidate` renders at once
//! and is revalidated in the background; an older one with an `ETag` is
//! revalidated with `If-None-Match`, and a `304` reuses it. `no-store`
//! answers are never kept, except a prefetched one, for a short window and
//! one navigation. The first page's embedded props seed the cache.
//!
//! Entries go when a write's answer names one of their tags
//! (`x-server-props-invalidate`), and all of them when the server runs
//! another build (every key holds the build id, and a stale build empties
//! the cache).

use crate::protocol::PropsPayload;
use std::{
    cell::RefCell,
    collections::{HashMap, VecDeque},
};

/// How many answers the cache keeps at most.
const MAX_ENTRIES: usize = 64;
/// How many bytes of answers (their JSON) the cache keeps at most.
const MAX_BYTES: usize = 4 << 20;
/// How long a prefetched answer serves a click when its own
/// `Cache-Control` allows no caching at all, unless the app says otherwise
/// ([`ClientOptions::prefetch_window`](super::ClientOptions::prefetch_window)).
pub(crate) const DEFAULT_PREFETCH_WINDOW: std::time::Duration = std::time::Duration::from_secs(10);

/// A kept answer.
#[derive(Clone)]
struct Entry {
    payload: PropsPayload,
    etag: Option<String>,
    stored_at: f64,
    fresh_ms: f64,
    stale_ms: f64,
    tags: Vec<String>,
    bytes: usize,
    /// Kept only because it was prefetched: serves one navigation.
    once: bool,
    /// Kept only for Back/Forward to a page that restores its last props.
    last_only: bool,
}

/// What a lookup found.
pub(crate) enum Found {
    /// Render it; no request.
    Fresh(PropsPayload),
    /// Render it, and revalidate in the background.
    Stale(PropsPayload, Option<String>),
    /// Too old to render: revalidate with this `ETag` first.
    Expired(String),
    /// Nothing usable.
    Miss,
}

#[derive(Default)]
struct Cache {
    entries: HashMap<String, Entry>,
    /// Least recently used first.
    order: VecDeque<String>,
    bytes: usize,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
    static PREFETCH_WINDOW_MS: std::cell::Cell<f64> =
        const { std::cell::Cell::new(DEFAULT_PREFETCH_WINDOW.as_secs_f64() * 1000.0) };
    /// Bumped by every invalidation: an answer whose request was sent
    /// before it is never kept.
    static EPOCH: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Sets how long a prefetched `no-store` answer serves a click.
pub(crate) fn set_prefetch_window(window: std::time::Duration) {
    PREFETCH_WINDOW_MS.with(|w| w.set(window.as_secs_f64() * 1000.0));
}

/// The cache's epoch now (see [`Fetched::epoch`](super::fetch::Fetched)).
pub(crate) fn epoch() -> u64 {
    EPOCH.with(std::cell::Cell::get)
}

/// A write or a session change: answers on their way are old news.
fn new_epoch() {
    EPOCH.with(|e| e.set(e.get() + 1));
    super::fetch::forget_in_flight();
}

pub(crate) use crate::freshness::Freshness;

fn now() -> f64 {
    js_sys::Date::now()
}

/// Looks up the answer kept for a props URL.
pub(crate) fn lookup(url: &str) -> Found {
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let Some(entry) = cache.entries.get(url).cloned() else {
            return Found::Miss;
        };
        let age = now() - entry.stored_at;
        if entry.once {
            cache.remove(url);
            return if age < entry.fresh_ms {
                Found::Fresh(entry.payload)
            } else {
                Found::Miss
            };
        }
        cache.touch(url);
        if age < entry.fresh_ms {
            Found::Fresh(entry.payload)
        } else if age < entry.fresh_ms + entry.stale_ms {
            Found::Stale(entry.payload, entry.etag)
        } else if let Some(etag) = entry.etag {
            Found::Expired(etag)
        } else {
            if !entry.last_only {
                cache.remove(url);
            }
            Found::Miss
        }
    })
}

/// Whether a fresh answer is kept for a props URL (without using it up).
pub(crate) fn is_fresh(url: &str) -> bool {
    CACHE.with(|cache| {
        cache
            .borrow()
            .entries
            .get(url)
            .is_some_and(|e| now() - e.stored_at < e.fresh_ms)
    })
}

/// The last answer kept for a props URL, however old (Back/Forward to a
/// page that restores its last props).
pub(crate) fn last(url: &str) -> Option<PropsPayload> {
    CACHE.with(|cache| cache.borrow().entries.get(url).map(|e| e.payload.clone()))
}

/// Keeps an answer if its headers allow (or, `prefetched`, for a short
/// window when they do not); `keep_last` keeps a `no-store` answer for
/// Back/Forward only (a page that restores its last props). An answer
/// whose request was sent before an invalidation (`epoch`) is not kept.
/// Returns whether it was kept.
#[allow(clippy::too_many_arguments)]
pub(crate) fn store(
    url: &str,
    payload: &PropsPayload,
    freshness: &Freshness,
    etag: Option<String>,
    tags: Vec<String>,
    prefetched: bool,
    keep_last: bool,
    sent_at: u64,
) -> bool {
    if sent_at != epoch() {
        return false;
    }
    if payload.props.is_none() && !payload.not_found {
        // Errors and redirects are never kept.
        return false;
    }
    let cacheable = !freshness.no_store && (freshness.fresh_ms > 0.0 || etag.is_some());
    let (fresh_ms, stale_ms, once, last_only) = if cacheable {
        (freshness.fresh_ms, freshness.stale_ms, false, false)
    } else if prefetched {
        (
            PREFETCH_WINDOW_MS.with(std::cell::Cell::get),
            0.0,
            true,
            false,
        )
    } else if keep_last {
        // Never fresh: only `last` reads it.
        (0.0, 0.0, false, true)
    } else {
        CACHE.with(|cache| cache.borrow_mut().remove(url));
        return false;
    };
    let bytes = payload.props.as_ref().map_or(0, |p| p.get().len()) + url.len() + 64;
    if bytes > MAX_BYTES / 4 {
        // Too big to keep; nor may an older answer stand for it.
        CACHE.with(|cache| cache.borrow_mut().remove(url));
        return false;
    }
    // The layout's data is the session's, not the page's: never kept, so a
    // kept page never brings back an old session's header.
    let mut payload = payload.clone();
    payload.layout = None;
    let entry = Entry {
        payload,
        etag,
        // An answer a shared cache kept for a while is that much older.
        stored_at: now() - freshness.age_ms,
        fresh_ms,
        stale_ms,
        tags,
        bytes,
        once,
        last_only,
    };
    CACHE.with(|cache| cache.borrow_mut().insert(url.to_owned(), entry));
    true
}

/// A `304` for a kept answer: fresh again, for as long as the new headers say.
pub(crate) fn revalidated(url: &str, freshness: &Freshness) -> Option<PropsPayload> {
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let entry = cache.entries.get_mut(url)?;
        entry.stored_at = now() - freshness.age_ms;
        entry.fresh_ms = freshness.fresh_ms;
        entry.stale_ms = freshness.stale_ms;
        Some(entry.payload.clone())
    })
}

/// Drops every answer carrying one of `tags`.
pub(crate) fn invalidate<'a>(tags: impl IntoIterator<Item = &'a str>) {
    let tags: Vec<&str> = tags.into_iter().collect();
    if tags.is_empty() {
        return;
    }
    new_epoch();
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let doomed: Vec<String> = cache
            .entries
            .iter()
            .filter(|(_, e)| e.tags.iter().any(|t| tags.contains(&t.as_str())))
            .map(|(url, _)| url.clone())
            .collect();
        for url in doomed {
            cache.remove(&url);
        }
    });
}

/// Drops one answer (`use_refresh`, a page that must be fetched again).
pub(crate) fn forget(url: &str) {
    CACHE.with(|cache| cache.borrow_mut().remove(url));
}

/// Empties the cache (another build is serving).
pub(crate) fn clear() {
    new_epoch();
    CACHE.with(|cache| *cache.borrow_mut() = Cache::default());
}

impl Cache {
    fn insert(&mut self, url: String, entry: Entry) {
        self.remove(&url);
        self.bytes += entry.bytes;
        self.order.push_back(url.clone());
        self.entries.insert(url, entry);
        while self.entries.len() > MAX_ENTRIES || self.bytes > MAX_BYTES {
            let Some(oldest) = self.order.front().cloned() else {
                break;
            };
            self.remove(&oldest);
        }
    }

    fn remove(&mut self, url: &str) {
        if let Some(entry) = self.entries.remove(url) {
            self.bytes -= entry.bytes;
            self.order.retain(|u| u != url);
        }
    }

    fn touch(&mut self, url: &str) {
        if let Some(position) = self.order.iter().position(|u| u == url) {
            if let Some(url) = self.order.remove(position) {
                self.order.push_back(url);
            }
        }
    }
}
