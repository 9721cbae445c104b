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
//!
//! Which of the two happens is not decided here: each side provides its
//! [`PropsSource`] through Leptos context (the server's render state, the
//! browser's fetcher), as leptos_router's `LocationProvider` is
//! `RequestUrl` on the server and `BrowserUrl` in the browser. This module
//! names neither side.

use crate::Erase;
use crate::{
    navigation::ActionJson,
    page::{ActionData, Layout},
    pages::{PageKind, Pages},
};
use leptos::{children::ToChildren, prelude::*, tachys::view::iterators::StaticVec};
use leptos_router::{
    components::{RouteChildren, Routes, RoutesProps},
    hooks::use_url,
    ChooseView, NestedRoute,
};
use std::{
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex},
};

/// A page view on its way.
pub(crate) type ViewFuture = Pin<Box<dyn Future<Output = AnyView> + Send>>;

/// Where a page's props come from: what each side provides through context.
pub(crate) trait PropsSource: Send + Sync + 'static {
    /// The view for the URL the page was chosen for.
    fn first_view(&self, view: PageView) -> ViewFuture;
    /// The view after the page's own URL changed to `url` (path and query),
    /// or after a refresh (`reload`: not from any cache).
    fn navigated_view(&self, view: PageView, url: String, reload: bool) -> ViewFuture;
    /// The layout loader's data, as JSON.
    fn layout_json(&self) -> ArcSignal<Option<Arc<str>>>;
    /// What a page's action said of a refused submission: set by the
    /// answer the page on screen was rendered from, `None` after any other.
    fn action_json(&self) -> ArcSignal<Option<ActionJson>>;
    /// The name of the page's chunk in a split browser build, which a
    /// server-rendered document preloads (`assets::HydrationScripts`).
    fn document_chunk(&self) -> Option<&'static str> {
        None
    }
}

/// The props source of this render or this browser tab.
#[derive(Clone)]
pub(crate) struct Source(pub(crate) Arc<dyn PropsSource>);

/// The app's layout data ([`Layout`]), as the layout loader last found it:
/// after the document loaded, and after every client navigation to a page
/// with a loader (it travels in the same props answer). `None` when the app
/// has no layout loader, or its data does not fit `L::Data`.
///
/// A reference-counted signal, not one owned by the component that asks:
/// a page re-rendering after a submission never reads a disposed one.
///
/// ```
/// use leptos::prelude::*;
/// use server_props::{use_layout_data, Layout};
///
/// #[derive(Clone, serde::Serialize, serde::Deserialize)]
/// pub struct Session { pub user: Option<String> }
/// pub struct AppLayout;
/// impl Layout for AppLayout { type Data = Session; }
///
/// #[component]
/// fn SignedIn() -> impl IntoView {
///     let session = use_layout_data::<AppLayout>();
///     move || match session.get().and_then(|s| s.user) {
///         Some(name) => format!("Signed in as {name}"),
///         None => "Not signed in".to_owned(),
///     }
/// }
/// ```
pub fn use_layout_data<L: Layout>() -> ArcSignal<Option<L::Data>> {
    let json = use_context::<Source>().map(|source| source.0.layout_json());
    ArcSignal::derive(move || {
        json.as_ref().and_then(|json| {
            json.with(|json| {
                json.as_deref()
                    .and_then(|json| serde_json::from_str::<L::Data>(json).ok())
            })
        })
    })
}

