//! The server half (feature `ssr`): loaders, request handling, rendering.

pub mod cache;
pub(crate) mod context;
pub(crate) mod loader;
pub(crate) mod render;
pub(crate) mod router;
pub mod security;
pub mod serve;
pub(crate) mod service;

pub use context::{LoaderContext, ParamValue, ResponseHead};
pub use loader::{Loader, LoaderError, LoaderResult, Outcome};
pub use router::ServerPropsRouter;
pub use service::{ServerProps, ServerPropsBuilder, DEFAULT_LOADER_TIMEOUT};
