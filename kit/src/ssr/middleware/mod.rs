//! The tower layers `AppServer` puts around the pages, one module each.
//!
//! Each is usable on its own (`Router::layer`): the shared [`cache`],
//! [`compression`], the cross-site check ([`csrf`], which the handler
//! applies to writes) and the [`security`] headers.

#[cfg(feature = "cache")]
pub mod cache;
#[cfg(feature = "compression")]
pub mod compression;
pub mod csrf;
pub mod security;
