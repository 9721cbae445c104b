//! The request handlers: documents, props answers and the 404 document.
//!
//! A request does only its own work: match (done by axum for documents, by
//! the props matcher for props URLs), decode params, run the page's loader
//! and the layout's side by side, then hand what they decided (an
//! [`Answer`](crate::ssr::handler::respond::Answer)) to the one mapping in
//! [`respond`](crate::ssr::handler::respond), which writes it as a document or as JSON.
//!
//! A submission to a page with an action runs the action instead. When it
//! goes through, a document gets `303 See Other` to what comes next
//! (post/redirect/get) and a props answer gets the next page's props at
//! once: the same request runs that page's loaders ([`Follow`]).

use crate::ssr::{
    handler::{
        respond::{Answer, Outcome},
        trace::{record_page, request_span, traced},
        Format,
    },
    loader::action::{Acted, ActionOutcome, PageAction},
    loader::{error::LoaderError, ErasedLoader, Loaded},
    request::context::{with_page_uri, RequestParts},
    response::head::ResponseHead,
    server::builder::ServerProps,
};
use crate::{
    pages::PageKind,
    protocol::{self, PropsPayload},
    redirect::Redirect,
};
use axum::{body::Body, extract::Request, response::Response};
use http::StatusCode;
use std::any::Any;
use tracing::Instrument;

/// What a request's loaders (or its page's action) decided.
pub(crate) enum Decided {
    /// The answer for the page at this index of the table (`None`: no page
    /// serves the URL).
    Answer(Option<usize>, Answer),
    /// A submission went through: what to show next.
    Follow(Follow),
}

