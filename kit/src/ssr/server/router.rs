//! Mounting the kit on an `axum::Router`.
//!
//! An extension trait, as leptos_axum's `LeptosRoutes` is, so the app keeps
//! building its router the axum way: `.layer()`, `.with_state()`,
//! `.fallback()` and its own routes all keep working.

use crate::ssr::{loader::WriteMethod, server::builder::ServerProps};
use crate::{pages::PageKind, protocol::PROPS_PREFIX};
use axum::{
    extract::{Request, State},
    handler::Handler,
    routing::{get, MethodRouter},
    Router,
};
use std::any::TypeId;
#[cfg(feature = "server")]
use std::{any::Any, sync::Arc};

/// Adds an app's pages and its props endpoint to an axum router.
pub trait ServerPropsRouter<S> {
    /// Routes every page of the table (`GET` and `HEAD`, and for a page
    /// with a loader the methods it accepts, `POST` by default) and the
    /// props endpoint (`GET /_props/…`, and the same methods for `<Form>`
    /// submissions). Unknown URLs are left to the
    /// router's fallback: use [`ServerProps::not_found`] there.
    ///
    /// # Panics
    /// At start-up, when a page's (or the layout's) loader wants a state
    /// type other than the router's state `S` (or `()`), naming the page and
    /// both types.
    fn server_props(self, props: &ServerProps) -> Self;
}

impl<S> ServerPropsRouter<S> for Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    #[track_caller]
    fn server_props(self, props: &ServerProps) -> Self {
        if let Some(mismatch) = state_mismatch::<S>(props) {
            panic!("{mismatch}");
        }
        // axum clones a handler for each request and calls it by value, so
        // each moves its own copy of the kit's half into its future.
        let document = |index| {
            let props = props.clone();
            move |State(state): State<S>, request: Request| async move {
                props.document(Some(index), &state, request).await
            }
        };
        let answer = props.clone();
        let answer = move |State(state): State<S>, request: Request| async move {
            answer.props(&state, request).await
        };
        mount(self, props, document, answer)
    }
}

/// The kit's routes for a state already given, read erased (its type was
/// checked with [`state_mismatch`]): what `AppServer` mounts. Not generic,
/// so its handlers are compiled once, in the kit.
#[cfg(feature = "server")]
#[track_caller]
pub(crate) fn page_routes(props: &ServerProps, state: &Arc<dyn Any + Send + Sync>) -> Router {
    // As in `server_props`: each request's clone of a handler moves into
    // its future.
    let document = |index| {
        let props = props.clone();
        let state = state.clone();
        move |request: Request| async move { props.document(Some(index), &*state, request).await }
    };
    let answer = {
        let props = props.clone();
        let state = state.clone();
        move |request: Request| async move { props.props(&*state, request).await }
    };
    mount(Router::new(), props, document, answer)
}

/// Routes every page of the table to a handler made by `document` (with its
/// index in the table) and the props endpoint to `answer`.
#[track_caller]
fn mount<S, D, TD, A, TA>(
    mut router: Router<S>,
    props: &ServerProps,
    document: impl Fn(usize) -> D,
    answer: A,
) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    D: Handler<TD, S> + Clone,
    TD: 'static,
    A: Handler<TA, S> + Clone,
    TA: 'static,
{
    for (index, entry) in props.pages().entries.iter().enumerate() {
        let handler = document(index);
        let mut route: MethodRouter<S> = get(handler.clone());
        if let PageKind::Props(page) = &entry.kind {
            let mut added: Vec<WriteMethod> = Vec::new();
            for method in page.loader.methods {
                if added.contains(method) {
                    continue;
                }
                added.push(*method);
                let handler = handler.clone();
                route = match method {
                    WriteMethod::Post => route.post(handler),
                    WriteMethod::Put => route.put(handler),
                    WriteMethod::Patch => route.patch(handler),
                    WriteMethod::Delete => route.delete(handler),
                };
            }
        }
        router = router.route(&entry.pattern.axum_path(), route);
    }
    // Writes are `<Form>` submissions; the handler answers 405 for a
    // page that does not accept the method.
    router.route(
        &format!("{PROPS_PREFIX}{{*props_path}}"),
        get(answer.clone())
            .post(answer.clone())
            .put(answer.clone())
            .patch(answer.clone())
            .delete(answer),
    )
}

