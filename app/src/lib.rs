//! The reference app of the `server_props` kit: the pages of `docs/reference-app.md` and the
//! benchmark pages, shared by the server (`ssr`) and the browser (`hydrate`).

#![forbid(unsafe_code)]

pub mod layout;
pub mod pages;
#[cfg(feature = "server")]
pub mod state;

#[cfg(all(feature = "ssr", not(any(feature = "server", feature = "edge"))))]
compile_error!(
    "the app's server half is built with `server` (the server) or `edge` (the edge build)"
);
#[cfg(all(feature = "server", feature = "edge"))]
compile_error!("`server` and `edge` are two builds of the app: enable one");

pub use pages::PAGES;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Router, A};
use server_props::assets::{HydrationScripts, Stylesheet};
use server_props::{use_navigation, AppRoot, Erase, NavigationState, PageRoutes};
use std::time::Duration;

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
        <Title text="server_props reference app"/>
        <Router>
            <ProgressBar/>
            <header class="top">
                <layout::SignedIn/>
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
    .erase()
}

/// How long a navigation may take before the progress bar shows, so fast
/// navigations do not flash it.
const PROGRESS_DELAY: Duration = Duration::from_millis(100);
/// How long the progress bar stays once shown, so an answer just past the
/// delay does not make it flicker: the rule pending views follow too.
const PROGRESS_MIN: Duration = Duration::from_millis(300);

/// A bar at the top of the page while a navigation waits for props.
#[component]
fn ProgressBar() -> impl IntoView {
    let navigation = use_navigation();
    let visible = RwSignal::new(false);
    // When the bar last appeared (ms since the page loaded).
    let shown_at = StoredValue::new(0.0_f64);
    Effect::new(move |_| {
        let busy = navigation.with(|n| n.is_loading() || n.is_submitting());
        if busy {
            let timer = set_timeout_with_handle(
                move || {
                    shown_at.set_value(now_ms());
                    visible.set(true);
                },
                PROGRESS_DELAY,
            )
            .ok();
            on_cleanup(move || {
                if let Some(timer) = timer {
                    timer.clear();
                }
            });
        } else if visible.get_untracked() {
            let elapsed = now_ms() - shown_at.get_value();
            let left = PROGRESS_MIN.as_secs_f64().mul_add(1000.0, -elapsed);
            let hide = move || {
                if !navigation.with_untracked(|n| n.is_loading() || n.is_submitting()) {
                    visible.set(false);
                }
            };
            if left > 0.0 {
                set_timeout(hide, Duration::from_secs_f64(left / 1000.0));
            } else {
                hide();
            }
        }
    });
    // What the navigation is doing, for tests and styles.
    let state = move || match navigation.get() {
        NavigationState::Loading { url } => format!("loading {url}"),
        NavigationState::Submitting(submission) => format!("submitting {}", submission.url),
        _ => "idle".to_owned(),
    };
    view! {
        <div
            class="progress-bar"
            class:visible=move || visible.get()
            role="progressbar"
            data-navigation=state
        ></div>
    }
}

/// Milliseconds since the epoch (the progress bar never runs on the server).
fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}
