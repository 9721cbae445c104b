//! Deferred props: a part of a page's props that its loader hands over as a
//! future, sent after the rest on the same response.
//!
//! A page whose data is partly slow should not make the whole page wait:
//! React Router and TanStack Router stream deferred data, SvelteKit streamed
//! promises. Here a props field of type [`Deferred<T>`] holds such a part.
//! The loader returns at once with the fast props and a future for the slow
//! part; the kit sends the document (or the props answer) up to where the
//! part goes, and the rest when the future is done, on the same response.
//!
//! On the wire a deferred field is a placeholder, `{"$deferred":0}`, and the
//! answer's `"deferred"` field counts them. The values follow as outcomes,
//! `{"ok":…}` or `{"error":"…"}`: in a document, one script element before
//! `</body>` (so hydration finds them and makes no request); in a props
//! answer, one line each after the payload's line (`application/x-ndjson`).
//! [`DeferredValues`] holds the outcomes that have arrived for one answer;
//! a `Deferred` decoded from that answer's props reads them (and, in the
//! browser, redraws when one arrives).

use crate::Erase;
use leptos::prelude::*;
use serde::{
    de::{DeserializeOwned, Error as _},
    Deserialize, Deserializer, Serialize, Serializer,
};
use serde_json::value::RawValue;
use std::{
    cell::RefCell,
    collections::BTreeMap,
    fmt,
    marker::PhantomData,
    sync::{Arc, Mutex},
};

/// The key of a deferred field's placeholder in the props JSON.
const PLACEHOLDER_KEY: &str = "$deferred";

/// A part of a page's props that arrives after the rest, on the same
/// response: the loader gives a future ([`Deferred::new`], server only),
/// the page shows it where it goes with [`Deferred::show`].
///
/// ```
/// use leptos::prelude::*;
/// use serde::{Deserialize, Serialize};
/// use server_props::Deferred;
///
/// #[derive(Serialize, Deserialize)]
/// pub struct FeedProps {
///     pub items: Vec<String>,
///     /// Slow: sent after the items, on the same response.
///     pub recommendations: Deferred<Vec<String>>,
/// }
///
/// fn feed(props: FeedProps) -> impl IntoView {
///     view! {
///         <ul>{props.items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
///         {props.recommendations.show(
///             || view! { <p>"Loading recommendations…"</p> },
///             |list| view! { <ul>{list.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul> },
///             |error| view! { <p class="error">{error}</p> },
///         )}
///     }
/// }
/// ```
pub struct Deferred<T> {
    slot: Arc<Mutex<Slot>>,
    _value: PhantomData<fn() -> T>,
}

enum Slot {
    /// Given by the loader, not yet sent (server).
    #[cfg(feature = "ssr")]
    Pending(crate::ssr::response::deferred::Pending),
    /// The `index`th deferred value of an answer (the server's number
    /// for the answer it was handed over in; 0 when decoded), whose
    /// outcomes `values` holds as they arrive.
    Bound {
        index: u32,
        answer: u64,
        values: DeferredValues,
    },
}

impl<T> Clone for Deferred<T> {
    fn clone(&self) -> Self {
        Self {
            slot: Arc::clone(&self.slot),
            _value: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Deferred<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*crate::sync::lock(&self.slot) {
            #[cfg(feature = "ssr")]
            Slot::Pending(_) => f.write_str("Deferred(pending)"),
            Slot::Bound { index, .. } => write!(f, "Deferred({index})"),
        }
    }
}

#[cfg(feature = "ssr")]
impl<T: Serialize + Send + 'static> Deferred<T> {
    /// A part of the props that `future` produces after the loader has
    /// returned (server only: a loader's props). The kit runs it while it
    /// sends the rest of the page, within the loader timeout; a failure, a
    /// panic or the timeout shows in place of the value
    /// ([`show`](Self::show)'s `failed`), and the page stays. A client
    /// that goes away drops it.
    pub fn new<F, E>(future: F) -> Self
    where
        F: std::future::Future<Output = Result<T, E>> + Send + 'static,
        E: Into<crate::LoaderError>,
    {
        Self {
            slot: Arc::new(Mutex::new(Slot::Pending(
                crate::ssr::response::deferred::pending(future),
            ))),
            _value: PhantomData,
        }
    }
}

