//! The handlers: where a document request, a props request and a URL no
//! page serves enter the pipeline.
//!
//! Each does only what is its own, then takes the same steps: its span
//! ([`trace`](super::trace)), one [`Decision`] from
//! [`decide`](super::decide), and the writer of its format
//! ([`respond`](super::respond)). A props request first reads its props
//! URL (the build it names, the page), and after a submission that went
//! through gets the next page's props in the same request
//! ([`ServerProps::follow`]).

use super::{
    decision::{is_read, Decision},
    trace::{request_span, traced},
    Format,
};
use crate::ssr::{
    response::payload::{Payload, Said},
    server::builder::ServerProps,
};
use crate::{page_url::PageUrl, protocol, ssr::request::context::with_page_uri};
use axum::{extract::Request, response::Response};
use http::StatusCode;
use std::{any::Any, future::Future};

impl ServerProps {
    /// The 404 document, for URLs no page matches: use it as the router's
    /// fallback, with the router's state (the layout's loader runs for it as
    /// for any page, so the 404 page shows what every page's header shows):
    ///
    /// ```
    /// # use axum::{extract::State, Router};
    /// # use server_props::ServerProps;
    /// # fn mount(props: ServerProps) -> Router {
    /// # #[derive(Clone)] struct AppState;
    /// let not_found = props.clone();
    /// Router::new().fallback(move |State(state): State<AppState>, request| {
    ///     not_found.clone().not_found(state, request)
    /// })
    /// # .with_state(AppState)
    /// # }
    /// ```
    ///
    /// A write (`POST`, …) to a URL no page serves is a 404 that runs
    /// nothing. A state of another type than the layout loader's cannot run
    /// the layout: the 404 page is sent without its data, and an error
    /// naming both types is logged.
    pub async fn not_found<S>(self, state: S, request: Request) -> Response
    where
        S: Send + Sync + 'static,
    {
        let wanted = self.inner.pages.layout.as_ref().map(|l| &l.loader);
        if let Some(loader) = wanted.filter(|l| !l.accepts_state(std::any::TypeId::of::<S>())) {
            tracing::error!(
                "server_props: ServerProps::not_found was given state `{}`, but the layout \
                 loader wants `{}`: the 404 page is sent without the layout's data",
                std::any::type_name::<S>(),
                loader.state_name,
            );
            let span = request_span(&request, Format::Document);
            let url = PageUrl::from_uri(request.uri());
            let method = request.method().clone();
            let decision = Decision::exit(None, method, url, crate::NotFound.into());
            return traced(span, self.respond(decision, Format::Document)).await;
        }
        self.document(None, &state, request).await
    }

    /// [`not_found`](Self::not_found) for a state whose type was checked
    /// when the app was built (`AppServer`): not generic, so the 404 page's
    /// handler is compiled once, in the kit.
    #[cfg(feature = "server")]
    pub(crate) async fn not_found_erased(
        self,
        state: std::sync::Arc<dyn Any + Send + Sync>,
        request: Request,
    ) -> Response {
        self.document(None, &*state, request).await
    }

