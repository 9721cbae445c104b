//! The browser entry point: Leptos's hydration script calls `hydrate()`.

use wasm_bindgen::prelude::wasm_bindgen;

/// Hydrates the page from the props embedded in it.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    server_props::hydrate({{name}}_app::App, &{{name}}_app::PAGES);
}
