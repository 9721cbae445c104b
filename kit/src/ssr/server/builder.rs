//! Start-up: everything the kit builds once, before the first request.
//!
//! [`ServerPropsBuilder`] takes the app's page table, its Leptos options and
//! its shell, plus settings the app wires from its own configuration (the
//! kit reads no environment variables). [`build`](ServerPropsBuilder::build)
//! checks the table against axum's router syntax, renders the security
//! policy, and settles the build id, so a request only does its own work.

use crate::pages::Pages;
use crate::ssr::{
    middleware::security::ContentSecurityPolicy,
    render::Renderer,
    request::body::DEFAULT_MAX_BODY_BYTES,
    request::config::RequestConfig,
    response::etag::content_hash,
    runtime::{Runtime, RuntimeHandle},
};
use cookie::Key;
use leptos::{config::LeptosOptions, prelude::*};
use std::{fmt, sync::Arc, time::Duration};

/// The server half of the kit for one app: build it once at start-up and
/// mount it with [`ServerPropsRouter::server_props`](crate::ssr::ServerPropsRouter).
#[derive(Clone)]
pub struct ServerProps {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) pages: &'static Pages,
    pub(crate) renderer: Renderer,
    pub(crate) build_id: String,
    /// The build id as the `x-server-props` value every props answer
    /// carries, made once (sanitised ids are always header values).
    pub(crate) build_header: Option<http::HeaderValue>,
    pub(crate) dev: bool,
    /// Props URLs are matched here (documents by axum's router).
    pub(crate) matcher: matchit::Router<usize>,
    pub(crate) loader_timeout: Duration,
    pub(crate) request: Arc<RequestConfig>,
    /// Origins besides the site's own whose writes are accepted.
    pub(crate) trusted_origins: Vec<String>,
    /// Whether answers carry `Server-Timing`.
    pub(crate) server_timing: bool,
    /// The timer and executor behind the pipeline.
    pub(crate) runtime: RuntimeHandle,
}

impl fmt::Debug for ServerProps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerProps")
            .field("pages", self.inner.pages)
            .field("build_id", &self.inner.build_id)
            .field("dev", &self.inner.dev)
            .finish_non_exhaustive()
    }
}

/// Builds a [`ServerProps`].
#[must_use]
pub struct ServerPropsBuilder {
    pages: &'static Pages,
    options: LeptosOptions,
    shell: Arc<dyn Fn(LeptosOptions) -> AnyView + Send + Sync>,
    build_id: Option<String>,
    dev: Option<bool>,
    live_reload: bool,
    loader_timeout: Duration,
    csp: Option<ContentSecurityPolicy>,
    request: RequestConfig,
    trusted_origins: Vec<String>,
    server_timing: bool,
    runtime: RuntimeHandle,
}

impl fmt::Debug for ServerPropsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerPropsBuilder")
            .field("pages", self.pages)
            .field("build_id", &self.build_id)
            .field("dev", &self.dev)
            .field("live_reload", &self.live_reload)
            .field("loader_timeout", &self.loader_timeout)
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

/// How long a loader may run by default before its request gets a 504.
pub const DEFAULT_LOADER_TIMEOUT: Duration = Duration::from_secs(30);

impl ServerProps {
    /// Starts the configuration: the app's page table, its Leptos options and
    /// its shell (the function that renders `<html>` around the app).
    pub fn builder<F, V>(
        pages: &'static Pages,
        options: LeptosOptions,
        shell: F,
    ) -> ServerPropsBuilder
    where
        F: Fn(LeptosOptions) -> V + Send + Sync + 'static,
        V: IntoView + 'static,
    {
        ServerPropsBuilder {
            pages,
            options,
            // Server only: `into_any()`, not `erase()`, whose saving is in the
            // wasm (and whose wrapper would nest the shell's type one level deeper).
            shell: Arc::new(move |o| shell(o).into_any()),
            build_id: None,
            dev: None,
            live_reload: false,
            loader_timeout: DEFAULT_LOADER_TIMEOUT,
            csp: Some(ContentSecurityPolicy::default()),
            request: RequestConfig {
                max_body_bytes: DEFAULT_MAX_BODY_BYTES,
                ..RequestConfig::default()
            },
            trusted_origins: Vec::new(),
            server_timing: true,
            runtime: RuntimeHandle::default_runtime(),
        }
    }

