//! One call to serve an app: everything a production server needs around
//! the kit, with every piece overridable.
//!
//! [`AppServer`] wires what each app would otherwise copy: the Leptos
//! configuration (cargo-leptos's environment, else the `Cargo.toml`
//! metadata in the working directory), the pages and their props endpoint,
//! the site root's static files (the wasm bundle among them; nothing outside
//! the root is served), the app's 404 page for everything else, the shared
//! cache, the body limit, the security headers, and [`serve`](crate::ssr::server::serve)
//! with graceful shutdown on SIGTERM and SIGINT (after a drain period, if
//! configured, during which the [health check](AppServer::health) fails).
//! Routes and layers of the app's own go in through [`AppServer::routes`]
//! and [`AppServer::layer`].
//!
//! ```no_run
//! use leptos::prelude::*;
//! use server_props::{app::AppServer, Pages};
//! # static PAGES: std::sync::LazyLock<Pages> = std::sync::LazyLock::new(Pages::new);
//! # fn shell(_: LeptosOptions) -> impl IntoView {}
//!
//! #[tokio::main]
//! async fn main() -> Result<(), server_props::app::AppError> {
//!     AppServer::new(&PAGES, shell).serve().await
//! }
//! ```
//!
//! For tests, [`AppServer::build`] returns the router without a socket.

use crate::pages::Pages;
use crate::ssr::{
    middleware::cache::CacheConfig,
    middleware::compression::Compression,
    middleware::security::SecurityHeaders,
    request::body::DEFAULT_MAX_BODY_BYTES,
    server::builder::{ServerProps, ServerPropsBuilder},
    server::router::{page_routes, state_mismatch},
    server::serve::{serve, ServeConfig},
};
use axum::{
    body::Body, extract::Request, handler::HandlerWithoutStateExt, response::IntoResponse, Router,
};
use cookie::Key;
use http::{header::CACHE_CONTROL, HeaderValue, StatusCode};
use leptos::{config::LeptosOptions, prelude::*};
use std::{any::Any, fmt, future::Future, pin::Pin, sync::Arc};
use tower::ServiceExt;
use tower_http::{body::Limited, limit::RequestBodyLimitLayer, services::ServeDir};

type Shell = Arc<dyn Fn(LeptosOptions) -> AnyView + Send + Sync>;
type Configure = Box<dyn FnOnce(ServerPropsBuilder) -> ServerPropsBuilder + Send>;
type Routes<S> = Box<dyn FnOnce(Router<S>) -> Router<S> + Send>;
type Layer = Box<dyn FnOnce(Router) -> Router + Send>;

/// An app's whole server, configured in one expression.
#[must_use]
pub struct AppServer<S = ()> {
    setup: Setup,
    state: S,
    routes: Vec<Routes<S>>,
}

/// All of an [`AppServer`] but its state and the routes that take it: the
/// part whose build does not need the state's type. [`Setup::prepare`] and
/// [`Prepared::finish`] build it outside the generic `build`, so the
/// server's layers, static files and connections are compiled once, in the
/// kit, not again in each app's binary (and at each rebuild of it during
/// development).
struct Setup {
    pages: &'static Pages,
    shell: Shell,
    options: Option<LeptosOptions>,
    configure: Vec<Configure>,
    cache: CacheConfig,
    compression: Compression,
    max_body_bytes: usize,
    security_headers: SecurityHeaders,
    serve: ServeConfig,
    layers: Vec<Layer>,
    health: Option<String>,
}

/// The app's state behind its type, as the kit's handlers read it
/// (`&dyn Any`, which each loader downcasts to the state it names).
type ErasedState = Arc<dyn Any + Send + Sync>;

impl<S> fmt::Debug for AppServer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let setup = &self.setup;
        f.debug_struct("AppServer")
            .field("pages", setup.pages)
            .field("options", &setup.options)
            .field("cache", &setup.cache)
            .field("compression", &setup.compression)
            .field("max_body_bytes", &setup.max_body_bytes)
            .field("security_headers", &setup.security_headers)
            .field("serve", &setup.serve)
            .field("health", &setup.health)
            .finish_non_exhaustive()
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// The Leptos configuration could not be read: neither cargo-leptos's
    /// environment nor a `Cargo.toml` with `[package.metadata.leptos]` or
    /// `[[workspace.metadata.leptos]]` in the working directory.
    #[error("the Leptos configuration could not be read: {0}")]
    Config(String),
    /// No cookie key for a production server: `SERVER_PROPS_COOKIE_SECRET`
    /// is unset or too short ([`COOKIE_SECRET_VAR`]).
    #[error("{0}")]
    CookieKey(String),
    /// The site address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// What [`AppServer::build`] makes: the router, the kit's server half (its
