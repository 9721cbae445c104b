//! The request and the response, in a loader's hands.
//!
//! [`LoaderContext`] is what Next.js passes `getServerSideProps`: route
//! params, the query (where a route param wins over a query parameter of the
//! same name), the resolved URL (the page's path and original query, never
//! the internal props URL), the method, headers, cookies, the app's state
//! and a [`ResponseHead`] to set the status, headers and cookies of both the
//! document and the props answer.

use super::loader::LoaderError;
use http::{
    header::{InvalidHeaderValue, CACHE_CONTROL, COOKIE, SET_COOKIE},
    Extensions, HeaderMap, HeaderName, HeaderValue, Method, StatusCode,
};
use std::{
    str::FromStr,
    sync::{Mutex, MutexGuard},
};

/// A route parameter's value: a catch-all is a list of segments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamValue {
    /// `:name`: one percent-decoded segment.
    One(String),
    /// `*name`: the percent-decoded segments of the rest of the path.
    Many(Vec<String>),
}

/// What the kit gathers from a request before the loader runs.
#[derive(Debug)]
pub(crate) struct RequestParts {
    pub(crate) method: Method,
    /// Path and query of the page (never the props URL).
    pub(crate) url: String,
    pub(crate) headers: HeaderMap,
    pub(crate) extensions: Extensions,
    pub(crate) params: Vec<(&'static str, ParamValue)>,
    /// Cookies get `Secure` unless the loader says otherwise.
    pub(crate) secure_cookies: bool,
}

/// A loader's view of the request, and its handle on the response.
#[derive(Debug)]
pub struct LoaderContext<S> {
    state: S,
    request: RequestParts,
    query: Vec<(String, String)>,
    response: ResponseHead,
}

impl<S> LoaderContext<S> {
    pub(crate) fn new(state: S, request: RequestParts) -> Self {
        let query = match request.url.split_once('?') {
            Some((_, q)) => form_urlencoded::parse(q.as_bytes()).into_owned().collect(),
            None => Vec::new(),
        };
        let response = ResponseHead {
            secure_cookies: request.secure_cookies,
            ..ResponseHead::default()
        };
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

    /// The request method (`GET`, `HEAD` or `POST` for documents; `GET` for props).
    pub fn method(&self) -> &Method {
        &self.request.method
    }

    /// The resolved URL: the page's path plus the original query string.
    pub fn url(&self) -> &str {
        &self.request.url
    }

    /// The page's path, without the query.
    pub fn path(&self) -> &str {
        self.request.url.split('?').next().unwrap_or_default()
    }

    /// The request headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.request.headers
    }

