//! The pages: each is a props type, a component taking it, and a loader
//! that runs on the server only (`#[loader]` and `#[action]` compile with
//! `ssr` alone).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;
use std::sync::LazyLock;

/// The app's shared state: what loaders read besides the request.
#[cfg(feature = "ssr")]
#[derive(Clone, Default)]
pub struct AppState {
    /// The notes, newest last (a real app keeps them in a database).
    pub notes: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

/// What `/` shows.
#[derive(Clone, Serialize, Deserialize)]
pub struct NotesProps {
    /// The notes so far.
    pub notes: Vec<String>,
    /// Why the last submission was refused.
    pub error: Option<String>,
}

/// The notes, and a form that adds one. Without JavaScript the form posts
/// the page (then 303 back to `/`); with it, one request brings the new list.
#[page("/")]
pub fn Notes(props: NotesProps) -> impl IntoView {
    view! {
        <h1>"Notes"</h1>
        <ul class="notes">
            {props.notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
        </ul>
        <Form>
            <input name="note" placeholder="A note"/>
            <button>"Add"</button>
        </Form>
        {props.error.map(|e| view! { <p class="error">{e}</p> })}
    }
}

#[loader(Notes)]
async fn load_notes(State(state): State<AppState>) -> LoaderResult<NotesProps> {
    let notes = state.notes.lock().unwrap().clone();
    Ok(NotesProps { notes, error: None })
}

/// What the form sends.
#[cfg(feature = "ssr")]
#[derive(Deserialize)]
struct NoteForm {
    note: String,
}

/// Runs for the form's submission: a note with no text is refused (422,
/// the page with its error); otherwise it is kept and the page shows the
/// new list (`Done`).
#[action(Notes)]
async fn add_note(
    FormData(form): FormData<NoteForm>,
    State(state): State<AppState>,
) -> ActionResult<NotesProps> {
    if form.note.trim().is_empty() {
        let notes = state.notes.lock().unwrap().clone();
        let error = Some("A note needs some text.".to_owned());
        return Ok(ActionOutcome::Invalid(NotesProps { notes, error }));
    }
    state.notes.lock().unwrap().push(form.note);
    Ok(ActionOutcome::Done)
}

/// What `/hello/:name` shows.
#[derive(Clone, Serialize, Deserialize)]
pub struct Greeting {
    /// Whom to greet.
    pub name: String,
}

/// A greeting: its props come as JSON when a link leads here.
#[page("/hello/:name")]
pub fn Hello(greeting: Greeting) -> impl IntoView {
    view! { <h1>"Hello, " {greeting.name} "!"</h1> }
}

#[loader(Hello)]
async fn load_hello(#[param] name: String) -> LoaderResult<Greeting> {
    Ok(Greeting { name })
}

/// The app's page table, shared by the server and the browser build.
pub static PAGES: LazyLock<Pages> =
    LazyLock::new(|| Pages::new().page::<Notes>().page::<Hello>());
