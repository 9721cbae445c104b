//! Pages whose loaders do something other than return props: not found,
//! redirects, errors, panics and a response of the loader's own.

use leptos::prelude::*;
use server_props::prelude::*;

/// `/not-found` and `/not-found/:slug`: always "not found".
#[page("/not-found", "/not-found/:slug")]
pub fn Missing() -> impl IntoView {}

#[loader(Missing)]
async fn load_missing() -> LoaderResult<()> {
    Err(NotFound)?
}

/// `/redirect/:kind`: a redirect of each kind.
#[page("/redirect/:kind")]
pub fn Redirecting(_: ()) -> impl IntoView {}

/// Where `/redirect/:kind` sends the browser.
#[cfg(feature = "ssr")]
#[derive(serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
enum RedirectKind {
    Temporary,
    Permanent,
    ToBlog,
    External,
}

#[loader(Redirecting)]
async fn load_redirecting(#[param] kind: RedirectKind) -> LoaderResult<()> {
    Err(match kind {
        RedirectKind::Temporary => Redirect::temporary("/"),
        RedirectKind::Permanent => Redirect::permanent("/"),
        RedirectKind::ToBlog => Redirect::temporary("/blog/redirected"),
        RedirectKind::External => Redirect::temporary("https://example.com/"),
    })?
}

/// `/redirect/status/:code`: a redirect with an explicit 301, 302 or 303.
#[page("/redirect/status/:code")]
pub fn RedirectingWithStatus(_: ()) -> impl IntoView {}

#[loader(RedirectingWithStatus)]
async fn load_redirecting_with_status(#[param] code: u16) -> LoaderResult<()> {
    let status = server_props::RedirectStatus::from_code(code)
        .filter(|s| matches!(s.code(), 301..=303))
        .ok_or(NotFound)?;
    Err(Redirect::with_status(status, "/"))?
}

/// `/error`: the loader returns an error.
#[page("/error")]
pub fn Failing(_: ()) -> impl IntoView {}

#[loader(Failing)]
async fn load_failing() -> LoaderResult<()> {
    Err(LoaderError::internal("the /error page always fails"))
}

/// `/panic`: the loader panics.
#[page("/panic")]
pub fn Panicking(_: ()) -> impl IntoView {}

#[loader(Panicking)]
#[allow(clippy::panic)]
async fn load_panicking() -> LoaderResult<()> {
    panic!("the /panic page always panics");
}

/// `/raw`: the loader sends its own `text/plain` response.
#[page("/raw")]
pub fn Raw(_: ()) -> impl IntoView {}

#[loader(Raw)]
async fn load_raw() -> LoaderResult<()> {
    use axum::{http::header::CONTENT_TYPE, response::IntoResponse};
    let response = (
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        "hello from loader",
    );
    Err(LoaderError::response(response.into_response()))
}
