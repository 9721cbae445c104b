//! The request handlers: documents, props answers and the 404 document.
//!
//! [`ServerProps`] holds everything built once at start-up (the page table,
//! the renderer, the build id, a matcher for props URLs), so a request does
//! only its own work: match (done by axum for documents), decode params,
//! run the loader, then either render or serialise. Every outcome of a
//! loader maps to a response here, in one `match` per kind of response.

use super::{
    context::{ParamValue, RequestParts, ResponseHead},
    loader::{ErasedProps, Loaded, LoaderError, Outcome},
    render::{PageState, RenderState, Renderer},
    security::ContentSecurityPolicy,
};
use crate::{
    escape::{escape_json_into, escape_json_tail},
    page::PageError,
    pages::{PageKind, Pages, PropsPage},
    path::{RoutePattern, Segment},
    protocol::{self, PropsPayload, DEFAULT_CACHE_CONTROL, JSON_CONTENT_TYPE, PROPS_HEADER},
    redirect::{Redirect, RedirectStatus},
};
use axum::{body::Body, extract::Request, response::Response};
use http::{
    header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, REFRESH},
    HeaderMap, HeaderName, HeaderValue, StatusCode,
};
use leptos::{config::LeptosOptions, prelude::*};
use std::{any::Any, fmt, sync::Arc, time::Duration};

/// The server half of the kit for one app: build it once at start-up and
/// mount it with [`ServerPropsRouter::server_props`](super::ServerPropsRouter).
#[derive(Clone)]
pub struct ServerProps {
    inner: Arc<Inner>,
}

struct Inner {
    pages: &'static Pages,
    renderer: Renderer,
    build_id: String,
    dev: bool,
    matcher: matchit::Router<usize>,
    loader_timeout: Duration,
    secure_cookies: bool,
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
    loader_timeout: Duration,
    csp: Option<ContentSecurityPolicy>,
    secure_cookies: bool,
}

/// How long a loader may run by default before its request gets a 504.
pub const DEFAULT_LOADER_TIMEOUT: Duration = Duration::from_secs(30);

impl ServerPropsBuilder {
    /// Sets the build id instead of deriving it from the wasm bundle.
    /// Only `A-Z a-z 0-9 - _ .` are kept.
    pub fn build_id(mut self, id: impl AsRef<str>) -> Self {
        self.build_id = Some(sanitize_build_id(id.as_ref()));
        self
    }

    /// How long a loader may run (default [`DEFAULT_LOADER_TIMEOUT`]). When
    /// it runs longer, its future is dropped (closing what it had open) and
    /// the request gets the error page with status 504 (a props request, a
    /// 504 JSON answer). `Duration::MAX` waits forever.
    pub fn loader_timeout(mut self, timeout: Duration) -> Self {
        self.loader_timeout = timeout;
        self
    }

    /// The `Content-Security-Policy` sent with every document (default:
    /// [`ContentSecurityPolicy::default`], strict, with a fresh nonce per
    /// document; see [`security`](super::security)). `None` sends none.
    pub fn content_security_policy(mut self, policy: Option<ContentSecurityPolicy>) -> Self {
        self.csp = policy;
        self
    }

    /// Whether cookies a loader sets get `Secure` unless it said otherwise
    /// (default `false`; turn it on when the site is served over HTTPS).
    /// Cookies always get `HttpOnly`, `SameSite=Lax` and `Path=/` unless the
    /// loader set those attributes itself.
    pub fn secure_cookies(mut self, secure: bool) -> Self {
        self.secure_cookies = secure;
        self
    }

    /// Whether error details reach the browser (default: Leptos's `env` is `DEV`).
    pub fn dev_errors(mut self, dev: bool) -> Self {
        self.dev = Some(dev);
        self
    }

