//! Actions: what a page does with a form submitted to it.
//!
//! A page's [`Loader`] reads; its [`Action`] writes. A `POST` (or another
//! method the page accepts) to a page with an action runs the action, never
//! the loader, and the action says what comes next ([`ActionOutcome`]):
//!
//! * **done**: the page's loader runs again and the page is shown with fresh
//!   props (a document submission gets `303 See Other` back to the page, so
//!   a refresh never posts twice);
//! * **invalid**: the page is shown again, answered `422`, with what the
//!   action said of the submission (its [`ActionData`]: the errors and the
//!   values submitted, which the page reads with
//!   [`use_action_data`](crate::use_action_data)) beside fresh props from
//!   the page's loader, run in the same request: nothing is rebuilt by hand;
//! * **redirect**: to another page (`303` by default). A submission from the
//!   browser's `<Form>` gets the destination's props in the same answer: the
//!   kit runs the destination's loader in the same request (single flight),
//!   with the cookies the action set already in the request.
//!
//! This is React Router's and SvelteKit's model (`useActionData`,
//! `fail(422, data)`), with one difference: their browser runtimes
//! revalidate with a second request after the action; here the answer
//! carries what to render.
//!
//! Anything else leaves through `?` as it does in a loader: "not found" (an
//! unknown id), a failure, or a response of the action's own.

use crate::redirect::Redirect;
use crate::ssr::{
    loader::{error::LoaderError, AnyProps, Loader, Ran},
    request::context::{LoaderContext, RequestParts},
};
use crate::ActionData;
use futures::{future::BoxFuture, FutureExt};
use std::{any::Any, fmt, future::Future, panic::AssertUnwindSafe, sync::Arc};

/// The server-side action of a page: what a form submitted to the page does.
///
/// Most actions are written with [`#[action]`](crate::action), which
/// implements this trait (server build only) and tells the page's loader
/// about it. By hand, implement it beside the page's [`Loader`] and return
/// [`PageAction::of::<Self>()`](PageAction::of) from [`Loader::action`].
///
/// ```
/// # use leptos::prelude::*;
/// # use serde::{Deserialize, Serialize};
/// use server_props::{
///     Action, ActionData, ActionOutcome, ActionResult, Loader, LoaderContext, LoaderResult, Page,
///     PageAction,
/// };
///
/// # #[derive(Serialize, Deserialize, Default)] pub struct NoteProps { notes: Vec<String> }
/// # pub struct Note;
/// # impl Page for Note {
/// #     type Props = NoteProps;
/// #     fn view(p: NoteProps) -> impl IntoView { p.notes }
/// # }
/// #[derive(Deserialize)]
/// pub struct NoteForm { text: String }
///
/// /// What the page shows of a refused note.
/// #[derive(Clone, Serialize, Deserialize)]
/// pub struct NoteError { error: String }
///
/// impl ActionData for Note {
///     type Data = NoteError;
/// }
///
/// impl Loader for Note {
///     type Props = NoteProps;
///     type State = ();
///     type Params = serde::de::IgnoredAny;
///     async fn load(_: &mut LoaderContext<()>) -> LoaderResult<NoteProps> {
///         Ok(NoteProps::default())
///     }
///     fn action() -> Option<PageAction> {
///         Some(PageAction::of::<Self>())
///     }
/// }
///
/// impl Action for Note {
///     async fn act(cx: &mut LoaderContext<()>) -> ActionResult<NoteError> {
///         let form: NoteForm = cx.form().await?;
///         if form.text.trim().is_empty() {
///             return Ok(ActionOutcome::Invalid(NoteError { error: "Text is required.".into() }));
///         }
///         Ok(ActionOutcome::redirect("/notes"))
///     }
/// }
/// ```
pub trait Action: Loader + ActionData {
    /// Handles one submission.
    fn act(
        cx: &mut LoaderContext<Self::State>,
    ) -> impl Future<Output = ActionResult<<Self as ActionData>::Data>> + Send;
}

/// What an action decided.
#[must_use]
pub enum ActionOutcome<P> {
    /// The change is made: show the page again with fresh props from its
    /// loader (a document submission: `303` back to the page).
    Done,
    /// The submission does not stand: show the page again with this data
    /// (the errors and the values submitted, for
    /// [`use_action_data`](crate::use_action_data)) and fresh props from its
    /// loader, status `422` unless the action set another.
    Invalid(P),
    /// Go to another page.
    Redirect(Redirect),
}

impl<P> ActionOutcome<P> {
    /// A `303 See Other` to `destination`, as a redirect after a `POST`
    /// should be: the browser then loads the destination with `GET`.
    pub fn redirect(destination: impl Into<String>) -> Self {
        Self::Redirect(Redirect::see_other(destination))
    }
}

impl<P> fmt::Debug for ActionOutcome<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Done => f.write_str("Done"),
            Self::Invalid(_) => f.write_str("Invalid(..)"),
            Self::Redirect(r) => f.debug_tuple("Redirect").field(r).finish(),
        }
    }
}

