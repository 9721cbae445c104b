//! The server half (feature `ssr`), laid out by concept, each folder a step
//! a request goes through, top to bottom:
//!
//! * [`loader`]: what an app implements: loaders, actions, and the errors
//!   they leave with (`LoaderError`, `NotFound`, database errors);
//! * [`request`]: what a loader reads: its context, the kit's extractors,
//!   bodies and forms;
//! * [`response`]: what a loader writes: the response head (status,
//!   headers, cookies, cache tags);
//! * [`handler`]: one request top to bottom: decide (cross-site check,
//!   resolve, params, loaders or action), then write the one decision as a
//!   document or as JSON;
//! * [`render`]: the synchronous render of the shell with the page;
//! * [`server`]: start-up and mounting: the builder, the router extension,
//!   `AppServer`, the accept loop, the test client;
//! * [`middleware`]: tower layers, one module each: the shared cache,
//!   compression, the cross-site check, security headers.
//!
//! Dependencies go downward: `server` mounts `handler`, which runs `loader`s
//! over a `request` and writes a `response` through `render`; no module
//! depends on one that depends on it (`make test` checks it).

pub(crate) mod handler;
pub(crate) mod loader;
pub(crate) mod middleware;
pub(crate) mod render;
pub(crate) mod request;
pub(crate) mod response;
pub mod runtime;
pub(crate) mod server;

pub use loader::{
    action::{Action, ActionOutcome, ActionResult, PageAction},
    error::{LoaderError, LoaderResult, NotFound},
    Loader, WriteMethod,
};
pub use request::{body::DEFAULT_MAX_BODY_BYTES, context::LoaderContext};
pub use response::head::{CookieError, InvalidTag, ResponseHead};
pub use server::{
    builder::{ServerProps, ServerPropsBuilder, DEFAULT_LOADER_TIMEOUT},
    router::ServerPropsRouter,
};
