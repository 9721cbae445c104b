//! Loaders: the server-only half of a page.
//!
//! A [`Loader`] runs on every request for its page, before any HTML is sent,
//! with the request in hand ([`LoaderContext`]) and returns the page's props.
//! Everything else leaves early through `?`, as `throw notFound()` and
//! `throw redirect()` do in TanStack Router and React Router: a
//! [`LoaderError`] is a failure that knows its status (500 unless the loader
//! said otherwise), or "not found" ([`NotFound`]), or a [`Redirect`], or a
//! complete response of the loader's own.

pub(crate) mod action;
#[cfg(feature = "sqlx")]
pub mod db;
pub mod edge;
pub(crate) mod error;
pub(crate) mod panic;

use error::{LoaderError, LoaderResult};

use crate::ssr::{
    loader::action::PageAction,
    request::context::{LoaderContext, RequestParts},
    response::head::ResponseHead,
};
use crate::{page::Props, params::Shape};
use futures::{future::BoxFuture, FutureExt};
use serde::de::DeserializeOwned;
use std::{
    any::{Any, TypeId},
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

/// What one run of user code produced, a loader's (`T`: its props) or an
/// action's (`T`: an [`ActionOutcome`](action::ActionOutcome)), with the
/// response head it wrote: the one result type of the loader half.
pub(crate) struct Ran<T> {
    pub(crate) result: Result<T, LoaderError>,
    pub(crate) head: ResponseHead,
    /// How long it ran.
    pub(crate) elapsed: std::time::Duration,
}

impl<T> Ran<T> {
    /// A run that failed before (or instead of) running the user's code.
    pub(crate) fn failed(error: LoaderError, elapsed: std::time::Duration) -> Self {
        Self {
            result: Err(error),
            head: ResponseHead::default(),
            elapsed,
        }
    }
}

/// Type-erased props, as a loader run leaves them.
pub(crate) type AnyProps = Box<dyn ErasedProps>;

type LoadFn = dyn Fn(&(dyn Any + Send + Sync), RequestParts) -> BoxFuture<'static, Ran<AnyProps>>
    + Send
    + Sync;

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
    /// The size of the page's last payload JSON, so the next buffer is
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
                Err(error) => Box::pin(std::future::ready(Ran::failed(
                    error,
                    std::time::Duration::ZERO,
                ))),
            }),
            json_size: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// A buffer for this page's next payload (embedded or answered), as
    /// big as its last one plus `extra` bytes.
    pub(crate) fn json_buffer(&self, extra: usize) -> Vec<u8> {
        Vec::with_capacity(self.json_size.load(Ordering::Relaxed) + extra)
    }

    /// Remembers how big the page's last payload was.
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
    ) -> BoxFuture<'static, Ran<AnyProps>> {
        (self.load)(state, request)
    }
}

/// The loader's (or action's) state from the router's. Mounting checks the
/// types of every page's loader (`accepts_state`), and
/// `ServerProps::not_found` the layout's; a state of another type that
/// still reaches here is a 500 naming the type the loader wants, never a
/// panic.
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

async fn run<P: Loader>(state: P::State, request: RequestParts) -> Ran<AnyProps> {
    let started = web_time::Instant::now();
    let mut cx = LoaderContext::new(state, request);
    let result = AssertUnwindSafe(P::load(&mut cx)).catch_unwind().await;
    let result = match result {
        Ok(Ok(props)) => Ok(Box::new(props) as AnyProps),
        Ok(Err(e)) => Err(e),
        Err(panic) => Err(LoaderError::panicked("loader", panic.as_ref())),
    };
    Ran {
        result,
        head: cx.into_response_head(),
        elapsed: started.elapsed(),
    }
}

/// How the `#[loader]` expansion checks, at the loader's return type, that
/// the loader returns its target's props: a page's `Page::Props` or a
/// layout's `Layout::Data`. Method resolution picks [`ViaPage`] when the
/// target is a page, [`ViaLayout`] when it is a layout, and
/// [`NeitherPageNorLayout`] (whose bound fails, saying so) otherwise.
#[doc(hidden)]
pub struct PropsProbe<T>(std::marker::PhantomData<T>);

impl<T> PropsProbe<T> {
    #[doc(hidden)]
    #[must_use]
    pub const fn new() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<T> Clone for PropsProbe<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for PropsProbe<T> {}

impl<T> std::fmt::Debug for PropsProbe<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PropsProbe")
    }
}

impl<T> Default for PropsProbe<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// The props a loader's target expects, as a type.
#[doc(hidden)]
pub struct Expected<P>(std::marker::PhantomData<P>);

impl<P> std::fmt::Debug for Expected<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Expected")
    }
}

#[doc(hidden)]
pub trait ViaPage {
    type Props;
    fn expected(self) -> Expected<Self::Props>;
}

impl<P: crate::Page> ViaPage for &&PropsProbe<P> {
    type Props = P::Props;
    fn expected(self) -> Expected<P::Props> {
        Expected(std::marker::PhantomData)
    }
}

#[doc(hidden)]
pub trait ViaLayout {
    type Props;
    fn expected(self) -> Expected<Self::Props>;
}

impl<L: crate::Layout> ViaLayout for &PropsProbe<L> {
    type Props = L::Data;
    fn expected(self) -> Expected<L::Data> {
        Expected(std::marker::PhantomData)
    }
}

#[doc(hidden)]
pub trait NeitherPageNorLayout {
    type Target;
    fn expected<P>(self) -> Expected<P>
    where
        Self::Target: PageOrLayout;
}

impl<T> NeitherPageNorLayout for PropsProbe<T> {
    type Target = T;
    fn expected<P>(self) -> Expected<P>
    where
        T: PageOrLayout,
    {
        Expected(std::marker::PhantomData)
    }
}

/// Implemented by nothing: the bound that fails when a loader names
/// neither a page nor a layout.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is neither a page nor a layout",
    label = "a loader's target",
    note = "`#[loader(Target)]` names a `#[page]` component (or a type that implements `Page`) or a type that implements `Layout`"
)]
pub trait PageOrLayout {}

/// `Returned` and `Expected` are one type.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "the loader returns `{Self}`, but its page (or layout) takes `{P}`",
    label = "expected `{P}` here",
    note = "a page's loader returns the page's props: the type of the `#[page]` function's argument (`Page::Props`), or a layout's `Layout::Data`"
)]
pub trait SameProps<P> {}

impl<P> SameProps<P> for P {}

impl<P> Expected<P> {
    /// Checks that the loader returns `Returned`, the props its target
    /// takes. (A method, so that `P` is known from the receiver before the
    /// bound is checked.)
    #[doc(hidden)]
    pub fn returned<Returned: SameProps<P>>(self) {}
}
