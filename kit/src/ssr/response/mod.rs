//! What a loader writes: the [`ResponseHead`](head::ResponseHead) it shares
//! with the page's other loaders (status, headers, cookies, cache tags).

pub(crate) mod etag;
pub(crate) mod head;
