//! `/repos/:owner/:name`: the reference text's example, read from the database.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use server_props::Page;

/// A repository, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repo {
    /// The owning account.
    pub owner: String,
    /// The repository name.
    pub name: String,
    /// How many stars it has.
    pub stargazers_count: i64,
}

/// The repository page.
pub struct RepoPage;

impl Page for RepoPage {
    type Props = Repo;

    fn view(repo: Repo) -> impl IntoView {
        let full_name = format!("{}/{}", repo.owner, repo.name);
        view! {
            <Title text=full_name.clone()/>
            <h1>{full_name}</h1>
            <p>"Stars: " <span class="stars">{repo.stargazers_count}</span></p>
        }
    }
}

#[cfg(feature = "ssr")]
mod loader {
    use super::*;
    use crate::state::{is_unavailable, AppState};
    use server_props::{Loader, LoaderContext, LoaderError, LoaderResult, Outcome, ResponseHead};

    /// The only SQL in the app; a test checks it never reaches the wasm bundle.
    const SELECT_REPO: &str =
        "SELECT owner, name, stargazers_count FROM repos WHERE owner = ?1 AND name = ?2";

    impl Loader for RepoPage {
        type State = AppState;

        async fn load(cx: &mut LoaderContext<AppState>) -> LoaderResult<Repo> {
            let row: Option<(String, String, i64)> = sqlx::query_as(SELECT_REPO)
                .bind(cx.param("owner")?)
                .bind(cx.param("name")?)
                .fetch_optional(&cx.state().db)
                .await
                .map_err(|e| db_error(cx.response(), e))?;
            Ok(match row {
                Some((owner, name, stargazers_count)) => Repo {
                    owner,
                    name,
                    stargazers_count,
                }
                .into(),
                None => Outcome::NotFound,
            })
        }
    }

    /// Seconds a client should wait before retrying when the database is down.
    const RETRY_AFTER_SECS: &str = "5";

    /// A database that is down answers 503 with `Retry-After` (the page
    /// comes back by itself once it is up); any other database error is a 500.
    fn db_error(response: &ResponseHead, error: sqlx::Error) -> LoaderError {
        if is_unavailable(&error) {
            response.insert_header(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(RETRY_AFTER_SECS),
            );
            LoaderError::from(error).with_status(axum::http::StatusCode::SERVICE_UNAVAILABLE)
        } else {
            error.into()
        }
    }
}