/// A submission that went through, and where it leads.
pub(crate) struct Follow {
    /// The page to show next: the action's redirect, or the page itself
    /// when the action is done.
    to: Redirect,
    /// What the action (and the layout's loader before it) wrote.
    head: ResponseHead,
    /// The submission's request head, for the destination's loaders.
    request: RequestParts,
    /// How long the action ran.
    action: std::time::Duration,
}

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
            let url = normalized_url(request.uri());
            let answer = Answer::exit(crate::NotFound.into());
            return traced(span, self.respond(None, &url, answer, Format::Document)).await;
        }
        self.document(None, &state, request).await
    }

    /// Answers a document request for the page at `index` of the table
    /// (`None`: no page matched the URL), within its request span.
    pub(crate) async fn document(
        self,
        index: Option<usize>,
        state: &(dyn Any + Send + Sync),
        request: Request,
    ) -> Response {
        let span = request_span(&request, Format::Document);
        traced(span, self.document_untraced(index, state, request)).await
    }

    async fn document_untraced(
        self,
        index: Option<usize>,
        state: &(dyn Any + Send + Sync),
        request: Request,
    ) -> Response {
        let (parts, body) = request.into_parts();
        let url = normalized_url(&parts.uri);
        match self.answer(index, state, parts, body, &url).await {
            Decided::Answer(index, answer) => {
                self.respond(index, &url, answer, Format::Document).await
            }
            // Post/redirect/get: the browser loads what comes next itself.
            Decided::Follow(follow) => {
                let mut answer = Answer {
                    head: follow.head,
                    ..Answer::exit(follow.to.into())
                };
                answer.timing.action = Some(follow.action);
                self.respond(None, &url, answer, Format::Document).await
            }
        }
    }

    /// Answers a props request (`/_props/<build>/<page>.json?<query>`): a
    /// `GET` for a client navigation, a write for a `<Form>` submission.
    pub(crate) async fn props(self, state: &(dyn Any + Send + Sync), request: Request) -> Response {
        let span = request_span(&request, Format::Json);
        traced(span, self.props_untraced(state, request)).await
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

    async fn props_answer(&self, state: &(dyn Any + Send + Sync), request: Request) -> Response {
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
            // A props URL that names no page is no page's request: the
            // browser's router shows its 404 page for a URL of no page
            // without asking, so nothing here runs a loader.
            let answer = Answer::exit(crate::NotFound.into());
            return self.respond(None, &page_path, answer, Format::Json).await;
        };
        let index = *matched.value;
        record_page(&parts.method, &self.inner.pages.entries[index].pattern);
        if !self.accepts(index, &parts.method) {
            let head = ResponseHead::default();
            head.insert_header(http::header::ALLOW, self.allowed(index));
            let answer = Answer {
                head,
                ..Answer::exit(LoaderError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    format!("the page does not accept {}", parts.method),
                ))
            };
            return self
                .respond(Some(index), &page_path, answer, Format::Json)
                .await;
        }
        let url = match parts.uri.query().filter(|q| !q.is_empty()) {
            Some(q) => format!("{page_path}?{q}"),
            None => page_path,
        };
        let parts = with_page_uri(parts, &url);
        match self.answer(Some(index), state, parts, body, &url).await {
            Decided::Answer(index, answer) => self.respond(index, &url, answer, Format::Json).await,
            Decided::Follow(follow) => self.follow(state, follow).await,
        }
    }

    /// The props answer after a submission went through: the destination's
    /// props, from its loaders run now in this request (single flight), with
    /// the cookies the action set already in the request they see. A
    /// destination on another site, or one no page serves, is answered as
    /// a redirect for the browser to follow.
    async fn follow(&self, state: &(dyn Any + Send + Sync), follow: Follow) -> Response {
        let Follow {
            to,
            head,
            request,
            action,
        } = follow;
        let target = to.destination.split('#').next().unwrap_or_default();
        let path = target.split('?').next().unwrap_or_default();
        let index = to
            .is_same_origin()
            .then(|| self.inner.matcher.at(path).ok().map(|m| *m.value))
            .flatten();
        let (Some(index), Ok(uri)) = (index, http::Uri::try_from(target)) else {
            head.insert_header(
                http::header::CACHE_CONTROL,
                http::HeaderValue::from_static(protocol::DEFAULT_CACHE_CONTROL),
            );
            let mut answer = Answer {
                head,
                ..Answer::exit(to.into())
            };
            answer.timing.action = Some(action);
            return self.respond(None, "", answer, Format::Json).await;
        };
        let mut parts = request.parts;
        parts.method = http::Method::GET;
        parts.uri = uri;
        for name in [
            http::header::CONTENT_TYPE,
            http::header::CONTENT_LENGTH,
            http::header::TRANSFER_ENCODING,
        ] {
            parts.headers.remove(name);
        }
        with_cookies_set(&mut parts.headers, &head, path);
        let url = normalized_url(&parts.uri);
        // The destination's loaders in a span of their own, which takes its
        // page: the request's span keeps the page the form was sent to.
        let span = tracing::info_span!(
            "server_props.follow",
            otel.name = tracing::field::Empty,
            page = tracing::field::Empty,
        );
        let Decided::Answer(index, mut answer) = self
            .answer(Some(index), state, parts, Body::empty(), &url)
            .instrument(span)
            .await
        else {
            unreachable!("a GET runs loaders, never an action");
        };
        answer.head.absorb_submission(head);
        answer.url = Some(to.destination);
        answer.timing.action = Some(action);
        self.respond(index, &url, answer, Format::Json).await
    }

    /// Whether the page at `index` accepts `method` (reads always).
    fn accepts(&self, index: usize, method: &http::Method) -> bool {
        if is_read(method) {
            return true;
        }
        match &self.inner.pages.entries[index].kind {
            PageKind::Props(page) => page.loader.methods.iter().any(|m| m.as_method() == *method),
            PageKind::Static(_) => false,
        }
    }

    /// `Allow` for the page at `index`.
    fn allowed(&self, index: usize) -> http::HeaderValue {
        let mut allow = String::from("GET, HEAD");
        if let PageKind::Props(page) = &self.inner.pages.entries[index].kind {
            for method in page.loader.methods {
                allow.push_str(", ");
                allow.push_str(method.as_method().as_str());
            }
        }
        http::HeaderValue::from_str(&allow).expect("method names are header values")
    }

    /// Refuses cross-site writes, then decides the answer for the page that
    /// serves the request (the one at `index` that axum matched, or the one
    /// `Pages::resolve` picks; none: the 404 page) from a request whose head
    /// carries the page's URI: a write to a page with an action runs the
    /// action; anything else runs the page's loader and the layout's, side
    /// by side for reads, the layout first for writes.
    async fn answer(
        &self,
        index: Option<usize>,
        state: &(dyn Any + Send + Sync),
        parts: http::request::Parts,
        body: Body,
        url: &str,
    ) -> Decided {
        let write = !is_read(&parts.method);
        let method = parts.method.clone();
        let mut decided = self.decide(index, state, parts, body, url).await;
        if let Decided::Answer(_, answer) = &mut decided {
            answer.method = method;
        }
        if !write {
            return decided;
        }
        // Whatever redirects a write (the action, the layout's guard, a
        // loader's `?`) is a `303 See Other`: the browser follows it with a
        // `GET`, never posting the form again somewhere else (a 307 would).
        match decided {
            Decided::Answer(index, mut answer) => {
                if let Outcome::Exit(error) = &mut answer.outcome {
                    error.see_other_if_redirect();
                }
                Decided::Answer(index, answer)
            }
            Decided::Follow(mut follow) => {
                follow.to.status = crate::redirect::RedirectStatus::SeeOther;
                Decided::Follow(follow)
            }
        }
    }

    /// What [`answer`](Self::answer) decides before it settles redirects.
    async fn decide(
        &self,
        matched: Option<usize>,
        state: &(dyn Any + Send + Sync),
        parts: http::request::Parts,
        body: Body,
        url: &str,
    ) -> Decided {
        let pages = self.inner.pages;
        let resolved = matched.and_then(|i| pages.resolve(i, parts.uri.path()));
        if resolved.is_none() && !is_read(&parts.method) {
            // A write to no page: nothing to guard and nothing to run.
            return Decided::Answer(matched, Answer::exit(crate::NotFound.into()));
        }
        if crate::ssr::middleware::csrf::is_cross_site(&parts, &self.inner.trusted_origins) {
            tracing::info!(path = url, "refused a write from another site");
            let refused = LoaderError::new(
                StatusCode::FORBIDDEN,
                "a write from another site (Origin / Sec-Fetch-Site)",
            );
            return Decided::Answer(matched, Answer::exit(refused));
        }
        let layout = pages.layout.as_ref().map(|l| &l.loader);
        let request = |parts, body, params| RequestParts {
            parts,
            body: std::sync::Mutex::new(body),
            params,
            config: self.inner.request.clone(),
        };
        let Some(index) = resolved else {
            // No page: the 404 page, with the layout's data as a page's own
            // "not found" has it (the layout may still redirect or fail).
            let layout = match layout {
                Some(loader) => {
                    let request = request(parts, None, Vec::new());
                    Some(self.run("layout loader", loader, state, request, url).await)
                }
                None => None,
            };
            return Decided::Answer(matched, Answer::not_found(layout));
        };
        record_page(&parts.method, &pages.entries[index].pattern);
        let entry = &pages.entries[index];
        let params = match entry.pattern.decode_params(parts.uri.path()) {
            Ok(params) => params,
            Err(e) => {
                let error = LoaderError::bad_request(e.to_string());
                return Decided::Answer(Some(index), Answer::exit(error));
            }
        };
        let request = request(parts, Some(body), params);
        let page = match &entry.kind {
            PageKind::Props(page) => Some(&page.loader),
            PageKind::Static(_) => None,
        };
        let reads = is_read(&request.parts.method);
        if let (false, Some(action)) = (reads, page.and_then(|p| p.action.as_ref())) {
            return self.act(index, action, layout, state, request, url).await;
        }
        if let (false, Some(loader)) = (reads, layout) {
            // A write (a form POST) runs only if the layout lets it: a layout
            // that redirects to a login page stops it before it reads the
            // body or changes anything.
            let layout = self
                .run("layout loader", loader, state, request.head_copy(), url)
                .await;
            if layout.result.is_err() {
                return Decided::Answer(Some(index), Answer::combine(None, Some(layout)));
            }
            let page = match page {
                Some(loader) => Some(self.run("loader", loader, state, request, url).await),
                None => None,
            };
            return Decided::Answer(Some(index), Answer::combine(page, Some(layout)));
        }
        // Reads run both loaders side by side.
        let layout_request = layout.map(|_| request.head_copy());
        let (page, layout) = futures::join!(
            async {
                match page {
                    Some(loader) => Some(self.run("loader", loader, state, request, url).await),
                    None => None,
                }
            },
            async {
                match (layout, layout_request) {
                    (Some(loader), Some(request)) => {
                        Some(self.run("layout loader", loader, state, request, url).await)
                    }
                    _ => None,
                }
            },
        );
        Decided::Answer(Some(index), Answer::combine(page, layout))
    }

    /// A submission to a page with an action: the layout's loader first (it
    /// may refuse), then the action, whose outcome is the answer (invalid,
    /// or an exit) or says what to show next.
    async fn act(
        &self,
        index: usize,
        action: &PageAction,
        layout: Option<&ErasedLoader>,
        state: &(dyn Any + Send + Sync),
        request: RequestParts,
        url: &str,
    ) -> Decided {
        let follow_request = request.head_copy();
        let layout = match layout {
            Some(loader) => {
                let loaded = self
                    .run("layout loader", loader, state, request.head_copy(), url)
                    .await;
                if loaded.result.is_err() {
                    return Decided::Answer(Some(index), Answer::combine(None, Some(loaded)));
                }
                Some(loaded)
            }
            None => None,
        };
        let Acted {
            result,
            head,
            elapsed: acted_for,
        } = self
            .within_timeout(url, "action", action.call(state, request), |error| Acted {
                result: Err(error),
                head: ResponseHead::default(),
                elapsed: self.inner.loader_timeout,
            })
            .await;
        let page = match result {
            Ok(ActionOutcome::Invalid(props)) => {
                if head.status().is_none() {
                    head.set_status(StatusCode::UNPROCESSABLE_ENTITY);
                }
                Loaded {
                    result: Ok(props),
                    head,
                    elapsed: acted_for,
                }
            }
            Err(error) => Loaded {
                result: Err(error),
                head,
                elapsed: acted_for,
            },
            Ok(ActionOutcome::Done) => {
                let to = Redirect::see_other(url);
                let follow = Follow::new(to, head, layout, follow_request, acted_for);
                return Decided::Follow(follow);
            }
            Ok(ActionOutcome::Redirect(to)) => {
                let follow = Follow::new(to, head, layout, follow_request, acted_for);
                return Decided::Follow(follow);
            }
        };
        let mut answer = Answer::combine(Some(page), layout);
        // The page's "loader" here was the action.
        answer.timing.action = answer.timing.loader.take();
        Decided::Answer(Some(index), answer)
    }

    /// Runs one loader (`what`: the page's `loader` or the `layout loader`)
    /// within the loader timeout.
    async fn run(
        &self,
        what: &'static str,
        loader: &ErasedLoader,
        state: &(dyn Any + Send + Sync),
        request: RequestParts,
        url: &str,
    ) -> Loaded {
        self.within_timeout(url, what, loader.call(state, request), |error| Loaded {
            result: Err(error),
            head: ResponseHead::default(),
            elapsed: self.inner.loader_timeout,
        })
        .await
    }

    /// Runs a loader's or an action's future within the loader timeout.
    async fn within_timeout<T>(
        &self,
        url: &str,
        what: &'static str,
        future: futures::future::BoxFuture<'static, T>,
        timed_out: impl FnOnce(LoaderError) -> T,
    ) -> T {
        let timeout = self.inner.loader_timeout;
        let span = tracing::info_span!("server_props.run", otel.name = what, run = what);
        match self
            .inner
            .runtime
            .within(timeout, future)
            .instrument(span)
            .await
        {
            Ok(done) => done,
            Err(_) => {
                tracing::warn!(path = url, "{what} timed out after {timeout:?}");
                timed_out(LoaderError::new(
                    StatusCode::GATEWAY_TIMEOUT,
                    format!("the {what} did not finish within {timeout:?}"),
                ))
            }
        }
    }
}