/// build id, for props URLs) and the Leptos options it used.
#[derive(Debug)]
pub struct BuiltApp {
    /// The whole app, ready for `serve` or `oneshot`.
    pub router: Router,
    /// The kit's server half.
    pub props: ServerProps,
    /// The configuration used.
    pub options: LeptosOptions,
}

impl AppServer<()> {
    /// The server for an app's page table and shell (the function that
    /// renders `<html>` around the app).
    pub fn new<F, V>(pages: &'static Pages, shell: F) -> Self
    where
        F: Fn(LeptosOptions) -> V + Send + Sync + 'static,
        V: IntoView + 'static,
    {
        Self {
            setup: Setup {
                pages,
                // Server only: `into_any()`, not `erase()`, whose saving is in the
                // wasm (and whose wrapper would nest the shell's type one level deeper).
                shell: Arc::new(move |o| shell(o).into_any()),
                options: None,
                configure: Vec::new(),
                cache: CacheConfig::default(),
                compression: Compression::default(),
                max_body_bytes: DEFAULT_MAX_BODY_BYTES,
                security_headers: SecurityHeaders::default(),
                serve: ServeConfig::default(),
                layers: Vec::new(),
                health: None,
            },
            state: (),
            routes: Vec::new(),
        }
    }
}

impl<S> AppServer<S>
where
    S: Clone + Send + Sync + 'static,
{
    /// The app's state (database pool, configuration), which loaders and
    /// the app's own routes read.
    ///
    /// # Panics
    /// When [`routes`](Self::routes) came first: those routes were written
    /// for another state type.
    #[track_caller]
    pub fn state<T>(self, state: T) -> AppServer<T>
    where
        T: Clone + Send + Sync + 'static,
    {
        assert!(
            self.routes.is_empty(),
            "server_props::AppServer: call state() before routes(), whose routes take the state"
        );
        AppServer {
            setup: self.setup,
            state,
            routes: Vec::new(),
        }
    }

    /// The Leptos options to use instead of reading them (tests do).
    pub fn options(mut self, options: LeptosOptions) -> Self {
        self.setup.options = Some(options);
        self
    }

    /// Configures the kit itself: cookie key, secure cookies, loader
    /// timeout, build id, security policy (see [`ServerPropsBuilder`]).
    pub fn props(
        mut self,
        configure: impl FnOnce(ServerPropsBuilder) -> ServerPropsBuilder + Send + 'static,
    ) -> Self {
        self.setup.configure.push(Box::new(configure));
        self
    }

    /// The shared cache (default on, 64 MiB; `CacheConfig::disabled()`).
    pub fn cache(mut self, cache: CacheConfig) -> Self {
        self.setup.cache = cache;
        self
    }

    /// How answers are compressed (default brotli or gzip, as the request
    /// accepts; [`Compression::disabled`] when a proxy in front does it).
    pub fn compression(mut self, compression: Compression) -> Self {
        self.setup.compression = compression;
        self
    }

    /// The largest request body accepted (default 1 MiB; 413 above it),
    /// for the whole router and for what a loader may read.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.setup.max_body_bytes = bytes;
        self
    }

    /// The headers added to every response (default
    /// [`SecurityHeaders::default`]; add HSTS for an HTTPS site).
    pub fn security_headers(mut self, headers: SecurityHeaders) -> Self {
        self.setup.security_headers = headers;
        self
    }

    /// The connection limits and timeouts of [`serve`], and its drain
    /// period ([`ServeConfig::drain`]).
    pub fn serve_config(mut self, config: ServeConfig) -> Self {
        self.setup.serve = config;
        self
    }

