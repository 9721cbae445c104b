//! How the cache keys what it keeps, and when a response may be kept.
//!
//! A URL's *primary* key is the build id, the host and the path with its
//! query. A response that names request headers in `Vary` is kept under a
//! *secondary* key that adds the request's values of those headers, and
//! the primary slot then only says which headers to look at. A response
//! that may not be kept leaves a short "pass" mark, so later requests for
//! that URL go straight to the app instead of queueing behind one another.

use super::directives::CacheControl;
use http::{
    header::{ACCEPT_ENCODING, AGE, COOKIE, SET_COOKIE, VARY},
    HeaderMap, HeaderName, HeaderValue, StatusCode,
};
use std::{sync::Arc, time::Duration};

/// The primary key: build id, host, path and query.
pub(super) fn primary_key(build: &str, host: &[u8], path_and_query: &str) -> String {
    let mut key = String::with_capacity(build.len() + host.len() + path_and_query.len() + 2);
    key.push_str(build);
    key.push('\n');
    key.push_str(&String::from_utf8_lossy(host));
    key.push('\n');
    key.push_str(path_and_query);
    key
}

/// The secondary key: the primary key plus the request's value of every
/// header in `vary` (absent and empty are different). `Accept-Encoding`
/// counts by the encodings it accepts, not by its spelling: browsers share
/// one entry, and an entry in one encoding never reaches a client that
/// does not take it.
pub(super) fn secondary_key(primary: &str, vary: &[HeaderName], request: &HeaderMap) -> String {
    let mut key = primary.to_owned();
    for name in vary {
        key.push('\n');
        key.push_str(name.as_str());
        if name == ACCEPT_ENCODING {
            key.push(':');
            key.push_str(
                crate::ssr::middleware::compression::Accepted::from_headers(request).key(),
            );
            continue;
        }
        let mut values = request.get_all(name).iter().peekable();
        if values.peek().is_none() {
            key.push('\u{0}');
        }
        for (i, value) in values.enumerate() {
            key.push(if i == 0 { ':' } else { ',' });
            key.push_str(&String::from_utf8_lossy(value.as_bytes()));
        }
    }
    key
}

