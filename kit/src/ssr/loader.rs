//! Loaders: the server-only half of a page.
//!
//! A [`Loader`] runs on every request for its page, before any HTML is sent,
//! with the request in hand ([`LoaderContext`]) and returns the page's props.
//! Everything else leaves early through `?`, as `throw notFound()` and
//! `throw redirect()` do in TanStack Router and React Router: a
//! [`LoaderError`] is a failure that knows its status (500 unless the loader
//! said otherwise), or "not found" ([`NotFound`]), or a [`Redirect`], or a
//! complete response of the loader's own.

use super::{
    action::PageAction,
    context::{LoaderContext, RequestParts, ResponseHead},
};
use crate::{page::Props, params::Shape, redirect::Redirect};
use axum::response::Response;
use futures::{future::BoxFuture, FutureExt};
use http::StatusCode;
use serde::de::DeserializeOwned;
use std::{
    any::{Any, TypeId},
    borrow::Cow,
    fmt,
    future::Future,
    panic::AssertUnwindSafe,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
};

/// The server-side props loader of a page: Next.js's `getServerSideProps`.
///
/// Most loaders are written with [`#[loader]`](crate::loader), which
/// implements this trait and keeps the loader out of the browser build. By
/// hand, implement it only with the `ssr` feature (`#[cfg(feature =
/// "ssr")]`), so that neither it nor anything only it uses reaches the wasm
/// bundle.
///
/// ```
/// # use leptos::prelude::*;
/// # use serde::{Deserialize, Serialize};
/// use server_props::{Loader, LoaderContext, LoaderResult, NotFound, Page};
///
/// # #[derive(Serialize, Deserialize)] pub struct PostProps { title: String }
/// # pub struct Post;
/// # impl Page for Post {
/// #     type Props = PostProps;
/// #     fn view(p: PostProps) -> impl IntoView { p.title }
/// # }
/// #[derive(Deserialize)]
/// pub struct PostParams { post: String }
///
/// impl Loader for Post {
///     type Props = PostProps;
///     type State = ();
///     type Params = PostParams;
///     async fn load(cx: &mut LoaderContext<()>) -> LoaderResult<PostProps> {
///         let PostParams { post } = cx.params()?;
///         if post == "missing" {
///             return Err(NotFound.into());
///         }
///         cx.response().set_cache_control("public, s-maxage=10")?;
///         Ok(PostProps { title: post })
///     }
/// }
/// ```
pub trait Loader: Send + Sync + 'static {
    /// The props the loader returns, which its page renders.
    type Props: Props;

    /// The app state the loader reads: the router's state type, or `()`.
    type State: Clone + Send + Sync + 'static;

    /// The route params the loader reads, as a serde type (see
    /// [`params`](crate::params)): checked against the page's path when the
    /// page table is built. `serde::de::IgnoredAny` reads none and checks
    /// nothing.
    type Params: DeserializeOwned + Send + 'static;

    /// Request methods the page accepts besides `GET` and `HEAD`.
    const METHODS: &'static [WriteMethod] = &[WriteMethod::Post];

    /// The route params the loader reads by name (`#[param]` sets it):
    /// each must be a param of every path the page is added at, which the
    /// page table checks at start-up.
    const PARAMS_READ: &'static [&'static str] = &[];

    /// Loads the page's props for one request.
    fn load(
        cx: &mut LoaderContext<Self::State>,
    ) -> impl Future<Output = LoaderResult<Self::Props>> + Send;

    /// The page's [`Action`](crate::Action), when it has one: submissions
    /// to the page then run it instead of the loader. `#[loader]` finds an
    /// `#[action]` of the same page by itself; a loader written by hand
    /// returns `Some(PageAction::of::<Self>())`.
    fn action() -> Option<PageAction> {
        None
    }
}

/// A request method that sends a body, which a page may accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WriteMethod {
    /// `POST`: the default, as a plain `<form method="post">` sends.
    Post,
    /// `PUT`.
    Put,
    /// `PATCH`.
    Patch,
    /// `DELETE`.
    Delete,
}

