//! Props requests: one `fetch` per props URL in flight, shared by every
//! navigation that wants it and aborted when none does any more.
//!
//! A request belongs to the props cache's epoch it was sent in: after a
//! write or a session change (a new epoch), a navigation never joins one
//! sent before, whose answer is old news.
//!
//! This module talks to the server and keeps nothing of its own: the
//! caller hands it the table of requests in flight (the browser state's)
//! and the cache's epoch, and gets back, with the answer, what the answer
//! said about the answers the browser keeps (`Reply::invalidation`: the
//! tags a write changed, a changed session, a stale build), which the
//! navigator applies to the props cache. The cache knows nothing of
//! requests, nor this module of the cache.

use crate::bookkeeping::Flights;
use crate::freshness::{Answer, Freshness, Invalidation};
use crate::protocol::{
    PayloadBody, PropsPayload, INVALIDATE_HEADER, PROPS_HEADER, STREAMED_CONTENT_TYPE, TAGS_HEADER,
};
use crate::{deferred::LineBuffer, DeferredValues};
use futures::{
    future::{LocalBoxFuture, Shared},
    FutureExt,
};
use leptos::prelude::*;
use std::{
    cell::{Cell, RefCell},
    fmt,
    rc::Rc,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Why a props request gave no props answer. Each leads to one document
/// navigation; in a debug build it is logged first.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum FetchError {
    /// `fetch` failed: the network, or an aborted request.
    Network(String),
    /// The answer is not the kit's (no `x-server-props` header): a loader's
    /// own response, a proxy's error page.
    NotProps(u16),
    /// The body could not be read.
    Body(String),
    /// The body is not a props answer.
    Json(String),
    /// The answer is from another build: a deploy happened.
    StaleBuild,
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Network(e) => write!(f, "the request failed: {e}"),
            Self::NotProps(status) => write!(f, "the answer ({status}) is not props"),
            Self::Body(e) => write!(f, "the body could not be read: {e}"),
            Self::Json(e) => write!(f, "the body is not a props answer: {e}"),
            Self::StaleBuild => f.write_str("the server runs another build"),
        }
    }
}

impl FetchError {
    /// Logs the failure in a debug build (release builds stay quiet).
    pub(crate) fn log(&self, page_url: &str) {
        if cfg!(debug_assertions) {
            leptos::logging::warn!(
                "server_props: props of {page_url}: {self}; loading it as a document"
            );
        }
    }
}

/// A props answer with what its headers say about keeping it.
#[derive(Clone, Debug)]
pub(crate) struct Fetched {
    /// The answer (empty for a `304`).
    pub(crate) payload: PropsPayload,
    /// The status (`304`: the kept answer still holds).
    pub(crate) status: u16,
    /// How long the answer may be kept.
    pub(crate) freshness: Freshness,
    /// Its `ETag`.
    pub(crate) etag: Option<String>,
    /// The tags its loader gave it.
    pub(crate) tags: Vec<String>,
    /// The props cache's epoch when the request was sent: an answer from
    /// before a write or a session change is rendered, never kept.
    pub(crate) epoch: u64,
}

impl Fetched {
    pub(crate) fn not_modified(&self) -> bool {
        self.status == 304
    }

    /// The answer as the props cache is offered it (its `ETag` and tags
    /// move into it; the payload stays here).
    pub(crate) fn answer(&mut self) -> Answer<'_> {
        Answer {
            payload: &self.payload,
            freshness: &self.freshness,
            etag: self.etag.take(),
            tags: std::mem::take(&mut self.tags),
            sent_at: self.epoch,
        }
    }
}

