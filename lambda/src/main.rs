//! The reference app as an AWS Lambda function: the router `server::app`
//! builds, answering the events of API Gateway (HTTP and REST APIs), an
//! Application Load Balancer and function URLs through `lambda_http`, one
//! at a time per instance. Configuration is the server's (`LEPTOS_*`,
//! `DATABASE_URL`, `SERVER_PROPS_COOKIE_SECRET`, `REDIS_URL`), from the
//! function's environment, and the invoke mode ([`INVOKE_MODE`]): a
//! function URL set to `RESPONSE_STREAM` sends streamed answers (deferred
//! props) part by part; `docs/deploy.md`, "Serverless (AWS Lambda)".

#![forbid(unsafe_code)]

use tracing_subscriber::EnvFilter;

/// `lambda_http`'s switch that reads a REST API's path without its stage
/// (`/prod`): the app is served at the root of its domain.
const IGNORE_STAGE: &str = "AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH";

/// How the function answers, as its function URL's invoke mode says:
/// `BUFFERED` (the default; the only mode of API Gateway's HTTP API and of
/// an ALB) sends each answer whole, `RESPONSE_STREAM` part by part. The
/// two must agree: Lambda reads a streamed answer only from a function in
/// that mode.
const INVOKE_MODE: &str = "SERVER_PROPS_LAMBDA_INVOKE_MODE";

/// The function's invoke mode ([`INVOKE_MODE`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InvokeMode {
    Buffered,
    ResponseStream,
}

impl InvokeMode {
    /// The mode `value` names (unset: buffered); another value is refused
    /// with the ones accepted.
    fn parse(value: Option<&str>) -> Result<Self, String> {
        match value.map(str::trim) {
            None | Some("" | "BUFFERED") => Ok(Self::Buffered),
            Some("RESPONSE_STREAM") => Ok(Self::ResponseStream),
            Some(other) => Err(format!(
                "{INVOKE_MODE}={other:?}: expected BUFFERED or RESPONSE_STREAM, as the function URL's invoke mode"
            )),
        }
    }
}

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
    let mode = InvokeMode::parse(std::env::var(INVOKE_MODE).ok().as_deref())?;
    let settings = server::Settings::from_env().map_err(|e| e.to_string())?;
    let state = app::state::AppState::connect(&settings.database_url)
        .await?
        .on_runtime("lambda");
    let built = server::app(state, &settings).build()?;
    match mode {
        InvokeMode::Buffered => lambda_http::run(built.router).await,
        InvokeMode::ResponseStream => lambda_http::run_with_streaming_response(built.router).await,
    }
}

#[cfg(test)]
mod tests {
    use super::InvokeMode;

    #[test]
    fn the_invoke_mode_is_buffered_unless_it_says_response_stream() {
        assert_eq!(InvokeMode::parse(None), Ok(InvokeMode::Buffered));
        assert_eq!(
            InvokeMode::parse(Some("BUFFERED")),
            Ok(InvokeMode::Buffered)
        );
        assert_eq!(
            InvokeMode::parse(Some("RESPONSE_STREAM")),
            Ok(InvokeMode::ResponseStream)
        );
        let refused = InvokeMode::parse(Some("stream")).unwrap_err();
        assert!(refused.contains("BUFFERED or RESPONSE_STREAM"), "{refused}");
    }
}