impl<T> Serialize for Deferred<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut slot = crate::sync::lock(&self.slot);
        let index = match &mut *slot {
            #[cfg(feature = "ssr")]
            Slot::Pending(_) => {
                use crate::ssr::response::deferred::{hand_over, NotInAnAnswer};
                let Slot::Pending(pending) = std::mem::replace(
                    &mut *slot,
                    Slot::Bound {
                        index: 0,
                        answer: 0,
                        values: DeferredValues::default(),
                    },
                ) else {
                    unreachable!("matched as pending")
                };
                match hand_over(pending) {
                    Ok((answer, index)) => {
                        *slot = Slot::Bound {
                            index,
                            answer,
                            values: DeferredValues::default(),
                        };
                        index
                    }
                    Err(NotInAnAnswer(pending)) => {
                        // Kept for the answer that will send it.
                        *slot = Slot::Pending(pending);
                        return Err(serde::ser::Error::custom(
                            "a Deferred value is sent only in the kit's answers (a page's props)",
                        ));
                    }
                }
            }
            Slot::Bound { index, answer, .. } => {
                #[cfg(feature = "ssr")]
                if crate::ssr::response::deferred::answer_being_written()
                    .is_some_and(|being| being != *answer)
                {
                    return Err(serde::ser::Error::custom(
                        "a Deferred value was sent in another answer already (its future \
                         runs once): give each answer props of their own",
                    ));
                }
                let _ = answer;
                *index
            }
        };
        let mut map = std::collections::BTreeMap::new();
        map.insert(PLACEHOLDER_KEY, index);
        map.serialize(serializer)
    }
}

impl<'de, T> Deserialize<'de> for Deferred<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Placeholder {
            #[serde(rename = "$deferred")]
            index: u32,
        }
        let Placeholder { index } = Placeholder::deserialize(deserializer)
            .map_err(|e| D::Error::custom(format!("a deferred field's placeholder: {e}")))?;
        Ok(Self {
            slot: Arc::new(Mutex::new(Slot::Bound {
                index,
                answer: 0,
                values: DeferredValues::current(),
            })),
            _value: PhantomData,
        })
    }
}

/// One deferred value's outcome as it travels: `{"ok":…}` or
/// `{"error":"…"}`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Outcome<T> {
    Ok(T),
    Error(String),
}

impl<T: DeserializeOwned + Send + Sync + 'static> Deferred<T> {
    /// Shows the value where it goes: `fallback` until it has arrived (in
    /// the browser, after a client navigation; a document is sent in order,
    /// so it never shows the fallback), then `ready` with the value, or
    /// `failed` with why there is none (the loader's error message in
    /// development, its status's reason phrase otherwise).
    pub fn show<Fb, Fv, R, Rv, E, Ev>(&self, fallback: Fb, ready: R, failed: E) -> impl IntoView
    where
        Fb: Fn() -> Fv + Send + Sync + 'static,
        Fv: IntoView + 'static,
        R: Fn(T) -> Rv + Send + Sync + 'static,
        Rv: IntoView + 'static,
        E: Fn(String) -> Ev + Send + Sync + 'static,
        Ev: IntoView + 'static,
    {
        let (index, values) = match &*crate::sync::lock(&self.slot) {
            Slot::Bound { index, values, .. } => (*index, values.clone()),
            // Props never rendered before they were sent.
            #[cfg(feature = "ssr")]
            Slot::Pending(_) => (u32::MAX, DeferredValues::default()),
        };
        let content = move || {
            values.track();
            match values.outcome(index) {
                None => fallback().erase(),
                Some(raw) => match serde_json::from_str::<Outcome<T>>(raw.get()) {
                    Ok(Outcome::Ok(value)) => ready(value).erase(),
                    Ok(Outcome::Error(error)) => failed(error).erase(),
                    Err(e) => {
                        failed(format!("the deferred value does not match its type: {e}")).erase()
                    }
                },
            }
        };
        // The marker where the server's document pauses until the value is
        // there (and an element both renders agree on).
        view! { <template data-deferred=index></template> {content} }
    }
}

