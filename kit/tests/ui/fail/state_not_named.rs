//! `State` under another name gives no hint of the loader's state: the
//! argument's error says to name it.

use axum::extract::State as Shared;
use leptos::prelude::*;
use server_props::prelude::*;

#[derive(Clone)]
pub struct AppState;

#[page("/notes")]
pub fn Notes(count: u32) -> impl IntoView {
    count
}

#[loader(Notes)]
async fn load_notes(Shared(_): Shared<AppState>) -> LoaderResult<u32> {
    Ok(1)
}

fn main() {}