    /// Answers a document request for the page at `index` of the table
    /// (`None`: no page matched the URL), within its request span.
    ///
    /// Not an `async fn`, as [`props`](Self::props) is not: one would keep
    /// the request in its first state beside the traced future that
    /// takes it, and every move of the request's future would copy both.
    pub(crate) fn document<'a>(
        self,
        index: Option<usize>,
        state: &'a (dyn Any + Send + Sync),
        request: Request,
    ) -> impl Future<Output = Response> + Send + 'a {
        let span = request_span(&request, Format::Document);
        traced(span, async move {
            let (parts, body) = request.into_parts();
            // Hydrating this page failed in the browser: the parameter comes
            // off before loaders see the URL.
            let (parts, in_browser) = take_render_param(parts);
            let mut decision = self.decide(index, state, parts, body).await;
            decision.in_browser = in_browser;
            self.respond(decision, Format::Document).await
        })
    }

    /// Answers a props request (`/_props/<build>/<page>.json?<query>`): a
    /// `GET` for a client navigation, a write for a `<Form>` submission.
    pub(crate) fn props<'a>(
        self,
        state: &'a (dyn Any + Send + Sync),
        request: Request,
    ) -> impl Future<Output = Response> + Send + 'a {
        let span = request_span(&request, Format::Json);
        traced(span, self.props_untraced(state, request))
    }

    async fn props_untraced(self, state: &(dyn Any + Send + Sync), request: Request) -> Response {
        let if_none_match = request
            .headers()
            .get(http::header::IF_NONE_MATCH)
            .filter(|_| is_read(request.method()))
            .cloned();
        let write = !is_read(request.method());
        let mut response = self.props_answer(state, request).await;
        if write && response.headers().contains_key(http::header::SET_COOKIE) {
            // A write that sets a cookie changed the session (a login, a
            // logout): the browser drops every props answer it kept.
            response.headers_mut().append(
                http::HeaderName::from_static(protocol::INVALIDATE_HEADER),
                http::HeaderValue::from_static("*"),
            );
        }
        crate::ssr::response::etag::not_modified_if_matching(if_none_match.as_ref(), response)
    }

    /// Reads the props URL, then decides and writes as a document request
    /// does, following a submission that went through.
    async fn props_answer(&self, state: &(dyn Any + Send + Sync), request: Request) -> Response {
        let (parts, body) = request.into_parts();
        let method = parts.method.clone();
        let Some((build, page_path)) = protocol::parse_props_path(parts.uri.path()) else {
            let url = PageUrl::from_uri(&parts.uri);
            let decision = Decision::exit(None, method, url, crate::NotFound.into());
            return self.respond(decision, Format::Json).await;
        };
        if build != self.inner.build_id {
            let payload = Payload {
                build: None,
                url: None,
                layout: None,
                layouts: &[],
                reuse: &[],
                said: Said::StaleBuild,
            };
            return self.json(StatusCode::GONE, &payload, Default::default());
        }
        let Ok(matched) = self.inner.matcher.at(&page_path) else {
            // A props URL that names no page is no page's request: the
            // browser's router shows its 404 page for a URL of no page
            // without asking, so nothing here runs a loader.
            let url = PageUrl::new(&page_path, "");
            let decision = Decision::exit(None, method, url, crate::NotFound.into());
            return self.respond(decision, Format::Json).await;
        };
        let index = *matched.value;
        // The layouts whose data the browser keeps: their tokens come off the
        // URL here, so no loader ever sees them.
        let (query, kept) = super::reuse::take_kept(parts.uri.query().unwrap_or_default());
        let url = PageUrl::new(&page_path, &query);
        let mut parts = with_page_uri(parts, url.as_str());
        if !kept.0.is_empty() {
            parts.extensions.insert(kept);
        }
        let decision = self.decide(Some(index), state, parts, body).await;
        let decision = self.follow(state, decision).await;
        self.respond(decision, Format::Json).await
    }
}

/// Takes [`protocol::RENDER_PARAM`] off a document request's URL: whether
/// it asked for the page to be rendered in the browser.
fn take_render_param(parts: http::request::Parts) -> (http::request::Parts, bool) {
    // Nearly every document: no such parameter, nothing to copy.
    let Some(query) = parts
        .uri
        .query()
        .filter(|q| q.contains(protocol::RENDER_PARAM))
    else {
        return (parts, false);
    };
    let mut asked = false;
    let rest: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            if name == protocol::RENDER_PARAM {
                asked |= pair.split_once('=').map(|(_, v)| v) == Some(protocol::RENDER_IN_BROWSER);
                return false;
            }
            true
        })
        .collect();
    if rest.len() == query.split('&').count() {
        return (parts, false);
    }
    let url = PageUrl::new(parts.uri.path(), &rest.join("&"));
    (with_page_uri(parts, url.as_str()), asked)
}
