//! What a loader writes: the [`ResponseHead`](head::ResponseHead) it shares
//! with the page's other loaders (status, headers, cookies, cache tags),
//! and the props payload the answer carries ([`payload`]).

pub(crate) mod deferred;
pub(crate) mod etag;
pub(crate) mod head;
pub(crate) mod payload;
