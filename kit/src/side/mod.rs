//! Where the shared root meets each half: the only modules of the shared
//! root that name a server-only or browser-only module.
//!
//! The page table, `<Form>` and `<Link>` are compiled by both builds, but
//! part of what they do exists on one side only: a page's loader on the
//! server, a form's one-request submission and a link's prefetching in the
//! browser. Each side's part is reached through one module here, whose
//! names stand for the real thing in that side's build and for nothing in
//! the other, so the shared code is written once, without a `cfg`, and no
//! loader reaches the wasm nor browser code the server.

pub(crate) mod browser;
pub(crate) mod server;

pub use server::{LoadedLayout, LoadedNestedLayout, LoadedPage};
