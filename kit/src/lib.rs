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
//! A page is a component that takes its props, annotated with its path,
//! and a loader that makes the props, annotated with its page. The loader's
//! arguments are typed: route params (`#[param]`), the query, axum
//! extractors, the app state, the response head. It returns the props, or
//! leaves early with `?` for "not found", a redirect or an error.
//!
//! ```
//! use leptos::prelude::*;
//! use serde::{Deserialize, Serialize};
//! // The prelude: what pages use in both builds, and loaders' types with `ssr`.
//! use server_props::prelude::*;
//!
//! #[derive(Serialize, Deserialize)]
//! pub struct Repo { pub name: String, pub stargazers_count: u64 }
//!
//! /// Shared by the server and the browser: the props type and the view.
//! #[page("/repos/:owner/:name")]
//! pub fn RepoPage(repo: Repo) -> impl IntoView {
//!     view! { <h1>{repo.name}</h1><p>{repo.stargazers_count}</p> }
//! }
//!
//! /// Server only (`#[loader]` compiles it with the `ssr` feature alone).
//! #[loader(RepoPage)]
//! async fn load_repo(#[param] owner: String, #[param] name: String) -> LoaderResult<Repo> {
//!     if owner != "vercel" {
//!         Err(NotFound)?;
//!     }
//!     Ok(Repo { name, stargazers_count: 42 })
//! }
//!
//! // One page table for both builds.
//! let pages = Pages::new().page::<RepoPage>();
//! # assert_eq!(pages.len(), 1);
//! ```
//!
//! Underneath, `#[page]` implements [`Page`] and `#[loader]` implements
//! `Loader` (server only); both traits can be implemented by hand.
//!
//! ## Features
//!
//! | feature       | build            | what it adds                                          |
//! |---------------|------------------|-------------------------------------------------------|
//! | `ssr`         | server (native)  | the request pipeline: `Loader`, `Action`, `ServerProps`, `ServerPropsRouter`; no async runtime, hyper or file system (`runtime` is the seam) |
//! | `tokio`       | server           | `runtime::TokioRuntime` (the loader timeout's timer, Leptos's executor), the default runtime |
//! | `cache`       | server           | `cache`: the shared cache, a tower layer                |
//! | `compression` | server           | `compression`: brotli and gzip, a tower layer           |
//! | `server`      | server           | the batteries for `AppServer` apps: `app::AppServer`, `serve`, static files, `security::SecurityHeaders`, with `tokio`, `cache` and `compression` |
//! | `hydrate`     | browser (wasm32) | `client::hydrate`, props fetching                    |
//! | `testing`     | tests (native)   | `testing::TestClient`: the app without a socket       |
//! | `sqlx`        | server (native)  | `db`: database errors as 503 (down for now) or 500    |
//! | `redis`       | server (native)  | `cache::RedisStorage`: the shared cache in Redis      |
//!
//! An app's shared crate enables `ssr` for its server build (loaders and
//! actions live there); the binary that serves it with `AppServer`
//! enables `server`. An app that mounts the router on a stack of its own
//! (a Lambda function, a worker) needs only `ssr`, plus `tokio` for the
//! loader timeout on tokio.
//!
//! With neither, the crate still builds (pages and routes only), which is
//! what the page table needs to be shared by both builds.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Not in the workspace's set: `#[component]` helpers in the app trip it.
#![warn(unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod assets;
#[cfg_attr(not(any(test, feature = "hydrate")), allow(dead_code))]
mod bookkeeping;
mod chunk;
mod deferred;
mod erase;
#[doc(hidden)]
pub mod escape;
mod form;
#[cfg_attr(not(any(test, feature = "hydrate")), allow(dead_code))]
mod freshness;
mod link;
mod navigation;
mod overlay;
mod page;
mod page_url;
mod pages;
pub mod params;
#[doc(hidden)]
pub mod path;
pub mod protocol;
mod redirect;
mod root;
mod side;
mod sync;
mod view;

#[cfg(feature = "hydrate")]
#[cfg_attr(docsrs, doc(cfg(feature = "hydrate")))]
pub mod client;
#[cfg(feature = "ssr")]
mod ssr;

