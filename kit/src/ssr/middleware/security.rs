//! Security headers: a `Content-Security-Policy` with a per-document nonce,
//! and the headers every response should carry (`SecurityHeaders`, with
//! feature `server`: tower-http's `set_header` layers, which the request
//! pipeline alone does without).
//!
//! Why a nonce and not hashes: the document's inline scripts are Leptos's
//! hydration bootstrap, its resource data (which changes with the data) and,
//! in development, the live-reload script. The renderer draws a fresh nonce
//! for each document, gives it to Leptos (`leptos::nonce::Nonce` in context,
//! which `HydrationScripts`, `AutoReload` and leptos_meta's `<Script>` and
//! `<Style>` read) and writes the same value into the document's
//! `Content-Security-Policy` header, so header and body always agree; the
//! shared cache stores them together. The embedded props are a JSON data block
//! (`type="application/json"`), which the browser never executes.
//!
//! The policy is strict by default: scripts only from the site and with the
//! nonce, WebAssembly compilation allowed (`'wasm-unsafe-eval'`, which
//! hydration needs and which allows no JavaScript `eval`), no plugins, no
//! `<base>` hijacking, no framing, forms only to the site. Style sheets and
//! `<style>` elements need the site or the nonce; `style="…"` attributes
//! (which Leptos's `style:` renders) are allowed (`style-src-attr`), as they
//! cannot run script.
//!
//! A document kept by the shared cache keeps its nonce, in its header and its
//! body alike, so that nonce repeats for as long as the page is cached. A
//! loader that sets its own `Content-Security-Policy` header replaces the
//! kit's, nonce included: its policy must then allow the hydration scripts.
//!
//! ```
//! use server_props::security::ContentSecurityPolicy;
//!
//! let csp = ContentSecurityPolicy::default()
//!     .directive("img-src", "'self' https://images.example.com");
//! assert_eq!(
//!     csp.header_value("abc").to_str().unwrap(),
//!     "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'nonce-abc'; \
//!      style-src 'self' 'nonce-abc'; style-src-attr 'unsafe-inline'; \
//!      img-src 'self' https://images.example.com; connect-src 'self'; font-src 'self'; \
//!      object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
//! );
//! ```

use http::{
    header::{REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS},
    HeaderMap, HeaderName, HeaderValue,
};
use std::time::Duration;
#[cfg(feature = "server")]
use {
    axum::{extract::Request, response::Response},
    std::convert::Infallible,
    tower::util::{BoxCloneSyncService, Either},
    tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer},
};

/// `Content-Security-Policy`, sent with every document the kit renders.
///
/// `script-src` and `style-src` get the document's nonce appended. Set with
/// [`ServerPropsBuilder::content_security_policy`](crate::ssr::ServerPropsBuilder::content_security_policy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentSecurityPolicy {
    directives: Vec<(String, String)>,
    report_only: bool,
}

impl Default for ContentSecurityPolicy {
    /// The strict policy the kit's pages work under.
    fn default() -> Self {
        let directives = [
            ("default-src", "'self'"),
            ("script-src", "'self' 'wasm-unsafe-eval'"),
            ("style-src", "'self'"),
            ("style-src-attr", "'unsafe-inline'"),
            ("img-src", "'self' data:"),
            ("connect-src", "'self'"),
            ("font-src", "'self'"),
            ("object-src", "'none'"),
            ("base-uri", "'self'"),
            ("form-action", "'self'"),
            ("frame-ancestors", "'none'"),
        ];
        Self {
            directives: directives
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            report_only: false,
        }
    }
}

impl ContentSecurityPolicy {
    /// Sets a directive's sources, replacing the kit's (`"'self' https://cdn.example"`).
    /// An empty value removes the directive.
    ///
    /// # Panics
    /// When the name or the value holds a `;`, a comma or a control
    /// character: it would inject another directive or policy.
    #[must_use]
    pub fn directive(mut self, name: &str, value: &str) -> Self {
        let bad = |s: &str| s.chars().any(|c| c == ';' || c == ',' || c.is_control());
        assert!(
            !bad(name) && !bad(value) && !name.trim().is_empty(),
            "server_props: invalid Content-Security-Policy directive {name:?}: {value:?}"
        );
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim();
        let index = self.directives.iter().position(|(n, _)| *n == name);
        match (index, value.is_empty()) {
            (Some(i), true) => {
                self.directives.remove(i);
            }
            (Some(i), false) => value.clone_into(&mut self.directives[i].1),
            (None, true) => {}
            (None, false) => self.directives.push((name, value.to_owned())),
        }
        self
    }

