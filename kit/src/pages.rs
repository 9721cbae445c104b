//! The page table: every page of the app, its path, and how to render it.
//!
//! One `Pages` value, built once (typically in a `static LazyLock`), is the
//! single source of truth for routing on both sides: the browser's Leptos
//! routes are generated from it ([`PageRoutes`](crate::PageRoutes)) and so
//! are the server's axum routes and props endpoint. Two pages on one path, or
//! a malformed path, panic when the table is built, with the paths in the
//! message, so the mistake shows on start-up and never at request time.

use crate::erase::SyncHydrate;
use crate::Erase;
use crate::{
    page::{NestedLayout, Page, PageError},
    path::{RoutePattern, Segment},
    side::server::{self as side, LoadedLayout, LoadedNestedLayout, LoadedPage, ServerPart},
};
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use std::any::Any;
use std::{fmt, sync::Arc};

/// A view function for the error page, given what went wrong.
pub(crate) type ErrorViewFn = Arc<dyn Fn(PageError) -> AnyView + Send + Sync>;

/// The app's pages, with its 404 and error pages.
///
/// ```
/// use leptos::prelude::*;
/// use server_props::Pages;
///
/// #[component]
/// fn Home() -> impl IntoView { view! { <h1>"Home"</h1> } }
///
/// let pages = Pages::new()
///     .static_page("/", Home)
///     .not_found(|| view! { <h1>"404"</h1> })
///     .error_page(|e| view! { <h1>{e.status}</h1> });
/// assert_eq!(pages.len(), 1);
/// ```
pub struct Pages {
    pub(crate) entries: Vec<PageEntry>,
    /// Indices of `entries`, most specific pattern first.
    pub(crate) order: Vec<usize>,
    pub(crate) not_found: ViewFn,
    pub(crate) error: ErrorViewFn,
    /// The app-level loader, if the app has one.
    pub(crate) layout: Option<LayoutEntry>,
    /// The layouts that own a part of the URL, in the order they were added.
    pub(crate) nested: Vec<NestedEntry>,
    /// The table as Leptos routes, built by the first `<PageRoutes>` and
    /// cloned by every later one (see `view::PageRoutes`). Behind a mutex:
    /// with erased view types (cargo-leptos's debug builds) a route is
    /// `Send` but not `Sync`.
    pub(crate) routes: std::sync::Mutex<Option<Box<dyn std::any::Any + Send>>>,
}

pub(crate) struct LayoutEntry {
    /// The layout type's name, for messages.
    #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
    pub(crate) name: &'static str,
    /// Its loader, in the server build.
    #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
    pub(crate) loader: ServerPart,
}

/// A layout that owns a part of the URL ([`NestedLayout`]), type-erased.
pub(crate) struct NestedEntry {
    /// The part of the URL it owns.
    pub(crate) prefix: RoutePattern,
    /// The layout type's name, for messages.
    pub(crate) name: &'static str,
    /// Renders the layout around a view, from its data as JSON (both
    /// builds: the server has the JSON the answer carries anyway).
    #[cfg_attr(not(any(feature = "ssr", feature = "hydrate")), allow(dead_code))]
    pub(crate) render_json: fn(&str, AnyView) -> Result<AnyView, serde_json::Error>,
    /// Its not-found view, if it has one.
    #[cfg_attr(not(any(feature = "ssr", feature = "hydrate")), allow(dead_code))]
    pub(crate) not_found: fn() -> Option<AnyView>,
    /// Its error view, if it has one.
    #[cfg_attr(not(any(feature = "ssr", feature = "hydrate")), allow(dead_code))]
    pub(crate) error: fn(&PageError) -> Option<AnyView>,
    /// Its loader, in the server build.
    #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
    pub(crate) loader: ServerPart,
}

impl NestedEntry {
    fn new<L: LoadedNestedLayout>(prefix: RoutePattern) -> Self {
        fn render_json<L: NestedLayout>(
            json: &str,
            outlet: AnyView,
        ) -> Result<AnyView, serde_json::Error> {
            let data: L::Data = serde_json::from_str(json)?;
            Ok(L::view(data, outlet).erase())
        }
        Self {
            prefix,
            name: std::any::type_name::<L>(),
            render_json: render_json::<L>,
            not_found: L::not_found,
            error: L::error,
            loader: side::nested_layout_part::<L>(),
        }
    }

