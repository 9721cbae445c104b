//! A route param without `#[param]` is not an argument by its type.

use leptos::prelude::*;
use server_props::prelude::*;

#[page("/blog/:post")]
pub fn BlogPost(title: String) -> impl IntoView {
    title
}

#[loader(BlogPost)]
async fn load_post(post: Option<String>) -> LoaderResult<String> {
    Ok(post.unwrap_or_default())
}

fn main() {}
