//! What a loader writes: the status, headers and cookies of the answer,
//! shared by the page's loader and the layout's and merged by the
//! handler. Its own module so that reading a request (`request`) and
//! writing a response depend on it, never on each other.
//!
//! It also records which credentials the loaders read (the `Cookie` and
//! `Authorization` request headers, [`Credential`]): the answer then says
//! `Vary` by them whatever the loader wrote, so no shared cache can hand
//! one visitor's page (their name, their session) to another, or a
//! signed-out page to a signed-in visitor. A loader cannot forget it.

use crate::ssr::request::config::RequestConfig;
use cookie::{Cookie, CookieJar};
use http::{
    header::{InvalidHeaderValue, CACHE_CONTROL, SET_COOKIE},
    HeaderMap, HeaderName, HeaderValue, StatusCode,
};
use std::sync::{
    atomic::{AtomicU8, Ordering},
    Arc, Mutex, MutexGuard, PoisonError,
};

/// A request header that identifies a visitor, which an answer read from
/// it must vary by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Credential {
    /// `Cookie`: the session, any cookie.
    Cookie = 1,
    /// `Authorization`.
    Authorization = 2,
}

impl Credential {
    /// Both: what reading the whole request head may have read.
    pub(crate) const ALL: [Credential; 2] = [Credential::Cookie, Credential::Authorization];

    /// The request header.
    fn header(self) -> HeaderName {
        match self {
            Credential::Cookie => http::header::COOKIE,
            Credential::Authorization => http::header::AUTHORIZATION,
        }
    }

    /// The header's name as `Vary` lists it, capitalised as it is written.
    fn vary_token(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Credential::Cookie => "Cookie",
            Credential::Authorization => "Authorization",
        })
    }

    /// The credential a request header is, if it is one.
    pub(crate) fn of_header(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|c| name.eq_ignore_ascii_case(c.header().as_str()))
    }
}

/// Why a cookie could not be set.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CookieError {
    /// The cookie does not make a valid header value.
    #[error(transparent)]
    InvalidHeader(#[from] InvalidHeaderValue),
    /// Signed and private cookies need a key
    /// ([`ServerPropsBuilder::cookie_key`](crate::ServerPropsBuilder::cookie_key)).
    #[error("no cookie key is configured: set one with ServerPropsBuilder::cookie_key")]
    NoKey,
}

/// A cache tag that is empty or holds a character tags may not hold
/// (whitespace, `,`, anything outside visible ASCII).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a cache tag: use visible ASCII without `,`")]
pub struct InvalidTag(pub String);

fn tag_value(tag: &str) -> Result<HeaderValue, InvalidTag> {
    let valid = !tag.is_empty() && tag.bytes().all(|b| b.is_ascii_graphic() && b != b',');
    valid
        .then(|| HeaderValue::from_str(tag).ok())
        .flatten()
        .ok_or_else(|| InvalidTag(tag.to_owned()))
}

/// The status, headers and cookies a loader sets. They apply to the document
/// and to the props answer alike, whatever the outcome.
///
/// Its setters take `&self`, so a loader can set headers while it holds
/// values borrowed from the request (`let slug = cx.param("post")?;`).
#[derive(Debug, Default)]
pub struct ResponseHead {
    inner: Mutex<HeadParts>,
    config: Arc<RequestConfig>,
    /// The [`Credential`]s read, one bit each.
    reads: AtomicU8,
}

#[derive(Debug, Default)]
struct HeadParts {
    status: Option<StatusCode>,
    headers: HeaderMap,
}

