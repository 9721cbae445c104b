//! How long the browser may keep a props answer, from its `Cache-Control`
//! read as a private cache reads it (RFC 9111: `s-maxage` is for shared
//! caches; `no-cache` and `must-revalidate` mean "ask first"), what an
//! answer says the cache must drop ([`Invalidation`]), and the rules of the
//! browser's props cache built on it ([`props_cache`]), and the nested
//! layouts' data it keeps across navigations ([`kept_layouts`]). Shared by both
//! builds so it is tested natively; the browser's props cache
//! (`client::props_cache`) holds one [`PropsCache`] and gives it the time.

mod kept_layouts;
mod props_cache;

// Only the browser half uses them.
#[cfg_attr(not(feature = "hydrate"), allow(unused_imports))]
pub(crate) use kept_layouts::KeptLayouts;
#[cfg_attr(not(feature = "hydrate"), allow(unused_imports))]
pub(crate) use props_cache::{Answer, Found, Keep, PropsCache, DEFAULT_PREFETCH_WINDOW};

/// What an answer's headers say about keeping it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Freshness {
    /// How long it is fresh, in ms (`max-age`).
    pub(crate) fresh_ms: f64,
    /// How long after that it may still be shown while revalidating.
    pub(crate) stale_ms: f64,
    /// `no-store`: never kept.
    pub(crate) no_store: bool,
    /// How old the answer already was when it arrived (`Age`, in ms): set
    /// by the browser's fetch, not by `parse`.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(crate) age_ms: f64,
}

impl Freshness {
    /// From a `Cache-Control` value, as a private cache reads it
    /// (`s-maxage` is for shared caches).
    pub(crate) fn parse(cache_control: Option<&str>) -> Self {
        let mut freshness = Self::default();
        let Some(value) = cache_control else {
            freshness.no_store = true;
            return freshness;
        };
        let mut must_revalidate = false;
        for directive in value.split(',') {
            let (name, arg) = match directive.split_once('=') {
                Some((n, a)) => (n.trim(), Some(a.trim().trim_matches('"'))),
                None => (directive.trim(), None),
            };
            let seconds = || arg.and_then(|a| a.parse::<u64>().ok()).unwrap_or(0) as f64 * 1000.0;
            match name.to_ascii_lowercase().as_str() {
                "no-store" => freshness.no_store = true,
                "no-cache" => must_revalidate = true,
                "must-revalidate" => must_revalidate = true,
                "max-age" => freshness.fresh_ms = seconds(),
                "stale-while-revalidate" => freshness.stale_ms = seconds(),
                _ => {}
            }
        }
        if must_revalidate {
            freshness.stale_ms = 0.0;
            if value.to_ascii_lowercase().contains("no-cache") {
                freshness.fresh_ms = 0.0;
            }
        }
        freshness
    }
}

/// What an answer says about the answers the browser keeps, whatever else
/// it holds: the fetch returns it as a value, and the navigator applies it
/// to the props cache before anything from the answer is kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum Invalidation {
    /// Nothing kept changes.
    #[default]
    Nothing,
    /// A write changed what these tags name (`x-server-props-invalidate`):
    /// the answers carrying one of them go.
    Tags(Vec<String>),
    /// Every answer goes: the session changed (the header's `*`), or the
    /// server runs another build (a stale build).
    Everything,
}

impl Invalidation {
    /// From the values of `x-server-props-invalidate` (empty: none).
    pub(crate) fn from_header(tags: Vec<String>) -> Self {
        if tags.iter().any(|t| t == "*") {
            Self::Everything
        } else if tags.is_empty() {
            Self::Nothing
        } else {
            Self::Tags(tags)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_invalidate_header_names_tags_or_everything() {
        assert_eq!(Invalidation::from_header(Vec::new()), Invalidation::Nothing);
        let tags = vec!["guestbook".to_owned(), "catalog".to_owned()];
        assert_eq!(
            Invalidation::from_header(tags.clone()),
            Invalidation::Tags(tags)
        );
        assert_eq!(
            Invalidation::from_header(vec!["a".to_owned(), "*".to_owned()]),
            Invalidation::Everything
        );
    }

    #[test]
    fn a_private_cache_reads_max_age_and_stale_while_revalidate() {
        let f = Freshness::parse(Some("private, max-age=30"));
        assert_eq!((f.fresh_ms, f.stale_ms, f.no_store), (30_000.0, 0.0, false));
        let f = Freshness::parse(Some("public, s-maxage=10, stale-while-revalidate=59"));
        assert_eq!((f.fresh_ms, f.stale_ms), (0.0, 59_000.0));
        let f = Freshness::parse(Some("Max-Age=\"5\", stale-while-revalidate=1"));
        assert_eq!((f.fresh_ms, f.stale_ms), (5_000.0, 1_000.0));
    }

    #[test]
    fn no_store_and_revalidation_directives() {
        assert!(Freshness::parse(None).no_store);
        assert!(Freshness::parse(Some(crate::protocol::DEFAULT_CACHE_CONTROL)).no_store);
        let f = Freshness::parse(Some("no-cache, max-age=60"));
        assert_eq!((f.fresh_ms, f.stale_ms, f.no_store), (0.0, 0.0, false));
        let f = Freshness::parse(Some(
            "max-age=60, must-revalidate, stale-while-revalidate=9",
        ));
        assert_eq!((f.fresh_ms, f.stale_ms), (60_000.0, 0.0));
        let f = Freshness::parse(Some("max-age=abc"));
        assert_eq!(f.fresh_ms, 0.0);
    }
}