impl WriteMethod {
    /// The HTTP method.
    #[must_use]
    pub fn as_method(self) -> http::Method {
        match self {
            Self::Post => http::Method::POST,
            Self::Put => http::Method::PUT,
            Self::Patch => http::Method::PATCH,
            Self::Delete => http::Method::DELETE,
        }
    }
}

/// What a loader returns: its props, or an early exit.
pub type LoaderResult<P> = Result<P, LoaderError>;

/// "Not found": with `?` it leaves the loader and the app's 404 page is
/// shown (status 404). `option.ok_or(NotFound)?` reads as it should.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NotFound;

/// Everything a loader answers other than its props: a failure that knows
/// its status, "not found", a redirect, or a response of its own. Any error
/// type converts into it with `?` (as a 500), and so do [`NotFound`] and
/// [`Redirect`].
///
/// Like `anyhow::Error` it is not itself a `std::error::Error`, so that every
/// error type converts into it with `?`.
///
/// It remembers where it was made (the `?` that converted an error, the
/// constructor's caller, or the panic), which development mode shows in
/// the error overlay.
#[must_use]
pub struct LoaderError {
    pub(crate) kind: ErrorKind,
    pub(crate) location: Option<SourceLocation>,
}

/// Where in the source a [`LoaderError`] was made.
#[derive(Clone, Debug)]
pub(crate) enum SourceLocation {
    /// A `#[track_caller]` constructor's caller (the `?` for conversions).
    Code(&'static std::panic::Location<'static>),
    /// Where a panic happened, as the panic hook saw it.
    Panic(String),
}

impl SourceLocation {
    /// The caller, unless it is the standard library's code (a constructor
    /// passed by name to `map_err` sees `Result::map_err`) or the kit's own
    /// (its timeout, a bad redirect): the app's code is what the overlay
    /// points at, and no location beats a wrong one.
    #[track_caller]
    fn caller() -> Option<Self> {
        let location = std::panic::Location::caller();
        let file = location.file();
        // This file's path, less `ssr/loader.rs`: the kit's `src/`.
        let kit = file!().strip_suffix("ssr/loader.rs").unwrap_or(file!());
        // The standard library's sources: `/rustc/<commit>/library/…`, or
        // the `rust-src` component's copy when it is installed.
        let std = file.starts_with("/rustc/") || file.contains("/rustlib/src/rust/library/");
        (!std && !file.starts_with(kit)).then_some(Self::Code(location))
    }
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Code(location) => location.fmt(f),
            Self::Panic(location) => f.write_str(location),
        }
    }
}

pub(crate) enum ErrorKind {
    Failed {
        status: StatusCode,
        message: Cow<'static, str>,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
        /// Seconds for `Retry-After`.
        retry_after: Option<u64>,
        /// Headers the answer must carry (an extractor's `WWW-Authenticate`).
        headers: Option<Box<http::HeaderMap>>,
    },
    NotFound,
    Redirect(Redirect),
    Response(Box<Response>),
}

impl LoaderError {
    /// An error with a status (4xx or 5xx) and a message for the log.
    #[track_caller]
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        let status = if status.is_client_error() || status.is_server_error() {
            status
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        Self {
            kind: ErrorKind::Failed {
                status,
                message: message.into(),
                source: None,
                retry_after: None,
                headers: None,
            },
            location: SourceLocation::caller(),
        }
    }

