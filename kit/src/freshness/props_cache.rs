//! The rules of the browser's props cache, as plain data: which answers are
//! kept, for how long, which go first when it is full, and which an
//! invalidation drops.
//!
//! They live apart from the browser half (`client::props_cache` keeps one
//! [`PropsCache`] per tab and reads the browser's clock) so that they build
//! and are tested natively: nothing here touches `web-sys`, and every rule
//! that depends on time takes the time, `now` in milliseconds since any
//! fixed origin, as an argument.
//!
//! The rules:
//!
//! * an answer whose `Cache-Control` allows keeping it (`max-age`, or an
//!   `ETag` to revalidate with) is fresh for `max-age`, then stale for
//!   `stale-while-revalidate`, then expired: revalidated with its `ETag`,
//!   or dropped without one;
//! * an answer that allows no keeping (`no-store`, `no-cache` without an
//!   `ETag`) is not kept, and drops the one kept before it, except a
//!   prefetched one, kept for [`PropsCache::set_prefetch_window`] and one
//!   navigation, and one for a page that restores its last props on
//!   Back/Forward, kept for [`PropsCache::last`] only;
//! * errors and redirects are never kept; "not found" is;
//! * at most [`MAX_ENTRIES`] answers and [`MAX_BYTES`] bytes are kept, the
//!   least recently used going first, and no answer above a quarter of the
//!   bytes;
//! * an invalidation (tags a write changed, or everything when the session
//!   or the build changed) starts a new epoch: an answer whose request was
//!   sent in an earlier one is never kept;
//! * the layout's data is never kept: it is the session's, not the page's.

use super::Freshness;
use crate::protocol::PropsPayload;
use std::collections::{HashMap, VecDeque};

/// How many answers the cache keeps at most.
pub(crate) const MAX_ENTRIES: usize = 64;
/// How many bytes of answers (their JSON) the cache keeps at most.
pub(crate) const MAX_BYTES: usize = 4 << 20;
/// How long a prefetched answer serves a click when its own
/// `Cache-Control` allows no caching at all, unless the app says otherwise
/// (`ClientOptions::prefetch_window`).
pub(crate) const DEFAULT_PREFETCH_WINDOW: std::time::Duration = std::time::Duration::from_secs(10);

/// Why an answer is offered to the cache: what decides whether one whose
/// headers allow no caching is kept all the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Only as its headers allow (a navigation's answer, the embedded props).
    AsAllowed,
    /// A prefetch's: when its headers allow no caching, still kept for the
    /// prefetch window and one navigation (the click it was made for).
    Prefetched,
    /// For a page that restores its last props on Back/Forward: when its
    /// headers allow no caching, still kept, never fresh, for
    /// [`PropsCache::last`] only.
    LastForBack,
}

/// An answer offered to the cache.
pub(crate) struct Answer<'a> {
    /// Its body.
    pub(crate) payload: &'a PropsPayload,
    /// What its `Cache-Control` (and `Age`) say.
    pub(crate) freshness: &'a Freshness,
    /// Its `ETag`.
    pub(crate) etag: Option<String>,
    /// The tags its loader gave it.
    pub(crate) tags: Vec<String>,
    /// The cache's [`epoch`](PropsCache::epoch) when its request was sent.
    pub(crate) sent_at: u64,
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

/// A kept answer.
#[derive(Clone, Debug)]
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

/// The props cache: answers by props URL, the epoch, the prefetch window.
#[derive(Debug)]
pub(crate) struct PropsCache {
    entries: HashMap<String, Entry>,
    /// Least recently used first.
    order: VecDeque<String>,
    bytes: usize,
    /// Bumped by every invalidation: an answer whose request was sent
    /// before it is never kept.
    epoch: u64,
    prefetch_window_ms: f64,
}

impl Default for PropsCache {
    fn default() -> Self {
        Self {
            entries: HashMap::new(),
            order: VecDeque::new(),
            bytes: 0,
            epoch: 0,
            prefetch_window_ms: DEFAULT_PREFETCH_WINDOW.as_secs_f64() * 1000.0,
        }
    }
}

