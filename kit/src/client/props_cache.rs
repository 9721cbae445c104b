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
//! the cache): the fetch returns what the answer says, and the navigator
//! applies it here.
//!
//! The rules are [`PropsCache`]'s, which builds and is tested natively;
//! this module gives the browser state's one cache
//! ([`BrowserState::cache`](super::state::BrowserState::cache)) the
//! browser's clock.

use crate::{
    freshness::{Answer, Freshness, Keep, PropsCache},
    protocol::PropsPayload,
};
use std::cell::RefCell;

pub(crate) use crate::freshness::{Found, DEFAULT_PREFETCH_WINDOW};

/// The tab's props cache: [`PropsCache`] with the browser's clock.
#[derive(Default)]
pub(crate) struct Cache(RefCell<PropsCache>);

fn now() -> f64 {
    js_sys::Date::now()
}

impl Cache {
    fn with<T>(&self, f: impl FnOnce(&mut PropsCache) -> T) -> T {
        f(&mut self.0.borrow_mut())
    }

    /// Sets how long a prefetched `no-store` answer serves a click.
    pub(crate) fn set_prefetch_window(&self, window: std::time::Duration) {
        self.with(|cache| cache.set_prefetch_window(window));
    }

    /// The cache's epoch now (see [`Fetched::epoch`](super::fetch::Fetched)).
    pub(crate) fn epoch(&self) -> u64 {
        self.with(|cache| cache.epoch())
    }

    /// Looks up the answer kept for a props URL.
    pub(crate) fn lookup(&self, url: &str) -> Found {
        self.with(|cache| cache.lookup(url, now()))
    }

    /// Whether a fresh answer is kept for a props URL (without using it up).
    pub(crate) fn is_fresh(&self, url: &str) -> bool {
        self.with(|cache| cache.is_fresh(url, now()))
    }

    /// The last answer kept for a props URL, however old (Back/Forward to a
    /// page that restores its last props).
    pub(crate) fn last(&self, url: &str) -> Option<PropsPayload> {
        self.with(|cache| cache.last(url))
    }

    /// Keeps an answer if its headers allow, or as `keep` says when they do
    /// not. An answer whose request was sent before an invalidation
    /// ([`Answer::sent_at`]) is not kept. Returns whether it was kept.
    pub(crate) fn store(&self, url: &str, answer: Answer<'_>, keep: Keep) -> bool {
        self.with(|cache| cache.store(url, answer, keep, now()))
    }

    /// A `304` for a kept answer: fresh again, for as long as the new headers say.
    pub(crate) fn revalidated(&self, url: &str, freshness: &Freshness) -> Option<PropsPayload> {
        self.with(|cache| cache.revalidated(url, freshness, now()))
    }

    /// Drops every answer carrying one of `tags`: a write changed them, so
    /// answers on their way are old news too (a new epoch).
    pub(crate) fn invalidate<'a>(&self, tags: impl IntoIterator<Item = &'a str>) {
        let tags: Vec<&str> = tags.into_iter().collect();
        self.with(|cache| cache.invalidate(&tags));
    }

    /// Drops one answer (`use_refresh`, a page that must be fetched again).
    pub(crate) fn forget(&self, url: &str) {
        self.with(|cache| cache.forget(url));
    }

    /// Empties the cache (the session changed, or another build is serving),
    /// answers on their way included (a new epoch).
    pub(crate) fn clear(&self) {
        self.with(PropsCache::clear);
    }
}
