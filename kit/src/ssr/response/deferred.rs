//! The server's half of deferred props: taking a [`Deferred`]'s future
//! when its props are written, and running the futures an answer took
//! while the answer is sent.
//!
//! A props field of type [`Deferred<T>`](crate::Deferred) holds a future
//! until the payload is written. Writing it ([`collect`] around the
//! payload's writer) hands the future over and writes a placeholder with
//! its index; the writer then sends what it has and polls the futures
//! ([`Resolving`]) as part of the response's body, so nothing runs on its
//! own: a client that goes away drops the body, and with it every future
//! still running. Each future runs within the loader timeout; a failure, a
//! panic or the timeout is that value's outcome (`{"error":…}`), and the
//! page stays.

use crate::ssr::{loader::error::LoaderError, server::builder::ServerProps};
use futures::{future::BoxFuture, stream::FuturesUnordered, FutureExt, StreamExt};
use serde::Serialize;
use serde_json::value::RawValue;
use std::{cell::RefCell, panic::AssertUnwindSafe, time::Duration};

/// A deferred value's future, its value already JSON.
pub(crate) type Pending = BoxFuture<'static, Result<Box<RawValue>, LoaderError>>;

/// Erases a loader's future for a [`Deferred`](crate::Deferred).
pub(crate) fn pending<T, E, F>(future: F) -> Pending
where
    T: Serialize + Send + 'static,
    E: Into<LoaderError>,
    F: std::future::Future<Output = Result<T, E>> + Send + 'static,
{
    Box::pin(async move {
        let value = future.await.map_err(Into::into)?;
        serde_json::value::to_raw_value(&value)
            .map_err(|e| LoaderError::internal(format!("a deferred value does not serialise: {e}")))
    })
}

/// The futures of the payload being written, and its number.
struct Collector {
    answer: u64,
    futures: Vec<Pending>,
}

thread_local! {
    static COLLECTOR: RefCell<Option<Collector>> = const { RefCell::new(None) };
}

/// Numbers the answers written, so that a value handed over in one is
/// never written as a placeholder in another.
static ANSWERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A deferred value written outside an answer: its future, given back.
pub(crate) struct NotInAnAnswer(pub(crate) Pending);

/// Takes a deferred value's future for the payload being written: the
/// answer's number and the value's index.
pub(crate) fn hand_over(pending: Pending) -> Result<(u64, u32), NotInAnAnswer> {
    COLLECTOR.with(|c| {
        let mut c = c.borrow_mut();
        let Some(collector) = c.as_mut() else {
            return Err(NotInAnAnswer(pending));
        };
        collector.futures.push(pending);
        let index = u32::try_from(collector.futures.len() - 1).expect("fewer than 2^32 values");
        Ok((collector.answer, index))
    })
}

/// The number of the answer being written, if one is.
pub(crate) fn answer_being_written() -> Option<u64> {
    COLLECTOR.with(|c| c.borrow().as_ref().map(|c| c.answer))
}

/// How many deferred values the payload being written has handed over.
pub(crate) fn handed_over() -> u32 {
    COLLECTOR.with(|c| {
        c.borrow().as_ref().map_or(0, |c| {
            u32::try_from(c.futures.len()).expect("fewer than 2^32 deferred values")
        })
    })
}

/// Runs `write` (a payload's writer), collecting the futures of the
/// deferred values it writes, in order.
pub(crate) fn collect<R>(write: impl FnOnce() -> R) -> (R, Vec<Pending>) {
    struct Restore(Option<Collector>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            COLLECTOR.with(|c| *c.borrow_mut() = previous);
        }
    }
    let answer = ANSWERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let collector = Collector {
        answer,
        futures: Vec::new(),
    };
    let restore = Restore(COLLECTOR.with(|c| c.replace(Some(collector))));
    let result = write();
    let collected = COLLECTOR
        .with(|c| c.borrow_mut().take())
        .map(|c| c.futures)
        .unwrap_or_default();
    drop(restore);
    (result, collected)
}

