//! The request and the response, in a loader's hands.
//!
//! [`LoaderContext`] is what Next.js passes `getServerSideProps`: route
//! params, the query (where a route param wins over a query parameter of the
//! same name), the resolved URL (the page's path and original query, never
//! the internal props URL), the method, headers, cookies, the app's state
//! and a [`ResponseHead`] to set the status, headers and cookies of both the
//! document and the props answer.

use crate::params::{from_params, DecodedParams, ParamValue};
use crate::ssr::{
    loader::error::LoaderError,
    request::config::RequestConfig,
    response::head::{Credential, ResponseHead},
};
use axum::{
    body::{Body, Bytes},
    extract::FromRequestParts,
    response::IntoResponse,
};
use cookie::{Cookie, CookieJar};
use http::{header::COOKIE, request::Parts, Extensions, HeaderMap, Method, Uri};
use serde::de::DeserializeOwned;
use std::sync::{Arc, Mutex};

/// What the kit gathers from a request before the loader runs.
#[derive(Debug)]
pub(crate) struct RequestParts {
    /// The request head, its URI the page's (never the props URL); shared
    /// by everything that runs for one request (the page's loader or
    /// action, the layout's loader, the head a submission's next `GET`
    /// starts from), copied only for one that changes it (an axum
    /// extractor takes `&mut Parts`) while another holds it.
    pub(crate) parts: Arc<Parts>,
    /// The body, until a loader reads it; never buffered otherwise. (In a
    /// mutex only so that `&LoaderContext` is `Sync` and may be held across
    /// an await: reading it takes `&mut`, so it is never contended.)
    pub(crate) body: Mutex<Option<Body>>,
    pub(crate) params: DecodedParams,
    pub(crate) config: Arc<RequestConfig>,
}

impl RequestParts {
    /// The head (no body) for a second loader of the same request: shared,
    /// not copied.
    pub(crate) fn shared_head(&self) -> Self {
        Self {
            parts: self.parts.clone(),
            body: Mutex::new(None),
            params: self.params.clone(),
            config: self.config.clone(),
        }
    }

    /// The head to change: this one's own, or a copy when another holds it.
    pub(crate) fn parts_mut(&mut self) -> &mut Parts {
        Arc::make_mut(&mut self.parts)
    }

    /// The head, owned: this one, or a copy when another holds it.
    pub(crate) fn into_parts(self) -> Parts {
        Arc::unwrap_or_clone(self.parts)
    }
}

/// The head of a request for `uri` with a page URL instead of its own.
pub(crate) fn with_page_uri(mut parts: Parts, page_url: &str) -> Parts {
    if let Ok(uri) = Uri::try_from(page_url) {
        parts.uri = uri;
    }
    parts
}

/// A loader's view of the request, and its handle on the response.
///
/// Read typed input with [`params`](Self::params), [`param`](Self::param),
/// [`query`](Self::query), any axum extractor ([`extract`](Self::extract))
/// and the body ([`form`](Self::form), [`json`](Self::json),
/// [`bytes`](Self::bytes)); each fails with the status that fits (404 for a
/// param, 400 for a query or a body that does not parse, 413, 415, an
/// extractor's own rejection), which `?` passes on.
#[derive(Debug)]
pub struct LoaderContext<S> {
    state: S,
    request: RequestParts,
    /// The decoded query pairs, parsed when first asked for.
    query: std::sync::OnceLock<Vec<(String, String)>>,
    /// Shared with what writes to it after the loader took it as an
    /// argument (a [`Session`](crate::ssr::request::session::Session)).
    response: Arc<ResponseHead>,
}

impl<S> LoaderContext<S> {
    pub(crate) fn new(state: S, request: RequestParts) -> Self {
        let query = std::sync::OnceLock::new();
        let response = Arc::new(ResponseHead::with_config(request.config.clone()));
        Self {
            state,
            request,
            query,
            response,
        }
    }

    /// The app's shared state (database pool, configuration).
    pub fn state(&self) -> &S {
        &self.state
    }

    /// The request method (`GET`, `HEAD`, or a method the page accepts, for
    /// documents; `GET` for props).
    pub fn method(&self) -> &Method {
        &self.request.parts.method
    }

    /// The resolved URL: the page's path plus the original query string.
    pub fn url(&self) -> &str {
        self.request
            .parts
            .uri
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
    }

