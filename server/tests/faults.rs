//! The database going away: pages that need it answer 503 (document and
//! props alike) while the rest of the app keeps serving, and they come back
//! by themselves when it returns. The outages are real: another connection
//! holds SQLite's exclusive lock, as a long migration or a backup would;
//! on PostgreSQL (when `TEST_DATABASE_URL` is set, as
//! `scripts/with-postgres.sh` does) another connection locks the table, or
//! the server stops answering and comes back.

mod common;

use app::state::AppState;
use common::TestApp;
use http::StatusCode;
use sqlx::{Connection, Executor, PgConnection, SqliteConnection};
use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
    task::JoinHandle,
};

/// How long the tests' apps wait for the database before answering 503.
const WAIT: Duration = Duration::from_millis(200);

/// The database page is a 503 with `Retry-After`, in both forms; pages
/// without the database still serve.
async fn assert_down(app: &TestApp) {
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
}

/// The database page serves again, in both forms.
async fn assert_back(app: &TestApp) {
    let reply = app.get("/repos/vercel/next.js").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert!(reply.body.contains("vercel/next.js"));
    assert_eq!(
        app.props("/repos/vercel/next.js").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_locked_database_gives_503_and_the_app_recovers_by_itself() {
    let file = std::env::temp_dir().join(format!("faults-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let url = format!("sqlite://{}", file.display());
    let state = AppState::connect_with(&url, WAIT).await.expect("database");
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

    assert_down(&app).await;

    // The database comes back; nothing is restarted.
    holder.execute("ROLLBACK").await.expect("release");
    drop(holder);
    assert_back(&app).await;
    let _ = std::fs::remove_file(&file);
}

#[tokio::test]
async fn a_locked_postgres_table_gives_503_and_the_app_recovers_by_itself() {
    let Some(url) = common::postgres_database().await else {
        eprintln!("skipped: TEST_DATABASE_URL is not set (scripts/with-postgres.sh)");
        return;
    };
    let state = AppState::connect_with(&url, WAIT).await.expect("database");
    let app = TestApp::with_state(state, |b| b, server::Settings::default());
    assert_back(&app).await;

    // Another session locks the table, as a migration would: readers wait
    // `lock_timeout`, then give up.
    let mut holder = PgConnection::connect(&url)
        .await
        .expect("second connection");
    holder
        .execute("BEGIN; LOCK TABLE repos IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("table lock");
    assert_down(&app).await;

    holder.execute("ROLLBACK").await.expect("release");
    holder.close().await.expect("close");
    assert_back(&app).await;
}

#[tokio::test]
async fn a_postgres_server_that_goes_away_gives_503_and_the_app_recovers_by_itself() {
    let Some(url) = common::postgres_database().await else {
        eprintln!("skipped: TEST_DATABASE_URL is not set (scripts/with-postgres.sh)");
        return;
    };
    // The app reaches the server through a proxy the test can take down:
    // the server's connections break and new ones are refused, as when it
    // stops or restarts.
    let server = common::postgres_addr(&url);
    let proxy = Proxy::start(server).await;
    let state = AppState::connect_with(&common::with_port(&url, proxy.addr.port()), WAIT)
        .await
        .expect("database");
    let app = TestApp::with_state(state, |b| b, server::Settings::default());
    assert_back(&app).await;

    proxy.stop();
    assert_down(&app).await;

    proxy.restart().await;
    assert_back(&app).await;
    proxy.stop();
}

/// A TCP proxy that can stop (closing every connection and the listening
/// socket) and start again on the same port.
struct Proxy {
    addr: SocketAddr,
    target: SocketAddr,
    up: watch::Sender<bool>,
    acceptor: Mutex<Option<JoinHandle<()>>>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Arc<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let proxy = Arc::new(Self {
            addr: listener.local_addr().expect("address"),
            target,
            up: watch::channel(true).0,
            acceptor: Mutex::new(None),
        });
        proxy.accept(listener);
        proxy
    }

    fn accept(&self, listener: TcpListener) {
        let target = self.target;
        let up = self.up.subscribe();
        let task = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let mut up = up.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = up.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        *self.acceptor.lock().unwrap() = Some(task);
    }

    /// Closes the listening socket (connecting is refused) and every
    /// connection.
    fn stop(&self) {
        if let Some(task) = self.acceptor.lock().unwrap().take() {
            task.abort();
        }
        self.up.send_replace(false);
    }

    async fn restart(&self) {
        self.up.send_replace(true);
        let listener = TcpListener::bind(self.addr).await.expect("bind again");
        self.accept(listener);
    }
}

#[tokio::test]
async fn only_unreachable_database_errors_are_unavailable() {
    let error = sqlx::Error::RowNotFound;
    assert!(!server_props::db::is_unavailable(&error));
    assert!(server_props::db::is_unavailable(&sqlx::Error::PoolTimedOut));
}

#[test]
fn database_urls_are_rewritten_in_place() {
    let url = "postgres://u:p@127.0.0.1:5433/server_props?sslmode=disable";
    assert_eq!(
        common::with_database(url, "test_1"),
        "postgres://u:p@127.0.0.1:5433/test_1?sslmode=disable"
    );
    assert_eq!(common::with_database("postgres://h", "t"), "postgres://h/t");
    assert_eq!(
        common::with_port(url, 9),
        "postgres://u:p@127.0.0.1:9/server_props?sslmode=disable"
    );
    assert_eq!(
        common::with_port("postgres://[::1]/d", 9),
        "postgres://[::1]:9/d"
    );
    assert_eq!(
        common::postgres_addr(url),
        "127.0.0.1:5433".parse().unwrap()
    );
    assert_eq!(
        common::postgres_addr("postgres://u@127.0.0.1/d"),
        "127.0.0.1:5432".parse().unwrap()
    );
}
