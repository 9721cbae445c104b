//! The app's edge build: the same pipeline as a Cloudflare Worker.
//!
//! Next.js lets a page choose its runtime (`export const config = {
//! runtime: 'edge' }`); here a page says `#[page("/edge/hello", runtime =
//! edge)]`, and the app's edge build — a `cdylib` crate for
//! `wasm32-unknown-unknown` with workers-rs, whose page table holds only
//! such pages — answers their documents and props itself, near the
//! visitor, and forwards every other request to the server (the origin):
//! its method, path and query as sent, headers and body, and the answer's
//! status, headers and body as the origin gave them, redirects not
//! followed. One site mixes both runtimes.
//!
//! The pipeline is the server's own ([`ServerProps`] on an `axum::Router`,
//! no tokio runtime, no hyper, no file system): what differs is only the
//! host around it. Requests the edge answers carry
//! [`PageRuntime::Edge`] as an extension, which
//! [`LoaderContext::runtime`](crate::LoaderContext::runtime) reads.
//!
//! The edge build reads its configuration from the worker's environment,
//! named as the server's:
//!
//! | variable | meaning |
//! |---|---|
//! | `SERVER_PROPS_ORIGIN` | the server every other request goes to (`https://origin.example.com`: a scheme, a host and a port, nothing else); required |
//! | `SERVER_PROPS_BUILD_ID` | the build id, the same as the server's, so a navigation crosses runtimes without a reload; required (the edge has no file to derive one from) |
//! | `SERVER_PROPS_COOKIE_SECRET` | the cookie key's secret, the same as the server's, so both read one session |
//! | `SERVER_PROPS_HTTPS` | `1`: cookies get `Secure`, answers `Strict-Transport-Security` |
//! | `SERVER_PROPS_ASSET_HASHES` | the server build's `hash.txt`; required when the server names its assets by hash (`hash-files`), so documents load the same assets |
//! | `SERVER_PROPS_SPLIT_MANIFEST` | with the hashes, a build split by page (`--split`): the site's `pkg/__wasm_split_manifest.<hash>.json`, so documents preload their page's chunk |
//!
//! A panic in the edge build aborts (wasm32 has no unwinding on stable
//! Rust): the request fails, and workerd's next request gets a fresh
//! instance (`worker/shim.mjs` in the reference app). For that reason what
//! `build` checks (the variables, the pages' runtimes and states, the
//! layouts and paths) is an error ([`EdgeError`]), not a panic; what
//! `Pages` itself checks as the table is made (a malformed path, a params
//! type that does not fit) still panics, the first time the table is used:
//! build the edge's table in a native test of the app to catch it early.
//!
//! ```ignore
//! use server_props::worker::Edge;
//! use std::sync::OnceLock;
//! use worker::{event, Context, Env};
//!
//! static EDGE: OnceLock<Edge> = OnceLock::new();
//!
//! #[event(fetch)]
//! async fn fetch(request: web_sys::Request, env: Env, _: Context) -> worker::Result<web_sys::Response> {
//!     if EDGE.get().is_none() {
//!         let edge = Edge::builder(&app::PAGES, options(), app::shell).build(&env)?;
//!         let _ = EDGE.set(edge);
//!     }
//!     EDGE.get().expect("set above").fetch(request).await
//! }
//! ```

use crate::{
    pages::{PageKind, Pages},
    ssr::{
        middleware::security::SecurityHeaders,
        runtime::Runtime,
        server::{
            builder::{cookie_key_from_secret, ServerProps, ServerPropsBuilder},
            router::state_mismatch,
        },
        ServerPropsRouter,
    },
    PageRuntime,
};
use futures::future::BoxFuture;
use http::{HeaderName, HeaderValue};
use leptos::{config::LeptosOptions, prelude::IntoView};
use std::{borrow::Cow, fmt, time::Duration};
use tower::ServiceExt;
use wasm_bindgen::JsCast;

pub use crate::ssr::server::builder::COOKIE_SECRET_VAR;

