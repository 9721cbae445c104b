//! The props-answer writer: a [`Decision`] as the JSON a client navigation
//! or a `<Form>` submission receives (`protocol::PropsPayload`'s shapes).
//!
//! One walk over the outcomes, as the document writer's: props (`null` for
//! a page without a loader, whose layout data still counts), a submission
//! that could not be followed in this request (a redirect for the browser),
//! and an early exit as [`shown`](ServerProps::shown) says. A props answer
//! is a `200` with an `ETag` when it is one, carries the build id in its
//! [`PROPS_HEADER`], and is `private, no-store` unless the loader said
//! otherwise.

use super::{
    decision::{Decision, LayoutsShown, Outcome},
    respond::{head_headers, own_response, Shown},
    streamed, Format,
};
use crate::protocol::{
    DEFAULT_CACHE_CONTROL, JSON_CONTENT_TYPE, PROPS_HEADER, STREAMED_CONTENT_TYPE,
};
use crate::ssr::{
    loader::{error::LoaderError, ErasedLoader},
    response::deferred::{collect, Resolving},
    response::{
        etag::etag_of,
        head::ResponseHead,
        payload::{Payload, Said},
    },
    server::builder::ServerProps,
};
use axum::{body::Body, response::Response};
use http::{
    header::{CACHE_CONTROL, CONTENT_TYPE},
    HeaderName, HeaderValue, StatusCode,
};

impl ServerProps {
    /// Writes a decision as a props answer.
    pub(crate) fn write_json(&self, decision: Decision) -> Response {
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
            led_to,
            ..
        } = decision;
        let url = url.as_str();
        let layout = layout.as_deref();
        let shown = LayoutsShown {
            app: layout,
            nested: nested.as_slice(),
            reuse: reuse.as_slice(),
        };
        let led_to = led_to.as_deref();
        // A props answer names its page only when it is another than the
        // one asked for.
        fn answer<'a>(
            url: Option<&'a str>,
            shown: LayoutsShown<'a>,
            said: Said<'a>,
        ) -> Payload<'a> {
            Payload {
                build: None,
                url,
                layout: shown.app,
                layouts: shown.nested,
                reuse: shown.reuse,
                said,
            }
        }
        let error: LoaderError = match outcome {
            Outcome::Static => {
                let said = Said::Props {
                    props: &(),
                    cache_control: None,
                    tags: &[],
                    action_data: None,
                };
                return self.json(StatusCode::OK, &answer(led_to, shown, said), head);
            }
            Outcome::Props(props) => {
                let status = head.status().unwrap_or(StatusCode::OK);
                let said = Said::Props {
                    props: props.as_ref(),
                    cache_control: None,
                    tags: &[],
                    action_data: action_data.as_deref(),
                };
                let (body, pending) =
                    collect(|| json_body(&answer(led_to, shown, said), self.loader_of(page)));
                match body {
                    Ok(body) if pending.is_empty() => {
                        return self.json_response(status, body, head)
                    }
                    // Deferred values: one line each after the payload's.
                    Ok(first) => {
                        let resolving = Resolving::new(self, pending, self.inner.dev);
                        let lines = streamed::props_lines(self.clone(), first, resolving);
                        let body = streamed::body(lines);
                        let streamed = STREAMED_CONTENT_TYPE;
                        let mut response = self.props_response(status, body, streamed, None, head);
                        streamed::announce_trailer(self, response.headers_mut());
                        return response;
                    }
                    Err(e) => e.into(),
                }
            }
            Outcome::Follow(_) => {
                unreachable!("a props answer follows a submission before it is written")
            }
            Outcome::Exit(error) => error,
        };
        let request = self.dev_request(&method, url, Format::Json);
        match self.shown(page, url, request.as_deref(), error, &head) {
            Shown::Redirect(redirect, _) => {
                let payload = Payload {
                    build: None,
                    url: None,
                    layout: None,
                    layouts: &[],
                    reuse: &[],
                    said: Said::Redirect(&redirect),
                };
                self.json(StatusCode::OK, &payload, head)
            }
            Shown::Own(response) => own_response(*response, head),
            // The layout's data too: the 404 page shows the header.
            Shown::NotFound => self.json(
                StatusCode::NOT_FOUND,
                &answer(led_to, shown, Said::NotFound),
                head,
            ),
            Shown::Error(status, error) => {
                let payload = Payload {
                    layout: None,
                    ..answer(led_to, shown, Said::Error(&error))
                };
                self.json(status, &payload, head)
            }
        }
    }

    /// A props answer with `payload` for its body, whose props (if any)
    /// cannot fail to serialise.
    pub(crate) fn json(
        &self,
        status: StatusCode,
        payload: &Payload<'_>,
        head: ResponseHead,
    ) -> Response {
        let body = json_body(payload, None).expect("a payload without props serialises");
        self.json_response(status, body, head)
    }

    /// A props answer with `body`.
    fn json_response(&self, status: StatusCode, body: Vec<u8>, head: ResponseHead) -> Response {
        let etag = (status == StatusCode::OK).then(|| etag_of(&body));
        self.props_response(status, Body::from(body), JSON_CONTENT_TYPE, etag, head)
    }

    /// A props answer: `body` of `content_type`, with the headers every
    /// props answer has.
    fn props_response(
        &self,
        status: StatusCode,
        body: Body,
        content_type: &'static str,
        etag: Option<HeaderValue>,
        head: ResponseHead,
    ) -> Response {
        let mut response = Response::new(body);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        *headers = head_headers(head);
        // Room for the writer's headers and the middleware's (security,
        // compression, `Server-Timing`): one allocation, not a map grown twice.
        headers.reserve(10);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Some(etag) = etag {
            headers.insert(http::header::ETAG, etag);
        }
        headers
            .entry(CACHE_CONTROL)
            .or_insert(HeaderValue::from_static(DEFAULT_CACHE_CONTROL));
        if let Some(build) = &self.inner.build_header {
            headers.insert(HeaderName::from_static(PROPS_HEADER), build.clone());
        }
        response
    }
}

/// A payload's JSON, in a buffer sized from the page's last answer.
fn json_body(
    payload: &Payload<'_>,
    sizing: Option<&ErasedLoader>,
) -> Result<Vec<u8>, serde_json::Error> {
    let mut body = match sizing {
        Some(loader) => loader.json_buffer(16),
        None => {
            let extra = payload.layout.map_or(0, str::len) + payload.url.map_or(0, str::len);
            Vec::with_capacity(32 + extra)
        }
    };
    payload.write(&mut body)?;
    if let Some(loader) = sizing {
        loader.note_json_size(body.len());
    }
    Ok(body)
}