    /// 400: the request's input is invalid (a query value that does not parse).
    #[track_caller]
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404 with a message for the log: the URL names nothing (a path
    /// parameter that does not parse). Like [`NotFound`], it shows the 404
    /// page.
    #[track_caller]
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 500 with a message.
    #[track_caller]
    pub fn internal(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// 503: something the loader needs (a database, an upstream API) is
    /// down for now; [`retry_after`](Self::retry_after) says when to come
    /// back.
    #[track_caller]
    pub fn unavailable(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }

    /// Sends this response as it is, instead of a page (a file, plain text).
    /// Client navigation to such a page becomes a document navigation.
    #[track_caller]
    pub fn response(response: Response) -> Self {
        Self {
            kind: ErrorKind::Response(Box::new(response)),
            location: SourceLocation::caller(),
        }
    }

    /// The same failure turning into another status (4xx or 5xx), keeping its
    /// message and source: `LoaderError::from(e).with_status(StatusCode::SERVICE_UNAVAILABLE)`.
    /// Not found, redirects and own responses are left as they are.
    pub fn with_status(mut self, new: StatusCode) -> Self {
        if let ErrorKind::Failed { status, .. } = &mut self.kind {
            *status = if new.is_client_error() || new.is_server_error() {
                new
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
        }
        self
    }

    /// Says when to try again (`Retry-After`, in whole seconds): for a 503
    /// or a 429.
    pub fn retry_after(mut self, after: std::time::Duration) -> Self {
        if let ErrorKind::Failed { retry_after, .. } = &mut self.kind {
            *retry_after = Some(after.as_secs());
        }
        self
    }

    /// A 500 for a panic in `what` (a loader, an action), located where the
    /// panic happened when the development panic hook saw it.
    pub(crate) fn panicked(what: &str, panic: &(dyn Any + Send)) -> Self {
        let message = panic_message(panic);
        let mut error = Self::internal(format!("{what} panicked: {message}"));
        error.location = super::dev::take_panic_location(message).map(SourceLocation::Panic);
        error
    }

    /// Makes a redirect a `303 See Other` (what answers a write).
    pub(crate) fn see_other_if_redirect(&mut self) {
        if let ErrorKind::Redirect(redirect) = &mut self.kind {
            redirect.status = crate::redirect::RedirectStatus::SeeOther;
        }
    }

    /// The status this turns into: the failure's, 404, the redirect's, or
    /// the own response's.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match &self.kind {
            ErrorKind::Failed { status, .. } => *status,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Redirect(r) => {
                StatusCode::from_u16(r.status.code()).expect("redirect codes are valid")
            }
            ErrorKind::Response(r) => r.status(),
        }
    }

    /// The message, for logs and development mode.
    #[must_use]
    pub fn message(&self) -> &str {
        match &self.kind {
            ErrorKind::Failed { message, .. } => message,
            ErrorKind::NotFound => "not found",
            ErrorKind::Redirect(_) => "redirect",
            ErrorKind::Response(_) => "own response",
        }
    }

    /// The redirect, when this is one.
    #[must_use]
    pub fn as_redirect(&self) -> Option<&Redirect> {
        match &self.kind {
            ErrorKind::Redirect(r) => Some(r),
            _ => None,
        }
    }

    /// Whether this is "not found" ([`NotFound`], not a 404 failure).
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self.kind, ErrorKind::NotFound)
    }
}

impl From<NotFound> for LoaderError {
    fn from(_: NotFound) -> Self {
        Self {
            kind: ErrorKind::NotFound,
            location: None,
        }
    }
}

impl From<Redirect> for LoaderError {
    fn from(redirect: Redirect) -> Self {
        Self {
            kind: ErrorKind::Redirect(redirect),
            location: None,
        }
    }
}

impl<E> From<E> for LoaderError
where
    E: std::error::Error + Send + Sync + 'static,
{
    /// `?` passes on the location of the `?` itself.
    #[track_caller]
    fn from(error: E) -> Self {
        Self {
            kind: ErrorKind::Failed {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                message: error.to_string().into(),
                source: Some(Box::new(error)),
                retry_after: None,
                headers: None,
            },
            location: SourceLocation::caller(),
        }
    }
}

impl fmt::Display for LoaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Failed {
                status,
                message,
                source,
                ..
            } => {
                write!(f, "{message} ({status})")?;
                let mut source = source.as_deref().and_then(std::error::Error::source);
                while let Some(s) = source {
                    write!(f, ": {s}")?;
                    source = s.source();
                }
                Ok(())
            }
            ErrorKind::NotFound => f.write_str("not found"),
            ErrorKind::Redirect(r) => {
                write!(f, "redirect ({}) to {}", r.status.code(), r.destination)
            }
            ErrorKind::Response(r) => write!(f, "own response ({})", r.status()),
        }
    }
}