pub use deferred::{Deferred, DeferredValues};
pub use erase::Erase;
pub use form::{Form, FormProps};
pub use navigation::{
    use_navigation, use_refresh, use_submission, use_submit, NavigationState, Submission,
    UploadProgress,
};
pub use page::{
    ActionData, DevError, Layout, Navigation, NestedLayout, Page, PageError, PageRuntime, Props,
};
pub use pages::Pages;
pub use redirect::{is_same_origin_path, NotARedirectStatus, Redirect, RedirectStatus};
pub use root::{AppRoot, AppRootProps, ROOT_ID};
pub use server_props_macros::{action, layout, loader, page};
pub use side::{LoadedLayout, LoadedNestedLayout, LoadedPage};
pub use view::{use_action_data, use_layout_data, PageRoutes, PageRoutesProps};

/// The README's and the docs' examples, compiled as doc tests: every code
/// block a user may copy compiles (they use the test client too).
#[cfg(all(doctest, feature = "testing", feature = "sqlx"))]
pub mod doc_examples {
    #[doc = include_str!("../../README.md")]
    pub struct Readme;
    #[doc = include_str!("../../docs/ARCHITECTURE.md")]
    pub struct Architecture;
    #[doc = include_str!("../../docs/caching.md")]
    pub struct Caching;
    #[doc = include_str!("../../docs/protocol.md")]
    pub struct Protocol;
    #[doc = include_str!("../../docs/reliability.md")]
    pub struct Reliability;
    #[doc = include_str!("../../docs/performance.md")]
    pub struct Performance;
    #[doc = include_str!("../../docs/reference-app.md")]
    pub struct ReferenceApp;
    #[doc = include_str!("../../docs/observability.md")]
    pub struct Observability;
    #[doc = include_str!("../../docs/deploy.md")]
    pub struct Deploy;
    #[doc = include_str!("../../docs/uploads.md")]
    pub struct Uploads;
    #[doc = include_str!("../../docs/new-app.md")]
    pub struct NewApp;
    #[doc = include_str!("../../docs/sessions.md")]
    pub struct Sessions;
    #[doc = include_str!("../../docs/layouts.md")]
    pub struct Layouts;
    #[doc = include_str!("../../docs/deferred.md")]
    pub struct DeferredProps;
}

/// What a page file imports: `use server_props::prelude::*;`.
///
/// The names loaders use (`LoaderResult`, `NotFound`, `State`, …) are in it
/// only in the server build, where loaders exist; a glob import of the
/// prelude keeps the browser build free of them without a `cfg` in the
/// app's code.
pub mod prelude {
    pub use crate::{
        action, layout, loader, page, use_action_data, use_layout_data, use_navigation,
        use_refresh, use_submission, use_submit, Erase, Form, Layout, Link, Navigation,
        NestedLayout, Page, PageError, Pages, Prefetch, Redirect, Submission, UploadProgress,
    };
    #[cfg(feature = "ssr")]
    pub use crate::{
        extract::{FormData, Json, Params},
        multipart::Multipart,
        session::Session,
        ActionOutcome, ActionResult, LoaderContext, LoaderError, LoaderResult, NotFound,
        ResponseHead,
    };
    #[cfg(feature = "ssr")]
    pub use axum::extract::{Query, State};
}

