//! The server half (feature `ssr`): loaders, request handling, rendering.

pub(crate) mod action;
pub(crate) mod answer;
pub mod app;
pub(crate) mod body;
pub(crate) mod builder;
pub mod cache;
pub mod compression;
pub(crate) mod context;
pub mod csrf;
#[cfg(feature = "sqlx")]
pub mod db;
pub(crate) mod dev;
pub mod extract;
pub(crate) mod form;
pub(crate) mod loader;
pub(crate) mod render;
pub(crate) mod router;
pub mod security;
pub mod serve;
pub(crate) mod service;
#[cfg(feature = "testing")]
pub mod testing;

pub use action::{Action, ActionOutcome, ActionResult, PageAction};
pub use body::DEFAULT_MAX_BODY_BYTES;
pub use builder::{ServerProps, ServerPropsBuilder, DEFAULT_LOADER_TIMEOUT};
pub use context::{CookieError, InvalidTag, LoaderContext, ResponseHead};
pub use loader::{Loader, LoaderError, LoaderResult, NotFound, WriteMethod};
pub use router::ServerPropsRouter;