/// The variable naming the server every other request is forwarded to.
pub const ORIGIN_VAR: &str = "SERVER_PROPS_ORIGIN";
/// The variable naming the build (the server's `SERVER_PROPS_BUILD_ID`).
pub const BUILD_ID_VAR: &str = "SERVER_PROPS_BUILD_ID";
/// The variable holding the server build's hash file (`hash.txt` beside
/// its binary, with cargo-leptos's `hash-files`), so the edge's documents
/// name the same hashed assets.
pub const ASSET_HASHES_VAR: &str = "SERVER_PROPS_ASSET_HASHES";
/// The variable holding a split build's manifest (cargo-leptos's
/// `__wasm_split_manifest.<hash>.json`, with `--split`), so the edge's
/// documents preload their page's chunk as the server's do.
pub const SPLIT_MANIFEST_VAR: &str = "SERVER_PROPS_SPLIT_MANIFEST";
/// The variable saying the site is served over HTTPS (`1`).
pub const HTTPS_VAR: &str = "SERVER_PROPS_HTTPS";

/// Why the edge build cannot start: a missing or malformed variable, or a
/// page table the edge cannot serve.
#[derive(Debug, thiserror::Error)]
#[error("server_props edge build: {0}")]
pub struct EdgeError(String);

impl From<EdgeError> for worker::Error {
    fn from(error: EdgeError) -> Self {
        worker::Error::RustError(error.to_string())
    }
}

/// The worker's timer and executor: workers-rs's `Delay` for the loader
/// timeout, `wasm-bindgen-futures` as Leptos's executor.
#[derive(Clone, Copy, Debug, Default)]
pub struct WorkerRuntime;

impl Runtime for WorkerRuntime {
    fn sleep(&self, duration: Duration) -> Option<BoxFuture<'static, ()>> {
        // A worker runs on one thread: the `Send` the trait asks for is
        // never used across threads.
        Some(Box::pin(worker::send::SendFuture::new(
            worker::Delay::from(duration),
        )))
    }

    fn init_executor(&self) {
        let _ = any_spawner::Executor::init_wasm_bindgen();
    }
}

/// Builds an [`Edge`]: the app's edge page table, its Leptos options and
/// shell, its state (`S`, `()` unless [`state`](Self::state) gives one),
/// and what [`ServerPropsBuilder`] sets.
#[must_use]
pub struct EdgeBuilder<S = ()> {
    pages: &'static Pages,
    props: ServerPropsBuilder,
    state: S,
    layers: Vec<Box<dyn FnOnce(axum::Router) -> axum::Router>>,
    security_headers: SecurityHeaders,
}

impl<S> fmt::Debug for EdgeBuilder<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EdgeBuilder")
            .field("pages", self.pages)
            .field("security_headers", &self.security_headers)
            .finish_non_exhaustive()
    }
}

