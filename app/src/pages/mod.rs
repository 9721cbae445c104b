//! Every page of the reference app, and the table that routes them.

mod bench;
mod blog;
mod cache;
mod errors;
mod home;
mod outcomes;
mod repos;
mod request;

pub use bench::{BenchHello, BenchItems, HelloProps, Item, ItemsProps};
pub use blog::{Blog, BlogProps, CatchAll, CatchAllProps, Something, SomethingProps};
pub use cache::{Cached, CustomCache};
pub use errors::{ErrorPage, NotFound};
pub use home::Home;
pub use outcomes::{Failing, Missing, Panicking, Raw, Redirecting};
pub use repos::{Repo, RepoPage};
pub use request::{Counter, RequestInfo, Slow, Xss, MAX_SLOW_MS, XSS_PAYLOADS};

use server_props::Pages;
use std::sync::LazyLock;

/// The app's page table, shared by the server and the browser build.
pub static PAGES: LazyLock<Pages> = LazyLock::new(|| {
    Pages::new()
        .route("/", Home)
        .page::<RepoPage>("/repos/:owner/:name")
        .page::<Blog>("/blog/:post")
        .page::<CatchAll>("/catchall/*path")
        .page::<Something>("/something")
        .page::<Missing>("/not-found")
        .page::<Missing>("/not-found/:slug")
        .page::<Redirecting>("/redirect/:kind")
        .page::<Redirecting>("/redirect/status/:code")
        .page::<Failing>("/error")
        .page::<Panicking>("/panic")
        .page::<Cached>("/cached")
        .page::<CustomCache>("/custom-cache")
        .page::<RequestInfo>("/request")
        .page::<Slow>("/slow")
        .page::<Xss>("/xss")
        .page::<Raw>("/raw")
        .page::<Counter>("/counter")
        .page::<BenchItems>("/bench/items/:id")
        .page::<BenchHello>("/bench/hello")
        .not_found(NotFound)
        .error_page(|error| leptos::prelude::view! { <ErrorPage error/> })
});

/// The time now, as the pages that show "when the loader ran" print it.
#[cfg(feature = "ssr")]
pub(crate) fn now() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}
