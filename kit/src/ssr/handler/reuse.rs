//! Reusing a nested layout's data across client navigations: the tokens a
//! props answer hands the browser for the layouts whose `Cache-Control`
//! lets it keep their data, and the check that lets a later props request
//! skip those layouts' loaders.
//!
//! A layout's loader is often its pages' guard, so skipping it must never
//! let a request through that the loader would have refused. The token is
//! a signature (HMAC-SHA256 with the app's cookie key, as signed cookies
//! are) over the layout, the part of the path it owns, the URL's query, the
//! request's `Cookie` and `Authorization` headers and an expiry: it holds
//! only for the same visitor with the same credentials, under the same
//! layout instance, until the layout's `max-age` runs out. Anything else
//! (another session, a cookie changed, a forged or stale token, no cookie
//! key) runs the loader as usual. Writes never skip a layout.

use crate::protocol::{Reuse, KEEP_PARAM};
use crate::ssr::response::head::ResponseHead;
use cookie::Key;
use http::request::Parts;

/// The tokens a props request carried, taken off its URL before anything
/// else sees it; kept in the request's extensions for `decide`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Kept(pub(crate) Vec<String>);

/// The query of a props URL without its [`KEEP_PARAM`] pairs, and the
/// tokens they carried (decoded).
pub(crate) fn take_kept(query: &str) -> (String, Kept) {
    if !query.contains(KEEP_PARAM) {
        return (query.to_owned(), Kept::default());
    }
    let mut tokens = Vec::new();
    let rest: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if name != KEEP_PARAM {
                return true;
            }
            let value: String = form_urlencoded::parse(format!("t={value}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            tokens.push(value);
            false
        })
        .collect();
    (rest.join("&"), Kept(tokens))
}

/// The part of `path` a prefix of `segments` segments owns: `/teams/red`
/// of `/teams/red/members/ada` for `/teams/:team`.
pub(crate) fn instance_of(path: &str, segments: usize) -> &str {
    if segments == 0 {
        return "/";
    }
    match path.match_indices('/').nth(segments) {
        Some((end, _)) => &path[..end],
        None => path,
    }
}

/// How long a layout's data may be reused, from the `Cache-Control` its
/// loader set: its `max-age`, unless it says `no-store` or `no-cache`.
pub(crate) fn reusable_for(head: &ResponseHead) -> Option<u64> {
    let value = head.with_headers(|headers| {
        headers
            .get(http::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok().map(str::to_ascii_lowercase))
    })?;
    let mut max_age = None;
    for directive in value.split(',').map(str::trim) {
        match directive.split_once('=') {
            Some(("max-age", n)) => max_age = n.trim_matches('"').parse::<u64>().ok(),
            None if directive == "no-store" || directive == "no-cache" => return None,
            _ => {}
        }
    }
    max_age.filter(|&n| n > 0)
}

/// The tags a layout's loader gave its data.
pub(crate) fn tags_of(head: &ResponseHead) -> Vec<String> {
    head.with_headers(|headers| {
        headers
            .get_all(crate::protocol::TAGS_HEADER)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect()
    })
}

/// What a token is bound to, besides its expiry: one layout instance, one
/// query, one visitor's credentials.
pub(crate) struct Binding<'a> {
    pub(crate) prefix: &'a str,
    pub(crate) instance: &'a str,
    pub(crate) query: &'a str,
    pub(crate) parts: &'a Parts,
}

impl Binding<'_> {
    /// The signed text: every field on a line of its own (none holds a
    /// newline: a path, a query, header values).
    fn text(&self, expiry: u64) -> String {
        let header = |name| {
            self.parts
                .headers
                .get_all(name)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect::<Vec<_>>()
                .join("\u{1f}")
        };
        format!(
            "server_props reuse v1\n{}\n{}\n{}\n{expiry}\n{}\n{}",
            self.prefix,
            self.instance,
            self.query,
            header(http::header::COOKIE),
            header(http::header::AUTHORIZATION),
        )
    }
}

/// A token for the layout `binding` names, good for `max_age` seconds from
/// `now` (seconds since the epoch).
pub(crate) fn issue(key: &Key, binding: &Binding<'_>, now: u64, max_age: u64) -> Reuse {
    let expiry = now.saturating_add(max_age);
    Reuse {
        token: format!("{expiry}.{}", mac(key, &binding.text(expiry))),
        instance: binding.instance.to_owned(),
        max_age,
        tags: Vec::new(),
    }
}

