//! What the kit's integration tests share: the smallest app shell and a
//! guard that counts how many loader futures were dropped.

#![allow(dead_code)]

use leptos::prelude::*;
use leptos_router::components::Router;
use server_props::{PageRoutes, Pages};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A shell rendering `pages` inside a router, with an empty `<head>`.
pub fn shell(pages: &'static Pages) -> impl Fn(LeptosOptions) -> AnyView + Send + Sync + 'static {
    move |_| {
        view! {
            <!DOCTYPE html>
            <html>
                <head></head>
                <body>
                    <Router>
                        <PageRoutes pages/>
                    </Router>
                </body>
            </html>
        }
        .into_any()
    }
}

/// Held by a loader; counts into its counter when the loader's future is
/// dropped, finished or not.
pub struct CountDrop(pub &'static AtomicUsize);

impl Drop for CountDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}