    /// Whether a page at `page` sits under this layout: its path starts
    /// with the layout's prefix, segment by segment. A param at the same
    /// place under another name is a mistake, which the error names.
    fn holds(&self, page: &RoutePattern) -> Result<bool, String> {
        let (prefix, path) = (self.prefix.segments(), page.segments());
        if prefix.len() > path.len() {
            return Ok(false);
        }
        for (own, theirs) in prefix.iter().zip(path) {
            match (own, theirs) {
                (Segment::Static(a), Segment::Static(b)) if a == b => {}
                (Segment::Param(a), Segment::Param(b)) if a == b => {}
                (Segment::Param(a), Segment::Param(b)) => {
                    return Err(format!(
                        "the layout `{}` at `{}` calls the param `{a}` that the page's path `{page}` calls `{b}`: \
                         give them one name",
                        self.name, self.prefix
                    ))
                }
                _ => return Ok(false),
            }
        }
        Ok(true)
    }
}

impl NestedEntry {
    /// Whether a page at `page` (which this layout does not hold) could
    /// still match a URL under the prefix: a param or a catch-all where
    /// the prefix has a fixed segment (`/:section/x`, `/*rest`).
    fn overlaps(&self, page: &RoutePattern) -> bool {
        let path = page.segments();
        for (i, own) in self.prefix.segments().iter().enumerate() {
            match (own, path.get(i)) {
                (_, None) => return false,
                (_, Some(Segment::CatchAll(_))) => return true,
                (Segment::Static(a), Some(Segment::Static(b))) if a != b => return false,
                _ => {}
            }
        }
        true
    }
}

/// What a page shows inside its layouts ([`Pages::framed`]).
#[cfg_attr(not(any(feature = "ssr", feature = "hydrate")), allow(dead_code))]
pub(crate) enum Content {
    /// The page's own view.
    Page(AnyView),
    /// "Not found": the nearest layout's not-found view, or the 404 page.
    NotFound,
    /// A failure: the nearest layout's error view, or the error page.
    Error(PageError),
}

pub(crate) struct PageEntry {
    pub(crate) pattern: RoutePattern,
    /// The page type's name, for messages.
    pub(crate) name: &'static str,
    pub(crate) kind: PageKind,
    /// The nested layouts it renders inside (indices of `Pages::nested`),
    /// the outermost first.
    pub(crate) layouts: Vec<usize>,
}

impl PageEntry {
    /// The name of the page's chunk in a split browser build.
    #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
    pub(crate) fn chunk(&self) -> Option<&'static str> {
        match &self.kind {
            PageKind::Props(page) => page.chunk,
            PageKind::Static(_) => None,
        }
    }
}

// One per page of a table built once: its size costs nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum PageKind {
    /// A page without a loader.
    Static(ViewFn),
    /// A page with a loader.
    #[cfg_attr(not(any(feature = "ssr", feature = "hydrate")), allow(dead_code))]
    Props(PropsPage),
}

/// The type-erased functions of one `Page` type.
pub(crate) struct PropsPage {
    /// Renders from the typed props a loader returned (server only: in the
    /// browser build the pointer alone would link its code for every page).
    #[cfg(feature = "ssr")]
    pub(crate) render: fn(Box<dyn Any + Send>) -> AnyView,
    /// Renders from props JSON (the browser; the server for streamed
    /// props): in the main module, or in a chunk of its own.
    #[cfg_attr(not(any(feature = "ssr", feature = "hydrate")), allow(dead_code))]
    pub(crate) code: crate::chunk::PageCode,
    /// The name of its chunk in a split browser build, for the server to
    /// name the chunk's files in the page's documents.
    pub(crate) chunk: Option<&'static str>,
    /// How a client navigation to the page waits (browser).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(crate) navigation: crate::page::Navigation,
    /// The page's pending view from the route params (browser).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(crate) pending: fn(&crate::params::DecodedParams) -> Option<AnyView>,
    /// Its loader, in the server build.
    #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
    pub(crate) loader: ServerPart,
    /// Where its loader runs (`#[page(…, runtime = edge)]`): the edge
    /// build refuses a table with a page not marked for it.
    #[cfg_attr(not(feature = "worker"), allow(dead_code))]
    pub(crate) runtime: crate::page::PageRuntime,
}

