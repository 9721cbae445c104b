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

/// A fresh app with its own in-memory database.
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
        let state = AppState::connect("sqlite::memory:")
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

/// The key the tests' server signs cookies with.
pub fn cookie_key() -> server_props::cookie::Key {
    server_props::cookie::Key::derive_from(b"the reference app's test key, 32+ bytes long")
}

/// A `Cookie` header with a session for `name`, signed with `key`.
pub fn session_cookie(name: &str, key: &server_props::cookie::Key) -> String {
    let mut jar = server_props::cookie::CookieJar::new();
    jar.signed_mut(key).add(server_props::cookie::Cookie::new(
        app::layout::SESSION_COOKIE,
        name.to_owned(),
    ));
    let cookie = jar.delta().next().expect("one cookie").clone();
    format!("{}={}", cookie.name(), cookie.value())
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
