//! The wire protocol between the server and the browser, in one place.
//!
//! Everything the two halves must agree on lives here as constants and
//! types: where the props of a page are fetched from, the JSON shapes of the
//! answers, the element the first page's props are embedded in, and the
//! build id that tells a browser running an old bundle to reload.
//! `docs/protocol.md` describes the same rules for people.
//!
//! * **Props URL**: `/_props/<build id><page path>.json?<page query>`, with the
//!   root page `/` written as `/index` (so `/_props/<id>/index.json`) and a page
//!   path that itself starts with `/index` prefixed with another `/index`,
//!   the rule Next.js uses for `/_next/data`.
//! * **Answers** ([`PropsPayload`], one [`PayloadBody`] each): `{"props":…,"layout":…}` (200 or the
//!   loader's status; `layout` when the app has a layout loader; `actionData`
//!   beside the props when the page's action refused a submission, 422), `{"notFound":true}` (404), `{"redirect":{"destination":…,
//!   "status":307}}` (200, so `fetch` never follows it),
//!   `{"error":…}` (500) and `{"staleBuild":true}` (410). Each carries the
//!   [`PROPS_HEADER`] header; a response without it (a loader that sent its
//!   own response) is not props and calls for a document navigation.
//! * **Embedded props**: one `<script type="application/json"
//!   id="__SERVER_PROPS__">` in the document's `<head>`, holding a
//!   [`PropsPayload`] with the build id and the URL it was rendered for,
//!   escaped by [`crate::escape`].

use crate::redirect::Redirect;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

#[doc(hidden)]
/// The first path segment of every props URL.
pub const PROPS_PREFIX_SEGMENT: &str = "_props";
#[doc(hidden)]
/// The props URL prefix, with its slashes.
pub const PROPS_PREFIX: &str = "/_props/";
#[doc(hidden)]
/// The suffix of every props URL's path.
pub const PROPS_SUFFIX: &str = ".json";
#[doc(hidden)]
/// The `id` of the `<script type="application/json">` element holding the
/// first page's props.
pub const SCRIPT_ID: &str = "__SERVER_PROPS__";
/// A header on every props answer the kit makes; its value is the build id.
pub const PROPS_HEADER: &str = "x-server-props";
/// The build id on the answer of the health check (`AppServer::health`,
/// server side), so a balancer can tell which build each instance runs and
/// route props requests (whose URL names their build) to it:
/// `docs/deploy.md`, "Several instances".
pub const BUILD_HEADER: &str = "x-server-props-build";
/// The tags a loader gave its props (`ResponseHead::tag`), one per value.
pub const TAGS_HEADER: &str = "x-server-props-tags";
/// The tags a write changed (`ResponseHead::invalidate`), one per value:
/// the kit's shared cache drops what carries them; the header reaches the
/// browser too.
pub const INVALIDATE_HEADER: &str = "x-server-props-invalidate";
/// `Cache-Control` of every page response whose loader did not set one: the
/// value Next.js uses for `getServerSideProps` pages.
pub const DEFAULT_CACHE_CONTROL: &str = "private, no-cache, no-store, max-age=0, must-revalidate";
#[doc(hidden)]
/// Media type of props answers.
pub const JSON_CONTENT_TYPE: &str = "application/json";
#[doc(hidden)]
/// Media type of a props answer whose deferred values follow its payload,
/// one line each.
pub const STREAMED_CONTENT_TYPE: &str = "application/x-ndjson";
#[doc(hidden)]
/// The `id` of the `<script type="application/json">` element before
/// `</body>` holding the outcomes of a document's deferred values.
pub const DEFERRED_SCRIPT_ID: &str = "__SERVER_PROPS_DEFERRED__";