impl ResponseHead {
    /// An empty head that writes cookies as `config` says.
    pub(crate) fn with_config(config: Arc<RequestConfig>) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    fn parts(&self) -> MutexGuard<'_, HeadParts> {
        crate::sync::lock(&self.inner)
    }

    /// Moves the status, headers and reads out, leaving this head empty.
    pub(crate) fn take(&self) -> ResponseHead {
        let parts = std::mem::take(&mut *self.parts());
        ResponseHead {
            inner: Mutex::new(parts),
            config: self.config.clone(),
            reads: AtomicU8::new(self.reads.load(Ordering::Relaxed)),
        }
    }

    /// Records that a loader read `credential`: the answer varies by it.
    pub(crate) fn note_read(&self, credential: Credential) {
        self.reads.fetch_or(credential as u8, Ordering::Relaxed);
    }

    /// Records what another head's loader read.
    fn note_reads_of(&self, other: &ResponseHead) {
        self.reads
            .fetch_or(other.reads.load(Ordering::Relaxed), Ordering::Relaxed);
    }

    /// The headers for the response: what the loaders wrote, and `Vary`
    /// by every credential they read (unless the answer already varies by
    /// it, or by `*`).
    pub(crate) fn into_headers(self) -> HeaderMap {
        let reads = self.reads.load(Ordering::Relaxed);
        let (_, mut headers) = self.into_parts();
        for credential in Credential::ALL {
            if reads & credential as u8 == 0 {
                continue;
            }
            let name = credential.header();
            let varies = headers.get_all(http::header::VARY).iter().any(|v| {
                v.to_str().is_ok_and(|v| {
                    v.split(',')
                        .map(str::trim)
                        .any(|t| t == "*" || t.eq_ignore_ascii_case(name.as_str()))
                })
            });
            if !varies {
                headers.append(http::header::VARY, credential.vary_token());
            }
        }
        headers
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

    /// Reads the headers set so far without copying them.
    pub(crate) fn with_headers<R>(&self, read: impl FnOnce(&HeaderMap) -> R) -> R {
        read(&self.parts().headers)
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
    pub fn set_cookie(&self, cookie: &Cookie<'_>) -> Result<&Self, CookieError> {
        let mut cookie = cookie.clone().into_owned();
        if cookie.http_only().is_none() {
            cookie.set_http_only(true);
        }
        if cookie.same_site().is_none() {
            cookie.set_same_site(cookie::SameSite::Lax);
        }
        if cookie.path().is_none() {
            cookie.set_path("/");
        }
        if self.config.secure_cookies && cookie.secure().is_none() {
            cookie.set_secure(true);
        }
        Ok(self.append_header(SET_COOKIE, HeaderValue::from_str(&cookie.to_string())?))
    }

    /// Adds a cookie signed with the kit's cookie key: the browser can read
    /// it but not change it ([`LoaderContext::signed_cookie`](crate::ssr::request::context::LoaderContext::signed_cookie) reads it
    /// back). The defaults of [`set_cookie`](Self::set_cookie) apply.
    ///
    /// # Errors
    /// When no key is configured, or the cookie is not a valid header value.
    pub fn set_signed_cookie(&self, cookie: Cookie<'static>) -> Result<&Self, CookieError> {
        let key = self.config.cookie_key.as_ref().ok_or(CookieError::NoKey)?;
        let mut jar = CookieJar::new();
        jar.signed_mut(key).add(cookie);
        self.set_jar_delta(&jar)
    }

    /// Adds a cookie encrypted and signed with the kit's cookie key: the
    /// browser can neither read nor change it.
    ///
    /// # Errors
    /// When no key is configured, or the cookie is not a valid header value.
    pub fn set_private_cookie(&self, cookie: Cookie<'static>) -> Result<&Self, CookieError> {
        let key = self.config.cookie_key.as_ref().ok_or(CookieError::NoKey)?;
        let mut jar = CookieJar::new();
        jar.private_mut(key).add(cookie);
        self.set_jar_delta(&jar)
    }

    /// Tells the browser to forget a cookie (set at `Path=/`).
    ///
    /// # Errors
    /// When the name is not a valid header value.
    pub fn remove_cookie(&self, name: &str) -> Result<&Self, CookieError> {
        let mut cookie = Cookie::build((name.to_owned(), "")).path("/").build();
        cookie.make_removal();
        self.set_cookie(&cookie)
    }

    /// Tags the props with what they were made from (`guestbook`,
    /// `post:42`): the shared cache drops every response carrying a tag
    /// when an action names it in [`invalidate`](Self::invalidate). Sent
    /// as the `x-server-props-tags` header.
    ///
    /// # Errors
    /// When the tag is empty or holds anything but visible ASCII other
    /// than `,` (tags travel as a comma-separated header).
    pub fn tag(&self, tag: &str) -> Result<&Self, InvalidTag> {
        let value = tag_value(tag)?;
        Ok(self.append_header(HeaderName::from_static(crate::protocol::TAGS_HEADER), value))
    }

    /// Says that this request changed what `tag` names: the shared cache
    /// drops every response tagged with it before the answer leaves the
    /// server, and the answer tells the browser (the
    /// `x-server-props-invalidate` header).
    ///
    /// # Errors
    /// Like [`tag`](Self::tag).
    pub fn invalidate(&self, tag: &str) -> Result<&Self, InvalidTag> {
        let value = tag_value(tag)?;
        Ok(self.append_header(
            HeaderName::from_static(crate::protocol::INVALIDATE_HEADER),
            value,
        ))
    }

    fn set_jar_delta(&self, jar: &CookieJar) -> Result<&Self, CookieError> {
        for cookie in jar.delta() {
            self.set_cookie(cookie)?;
        }
        Ok(self)
    }

    /// Adds the headers and cookies the layout loader set to this (the
    /// page's) head. `Cache-Control` is the stricter of the two (a page that
    /// set none keeps the kit's `no-store` default), so a layout that reads
    /// the session keeps a page it marks `private` out of shared caches;
    /// the page's status stands.
    pub(crate) fn merge_layout(&self, layout: ResponseHead) {
        self.note_reads_of(&layout);
        let (_, layout_headers) = layout.into_parts();
        let mut parts = self.parts();
        let mut current: Option<HeaderName> = None;
        for (name, value) in layout_headers {
            if let Some(name) = name {
                current = Some(name);
            }
            let Some(name) = current.clone() else {
                continue;
            };
            if name == CACHE_CONTROL {
                // A page that set none gets the kit's `no-store` default,
                // which nothing is stricter than.
                let page = parts.headers.get(CACHE_CONTROL);
                if page.is_some_and(|page| strictness(&value) > strictness(page)) {
                    parts.headers.insert(CACHE_CONTROL, value);
                }
            } else {
                parts.headers.append(name, value);
            }
        }
    }

    /// Adds what a submission's action wrote (its cookies, its tags, its
    /// headers; never its `Cache-Control`) to the head of the answer that
    /// shows the next page, and keeps that answer out of every cache: it
    /// answers a write.
    ///
    /// The action's headers come first: a cookie the next page's loaders
    /// set again (a layout refreshing the session) comes later, so it is
    /// the one the browser keeps; a header both set with the same value
    /// (the layout's `Vary`) is sent once.
    pub(crate) fn absorb_submission(&self, action: ResponseHead) {
        self.note_reads_of(&action);
        let (_, action_headers) = action.into_parts();
        let mut parts = self.parts();
        let destination = std::mem::take(&mut parts.headers);
        let mut merged = HeaderMap::new();
        for (name, value) in named(action_headers) {
            if name != CACHE_CONTROL {
                merged.append(name, value);
            }
        }
        for (name, value) in named(destination) {
            let repeated = merged.get_all(&name).iter().any(|v| *v == value);
            if name == SET_COOKIE || !repeated {
                merged.append(name, value);
            }
        }
        parts.headers = merged;
        parts.headers.insert(
            CACHE_CONTROL,
            HeaderValue::from_static(crate::protocol::DEFAULT_CACHE_CONTROL),
        );
    }

    /// The status and headers, for the response.
    pub(crate) fn into_parts(self) -> (Option<StatusCode>, HeaderMap) {
        let parts = self
            .inner
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        (parts.status, parts.headers)
    }
}

/// A header map's entries, each with its name (`HeaderMap`'s own iterator
/// names only the first value of each header).
fn named(headers: HeaderMap) -> impl Iterator<Item = (HeaderName, HeaderValue)> {
    let mut current: Option<HeaderName> = None;
    headers.into_iter().filter_map(move |(name, value)| {
        if let Some(name) = name {
            current = Some(name);
        }
        current.clone().map(|name| (name, value))
    })
}

/// How much a `Cache-Control` value keeps a response from being stored,
/// for the layout's per-user data: `no-store` keeps it everywhere, `private`
/// out of shared caches, `no-cache` only asks them to revalidate.
fn strictness(value: &HeaderValue) -> u8 {
    let value = value.to_str().unwrap_or("no-store").to_ascii_lowercase();
    if value.contains("no-store") {
        4
    } else if value.contains("private") {
        3
    } else if value.contains("no-cache") {
        2
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_submission_answer_keeps_the_action_head_first_and_once() {
        let action = ResponseHead::default();
        action.append_header(SET_COOKIE, HeaderValue::from_static("a=1"));
        action.append_header(http::header::VARY, HeaderValue::from_static("Cookie"));
        action.set_cache_control("public, max-age=60").unwrap();
        let next = ResponseHead::default();
        next.append_header(SET_COOKIE, HeaderValue::from_static("a=2"));
        next.append_header(http::header::VARY, HeaderValue::from_static("Cookie"));
        next.set_cache_control("public, s-maxage=60").unwrap();
        next.absorb_submission(action);
        let (_, headers) = next.into_parts();
        let cookies: Vec<_> = headers.get_all(SET_COOKIE).iter().collect();
        assert_eq!(cookies, ["a=1", "a=2"]);
        assert_eq!(headers.get_all(http::header::VARY).iter().count(), 1);
        assert_eq!(
            headers[CACHE_CONTROL],
            crate::protocol::DEFAULT_CACHE_CONTROL
        );
    }
}
