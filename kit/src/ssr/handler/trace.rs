//! The span of one document or props request, and what the handler
//! records on it (the page, the outcome, the status and size).

use super::Format;
use axum::{extract::Request, response::Response};
use futures::FutureExt;
use std::future::Future;
use tracing::Instrument;

/// The span of one document or props request (`server_props.request`): its
/// method, path and format at the start, then the page that served it, what
/// its loaders decided (`outcome`), and the answer's status and body size.
/// Loaders, actions and the render run in child spans
/// (`server_props.run`, `server_props.render`). `otel.name` is
/// `GET /blog/:slug`, as OpenTelemetry names an HTTP server span, so a
/// `tracing-opentelemetry` layer exports it as it is. Disabled spans (no
/// subscriber, or one filtering out `INFO`) cost a check each.
pub(crate) fn request_span(request: &Request, format: Format) -> tracing::Span {
    use tracing::field::Empty;
    tracing::info_span!(
        "server_props.request",
        otel.name = Empty,
        method = %request.method(),
        path = %request.uri().path(),
        format = match format {
            Format::Document => "document",
            Format::Json => "props",
        },
        page = Empty,
        outcome = Empty,
        status = Empty,
        bytes = Empty,
    )
}

/// Runs a request's handling in its span, then records the answer's status
/// and body size there.
///
/// A combinator rather than an `async fn`: an `async fn` keeps the future
/// it is given in its first state and the instrumented one in the next,
/// side by side, which doubled the size of every request's future (and of
/// each move of it into a box).
pub(crate) fn traced(
    span: tracing::Span,
    answer: impl Future<Output = Response>,
) -> impl Future<Output = Response> {
    answer.instrument(span.clone()).map(move |response| {
        if !span.is_disabled() {
            span.record("status", response.status().as_u16());
            if let Some(bytes) = axum::body::HttpBody::size_hint(response.body()).exact() {
                span.record("bytes", bytes);
            }
        }
        response
    })
}

/// Records the page that serves the request on its span.
pub(crate) fn record_page(method: &http::Method, pattern: &crate::path::RoutePattern) {
    let span = tracing::Span::current();
    if span.is_disabled() {
        return;
    }
    span.record("page", pattern.as_str());
    let name = format!("{method} {}", pattern.as_str());
    span.record("otel.name", name.as_str());
}

/// Records what a request's loaders decided on its span: `static`,
/// `props`, `not_found`, `redirect`, `response` or `error`.
pub(crate) fn record_outcome(outcome: &'static str) {
    tracing::Span::current().record("outcome", outcome);
}