    /// The page's path, without the query.
    pub fn path(&self) -> &str {
        self.request.parts.uri.path()
    }

    /// The request head: method, the page's URI, headers, extensions.
    ///
    /// The answer varies by `Cookie` and `Authorization` (`Vary`), as the
    /// loader may have read them: see [`headers`](Self::headers).
    pub fn parts(&self) -> &Parts {
        self.reads_credentials(&Credential::ALL);
        &self.request.parts
    }

    /// The request headers.
    ///
    /// The answer varies by `Cookie` and `Authorization` (`Vary`), as the
    /// loader may have read them: a shared cache then never gives one
    /// visitor's answer to another. Read one header with
    /// [`header`](Self::header) to vary only by what was read.
    pub fn headers(&self) -> &HeaderMap {
        self.reads_credentials(&Credential::ALL);
        &self.request.parts.headers
    }

    /// One request header as text, if present and valid text. Reading
    /// `Cookie` or `Authorization` makes the answer vary by it.
    pub fn header(&self, name: &str) -> Option<&str> {
        if let Some(credential) = Credential::of_header(name) {
            self.reads_credentials(&[credential]);
        }
        self.request
            .parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
    }

    /// An extension the kit itself reads (its own settings put there by a
    /// layer), which says nothing of the visitor: no `Vary`.
    pub(crate) fn kit_extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.request.parts.extensions.get::<T>()
    }

    /// Records that the loader read these request headers: the answer
    /// varies by them.
    fn reads_credentials(&self, credentials: &[Credential]) {
        for credential in credentials {
            self.response.note_read(*credential);
        }
    }

    /// The request's cookies. The answer varies by `Cookie` (`Vary`), so a
    /// shared cache keeps one copy per visitor's cookies, never shares
    /// one visitor's page with another.
    pub fn cookies(&self) -> CookieJar {
        self.reads_credentials(&[Credential::Cookie]);
        let mut jar = CookieJar::new();
        for header in self.request.parts.headers.get_all(COOKIE) {
            // UTF-8 is fine (browsers send what was set); `to_str` would
            // refuse the whole line for one byte above ASCII.
            let Ok(header) = std::str::from_utf8(header.as_bytes()) else {
                continue;
            };
            for cookie in Cookie::split_parse(header).flatten() {
                jar.add_original(cookie.into_owned());
            }
        }
        jar
    }

    /// The value of a request cookie (quotes around it removed).
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies()
            .get(name)
            .map(|c| c.value_trimmed().to_owned())
    }

    /// A cookie set with [`ResponseHead::set_signed_cookie`], if its
    /// signature holds (a forged or changed cookie reads as absent).
    /// `None` too when the kit has no cookie key.
    pub fn signed_cookie(&self, name: &str) -> Option<Cookie<'static>> {
        let key = self.request.config.cookie_key.as_ref()?;
        self.cookies().signed(key).get(name)
    }

    /// A cookie set with [`ResponseHead::set_private_cookie`], decrypted,
    /// if it is genuine.
    pub fn private_cookie(&self, name: &str) -> Option<Cookie<'static>> {
        let key = self.request.config.cookie_key.as_ref()?;
        self.cookies().private(key).get(name)
    }

    /// Where this loader runs: [`PageRuntime::Edge`](crate::PageRuntime::Edge)
    /// in the edge build (which marks every request it answers), else
    /// [`PageRuntime::Server`](crate::PageRuntime::Server): Next.js's
    /// `process.env.NEXT_RUNTIME`.
    pub fn runtime(&self) -> crate::PageRuntime {
        self.request
            .parts
            .extensions
            .get::<crate::PageRuntime>()
            .copied()
            .unwrap_or_default()
    }

    /// Request extensions set by middleware (an authenticated user, a request id).
    ///
    /// The answer varies by `Cookie` and `Authorization` (`Vary`): what a
    /// middleware put here may have come from them (a user from a session).
    pub fn extensions(&self) -> &Extensions {
        self.reads_credentials(&Credential::ALL);
        &self.request.parts.extensions
    }

    /// The route params as a serde type (a struct whose fields are the
    /// path's params, a `Vec<String>` for a catch-all, one value for a path
    /// with one param).
    ///
    /// # Errors
    /// A 404 when a value does not parse (`/items/abc` for a number).
    pub fn params<T: DeserializeOwned>(&self) -> Result<T, LoaderError> {
        from_params(&self.request.params)
            .map_err(|e| LoaderError::not_found(format!("route params: {e}")))
    }

    /// One route param parsed into `T` (a `Vec<String>` for a catch-all).
    ///
    /// # Errors
    /// A 404 when the value does not parse; a 500 if the path has no such
    /// param, a bug that `#[loader]`'s `#[param]` catches at compile time.
    pub fn param<T: DeserializeOwned>(&self, name: &str) -> Result<T, LoaderError> {
        let Some(found) = self.request.params.iter().find(|(n, _)| *n == name) else {
            return Err(LoaderError::internal(format!(
                "this page's path has no parameter `{name}`"
            )));
        };
        from_params(std::slice::from_ref(found))
            .map_err(|e| LoaderError::not_found(format!("route parameter `{name}`: {e}")))
    }

    fn query_list(&self) -> &[(String, String)] {
        self.query
            .get_or_init(|| match self.request.parts.uri.query() {
                Some(q) => form_urlencoded::parse(q.as_bytes()).into_owned().collect(),
                None => Vec::new(),
            })
    }

    /// All route params, decoded.
    pub fn raw_params(&self) -> impl Iterator<Item = (&str, &ParamValue)> {
        self.request.params.iter().map(|(n, v)| (*n, v))
    }

    /// The query string as a serde type (`Option` and `#[serde(default)]`
    /// fields for optional values).
    ///
    /// # Errors
    /// A 400 when it does not parse, on the document and the props answer
    /// alike.
    pub fn query<T: DeserializeOwned>(&self) -> Result<T, LoaderError> {
        let query = self.request.parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map_err(|e| LoaderError::bad_request(format!("query: {e}")))
    }

    /// A value of the merged query: the route param of that name if there is
    /// one (so `/blog/a?post=b` reads `a`), else the first query parameter.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        if let Some((_, v)) = self.request.params.iter().find(|(n, _)| *n == name) {
            return match v {
                ParamValue::One(v) => Some(v),
                ParamValue::Many(_) => None,
            };
        }
        self.query_list()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The merged query, as Next.js's `context.query`: route params first
    /// (catch-alls as one value per segment), then query parameters not
    /// shadowed by a route param.
    pub fn query_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        let params = self.request.params.iter().flat_map(|(n, v)| {
            let values: Vec<&str> = match v {
                ParamValue::One(v) => vec![v],
                ParamValue::Many(v) => v.iter().map(String::as_str).collect(),
            };
            values.into_iter().map(move |v| (*n, v))
        });
        let query = self
            .query_list()
            .iter()
            .filter(|(n, _)| !self.request.params.iter().any(|(p, _)| p == n))
            .map(|(n, v)| (n.as_str(), v.as_str()));
        params.chain(query)
    }

    /// Runs an axum extractor (`Query`, `HeaderMap`, `TypedHeader`,
    /// `CookieJar`, the app's own) on the request head, which carries the
    /// page's URI (never the props URL).
    ///
    /// # Errors
    /// The extractor's rejection, with its own status (a `Query` that does
    /// not parse is a 400); a rejection that is not an error status (a
    /// redirect to a login page) is sent as it is.
    pub async fn extract<E>(&mut self) -> Result<E, LoaderError>
    where
        E: FromRequestParts<S>,
        S: Send + Sync,
    {
        if !reads_no_credentials::<E>() {
            // An extractor may read any header.
            self.reads_credentials(&Credential::ALL);
        }
        // Neither the value nor the rejection is held across the second
        // await, so the future is `Send` for any extractor (generic ones
        // too: `FromLoader`'s impl for every `FromRequestParts`).
        let parts = self.request.parts_mut();
        let rejection = match E::from_request_parts(parts, &self.state).await {
            Ok(value) => return Ok(value),
            Err(rejection) => rejection.into_response(),
        };
        Err(LoaderError::from_rejection(rejection).await)
    }

    /// The request body, read whole (at most the kit's body limit).
    ///
    /// # Errors
    /// 413 when it is larger than the limit, 400 when the client broke off,
    /// 500 when the body was already read.
    pub async fn bytes(&mut self) -> Result<Bytes, LoaderError> {
        let limit = self.request.config.max_body_bytes;
        let body = axum::body::Body::new(self.take_body()?);
        crate::ssr::request::body::read(body, limit).await
    }

    /// The request body as it streams in, bounded by the kit's body limit
    /// (a read past it fails with `http_body_util::LengthLimitError`), for
    /// an argument that parses as it reads (a multipart body). Once only.
    pub(crate) fn take_body(
        &mut self,
    ) -> Result<http_body_util::Limited<axum::body::Body>, LoaderError> {
        let body = self
            .request
            .body
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let Some(body) = body else {
            return Err(LoaderError::internal("the request body was already read"));
        };
        Ok(http_body_util::Limited::new(
            body,
            self.request.config.max_body_bytes,
        ))
    }

    /// The body as `multipart/form-data`, parsed as it streams in under the
    /// kit's body limit, with the request's `MultipartLimits` extension (if
    /// a layer set one, else the defaults). 415 for another content type
    /// and 400 without a usable boundary, before the body is read. Once
    /// only.
    pub(crate) fn multipart(
        &mut self,
    ) -> Result<crate::ssr::request::multipart::Multipart, LoaderError> {
        use crate::ssr::request::multipart::{boundary, Multipart, MultipartLimits};
        // One header, by name: the answer does not vary by the others.
        let boundary = boundary(self.header("content-type"))?;
        let limits = self
            .kit_extension::<MultipartLimits>()
            .copied()
            .unwrap_or_default();
        let body = axum::body::Body::new(self.take_body()?);
        Ok(Multipart::new(body.into_data_stream(), boundary, limits))
    }

    /// The body as a form, the way a plain `<form method="post">` sends it
    /// (`application/x-www-form-urlencoded`) or one with
    /// `enctype="multipart/form-data"` (its text fields: a file input left
    /// empty is skipped, a file is refused, as only a
    /// [`Multipart`](crate::multipart::Multipart) argument reads files). An
    /// enum reads its variant from the `intent` field
    /// ([`from_form`](crate::extract::from_form)).
    ///
    /// # Errors
    /// 415 for another content type, 413 over the limit, 400 when the
    /// fields do not fit `T`, the multipart body does not parse, or it
    /// holds a file.
    pub async fn form<T: DeserializeOwned>(&mut self) -> Result<T, LoaderError> {
        if crate::ssr::request::body::is_multipart(&self.request.parts.headers) {
            return self.multipart()?.read_fields::<T>().await;
        }
        crate::ssr::request::body::expect_content_type(
            &self.request.parts.headers,
            crate::ssr::request::body::BodyKind::Form,
        )?;
        let bytes = self.bytes().await?;
        crate::ssr::request::form_body::from_form(&bytes)
            .map_err(|e| LoaderError::bad_request(format!("form: {e}")))
    }

    /// The body as JSON (`application/json` or a `+json` type).
    ///
    /// # Errors
    /// 415 for another content type, 413 over the limit, 400 when it is not
    /// JSON of `T`'s shape.
    pub async fn json<T: DeserializeOwned>(&mut self) -> Result<T, LoaderError> {
        crate::ssr::request::body::expect_content_type(
            &self.request.parts.headers,
            crate::ssr::request::body::BodyKind::Json,
        )?;
        let bytes = self.bytes().await?;
        serde_json::from_slice(&bytes).map_err(|e| LoaderError::bad_request(format!("JSON: {e}")))
    }

    /// The response's status, headers and cookies.
    pub fn response(&self) -> &ResponseHead {
        &self.response
    }

    pub(crate) fn into_response_head(self) -> ResponseHead {
        // An argument that kept its handle (a session held past the
        // loader) leaves the head's contents behind.
        Arc::try_unwrap(self.response).unwrap_or_else(|shared| shared.take())
    }

    /// The response head, for an argument that writes to it later.
    pub(crate) fn shared_response(&self) -> Arc<ResponseHead> {
        self.response.clone()
    }

    /// How sessions are kept.
    pub(crate) fn session_config(&self) -> Arc<crate::ssr::request::session::store::SessionConfig> {
        self.request.config.sessions.clone()
    }
}

