//! A page's action with another state than its loader's.

use leptos::prelude::*;
use server_props::prelude::*;

#[derive(Clone)]
pub struct AppState;

#[derive(Clone)]
pub struct OtherState;

#[page("/notes")]
pub fn Notes(count: u32) -> impl IntoView {
    count
}

#[loader(Notes)]
async fn load_notes(State(_): State<AppState>) -> LoaderResult<u32> {
    Ok(1)
}

#[action(Notes)]
async fn add_note(State(_): State<OtherState>) -> ActionResult<u32> {
    Ok(ActionOutcome::Done)
}

fn main() {}