/// Whether one of `kept` holds for the layout `binding` names at `now`.
pub(crate) fn holds(key: &Key, kept: &Kept, binding: &Binding<'_>, now: u64) -> bool {
    kept.0.iter().any(|token| {
        let Some((expiry, signature)) = token.split_once('.') else {
            return false;
        };
        let Ok(expiry) = expiry.parse::<u64>() else {
            return false;
        };
        expiry > now && verify(key, &binding.text(expiry), signature)
    })
}

/// The seconds since the epoch.
pub(crate) fn now() -> u64 {
    web_time::SystemTime::now()
        .duration_since(web_time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The signature of `text` (base64), as the cookie crate signs a cookie.
fn mac(key: &Key, text: &str) -> String {
    let mut jar = cookie::CookieJar::new();
    jar.signed_mut(key)
        .add(cookie::Cookie::new("r", text.to_owned()));
    let signed = jar.get("r").map(cookie::Cookie::value).unwrap_or_default();
    // The signed value is the signature (44 base64 characters) and the text.
    signed[..signed.len() - text.len()].to_owned()
}

/// Whether `signature` is `text`'s, checked by the cookie crate (in
/// constant time).
fn verify(key: &Key, text: &str, signature: &str) -> bool {
    let mut jar = cookie::CookieJar::new();
    jar.add_original(cookie::Cookie::new("r", format!("{signature}{text}")));
    jar.signed(key).get("r").is_some_and(|c| c.value() == text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(cookie: &str) -> Parts {
        http::Request::builder()
            .header(http::header::COOKIE, cookie)
            .body(())
            .unwrap()
            .into_parts()
            .0
    }

    #[test]
    fn a_token_holds_for_the_same_layout_visitor_and_query_until_it_expires() {
        let key = Key::generate();
        let ada = parts("session=ada");
        let binding = |parts, instance, query| Binding {
            prefix: "/teams/:team",
            instance,
            query,
            parts,
        };
        let reuse = issue(&key, &binding(&ada, "/teams/red", "x=1"), 1_000, 60);
        assert_eq!(reuse.max_age, 60);
        let kept = Kept(vec![reuse.token.clone()]);
        assert!(holds(
            &key,
            &kept,
            &binding(&ada, "/teams/red", "x=1"),
            1_059
        ));
        // Expired, another team, another query, another session, another key,
        // a changed expiry: the loader runs.
        assert!(!holds(
            &key,
            &kept,
            &binding(&ada, "/teams/red", "x=1"),
            1_060
        ));
        assert!(!holds(
            &key,
            &kept,
            &binding(&ada, "/teams/blue", "x=1"),
            1_001
        ));
        assert!(!holds(
            &key,
            &kept,
            &binding(&ada, "/teams/red", "x=2"),
            1_001
        ));
        let eve = parts("session=eve");
        assert!(!holds(
            &key,
            &kept,
            &binding(&eve, "/teams/red", "x=1"),
            1_001
        ));
        let no_cookie = http::Request::new(()).into_parts().0;
        assert!(!holds(
            &key,
            &kept,
            &binding(&no_cookie, "/teams/red", "x=1"),
            1_001
        ));
        assert!(!holds(
            &Key::generate(),
            &kept,
            &binding(&ada, "/teams/red", "x=1"),
            1_001
        ));
        let (_, signature) = reuse.token.split_once('.').unwrap();
        let later = Kept(vec![format!("9999999999.{signature}")]);
        assert!(!holds(
            &key,
            &later,
            &binding(&ada, "/teams/red", "x=1"),
            1_001
        ));
        for junk in ["", ".", "x.y", "1060", "1060."] {
            let kept = Kept(vec![junk.to_owned()]);
            assert!(!holds(
                &key,
                &kept,
                &binding(&ada, "/teams/red", "x=1"),
                1_001
            ));
        }
    }

    #[test]
    fn kept_tokens_come_off_the_query() {
        let (query, kept) = take_kept("a=1&__keep=12.ab%2Bc%3D&b=2&__keep=3.x");
        assert_eq!(query, "a=1&b=2");
        assert_eq!(kept.0, ["12.ab+c=", "3.x"]);
        let (query, kept) = take_kept("a=1");
        assert_eq!(query, "a=1");
        assert!(kept.0.is_empty());
        assert_eq!(take_kept("__keep=1").0, "");
    }

    #[test]
    fn an_instance_is_the_paths_first_segments() {
        assert_eq!(instance_of("/teams/red/members/ada", 2), "/teams/red");
        assert_eq!(instance_of("/dashboard", 1), "/dashboard");
        assert_eq!(instance_of("/dashboard/projects/2", 1), "/dashboard");
        assert_eq!(instance_of("/anything", 0), "/");
    }
}
