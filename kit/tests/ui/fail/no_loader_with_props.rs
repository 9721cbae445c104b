//! `no_loader` makes a loader that returns `()`: a page with props needs
//! its own, said at the action; and `no_loader` is for actions only.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;

#[derive(Serialize, Deserialize)]
pub struct Post {
    title: String,
}

#[page("/blog/:post")]
pub fn BlogPost(post: Post) -> impl IntoView {
    post.title
}

#[action(BlogPost, no_loader)]
async fn edit_post() -> ActionResult {
    Ok(ActionOutcome::Done)
}

#[page("/about")]
pub fn About() -> impl IntoView {
    "about"
}

#[loader(About, no_loader)]
async fn load_about() -> LoaderResult<()> {
    Ok(())
}

fn main() {}
