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
    ChooseView, NestedRoute,
};

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
    async fn props_view(self) -> AnyView {
        #[cfg(feature = "ssr")]
        if let Some(render) = use_context::<crate::ssr::render::RenderState>() {
            return render.take_view(self);
        }
        #[cfg(feature = "hydrate")]
        {
            crate::client::props_view(self).await
        }
        #[cfg(not(feature = "hydrate"))]
        {
            // Outside a kit render on the server (route-list generation): nothing to show.
            ().into_any()
        }
    }
}
