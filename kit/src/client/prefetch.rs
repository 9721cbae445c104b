//! Prefetching: a page's props fetched before the click that wants them.
//!
//! A prefetch is an ordinary props request (shared with a navigation to the
//! same page, which joins it) whose answer goes to the props cache: for as
//! long as its `Cache-Control` allows, or for one navigation within
//! a window when it allows none (10 s unless
//! [`ClientOptions::prefetch_window`](super::ClientOptions::prefetch_window)
//! says otherwise). A navigation to another page aborts the prefetches
//! under way (the browser state's
//! [`prefetches`](super::state::BrowserState::prefetches)).

use super::{location_url, navigate, state};
use crate::freshness::Keep;
use futures::future::{AbortHandle, Abortable};
use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, JsCast};

/// Prefetches the props of the page at `href` (same origin only).
pub(crate) fn prefetch(href: &str) {
    if save_data() {
        return;
    }
    let Some(page_url) = super::same_origin_page_url(href) else {
        return;
    };
    let state = state();
    let props_url = state.props_url(&page_url);
    if state.cache.is_fresh(&props_url) || page_url == location_url() {
        // No props to ask for; the page's code, when in a chunk, still.
        navigate::start_loading_at(state, &page_url);
        return;
    }
    let started = state
        .prefetches
        .borrow_mut()
        .start(&page_url, AbortHandle::new_pair);
    let Some(registration) = started else {
        // Under way already, its code with it.
        return;
    };
    leptos::task::spawn_local(async move {
        let fetch = async {
            let Ok(mut fetched) = navigate::fetch_props(state, &page_url, None, true).await else {
                return;
            };
            // A navigation that joined this request has kept the answer
            // already, as its own headers say.
            if fetched.status < 400 && !fetched.not_modified() && location_url() != page_url {
                state
                    .cache
                    .store(&props_url, fetched.answer(), Keep::Prefetched);
            }
        };
        // The page's code, when in a chunk, comes with the props: asked for
        // just after them, as a navigation asks.
        let code = async { navigate::start_loading_at(state, &page_url) };
        let _ = futures::future::join(Abortable::new(fetch, registration), code).await;
        state.prefetches.borrow_mut().finished(&page_url);
    });
}

/// Watches the viewport links to `href` (`a[data-prefetch="viewport"]`)
/// and prefetches once one comes into view. Dropping the handle stops
/// watching.
pub(crate) fn when_visible(href: &str) -> Option<send_wrapper::SendWrapper<Watch>> {
    let links = document()
        .query_selector_all("a[data-prefetch=\"viewport\"]")
        .ok()?;
    let target = href.to_owned();
    let callback = Closure::<dyn FnMut(js_sys::Array, web_sys::IntersectionObserver)>::new(
        move |entries: js_sys::Array, observer: web_sys::IntersectionObserver| {
            let visible = entries.iter().any(|entry| {
                entry
                    .dyn_into::<web_sys::IntersectionObserverEntry>()
                    .is_ok_and(|e| e.is_intersecting())
            });
            if visible {
                observer.disconnect();
                prefetch(&target);
            }
        },
    );
    let observer = web_sys::IntersectionObserver::new(callback.as_ref().unchecked_ref()).ok()?;
    for i in 0..links.length() {
        let Some(link) = links
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
        else {
            continue;
        };
        if link.get_attribute("href").as_deref() == Some(href) {
            observer.observe(&link);
        }
    }
    Some(send_wrapper::SendWrapper::new(Watch {
        observer,
        _callback: callback,
    }))
}

/// A viewport watch: disconnected when dropped (the link left the page).
pub(crate) struct Watch {
    observer: web_sys::IntersectionObserver,
    _callback: Closure<dyn FnMut(js_sys::Array, web_sys::IntersectionObserver)>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// Whether the user asked for less data (`navigator.connection.saveData`).
fn save_data() -> bool {
    let navigator = window().navigator();
    js_sys::Reflect::get(&navigator, &"connection".into())
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null())
        .and_then(|c| js_sys::Reflect::get(&c, &"saveData".into()).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// A link's prefetch on intent: a timer (`INTENT_DELAY`) that a pointer
/// leaving the link cancels, started by `<Link prefetch=Intent>`.
#[derive(Clone)]
pub(crate) struct Intent {
    href: std::sync::Arc<str>,
    prefetch: crate::Prefetch,
    timer: std::sync::Arc<std::sync::Mutex<Option<send_wrapper::SendWrapper<TimeoutHandle>>>>,
}

impl Intent {
    pub(crate) fn new(href: &str, prefetch: crate::Prefetch) -> Self {
        Self {
            href: href.into(),
            prefetch,
            timer: Default::default(),
        }
    }

    /// The pointer or focus arrived: prefetch after `INTENT_DELAY`.
    pub(crate) fn start(&self) {
        if self.prefetch != crate::Prefetch::Intent {
            return;
        }
        let href = self.href.clone();
        let handle = set_timeout_with_handle(move || prefetch(&href), crate::INTENT_DELAY);
        if let Ok(handle) = handle {
            let old =
                crate::sync::lock(&self.timer).replace(send_wrapper::SendWrapper::new(handle));
            if let Some(old) = old {
                old.clear();
            }
        }
    }

    /// The pointer or focus left before the delay: no prefetch.
    pub(crate) fn cancel(&self) {
        if let Some(timer) = crate::sync::lock(&self.timer).take() {
            timer.clear();
        }
    }

    /// A touch: prefetch at once.
    pub(crate) fn now(&self) {
        if self.prefetch == crate::Prefetch::Intent {
            self.cancel();
            prefetch(&self.href);
        }
    }
}

/// Prefetches `href` once one of its viewport links comes into view, for
/// as long as the calling component lives.
pub(crate) fn watch_viewport(href: &str) {
    let url = href.to_owned();
    Effect::new(move |_| {
        let observer = when_visible(&url);
        on_cleanup(move || drop(observer));
    });
}
