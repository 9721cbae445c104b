//! Every kind of loader argument, a page at two paths, a layout.

use axum::{extract::Query, http::HeaderMap};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;

#[derive(Serialize, Deserialize)]
pub struct Post {
    title: String,
}

#[derive(Deserialize)]
pub struct Paging {
    page: Option<u32>,
}

#[derive(Clone)]
pub struct AppState {
    greeting: &'static str,
}

/// A blog post.
#[page("/blog/:post", "/posts/:post")]
pub fn BlogPost(post: Post) -> impl IntoView {
    view! { <h1>{post.title}</h1> }
}

#[loader(BlogPost, methods(PUT, DELETE))]
async fn load_post(
    #[param] post: String,
    Query(paging): Query<Paging>,
    headers: HeaderMap,
    State(state): State<AppState>,
    head: &ResponseHead,
) -> LoaderResult<Post> {
    if post == "gone" {
        Err(NotFound)?;
    }
    head.set_cache_control("public, max-age=60")?;
    Ok(Post {
        title: format!(
            "{} {post} {} {}",
            state.greeting,
            paging.page.unwrap_or(1),
            headers.len()
        ),
    })
}

#[derive(Deserialize)]
pub struct RepoParams {
    owner: String,
    name: String,
}

#[page("/repos/:owner/:name")]
pub fn Repo(post: Post) -> impl IntoView {
    view! { <p>{post.title}</p> }
}

#[loader(Repo, state = AppState)]
async fn load_repo(
    Params(p): Params<RepoParams>,
    cx: &mut LoaderContext<AppState>,
) -> Result<Post, LoaderError> {
    let body = cx.bytes().await?;
    Ok(Post {
        title: format!("{}/{} {}", p.owner, p.name, body.len()),
    })
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Session {
    user: Option<String>,
}

pub struct AppLayout;

impl Layout for AppLayout {
    type Data = Session;
}

#[loader(AppLayout)]
async fn load_session(cx: &LoaderContext<()>) -> LoaderResult<Session> {
    Ok(Session {
        user: cx.cookie("user"),
    })
}

fn main() {
    let pages = Pages::new()
        .page::<BlogPost>()
        .page::<Repo>()
        .layout::<AppLayout>();
    assert_eq!(pages.paths().collect::<Vec<_>>(), ["/blog/:post", "/posts/:post", "/repos/:owner/:name"]);
    let _ = (AppState { greeting: "hi" }).greeting;
}