impl PropsPage {
    fn new<P: LoadedPage>() -> Self {
        #[cfg(feature = "ssr")]
        fn render<P: Page>(props: Box<dyn Any + Send>) -> AnyView {
            match props.downcast::<P::Props>() {
                Ok(props) => P::view(*props).erase(),
                // Unreachable by construction: the loader and the view are the same `P`.
                Err(_) => panic!(
                    "props of the wrong type for page {}",
                    std::any::type_name::<P>()
                ),
            }
        }
        Self {
            #[cfg(feature = "ssr")]
            render: render::<P>,
            code: P::__code(),
            chunk: P::__CHUNK,
            navigation: P::NAVIGATION,
            pending: P::pending,
            loader: side::page_part::<P>(),
            runtime: P::RUNTIME,
        }
    }
}

impl Default for Pages {
    fn default() -> Self {
        Self::new()
    }
}

impl Pages {
    /// An empty table, with plain built-in 404 and error pages.
    #[must_use]
    pub fn new() -> Self {
        Self {
            entries: Vec::new(),
            order: Vec::new(),
            not_found: ViewFn::from(|| SyncHydrate(default_not_found())),
            error: Arc::new(|e: PageError| default_error(e).erase()),
            layout: None,
            nested: Vec::new(),
            routes: std::sync::Mutex::new(None),
        }
    }

    /// Adds a page with a server-side loader at its paths
    /// ([`Page::PATHS`], which `#[page("/blog/:post")]` sets).
    ///
    /// With the `ssr` feature, `P` must also implement
    /// [`Loader`](crate::Loader) for the same props; without it (the browser
    /// build) only [`Page`] is needed, so the loader never reaches the client.
    ///
    /// # Panics
    /// When `P` has no paths, on a malformed path, a path that matches
    /// exactly the URLs of a page already in the table, or a loader whose
    /// params type does not fit the path (naming the page, the path and the
    /// field).
    #[track_caller]
    #[must_use]
    pub fn page<P: LoadedPage>(mut self) -> Self {
        for path in paths_of::<P>() {
            self = self.page_at::<P>(path);
        }
        self
    }

    /// Adds a page with a server-side loader at `path` (`/blog/:post`,
    /// `/docs/*rest`), whatever its own [`Page::PATHS`] say.
    ///
    /// # Panics
    /// Like [`Pages::page`].
    #[track_caller]
    #[must_use]
    pub fn page_at<P: LoadedPage>(self, path: &'static str) -> Self {
        let name = std::any::type_name::<P>();
        let page = PropsPage::new::<P>();
        let pages = self.push(path, name, PageKind::Props(page));
        let entry = pages.entries.last().expect("just pushed");
        if let PageKind::Props(page) = &entry.kind {
            if let Err(e) = side::check_page(&page.loader, &entry.pattern) {
                panic!("server_props::Pages: page `{name}`: {e}");
            }
        }
        pages
    }

    /// Sets the app's layout data ([`Layout`](crate::Layout)): its loader runs beside every
    /// page's, on every document and props request.
    ///
    /// # Panics
    /// When the layout's loader declares route params: a layout serves
    /// every path, so it reads none (`type Params = serde::de::IgnoredAny`).
    #[track_caller]
    #[must_use]
    pub fn layout<L: LoadedLayout>(mut self) -> Self {
        let name = std::any::type_name::<L>();
        if let Some(prefix) = L::OWNS {
            panic!(
                "server_props::Pages: `{name}` owns `{prefix}` (`#[layout]`): add it with \
                 `nested_layout`; `layout` sets the app's layout, around every page"
            );
        }
        match side::layout_part::<L>(name) {
            Ok(loader) => self.layout = Some(LayoutEntry { name, loader }),
            Err(e) => panic!("server_props::Pages: {e}"),
        }
        self
    }