    /// One request header as text, if present and valid text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.request.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The value of a request cookie, as sent.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.request
            .headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.trim_matches('"'))
    }

    /// Request extensions set by middleware (an authenticated user, a request id).
    pub fn extensions(&self) -> &Extensions {
        &self.request.extensions
    }

    /// A route parameter (`post` in `/blog/:post`); a catch-all gives its
    /// segments joined with `/`.
    ///
    /// # Errors
    /// A 500 if the page's path has no such parameter: a bug in the loader.
    pub fn param(&self, name: &str) -> Result<&str, LoaderError> {
        match self.find_param(name)? {
            ParamValue::One(v) => Ok(v),
            ParamValue::Many(_) => Err(LoaderError::internal(format!(
                "`{name}` is a catch-all parameter; read it with `catch_all`"
            ))),
        }
    }

    /// A route parameter parsed into `T`.
    ///
    /// # Errors
    /// A 404 when the value does not parse (`/items/abc` for a number): the
    /// URL names nothing. A 500 if there is no such parameter.
    pub fn param_as<T: FromStr>(&self, name: &str) -> Result<T, LoaderError> {
        let raw = self.param(name)?;
        raw.parse().map_err(|_| {
            LoaderError::not_found(format!("route parameter `{name}` = {raw:?} does not parse"))
        })
    }

    /// The segments of a catch-all parameter (`*path`).
    ///
    /// # Errors
    /// A 500 if the page's path has no such catch-all: a bug in the loader.
    pub fn catch_all(&self, name: &str) -> Result<&[String], LoaderError> {
        match self.find_param(name)? {
            ParamValue::Many(v) => Ok(v),
            ParamValue::One(_) => Err(LoaderError::internal(format!(
                "`{name}` is not a catch-all parameter; read it with `param`"
            ))),
        }
    }

    /// All route parameters.
    pub fn params(&self) -> impl Iterator<Item = (&str, &ParamValue)> {
        self.request.params.iter().map(|(n, v)| (*n, v))
    }

    /// A query value: the route parameter of that name if there is one (so
    /// `/blog/a?post=b` reads `a`), else the first query parameter.
    pub fn query(&self, name: &str) -> Option<&str> {
        if let Some((_, v)) = self.request.params.iter().find(|(n, _)| *n == name) {
            return match v {
                ParamValue::One(v) => Some(v),
                ParamValue::Many(_) => None,
            };
        }
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A query value parsed into `T`; `Ok(None)` when absent.
    ///
    /// # Errors
    /// A 400 when the value does not parse.
    pub fn query_as<T: FromStr>(&self, name: &str) -> Result<Option<T>, LoaderError> {
        self.query(name)
            .map(|raw| {
                raw.parse().map_err(|_| {
                    LoaderError::bad_request(format!(
                        "query parameter `{name}` = {raw:?} does not parse"
                    ))
                })
            })
            .transpose()
    }

    /// The merged query: route parameters first (catch-alls as one value per
    /// segment), then query parameters not shadowed by a route parameter.
    pub fn query_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        let params = self.request.params.iter().flat_map(|(n, v)| {
            let values: Vec<&str> = match v {
                ParamValue::One(v) => vec![v],
                ParamValue::Many(v) => v.iter().map(String::as_str).collect(),
            };
            values.into_iter().map(move |v| (*n, v))
        });
        let query = self
            .query
            .iter()
            .filter(|(n, _)| !self.request.params.iter().any(|(p, _)| p == n))
            .map(|(n, v)| (n.as_str(), v.as_str()));
        params.chain(query)
    }

    /// The response's status, headers and cookies.
    pub fn response(&self) -> &ResponseHead {
        &self.response
    }

    pub(crate) fn into_response_head(self) -> ResponseHead {
        self.response
    }

    fn find_param(&self, name: &str) -> Result<&ParamValue, LoaderError> {
        self.request
            .params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| {
                LoaderError::internal(format!("this page's path has no parameter `{name}`"))
            })
    }
}

/// The status, headers and cookies a loader sets. They apply to the document
/// and to the props answer alike, whatever the outcome.
///
/// Its setters take `&self`, so a loader can set headers while it holds
/// values borrowed from the request (`let slug = cx.param("post")?;`).
#[derive(Debug, Default)]
pub struct ResponseHead {
    inner: Mutex<HeadParts>,
    secure_cookies: bool,
}

#[derive(Debug, Default)]
struct HeadParts {
    status: Option<StatusCode>,
    headers: HeaderMap,
}

impl ResponseHead {
    fn parts(&self) -> MutexGuard<'_, HeadParts> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets the status of a props outcome's response (default 200).
    pub fn set_status(&self, status: StatusCode) -> &Self {
        self.parts().status = Some(status);
        self
    }

    /// The status the loader set, if any.
    pub fn status(&self) -> Option<StatusCode> {
        self.parts().status
    }

    /// Sets a header, replacing any value it had.
    pub fn insert_header(&self, name: HeaderName, value: HeaderValue) -> &Self {
        self.parts().headers.insert(name, value);
        self
    }

    /// Adds a header value, keeping the ones it had.
    pub fn append_header(&self, name: HeaderName, value: HeaderValue) -> &Self {
        self.parts().headers.append(name, value);
        self
    }

    /// A copy of the headers set so far.
    pub fn headers(&self) -> HeaderMap {
        self.parts().headers.clone()
    }

    /// Sets `Cache-Control`, replacing the kit's `private, no-store` default.
    ///
    /// # Errors
    /// When the value is not a valid header value (a newline in it).
    pub fn set_cache_control(&self, value: &str) -> Result<&Self, InvalidHeaderValue> {
        Ok(self.insert_header(CACHE_CONTROL, HeaderValue::from_str(value)?))
    }