/// What the action of page `P` said of the submission it refused (`422`):
/// its errors and the values submitted, beside the props the page's loader
/// made in the same request. `None` on a page shown any other way (a
/// navigation, a submission that went through); the document of a refused
/// submission without JavaScript carries it too, so the page shows the
/// same with and without it. React Router's `useActionData`.
///
/// ```
/// use leptos::prelude::*;
/// use serde::{Deserialize, Serialize};
/// use server_props::{use_action_data, ActionData, Page};
///
/// #[derive(Clone, Serialize, Deserialize)]
/// pub struct SignFailure { pub error: String, pub message: String }
///
/// pub struct Guestbook;
/// impl Page for Guestbook {
///     type Props = Vec<String>;
///     fn view(entries: Vec<String>) -> impl IntoView {
///         let failed = use_action_data::<Guestbook>();
///         let message = failed.clone();
///         view! {
///             <textarea name="message">{move || message.get().map(|f| f.message)}</textarea>
///             {move || failed.get().map(|f| view! { <p role="alert">{f.error}</p> })}
///             <ul>{entries.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
///         }
///     }
/// }
/// impl ActionData for Guestbook {
///     type Data = SignFailure;
/// }
/// ```
pub fn use_action_data<P: ActionData>() -> ArcSignal<Option<P::Data>> {
    let data = use_context::<Source>().map(|source| source.0.action_json());
    // The page table names each page by its type's name: another page's
    // data is never this page's, whatever its JSON would decode to.
    let page = std::any::type_name::<P>();
    ArcSignal::derive(move || {
        data.as_ref().and_then(|data| {
            data.with(|data| {
                data.as_ref()
                    .filter(|data| data.page.is_none_or(|p| p == page))
                    .and_then(|data| serde_json::from_str::<P::Data>(&data.json).ok())
            })
        })
    })
}

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
///     Pages::new().static_page("/", || view! { <h1>"Home"</h1> })
/// });
///
/// #[component]
/// fn App() -> impl IntoView {
///     view! { <Router><main><PageRoutes pages=&PAGES/></main></Router> }
/// }
/// ```
// `#[component]` adds a `pub` helper of its own that the lint sees as unreachable.
#[allow(unreachable_pub)]
#[component]
pub fn PageRoutes(
    /// The app's page table.
    pages: &'static Pages,
) -> impl IntoView {
    // Built here, not by a helper returning a named type: cargo-leptos's
    // debug builds erase the view type (`erase_components`). Built once per
    // table and cloned for each render: a `NestedRoute` makes a `HashSet`
    // of its methods, which costs a server render more than the clone.
    let defs = cached(&pages.routes, || {
        pages
            .order
            .iter()
            .map(|&index| {
                NestedRoute::new(
                    pages.entries[index].pattern.clone(),
                    PageView { pages, index },
                )
            })
            .collect::<Vec<_>>()
    });
    let not_found = pages.not_found.clone();
    Routes(
        RoutesProps::builder()
            .fallback(move || not_found.run())
            .children(RouteChildren::to_children(move || StaticVec::from(defs)))
            .build(),
    )
}

/// A clone of what `cell` holds, made by `make` the first time.
fn cached<T: Clone + Send + 'static>(
    cell: &Mutex<Option<Box<dyn std::any::Any + Send>>>,
    make: impl FnOnce() -> T,
) -> T {
    let mut cell = crate::sync::lock(cell);
    cell.get_or_insert_with(|| Box::new(make()))
        .downcast_ref::<T>()
        .expect("one route type per page table")
        .clone()
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
        let (refresh, revalidated) = crate::navigation::page_triggers();
        let seen_refresh = Arc::new(std::sync::atomic::AtomicU64::new(refresh.get_untracked()));
        let first_key = key.get_untracked();
        let source = use_context::<Source>();
        let first = match &source {
            Some(source) => source.0.first_view(self).await,
            // Outside a kit render (route-list generation): nothing to show.
            None => ().erase(),
        };
        let first = Arc::new(Mutex::new(Some(first)));
        (move || {
            let key = key.get();
            // `use_refresh()` re-runs the loader of the page on screen, past
            // any cache; a background revalidation that found new props
            // re-renders from the cache.
            let generation = refresh.get();
            revalidated.track();
            let reload =
                seen_refresh.swap(generation, std::sync::atomic::Ordering::Relaxed) != generation;
            let first = crate::sync::lock(&first)
                .take()
                .filter(|_| key == first_key);
            let source = source.clone();
            Suspend::new(async move {
                match (first, source) {
                    (Some(view), _) => view,
                    (None, Some(source)) => source.0.navigated_view(self, key.0, reload).await,
                    (None, None) => ().erase(),
                }
            })
        })
        .erase()
    }
}

/// What identifies a page's props: its path and query (never the hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PageKey(pub(crate) String);

impl PageKey {
    fn of(path: &str, search: &str) -> Self {
        Self(crate::page_url::PageUrl::new(path, search).into_string())
    }
}
