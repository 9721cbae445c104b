//! Two arguments that read the body: the second would find it read.

use leptos::prelude::*;
use serde::Deserialize;
use server_props::prelude::*;

#[derive(Deserialize)]
pub struct Entry {
    text: String,
}

#[page("/echo")]
pub fn Echo(text: String) -> impl IntoView {
    text
}

#[loader(Echo)]
async fn load_echo(
    FormData(form): FormData<Entry>,
    State(()): State<()>,
    Json(json): Json<Entry>,
) -> LoaderResult<String> {
    Ok(form.text + &json.text)
}

fn main() {}