    /// Whether the kit answers a request for `path` (the URL's path, as
    /// sent): a page's path, or the props URL of one. The edge build
    /// answers these and forwards every other request to the server.
    ///
    /// ```
    /// # use leptos::prelude::*;
    /// # use server_props::{Pages, ServerProps};
    /// # use std::sync::LazyLock;
    /// # fn Home() -> impl IntoView { "home" }
    /// static PAGES: LazyLock<Pages> = LazyLock::new(|| Pages::new().static_page("/", Home));
    /// let options = leptos::config::LeptosOptions::builder().output_name("app").build();
    /// let props = ServerProps::builder(&PAGES, options, |_| ()).build_id("b1").build();
    /// assert!(props.answers("/"));
    /// assert!(props.answers("/_props/b1/index.json"));
    /// assert!(!props.answers("/pkg/app.wasm"));
    /// assert!(!props.answers("/_props/b1/elsewhere.json"));
    /// ```
    #[must_use]
    pub fn answers(&self, path: &str) -> bool {
        match crate::protocol::parse_props_path(path) {
            Some((_, page)) => self.inner.matcher.at(&page).is_ok(),
            None => self.inner.matcher.at(path).is_ok(),
        }
    }

    /// The id of this build, part of every props URL.
    pub fn build_id(&self) -> &str {
        &self.inner.build_id
    }

    /// The shared cache for this build (see [`cache`](crate::ssr::middleware::cache)): add
    /// it with `Router::layer`. Keys include the build id, so a new build
    /// never serves the previous one's pages.
    #[cfg(feature = "cache")]
    #[cfg_attr(docsrs, doc(cfg(feature = "cache")))]
    pub fn cache_layer(
        &self,
        config: &crate::ssr::middleware::cache::CacheConfig,
    ) -> crate::ssr::middleware::cache::CacheLayer {
        crate::ssr::middleware::cache::CacheLayer::new(&self.inner.build_id, config)
            .server_timing(self.inner.server_timing)
    }

    /// The page table.
    pub fn pages(&self) -> &'static Pages {
        self.inner.pages
    }
}

impl ServerPropsBuilder {
    /// Sets the build id instead of deriving it from the wasm bundle (a
    /// deploy that builds the same bundle on several machines names it, so
    /// every instance agrees). Only `A-Z a-z 0-9 - _ .` are kept.
    pub fn build_id(mut self, id: impl AsRef<str>) -> Self {
        self.build_id = Some(sanitize_build_id(id.as_ref()));
        self
    }

    /// How long a loader may run (default [`DEFAULT_LOADER_TIMEOUT`]). When
    /// it runs longer, its future is dropped (closing what it had open) and
    /// the request gets the error page with status 504 (a props request, a
    /// 504 JSON answer). `Duration::MAX` waits forever. The timer is the
    /// [runtime](Self::runtime)'s: without one (feature `ssr` alone, no
    /// `tokio`) loaders are not timed, which `build` logs as a warning.
    pub fn loader_timeout(mut self, timeout: Duration) -> Self {
        self.loader_timeout = timeout;
        self
    }

    /// The `Content-Security-Policy` sent with every document (default:
    /// [`ContentSecurityPolicy::default`], strict, with a fresh nonce per
    /// document; see [`security`](crate::ssr::middleware::security)). `None` sends none.
    pub fn content_security_policy(mut self, policy: Option<ContentSecurityPolicy>) -> Self {
        self.csp = policy;
        self
    }

