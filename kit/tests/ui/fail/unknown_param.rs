use leptos::prelude::*;
use server_props::prelude::*;

#[page("/blog/:post")]
pub fn BlogPost(title: String) -> impl IntoView {
    title
}

#[loader(BlogPost)]
async fn load_post(#[param] slug: String) -> LoaderResult<String> {
    Ok(slug)
}

fn main() {}
