//! Drive an app without a socket (feature `testing`): requests go straight
//! into the router, as `tower::ServiceExt::oneshot` sends them, and a
//! cookie jar carries cookies from one call to the next, as a browser does.
//!
//! ```
//! # use leptos::prelude::*;
//! # use server_props::{app::AppServer, Pages};
//! use server_props::testing::TestClient;
//! # static PAGES: std::sync::LazyLock<Pages> =
//! #     std::sync::LazyLock::new(|| Pages::new().static_page("/", || view! { <h1>"Home"</h1> }));
//! # fn shell(_: LeptosOptions) -> impl IntoView { view! { <html><head></head><body>
//! #     <leptos_router::components::Router><server_props::PageRoutes pages=&PAGES/></leptos_router::components::Router>
//! # </body></html> } }
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let app = AppServer::new(&PAGES, shell)
//!     .options(LeptosOptions::builder().output_name("app").build())
//!     .build()
//!     .unwrap();
//! let client = TestClient::new(&app);
//! let home = client.get("/").await;
//! assert_eq!(home.status, 200);
//! assert!(home.text().contains("Home"));
//! # }
//! ```

use crate::protocol::{props_url, SCRIPT_ID};
use crate::ssr::server::app::BuiltApp;
use axum::{body::Body, Router};
use cookie::{Cookie, CookieJar};
use http::{
    header::{CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HOST, LOCATION, ORIGIN, SET_COOKIE},
    HeaderMap, Method, Request, StatusCode,
};
use http_body_util::BodyExt;
use serde::Serialize;
use std::sync::Mutex;
use tower::ServiceExt;

/// A `Cookie` header's `name=value` for a visitor signed in with `value`:
/// the session cookie a [`Session<T>`](crate::session::Session) kept in the
/// cookie (the default [`SessionConfig`](crate::session::SessionConfig))
/// would hold, encrypted with `key`, the app's cookie key. For a test that
/// starts signed in without going through the app's login form; a session
/// kept in a store is made by signing in.
///
/// ```
/// use server_props::{cookie::Key, testing::session_cookie};
/// let key = Key::derive_from(b"the tests' cookie secret, 32 bytes or more");
/// let header = session_cookie(&key, &"ada");
/// assert!(header.starts_with("session="));
/// ```
///
/// # Panics
/// When `value` does not serialise as JSON.
pub fn session_cookie<T: Serialize>(key: &cookie::Key, value: &T) -> String {
    crate::ssr::request::session::cookie_pair(key, value).expect("the session serialises")
}

/// A client for one app, with a cookie jar.
#[derive(Debug)]
pub struct TestClient {
    router: Router,
    build_id: String,
    jar: Mutex<CookieJar>,
}

/// One response, read whole.
#[derive(Clone, Debug)]
pub struct TestResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body, as text (lossy for bytes that are not UTF-8).
    pub body: String,
}

impl TestClient {
    /// A client for a built app (its router and its build id).
    pub fn new(app: &BuiltApp) -> Self {
        Self::for_router(app.router.clone(), app.props.build_id())
    }

    /// A client for any router whose pages have this build id.
    pub fn for_router(router: Router, build_id: &str) -> Self {
        Self {
            router,
            build_id: build_id.to_owned(),
            jar: Mutex::new(CookieJar::new()),
        }
    }

    /// `GET` a document (or any URL).
    pub async fn get(&self, uri: &str) -> TestResponse {
        self.send(request(Method::GET, uri, Body::empty())).await
    }

    /// The props answer of a page URL (`/blog/a?x=1`), as a client
    /// navigation asks for it, with the app's build id.
    pub async fn props(&self, page_url: &str) -> TestResponse {
        self.get(&props_url(&self.build_id, page_url)).await
    }

    /// `POST` a form (`application/x-www-form-urlencoded`), as a plain
    /// `<form method="post">` sends it.
    ///
    /// # Panics
    /// When `form` does not serialise as a form.
    pub async fn post_form(&self, uri: &str, form: &impl Serialize) -> TestResponse {
        let body = serde_urlencoded::to_string(form).expect("the form serialises");
        self.send(with_body(
            uri,
            "application/x-www-form-urlencoded",
            body.into_bytes(),
        ))
        .await
    }