    /// Finishes the configuration.
    ///
    /// # Panics
    /// If two page paths conflict in axum's router syntax.
    #[track_caller]
    pub fn build(self) -> ServerProps {
        // Leptos's spawner drives leptos_meta and resources; idempotent.
        let _ = any_spawner_init();
        let mut matcher = matchit::Router::new();
        for (index, entry) in self.pages.entries.iter().enumerate() {
            if let Err(e) = matcher.insert(entry.pattern.axum_path(), index) {
                panic!(
                    "server_props: page `{}` conflicts with another page: {e}",
                    entry.pattern
                );
            }
        }
        let build_id = self
            .build_id
            .unwrap_or_else(|| default_build_id(&self.options));
        let dev = self
            .dev
            .unwrap_or(self.options.env == leptos::config::Env::DEV);
        ServerProps {
            inner: Arc::new(Inner {
                pages: self.pages,
                renderer: Renderer {
                    options: self.options,
                    shell: self.shell,
                    // `cargo leptos watch`'s live-reload script opens a WebSocket.
                    csp: self.csp.map(|csp| {
                        if std::env::var_os("LEPTOS_WATCH").is_some() {
                            csp.with_live_reload().compile()
                        } else {
                            csp.compile()
                        }
                    }),
                },
                build_id,
                dev,
                matcher,
                loader_timeout: self.loader_timeout,
                secure_cookies: self.secure_cookies,
            }),
        }
    }
}