impl<S: Clone + Send + Sync + 'static> EdgeBuilder<S> {
    /// The state the edge's loaders read (`State<T>`, through `FromRef`):
    /// a type of the app's that implements
    /// [`EdgeSafe`](crate::edge::EdgeSafe), made from the worker's
    /// environment or constants. The edge build checks at start-up that
    /// every loader of its table (the layout's too) takes this state or
    /// `()`.
    pub fn state<T: Clone + Send + Sync + 'static>(self, state: T) -> EdgeBuilder<T> {
        EdgeBuilder {
            pages: self.pages,
            props: self.props,
            state,
            layers: self.layers,
            security_headers: self.security_headers,
        }
    }

    /// Configures the pipeline as `AppServer::props` does (loader timeout,
    /// content security policy, trusted origins, …).
    pub fn props(
        mut self,
        configure: impl FnOnce(ServerPropsBuilder) -> ServerPropsBuilder,
    ) -> Self {
        self.props = configure(self.props);
        self
    }

    /// Wraps the edge's router, as `AppServer::layer` does:
    /// `.layer(|r| r.layer(Extension(config)))` for what loaders take as
    /// an extension. Only requests the edge answers pass through it.
    pub fn layer(mut self, layer: impl FnOnce(axum::Router) -> axum::Router + 'static) -> Self {
        self.layers.push(Box::new(layer));
        self
    }

    /// The headers added to every answer the edge makes (forwarded answers
    /// keep the server's): [`SecurityHeaders::default`] unless set.
    pub fn security_headers(mut self, headers: SecurityHeaders) -> Self {
        self.security_headers = headers;
        self
    }

    /// Builds the edge from the worker's environment (the variables of the
    /// [module docs](self)).
    ///
    /// # Errors
    /// When a variable is missing or malformed (naming it), when the page
    /// table holds a page not marked `runtime = edge`, a loader wanting
    /// another state, or a fault `Pages` reports at start-up.
    pub fn build(self, env: &worker::Env) -> Result<Edge, EdgeError> {
        let read = |name: &str| {
            env.var(name)
                .map(|v| v.to_string())
                .or_else(|_| env.secret(name).map(|v| v.to_string()))
                .ok()
        };
        self.build_from(read)
    }

    /// [`build`](Self::build) from a function that reads a variable.
    fn build_from(self, read: impl Fn(&str) -> Option<String>) -> Result<Edge, EdgeError> {
        for entry in &self.pages.entries {
            match &entry.kind {
                PageKind::Props(page) if page.runtime == PageRuntime::Edge => {}
                PageKind::Props(_) => {
                    return Err(EdgeError(format!(
                        "page `{}` ({}) is in the edge build's page table but does not run at \
                         the edge: mark it `#[page(\"{}\", runtime = edge)]` or leave it to the \
                         server",
                        entry.pattern, entry.name, entry.pattern
                    )))
                }
                PageKind::Static(_) => {
                    return Err(EdgeError(format!(
                        "`{}` ({}) is a page without a loader: the edge build serves pages \
                         marked `#[page(…, runtime = edge)]` only; leave it to the server",
                        entry.pattern, entry.name
                    )))
                }
            }
        }
        let origin = read(ORIGIN_VAR).ok_or_else(|| {
            EdgeError(format!(
                "{ORIGIN_VAR} is not set: name the server to forward to"
            ))
        })?;
        let origin = crate::csrf::parse_origin(&origin).ok_or_else(|| {
            EdgeError(format!(
                "{ORIGIN_VAR} must be an origin (http:// or https://, a host and a port, \
                 nothing else), got {origin:?}"
            ))
        })?;
        let https = match read(HTTPS_VAR).as_deref().map(str::trim) {
            None | Some("" | "0" | "false") => false,
            Some("1" | "true") => true,
            Some(other) => {
                return Err(EdgeError(format!(
                    "{HTTPS_VAR} must be 1 or 0, got {other:?}"
                )))
            }
        };
        let build_id = read(BUILD_ID_VAR)
            .map(|id| id.trim().to_owned())
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                EdgeError(format!(
                    "{BUILD_ID_VAR} is not set: give the edge the server's build id, or every \
                     navigation between the two is taken for a new build"
                ))
            })?;
        let mut props = self.props;
        if let Some(hashes) = read(ASSET_HASHES_VAR) {
            // The server's hashed names, which no file beside a worker holds.
            let options = props.options_mut();
            options.hash_files = true;
            match read(SPLIT_MANIFEST_VAR) {
                Some(manifest) => crate::assets::Assets::provide_split(options, &hashes, &manifest),
                None => crate::assets::Assets::provide(options, &hashes),
            };
        }
        let development =
            cfg!(debug_assertions) && props.options_mut().env == leptos::config::Env::DEV;
        if https {
            props = props.secure_cookies(true);
        }
        props = props.build_id(build_id);
        if !props.has_cookie_key() {
            let secret = read(COOKIE_SECRET_VAR);
            let key = cookie_key_from_secret(secret.as_deref(), !development).map_err(EdgeError)?;
            props = props.cookie_key(key);
        }
        let security_headers = if https {
            self.security_headers
                .hsts(SecurityHeaders::HSTS_TWO_YEARS, false)
        } else {
            self.security_headers
        };
        let props = props.try_build().map_err(EdgeError)?;
        if let Some(mismatch) = state_mismatch::<S>(&props) {
            return Err(EdgeError(mismatch));
        }
        let mut router = axum::Router::<S>::new()
            .server_props(&props)
            .with_state(self.state);
        for layer in self.layers {
            router = layer(router);
        }
        Ok(Edge {
            props,
            router,
            origin,
            security_headers,
        })
    }
}

