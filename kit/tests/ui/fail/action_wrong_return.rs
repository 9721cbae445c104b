use leptos::prelude::*;
use server_props::prelude::*;

#[page("/note")]
pub fn Note(text: String) -> impl IntoView {
    text
}

#[loader(Note)]
async fn load_note() -> LoaderResult<String> {
    Ok(String::new())
}

// An action says what comes next, not the props themselves.
#[action(Note)]
async fn save_note() -> LoaderResult<String> {
    Ok(String::new())
}

fn main() {}