fn any_spawner_init() -> Result<(), any_spawner::ExecutorError> {
    any_spawner::Executor::init_tokio()
}

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
            shell: Arc::new(move |o| shell(o).into_any()),
            build_id: None,
            dev: None,
            loader_timeout: DEFAULT_LOADER_TIMEOUT,
            csp: Some(ContentSecurityPolicy::default()),
            secure_cookies: false,
        }
    }

    /// The id of this build, part of every props URL.
    pub fn build_id(&self) -> &str {
        &self.inner.build_id
    }

    /// The shared cache for this build (see [`cache`](super::cache)): add
    /// it with `Router::layer`. Keys include the build id, so a new build
    /// never serves the previous one's pages.
    pub fn cache_layer(&self, config: &super::cache::CacheConfig) -> super::cache::CacheLayer {
        super::cache::CacheLayer::new(&self.inner.build_id, config)
    }

    /// The page table.
    pub fn pages(&self) -> &'static Pages {
        self.inner.pages
    }

    /// The 404 document, for URLs no page matches: use it as the router's
    /// fallback (`.fallback(move |req| props.not_found(req))`).
    pub async fn not_found(self, request: Request) -> Response {
        let url = page_url(&request);
        let payload = self.payload_head(&url, |p| p.not_found = true);
        let state = RenderState::new(None, PageState::NotFound);
        self.render_document(
            None,
            &url,
            state,
            &payload,
            StatusCode::NOT_FOUND,
            ResponseHead::default(),
        )
        .await
    }

    /// Answers a document request for the page at `index` of the table.
    pub(crate) async fn document(
        self,
        index: usize,
        state: &(dyn Any + Send + Sync),
        request: Request,
    ) -> Response {
        let inner = &self.inner;
        let entry = &inner.pages.entries[index];
        let (parts, _body) = request.into_parts();
        let url = normalized_url(&parts.uri);
        let page = match &entry.kind {
            PageKind::Static(_) => {
                let payload = self.payload_head(&url, |_| ());
                let state = RenderState::new(Some(index), PageState::Static);
                return self
                    .render_document(
                        Some(index),
                        &url,
                        state,
                        &payload,
                        StatusCode::OK,
                        ResponseHead::default(),
                    )
                    .await;
            }
            PageKind::Props(page) => page,
        };
        let path = parts.uri.path().to_owned();
        let Loaded { result, head } = match self
            .load(page, &entry.pattern, &path, state, parts, url.clone())
            .await
        {
            Ok(loaded) => loaded,
            Err(e) => {
                return self
                    .error_document(index, &url, e, ResponseHead::default())
                    .await
            }
        };
        match result {
            Ok(Outcome::Props(props)) => {
                match self.payload_with_props(page, &url, props.as_ref()) {
                    Ok(payload) => {
                        let status = head.status().unwrap_or(StatusCode::OK);
                        let state =
                            RenderState::new(Some(index), PageState::Props(props.into_any()));
                        self.render_document(Some(index), &url, state, &payload, status, head)
                            .await
                    }
                    Err(e) => self.error_document(index, &url, e, head).await,
                }
            }
            Ok(Outcome::NotFound) => {
                let payload = self.payload_head(&url, |p| p.not_found = true);
                let state = RenderState::new(Some(index), PageState::NotFound);
                self.render_document(
                    Some(index),
                    &url,
                    state,
                    &payload,
                    StatusCode::NOT_FOUND,
                    head,
                )
                .await
            }
            Ok(Outcome::Redirect(redirect))
                if HeaderValue::from_str(&redirect.destination).is_err() =>
            {
                let e = LoaderError::internal(format!(
                    "redirect destination {:?} is not a valid URL",
                    redirect.destination
                ));
                self.error_document(index, &url, e, head).await
            }
            Ok(Outcome::Redirect(redirect)) => redirect_response(&redirect, head),
            Ok(Outcome::Response(response)) => own_response(response, head),
            Err(e) => self.error_document(index, &url, e, head).await,
        }
    }

    /// Answers a props request (`/_props/<build>/<page>.json?<query>`).
    pub(crate) async fn props(self, state: &(dyn Any + Send + Sync), request: Request) -> Response {
        let inner = &self.inner;
        let (parts, _body) = request.into_parts();
        let Some((build, page_path)) = protocol::parse_props_path(parts.uri.path()) else {
            return self.not_found_json(ResponseHead::default());
        };
        if build != inner.build_id {
            let payload = PropsPayload {
                stale_build: true,
                ..Default::default()
            };
            return self.json(StatusCode::GONE, &payload, ResponseHead::default());
        }
        let Ok(matched) = inner.matcher.at(&page_path) else {
            return self.not_found_json(ResponseHead::default());
        };
        let index = *matched.value;
        let entry = &inner.pages.entries[index];
        let PageKind::Props(page) = &entry.kind else {
            // A page without a loader has no props; the client never asks.
            return self.raw_json(
                StatusCode::OK,
                "{\"props\":null}".to_owned(),
                ResponseHead::default(),
            );
        };
        let url = match parts.uri.query().filter(|q| !q.is_empty()) {
            Some(q) => format!("{page_path}?{q}"),
            None => page_path.clone(),
        };
        let Loaded { result, head } = match self
            .load(page, &entry.pattern, &page_path, state, parts, url.clone())
            .await
        {
            Ok(loaded) => loaded,
            Err(e) => return self.error_json(&url, e, ResponseHead::default()),
        };
        match result {
            Ok(Outcome::Props(props)) => match props_answer(page, props.as_ref()) {
                Ok(body) => {
                    let status = head.status().unwrap_or(StatusCode::OK);
                    self.raw_json(status, body, head)
                }
                Err(e) => self.error_json(&url, e, head),
            },
            Ok(Outcome::NotFound) => self.not_found_json(head),
            Ok(Outcome::Redirect(redirect))
                if HeaderValue::from_str(&redirect.destination).is_err() =>
            {
                let e = LoaderError::internal(format!(
                    "redirect destination {:?} is not a valid URL",
                    redirect.destination
                ));
                self.error_json(&url, e, head)
            }
            Ok(Outcome::Redirect(redirect)) => {
                let payload = PropsPayload {
                    redirect: Some(redirect),
                    ..Default::default()
                };
                self.json(StatusCode::OK, &payload, head)
            }
            Ok(Outcome::Response(response)) => own_response(response, head),
            Err(e) => self.error_json(&url, e, head),
        }
    }

    /// Decodes a page's params from `path` and runs its loader for the page
    /// URL `url`, within the loader timeout. `Err` when the params do not
    /// decode (400) or the loader ran out of time (504).
    async fn load(
        &self,
        page: &PropsPage,
        pattern: &RoutePattern,
        path: &str,
        state: &(dyn Any + Send + Sync),
        parts: http::request::Parts,
        url: String,
    ) -> Result<Loaded, LoaderError> {
        let request = RequestParts {
            params: extract_params(pattern, path)?,
            method: parts.method,
            url,
            headers: parts.headers,
            extensions: parts.extensions,
            secure_cookies: self.inner.secure_cookies,
        };
        let timeout = self.inner.loader_timeout;
        tokio::time::timeout(timeout, page.loader.call(state, request))
            .await
            .map_err(|_| {
                LoaderError::new(
                    StatusCode::GATEWAY_TIMEOUT,
                    format!("the loader did not finish within {timeout:?}"),
                )
            })
    }

    async fn error_document(
        &self,
        index: usize,
        url: &str,
        error: LoaderError,
        head: ResponseHead,
    ) -> Response {
        log_error(url, &error);
        let status = error.status();
        uncacheable_if_server_error(status, &head);
        if status == StatusCode::NOT_FOUND {
            let payload = self.payload_head(url, |p| p.not_found = true);
            let state = RenderState::new(Some(index), PageState::NotFound);
            return self
                .render_document(Some(index), url, state, &payload, status, head)
                .await;
        }
        let page_error = self.page_error(&error);
        let payload = self.payload_head(url, |p| {
            p.error = Some(reason(status).to_owned());
            p.detail.clone_from(&page_error.detail);
            p.status = Some(status.as_u16());
        });
        let state = RenderState::new(Some(index), PageState::Error(page_error));
        self.render_document(Some(index), url, state, &payload, status, head)
            .await
    }

    fn error_json(&self, url: &str, error: LoaderError, head: ResponseHead) -> Response {
        log_error(url, &error);
        let status = error.status();
        uncacheable_if_server_error(status, &head);
        if status == StatusCode::NOT_FOUND {
            return self.not_found_json(head);
        }
        let payload = PropsPayload {
            error: Some(reason(status).to_owned()),
            detail: self.page_error(&error).detail,
            status: Some(status.as_u16()),
            ..Default::default()
        };
        self.json(status, &payload, head)
    }

    fn page_error(&self, error: &LoaderError) -> PageError {
        PageError {
            status: error.status().as_u16(),
            detail: self.inner.dev.then(|| error.to_string()),
        }
    }

    async fn render_document(
        &self,
        page: Option<usize>,
        url: &str,
        state: RenderState,
        payload: &str,
        status: StatusCode,
        head: ResponseHead,
    ) -> Response {
        let renderer = &self.inner.renderer;
        let nonce = renderer.nonce();
        let nonce = nonce.as_ref();
        let (status, html, leptos_options) = match renderer.render(url, state, payload, nonce).await
        {
            Ok((html, options)) => (status, html, Some(options)),
            Err(panic) => {
                tracing::error!(path = url, "server_props: rendering panicked: {panic}");
                uncacheable_if_server_error(StatusCode::INTERNAL_SERVER_ERROR, &head);
                let error = PageError {
                    status: 500,
                    detail: self.inner.dev.then(|| panic.clone()),
                };
                let payload = self.payload_head(url, |p| {
                    p.error = Some(reason(StatusCode::INTERNAL_SERVER_ERROR).to_owned());
                    p.detail.clone_from(&error.detail);
                    p.status = Some(500);
                });
                // Once more with the error page in the page's place; a panic in
                // the layout itself would recur, so then a bare page.
                let state = RenderState::new(page, PageState::Error(error));
                let html = match renderer.render(url, state, &payload, nonce).await {
                    Ok((html, _)) => html,
                    Err(_) => Renderer::bare_error_page(500),
                };
                (StatusCode::INTERNAL_SERVER_ERROR, html, None)
            }
        };
        let mut response = Response::new(Body::from(html));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        *headers = head_headers(head);
        headers
            .entry(CONTENT_TYPE)
            .or_insert(HeaderValue::from_static("text/html; charset=utf-8"));
        headers
            .entry(CACHE_CONTROL)
            .or_insert(HeaderValue::from_static(DEFAULT_CACHE_CONTROL));
        if let (Some(csp), Some(nonce)) = (&renderer.csp, nonce) {
            headers
                .entry(csp.name.clone())
                .or_insert_with(|| csp.header_value(nonce));
        }
        if let Some(options) = leptos_options {
            // A component may have set a status or headers the Leptos way.
            let options = options.0.read().unwrap_or_else(|e| e.into_inner());
            if let Some(s) = options.status {
                *response.status_mut() = s;
            }
            for (name, value) in options.headers.iter() {
                response.headers_mut().insert(name.clone(), value.clone());
            }
        }
        response
    }

    /// `{"build":…,"url":…,<extra>}` escaped for the script element.
    fn payload_head(&self, url: &str, extra: impl FnOnce(&mut PropsPayload)) -> String {
        let mut payload = PropsPayload {
            build: Some(self.inner.build_id.clone()),
            url: Some(url.to_owned()),
            ..Default::default()
        };
        extra(&mut payload);
        let json = serde_json::to_string(&payload).expect("payload serialises");
        let mut out = String::with_capacity(json.len() + 16);
        escape_json_into(&json, &mut out);
        out
    }

    /// `{"build":…,"url":…,"props":<json>}` escaped for the script element,
    /// the props serialised straight into it.
    fn payload_with_props(
        &self,
        page: &PropsPage,
        url: &str,
        props: &dyn ErasedProps,
    ) -> Result<String, LoaderError> {
        let build = &self.inner.build_id;
        let mut out = page.loader.json_buffer(url.len() + build.len() + 48);
        out.extend_from_slice(b"{\"build\":\"");
        out.extend_from_slice(build.as_bytes());
        out.extend_from_slice(b"\",\"url\":");
        let start = out.len();
        serde_json::to_writer(&mut out, url).map_err(LoaderError::from)?;
        out.extend_from_slice(b",\"props\":");
        let props_start = out.len();
        props.write_json(&mut out).map_err(LoaderError::from)?;
        page.loader.note_json_size(out.len() - props_start);
        out.push(b'}');
        escape_json_tail(&mut out, start);
        Ok(String::from_utf8(out).expect("serde_json writes UTF-8"))
    }

    /// `404 {"notFound":true}`.
    fn not_found_json(&self, head: ResponseHead) -> Response {
        let payload = PropsPayload {
            not_found: true,
            ..Default::default()
        };
        self.json(StatusCode::NOT_FOUND, &payload, head)
    }

    fn json(&self, status: StatusCode, payload: &PropsPayload, head: ResponseHead) -> Response {
        let body = serde_json::to_string(payload).expect("payload serialises");
        self.raw_json(status, body, head)
    }

    fn raw_json(&self, status: StatusCode, body: impl Into<Body>, head: ResponseHead) -> Response {
        let mut response = Response::new(body.into());
        *response.status_mut() = status;
        let headers = response.headers_mut();
        *headers = head_headers(head);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
        headers
            .entry(CACHE_CONTROL)
            .or_insert(HeaderValue::from_static(DEFAULT_CACHE_CONTROL));
        if let Ok(v) = HeaderValue::from_str(&self.inner.build_id) {
            headers.insert(HeaderName::from_static(PROPS_HEADER), v);
        }
        response
    }
}