    /// Adds a `Set-Cookie` header. Attributes the cookie leaves unset get
    /// safe defaults: `HttpOnly` (scripts cannot read it), `SameSite=Lax`
    /// (not sent with cross-site posts), `Path=/`, and `Secure` when the
    /// kit is configured with
    /// [`secure_cookies`](crate::ServerPropsBuilder::secure_cookies). Set an
    /// attribute to opt out (`.http_only(false)` for a cookie scripts read).
    ///
    /// # Errors
    /// When the cookie does not make a valid header value.
    pub fn set_cookie(&self, cookie: &cookie::Cookie<'_>) -> Result<&Self, InvalidHeaderValue> {
        let mut cookie = cookie.clone();
        if cookie.http_only().is_none() {
            cookie.set_http_only(true);
        }
        if cookie.same_site().is_none() {
            cookie.set_same_site(cookie::SameSite::Lax);
        }
        if cookie.path().is_none() {
            cookie.set_path("/");
        }
        if self.secure_cookies && cookie.secure().is_none() {
            cookie.set_secure(true);
        }
        Ok(self.append_header(SET_COOKIE, HeaderValue::from_str(&cookie.to_string())?))
    }

    /// The status and headers, for the response.
    pub(crate) fn into_parts(self) -> (Option<StatusCode>, HeaderMap) {
        let parts = self.inner.into_inner().unwrap_or_else(|e| e.into_inner());
        (parts.status, parts.headers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx(url: &str, params: Vec<(&'static str, ParamValue)>) -> LoaderContext<()> {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("a=1; theme=dark; q=\"x\""));
        LoaderContext::new(
            (),
            RequestParts {
                method: Method::GET,
                url: url.into(),
                headers,
                extensions: Extensions::new(),
                secure_cookies: false,
                params,
            },
        )
    }

    #[test]
    fn route_params_win_over_query() {
        let cx = cx(
            "/blog/a?post=b&x=1&x=2",
            vec![("post", ParamValue::One("a".into()))],
        );
        assert_eq!(cx.query("post"), Some("a"));
        assert_eq!(cx.query("x"), Some("1"));
        assert_eq!(cx.query("nope"), None);
        let pairs: Vec<_> = cx.query_pairs().collect();
        assert_eq!(pairs, [("post", "a"), ("x", "1"), ("x", "2")]);
        assert_eq!(cx.path(), "/blog/a");
        assert_eq!(cx.url(), "/blog/a?post=b&x=1&x=2");
    }

    #[test]
    fn query_is_percent_and_plus_decoded() {
        let cx = cx("/s?q=a+b%20c&e=%E2%9C%93", vec![]);
        assert_eq!(cx.query("q"), Some("a b c"));
        assert_eq!(cx.query("e"), Some("✓"));
    }

    #[test]
    fn typed_params_fail_with_404_and_queries_with_400() {
        let cx = cx("/items/x?n=abc", vec![("id", ParamValue::One("x".into()))]);
        assert_eq!(cx.param_as::<u32>("id").unwrap_err().status(), 404);
        assert_eq!(cx.query_as::<u32>("n").unwrap_err().status(), 400);
        assert_eq!(cx.query_as::<u32>("missing").unwrap(), None);
        assert_eq!(cx.param("nope").unwrap_err().status(), 500);
    }

    #[test]
    fn catch_all_is_a_list() {
        let cx = cx(
            "/c/a/b",
            vec![("path", ParamValue::Many(vec!["a".into(), "b".into()]))],
        );
        assert_eq!(cx.catch_all("path").unwrap(), ["a", "b"]);
        assert!(cx.param("path").is_err());
        assert_eq!(
            cx.query_pairs().collect::<Vec<_>>(),
            [("path", "a"), ("path", "b")]
        );
    }

    #[test]
    fn cookies_are_read_by_name() {
        let cx = cx("/", vec![]);
        assert_eq!(cx.cookie("theme"), Some("dark"));
        assert_eq!(cx.cookie("q"), Some("x"));
        assert_eq!(cx.cookie("th"), None);
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
        let secure = ResponseHead {
            secure_cookies: true,
            ..ResponseHead::default()
        };
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
}
