use leptos::prelude::*;
use server_props::prelude::*;

#[page("/about")]
pub fn About(text: String) -> impl IntoView {
    text
}

#[loader(About)]
async fn load_about(head: &ResponseHead, cx: &mut LoaderContext<()>) -> LoaderResult<String> {
    let _ = (head, cx);
    Ok("about".to_owned())
}

fn main() {}
