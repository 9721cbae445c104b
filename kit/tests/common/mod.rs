//! What the kit's integration tests share: the smallest app shell.

use leptos::prelude::*;
use leptos_router::components::Router;
use server_props::{PageRoutes, Pages};

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
