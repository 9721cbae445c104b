//! The reference app's server, as a library so tests can drive it without a
//! socket (`tower::ServiceExt::oneshot`).

#![forbid(unsafe_code)]
#![recursion_limit = "256"]

use app::state::AppState;
use axum::{handler::HandlerWithoutStateExt, Router};
use leptos::config::LeptosOptions;
use server_props::{cache::CacheConfig, security::SecurityHeaders, ServerProps, ServerPropsRouter};
use tower_http::{limit::RequestBodyLimitLayer, services::ServeDir};

/// The kit configured for the reference app.
pub fn server_props(options: LeptosOptions) -> server_props::ServerPropsBuilder {
    ServerProps::builder(&app::PAGES, options, app::shell)
}

/// How the router around the kit is set up.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Where the static files are (`/pkg/…`, `/favicon.svg`); nothing
    /// outside it is served.
    pub site_root: String,
    /// The shared cache (`CacheConfig::disabled()` turns it off).
    pub cache: CacheConfig,
    /// Headers added to every response.
    pub security_headers: SecurityHeaders,
    /// The largest request body accepted (413 above it). The app's pages
    /// read no bodies, so this only bounds what a client can make the
    /// server receive.
    pub max_body_bytes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            site_root: "target/site".to_owned(),
            cache: CacheConfig::default(),
            security_headers: SecurityHeaders::default(),
            max_body_bytes: 1024 * 1024,
        }
    }
}

/// The whole app: its pages, their props endpoint, the static files of the
/// site root, and the 404 page for everything else, behind the kit's shared
/// cache, with the security headers on every response.
pub fn router(props: &ServerProps, state: AppState, settings: &Settings) -> Router {
    let not_found = {
        let props = props.clone();
        move |request| props.clone().not_found(request)
    };
    let files = ServeDir::new(&settings.site_root)
        .call_fallback_on_method_not_allowed(true)
        .fallback(not_found.into_service());
    Router::new()
        .server_props(props)
        .fallback_service(files)
        .layer(props.cache_layer(&settings.cache))
        .layer(RequestBodyLimitLayer::new(settings.max_body_bytes))
        .layer(settings.security_headers.clone())
        .with_state(state)
}
