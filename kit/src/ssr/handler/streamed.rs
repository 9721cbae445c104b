//! Answers with deferred values, sent as they become ready on one response.
//!
//! **A document** is sent in order, so that it works without JavaScript:
//! the page is rendered with the values that have arrived, and everything up
//! to the first [`Deferred::show`](crate::Deferred::show) marker
//! (`<template data-deferred="N">`) whose value has not is sent at once (the
//! page's heading, its fast props). When that value arrives, the page is
//! rendered again, from the same props JSON, with it, and the next stretch
//! is sent; the part before is the same in every render, as the same props
//! render the same HTML. The last stretch carries the outcomes in one
//! script element before `</body>` (`__SERVER_PROPS_DEFERRED__`), which
//! hydration reads: it makes no request. A render takes a fraction of a
//! millisecond, so rendering once per value costs less than keeping a
//! render's reactive state alive across awaits.
//!
//! **A props answer** is `application/x-ndjson`: the payload's line, then
//! one line per value as it finishes, `{"deferred":N,"value":{"ok":…}}`, in
//! whatever order they finish.
//!
//! Both end with a `Server-Timing` trailer (`deferred;dur=…`), which a
//! client that sent `TE: trailers` receives.

use super::decision::SERVER_TIMING;
use crate::deferred::DeferredValues;
use crate::navigation::ActionJson;
use crate::protocol::DEFERRED_SCRIPT_ID;
use crate::ssr::{
    render::{PageState, RenderState},
    response::deferred::Resolving,
    server::builder::ServerProps,
};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue};
use http_body::Frame;
use leptos::nonce::Nonce;
use std::{collections::BTreeSet, convert::Infallible};

/// A streamed answer's body.
pub(crate) fn body(
    frames: impl futures::Stream<Item = Frame<Bytes>> + Send + 'static,
) -> axum::body::Body {
    use futures::StreamExt;
    axum::body::Body::new(http_body_util::StreamBody::new(
        frames.map(Ok::<_, Infallible>),
    ))
}

/// The `Server-Timing` trailer of a streamed answer.
fn timing_trailer(server: &ServerProps, resolving: &Resolving) -> Option<Frame<Bytes>> {
    if !server.inner.server_timing {
        return None;
    }
    let mut value = String::new();
    super::decision::push_metric(&mut value, "deferred", resolving.elapsed());
    let value = HeaderValue::from_str(&value).ok()?;
    let mut trailers = HeaderMap::new();
    trailers.insert(SERVER_TIMING, value);
    Some(Frame::trailers(trailers))
}

/// The lines of a props answer after its payload's line.
pub(crate) fn props_lines(
    server: ServerProps,
    first: Vec<u8>,
    resolving: Resolving,
) -> impl futures::Stream<Item = Frame<Bytes>> + Send + 'static {
    enum Phase {
        First(Vec<u8>),
        Values,
        Done,
    }
    futures::stream::unfold(
        (Phase::First(first), server, resolving),
        |(phase, server, mut resolving)| async move {
            match phase {
                Phase::First(mut line) => {
                    line.push(b'\n');
                    Some((
                        Frame::data(Bytes::from(line)),
                        (Phase::Values, server, resolving),
                    ))
                }
                Phase::Values => match resolving.next().await {
                    Some((index, outcome)) => {
                        let mut line = Vec::with_capacity(outcome.get().len() + 32);
                        line.extend_from_slice(b"{\"deferred\":");
                        line.extend_from_slice(index.to_string().as_bytes());
                        line.extend_from_slice(b",\"value\":");
                        line.extend_from_slice(outcome.get().as_bytes());
                        line.extend_from_slice(b"}\n");
                        Some((
                            Frame::data(Bytes::from(line)),
                            (Phase::Values, server, resolving),
                        ))
                    }
                    None => {
                        let trailer = timing_trailer(&server, &resolving)?;
                        Some((trailer, (Phase::Done, server, resolving)))
                    }
                },
                Phase::Done => None,
            }
        },
    )
}