impl Follow {
    fn new(
        to: Redirect,
        head: ResponseHead,
        layout: Option<Loaded>,
        request: RequestParts,
        action: std::time::Duration,
    ) -> Self {
        if let Some(layout) = layout {
            head.merge_layout(layout.head);
        }
        Self {
            to,
            head,
            request,
            action,
        }
    }
}

/// `GET` and `HEAD`: the methods that read a page; the others are writes.
fn is_read(method: &http::Method) -> bool {
    matches!(*method, http::Method::GET | http::Method::HEAD)
}

/// Puts the cookies a submission's answer sets (or removes) for `path` into
/// the request headers its destination's loaders see, as the browser would
/// send them on the next request.
fn with_cookies_set(headers: &mut http::HeaderMap, head: &ResponseHead, path: &str) {
    // The request's cookies, parsed as `LoaderContext::cookies` does (bytes
    // as UTF-8: a cookie holding a name such as "José" must survive).
    let mut jar: Vec<(String, String)> = headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| std::str::from_utf8(v.as_bytes()).ok())
        .flat_map(|v| cookie::Cookie::split_parse(v.to_owned()).flatten())
        .map(|c| (c.name().to_owned(), c.value().to_owned()))
        .collect();
    let set: Vec<cookie::Cookie<'static>> = head.with_headers(|set| {
        set.get_all(http::header::SET_COOKIE)
            .iter()
            .filter_map(|v| std::str::from_utf8(v.as_bytes()).ok())
            .filter_map(|v| cookie::Cookie::parse(v.to_owned()).ok())
            .filter(|c| path.starts_with(c.path().unwrap_or("/")))
            .collect()
    });
    if set.is_empty() {
        return;
    }
    for cookie in set {
        jar.retain(|(name, _)| name != cookie.name());
        let removed = cookie.max_age().is_some_and(|age| age.is_zero())
            || cookie
                .expires_datetime()
                .is_some_and(|at| at <= cookie::time::OffsetDateTime::now_utc());
        if !removed {
            jar.push((cookie.name().to_owned(), cookie.value().to_owned()));
        }
    }
    headers.remove(http::header::COOKIE);
    let line = jar
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    if let (false, Ok(value)) = (line.is_empty(), http::HeaderValue::from_str(&line)) {
        headers.insert(http::header::COOKIE, value);
    }
}