    /// A health check at `path` (`GET` and `HEAD`) for a balancer or an
    /// orchestrator's readiness probe: `200 ok` while the server serves,
    /// `503 draining` once shutdown has started (see [`ServeConfig::drain`]),
    /// both `Cache-Control: no-store` and with the build id in
    /// [`BUILD_HEADER`](crate::protocol::BUILD_HEADER) (a balancer routes
    /// each props request to an instance of the build its URL names). It answers outside the app's layers
    /// (no cache, compression or security headers, no loader). A check of
    /// the app's own (one that also asks a dependency) reads
    /// [`ServeConfig::draining`] instead.
    ///
    /// # Panics
    /// In [`build`](Self::build), as axum does, when `path` is a page's path
    /// or a route's of the app's own.
    pub fn health(mut self, path: impl Into<String>) -> Self {
        self.setup.health = Some(path.into());
        self
    }

    /// Adds the app's own routes (an API, a health check) beside the pages:
    /// `.routes(|r| r.route("/health", get(|| async { "ok" })))`.
    pub fn routes(mut self, routes: impl FnOnce(Router<S>) -> Router<S> + Send + 'static) -> Self {
        self.routes.push(Box::new(routes));
        self
    }

    /// Wraps the whole app (outside the cache and the security headers):
    /// `.layer(|r| r.layer(TraceLayer::new_for_http()))`. Several layers go
    /// best as one `tower::ServiceBuilder` in one `Router::layer` call: each
    /// call boxes every route, and every request's future, once more.
    pub fn layer(mut self, layer: impl FnOnce(Router) -> Router + Send + 'static) -> Self {
        self.setup.layers.push(Box::new(layer));
        self
    }

    /// Builds the router without a socket.
    ///
    /// # Errors
    /// When no Leptos configuration can be read.
    ///
    /// # Panics
    /// Like [`ServerPropsBuilder::build`] and
    /// [`ServerPropsRouter::server_props`](crate::ssr::server::router::ServerPropsRouter::server_props):
    /// on a page table that does not
    /// fit the router's state or axum's path syntax; and as axum does when
    /// a route added with [`routes`](Self::routes) overlaps a page's path.
    /// (A fallback set there is replaced by the static files and the 404
    /// page.)
    #[track_caller]
    pub fn build(self) -> Result<BuiltApp, AppError> {
        let prepared = self.setup.prepare()?;
        if let Some(mismatch) = state_mismatch::<S>(&prepared.props) {
            panic!("{mismatch}");
        }
        let state: ErasedState = Arc::new(self.state.clone());
        // The kit's routes are made without the state's type (they read it
        // erased), then given to the app's own routes as a `Router<S>`.
        let mut router: Router<S> = page_routes(&prepared.props, &state).with_state(());
        for routes in self.routes {
            router = routes(router);
        }
        Ok(prepared.finish(router.with_state(self.state), state))
    }

    /// Builds the app and serves it on the configured site address until
    /// SIGTERM or SIGINT, then drains for [`ServeConfig::drain`] (the
    /// [health check](Self::health) failing) and finishes the requests under
    /// way.
    ///
    /// # Errors
    /// When no configuration can be read or the address cannot be bound.
    pub async fn serve(self) -> Result<(), AppError> {
        let config = self.setup.serve.clone();
        let cache_on = self.setup.cache.is_enabled();
        serve_built(self.build()?, config, cache_on).await
    }
}

/// What [`Setup::prepare`] makes of the configuration: the Leptos options
/// and the kit's server half.
struct Prepared {
    setup: Setup,
    options: LeptosOptions,
    props: ServerProps,
}

impl Setup {
    /// The Leptos options and the kit's server half.
    #[track_caller]
    fn prepare(mut self) -> Result<Prepared, AppError> {
        let options = match self.options.take() {
            Some(options) => options,
            None => leptos_options()?,
        };
        let shell = self.shell.clone();
        // Under `cargo leptos watch` (which sets LEPTOS_WATCH): its
        // live-reload script, and the kit's live stream (`finish`).
        let mut builder = ServerProps::builder(self.pages, options.clone(), move |o| shell(o))
            .max_body_bytes(self.max_body_bytes)
            .live_reload(crate::assets::watched());
        for configure in std::mem::take(&mut self.configure) {
            builder = configure(builder);
        }
        if !builder.has_cookie_key() {
            // The public development key only where nothing is at stake: a
            // debug build in Leptos's `DEV` env (what `cargo leptos watch`
            // runs). A release build without a secret never starts.
            let development = cfg!(debug_assertions) && options.env == leptos::config::Env::DEV;
            let secret = std::env::var(COOKIE_SECRET_VAR).ok();
            builder = builder.cookie_key(cookie_key(secret.as_deref(), !development)?);
        }
        let props = builder.build();
        Ok(Prepared {
            setup: self,
            options,
            props,
        })
    }
}