/// The app's edge build: answers its pages, forwards the rest.
#[derive(Clone)]
pub struct Edge {
    props: ServerProps,
    router: axum::Router,
    origin: String,
    security_headers: SecurityHeaders,
}

impl fmt::Debug for Edge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Edge")
            .field("props", &self.props)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Edge {
    /// Starts the configuration: the edge build's page table (the pages
    /// marked `runtime = edge`, with the app's layout and error pages), its
    /// Leptos options and its shell.
    pub fn builder<F, V>(pages: &'static Pages, options: LeptosOptions, shell: F) -> EdgeBuilder
    where
        F: Fn(LeptosOptions) -> V + Send + Sync + 'static,
        V: IntoView + 'static,
    {
        EdgeBuilder {
            pages,
            props: ServerProps::builder(pages, options, shell).runtime(WorkerRuntime),
            state: (),
            layers: Vec::new(),
            security_headers: SecurityHeaders::default(),
        }
    }

    /// The pipeline's configuration (its build id, …).
    #[must_use]
    pub fn server_props(&self) -> &ServerProps {
        &self.props
    }

    /// Answers a request: a page of the edge's (or its props URL) here,
    /// anything else from the origin.
    ///
    /// # Errors
    /// When the request or the answer cannot cross between JavaScript and
    /// Rust (a URL the `Request` itself refuses). The origin unreachable
    /// is an answer: `502 Bad Gateway`.
    pub async fn fetch(&self, request: web_sys::Request) -> worker::Result<web_sys::Response> {
        let url = request.url();
        let path_and_query = path_and_query(&url);
        let path = path_and_query
            .split_once('?')
            .map_or(&*path_and_query, |(path, _)| path);
        if !self.props.answers(path) {
            return self.forward(&request, &path_and_query).await;
        }
        let mut request = http_request(&request, &path_and_query)?;
        request.extensions_mut().insert(PageRuntime::Edge);
        let Ok(mut response) = self.router.clone().oneshot(request).await;
        self.security_headers.apply(response.headers_mut());
        worker::response_to_wasm(response)
    }

    /// The origin's answer to `request`, as it gave it.
    async fn forward(
        &self,
        request: &web_sys::Request,
        path_and_query: &str,
    ) -> worker::Result<web_sys::Response> {
        let target = format!("{}{path_and_query}", self.origin);
        let init = web_sys::RequestInit::new();
        let method = request.method();
        init.set_method(&method);
        init.set_headers(request.headers().as_ref());
        // A GET or HEAD with a body is refused by `Request` itself.
        if !matches!(method.as_str(), "GET" | "HEAD") {
            if let Some(body) = request.body() {
                init.set_body(body.as_ref());
            }
        }
        init.set_redirect(web_sys::RequestRedirect::Manual);
        let outgoing = web_sys::Request::new_with_str_and_init(&target, &init)?;
        match worker::Fetch::Request(worker::Request::from(outgoing))
            .send()
            .await
        {
            Ok(response) => Ok(response.into()),
            Err(error) => {
                worker::console_error!("server_props edge: the origin did not answer: {error}");
                let answer =
                    worker::Response::error("Bad Gateway: the origin server did not answer", 502)?;
                Ok(answer.into())
            }
        }
    }
}

/// The path and query of the request's URL, as the runtime gives it (after
/// its own URL parsing, which may normalise it; this adds none and
/// re-encodes nothing, so the origin and the edge's router read what the
/// worker was given), `/` for none.
fn path_and_query(url: &str) -> Cow<'_, str> {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let without_fragment = after_scheme
        .split_once('#')
        .map_or(after_scheme, |(before, _)| before);
    match without_fragment.find(['/', '?']) {
        Some(start) if without_fragment[start..].starts_with('?') => {
            Cow::Owned(format!("/{}", &without_fragment[start..]))
        }
        Some(start) => Cow::Borrowed(&without_fragment[start..]),
        None => Cow::Borrowed("/"),
    }
}

