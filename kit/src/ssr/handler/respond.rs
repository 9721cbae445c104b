//! One mapping from what a request's loaders decided to a response,
//! written as a document or as a props answer (JSON).
//!
//! Every outcome is handled once, in [`ServerProps::respond`]: the two
//! formats differ only in how each outcome is written (a rendered page and
//! a `Location` header, or a JSON shape from [`protocol`]), so a rule such
//! as "a server error is never cacheable" or "a redirect must be a valid
//! header value" lives in one place.

use super::Format;
use crate::ssr::{
    loader::{
        error::{ErrorKind, LoaderError},
        ErasedProps,
    },
    render::{PageState, RenderState, Renderer},
    response::etag::etag_of,
    response::head::ResponseHead,
    server::builder::ServerProps,
};
use crate::{
    escape::{escape_json_into, escape_json_tail},
    page::{DevError, PageError},
    pages::{PageKind, PropsPage},
    protocol::{PropsPayload, DEFAULT_CACHE_CONTROL, JSON_CONTENT_TYPE, PROPS_HEADER},
    redirect::{Redirect, RedirectStatus},
};
use axum::{body::Body, response::Response};
use http::{
    header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, REFRESH},
    HeaderMap, HeaderName, HeaderValue, StatusCode,
};
use serde_json::value::RawValue;
use tracing::Instrument;

/// What a request's loaders decided.
pub(crate) struct Answer {
    pub(crate) outcome: Outcome,
    /// The status, headers and cookies the loaders set.
    pub(crate) head: ResponseHead,
    /// The layout loader's data as JSON, when it ran and succeeded.
    pub(crate) layout: Option<String>,
    /// The page URL a props answer is for, when the request did not name it:
    /// where a submission led.
    pub(crate) url: Option<String>,
    /// How long the loaders and the action ran, for `Server-Timing`.
    pub(crate) timing: Timing,
    /// The request's method, for development mode's error detail.
    pub(crate) method: http::Method,
}

/// What `Server-Timing` reports of a request: the loaders' and the action's
/// durations (the render's is added where it happens).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Timing {
    pub(crate) loader: Option<std::time::Duration>,
    pub(crate) layout: Option<std::time::Duration>,
    pub(crate) action: Option<std::time::Duration>,
}

impl Timing {
    /// `loader;dur=1.23, layout;dur=0.05`, or `None` when nothing ran.
    fn header(&self) -> Option<HeaderValue> {
        let mut out = String::new();
        for (name, elapsed) in [
            ("action", self.action),
            ("loader", self.loader),
            ("layout", self.layout),
        ] {
            if let Some(elapsed) = elapsed {
                push_metric(&mut out, name, elapsed);
            }
        }
        (!out.is_empty()).then(|| HeaderValue::from_str(&out).expect("ASCII metrics"))
    }
}

/// Appends `name;dur=<ms>` to a `Server-Timing` value.
pub(crate) fn push_metric(out: &mut String, name: &str, elapsed: std::time::Duration) {
    use std::fmt::Write;
    if !out.is_empty() {
        out.push_str(", ");
    }
    let _ = write!(out, "{name};dur={:.2}", elapsed.as_secs_f64() * 1000.0);
}

/// The `Server-Timing` header.
pub(crate) const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

pub(crate) enum Outcome {
    /// A page without a loader.
    Static,
    /// Render the page with these props.
    Props(Box<dyn ErasedProps>),
    /// Not the page: not found, a redirect, a failure or an own response.
    Exit(LoaderError),
}

impl Answer {
    /// An answer decided before any loader ran.
    pub(crate) fn exit(error: LoaderError) -> Self {
        Self {
            outcome: Outcome::Exit(error),
            head: ResponseHead::default(),
            layout: None,
            url: None,
            timing: Timing::default(),
            method: http::Method::GET,
        }
    }
}

impl ServerProps {
    /// Writes an answer for the page at `index` (`None`: no page matched).
    pub(crate) async fn respond(
        &self,
        index: Option<usize>,
        url: &str,
        answer: Answer,
        format: Format,
    ) -> Response {
        let timing = answer.timing;
        let mut response = self.respond_untimed(index, url, answer, format).await;
        if self.inner.server_timing {
            if let Some(value) = timing.header() {
                // Before the render's, which was written first.
                let headers = response.headers_mut();
                let later: Vec<HeaderValue> =
                    headers.get_all(SERVER_TIMING).iter().cloned().collect();
                headers.remove(SERVER_TIMING);
                headers.append(SERVER_TIMING, value);
                for value in later {
                    headers.append(SERVER_TIMING, value);
                }
            }
        }
        response
    }