    /// Whether the page is served by `cargo leptos watch`, whose live-reload
    /// script opens a WebSocket that the security policy must allow
    /// (default `false`; cargo-leptos sets `LEPTOS_WATCH` for the app to read).
    pub fn live_reload(mut self, on: bool) -> Self {
        self.live_reload = on;
        self
    }

    /// Whether cookies a loader sets get `Secure` unless it said otherwise
    /// (default `false`; turn it on when the site is served over HTTPS).
    /// Cookies always get `HttpOnly`, `SameSite=Lax` and `Path=/` unless the
    /// loader set those attributes itself.
    pub fn secure_cookies(mut self, secure: bool) -> Self {
        self.request.secure_cookies = secure;
        self
    }

    /// The key that signs and encrypts cookies
    /// ([`ResponseHead::set_signed_cookie`](crate::ResponseHead::set_signed_cookie),
    /// [`LoaderContext::signed_cookie`](crate::LoaderContext::signed_cookie)).
    /// Every instance of the app must use the same key (from its
    /// configuration: `Key::derive_from(secret)` or `Key::from(bytes)`), or
    /// a cookie one signed is forged to the others.
    pub fn cookie_key(mut self, key: Key) -> Self {
        self.request.cookie_key = Some(key);
        self
    }

    /// The Leptos options, for a host that learns some only as it starts
    /// (the edge build: the asset hashes from its environment).
    #[cfg(feature = "worker")]
    pub(crate) fn options_mut(&mut self) -> &mut LeptosOptions {
        &mut self.options
    }

    /// Whether a cookie key was given.
    #[cfg(any(feature = "server", feature = "worker"))]
    pub(crate) fn has_cookie_key(&self) -> bool {
        self.request.cookie_key.is_some()
    }

    /// Where and how [`Session`](crate::session::Session)s are kept
    /// (default: a private cookie named `session`, for 30 days, which
    /// needs the [`cookie_key`](Self::cookie_key)).
    pub fn sessions(mut self, sessions: crate::session::SessionConfig) -> Self {
        self.request.sessions = std::sync::Arc::new(sessions);
        self
    }

