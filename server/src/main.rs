//! Serves the reference app. Configuration comes from cargo-leptos's
//! environment (`LEPTOS_SITE_ADDR`, `LEPTOS_SITE_ROOT`, …) and
//! `DATABASE_URL` (default: a SQLite file created on first start).

#![forbid(unsafe_code)]

use app::state::{AppState, DEFAULT_DATABASE_URL};
use leptos::config::{get_configuration, LeptosOptions};
use std::error::Error;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let options = match get_configuration(None) {
        Ok(conf) if !conf.leptos_options.output_name.is_empty() => conf.leptos_options,
        // Run without cargo-leptos: the defaults of the workspace metadata.
        _ => LeptosOptions::builder()
            .output_name("reference-app")
            .site_root("target/site")
            .site_pkg_dir("pkg")
            .site_addr(([127, 0, 0, 1], 3000))
            .build(),
    };
    let database_url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
    let state = AppState::connect(&database_url).await?;
    let addr = options.site_addr;
    let site_root = options.site_root.to_string();
    let props = server::server_props(options).build();
    let app = server::router(&props, &site_root, state);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("listening on http://{addr} (build {})", props.build_id());
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