    async fn respond_untimed(
        &self,
        index: Option<usize>,
        url: &str,
        answer: Answer,
        format: Format,
    ) -> Response {
        let Answer {
            outcome,
            head,
            layout,
            url: answer_url,
            timing: _,
            method,
        } = answer;
        // What development mode's overlay names as the request.
        let request = self.inner.dev.then(|| match format {
            Format::Document => format!("{method} {url}"),
            Format::Json => format!("{method} {url} (props answer)"),
        });
        let request = request.as_deref();
        let layout = layout.as_deref();
        let answer_url = answer_url.as_deref();
        let page = index.and_then(|i| match &self.inner.pages.entries[i].kind {
            PageKind::Props(page) => Some(page),
            PageKind::Static(_) => None,
        });
        super::trace::record_outcome(match &outcome {
            Outcome::Static => "static",
            Outcome::Props(_) => "props",
            Outcome::Exit(e) => match &e.kind {
                ErrorKind::NotFound => "not_found",
                ErrorKind::Redirect(_) => "redirect",
                ErrorKind::Response(_) => "response",
                ErrorKind::Failed { status, .. } if *status == StatusCode::NOT_FOUND => "not_found",
                ErrorKind::Failed { .. } => "error",
            },
        });
        let error = match outcome {
            Outcome::Static => match format {
                Format::Document => {
                    let payload = self.payload_head(url, layout, |_| ());
                    let state = RenderState::new(index, PageState::Static, layout);
                    return self
                        .render_document(index, url, request, state, &payload, StatusCode::OK, head)
                        .await;
                }
                // A page without a loader has no props (a submission's
                // destination may be one, and the layout's data still counts).
                Format::Json => {
                    let payload = PropsPayload {
                        url: answer_url.map(str::to_owned),
                        props: RawValue::from_string("null".to_owned()).ok(),
                        layout: layout.and_then(|l| RawValue::from_string(l.to_owned()).ok()),
                        ..Default::default()
                    };
                    return self.json(StatusCode::OK, &payload, head);
                }
            },
            Outcome::Props(props) => {
                let status = head.status().unwrap_or(StatusCode::OK);
                let Some(page) = page else {
                    unreachable!("props come only from a page with a loader");
                };
                match format {
                    Format::Document => {
                        let (cache_control, tags) = head.with_headers(|headers| {
                            let cache_control = headers
                                .get(CACHE_CONTROL)
                                .and_then(|v| v.to_str().ok().map(str::to_owned));
                            let tags: Vec<String> = headers
                                .get_all(crate::protocol::TAGS_HEADER)
                                .iter()
                                .filter_map(|v| v.to_str().ok().map(str::to_owned))
                                .collect();
                            (cache_control, tags)
                        });
                        match self.payload_with_props(
                            page,
                            url,
                            props.as_ref(),
                            layout,
                            cache_control.as_deref(),
                            &tags,
                        ) {
                            Ok(payload) => {
                                let state = RenderState::new(
                                    index,
                                    PageState::Props(props.into_any()),
                                    layout,
                                );
                                return self
                                    .render_document(
                                        index, url, request, state, &payload, status, head,
                                    )
                                    .await;
                            }
                            Err(e) => e,
                        }
                    }
                    Format::Json => match props_answer(page, props.as_ref(), layout, answer_url) {
                        Ok(body) => return self.raw_json(status, body, head),
                        Err(e) => e,
                    },
                }
            }
            Outcome::Exit(e) => e,
        };
        self.exit(index, url, request, error, head, layout, answer_url, format)
            .await
    }

