//! Database errors as loaders should answer them (feature `sqlx`): a
//! database that is down for now is a 503 with `Retry-After`, so clients
//! and balancers come back, and the page recovers by itself; any other
//! database error is a bug, a 500.
//!
//! ```
//! use server_props::{db, LoaderResult};
//! async fn count(pool: &sqlx::SqlitePool) -> LoaderResult<i64> {
//!     let (n,): (i64,) = sqlx::query_as("SELECT 1").fetch_one(pool).await.map_err(db::error)?;
//!     Ok(n)
//! }
//! ```

use super::error::LoaderError;
use http::StatusCode;
use std::time::Duration;

/// How long a client is asked to wait before it tries again.
pub const RETRY_AFTER: Duration = Duration::from_secs(5);

/// Whether a database error means "down for now" rather than a bug: no
/// connection to be had (pool timeout or closed, I/O, TLS, a crashed
/// worker), PostgreSQL's connection exceptions (SQLSTATE class `08` but
/// `08P01`, a protocol violation), shutdowns and refusals (`57P01`–`57P03`,
/// `53300` too many connections), contention and failover (`40001`,
/// `40P01`, `55P03`, `25006` read-only), or SQLite's busy, locked, I/O and
/// cannot-open results.
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(e) => e.code().is_some_and(|code| unavailable_code(&code)),
        _ => false,
    }
}

/// A SQLSTATE (five characters) or a SQLite result code (a number below
/// 10 000: primary codes and the extended ones built on them).
fn unavailable_code(code: &str) -> bool {
    if code.len() == 5 {
        return (code.starts_with("08") && code != "08P01")
            || matches!(
                code,
                "57P01" | "57P02" | "57P03" | "53300" | "40001" | "40P01" | "55P03" | "25006"
            );
    }
    // SQLite's primary result codes BUSY 5, LOCKED 6, IOERR 10, CANTOPEN 14
    // (extended codes keep them in the low byte).
    code.parse::<i32>()
        .is_ok_and(|c| matches!(c & 0xff, 5 | 6 | 10 | 14))
}

/// The error a loader returns for a database error: 503 with
/// `Retry-After` when the database is down for now, else a 500. Either way
/// the error is logged with the request's path.
pub fn error(error: sqlx::Error) -> LoaderError {
    if is_unavailable(&error) {
        LoaderError::from(error)
            .with_status(StatusCode::SERVICE_UNAVAILABLE)
            .retry_after(RETRY_AFTER)
    } else {
        error.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{borrow::Cow, fmt};

    /// A driver's error with a code, as PostgreSQL and SQLite report them.
    #[derive(Debug)]
    struct Coded(&'static str);

    impl fmt::Display for Coded {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "database error {}", self.0)
        }
    }

    impl std::error::Error for Coded {}

    impl sqlx::error::DatabaseError for Coded {
        fn message(&self) -> &str {
            self.0
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed(self.0))
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            sqlx::error::ErrorKind::Other
        }
    }

    fn coded(code: &'static str) -> sqlx::Error {
        sqlx::Error::Database(Box::new(Coded(code)))
    }

    #[test]
    fn postgres_and_sqlite_outages_are_503_with_retry_after() {
        let down = [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused)),
            // PostgreSQL: connection failure, admin and crash shutdown, starting up, too many clients.
            coded("08006"),
            coded("08001"),
            coded("57P01"),
            coded("57P02"),
            coded("57P03"),
            coded("53300"),
            coded("40001"),
            coded("40P01"),
            coded("55P03"),
            coded("25006"),
            // SQLite: BUSY, LOCKED, IOERR, CANTOPEN, and extended codes of them.
            coded("5"),
            coded("6"),
            coded("10"),
            coded("14"),
            coded("517"),
            coded("3338"),
        ];
        for e in down {
            let text = format!("{e:?}");
            let e = error(e);
            assert_eq!(e.status(), 503, "{text}");
        }
    }

    #[test]
    fn other_database_errors_are_500() {
        for e in [
            sqlx::Error::RowNotFound,
            // PostgreSQL: unique violation, syntax error, undefined table.
            coded("23505"),
            coded("42601"),
            coded("42P01"),
            coded("08P01"),
            // SQLite: CONSTRAINT, a generic error.
            coded("19"),
            coded("1"),
            coded("2067"),
        ] {
            let text = format!("{e:?}");
            assert_eq!(error(e).status(), 500, "{text}");
        }
    }
}
