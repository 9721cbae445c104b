//! Turning the page table into Leptos routes, and choosing each page's view.
//!
//! Every page becomes a Leptos `NestedRoute` whose view is a [`PageView`],
//! the kit's [`ChooseView`]. Leptos awaits `choose()` before it swaps the
//! old page out, so this is where props are waited for:
//!
//! * on the server the kit has already run the loader, and the props (or
//!   "not found", or the error) sit in the render's context, so `choose()`
//!   is ready on its first poll and the page renders synchronously;
//! * in the browser, the first `choose()` takes the props embedded in the
//!   document, so hydration fetches nothing; later ones fetch the props URL
//!   (see `client`), and the old page stays on screen until they arrive.

use crate::pages::{PageKind, Pages};
use leptos::{children::ToChildren, prelude::*, tachys::view::iterators::StaticVec};
use leptos_router::{
    components::{RouteChildren, Routes, RoutesProps},
    hooks::use_url,
    ChooseView, NestedRoute,
};
use std::sync::{Arc, Mutex};

/// The app's routes, generated from its page table. Put it where the page
/// should render, inside a Leptos `<Router>`.
///
/// ```
/// use leptos::prelude::*;
/// use leptos_router::components::Router;
/// use server_props::{PageRoutes, Pages};
/// use std::sync::LazyLock;
///
/// static PAGES: LazyLock<Pages> = LazyLock::new(|| {
///     Pages::new().route("/", || view! { <h1>"Home"</h1> })
/// });
///
/// #[component]
/// fn App() -> impl IntoView {
///     view! { <Router><main><PageRoutes pages=&PAGES/></main></Router> }
/// }
/// ```
#[component]
pub fn PageRoutes(
    /// The app's page table.
    pages: &'static Pages,
) -> impl IntoView {
    let defs: Vec<_> = pages
        .order
        .iter()
        .map(|&index| {
            NestedRoute::new(
                pages.entries[index].pattern.clone(),
                PageView { pages, index },
            )
        })
        .collect();
    let not_found = pages.not_found.clone();
    Routes(
        RoutesProps::builder()
            .fallback(move || not_found.run())
            .children(RouteChildren::to_children(move || StaticVec::from(defs)))
            .build(),
    )
}

/// The view of one page of the table.
#[derive(Clone, Copy)]
pub(crate) struct PageView {
    pub(crate) pages: &'static Pages,
    pub(crate) index: usize,
}

impl ChooseView for PageView {
    async fn choose(self) -> AnyView {
        match &self.pages.entries[self.index].kind {
            PageKind::Static(view) => view.run(),
            PageKind::Props(_) => self.props_view().await,
        }
    }

    async fn preload(&self) {}
}

impl PageView {
    /// A page with a loader: its first view, then a fresh props request each
    /// time its own URL changes while it stays on screen.
    ///
    /// Leptos does not call `choose()` again when the URL changes but the
    /// route does not (`/blog/a` → `/blog/b`, `?page=2`), so the page view
    /// itself follows the route's URL. A `Suspend` keeps the old DOM until
    /// the new props have arrived; a `#hash` change loads nothing. Server and
    /// browser build the same structure, so hydration matches.
    async fn props_view(self) -> AnyView {
        // The URL this view is chosen for, read before waiting: the route's
        // URL may move on (a query change) while the first props load.
        let url = use_url();
        let key = Memo::new(move |_| url.with(|u| PageKey::of(u.path(), u.search())));
        let refresh = crate::navigation::Signals::get().refresh;
        let first_key = key.get_untracked();
        let first = self.first_view().await;
        let first = Arc::new(Mutex::new(Some(first)));
        (move || {
            let key = key.get();
            // `use_refresh()` re-runs the loader of the page on screen.
            refresh.track();
            let first = first
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .filter(|_| key == first_key);
            Suspend::new(async move {
                match first {
                    Some(view) => view,
                    None => self.navigated_view(key).await,
                }
            })
        })
        .into_any()
    }

    /// The view for the URL the page was chosen for.
    async fn first_view(self) -> AnyView {
        #[cfg(feature = "ssr")]
        if let Some(render) = use_context::<crate::ssr::render::RenderState>() {
            return render.take_view(self);
        }
        #[cfg(feature = "hydrate")]
        {
            crate::client::first_view(self).await
        }
        #[cfg(not(feature = "hydrate"))]
        {
            // Outside a kit render on the server (route-list generation): nothing to show.
            ().into_any()
        }
    }

    /// The view after the page's own URL changed: only ever in the browser.
    #[cfg_attr(not(feature = "hydrate"), allow(clippy::unused_async))]
    async fn navigated_view(self, key: PageKey) -> AnyView {
        #[cfg(feature = "hydrate")]
        {
            send_wrapper::SendWrapper::new(crate::client::fetched_view(self, key.0)).await
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = key;
            ().into_any()
        }
    }
}

/// What identifies a page's props: its path and query (never the hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PageKey(pub(crate) String);

impl PageKey {
    fn of(path: &str, search: &str) -> Self {
        if search.is_empty() {
            Self(path.to_owned())
        } else {
            Self(format!("{path}?{search}"))
        }
    }
}
