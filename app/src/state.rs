//! The app's shared state: what its loaders read besides the request.
//!
//! The database is SQLite or PostgreSQL, chosen by the URL's scheme, behind
//! one [`AnyPool`]: the app's SQL is written once, for both. It keeps to
//! what both drivers accept: numbered parameters (`$1`, which SQLite reads
//! as well), `TEXT` as `String` and integers as `i64` (SQLite's `INTEGER`,
//! PostgreSQL's `BIGINT`). Schema and seed data are per driver, in
//! `migrations/sqlite/` and `migrations/postgres/`.

use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
    AnyPool, Executor,
};
use std::{
    str::FromStr,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

/// The database `make dev` uses when `DATABASE_URL` is not set: a SQLite
/// file in the working directory, created and seeded on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://reference-app.db";

/// How long a query waits for the database by default.
pub const DEFAULT_DB_WAIT: Duration = Duration::from_secs(2);

/// The most connections one server opens (SQLite's `:memory:` gets one).
const MAX_CONNECTIONS: u32 = 8;

/// SQLite's schema and seed data. The files and their versions never
/// change: a database made before PostgreSQL was added has them recorded
/// by checksum.
static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");

/// PostgreSQL's: the same tables and rows.
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// The databases the app runs on, by the scheme of their URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Driver {
    /// `sqlite:` (a file, or `sqlite::memory:`).
    Sqlite,
    /// `postgres://` or `postgresql://`.
    Postgres,
}

impl Driver {
    /// The driver `database_url` names.
    ///
    /// # Errors
    /// For any other scheme (the message names the scheme only, never the
    /// URL, which may hold a password).
    pub fn of(database_url: &str) -> Result<Self, sqlx::Error> {
        match database_url.split_once(':').map(|(scheme, _)| scheme) {
            Some("sqlite") => Ok(Self::Sqlite),
            Some("postgres" | "postgresql") => Ok(Self::Postgres),
            scheme => Err(sqlx::Error::Configuration(
                format!(
                    "DATABASE_URL must start with sqlite: or postgres://, not {:?}",
                    scheme.unwrap_or_default()
                )
                .into(),
            )),
        }
    }
}

/// Shared by every request (cheap to clone).
#[derive(Clone, Debug)]
pub struct AppState {
    /// The repositories database (SQLite or PostgreSQL).
    pub db: AnyPool,
    /// Which database `db` is.
    pub driver: Driver,
    /// How many times the `/cached` loader has run.
    pub cached_runs: Arc<AtomicU64>,
    /// What the dashboard's loaders and action did, for the tests.
    pub dashboard: Arc<DashboardLog>,
    /// What `/feed`'s deferred recommendations did, for the tests.
    pub feed: Arc<FeedLog>,
    /// Which build serves the app (`server`, `lambda`), as `/runtime` shows.
    pub runtime: &'static str,
}

/// What the dashboard's loaders and its action did: when each loader ran
/// (so a test can see the layout's and the page's side by side) and how
/// many times a page loader or the action ran (so a test can see that a
/// signed-out request ran none).
#[derive(Debug, Default)]
pub struct DashboardLog {
    /// Each loader's run: which (`layout` or `page`), its start and its end.
    pub runs: std::sync::Mutex<Vec<(&'static str, std::time::Instant, std::time::Instant)>>,
    /// How many times a dashboard page's loader has started.
    pub page_loads: AtomicU64,
    /// How many times the settings action has started.
    pub actions: AtomicU64,
}

impl DashboardLog {
    /// Notes a loader's run.
    pub fn ran(&self, which: &'static str, started: std::time::Instant) {
        let ended = std::time::Instant::now();
        self.runs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((which, started, ended));
    }
}

impl AppState {
    /// The same state, for the build named `runtime` (what `/runtime` shows).
    #[must_use]
    pub fn on_runtime(mut self, runtime: &'static str) -> Self {
        self.runtime = runtime;
        self
    }

    /// Connects to `database_url` (`sqlite:…`, creating the file if missing,
    /// or `postgres://…`) and brings its schema and seed data up to date.
    ///
    /// # Errors
    /// When the database cannot be opened or migrated, or the URL names
    /// another database.
    pub async fn connect(database_url: &str) -> Result<Self, sqlx::Error> {
        Self::connect_with(database_url, DEFAULT_DB_WAIT).await
    }

