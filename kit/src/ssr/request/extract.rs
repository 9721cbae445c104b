//! Loader arguments: what `#[loader]` and `#[action]` make each argument
//! from.
//!
//! Every argument taken by value goes through one trait, [`FromLoader`],
//! as every axum handler argument goes through `FromRequest`; the marker
//! type `M` (inferred, never written) keeps its impls apart:
//!
//! * the kit's own arguments and the app's types implement `FromLoader<S>`
//!   directly: [`Params`] (the route params as a serde type, checked against
//!   the path at start-up) and any type of the app's that needs the loader's
//!   context (the route params, the response head);
//! * every axum `FromRequestParts<S>` extractor is one (`State<T>`,
//!   `Query<T>`, `HeaderMap`, the app's own); a rejection keeps its status;
//! * arguments that read the request body implement [`FromLoaderBody`]:
//!   [`FormData`] and [`Json`] (read once, under the body limit). A loader
//!   takes at most one of them; a second does not compile.
//!
//! Arguments taken by reference borrow from the context: `&ResponseHead`,
//! `&LoaderContext<S>` ([`FromLoaderRef`]) and `&mut LoaderContext<S>`
//! ([`FromLoaderMut`]). Each argument fails with the status that fits,
//! which the loader passes on.
//!
//! ```
//! use server_props::{extract::FromLoader, LoaderContext, LoaderError};
//!
//! /// The signed-in user, from the session cookie; 401 without one.
//! pub struct User(pub String);
//!
//! impl<S: Send + Sync> FromLoader<S> for User {
//!     async fn from_loader(cx: &mut LoaderContext<S>) -> Result<Self, LoaderError> {
//!         // The answer depends on the cookie: no shared cache may keep it.
//!         cx.response().append_header(http::header::VARY, http::HeaderValue::from_static("Cookie"));
//!         match cx.cookie("user") {
//!             Some(name) => Ok(User(name)),
//!             None => Err(LoaderError::new(http::StatusCode::UNAUTHORIZED, "sign in first")),
//!         }
//!     }
//! }
//! ```

pub use crate::ssr::request::form_body::{from_form, INTENT_FIELD};
use crate::ssr::{
    loader::error::LoaderError, request::context::LoaderContext, response::head::ResponseHead,
};
use axum::extract::FromRequestParts;
use serde::de::DeserializeOwned;
use std::future::Future;

/// The route params as a serde type (see [`params`](crate::params)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params<T>(pub T);

/// The request body as a form (`application/x-www-form-urlencoded`). When
/// `T` is an enum, the `intent` field names the variant ([`from_form`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormData<T>(pub T);

/// The request body as JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Json<T>(pub T);

/// The markers that keep [`FromLoader`]'s impls apart, as axum-core's
/// `ViaParts` and `ViaRequest` do for `FromRequest`. Never written: the
/// macros infer them.
pub(crate) mod private {
    /// An argument made from the loader's context: the kit's own and the
    /// app's `impl FromLoader<S>`.
    #[derive(Debug, Clone, Copy)]
    pub enum ViaContext {}

    /// An axum `FromRequestParts` extractor.
    #[derive(Debug, Clone, Copy)]
    pub enum ViaParts {}

    /// An argument that reads the request body ([`FromLoaderBody`](super::FromLoaderBody)).
    #[derive(Debug, Clone, Copy)]
    pub enum ViaBody {}
}

/// A loader (or action) argument taken by value, made from the loader's
/// context before the function runs.
///
/// Implement it (with the default marker) for a type of the app's that the
/// route params, the request head or the response head make: a signed-in
/// user, a locale. An axum `FromRequestParts` extractor is one already;
/// an argument that reads the body implements [`FromLoaderBody`] instead,
/// so that the compiler refuses a loader that reads the body twice.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a loader argument (with state `{S}`)",
    label = "not a loader argument",
    note = "a loader or action takes `#[param] name: T`, the kit's `Params<T>`, `FormData<T>` or `Json<T>` (from `server_props::extract`), an axum extractor that implements `FromRequestParts<{S}>` (`State<T>`, `Query<T>`, `HeaderMap`), a type that implements `server_props::extract::FromLoader`, or by reference `&ResponseHead`, `&LoaderContext<S>` or `&mut LoaderContext<S>`",
    note = "axum's body extractors (`axum::Json`, `axum::Form`, `Bytes`) are not loader arguments: take the kit's `Json<T>` or `FormData<T>`, which read the body once, under the kit's body limit",
    note = "an extractor that reads the app's state (`State<T>`, or one through `FromRef`) needs that state: name it with `#[loader(Page, state = AppState)]`"
)]
pub trait FromLoader<S, M = private::ViaContext>: Sized {
    /// Makes the argument; an error leaves the loader with its status.
    fn from_loader(
        cx: &mut LoaderContext<S>,
    ) -> impl Future<Output = Result<Self, LoaderError>> + Send;
}

/// A loader argument that reads the request body: [`FormData`], [`Json`],
/// or the app's own. It is a [`FromLoader`] argument too; the macros
/// refuse a second body argument in one loader, since the body can be read
/// only once.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not read the request body as a loader argument",
    note = "the kit reads the body with `FormData<T>` or `Json<T>` (from `server_props::extract`)"
)]
pub trait FromLoaderBody<S>: Sized {
    /// Reads the body (with [`LoaderContext::bytes`], `form` or `json`)
    /// and makes the argument.
    fn from_loader_body(
        cx: &mut LoaderContext<S>,
    ) -> impl Future<Output = Result<Self, LoaderError>> + Send;
}

