//! Scroll positions: restored after a Back/Forward navigation has rendered,
//! and `#hash` targets scrolled to once their page is in the document.
//!
//! The positions themselves are the browser state's
//! ([`BrowserState::scroll`](super::state::BrowserState::scroll)); this
//! module listens for the events that change them and scrolls.

use super::{location_url, state::BrowserState};
use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, JsCast};

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

/// Takes over scroll restoration: the browser's own happens before the new
/// page has rendered, so the kit remembers each URL's position and restores
/// it after a Back/Forward navigation has rendered.
pub(super) fn track_scroll(state: &'static BrowserState) {
    if let Ok(history) = window().history() {
        let _ = history.set_scroll_restoration(web_sys::ScrollRestoration::Manual);
    }
    let on_scroll = Closure::<dyn Fn()>::new(move || {
        if state.scroll.borrow().is_popped() {
            // The entry being restored: its saved position must survive
            // scrolls the page swap causes.
            return;
        }
        let y = window().scroll_y().unwrap_or(0.0);
        state.scroll.borrow_mut().scrolled(location_url(), y);
    });
    let on_popstate = Closure::<dyn Fn()>::new(move || {
        state.scroll.borrow_mut().popped(location_url());
        // A page without a loader renders at once: restore after it has.
        request_animation_frame(move || {
            if !state.signals.state.get_untracked().is_loading() {
                restore_scroll_if_popped(state);
            }
        });
    });
    let _ = window().add_event_listener_with_callback("scroll", on_scroll.as_ref().unchecked_ref());
    // A click or a submission may navigate before the browser has fired
    // the `scroll` event of a scroll just made (it fires at the next
    // frame, and would then be noted for the next page's URL): the position
    // is noted for the page being left as the click happens, before the
    // router's own listener runs (capture phase, on the window).
    for event in ["click", "submit"] {
        let options = web_sys::AddEventListenerOptions::new();
        options.set_capture(true);
        let _ = window().add_event_listener_with_callback_and_add_event_listener_options(
            event,
            on_scroll.as_ref().unchecked_ref(),
            &options,
        );
    }
    let _ =
        window().add_event_listener_with_callback("popstate", on_popstate.as_ref().unchecked_ref());
    on_scroll.forget();
    on_popstate.forget();
}

/// Once a Back/Forward navigation's page has rendered, scrolls to where
/// its entry was left.
pub(super) fn restore_scroll_if_popped(state: &BrowserState) {
    let Some(y) = state.scroll.borrow_mut().take_restore() else {
        return;
    };
    // After the new page's DOM is in place.
    request_animation_frame(move || window().scroll_to_with_x_and_y(0.0, y));
}