    /// Everything but the page: not found, redirects, own responses, failures.
    #[allow(clippy::too_many_arguments)]
    async fn exit(
        &self,
        index: Option<usize>,
        url: &str,
        request: Option<&str>,
        error: LoaderError,
        head: ResponseHead,
        layout: Option<&str>,
        answer_url: Option<&str>,
        format: Format,
    ) -> Response {
        let error = match error.kind {
            ErrorKind::Redirect(redirect) => match HeaderValue::from_str(&redirect.destination) {
                Ok(location) => {
                    return match format {
                        Format::Document => redirect_response(&redirect, location, head),
                        Format::Json => {
                            let payload = PropsPayload {
                                redirect: Some(redirect),
                                ..Default::default()
                            };
                            self.json(StatusCode::OK, &payload, head)
                        }
                    }
                }
                Err(_) => LoaderError::internal(format!(
                    "redirect destination {:?} is not a valid URL",
                    redirect.destination
                )),
            },
            ErrorKind::Response(response) => return own_response(*response, head),
            kind => LoaderError {
                kind,
                location: error.location,
            },
        };
        if !error.is_not_found() {
            log_error(url, &error);
        }
        if let ErrorKind::Failed {
            retry_after,
            headers,
            ..
        } = &error.kind
        {
            if let Some(seconds) = retry_after {
                head.insert_header(http::header::RETRY_AFTER, HeaderValue::from(*seconds));
            }
            for (name, value) in headers.iter().flat_map(|h| h.iter()) {
                head.append_header(name.clone(), value.clone());
            }
        }
        let status = error.status();
        uncacheable_if_server_error(status, &head);
        if status == StatusCode::NOT_FOUND {
            return match format {
                Format::Document => {
                    let payload = self.payload_head(url, layout, |p| p.not_found = true);
                    let state = RenderState::new(index, PageState::NotFound, layout);
                    self.render_document(index, url, request, state, &payload, status, head)
                        .await
                }
                Format::Json => {
                    // The layout's data too: the 404 page shows the header.
                    let payload = PropsPayload {
                        not_found: true,
                        url: answer_url.map(str::to_owned),
                        layout: layout.and_then(|l| RawValue::from_string(l.to_owned()).ok()),
                        ..Default::default()
                    };
                    self.json(status, &payload, head)
                }
            };
        }
        // Development mode: the message for the error page, and for a
        // server error (not a 4xx the app chose) the overlay's facts.
        let detail = request.map(|_| error.to_string());
        let dev = request
            .filter(|_| status.is_server_error())
            .map(|request| DevError {
                message: detail.clone().unwrap_or_default(),
                location: error.location.as_ref().map(ToString::to_string),
                page: self.pattern_of(index),
                request: request.to_owned(),
            });
        let page_error = PageError {
            status: status.as_u16(),
            detail,
            dev,
        };
        let mut payload = PropsPayload {
            error: Some(reason(status).to_owned()),
            detail: page_error.detail.clone(),
            dev: page_error.dev.clone(),
            status: Some(status.as_u16()),
            url: answer_url.map(str::to_owned),
            ..Default::default()
        };
        match format {
            Format::Document => {
                let embedded = self.payload_head(url, layout, |p| {
                    p.error = payload.error.take();
                    p.detail = payload.detail.take();
                    p.dev = payload.dev.take();
                    p.status = payload.status;
                });
                let state = RenderState::new(index, PageState::Error(page_error), layout);
                self.render_document(index, url, request, state, &embedded, status, head)
                    .await
            }
            Format::Json => self.json(status, &payload, head),
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn render_document(
        &self,
        page: Option<usize>,
        url: &str,
        request: Option<&str>,
        state: RenderState,
        payload: &str,
        status: StatusCode,
        head: ResponseHead,
    ) -> Response {
        let renderer = &self.inner.renderer;
        let nonce = renderer.nonce();
        let nonce = nonce.as_ref();
        let started = std::time::Instant::now();
        let (status, html, leptos_options) = match renderer
            .render(url, state, payload, nonce)
            .instrument(tracing::info_span!("server_props.render"))
            .await
        {
            Ok((html, options)) => (status, html, Some(options)),
            Err(panic) => {
                let message = format!("rendering panicked: {}", panic.message);
                tracing::error!(path = url, "server_props: {message}");
                uncacheable_if_server_error(StatusCode::INTERNAL_SERVER_ERROR, &head);
                let dev = request.map(|request| DevError {
                    message,
                    location: panic.location,
                    page: self.pattern_of(page),
                    request: request.to_owned(),
                });
                let error = PageError {
                    status: 500,
                    detail: dev.as_ref().map(|dev| dev.message.clone()),
                    dev,
                };
                let payload = self.payload_head(url, None, |p| {
                    p.error = Some(reason(StatusCode::INTERNAL_SERVER_ERROR).to_owned());
                    p.detail.clone_from(&error.detail);
                    p.dev.clone_from(&error.dev);
                    p.status = Some(500);
                });
                // Once more with the error page in the page's place; a panic in
                // the layout itself would recur, so then a bare page.
                let state = RenderState::new(page, PageState::Error(error), None);
                let html = match renderer.render(url, state, &payload, nonce).await {
                    Ok((html, _)) => html,
                    Err(_) => Renderer::bare_error_page(500),
                };
                (StatusCode::INTERNAL_SERVER_ERROR, html, None)
            }
        };
        let mut response = Response::new(Body::from(html));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        *headers = head_headers(head);
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

    /// The path pattern of the page at `index`, for development mode.
    fn pattern_of(&self, index: Option<usize>) -> Option<String> {
        index.map(|i| self.inner.pages.entries[i].pattern.as_str().to_owned())
    }

    /// `{"build":…,"url":…,<extra>}` escaped for the script element.
    fn payload_head(
        &self,
        url: &str,
        layout: Option<&str>,
        extra: impl FnOnce(&mut PropsPayload),
    ) -> String {
        let mut payload = PropsPayload {
            build: Some(self.inner.build_id.clone()),
            url: Some(url.to_owned()),
            layout: layout.and_then(|l| RawValue::from_string(l.to_owned()).ok()),
            ..Default::default()
        };
        extra(&mut payload);
        let json = serde_json::to_string(&payload).expect("payload serialises");
        let mut out = String::with_capacity(json.len() + 16);
        escape_json_into(&json, &mut out);
        out
    }

    /// `{"build":…,"url":…,"props":<json>}` escaped for the script element,
    /// the props serialised straight into it; `"cacheControl"` and
    /// `"tags"` when the loader set them, so the browser can keep the props
    /// as it would a props answer.
    fn payload_with_props(
        &self,
        page: &PropsPage,
        url: &str,
        props: &dyn ErasedProps,
        layout: Option<&str>,
        cache_control: Option<&str>,
        tags: &[String],
    ) -> Result<String, LoaderError> {
        let build = &self.inner.build_id;
        let mut out = page.loader.json_buffer(url.len() + build.len() + 48);
        out.extend_from_slice(b"{\"build\":\"");
        out.extend_from_slice(build.as_bytes());
        out.extend_from_slice(b"\",\"url\":");
        let start = out.len();
        serde_json::to_writer(&mut out, url).map_err(LoaderError::from)?;
        out.extend_from_slice(b",\"props\":");
        let props_start = out.len();
        props.write_json(&mut out).map_err(LoaderError::from)?;
        page.loader.note_json_size(out.len() - props_start);
        if let Some(layout) = layout {
            out.extend_from_slice(b",\"layout\":");
            out.extend_from_slice(layout.as_bytes());
        }
        if let Some(cache_control) = cache_control {
            out.extend_from_slice(b",\"cacheControl\":");
            serde_json::to_writer(&mut out, cache_control).map_err(LoaderError::from)?;
        }
        if !tags.is_empty() {
            out.extend_from_slice(b",\"tags\":");
            serde_json::to_writer(&mut out, tags).map_err(LoaderError::from)?;
        }
        out.push(b'}');
        escape_json_tail(&mut out, start);
        Ok(String::from_utf8(out).expect("serde_json writes UTF-8"))
    }

    pub(crate) fn json(
        &self,
        status: StatusCode,
        payload: &PropsPayload,
        head: ResponseHead,
    ) -> Response {
        let body = serde_json::to_string(payload).expect("payload serialises");
        self.raw_json(status, body, head)
    }

    fn raw_json(
        &self,
        status: StatusCode,
        body: impl Into<Vec<u8>>,
        head: ResponseHead,
    ) -> Response {
        let body: Vec<u8> = body.into();
        let etag = (status == StatusCode::OK).then(|| etag_of(&body));
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        *headers = head_headers(head);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
        if let Some(etag) = etag {
            headers.insert(http::header::ETAG, etag);
        }
        headers
            .entry(CACHE_CONTROL)
            .or_insert(HeaderValue::from_static(DEFAULT_CACHE_CONTROL));
        if let Ok(v) = HeaderValue::from_str(&self.inner.build_id) {
            headers.insert(HeaderName::from_static(PROPS_HEADER), v);
        }
        response
    }
}

/// `{"props":<json>,"layout":<json>}` (with `"url"` first when the answer
/// names its page), serialised once into a buffer sized from the page's
/// last answer.
fn props_answer(
    page: &PropsPage,
    props: &dyn ErasedProps,
    layout: Option<&str>,
    url: Option<&str>,
) -> Result<Vec<u8>, LoaderError> {
    let extra = layout.map_or(0, str::len) + url.map_or(0, |u| u.len() + 10);
    let mut body = page.loader.json_buffer(16 + extra);
    body.push(b'{');
    if let Some(url) = url {
        body.extend_from_slice(b"\"url\":");
        serde_json::to_writer(&mut body, url).map_err(LoaderError::from)?;
        body.push(b',');
    }
    body.extend_from_slice(b"\"props\":");
    props.write_json(&mut body).map_err(LoaderError::from)?;
    if let Some(layout) = layout {
        body.extend_from_slice(b",\"layout\":");
        body.extend_from_slice(layout.as_bytes());
    }
    body.push(b'}');
    page.loader.note_json_size(body.len());
    Ok(body)
}

/// A server error must not be cached as the loader asked for its page: back
/// to the kit's `private, no-store` default.
fn uncacheable_if_server_error(status: StatusCode, head: &ResponseHead) {
    if status.is_server_error() {
        head.insert_header(
            CACHE_CONTROL,
            HeaderValue::from_static(DEFAULT_CACHE_CONTROL),
        );
    }
}

fn log_error(url: &str, error: &LoaderError) {
    if error.status().is_server_error() {
        tracing::error!(
            path = url,
            status = error.status().as_u16(),
            "loader failed: {error}"
        );
    } else {
        tracing::info!(
            path = url,
            status = error.status().as_u16(),
            "loader rejected the request: {error}"
        );
    }
}

fn reason(status: StatusCode) -> &'static str {
    status.canonical_reason().unwrap_or("Error")
}

fn head_headers(head: ResponseHead) -> HeaderMap {
    head.into_parts().1
}

/// A redirect document; `location` is the destination, already checked.
fn redirect_response(redirect: &Redirect, location: HeaderValue, head: ResponseHead) -> Response {
    let mut response = Response::new(Body::from(redirect.destination.clone()));
    *response.status_mut() =
        StatusCode::from_u16(redirect.status.code()).expect("redirect codes are valid");
    let headers = response.headers_mut();
    *headers = head_headers(head);
    if redirect.status == RedirectStatus::Permanent {
        if let Ok(v) = HeaderValue::from_str(&format!("0;url={}", redirect.destination)) {
            headers.insert(REFRESH, v);
        }
    }
    headers.insert(LOCATION, location);
    headers
        .entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static(DEFAULT_CACHE_CONTROL));
    response
}

/// A loader's own response, sent as is, plus the cookies and headers it set
/// through its response head (the response's own headers win).
fn own_response(mut response: Response, head: ResponseHead) -> Response {
    let headers = response.headers_mut();
    let own: Vec<HeaderName> = headers.keys().cloned().collect();
    let mut current: Option<HeaderName> = None;
    for (name, value) in head_headers(head) {
        if let Some(name) = name {
            current = Some(name);
        }
        let Some(name) = current.clone() else {
            continue;
        };
        if name == http::header::SET_COOKIE || !own.contains(&name) {
            headers.append(name, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redirect(r: &Redirect, head: ResponseHead) -> Response {
        redirect_response(r, HeaderValue::from_str(&r.destination).unwrap(), head)
    }

    #[test]
    fn redirects_map_to_status_location_and_refresh() {
        let r = redirect(&Redirect::permanent("/x"), ResponseHead::default());
        assert_eq!(r.status(), 308);
        assert_eq!(r.headers()[LOCATION], "/x");
        assert_eq!(r.headers()[REFRESH], "0;url=/x");
        let r = redirect(&Redirect::temporary("/y"), ResponseHead::default());
        assert_eq!(r.status(), 307);
        assert!(r.headers().get(REFRESH).is_none());
        assert_eq!(r.headers()[CACHE_CONTROL], DEFAULT_CACHE_CONTROL);
        for status in [
            RedirectStatus::MovedPermanently,
            RedirectStatus::Found,
            RedirectStatus::SeeOther,
        ] {
            let r = redirect(&Redirect::with_status(status, "/"), ResponseHead::default());
            assert_eq!(r.status().as_u16(), status.code());
        }
    }

    #[test]
    fn loader_cache_control_wins_over_the_default() {
        let head = ResponseHead::default();
        head.set_cache_control("public, max-age=3600").unwrap();
        let r = redirect(&Redirect::temporary("/"), head);
        assert_eq!(r.headers()[CACHE_CONTROL], "public, max-age=3600");
    }

    #[test]
    fn own_responses_keep_their_headers_and_gain_cookies() {
        let mut response = Response::new(Body::from("hi"));
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        let head = ResponseHead::default();
        head.insert_header(CONTENT_TYPE, HeaderValue::from_static("text/html"));
        head.set_cookie(&cookie::Cookie::new("a", "1")).unwrap();
        head.append_header(
            http::header::LINK,
            HeaderValue::from_static("</a>; rel=preload"),
        );
        head.append_header(
            http::header::LINK,
            HeaderValue::from_static("</b>; rel=preload"),
        );
        let r = own_response(response, head);
        assert_eq!(r.headers()[CONTENT_TYPE], "text/plain");
        assert_eq!(
            r.headers()[http::header::SET_COOKIE],
            "a=1; HttpOnly; SameSite=Lax; Path=/"
        );
        assert_eq!(r.headers().get_all(http::header::LINK).iter().count(), 2);
    }
}
