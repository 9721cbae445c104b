//! The document writer: a [`Decision`] as a complete HTML document, the
//! page rendered by Leptos with its props embedded for hydration.
//!
//! One walk over the outcomes: a page without a loader, a page with props,
//! a submission that went through (post/redirect/get: `303 See Other`, the
//! browser loads what comes next itself), and an early exit as
//! [`shown`](ServerProps::shown) says (a redirect, an own response, the 404
//! page, the error page). A render that panics becomes the error page too.

use super::{
    decision::{push_metric, Decision, LayoutsShown, Outcome, SERVER_TIMING},
    respond::{head_headers, own_response, redirect_response, uncacheable_if_server_error, Shown},
    streamed::{self, DocumentParts},
    Format,
};
use crate::ssr::{
    loader::{error::LoaderError, ErasedLoader},
    render::{Around, PageState, RenderState, Renderer},
    response::deferred::{collect, Resolving},
    response::{
        head::ResponseHead,
        payload::{Payload, Said},
    },
    server::builder::ServerProps,
};
use crate::{
    deferred::DeferredValues,
    escape::escape_json_tail,
    navigation::ActionJson,
    protocol::{DEFAULT_CACHE_CONTROL, TAGS_HEADER},
    root::RootMode,
};
use axum::{body::Body, response::Response};
use http::{
    header::{CACHE_CONTROL, CONTENT_TYPE},
    HeaderValue, StatusCode,
};
use tracing::Instrument;

/// A document whose props have deferred values: what the later renders
/// need beside the first's.
struct Streaming {
    /// The props as JSON, placeholders for the deferred values.
    props: String,
    /// The values that have arrived.
    values: DeferredValues,
    /// Those still running.
    resolving: Resolving,
}

