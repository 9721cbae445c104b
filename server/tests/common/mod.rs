//! Drives the reference app without a socket.

#![allow(dead_code)]

use app::state::AppState;
use axum::body::Body;
use http::{Method, Request};
use leptos::config::LeptosOptions;
use server_props::{
    protocol::PROPS_HEADER,
    testing::{TestClient, TestResponse},
};

/// The build id the tests' server uses.
pub const BUILD: &str = "test-build";

/// The tests' site root: a few static files, and a secret next to it that
/// must never be served (`tests/site-root/../secret.txt`).
pub const SITE_ROOT: &str = "tests/site";

/// A fresh app with a database of its own: SQLite in memory, or a new
/// PostgreSQL database when `TEST_DATABASE_URL` names a server
/// (`scripts/with-postgres.sh`).
pub struct TestApp {
    pub client: TestClient,
    pub state: AppState,
}

/// One response, read whole: the kit's test client's.
pub type Reply = TestResponse;

impl TestApp {
    pub async fn new() -> Self {
        Self::with(|b| b).await
    }

    pub async fn with(
        configure: impl FnOnce(server_props::ServerPropsBuilder) -> server_props::ServerPropsBuilder
            + Send
            + 'static,
    ) -> Self {
        Self::with_settings(configure, server::Settings::default()).await
    }

    /// A fresh app with the kit and the router configured (the site root is
    /// always [`SITE_ROOT`]).
    pub async fn with_settings(
        configure: impl FnOnce(server_props::ServerPropsBuilder) -> server_props::ServerPropsBuilder
            + Send
            + 'static,
        settings: server::Settings,
    ) -> Self {
        let state = AppState::connect(&fresh_database_url().await)
            .await
            .expect("database");
        Self::with_state(state, configure, settings)
    }

    /// The app over a database of the test's own.
    pub fn with_state(
        state: AppState,
        configure: impl FnOnce(server_props::ServerPropsBuilder) -> server_props::ServerPropsBuilder
            + Send
            + 'static,
        settings: server::Settings,
    ) -> Self {
        let options = LeptosOptions::builder()
            .output_name("reference-app")
            .site_root(SITE_ROOT)
            .build();
        let built = server::app(state.clone(), &settings)
            .options(options)
            .props(|p| p.build_id(BUILD).cookie_key(cookie_key()).dev_errors(false))
            .props(configure)
            .build()
            .expect("the app builds");
        Self {
            client: TestClient::new(&built),
            state,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        self.client.send(request).await
    }

    /// `GET` a page's document.
    pub async fn get(&self, uri: &str) -> Reply {
        self.client.get(uri).await
    }

    /// `GET` a page's props through the props endpoint.
    pub async fn props(&self, page: &str) -> Reply {
        self.client.props(page).await
    }
}

/// A database no other test sees: a new PostgreSQL database on the server
/// `TEST_DATABASE_URL` names, else SQLite in memory.
pub async fn fresh_database_url() -> String {
    match postgres_database().await {
        Some(url) => url,
        None => "sqlite::memory:".to_owned(),
    }
}

/// A new, empty database on the PostgreSQL server `TEST_DATABASE_URL`
/// names (its role may create databases), or `None` when the variable is
/// not set. The databases are left behind: the server is a throwaway one.
pub async fn postgres_database() -> Option<String> {
    use sqlx::{Connection, Executor, PgConnection};
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);

    let url = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())?;
    assert!(
        url.starts_with("postgres://") || url.starts_with("postgresql://"),
        "TEST_DATABASE_URL must be a postgres:// URL"
    );
    // Unique across the test binaries (one process each) and their tests.
    let name = format!(
        "test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = PgConnection::connect(&url)
        .await
        .expect("TEST_DATABASE_URL: connect");
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("TEST_DATABASE_URL: create a database");
    admin.close().await.expect("close");
    Some(with_database(&url, &name))
}

/// `url` (`postgres://user:password@host:port/database?params`) naming
/// another database.
pub fn with_database(url: &str, database: &str) -> String {
    let (before, host, after) = url_parts(url);
    let params = after.find('?').map_or("", |i| &after[i..]);
    format!("{before}{host}/{database}{params}")
}

/// `url` with another port.
pub fn with_port(url: &str, port: u16) -> String {
    let (before, host, after) = url_parts(url);
    let host = match host.rsplit_once(':') {
        Some((name, _)) if !host.ends_with(']') => name,
        _ => host,
    };
    format!("{before}{host}:{port}{after}")
}

/// The address of the server `url` names (port 5432 unless it says).
pub fn postgres_addr(url: &str) -> std::net::SocketAddr {
    use std::net::ToSocketAddrs;
    let (_, host, _) = url_parts(url);
    let has_port = host.rsplit_once(':').is_some() && !host.ends_with(']');
    let host = if has_port {
        host.to_owned()
    } else {
        format!("{host}:5432")
    };
    host.to_socket_addrs()
        .expect("the database's address")
        .next()
        .expect("an address")
}

/// `url` around its host and port: (`postgres://user:password@`,
/// `host:port`, `/database?params`).
fn url_parts(url: &str) -> (&str, &str, &str) {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..]
        .find(['/', '?'])
        .map_or(url.len(), |i| start + i);
    let host = url[start..end].rfind('@').map_or(start, |i| start + i + 1);
    (&url[..host], &url[host..end], &url[end..])
}

/// The key the tests' server signs cookies with.
pub fn cookie_key() -> server_props::cookie::Key {
    server_props::cookie::Key::derive_from(b"the reference app's test key, 32+ bytes long")
}

/// A `Cookie` header's `name=value` with a session for `name`, encrypted
/// with `key`, as the app's login action sets it.
pub fn session_cookie(name: &str, key: &server_props::cookie::Key) -> String {
    server_props::testing::session_cookie(
        key,
        &app::layout::SignedInUser {
            name: name.to_owned(),
        },
    )
}

/// A GET with these headers.
pub fn request_with(uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::builder().uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::empty()).unwrap()
}

pub fn request(method: Method, uri: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .unwrap()
}

/// Asserts a props answer carries the kit's marker header.
pub fn assert_props_answer(reply: &Reply) {
    assert_eq!(reply.header(PROPS_HEADER), Some(BUILD), "{reply:?}");
    assert_eq!(reply.header("content-type"), Some("application/json"));
}

pub const DEFAULT_CACHE_CONTROL: &str = server_props::protocol::DEFAULT_CACHE_CONTROL;
