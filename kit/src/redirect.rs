//! Redirects a loader can return, with only the statuses that mean "redirect".
//!
//! The status is an enum, so a loader cannot ask for a 200 "redirect" or a
//! 305: an invalid redirect status does not compile.

use serde::{Deserialize, Serialize};

/// The status of a redirect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "u16", try_from = "u16")]
pub enum RedirectStatus {
    /// 301 Moved Permanently (the browser may turn a POST into a GET).
    MovedPermanently,
    /// 302 Found (the browser may turn a POST into a GET).
    Found,
    /// 303 See Other: always followed with a GET.
    SeeOther,
    /// 307 Temporary Redirect: the default, keeps the method.
    Temporary,
    /// 308 Permanent Redirect: keeps the method; the kit adds `Refresh`.
    Permanent,
}

impl RedirectStatus {
    /// The numeric status code.
    pub const fn code(self) -> u16 {
        match self {
            Self::MovedPermanently => 301,
            Self::Found => 302,
            Self::SeeOther => 303,
            Self::Temporary => 307,
            Self::Permanent => 308,
        }
    }

    /// The status for a code, or `None` if the code is not a redirect.
    pub const fn from_code(code: u16) -> Option<Self> {
        Some(match code {
            301 => Self::MovedPermanently,
            302 => Self::Found,
            303 => Self::SeeOther,
            307 => Self::Temporary,
            308 => Self::Permanent,
            _ => return None,
        })
    }
}

impl From<RedirectStatus> for u16 {
    fn from(s: RedirectStatus) -> u16 {
        s.code()
    }
}

/// A number that is not a redirect status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not a redirect status (301, 302, 303, 307 or 308)")]
pub struct NotARedirectStatus(pub u16);

impl TryFrom<u16> for RedirectStatus {
    type Error = NotARedirectStatus;
    fn try_from(code: u16) -> Result<Self, Self::Error> {
        Self::from_code(code).ok_or(NotARedirectStatus(code))
    }
}

/// Where a loader sends the browser instead of rendering its page.
#[must_use]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redirect {
    /// A path on this site (`/blog/x`) or an absolute URL.
    pub destination: String,
    /// How the browser should treat it.
    pub status: RedirectStatus,
}

impl Redirect {
    /// 307: the default, like Next.js's `permanent: false`.
    pub fn temporary(destination: impl Into<String>) -> Self {
        Self::with_status(RedirectStatus::Temporary, destination)
    }

    /// 308 (with `Refresh: 0;url=…` on documents), like Next.js's `permanent: true`.
    pub fn permanent(destination: impl Into<String>) -> Self {
        Self::with_status(RedirectStatus::Permanent, destination)
    }

    /// 303 See Other: the answer to a form POST ("see the result over
    /// there"), which the browser follows with a GET.
    pub fn see_other(destination: impl Into<String>) -> Self {
        Self::with_status(RedirectStatus::SeeOther, destination)
    }

    /// An explicit status, like Next.js's `statusCode`.
    pub fn with_status(status: RedirectStatus, destination: impl Into<String>) -> Self {
        Self {
            destination: destination.into(),
            status,
        }
    }

    /// Whether the destination stays on this origin: a path (`/blog/x`),
    /// never `//host`, `/\\host`, a scheme, or a spelling that a browser
    /// reads as one of those.
    ///
    /// Browsers remove tab, CR and LF from anywhere in a URL and trim
    /// leading spaces and control characters before parsing it, and read a
    /// backslash as a slash, so `"/\t/evil.example"` is `//evil.example`;
    /// and a server that decodes the path once more would read `/%2F…` or
    /// `/%09/…` the same way. All of these count as another origin.
    ///
    /// ```
    /// use server_props::Redirect;
    /// assert!(Redirect::see_other("/guestbook?x=1").is_same_origin());
    /// for hostile in ["//evil.example", "/\\evil.example", "/\t/evil.example",
    ///                 "/\r\n/evil.example", " //evil.example", "/%2F/evil.example",
    ///                 "/%09/evil.example", "https://evil.example", "javascript:alert(1)"] {
    ///     assert!(!Redirect::see_other(hostile).is_same_origin(), "{hostile:?}");
    /// }
    /// ```
    #[must_use]
    pub fn is_same_origin(&self) -> bool {
        is_same_origin_path(&self.destination)
    }
}

