//! Serves the reference app. Configuration comes from cargo-leptos's
//! environment (`LEPTOS_SITE_ADDR`, `LEPTOS_SITE_ROOT`, …) and
//! `DATABASE_URL` (default: a SQLite file created on first start) and
//! `SERVER_PROPS_CACHE_BYTES` (the shared cache's size; `0` turns it off).

#![forbid(unsafe_code)]

use app::state::{AppState, DEFAULT_DATABASE_URL};
use leptos::config::{get_configuration, LeptosOptions};
use server_props::cache::CacheConfig;
use std::error::Error;
use tracing_subscriber::EnvFilter;

// Rendering allocates many small strings per request; mimalloc serves them
// faster than glibc's allocator (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    // Loader panics are caught and answered with the 500 page; log them as
    // one line with their location instead of a backtrace on stderr.
    std::panic::set_hook(Box::new(|info| tracing::error!("panic: {info}")));
    let mut options = match get_configuration(None) {
        Ok(conf) => conf.leptos_options,
        Err(_) => LeptosOptions::builder().output_name("").build(),
    };
    if options.output_name.is_empty() {
        // Started without cargo-leptos: the workspace metadata's values.
        options.output_name = "reference-app".into();
        options.site_root = "target/site".into();
    }
    let database_url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
    let state = AppState::connect(&database_url).await?;
    let addr = options.site_addr;
    let site_root = options.site_root.to_string();
    let props = server::server_props(options).build();
    let cache = cache_config()?;
    let app = server::router(&props, &site_root, state, &cache);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(
        "listening on http://{addr} (build {}, shared cache {})",
        props.build_id(),
        if cache.is_enabled() { "on" } else { "off" }
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

/// `SERVER_PROPS_CACHE_BYTES`: the shared cache's memory bound in bytes
/// (default 64 MiB); `0` turns the cache off.
fn cache_config() -> Result<CacheConfig, Box<dyn Error>> {
    match std::env::var("SERVER_PROPS_CACHE_BYTES") {
        Ok(value) => {
            let bytes = value.trim().parse::<u64>().map_err(|e| {
                format!("SERVER_PROPS_CACHE_BYTES must be a number of bytes, got {value:?}: {e}")
            })?;
            Ok(CacheConfig::default().max_bytes(bytes))
        }
        Err(_) => Ok(CacheConfig::default()),
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM (what `docker stop` and systemd
/// send). axum then stops accepting connections and finishes the requests
/// under way before `serve` returns.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: no new connections, finishing the requests under way");
}