impl<P> From<Redirect> for ActionOutcome<P> {
    fn from(redirect: Redirect) -> Self {
        Self::Redirect(redirect)
    }
}

/// What an action returns: what comes next, or an early exit. `D` is the
/// page's [`ActionData`]: what a refused submission shows (`()` when the
/// action refuses none).
pub type ActionResult<D = ()> = Result<ActionOutcome<D>, LoaderError>;

/// What an action run produced: what comes next, with the data of a
/// refused submission type-erased.
pub(crate) type Acted = Ran<ActionOutcome<AnyProps>>;

type ActFn =
    dyn Fn(&(dyn Any + Send + Sync), RequestParts) -> BoxFuture<'static, Acted> + Send + Sync;

/// A page's action with its type erased, as the page table keeps it: what
/// [`Loader::action`] returns for a page that has one.
#[derive(Clone)]
pub struct PageAction {
    act: Arc<ActFn>,
}

impl fmt::Debug for PageAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PageAction")
    }
}

impl PageAction {
    /// The action of page `P`.
    #[must_use]
    pub fn of<P: Action>() -> Self {
        Self {
            act: Arc::new(|state, request| {
                match crate::ssr::loader::downcast_state::<P::State>(state) {
                    Ok(state) => Box::pin(run::<P>(state, request)),
                    Err(error) => Box::pin(std::future::ready(Ran::failed(
                        error,
                        std::time::Duration::ZERO,
                    ))),
                }
            }),
        }
    }

    /// Runs the action, turning a panic into a 500 error.
    pub(crate) fn call(
        &self,
        state: &(dyn Any + Send + Sync),
        request: RequestParts,
    ) -> BoxFuture<'static, Acted> {
        (self.act)(state, request)
    }
}

async fn run<P: Action>(state: P::State, request: RequestParts) -> Acted {
    let started = web_time::Instant::now();
    let mut cx = LoaderContext::new(state, request);
    let result = AssertUnwindSafe(P::act(&mut cx)).catch_unwind().await;
    let result = match result {
        Ok(Ok(ActionOutcome::Done)) => Ok(ActionOutcome::Done),
        Ok(Ok(ActionOutcome::Invalid(data))) => {
            Ok(ActionOutcome::Invalid(Box::new(data) as AnyProps))
        }
        Ok(Ok(ActionOutcome::Redirect(r))) => Ok(ActionOutcome::Redirect(r)),
        Ok(Err(e)) => Err(e),
        Err(panic) => Err(LoaderError::panicked("action", panic.as_ref())),
    };
    Ran {
        result,
        head: cx.into_response_head(),
        elapsed: started.elapsed(),
    }
}

/// How the `#[loader]` expansion finds a page's `#[action]`: method
/// resolution picks [`ViaAction`] when the page implements [`Action`] and
/// falls back to [`NoAction`] otherwise (autoref specialisation, which works
/// because the expansion names the concrete page type).
#[doc(hidden)]
pub struct ActionProbe<P>(std::marker::PhantomData<P>);

impl<P> ActionProbe<P> {
    #[doc(hidden)]
    #[must_use]
    pub const fn new() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<P> fmt::Debug for ActionProbe<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ActionProbe")
    }
}

impl<P> Default for ActionProbe<P> {
    fn default() -> Self {
        Self::new()
    }
}

#[doc(hidden)]
pub trait ViaAction {
    fn page_action(&self) -> Option<PageAction>;
}

impl<P: Action> ViaAction for ActionProbe<P> {
    fn page_action(&self) -> Option<PageAction> {
        Some(PageAction::of::<P>())
    }
}

#[doc(hidden)]
pub trait NoAction {
    fn page_action(&self) -> Option<PageAction>;
}

impl<P> NoAction for &ActionProbe<P> {
    fn page_action(&self) -> Option<PageAction> {
        None
    }
}

/// The state of an action, which is its page's loader's: `#[action]` makes
/// its arguments from the loader's context under the action's own state
/// type, which must be the same.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "the action reads state `{Self}`, but its page's loader reads `{L}`",
    label = "the action's state, which must be the loader's `{L}`",
    note = "a page's loader and action run with one state: take the same `State<T>` in both, or name it on both (`#[loader(Page, state = AppState)]`, `#[action(Page, state = AppState)]`)"
)]
pub trait SameState<L>: Sized {
    #[doc(hidden)]
    fn context(cx: &mut LoaderContext<L>) -> &mut LoaderContext<Self>;
}

impl<S> SameState<S> for S {
    fn context(cx: &mut LoaderContext<S>) -> &mut LoaderContext<S> {
        cx
    }
}

/// The loader's context as the action's: the same state type, or a
/// compile error naming both.
#[doc(hidden)]
pub fn action_state<L, A: SameState<L>>(cx: &mut LoaderContext<L>) -> &mut LoaderContext<A> {
    A::context(cx)
}
