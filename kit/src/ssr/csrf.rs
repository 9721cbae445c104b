//! Cross-site request forgery: a request that writes (any method but `GET`,
//! `HEAD` and `OPTIONS`) to a page or to the props endpoint must come from
//! the site itself, or it is refused with 403 before any loader runs.
//!
//! Browsers say where a request comes from: `Origin` on every cross-origin
//! request and on every `POST` (`null` from sandboxed frames, files and
//! some redirects: refused), and `Sec-Fetch-Site` on requests from pages.
//! The check compares the `Origin`'s host and port with the request's
//! `Host` (the scheme is not compared: a proxy in front may terminate TLS),
//! and accepts origins the app trusts
//! ([`ServerPropsBuilder::trusted_origins`](super::ServerPropsBuilder::trusted_origins)).
//! A request with neither header (a script, `curl`) is not a browser acting
//! for a user and passes; `SameSite=Lax` cookies, the kit's default, keep
//! such forged requests from carrying a session anyway.

use http::{
    header::{HOST, ORIGIN},
    request::Parts,
    Method,
};

/// Whether a request that writes comes from another site.
pub(crate) fn is_cross_site(parts: &Parts, trusted: &[String]) -> bool {
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let Some(origin) = parts.headers.get(ORIGIN) else {
        return parts
            .headers
            .get("sec-fetch-site")
            .is_some_and(|site| site.as_bytes().eq_ignore_ascii_case(b"cross-site"));
    };
    let Ok(origin) = origin.to_str() else {
        return true;
    };
    if trusted.iter().any(|t| t.eq_ignore_ascii_case(origin)) {
        return false;
    }
    let Some((_, authority)) = origin.split_once("://") else {
        // `null`, or not an origin at all.
        return true;
    };
    let host = parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(http::uri::Authority::as_str));
    !host.is_some_and(|host| host.eq_ignore_ascii_case(authority))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(method: Method, headers: &[(&str, &str)]) -> Parts {
        let mut request = http::Request::builder().method(method).uri("/form");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(()).unwrap().into_parts().0
    }

    #[test]
    fn writes_from_other_origins_are_cross_site() {
        let trusted = vec!["https://admin.example.com".to_owned()];
        let host = ("host", "app.example.com");
        let cases: &[(&[(&str, &str)], bool)] = &[
            (&[host, ("origin", "https://app.example.com")], false),
            (&[host, ("origin", "http://APP.example.com")], false),
            (&[host, ("origin", "https://evil.example")], true),
            (
                &[host, ("origin", "https://app.example.com.evil.example")],
                true,
            ),
            (&[host, ("origin", "https://app.example.com:444")], true),
            (&[host, ("origin", "null")], true),
            (&[host, ("origin", "https://admin.example.com")], false),
            (&[host, ("sec-fetch-site", "cross-site")], true),
            (&[host, ("sec-fetch-site", "same-origin")], false),
            (&[host, ("sec-fetch-site", "same-site")], false),
            (&[host], false),
            (&[("origin", "https://app.example.com")], true),
        ];
        for (headers, cross) in cases {
            assert_eq!(
                is_cross_site(&parts(Method::POST, headers), &trusted),
                *cross,
                "{headers:?}"
            );
        }
        let evil = [host, ("origin", "https://evil.example")];
        for method in [Method::GET, Method::HEAD, Method::OPTIONS] {
            assert!(!is_cross_site(&parts(method, &evil), &trusted));
        }
        for method in [Method::PUT, Method::PATCH, Method::DELETE] {
            assert!(is_cross_site(&parts(method, &evil), &trusted));
        }
    }
}
