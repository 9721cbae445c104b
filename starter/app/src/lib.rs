//! The app: its pages and its shell, shared by the server (`ssr`) and the
//! browser (`hydrate`).

mod pages;

pub use pages::{Notes, PAGES};
#[cfg(feature = "ssr")]
pub use pages::AppState;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use server_props::assets::{HydrationScripts, Stylesheet};
use leptos_router::components::Router;
use server_props::{AppRoot, Link, PageRoutes};

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
                // The build's assets by their hashed names, read once.
                <Stylesheet options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                // The app's own element: hydration starts here, so what a
                // browser extension adds to <body> cannot stop it.
                <AppRoot>
                    <App/>
                </AppRoot>
            </body>
        </html>
    }
}

/// The app: a layout around the page the URL names.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="{{name}}"/>
        <Router>
            <nav>
                <Link href="/">"Notes"</Link>
                " "
                <Link href="/hello/world">"Hello"</Link>
            </nav>
            <main>
                <PageRoutes pages=&PAGES/>
            </main>
        </Router>
    }
}
