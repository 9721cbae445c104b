//! The reference app as an AWS Lambda function: the router `server::app`
//! builds, answering the events of API Gateway (HTTP and REST APIs), an
//! Application Load Balancer and function URLs through `lambda_http`, one
//! at a time per instance. Configuration is the server's (`LEPTOS_*`,
//! `DATABASE_URL`, `SERVER_PROPS_COOKIE_SECRET`, `REDIS_URL`), from the
//! function's environment; `docs/deploy.md`, "Serverless (AWS Lambda)".

#![forbid(unsafe_code)]

use tracing_subscriber::EnvFilter;

/// `lambda_http`'s switch that reads a REST API's path without its stage
/// (`/prod`): the app is served at the root of its domain.
const IGNORE_STAGE: &str = "AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH";

fn main() -> Result<(), lambda_http::Error> {
    // Before the runtime starts any thread.
    if std::env::var_os(IGNORE_STAGE).is_none() {
        std::env::set_var(IGNORE_STAGE, "true");
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serve())
}

async fn serve() -> Result<(), lambda_http::Error> {
    // CloudWatch keeps each line; it shows no colours.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_ansi(false)
        .without_time()
        .init();
    std::panic::set_hook(Box::new(|info| tracing::error!("panic: {info}")));
    let settings = server::Settings::from_env().map_err(|e| e.to_string())?;
    let state = app::state::AppState::connect(&settings.database_url)
        .await?
        .on_runtime("lambda");
    let built = server::app(state, &settings).build()?;
    lambda_http::run(built.router).await
}