    /// Adds a layout that owns a part of the URL ([`NestedLayout`]): every
    /// page under its prefix renders inside its view, and its loader runs
    /// for each of them (before their actions).
    ///
    /// # Panics
    /// On a malformed prefix or one with a catch-all, a second layout at the
    /// same prefix, a loader whose params do not fit the prefix, a page
    /// under it without a loader (a page under a layout needs its data), or
    /// a param the layout and a page under it name differently.
    #[track_caller]
    #[must_use]
    pub fn nested_layout<L: LoadedNestedLayout>(mut self) -> Self {
        let name = std::any::type_name::<L>();
        let prefix = RoutePattern::parse(L::PREFIX)
            .unwrap_or_else(|e| panic!("server_props::Pages: layout `{name}`: {e}"));
        if prefix
            .segments()
            .iter()
            .any(|s| matches!(s, Segment::CatchAll(_)))
        {
            panic!("server_props::Pages: layout `{name}`: its prefix `{prefix}` has a catch-all");
        }
        if let Some(other) = self
            .nested
            .iter()
            .find(|l| l.prefix.shape() == prefix.shape())
        {
            panic!(
                "server_props::Pages: layouts `{name}` and `{}` both own `{prefix}`",
                other.name
            );
        }
        let entry = NestedEntry::new::<L>(prefix);
        if let Err(e) = side::check_page(&entry.loader, &entry.prefix) {
            panic!("server_props::Pages: layout `{name}`: {e}");
        }
        self.nested.push(entry);
        self.link_layouts();
        self
    }

    /// Gives every page the nested layouts it sits under, outermost first.
    #[track_caller]
    fn link_layouts(&mut self) {
        for page in &mut self.entries {
            let mut chain = Vec::new();
            for (i, layout) in self.nested.iter().enumerate() {
                match layout.holds(&page.pattern) {
                    Ok(true) => chain.push(i),
                    Ok(false) if layout.overlaps(&page.pattern) => panic!(
                        "server_props::Pages: the page `{}` at `{}` could serve URLs under `{}`, \
                         which the layout `{}` owns, without the layout's loader running (its \
                         guard would not hold there): give the page a path outside the prefix, \
                         or one under it",
                        page.name, page.pattern, layout.prefix, layout.name
                    ),
                    Ok(false) => {}
                    Err(e) => panic!("server_props::Pages: page `{}`: {e}", page.name),
                }
            }
            chain.sort_by_key(|&i| self.nested[i].prefix.segments().len());
            if let (Some(&i), PageKind::Static(_)) = (chain.first(), &page.kind) {
                panic!(
                    "server_props::Pages: the page at `{}` sits under the layout `{}` (`{}`) but has \
                     no loader: a page under a layout needs the layout's data, so give it one \
                     (`#[page]` with a loader returning `()`)",
                    page.pattern, self.nested[i].name, self.nested[i].prefix
                );
            }
            page.layouts = chain;
        }
    }

    /// The first nested layout no page sits under, with its prefix: a
    /// prefix that names no page is a mistake (a typo), which start-up
    /// refuses.
    #[cfg(feature = "ssr")]
    pub(crate) fn unused_layout(&self) -> Option<(&'static str, &'static str)> {
        self.nested
            .iter()
            .enumerate()
            .find(|(i, _)| !self.entries.iter().any(|p| p.layouts.contains(i)))
            .map(|(_, l)| (l.name, l.prefix.as_str()))
    }

    /// The view of the page at `index` inside its nested layouts, given
    /// their data as JSON by prefix (`layouts`, as an answer carries it):
    /// the page itself inside all of them; "not found" and a failure as
    /// the nearest layout's not-found or error view inside that layout and
    /// the ones around it, or the app's 404 or error page when no layout
    /// has one. Only the layouts whose data is there frame it (a layout's
    /// loader that exited has none). Both builds render every answer
    /// through it, so hydration matches.
    #[cfg_attr(not(any(feature = "ssr", feature = "hydrate")), allow(dead_code))]
    pub(crate) fn framed(
        &self,
        index: usize,
        layouts: &[(&str, &str)],
        content: Content,
    ) -> AnyView {
        let present: Vec<(&NestedEntry, &str)> = self.entries[index]
            .layouts
            .iter()
            .map(|&i| &self.nested[i])
            .map_while(|l| {
                layouts
                    .iter()
                    .find(|(prefix, _)| *prefix == l.prefix.as_str())
                    .map(|(_, json)| (l, *json))
            })
            .collect();
        let boundary = |view: fn(&NestedEntry) -> Option<AnyView>| {
            present
                .iter()
                .enumerate()
                .rev()
                .find_map(|(k, (l, _))| view(l).map(|v| (v, k + 1)))
        };
        let (mut view, depth) = match content {
            Content::Page(view) => (view, present.len()),
            Content::NotFound => {
                boundary(|l| (l.not_found)()).unwrap_or_else(|| (self.not_found.run(), 0))
            }
            Content::Error(error) => {
                let own = present
                    .iter()
                    .enumerate()
                    .rev()
                    .find_map(|(k, (l, _))| (l.error)(&error).map(|v| (v, k + 1)));
                match own {
                    Some((view, depth)) => match &error.dev {
                        // Development mode: the overlay beside the layout's view.
                        Some(dev) => {
                            let overlay = crate::overlay::html(dev, error.status);
                            (
                                view! { {view} <div inner_html=overlay></div> }.erase(),
                                depth,
                            )
                        }
                        None => (view, depth),
                    },
                    None => (self.render_error(error), 0),
                }
            }
        };
        for (layout, json) in present[..depth].iter().rev() {
            view =
                match (layout.render_json)(json, view) {
                    Ok(view) => view,
                    Err(e) => {
                        return self.render_error(PageError::new(500).with_detail(Some(format!(
                            "the data of layout `{}`: {e}",
                            layout.name
                        ))))
                    }
                };
        }
        view
    }

