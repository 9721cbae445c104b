use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;

#[derive(Serialize, Deserialize)]
pub struct Post {
    title: String,
}

#[derive(Serialize, Deserialize)]
pub struct Other {
    count: u32,
}

#[page("/blog/:post")]
pub fn BlogPost(post: Post) -> impl IntoView {
    post.title
}

// Refused at the loader's return type, before any page table names it.
#[loader(BlogPost)]
async fn load_post() -> LoaderResult<Other> {
    Ok(Other { count: 1 })
}

fn main() {}