impl fmt::Debug for LoaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Failed {
                status,
                message,
                source,
                ..
            } => f
                .debug_struct("LoaderError")
                .field("status", status)
                .field("message", message)
                .field("source", source)
                .finish(),
            ErrorKind::NotFound => f.write_str("LoaderError(NotFound)"),
            ErrorKind::Redirect(r) => f.debug_tuple("LoaderError").field(r).finish(),
            ErrorKind::Response(r) => f.debug_tuple("LoaderError").field(r).finish(),
        }
    }
}

/// Props whose type only the page knows: serialised for the wire, or handed
/// back to the page's view.
pub(crate) trait ErasedProps: Send {
    /// Appends the props as JSON.
    fn write_json(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error>;
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
}

impl<P: Props> ErasedProps for P {
    fn write_json(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        serde_json::to_writer(out, self)
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
}

/// What a loader run produced, with the response head it wrote.
pub(crate) struct Loaded {
    pub(crate) result: Result<Box<dyn ErasedProps>, LoaderError>,
    pub(crate) head: ResponseHead,
    /// How long the loader ran.
    pub(crate) elapsed: std::time::Duration,
}

type LoadFn =
    dyn Fn(&(dyn Any + Send + Sync), RequestParts) -> BoxFuture<'static, Loaded> + Send + Sync;

/// A loader with its page type erased, as the page table stores it.
#[derive(Clone)]
pub(crate) struct ErasedLoader {
    pub(crate) state_type: TypeId,
    pub(crate) state_name: &'static str,
    /// The params type, for the start-up check against the page's path.
    pub(crate) params_name: &'static str,
    pub(crate) params_shape: fn() -> Shape,
    pub(crate) params_read: &'static [&'static str],
    pub(crate) methods: &'static [WriteMethod],
    /// What a submission to the page runs instead of the loader.
    pub(crate) action: Option<PageAction>,
    load: Arc<LoadFn>,
    /// The size of the page's last props JSON, so the next buffer is
    /// allocated once instead of grown by doubling.
    json_size: Arc<AtomicUsize>,
}

impl ErasedLoader {
    pub(crate) fn new<P: Loader>() -> Self {
        Self {
            state_type: TypeId::of::<P::State>(),
            state_name: std::any::type_name::<P::State>(),
            params_name: std::any::type_name::<P::Params>(),
            params_shape: crate::params::shape_of::<P::Params>,
            params_read: P::PARAMS_READ,
            methods: P::METHODS,
            action: P::action(),
            load: Arc::new(|state, request| match downcast_state::<P::State>(state) {
                Ok(state) => Box::pin(run::<P>(state, request)),
                Err(error) => Box::pin(std::future::ready(Loaded {
                    result: Err(error),
                    head: ResponseHead::default(),
                    elapsed: std::time::Duration::ZERO,
                })),
            }),
            json_size: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// A buffer for this page's props JSON, with `extra` bytes to spare.
    pub(crate) fn json_buffer(&self, extra: usize) -> Vec<u8> {
        Vec::with_capacity(self.json_size.load(Ordering::Relaxed) + extra)
    }

    /// Remembers how big the last props JSON was.
    pub(crate) fn note_json_size(&self, size: usize) {
        self.json_size.store(size, Ordering::Relaxed);
    }

    /// Whether a router with state `S` can serve this loader.
    pub(crate) fn accepts_state(&self, state: TypeId) -> bool {
        self.state_type == state || self.state_type == TypeId::of::<()>()
    }

    /// Runs the loader, turning a panic into a 500 error.
    pub(crate) fn call(
        &self,
        state: &(dyn Any + Send + Sync),
        request: RequestParts,
    ) -> BoxFuture<'static, Loaded> {
        (self.load)(state, request)
    }
}

/// The loader's (or action's) state from the router's. Mounting checks the
/// types of every page's loader (`accepts_state`); a 404 handler the app
/// calls with a state of its own is checked here, and a mismatch is a 500
/// that names both types rather than a panic.
pub(crate) fn downcast_state<T: Clone + 'static>(
    state: &(dyn Any + Send + Sync),
) -> Result<T, LoaderError> {
    if let Some(state) = state.downcast_ref::<T>() {
        return Ok(state.clone());
    }
    // `()` is always acceptable.
    (&() as &dyn Any)
        .downcast_ref::<T>()
        .cloned()
        .ok_or_else(|| {
            LoaderError::internal(format!(
                "the loader wants state `{}`, but it was given another type",
                std::any::type_name::<T>()
            ))
        })
}

async fn run<P: Loader>(state: P::State, request: RequestParts) -> Loaded {
    let started = std::time::Instant::now();
    let mut cx = LoaderContext::new(state, request);
    let result = AssertUnwindSafe(P::load(&mut cx)).catch_unwind().await;
    let result = match result {
        Ok(Ok(props)) => Ok(Box::new(props) as Box<dyn ErasedProps>),
        Ok(Err(e)) => Err(e),
        Err(panic) => Err(LoaderError::panicked("loader", panic.as_ref())),
    };
    Loaded {
        result,
        head: cx.into_response_head(),
        elapsed: started.elapsed(),
    }
}

pub(crate) fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Boom;
    impl fmt::Display for Boom {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("boom")
        }
    }
    impl std::error::Error for Boom {}

    #[test]
    fn any_error_converts_to_a_500() {
        fn fails() -> Result<(), LoaderError> {
            Err(Boom)?;
            Ok(())
        }
        let e = fails().unwrap_err();
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(e.message(), "boom");
    }

    #[test]
    fn non_error_statuses_become_500() {
        assert_eq!(LoaderError::new(StatusCode::OK, "x").status(), 500);
        assert_eq!(LoaderError::bad_request("x").status(), 400);
        assert_eq!(LoaderError::not_found("x").status(), 404);
        assert_eq!(LoaderError::unavailable("x").status(), 503);
    }

    #[test]
    fn with_status_keeps_message_and_source() {
        let e = LoaderError::from(Boom).with_status(StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(e.status(), 503);
        assert_eq!(e.message(), "boom");
        assert!(matches!(
            e.kind,
            ErrorKind::Failed {
                source: Some(_),
                ..
            }
        ));
        assert_eq!(e.with_status(StatusCode::OK).status(), 500);
    }

    #[test]
    fn not_found_and_redirects_leave_through_question_marks() {
        fn find(id: u32) -> LoaderResult<u32> {
            let found = (id == 1).then_some(id).ok_or(NotFound)?;
            Ok(found)
        }
        fn moved() -> LoaderResult<()> {
            Err(Redirect::see_other("/new"))?
        }
        assert!(find(2).unwrap_err().is_not_found());
        assert_eq!(find(1).unwrap(), 1);
        let r = moved().unwrap_err();
        assert_eq!(r.status(), 303);
        assert_eq!(r.as_redirect().unwrap().destination, "/new");
        assert_eq!(LoaderError::from(NotFound).status(), 404);
    }

    #[test]
    fn errors_made_in_the_kit_or_the_standard_library_carry_no_location() {
        // This file is the kit's own source: its timeouts and bad redirects
        // must not point the overlay at the kit.
        assert!(LoaderError::internal("x").location.is_none());
        assert!(LoaderError::from(Boom).location.is_none());
        // A constructor passed by name to `map_err` is called from `core`.
        let failed: Result<(), Boom> = std::hint::black_box(Err(Boom));
        let mapped = failed.map_err(LoaderError::from).unwrap_err();
        assert!(mapped.location.is_none(), "{:?}", mapped.location);
        // The kit's `src/` is found from this file's own path: moving the
        // file must update `SourceLocation::caller`. (An app's code keeps
        // its location: `kit/tests/server.rs` checks one.)
        assert!(file!().ends_with("/src/ssr/loader.rs"), "{}", file!());
    }

    #[test]
    fn panic_messages_are_extracted() {
        let p: Box<dyn Any + Send> = Box::new("static");
        assert_eq!(panic_message(p.as_ref()), "static");
        let p: Box<dyn Any + Send> = Box::new(String::from("owned"));
        assert_eq!(panic_message(p.as_ref()), "owned");
    }
}
