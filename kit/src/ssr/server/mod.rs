//! Start-up and mounting: [`builder`] (`ServerProps`, the start-up work),
//! [`router`] (the pages on an `axum::Router`), [`app`] (`AppServer`, the
//! whole server in one call), [`serve`] (the accept loop) and, for tests,
//! [`testing`] (the app without a socket).

#[cfg(feature = "server")]
pub mod app;
pub(crate) mod builder;
pub(crate) mod router;
#[cfg(feature = "server")]
pub mod serve;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "worker")]
pub mod worker;
