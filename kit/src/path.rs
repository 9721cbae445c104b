//! Route patterns: the one place that knows what `/blog/:post` means.
//!
//! A page's path is written once, in the Leptos style (`/repos/:owner/:name`,
//! `/catchall/*path`), and this module turns it into everything else that
//! needs it: the segments the Leptos router matches in the browser, the
//! `{param}` syntax axum matches on the server, and a specificity order so
//! that both routers pick the same page for the same URL; and it reads a
//! path's params back out ([`DecodedParams`]), which
//! [`params`](crate::params) turns into a page's typed params. Parsing happens
//! once, when the page table is built, so a malformed pattern fails at
//! start-up with the pattern in the message, never at request time.

use leptos_router::{
    ParamSegment, PartialPathMatch, PathSegment, PossibleRouteMatch, StaticSegment, WildcardSegment,
};
use std::{fmt, sync::Arc};

/// One segment of a route pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    /// A literal segment: `blog` in `/blog/:post`.
    Static(&'static str),
    /// A named parameter matching one segment: `post` in `/blog/:post`.
    Param(&'static str),
    /// A catch-all matching the rest of the path: `path` in `/catchall/*path`.
    CatchAll(&'static str),
}

/// A parsed route pattern such as `/repos/:owner/:name`.
///
/// Cloning is cheap (a reference count): every render builds the Leptos
/// routes from the page table anew.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutePattern {
    source: &'static str,
    segments: Arc<[Segment]>,
}

/// Why a route pattern was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatternError {
    /// The pattern does not start with `/`.
    #[error("route `{0}` must start with `/`")]
    NoLeadingSlash(&'static str),
    /// Two slashes in a row, or a trailing slash after a segment.
    #[error("route `{0}` has an empty segment")]
    EmptySegment(&'static str),
    /// `:` or `*` with no name after it.
    #[error("route `{0}` has a parameter without a name")]
    UnnamedParam(&'static str),
    /// A parameter name with characters other than ASCII letters, digits or `_`.
    #[error("route `{pattern}`: parameter name `{name}` must be ASCII letters, digits or `_`")]
    BadParamName {
        /// The whole pattern.
        pattern: &'static str,
        /// The offending name.
        name: &'static str,
    },
    /// The same parameter name twice.
    #[error("route `{pattern}` names the parameter `{name}` twice")]
    DuplicateParam {
        /// The whole pattern.
        pattern: &'static str,
        /// The repeated name.
        name: &'static str,
    },
    /// A catch-all that is not the last segment.
    #[error("route `{0}`: a catch-all `*name` must be the last segment")]
    CatchAllNotLast(&'static str),
    /// A literal segment containing characters that axum's router treats specially.
    #[error("route `{0}`: literal segments cannot contain `{{`, `}}`, `?` or `#`")]
    BadLiteral(&'static str),
    /// A literal segment that would collide with the props endpoint.
    #[error("route `{0}` starts with the reserved `/_props` prefix")]
    Reserved(&'static str),
}

impl RoutePattern {
    /// Parses a pattern. `/` is the root page.
    ///
    /// ```
    /// use server_props::path::{RoutePattern, Segment};
    /// let p = RoutePattern::parse("/repos/:owner/:name").unwrap();
    /// assert_eq!(p.segments()[1], Segment::Param("owner"));
    /// assert_eq!(p.axum_path(), "/repos/{owner}/{name}");
    /// ```
    pub fn parse(source: &'static str) -> Result<Self, PatternError> {
        let rest = source
            .strip_prefix('/')
            .ok_or(PatternError::NoLeadingSlash(source))?;
        let mut segments = Vec::new();
        if !rest.is_empty() {
            let parts: Vec<&'static str> = rest.split('/').collect();
            let last = parts.len() - 1;
            for (i, part) in parts.into_iter().enumerate() {
                let segment = if part.is_empty() {
                    return Err(PatternError::EmptySegment(source));
                } else if let Some(name) = part.strip_prefix(':') {
                    Segment::Param(check_name(source, name)?)
                } else if let Some(name) = part.strip_prefix('*') {
                    if i != last {
                        return Err(PatternError::CatchAllNotLast(source));
                    }
                    Segment::CatchAll(check_name(source, name)?)
                } else if part.contains(['{', '}', '?', '#', ':', '*']) {
                    return Err(PatternError::BadLiteral(source));
                } else {
                    Segment::Static(part)
                };
                if let Some(name) = segment.param_name() {
                    if segments
                        .iter()
                        .any(|s: &Segment| s.param_name() == Some(name))
                    {
                        return Err(PatternError::DuplicateParam {
                            pattern: source,
                            name,
                        });
                    }
                }
                segments.push(segment);
            }
        }
        if segments.first() == Some(&Segment::Static(crate::protocol::PROPS_PREFIX_SEGMENT)) {
            return Err(PatternError::Reserved(source));
        }
        Ok(Self {
            source,
            segments: segments.into(),
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &'static str {
        self.source
    }

    /// The parsed segments.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The same pattern in axum / matchit syntax (`/blog/{post}`, `/catchall/{*path}`).
    pub fn axum_path(&self) -> String {
        if self.segments.is_empty() {
            return "/".to_owned();
        }
        let mut out = String::with_capacity(self.source.len() + 8);
        for segment in self.segments.iter() {
            out.push('/');
            match segment {
                Segment::Static(s) => out.push_str(s),
                Segment::Param(name) => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
                Segment::CatchAll(name) => {
                    out.push_str("{*");
                    out.push_str(name);
                    out.push('}');
                }
            }
        }
        out
    }

    /// The shape of the pattern with parameter names erased (`/blog/:`), used to
    /// find two pages that would match exactly the same URLs.
    pub(crate) fn shape(&self) -> String {
        let mut out = String::new();
        for segment in self.segments.iter() {
            out.push('/');
            match segment {
                Segment::Static(s) => out.push_str(s),
                Segment::Param(_) => out.push(':'),
                Segment::CatchAll(_) => out.push('*'),
            }
        }
        out
    }

    /// A sort key that puts more specific patterns first, the order axum's
    /// router resolves overlaps in: at the first segment where two patterns
    /// differ, a literal beats a parameter, which beats a catch-all.
    pub(crate) fn specificity(&self) -> Vec<u8> {
        self.segments
            .iter()
            .map(|s| match s {
                Segment::Static(_) => 0,
                Segment::Param(_) => 1,
                Segment::CatchAll(_) => 2,
            })
            .chain(std::iter::once(3))
            .collect()
    }

    /// Whether the pattern has a catch-all segment with this name.
    pub fn is_catch_all(&self, name: &str) -> bool {
        self.segments
            .iter()
            .any(|s| matches!(s, Segment::CatchAll(n) if *n == name))
    }
}

/// A route parameter's value: a catch-all is a list of segments.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParamValue {
    /// `:name`: one percent-decoded segment.
    One(String),
    /// `*name`: the percent-decoded segments of the rest of the path.
    Many(Vec<String>),
}

/// The decoded params of one request, in pattern order: what
/// [`RoutePattern::decode_params`] reads out of a path, and what
/// [`params`](crate::params) deserialises a page's params type from.
pub type DecodedParams = Vec<(&'static str, ParamValue)>;

/// Why a path's params could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A segment is not UTF-8 once percent-decoded (a 400).
    #[error("route parameter `{0}` is not valid UTF-8 once decoded")]
    NotUtf8(&'static str),
    /// A `:param` segment is empty (`/blog//x`), which the Leptos router
    /// never matches; the server then serves the page Leptos would choose
    /// (`Pages::resolve`), or none.
    #[error("route parameter `{0}` is empty")]
    Empty(&'static str),
}

impl RoutePattern {
    /// Reads the params of this pattern out of a path it is known to match,
    /// percent-decoding each segment (a catch-all is split before decoding,
    /// so an encoded `%2F` stays inside its segment).
    ///
    /// ```
    /// use server_props::{params::ParamValue, path::RoutePattern};
    /// let p = RoutePattern::parse("/c/*rest").unwrap();
    /// let got = p.decode_params("/c/a/b%2Fc").unwrap();
    /// assert_eq!(got, [("rest", ParamValue::Many(vec!["a".into(), "b/c".into()]))]);
    /// ```
    ///
    /// # Errors
    /// When a segment is not UTF-8 once percent-decoded, or a `:param`
    /// segment is empty.
    pub fn decode_params(&self, path: &str) -> Result<DecodedParams, DecodeError> {
        let mut rest = path.strip_prefix('/').unwrap_or(path).split('/');
        let mut params = Vec::new();
        for segment in self.segments.iter() {
            match *segment {
                Segment::Static(_) => {
                    rest.next();
                }
                Segment::Param(name) => {
                    let raw = rest.next().unwrap_or_default();
                    if raw.is_empty() {
                        return Err(DecodeError::Empty(name));
                    }
                    params.push((name, ParamValue::One(decode(name, raw)?)));
                }
                Segment::CatchAll(name) => {
                    let values = rest
                        .by_ref()
                        .map(|raw| decode(name, raw))
                        .collect::<Result<_, _>>()?;
                    params.push((name, ParamValue::Many(values)));
                }
            }
        }
        Ok(params)
    }

    /// Whether a path this pattern matches leaves one of its `:param`s
    /// empty (`/blog//x`), without decoding anything.
    pub fn has_empty_param(&self, path: &str) -> bool {
        let mut rest = path.strip_prefix('/').unwrap_or(path).split('/');
        for segment in self.segments.iter() {
            match segment {
                Segment::Static(_) => {
                    rest.next();
                }
                Segment::Param(_) => {
                    if rest.next().is_none_or(str::is_empty) {
                        return true;
                    }
                }
                Segment::CatchAll(_) => return false,
            }
        }
        false
    }

    /// The names of the pattern's params, in order.
    pub fn param_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.segments.iter().filter_map(Segment::param_name)
    }
}

fn decode(name: &'static str, raw: &str) -> Result<String, DecodeError> {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| DecodeError::NotUtf8(name))
}

impl fmt::Display for RoutePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.source)
    }
}

impl Segment {
    fn param_name(&self) -> Option<&'static str> {
        match self {
            Segment::Static(_) => None,
            Segment::Param(n) | Segment::CatchAll(n) => Some(n),
        }
    }
}

fn check_name(pattern: &'static str, name: &'static str) -> Result<&'static str, PatternError> {
    if name.is_empty() {
        Err(PatternError::UnnamedParam(pattern))
    } else if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Err(PatternError::BadParamName { pattern, name })
    } else {
        Ok(name)
    }
}

/// Lets the Leptos router match a [`RoutePattern`] directly, so the browser
/// and the server share one definition of every page's path.
impl PossibleRouteMatch for RoutePattern {
    fn optional(&self) -> bool {
        false
    }

    fn test<'a>(&self, path: &'a str) -> Option<PartialPathMatch<'a>> {
        let mut remaining = path;
        let mut params = Vec::new();
        for segment in self.segments.iter() {
            let m = match segment {
                Segment::Static(s) => StaticSegment(*s).test(remaining),
                Segment::Param(n) => ParamSegment(n).test(remaining),
                Segment::CatchAll(n) => WildcardSegment(n).test(remaining),
            }?;
            remaining = m.remaining();
            let params_of_m = m.params();
            // Like axum: a catch-all matches at least one character.
            if matches!(segment, Segment::CatchAll(_))
                && params_of_m.iter().all(|(_, v)| v.is_empty())
            {
                return None;
            }
            params.extend(params_of_m);
        }
        // Like axum: `/blog/a/` is not `/blog/a` (only the root page is `/`).
        if !self.segments.is_empty() && remaining == "/" {
            return None;
        }
        let matched = &path[..path.len() - remaining.len()];
        Some(PartialPathMatch::new(remaining, params, matched))
    }

    fn generate_path(&self, path: &mut Vec<PathSegment>) {
        for segment in self.segments.iter() {
            match segment {
                Segment::Static(s) => StaticSegment(*s).generate_path(path),
                Segment::Param(n) => ParamSegment(n).generate_path(path),
                Segment::CatchAll(n) => WildcardSegment(n).generate_path(path),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_converts_to_axum_syntax() {
        let cases = [
            ("/", "/"),
            ("/blog/:post", "/blog/{post}"),
            ("/catchall/*path", "/catchall/{*path}"),
            ("/repos/:owner/:name", "/repos/{owner}/{name}"),
        ];
        for (leptos, axum) in cases {
            assert_eq!(RoutePattern::parse(leptos).unwrap().axum_path(), axum);
        }
    }

    #[test]
    fn rejects_malformed_patterns() {
        use PatternError::*;
        assert_eq!(RoutePattern::parse("blog"), Err(NoLeadingSlash("blog")));
        assert_eq!(RoutePattern::parse("/a//b"), Err(EmptySegment("/a//b")));
        assert_eq!(RoutePattern::parse("/a/"), Err(EmptySegment("/a/")));
        assert_eq!(RoutePattern::parse("/a/:"), Err(UnnamedParam("/a/:")));
        assert_eq!(RoutePattern::parse("/*a/b"), Err(CatchAllNotLast("/*a/b")));
        assert_eq!(RoutePattern::parse("/a{b}"), Err(BadLiteral("/a{b}")));
        assert_eq!(RoutePattern::parse("/_props/x"), Err(Reserved("/_props/x")));
        assert!(matches!(
            RoutePattern::parse("/:a/:a"),
            Err(DuplicateParam { name: "a", .. })
        ));
        assert!(matches!(
            RoutePattern::parse("/:a-b"),
            Err(BadParamName { name: "a-b", .. })
        ));
    }

    #[test]
    fn leptos_matching_agrees_with_the_pattern() {
        let p = RoutePattern::parse("/repos/:owner/:name").unwrap();
        let m = p.test("/repos/vercel/next.js").unwrap();
        assert!(m.is_complete());
        assert_eq!(
            m.params(),
            vec![
                ("owner".into(), "vercel".into()),
                ("name".into(), "next.js".into())
            ]
        );
        assert!(p.test("/repos/vercel").is_none_or(|m| !m.is_complete()));
        let all = RoutePattern::parse("/catchall/*path").unwrap();
        let m = all.test("/catchall/a/b/c").unwrap();
        assert_eq!(m.params(), vec![("path".into(), "a/b/c".into())]);
        let root = RoutePattern::parse("/").unwrap();
        assert!(root.test("/").unwrap().is_complete());
        // As axum matches: no trailing slash, no empty catch-all.
        assert!(p.test("/repos/vercel/next.js/").is_none());
        assert!(all.test("/catchall").is_none());
        assert!(all.test("/catchall/").is_none());
    }

    #[test]
    fn params_are_decoded_per_segment() {
        let p = RoutePattern::parse("/repos/:owner/:name").unwrap();
        let got = p.decode_params("/repos/a%20b/n%C3%A9").unwrap();
        assert_eq!(
            got,
            [
                ("owner", ParamValue::One("a b".into())),
                ("name", ParamValue::One("né".into()))
            ]
        );
        let c = RoutePattern::parse("/catchall/*path").unwrap();
        let got = c.decode_params("/catchall/a/b%2Fc/d").unwrap();
        assert_eq!(
            got,
            [(
                "path",
                ParamValue::Many(vec!["a".into(), "b/c".into(), "d".into()])
            )]
        );
        let b = RoutePattern::parse("/blog/:post").unwrap();
        assert_eq!(
            b.decode_params("/blog/%FF"),
            Err(DecodeError::NotUtf8("post"))
        );
        assert_eq!(
            p.decode_params("/repos//x"),
            Err(DecodeError::Empty("owner"))
        );
    }

    #[test]
    fn specificity_orders_literals_before_params_before_catch_alls() {
        let mut v = ["/*rest", "/blog/:post", "/blog/new", "/blog"]
            .map(|p| RoutePattern::parse(p).unwrap());
        v.sort_by_key(RoutePattern::specificity);
        let order: Vec<_> = v.iter().map(|p| p.as_str()).collect();
        assert_eq!(order, ["/blog/new", "/blog/:post", "/blog", "/*rest"]);
    }
}