/// `{"props":<json>}`, serialised once into a buffer sized from the page's
/// last answer.
fn props_answer(page: &PropsPage, props: &dyn ErasedProps) -> Result<Vec<u8>, LoaderError> {
    let mut body = page.loader.json_buffer(16);
    body.extend_from_slice(b"{\"props\":");
    props.write_json(&mut body).map_err(LoaderError::from)?;
    body.push(b'}');
    page.loader.note_json_size(body.len());
    Ok(body)
}

/// A server error must not be cached as the loader asked for its page: back
/// to the kit's `private, no-store` default.
fn uncacheable_if_server_error(status: StatusCode, head: &ResponseHead) {
    if status.is_server_error() {
        head.insert_header(
            CACHE_CONTROL,
            HeaderValue::from_static(DEFAULT_CACHE_CONTROL),
        );
    }
}

fn log_error(url: &str, error: &LoaderError) {
    if error.status().is_server_error() {
        tracing::error!(
            path = url,
            status = error.status().as_u16(),
            "loader failed: {error}"
        );
    } else {
        tracing::info!(
            path = url,
            status = error.status().as_u16(),
            "loader rejected the request: {error}"
        );
    }
}

fn reason(status: StatusCode) -> &'static str {
    status.canonical_reason().unwrap_or("Error")
}

