//! Loader arguments that are the kit's own rather than axum extractors: the
//! route params and the request body.
//!
//! `#[loader]` takes any axum `FromRequestParts` extractor as an argument
//! (`Query<T>`, `HeaderMap`, `State<T>`, the app's own), and these three:
//! [`Params`] (the route params as a serde type, checked against the path
//! at start-up), [`FormData`] and [`Json`] (the body, read once, under the body
//! limit). Each fails with the status that fits, which the loader passes on.

pub use crate::ssr::request::form_body::{from_form, INTENT_FIELD};
use crate::ssr::{loader::error::LoaderError, request::context::LoaderContext};
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

/// A loader argument made from the loader's context.
pub trait FromLoader<S>: Sized {
    /// Makes the argument.
    fn from_loader(
        cx: &mut LoaderContext<S>,
    ) -> impl Future<Output = Result<Self, LoaderError>> + Send;
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

impl<S, T> FromLoader<S> for FormData<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    async fn from_loader(cx: &mut LoaderContext<S>) -> Result<Self, LoaderError> {
        cx.form().await.map(FormData)
    }
}

impl<S, T> FromLoader<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    async fn from_loader(cx: &mut LoaderContext<S>) -> Result<Self, LoaderError> {
        cx.json().await.map(Json)
    }
}