/// What a props request brought back: the answer (or why there is none to
/// render), and what it said about the answers the browser keeps.
#[derive(Clone, Debug)]
pub(crate) struct Reply<T> {
    /// What the answer's headers (and a stale build) say the props cache
    /// must drop, for the navigator to apply before it keeps anything of
    /// the answer. Handed to one waiter of a shared request only, so it is
    /// applied once per answer; [`Invalidation::Nothing`] for the others,
    /// and when no answer of the kit's came.
    pub(crate) invalidation: Invalidation,
    /// The answer; `Err` means "not props": the caller falls back to a
    /// document navigation.
    pub(crate) result: Result<T, FetchError>,
}

impl<T> Reply<T> {
    /// No answer of the kit's: nothing to apply.
    fn failed(error: FetchError) -> Self {
        Self {
            invalidation: Invalidation::Nothing,
            result: Err(error),
        }
    }
}

type FetchFuture = LocalBoxFuture<'static, Reply<Fetched>>;

/// A request in flight, as each of its waiters holds it (what the browser
/// state's table of requests in flight keeps).
#[derive(Clone)]
pub(crate) struct Request {
    /// The reply, shared by every waiter.
    reply: Shared<FetchFuture>,
    /// Whether a waiter has taken the reply's invalidation already.
    invalidation_taken: Rc<Cell<bool>>,
}

/// Fetches the props answer at a props URL, joining a request already in
/// flight for it in the same epoch (a prefetch's, a navigation's), with
/// one more waiting for it in `flights`. With an `ETag`, the request is
/// conditional and may come back `304`.
///
/// `share: false` starts a request of its own (a refresh, a retry), which
/// nothing else joins.
pub(crate) async fn fetch_props(
    flights: &'static RefCell<Flights<Request>>,
    props_url: String,
    epoch: u64,
    etag: Option<String>,
    share: bool,
) -> Reply<Fetched> {
    let (request, key, id) = {
        let mut flights = flights.borrow_mut();
        let id = flights.number();
        // A request of its own waits under a key nothing else asks for.
        let key = if share {
            props_url.clone()
        } else {
            format!("{props_url}\n{id}")
        };
        let (request, id) = flights.join(&key, id, epoch, || Request {
            reply: fetch_once(props_url, etag, epoch).boxed_local().shared(),
            invalidation_taken: Rc::default(),
        });
        (request, key, id)
    };
    let _waiting = Waiting { flights, key, id };
    let mut reply = request.reply.await;
    if request.invalidation_taken.replace(true) {
        // Another waiter of this answer took it (and has applied it).
        reply.invalidation = Invalidation::Nothing;
    }
    reply
}

/// One navigation waiting for an in-flight request. When the last one stops
/// waiting (done, or superseded), the request is forgotten, which aborts it
/// if it is still running. That happens a moment later, so that a repeat of
/// the same navigation (a second click on one link) joins it instead of
/// starting a new request and a second loader run.
struct Waiting {
    flights: &'static RefCell<Flights<Request>>,
    key: String,
    id: u64,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let (flights, key, id) = (self.flights, std::mem::take(&mut self.key), self.id);
        let last = flights.borrow_mut().leave(&key, id);
        if last {
            set_timeout(
                move || {
                    let forgotten = flights.borrow_mut().forget_idle(&key, id);
                    // Dropped once the table is free again: the last handle
                    // on a request aborts it.
                    drop(forgotten);
                },
                std::time::Duration::ZERO,
            );
        }
    }
}

/// Aborts a `fetch` when dropped before it is disarmed.
struct AbortOnDrop(Option<web_sys::AbortController>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = self.0.take() {
            controller.abort();
        }
    }
}