    /// Submits a form to a page as the browser's `<Form>` does: one `POST`
    /// to the page's props URL, whose answer holds the props of the page
    /// to show next and, in `"url"`, which page that is.
    ///
    /// # Panics
    /// When `form` does not serialise as a form.
    pub async fn submit_form(&self, page_url: &str, form: &impl Serialize) -> TestResponse {
        let uri = props_url(&self.build_id, page_url);
        self.post_form(&uri, form).await
    }

    /// `POST` JSON.
    ///
    /// # Panics
    /// When `value` does not serialise.
    pub async fn post_json(&self, uri: &str, value: &impl Serialize) -> TestResponse {
        let body = serde_json::to_vec(value).expect("the value serialises");
        self.send(with_body(uri, "application/json", body)).await
    }

    /// Sends any request, with the jar's cookies (unless it has a `Cookie`
    /// header of its own), and keeps the cookies the answer sets.
    ///
    /// # Panics
    /// When the router fails (an axum router never does) or the body
    /// cannot be read.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self.stream(request).await;
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("the body").to_bytes();
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// Sends a request as [`send`](Self::send) does (and keeps the cookies
    /// the answer sets), and gives the response as it comes, its body not
    /// read yet: for answers sent in parts (deferred props), frame by
    /// frame, or dropped to see what a client that goes away does.
    ///
    /// # Panics
    /// When the router fails (an axum router never does).
    pub async fn stream(&self, mut request: Request<Body>) -> http::Response<Body> {
        if !request.headers().contains_key(HOST) {
            request
                .headers_mut()
                .insert(HOST, http::HeaderValue::from_static(TEST_HOST));
        }
        if !request.headers().contains_key(COOKIE) {
            let cookies = self.cookie_header();
            if !cookies.is_empty() {
                if let Ok(value) = http::HeaderValue::from_str(&cookies) {
                    request.headers_mut().insert(COOKIE, value);
                }
            }
        }
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("an axum router never fails");
        self.keep_cookies(response.headers());
        response
    }

    /// A cookie the app has set, if the jar still holds it.
    pub fn cookie(&self, name: &str) -> Option<Cookie<'static>> {
        self.jar().get(name).cloned()
    }

    /// Puts a cookie in the jar, as if the app had set it.
    pub fn set_cookie(&self, cookie: Cookie<'static>) {
        self.jar().add(cookie);
    }

    /// Empties the jar.
    pub fn clear_cookies(&self) {
        *self.jar() = CookieJar::new();
    }

    fn jar(&self) -> std::sync::MutexGuard<'_, CookieJar> {
        crate::sync::lock(&self.jar)
    }

    fn cookie_header(&self) -> String {
        let jar = self.jar();
        jar.iter()
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&self, headers: &HeaderMap) {
        let mut jar = self.jar();
        for value in headers.get_all(SET_COOKIE) {
            let Some(cookie) = value
                .to_str()
                .ok()
                .and_then(|v| Cookie::parse(v.to_owned()).ok())
            else {
                continue;
            };
            // Max-Age wins over Expires (RFC 6265, 5.3).
            let expired = match cookie.max_age() {
                Some(age) => age <= cookie::time::Duration::ZERO,
                None => cookie
                    .expires_datetime()
                    .is_some_and(|at| at <= cookie::time::OffsetDateTime::now_utc()),
            };
            if expired {
                jar.force_remove(cookie.name());
            } else {
                jar.add(cookie);
            }
        }
    }
}

/// The `Host` requests go to unless they say otherwise.
pub const TEST_HOST: &str = "localhost";

/// A `POST` with a body, its type and its length, from a page of the site
/// itself, as a browser sends a form (so the cross-site check sees it).
fn with_body(uri: &str, content_type: &'static str, body: Vec<u8>) -> Request<Body> {
    let length = body.len();
    let mut request = request(Method::POST, uri, Body::from(body));
    let headers = request.headers_mut();
    headers.insert(CONTENT_TYPE, http::HeaderValue::from_static(content_type));
    headers.insert(CONTENT_LENGTH, http::HeaderValue::from(length));
    headers.insert(ORIGIN, http::HeaderValue::from_static("http://localhost"));
    request
}

fn request(method: Method, uri: &str, body: Body) -> Request<Body> {
    let mut request = Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = uri
        .parse()
        .unwrap_or_else(|e| panic!("{uri:?} is not a URI: {e}"));
    request
}