/// The outcomes of one answer's deferred values, as they arrive: shared by
/// the answer's payload and every [`Deferred`] decoded from its props.
#[derive(Clone, Default)]
pub struct DeferredValues(Arc<ValuesInner>);

#[derive(Default)]
struct ValuesInner {
    /// How many the answer has.
    count: u32,
    /// Each arrived one's outcome as JSON (`{"ok":…}`), by index.
    arrived: Mutex<BTreeMap<u32, Box<RawValue>>>,
    /// Notified when one arrives: a [`Deferred::show`] redraws.
    changed: ArcTrigger,
    /// The answer ended before every value arrived.
    cut_off: std::sync::atomic::AtomicBool,
}

impl fmt::Debug for DeferredValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let arrived = crate::sync::lock(&self.0.arrived).len();
        write!(f, "DeferredValues({arrived} of {})", self.0.count)
    }
}

thread_local! {
    /// The answer whose props are being decoded.
    static DECODING: RefCell<Option<DeferredValues>> = const { RefCell::new(None) };
}

impl DeferredValues {
    /// The values of an answer that has `count` of them.
    pub(crate) fn new(count: u32) -> Self {
        Self(Arc::new(ValuesInner {
            count,
            ..ValuesInner::default()
        }))
    }

    /// How many deferred values the answer has.
    #[must_use]
    pub fn count(&self) -> u32 {
        self.0.count
    }

    /// Whether every one has arrived.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        crate::sync::lock(&self.0.arrived).len() as u32 >= self.0.count
    }

    /// Keeps the `index`th value's outcome (`{"ok":…}` or `{"error":…}`);
    /// a second outcome for the same index is ignored.
    pub(crate) fn arrive(&self, index: u32, outcome: Box<RawValue>) {
        if index >= self.0.count {
            return;
        }
        crate::sync::lock(&self.0.arrived)
            .entry(index)
            .or_insert(outcome);
        self.0.changed.notify();
    }

    /// Whether the answer ended before every value arrived
    /// ([`cut_off`](Self::cut_off)): the browser's props cache never shows
    /// it again.
    pub(crate) fn is_cut_off(&self) -> bool {
        self.0.cut_off.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The answer ended before every value arrived: those missing show
    /// `error` where they go, and the answer is not used again.
    #[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
    pub(crate) fn cut_off(&self, error: &str) {
        self.0
            .cut_off
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.fail_missing(error);
    }

    /// Gives every value that has not arrived the outcome `error`.
    #[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
    fn fail_missing(&self, error: &str) {
        let outcome = serde_json::to_string(&Outcome::<()>::Error(error.to_owned()))
            .expect("a string serialises");
        let outcome = RawValue::from_string(outcome).expect("serde_json wrote JSON");
        {
            let mut arrived = crate::sync::lock(&self.0.arrived);
            for index in 0..self.0.count {
                arrived.entry(index).or_insert_with(|| outcome.clone());
            }
        }
        self.0.changed.notify();
    }

    /// Gives the `index`th value the outcome `error`, whatever it had.
    #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
    pub(crate) fn fail(&self, index: u32, error: &str) {
        let outcome = serde_json::to_string(&Outcome::<()>::Error(error.to_owned()))
            .expect("a string serialises");
        let outcome = RawValue::from_string(outcome).expect("serde_json wrote JSON");
        crate::sync::lock(&self.0.arrived).insert(index, outcome);
        self.0.changed.notify();
    }

    /// Which values have arrived.
    #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
    pub(crate) fn arrived(&self) -> std::collections::BTreeSet<u32> {
        crate::sync::lock(&self.0.arrived).keys().copied().collect()
    }

    /// The `index`th value's outcome, if it has arrived.
    pub(crate) fn outcome(&self, index: u32) -> Option<Box<RawValue>> {
        crate::sync::lock(&self.0.arrived).get(&index).cloned()
    }

    /// Tracks arrivals in the reactive graph (the browser's redraw).
    fn track(&self) {
        self.0.changed.track();
    }

    /// The outcomes that have arrived, as one JSON object by index (the
    /// document's script element): `{"0":{"ok":…}}`.
    #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
    pub(crate) fn to_json(&self) -> String {
        let arrived = crate::sync::lock(&self.0.arrived);
        serde_json::to_string(&*arrived).expect("JSON values serialise")
    }

    /// Keeps every outcome of a JSON object by index (the document's script
    /// element).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(crate) fn arrive_all(&self, json: &str) -> Result<(), serde_json::Error> {
        let all: BTreeMap<u32, Box<RawValue>> = serde_json::from_str(json)?;
        for (index, outcome) in all {
            self.arrive(index, outcome);
        }
        Ok(())
    }

    /// Runs `decode` (props decoding) with this answer's values given to
    /// every [`Deferred`] it decodes.
    #[cfg_attr(not(any(feature = "ssr", feature = "hydrate")), allow(dead_code))]
    pub(crate) fn scope<R>(&self, decode: impl FnOnce() -> R) -> R {
        struct Restore(Option<DeferredValues>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let previous = self.0.take();
                DECODING.with(|d| *d.borrow_mut() = previous);
            }
        }
        let _restore = Restore(DECODING.with(|d| d.replace(Some(self.clone()))));
        decode()
    }

    /// The values of the answer being decoded (none outside [`scope`]).
    fn current() -> Self {
        DECODING.with(|d| d.borrow().clone()).unwrap_or_default()
    }
}

