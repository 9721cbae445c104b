//! One request, top to bottom.
//!
//! [`service`] is where a document request, a props request and a URL no
//! page serves come in. Each takes the same steps downward: [`decide`]
//! makes one [`Decision`](decision::Decision) (the cross-site check, the
//! page, its params, its loaders or its action), and [`respond`] hands it
//! to the writer of the request's format, [`document`] or [`json`]. A run
//! of user code and the decision made from the runs are the only two
//! result types on the way. [`trace`] holds the request's span, which
//! every step records into.

pub(crate) mod decide;
pub(crate) mod decision;
pub(crate) mod document;
pub(crate) mod json;
pub(crate) mod respond;
pub(crate) mod reuse;
pub(crate) mod service;
pub(crate) mod streamed;
pub(crate) mod trace;

/// How an answer is written: the one thing the two writers differ in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// A complete HTML document.
    Document,
    /// A props answer (`protocol::PropsPayload`).
    Json,
}