impl Prepared {
    /// The rest of the app around its routes (the state given): the static
    /// files and the 404 page, the layers, the health check, the live stream
    /// and the app's own layers.
    #[track_caller]
    fn finish(self, router: Router, state: ErasedState) -> BuiltApp {
        let Prepared {
            setup,
            options,
            props,
        } = self;
        let not_found = {
            let props = props.clone();
            move |request: Request| props.clone().not_found_erased(state.clone(), request)
        };
        // `.br` and `.gz` siblings (`cargo leptos build --precompress`)
        // are served as they are to clients that accept them.
        let files = ServeDir::new(&*options.site_root)
            .precompressed_br()
            .precompressed_gzip()
            .call_fallback_on_method_not_allowed(true)
            // Boxed: unboxed, rustc cannot prove `ServeDir`'s future `Send`
            // outside a generic function (a higher-ranked lifetime error).
            // `ServeDir` clones its fallback for each request, so each
            // static file costs a boxed clone: small beside reading a file.
            .fallback(tower::util::BoxCloneSyncService::new(
                not_found.clone().into_service(),
            ));
        let site_root = options.site_root.to_string();
        let pkg = Arc::<str>::from(format!("/{}/", options.site_pkg_dir.trim_matches('/')));
        // The files named by their content (cargo-leptos's `hash-files`):
        // the glue, the wasm, the stylesheet and a split build's chunks.
        // Other `/pkg/` files
        // (wasm-bindgen's snippets) keep their names from build to build.
        let assets = options
            .hash_files
            .then(|| crate::assets::Assets::of(&options))
            .filter(|assets| assets.hashed);
        // A build split by page names its chunks by their content too. Its
        // glue is the exception: cargo-leptos hashes the glue before it
        // writes the split loader's hashed name into it, so two builds may
        // send different glue under one name, and the browser must ask
        // again (`no-cache`, below) rather than keep an older build's.
        let chunks = crate::assets::Assets::hashed_chunks(&options);
        let hashed: Arc<std::collections::HashSet<String>> = Arc::new(match assets {
            Some(a) => [a.wasm.clone(), a.css.clone()]
                .into_iter()
                .chain(chunks.is_empty().then(|| a.js.clone()))
                .chain(chunks.iter().cloned())
                .collect(),
            None => std::collections::HashSet::new(),
        });
        let static_files = move |request: Request| {
            let site_root = site_root.clone();
            let files = files.clone();
            let not_found = not_found.clone();
            let pkg = pkg.clone();
            let hashed = hashed.clone();
            async move {
                // The file system refuses such names (ENAMETOOLONG), which
                // ServeDir answers with a 500: no file has them, so a 404.
                if no_file_has(&site_root, request.uri().path()) {
                    return not_found(request).await;
                }
                let path = request.uri().path();
                let cache_control = if hashed.contains(path) {
                    // A new build names its files anew: kept for a year.
                    Some(IMMUTABLE)
                } else if path.starts_with(&*pkg) {
                    // The same name may hold another build's file.
                    Some("no-cache")
                } else {
                    None
                };
                let Ok(mut response) = files.oneshot(request).await;
                if let Some(cache_control) = cache_control.filter(|_| {
                    matches!(response.status(), StatusCode::OK | StatusCode::NOT_MODIFIED)
                }) {
                    response
                        .headers_mut()
                        .insert(CACHE_CONTROL, HeaderValue::from_static(cache_control));
                }
                response.map(Body::new)
            }
        };
        // One stack, outermost first, given to `Router::layer` once: axum
        // boxes each route's service, and each request's future, once per
        // `layer` call (and clones each boxed service per request), so four
        // calls cost three boxes, clones and moves of the request's future
        // per request more than one. Compression inside the cache: the
        // cache keeps compressed bytes. The body limit's request and
        // response bodies are turned back into axum's `Body`, as
        // `Router::layer` does between layers.
        let stack = tower::ServiceBuilder::new()
            .layer(setup.security_headers)
            .map_response(IntoResponse::into_response)
            .layer(RequestBodyLimitLayer::new(setup.max_body_bytes))
            .map_request(|request: Request<Limited<Body>>| request.map(Body::new))
            .layer(props.cache_layer(&setup.cache))
            .layer(setup.compression);
        let mut router = router.fallback(static_files).layer(stack);
        if let Some(path) = setup.health {
            let draining = setup.serve.draining();
            let build = HeaderValue::from_str(props.build_id()).ok();
            router = router.route(
                &path,
                axum::routing::get(move || health(draining.clone(), build.clone())),
            );
        }
        if crate::assets::watched() {
            let draining = setup.serve.draining();
            router = router.route(
                crate::protocol::LIVE_PATH,
                axum::routing::get(move |query: axum::extract::RawQuery| {
                    live(draining.clone(), query.0)
                }),
            );
        }
        for layer in setup.layers {
            router = layer(router);
        }
        BuiltApp {
            router,
            props,
            options,
        }
    }
}

