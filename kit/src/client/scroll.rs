//! Scroll positions: restored after a Back/Forward navigation has rendered,
//! and `#hash` targets scrolled to once their page is in the document.

use super::location_url;
use crate::navigation::Signals;
use leptos::prelude::*;
use std::{cell::RefCell, collections::HashMap};
use wasm_bindgen::{closure::Closure, JsCast};

thread_local! {
    /// Scroll positions of the history entries seen, by URL.
    static SCROLL: RefCell<HashMap<String, f64>> = RefCell::new(HashMap::new());
}

/// Scrolls the element the `#hash` names into view once the page that holds
/// it is in the document (the router scrolls before a loader page has
/// rendered, when the element does not exist yet).
pub(super) fn scroll_to_hash_after_render(hash: String) {
    request_animation_frame(move || {
        let id: String = js_sys::decode_uri_component(&hash)
            .map(String::from)
            .unwrap_or(hash);
        if let Some(element) = document().get_element_by_id(&id) {
            element.scroll_into_view();
        }
    });
}

thread_local! {
    /// Set by Back/Forward: the URL whose scroll position to restore once its page is shown.
    static POPPED: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Takes over scroll restoration: the browser's own happens before the new
/// page has rendered, so the kit remembers each URL's position and restores
/// it after a Back/Forward navigation has rendered.
pub(super) fn track_scroll() {
    if let Ok(history) = window().history() {
        let _ = history.set_scroll_restoration(web_sys::ScrollRestoration::Manual);
    }
    let on_scroll = Closure::<dyn Fn()>::new(|| {
        if POPPED.with(|p| p.borrow().is_some()) {
            // The entry being restored: its saved position must survive
            // scrolls the page swap causes.
            return;
        }
        let y = window().scroll_y().unwrap_or(0.0);
        SCROLL.with(|s| s.borrow_mut().insert(location_url(), y));
    });
    let on_popstate = Closure::<dyn Fn()>::new(|| {
        POPPED.with(|p| *p.borrow_mut() = Some(location_url()));
        // A page without a loader renders at once: restore after it has.
        request_animation_frame(|| {
            if !Signals::get().state.get_untracked().is_loading() {
                restore_scroll_if_popped();
            }
        });
    });
    let _ = window().add_event_listener_with_callback("scroll", on_scroll.as_ref().unchecked_ref());
    let _ =
        window().add_event_listener_with_callback("popstate", on_popstate.as_ref().unchecked_ref());
    on_scroll.forget();
    on_popstate.forget();
}

/// Whether the navigation under way is a Back/Forward one.
pub(super) fn is_popped() -> bool {
    POPPED.with(|p| p.borrow().is_some())
}

pub(super) fn restore_scroll_if_popped() {
    let Some(url) = POPPED.with(|p| p.borrow_mut().take()) else {
        return;
    };
    let y = SCROLL
        .with(|s| s.borrow().get(&url).copied())
        .unwrap_or(0.0);
    // After the new page's DOM is in place.
    request_animation_frame(move || window().scroll_to_with_x_and_y(0.0, y));
}