    /// Adds a page without a loader at `path`: its view needs no props, and
    /// client navigation to it makes no request.
    ///
    /// # Panics
    /// Like [`Pages::page`].
    #[track_caller]
    #[must_use]
    pub fn static_page<F, V>(self, path: &'static str, view: F) -> Self
    where
        F: Fn() -> V + Send + Sync + 'static,
        V: IntoView + 'static,
    {
        self.push(
            path,
            std::any::type_name::<F>(),
            PageKind::Static(ViewFn::from(move || SyncHydrate(view()))),
        )
    }

    /// The old name of [`Pages::static_page`].
    #[deprecated(note = "renamed to `static_page`")]
    #[doc(hidden)]
    #[track_caller]
    #[must_use]
    pub fn route<F, V>(self, path: &'static str, view: F) -> Self
    where
        F: Fn() -> V + Send + Sync + 'static,
        V: IntoView + 'static,
    {
        self.static_page(path, view)
    }

    /// The page shown for unknown URLs and loaders that return "not found".
    #[must_use]
    pub fn not_found<F, V>(mut self, view: F) -> Self
    where
        F: Fn() -> V + Send + Sync + 'static,
        V: IntoView + 'static,
    {
        self.not_found = ViewFn::from(move || SyncHydrate(view()));
        self
    }

    /// The page shown when a loader fails (500) or rejects its input (4xx).
    #[must_use]
    pub fn error_page<F, V>(mut self, view: F) -> Self
    where
        F: Fn(PageError) -> V + Send + Sync + 'static,
        V: IntoView + 'static,
    {
        self.error = Arc::new(move |e| view(e).erase());
        self
    }

    /// How many pages the table holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table holds no pages.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The route patterns, in the order they were added.
    pub fn paths(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.entries.iter().map(|e| e.pattern.as_str())
    }

    #[track_caller]
    fn push(mut self, path: &'static str, name: &'static str, kind: PageKind) -> Self {
        let pattern =
            RoutePattern::parse(path).unwrap_or_else(|e| panic!("server_props::Pages: {e}"));
        if let Some(other) = self
            .entries
            .iter()
            .find(|e| e.pattern.shape() == pattern.shape())
        {
            panic!(
                "server_props::Pages: `{path}` ({name}) and `{}` ({}) match the same URLs; \
                 a path can belong to one page only",
                other.pattern, other.name
            );
        }
        self.entries.push(PageEntry {
            pattern,
            name,
            kind,
            layouts: Vec::new(),
        });
        self.link_layouts();
        // `order` stays sorted, most specific first, ties in the order pages
        // were added: the new page goes after every page as specific as it.
        let new = self.entries.len() - 1;
        let specificity = self.entries[new].pattern.specificity();
        let at = self
            .order
            .partition_point(|&i| self.entries[i].pattern.specificity() <= specificity);
        self.order.insert(at, new);
        self
    }

    /// The page the Leptos router chooses for `path` (most specific first,
    /// never one that would take an empty `:param`): the browser's view of
    /// [`Pages::resolve`], for a path no server has matched.
    #[cfg_attr(not(any(feature = "ssr", feature = "hydrate")), allow(dead_code))]
    pub(crate) fn page_for(&self, path: &str) -> Option<usize> {
        use leptos_router::PossibleRouteMatch;
        self.order.iter().copied().find(|&i| {
            let pattern = &self.entries[i].pattern;
            pattern
                .test(path)
                .is_some_and(|m| m.remaining().is_empty() || m.remaining() == "/")
                && !pattern.has_empty_param(path)
        })
    }

    /// The page that serves `path`, given the page axum's router matched:
    /// that one, unless it would take an empty `:param` (`/a//b`), which the
    /// Leptos router never matches; then the first page (most specific
    /// first) that Leptos would choose, or none. Both sides so pick the same
    /// page for every path.
    #[cfg(feature = "ssr")]
    pub(crate) fn resolve(&self, matched: usize, path: &str) -> Option<usize> {
        if !self.entries[matched].pattern.has_empty_param(path) {
            return Some(matched);
        }
        self.page_for(path)
    }

    #[cfg_attr(not(any(feature = "ssr", feature = "hydrate")), allow(dead_code))]
    pub(crate) fn render_error(&self, error: PageError) -> AnyView {
        match error.dev.clone() {
            // Development mode: the overlay over the app's error page.
            Some(dev) => {
                let status = error.status;
                let page = (self.error)(error);
                let overlay = crate::overlay::html(&dev, status);
                view! { {page} <div inner_html=overlay></div> }.erase()
            }
            None => (self.error)(error),
        }
    }
}

impl fmt::Debug for Pages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|e| (e.pattern.as_str(), e.name)))
            .finish()
    }
}

