//! The reference app of the `server_props` kit: the pages of SPEC §2 and the
//! benchmark pages, shared by the server (`ssr`) and the browser (`hydrate`).

#![forbid(unsafe_code)]

pub mod pages;
#[cfg(feature = "ssr")]
pub mod state;

pub use pages::PAGES;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Router, A};
use server_props::PageRoutes;

/// The document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The app: a layout around the page the URL names.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/reference-app.css"/>
        <Title text="server_props reference app"/>
        <Router>
            <header class="top">
                <nav>
                    <A href="/">"Home"</A>
                    <A href="/repos/vercel/next.js">"Repo"</A>
                    <A href="/blog/hello">"Blog"</A>
                    <A href="/counter">"Counter"</A>
                    <A href="/bench/items/1">"Bench"</A>
                </nav>
            </header>
            <main>
                <PageRoutes pages=&PAGES/>
            </main>
        </Router>
    }
    .into_any()
}
