//! Sessions: a serde value kept for a visitor between requests, taken by a
//! loader or an action as an argument ([`Session<T>`]).
//!
//! Why the kit has its own: a session is what every app with a sign-in
//! needs first, and done by hand it is a signed cookie, a key, a
//! percent-encoding and a `Vary` to remember in every loader. Here it is
//! one argument and three calls ([`set`](Session::set),
//! [`rotate`](Session::rotate), [`clear`](Session::clear)), kept where the
//! app chooses ([`SessionConfig`]):
//!
//! * **in the cookie** (the default): the value as JSON, encrypted and
//!   signed with the kit's cookie key (a private cookie), so the browser
//!   can neither read nor change it and the server keeps nothing. Up to
//!   about 3 kB of JSON; every instance with the same key reads it.
//! * **in a store on the server** ([`SessionStore`]: [`MemorySessionStore`]
//!   for one process, [`RedisSessionStore`] with feature `redis` for every
//!   instance): the cookie holds a random 128-bit id, signed; the value
//!   stays on the server, can be large, and a sign-out ends it everywhere.
//!
//! Reading a session reads the `Cookie` header, so the answer varies by it
//! (`Vary: Cookie`): a shared cache never gives one visitor's page to
//! another. A cookie that was tampered with, signed with another key, or
//! names no stored session reads as no session.

pub(crate) mod store;

#[cfg(feature = "redis")]
pub use store::RedisSessionStore;
pub use store::{
    MemorySessionStore, SessionConfig, SessionStore, SessionStoreError, DEFAULT_SESSION_MAX_AGE,
};

use crate::ssr::{
    loader::error::LoaderError, request::context::LoaderContext, response::head::ResponseHead,
};
use cookie::Cookie;
use serde::{de::DeserializeOwned, Serialize};
use std::{fmt, sync::Arc};

/// A store that failed: down for now (503), as a database outage is.
fn store_failed(error: SessionStoreError) -> LoaderError {
    LoaderError::unavailable(error.to_string())
}

/// A visitor's session, as a loader or action argument: the value read
/// from the request (`None`: no session, or one that did not hold), and
/// the calls that change it. `T` is any serde type of the app's.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use server_props::{action, ActionOutcome, ActionResult, session::Session};
/// # use leptos::prelude::*;
/// # use server_props::{page, loader, LoaderResult};
/// # #[page("/login")] pub fn Login(_p: ()) -> impl IntoView {}
/// # #[loader(Login)] async fn load() -> LoaderResult<()> { Ok(()) }
///
/// #[derive(Clone, Serialize, Deserialize)]
/// pub struct User { name: String }
///
/// #[action(Login)]
/// async fn login(session: Session<User>) -> ActionResult<()> {
///     // A new session (and, in a store, a new id) on signing in.
///     session.rotate(User { name: "ada".into() }).await?;
///     Ok(ActionOutcome::redirect("/"))
/// }
/// ```
pub struct Session<T> {
    value: Option<T>,
    /// The stored session's id, when sessions are kept in a store and the
    /// request named one that exists.
    id: Option<String>,
    config: Arc<SessionConfig>,
    head: Arc<ResponseHead>,
}

impl<T> fmt::Debug for Session<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("present", &self.value.is_some())
            .finish_non_exhaustive()
    }
}

