//! The browser half's bookkeeping, as plain data: the props requests in
//! flight, the prefetches under way, the scroll positions, a value waiting
//! for one page's view, the numbering of navigations and submissions, and
//! the evidence of a reload loop.
//!
//! The browser half holds one of each in its one state object
//! (`client::state::BrowserState`). They live here, apart from it and
//! shared by both builds, for the reason the props cache's rules live in
//! `freshness`: so that their rules build and are tested natively. Nothing
//! here touches `web-sys`, a future or the clock: a request is any `F`, an
//! abort handle any `H`, the time an argument.

use std::{cell::Cell, collections::HashMap};

/// How long after the kit's document navigation loaded a document another
/// one to the same URL counts as a loop, in milliseconds: the kit then
/// shows the error page instead of loading it again.
pub(crate) const LOOP_WINDOW_MS: f64 = 10_000.0;

/// Requests in flight by key, each shared by whoever asks for the same key
/// in the same epoch, and forgotten once nobody waits for it any more.
///
/// A key is a props URL, or, for a request nobody may join (a refresh, a
/// retry), one made unique with the request's number. The epoch is the
/// props cache's: a request sent before a write or a session change is old
/// news, so a later asker never joins it.
#[derive(Debug)]
pub(crate) struct Flights<F> {
    by_key: HashMap<String, Flight<F>>,
    /// The last request number given out.
    numbered: u64,
}

/// One request in flight.
#[derive(Debug)]
struct Flight<F> {
    /// The request, shared by its waiters (a clone each).
    request: F,
    /// How many wait for it.
    waiting: usize,
    /// Its number: a waiter only ever counts down its own request, not a
    /// newer one under the same key.
    id: u64,
    /// The epoch it was sent in.
    epoch: u64,
}

impl<F> Default for Flights<F> {
    fn default() -> Self {
        Self {
            by_key: HashMap::new(),
            numbered: 0,
        }
    }
}

impl<F: Clone> Flights<F> {
    /// A new request number, never given out before.
    pub(crate) fn number(&mut self) -> u64 {
        self.numbered += 1;
        self.numbered
    }

    /// Joins the request in flight under `key`, or starts one numbered `id`
    /// (`start` makes it); one more waits for it. Returns the request and
    /// its number. A request under `key` sent in another epoch than `epoch`
    /// is forgotten first: those already waiting for it still get its
    /// answer (which is rendered, never kept), later askers send a new one.
    pub(crate) fn join(
        &mut self,
        key: &str,
        id: u64,
        epoch: u64,
        start: impl FnOnce() -> F,
    ) -> (F, u64) {
        if self.by_key.get(key).is_some_and(|f| f.epoch != epoch) {
            self.by_key.remove(key);
        }
        let flight = self.by_key.entry(key.to_owned()).or_insert_with(|| Flight {
            request: start(),
            waiting: 0,
            id,
            epoch,
        });
        flight.waiting += 1;
        (flight.request.clone(), flight.id)
    }

    /// One waiter of request `id` under `key` stops waiting (done, or
    /// superseded). Returns whether it was the last: then the caller
    /// [forgets](Self::forget_idle) the request a moment later, unless
    /// someone joined it meanwhile (a second click on one link).
    pub(crate) fn leave(&mut self, key: &str, id: u64) -> bool {
        self.by_key
            .get_mut(key)
            .filter(|flight| flight.id == id)
            .is_some_and(|flight| {
                flight.waiting -= 1;
                flight.waiting == 0
            })
    }

    /// Forgets request `id` under `key` if nobody waits for it still, and
    /// hands it back: dropping the last handle on a request aborts it.
    pub(crate) fn forget_idle(&mut self, key: &str, id: u64) -> Option<F> {
        let idle = self
            .by_key
            .get(key)
            .is_some_and(|flight| flight.id == id && flight.waiting == 0);
        if idle {
            self.by_key.remove(key).map(|flight| flight.request)
        } else {
            None
        }
    }
}

/// The prefetches under way, by page URL, each with what aborts it.
#[derive(Debug)]
pub(crate) struct Prefetches<H> {
    under_way: Vec<(String, H)>,
}

impl<H> Default for Prefetches<H> {
    fn default() -> Self {
        Self {
            under_way: Vec::new(),
        }
    }
}

impl<H> Prefetches<H> {
    /// Notes a prefetch of `page_url` starting, unless one is under way
    /// already (then `None`). `start` makes its abort handle and whatever
    /// the prefetch itself needs (returned).
    pub(crate) fn start<R>(&mut self, page_url: &str, start: impl FnOnce() -> (H, R)) -> Option<R> {
        if self.under_way.iter().any(|(url, _)| url == page_url) {
            return None;
        }
        let (handle, started) = start();
        self.under_way.push((page_url.to_owned(), handle));
        Some(started)
    }

