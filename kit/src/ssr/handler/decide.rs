//! The middle of every request: from a request head and body to one
//! [`Decision`].
//!
//! The steps, in order, for a document and a props request alike: a method
//! the page does not take is a 405; a write to no page is a 404 that runs
//! nothing; a write from another site is a 403; the page is resolved and
//! its params decoded (a 400 when they do not parse); then a write to a
//! page with an action runs the action (the layout's loader first, which
//! may refuse it), and anything else runs the page's loader and the
//! layout's (side by side for reads, the layout first for writes). A URL
//! no page serves runs the layout's loader for its 404 page, as a page's
//! own "not found" does.
//!
//! [`ServerProps::follow`] is the one step only props answers take: a
//! submission that went through gets its destination's props in the same
//! request.

use super::decision::{is_read, Decision, Follow, LayoutRuns, Outcome};
use super::reuse::{self, Binding, Kept};
use crate::ssr::{
    handler::trace::record_page,
    loader::action::{Acted, ActionOutcome, PageAction},
    loader::{error::LoaderError, AnyProps, ErasedLoader, Ran},
    request::context::RequestParts,
    response::head::ResponseHead,
    server::builder::ServerProps,
};
use crate::{page_url::PageUrl, pages::PageKind, protocol, redirect::Redirect};
use axum::body::Body;
use http::StatusCode;
use std::any::Any;
use tracing::Instrument;

impl ServerProps {
    /// Decides the answer for the page that serves the request (the one at
    /// `matched` that the router matched, or the one `Pages::resolve`
    /// picks; none: the 404 page), from a request whose head carries the
    /// page's URI.
    pub(crate) async fn decide(
        &self,
        matched: Option<usize>,
        state: &(dyn Any + Send + Sync),
        parts: http::request::Parts,
        body: Body,
    ) -> Decision {
        let url = PageUrl::from_uri(&parts.uri);
        self.decide_at(matched, state, parts, body, url)
            .await
            .see_other_if_write()
    }

