//! `Cache-Control` as a shared cache reads it (RFC 9111 §5.2, RFC 5861).
//!
//! Parsing is lenient about spelling (case, spaces, quoted values) and strict
//! about meaning: anything unclear makes the response *less* cacheable, never
//! more. A malformed `max-age` counts as `0`, a qualified `private="…"` or
//! `no-cache="…"` counts as unqualified, and a directive given twice keeps the
//! more restrictive value.

use http::{header::CACHE_CONTROL, HeaderMap};
use std::time::Duration;

/// The response directives a shared cache acts on.
///
/// ```
/// use server_props::cache::CacheControl;
/// use std::time::Duration;
///
/// let cc = CacheControl::parse("public, s-maxage=10, stale-while-revalidate=59");
/// assert!(cc.is_shared_storable());
/// assert_eq!(cc.shared_max_age(), Duration::from_secs(10));
/// assert_eq!(cc.stale_while_revalidate(), Duration::from_secs(59));
/// assert!(!CacheControl::parse("private, max-age=60").is_shared_storable());
/// ```
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CacheControl {
    /// `public`.
    pub public: bool,
    /// `private` (qualified or not).
    pub private: bool,
    /// `no-store`.
    pub no_store: bool,
    /// `no-cache` (qualified or not).
    pub no_cache: bool,
    /// `must-revalidate`.
    pub must_revalidate: bool,
    /// `proxy-revalidate`.
    pub proxy_revalidate: bool,
    /// `max-age`.
    pub max_age: Option<Duration>,
    /// `s-maxage`.
    pub s_maxage: Option<Duration>,
    /// `stale-while-revalidate`.
    pub stale_while_revalidate: Option<Duration>,
}

/// RFC 9111 §1.2.2: a delta-seconds too large to represent is 2^31.
const MAX_DELTA: u64 = 1 << 31;

impl CacheControl {
    /// Parses one header value (or several joined with `,`).
    pub fn parse(value: &str) -> Self {
        let mut cc = Self::default();
        for directive in value.split(',') {
            let (name, arg) = match directive.split_once('=') {
                Some((name, arg)) => (name.trim(), Some(arg.trim().trim_matches('"'))),
                None => (directive.trim(), None),
            };
            if name.eq_ignore_ascii_case("public") {
                cc.public = true;
            } else if name.eq_ignore_ascii_case("private") {
                cc.private = true;
            } else if name.eq_ignore_ascii_case("no-store") {
                cc.no_store = true;
            } else if name.eq_ignore_ascii_case("no-cache") {
                cc.no_cache = true;
            } else if name.eq_ignore_ascii_case("must-revalidate") {
                cc.must_revalidate = true;
            } else if name.eq_ignore_ascii_case("proxy-revalidate") {
                cc.proxy_revalidate = true;
            } else if name.eq_ignore_ascii_case("max-age") {
                keep_smaller(&mut cc.max_age, seconds(arg));
            } else if name.eq_ignore_ascii_case("s-maxage") {
                keep_smaller(&mut cc.s_maxage, seconds(arg));
            } else if name.eq_ignore_ascii_case("stale-while-revalidate") {
                keep_smaller(&mut cc.stale_while_revalidate, seconds(arg));
            }
        }
        cc
    }

    /// Parses every `Cache-Control` line of `headers`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut joined = String::new();
        for value in headers.get_all(CACHE_CONTROL) {
            // A value that is not visible ASCII cannot be trusted: no-store.
            let Ok(value) = value.to_str() else {
                return Self {
                    no_store: true,
                    ..Self::default()
                };
            };
            if !joined.is_empty() {
                joined.push(',');
            }
            joined.push_str(value);
        }
        Self::parse(&joined)
    }

    /// Whether a shared cache may store the response: `public`, `s-maxage`
    /// or `max-age`, and none of `private`, `no-store`, `no-cache`.
    pub fn is_shared_storable(&self) -> bool {
        !(self.private || self.no_store || self.no_cache)
            && (self.public || self.s_maxage.is_some() || self.max_age.is_some())
            && !(self.shared_max_age().is_zero() && self.stale_while_revalidate().is_zero())
    }

    /// How long a stored response is fresh for a shared cache: `s-maxage`,
    /// else `max-age`, else zero.
    pub fn shared_max_age(&self) -> Duration {
        self.s_maxage.or(self.max_age).unwrap_or_default()
    }

    /// How long after it turns stale a response may still be served while it
    /// is revalidated. Zero under `must-revalidate` or `proxy-revalidate`,
    /// which forbid serving stale responses.
    pub fn stale_while_revalidate(&self) -> Duration {
        if self.must_revalidate || self.proxy_revalidate {
            Duration::ZERO
        } else {
            self.stale_while_revalidate.unwrap_or_default()
        }
    }
}

