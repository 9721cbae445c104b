//! What the app configured for reading requests and writing cookies,
//! shared by every loader's context and response head.

use cookie::Key;
use std::fmt;

/// What the kit's configuration says about every request's context.
#[derive(Clone, Default)]
pub(crate) struct RequestConfig {
    /// Cookies get `Secure` unless the loader says otherwise.
    pub(crate) secure_cookies: bool,
    /// Signs and encrypts cookies ([`LoaderContext::signed_cookie`]).
    pub(crate) cookie_key: Option<Key>,
    /// The most a loader may read of a request body.
    pub(crate) max_body_bytes: usize,
    /// Where and how [`Session`](crate::ssr::request::session::Session)s are kept.
    pub(crate) sessions: std::sync::Arc<crate::ssr::request::session::store::SessionConfig>,
}

impl fmt::Debug for RequestConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestConfig")
            .field("secure_cookies", &self.secure_cookies)
            .field("cookie_key", &self.cookie_key.as_ref().map(|_| "…"))
            .field("max_body_bytes", &self.max_body_bytes)
            .field("sessions", &self.sessions)
            .finish()
    }
}
