//! Serves the reference app. Configuration comes from cargo-leptos's
//! environment (`LEPTOS_SITE_ADDR`, `LEPTOS_SITE_ROOT`, …) and
//! `DATABASE_URL` (default: a SQLite file created on first start),
//! `SERVER_PROPS_CACHE_BYTES` (the shared cache's size; `0` turns it off) and
//! `SERVER_PROPS_HTTPS` (`1` when the site is reached over HTTPS: cookies get
//! `Secure` and responses `Strict-Transport-Security`),
//! `SERVER_PROPS_COOKIE_SECRET` (at least 32 bytes that sign the session
//! cookie; every instance must share it; without it a random key is drawn at
//! start-up, so sessions end with the process) and `SERVER_PROPS_BUILD_ID`
//! (names the build instead of a hash of the wasm bundle).

#![forbid(unsafe_code)]

use app::state::{AppState, DEFAULT_DATABASE_URL};
use leptos::config::{get_configuration, LeptosOptions};
use server_props::{
    cache::CacheConfig,
    serve::{serve, ServeConfig},
};
use std::{error::Error, time::Duration};
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
    let https = flag("SERVER_PROPS_HTTPS")?;
    let mut settings = server::Settings {
        site_root: options.site_root.to_string(),
        cache: cache_config()?,
        ..server::Settings::default()
    };
    if https {
        settings.security_headers = settings.security_headers.hsts(HSTS_MAX_AGE, false);
    }
    let mut props = server::server_props(options)
        .secure_cookies(https)
        .cookie_key(cookie_key()?)
        // cargo-leptos's live reload opens a WebSocket the policy must allow.
        .live_reload(std::env::var_os("LEPTOS_WATCH").is_some());
    if let Ok(id) = std::env::var("SERVER_PROPS_BUILD_ID") {
        props = props.build_id(id);
    }
    let props = props.build();
    let app = server::router(&props, state, &settings);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(
        "listening on http://{addr} (build {}, shared cache {})",
        props.build_id(),
        if settings.cache.is_enabled() {
            "on"
        } else {
            "off"
        }
    );
    serve(listener, app, &ServeConfig::default(), shutdown_signal()).await;
    Ok(())
}

/// Two years (the usual production value; subdomains are left to their own
/// servers).
const HSTS_MAX_AGE: Duration = Duration::from_secs(2 * 365 * 24 * 3600);

/// A boolean setting: unset, `0` or `false` is off; `1` or `true` is on.
fn flag(name: &str) -> Result<bool, Box<dyn Error>> {
    match std::env::var(name) {
        Err(_) => Ok(false),
        Ok(v) => match v.trim().to_ascii_lowercase().as_str() {
            "" | "0" | "false" => Ok(false),
            "1" | "true" => Ok(true),
            _ => Err(format!("{name} must be 1 or 0, got {v:?}").into()),
        },
    }
}

/// `SERVER_PROPS_COOKIE_SECRET`: the key that signs session cookies, or a
/// random one (sessions then last as long as the process).
fn cookie_key() -> Result<server_props::cookie::Key, Box<dyn Error>> {
    match std::env::var("SERVER_PROPS_COOKIE_SECRET") {
        Ok(secret) if secret.len() >= 32 => {
            Ok(server_props::cookie::Key::derive_from(secret.as_bytes()))
        }
        Ok(_) => Err("SERVER_PROPS_COOKIE_SECRET must be at least 32 bytes".into()),
        Err(_) => {
            tracing::warn!(
                "SERVER_PROPS_COOKIE_SECRET is not set: sessions are signed with a random key \
                 and end when the server stops"
            );
            Ok(server_props::cookie::Key::generate())
        }
    }
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
/// send). `serve` then stops accepting connections and finishes the requests
/// under way before it returns.
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