/// A delta-seconds argument; anything malformed is `0` (stale at once).
fn seconds(arg: Option<&str>) -> Duration {
    let secs = match arg {
        Some(a) if !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()) => {
            a.parse::<u64>().unwrap_or(MAX_DELTA).min(MAX_DELTA)
        }
        _ => 0,
    };
    Duration::from_secs(secs)
}

fn keep_smaller(slot: &mut Option<Duration>, value: Duration) {
    *slot = Some(slot.map_or(value, |old| old.min(value)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn secs(s: u64) -> Option<Duration> {
        Some(Duration::from_secs(s))
    }

    #[test]
    fn the_reference_example() {
        let cc = CacheControl::parse("public, s-maxage=10, stale-while-revalidate=59");
        assert_eq!(
            cc,
            CacheControl {
                public: true,
                s_maxage: secs(10),
                stale_while_revalidate: secs(59),
                ..Default::default()
            }
        );
        assert!(cc.is_shared_storable());
    }

    #[test]
    fn names_are_case_insensitive_and_values_may_be_quoted() {
        let cc = CacheControl::parse(" Public ,MAX-AGE=\"60\",S-MaxAge = 5 ");
        assert!(cc.public);
        assert_eq!(cc.max_age, secs(60));
        assert_eq!(cc.s_maxage, secs(5));
        assert_eq!(cc.shared_max_age(), Duration::from_secs(5));
    }

    #[test]
    fn s_maxage_wins_over_max_age() {
        assert_eq!(
            CacheControl::parse("max-age=3600, s-maxage=1").shared_max_age(),
            Duration::from_secs(1)
        );
        assert_eq!(
            CacheControl::parse("public, max-age=3600").shared_max_age(),
            Duration::from_secs(3600)
        );
    }

    #[test]
    fn restrictive_directives_forbid_storage() {
        for value in [
            "private, max-age=60",
            "private=\"set-cookie\", s-maxage=60",
            "public, no-store, max-age=60",
            "public, no-cache, s-maxage=60",
            "no-cache=\"set-cookie\", s-maxage=60",
            "private, no-cache, no-store, max-age=0, must-revalidate",
        ] {
            assert!(
                !CacheControl::parse(value).is_shared_storable(),
                "{value} was storable"
            );
        }
    }

    #[test]
    fn nothing_to_keep_is_not_stored() {
        assert!(!CacheControl::parse("").is_shared_storable());
        assert!(!CacheControl::parse("public").is_shared_storable());
        assert!(!CacheControl::parse("max-age=0").is_shared_storable());
        assert!(CacheControl::parse("s-maxage=0, stale-while-revalidate=5").is_shared_storable());
        assert!(CacheControl::parse("max-age=1").is_shared_storable());
    }

    #[test]
    fn malformed_and_huge_values() {
        assert_eq!(CacheControl::parse("max-age=abc").max_age, secs(0));
        assert_eq!(CacheControl::parse("max-age=-5").max_age, secs(0));
        assert_eq!(CacheControl::parse("max-age=").max_age, secs(0));
        assert_eq!(CacheControl::parse("max-age").max_age, secs(0));
        assert_eq!(CacheControl::parse("max-age=1.5").max_age, secs(0));
        assert_eq!(
            CacheControl::parse("s-maxage=99999999999999999999999").s_maxage,
            secs(MAX_DELTA)
        );
        // Unknown directives are ignored; duplicates keep the smaller value.
        let cc = CacheControl::parse("s-maxage=60, x-foo=bar, s-maxage=10, ,");
        assert_eq!(cc.s_maxage, secs(10));
    }

    #[test]
    fn revalidation_directives_forbid_serving_stale() {
        let cc = CacheControl::parse("s-maxage=10, stale-while-revalidate=59, must-revalidate");
        assert_eq!(cc.stale_while_revalidate(), Duration::ZERO);
        let cc = CacheControl::parse("s-maxage=10, stale-while-revalidate=59, proxy-revalidate");
        assert_eq!(cc.stale_while_revalidate(), Duration::ZERO);
    }

    #[test]
    fn several_header_lines_are_one_list() {
        let mut headers = HeaderMap::new();
        headers.append(CACHE_CONTROL, HeaderValue::from_static("public"));
        headers.append(CACHE_CONTROL, HeaderValue::from_static("s-maxage=10"));
        let cc = CacheControl::from_headers(&headers);
        assert!(cc.public && cc.s_maxage == secs(10));
        headers.append(CACHE_CONTROL, HeaderValue::from_static("private"));
        assert!(!CacheControl::from_headers(&headers).is_shared_storable());
        let mut opaque = HeaderMap::new();
        opaque.insert(
            CACHE_CONTROL,
            HeaderValue::from_bytes(b"public, s-maxage=\xff").unwrap(),
        );
        assert!(!CacheControl::from_headers(&opaque).is_shared_storable());
    }
}