impl TestResponse {
    /// A header as text: its first value. A header sent once per value
    /// (`Set-Cookie`, the kit's tags and invalidation headers, `Vary` when
    /// several parts set it) has more: [`header_all`](Self::header_all).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every value of a header, in the order sent (empty when there is
    /// none): `x-server-props-invalidate` of an action that named two tags
    /// is two values.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    }

    /// Where a redirect points.
    pub fn location(&self) -> Option<&str> {
        self.header(LOCATION.as_str())
    }

    /// The body without Leptos's hydration markers (`<!>`, `<!---->`).
    pub fn html(&self) -> String {
        self.body.replace("<!>", "").replace("<!---->", "")
    }

    /// The text of the document's `<body>`, tags removed: what a person
    /// reads (entities are left as they are).
    pub fn text(&self) -> String {
        let html = self.html();
        // From the `<body …>` tag on; scripts and styles are not text.
        let body = match html.find("<body") {
            Some(start) => html[start..].split_once('>').map_or("", |(_, rest)| rest),
            None => &html,
        };
        let mut out = String::new();
        let mut rest = body;
        while let Some(open) = rest.find('<') {
            out.push_str(&rest[..open]);
            rest = &rest[open..];
            let tag_end = rest.find('>').map_or(rest.len(), |e| e + 1);
            let tag = rest[..tag_end].to_ascii_lowercase();
            rest = &rest[tag_end..];
            for skipped in ["script", "style"] {
                if tag.starts_with(&format!("<{skipped}")) {
                    let close = format!("</{skipped}");
                    let end = rest.to_ascii_lowercase().find(&close).unwrap_or(rest.len());
                    rest = &rest[end..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// The body as JSON.
    ///
    /// # Panics
    /// When it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The props embedded in a document, as JSON.
    ///
    /// # Panics
    /// Unless the document embeds them exactly once.
    pub fn embedded(&self) -> serde_json::Value {
        let open = format!("<script id=\"{SCRIPT_ID}\" type=\"application/json\">");
        assert_eq!(
            self.body.matches(&open).count(),
            1,
            "props embedded once in {}",
            self.body
        );
        let start = self.body.find(&open).expect("counted") + open.len();
        let end = start + self.body[start..].find("</script>").expect("closed");
        serde_json::from_str(&self.body[start..end]).expect("embedded props are JSON")
    }

    /// The cookies this response sets.
    pub fn set_cookies(&self) -> Vec<Cookie<'static>> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| Cookie::parse(v.to_owned()).ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(body: &str) -> TestResponse {
        TestResponse {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: body.to_owned(),
        }
    }

    #[test]
    fn a_repeated_header_comes_back_whole() {
        let mut r = reply("");
        r.headers
            .append("x-server-props-invalidate", "posts".parse().unwrap());
        r.headers
            .append("x-server-props-invalidate", "post:1".parse().unwrap());
        assert_eq!(r.header("x-server-props-invalidate"), Some("posts"));
        assert_eq!(
            r.header_all("x-server-props-invalidate"),
            ["posts", "post:1"]
        );
        assert!(r.header_all("vary").is_empty());
    }

    #[test]
    fn text_is_what_the_body_shows() {
        let html = r#"<html><head><script id="p">{"props":"hidden"}</script></head><body class="x"><h1>Hi<!></h1><script>var a = "<b>no</b>";</script><STYLE>p{}</STYLE><p>there</p></body></html>"#;
        assert_eq!(reply(html).text(), "Hithere");
        assert_eq!(reply("plain").text(), "plain");
    }

    #[test]
    fn max_age_wins_over_expires_and_removals_empty_the_jar() {
        let client = TestClient::for_router(Router::new(), "b");
        let mut headers = HeaderMap::new();
        headers.append(
            SET_COOKIE,
            "a=1; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
                .parse()
                .unwrap(),
        );
        headers.append(SET_COOKIE, "b=2".parse().unwrap());
        client.keep_cookies(&headers);
        assert_eq!(client.cookie("a").unwrap().value(), "1");
        let mut sent: Vec<String> = client
            .cookie_header()
            .split("; ")
            .map(str::to_owned)
            .collect();
        sent.sort();
        assert_eq!(sent, ["a=1", "b=2"]);
        let mut removal = HeaderMap::new();
        removal.append(SET_COOKIE, "b=; Max-Age=0".parse().unwrap());
        client.keep_cookies(&removal);
        assert!(client.cookie("b").is_none());
    }
}