    /// The most a loader may read of a request body (default 1 MiB): more
    /// is a 413.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.request.max_body_bytes = bytes;
        self
    }

    /// Origins besides the site's own (`https://admin.example.com`) whose
    /// pages may send writes (`POST`, …) to this one. Any other cross-site
    /// write is refused with 403 before a loader runs (see
    /// [`csrf`](crate::ssr::middleware::csrf) for the rules).
    pub fn trusted_origins<I, T>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.trusted_origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// Whether documents and props answers carry `Server-Timing` (default
    /// on): `loader;dur=`, `layout;dur=`, `action;dur=` and, on documents,
    /// `render;dur=` (milliseconds), and the shared cache's
    /// `cache;desc=hit|stale|miss`. Browsers show it in their developer
    /// tools; turn it off when how long a loader takes is not for everyone
    /// to see.
    pub fn server_timing(mut self, on: bool) -> Self {
        self.server_timing = on;
        self
    }

    /// Whether error details reach the browser: the message on the error
    /// page (`PageError::detail`) and the development error overlay (the
    /// message, where in the source, the page and the request).
    ///
    /// Default: on in a debug build whose Leptos `env` is `DEV` (as under
    /// `cargo leptos watch`), off otherwise. A release build is off even
    /// with `LEPTOS_ENV` unset (Leptos then reads `DEV`): only this call
    /// turns it on there, which a production server must never do. When on,
    /// the kit adds a panic hook to the process (once, calling the one
    /// before it) to learn where a panic happened.
    pub fn dev_errors(mut self, dev: bool) -> Self {
        self.dev = Some(dev);
        self
    }

    /// The async runtime behind the pipeline: the loader timeout's timer
    /// and Leptos's executor ([`runtime`](crate::runtime)). Default:
    /// [`TokioRuntime`](crate::runtime::TokioRuntime) with the `tokio`
    /// feature (on with `server`), else
    /// [`NoTimer`](crate::runtime::NoTimer).
    pub fn runtime(mut self, runtime: impl Runtime) -> Self {
        self.runtime = RuntimeHandle::new(runtime);
        self
    }

    /// Finishes the configuration.
    ///
    /// # Panics
    /// If two page paths conflict in axum's router syntax.
    #[track_caller]
    pub fn build(self) -> ServerProps {
        match self.try_build() {
            Ok(props) => props,
            Err(e) => panic!("{e}"),
        }
    }

    /// [`build`](Self::build), with the page table's faults as an error
    /// rather than a panic: for a host where a panic ends the process and
    /// loses the message (the edge build, compiled with `panic = "abort"`).
    pub(crate) fn try_build(self) -> Result<ServerProps, String> {
        // Leptos's spawner drives leptos_meta and resources; idempotent.
        self.runtime.init_executor();
        if self.loader_timeout != Duration::MAX && !self.runtime.has_timer() {
            tracing::warn!(
                "server_props: the runtime ({:?}) has no timer, so loaders are not timed: \
                 enable the `tokio` feature or give ServerPropsBuilder::runtime one",
                self.runtime
            );
        }
        if let Some((layout, prefix)) = self.pages.unused_layout() {
            return Err(format!(
                "server_props: the layout `{layout}` owns `{prefix}`, but no page's path starts \
                 with it: a page under it would be `{prefix}/…`"
            ));
        }
        let mut matcher = matchit::Router::new();
        for (index, entry) in self.pages.entries.iter().enumerate() {
            if let Err(e) = matcher.insert(entry.pattern.axum_path(), index) {
                return Err(format!(
                    "server_props: page `{}` conflicts with another page: {e}",
                    entry.pattern
                ));
            }
        }
        let build_id = self
            .build_id
            .unwrap_or_else(|| default_build_id(&self.options));
        let dev = self
            .dev
            .unwrap_or_else(|| default_dev(cfg!(debug_assertions), &self.options.env));
        if dev {
            crate::ssr::loader::panic::install_panic_hook();
        }
        let live_reload = self.live_reload;
        Ok(ServerProps {
            inner: Arc::new(Inner {
                pages: self.pages,
                renderer: Renderer {
                    options: self.options,
                    shell: self.shell,
                    csp: self.csp.map(|csp| {
                        if live_reload {
                            csp.with_live_reload().compile()
                        } else {
                            csp.compile()
                        }
                    }),
                    size_hints: (0..=self.pages.entries.len())
                        .map(|_| std::sync::atomic::AtomicUsize::new(0))
                        .collect(),
                },
                build_header: http::HeaderValue::from_str(&build_id).ok(),
                build_id,
                dev,
                server_timing: self.server_timing,
                runtime: self.runtime,
                matcher,
                loader_timeout: self.loader_timeout,
                request: Arc::new(self.request),
                trusted_origins: self.trusted_origins,
            }),
        })
    }
}

/// Development mode when the app does not say: a debug build (as `cargo
/// leptos watch` makes) in Leptos's `DEV` env. A release build never is,
/// even in `DEV`, which Leptos reads when `LEPTOS_ENV` is unset.
fn default_dev(debug_build: bool, env: &leptos::config::Env) -> bool {
    debug_build && *env == leptos::config::Env::DEV
}

fn sanitize_build_id(id: &str) -> String {
    let id: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(64)
        .collect();
    if id.is_empty() {
        "dev".to_owned()
    } else {
        id
    }
}

/// The environment variable the server and the edge build read the cookie
/// key from (when the app gave none with `.props(|p| p.cookie_key(…))`): a
/// secret of 32 bytes or more, the same on every instance and runtime,
/// which signs and encrypts cookies and sessions.
#[cfg(any(feature = "server", feature = "worker"))]
pub const COOKIE_SECRET_VAR: &str = "SERVER_PROPS_COOKIE_SECRET";

