//! A page URL: what a page is asked for, as one type.
//!
//! Both halves need the same string for the same page: the server's
//! loaders see it (`LoaderContext::url`), the embedded props and a
//! submission's answer name it, the browser's props cache and bookkeeping
//! key by it, and a props URL is made from it. Every way of getting one (a
//! request's URI, a props URL's page path and query, a redirect's
//! destination, the browser's location or a link's resolved URL) goes
//! through [`PageUrl`], so the rules are written once: a path and a query,
//! no origin, no `#fragment` (it never reaches a server), and no empty
//! query (`/a?` is `/a`, as `location.search` is empty for both).

/// A path and an optional query, normalised (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PageUrl {
    /// `path` or `path?query`.
    text: String,
    /// Where the path ends in `text`.
    path_len: usize,
}

impl PageUrl {
    /// From a path and a query without its `?` (empty: none).
    pub(crate) fn new(path: &str, query: &str) -> Self {
        let mut text = String::with_capacity(path.len() + query.len() + 1);
        text.push_str(path);
        if !query.is_empty() {
            text.push('?');
            text.push_str(query);
        }
        Self {
            text,
            path_len: path.len(),
        }
    }

    /// From a path and a search string as the browser's `Location` and
    /// `URL` give them (`?x=1`, or empty).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(crate) fn from_search(path: &str, search: &str) -> Self {
        Self::new(path, search.strip_prefix('?').unwrap_or(search))
    }

    /// From a URL reference of this site (`/a?x=1#top`): its path and
    /// query; the fragment is dropped.
    pub(crate) fn parse(url: &str) -> Self {
        let url = url.split('#').next().unwrap_or_default();
        match url.split_once('?') {
            Some((path, query)) => Self::new(path, query),
            None => Self::new(url, ""),
        }
    }

    /// From a request's URI: its path and query.
    #[cfg(feature = "ssr")]
    pub(crate) fn from_uri(uri: &http::Uri) -> Self {
        Self::new(uri.path(), uri.query().unwrap_or_default())
    }

    /// `path` or `path?query`.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The path.
    pub(crate) fn path(&self) -> &str {
        &self.text[..self.path_len]
    }

    /// The query, without its `?`, when there is one.
    pub(crate) fn query(&self) -> Option<&str> {
        self.text.get(self.path_len + 1..)
    }

    /// The string.
    pub(crate) fn into_string(self) -> String {
        self.text
    }
}

impl PartialEq<str> for PageUrl {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_in_gives_the_same_url() {
        for (made, text, path, query) in [
            (
                PageUrl::from_search("/a", "?x=1"),
                "/a?x=1",
                "/a",
                Some("x=1"),
            ),
            (PageUrl::from_search("/a", "??x"), "/a??x", "/a", Some("?x")),
            (PageUrl::new("/a", "x=1"), "/a?x=1", "/a", Some("x=1")),
            (PageUrl::new("/a", ""), "/a", "/a", None),
            (PageUrl::from_search("/a", "?"), "/a", "/a", None),
            (PageUrl::from_search("/a", ""), "/a", "/a", None),
            (PageUrl::parse("/a?x=1#top"), "/a?x=1", "/a", Some("x=1")),
            (PageUrl::parse("/a?#top"), "/a", "/a", None),
            (PageUrl::parse("/a#b?c"), "/a", "/a", None),
            (PageUrl::parse("/"), "/", "/", None),
            (PageUrl::parse("/a?x=1?y"), "/a?x=1?y", "/a", Some("x=1?y")),
        ] {
            assert_eq!(made.as_str(), text);
            assert_eq!(made.path(), path, "{text}");
            assert_eq!(made.query(), query, "{text}");
            assert!(made == *text);
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_request_uri_gives_its_path_and_query() {
        let uri: http::Uri = "/blog/a?page=2".parse().unwrap();
        assert_eq!(PageUrl::from_uri(&uri).as_str(), "/blog/a?page=2");
        let uri: http::Uri = "/blog/a?".parse().unwrap();
        assert_eq!(PageUrl::from_uri(&uri).as_str(), "/blog/a");
        let uri: http::Uri = "http://example.com".parse().unwrap();
        assert_eq!(PageUrl::from_uri(&uri).as_str(), "/");
    }
}