impl PropsCache {
    /// Sets how long a prefetched answer that allows no caching serves a click.
    pub(crate) fn set_prefetch_window(&mut self, window: std::time::Duration) {
        self.prefetch_window_ms = window.as_secs_f64() * 1000.0;
    }

    /// The epoch now: what a request sent now records as its
    /// [`Answer::sent_at`].
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Looks up the answer kept for a props URL. A prefetched answer kept
    /// only for one navigation is used up; any other counts as used.
    pub(crate) fn lookup(&mut self, url: &str, now: f64) -> Found {
        let Some(entry) = self.entries.get(url).cloned() else {
            return Found::Miss;
        };
        if entry.payload.deferred.is_cut_off() {
            // Its stream ended before its deferred values: never shown again.
            self.remove(url);
            return Found::Miss;
        }
        let age = now - entry.stored_at;
        if entry.once {
            self.remove(url);
            return if age < entry.fresh_ms {
                Found::Fresh(entry.payload)
            } else {
                Found::Miss
            };
        }
        self.touch(url);
        if age < entry.fresh_ms {
            Found::Fresh(entry.payload)
        } else if age < entry.fresh_ms + entry.stale_ms {
            Found::Stale(entry.payload, entry.etag)
        } else if let Some(etag) = entry.etag {
            Found::Expired(etag)
        } else {
            if !entry.last_only {
                self.remove(url);
            }
            Found::Miss
        }
    }

    /// Whether a fresh answer is kept for a props URL (without using it up).
    pub(crate) fn is_fresh(&self, url: &str, now: f64) -> bool {
        self.entries
            .get(url)
            .is_some_and(|e| now - e.stored_at < e.fresh_ms)
    }

    /// The last answer kept for a props URL, however old (Back/Forward to a
    /// page that restores its last props).
    pub(crate) fn last(&self, url: &str) -> Option<PropsPayload> {
        self.entries
            .get(url)
            .filter(|e| !e.payload.deferred.is_cut_off())
            .map(|e| e.payload.clone())
    }

    /// Keeps an answer if its headers allow, or if `keep` says so when they
    /// do not. Returns whether it was kept.
    pub(crate) fn store(&mut self, url: &str, answer: Answer<'_>, keep: Keep, now: f64) -> bool {
        let Answer {
            payload,
            freshness,
            etag,
            tags,
            sent_at,
        } = answer;
        if sent_at != self.epoch {
            return false;
        }
        if payload.props().is_none() && !payload.is_not_found() {
            // Errors and redirects are never kept.
            return false;
        }
        let cacheable = !freshness.no_store && (freshness.fresh_ms > 0.0 || etag.is_some());
        let (fresh_ms, stale_ms, once, last_only) = if cacheable {
            (freshness.fresh_ms, freshness.stale_ms, false, false)
        } else {
            match keep {
                Keep::Prefetched => (self.prefetch_window_ms, 0.0, true, false),
                // Never fresh: only `last` reads it.
                Keep::LastForBack => (0.0, 0.0, false, true),
                Keep::AsAllowed => {
                    self.remove(url);
                    return false;
                }
            }
        };
        let bytes = payload.props().map_or(0, |p| p.get().len()) + url.len() + 64;
        if bytes > MAX_BYTES / 4 {
            // Too big to keep; nor may an older answer stand for it.
            self.remove(url);
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
            stored_at: now - freshness.age_ms,
            fresh_ms,
            stale_ms,
            tags,
            bytes,
            once,
            last_only,
        };
        self.insert(url.to_owned(), entry);
        true
    }

    /// A `304` for a kept answer: fresh again, for as long as the new headers say.
    pub(crate) fn revalidated(
        &mut self,
        url: &str,
        freshness: &Freshness,
        now: f64,
    ) -> Option<PropsPayload> {
        let entry = self.entries.get_mut(url)?;
        entry.stored_at = now - freshness.age_ms;
        entry.fresh_ms = freshness.fresh_ms;
        entry.stale_ms = freshness.stale_ms;
        Some(entry.payload.clone())
    }

