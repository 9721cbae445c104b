//! The reference app's server, as a library so tests can drive it without a
//! socket (`AppServer::build`, then `tower::ServiceExt::oneshot`).

#![forbid(unsafe_code)]
#![recursion_limit = "256"]

use app::state::{AppState, DEFAULT_DATABASE_URL};
use server_props::{
    app::AppServer,
    cache::{CacheConfig, RedisStorage},
    cookie::Key,
    security::SecurityHeaders,
    serve::ServeConfig,
    DEFAULT_MAX_BODY_BYTES,
};
use std::{error::Error, time::Duration};

/// How the reference server is set up: defaults, or its environment
/// ([`Settings::from_env`]).
#[derive(Clone, Debug)]
pub struct Settings {
    /// `DATABASE_URL` (default: a SQLite file, created on first start).
    pub database_url: String,
    /// `SERVER_PROPS_CACHE_BYTES`: the shared cache (`0` turns it off);
    /// `REDIS_URL` keeps it in Redis, shared by every instance, instead of
    /// this process's memory.
    pub cache: CacheConfig,
    /// Headers added to every response (with HSTS under `SERVER_PROPS_HTTPS=1`).
    pub security_headers: SecurityHeaders,
    /// The largest request body accepted (413 above it; default
    /// [`MAX_BODY_BYTES`]).
    pub max_body_bytes: usize,
    /// `SERVER_PROPS_HTTPS=1`: the site is reached over HTTPS, so cookies
    /// get `Secure`.
    pub https: bool,
    /// The key that signs the session cookie; `None`: the kit's
    /// `AppServer` takes it from `SERVER_PROPS_COOKIE_SECRET` (a public
    /// development key when unset, a start-up error for a production
    /// server).
    pub cookie_key: Option<Key>,
    /// `SERVER_PROPS_BUILD_ID`: names the build (default: a hash of the wasm).
    pub build_id: Option<String>,
    /// `SERVER_PROPS_TRUSTED_ORIGINS`: origins besides the site's own whose
    /// writes are accepted, comma-separated (`https://www.example.com`):
    /// the edge build's public origin when it forwards form submissions
    /// here (docs/deploy.md, "Edge").
    pub trusted_origins: Vec<String>,
    /// `SERVER_PROPS_DRAIN_SECONDS`: after SIGTERM, how long `/health`
    /// answers 503 while requests are still served, before the server stops
    /// accepting (default 0; behind a balancer, longer than it takes to
    /// notice: docs/deploy.md).
    pub drain: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: DEFAULT_DATABASE_URL.to_owned(),
            cache: CacheConfig::default(),
            security_headers: SecurityHeaders::default(),
            max_body_bytes: MAX_BODY_BYTES,
            https: false,
            cookie_key: None,
            build_id: None,
            trusted_origins: Vec::new(),
            drain: Duration::ZERO,
        }
    }
}

/// The largest request body the reference app accepts: 4 MiB, the kit's
/// default (1 MiB) and more, so that `/files` takes a few files of up to
/// 1 MiB each (`app::pages::MAX_FILE_BYTES`) in one upload, and a larger
/// file reaches the page's own limit, whose 413 is the app's error page.
pub const MAX_BODY_BYTES: usize = 4 * DEFAULT_MAX_BODY_BYTES;