fn head_headers(head: ResponseHead) -> HeaderMap {
    head.into_parts().1
}

fn redirect_response(redirect: &Redirect, head: ResponseHead) -> Response {
    let Ok(location) = HeaderValue::from_str(&redirect.destination) else {
        tracing::error!(
            destination = redirect.destination,
            "server_props: redirect destination is not a valid header value"
        );
        let mut response = Response::new(Body::from(Renderer::bare_error_page(500)));
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        return response;
    };
    let mut response = Response::new(Body::from(redirect.destination.clone()));
    *response.status_mut() =
        StatusCode::from_u16(redirect.status.code()).expect("redirect codes are valid");
    let headers = response.headers_mut();
    *headers = head_headers(head);
    if redirect.status == RedirectStatus::Permanent {
        if let Ok(v) = HeaderValue::from_str(&format!("0;url={}", redirect.destination)) {
            headers.insert(REFRESH, v);
        }
    }
    headers.insert(LOCATION, location);
    headers
        .entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static(DEFAULT_CACHE_CONTROL));
    response
}

/// A loader's own response, sent as is, plus the cookies and headers it set
/// through its response head (the response's own headers win).
fn own_response(mut response: Response, head: ResponseHead) -> Response {
    let headers = response.headers_mut();
    let own: Vec<HeaderName> = headers.keys().cloned().collect();
    let mut current: Option<HeaderName> = None;
    for (name, value) in head_headers(head) {
        if let Some(name) = name {
            current = Some(name);
        }
        let Some(name) = current.clone() else {
            continue;
        };
        if name == http::header::SET_COOKIE || !own.contains(&name) {
            headers.append(name, value);
        }
    }
    response
}