/// Binds the site address and serves the built app. Boxed, and made by a
/// function that is not generic, so that its code (hyper's connections,
/// tokio's tasks, every layer's future) is compiled once, in the kit: an
/// `async fn` awaited from the generic [`AppServer::serve`] would be
/// compiled again in each app's binary (see [`Setup`]).
fn serve_built(
    app: BuiltApp,
    config: ServeConfig,
    cache_on: bool,
) -> Pin<Box<dyn Future<Output = Result<(), AppError>> + Send>> {
    Box::pin(serve_app(app, config, cache_on))
}

async fn serve_app(app: BuiltApp, config: ServeConfig, cache_on: bool) -> Result<(), AppError> {
    let addr = app.options.site_addr;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| AppError::Bind { addr, source })?;
    tracing::info!(
        "listening on http://{addr} (build {}, shared cache {})",
        app.props.build_id(),
        if cache_on { "on" } else { "off" }
    );
    serve(listener, app.router, &config, shutdown_signal()).await;
    Ok(())
}

/// [`AppServer::health`]'s answer.
async fn health(
    draining: crate::ssr::server::serve::Draining,
    build: Option<HeaderValue>,
) -> axum::response::Response {
    let (status, body) = if draining.is_draining() {
        (StatusCode::SERVICE_UNAVAILABLE, "draining\n")
    } else {
        (StatusCode::OK, "ok\n")
    };
    let mut response = axum::response::Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if let Some(build) = build {
        headers.insert(crate::protocol::BUILD_HEADER, build);
    }
    response
}

