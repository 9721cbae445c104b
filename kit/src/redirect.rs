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

    /// An explicit status, like Next.js's `statusCode`.
    pub fn with_status(status: RedirectStatus, destination: impl Into<String>) -> Self {
        Self {
            destination: destination.into(),
            status,
        }
    }

    /// Whether the destination stays on this origin (`/path`, not `//host` or `https://…`).
    pub fn is_same_origin(&self) -> bool {
        let d = self.destination.as_str();
        d.starts_with('/') && !d.starts_with("//") && !d.starts_with("/\\")
    }
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
    fn same_origin_detection() {
        assert!(Redirect::temporary("/blog").is_same_origin());
        assert!(!Redirect::temporary("//evil.example").is_same_origin());
        assert!(!Redirect::temporary("/\\evil.example").is_same_origin());
        assert!(!Redirect::temporary("https://example.com/").is_same_origin());
    }
}
