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

// It travels in props answers, so the protocol owns its shape; an error
// page receives it here, in [`PageError::dev`].
pub use crate::protocol::DevError;

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

    /// How a client navigation to the page waits for its props (blocking
    /// by default). `#[page(…, navigation = Navigation::skeleton())]`
    /// sets it.
    const NAVIGATION: Navigation = Navigation::blocking();

    /// The page's pending view, from the route params of the URL being
    /// loaded: shown on client navigation while the props are on their way,
    /// as [`NAVIGATION`](Self::NAVIGATION) says; never in a document.
    /// `#[page(…, pending = report_loading)]` sets it from a function
    /// (not a `#[component]`) that takes the params as a serde type.
    fn pending(params: &crate::params::DecodedParams) -> Option<AnyView> {
        let _ = params;
        None
    }

    /// Where the page's loader runs: on the server (the default), or also
    /// at the edge (`#[page(…, runtime = edge)]`), whose build answers the
    /// page's documents and props itself.
    const RUNTIME: PageRuntime = PageRuntime::Server;

    /// Where the browser's code for the page is: in the main module, or,
    /// in a split build, in a chunk of its own (`#[page]` sets it; see
    /// `chunk`).
    #[doc(hidden)]
    fn __code() -> crate::chunk::PageCode
    where
        Self: Sized,
    {
        crate::chunk::PageCode::inline::<Self>()
    }

    /// The name of the page's chunk in a split build (`#[page]` sets it):
    /// the server names its files in the document, so the browser fetches
    /// them beside the main module.
    #[doc(hidden)]
    const __CHUNK: Option<&'static str> = None;
}

/// Where a page's loader runs, as Next.js's per-page `runtime` setting
/// says: every page runs on the server; a page marked
/// `#[page("/edge/hello", runtime = edge)]` runs in the app's edge build as
/// well, which answers it near the visitor and forwards every other request
/// to the server. Its loader may then take only what the edge has
/// (`server_props::edge::EdgeSafe`, checked when it compiles).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PageRuntime {
    /// The server (or the same app as a Lambda function): the default.
    #[default]
    Server,
    /// The edge build (a Cloudflare Worker), and the server.
    Edge,
}

impl PageRuntime {
    /// `server` or `edge`, as `#[page(…, runtime = …)]` spells it.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Server => "server",
            Self::Edge => "edge",
        }
    }
}

/// What a page's action says of a submission it refuses: its errors and
/// the values submitted, which the page reads with
/// [`use_action_data`](crate::use_action_data) beside the props its loader
/// made. React Router's `useActionData`, SvelteKit's `fail(422, data)`.
///
/// Known to both builds (the browser decodes the data), unlike the action
/// itself: `#[action]` implements it from its return type
/// (`ActionResult<Data>`; `ActionResult` alone is `()`). By hand, implement
/// it beside [`Action`](crate::Action).
///
/// ```
/// use leptos::prelude::*;
/// use serde::{Deserialize, Serialize};
/// use server_props::{ActionData, Page};
///
/// #[derive(Clone, Serialize, Deserialize)]
/// pub struct SignFailure { pub error: String, pub message: String }
///
/// pub struct Guestbook;
/// impl Page for Guestbook {
///     type Props = Vec<String>;
///     fn view(entries: Vec<String>) -> impl IntoView { entries }
/// }
/// impl ActionData for Guestbook {
///     type Data = SignFailure;
/// }
/// ```
pub trait ActionData: Page {
    /// The data of a refused submission: any serde type.
    type Data: Props + Clone + Sync;
}

/// How a client navigation to a page behaves while its props load, and on
/// Back/Forward.
///
/// ```
/// use server_props::Navigation;
/// use std::time::Duration;
/// const REPORT: Navigation = Navigation::skeleton().min_display(Duration::from_millis(200));
/// assert_eq!(REPORT.pending_delay(), Some(Duration::ZERO));
/// assert_eq!(Navigation::blocking().pending_delay(), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Navigation {
    /// `None`: the old page stays until the props arrive (blocking).
    delay: Option<std::time::Duration>,
    min_display: std::time::Duration,
    restore_on_back: bool,
}

impl Navigation {
    /// The old page stays on screen until the new one's props arrive.
    #[must_use]
    pub const fn blocking() -> Self {
        Self {
            delay: None,
            min_display: std::time::Duration::ZERO,
            restore_on_back: false,
        }
    }

    /// The page's pending view shows at once (after [`delay`](Self::delay),
    /// zero by default) and stays at least
    /// [`min_display`](Self::min_display) (300 ms by default), so an answer
    /// just past the delay does not make it flicker.
    #[must_use]
    pub const fn skeleton() -> Self {
        Self {
            delay: Some(std::time::Duration::ZERO),
            min_display: std::time::Duration::from_millis(300),
            restore_on_back: false,
        }
    }