    async fn decide_at(
        &self,
        matched: Option<usize>,
        state: &(dyn Any + Send + Sync),
        parts: http::request::Parts,
        body: Body,
        url: PageUrl,
    ) -> Decision {
        let pages = self.inner.pages;
        let method = parts.method.clone();
        let reads = is_read(&method);
        if let Some(index) = matched {
            record_page(&method, &pages.entries[index].pattern);
        }
        if let Some(index) = matched.filter(|&i| !self.accepts(i, &method)) {
            let error = LoaderError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("the page does not accept {method}"),
            );
            let decision = Decision::exit(Some(index), method, url, error);
            decision
                .head
                .insert_header(http::header::ALLOW, self.allowed(index));
            return decision;
        }
        let resolved = matched.and_then(|i| pages.resolve(i, parts.uri.path()));
        if resolved.is_none() && !reads {
            // A write to no page: nothing to guard and nothing to run.
            return Decision::exit(matched, method, url, crate::NotFound.into());
        }
        if crate::ssr::middleware::csrf::is_cross_site(&parts, &self.inner.trusted_origins) {
            tracing::info!(path = url.as_str(), "refused a write from another site");
            let refused = LoaderError::new(
                StatusCode::FORBIDDEN,
                "a write from another site (Origin / Sec-Fetch-Site)",
            );
            return Decision::exit(matched, method, url, refused);
        }
        let layout = pages.layout.as_ref().map(|l| &l.loader);
        let request = |parts, body, params| RequestParts {
            parts: std::sync::Arc::new(parts),
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
                    Some(
                        self.run("layout loader", loader, state, request, url.as_str())
                            .await,
                    )
                }
                None => None,
            };
            return Decision::not_found(method, url, layout);
        };
        let entry = &pages.entries[index];
        if Some(index) != matched {
            record_page(&method, &entry.pattern);
        }
        let params = match entry.pattern.decode_params(parts.uri.path()) {
            Ok(params) => params,
            Err(e) => {
                let error = LoaderError::bad_request(e.to_string());
                return Decision::exit(Some(index), method, url, error);
            }
        };
        let request = request(parts, Some(body), params);
        let page = match &entry.kind {
            PageKind::Props(page) => Some(&page.loader),
            PageKind::Static(_) => None,
        };
        let layouts = self.start_layouts(index, state, &request, url.as_str());
        if !reads {
            // A write (a form POST) runs only if the layouts let it: a layout
            // that redirects to a login page stops it before it reads the
            // body or changes anything.
            let layouts = layouts.finish().await;
            if layouts.exited() {
                return Decision::of_runs(Some(index), method, url, None, layouts);
            }
            if let Some(action) = page.and_then(|p| p.action.as_ref()) {
                return self.act(index, action, layouts, state, request, url).await;
            }
            let run = match page {
                Some(loader) => Some(
                    self.run("loader", loader, state, request, url.as_str())
                        .await,
                ),
                None => None,
            };
            return Decision::of_runs(Some(index), method, url, run, layouts);
        }
        // Reads run the page's loader beside the layouts', unless a layout
        // has already said no (a guard that decides before it waits: the
        // page's loader never starts). A layout that says no later drops
        // the page's loader where it is: its answer is the layout's exit.
        let mut layouts = layouts;
        if layouts.poll_once().await {
            let layouts = layouts.finish().await;
            return Decision::of_runs(Some(index), method, url, None, layouts);
        }
        // The head the layouts saw, for their reuse tokens.
        let head = std::sync::Arc::clone(&request.parts);
        let (run, layouts) = {
            let page_run = std::pin::pin!(async {
                match page {
                    Some(loader) => Some(
                        self.run("loader", loader, state, request, url.as_str())
                            .await,
                    ),
                    None => None,
                }
            });
            let layouts_run = std::pin::pin!(layouts.finish());
            match futures::future::select(page_run, layouts_run).await {
                futures::future::Either::Left((run, layouts)) => (run, layouts.await),
                futures::future::Either::Right((layouts, _)) if layouts.exited() => (None, layouts),
                futures::future::Either::Right((layouts, run)) => (run.await, layouts),
            }
        };
        let reuse = self.reuse_tokens(&layouts, &head);
        let mut decision = Decision::of_runs(Some(index), method, url, run, layouts);
        decision.reuse = reuse;
        decision
    }

    /// Tokens for the nested layouts that went through and whose data the
    /// browser may keep (`reuse`): none without a cookie key to sign them.
    fn reuse_tokens(
        &self,
        layouts: &LayoutRuns,
        head: &http::request::Parts,
    ) -> Vec<(&'static str, crate::protocol::Reuse)> {
        let Some(key) = self.inner.request.cookie_key.as_ref() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let now = reuse::now();
        for (prefix, ran) in &layouts.nested {
            if ran.result.is_err() {
                break;
            }
            let Some(max_age) = reuse::reusable_for(&ran.head) else {
                continue;
            };
            let segments = prefix.matches('/').count() - usize::from(*prefix == "/");
            let binding = Binding {
                prefix,
                instance: reuse::instance_of(head.uri.path(), segments),
                query: head.uri.query().unwrap_or_default(),
                parts: head,
            };
            let mut token = reuse::issue(key, &binding, now, max_age);
            token.tags = reuse::tags_of(&ran.head);
            out.push((*prefix, token));
        }
        out
    }

    /// Starts the loaders of the page's layouts (the app's, then the nested
    /// ones, outermost first), each with the request's head (shared) and
    /// the params of its own prefix; nothing runs until they are polled.
    fn start_layouts<'a>(
        &'a self,
        index: usize,
        state: &'a (dyn Any + Send + Sync),
        request: &RequestParts,
        url: &'a str,
    ) -> Started<'a> {
        let pages = self.inner.pages;
        let mut runs: Vec<Running<'a>> = Vec::new();
        if let Some(layout) = &pages.layout {
            let future = self.run(
                "layout loader",
                &layout.loader,
                state,
                request.shared_head(),
                url,
            );
            runs.push(Running::new(None, Box::pin(future)));
        }
        // A read may skip the layouts whose data the browser keeps, when
        // their tokens hold for this visitor (`reuse`); a write never does.
        let kept = request
            .parts
            .extensions
            .get::<Kept>()
            .filter(|_| is_read(&request.parts.method));
        let key = self.inner.request.cookie_key.as_ref();
        let now = kept.map(|_| reuse::now()).unwrap_or_default();
        for &i in &pages.entries[index].layouts {
            let layout = &pages.nested[i];
            if let (Some(kept), Some(key)) = (kept, key) {
                let path = request.parts.uri.path();
                let binding = Binding {
                    prefix: layout.prefix.as_str(),
                    instance: reuse::instance_of(path, layout.prefix.segments().len()),
                    query: request.parts.uri.query().unwrap_or_default(),
                    parts: &request.parts,
                };
                if reuse::holds(key, kept, &binding, now) {
                    continue;
                }
            }
            let mut head = request.shared_head();
            head.params
                .retain(|(name, _)| layout.prefix.param_names().any(|own| own == *name));
            let future = self.run("layout loader", &layout.loader, state, head, url);
            runs.push(Running::new(Some(layout.prefix.as_str()), Box::pin(future)));
        }
        Started(runs)
    }

    /// A submission to a page with an action, which the layout's loader
    /// let through (its run, when the app has one): the action's outcome is
    /// the answer (invalid, or an exit) or says what to show next.
    async fn act(
        &self,
        index: usize,
        action: &PageAction,
        layouts: LayoutRuns,
        state: &(dyn Any + Send + Sync),
        request: RequestParts,
        url: PageUrl,
    ) -> Decision {
        let method = request.parts.method.clone();
        let follow_request = request.shared_head();
        let timeout = self.inner.loader_timeout;
        let Acted {
            result,
            head,
            elapsed,
        } = self
            .within_timeout(
                url.as_str(),
                "action",
                action.call(state, request),
                |error| Ran::failed(error, timeout),
            )
            .await;
        let result = match result {
            Ok(ActionOutcome::Invalid(data)) => {
                if head.status().is_none() {
                    head.set_status(StatusCode::UNPROCESSABLE_ENTITY);
                }
                let refused = Refused {
                    data,
                    head,
                    elapsed,
                };
                return self
                    .refused(index, state, follow_request, url, layouts, refused)
                    .await;
            }
            Ok(ActionOutcome::Done) => Ok(Redirect::see_other(url.as_str())),
            Ok(ActionOutcome::Redirect(to)) => Ok(to),
            Err(error) => Err(error),
        };
        let to = match result {
            Ok(to) => to,
            Err(error) => {
                let ran = Ran {
                    result: Err(error),
                    head,
                    elapsed,
                };
                return Decision::of_action_exit(Some(index), method, url, ran, layouts);
            }
        };
        // A submission that went through leads on.
        for layout in layouts.into_heads() {
            head.merge_layout(layout);
        }
        let follow = Follow {
            to,
            request: follow_request,
        };
        let mut decision =
            Decision::new(Some(index), method, url, Outcome::Follow(Box::new(follow)));
        decision.head = head;
        decision.timing.action = Some(elapsed);
        decision
    }

    /// A submission the action refused: the page again, in the same
    /// request, as a `GET` of it would show it after the action (the page's
    /// and the layout's loaders run again, side by side, with the cookies
    /// the action and the layout's guard set), with the action's data
    /// beside the props, its status (`422`) and its headers. A loader's own
    /// exit (the entry is gone: "not found") wins, as it would on the next
    /// `GET`.
    async fn refused(
        &self,
        index: usize,
        state: &(dyn Any + Send + Sync),
        request: RequestParts,
        url: PageUrl,
        layouts: LayoutRuns,
        refused: Refused,
    ) -> Decision {
        let Refused {
            data,
            head: action,
            elapsed,
        } = refused;
        let method = request.parts.method.clone();
        let mut json = Vec::with_capacity(64);
        if let Err(e) = data.write_json(&mut json) {
            let ran = Ran {
                result: Err(LoaderError::from(e)),
                head: action,
                elapsed,
            };
            return Decision::of_action_exit(Some(index), method, url, ran, layouts);
        }
        // What the guard wrote comes first, as it would in a redirect's.
        for layout in layouts.into_heads() {
            action.merge_layout(layout);
        }
        let parts = get_after(request, None, &action, url.path());
        let again = Box::pin(self.decide_at(Some(index), state, parts, Body::empty(), url)).await;
        let status = action.status();
        let mut decision = Decision { method, ..again };
        let shown = matches!(decision.outcome, Outcome::Props(_));
        decision.head.absorb_submission(action);
        if shown {
            if let Some(status) = status {
                decision.head.set_status(status);
            }
            decision.action_data = Some(String::from_utf8(json).expect("serde_json writes UTF-8"));
        }
        decision.timing.action = Some(elapsed);
        decision
    }

    /// A props answer's last step after a submission went through: the
    /// destination's props, from its loaders run now in this request
    /// (single flight), with the cookies the action set already in the
    /// request they see. A destination on another site, or one no page
    /// serves, stays a redirect for the browser to follow.
    pub(crate) async fn follow(
        &self,
        state: &(dyn Any + Send + Sync),
        decision: Decision,
    ) -> Decision {
        let Outcome::Follow(follow) = decision.outcome else {
            return decision;
        };
        let Follow { to, request } = *follow;
        let Decision {
            head,
            timing: submitted,
            ..
        } = decision;
        let target = PageUrl::parse(&to.destination);
        let index = to
            .is_same_origin()
            .then(|| self.inner.matcher.at(target.path()).ok().map(|m| *m.value))
            .flatten();
        let (Some(index), Ok(uri)) = (index, http::Uri::try_from(target.as_str())) else {
            head.insert_header(
                http::header::CACHE_CONTROL,
                http::HeaderValue::from_static(protocol::DEFAULT_CACHE_CONTROL),
            );
            return Decision {
                outcome: Outcome::Exit(to.into()),
                head,
                timing: submitted,
                ..decision
            };
        };
        let parts = get_after(request, Some(uri), &head, target.path());
        // The destination's loaders in a span of their own, which takes its
        // page: the request's span keeps the page the form was sent to.
        let span = tracing::info_span!(
            "server_props.follow",
            otel.name = tracing::field::Empty,
            page = tracing::field::Empty,
        );
        let mut next = self
            .decide(Some(index), state, parts, Body::empty())
            .instrument(span)
            .await;
        next.head.absorb_submission(head);
        next.led_to = Some(to.destination);
        next.timing.action = submitted.action;
        next
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
    ) -> Ran<AnyProps> {
        let timeout = self.inner.loader_timeout;
        self.within_timeout(url, what, loader.call(state, request), |error| {
            Ran::failed(error, timeout)
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
}

/// A layout's loader under way: its prefix (`None`: the app's layout), the
/// future, and its run once the future finished.
struct Running<'a> {
    prefix: Option<&'static str>,
    future: futures::future::BoxFuture<'a, Ran<AnyProps>>,
    done: Option<Ran<AnyProps>>,
}

impl<'a> Running<'a> {
    fn new(
        prefix: Option<&'static str>,
        future: futures::future::BoxFuture<'a, Ran<AnyProps>>,
    ) -> Self {
        Self {
            prefix,
            future,
            done: None,
        }
    }
}

/// The loaders of a page's layouts, started.
struct Started<'a>(Vec<Running<'a>>);