/// The page URL of a request: path and query.
fn page_url(request: &Request) -> String {
    normalized_url(request.uri())
}

/// Path and query of a URI, without an empty query (`/a?` is `/a`, as
/// `location.pathname + location.search` is in the browser).
fn normalized_url(uri: &http::Uri) -> String {
    let url = uri.path_and_query().map_or("/", |pq| pq.as_str());
    url.strip_suffix('?').unwrap_or(url).to_owned()
}

/// Reads the params of `pattern` out of a path it is known to match,
/// percent-decoding each segment (a catch-all is split before decoding, so an
/// encoded `%2F` stays inside its segment).
pub(crate) fn extract_params(
    pattern: &RoutePattern,
    path: &str,
) -> Result<Vec<(&'static str, ParamValue)>, LoaderError> {
    let mut rest = path.strip_prefix('/').unwrap_or(path).split('/');
    let mut params = Vec::new();
    for segment in pattern.segments() {
        match *segment {
            Segment::Static(_) => {
                rest.next();
            }
            Segment::Param(name) => {
                let raw = rest.next().unwrap_or_default();
                params.push((name, ParamValue::One(decode(name, raw)?)));
            }
            Segment::CatchAll(name) => {
                let values = rest
                    .by_ref()
                    .map(|raw| decode(name, raw))
                    .collect::<Result<_, _>>()?;
                params.push((name, ParamValue::Many(values)));
            }
        }
    }
    Ok(params)
}

fn decode(name: &str, raw: &str) -> Result<String, LoaderError> {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| {
            LoaderError::bad_request(format!(
                "route parameter `{name}` is not valid UTF-8 once decoded"
            ))
        })
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

