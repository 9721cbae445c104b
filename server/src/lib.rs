//! The reference app's server, as a library so tests can drive it without a
//! socket (`tower::ServiceExt::oneshot`).

#![forbid(unsafe_code)]
#![recursion_limit = "256"]

use app::state::AppState;
use axum::{handler::HandlerWithoutStateExt, Router};
use leptos::config::LeptosOptions;
use server_props::{cache::CacheConfig, ServerProps, ServerPropsRouter};
use tower_http::services::ServeDir;

/// The kit configured for the reference app.
pub fn server_props(options: LeptosOptions) -> server_props::ServerPropsBuilder {
    ServerProps::builder(&app::PAGES, options, app::shell)
}

/// The whole app: its pages, their props endpoint, the static files of the
/// site root (`/pkg/…`), and the 404 page for everything else, behind the
/// kit's shared cache (`CacheConfig::disabled()` turns it off).
pub fn router(
    props: &ServerProps,
    site_root: &str,
    state: AppState,
    cache: &CacheConfig,
) -> Router {
    let not_found = {
        let props = props.clone();
        move |request| props.clone().not_found(request)
    };
    let files = ServeDir::new(site_root)
        .call_fallback_on_method_not_allowed(true)
        .fallback(not_found.into_service());
    Router::new()
        .server_props(props)
        .fallback_service(files)
        .layer(props.cache_layer(cache))
        .with_state(state)
}
