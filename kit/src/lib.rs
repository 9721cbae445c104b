//! # server_props: `getServerSideProps` for Leptos
//!
//! A page declares its props type and view ([`Page`]) and, on the server
//! only, an async loader ([`Loader`]) that runs on every request with the
//! request and the response in hand. The kit:
//!
//! * on a **document request**, matches the page, runs the loader before any
//!   HTML is sent, applies its status, headers and cookies, renders the page
//!   with the props and embeds the props (escaped) for hydration;
//! * on **client navigation**, fetches the next page's props as JSON from
//!   `/_props/<build>/<page>.json` and renders the page in the browser;
//! * maps "not found" to the app's 404 page, redirects to 307/308 (or an
//!   explicit 301/302/303), and errors and panics to the app's error page,
//!   while the server keeps serving.
//!
//! ```
//! use leptos::prelude::*;
//! use serde::{Deserialize, Serialize};
//! use server_props::{Page, Pages};
//!
//! #[derive(Serialize, Deserialize)]
//! pub struct RepoProps { pub name: String, pub stargazers_count: u64 }
//!
//! pub struct RepoPage;
//!
//! impl Page for RepoPage {
//!     type Props = RepoProps;
//!     fn view(repo: RepoProps) -> impl IntoView {
//!         view! { <h1>{repo.name}</h1><p>{repo.stargazers_count}</p> }
//!     }
//! }
//!
//! // Only in the server build: the loader and everything it uses.
//! #[cfg(feature = "ssr")]
//! impl server_props::Loader for RepoPage {
//!     type State = ();
//!     async fn load(cx: &mut server_props::LoaderContext<()>) -> server_props::LoaderResult<RepoProps> {
//!         let name = cx.param("name")?.to_owned();
//!         Ok(RepoProps { name, stargazers_count: 42 }.into())
//!     }
//! }
//!
//! let pages = Pages::new().page::<RepoPage>("/repos/:owner/:name");
//! # assert_eq!(pages.len(), 1);
//! ```
//!
//! ## Features
//!
//! | feature   | build            | what it adds                                          |
//! |-----------|------------------|-------------------------------------------------------|
//! | `ssr`     | server (native)  | [`Loader`], [`ServerProps`], [`ServerPropsRouter`]    |
//! | `hydrate` | browser (wasm32) | [`hydrate`](client::hydrate), props fetching          |
//!
//! With neither, the crate still builds (pages and routes only), which is
//! what the page table needs to be shared by both builds.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod escape;
mod navigation;
mod page;
mod pages;
pub mod path;
pub mod protocol;
mod redirect;
mod view;

#[cfg(feature = "hydrate")]
pub mod client;
#[cfg(feature = "ssr")]
mod ssr;

pub use navigation::{use_navigation, use_refresh, NavigationState};
pub use page::{Page, PageError, Props};
pub use pages::Pages;
pub use redirect::{NotARedirectStatus, Redirect, RedirectStatus};
pub use view::PageRoutes;

/// The kit's link: Leptos's `<A>`. A click on it (or on any plain
/// same-origin `<a>` inside the router) navigates client-side, fetching the
/// target page's props if it has a loader; modifier keys, `target`,
/// `download`, `rel="external"` and other origins are left to the browser.
pub use leptos_router::components::A as Link;

#[cfg(feature = "hydrate")]
pub use client::hydrate;
#[cfg(feature = "ssr")]
pub use cookie;
#[cfg(feature = "ssr")]
pub use ssr::cache;
#[cfg(feature = "ssr")]
pub use ssr::security;
#[cfg(feature = "ssr")]
pub use ssr::serve;
#[cfg(feature = "ssr")]
pub use ssr::{
    Loader, LoaderContext, LoaderError, LoaderResult, Outcome, ParamValue, ResponseHead,
    ServerProps, ServerPropsBuilder, ServerPropsRouter, DEFAULT_LOADER_TIMEOUT,
};
