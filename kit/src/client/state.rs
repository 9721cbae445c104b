//! The browser half's state: everything the tab remembers between one
//! navigation, request or event and the next, in one object.
//!
//! A tab runs one wasm thread for its whole life, so the browser half has
//! one [`BrowserState`], owned by the tab's props source (`BrowserSource`,
//! in the parent module, made once and never dropped) and reached through
//! it: the source's own methods hand it to the navigator, and what starts
//! outside a page's view (a link's prefetch, a form's submission, the
//! navigation signals `navigation` asks for) reaches it through
//! [`state()`](super::state()). Listeners and timers keep the `'static`
//! reference they were given. Each field says what it holds and why; the
//! rules of the bookkeeping ones are in `bookkeeping` and those of the
//! props cache in `freshness`, where they are tested natively.
//!
//! Each field is a cell of its own, so that using one (the props cache
//! during a navigation) never holds another (the scroll positions a
//! listener updates meanwhile). No borrow is held across an `.await` or a
//! signal update (whose effects may come back here).

use super::{fetch, props_cache};
use crate::{
    bookkeeping::{Arrival, Flights, ForPage, Numbering, Prefetches, ScrollPositions},
    navigation::Signals,
    protocol::{self, PropsPayload},
};
use futures::future::AbortHandle;
use std::cell::RefCell;

/// Everything the browser half remembers.
pub(crate) struct BrowserState {
    /// The props embedded in the document, until hydration is over: the
    /// first page's view renders them instead of fetching, and no later
    /// page may take them (`hydrate` empties it once hydration is done).
    pub(crate) initial: RefCell<Option<PropsPayload>>,
    /// The id of the server build that rendered the document: every props
    /// URL names it, so an answer from another build is told apart.
    pub(crate) build: RefCell<String>,
    /// The answers kept by props URL, as fresh as their headers say: a
    /// navigation to a fresh one makes no request.
    pub(crate) cache: props_cache::Cache,
    /// The props requests in flight, by props URL, with how many wait for
    /// each: a navigation joins a prefetch's request instead of sending a
    /// second one, and a request nobody waits for any more is aborted.
    pub(crate) flights: RefCell<Flights<fetch::Request>>,
    /// The prefetches under way, by page URL, with what aborts each: a
    /// navigation to another page aborts them.
    pub(crate) prefetches: RefCell<Prefetches<AbortHandle>>,
    /// Numbers what changes the page on screen (a navigation, a kept or
    /// submitted answer rendered): only the newest navigation sets the
    /// state back to idle, and a background revalidation started before a
    /// newer one never replaces what it shows.
    pub(crate) generation: Numbering,
    /// New props a background revalidation found for the page on screen:
    /// its re-render takes them instead of asking the cache again (which
    /// would start another revalidation of an entry still stale).
    pub(crate) revalidated: RefCell<ForPage<PropsPayload>>,
    /// The last submission's answer, for the view of the page it is for
    /// (the page on screen re-rendering, or the one the router navigates
    /// to): that view renders it instead of fetching.
    pub(crate) submitted: RefCell<ForPage<PropsPayload>>,
    /// Numbers submissions: only the newest one's answer is shown, and only
    /// it clears the pending state.
    pub(crate) submissions: Numbering,
    /// When and to which URL the kit's own document navigation loaded this
    /// document: the reload-loop guard's evidence.
    pub(crate) arrival: RefCell<Option<Arrival>>,
    /// The scroll position of each history entry seen, and the entry a
    /// Back/Forward navigation is restoring.
    pub(crate) scroll: RefCell<ScrollPositions>,
    /// The navigation signals apps read (`use_navigation`, `use_refresh`,
    /// `use_submission`, `use_layout_data`): the tab's one set, which the
    /// shared `navigation` module reaches through the browser half it
    /// installs.
    pub(crate) signals: Signals,
}

impl BrowserState {
    /// The state of a tab that has seen nothing yet.
    pub(crate) fn new() -> Self {
        Self {
            initial: RefCell::new(None),
            build: RefCell::new(String::new()),
            cache: props_cache::Cache::default(),
            flights: RefCell::default(),
            prefetches: RefCell::default(),
            generation: Numbering::default(),
            revalidated: RefCell::default(),
            submitted: RefCell::default(),
            submissions: Numbering::default(),
            arrival: RefCell::new(None),
            scroll: RefCell::default(),
            signals: Signals::new(),
        }
    }

    /// The build id of the server that rendered the document.
    pub(crate) fn build(&self) -> String {
        self.build.borrow().clone()
    }

    /// The props URL of a page URL (path and query), for this build.
    pub(crate) fn props_url(&self, page_url: &str) -> String {
        protocol::props_url(&self.build.borrow(), page_url)
    }
}
