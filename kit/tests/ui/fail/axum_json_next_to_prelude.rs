//! `use axum::Json;` beside the prelude: the explicit import wins, and
//! axum's body extractor is not a loader argument (the kit's `Json` is).

use axum::Json;
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
async fn load_echo(Json(entry): Json<Entry>) -> LoaderResult<String> {
    Ok(entry.text)
}

fn main() {}