impl Started<'_> {
    /// Polls each loader once: a loader that decides without waiting (a
    /// guard reading a cookie) is then done. Whether one of those exited
    /// early (a redirect, not found, a failure), so the page's loader need
    /// not start at all. A loader that waits for anything first (an
    /// extractor reading a session store, a query) is still under way
    /// after it: its exit then drops the page's loader where it is.
    async fn poll_once(&mut self) -> bool {
        use std::task::Poll;
        futures::future::poll_fn(|cx| {
            for run in self.0.iter_mut().filter(|run| run.done.is_none()) {
                if let Poll::Ready(ran) = run.future.as_mut().poll(cx) {
                    run.done = Some(ran);
                }
            }
            Poll::Ready(())
        })
        .await;
        self.0
            .iter()
            .filter_map(|run| run.done.as_ref())
            .any(|ran| ran.result.is_err())
    }

    /// Every loader's run, side by side, outermost first.
    async fn finish(self) -> LayoutRuns {
        let runs = futures::future::join_all(self.0.into_iter().map(|run| async move {
            let ran = match run.done {
                Some(ran) => ran,
                None => run.future.await,
            };
            (run.prefix, ran)
        }))
        .await;
        let mut layouts = LayoutRuns::default();
        for (prefix, ran) in runs {
            match prefix {
                None => layouts.app = Some(ran),
                Some(prefix) => layouts.nested.push((prefix, ran)),
            }
        }
        layouts
    }
}

/// An action's refusal: its data (type-erased), the head it wrote, and how
/// long it ran.
struct Refused {
    data: AnyProps,
    head: ResponseHead,
    elapsed: std::time::Duration,
}

/// The head of a `GET` that follows a submission, as the browser would send
/// it next: the submission's head without its body's headers, at `uri`
/// (else the same URL), with the cookies `head` sets for `path` in it.
fn get_after(
    request: RequestParts,
    uri: Option<http::Uri>,
    head: &ResponseHead,
    path: &str,
) -> http::request::Parts {
    let mut parts = request.into_parts();
    parts.method = http::Method::GET;
    // What follows a submission runs every layout afresh.
    parts.extensions.remove::<Kept>();
    if let Some(uri) = uri {
        parts.uri = uri;
    }
    for name in [
        http::header::CONTENT_TYPE,
        http::header::CONTENT_LENGTH,
        http::header::TRANSFER_ENCODING,
    ] {
        parts.headers.remove(name);
    }
    with_cookies_set(&mut parts.headers, head, path);
    parts
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
