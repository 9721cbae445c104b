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