/// The development server's live stream ([`LIVE_PATH`](crate::protocol::LIVE_PATH)):
/// open until the server starts to shut down, so a page learns of a restart
/// the moment it begins (cargo-leptos's own reload message waits for the
/// new server in steps of half a second). Its one event, and `?ping`'s
/// answer, is the server's process id, so the page reloads once a
/// *new* server answers, never the one shutting down.
async fn live(
    draining: crate::ssr::server::serve::Draining,
    query: Option<String>,
) -> axum::response::Response {
    use futures::StreamExt as _;
    let id = std::process::id();
    let (content_type, body) = if query.as_deref() == Some("ping") {
        ("text/plain", Body::from(id.to_string()))
    } else {
        let opened = futures::stream::once(async move {
            Ok::<_, std::convert::Infallible>(bytes::Bytes::from(format!("data: {id}\n\n")))
        });
        // Then nothing until draining starts, when the stream ends.
        let ends = futures::stream::once(async move { draining.started().await })
            .filter_map(|()| std::future::ready(None));
        ("text/event-stream", Body::from_stream(opened.chain(ends)))
    };
    let mut response = axum::response::Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The `Cache-Control` of the build's hashed assets (`/pkg/…`): a year,
/// and never revalidated, since a new build names its files anew.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Longest file name (`NAME_MAX`) and path (`PATH_MAX`) on the file
/// systems a site root lives on.
const NAME_MAX: usize = 255;
const PATH_MAX: usize = 4096;

/// Whether a URL path names something no file system could hold under the
/// site root: a segment longer than a file name may be once decoded, a NUL
/// byte, or a whole path longer than a path may be.
fn no_file_has(site_root: &str, path: &str) -> bool {
    let mut decoded_len = 0;
    for segment in path.split('/') {
        let mut len = 0;
        for byte in percent_encoding::percent_decode_str(segment) {
            if byte == 0 {
                return true;
            }
            len += 1;
        }
        if len > NAME_MAX {
            return true;
        }
        decoded_len += len + 1;
    }
    site_root.len() + decoded_len >= PATH_MAX
}

pub use crate::ssr::server::builder::COOKIE_SECRET_VAR;

/// The cookie key from the secret (32 bytes or more; the public
/// development key only in development), as the app's start-up error.
fn cookie_key(secret: Option<&str>, production: bool) -> Result<Key, AppError> {
    crate::ssr::server::builder::cookie_key_from_secret(secret, production)
        .map_err(AppError::CookieKey)
}

/// cargo-leptos's environment when it is set (`cargo leptos serve`,
/// `watch`, or a deploy that sets `LEPTOS_*`), else `Cargo.toml` in the
/// working directory, whose `LEPTOS_*` variables still override it.
fn leptos_options() -> Result<LeptosOptions, AppError> {
    let conf = if std::env::var_os("LEPTOS_OUTPUT_NAME").is_some() {
        leptos::config::get_configuration(None)
    } else {
        leptos::config::get_configuration(Some("Cargo.toml"))
    };
    conf.map(|c| c.leptos_options)
        .map_err(|e| AppError::Config(e.to_string()))
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM (what `docker stop`, systemd and
/// orchestrators send).
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot listen for SIGINT: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: draining if configured, then no new connections, finishing the requests under way");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The live stream sends the process id, stays open, and ends when the
    /// server starts to drain; `?ping` answers the same id at once.
    #[tokio::test]
    async fn the_live_stream_ends_when_the_server_drains() {
        use http_body_util::BodyExt as _;
        let id = std::process::id().to_string();
        let draining = crate::ssr::server::serve::Draining::new();
        let ping = live(draining.clone(), Some("ping".into())).await;
        assert_eq!(ping.status(), StatusCode::OK);
        assert_eq!(
            ping.into_body().collect().await.unwrap().to_bytes(),
            id.as_bytes()
        );

        let stream = live(draining.clone(), None).await;
        assert_eq!(
            stream.headers()[http::header::CONTENT_TYPE],
            "text/event-stream"
        );
        let mut body = stream.into_body();
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(first, format!("data: {id}\n\n").as_bytes());
        // Open: no frame comes while the server serves.
        let waited = tokio::time::timeout(std::time::Duration::from_millis(50), body.frame()).await;
        assert!(waited.is_err(), "the stream sent or ended before draining");
        draining.start();
        let end = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
            .await
            .expect("the stream ended when draining started");
        assert!(end.is_none());
        // A stream opened while draining ends at once, after its event.
        let mut late = live(draining, None).await.into_body();
        assert!(late.frame().await.is_some());
        assert!(late.frame().await.is_none());
    }

    /// A secret of 32 bytes or more is the key; a shorter one never is; no
    /// secret is the development key, except for a production server.
    #[test]
    fn the_cookie_key_comes_from_the_secret() {
        let secret = "a secret of thirty-two bytes, or a little more";
        let key = cookie_key(Some(secret), true).unwrap();
        assert_eq!(key.master(), Key::derive_from(secret.as_bytes()).master());
        assert!(matches!(
            cookie_key(Some("short"), false),
            Err(AppError::CookieKey(_))
        ));
        let missing = cookie_key(None, true).unwrap_err().to_string();
        assert!(missing.contains(COOKIE_SECRET_VAR), "{missing}");
        let development = cookie_key(None, false).unwrap();
        assert_eq!(
            development.master(),
            Key::derive_from(crate::ssr::server::builder::DEVELOPMENT_SECRET).master()
        );
    }
}
