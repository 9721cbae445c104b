//! `/repos/:owner/:name`: the reference text's example, read from the database.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;

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
#[page("/repos/:owner/:name")]
pub fn RepoPage(repo: Repo) -> impl IntoView {
    let full_name = format!("{}/{}", repo.owner, repo.name);
    view! {
        <Title text=full_name.clone()/>
        <h1>{full_name}</h1>
        <p>"Stars: " <span class="stars">{repo.stargazers_count}</span></p>
    }
}

/// The only SQL in the app's read path (SQLite and PostgreSQL alike); a test
/// checks it never reaches the wasm bundle.
#[cfg(feature = "ssr")]
const SELECT_REPO: &str =
    "SELECT owner, name, stargazers_count FROM repos WHERE owner = $1 AND name = $2";

#[loader(RepoPage)]
async fn load_repo(
    #[param] owner: String,
    #[param] name: String,
    State(state): State<crate::state::AppState>,
) -> LoaderResult<Repo> {
    let (owner, name, stargazers_count) = sqlx::query_as(SELECT_REPO)
        .bind(owner)
        .bind(name)
        .fetch_optional(&state.db)
        .await
        .map_err(server_props::db::error)?
        .ok_or(NotFound)?;
    Ok(Repo {
        owner,
        name,
        stargazers_count,
    })
}