/// What a streamed document renders from, again for each value.
pub(crate) struct DocumentParts {
    pub(crate) page: Option<usize>,
    pub(crate) url: String,
    pub(crate) nonce: Option<Nonce>,
    pub(crate) layout: Option<String>,
    pub(crate) nested: Vec<(&'static str, String)>,
    pub(crate) action: Option<ActionJson>,
    /// The embedded payload, escaped.
    pub(crate) payload: String,
    /// The page's props, as JSON (their deferred fields as placeholders).
    pub(crate) props: String,
    /// What the app's element is for.
    pub(crate) root: crate::root::RootMode,
    /// The page's chunk in a split browser build: every render of the
    /// document preloads it, as the first did.
    pub(crate) chunk: Option<&'static str>,
}

/// A document being sent: the last good render, and how much of it is sent.
struct Document {
    server: ServerProps,
    parts: DocumentParts,
    values: DeferredValues,
    resolving: Resolving,
    /// The last render whose start is what was sent.
    html: String,
    /// The outcomes it was rendered with, by index, as JSON.
    html_values: String,
    /// Which values it was rendered with.
    rendered_with: BTreeSet<u32>,
    sent: usize,
    /// The value the next stretch waits for, if it is on the page.
    waiting_for: Option<u32>,
    phase: Phase,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Sending,
    /// The document is sent; the trailer is next.
    Sent,
    Done,
}

/// The opening of the marker [`Deferred::show`](crate::Deferred::show) renders.
const MARKER: &str = "<template data-deferred=\"";
/// Its end.
const MARKER_END: &str = "\"></template>";

impl DocumentParts {
    /// The state of one render of these parts.
    pub(crate) fn render_state(&self, values: &DeferredValues) -> RenderState {
        let around = crate::ssr::render::Around {
            root: self.root,
            deferred: Some(values.clone()),
            chunk: self.chunk,
        };
        RenderState::new(
            self.page,
            PageState::Json(self.props.clone()),
            (self.layout.as_deref(), &self.nested),
            self.action.clone(),
            around,
        )
    }
}

/// Announces the `Server-Timing` trailer of a streamed answer in its
/// headers (HTTP/1.1 sends a trailer only when `Trailer` names it).
pub(crate) fn announce_trailer(server: &ServerProps, headers: &mut HeaderMap) {
    if server.inner.server_timing {
        headers.insert(
            http::header::TRAILER,
            HeaderValue::from_static("server-timing"),
        );
    }
}

/// The document's stretches: `first` (the first render) up to the first
/// value not there yet, then the rest as the values arrive.
pub(crate) fn document_stretches(
    server: ServerProps,
    parts: DocumentParts,
    values: DeferredValues,
    resolving: Resolving,
    first: String,
) -> impl futures::Stream<Item = Frame<Bytes>> + Send + 'static {
    let mut document = Document {
        html_values: values.to_json(),
        rendered_with: values.arrived(),
        server,
        parts,
        values,
        resolving,
        html: first,
        sent: 0,
        waiting_for: None,
        phase: Phase::Sending,
    };
    let first = document.stretch();
    futures::stream::once(std::future::ready(Frame::data(first))).chain(futures::stream::unfold(
        document,
        |mut document| async move {
            let frame = document.next_frame().await?;
            Some((frame, document))
        },
    ))
}

/// Where the next stretch of `html` ends, `sent` bytes of it being sent:
/// after the first marker whose value has not arrived (and which value
/// that is); with none, just before `</body>` (what follows waits for the
/// values' script); never before `sent`.
fn next_split(html: &str, sent: usize, arrived: impl Fn(u32) -> bool) -> (usize, Option<u32>) {
    let mut from = 0;
    while let Some(at) = html[from..].find(MARKER) {
        let start = from + at + MARKER.len();
        let Some(close) = html[start..].find(MARKER_END) else {
            break;
        };
        let end = start + close + MARKER_END.len();
        from = end;
        match html[start..start + close].parse::<u32>() {
            Ok(index) if !arrived(index) => return (end.max(sent), Some(index)),
            _ => {}
        }
    }
    let body_end = html.rfind("</body>").unwrap_or(sent);
    (body_end.max(sent), None)
}

use futures::StreamExt as _;

impl Document {
    /// The next stretch of the last good render that can be sent.
    fn stretch(&mut self) -> Bytes {
        let values = &self.values;
        let (end, waiting_for) = next_split(&self.html, self.sent, |index| {
            values.outcome(index).is_some()
        });
        self.waiting_for = waiting_for;
        let stretch = Bytes::copy_from_slice(&self.html.as_bytes()[self.sent..end]);
        self.sent = end;
        stretch
    }

    async fn next_frame(&mut self) -> Option<Frame<Bytes>> {
        match self.phase {
            Phase::Done => return None,
            Phase::Sent => {
                self.phase = Phase::Done;
                return timing_trailer(&self.server, &self.resolving);
            }
            Phase::Sending => {}
        }
        while let Some((index, outcome)) = self.resolving.next().await {
            self.values.arrive(index, outcome);
            if self.values.is_complete() {
                break;
            }
            if self.waiting_for != Some(index) {
                // Further down the page, or not on it: sent in its turn.
                continue;
            }
            if !self.render().await {
                return Some(self.finish());
            }
            let stretch = self.stretch();
            if !stretch.is_empty() {
                return Some(Frame::data(stretch));
            }
        }
        // Every value is there: the last render, then its outcomes for
        // hydration, then the timing trailer.
        if self.rendered_with.len() < self.values.arrived().len() {
            // A render that fails ends the document as the last good one.
            let _rendered = self.render().await;
        }
        Some(self.finish())
    }