/// Whether `url` is a path on this origin, as a browser would read it (see
/// [`Redirect::is_same_origin`]).
pub fn is_same_origin_path(url: &str) -> bool {
    // A control character anywhere (a tab, CR or LF the URL parser would
    // drop) is refused outright: such a URL is never a valid `Location`.
    if url.chars().any(char::is_control) {
        return false;
    }
    // What the URL parser removes or ignores before it looks at the URL.
    let cleaned: String = url
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let cleaned = cleaned.trim_start_matches(|c: char| c <= ' ');
    let Some(rest) = cleaned.strip_prefix('/') else {
        return false;
    };
    if cleaned.chars().any(char::is_control) {
        return false;
    }
    // What follows the slash, decoded as often as a chain of servers might,
    // must not start another slash, a backslash or whitespace.
    let mut rest = rest.to_owned();
    for _ in 0..4 {
        let first = rest.trim_start_matches(['\t', '\n', '\r']).chars().next();
        match first {
            Some('/' | '\\') => return false,
            Some(c) if c.is_whitespace() || c.is_control() => return false,
            _ => {}
        }
        if !rest.contains('%') {
            return true;
        }
        rest = decode_all(&rest);
    }
    false
}

/// `s` with every `%XX` decoded (bytes that are not UTF-8 kept as `%XX`
/// would be, lossily).
fn decode_all(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = s
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_redirect_codes_convert() {
        for code in [301, 302, 303, 307, 308] {
            assert_eq!(RedirectStatus::try_from(code).unwrap().code(), code);
        }
        for code in [200, 300, 304, 305, 306, 309, 404] {
            assert_eq!(
                RedirectStatus::try_from(code),
                Err(NotARedirectStatus(code))
            );
        }
        assert!(serde_json::from_str::<RedirectStatus>("304").is_err());
    }

    #[test]
    fn constructors_pick_next_js_defaults() {
        assert_eq!(Redirect::temporary("/").status.code(), 307);
        assert_eq!(Redirect::permanent("/").status.code(), 308);
        let json = serde_json::to_string(&Redirect::temporary("/a")).unwrap();
        assert_eq!(json, r#"{"destination":"/a","status":307}"#);
    }

    #[test]
    fn browser_normalised_spellings_are_other_origins() {
        let hostile = [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            " //evil.example",
            "\u{0}//evil.example",
            "/\t\\evil.example",
            "/%2F/evil.example",
            "/%2f/evil.example",
            "/%5C/evil.example",
            "/%09/evil.example",
            "/%0a/evil.example",
            "/%0D/evil.example",
            "/%20/evil.example",
            "/%252F/evil.example",
            "/%25%32%46/evil.example",
            "/%25%35%43/evil.example",
            "/%2509/evil.example",
            "/ /evil.example",
            "https://evil.example",
            "HTTPS://evil.example",
            "javascript:alert(1)",
            "evil.example",
            "",
            "/a\u{7}b",
            "/x\r",
            "/x\n",
            "/a\tb",
        ];
        for d in hostile {
            assert!(!is_same_origin_path(d), "{d:?}");
        }
        for d in [
            "/",
            "/a",
            "/a//b",
            "/a/\\b",
            "/a?next=//x",
            "/%41bc",
            "/guestbook#x",
        ] {
            assert!(is_same_origin_path(d), "{d:?}");
        }
    }

    #[test]
    fn same_origin_detection() {
        assert!(Redirect::temporary("/blog").is_same_origin());
        assert!(!Redirect::temporary("//evil.example").is_same_origin());
        assert!(!Redirect::temporary("/\\evil.example").is_same_origin());
        assert!(!Redirect::temporary("https://example.com/").is_same_origin());
    }
}
