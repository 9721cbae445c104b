//! Arguments by their trait, not their name: renamed imports, the app's own
//! `FromLoader` and `FromLoaderBody` types, a page without props, and the
//! kit under another name (`crate = …`).

use axum::extract::Query as Q;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_props::extract::{FromLoader, FromLoaderBody, Json as JsonBody, Params as RouteParams};
use server_props::prelude::*;

/// The kit under another name, as a renamed dependency would be.
mod renamed {
    pub use server_props as kit;
}

/// The app's own argument: made from the context (the cookies), not the body.
pub struct User(String);

impl<S: Send + Sync> FromLoader<S> for User {
    async fn from_loader(cx: &mut LoaderContext<S>) -> Result<Self, LoaderError> {
        cx.cookie("user").map(User).ok_or_else(|| NotFound.into())
    }
}

/// The app's own body: a body argument, so a second one would not compile.
pub struct Text(String);

impl<S: Send + Sync> FromLoaderBody<S> for Text {
    async fn from_loader_body(cx: &mut LoaderContext<S>) -> Result<Self, LoaderError> {
        let bytes = cx.bytes().await?;
        Ok(Text(String::from_utf8_lossy(&bytes).into_owned()))
    }
}

#[derive(Serialize, Deserialize)]
pub struct Post {
    title: String,
}

#[derive(Deserialize)]
pub struct PostParams {
    post: String,
}

#[derive(Deserialize)]
pub struct Paging {
    page: Option<u32>,
}

#[derive(Deserialize)]
pub struct Entry {
    title: String,
}

#[page("/blog/:post")]
pub fn BlogPost(post: Post) -> impl IntoView {
    post.title
}

#[loader(BlogPost, methods(PUT))]
async fn load_post(
    user: User,
    RouteParams(p): RouteParams<PostParams>,
    Q(paging): Q<Paging>,
    JsonBody(entry): JsonBody<Entry>,
) -> LoaderResult<Post> {
    Ok(Post {
        title: format!("{} {} {} {:?}", user.0, p.post, entry.title, paging.page),
    })
}

#[action(BlogPost)]
async fn edit_post(head: &ResponseHead, Text(text): Text, user: User) -> ActionResult<String> {
    head.invalidate("posts")?;
    Ok(ActionOutcome::Invalid(text + &user.0))
}

/// A page without props.
#[page("/about", crate = renamed::kit)]
pub fn About() -> impl IntoView {
    "about"
}

#[loader(About, crate = renamed::kit)]
async fn load_about(head: &ResponseHead) -> LoaderResult<()> {
    head.set_cache_control("public, max-age=60")?;
    Ok(())
}

#[action(About, crate = renamed::kit)]
async fn act_about() -> ActionResult<()> {
    Ok(ActionOutcome::Done)
}

/// The old spelling of a page without props still works.
#[page("/contact")]
pub fn Contact(_: ()) -> impl IntoView {
    "contact"
}

#[loader(Contact)]
async fn load_contact() -> LoaderResult<()> {
    Ok(())
}

fn main() {
    let pages = Pages::new()
        .page::<BlogPost>()
        .page::<About>()
        .page::<Contact>();
    assert_eq!(pages.len(), 3);
}
