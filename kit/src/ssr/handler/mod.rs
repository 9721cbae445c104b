//! One request, top to bottom.
//!
//! [`service`] takes a document or props request, decides what its page's
//! loaders (or action) say, and hands that one decision to [`respond`],
//! which writes it as a document or as JSON. [`trace`] holds the request's
//! span, which both record into.

pub(crate) mod respond;
pub(crate) mod service;
pub(crate) mod trace;

/// How an answer is written: the one thing the two writers differ in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// A complete HTML document.
    Document,
    /// A props answer (`protocol::PropsPayload`).
    Json,
}