/// The body of a props answer, and of the embedded props: an envelope (the
/// build, the page URL, the layout's data) around the one thing the answer
/// says ([`PayloadBody`]).
///
/// On the wire it is one flat, sparse, camel-case object:
/// `{"url":…,"props":…,"layout":…}`, `{"notFound":true}`,
/// `{"redirect":{…}}`, `{"error":…,"status":…}` or `{"staleBuild":true}`.
///
/// ```
/// use server_props::protocol::{PayloadBody, PropsPayload};
///
/// let payload: PropsPayload = serde_json::from_str(r#"{"notFound":true}"#).unwrap();
/// assert!(matches!(payload.body, PayloadBody::NotFound));
/// assert_eq!(serde_json::to_string(&payload).unwrap(), r#"{"notFound":true}"#);
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(from = "Wire", into = "Wire")]
#[non_exhaustive]
pub struct PropsPayload {
    /// The build the answer was made by (always set in embedded props).
    pub build: Option<String>,
    /// The page URL (path and query) the answer is for: always set in
    /// embedded props; in a props answer, where a submission led.
    pub url: Option<String>,
    /// The layout loader's data, when the app has one.
    pub layout: Option<Box<RawValue>>,
    /// The nested layouts' data, by prefix (`"/dashboard"`): those whose
    /// loaders went through, for the page's answer.
    pub layouts: std::collections::BTreeMap<String, Box<RawValue>>,
    /// For the nested layouts whose data the browser may keep and reuse
    /// (their `Cache-Control` says how long), by prefix: what lets a later
    /// props request skip their loaders ([`Reuse`]).
    pub reuse: std::collections::BTreeMap<String, Reuse>,
    /// The props' deferred values ([`Deferred`](crate::Deferred)): how many
    /// (`"deferred":N` on the wire) and those that have arrived, which
    /// follow the payload on the same response.
    pub deferred: crate::DeferredValues,
    /// What the answer says.
    pub body: PayloadBody,
}

/// What lets the browser keep a nested layout's data and skip its loader
/// on a later props request under it: the layout's `Cache-Control` allowed
/// it (`max-age`), and the server signed what it saw.
///
/// The browser sends `token` back in [`KEEP_PARAM`] while the URL's path
/// still starts with `instance` and its query is the same, for at most
/// `max_age` seconds, unless a write invalidates one of `tags`. The server
/// skips the loader only if the token holds for this layout, this path
/// prefix, this query and the same `Cookie` and `Authorization` headers
/// (a signature with the app's cookie key, and its time): a guard is never
/// skipped for another visitor or another session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Reuse {
    /// What the browser sends back: `<expiry>.<signature>`.
    pub token: String,
    /// The part of the URL's path the layout owns here (`/teams/red`).
    pub instance: String,
    /// How long the data may be reused, in seconds.
    pub max_age: u64,
    /// The cache tags the layout's loader gave its data.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// The query parameter of a document URL that asks for the page to be
/// rendered in the browser (value [`RENDER_IN_BROWSER`]): the browser
/// reloads with it when hydrating the server's HTML failed (something in the
/// browser changed the page before the wasm ran). The server takes it off
/// before loaders see the URL, sends the shell with an empty app element
/// (`private, no-store`) and the page's props, and the browser renders the
/// page from them and takes the parameter off its address.
pub const RENDER_PARAM: &str = "__render";
/// The value of [`RENDER_PARAM`].
pub const RENDER_IN_BROWSER: &str = "browser";

/// Under `cargo leptos watch`, the development server's live stream: a
/// page opens it (`text/event-stream`, one event: the server's process id)
/// and learns from its end that the server is restarting; it then asks
/// `?ping` (the process id as text) until another process answers, and
/// reloads at once (see `assets::HydrationScripts`). Not served otherwise.
pub const LIVE_PATH: &str = "/_server_props/live";

/// The props URL's query parameter that carries a [`Reuse`] token (one per
/// layout kept). The server takes it off before loaders see the URL; no
/// page's own query may use the name.
pub const KEEP_PARAM: &str = "__keep";

/// What a [`PropsPayload`] says: exactly one thing.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum PayloadBody {
    /// Nothing: the embedded props of a page without a loader.
    Nothing,
    /// The page's props, raw (only the page that owns them knows their
    /// type; `null` for a page without a loader in a props answer).
    Props {
        /// The props as JSON.
        props: Box<RawValue>,
        /// In embedded props: the `Cache-Control` the loader set, so the
        /// browser keeps the first page's props as it would a props answer's.
        cache_control: Option<String>,
        /// In embedded props: the tags the loader gave them, so a write
        /// that names one drops them from the browser's cache too.
        tags: Vec<String>,
        /// What the page's action said of a refused submission (`422`),
        /// beside the props its loader made: what `use_action_data` reads.
        action_data: Option<Box<RawValue>>,
    },
    /// The loader said "not found", or no page matches.
    NotFound,
    /// The loader redirected.
    Redirect(Redirect),
    /// The loader failed.
    Error {
        /// The status (500, or a 4xx the loader chose).
        status: u16,
        /// The status's reason phrase.
        error: String,
        /// What failed, for developers: only in development mode.
        detail: Option<String>,
        /// What the development error overlay shows: only in development mode.
        dev: Option<DevError>,
    },
    /// The props URL names another build than the server's.
    StaleBuild,
}