/// What the macros' expansions name; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::chunk::{
        now_or_never, render_json, ChunkMissing, PageChunk, PageCode, RenderJson,
    };
    pub use leptos::prelude::{AnyView, IntoView};
    #[cfg(server_props_split)]
    pub use leptos::wasm_split;
    pub use serde::de::IgnoredAny;

    /// Whether `names` holds `name`, at compile time.
    pub const fn has_param(names: &[&str], name: &str) -> bool {
        let mut i = 0;
        while i < names.len() {
            let a = names[i].as_bytes();
            let b = name.as_bytes();
            if a.len() == b.len() {
                let mut j = 0;
                while j < a.len() && a[j] == b[j] {
                    j += 1;
                }
                if j == a.len() {
                    return true;
                }
            }
            i += 1;
        }
        false
    }

    #[cfg(feature = "ssr")]
    pub use crate::ssr::loader::action::{action_state, ActionProbe, NoAction, ViaAction};
    #[cfg(feature = "ssr")]
    pub use crate::ssr::loader::edge::{
        AtTheEdge, NoRuntime, OnTheServer, RuntimeOf, RuntimeProbe, ViaRuntime,
    };
    #[cfg(feature = "ssr")]
    pub use crate::ssr::loader::{NeitherPageNorLayout, PropsProbe, ViaLayout, ViaPage};
    #[cfg(feature = "ssr")]
    pub use crate::ssr::request::extract::check::Body;

    /// A page's pending view from a function taking the route params as a
    /// serde type (`#[page(…, pending = report_loading)]`); `None` when the
    /// params do not fit it.
    pub fn pending_view<T, V>(
        component: fn(T) -> V,
        params: &crate::params::DecodedParams,
    ) -> Option<leptos::prelude::AnyView>
    where
        T: serde::de::DeserializeOwned,
        V: leptos::prelude::IntoView + 'static,
    {
        use crate::Erase;
        let params = crate::params::from_params::<T>(params).ok()?;
        Some(component(params).erase())
    }

    /// An action function's result, its error turned into the kit's.
    #[cfg(feature = "ssr")]
    pub fn into_action_result<P, E: Into<crate::LoaderError>>(
        result: Result<crate::ActionOutcome<P>, E>,
    ) -> crate::ActionResult<P> {
        result.map_err(Into::into)
    }

    /// A loader function's result, its error turned into the kit's.
    #[cfg(feature = "ssr")]
    pub fn into_loader_result<P, E: Into<crate::LoaderError>>(
        result: Result<P, E>,
    ) -> crate::LoaderResult<P> {
        result.map_err(Into::into)
    }
}

pub use link::{prefetch, Link, LinkProps, Prefetch, INTENT_DELAY};

#[cfg(feature = "hydrate")]
pub use client::{hydrate, hydrate_with, ClientOptions};
#[cfg(feature = "ssr")]
#[cfg_attr(docsrs, doc(cfg(feature = "ssr")))]
pub use cookie;
#[cfg(feature = "sqlx")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlx")))]
pub use ssr::loader::db;
#[cfg(feature = "ssr")]
#[cfg_attr(docsrs, doc(cfg(feature = "ssr")))]
pub use ssr::loader::edge;
#[cfg(feature = "cache")]
#[cfg_attr(docsrs, doc(cfg(feature = "cache")))]
pub use ssr::middleware::cache;
#[cfg(feature = "compression")]
#[cfg_attr(docsrs, doc(cfg(feature = "compression")))]
pub use ssr::middleware::compression;
#[cfg(feature = "ssr")]
#[cfg_attr(docsrs, doc(cfg(feature = "ssr")))]
pub use ssr::middleware::csrf;
#[cfg(feature = "ssr")]
#[cfg_attr(docsrs, doc(cfg(feature = "ssr")))]
pub use ssr::middleware::security;
#[cfg(feature = "ssr")]
#[cfg_attr(docsrs, doc(cfg(feature = "ssr")))]
pub use ssr::request::extract;
#[cfg(feature = "ssr")]
#[cfg_attr(docsrs, doc(cfg(feature = "ssr")))]
pub use ssr::request::multipart;
#[cfg(feature = "ssr")]
#[cfg_attr(docsrs, doc(cfg(feature = "ssr")))]
pub use ssr::request::session;
#[cfg(feature = "ssr")]
#[cfg_attr(docsrs, doc(cfg(feature = "ssr")))]
pub use ssr::runtime;
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub use ssr::server::app;
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub use ssr::server::serve;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub use ssr::server::testing;
#[cfg(feature = "worker")]
#[cfg_attr(docsrs, doc(cfg(feature = "worker")))]
pub use ssr::server::worker;
#[cfg(feature = "ssr")]
#[cfg_attr(docsrs, doc(cfg(feature = "ssr")))]
pub use ssr::{
    Action, ActionOutcome, ActionResult, CookieError, InvalidTag, Loader, LoaderContext,
    LoaderError, LoaderResult, NotFound, PageAction, ResponseHead, ServerProps, ServerPropsBuilder,
    ServerPropsRouter, WriteMethod, DEFAULT_LOADER_TIMEOUT, DEFAULT_MAX_BODY_BYTES,
};
