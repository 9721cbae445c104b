//! The database going away: pages that need it answer 503 (document and
//! props alike) while the rest of the app keeps serving, and they come back
//! by themselves when it returns. The outage is real: another connection
//! holds SQLite's exclusive lock, as a long migration or a backup would.

mod common;

use app::state::AppState;
use common::TestApp;
use http::StatusCode;
use sqlx::{Connection, Executor, SqliteConnection};
use std::time::Duration;

#[tokio::test]
async fn a_locked_database_gives_503_and_the_app_recovers_by_itself() {
    let file = std::env::temp_dir().join(format!("faults-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let url = format!("sqlite://{}", file.display());
    let state = AppState::connect_with(&url, Duration::from_millis(200))
        .await
        .expect("database");
    let app = TestApp::with_state(state, |b| b, server::Settings::default());
    assert_eq!(
        app.get("/repos/vercel/next.js").await.status,
        StatusCode::OK
    );

    // Another process takes the database: readers cannot get in.
    let mut holder = SqliteConnection::connect(&url)
        .await
        .expect("second connection");
    holder
        .execute("BEGIN EXCLUSIVE")
        .await
        .expect("exclusive lock");

    let reply = app.get("/repos/vercel/next.js").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{reply:?}");
    assert!(reply.html().contains("<h1>503</h1>"), "{}", reply.body);
    assert!(reply.body.contains("Service Unavailable"));
    assert_eq!(reply.header("retry-after"), Some("5"));
    assert!(reply.header("cache-control").unwrap().contains("no-store"));
    let props = app.props("/repos/vercel/next.js").await;
    assert_eq!(props.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(props.json()["status"], 503);
    assert_eq!(props.header("retry-after"), Some("5"));
    // The rest of the app does not need the database.
    assert_eq!(app.get("/blog/up").await.status, StatusCode::OK);
    assert_eq!(app.props("/counter").await.status, StatusCode::OK);

    // The database comes back; nothing is restarted.
    holder.execute("ROLLBACK").await.expect("release");
    drop(holder);
    let reply = app.get("/repos/vercel/next.js").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert!(reply.body.contains("vercel/next.js"));
    assert_eq!(
        app.props("/repos/vercel/next.js").await.status,
        StatusCode::OK
    );
    let _ = std::fs::remove_file(&file);
}

#[tokio::test]
async fn only_unreachable_database_errors_are_unavailable() {
    let error = sqlx::Error::RowNotFound;
    assert!(!server_props::db::is_unavailable(&error));
    assert!(server_props::db::is_unavailable(&sqlx::Error::PoolTimedOut));
}