/// Why a response is not kept; `Request` reasons say nothing about the URL.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Refusal {
    /// The response itself forbids it (directives, status, `Set-Cookie`, …).
    Response(&'static str),
    /// The request carried cookies the response does not vary by.
    Request(&'static str),
}

/// What the policy decided for a response.
#[derive(Debug)]
pub(super) struct Keep {
    pub(super) fresh_for: Duration,
    pub(super) stale_for: Duration,
    pub(super) vary: Arc<[HeaderName]>,
    pub(super) initial_age: Duration,
}

/// Statuses heuristically cacheable (RFC 9110 §15.1), less 206 (no ranges here).
fn cacheable_status(status: StatusCode) -> bool {
    matches!(
        status.as_u16(),
        200 | 203 | 204 | 300 | 301 | 308 | 404 | 405 | 410 | 414 | 501
    )
}

/// Whether a shared cache may keep `headers`/`status`, the response to a
/// `GET` whose request headers were `request`.
pub(super) fn keep(
    request: &HeaderMap,
    status: StatusCode,
    headers: &HeaderMap,
) -> Result<Keep, Refusal> {
    if !cacheable_status(status) {
        return Err(Refusal::Response("status"));
    }
    let cc = CacheControl::from_headers(headers);
    if !cc.is_shared_storable() {
        return Err(Refusal::Response("cache-control"));
    }
    if headers.contains_key(SET_COOKIE) {
        return Err(Refusal::Response("set-cookie"));
    }
    let vary = vary_names(headers).ok_or(Refusal::Response("vary: *"))?;
    if request.contains_key(COOKIE) && !vary.contains(&COOKIE) {
        return Err(Refusal::Request("cookie"));
    }
    let initial_age = headers
        .get(AGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or_default();
    let fresh_for = cc.shared_max_age();
    let stale_for = cc.stale_while_revalidate();
    if initial_age >= fresh_for + stale_for {
        return Err(Refusal::Response("too old"));
    }
    Ok(Keep {
        fresh_for,
        stale_for,
        vary: vary.into(),
        initial_age,
    })
}

/// The header names in `Vary`, lower-case, sorted, deduplicated; `None` for `*`
/// or a value that is not a list of header names.
fn vary_names(headers: &HeaderMap) -> Option<Vec<HeaderName>> {
    let mut names = Vec::new();
    for value in headers.get_all(VARY) {
        for name in value.to_str().ok()?.split(',') {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            if name == "*" {
                return None;
            }
            names.push(HeaderName::from_bytes(name.as_bytes()).ok()?);
        }
    }
    names.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    names.dedup();
    Some(names)
}

/// `Age` in whole seconds.
pub(super) fn age_value(age: Duration) -> HeaderValue {
    HeaderValue::from(age.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::{CACHE_CONTROL, COOKIE};

    fn response(cc: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CACHE_CONTROL, HeaderValue::from_str(cc).unwrap());
        h
    }

    #[test]
    fn keeps_shared_cacheable_responses() {
        let k = keep(
            &HeaderMap::new(),
            StatusCode::OK,
            &response("public, s-maxage=10, stale-while-revalidate=59"),
        )
        .unwrap();
        assert_eq!(k.fresh_for, Duration::from_secs(10));
        assert_eq!(k.stale_for, Duration::from_secs(59));
        assert!(k.vary.is_empty());
        assert!(keep(
            &HeaderMap::new(),
            StatusCode::NOT_FOUND,
            &response("max-age=5")
        )
        .is_ok());
    }

    #[test]
    fn refuses_what_rfc_9111_forbids() {
        let none = HeaderMap::new();
        let ok = "public, s-maxage=10";
        assert_eq!(
            keep(&none, StatusCode::INTERNAL_SERVER_ERROR, &response(ok)).unwrap_err(),
            Refusal::Response("status")
        );
        assert_eq!(
            keep(&none, StatusCode::TEMPORARY_REDIRECT, &response(ok)).unwrap_err(),
            Refusal::Response("status")
        );
        assert_eq!(
            keep(&none, StatusCode::OK, &response("private, max-age=60")).unwrap_err(),
            Refusal::Response("cache-control")
        );
        let mut with_cookie = response(ok);
        with_cookie.insert(SET_COOKIE, HeaderValue::from_static("a=1"));
        assert_eq!(
            keep(&none, StatusCode::OK, &with_cookie).unwrap_err(),
            Refusal::Response("set-cookie")
        );
        let mut star = response(ok);
        star.insert(VARY, HeaderValue::from_static("accept, *"));
        assert_eq!(
            keep(&none, StatusCode::OK, &star).unwrap_err(),
            Refusal::Response("vary: *")
        );
        let mut old = response(ok);
        old.insert(AGE, HeaderValue::from_static("10"));
        assert_eq!(
            keep(&none, StatusCode::OK, &old).unwrap_err(),
            Refusal::Response("too old")
        );
    }

    #[test]
    fn cookie_requests_are_kept_only_when_the_response_varies_by_cookie() {
        let mut request = HeaderMap::new();
        request.insert(COOKIE, HeaderValue::from_static("session=abc"));
        let plain = response("public, s-maxage=10");
        assert_eq!(
            keep(&request, StatusCode::OK, &plain).unwrap_err(),
            Refusal::Request("cookie")
        );
        let mut varies = plain.clone();
        varies.insert(VARY, HeaderValue::from_static("Accept-Language, Cookie"));
        let k = keep(&request, StatusCode::OK, &varies).unwrap();
        assert_eq!(&*k.vary, [http::header::ACCEPT_LANGUAGE, COOKIE]);
    }

    #[test]
    fn secondary_keys_tell_variants_apart() {
        let vary = [http::header::ACCEPT_LANGUAGE];
        let mut en = HeaderMap::new();
        en.insert(
            http::header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("en"),
        );
        let mut fr = HeaderMap::new();
        fr.insert(
            http::header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("fr"),
        );
        let mut empty = HeaderMap::new();
        empty.insert(http::header::ACCEPT_LANGUAGE, HeaderValue::from_static(""));
        let keys: Vec<String> = [&en, &fr, &empty, &HeaderMap::new()]
            .iter()
            .map(|h| secondary_key("p", &vary, h))
            .collect();
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(
            secondary_key("p", &vary, &en),
            secondary_key("p", &vary, &en.clone())
        );
    }

    #[test]
    fn primary_keys_separate_builds_hosts_and_queries() {
        let a = primary_key("b1", b"h", "/x?q=1");
        assert_ne!(a, primary_key("b2", b"h", "/x?q=1"));
        assert_ne!(a, primary_key("b1", b"g", "/x?q=1"));
        assert_ne!(a, primary_key("b1", b"h", "/x?q=2"));
        assert_ne!(a, primary_key("b1", b"h", "/x"));
    }
}
