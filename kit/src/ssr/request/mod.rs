//! What a loader reads: its [`context`](context::LoaderContext), the kit's
//! own [`extract`]ors, and bodies read on demand ([`body`], [`form_body`],
//! [`multipart`]).

pub(crate) mod body;
pub(crate) mod config;
pub(crate) mod context;
pub mod extract;
pub(crate) mod form_body;
pub mod multipart;
pub mod session;
