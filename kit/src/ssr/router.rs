//! Mounting the kit on an `axum::Router`.
//!
//! An extension trait, as leptos_axum's `LeptosRoutes` is, so the app keeps
//! building its router the axum way: `.layer()`, `.with_state()`,
//! `.fallback()` and its own routes all keep working.

use super::{builder::ServerProps, loader::WriteMethod};
use crate::{pages::PageKind, protocol::PROPS_PREFIX};
use axum::{
    extract::{Request, State},
    routing::{get, MethodRouter},
    Router,
};
use std::any::TypeId;

/// Adds an app's pages and its props endpoint to an axum router.
pub trait ServerPropsRouter<S> {
    /// Routes every page of the table (`GET` and `HEAD`, and for a page
    /// with a loader the methods it accepts, `POST` by default) and the
    /// props endpoint (`GET /_props/…`). Unknown URLs are left to the
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
    fn server_props(mut self, props: &ServerProps) -> Self {
        if let Some(layout) = &props.pages().layout {
            if !layout.loader.accepts_state(TypeId::of::<S>()) {
                panic!(
                    "server_props: the layout loader ({}) wants state `{}`, but the router's state is `{}`",
                    layout.name,
                    layout.loader.state_name,
                    std::any::type_name::<S>()
                );
            }
        }
        for (index, entry) in props.pages().entries.iter().enumerate() {
            if let PageKind::Props(page) = &entry.kind {
                if !page.loader.accepts_state(TypeId::of::<S>()) {
                    panic!(
                        "server_props: the loader of `{}` ({}) wants state `{}`, but the router's state is `{}`",
                        entry.pattern,
                        entry.name,
                        page.loader.state_name,
                        std::any::type_name::<S>()
                    );
                }
            }
            let props = props.clone();
            let handler = move |State(state): State<S>, request: Request| {
                let props = props.clone();
                async move { props.document(index, &state, request).await }
            };
            let mut route: MethodRouter<S> = get(handler.clone());
            if let PageKind::Props(page) = &entry.kind {
                for method in page.loader.methods {
                    let handler = handler.clone();
                    route = match method {
                        WriteMethod::Post => route.post(handler),
                        WriteMethod::Put => route.put(handler),
                        WriteMethod::Patch => route.patch(handler),
                        WriteMethod::Delete => route.delete(handler),
                    };
                }
            }
            self = self.route(&entry.pattern.axum_path(), route);
        }
        let props = props.clone();
        self.route(
            &format!("{PROPS_PREFIX}{{*props_path}}"),
            get(move |State(state): State<S>, request: Request| {
                let props = props.clone();
                async move { props.props(&state, request).await }
            }),
        )
    }
}
