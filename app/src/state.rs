//! The app's shared state: what its loaders read besides the request.

use sqlx::{
    sqlite::{SqliteConnectOptions, SqlitePoolOptions},
    SqlitePool,
};
use std::{
    str::FromStr,
    sync::{atomic::AtomicU64, Arc},
    time::Duration,
};

/// The database `make dev` uses when `DATABASE_URL` is not set: a SQLite
/// file in the working directory, created and seeded on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://reference-app.db";

/// How long a query waits for the database by default.
pub const DEFAULT_DB_WAIT: Duration = Duration::from_secs(2);

/// Whether a database error means "down for now" (503, try again) rather
/// than a bug (500): no connection to be had, I/O failing, or SQLite's file
/// locked or unopenable.
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(e) => {
            // SQLite's primary result codes: BUSY 5, LOCKED 6, IOERR 10,
            // CANTOPEN 14 (extended codes keep them in the low byte).
            let code = e.code().and_then(|c| c.parse::<i32>().ok()).unwrap_or(0);
            matches!(code & 0xff, 5 | 6 | 10 | 14)
        }
        _ => false,
    }
}

/// Seconds a client should wait before retrying when the database is down.
const RETRY_AFTER_SECS: u64 = 5;

/// A database error as a loader answers it: a database that is down is a
/// 503 with `Retry-After` (the page comes back by itself once it is up);
/// any other database error is a 500.
pub fn db_error(error: sqlx::Error) -> server_props::LoaderError {
    if is_unavailable(&error) {
        server_props::LoaderError::from(error)
            .with_status(axum::http::StatusCode::SERVICE_UNAVAILABLE)
            .retry_after(std::time::Duration::from_secs(RETRY_AFTER_SECS))
    } else {
        error.into()
    }
}

/// Shared by every request (cheap to clone).
#[derive(Clone, Debug)]
pub struct AppState {
    /// The repositories database.
    pub db: SqlitePool,
    /// How many times the `/cached` loader has run.
    pub cached_runs: Arc<AtomicU64>,
}

impl AppState {
    /// Connects to `database_url` (creating a SQLite file if missing) and
    /// brings its schema and seed data up to date.
    ///
    /// # Errors
    /// When the database cannot be opened or migrated.
    pub async fn connect(database_url: &str) -> Result<Self, sqlx::Error> {
        Self::connect_with(database_url, DEFAULT_DB_WAIT).await
    }

    /// [`connect`](Self::connect), waiting at most `wait` for the database
    /// (a lock held by another process, a free connection) before a query
    /// fails; the page then answers 503 instead of holding the request.
    ///
    /// # Errors
    /// When the database cannot be opened or migrated.
    pub async fn connect_with(database_url: &str, wait: Duration) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(database_url)?
            .create_if_missing(true)
            .busy_timeout(wait);
        // Each connection to `:memory:` is its own database: keep one.
        let max = if database_url.contains(":memory:") {
            1
        } else {
            8
        };
        let db = SqlitePoolOptions::new()
            .max_connections(max)
            .acquire_timeout(wait)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&db).await?;
        Ok(Self {
            db,
            cached_runs: Arc::new(AtomicU64::new(0)),
        })
    }
}
