//! Loaders: the server-only half of a page.
//!
//! A [`Loader`] runs on every request for its page, before any HTML is sent,
//! with the request in hand ([`LoaderContext`]) and returns an [`Outcome`]:
//! props, "not found", a redirect, or a complete response of its own. An
//! `Err` is a [`LoaderError`], which knows its status (500 unless the loader
//! said otherwise) and becomes the app's error page.

use super::context::{LoaderContext, RequestParts, ResponseHead};
use crate::{page::Page, redirect::Redirect};
use axum::response::Response;
use futures::{future::BoxFuture, FutureExt};
use http::StatusCode;
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

/// The server-side props loader of a [`Page`]: Next.js's `getServerSideProps`.
///
/// Implement it only with the `ssr` feature (`#[cfg(feature = "ssr")]`), so
/// that neither it nor anything only it uses reaches the wasm bundle.
///
/// ```
/// # use leptos::prelude::*;
/// # use serde::{Deserialize, Serialize};
/// use server_props::{Loader, LoaderContext, LoaderResult, Outcome, Page};
///
/// # #[derive(Serialize, Deserialize)] pub struct PostProps { title: String }
/// # pub struct Post;
/// # impl Page for Post {
/// #     type Props = PostProps;
/// #     fn view(p: PostProps) -> impl IntoView { p.title }
/// # }
/// impl Loader for Post {
///     type State = ();
///     async fn load(cx: &mut LoaderContext<()>) -> LoaderResult<PostProps> {
///         let slug = cx.param("post")?;
///         if slug == "missing" {
///             return Ok(Outcome::NotFound);
///         }
///         cx.response().set_cache_control("public, s-maxage=10")?;
///         Ok(PostProps { title: slug.to_owned() }.into())
///     }
/// }
/// ```
pub trait Loader: Page {
    /// The app state the loader reads: the router's state type, or `()`.
    type State: Clone + Send + Sync + 'static;

    /// Loads the page's props for one request.
    fn load(
        cx: &mut LoaderContext<Self::State>,
    ) -> impl Future<Output = LoaderResult<Self::Props>> + Send;
}

/// What a loader returns.
pub type LoaderResult<P> = Result<Outcome<P>, LoaderError>;

/// What a loader decided.
#[derive(Debug)]
pub enum Outcome<P> {
    /// Render the page with these props.
    Props(P),
    /// Show the 404 page (status 404).
    NotFound,
    /// Send the browser elsewhere.
    Redirect(Redirect),
    /// Send this response as it is, instead of a page (a file, plain text).
    /// Client navigation to such a page becomes a document navigation.
    Response(Response),
}

impl<P> From<P> for Outcome<P> {
    fn from(props: P) -> Self {
        Outcome::Props(props)
    }
}

/// A loader's failure. It knows the status it turns into: 500 for anything
/// converted with `?`, or the 4xx a loader chose for bad input.
///
/// Like `anyhow::Error` it is not itself a `std::error::Error`, so that every
/// error type converts into it with `?`.
pub struct LoaderError {
    status: StatusCode,
    message: Cow<'static, str>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl LoaderError {
    /// An error with a status (4xx or 5xx) and a message for the log.
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        let status = if status.is_client_error() || status.is_server_error() {
            status
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        Self {
            status,
            message: message.into(),
            source: None,
        }
    }

    /// 400: the request's input is invalid (a query value that does not parse).
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404: the URL names nothing (a path parameter that does not parse).
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 500 with a message.
    pub fn internal(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// 503: something the loader needs (a database, an upstream API) is
    /// down for now. Set `Retry-After` on the response head to say when to
    /// come back.
    pub fn unavailable(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }

    /// The same error turning into another status (4xx or 5xx), keeping its
    /// message and source: `LoaderError::from(e).with_status(StatusCode::SERVICE_UNAVAILABLE)`.
    #[must_use]
    pub fn with_status(self, status: StatusCode) -> Self {
        Self {
            status: Self::new(status, "").status,
            ..self
        }
    }

    /// The status this error turns into.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message, for logs and development mode.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl<E> From<E> for LoaderError
where
    E: std::error::Error + Send + Sync + 'static,
{
    fn from(error: E) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: error.to_string().into(),
            source: Some(Box::new(error)),
        }
    }
}

impl fmt::Display for LoaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.status)?;
        let mut source = self.source.as_deref().and_then(std::error::Error::source);
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

impl fmt::Debug for LoaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoaderError")
            .field("status", &self.status)
            .field("message", &self.message)
            .field("source", &self.source)
            .finish()
    }
}

/// Props whose type only the page knows: serialised for the wire, or handed
/// back to the page's view.
pub(crate) trait ErasedProps: Send {
    /// Appends the props as JSON.
    fn write_json(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error>;
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
}

impl<P: crate::page::Props> ErasedProps for P {
    fn write_json(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        serde_json::to_writer(out, self)
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
}

/// What a loader run produced, with the response head it wrote.
pub(crate) struct Loaded {
    pub(crate) result: Result<Outcome<Box<dyn ErasedProps>>, LoaderError>,
    pub(crate) head: ResponseHead,
}

type LoadFn =
    dyn Fn(&(dyn Any + Send + Sync), RequestParts) -> BoxFuture<'static, Loaded> + Send + Sync;

/// A loader with its page type erased, as the page table stores it.
#[derive(Clone)]
pub(crate) struct ErasedLoader {
    pub(crate) state_type: TypeId,
    pub(crate) state_name: &'static str,
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
            load: Arc::new(|state, request| {
                let state = downcast_state::<P::State>(state);
                Box::pin(run::<P>(state, request))
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

fn downcast_state<T: Clone + 'static>(state: &(dyn Any + Send + Sync)) -> T {
    if let Some(state) = state.downcast_ref::<T>() {
        return state.clone();
    }
    // `()` is always acceptable; `accepts_state` checked the rest at start-up.
    (&() as &dyn Any)
        .downcast_ref::<T>()
        .cloned()
        .expect("loader state type checked when the routes were mounted")
}

async fn run<P: Loader>(state: P::State, request: RequestParts) -> Loaded {
    let mut cx = LoaderContext::new(state, request);
    let result = AssertUnwindSafe(P::load(&mut cx)).catch_unwind().await;
    let result = match result {
        Ok(Ok(outcome)) => Ok(match outcome {
            Outcome::Props(p) => Outcome::Props(Box::new(p) as Box<dyn ErasedProps>),
            Outcome::NotFound => Outcome::NotFound,
            Outcome::Redirect(r) => Outcome::Redirect(r),
            Outcome::Response(r) => Outcome::Response(r),
        }),
        Ok(Err(e)) => Err(e),
        Err(panic) => Err(LoaderError::internal(format!(
            "loader panicked: {}",
            panic_message(panic.as_ref())
        ))),
    };
    Loaded {
        result,
        head: cx.into_response_head(),
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
        assert!(e.source.is_some());
        assert_eq!(e.with_status(StatusCode::OK).status(), 500);
    }

    #[test]
    fn panic_messages_are_extracted() {
        let p: Box<dyn Any + Send> = Box::new("static");
        assert_eq!(panic_message(p.as_ref()), "static");
        let p: Box<dyn Any + Send> = Box::new(String::from("owned"));
        assert_eq!(panic_message(p.as_ref()), "owned");
    }
}
