//! Where the app hydrates: its own element, not `<body>`.
//!
//! Leptos's `hydrate_body` walks `<body>`'s children from the first one,
//! expecting exactly what the server rendered. Browser extensions put
//! things there before the wasm runs (an element first in `<body>`, a
//! toolbar, a password manager's overlay), and then hydration meets a node
//! the server never sent and stops: every button and link of the page dead
//! until the visitor disables the extension. The kit avoids it: the shell
//! puts the app inside [`AppRoot`], an element of its own, and the browser
//! half hydrates from that element (`hydrate_from`), so whatever an
//! extension adds around it is never walked. (A shell without it still
//! hydrates from `<body>`, as before.) What changes the page *inside* it
//! (a translator wrapping text in `<font>`) is recovered from as React
//! does, by rendering in the browser: the element is then sent empty
//! (`protocol::RENDER_PARAM`).

use leptos::prelude::*;

/// The `id` of the element the app hydrates from.
pub const ROOT_ID: &str = "server-props-root";

/// The element the app renders into, for the shell (server only): put the
/// app inside it, in `<body>`. `display: contents`, so it changes no
/// layout and no CSS selector but a child combinator on `body`.
///
/// ```
/// use leptos::prelude::*;
/// use server_props::AppRoot;
///
/// #[component]
/// fn App() -> impl IntoView { view! { <h1>"Home"</h1> } }
///
/// fn shell(options: LeptosOptions) -> impl IntoView {
///     view! {
///         <!DOCTYPE html>
///         <html>
///             <head></head>
///             <body><AppRoot><App/></AppRoot></body>
///         </html>
///     }
/// }
/// ```
// `#[component]` adds a `pub` helper of its own that the lint sees as unreachable.
#[allow(unreachable_pub)]
#[component]
pub fn AppRoot(
    /// The app.
    children: Children,
) -> impl IntoView {
    match use_context::<RootMode>() {
        // Hydrating this page failed in the browser: it renders the app
        // itself, from the embedded props.
        Some(RootMode::InBrowser) => {
            view! { <div id=ROOT_ID style="display:contents" data-render=IN_BROWSER></div> }
                .into_any()
        }
        // The answer to a submission: loading its URL again would lose what
        // was typed, so a failed hydration is not recovered from.
        Some(RootMode::NoRecovery) => view! {
            <div id=ROOT_ID style="display:contents" data-recover="off">{children()}</div>
        }
        .into_any(),
        _ => view! { <div id=ROOT_ID style="display:contents">{children()}</div> }.into_any(),
    }
}

/// In a server render's context: what the app's element is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
pub(crate) enum RootMode {
    /// The page, for the browser to hydrate (and to recover from a failed
    /// hydration by loading it again for the browser to render).
    #[default]
    Hydrate,
    /// The page, answering a write: hydrated, never loaded again.
    NoRecovery,
    /// Empty: the browser renders the page (`protocol::RENDER_PARAM`).
    InBrowser,
}

/// The `data-render` value of an app element left for the browser.
pub(crate) const IN_BROWSER: &str = "browser";
