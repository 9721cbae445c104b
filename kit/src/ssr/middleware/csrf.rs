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
//! ([`ServerPropsBuilder::trusted_origins`](crate::ssr::ServerPropsBuilder::trusted_origins)).
//! A request with neither header (a script, `curl`) is not a browser acting
//! for a user and passes; `SameSite=Lax` cookies, the kit's default, keep
//! such forged requests from carrying a session anyway.
//!
//! Behind a reverse proxy, pass the browser's `Host` on
//! (`proxy_set_header Host $http_host;` in nginx), or name the public origin
//! in `trusted_origins`. A page that sets `Referrer-Policy: no-referrer` makes
//! browsers send `Origin: null` even on its own posts, which is refused: keep
//! the kit's `strict-origin-when-cross-origin`. The check guards the kit's
//! pages and props endpoint; routes an app adds itself are its own.

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
    if trusted.iter().any(|t| same_origin(t, origin)) {
        return false;
    }
    let Some((scheme, authority)) = origin.split_once("://") else {
        // `null`, or not an origin at all.
        return true;
    };
    let host = parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(http::uri::Authority::as_str));
    !host.is_some_and(|host| {
        without_default_port(scheme, host)
            .eq_ignore_ascii_case(without_default_port(scheme, authority))
    })
}

/// `value` as an origin, `scheme://host[:port]` with `http` or `https`
/// (a trailing `/` dropped), or `None` for anything else: no user, path,
/// query or fragment. For origins an app is configured with (the trusted
/// ones, the edge build's server), checked where they are read.
///
/// ```
/// use server_props::csrf::parse_origin;
/// assert_eq!(parse_origin(" https://a.example/").as_deref(), Some("https://a.example"));
/// assert_eq!(parse_origin("http://127.0.0.1:8788").as_deref(), Some("http://127.0.0.1:8788"));
/// for bad in ["a.example", "https://a.example/app", "https://a.example?x=1",
///             "https://a.example/#x", "https://user@a.example", "ftp://a.example", "https://"] {
///     assert_eq!(parse_origin(bad), None, "{bad}");
/// }
/// ```
#[must_use]
pub fn parse_origin(value: &str) -> Option<String> {
    let value = value.trim().trim_end_matches('/');
    // `http::Uri` drops a fragment without a word: refused before.
    if value.contains('#') {
        return None;
    }
    let uri = value.parse::<http::Uri>().ok()?;
    let authority = uri.authority()?;
    let plain = matches!(uri.scheme_str(), Some("http" | "https"))
        && !authority.as_str().contains('@')
        && !authority.host().is_empty()
        && uri.path_and_query().is_none_or(|p| p.as_str() == "/");
    plain.then(|| value.to_owned())
}

/// Whether two origins are the same (case, a trailing slash and default
/// ports aside).
fn same_origin(a: &str, b: &str) -> bool {
    let split = |o: &str| {
        let o = o.trim_end_matches('/');
        o.split_once("://").map(|(scheme, authority)| {
            (
                scheme.to_ascii_lowercase(),
                without_default_port(scheme, authority).to_ascii_lowercase(),
            )
        })
    };
    split(a).is_some_and(|a| Some(a) == split(b))
}

/// `host:443` for https and `host:80` for http are `host`.
fn without_default_port<'a>(scheme: &str, authority: &'a str) -> &'a str {
    let default = if scheme.eq_ignore_ascii_case("https") {
        ":443"
    } else if scheme.eq_ignore_ascii_case("http") {
        ":80"
    } else {
        return authority;
    };
    authority.strip_suffix(default).unwrap_or(authority)
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
        let trusted = vec!["https://admin.example.com/".to_owned()];
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
            (&[host, ("origin", "https://ADMIN.example.com:443")], false),
            (
                &[
                    ("host", "app.example.com:443"),
                    ("origin", "https://app.example.com"),
                ],
                false,
            ),
            (
                &[
                    ("host", "app.example.com:80"),
                    ("origin", "http://app.example.com"),
                ],
                false,
            ),
            (
                &[
                    ("host", "app.example.com:8443"),
                    ("origin", "https://app.example.com"),
                ],
                true,
            ),
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
