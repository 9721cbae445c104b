//! Sessions as a loader argument: kept in a private cookie (the default)
//! or in a store on the server (in memory; in Redis with feature `redis`),
//! set, rotated on signing in, cleared on signing out; a tampered cookie,
//! one made with another key, or one naming no stored session is no
//! session. Through the kit's test client, no socket.

#![cfg(feature = "testing")]

mod common;

#[cfg(feature = "redis")]
#[path = "support/redis_server.rs"]
mod redis_server;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_props::{
    action,
    app::{AppServer, BuiltApp},
    cookie::{Cookie, Key},
    loader, page,
    session::{MemorySessionStore, Session, SessionConfig},
    testing::TestClient,
    ActionOutcome, ActionResult, LoaderResult, Pages,
};
use std::sync::{Arc, LazyLock};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct User {
    name: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Me {
    name: String,
}

/// Who the session says is signed in.
#[page("/me")]
pub fn MePage(me: Me) -> impl IntoView {
    view! { <p id="me">{me.name}</p> }
}

#[loader(MePage)]
async fn load_me(session: Session<User>) -> LoaderResult<Me> {
    let name = session
        .get()
        .map_or("nobody", |u| u.name.as_str())
        .to_owned();
    Ok(Me { name })
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    name: String,
}

/// Signs in: a new session (a new id in a store).
#[page("/login")]
pub fn LoginPage(_p: ()) -> impl IntoView {}

#[loader(LoginPage)]
async fn load_login() -> LoaderResult<()> {
    Ok(())
}

#[action(LoginPage)]
async fn sign_in(
    server_props::extract::FormData(form): server_props::extract::FormData<LoginForm>,
    session: Session<User>,
) -> ActionResult<()> {
    session.rotate(User { name: form.name }).await?;
    Ok(ActionOutcome::redirect("/me"))
}

/// Renames the signed-in user, keeping the session (and its id).
#[page("/rename")]
pub fn RenamePage(_p: ()) -> impl IntoView {}

#[loader(RenamePage)]
async fn load_rename() -> LoaderResult<()> {
    Ok(())
}

#[action(RenamePage)]
async fn rename(
    server_props::extract::FormData(form): server_props::extract::FormData<LoginForm>,
    session: Session<User>,
) -> ActionResult<()> {
    session.set(User { name: form.name }).await?;
    Ok(ActionOutcome::redirect("/me"))
}

/// Signs out.
#[page("/logout")]
pub fn LogoutPage(_p: ()) -> impl IntoView {}

#[loader(LogoutPage)]
async fn load_logout() -> LoaderResult<()> {
    Ok(())
}

#[action(LogoutPage)]
async fn logout(session: Session<User>) -> ActionResult<()> {
    session.clear().await?;
    Ok(ActionOutcome::redirect("/me"))
}

static PAGES: LazyLock<Pages> = LazyLock::new(|| {
    Pages::new()
        .page::<MePage>()
        .page::<LoginPage>()
        .page::<RenamePage>()
        .page::<LogoutPage>()
});

fn key(secret: &str) -> Key {
    Key::derive_from(format!("{secret}: a secret of thirty-two bytes or more").as_bytes())
}

fn app_with(key: Key, sessions: SessionConfig) -> BuiltApp {
    let options = LeptosOptions::builder()
        .output_name("app")
        .site_root(env!("CARGO_TARGET_TMPDIR"))
        .build();
    AppServer::new(&PAGES, common::shell(&PAGES))
        .options(options)
        .props(move |p| p.build_id("b").cookie_key(key).sessions(sessions))
        .build()
        .unwrap()
}

async fn me(client: &TestClient) -> String {
    let page = client.get("/me").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let vary = page.header("vary").unwrap_or_default().to_owned();
    assert!(
        vary.contains("Cookie"),
        "reading the session varies by it: {vary}"
    );
    let start = page.body.find("<p id=\"me\">").expect("the page") + 11;
    page.body[start..start + page.body[start..].find('<').unwrap()].to_owned()
}

async fn login(client: &TestClient, name: &str) {
    let answer = client.post_form("/login", &[("name", name)]).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
}

/// What every kind of store must do.
async fn sessions_are_set_rotated_and_cleared(sessions: SessionConfig, stored: bool) {
    let app = app_with(key("one"), sessions.clone());
    let ada = TestClient::new(&app);
    assert_eq!(me(&ada).await, "nobody");
    login(&ada, "ada").await;
    assert_eq!(me(&ada).await, "ada");
    let first = ada.cookie("session").expect("a session cookie");
    assert!(!first.value().contains("ada"), "the browser cannot read it");

    // Setting keeps the id; rotating (signing in again) changes it, and
    // the old cookie opens nothing any more.
    let renamed = ada.post_form("/rename", &[("name", "Ada L.")]).await;
    assert_eq!(renamed.status, 303);
    assert_eq!(me(&ada).await, "Ada L.");
    login(&ada, "ada").await;
    let rotated = ada.cookie("session").unwrap();
    assert_ne!(rotated.value(), first.value());
    let thief = TestClient::new(&app);
    thief.set_cookie(first.clone());
    if stored {
        assert_eq!(me(&thief).await, "nobody", "the id before rotation is dead");
    }

    // Another visitor has a session of their own.
    let bob = TestClient::new(&app);
    login(&bob, "bob").await;
    assert_eq!(
        (me(&ada).await, me(&bob).await),
        ("ada".into(), "bob".into())
    );

    // Tampered, or made with another key: no session.
    let tampered = TestClient::new(&app);
    let mut value = rotated.value().to_owned();
    let last = value.pop().unwrap();
    value.push(if last == 'A' { 'B' } else { 'A' });
    tampered.set_cookie(Cookie::new("session", value));
    assert_eq!(me(&tampered).await, "nobody");
    let other_app = app_with(key("two"), sessions);
    let elsewhere = TestClient::new(&other_app);
    login(&elsewhere, "eve").await;
    let foreign = elsewhere.cookie("session").unwrap();
    let carried = TestClient::new(&app);
    carried.set_cookie(foreign);
    assert_eq!(me(&carried).await, "nobody");

    // Signing out ends it: the cookie goes, and (in a store) the session.
    let stolen = ada.cookie("session").unwrap();
    let out = ada.post_form("/logout", &[("x", "1")]).await;
    assert_eq!(out.status, 303);
    assert!(ada.cookie("session").is_none());
    assert_eq!(me(&ada).await, "nobody");
    let replay = TestClient::new(&app);
    replay.set_cookie(stolen);
    if stored {
        assert_eq!(me(&replay).await, "nobody", "signed out everywhere");
    }
    assert_eq!(me(&bob).await, "bob");
}

#[tokio::test]
async fn in_a_private_cookie() {
    sessions_are_set_rotated_and_cleared(SessionConfig::default(), false).await;
}

#[tokio::test]
async fn in_memory() {
    let store = Arc::new(MemorySessionStore::default());
    sessions_are_set_rotated_and_cleared(
        SessionConfig::default().store(SharedMemory(store.clone())),
        true,
    )
    .await;
    // Bob's session, and eve's (another app's key, the same store).
    assert_eq!(store.len(), 2);
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn in_redis() {
    let server = redis_server::RedisServer::start();
    let store = server_props::session::RedisSessionStore::new(&server.url()).unwrap();
    sessions_are_set_rotated_and_cleared(SessionConfig::default().store(store), true).await;
}

/// A memory store the test can look into after the app has it.
struct SharedMemory(Arc<MemorySessionStore>);

impl server_props::session::SessionStore for SharedMemory {
    fn load<'a>(
        &'a self,
        id: &'a str,
    ) -> futures::future::BoxFuture<
        'a,
        Result<Option<Vec<u8>>, server_props::session::SessionStoreError>,
    > {
        self.0.load(id)
    }
    fn save<'a>(
        &'a self,
        id: &'a str,
        data: Vec<u8>,
        ttl: std::time::Duration,
    ) -> futures::future::BoxFuture<'a, Result<(), server_props::session::SessionStoreError>> {
        self.0.save(id, data, ttl)
    }
    fn delete<'a>(
        &'a self,
        id: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<(), server_props::session::SessionStoreError>> {
        self.0.delete(id)
    }
}

