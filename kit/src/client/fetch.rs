//! Props requests: one `fetch` per props URL in flight, shared by every
//! navigation that wants it and aborted when none does any more.
//!
//! A request belongs to the props cache's epoch it was sent in: after a
//! write or a session change (a new epoch), a navigation never joins one
//! sent before, whose answer is old news. The cache knows nothing of
//! requests; this module reads its epoch.

use super::{build_id, props_cache};
use crate::freshness::{Answer, Freshness};
use crate::protocol::{self, PropsPayload, INVALIDATE_HEADER, PROPS_HEADER, TAGS_HEADER};
use futures::{
    future::{LocalBoxFuture, Shared},
    FutureExt,
};
use leptos::prelude::*;
use std::{cell::RefCell, collections::HashMap, fmt};
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

type FetchFuture = LocalBoxFuture<'static, Result<Fetched, FetchError>>;
type PropsFetch = Shared<FetchFuture>;

thread_local! {
    /// Props requests in flight, by props URL, with how many navigations wait for each.
    static IN_FLIGHT: RefCell<HashMap<String, Flight>> = RefCell::new(HashMap::new());
    /// Numbers flights, so a waiter only ever counts down its own.
    static FLIGHTS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// A request in flight: the shared answer, how many wait for it, its
/// number, and the props cache's epoch it was sent in.
struct Flight {
    fetch: PropsFetch,
    waiting: usize,
    id: u64,
    epoch: u64,
}

/// Fetches the props answer for a page URL, sharing a request already in
/// flight for the same URL (a prefetch's, a navigation's). `Err` means "not
/// props": the caller falls back to a document navigation. With an `ETag`,
/// the request is conditional and may come back `304`.
///
/// `share: false` starts a request of its own (a refresh, a retry), which
/// nothing else joins.
pub(crate) async fn fetch_props(
    page_url: &str,
    etag: Option<String>,
    share: bool,
) -> Result<Fetched, FetchError> {
    let url = protocol::props_url(&build_id(), page_url);
    let id = FLIGHTS.with(|f| {
        f.set(f.get() + 1);
        f.get()
    });
    // A request of its own waits under a key nothing else asks for.
    let key = if share {
        url.clone()
    } else {
        format!("{url}\n{id}")
    };
    let epoch = props_cache::epoch();
    let fetch = IN_FLIGHT.with(|in_flight| {
        let mut in_flight = in_flight.borrow_mut();
        // Sent before a write or a session change: later navigations ask
        // again. Those waiting for it still get its answer (never kept).
        if in_flight.get(&key).is_some_and(|f| f.epoch != epoch) {
            in_flight.remove(&key);
        }
        let entry = in_flight.entry(key.clone()).or_insert_with(|| Flight {
            fetch: fetch_once(url, etag, epoch).boxed_local().shared(),
            waiting: 0,
            id,
            epoch,
        });
        entry.waiting += 1;
        (entry.fetch.clone(), entry.id)
    });
    let _waiting = Waiting(key, fetch.1);
    fetch.0.await
}

/// One navigation waiting for an in-flight request. When the last one stops
/// waiting (done, or superseded), the request is forgotten, which aborts it
/// if it is still running. That happens a moment later, so that a repeat of
/// the same navigation (a second click on one link) joins it instead of
/// starting a new request and a second loader run.
struct Waiting(String, u64);

impl Drop for Waiting {
    fn drop(&mut self) {
        let (url, id) = (std::mem::take(&mut self.0), self.1);
        let last = IN_FLIGHT.with(|in_flight| {
            let mut in_flight = in_flight.borrow_mut();
            in_flight
                .get_mut(&url)
                .filter(|entry| entry.id == id)
                .is_some_and(|entry| {
                    entry.waiting -= 1;
                    entry.waiting == 0
                })
        });
        if last {
            set_timeout(
                move || {
                    IN_FLIGHT.with(|in_flight| {
                        let mut in_flight = in_flight.borrow_mut();
                        let idle = in_flight
                            .get(&url)
                            .is_some_and(|entry| entry.id == id && entry.waiting == 0);
                        if idle {
                            in_flight.remove(&url);
                        }
                    })
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
pub(crate) async fn submit_props(
    page_url: &str,
    body: String,
) -> Result<(u16, PropsPayload), FetchError> {
    let url = protocol::props_url(&build_id(), page_url);
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&body.into());
    let headers = web_sys::Headers::new().map_err(|e| FetchError::Network(js_text(&e)))?;
    let _ = headers.set("content-type", "application/x-www-form-urlencoded");
    init.set_headers(&headers);
    request(url, init)
        .await
        .map(|fetched| (fetched.status, fetched.payload))
}

async fn fetch_once(url: String, etag: Option<String>, epoch: u64) -> Result<Fetched, FetchError> {
    let init = web_sys::RequestInit::new();
    if let Some(etag) = etag {
        let headers = web_sys::Headers::new().map_err(|e| FetchError::Network(js_text(&e)))?;
        let _ = headers.set("if-none-match", &etag);
        init.set_headers(&headers);
    }
    let mut fetched = request(url, init).await?;
    fetched.epoch = epoch;
    Ok(fetched)
}

/// One props request. The browser's HTTP cache stays out of it (`no-store`
/// mode): the kit's own cache keeps answers, and a `304` reaches it.
async fn request(url: String, init: web_sys::RequestInit) -> Result<Fetched, FetchError> {
    init.set_cache(web_sys::RequestCache::NoStore);
    let controller = web_sys::AbortController::new().ok();
    let mut guard = AbortOnDrop(controller.clone());
    if let Some(controller) = &controller {
        init.set_signal(Some(&controller.signal()));
    }
    let response = JsFuture::from(window().fetch_with_str_and_init(&url, &init))
        .await
        .map_err(|e| FetchError::Network(js_text(&e)))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|e| FetchError::Network(js_text(&e)))?;
    let has_marker = response
        .headers()
        .get(PROPS_HEADER)
        .ok()
        .flatten()
        .is_some();
    if !has_marker {
        return Err(FetchError::NotProps(response.status()));
    }
    let header = |name: &str| response.headers().get(name).ok().flatten();
    let list = |name: &str| -> Vec<String> {
        header(name)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    // What a write changed leaves the browser's cache at once (`*`: the
    // session changed, everything goes).
    let invalidated = list(INVALIDATE_HEADER);
    if invalidated.iter().any(|t| t == "*") {
        props_cache::clear();
    } else {
        props_cache::invalidate(invalidated.iter().map(String::as_str));
    }
    let mut freshness = Freshness::parse(header("cache-control").as_deref());
    // An answer a shared cache kept for a while is that much older.
    freshness.age_ms = header("age")
        .and_then(|a| a.trim().parse::<u64>().ok())
        .map_or(0.0, |a| a as f64 * 1000.0);
    let etag = header("etag");
    let tags = list(TAGS_HEADER);
    if response.status() == 304 {
        guard.0 = None;
        return Ok(Fetched {
            payload: PropsPayload::default(),
            status: 304,
            freshness,
            etag,
            tags,
            epoch: 0,
        });
    }
    let text = response.text().map_err(|e| FetchError::Body(js_text(&e)))?;
    let text = JsFuture::from(text)
        .await
        .map_err(|e| FetchError::Body(js_text(&e)))?;
    guard.0 = None;
    let payload: PropsPayload = serde_json::from_str(&text.as_string().unwrap_or_default())
        .map_err(|e| FetchError::Json(e.to_string()))?;
    if payload.stale_build {
        props_cache::clear();
        return Err(FetchError::StaleBuild);
    }
    Ok(Fetched {
        payload,
        status: response.status(),
        freshness,
        etag,
        tags,
        epoch: 0,
    })
}
