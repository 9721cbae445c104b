//! Serves the app: configuration from cargo-leptos's environment, else the
//! workspace's `Cargo.toml`.

use server_props::app::{AppError, AppServer};

#[tokio::main]
async fn main() -> Result<(), AppError> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned()),
        ))
        .init();
    AppServer::new(&{{name}}_app::PAGES, {{name}}_app::shell)
        .state({{name}}_app::AppState::default())
        .serve()
        .await
}