/// The request as the router takes it: its method, path and query, every
/// header whose value the server's HTTP parser would take (any byte but
/// control characters, so a cookie with UTF-8 in it is not a 500; workerd
/// hands header values over decoded as UTF-8, and they are taken back as
/// its bytes), and its body as a stream.
fn http_request(
    request: &web_sys::Request,
    path_and_query: &str,
) -> worker::Result<http::Request<axum::body::Body>> {
    let mut builder = http::Request::builder()
        .method(request.method().as_str())
        .uri(path_and_query);
    if let Some(headers) = builder.headers_mut() {
        let entries = js_sys::try_iter(request.headers().as_ref())?
            .ok_or_else(|| worker::Error::RustError("headers are not iterable".to_owned()))?;
        for entry in entries {
            let entry: js_sys::Array = entry?.unchecked_into();
            let (Some(name), Some(value)) = (entry.get(0).as_string(), entry.get(1).as_string())
            else {
                continue;
            };
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_bytes(value.as_bytes()),
            ) {
                headers.append(name, value);
            }
        }
    }
    let body = match request.body() {
        Some(stream) => axum::body::Body::new(worker::Body::new(stream)),
        None => axum::body::Body::empty(),
    };
    Ok(builder.body(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Loader, LoaderContext, LoaderResult, Page};
    use std::{collections::HashMap, sync::LazyLock};

    /// A page marked for the edge.
    struct AtEdge;
    impl Page for AtEdge {
        type Props = String;
        const PATHS: &'static [&'static str] = &["/edge/:name"];
        const RUNTIME: PageRuntime = PageRuntime::Edge;
        fn view(props: String) -> impl IntoView {
            props
        }
    }
    impl Loader for AtEdge {
        type Props = String;
        type State = ();
        type Params = serde::de::IgnoredAny;
        async fn load(cx: &mut LoaderContext<()>) -> LoaderResult<String> {
            Ok(cx.runtime().as_str().to_owned())
        }
    }

    /// A page of the server's.
    struct OnServer;
    impl Page for OnServer {
        type Props = String;
        const PATHS: &'static [&'static str] = &["/server"];
        fn view(props: String) -> impl IntoView {
            props
        }
    }
    impl Loader for OnServer {
        type Props = String;
        type State = ();
        type Params = serde::de::IgnoredAny;
        async fn load(_: &mut LoaderContext<()>) -> LoaderResult<String> {
            Ok(String::new())
        }
    }

    static EDGE_PAGES: LazyLock<Pages> = LazyLock::new(|| Pages::new().page::<AtEdge>());
    static MIXED_PAGES: LazyLock<Pages> =
        LazyLock::new(|| Pages::new().page::<AtEdge>().page::<OnServer>());

    const SECRET: &str = "a secret of thirty-two bytes or more, for tests";

    fn options() -> LeptosOptions {
        LeptosOptions::builder()
            .output_name("edge-test")
            .env(leptos::config::Env::PROD)
            .build()
    }

    fn build(pages: &'static Pages, vars: &[(&str, &str)]) -> Result<Edge, EdgeError> {
        build_with(pages, options(), vars)
    }

    fn build_with(
        pages: &'static Pages,
        options: LeptosOptions,
        vars: &[(&str, &str)],
    ) -> Result<Edge, EdgeError> {
        Edge::builder(pages, options, |_| ()).build_from(environment(vars))
    }

    /// A worker's environment holding `vars`.
    fn environment(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| vars.get(name).cloned()
    }

    #[test]
    fn the_edge_answers_its_pages_and_their_props_and_nothing_else() {
        let edge = build(
            &EDGE_PAGES,
            &[
                (ORIGIN_VAR, "https://origin.example/"),
                (BUILD_ID_VAR, "b7"),
                (COOKIE_SECRET_VAR, SECRET),
            ],
        )
        .unwrap();
        assert_eq!(edge.origin, "https://origin.example");
        assert_eq!(edge.server_props().build_id(), "b7");
        let props = edge.server_props();
        assert!(props.answers("/edge/hello"));
        assert!(props.answers("/_props/b7/edge/hello.json"));
        for forwarded in [
            "/",
            "/server",
            "/edge",
            "/edge/a/b",
            "/pkg/app.wasm",
            "/_props/b7/server.json",
        ] {
            assert!(!props.answers(forwarded), "{forwarded}");
        }
    }

    #[test]
    fn a_page_not_marked_for_the_edge_is_refused_by_name() {
        let error = build(
            &MIXED_PAGES,
            &[
                (ORIGIN_VAR, "https://origin.example"),
                (COOKIE_SECRET_VAR, SECRET),
            ],
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("`/server`"), "{error}");
        assert!(error.contains("OnServer"), "{error}");
        assert!(error.contains("runtime = edge"), "{error}");
    }

    #[test]
    fn bad_configuration_is_refused_naming_the_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[(COOKIE_SECRET_VAR, SECRET), (BUILD_ID_VAR, "b1")],
                ORIGIN_VAR,
            ),
            (
                &[
                    (ORIGIN_VAR, "origin.example"),
                    (COOKIE_SECRET_VAR, SECRET),
                    (BUILD_ID_VAR, "b1"),
                ],
                ORIGIN_VAR,
            ),
            (
                &[
                    (ORIGIN_VAR, "ftp://origin.example"),
                    (COOKIE_SECRET_VAR, SECRET),
                    (BUILD_ID_VAR, "b1"),
                ],
                ORIGIN_VAR,
            ),
            (
                &[
                    (ORIGIN_VAR, "https://origin.example/app"),
                    (COOKIE_SECRET_VAR, SECRET),
                    (BUILD_ID_VAR, "b1"),
                ],
                ORIGIN_VAR,
            ),
            (
                &[
                    (ORIGIN_VAR, "https://user@origin.example"),
                    (COOKIE_SECRET_VAR, SECRET),
                    (BUILD_ID_VAR, "b1"),
                ],
                ORIGIN_VAR,
            ),
            (
                &[
                    (ORIGIN_VAR, "https://origin.example?x=1"),
                    (COOKIE_SECRET_VAR, SECRET),
                    (BUILD_ID_VAR, "b1"),
                ],
                ORIGIN_VAR,
            ),
            (
                &[
                    (ORIGIN_VAR, "https://origin.example/#x"),
                    (COOKIE_SECRET_VAR, SECRET),
                    (BUILD_ID_VAR, "b1"),
                ],
                ORIGIN_VAR,
            ),
            (
                &[
                    (ORIGIN_VAR, "https://origin.example"),
                    (COOKIE_SECRET_VAR, SECRET),
                    (BUILD_ID_VAR, "b1"),
                    (HTTPS_VAR, "yes"),
                ],
                HTTPS_VAR,
            ),
            (
                &[(ORIGIN_VAR, "https://origin.example"), (BUILD_ID_VAR, "b1")],
                COOKIE_SECRET_VAR,
            ),
            (
                &[
                    (ORIGIN_VAR, "https://origin.example"),
                    (COOKIE_SECRET_VAR, "short"),
                    (BUILD_ID_VAR, "b1"),
                ],
                COOKIE_SECRET_VAR,
            ),
            (
                &[
                    (ORIGIN_VAR, "https://origin.example"),
                    (COOKIE_SECRET_VAR, SECRET),
                ],
                BUILD_ID_VAR,
            ),
            (
                &[
                    (ORIGIN_VAR, "https://origin.example"),
                    (COOKIE_SECRET_VAR, SECRET),
                    (BUILD_ID_VAR, " "),
                ],
                BUILD_ID_VAR,
            ),
        ];
        for (vars, named) in cases {
            let error = build(&EDGE_PAGES, vars).unwrap_err().to_string();
            assert!(error.contains(named), "{vars:?}: {error}");
        }
        // In development (a debug build in Leptos's DEV env) the public
        // development key stands in for a missing secret, as on the server.
        let mut development = options();
        development.env = leptos::config::Env::DEV;
        assert!(build_with(
            &EDGE_PAGES,
            development,
            &[(ORIGIN_VAR, "https://origin.example"), (BUILD_ID_VAR, "b1")]
        )
        .is_ok());
    }

    #[test]
    fn https_adds_hsts_and_the_hashes_name_the_servers_assets() {
        let edge = build(
            &EDGE_PAGES,
            &[
                (ORIGIN_VAR, "https://origin.example"),
                (COOKIE_SECRET_VAR, SECRET),
                (BUILD_ID_VAR, "b1"),
                (HTTPS_VAR, "1"),
                (ASSET_HASHES_VAR, "js: J1\nwasm: W1\ncss: C1\n"),
            ],
        )
        .unwrap();
        let mut headers = http::HeaderMap::new();
        edge.security_headers.apply(&mut headers);
        assert!(headers.contains_key(http::header::STRICT_TRANSPORT_SECURITY));
        assert_eq!(headers["x-frame-options"], "DENY");
        let mut options = options();
        options.hash_files = true;
        let assets = crate::assets::Assets::of(&options);
        assert_eq!(assets.js, "/pkg/edge-test.J1.js");
        assert_eq!(assets.wasm, "/pkg/edge-test.W1.wasm");
    }

    /// A page marked for the edge whose loader reads a state of the app's.
    struct WithState;
    impl Page for WithState {
        type Props = String;
        const PATHS: &'static [&'static str] = &["/greeting"];
        const RUNTIME: PageRuntime = PageRuntime::Edge;
        fn view(props: String) -> impl IntoView {
            props
        }
    }
    impl Loader for WithState {
        type Props = String;
        type State = Greeting;
        type Params = serde::de::IgnoredAny;
        async fn load(cx: &mut LoaderContext<Greeting>) -> LoaderResult<String> {
            Ok(cx.state().0.to_owned())
        }
    }

    #[derive(Clone, Debug)]
    struct Greeting(&'static str);

    static STATE_PAGES: LazyLock<Pages> = LazyLock::new(|| Pages::new().page::<WithState>());

    #[test]
    fn a_loader_wanting_state_the_edge_lacks_is_an_error_not_a_panic() {
        let vars = [
            (ORIGIN_VAR, "https://origin.example"),
            (COOKIE_SECRET_VAR, SECRET),
            (BUILD_ID_VAR, "b1"),
        ];
        let error = build(&STATE_PAGES, &vars).unwrap_err().to_string();
        assert!(error.contains("Greeting"), "{error}");
        assert!(error.contains("/greeting"), "{error}");
        let edge = Edge::builder(&STATE_PAGES, options(), |_| ())
            .state(Greeting("hello"))
            .build_from(environment(&vars));
        assert!(edge.is_ok(), "{edge:?}");
    }

    #[test]
    fn the_path_and_query_are_taken_as_sent() {
        for (url, expected) in [
            (
                "https://a.example/edge/hello?x=1&y='a b'",
                "/edge/hello?x=1&y='a b'",
            ),
            ("https://a.example/blog/a%20b", "/blog/a%20b"),
            ("https://a.example/a/../b", "/a/../b"),
            ("https://a.example", "/"),
            ("https://a.example?q=1", "/?q=1"),
            ("https://a.example/x#frag", "/x"),
        ] {
            assert_eq!(path_and_query(url), expected, "{url}");
        }
    }
}
