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
    freshness::KeptLayouts,
    navigation::Signals,
    page_url::PageUrl,
    pages::Pages,
    protocol::{self, PropsPayload},
};
use futures::future::AbortHandle;
use std::cell::{Cell, RefCell};

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
    /// The nested layouts' data kept across navigations, with the tokens
    /// that let a props request under them leave them out.
    pub(crate) kept_layouts: RefCell<KeptLayouts>,
    /// The navigation signals apps read (`use_navigation`, `use_refresh`,
    /// `use_submission`, `use_layout_data`): the tab's one set, which the
    /// shared `navigation` module reaches through the browser half it
    /// installs.
    pub(crate) signals: Signals,
    /// The app's page table, as `hydrate` was given it: a prefetch finds
    /// the page of a URL in it, to load its code.
    pub(crate) pages: Cell<Option<&'static Pages>>,
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
            kept_layouts: RefCell::default(),
            signals: Signals::new(),
            pages: Cell::new(None),
        }
    }

    /// The build id of the server that rendered the document.
    pub(crate) fn build(&self) -> String {
        self.build.borrow().clone()
    }

    /// The props URL to read a page URL's (path and query) props with,
    /// for this build: with the tokens of the nested layouts the browser
    /// keeps for it (`KeptLayouts`), which the answer may then leave out.
    pub(crate) fn props_url(&self, page_url: &str) -> String {
        self.props_request(page_url).0
    }

    /// [`props_url`](Self::props_url), and the prefixes of the layouts it
    /// asks the server to leave out.
    pub(crate) fn props_request(&self, page_url: &str) -> (String, Vec<String>) {
        let mut url = protocol::props_url(&self.build.borrow(), page_url);
        let left_out = self
            .kept_layouts
            .borrow()
            .to_leave_out(&PageUrl::parse(page_url), js_sys::Date::now());
        let mut prefixes = Vec::with_capacity(left_out.len());
        for (prefix, token) in left_out {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(protocol::KEEP_PARAM);
            url.push('=');
            url.extend(js_sys::encode_uri_component(&token).as_string());
            prefixes.push(prefix);
        }
        (url, prefixes)
    }

    /// The props URL a submission to a page URL posts to: a write runs
    /// every layout, so it carries no tokens.
    pub(crate) fn submit_url(&self, page_url: &str) -> String {
        protocol::props_url(&self.build.borrow(), page_url)
    }
}