impl PropsPayload {
    /// A payload that says `body`, with nothing around it.
    #[must_use]
    pub fn new(body: PayloadBody) -> Self {
        Self {
            build: None,
            url: None,
            layout: None,
            layouts: std::collections::BTreeMap::new(),
            reuse: std::collections::BTreeMap::new(),
            deferred: crate::DeferredValues::default(),
            body,
        }
    }

    /// The props, when the payload carries them.
    #[must_use]
    pub fn props(&self) -> Option<&RawValue> {
        match &self.body {
            PayloadBody::Props { props, .. } => Some(props),
            _ => None,
        }
    }

    /// Whether the payload says "not found".
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self.body, PayloadBody::NotFound)
    }

    /// Whether the payload says the loader failed.
    #[must_use]
    pub fn is_error(&self) -> bool {
        matches!(self.body, PayloadBody::Error { .. })
    }
}

/// The flat object on the wire: every field optional, one meaningful.
#[derive(Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    build: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    props: Option<Box<RawValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    layout: Option<Box<RawValue>>,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    layouts: std::collections::BTreeMap<String, Box<RawValue>>,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    reuse: std::collections::BTreeMap<String, Reuse>,
    #[serde(default, skip_serializing_if = "is_zero")]
    deferred: u32,
    #[serde(default, skip_serializing_if = "is_false")]
    not_found: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redirect: Option<Redirect>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dev: Option<DevError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(default, skip_serializing_if = "is_false")]
    stale_build: bool,
    // Present, even as `null` (the data of `Invalid(())`), is `Some`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    action_data: Option<Box<RawValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cache_control: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
}

impl From<Wire> for PropsPayload {
    /// The one meaningful field, by precedence: a stale build, "not
    /// found", a redirect, an error, then props.
    fn from(wire: Wire) -> Self {
        let body = if wire.stale_build {
            PayloadBody::StaleBuild
        } else if wire.not_found {
            PayloadBody::NotFound
        } else if let Some(redirect) = wire.redirect {
            PayloadBody::Redirect(redirect)
        } else if let Some(error) = wire.error {
            PayloadBody::Error {
                status: wire.status.unwrap_or(500),
                error,
                detail: wire.detail,
                dev: wire.dev,
            }
        } else if let Some(props) = wire.props.or_else(|| {
            // `"props":null` (a page whose props are `()`) reads as no
            // field; beside action data it is still the page's props.
            wire.action_data
                .as_ref()
                .map(|_| RawValue::from_string("null".to_owned()).expect("null is JSON"))
        }) {
            PayloadBody::Props {
                props,
                cache_control: wire.cache_control,
                tags: wire.tags,
                action_data: wire.action_data,
            }
        } else {
            PayloadBody::Nothing
        };
        Self {
            build: wire.build,
            url: wire.url,
            layout: wire.layout,
            layouts: wire.layouts,
            reuse: wire.reuse,
            deferred: crate::DeferredValues::new(wire.deferred),
            body,
        }
    }
}

impl From<PropsPayload> for Wire {
    fn from(payload: PropsPayload) -> Self {
        let mut wire = Wire {
            build: payload.build,
            url: payload.url,
            layout: payload.layout,
            layouts: payload.layouts,
            reuse: payload.reuse,
            deferred: payload.deferred.count(),
            ..Wire::default()
        };
        match payload.body {
            PayloadBody::Nothing => {}
            PayloadBody::Props {
                props,
                cache_control,
                tags,
                action_data,
            } => {
                wire.props = Some(props);
                wire.cache_control = cache_control;
                wire.tags = tags;
                wire.action_data = action_data;
            }
            PayloadBody::NotFound => wire.not_found = true,
            PayloadBody::Redirect(redirect) => wire.redirect = Some(redirect),
            PayloadBody::Error {
                status,
                error,
                detail,
                dev,
            } => {
                wire.error = Some(error);
                wire.detail = detail;
                wire.dev = dev;
                wire.status = Some(status);
            }
            PayloadBody::StaleBuild => wire.stale_build = true,
        }
        wire
    }
}