impl ServerProps {
    /// Writes a decision as a document.
    pub(crate) async fn write_document(&self, decision: Decision) -> Response {
        let Decision {
            page,
            method,
            url,
            outcome,
            head,
            layout,
            nested,
            reuse,
            action_data,
            in_browser,
            ..
        } = decision;
        let root = if in_browser {
            // For the browser that asked only: never kept by a cache, never
            // indexed (the app's element is empty).
            head.insert_header(
                CACHE_CONTROL,
                HeaderValue::from_static(DEFAULT_CACHE_CONTROL),
            );
            head.insert_header(
                http::HeaderName::from_static("x-robots-tag"),
                HeaderValue::from_static("noindex"),
            );
            RootMode::InBrowser
        } else if super::decision::is_read(&method) {
            RootMode::Hydrate
        } else {
            RootMode::NoRecovery
        };
        let nested = nested.as_slice();
        let shown = LayoutsShown {
            app: layout.as_deref(),
            nested,
            reuse: reuse.as_slice(),
        };
        let url = url.as_str();
        let action_data = action_data.as_deref();
        let request = self.dev_request(&method, url, Format::Document);
        let request = request.as_deref();
        let layout = layout.as_deref();
        let error: LoaderError = match outcome {
            Outcome::Static => {
                let payload = self
                    .embedded(url, shown, Said::Nothing, None)
                    .expect("a payload without props serialises");
                let state = PageState::Static;
                return self
                    .render_document(
                        page,
                        url,
                        request,
                        state,
                        (layout, nested, None),
                        &payload,
                        StatusCode::OK,
                        head,
                        None,
                        root,
                    )
                    .await;
            }
            Outcome::Props(props) => {
                let status = head.status().unwrap_or(StatusCode::OK);
                let (cache_control, tags) = head.with_headers(|headers| {
                    let cache_control = headers
                        .get(CACHE_CONTROL)
                        .and_then(|v| v.to_str().ok().map(str::to_owned));
                    let tags: Vec<String> = headers
                        .get_all(TAGS_HEADER)
                        .iter()
                        .filter_map(|v| v.to_str().ok().map(str::to_owned))
                        .collect();
                    (cache_control, tags)
                });
                let said = Said::Props {
                    props: props.as_ref(),
                    cache_control: cache_control.as_deref(),
                    tags: &tags,
                    action_data,
                };
                let (embedded, pending) =
                    collect(|| self.embedded(url, shown, said, self.loader_of(page)));
                match embedded {
                    Ok(payload) if pending.is_empty() => {
                        let state = PageState::Props(props.into_any());
                        return self
                            .render_document(
                                page,
                                url,
                                request,
                                state,
                                (layout, nested, action_data),
                                &payload,
                                status,
                                head,
                                None,
                                root,
                            )
                            .await;
                    }
                    // Deferred values: rendered from the props' JSON, again
                    // as each arrives.
                    Ok(payload) => {
                        let mut json = Vec::new();
                        match props.write_json(&mut json) {
                            Ok(()) => {
                                let props =
                                    String::from_utf8(json).expect("serde_json writes UTF-8");
                                let values = DeferredValues::new(
                                    u32::try_from(pending.len()).expect("fewer than 2^32"),
                                );
                                let mut resolving = Resolving::new(self, pending, self.inner.dev);
                                while let Some((index, outcome)) = resolving.take_ready() {
                                    values.arrive(index, outcome);
                                }
                                let streaming = Streaming {
                                    props: props.clone(),
                                    values,
                                    resolving,
                                };
                                return self
                                    .render_document(
                                        page,
                                        url,
                                        request,
                                        PageState::Json(props),
                                        (layout, nested, action_data),
                                        &payload,
                                        status,
                                        head,
                                        Some(streaming),
                                        root,
                                    )
                                    .await;
                            }
                            Err(e) => e.into(),
                        }
                    }
                    Err(e) => e.into(),
                }
            }
            // Post/redirect/get: the browser loads what comes next itself.
            Outcome::Follow(follow) => follow.to.into(),
            Outcome::Exit(error) => error,
        };
        match self.shown(page, url, request, error, &head) {
            Shown::Redirect(redirect, location) => redirect_response(&redirect, location, head),
            Shown::Own(response) => own_response(*response, head),
            Shown::NotFound => {
                let payload = self
                    .embedded(url, shown, Said::NotFound, None)
                    .expect("a payload without props serialises");
                let status = StatusCode::NOT_FOUND;
                let state = PageState::NotFound;
                let data = (layout, nested, None);
                self.render_document(
                    page, url, request, state, data, &payload, status, head, None, root,
                )
                .await
            }
            Shown::Error(status, error) => {
                let payload = self
                    .embedded(url, shown, Said::Error(&error), None)
                    .expect("a payload without props serialises");
                let state = PageState::Error(error);
                let data = (layout, nested, None);
                self.render_document(
                    page, url, request, state, data, &payload, status, head, None, root,
                )
                .await
            }
        }
    }

    /// The embedded payload (`{"build":…,"url":…,…}`), escaped for the
    /// document's script element.
    fn embedded(
        &self,
        url: &str,
        shown: LayoutsShown<'_>,
        said: Said<'_>,
        sizing: Option<&ErasedLoader>,
    ) -> Result<String, serde_json::Error> {
        let build = self.inner.build_id.as_str();
        let extra = url.len() + build.len() + shown.app.map_or(0, str::len) + 48;
        let mut out = match sizing {
            Some(loader) => loader.json_buffer(64),
            None => Vec::with_capacity(extra),
        };
        let payload = Payload {
            build: Some(build),
            url: Some(url),
            layout: shown.app,
            layouts: shown.nested,
            reuse: shown.reuse,
            said,
        };
        payload.write(&mut out)?;
        if let Some(loader) = sizing {
            loader.note_json_size(out.len());
        }
        escape_json_tail(&mut out, 0);
        Ok(String::from_utf8(out).expect("serde_json writes UTF-8"))
    }