    /// Adds sources to a directive, keeping the ones it has; a fetch
    /// directive the policy does not name starts from `default-src`'s
    /// sources, which applied to it until now.
    #[must_use]
    pub fn extend(self, name: &str, sources: &str) -> Self {
        let find = |wanted: &str| {
            self.directives
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(wanted))
                .map(|(_, v)| v.clone())
        };
        let current = find(name).or_else(|| {
            name.to_ascii_lowercase()
                .ends_with("-src")
                .then(|| find("default-src"))
                .flatten()
        });
        match current {
            Some(current) => self.directive(name, &format!("{current} {sources}")),
            None => self.directive(name, sources),
        }
    }

    /// Sends the policy as `Content-Security-Policy-Report-Only`: the
    /// browser reports violations and blocks nothing (for trying a policy).
    #[must_use]
    pub fn report_only(mut self, report_only: bool) -> Self {
        self.report_only = report_only;
        self
    }

    /// The header this policy is sent as.
    pub fn header_name(&self) -> HeaderName {
        if self.report_only {
            http::header::CONTENT_SECURITY_POLICY_REPORT_ONLY
        } else {
            http::header::CONTENT_SECURITY_POLICY
        }
    }

    /// The header value for a document whose nonce is `nonce`.
    pub fn header_value(&self, nonce: &str) -> HeaderValue {
        self.compile().header_value(nonce)
    }

    /// The policy as text once, split where each document's nonce goes, so
    /// a render only joins the pieces.
    pub(crate) fn compile(&self) -> CompiledPolicy {
        let mut pieces = Vec::new();
        let mut out = String::with_capacity(320);
        for (name, value) in &self.directives {
            if !out.is_empty() {
                out.push_str("; ");
            }
            out.push_str(name);
            out.push(' ');
            out.push_str(value);
            if name == "script-src" || name == "style-src" {
                out.push_str(" 'nonce-");
                pieces.push(std::mem::take(&mut out));
                out.push('\'');
            }
        }
        pieces.push(out);
        CompiledPolicy {
            name: self.header_name(),
            pieces,
        }
    }

    /// The policy for `cargo leptos watch`: the live-reload script opens a
    /// WebSocket to another port.
    pub(crate) fn with_live_reload(self) -> Self {
        self.extend("connect-src", "ws: wss:")
    }
}

/// A [`ContentSecurityPolicy`] rendered at start-up: the text between the
/// places a document's nonce goes.
#[derive(Clone, Debug)]
pub(crate) struct CompiledPolicy {
    pub(crate) name: HeaderName,
    pieces: Vec<String>,
}

impl CompiledPolicy {
    /// The header value with `nonce` in its places.
    pub(crate) fn header_value(&self, nonce: &str) -> HeaderValue {
        // Directive names and values were checked in `directive`, and a nonce
        // is base64url.
        HeaderValue::try_from(self.pieces.join(nonce))
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
    }
}

