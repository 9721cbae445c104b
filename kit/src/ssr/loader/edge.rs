//! What a loader may take when its page runs at the edge.
//!
//! A page marked `#[page("/edge/hello", runtime = edge)]` is answered by the
//! app's edge build (a Cloudflare Worker, see `server_props::worker`) as
//! well as by its server: the same loader, compiled for both. The edge has
//! no database driver, no file system and no tokio, so the loader of such a
//! page may take only what the edge can give: the request (headers,
//! cookies, query, params, body, session) and state whose type says it
//! runs there ([`EdgeSafe`]). Anything else fails to build, in every build
//! and not only the edge's, with a message naming the page:
//!
//! ```text
//! error[E0277]: `EdgeHello` runs at the edge (`runtime = edge`), and its loader or action cannot take `State<AppState>` there
//! ```
//!
//! The check is a trait bound the loader's expansion puts on each
//! argument's type, so it follows types, not names: a renamed import of the
//! database pool is refused as well, and an app's own extractor is accepted
//! once the app implements [`EdgeSafe`] for it. What a loader's *body* calls
//! is not checked here; calling something the edge build does not have
//! (a `sqlx` query on a global pool, say) fails when the edge build
//! compiles, as any missing dependency does.

use std::marker::PhantomData;

/// A type a loader may take when its page runs at the edge.
///
/// The kit's extractors and the request's parts implement it; an app
/// implements it for its own state or extractors that need nothing the
/// edge lacks (no database pool, no file, no tokio):
///
/// ```
/// use server_props::edge::EdgeSafe;
///
/// /// What an edge page's loader reads from the app's state.
/// #[derive(Clone, Debug)]
/// struct Greeting(&'static str);
///
/// impl EdgeSafe for Greeting {}
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not available at the edge",
    note = "implement `server_props::edge::EdgeSafe` for a type of the app's that needs nothing the edge lacks"
)]
pub trait EdgeSafe {}

macro_rules! edge_safe {
    ($($ty:ty),* $(,)?) => { $(impl EdgeSafe for $ty {})* };
}

edge_safe!(
    (),
    http::HeaderMap,
    http::Method,
    http::Uri,
    http::Version,
    http::request::Parts,
    axum::extract::OriginalUri,
    axum::extract::MatchedPath,
    axum::extract::RawQuery,
    crate::ResponseHead,
    crate::multipart::Multipart,
);

impl<T> EdgeSafe for axum::extract::Query<T> {}
impl<T: EdgeSafe> EdgeSafe for axum::extract::State<T> {}
impl<T: EdgeSafe> EdgeSafe for axum::extract::Extension<T> {}
impl<T> EdgeSafe for crate::extract::Params<T> {}
impl<T> EdgeSafe for crate::extract::FormData<T> {}
impl<T> EdgeSafe for crate::extract::Json<T> {}
impl<T> EdgeSafe for crate::session::Session<T> {}
impl<S: EdgeSafe> EdgeSafe for crate::LoaderContext<S> {}
impl<T: EdgeSafe> EdgeSafe for Option<T> {}
impl<T: EdgeSafe, E> EdgeSafe for Result<T, E> {}

/// Where a page's loader runs, as a type: what `#[page]` says of the page
/// (`runtime = edge`, else the server), for the check on its loader's
/// arguments. Layouts have none: they run wherever their pages do, and
/// the edge build checks at start-up that its layout's loader takes the
/// edge's state.
#[doc(hidden)]
pub trait RuntimeOf {
    /// [`OnTheServer`] or [`AtTheEdge`].
    type Runtime;
}

/// The server runtime: a loader takes anything.
#[doc(hidden)]
#[derive(Debug)]
pub struct OnTheServer;

/// The edge runtime: a loader takes [`EdgeSafe`] types only.
#[doc(hidden)]
#[derive(Debug)]
pub struct AtTheEdge;

/// `T` may be taken by a loader of a page in runtime `R`.
#[doc(hidden)]
pub trait UsableIn<R> {}

impl<T: ?Sized> UsableIn<OnTheServer> for T {}
impl<T: ?Sized + EdgeSafe> UsableIn<AtTheEdge> for T {}

/// `T` may be taken by the loader (or action) of page `P`. The error names
/// the page and the type; `do_not_recommend` keeps it from being reported
/// as the inner `UsableIn`, which could name neither.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{P}` runs at the edge (`runtime = edge`), and its loader or action cannot take `{Self}` there",
    label = "not available at the edge",
    note = "at the edge a loader takes the request (headers, cookies, query, params, body, session) and types that implement `server_props::edge::EdgeSafe`; the database, files and tokio stay on the server: drop `runtime = edge` or read through something the edge has"
)]
pub trait UsableBy<P> {}

#[diagnostic::do_not_recommend]
impl<P: RuntimeOf, T: ?Sized + UsableIn<P::Runtime>> UsableBy<P> for T {}

/// The loader's argument type `T` of page (or layout) `P`, for the check:
/// `(&RuntimeProbe::<P, T>::new()).runs_where_its_page_runs()` checks `T`
/// against `P`'s runtime when `P` has one, and accepts it otherwise.
#[doc(hidden)]
#[allow(missing_debug_implementations)]
pub struct RuntimeProbe<P, T: ?Sized>(PhantomData<Types<P, T>>);

/// The two types a probe is about, neither owned nor sent.
type Types<P, T> = (fn() -> P, fn() -> *const T);

impl<P, T: ?Sized> RuntimeProbe<P, T> {
    /// The probe.
    #[must_use]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<P, T: ?Sized> Default for RuntimeProbe<P, T> {
    fn default() -> Self {
        Self::new()
    }
}

/// The check, for a page (which has a runtime).
#[doc(hidden)]
pub trait ViaRuntime<P, T: ?Sized> {
    /// Compiles when `T` is usable where `P` runs.
    fn runs_where_its_page_runs(&self)
    where
        T: UsableBy<P>;
}

impl<P: RuntimeOf, T: ?Sized> ViaRuntime<P, T> for RuntimeProbe<P, T> {
    fn runs_where_its_page_runs(&self)
    where
        T: UsableBy<P>,
    {
    }
}

/// No check, for a layout or a hand-written `Loader` (no runtime).
#[doc(hidden)]
pub trait NoRuntime {
    /// Always compiles.
    fn runs_where_its_page_runs(&self) {}
}

impl<P, T: ?Sized> NoRuntime for &RuntimeProbe<P, T> {}