/// The lines of a streamed props answer, from its body's chunks as they
/// come: a chunk may end anywhere (inside a line, inside a character).
#[derive(Debug, Default)]
#[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
pub(crate) struct LineBuffer {
    buffer: Vec<u8>,
}

#[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
impl LineBuffer {
    /// Adds a chunk of the body.
    pub(crate) fn push(&mut self, chunk: &[u8]) {
        self.buffer.extend_from_slice(chunk);
    }

    /// The next whole line, without its line break.
    pub(crate) fn line(&mut self) -> Option<Vec<u8>> {
        let at = self.buffer.iter().position(|&b| b == b'\n')?;
        let rest = self.buffer.split_off(at + 1);
        let mut line = std::mem::replace(&mut self.buffer, rest);
        line.pop();
        Some(line)
    }

    /// What is left at the end of the body: a last line without a break.
    pub(crate) fn rest(&mut self) -> Option<Vec<u8>> {
        (!self.buffer.is_empty()).then(|| std::mem::take(&mut self.buffer))
    }
}

#[cfg(test)]
mod line_tests {
    use super::LineBuffer;

    #[test]
    fn lines_come_whole_however_the_chunks_fall() {
        let body = "{\"a\":\"é\"}\n{\"deferred\":0}\n\n{\"last\":1}".as_bytes();
        for size in 1..body.len() {
            let mut lines = LineBuffer::default();
            let mut got = Vec::new();
            for chunk in body.chunks(size) {
                lines.push(chunk);
                while let Some(line) = lines.line() {
                    got.push(String::from_utf8(line).expect("whole characters"));
                }
            }
            got.extend(lines.rest().map(|l| String::from_utf8(l).unwrap()));
            assert_eq!(
                got,
                ["{\"a\":\"é\"}", "{\"deferred\":0}", "", "{\"last\":1}"],
                "{size}"
            );
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn outcome(json: &str) -> Box<RawValue> {
        RawValue::from_string(json.to_owned()).unwrap()
    }

    fn shown(values: &DeferredValues) -> String {
        let deferred: Deferred<Vec<u8>> =
            values.scope(|| serde_json::from_str(r#"{"$deferred":0}"#).unwrap());
        deferred
            .show(
                || "waiting",
                |v| format!("got {v:?}"),
                |e| format!("failed: {e}"),
            )
            .to_html()
    }

    #[test]
    fn a_deferred_field_shows_its_fallback_then_its_value_or_its_failure() {
        let values = DeferredValues::new(1);
        let marker = r#"<template data-deferred="0"></template>"#;
        assert_eq!(shown(&values), format!("{marker}waiting"));
        values.arrive(0, outcome(r#"{"ok":[1,2]}"#));
        assert_eq!(shown(&values), format!("{marker}got [1, 2]"));
        let failed = DeferredValues::new(1);
        failed.arrive(0, outcome(r#"{"error":"Service Unavailable"}"#));
        assert_eq!(
            shown(&failed),
            format!("{marker}failed: Service Unavailable")
        );
        let mismatched = DeferredValues::new(1);
        mismatched.arrive(0, outcome(r#"{"ok":"text"}"#));
        assert!(shown(&mismatched).contains("does not match its type"));
    }

    #[test]
    fn values_keep_the_first_outcome_in_range_and_travel_as_one_object() {
        let values = DeferredValues::new(2);
        values.arrive(5, outcome(r#"{"ok":1}"#));
        values.arrive(1, outcome(r#"{"ok":1}"#));
        values.arrive(1, outcome(r#"{"ok":2}"#));
        assert!(!values.is_complete());
        assert_eq!(values.to_json(), r#"{"1":{"ok":1}}"#);
        values.fail_missing("gone");
        assert!(values.is_complete());
        assert_eq!(values.to_json(), r#"{"0":{"error":"gone"},"1":{"ok":1}}"#);
        let copy = DeferredValues::new(2);
        copy.arrive_all(&values.to_json()).unwrap();
        assert_eq!(copy.to_json(), values.to_json());
    }

    #[derive(Serialize)]
    struct Props {
        fast: u8,
        slow: Deferred<Vec<u8>>,
        slower: Deferred<String>,
    }

    #[test]
    fn writing_props_hands_their_futures_over_in_order_with_placeholders() {
        let props = Props {
            fast: 1,
            slow: Deferred::new(async { Ok::<_, crate::LoaderError>(vec![2]) }),
            slower: Deferred::new(async { Ok::<_, crate::LoaderError>("3".to_owned()) }),
        };
        let (json, pending) =
            crate::ssr::response::deferred::collect(|| serde_json::to_string(&props).unwrap());
        assert_eq!(
            json,
            r#"{"fast":1,"slow":{"$deferred":0},"slower":{"$deferred":1}}"#
        );
        assert_eq!(pending.len(), 2);
        let values: Vec<String> = pending
            .into_iter()
            .map(|f| futures::executor::block_on(f).unwrap().get().to_owned())
            .collect();
        assert_eq!(values, ["[2]", "\"3\""]);
        // Written again outside an answer (what the server renders from),
        // the placeholders stay.
        assert_eq!(serde_json::to_string(&props).unwrap(), json);
    }

    #[test]
    fn a_deferred_value_written_outside_an_answer_is_an_error() {
        let slow = Deferred::new(async { Ok::<_, crate::LoaderError>(1) });
        let error = serde_json::to_string(&slow).unwrap_err();
        assert!(
            error.to_string().contains("only in the kit's answers"),
            "{error}"
        );
        // The future is kept for the answer that sends it.
        let (json, pending) =
            crate::ssr::response::deferred::collect(|| serde_json::to_string(&slow).unwrap());
        assert_eq!(json, r#"{"$deferred":0}"#);
        let value = futures::executor::block_on(pending.into_iter().next().unwrap()).unwrap();
        assert_eq!(value.get(), "1");
        // Outside an answer (the server's render JSON), its placeholder.
        assert_eq!(serde_json::to_string(&slow).unwrap(), json);
        // In another answer: an error, never a placeholder nothing follows.
        let (again, none) =
            crate::ssr::response::deferred::collect(|| serde_json::to_string(&slow.clone()));
        assert!(again.unwrap_err().to_string().contains("another answer"));
        assert!(none.is_empty());
    }

    #[test]
    fn a_deferred_decoded_outside_an_answer_waits_for_ever() {
        let deferred: Deferred<u8> = serde_json::from_str(r#"{"$deferred":0}"#).unwrap();
        let html = deferred
            .show(|| "waiting", |v| v.to_string(), |e| e)
            .to_html();
        assert!(html.ends_with("waiting"), "{html}");
        assert!(serde_json::from_str::<Deferred<u8>>(r#"{"x":1}"#).is_err());
        assert!(serde_json::from_str::<Deferred<u8>>("3").is_err());
    }
}