/// A loader argument borrowed from the context for the call: `&ResponseHead`
/// and `&LoaderContext<S>`.
#[diagnostic::on_unimplemented(
    message = "`&{Self}` is not a loader argument (with state `{S}`)",
    label = "not a loader argument",
    note = "by reference, a loader takes `&ResponseHead`, `&LoaderContext<S>` or `&mut LoaderContext<S>` (with `S` the loader's state); other arguments by value"
)]
pub trait FromLoaderRef<S> {
    /// The borrowed argument.
    fn from_loader_ref(cx: &LoaderContext<S>) -> &Self;
}

/// A loader argument borrowed mutably from the context: `&mut LoaderContext<S>`.
#[diagnostic::on_unimplemented(
    message = "`&mut {Self}` is not a loader argument (with state `{S}`)",
    label = "not a loader argument",
    note = "by `&mut`, a loader takes only `&mut LoaderContext<S>` (with `S` the loader's state); `&ResponseHead` is shared"
)]
pub trait FromLoaderMut<S> {
    /// The borrowed argument.
    fn from_loader_mut(cx: &mut LoaderContext<S>) -> &mut Self;
}

impl<S, T> FromLoader<S, private::ViaParts> for T
where
    S: Send + Sync,
    T: FromRequestParts<S>,
{
    fn from_loader(
        cx: &mut LoaderContext<S>,
    ) -> impl Future<Output = Result<Self, LoaderError>> + Send {
        cx.extract::<T>()
    }
}

impl<S, T> FromLoader<S, private::ViaBody> for T
where
    S: Send + Sync,
    T: FromLoaderBody<S>,
{
    fn from_loader(
        cx: &mut LoaderContext<S>,
    ) -> impl Future<Output = Result<Self, LoaderError>> + Send {
        T::from_loader_body(cx)
    }
}

impl<S, T> FromLoader<S> for Params<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    async fn from_loader(cx: &mut LoaderContext<S>) -> Result<Self, LoaderError> {
        cx.params().map(Params)
    }
}

impl<S, T> FromLoaderBody<S> for FormData<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    async fn from_loader_body(cx: &mut LoaderContext<S>) -> Result<Self, LoaderError> {
        cx.form().await.map(FormData)
    }
}

impl<S, T> FromLoaderBody<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    async fn from_loader_body(cx: &mut LoaderContext<S>) -> Result<Self, LoaderError> {
        cx.json().await.map(Json)
    }
}

impl<S> FromLoaderRef<S> for ResponseHead {
    fn from_loader_ref(cx: &LoaderContext<S>) -> &Self {
        cx.response()
    }
}

impl<S> FromLoaderRef<S> for LoaderContext<S> {
    fn from_loader_ref(cx: &LoaderContext<S>) -> &Self {
        cx
    }
}

impl<S> FromLoaderMut<S> for LoaderContext<S> {
    fn from_loader_mut(cx: &mut LoaderContext<S>) -> &mut Self {
        cx
    }
}

/// What the macros' expansions check at compile time; not part of the API.
pub(crate) mod check {
    use super::{private, FromLoader};
    use std::marker::PhantomData;

    /// Whether the arguments made so far read the body: `Unread` or
    /// `Read`. Zero-sized; it only carries the type.
    #[derive(Debug)]
    pub struct Body<B>(PhantomData<fn() -> B>);

    /// No argument has read the body yet.
    #[derive(Debug)]
    pub enum Unread {}

    /// An argument has read the body.
    #[derive(Debug)]
    pub enum Read {}

    impl Body<Unread> {
        /// Before the first argument.
        #[must_use]
        pub const fn unread() -> Self {
            Self(PhantomData)
        }
    }

    /// What making the argument `Self` (with marker `M`) does to the body
    /// state `B`: only a body argument changes it, and only from unread.
    /// (On the argument's type, so that an error points at it.)
    #[diagnostic::on_unimplemented(
        message = "`{Self}` reads the request body, which an earlier argument has read",
        label = "the body's second reader",
        note = "the body can be read once: take one `FormData<T>` or `Json<T>` (a form enum told apart by its `intent` field for several forms)"
    )]
    pub trait BodyStep<M, B> {
        /// The body state after the argument.
        type After;
    }

    impl<T, B> BodyStep<private::ViaContext, B> for T {
        type After = B;
    }

    impl<T, B> BodyStep<private::ViaParts, B> for T {
        type After = B;
    }

    impl<T> BodyStep<private::ViaBody, Unread> for T {
        type After = Read;
    }

    impl<B> Body<B> {
        /// The body state after argument `T`, whose marker `M` is inferred:
        /// at most one argument reads the body, or this does not compile.
        /// (A method, so that `B` is known from the receiver before the
        /// bound on the marker is checked.)
        #[must_use]
        pub fn then<T, S, M>(self) -> Body<<T as BodyStep<M, B>>::After>
        where
            T: FromLoader<S, M> + BodyStep<M, B>,
        {
            Body(PhantomData)
        }
    }
}

/// A `multipart/form-data` body ([`multipart`](crate::ssr::request::multipart)):
/// 415 for another content type and 400 without a usable boundary, before
/// the body is read; then the body under the kit's limit (413). Its
/// limits are the request's `MultipartLimits` extension, if a layer set
/// one, else the defaults.
impl<S> FromLoaderBody<S> for crate::ssr::request::multipart::Multipart
where
    S: Send + Sync,
{
    async fn from_loader_body(cx: &mut LoaderContext<S>) -> Result<Self, LoaderError> {
        // Parts are parsed as they arrive, and only what the caller keeps
        // is held.
        cx.multipart()
    }
}