/// The build id: `SERVER_PROPS_BUILD_ID` if set, else a hash of the wasm
/// bundle being served (so a redeploy with a new bundle changes it), else a
/// hash of this executable's size and modification time.
fn default_build_id(options: &LeptosOptions) -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    if let Ok(id) = std::env::var("SERVER_PROPS_BUILD_ID") {
        return sanitize_build_id(&id);
    }
    let pkg = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let mut hasher = DefaultHasher::new();
    let name = &*options.output_name;
    let wasm = [format!("{name}.wasm"), format!("{name}_bg.wasm")]
        .into_iter()
        .find_map(|file| std::fs::read(pkg.join(file)).ok());
    if let Some(bytes) = wasm {
        bytes.hash(&mut hasher);
    } else if let Some(meta) = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok())
    {
        meta.len().hash(&mut hasher);
        meta.modified().ok().hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_are_decoded_per_segment() {
        let p = RoutePattern::parse("/repos/:owner/:name").unwrap();
        let got = extract_params(&p, "/repos/a%20b/n%C3%A9").unwrap();
        assert_eq!(
            got,
            [
                ("owner", ParamValue::One("a b".into())),
                ("name", ParamValue::One("né".into()))
            ]
        );
        let c = RoutePattern::parse("/catchall/*path").unwrap();
        let got = extract_params(&c, "/catchall/a/b%2Fc/d").unwrap();
        assert_eq!(
            got,
            [(
                "path",
                ParamValue::Many(vec!["a".into(), "b/c".into(), "d".into()])
            )]
        );
    }

    #[test]
    fn invalid_utf8_params_are_400() {
        let p = RoutePattern::parse("/blog/:post").unwrap();
        assert_eq!(extract_params(&p, "/blog/%FF").unwrap_err().status(), 400);
    }

    #[test]
    fn redirects_map_to_status_location_and_refresh() {
        let r = redirect_response(&Redirect::permanent("/x"), ResponseHead::default());
        assert_eq!(r.status(), 308);
        assert_eq!(r.headers()[LOCATION], "/x");
        assert_eq!(r.headers()[REFRESH], "0;url=/x");
        let r = redirect_response(&Redirect::temporary("/y"), ResponseHead::default());
        assert_eq!(r.status(), 307);
        assert!(r.headers().get(REFRESH).is_none());
        assert_eq!(r.headers()[CACHE_CONTROL], DEFAULT_CACHE_CONTROL);
        for status in [
            RedirectStatus::MovedPermanently,
            RedirectStatus::Found,
            RedirectStatus::SeeOther,
        ] {
            let r = redirect_response(&Redirect::with_status(status, "/"), ResponseHead::default());
            assert_eq!(r.status().as_u16(), status.code());
        }
    }

    #[test]
    fn loader_cache_control_wins_over_the_default() {
        let head = ResponseHead::default();
        head.set_cache_control("public, max-age=3600").unwrap();
        let r = redirect_response(&Redirect::temporary("/"), head);
        assert_eq!(r.headers()[CACHE_CONTROL], "public, max-age=3600");
    }

    #[test]
    fn own_responses_keep_their_headers_and_gain_cookies() {
        let mut response = Response::new(Body::from("hi"));
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        let head = ResponseHead::default();
        head.insert_header(CONTENT_TYPE, HeaderValue::from_static("text/html"));
        head.set_cookie(&cookie::Cookie::new("a", "1")).unwrap();
        head.append_header(
            http::header::LINK,
            HeaderValue::from_static("</a>; rel=preload"),
        );
        head.append_header(
            http::header::LINK,
            HeaderValue::from_static("</b>; rel=preload"),
        );
        let r = own_response(response, head);
        assert_eq!(r.headers()[CONTENT_TYPE], "text/plain");
        assert_eq!(
            r.headers()[http::header::SET_COOKIE],
            "a=1; HttpOnly; SameSite=Lax; Path=/"
        );
        assert_eq!(r.headers().get_all(http::header::LINK).iter().count(), 2);
    }

    #[test]
    fn build_ids_are_sanitised() {
        assert_eq!(sanitize_build_id("v1.2-abc_D"), "v1.2-abc_D");
        assert_eq!(sanitize_build_id("a/b?c"), "abc");
        assert_eq!(sanitize_build_id("///"), "dev");
    }
}