    /// Drops every answer carrying one of `tags`, and starts a new epoch
    /// (unless there are none).
    pub(crate) fn invalidate(&mut self, tags: &[&str]) {
        if tags.is_empty() {
            return;
        }
        self.epoch += 1;
        let doomed: Vec<String> = self
            .entries
            .iter()
            .filter(|(_, e)| e.tags.iter().any(|t| tags.contains(&t.as_str())))
            .map(|(url, _)| url.clone())
            .collect();
        for url in doomed {
            self.remove(&url);
        }
    }

    /// Drops one answer (`use_refresh`, a page that must be fetched again).
    pub(crate) fn forget(&mut self, url: &str) {
        self.remove(url);
    }

    /// Drops every answer and starts a new epoch (the session changed, or
    /// another build is serving).
    pub(crate) fn clear(&mut self) {
        self.epoch += 1;
        self.entries.clear();
        self.order.clear();
        self.bytes = 0;
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::PayloadBody;
    use serde_json::value::RawValue;

    const URL: &str = "/_props/b1/blog/a.json";
    /// An arbitrary start: the rules only ever look at differences.
    const T0: f64 = 1_000_000.0;

    /// Seconds, in the clock's milliseconds.
    fn secs(seconds: f64) -> f64 {
        seconds * 1000.0
    }

    /// The clock, `seconds` after the start.
    fn at(seconds: f64) -> f64 {
        T0 + secs(seconds)
    }

    fn props(json: &str) -> PropsPayload {
        PropsPayload::new(PayloadBody::Props {
            props: RawValue::from_string(json.to_owned()).unwrap(),
            cache_control: None,
            tags: Vec::new(),
            action_data: None,
        })
    }

    fn headers(cache_control: &str) -> Freshness {
        Freshness::parse(Some(cache_control))
    }

    /// Offers `payload` as an answer sent in the cache's current epoch.
    fn offer(
        cache: &mut PropsCache,
        url: &str,
        payload: &PropsPayload,
        freshness: &Freshness,
        etag: Option<&str>,
        keep: Keep,
        now: f64,
    ) -> bool {
        let answer = Answer {
            payload,
            freshness,
            etag: etag.map(str::to_owned),
            tags: Vec::new(),
            sent_at: cache.epoch(),
        };
        cache.store(url, answer, keep, now)
    }

    fn keep_for(cache: &mut PropsCache, url: &str, cache_control: &str, now: f64) -> bool {
        let freshness = headers(cache_control);
        offer(
            cache,
            url,
            &props("1"),
            &freshness,
            None,
            Keep::AsAllowed,
            now,
        )
    }

    fn tagged(cache: &mut PropsCache, url: &str, tags: &[&str]) {
        let freshness = headers("max-age=60");
        let answer = Answer {
            payload: &props("1"),
            freshness: &freshness,
            etag: None,
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            sent_at: cache.epoch(),
        };
        assert!(cache.store(url, answer, Keep::AsAllowed, T0));
    }

    /// What a lookup found, comparable: the props as their JSON.
    #[derive(Debug, PartialEq)]
    enum Seen {
        Fresh(String),
        Stale(String, Option<String>),
        Expired(String),
        Miss,
    }

    fn raw(payload: PropsPayload) -> String {
        payload
            .props()
            .map(|p| p.get().to_owned())
            .unwrap_or_default()
    }

    fn seen(found: Found) -> Seen {
        match found {
            Found::Fresh(payload) => Seen::Fresh(raw(payload)),
            Found::Stale(payload, etag) => Seen::Stale(raw(payload), etag),
            Found::Expired(etag) => Seen::Expired(etag),
            Found::Miss => Seen::Miss,
        }
    }

    fn is_fresh_hit(found: &Seen) -> bool {
        matches!(found, Seen::Fresh(_))
    }

    #[test]
    fn an_answer_whose_stream_was_cut_off_is_never_used_again() {
        let mut cache = PropsCache::default();
        let payload: PropsPayload =
            serde_json::from_str(r#"{"props":{"slow":{"$deferred":0}},"deferred":1}"#).unwrap();
        let freshness = headers("private, max-age=60");
        assert!(offer(
            &mut cache,
            URL,
            &payload,
            &freshness,
            None,
            Keep::AsAllowed,
            T0
        ));
        // Still streaming: kept, and the same values are shared.
        let Found::Fresh(kept) = cache.lookup(URL, at(1.0)) else {
            panic!("kept")
        };
        payload.deferred.cut_off("gone");
        assert!(kept.deferred.is_cut_off());
        assert!(cache.last(URL).is_none());
        assert_eq!(seen(cache.lookup(URL, at(2.0))), Seen::Miss);
    }

    #[test]
    fn fresh_for_max_age_then_gone_without_an_etag() {
        let mut cache = PropsCache::default();
        assert!(keep_for(&mut cache, URL, "private, max-age=10", T0));
        assert_eq!(seen(cache.lookup(URL, at(9.9))), Seen::Fresh("1".into()));
        assert!(cache.is_fresh(URL, at(9.9)));
        assert!(!cache.is_fresh(URL, at(10.0)));
        // Expired, nothing to revalidate with: dropped.
        assert_eq!(seen(cache.lookup(URL, at(10.0))), Seen::Miss);
        assert!(cache.last(URL).is_none());
    }

    #[test]
    fn stale_while_revalidate_then_expired_with_its_etag() {
        let mut cache = PropsCache::default();
        let freshness = headers("max-age=10, stale-while-revalidate=5");
        let etag = Some("\"v1\"");
        assert!(offer(
            &mut cache,
            URL,
            &props("1"),
            &freshness,
            etag,
            Keep::AsAllowed,
            T0
        ));
        assert!(is_fresh_hit(&seen(cache.lookup(URL, at(9.0)))));
        assert_eq!(
            seen(cache.lookup(URL, at(12.0))),
            Seen::Stale("1".into(), Some("\"v1\"".into()))
        );
        assert_eq!(
            seen(cache.lookup(URL, at(15.0))),
            Seen::Expired("\"v1\"".into())
        );
        // Kept for the revalidation: asked again, still there.
        assert_eq!(
            seen(cache.lookup(URL, at(99.0))),
            Seen::Expired("\"v1\"".into())
        );
    }

    #[test]
    fn an_answer_a_shared_cache_kept_is_that_much_older() {
        let mut cache = PropsCache::default();
        let mut freshness = headers("max-age=10");
        freshness.age_ms = secs(8.0);
        assert!(offer(
            &mut cache,
            URL,
            &props("1"),
            &freshness,
            None,
            Keep::AsAllowed,
            T0
        ));
        assert!(cache.is_fresh(URL, at(1.9)));
        assert!(!cache.is_fresh(URL, at(2.0)));
    }

    #[test]
    fn no_store_and_no_cache_are_not_kept_and_drop_the_older_answer() {
        for cache_control in [
            "no-store, max-age=60",
            "no-cache",
            "max-age=0",
            crate::protocol::DEFAULT_CACHE_CONTROL,
        ] {
            let mut cache = PropsCache::default();
            assert!(keep_for(&mut cache, URL, "max-age=60", T0));
            assert!(
                !keep_for(&mut cache, URL, cache_control, T0),
                "{cache_control}"
            );
            assert!(cache.last(URL).is_none(), "{cache_control}");
            assert_eq!(seen(cache.lookup(URL, T0)), Seen::Miss, "{cache_control}");
        }
        // No `Cache-Control` at all reads as `no-store`.
        let mut cache = PropsCache::default();
        let freshness = Freshness::parse(None);
        assert!(!offer(
            &mut cache,
            URL,
            &props("1"),
            &freshness,
            None,
            Keep::AsAllowed,
            T0
        ));
    }

    #[test]
    fn an_etag_makes_a_no_cache_answer_worth_keeping_but_not_a_no_store_one() {
        let mut cache = PropsCache::default();
        let no_cache = headers("no-cache");
        assert!(offer(
            &mut cache,
            URL,
            &props("1"),
            &no_cache,
            Some("e"),
            Keep::AsAllowed,
            T0
        ));
        assert_eq!(seen(cache.lookup(URL, T0)), Seen::Expired("e".into()));
        let no_store = headers("no-store");
        assert!(!offer(
            &mut cache,
            URL,
            &props("2"),
            &no_store,
            Some("e"),
            Keep::AsAllowed,
            T0
        ));
        assert!(cache.last(URL).is_none());
    }

    #[test]
    fn errors_and_redirects_are_never_kept_not_found_is() {
        let mut cache = PropsCache::default();
        let freshness = headers("max-age=60");
        let error = PropsPayload::new(PayloadBody::Error {
            status: 500,
            error: "Internal Server Error".into(),
            detail: None,
            dev: None,
        });
        assert!(!offer(
            &mut cache,
            URL,
            &error,
            &freshness,
            None,
            Keep::Prefetched,
            T0
        ));
        let redirect: PropsPayload =
            serde_json::from_str(r#"{"redirect":{"destination":"/b","status":307}}"#).unwrap();
        assert!(!offer(
            &mut cache,
            URL,
            &redirect,
            &freshness,
            None,
            Keep::AsAllowed,
            T0
        ));
        assert!(cache.last(URL).is_none());
        let not_found = PropsPayload::new(PayloadBody::NotFound);
        assert!(offer(
            &mut cache,
            URL,
            &not_found,
            &freshness,
            None,
            Keep::AsAllowed,
            T0
        ));
        assert!(cache.last(URL).is_some_and(|p| p.is_not_found()));
    }

    #[test]
    fn the_layout_data_is_never_kept() {
        let mut cache = PropsCache::default();
        let mut payload = props("1");
        payload.layout = Some(RawValue::from_string(r#"{"user":"ann"}"#.into()).unwrap());
        let freshness = headers("max-age=60");
        assert!(offer(
            &mut cache,
            URL,
            &payload,
            &freshness,
            None,
            Keep::AsAllowed,
            T0
        ));
        let kept = cache.last(URL).unwrap();
        assert!(kept.layout.is_none());
        assert_eq!(kept.props().unwrap().get(), "1");
    }

    #[test]
    fn a_prefetched_no_store_answer_serves_one_navigation_within_the_window() {
        let mut cache = PropsCache::default();
        cache.set_prefetch_window(std::time::Duration::from_secs(5));
        let no_store = headers("no-store");
        assert!(offer(
            &mut cache,
            URL,
            &props("1"),
            &no_store,
            None,
            Keep::Prefetched,
            T0
        ));
        // Looking without using it up (a second prefetch is not needed).
        assert!(cache.is_fresh(URL, at(4.9)));
        assert!(cache.is_fresh(URL, at(4.9)));
        // The app's window, not the default one.
        assert!(!cache.is_fresh(URL, at(5.0)));
        assert_eq!(seen(cache.lookup(URL, at(4.9))), Seen::Fresh("1".into()));
        // Used up by that navigation.
        assert_eq!(seen(cache.lookup(URL, at(4.9))), Seen::Miss);
        assert!(cache.last(URL).is_none());
    }

    #[test]
    fn a_prefetched_no_store_answer_is_gone_after_the_window() {
        let mut cache = PropsCache::default();
        let no_store = headers("no-store");
        assert!(offer(
            &mut cache,
            URL,
            &props("1"),
            &no_store,
            None,
            Keep::Prefetched,
            T0
        ));
        let window = secs(DEFAULT_PREFETCH_WINDOW.as_secs_f64());
        assert!(cache.is_fresh(URL, T0 + window - 1.0));
        assert_eq!(seen(cache.lookup(URL, T0 + window)), Seen::Miss);
        assert!(cache.last(URL).is_none());
    }

    #[test]
    fn a_prefetched_cacheable_answer_is_kept_as_its_headers_say() {
        let mut cache = PropsCache::default();
        let freshness = headers("max-age=60");
        assert!(offer(
            &mut cache,
            URL,
            &props("1"),
            &freshness,
            None,
            Keep::Prefetched,
            T0
        ));
        // Not used up, and fresh past the prefetch window.
        let later = at(30.0);
        assert!(is_fresh_hit(&seen(cache.lookup(URL, later))));
        assert!(is_fresh_hit(&seen(cache.lookup(URL, later))));
    }

    #[test]
    fn a_no_store_answer_kept_for_back_is_never_fresh_but_stays_last() {
        let mut cache = PropsCache::default();
        let no_store = headers("no-store");
        assert!(offer(
            &mut cache,
            URL,
            &props("1"),
            &no_store,
            None,
            Keep::LastForBack,
            T0
        ));
        assert!(!cache.is_fresh(URL, T0));
        assert_eq!(seen(cache.lookup(URL, T0)), Seen::Miss);
        // A miss does not drop it: Back/Forward still finds it.
        assert_eq!(cache.last(URL).map(raw), Some("1".into()));
        // As the headers allow it otherwise: not a `once` entry.
        let freshness = headers("max-age=60");
        assert!(offer(
            &mut cache,
            URL,
            &props("2"),
            &freshness,
            None,
            Keep::LastForBack,
            T0
        ));
        assert!(is_fresh_hit(&seen(cache.lookup(URL, T0))));
        assert!(is_fresh_hit(&seen(cache.lookup(URL, T0))));
    }

    #[test]
    fn the_least_recently_used_goes_first_past_max_entries() {
        let mut cache = PropsCache::default();
        let url = |i: usize| format!("/_props/b1/p/{i}.json");
        for i in 0..MAX_ENTRIES {
            assert!(keep_for(&mut cache, &url(i), "max-age=60", T0));
        }
        // Used: no longer the least recently used.
        assert!(is_fresh_hit(&seen(cache.lookup(&url(0), T0))));
        assert!(keep_for(&mut cache, &url(MAX_ENTRIES), "max-age=60", T0));
        assert!(cache.last(&url(0)).is_some());
        assert!(cache.last(&url(1)).is_none(), "the oldest unused one goes");
        assert!(cache.last(&url(2)).is_some());
        assert!(cache.last(&url(MAX_ENTRIES)).is_some());
        // Looking with `is_fresh` does not count as a use.
        assert!(cache.is_fresh(&url(2), T0));
        assert!(keep_for(
            &mut cache,
            &url(MAX_ENTRIES + 1),
            "max-age=60",
            T0
        ));
        assert!(cache.last(&url(2)).is_none());
        assert!(cache.last(&url(3)).is_some());
    }

    #[test]
    fn the_oldest_go_first_past_max_bytes() {
        let mut cache = PropsCache::default();
        let url = |i: usize| format!("/_props/b1/big/{i}.json");
        // Just under a quarter of the bytes each: four fit, a fifth does not.
        let big = props(&format!("\"{}\"", "x".repeat(MAX_BYTES / 4 - 200)));
        let freshness = headers("max-age=60");
        for i in 0..4 {
            assert!(offer(
                &mut cache,
                &url(i),
                &big,
                &freshness,
                None,
                Keep::AsAllowed,
                T0
            ));
        }
        assert!((0..4).all(|i| cache.last(&url(i)).is_some()));
        assert!(offer(
            &mut cache,
            &url(4),
            &big,
            &freshness,
            None,
            Keep::AsAllowed,
            T0
        ));
        assert!(cache.last(&url(0)).is_none());
        assert!((1..5).all(|i| cache.last(&url(i)).is_some()));
    }

    #[test]
    fn an_answer_above_a_quarter_of_the_bytes_is_not_kept_nor_the_older_one() {
        let mut cache = PropsCache::default();
        assert!(keep_for(&mut cache, URL, "max-age=60", T0));
        let huge = props(&format!("\"{}\"", "x".repeat(MAX_BYTES / 4)));
        let freshness = headers("max-age=60");
        assert!(!offer(
            &mut cache,
            URL,
            &huge,
            &freshness,
            None,
            Keep::AsAllowed,
            T0
        ));
        assert!(cache.last(URL).is_none());
    }

    #[test]
    fn an_invalidated_tag_drops_the_answers_carrying_it() {
        let mut cache = PropsCache::default();
        tagged(&mut cache, "/_props/b1/a.json", &["post:1", "posts"]);
        tagged(&mut cache, "/_props/b1/b.json", &["post:2"]);
        tagged(&mut cache, "/_props/b1/c.json", &[]);
        cache.invalidate(&["posts", "other"]);
        assert!(cache.last("/_props/b1/a.json").is_none());
        assert!(cache.last("/_props/b1/b.json").is_some());
        assert!(cache.last("/_props/b1/c.json").is_some());
    }

    #[test]
    fn an_answer_sent_before_an_invalidation_is_not_kept() {
        let mut cache = PropsCache::default();
        let sent_at = cache.epoch();
        cache.invalidate(&["posts"]);
        assert_ne!(cache.epoch(), sent_at);
        tagged(&mut cache, "/_props/b1/other.json", &[]);
        let freshness = headers("max-age=60");
        let late = Answer {
            payload: &props("1"),
            freshness: &freshness,
            etag: None,
            tags: Vec::new(),
            sent_at,
        };
        assert!(!cache.store(URL, late, Keep::Prefetched, T0));
        assert!(cache.last(URL).is_none());
        // Nor does it drop what was kept since.
        assert!(cache.last("/_props/b1/other.json").is_some());
    }

    #[test]
    fn an_invalidation_naming_no_tag_changes_nothing() {
        let mut cache = PropsCache::default();
        tagged(&mut cache, URL, &["posts"]);
        let epoch = cache.epoch();
        cache.invalidate(&[]);
        assert_eq!(cache.epoch(), epoch);
        assert!(cache.last(URL).is_some());
    }

    #[test]
    fn clear_drops_everything_and_starts_a_new_epoch() {
        let mut cache = PropsCache::default();
        cache.set_prefetch_window(std::time::Duration::from_secs(1));
        tagged(&mut cache, URL, &[]);
        let before = cache.epoch();
        cache.clear();
        assert!(cache.epoch() > before);
        assert!(cache.last(URL).is_none());
        // An answer sent before the clear is not kept.
        let freshness = headers("max-age=60");
        let late = Answer {
            payload: &props("1"),
            freshness: &freshness,
            etag: None,
            tags: Vec::new(),
            sent_at: before,
        };
        assert!(!cache.store(URL, late, Keep::AsAllowed, T0));
        // The room is back, and the app's prefetch window stays.
        for i in 0..MAX_ENTRIES {
            assert!(keep_for(
                &mut cache,
                &format!("/_props/b1/{i}.json"),
                "max-age=60",
                T0
            ));
        }
        assert!(cache.last("/_props/b1/0.json").is_some());
        let no_store = headers("no-store");
        assert!(offer(
            &mut cache,
            URL,
            &props("1"),
            &no_store,
            None,
            Keep::Prefetched,
            T0
        ));
        assert!(!cache.is_fresh(URL, at(1.0)));
    }

    #[test]
    fn a_304_makes_a_kept_answer_fresh_again() {
        let mut cache = PropsCache::default();
        let freshness = headers("max-age=10");
        assert!(offer(
            &mut cache,
            URL,
            &props("1"),
            &freshness,
            Some("e"),
            Keep::AsAllowed,
            T0
        ));
        let later = at(100.0);
        assert_eq!(seen(cache.lookup(URL, later)), Seen::Expired("e".into()));
        let mut again = headers("max-age=20, stale-while-revalidate=5");
        again.age_ms = secs(1.0);
        assert_eq!(
            cache.revalidated(URL, &again, later).map(raw),
            Some("1".into())
        );
        assert!(cache.is_fresh(URL, later + secs(18.9)));
        assert!(!cache.is_fresh(URL, later + secs(19.0)));
        assert!(matches!(
            seen(cache.lookup(URL, later + secs(23.0))),
            Seen::Stale(..)
        ));
        // A `304` for an answer no longer kept finds nothing.
        assert!(cache
            .revalidated("/_props/b1/gone.json", &again, later)
            .is_none());
    }

    #[test]
    fn forget_drops_one_answer_and_keeps_the_epoch() {
        let mut cache = PropsCache::default();
        tagged(&mut cache, URL, &[]);
        tagged(&mut cache, "/_props/b1/other.json", &[]);
        let epoch = cache.epoch();
        cache.forget(URL);
        assert!(cache.last(URL).is_none());
        assert!(cache.last("/_props/b1/other.json").is_some());
        assert_eq!(cache.epoch(), epoch);
    }
}