/// The first loader (the app's layout's, a nested layout's or a page's)
/// that wants a state other than `S` (or `()`), named with both types:
/// what mounting refuses.
pub(crate) fn state_mismatch<S: 'static>(props: &ServerProps) -> Option<String> {
    let router = std::any::type_name::<S>();
    if let Some(layout) = &props.pages().layout {
        if !layout.loader.accepts_state(TypeId::of::<S>()) {
            return Some(format!(
                "server_props: the layout loader ({}) wants state `{}`, but the router's state is `{router}`",
                layout.name, layout.loader.state_name,
            ));
        }
    }
    if let Some(nested) = props
        .pages()
        .nested
        .iter()
        .find(|nested| !nested.loader.accepts_state(TypeId::of::<S>()))
    {
        return Some(format!(
            "server_props: the loader of the layout at `{}` ({}) wants state `{}`, but the router's state is `{router}`",
            nested.prefix, nested.name, nested.loader.state_name,
        ));
    }
    props.pages().entries.iter().find_map(|entry| match &entry.kind {
        PageKind::Props(page) if !page.loader.accepts_state(TypeId::of::<S>()) => Some(format!(
            "server_props: the loader of `{}` ({}) wants state `{}`, but the router's state is `{router}`",
            entry.pattern, entry.name, page.loader.state_name,
        )),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use crate::{pages::Pages, path::RoutePattern, view::PageView};
    use leptos::prelude::*;
    use leptos_router::{MatchInterface, MatchNestedRoutes, MatchParams, NestedRoute};
    use proptest::prelude::*;

    /// A pattern of one to four segments: literals, params and a catch-all
    /// last. Param names carry the pattern's number, so the params of a
    /// match name the pattern that made it.
    fn pattern(number: usize) -> impl Strategy<Value = String> {
        let segment = prop_oneof![
            Just("a".to_owned()),
            Just("b".to_owned()),
            Just(":p".to_owned()),
        ];
        (
            proptest::collection::vec(segment, 0..4),
            proptest::option::of(Just(())),
        )
            .prop_map(move |(segments, catch_all)| {
                let mut out = String::new();
                for (i, s) in segments.iter().enumerate() {
                    out.push('/');
                    out.push_str(&s.replace(":p", &format!(":p{number}x{i}")));
                }
                if catch_all.is_some() {
                    out.push_str(&format!("/*rest{number}"));
                }
                if out.is_empty() {
                    out.push('/');
                }
                out
            })
    }

    fn patterns() -> impl Strategy<Value = Vec<String>> {
        (1..7usize).prop_flat_map(|n| (0..n).map(pattern).collect::<Vec<_>>())
    }

    fn path() -> impl Strategy<Value = String> {
        proptest::collection::vec(prop_oneof!["a", "b", "c", ""], 0..5).prop_map(|segments| {
            if segments.is_empty() {
                "/".to_owned()
            } else {
                segments.iter().map(|s| format!("/{s}")).collect()
            }
        })
    }

    /// Which pattern the Leptos routes the kit builds choose for `path`.
    fn leptos_choice(pages: &'static Pages, path: &str) -> Option<String> {
        // The same definitions `PageRoutes` builds.
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
        let defs = leptos::tachys::view::iterators::StaticVec::from(defs);
        let (found, remaining) = defs.match_nested(path);
        let (_, matched) = found?;
        if !(remaining.is_empty() || remaining == "/") {
            return None;
        }
        let names: Vec<String> = matched
            .to_params()
            .into_iter()
            .map(|(name, _)| name.to_string())
            .collect();
        let matched_path = matched.as_matched().to_owned();
        // The pattern whose params these are, or the all-literal one.
        pages
            .entries
            .iter()
            .map(|e| e.pattern.clone())
            .find(|p| {
                let own: Vec<&str> = p.param_names().collect();
                if names.is_empty() {
                    own.is_empty()
                        && (p.as_str() == matched_path || (p.as_str() == "/" && path == "/"))
                } else {
                    own == names
                }
            })
            .map(|p| p.as_str().to_owned())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// The server's matcher (axum's, for documents and props URLs) and
        /// the Leptos routes built from the same table choose the same page
        /// for every path, or both none.
        #[test]
        fn the_server_and_leptos_choose_the_same_page(
            patterns in patterns(),
            paths in proptest::collection::vec(path(), 1..12),
        ) {
            let mut pages = Pages::new();
            let mut matcher = matchit::Router::<usize>::new();
            let mut shapes = std::collections::HashSet::new();
            for p in &patterns {
                let source: &'static str = Box::leak(p.clone().into_boxed_str());
                let parsed = RoutePattern::parse(source).unwrap();
                if !shapes.insert(parsed.shape()) || matcher.insert(parsed.axum_path(), pages.len()).is_err() {
                    continue;
                }
                pages = pages.static_page(source, || view! { <p/> });
            }
            let pages: &'static Pages = Box::leak(Box::new(pages));
            for path in &paths {
                // What the kit serves: axum's match, unless its params do not
                // decode as a page's (an empty `:param` is a 404).
                let server = matcher
                    .at(path)
                    .ok()
                    .and_then(|m| pages.resolve(*m.value, path))
                    .map(|i| pages.entries[i].pattern.as_str().to_owned());
                let leptos = leptos_choice(pages, path);
                prop_assert_eq!(&server, &leptos, "path {} over {:?}", path, pages.paths().collect::<Vec<_>>());
            }
        }
    }
}
