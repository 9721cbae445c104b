//! The browser half's part of `<Form>` and `<Link>`: in the browser build
//! the real submission and prefetching (`client::submit`,
//! `client::prefetch`); in the server build inert stand-ins, since a
//! document rendered there submits and prefetches nothing until it
//! hydrates.

#[cfg(feature = "hydrate")]
pub(crate) use crate::client::{
    prefetch::{prefetch, watch_viewport, Intent},
    submit::submit_handler,
};
#[cfg(not(feature = "hydrate"))]
pub(crate) use inert::{prefetch, submit_handler, watch_viewport, Intent};

#[cfg(not(feature = "hydrate"))]
mod inert {
    use crate::Prefetch;

    /// A link's prefetch on intent: nothing outside the browser.
    #[derive(Clone)]
    pub(crate) struct Intent;

    impl Intent {
        pub(crate) fn new(_: &str, _: Prefetch) -> Self {
            Self
        }
        pub(crate) fn start(&self) {}
        pub(crate) fn cancel(&self) {}
        pub(crate) fn now(&self) {}
    }

    /// Prefetching: nothing outside the browser.
    pub(crate) fn prefetch(_: &str) {}

    /// Watching a viewport link: nothing outside the browser.
    pub(crate) fn watch_viewport(_: &str) {}

    /// A `<Form>`'s submit handler: outside the browser, the form is a
    /// plain `<form method="post">`.
    pub(crate) fn submit_handler() -> impl Fn(leptos::ev::SubmitEvent) + 'static {
        |_| {}
    }
}