/// The paths `#[page("…")]` gave `P`.
///
/// # Panics
/// When it gave none.
#[track_caller]
fn paths_of<P: Page>() -> &'static [&'static str] {
    assert!(
        !P::PATHS.is_empty(),
        "server_props::Pages: `{}` names no path: give it one with `#[page(\"/…\")]`, or add it with `page_at`",
        std::any::type_name::<P>()
    );
    P::PATHS
}

fn default_not_found() -> impl IntoView {
    view! {
        <h1>"404"</h1>
        <p>"This page could not be found."</p>
    }
}

fn default_error(e: PageError) -> impl IntoView {
    view! {
        <h1>{e.status}</h1>
        <p>"Internal Server Error."</p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> impl IntoView {
        view! { <p>"x"</p> }
    }

    #[test]
    #[should_panic(expected = "`/blog/:slug` (")]
    fn two_pages_on_one_path_panic_at_build_time() {
        let _ = Pages::new()
            .static_page("/blog/:post", page)
            .static_page("/blog/:slug", page);
    }

    #[test]
    #[should_panic(expected = "must start with `/`")]
    fn malformed_path_panics_with_the_path() {
        let _ = Pages::new().static_page("blog", page);
    }

    #[test]
    #[allow(deprecated)]
    fn the_old_name_still_adds_a_page_without_a_loader() {
        let pages = Pages::new().route("/about", page);
        assert_eq!(pages.paths().collect::<Vec<_>>(), ["/about"]);
    }

    #[test]
    fn order_is_most_specific_first() {
        let pages = Pages::new()
            .static_page("/blog/:post", page)
            .static_page("/blog/new", page)
            .static_page("/*rest", page);
        let order: Vec<_> = pages
            .order
            .iter()
            .map(|&i| pages.entries[i].pattern.as_str())
            .collect();
        assert_eq!(order, ["/blog/new", "/blog/:post", "/*rest"]);
    }

    #[test]
    fn equally_specific_pages_keep_the_order_they_were_added_in() {
        let paths = [
            "/blog/:post",
            "/about",
            "/docs/:page",
            "/*rest",
            "/blog/new",
            "/a/:b",
        ];
        let pages = paths
            .iter()
            .fold(Pages::new(), |p, path| p.static_page(path, page));
        let order: Vec<_> = pages
            .order
            .iter()
            .map(|&i| pages.entries[i].pattern.as_str())
            .collect();
        // The same as a stable sort of the paths as added.
        let mut sorted = paths.map(|p| RoutePattern::parse(p).unwrap());
        sorted.sort_by_key(RoutePattern::specificity);
        let sorted: Vec<_> = sorted.iter().map(RoutePattern::as_str).collect();
        assert_eq!(order, sorted);
        assert_eq!(
            order,
            [
                "/blog/new",
                "/blog/:post",
                "/docs/:page",
                "/a/:b",
                "/about",
                "/*rest"
            ]
        );
    }
}