    /// Renders the page (or the 404 or error page) with its embedded
    /// payload into the document, the layout's data and the action's
    /// (`data`, as JSON) in the render's context; a render that panics is
    /// answered with the error page.
    #[allow(clippy::too_many_arguments)]
    async fn render_document(
        &self,
        page: Option<usize>,
        url: &str,
        request: Option<&str>,
        state: PageState,
        (layout, nested, action): (Option<&str>, &[(&'static str, String)], Option<&str>),
        payload: &str,
        status: StatusCode,
        head: ResponseHead,
        streaming: Option<Streaming>,
        root: RootMode,
    ) -> Response {
        let renderer = &self.inner.renderer;
        let nonce = renderer.nonce();
        let nonce = nonce.as_ref();
        let started = web_time::Instant::now();
        let action = action.map(|json| ActionJson {
            page: page.map(|i| self.inner.pages.entries[i].name),
            json: json.into(),
        });
        let chunk = page.and_then(|i| self.inner.pages.entries[i].chunk());
        let parts = streaming.as_ref().map(|s| DocumentParts {
            page,
            url: url.to_owned(),
            nonce: nonce.cloned(),
            layout: layout.map(str::to_owned),
            nested: nested.to_vec(),
            action: action.clone(),
            payload: payload.to_owned(),
            props: s.props.clone(),
            root,
            chunk,
        });
        let around = Around {
            root,
            deferred: streaming.as_ref().map(|s| s.values.clone()),
            chunk,
        };
        let state = RenderState::new(page, state, (layout, nested), action, around);
        let mut streaming = streaming.zip(parts);
        let (status, html, leptos_options) = match renderer
            .render(url, state, payload, nonce)
            .instrument(tracing::info_span!("server_props.render"))
            .await
        {
            Ok((html, options)) => (status, html, Some(options)),
            Err(panic) => {
                // Nothing is sent in parts: the deferred values are dropped.
                streaming = None;
                let message = format!("rendering panicked: {}", panic.message);
                tracing::error!(path = url, "server_props: {message}");
                let status = StatusCode::INTERNAL_SERVER_ERROR;
                uncacheable_if_server_error(status, &head);
                let error = self.page_error(status, message, panic.location, page, request);
                let payload = self
                    .embedded(url, LayoutsShown::default(), Said::Error(&error), None)
                    .expect("a payload without props serialises");
                // Once more with the error page in the page's place; a panic in
                // the layout itself would recur, so then a bare page.
                let around = Around {
                    root,
                    deferred: None,
                    chunk,
                };
                let state =
                    RenderState::new(page, PageState::Error(error), (None, &[]), None, around);
                let html = match renderer.render(url, state, &payload, nonce).await {
                    Ok((html, _)) => html,
                    Err(_) => Renderer::bare_error_page(500),
                };
                (status, html, None)
            }
        };
        let streamed = streaming.is_some();
        let body = match streaming {
            Some((
                Streaming {
                    values, resolving, ..
                },
                parts,
            )) => streamed::body(streamed::document_stretches(
                self.clone(),
                parts,
                values,
                resolving,
                html,
            )),
            None => Body::from(html),
        };
        let mut response = Response::new(body);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        *headers = head_headers(head);
        // Room for the writer's headers and the middleware's (security,
        // compression, `Server-Timing`): one allocation, not a map grown twice.
        headers.reserve(12);
        headers
            .entry(CONTENT_TYPE)
            .or_insert(HeaderValue::from_static("text/html; charset=utf-8"));
        headers
            .entry(CACHE_CONTROL)
            .or_insert(HeaderValue::from_static(DEFAULT_CACHE_CONTROL));
        if let (Some(csp), Some(nonce)) = (&renderer.csp, nonce) {
            headers
                .entry(csp.name.clone())
                .or_insert_with(|| csp.header_value(nonce));
        }
        if streamed {
            streamed::announce_trailer(self, headers);
        }
        if self.inner.server_timing {
            let mut render = String::new();
            push_metric(&mut render, "render", started.elapsed());
            if let Ok(value) = HeaderValue::from_str(&render) {
                headers.append(SERVER_TIMING, value);
            }
        }
        // A component may have set a status or headers the Leptos way
        // (leptos_axum's `ResponseOptions`, with the `server` feature).
        #[cfg(not(feature = "server"))]
        let _: Option<()> = leptos_options;
        #[cfg(feature = "server")]
        if let Some(options) = leptos_options {
            let options = options.0.read().unwrap_or_else(|e| e.into_inner());
            if let Some(s) = options.status {
                *response.status_mut() = s;
            }
            for (name, value) in options.headers.iter() {
                // Cookies add to the loaders' cookies; other headers replace.
                if name == http::header::SET_COOKIE {
                    response.headers_mut().append(name.clone(), value.clone());
                } else {
                    response.headers_mut().insert(name.clone(), value.clone());
                }
            }
        }
        response
    }
}
