//! The browser entry point: Leptos's hydration script calls `hydrate()`
//! once the wasm module has loaded.

#![forbid(unsafe_code)]

use wasm_bindgen::prelude::wasm_bindgen;

/// How long a prefetched `no-store` answer serves a click on its link.
const PREFETCH_WINDOW: std::time::Duration = std::time::Duration::from_secs(3);

/// Hydrates the page from the props embedded in it.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    server_props::hydrate_with(
        app::App,
        &app::PAGES,
        // A prefetched answer that may not be kept serves a click for 3 s.
        server_props::ClientOptions::default().prefetch_window(PREFETCH_WINDOW),
    );
}
