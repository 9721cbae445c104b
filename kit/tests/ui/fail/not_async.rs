use leptos::prelude::*;
use server_props::prelude::*;

#[page("/about")]
pub fn About(text: String) -> impl IntoView {
    text
}

#[loader(About)]
fn load_about() -> LoaderResult<String> {
    Ok("about".to_owned())
}

fn main() {}
