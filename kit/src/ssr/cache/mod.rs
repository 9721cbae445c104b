//! A shared HTTP cache inside the server, so one process behaves like an
//! origin with a CDN in front of it.
//!
//! Next.js leaves `s-maxage` and `stale-while-revalidate` to a CDN. The kit
//! honours them itself: a [`CacheLayer`] in front of the pages keeps the
//! responses a loader marks as shared-cacheable and answers later requests
//! from memory, without running the loader. Because it follows the same
//! rules a CDN does (RFC 9111 and RFC 5861), a deployment behind a real CDN
//! sees the same behaviour, only once more.
//!
//! * **Fresh** (age below `s-maxage`, else `max-age`): served from memory,
//!   `x-cache: HIT`.
//! * **Stale within `stale-while-revalidate`**: served from memory at once,
//!   `x-cache: STALE`, and refreshed by one request to the app in the
//!   background.
//! * **Missing or older**: the app answers, `x-cache: MISS`. Concurrent
//!   requests for one URL wait for that one answer (single flight) instead
//!   of each running the loader.
//!
//! Never kept: `private`, `no-store` and `no-cache` responses, responses
//! with `Set-Cookie` or `Vary: *`, statuses not cacheable by default,
//! requests other than `GET`/`HEAD`, requests with `Authorization` (these
//! are not served from the cache either), and responses to requests with
//! `Cookie` unless the response says `Vary: Cookie`. See `docs/caching.md`.
//!
//! ```
//! # use server_props::cache::CacheConfig;
//! let config = CacheConfig::default().max_bytes(16 << 20);
//! assert!(config.is_enabled());
//! assert!(!CacheConfig::disabled().is_enabled());
//! ```

mod directives;
mod layer;
mod store;

pub use directives::CacheControl;
pub use layer::{CacheLayer, CacheService, CachedService};

/// The `x-cache` response header: `HIT`, `STALE` or `MISS`.
pub const X_CACHE: &str = "x-cache";

/// How big the cache may grow, or whether it exists at all.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct CacheConfig {
    max_bytes: u64,
    max_entry_bytes: u64,
}

impl Default for CacheConfig {
    /// On, 64 MiB, no single response above 4 MiB.
    fn default() -> Self {
        Self {
            max_bytes: 64 << 20,
            max_entry_bytes: 4 << 20,
        }
    }
}

impl CacheConfig {
    /// No cache: the layer passes every request through untouched.
    pub fn disabled() -> Self {
        Self {
            max_bytes: 0,
            max_entry_bytes: 0,
        }
    }

    /// The bound on the memory held (bodies, headers and keys); `0` turns
    /// the cache off.
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// Responses bigger than this are passed through, not kept.
    pub fn max_entry_bytes(mut self, bytes: u64) -> Self {
        self.max_entry_bytes = bytes;
        self
    }

    /// Whether the cache is on.
    pub fn is_enabled(&self) -> bool {
        self.max_bytes > 0
    }
}
