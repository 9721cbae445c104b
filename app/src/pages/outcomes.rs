//! Pages whose loaders do something other than return props: not found,
//! redirects, errors, panics and a response of the loader's own.

use leptos::prelude::*;
use server_props::Page;

macro_rules! no_props_page {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        pub struct $name;

        impl Page for $name {
            type Props = ();
            fn view(_: ()) -> impl IntoView {}
        }
    )*};
}

no_props_page! {
    /// `/not-found` and `/not-found/:slug`: always "not found".
    Missing,
    /// `/redirect/:kind` and `/redirect/status/:code`.
    Redirecting,
    /// `/error`: the loader returns an error.
    Failing,
    /// `/panic`: the loader panics.
    Panicking,
    /// `/raw`: the loader sends its own `text/plain` response.
    Raw,
}

#[cfg(feature = "ssr")]
mod loader {
    use super::*;
    use axum::{http::header::CONTENT_TYPE, response::IntoResponse};
    use server_props::{
        Loader, LoaderContext, LoaderError, LoaderResult, Outcome, Redirect, RedirectStatus,
    };

    impl Loader for Missing {
        type State = ();
        async fn load(_: &mut LoaderContext<()>) -> LoaderResult<()> {
            Ok(Outcome::NotFound)
        }
    }

    impl Loader for Redirecting {
        type State = ();
        async fn load(cx: &mut LoaderContext<()>) -> LoaderResult<()> {
            if let Ok(code) = cx.param("code") {
                let status = code
                    .parse()
                    .ok()
                    .and_then(RedirectStatus::from_code)
                    .filter(|s| matches!(s.code(), 301..=303));
                return Ok(match status {
                    Some(status) => Outcome::Redirect(Redirect::with_status(status, "/")),
                    None => Outcome::NotFound,
                });
            }
            Ok(match cx.param("kind")? {
                "temporary" => Outcome::Redirect(Redirect::temporary("/")),
                "permanent" => Outcome::Redirect(Redirect::permanent("/")),
                "to-blog" => Outcome::Redirect(Redirect::temporary("/blog/redirected")),
                "external" => Outcome::Redirect(Redirect::temporary("https://example.com/")),
                _ => Outcome::NotFound,
            })
        }
    }

    impl Loader for Failing {
        type State = ();
        async fn load(_: &mut LoaderContext<()>) -> LoaderResult<()> {
            Err(LoaderError::internal("the /error page always fails"))
        }
    }

    impl Loader for Panicking {
        type State = ();
        #[allow(clippy::panic)]
        async fn load(_: &mut LoaderContext<()>) -> LoaderResult<()> {
            panic!("the /panic page always panics");
        }
    }

    impl Loader for Raw {
        type State = ();
        async fn load(_: &mut LoaderContext<()>) -> LoaderResult<()> {
            let response = (
                [(CONTENT_TYPE, "text/plain; charset=utf-8")],
                "hello from loader",
            );
            Ok(Outcome::Response(response.into_response()))
        }
    }
}
