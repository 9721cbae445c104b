//! `<Form>`: a form that works before the wasm has loaded and, once it has,
//! submits in one request and renders the answer in place.
//!
//! The server renders a plain `<form method="post">`, so without JavaScript
//! (or before hydration) the browser submits it as a document: the page's
//! action runs, and the answer is `303 See Other` to the next page (post,
//! redirect, get) or the page again with its errors (`422`). Once hydrated,
//! a submit is intercepted and sent to the page's props URL instead; the
//! answer carries the props of the page to show next, which the browser
//! renders without loading a document (see `client::submit`). A form with
//! files is sent the same way, as `multipart/form-data`, with its upload's
//! progress in the submission state.

use crate::Erase;
use leptos::prelude::*;

/// A form posting to a page's action (its own page unless `action` names
/// another), with and without JavaScript.
///
/// ```
/// use leptos::prelude::*;
/// use server_props::Form;
///
/// #[component]
/// fn SignOut() -> impl IntoView {
///     view! {
///         <Form action="/logout">
///             <button>"Sign out"</button>
///         </Form>
///     }
/// }
/// ```
///
/// The form's fields, and the `name=value` of the button that submitted
/// it, are sent form-encoded, as a browser sends them. A second submit while
/// one is in flight is ignored (the form carries `aria-busy="true"`
/// meanwhile), so a double click adds one entry. A form with a `target` or
/// another origin's `action` is left to the browser.
///
/// A form with a file input is sent as `multipart/form-data`, in the same
/// one request, and [`use_submission`](crate::use_submission)'s
/// [`upload`](crate::Submission::upload) follows its progress; the action
/// reads it with a `Multipart` argument (`server_props::multipart`). Give it
/// `attr:enctype="multipart/form-data"`, so that it sends its files without
/// JavaScript too:
///
/// ```
/// use leptos::prelude::*;
/// use server_props::Form;
///
/// #[component]
/// fn Upload() -> impl IntoView {
///     view! {
///         <Form attr:enctype="multipart/form-data">
///             <input type="file" name="files" multiple/>
///             <button>"Upload"</button>
///         </Form>
///     }
/// }
/// ```
// `#[component]` adds a `pub` helper of its own that the lint sees as unreachable.
#[allow(unreachable_pub)]
#[component]
pub fn Form<C: IntoView + 'static>(
    /// The page URL to submit to (path and query); the page the form is on
    /// when left out.
    #[prop(optional, into)]
    action: Option<String>,
    /// `post` (the default) or `get` (a search form: a client navigation).
    #[prop(optional, into)]
    method: Option<&'static str>,
    /// The form's fields and buttons.
    children: TypedChildren<C>,
) -> impl IntoView {
    // Typed children erased by the kit (`Erase`), not by Leptos's
    // `Children`, so the bundle keeps no asynchronous hydration code for
    // them; the form itself is one copy of code whatever its fields are.
    form(action, method, children.into_inner()().erase())
}

fn form(action: Option<String>, method: Option<&'static str>, children: AnyView) -> impl IntoView {
    let method = method.unwrap_or("post");
    let on_submit = crate::side::browser::submit_handler();
    view! {
        <form method=method action=action on:submit=on_submit>
            {children}
        </form>
    }
}