/// The deferred values of one answer, running as the answer's body is
/// polled: each comes out with its index and its outcome's JSON
/// (`{"ok":…}` or `{"error":"…"}`) as it finishes, whatever the order.
pub(crate) struct Resolving {
    running: FuturesUnordered<BoxFuture<'static, (u32, Box<RawValue>)>>,
    /// Those that finished when first polled.
    ready: std::collections::VecDeque<(u32, Box<RawValue>)>,
    started: web_time::Instant,
}

impl Resolving {
    /// Starts `pending` within the loader timeout of `server`. A failure is
    /// told as its status's reason phrase, and with its message when
    /// `detailed` (development mode).
    pub(crate) fn new(server: &ServerProps, pending: Vec<Pending>, detailed: bool) -> Self {
        let timeout = server.inner.loader_timeout;
        let running = pending
            .into_iter()
            .enumerate()
            .map(|(index, future)| {
                let server = server.clone();
                let index = u32::try_from(index).expect("fewer than 2^32 deferred values");
                async move {
                    let caught = AssertUnwindSafe(future).catch_unwind().boxed();
                    let result = match server.inner.runtime.within(timeout, caught).await {
                        Ok(Ok(result)) => result,
                        Ok(Err(panic)) => Err(LoaderError::panicked("a deferred value", &*panic)),
                        Err(()) => Err(timed_out(timeout)),
                    };
                    (index, outcome(result, detailed))
                }
                .boxed()
            })
            .collect();
        let mut resolving = Self {
            running,
            ready: std::collections::VecDeque::new(),
            started: web_time::Instant::now(),
        };
        // Started now, while the first part of the answer is written, not
        // when the client reads the next one; those already done are kept.
        while let Some(Some(done)) = resolving.running.next().now_or_never() {
            resolving.ready.push_back(done);
        }
        resolving
    }

    /// A value that finished when first polled, if any is left.
    pub(crate) fn take_ready(&mut self) -> Option<(u32, Box<RawValue>)> {
        self.ready.pop_front()
    }

    /// The next value to finish; `None` when all have.
    pub(crate) async fn next(&mut self) -> Option<(u32, Box<RawValue>)> {
        if let Some(done) = self.ready.pop_front() {
            return Some(done);
        }
        self.running.next().await
    }

    /// How long the values have been running.
    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

fn timed_out(timeout: Duration) -> LoaderError {
    LoaderError::new(
        http::StatusCode::GATEWAY_TIMEOUT,
        format!("a deferred value did not finish within {timeout:?}"),
    )
}

/// A value's outcome as JSON; a failure is logged.
fn outcome(result: Result<Box<RawValue>, LoaderError>, detailed: bool) -> Box<RawValue> {
    let json = match result {
        Ok(value) => {
            let mut json = String::with_capacity(value.get().len() + 8);
            json.push_str("{\"ok\":");
            json.push_str(value.get());
            json.push('}');
            json
        }
        Err(error) => {
            let status = error.status();
            tracing::error!(
                status = status.as_u16(),
                "server_props: a deferred value failed: {}",
                error.message()
            );
            let said = if detailed {
                error.message().to_owned()
            } else {
                status.canonical_reason().unwrap_or("Error").to_owned()
            };
            let mut json = String::from("{\"error\":");
            json.push_str(&serde_json::to_string(&said).expect("a string serialises"));
            json.push('}');
            json
        }
    };
    RawValue::from_string(json).expect("an outcome is JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_is_told_by_its_reason_unless_detailed() {
        let failed = || Err(LoaderError::internal("the database is down"));
        assert_eq!(
            outcome(failed(), false).get(),
            r#"{"error":"Internal Server Error"}"#
        );
        assert_eq!(
            outcome(failed(), true).get(),
            r#"{"error":"the database is down"}"#
        );
        let ok = RawValue::from_string("[1]".to_owned()).unwrap();
        assert_eq!(outcome(Ok(ok), false).get(), r#"{"ok":[1]}"#);
    }
}