    /// A prefetch of `page_url` is over (done, or aborted).
    pub(crate) fn finished(&mut self, page_url: &str) {
        self.under_way.retain(|(url, _)| url != page_url);
    }

    /// Takes every prefetch but the one for `page_url` (which a navigation
    /// to it joins) off the list, and hands back their handles to abort.
    pub(crate) fn all_but(&mut self, page_url: &str) -> Vec<H> {
        let (kept, others) = std::mem::take(&mut self.under_way)
            .into_iter()
            .partition(|(url, _)| url == page_url);
        self.under_way = kept;
        others.into_iter().map(|(_, handle)| handle).collect()
    }
}

/// Scroll positions of the history entries seen, by URL, and the entry a
/// Back/Forward navigation is restoring: the browser's own restoration
/// happens before the new page has rendered, so the kit does it after.
#[derive(Debug, Default)]
pub(crate) struct ScrollPositions {
    by_url: HashMap<String, f64>,
    /// Set by Back/Forward: the URL whose position to restore once its
    /// page is shown.
    popped: Option<String>,
}

impl ScrollPositions {
    /// The page at `url` was scrolled to `y`: remembered, unless an entry
    /// is being restored (its saved position must survive the scrolls the
    /// page swap causes).
    pub(crate) fn scrolled(&mut self, url: String, y: f64) {
        if self.popped.is_none() {
            self.by_url.insert(url, y);
        }
    }

    /// A Back/Forward navigation to `url` began.
    pub(crate) fn popped(&mut self, url: String) {
        self.popped = Some(url);
    }

    /// Whether the navigation under way is a Back/Forward one.
    pub(crate) fn is_popped(&self) -> bool {
        self.popped.is_some()
    }

    /// The position to restore now that a Back/Forward navigation's page
    /// has rendered (the top for an entry never scrolled), once; `None`
    /// when no entry is being restored.
    pub(crate) fn take_restore(&mut self) -> Option<f64> {
        let url = self.popped.take()?;
        Some(self.by_url.get(&url).copied().unwrap_or(0.0))
    }
}

/// A value waiting for the view of one page URL (path and query): that
/// page's next view takes it, and any other view's look empties the slot,
/// so it never reaches a later navigation.
#[derive(Debug)]
pub(crate) struct ForPage<T>(Option<(String, T)>);

impl<T> Default for ForPage<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<T> ForPage<T> {
    /// Leaves `value` for the next view of `page_url` (replacing any other).
    pub(crate) fn put(&mut self, page_url: String, value: T) {
        self.0 = Some((page_url, value));
    }

    /// The value, when it is for `page_url`; the slot is empty afterwards
    /// either way.
    pub(crate) fn take_for(&mut self, page_url: &str) -> Option<T> {
        let (url, value) = self.0.take()?;
        (url == page_url).then_some(value)
    }
}

/// Numbers things that supersede each other (navigations, submissions):
/// only the newest one's outcome counts.
#[derive(Debug, Default)]
pub(crate) struct Numbering(Cell<u64>);

impl Numbering {
    /// Numbers one more: the newest from now on.
    pub(crate) fn next(&self) -> u64 {
        self.0.set(self.0.get() + 1);
        self.0.get()
    }

    /// The newest number given out.
    pub(crate) fn newest(&self) -> u64 {
        self.0.get()
    }
}

/// When, and to which URL, the kit's own document navigation loaded this
/// document: the evidence of a reload loop.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Arrival {
    /// When the navigation started, in ms since the epoch.
    pub(crate) at_ms: f64,
    /// The page URL it loaded.
    pub(crate) url: String,
}

impl Arrival {
    /// The record the kit leaves (in `sessionStorage`) as it starts a
    /// document navigation to `url` at `now_ms`.
    pub(crate) fn record(now_ms: f64, url: &str) -> String {
        format!("{} {url}", now_ms as u64)
    }

    /// The arrival a [record](Self::record) tells of, when it was for
    /// `here` (the URL of the document now loaded).
    pub(crate) fn from_record(record: &str, here: &str) -> Option<Self> {
        let (at, url) = record.split_once(' ')?;
        let at = at.parse::<u64>().ok()?;
        (url == here).then(|| Self {
            at_ms: at as f64,
            url: url.to_owned(),
        })
    }

