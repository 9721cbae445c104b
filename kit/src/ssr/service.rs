//! The request handlers: documents, props answers and the 404 document.
//!
//! A request does only its own work: match (done by axum for documents, by
//! the props matcher for props URLs), decode params, run the page's loader
//! and the layout's side by side, then hand what they decided (an
//! [`Answer`](super::answer::Answer)) to the one mapping in
//! [`answer`](super::answer), which writes it as a document or as JSON.

use super::{
    answer::{Answer, Format, Outcome},
    builder::ServerProps,
    context::{with_page_uri, RequestParts, ResponseHead},
    loader::{ErasedLoader, Loaded, LoaderError},
};
use crate::{
    pages::PageKind,
    protocol::{self, PropsPayload},
};
use axum::{body::Body, extract::Request, response::Response};
use http::StatusCode;
use std::any::Any;

impl ServerProps {
    /// The 404 document, for URLs no page matches: use it as the router's
    /// fallback (`.fallback(move |req| props.clone().not_found(req))`).
    pub async fn not_found(self, request: Request) -> Response {
        let (parts, _body) = request.into_parts();
        let url = normalized_url(&parts.uri);
        let answer = Answer::exit(crate::NotFound.into());
        self.respond(None, &url, answer, Format::Document).await
    }

    /// Answers a document request for the page at `index` of the table.
    pub(crate) async fn document(
        self,
        index: usize,
        state: &(dyn Any + Send + Sync),
        request: Request,
    ) -> Response {
        let (parts, body) = request.into_parts();
        let url = normalized_url(&parts.uri);
        let (index, answer) = self.answer(index, state, parts, body, &url).await;
        self.respond(Some(index), &url, answer, Format::Document)
            .await
    }

    /// Answers a props request (`/_props/<build>/<page>.json?<query>`).
    pub(crate) async fn props(self, state: &(dyn Any + Send + Sync), request: Request) -> Response {
        let (parts, body) = request.into_parts();
        let Some((build, page_path)) = protocol::parse_props_path(parts.uri.path()) else {
            let answer = Answer::exit(crate::NotFound.into());
            return self.respond(None, "", answer, Format::Json).await;
        };
        if build != self.inner.build_id {
            let payload = PropsPayload {
                stale_build: true,
                ..Default::default()
            };
            return self.json(StatusCode::GONE, &payload, ResponseHead::default());
        }
        let Ok(matched) = self.inner.matcher.at(&page_path) else {
            let answer = Answer::exit(crate::NotFound.into());
            return self.respond(None, &page_path, answer, Format::Json).await;
        };
        let index = *matched.value;
        let url = match parts.uri.query().filter(|q| !q.is_empty()) {
            Some(q) => format!("{page_path}?{q}"),
            None => page_path,
        };
        let parts = with_page_uri(parts, &url);
        let (index, answer) = self.answer(index, state, parts, body, &url).await;
        self.respond(Some(index), &url, answer, Format::Json).await
    }

