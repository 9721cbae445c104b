//! What a page is: a props type and a view of those props.
//!
//! [`Page`] is shared by the server and the browser build. Its loader is a
//! separate trait, [`Loader`](crate::Loader), that exists only with the `ssr`
//! feature, so loader code is never compiled into the wasm bundle and a
//! client build that tries to call one does not compile. Both traits hang
//! off the same type, so the compiler checks that the loader returns exactly
//! the props the view renders.

use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

/// What a loader hands its page: any type that serde can carry from the
/// server to the browser.
pub trait Props: Serialize + DeserializeOwned + Send + 'static {}
impl<T> Props for T where T: Serialize + DeserializeOwned + Send + 'static {}

/// A page whose props come from a server-side loader.
///
/// ```
/// use leptos::prelude::*;
/// use serde::{Deserialize, Serialize};
/// use server_props::Page;
///
/// #[derive(Serialize, Deserialize)]
/// pub struct PostProps { pub title: String }
///
/// pub struct Post;
///
/// impl Page for Post {
///     type Props = PostProps;
///     fn view(props: PostProps) -> impl IntoView {
///         view! { <h1>{props.title}</h1> }
///     }
/// }
/// ```
pub trait Page: Send + Sync + 'static {
    /// The props the loader returns and the view renders.
    type Props: Props;

    /// The paths the page is served at, in the Leptos style
    /// (`/repos/:owner/:name`, `/docs/*rest`): what
    /// [`Pages::page`](crate::Pages::page) adds it at. `#[page("…")]` sets
    /// it; empty by default, for [`Pages::page_at`](crate::Pages::page_at).
    const PATHS: &'static [&'static str] = &[];

    /// Renders the page from its props. Runs on the server for the first
    /// request and in the browser on hydration and client navigation, so it
    /// must render the same thing from the same props in both places.
    fn view(props: Self::Props) -> impl IntoView + 'static;
}

/// The app's layout data: what an app-level loader finds for every request
/// (the signed-in user, say), which the layout around every page reads with
/// [`use_layout_data`](crate::use_layout_data). Its loader
/// ([`Loader`](crate::Loader) with `Props = Self::Data`) runs beside the
/// page's, on every document and props request, and its data travels in the
/// same answer: still one request per navigation. Next.js's `_app` with
/// `pageProps`.
///
/// ```
/// use server_props::Layout;
/// #[derive(Clone, serde::Serialize, serde::Deserialize)]
/// pub struct Session { pub user: Option<String> }
/// pub struct AppLayout;
/// impl Layout for AppLayout { type Data = Session; }
/// ```
pub trait Layout: Send + Sync + 'static {
    /// What the layout loader returns and the layout reads.
    type Data: Props + Clone + Sync;
}

/// An error page's view of what went wrong: the app's error page receives it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageError {
    /// The HTTP status (500 for a failed loader, 4xx for bad input).
    pub status: u16,
    /// Detail for developers: only set in development mode.
    pub detail: Option<String>,
}

impl PageError {
    /// An error with a status and no detail.
    #[must_use]
    pub fn new(status: u16) -> Self {
        Self {
            status,
            detail: None,
        }
    }

    /// The same error with detail for developers.
    #[must_use]
    pub fn with_detail(mut self, detail: Option<String>) -> Self {
        self.detail = detail;
        self
    }
}