impl LoaderError {
    /// An extractor's rejection: a redirect (to a login page) as the kit's
    /// redirect, so a props answer carries it as JSON; an error status with
    /// its text and headers (`WWW-Authenticate`, `Allow`) on the app's error
    /// page or error JSON; anything else as the response itself.
    pub(crate) async fn from_rejection(response: axum::response::Response) -> Self {
        let status = response.status();
        if status.is_redirection() {
            let redirect = crate::redirect::RedirectStatus::from_code(status.as_u16())
                .zip(response.headers().get(http::header::LOCATION))
                .and_then(|(s, l)| Some(crate::Redirect::with_status(s, l.to_str().ok()?)));
            if let Some(redirect) = redirect {
                return redirect.into();
            }
        }
        if !(status.is_client_error() || status.is_server_error()) {
            return Self::response(response);
        }
        let (parts, body) = response.into_parts();
        let text = axum::body::to_bytes(body, 4096)
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let mut error = Self::new(status, format!("rejected by an extractor: {text}"));
        let mut headers = parts.headers;
        headers.remove(http::header::CONTENT_TYPE);
        headers.remove(http::header::CONTENT_LENGTH);
        if let crate::ssr::loader::error::ErrorKind::Failed { headers: h, .. } = &mut error.kind {
            *h = (!headers.is_empty()).then(|| Box::new(headers));
        }
        error
    }
}