    /// The pending view shows at once and gives way as soon as the props
    /// arrive.
    #[must_use]
    pub const fn instant() -> Self {
        Self {
            delay: Some(std::time::Duration::ZERO),
            min_display: std::time::Duration::ZERO,
            restore_on_back: false,
        }
    }

    /// How long the old page stays before the pending view replaces it: a
    /// fast answer never flashes the pending view.
    #[must_use]
    pub const fn delay(mut self, delay: std::time::Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// How long the pending view stays once shown, at least.
    #[must_use]
    pub const fn min_display(mut self, min: std::time::Duration) -> Self {
        self.min_display = min;
        self
    }

    /// Back/Forward to the page renders its last props at once and
    /// revalidates them in the background, even when its loader says
    /// `no-store` (which otherwise means one request per navigation).
    #[must_use]
    pub const fn restore_on_back(mut self) -> Self {
        self.restore_on_back = true;
        self
    }

    /// When the pending view shows: `None` for a blocking navigation.
    #[must_use]
    pub const fn pending_delay(&self) -> Option<std::time::Duration> {
        self.delay
    }

    /// How long the pending view stays at least.
    #[must_use]
    pub const fn pending_min_display(&self) -> std::time::Duration {
        self.min_display
    }

    /// Whether Back/Forward restores the last props of a `no-store` page.
    #[must_use]
    pub const fn restores_on_back(&self) -> bool {
        self.restore_on_back
    }
}

impl Default for Navigation {
    fn default() -> Self {
        Self::blocking()
    }
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

    /// The prefix a `#[layout("/…")]` owns, so that
    /// [`Pages::layout`](crate::Pages::layout) can refuse a nested layout
    /// given as the app's.
    #[doc(hidden)]
    const OWNS: Option<&'static str> = None;
}

/// A layout that owns a part of the URL (`/dashboard`): a loader of its
/// own (a [`Loader`](crate::Loader) of [`Layout::Data`], server only), a
/// view that places the page where it says (the `outlet`), and the views
/// shown in the page's place when a page under it is not found or fails.
/// Every page whose path starts with [`PREFIX`](Self::PREFIX) (segment by
/// segment) renders inside it; layouts nest by their prefixes, inside the
/// app's [`Layout`]. React Router's and SvelteKit's layout routes.
///
/// Its loader runs beside the page's for documents and props answers, and
/// before the page's action for a submission: a layout whose loader
/// redirects (to a login page, say) guards every page and every action
/// under it. `#[layout("/dashboard")]` implements it from a function.
///
/// ```
/// use leptos::prelude::*;
/// use server_props::{Layout, NestedLayout};
///
/// #[derive(Clone, serde::Serialize, serde::Deserialize)]
/// pub struct Projects { pub names: Vec<String> }
///
/// pub struct Dashboard;
/// impl Layout for Dashboard { type Data = Projects; }
/// impl NestedLayout for Dashboard {
///     const PREFIX: &'static str = "/dashboard";
///     fn view(data: Projects, outlet: AnyView) -> impl IntoView {
///         view! { <nav>{data.names.join(", ")}</nav> <main>{outlet}</main> }
///     }
/// }
/// ```
pub trait NestedLayout: Layout {
    /// The path the layout owns, in the style of a page's (`/dashboard`,
    /// `/teams/:team`); no catch-all.
    const PREFIX: &'static str;

    /// The layout around the page it holds (`outlet`), from its data.
    fn view(data: Self::Data, outlet: AnyView) -> impl IntoView + 'static;

    /// Shown in the page's place, inside this layout, when a page under it
    /// is not found (its loader's `NotFound`): `None` leaves it to an outer
    /// layout, or to the app's 404 page.
    fn not_found() -> Option<AnyView> {
        None
    }

    /// Shown in the page's place, inside this layout, when a page under it
    /// fails: `None` leaves it to an outer layout, or to the app's error
    /// page.
    fn error(error: &PageError) -> Option<AnyView> {
        let _ = error;
        None
    }
}

/// An error page's view of what went wrong: the app's error page receives it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageError {
    /// The HTTP status (500 for a failed loader, 4xx for bad input).
    pub status: u16,
    /// Detail for developers: only set in development mode.
    pub detail: Option<String>,
    /// What the development error overlay shows: only set in development
    /// mode. The kit draws the overlay over the app's error page itself.
    pub dev: Option<DevError>,
}

impl PageError {
    /// An error with a status and no detail.
    #[must_use]
    pub fn new(status: u16) -> Self {
        Self {
            status,
            detail: None,
            dev: None,
        }
    }

    /// The same error with detail for developers.
    #[must_use]
    pub fn with_detail(mut self, detail: Option<String>) -> Self {
        self.detail = detail;
        self
    }

    /// The same error with what the development overlay shows.
    #[must_use]
    pub fn with_dev(mut self, dev: Option<DevError>) -> Self {
        self.dev = dev;
        self
    }
}
