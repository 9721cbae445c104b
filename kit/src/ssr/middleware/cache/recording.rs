//! An answer sent in parts (a page with deferred props), kept as it goes.
//!
//! Such an answer has no length until it ends, and its client must get
//! each part when it is sent, so the cache cannot read it whole before
//! answering. [`Recording`] passes each frame on as it comes and keeps a
//! copy; when the answer ends, whole and within the entry limit, the copy
//! is stored, so the next client gets the complete answer at once. The
//! request's place in the single flight (its lock and its turn) goes with
//! the recording and is given back once the copy is stored: the clients
//! waiting for it then find it.

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use http_body::{Frame, SizeHint};
use std::{
    pin::Pin,
    task::{Context, Poll},
};

/// What to do with the complete copy.
pub(super) type OnEnd = Box<dyn FnOnce(Bytes) + Send>;

/// A body passed on frame by frame, with a copy kept for the cache.
pub(super) struct Recording {
    inner: Body,
    copy: BytesMut,
    limit: u64,
    /// `None` once the answer failed or outgrew the limit: nothing is kept.
    on_end: Option<OnEnd>,
}

impl Recording {
    pub(super) fn new(inner: Body, limit: u64, on_end: OnEnd) -> Self {
        Self {
            inner,
            copy: BytesMut::new(),
            limit,
            on_end: Some(on_end),
        }
    }
}

impl http_body::Body for Recording {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let (Some(data), Some(_)) = (frame.data_ref(), &this.on_end) {
                    if (this.copy.len() + data.len()) as u64 > this.limit {
                        // Too large to keep: the waiting clients ask the
                        // app themselves.
                        this.on_end = None;
                        this.copy = BytesMut::new();
                    } else {
                        this.copy.extend_from_slice(data);
                    }
                }
            }
            Poll::Ready(Some(Err(_))) => this.on_end = None,
            Poll::Ready(None) => {
                if let Some(on_end) = this.on_end.take() {
                    on_end(std::mem::take(&mut this.copy).freeze());
                }
            }
            Poll::Pending => {}
        }
        polled
    }

    // Never "at its end" before the inner body says so with `None`, which
    // is when the copy is complete.
    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use std::sync::{Arc, Mutex};

    fn parts(chunks: &[&'static str]) -> Body {
        let frames: Vec<Result<Frame<Bytes>, std::convert::Infallible>> = chunks
            .iter()
            .map(|c| Ok(Frame::data(Bytes::from_static(c.as_bytes()))))
            .collect();
        Body::new(http_body_util::StreamBody::new(futures::stream::iter(
            frames,
        )))
    }

    fn recorded(chunks: &[&'static str], limit: u64) -> (Vec<String>, Option<Bytes>) {
        let kept = Arc::new(Mutex::new(None));
        let into = kept.clone();
        let mut body = Recording::new(
            parts(chunks),
            limit,
            Box::new(move |bytes| *into.lock().unwrap() = Some(bytes)),
        );
        let mut seen = Vec::new();
        futures::executor::block_on(async {
            while let Some(frame) = body.frame().await {
                let data = frame.unwrap().into_data().unwrap();
                seen.push(String::from_utf8(data.to_vec()).unwrap());
            }
        });
        let kept = kept.lock().unwrap().take();
        (seen, kept)
    }

    #[test]
    fn each_part_passes_as_it_comes_and_the_whole_is_kept_at_the_end() {
        let (seen, kept) = recorded(&["<h1>", "items", "</html>"], 100);
        assert_eq!(seen, ["<h1>", "items", "</html>"]);
        assert_eq!(kept.as_deref(), Some(&b"<h1>items</html>"[..]));
    }

    #[test]
    fn an_answer_over_the_limit_passes_but_is_not_kept() {
        let (seen, kept) = recorded(&["12345", "67890"], 8);
        assert_eq!(seen.concat(), "1234567890");
        assert_eq!(kept, None);
    }

    #[test]
    fn an_answer_dropped_before_its_end_is_not_kept() {
        let kept = Arc::new(Mutex::new(false));
        let into = kept.clone();
        let mut body = Recording::new(
            parts(&["a", "b"]),
            100,
            Box::new(move |_| *into.lock().unwrap() = true),
        );
        futures::executor::block_on(body.frame());
        drop(body);
        assert!(!*kept.lock().unwrap());
    }
}
