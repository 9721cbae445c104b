//! Two pages, a link between them, a title each, a route param and a
//! signal: what every app on Leptos's router ships, and nothing else.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    hooks::use_params_map,
    path,
};
use wasm_bindgen::prelude::wasm_bindgen;

#[component]
fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Router>
            <main>
                <Routes fallback=|| view! { <p>"Not found"</p> }>
                    <Route path=path!("/") view=Home/>
                    <Route path=path!("/items/:id") view=Item/>
                </Routes>
            </main>
        </Router>
    }
}

#[component]
fn Home() -> impl IntoView {
    let (count, set_count) = signal(0);
    view! {
        <Title text="Home"/>
        <h1>"Home"</h1>
        <button on:click=move |_| set_count.update(|n| *n += 1)>"Clicked " {count} " times"</button>
        <A href="/items/1">"Item 1"</A>
    }
}

#[component]
fn Item() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    view! {
        <Title text="Item"/>
        <h1>"Item " {id}</h1>
        <A href="/">"Home"</A>
    }
}

/// The browser's entry, as the reference app's `client::hydrate`.
#[wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_body(App)
}