/// The key that signs development sessions when no secret is set: fixed,
/// so a session survives a rebuild; public, so never for production.
#[cfg(any(feature = "server", feature = "worker"))]
pub(crate) const DEVELOPMENT_SECRET: &[u8] =
    b"server_props development key: public, never for production (set SERVER_PROPS_COOKIE_SECRET)";

/// The cookie key from the secret: a secret of 32 bytes or more; without
/// one, the development key with a warning in development, else an error
/// (a key drawn at random would sign every visitor out at each restart and
/// differ between instances; the development key is public). The secret
/// is taken as it is, whitespace included.
#[cfg(any(feature = "server", feature = "worker"))]
pub(crate) fn cookie_key_from_secret(
    secret: Option<&str>,
    production: bool,
) -> Result<Key, String> {
    match secret {
        Some(secret) if secret.len() >= 32 => Ok(Key::derive_from(secret.as_bytes())),
        Some(_) => Err(format!("{COOKIE_SECRET_VAR} must be at least 32 bytes")),
        None if production => Err(format!(
            "{COOKIE_SECRET_VAR} is not set: outside development (a debug build in Leptos's DEV \
             env) a secret of 32 bytes or more is needed (the same on every instance and \
             runtime) to sign cookies and sessions"
        )),
        None => {
            tracing::warn!(
                "{COOKIE_SECRET_VAR} is not set: cookies and sessions are signed with the public \
                 development key"
            );
            Ok(Key::derive_from(DEVELOPMENT_SECRET))
        }
    }
}

/// The build id when the app names none: a hash of the wasm bundle being
/// served (so a redeploy with a new bundle changes it), else of this
/// executable's size and modification time. The hash is a fixed one, so
/// instances built by different Rust releases from the same bundle agree.
fn default_build_id(options: &LeptosOptions) -> String {
    // The module the documents name (hashed or not).
    let wasm_url = &crate::assets::Assets::of(options).wasm;
    let wasm = std::fs::read(
        std::path::Path::new(&*options.site_root).join(wasm_url.trim_start_matches('/')),
    )
    .ok();
    let bytes = wasm.unwrap_or_else(|| {
        let meta = std::env::current_exe()
            .ok()
            .and_then(|p| std::fs::metadata(p).ok());
        let len = meta.as_ref().map_or(0, std::fs::Metadata::len);
        let modified = meta
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        [len.to_le_bytes().as_slice(), &modified.to_le_bytes()].concat()
    });
    format!("{:016x}", content_hash(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn development_mode_is_a_debug_build_in_the_dev_env_only() {
        use leptos::config::Env;
        assert!(default_dev(true, &Env::DEV));
        assert!(!default_dev(true, &Env::PROD));
        // A release build, even where `LEPTOS_ENV` is unset (read as DEV).
        assert!(!default_dev(false, &Env::DEV));
        assert!(!default_dev(false, &Env::PROD));
    }

    #[test]
    fn the_default_build_id_is_a_fixed_hash_of_the_wasm() {
        let root = std::env::temp_dir().join(format!("build-id-{}", std::process::id()));
        let options = LeptosOptions::builder()
            .output_name("build-id-test")
            .site_root(root.to_str().unwrap())
            .build();
        let wasm = root.join(
            crate::assets::Assets::of(&options)
                .wasm
                .trim_start_matches('/'),
        );
        std::fs::create_dir_all(wasm.parent().unwrap()).unwrap();
        std::fs::write(&wasm, b"0123456789").unwrap();
        let id = default_build_id(&options);
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(id, "c64791d4de5ac544");
    }

    #[test]
    fn build_ids_are_sanitised() {
        assert_eq!(sanitize_build_id("v1.2-abc_D"), "v1.2-abc_D");
        assert_eq!(sanitize_build_id("a/b?c"), "abc");
        assert_eq!(sanitize_build_id("///"), "dev");
    }
}
