//! The reference app's edge build: the pages marked `runtime = edge`
//! (`/edge/hello`) answered in a Cloudflare Worker, every other request
//! forwarded to the server named by `SERVER_PROPS_ORIGIN`.
//!
//! Built for `wasm32-unknown-unknown` and run locally in workerd
//! (`scripts/edge.sh build`, then `serve`; `make edge-local` tests it);
//! docs/deploy.md, "Edge (Cloudflare Workers)".

#![forbid(unsafe_code)]

use leptos::config::LeptosOptions;
use server_props::worker::Edge;
use std::sync::OnceLock;
use worker::{event, Context, Env};

/// The edge, built on the first request of this isolate.
static EDGE: OnceLock<Edge> = OnceLock::new();

/// The Leptos options the server's build has: the same asset names, so a
/// document from the edge loads the same wasm and stylesheet.
fn options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(option_env!("LEPTOS_OUTPUT_NAME").unwrap_or("reference-app"))
        .site_pkg_dir("pkg")
        .env(leptos::config::Env::PROD)
        .build()
}

#[event(fetch)]
async fn fetch(
    request: web_sys::Request,
    env: Env,
    _: Context,
) -> worker::Result<web_sys::Response> {
    if EDGE.get().is_none() {
        let edge = Edge::builder(&app::PAGES, options(), app::shell).build(&env)?;
        let _ = EDGE.set(edge);
    }
    EDGE.get().expect("set above").fetch(request).await
}
