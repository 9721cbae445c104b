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

    /// Renders the page from its props. Runs on the server for the first
    /// request and in the browser on hydration and client navigation, so it
    /// must render the same thing from the same props in both places.
    fn view(props: Self::Props) -> impl IntoView + 'static;
}

/// An error page's view of what went wrong: the app's error page receives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageError {
    /// The HTTP status (500 for a failed loader, 4xx for bad input).
    pub status: u16,
    /// Detail for developers: only set in development mode.
    pub detail: Option<String>,
}