/// What failed on the server, as the development error overlay shows it.
///
/// Only a server in development mode sends it (a debug build whose Leptos
/// `env` is `DEV`, as under `cargo leptos watch`; see
/// `ServerPropsBuilder::dev_errors`):
/// a release build never does, whatever its environment says.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DevError {
    /// The error's message, or the panic's.
    pub message: String,
    /// Where in the source: the `?` (or the `LoaderError` constructor) that
    /// made the error, or the panic, as `file:line:column`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The page's path pattern (`/blog/:slug`), when a page matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// The request: method and URL (`POST /guestbook`).
    pub request: String,
}

/// A field that is present, whatever its value (`null` too).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Box<RawValue>>, D::Error> {
    Box::<RawValue>::deserialize(d).map(Some)
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The props URL of a page URL (`/blog/a?x=1` → `/_props/<id>/blog/a.json?x=1`).
/// A `#hash` is dropped: it never reaches a server.
///
/// ```
/// use server_props::protocol::props_url;
/// assert_eq!(props_url("b1", "/"), "/_props/b1/index.json");
/// assert_eq!(props_url("b1", "/blog/a?x=1#top"), "/_props/b1/blog/a.json?x=1");
/// assert_eq!(props_url("b1", "/index/x"), "/_props/b1/index/index/x.json");
/// ```
pub fn props_url(build_id: &str, page_url: &str) -> String {
    let page_url = crate::page_url::PageUrl::parse(page_url);
    let (path, query) = (page_url.path(), page_url.query());
    let mut out =
        String::with_capacity(PROPS_PREFIX.len() + build_id.len() + page_url.as_str().len() + 12);
    out.push_str(PROPS_PREFIX);
    out.push_str(build_id);
    if path == "/" || path.is_empty() {
        out.push_str("/index");
    } else {
        if path == "/index" || path.starts_with("/index/") {
            out.push_str("/index");
        }
        out.push_str(path);
    }
    out.push_str(PROPS_SUFFIX);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[doc(hidden)]
/// Splits the path of a props URL into the build id and the page path, or
/// `None` when it is not a well-formed props URL.
///
/// ```
/// use server_props::protocol::parse_props_path;
/// assert_eq!(parse_props_path("/_props/b1/index.json"), Some(("b1", "/".into())));
/// assert_eq!(parse_props_path("/_props/b1/blog/a.json"), Some(("b1", "/blog/a".into())));
/// assert_eq!(parse_props_path("/_props/b1/index/index/x.json"), Some(("b1", "/index/x".into())));
/// assert_eq!(parse_props_path("/_props/b1/blog/a"), None);
/// ```
pub fn parse_props_path(path: &str) -> Option<(&str, String)> {
    let rest = path.strip_prefix(PROPS_PREFIX)?;
    let (build, page) = rest.split_once('/')?;
    let page = page.strip_suffix(PROPS_SUFFIX)?;
    if build.is_empty() || page.is_empty() {
        return None;
    }
    let page = if page == "index" {
        "/".to_owned()
    } else if let Some(inner) = page.strip_prefix("index/") {
        if inner.is_empty() {
            // `/_props/b/index/.json` would be a second spelling of `/`.
            return None;
        }
        format!("/{inner}")
    } else {
        format!("/{page}")
    };
    Some((build, page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn props_urls_round_trip() {
        for page in [
            "/",
            "/blog/a",
            "/index",
            "/index/x",
            "/catchall/a/b.json",
            "/a%20b",
        ] {
            let url = props_url("id", page);
            let (build, back) = parse_props_path(&url).unwrap();
            assert_eq!((build, back.as_str()), ("id", page), "{url}");
        }
    }

    #[test]
    fn rejects_foreign_paths() {
        assert_eq!(parse_props_path("/blog/a.json"), None);
        assert_eq!(parse_props_path("/_props/"), None);
        assert_eq!(parse_props_path("/_props/b1"), None);
        assert_eq!(parse_props_path("/_props//x.json"), None);
        assert_eq!(parse_props_path("/_props/b1/.json"), None);
        assert_eq!(parse_props_path("/_props/b1/index/.json"), None);
    }

    #[test]
    fn payload_shapes_are_camel_case_and_sparse() {
        let p = PropsPayload::new(PayloadBody::NotFound);
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"notFound":true}"#);
        let p = PropsPayload::new(PayloadBody::StaleBuild);
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"staleBuild":true}"#);
        let p: PropsPayload = serde_json::from_str(r#"{"props":{"a":[1,2]},"url":"/x"}"#).unwrap();
        assert_eq!(p.props().unwrap().get(), r#"{"a":[1,2]}"#);
    }
}
