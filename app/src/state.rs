//! The app's shared state: what its loaders read besides the request.

use sqlx::{
    sqlite::{SqliteConnectOptions, SqlitePoolOptions},
    SqlitePool,
};
use std::{
    str::FromStr,
    sync::{atomic::AtomicU64, Arc},
};

/// The database `make dev` uses when `DATABASE_URL` is not set: a SQLite
/// file in the working directory, created and seeded on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://reference-app.db";

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
        let options = SqliteConnectOptions::from_str(database_url)?.create_if_missing(true);
        // Each connection to `:memory:` is its own database: keep one.
        let max = if database_url.contains(":memory:") {
            1
        } else {
            8
        };
        let db = SqlitePoolOptions::new()
            .max_connections(max)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&db).await?;
        Ok(Self {
            db,
            cached_runs: Arc::new(AtomicU64::new(0)),
        })
    }
}