/// A session kept in a cookie ends when it says, whatever the browser
/// does with the cookie; and one too large for a cookie is refused (a
/// browser would drop it without a word) rather than lost.
#[tokio::test]
async fn a_session_in_a_cookie_expires_and_stays_small() {
    // Sessions that end as soon as they are made: the browser is told
    // `Max-Age=0`, and a client that keeps the cookie anyway gets nothing.
    let expired = app_with(
        key("one"),
        SessionConfig::default().max_age(std::time::Duration::ZERO),
    );
    let ada = TestClient::new(&expired);
    let answer = ada.post_form("/login", &[("name", "ada")]).await;
    assert_eq!(answer.status, 303);
    let sent = answer
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| Cookie::parse(v.to_owned()).ok())
        .find(|c| c.name() == "session")
        .expect("a session cookie was sent");
    let keeps_it = TestClient::new(&expired);
    keeps_it.set_cookie(Cookie::new("session", sent.value().to_owned()));
    assert_eq!(me(&keeps_it).await, "nobody", "the sealed expiry holds");
    // The same cookie value under a config that lets sessions live reads
    // fine: it is the expiry inside it that ended it, not the key.
    let lasting = app_with(key("one"), SessionConfig::default());
    let keeper = TestClient::new(&lasting);
    login(&keeper, "ada").await;
    assert_eq!(me(&keeper).await, "ada");

    let big = "x".repeat(4_000);
    let answer = keeper.post_form("/rename", &[("name", big.as_str())]).await;
    assert_eq!(answer.status, 500, "{}", answer.body);
    assert_eq!(me(&keeper).await, "ada", "the session it had stays");
}