    /// Renders the page again with the values that have arrived, keeping
    /// the render only if what was sent is its start. A render that panics
    /// is tried once more with the values that arrived since the last good
    /// one as failures (their view is what panicked). `false` when no new
    /// render could be kept (logged).
    async fn render(&mut self) -> bool {
        match self.try_render().await {
            Ok(()) => return true,
            Err(Failed::Differs) => return false,
            Err(Failed::Panicked) => {}
        }
        for index in self.values.arrived() {
            if !self.rendered_with.contains(&index) {
                self.values.fail(index, "Internal Server Error");
            }
        }
        self.try_render().await.is_ok()
    }

    async fn try_render(&mut self) -> Result<(), Failed> {
        let state = self.parts.render_state(&self.values);
        let rendered = self
            .server
            .inner
            .renderer
            .render(
                &self.parts.url,
                state,
                &self.parts.payload,
                self.parts.nonce.as_ref(),
            )
            .await;
        match rendered {
            Ok((html, _))
                if html.as_bytes().get(..self.sent) == Some(&self.html.as_bytes()[..self.sent]) =>
            {
                self.html = html;
                self.html_values = self.values.to_json();
                self.rendered_with = self.values.arrived();
                Ok(())
            }
            Ok(_) => {
                tracing::error!(
                    path = self.parts.url,
                    "server_props: once a deferred value arrived, the page rendered differently \
                     before its place (only a Deferred's own views may change with it; no \
                     <Title> or <Meta> in them): the document ends as it was"
                );
                Err(Failed::Differs)
            }
            Err(panic) => {
                tracing::error!(
                    path = self.parts.url,
                    "server_props: rendering with a deferred value panicked: {}",
                    panic.message
                );
                Err(Failed::Panicked)
            }
        }
    }

    /// The rest of the last good render, with the outcomes it was rendered
    /// with for hydration (so that the browser renders what the HTML shows).
    fn finish(&mut self) -> Frame<Bytes> {
        self.phase = Phase::Sent;
        let script = values_script(&self.html_values);
        let at = self
            .html
            .rfind("</body>")
            .filter(|&b| b >= self.sent)
            .unwrap_or(self.html.len());
        self.html.insert_str(at, &script);
        let rest = Bytes::copy_from_slice(&self.html.as_bytes()[self.sent..]);
        self.sent = self.html.len();
        Frame::data(rest)
    }
}

/// Why a render was not kept.
enum Failed {
    Panicked,
    Differs,
}

/// Outcomes (JSON by index) as the script element hydration reads.
fn values_script(json: &str) -> String {
    let mut json = json.as_bytes().to_vec();
    crate::escape::escape_json_tail(&mut json, 0);
    let json = String::from_utf8(json).expect("escaping keeps UTF-8");
    format!("<script id=\"{DEFERRED_SCRIPT_ID}\" type=\"application/json\">{json}</script>")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marker(n: u32) -> String {
        format!("<template data-deferred=\"{n}\"></template>")
    }

    #[test]
    fn a_stretch_ends_after_the_first_marker_whose_value_is_missing() {
        let html = format!(
            "<html><body><h1>Feed</h1>{}a{}b{}c</body></html>",
            marker(1),
            marker(0),
            marker(1)
        );
        let after = |n: u32, nth: usize| {
            let m = marker(n);
            let mut at = 0;
            for _ in 0..nth {
                at = html[at..].find(&m).unwrap() + at + m.len();
            }
            at
        };
        // Nothing arrived: up to the first marker, whichever value it is.
        assert_eq!(next_split(&html, 0, |_| false), (after(1, 1), Some(1)));
        // Value 1 arrived (shown twice): on to value 0's marker.
        assert_eq!(
            next_split(&html, after(1, 1), |n| n == 1),
            (after(0, 1), Some(0))
        );
        // Value 0 arrived but not 1 (out of order): still waiting at 1.
        assert_eq!(next_split(&html, 0, |n| n == 0), (after(1, 1), Some(1)));
        // All on the page arrived: up to </body>, the values' script next.
        let body_end = html.find("</body>").unwrap();
        assert_eq!(next_split(&html, after(0, 1), |_| true), (body_end, None));
        // Never before what was sent.
        assert_eq!(next_split(&html, body_end + 3, |_| true).0, body_end + 3);
    }

    #[test]
    fn a_page_without_markers_is_sent_up_to_the_values_script() {
        let html = "<html><body><p>no place for it</p><script>x</script></body></html>";
        assert_eq!(
            next_split(html, 0, |_| false),
            (html.find("</body>").unwrap(), None)
        );
        // A marker-like text is escaped, so never matched; a broken one is skipped.
        let broken = "<body><template data-deferred=\"x\"></template></body>";
        assert_eq!(next_split(broken, 0, |_| false).1, None);
    }

    #[test]
    fn the_values_script_is_escaped_like_the_embedded_props() {
        let script = values_script(r#"{"0":{"ok":"</script><b>"}}"#);
        assert!(!script.contains("</script><b>"), "{script}");
        assert!(script.starts_with("<script id=\"__SERVER_PROPS_DEFERRED__\""));
    }
}
