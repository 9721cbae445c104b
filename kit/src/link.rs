//! `<Link>`: the router's link, with props prefetching.
//!
//! A click on a link navigates client-side (Leptos's `<A>`). With
//! `prefetch`, the target page's props are fetched before the click:
//! on **intent** (the pointer resting on the link, or focus, for about
//! 50 ms; a touch at once; nothing if the pointer leaves first) or when the
//! link comes into the **viewport**. The click then shares that request, or
//! renders its answer with none, for as long as the answer's
//! `Cache-Control` allows, or 10 seconds when it allows no caching. Only
//! `GET` props answers are prefetched, never on `Save-Data`, and a
//! navigation to another page aborts the prefetches still under way.

use crate::{
    side::browser::{self, Intent},
    Erase,
};
use leptos::prelude::*;
use leptos_router::components::A;

/// When a [`Link`] fetches its target's props ahead of the click.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Prefetch {
    /// Only when clicked (the default).
    #[default]
    None,
    /// When the pointer rests on the link or it gets focus (~50 ms), or on
    /// touch.
    Intent,
    /// When the link comes into view.
    Viewport,
}

/// How long the pointer or focus stays on a link before its props are
/// prefetched.
pub const INTENT_DELAY: std::time::Duration = std::time::Duration::from_millis(50);

/// The kit's link: Leptos's `<A>` (a click navigates client-side, fetching
/// the target page's props if it has a loader; modifier keys, `target`,
/// `download`, `rel="external"` and other origins are left to the browser),
/// with [`Prefetch`].
///
/// ```
/// use leptos::prelude::*;
/// use server_props::{Link, Prefetch};
///
/// #[component]
/// fn Next() -> impl IntoView {
///     view! { <Link href="/catalog/2" prefetch=Prefetch::Intent>"Next catalog"</Link> }
/// }
/// ```
// `#[component]` adds a `pub` helper of its own that the lint sees as unreachable.
#[allow(unreachable_pub)]
#[component]
pub fn Link<C: IntoView + 'static>(
    /// Where the link goes (path and query).
    #[prop(into)]
    href: String,
    /// When to fetch the target's props ahead of the click.
    #[prop(optional)]
    prefetch: Prefetch,
    /// What the link shows.
    children: TypedChildren<C>,
) -> impl IntoView {
    // Typed children erased by the kit (`Erase`), as `<Form>`'s are: the
    // bundle keeps one copy of the link's code whatever it shows.
    link(href, prefetch, children.into_inner()().erase())
}

fn link(href: String, prefetch: Prefetch, children: AnyView) -> impl IntoView {
    let intent = Intent::new(&href, prefetch);
    let (enter, leave, touch) = (intent.clone(), intent.clone(), intent.clone());
    let (focus, blur) = (intent.clone(), intent);
    let marker = marker(prefetch);
    if prefetch == Prefetch::Viewport {
        browser::watch_viewport(&href);
    }
    view! {
        <A
            href=href
            attr:data-prefetch=marker
            on:mouseenter=move |_| enter.start()
            on:mouseleave=move |_| leave.cancel()
            on:focusin=move |_| focus.start()
            on:focusout=move |_| blur.cancel()
            on:touchstart=move |_| touch.now()
        >
            {children}
        </A>
    }
}

/// The `data-prefetch` attribute: the same on the server and in the
/// browser (hydration keeps the server's attributes), so a viewport link
/// is found by it and its `href`.
fn marker(prefetch: Prefetch) -> Option<String> {
    match prefetch {
        Prefetch::None => None,
        Prefetch::Intent => Some("intent".to_owned()),
        Prefetch::Viewport => Some("viewport".to_owned()),
    }
}

/// Prefetches a page's props from code (a menu about to open, the likely
/// next step), with the same rules as `<Link prefetch>`. Does nothing on
/// the server.
pub fn prefetch(href: &str) {
    browser::prefetch(href);
}