    /// [`connect`](Self::connect), waiting at most `wait` for the database
    /// before a query fails; the page then answers 503 instead of holding
    /// the request. `wait` bounds taking a connection from the pool, and
    /// with it opening one (a PostgreSQL server that refuses or does not
    /// answer), and waiting for a lock another connection holds (SQLite's
    /// busy timeout, PostgreSQL's `lock_timeout`).
    ///
    /// # Errors
    /// When the database cannot be opened or migrated, or the URL names
    /// another database.
    pub async fn connect_with(database_url: &str, wait: Duration) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let driver = Driver::of(database_url)?;
        let wait_ms = wait.as_millis();
        let (url, setup, migrations) = match driver {
            Driver::Sqlite => (
                sqlite_create_if_missing(database_url),
                format!("PRAGMA busy_timeout = {wait_ms}"),
                &SQLITE_MIGRATIONS,
            ),
            Driver::Postgres => (
                database_url.to_owned(),
                format!("SET lock_timeout = {wait_ms}"),
                &POSTGRES_MIGRATIONS,
            ),
        };
        let setup: Arc<str> = setup.into();
        let mut pool = AnyPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(wait)
            .after_connect(move |conn, _| {
                let setup = Arc::clone(&setup);
                Box::pin(async move { conn.execute(&*setup).await.map(drop) })
            });
        // Each connection to `:memory:` is its own database: keep one, for
        // as long as the pool lives.
        if driver == Driver::Sqlite && database_url.contains(":memory:") {
            pool = pool
                .max_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        }
        let db = pool
            .connect_with(AnyConnectOptions::from_str(&url)?)
            .await?;
        migrations.run(&db).await?;
        Ok(Self {
            db,
            driver,
            cached_runs: Arc::new(AtomicU64::new(0)),
            dashboard: Arc::default(),
            feed: Arc::default(),
            runtime: "server",
        })
    }
}

/// `url` with `mode=rwc` (create the file if missing) unless it says a mode
/// or is in memory: the `Any` driver takes SQLite's options from the URL
/// alone.
fn sqlite_create_if_missing(url: &str) -> String {
    let query = url.split_once('?').map(|(_, query)| query);
    let has_mode = query.is_some_and(|q| q.split('&').any(|pair| pair.starts_with("mode=")));
    if has_mode || url.contains(":memory:") {
        url.to_owned()
    } else {
        let separator = if query.is_some() { '&' } else { '?' };
        format!("{url}{separator}mode=rwc")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_picks_the_driver() {
        assert_eq!(Driver::of("sqlite::memory:").unwrap(), Driver::Sqlite);
        assert_eq!(Driver::of(DEFAULT_DATABASE_URL).unwrap(), Driver::Sqlite);
        assert_eq!(Driver::of("postgres://u@h/db").unwrap(), Driver::Postgres);
        assert_eq!(Driver::of("postgresql://u@h/db").unwrap(), Driver::Postgres);
        let error = Driver::of("mysql://user:secret@h/db")
            .unwrap_err()
            .to_string();
        assert!(error.contains("\"mysql\""), "{error}");
        assert!(!error.contains("secret"), "{error}");
        assert!(Driver::of("reference-app.db").is_err());
    }

    #[test]
    fn sqlite_files_are_created_unless_the_url_says_otherwise() {
        assert_eq!(
            sqlite_create_if_missing("sqlite://reference-app.db"),
            "sqlite://reference-app.db?mode=rwc"
        );
        assert_eq!(
            sqlite_create_if_missing("sqlite:a.db?cache=shared"),
            "sqlite:a.db?cache=shared&mode=rwc"
        );
        assert_eq!(
            sqlite_create_if_missing("sqlite:a.db?mode=ro"),
            "sqlite:a.db?mode=ro"
        );
        assert_eq!(
            sqlite_create_if_missing("sqlite::memory:"),
            "sqlite::memory:"
        );
    }
}

/// What `/feed`'s deferred recommendations did: how many started, finished
/// and were dropped before finishing (a client that went away).
#[derive(Debug, Default)]
pub struct FeedLog {
    /// Started.
    pub started: AtomicU64,
    /// Finished.
    pub finished: AtomicU64,
    /// Dropped unfinished.
    pub dropped: AtomicU64,
}

impl FeedLog {
    /// Notes a start; the guard notes the end, or the drop.
    pub fn start(self: &Arc<Self>) -> FeedRun {
        self.started.fetch_add(1, Ordering::SeqCst);
        FeedRun {
            log: Arc::clone(self),
            finished: false,
        }
    }
}

/// One run of `/feed`'s recommendations.
#[derive(Debug)]
pub struct FeedRun {
    log: Arc<FeedLog>,
    finished: bool,
}

impl FeedRun {
    /// Notes that the run finished.
    pub fn finish(mut self) {
        self.finished = true;
        self.log.finished.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drop for FeedRun {
    fn drop(&mut self) {
        if !self.finished {
            self.log.dropped.fetch_add(1, Ordering::SeqCst);
        }
    }
}
