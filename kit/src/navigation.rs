//! The navigation state apps can read, and the `refresh` action.
//!
//! A loader page's props arrive some time after a link is clicked; apps show
//! that with [`use_navigation`] (a progress bar, a dimmed page). On the
//! server, and in the browser between navigations, it is
//! [`NavigationState::Idle`]. [`use_refresh`] re-runs the current page's
//! loader in place, like Next.js's `router.replace(router.asPath)`.

use leptos::prelude::*;
use std::sync::{Arc, LazyLock};

/// Whether a client navigation is waiting for props.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum NavigationState {
    /// Nothing is loading.
    #[default]
    Idle,
    /// Props are being fetched for this page URL (path and query).
    Loading {
        /// The page URL being loaded.
        url: String,
    },
}

impl NavigationState {
    /// Whether props are being fetched.
    pub fn is_loading(&self) -> bool {
        matches!(self, Self::Loading { .. })
    }
}

/// The kit's navigation signals: one set per process (a browser tab runs one
/// wasm module; on the server they never change from their initial values).
/// Reference-counted signals, so no reactive owner (a render's, a page's)
/// can dispose of them.
#[derive(Clone)]
pub(crate) struct Signals {
    pub(crate) state: ArcRwSignal<NavigationState>,
    pub(crate) refresh: ArcRwSignal<u64>,
    /// The layout loader's data as the browser last received it (JSON).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(crate) layout: ArcRwSignal<Option<Arc<str>>>,
}

impl Signals {
    pub(crate) fn get() -> Self {
        static SIGNALS: LazyLock<Signals> = LazyLock::new(|| Signals {
            state: ArcRwSignal::new(NavigationState::Idle),
            refresh: ArcRwSignal::new(0),
            layout: ArcRwSignal::new(None),
        });
        SIGNALS.clone()
    }
}

/// The current navigation state: `Loading { url }` while a client navigation
/// waits for props, `Idle` otherwise (always `Idle` on the server).
pub fn use_navigation() -> Signal<NavigationState> {
    Signals::get().state.into()
}

/// A function that re-runs the current page's loader and re-renders the page
/// with the new props, keeping the URL, the history entry and the scroll
/// position. Does nothing on the server or on a page without a loader.
pub fn use_refresh() -> impl Fn() + Clone + Send + Sync + 'static {
    let refresh = Signals::get().refresh;
    move || refresh.update(|n| *n += 1)
}