    /// Runs the loaders of the page that serves the request (the one at
    /// `index` that axum matched, or the one `Pages::resolve` picks) and
    /// of the layout, for a request whose head carries the page's URI:
    /// side by side for reads, the layout first for writes.
    async fn answer(
        &self,
        index: usize,
        state: &(dyn Any + Send + Sync),
        parts: http::request::Parts,
        body: Body,
        url: &str,
    ) -> (usize, Answer) {
        if super::csrf::is_cross_site(&parts, &self.inner.trusted_origins) {
            tracing::info!(path = url, "refused a write from another site");
            let refused = LoaderError::new(
                StatusCode::FORBIDDEN,
                "a write from another site (Origin / Sec-Fetch-Site)",
            );
            return (index, Answer::exit(refused));
        }
        let pages = self.inner.pages;
        let Some(index) = pages.resolve(index, parts.uri.path()) else {
            return (index, Answer::exit(crate::NotFound.into()));
        };
        let entry = &pages.entries[index];
        let params = match entry.pattern.decode_params(parts.uri.path()) {
            Ok(params) => params,
            Err(e) => return (index, Answer::exit(LoaderError::bad_request(e.to_string()))),
        };
        let request = RequestParts {
            parts,
            body: std::sync::Mutex::new(Some(body)),
            params,
            config: self.inner.request.clone(),
        };
        let layout = pages.layout.as_ref().map(|l| &l.loader);
        let page = match &entry.kind {
            PageKind::Props(page) => Some(&page.loader),
            PageKind::Static(_) => None,
        };
        let reads = matches!(request.parts.method, http::Method::GET | http::Method::HEAD);
        if let (false, Some(loader)) = (reads, layout) {
            // A write (a form POST) runs only if the layout lets it: a layout
            // that redirects to a login page stops it before it reads the
            // body or changes anything.
            let layout = self.run(loader, state, request.head_copy(), url).await;
            if layout.result.is_err() {
                return (index, Answer::combine(None, Some(layout)));
            }
            let page = match page {
                Some(loader) => Some(self.run(loader, state, request, url).await),
                None => None,
            };
            return (index, Answer::combine(page, Some(layout)));
        }
        // Reads run both loaders side by side.
        let layout_request = layout.map(|_| request.head_copy());
        let (page, layout) = futures::join!(
            async {
                match page {
                    Some(loader) => Some(self.run(loader, state, request, url).await),
                    None => None,
                }
            },
            async {
                match (layout, layout_request) {
                    (Some(loader), Some(request)) => {
                        Some(self.run(loader, state, request, url).await)
                    }
                    _ => None,
                }
            },
        );
        (index, Answer::combine(page, layout))
    }

    /// Runs one loader within the loader timeout.
    async fn run(
        &self,
        loader: &ErasedLoader,
        state: &(dyn Any + Send + Sync),
        request: RequestParts,
        url: &str,
    ) -> Loaded {
        let timeout = self.inner.loader_timeout;
        match tokio::time::timeout(timeout, loader.call(state, request)).await {
            Ok(loaded) => loaded,
            Err(_) => {
                tracing::warn!(path = url, "loader timed out after {timeout:?}");
                Loaded {
                    result: Err(LoaderError::new(
                        StatusCode::GATEWAY_TIMEOUT,
                        format!("the loader did not finish within {timeout:?}"),
                    )),
                    head: ResponseHead::default(),
                }
            }
        }
    }
}

impl Answer {
    /// What a page loader and a layout loader decided together: the
    /// layout's early exit wins, with only the layout's headers and cookies;
    /// then the page's.
    fn combine(page: Option<Loaded>, layout: Option<Loaded>) -> Self {
        let (layout_json, layout_exit, layout_head) = match layout {
            None => (None, None, None),
            Some(Loaded { result, head }) => match result {
                Ok(data) => {
                    let mut json = Vec::with_capacity(64);
                    match data.write_json(&mut json) {
                        Ok(()) => (
                            Some(String::from_utf8(json).expect("serde_json writes UTF-8")),
                            None,
                            Some(head),
                        ),
                        Err(e) => (None, Some(LoaderError::from(e)), Some(head)),
                    }
                }
                Err(e) => (None, Some(e), Some(head)),
            },
        };
        let (outcome, head) = match page {
            None => (Outcome::Static, ResponseHead::default()),
            Some(Loaded { result, head }) => match result {
                Ok(props) => (Outcome::Props(props), head),
                Err(e) => (Outcome::Exit(e), head),
            },
        };
        let (outcome, head) = match (layout_exit, layout_head) {
            (Some(e), Some(layout_head)) => (Outcome::Exit(e), layout_head),
            (_, layout_head) => {
                if let Some(layout_head) = layout_head {
                    head.merge_layout(layout_head);
                }
                (outcome, head)
            }
        };
        Self {
            outcome,
            head,
            layout: layout_json,
        }
    }
}

/// Path and query of a URI, without an empty query (`/a?` is `/a`, as
/// `location.pathname + location.search` is in the browser).
pub(crate) fn normalized_url(uri: &http::Uri) -> String {
    let url = uri.path_and_query().map_or("/", |pq| pq.as_str());
    url.strip_suffix('?').unwrap_or(url).to_owned()
}
