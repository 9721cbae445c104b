//! Serves the reference app. Configuration comes from cargo-leptos's
//! environment (`LEPTOS_SITE_ADDR`, `LEPTOS_SITE_ROOT`, …, else the
//! workspace's `Cargo.toml`) and the variables [`server::Settings`] names.

#![forbid(unsafe_code)]

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
    let settings = server::Settings::from_env()?;
    let state = app::state::AppState::connect(&settings.database_url).await?;
    server::app(state, &settings).serve().await?;
    Ok(())
}