impl Answer {
    /// The 404 page for a URL no page serves, with what the layout's loader
    /// decided: its data for the page's header, or its own early exit.
    fn not_found(layout: Option<Loaded>) -> Self {
        let page = Loaded {
            result: Err(crate::NotFound.into()),
            head: ResponseHead::default(),
            elapsed: std::time::Duration::ZERO,
        };
        let mut answer = Self::combine(Some(page), layout);
        // No page loader ran.
        answer.timing.loader = None;
        answer
    }

    /// What a page loader and a layout loader decided together: the
    /// layout's early exit wins, with only the layout's headers and cookies;
    /// then the page's.
    fn combine(page: Option<Loaded>, layout: Option<Loaded>) -> Self {
        let timing = crate::ssr::handler::respond::Timing {
            loader: page.as_ref().map(|p| p.elapsed),
            layout: layout.as_ref().map(|l| l.elapsed),
            action: None,
        };
        let (layout_json, layout_exit, layout_head) = match layout {
            None => (None, None, None),
            Some(Loaded { result, head, .. }) => match result {
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
            Some(Loaded { result, head, .. }) => match result {
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
            url: None,
            timing,
            method: http::Method::GET,
        }
    }
}

/// Path and query of a URI, without an empty query (`/a?` is `/a`, as
/// `location.pathname + location.search` is in the browser).
pub(crate) fn normalized_url(uri: &http::Uri) -> String {
    let url = uri.path_and_query().map_or("/", |pq| pq.as_str());
    url.strip_suffix('?').unwrap_or(url).to_owned()
}