/// Headers for every response (documents, props answers, static files,
/// error pages), as a tower layer. A header a response already has is kept,
/// so a loader or route can set its own.
///
/// - `X-Content-Type-Options: nosniff`: a browser never runs a JSON answer or
///   an uploaded file as script or style.
/// - `Referrer-Policy: strict-origin-when-cross-origin`: no path or query
///   (which may hold tokens) leaves for other sites.
/// - `X-Frame-Options: DENY`: no framing (clickjacking), for browsers that
///   ignore CSP's `frame-ancestors`.
/// - `Strict-Transport-Security`, only when the site is served over HTTPS
///   ([`SecurityHeaders::hsts`]).
///
/// With the `server` feature, the set is tower-http's
/// `SetResponseHeaderLayer::if_not_present`, one layer per header
/// (`SecurityHeaders::layers`); as a layer itself it wraps a service in
/// them as a `SecurityHeadersService`. Without it (the edge build),
/// [`SecurityHeaders::apply`] adds them to an answer's headers.
///
/// ```
/// # #[cfg(feature = "server")] {
/// use server_props::security::SecurityHeaders;
/// use std::time::Duration;
///
/// let app: axum::Router = axum::Router::new()
///     .layer(SecurityHeaders::default().hsts(Duration::from_secs(63_072_000), false));
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct SecurityHeaders {
    /// Each name once. The layer adds the kit's own four in a fixed order,
    /// then the others in this order (headers' order carries no meaning).
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Default for SecurityHeaders {
    fn default() -> Self {
        Self {
            headers: vec![
                (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
                (
                    REFERRER_POLICY,
                    HeaderValue::from_static("strict-origin-when-cross-origin"),
                ),
                (X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            ],
        }
    }
}

impl SecurityHeaders {
    /// Two years: the usual `Strict-Transport-Security` lifetime for a site
    /// served over HTTPS for good, which the reference server and the edge
    /// build give [`hsts`](Self::hsts).
    pub const HSTS_TWO_YEARS: Duration = Duration::from_secs(2 * 365 * 24 * 3600);

    /// Adds `Strict-Transport-Security: max-age=…` (with
    /// `includeSubDomains` when asked): only for a site served over HTTPS
    /// (browsers then refuse plain HTTP to it for `max_age`).
    #[must_use]
    pub fn hsts(self, max_age: Duration, include_subdomains: bool) -> Self {
        let value = if include_subdomains {
            format!("max-age={}; includeSubDomains", max_age.as_secs())
        } else {
            format!("max-age={}", max_age.as_secs())
        };
        self.header(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::try_from(value).expect("digits make a header value"),
        )
    }

    /// Sets a header (or replaces one of the kit's, in its place).
    #[must_use]
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        match self.headers.iter_mut().find(|(n, _)| *n == name) {
            Some((_, old)) => *old = value,
            None => self.headers.push((name, value)),
        }
        self
    }

    /// Leaves a header out (`Referrer-Policy` for an app that sets it in HTML).
    #[must_use]
    pub fn without(mut self, name: &HeaderName) -> Self {
        self.headers.retain(|(n, _)| n != name);
        self
    }

    /// Adds each header of the set that `headers` lacks, in the set's
    /// order: what the layer does, for a host that has no tower stack
    /// (the edge build).
    pub fn apply(&self, headers: &mut HeaderMap) {
        for (name, value) in &self.headers {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
    }

    /// The set as tower-http layers, one per header, each adding its header
    /// to a response that lacks it, in the set's order. For a stack of
    /// statically typed layers: `Router::layer` with each in this order
    /// (each call wraps the ones before), or `ServiceBuilder::layer` with
    /// each in the reverse order.
    #[cfg(feature = "server")]
    #[cfg_attr(docsrs, doc(cfg(feature = "server")))]
    pub fn layers(
        &self,
    ) -> impl ExactSizeIterator<Item = SetResponseHeaderLayer<HeaderValue>> + '_ {
        self.headers.iter().map(|(name, value)| {
            SetResponseHeaderLayer::if_not_present(name.clone(), value.clone())
        })
    }
}

/// The kit's own headers, one slot each in the statically typed stack:
/// a set made only of these (the default, with or without HSTS, any of
/// them replaced or left out) costs no allocation per request.
#[cfg(feature = "server")]
const SLOTS: [HeaderName; 4] = [
    X_CONTENT_TYPE_OPTIONS,
    REFERRER_POLICY,
    X_FRAME_OPTIONS,
    STRICT_TRANSPORT_SECURITY,
];

/// One header under tower-http's [`SetResponseHeader`]: `None` adds nothing.
#[cfg(feature = "server")]
type Slot<S> = SetResponseHeader<S, Option<HeaderValue>>;

/// The service of [`SecurityHeaders`]: the inner service under tower-http's
/// [`SetResponseHeader`], one per header. A set of the kit's own headers
/// (`X-Content-Type-Options`, `Referrer-Policy`, `X-Frame-Options`,
/// `Strict-Transport-Security`) is a statically typed stack of four
/// (`Either::Left`); a set that adds other headers is the same stack under
/// one layer per extra header, erased (`Either::Right`), as its length is
/// known only at run time. `E` is the inner service's error (`Infallible`
/// under axum).
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub type SecurityHeadersService<S, E = Infallible> =
    Either<Slot<Slot<Slot<Slot<S>>>>, BoxCloneSyncService<Request, Response, E>>;

#[cfg(feature = "server")]
impl SecurityHeaders {
    /// `inner` under the slot of header `name` (empty when the set leaves it out).
    fn slot<S>(&self, inner: S, name: HeaderName) -> Slot<S> {
        let value = self
            .headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone());
        SetResponseHeader::if_not_present(inner, name, value)
    }
}

#[cfg(feature = "server")]
impl<S> tower::Layer<S> for SecurityHeaders
where
    S: tower::Service<Request, Response = Response> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
{
    type Service = SecurityHeadersService<S, S::Error>;

    fn layer(&self, inner: S) -> Self::Service {
        let [a, b, c, d] = SLOTS;
        let slots = self.slot(self.slot(self.slot(self.slot(inner, a), b), c), d);
        let mut extra = self
            .headers
            .iter()
            .filter(|(name, _)| !SLOTS.contains(name))
            .map(|(name, value)| {
                SetResponseHeaderLayer::if_not_present(name.clone(), value.clone())
            })
            .peekable();
        if extra.peek().is_none() {
            return Either::Left(slots);
        }
        let erased = extra.fold(BoxCloneSyncService::new(slots), |service, layer| {
            BoxCloneSyncService::new(layer.layer(service))
        });
        Either::Right(erased)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_goes_to_script_and_style_only() {
        let v = ContentSecurityPolicy::default().header_value("N");
        let v = v.to_str().unwrap();
        assert!(v.contains("script-src 'self' 'wasm-unsafe-eval' 'nonce-N';"));
        assert!(v.contains("style-src 'self' 'nonce-N';"));
        assert_eq!(v.matches("nonce-").count(), 2);
    }

    #[test]
    fn directives_replace_extend_and_remove() {
        let csp = ContentSecurityPolicy::default()
            .directive("IMG-SRC", "https://a")
            .extend("connect-src", "https://api")
            .directive("frame-ancestors", "")
            .directive("worker-src", "'self'");
        let v = csp.header_value("n");
        let v = v.to_str().unwrap();
        assert!(v.contains("img-src https://a;"));
        assert!(v.contains("connect-src 'self' https://api;"));
        let live = ContentSecurityPolicy::default()
            .directive("connect-src", "")
            .with_live_reload()
            .header_value("n");
        assert!(live
            .to_str()
            .unwrap()
            .contains("connect-src 'self' ws: wss:"));
        assert!(!v.contains("frame-ancestors"));
        assert!(v.ends_with("worker-src 'self'"));
    }

    #[test]
    #[should_panic(expected = "invalid Content-Security-Policy directive")]
    fn a_semicolon_cannot_inject_a_directive() {
        let _ = ContentSecurityPolicy::default().directive("img-src", "'self'; script-src *");
    }

    #[test]
    fn report_only_changes_the_header_name() {
        let csp = ContentSecurityPolicy::default().report_only(true);
        assert_eq!(csp.header_name(), "content-security-policy-report-only");
    }

    /// The response `headers` gets through `layer` (its own first, in order).
    #[cfg(feature = "server")]
    fn through(layer: &SecurityHeaders, own: &[(HeaderName, &'static str)]) -> http::HeaderMap {
        use tower::ServiceExt as _;
        let own = own.to_vec();
        let inner = tower::service_fn(move |_: Request| {
            let mut response = Response::default();
            for (name, value) in &own {
                response
                    .headers_mut()
                    .insert(name.clone(), HeaderValue::from_static(value));
            }
            std::future::ready(Ok::<_, Infallible>(response))
        });
        let service = tower::Layer::layer(layer, inner);
        let Ok(response) = futures::executor::block_on(service.oneshot(Request::default()));
        response.headers().clone()
    }

    #[test]
    #[cfg(feature = "server")]
    fn headers_already_set_are_kept() {
        let headers = through(
            &SecurityHeaders::default(),
            &[(X_FRAME_OPTIONS, "SAMEORIGIN")],
        );
        assert_eq!(headers[X_FRAME_OPTIONS], "SAMEORIGIN");
        assert_eq!(headers[X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(!headers.contains_key(STRICT_TRANSPORT_SECURITY));
    }

    #[test]
    #[cfg(feature = "server")]
    fn the_set_is_configurable_and_added_in_order() {
        let layer = SecurityHeaders::default()
            .hsts(Duration::from_secs(600), true)
            .header(X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"))
            .header(
                HeaderName::from_static("x-extra"),
                HeaderValue::from_static("1"),
            )
            .without(&REFERRER_POLICY);
        let headers = through(&layer, &[(http::header::CONTENT_TYPE, "text/plain")]);
        let names: Vec<_> = headers.keys().map(HeaderName::as_str).collect();
        assert_eq!(
            names,
            [
                "content-type",
                "x-content-type-options",
                "x-frame-options",
                "strict-transport-security",
                "x-extra"
            ]
        );
        assert_eq!(headers[X_FRAME_OPTIONS], "SAMEORIGIN");
        assert_eq!(
            headers[STRICT_TRANSPORT_SECURITY],
            "max-age=600; includeSubDomains"
        );
        assert_eq!(layer.layers().len(), 4);
        // The kit's own headers take the typed stack, no allocation per
        // request; another header the erased one.
        let service =
            tower::service_fn(|_: Request| async { Ok::<_, Infallible>(Response::default()) });
        let typed = SecurityHeaders::default().hsts(Duration::from_secs(1), false);
        assert!(matches!(
            tower::Layer::layer(&typed, service),
            Either::Left(_)
        ));
        assert!(matches!(
            tower::Layer::layer(&layer, service),
            Either::Right(_)
        ));
        let none = SecurityHeaders::default()
            .without(&X_CONTENT_TYPE_OPTIONS)
            .without(&REFERRER_POLICY)
            .without(&X_FRAME_OPTIONS);
        assert!(through(&none, &[]).is_empty());
    }
}