impl Settings {
    /// The settings the environment gives (the names on each field).
    ///
    /// Call it inside the Tokio runtime that will serve (the Redis store's
    /// connections belong to it).
    ///
    /// # Errors
    /// On a value that does not parse, naming the variable.
    pub fn from_env() -> Result<Self, Box<dyn Error>> {
        let mut settings = Self::default();
        if let Ok(url) = std::env::var("DATABASE_URL") {
            settings.database_url = url;
        }
        if let Ok(value) = std::env::var("SERVER_PROPS_CACHE_BYTES") {
            let bytes = value.trim().parse::<u64>().map_err(|e| {
                format!("SERVER_PROPS_CACHE_BYTES must be a number of bytes, got {value:?}: {e}")
            })?;
            settings.cache = CacheConfig::default().max_bytes(bytes);
        }
        settings.https = match std::env::var("SERVER_PROPS_HTTPS")
            .as_deref()
            .map(str::trim)
        {
            Err(_) | Ok("" | "0" | "false") => false,
            Ok("1" | "true") => true,
            Ok(other) => {
                return Err(format!("SERVER_PROPS_HTTPS must be 1 or 0, got {other:?}").into())
            }
        };
        if settings.https {
            settings.security_headers = settings
                .security_headers
                .hsts(SecurityHeaders::HSTS_TWO_YEARS, false);
        }
        settings.build_id = std::env::var("SERVER_PROPS_BUILD_ID").ok();
        if let Ok(value) = std::env::var("SERVER_PROPS_TRUSTED_ORIGINS") {
            settings.trusted_origins = trusted_origins(&value)?;
        }
        if let Ok(url) = std::env::var("REDIS_URL") {
            // Instances sharing one Redis share the cache: an entry filled
            // by one is a hit on the others, one instance at a time runs a
            // key's loader, and invalidations reach them all.
            let redis = RedisStorage::builder(url.trim())
                .map_err(|e| format!("REDIS_URL must be a Redis URL: {e}"))?
                .build();
            settings.cache = settings.cache.storage(redis);
        }
        if let Ok(value) = std::env::var("SERVER_PROPS_DRAIN_SECONDS") {
            settings.drain = value
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(|s| Duration::try_from_secs_f64(s).ok())
                .ok_or_else(|| {
                    format!("SERVER_PROPS_DRAIN_SECONDS must be a number of seconds, got {value:?}")
                })?;
        }
        Ok(settings)
    }
}

/// The reference app's server: the kit's [`AppServer`] over the app's pages,
/// with these settings, and a health check at `/health` (`200 ok`; `503`
/// once SIGTERM started the drain).
pub fn app(state: AppState, settings: &Settings) -> AppServer<AppState> {
    let (https, key, build_id, trusted) = (
        settings.https,
        settings.cookie_key.clone(),
        settings.build_id.clone(),
        settings.trusted_origins.clone(),
    );
    AppServer::new(&app::PAGES, app::shell)
        .state(state)
        .cache(settings.cache.clone())
        .max_body_bytes(settings.max_body_bytes)
        .security_headers(settings.security_headers.clone())
        .serve_config(ServeConfig::default().drain(settings.drain))
        .health("/health")
        .props(move |props| {
            let props = props.secure_cookies(https).trusted_origins(trusted);
            let props = match key {
                Some(key) => props.cookie_key(key),
                None => props,
            };
            match build_id {
                Some(id) => props.build_id(id),
                None => props,
            }
        })
}

/// The origins of `SERVER_PROPS_TRUSTED_ORIGINS`: comma-separated
/// `scheme://host[:port]`, each checked by the kit's
/// [`parse_origin`](server_props::csrf::parse_origin).
fn trusted_origins(value: &str) -> Result<Vec<String>, Box<dyn Error>> {
    value
        .split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            server_props::csrf::parse_origin(origin).ok_or_else(|| {
                format!(
                    "SERVER_PROPS_TRUSTED_ORIGINS must be origins (https://host[:port]), comma-separated; got {origin:?}"
                )
                .into()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::trusted_origins;

    #[test]
    fn trusted_origins_are_origins() {
        assert_eq!(
            trusted_origins(" https://a.example , http://127.0.0.1:8788/,").unwrap(),
            ["https://a.example", "http://127.0.0.1:8788"]
        );
        for bad in [
            "a.example",
            "https://a.example/path",
            "ftp://a.example",
            "https://",
        ] {
            let error = trusted_origins(bad).unwrap_err().to_string();
            assert!(
                error.contains("SERVER_PROPS_TRUSTED_ORIGINS"),
                "{bad}: {error}"
            );
        }
    }
}