impl<T> Session<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// Reads the request's session (a loader argument does this for you).
    pub(crate) async fn read<S>(cx: &LoaderContext<S>) -> Result<Self, LoaderError> {
        let config = cx.session_config();
        let head = cx.shared_response();
        let (value, id) = match &config.store {
            None => {
                let value = cx
                    .private_cookie(&config.cookie_name)
                    .and_then(|c| serde_json::from_str::<InCookie<T>>(c.value()).ok())
                    // The browser's `Max-Age` is a request; the expiry
                    // sealed inside the cookie is the server's word.
                    .filter(|sealed| sealed.until > unix_now())
                    .map(|sealed| sealed.value);
                (value, None)
            }
            Some(store) => match cx.signed_cookie(&config.cookie_name) {
                Some(cookie) => {
                    let id = cookie.value().to_owned();
                    match store.load(&id).await.map_err(store_failed)? {
                        Some(bytes) => match serde_json::from_slice(&bytes) {
                            Ok(value) => (Some(value), Some(id)),
                            // Stored by an older shape of `T`: no session.
                            Err(_) => (None, Some(id)),
                        },
                        None => (None, None),
                    }
                }
                None => (None, None),
            },
        };
        Ok(Self {
            value,
            id,
            config,
            head,
        })
    }

    /// The session's value, if the visitor has one.
    pub fn get(&self) -> Option<&T> {
        self.value.as_ref()
    }

    /// The value, taken out.
    pub fn into_inner(self) -> Option<T> {
        self.value
    }

    /// Keeps `value` as the visitor's session (for `max_age` from now),
    /// under the same id when it is stored.
    ///
    /// # Errors
    /// 500 when the value does not serialise or the kit has no cookie key;
    /// 503 when the store fails.
    pub async fn set(&self, value: T) -> Result<(), LoaderError> {
        self.write(value, self.id.clone()).await
    }

    /// Keeps `value` as the visitor's session under a new id, forgetting
    /// the old one: call it on signing in, so an id someone knew before
    /// (a fixated session) opens nothing. In a cookie it is [`set`](Self::set).
    ///
    /// # Errors
    /// As [`set`](Self::set).
    pub async fn rotate(&self, value: T) -> Result<(), LoaderError> {
        if let (Some(store), Some(old)) = (&self.config.store, &self.id) {
            store.delete(old).await.map_err(store_failed)?;
        }
        self.write(value, None).await
    }

    /// Ends the session: the stored value is deleted and the browser told
    /// to forget the cookie. Call it on signing out.
    ///
    /// # Errors
    /// 503 when the store fails.
    pub async fn clear(&self) -> Result<(), LoaderError> {
        if let (Some(store), Some(id)) = (&self.config.store, &self.id) {
            store.delete(id).await.map_err(store_failed)?;
        }
        self.head.remove_cookie(&self.config.cookie_name)?;
        Ok(())
    }

    async fn write(&self, value: T, id: Option<String>) -> Result<(), LoaderError> {
        let max_age = cookie::time::Duration::seconds(
            i64::try_from(self.config.max_age.as_secs()).unwrap_or(i64::MAX),
        );
        let name = self.config.cookie_name.clone().into_owned();
        match &self.config.store {
            None => {
                let sealed = InCookie {
                    until: unix_now().saturating_add(self.config.max_age.as_secs()),
                    value,
                };
                let json = serde_json::to_string(&sealed).map_err(LoaderError::from)?;
                if json.len() > MAX_COOKIE_JSON {
                    // A browser drops a cookie over about 4 kB without a
                    // word: the visitor would look signed out.
                    return Err(LoaderError::internal(format!(
                        "the session is {} bytes of JSON, more than a cookie holds ({MAX_COOKIE_JSON}): \
                         keep it in a SessionStore (SessionConfig::store)",
                        json.len()
                    )));
                }
                let cookie = Cookie::build((name, json)).max_age(max_age).build();
                self.head.set_private_cookie(cookie)?;
            }
            Some(store) => {
                let json = serde_json::to_vec(&value).map_err(LoaderError::from)?;
                let id = id.unwrap_or_else(new_id);
                store
                    .save(&id, json, self.config.max_age)
                    .await
                    .map_err(store_failed)?;
                let cookie = Cookie::build((name, id)).max_age(max_age).build();
                self.head.set_signed_cookie(cookie)?;
            }
        }
        Ok(())
    }
}

/// The most JSON a session kept in a cookie may be: encrypted and encoded
/// it grows by a third and some, and browsers keep cookies of up to 4,096
/// bytes, name and attributes included.
const MAX_COOKIE_JSON: usize = 2_800;

/// The `name=value` of a session cookie holding `value`, as a session kept
/// in the cookie under the default [`SessionConfig`] writes it, for tests
/// that start signed in (`server_props::testing::session_cookie`).
#[cfg(feature = "testing")]
pub(crate) fn cookie_pair<T: Serialize>(
    key: &cookie::Key,
    value: &T,
) -> Result<String, serde_json::Error> {
    let config = SessionConfig::default();
    let sealed = InCookie {
        until: unix_now().saturating_add(config.max_age.as_secs()),
        value,
    };
    let json = serde_json::to_string(&sealed)?;
    let mut jar = cookie::CookieJar::new();
    jar.private_mut(key)
        .add(Cookie::new(config.cookie_name.into_owned(), json));
    let cookie = jar.delta().next().expect("one cookie was added");
    Ok(format!("{}={}", cookie.name(), cookie.value()))
}

/// A session as its cookie holds it: the value, and until when it holds
/// (seconds since 1970), sealed with it so a copied cookie stops working
/// at that time whatever the browser does.
#[derive(Serialize, serde::Deserialize)]
struct InCookie<T> {
    until: u64,
    value: T,
}

fn unix_now() -> u64 {
    web_time::SystemTime::now()
        .duration_since(web_time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A new session id: 128 random bits from the operating system's
/// generator (through `rand`'s thread generator), URL-safe base64.
fn new_id() -> String {
    leptos::nonce::Nonce::new().to_string()
}

impl<S, T> crate::ssr::request::extract::FromLoader<S> for Session<T>
where
    S: Send + Sync,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    fn from_loader(
        cx: &mut LoaderContext<S>,
    ) -> impl std::future::Future<Output = Result<Self, LoaderError>> + Send {
        Session::read(cx)
    }
}