/// Whether an axum extractor is one of axum's own that read no request
/// header (the state, the query, the path): they leave the
/// answer's `Vary` alone. Any other extractor may read `Cookie` or
/// `Authorization`, so the answer varies by both. Recognised by the type's
/// name, which is safe either way: a name that stops matching only makes
/// an answer vary by more than it needs.
fn reads_no_credentials<E>() -> bool {
    const HEADER_FREE: [&str; 6] = [
        "axum::extract::state::State<",
        "axum::extract::query::Query<",
        "axum::extract::path::Path<",
        "axum::extract::raw_query::RawQuery",
        "axum::extract::matched_path::MatchedPath",
        "axum::extract::original_uri::OriginalUri",
    ];
    let name = std::any::type_name::<E>();
    HEADER_FREE.iter().any(|prefix| name.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    /// axum's header-free extractors are recognised by name; anything else
    /// (a header map, a typed header, a user's extractor) may read
    /// credentials.
    #[test]
    fn axums_header_free_extractors_are_recognised() {
        use axum::extract::{MatchedPath, OriginalUri, Path, Query, RawQuery, State};
        assert!(reads_no_credentials::<State<u8>>());
        assert!(reads_no_credentials::<Query<Vec<(String, String)>>>());
        assert!(reads_no_credentials::<Path<u32>>());
        assert!(reads_no_credentials::<RawQuery>());
        assert!(reads_no_credentials::<MatchedPath>());
        assert!(reads_no_credentials::<OriginalUri>());
        // An extension may hold a user a middleware read from the session.
        assert!(!reads_no_credentials::<axum::Extension<u8>>());
        assert!(!reads_no_credentials::<http::HeaderMap>());
        assert!(!reads_no_credentials::<http::Method>());
    }

    use super::*;
    use crate::ssr::response::head::CookieError;
    use cookie::Key;
    use http::{
        header::{CACHE_CONTROL, SET_COOKIE},
        HeaderValue,
    };

    fn cx(url: &str, params: Vec<(&'static str, ParamValue)>) -> LoaderContext<()> {
        let request = http::Request::builder()
            .uri(url)
            .header(COOKIE, "a=1; theme=dark; q=\"x\"")
            .body(())
            .unwrap();
        LoaderContext::new(
            (),
            RequestParts {
                parts: request.into_parts().0.into(),
                body: Mutex::new(None),
                params,
                config: Arc::new(RequestConfig {
                    cookie_key: Some(Key::from(&[7u8; 64])),
                    ..RequestConfig::default()
                }),
            },
        )
    }

    /// The loaders of one request share its head; one that changes it
    /// (an axum extractor takes `&mut Parts`) changes a copy of its own.
    #[test]
    fn a_shared_head_is_copied_only_to_be_changed() {
        let request = http::Request::builder()
            .uri("/a?x=1")
            .header(COOKIE, "a=1")
            .body(())
            .unwrap();
        let mut page = RequestParts {
            parts: Arc::new(request.into_parts().0),
            body: Mutex::new(None),
            params: Vec::new(),
            config: Arc::new(RequestConfig::default()),
        };
        let layout = page.shared_head();
        assert!(Arc::ptr_eq(&page.parts, &layout.parts));
        page.parts_mut()
            .headers
            .insert(COOKIE, http::HeaderValue::from_static("a=2"));
        assert!(!Arc::ptr_eq(&page.parts, &layout.parts));
        assert_eq!(layout.parts.headers[COOKIE], "a=1");
        assert_eq!(page.parts.headers[COOKIE], "a=2");
        assert_eq!(page.parts.uri, "/a?x=1");
        // Alone, it is its own: no copy.
        drop(layout);
        let before = Arc::as_ptr(&page.parts);
        page.parts_mut();
        assert_eq!(Arc::as_ptr(&page.parts), before);
        assert_eq!(page.into_parts().headers[COOKIE], "a=2");
    }

    #[test]
    fn route_params_win_over_query() {
        let cx = cx(
            "/blog/a?post=b&x=1&x=2",
            vec![("post", ParamValue::One("a".into()))],
        );
        assert_eq!(cx.query_value("post"), Some("a"));
        assert_eq!(cx.query_value("x"), Some("1"));
        assert_eq!(cx.query_value("nope"), None);
        let pairs: Vec<_> = cx.query_pairs().collect();
        assert_eq!(pairs, [("post", "a"), ("x", "1"), ("x", "2")]);
        assert_eq!(cx.path(), "/blog/a");
        assert_eq!(cx.url(), "/blog/a?post=b&x=1&x=2");
    }

    #[test]
    fn query_is_percent_and_plus_decoded() {
        let cx = cx("/s?q=a+b%20c&e=%E2%9C%93", vec![]);
        assert_eq!(cx.query_value("q"), Some("a b c"));
        assert_eq!(cx.query_value("e"), Some("✓"));
        #[derive(serde::Deserialize)]
        struct Q {
            q: String,
            e: String,
        }
        let q: Q = cx.query().unwrap();
        assert_eq!((q.q.as_str(), q.e.as_str()), ("a b c", "✓"));
    }

    #[test]
    fn typed_params_fail_with_404_and_queries_with_400() {
        let cx = cx("/items/x?n=abc", vec![("id", ParamValue::One("x".into()))]);
        assert_eq!(cx.param::<u32>("id").unwrap_err().status(), 404);
        assert_eq!(cx.param::<String>("id").unwrap(), "x");
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct N {
            n: Option<u32>,
        }
        assert_eq!(cx.query::<N>().unwrap_err().status(), 400);
        assert_eq!(cx.param::<String>("nope").unwrap_err().status(), 500);
    }

    #[test]
    fn catch_all_is_a_list() {
        let cx = cx(
            "/c/a/b",
            vec![("path", ParamValue::Many(vec!["a".into(), "b".into()]))],
        );
        assert_eq!(cx.param::<Vec<String>>("path").unwrap(), ["a", "b"]);
        assert_eq!(cx.params::<Vec<String>>().unwrap(), ["a", "b"]);
        assert_eq!(
            cx.query_pairs().collect::<Vec<_>>(),
            [("path", "a"), ("path", "b")]
        );
    }

    #[test]
    fn cookies_are_read_by_name() {
        let cx = cx("/", vec![]);
        assert_eq!(cx.cookie("theme").as_deref(), Some("dark"));
        assert_eq!(cx.cookie("q").as_deref(), Some("x"));
        assert_eq!(cx.cookie("th"), None);
        assert!(
            cx.signed_cookie("theme").is_none(),
            "unsigned cookies are not signed"
        );
    }

    #[test]
    fn response_head_collects_headers_and_cookies() {
        let head = ResponseHead::default();
        head.set_cache_control("public, s-maxage=10").unwrap();
        head.set_cookie(&cookie::Cookie::new("a", "1")).unwrap();
        head.set_cookie(&cookie::Cookie::new("b", "2")).unwrap();
        assert!(head.set_cache_control("a\nb").is_err());
        let (status, headers) = head.into_parts();
        assert_eq!(status, None);
        assert_eq!(headers[CACHE_CONTROL], "public, s-maxage=10");
        assert_eq!(headers.get_all(SET_COOKIE).iter().count(), 2);
    }

    #[test]
    fn cookies_get_safe_defaults_unless_set() {
        let head = ResponseHead::default();
        head.set_cookie(&cookie::Cookie::new("a", "1")).unwrap();
        let open = cookie::Cookie::build(("b", "2"))
            .http_only(false)
            .same_site(cookie::SameSite::Strict)
            .path("/app")
            .build();
        head.set_cookie(&open).unwrap();
        let secure = ResponseHead::with_config(Arc::new(RequestConfig {
            secure_cookies: true,
            ..RequestConfig::default()
        }));
        secure.set_cookie(&cookie::Cookie::new("c", "3")).unwrap();
        let insecure = cookie::Cookie::build(("d", "4")).secure(false).build();
        secure.set_cookie(&insecure).unwrap();
        let (_, headers) = head.into_parts();
        let set: Vec<_> = headers.get_all(SET_COOKIE).iter().collect();
        assert_eq!(set[0], "a=1; HttpOnly; SameSite=Lax; Path=/");
        assert_eq!(set[1], "b=2; SameSite=Strict; Path=/app");
        let (_, headers) = secure.into_parts();
        let set: Vec<_> = headers.get_all(SET_COOKIE).iter().collect();
        assert_eq!(set[0], "c=3; HttpOnly; SameSite=Lax; Secure; Path=/");
        assert_eq!(set[1], "d=4; HttpOnly; SameSite=Lax; Path=/");
    }

    #[test]
    fn layout_heads_merge_with_the_stricter_cache_control() {
        let page = ResponseHead::default();
        page.set_cache_control("public, s-maxage=10").unwrap();
        page.set_cookie(&Cookie::new("p", "1")).unwrap();
        let layout = ResponseHead::default();
        layout.set_cache_control("private, max-age=0").unwrap();
        layout.set_cookie(&Cookie::new("l", "1")).unwrap();
        layout.append_header(http::header::VARY, HeaderValue::from_static("Cookie"));
        page.merge_layout(layout);
        let (_, h) = page.into_parts();
        assert_eq!(h[CACHE_CONTROL], "private, max-age=0");
        assert_eq!(h.get_all(SET_COOKIE).iter().count(), 2);
        assert_eq!(h[http::header::VARY], "Cookie");
        let page = ResponseHead::default();
        page.set_cache_control("no-store").unwrap();
        let layout = ResponseHead::default();
        layout.set_cache_control("public, max-age=60").unwrap();
        page.merge_layout(layout);
        assert_eq!(page.into_parts().1[CACHE_CONTROL], "no-store");
        let page = ResponseHead::default();
        let layout = ResponseHead::default();
        layout.set_cache_control("private, max-age=60").unwrap();
        page.merge_layout(layout);
        assert!(
            page.into_parts().1.get(CACHE_CONTROL).is_none(),
            "the default stays"
        );
    }

    #[test]
    fn signed_cookies_round_trip_and_reject_tampering() {
        let sender = cx("/", vec![]);
        let head = sender.response();
        head.set_signed_cookie(Cookie::new("session", "ada"))
            .unwrap();
        let headers = head.headers();
        let set = headers[SET_COOKIE].to_str().unwrap().to_owned();
        let value = set.split(';').next().unwrap().to_owned();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Lax"),
            "{set}"
        );
        let reader = |cookie: &str| {
            let request = http::Request::builder()
                .uri("/")
                .header(COOKIE, cookie)
                .body(())
                .unwrap();
            LoaderContext::new(
                (),
                RequestParts {
                    parts: request.into_parts().0.into(),
                    body: Mutex::new(None),
                    params: vec![],
                    config: sender.request.config.clone(),
                },
            )
        };
        assert_eq!(
            reader(&value).signed_cookie("session").unwrap().value(),
            "ada"
        );
        let forged = value.replace("ada", "bob");
        assert!(reader(&forged).signed_cookie("session").is_none());
        assert!(reader("session=ada").signed_cookie("session").is_none());
        assert!(matches!(
            ResponseHead::default().set_signed_cookie(Cookie::new("a", "b")),
            Err(CookieError::NoKey)
        ));
        // Private: encrypted too, so the value is not in the header at all.
        let sender = cx("/", vec![]);
        sender
            .response()
            .set_private_cookie(Cookie::new("secret", "ada"))
            .unwrap();
        let set = sender.response().headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(!set.contains("ada"), "{set}");
        let value = set.split(';').next().unwrap().to_owned();
        assert_eq!(
            reader(&value).private_cookie("secret").unwrap().value(),
            "ada"
        );
        assert!(reader(&value).signed_cookie("secret").is_none());
        let mut tampered = value.clone();
        tampered.pop();
        assert!(reader(&tampered).private_cookie("secret").is_none());
    }
}