fn js_text(value: &wasm_bindgen::JsValue) -> String {
    value
        .as_string()
        .or_else(|| {
            value
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{value:?}"))
}

/// Submits a form-encoded body to a page's action: one `POST` to the
/// page's props URL, never shared with another request and never repeated.
/// `Ok` holds the answer's status (a 422 is an invalid submission) and body.
pub(crate) async fn submit_props(props_url: String, body: String) -> Reply<(u16, PropsPayload)> {
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&body.into());
    let headers = match web_sys::Headers::new() {
        Ok(headers) => headers,
        Err(e) => return Reply::failed(FetchError::Network(js_text(&e))),
    };
    let _ = headers.set("content-type", "application/x-www-form-urlencoded");
    init.set_headers(&headers);
    let Reply {
        invalidation,
        result,
    } = request(props_url, init).await;
    Reply {
        invalidation,
        result: result.map(|fetched| (fetched.status, fetched.payload)),
    }
}

async fn fetch_once(url: String, etag: Option<String>, epoch: u64) -> Reply<Fetched> {
    let init = web_sys::RequestInit::new();
    if let Some(etag) = etag {
        let headers = match web_sys::Headers::new() {
            Ok(headers) => headers,
            Err(e) => return Reply::failed(FetchError::Network(js_text(&e))),
        };
        let _ = headers.set("if-none-match", &etag);
        init.set_headers(&headers);
    }
    let mut reply = request(url, init).await;
    if let Ok(fetched) = &mut reply.result {
        fetched.epoch = epoch;
    }
    reply
}

/// One props request. The browser's HTTP cache stays out of it (`no-store`
/// mode): the kit's own cache keeps answers, and a `304` reaches it.
async fn request(url: String, init: web_sys::RequestInit) -> Reply<Fetched> {
    init.set_cache(web_sys::RequestCache::NoStore);
    let controller = web_sys::AbortController::new().ok();
    let mut guard = AbortOnDrop(controller.clone());
    if let Some(controller) = &controller {
        init.set_signal(Some(&controller.signal()));
    }
    let response = match JsFuture::from(window().fetch_with_str_and_init(&url, &init)).await {
        Ok(response) => response,
        Err(e) => return Reply::failed(FetchError::Network(js_text(&e))),
    };
    let response: web_sys::Response = match response.dyn_into() {
        Ok(response) => response,
        Err(e) => return Reply::failed(FetchError::Network(js_text(&e))),
    };
    let has_marker = response
        .headers()
        .get(PROPS_HEADER)
        .ok()
        .flatten()
        .is_some();
    if !has_marker {
        // Not the kit's answer: its headers say nothing to the kit.
        return Reply::failed(FetchError::NotProps(response.status()));
    }
    let header = |name: &str| response.headers().get(name).ok().flatten();
    let list = |name: &str| -> Vec<String> { header_list(header(name)) };
    // What a write changed, for the navigator to drop from the props cache
    // (`*`: the session changed, everything goes); whatever else the answer
    // holds, even a body that cannot be read.
    let invalidation = Invalidation::from_header(list(INVALIDATE_HEADER));
    let answered = |result: Result<Fetched, FetchError>| Reply {
        invalidation: invalidation.clone(),
        result,
    };
    let mut freshness = Freshness::parse(header("cache-control").as_deref());
    // An answer a shared cache kept for a while is that much older.
    freshness.age_ms = header("age")
        .and_then(|a| a.trim().parse::<u64>().ok())
        .map_or(0.0, |a| a as f64 * 1000.0);
    let etag = header("etag");
    let tags = list(TAGS_HEADER);
    if response.status() == 304 {
        guard.0 = None;
        return answered(Ok(Fetched {
            payload: PropsPayload::new(PayloadBody::Nothing),
            status: 304,
            freshness,
            etag,
            tags,
            epoch: 0,
        }));
    }
    let streamed = header("content-type").is_some_and(|t| t.starts_with(STREAMED_CONTENT_TYPE));
    let payload: PropsPayload = if streamed {
        // The payload's line now; the deferred values' lines as they come.
        let Some(mut lines) = Lines::of(&response) else {
            return answered(Err(FetchError::Body("no body".to_owned())));
        };
        let first = match lines.next().await {
            Ok(Some(line)) => line,
            Ok(None) => return answered(Err(FetchError::Body("empty".to_owned()))),
            Err(e) => return answered(Err(e)),
        };
        let payload: PropsPayload = match serde_json::from_slice(&first) {
            Ok(payload) => payload,
            Err(e) => return answered(Err(FetchError::Json(e.to_string()))),
        };
        let abort = AbortOnDrop(guard.0.take());
        wasm_bindgen_futures::spawn_local(read_values(lines, payload.deferred.clone(), abort));
        payload
    } else {
        let text = match response.text() {
            Ok(text) => JsFuture::from(text).await,
            Err(e) => Err(e),
        };
        let text = match text {
            Ok(text) => text,
            Err(e) => return answered(Err(FetchError::Body(js_text(&e)))),
        };
        guard.0 = None;
        match serde_json::from_str(&text.as_string().unwrap_or_default()) {
            Ok(payload) => payload,
            Err(e) => return answered(Err(FetchError::Json(e.to_string()))),
        }
    };
    if matches!(payload.body, PayloadBody::StaleBuild) {
        // Everything kept is another build's.
        return Reply {
            invalidation: Invalidation::Everything,
            result: Err(FetchError::StaleBuild),
        };
    }
    answered(Ok(Fetched {
        payload,
        status: response.status(),
        freshness,
        etag,
        tags,
        epoch: 0,
    }))
}

/// The values of a comma-separated header (`x-server-props-tags: a, b`),
/// as the browser joins repeated headers into one.
pub(crate) fn header_list(value: Option<String>) -> Vec<String> {
    value
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The lines of a streamed props answer (`application/x-ndjson`), read as
/// they arrive.
struct Lines {
    reader: web_sys::ReadableStreamDefaultReader,
    buffer: LineBuffer,
    done: bool,
}

impl Lines {
    fn of(response: &web_sys::Response) -> Option<Self> {
        let reader = response.body()?.get_reader();
        Some(Self {
            reader: reader.unchecked_into(),
            buffer: LineBuffer::default(),
            done: false,
        })
    }

    /// The next line, without its line break; `None` at the end (a last
    /// line without a break included).
    async fn next(&mut self) -> Result<Option<Vec<u8>>, FetchError> {
        loop {
            if let Some(line) = self.buffer.line() {
                return Ok(Some(line));
            }
            if self.done {
                return Ok(self.buffer.rest());
            }
            let chunk = JsFuture::from(self.reader.read())
                .await
                .map_err(|e| FetchError::Body(js_text(&e)))?;
            let done = js_sys::Reflect::get(&chunk, &"done".into())
                .ok()
                .and_then(|d| d.as_bool())
                .unwrap_or(true);
            if done {
                self.done = true;
                continue;
            }
            if let Ok(value) = js_sys::Reflect::get(&chunk, &"value".into()) {
                self.buffer.push(&js_sys::Uint8Array::new(&value).to_vec());
            }
        }
    }
}

/// One deferred value's line: `{"deferred":N,"value":{"ok":…}}`.
#[derive(serde::Deserialize)]
struct ValueLine {
    deferred: u32,
    value: Box<serde_json::value::RawValue>,
}

/// Reads the value lines after a streamed answer's payload into `values`
/// (what the page's `Deferred`s show), however long they take; a value the
/// answer ends without is an error in its place.
async fn read_values(mut lines: Lines, values: DeferredValues, _abort: AbortOnDrop) {
    loop {
        match lines.next().await {
            Ok(Some(line)) if line.is_empty() => {}
            Ok(Some(line)) => match serde_json::from_slice::<ValueLine>(&line) {
                Ok(ValueLine { deferred, value }) => values.arrive(deferred, value),
                Err(e) => {
                    leptos::logging::error!("server_props: a deferred value's line: {e}");
                }
            },
            Ok(None) => break,
            Err(e) => {
                leptos::logging::warn!("server_props: a streamed answer stopped: {e}");
                break;
            }
        }
    }
    if !values.is_complete() {
        values.cut_off("The answer ended before this part arrived.");
    }
}