    /// Whether loading `url` as a document at `now_ms` would repeat this
    /// arrival within [`LOOP_WINDOW_MS`]: a loop.
    pub(crate) fn is_loop(&self, url: &str, now_ms: f64) -> bool {
        self.url == url && now_ms - self.at_ms < LOOP_WINDOW_MS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "/_props/b1/a.json";

    #[test]
    fn askers_of_one_key_share_one_request() {
        let mut flights = Flights::default();
        let first = flights.number();
        let (request, id) = flights.join(A, first, 0, || "one");
        assert_eq!((request, id), ("one", first));
        let second = flights.number();
        assert_ne!(second, first, "numbers are never reused");
        let (request, id) = flights.join(A, second, 0, || "two");
        assert_eq!((request, id), ("one", first), "joined, not started");
        assert!(!flights.leave(A, first), "one still waits");
        assert!(flights.leave(A, first), "the last waiter left");
        assert_eq!(flights.forget_idle(A, first), Some("one"));
        assert_eq!(flights.forget_idle(A, first), None, "forgotten once");
    }

    #[test]
    fn a_request_from_an_older_epoch_is_never_joined() {
        let mut flights = Flights::default();
        let old = flights.number();
        flights.join(A, old, 0, || "old");
        let new = flights.number();
        let (request, id) = flights.join(A, new, 1, || "new");
        assert_eq!((request, id), ("new", new));
        // The old request's waiter counts down nothing of the new one.
        assert!(!flights.leave(A, old));
        assert_eq!(flights.forget_idle(A, old), None);
        assert!(flights.leave(A, new));
    }

    #[test]
    fn a_request_someone_joins_again_is_not_forgotten() {
        let mut flights = Flights::default();
        let id = flights.number();
        flights.join(A, id, 0, || "one");
        assert!(flights.leave(A, id));
        // A second click on the same link, before the moment passed.
        let again = flights.number();
        assert_eq!(flights.join(A, again, 0, || "two"), ("one", id));
        assert_eq!(flights.forget_idle(A, id), None);
        assert!(flights.leave(A, id));
        assert_eq!(flights.forget_idle(A, id), Some("one"));
    }

    #[test]
    fn a_navigation_aborts_every_prefetch_but_its_own() {
        let mut prefetches = Prefetches::default();
        assert_eq!(prefetches.start("/a", || ("abort a", 1)), Some(1));
        assert_eq!(prefetches.start("/a", || ("abort a again", 2)), None);
        assert_eq!(prefetches.start("/b", || ("abort b", 3)), Some(3));
        assert_eq!(prefetches.start("/c", || ("abort c", 4)), Some(4));
        assert_eq!(prefetches.all_but("/b"), vec!["abort a", "abort c"]);
        assert_eq!(prefetches.all_but("/b"), Vec::<&str>::new());
        prefetches.finished("/b");
        assert_eq!(prefetches.start("/b", || ("abort b", 5)), Some(5));
    }

    #[test]
    fn back_restores_the_position_the_entry_was_left_at() {
        let mut scroll = ScrollPositions::default();
        scroll.scrolled("/a".into(), 400.0);
        scroll.scrolled("/b".into(), 10.0);
        assert!(!scroll.is_popped());
        assert_eq!(scroll.take_restore(), None, "no Back/Forward under way");
        scroll.popped("/a".into());
        assert!(scroll.is_popped());
        // The page swap scrolls; the saved position survives it.
        scroll.scrolled("/a".into(), 0.0);
        assert_eq!(scroll.take_restore(), Some(400.0));
        assert!(!scroll.is_popped());
        assert_eq!(scroll.take_restore(), None, "restored once");
        scroll.popped("/never-scrolled".into());
        assert_eq!(scroll.take_restore(), Some(0.0));
    }

    #[test]
    fn a_value_for_a_page_reaches_that_page_only_and_once() {
        let mut slot = ForPage::default();
        slot.put("/guestbook".into(), 1);
        assert_eq!(slot.take_for("/guestbook"), Some(1));
        assert_eq!(slot.take_for("/guestbook"), None);
        slot.put("/guestbook".into(), 2);
        assert_eq!(slot.take_for("/other"), None, "another page's view");
        assert_eq!(slot.take_for("/guestbook"), None, "emptied by it");
        slot.put("/a".into(), 3);
        slot.put("/b".into(), 4);
        assert_eq!(slot.take_for("/b"), Some(4), "the last one put");
    }

    #[test]
    fn only_the_newest_number_is_the_newest() {
        let numbering = Numbering::default();
        assert_eq!(numbering.newest(), 0);
        let first = numbering.next();
        let second = numbering.next();
        assert!(second > first);
        assert_eq!(numbering.newest(), second);
    }

    #[test]
    fn a_second_document_navigation_to_the_url_just_loaded_is_a_loop() {
        let record = Arrival::record(1_000_000.4, "/boom?x=1");
        assert_eq!(record, "1000000 /boom?x=1");
        assert_eq!(Arrival::from_record(&record, "/elsewhere"), None);
        assert_eq!(Arrival::from_record("garbage", "/boom?x=1"), None);
        assert_eq!(Arrival::from_record("soon /boom?x=1", "/boom?x=1"), None);
        let arrival = Arrival::from_record(&record, "/boom?x=1").expect("this document's");
        assert!(arrival.is_loop("/boom?x=1", 1_000_000.0 + LOOP_WINDOW_MS - 1.0));
        assert!(!arrival.is_loop("/boom?x=1", 1_000_000.0 + LOOP_WINDOW_MS));
        assert!(!arrival.is_loop("/other", 1_000_001.0));
    }
}
