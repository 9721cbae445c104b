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
    /// How many of them this visitor added (kept in their session).
    pub yours: u32,
}

/// What the app keeps for each visitor between requests: a `Session<Visitor>`
/// argument reads and sets it (an encrypted cookie, whose key `AppServer`
/// takes from `SERVER_PROPS_COOKIE_SECRET`).
#[cfg(feature = "ssr")]
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct Visitor {
    /// The notes this visitor added.
    pub added: u32,
}

/// The notes, and a form that adds one. Without JavaScript the form posts
/// the page (then 303 back to `/`); with it, one request brings the new list.
/// A refused note shows the action's message (its action data) beside the
/// list.
#[page("/")]
pub fn Notes(props: NotesProps) -> impl IntoView {
    let error = use_action_data::<Notes>();
    view! {
        <h1>"Notes"</h1>
        <ul class="notes">
            {props.notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
        </ul>
        <p class="yours">{format!("Yours: {}", props.yours)}</p>
        <Form>
            <input name="note" placeholder="A note"/>
            <button>"Add"</button>
        </Form>
        {move || error.get().map(|e| view! { <p class="error">{e}</p> })}
    }
}

#[loader(Notes)]
async fn load_notes(
    State(state): State<AppState>,
    session: Session<Visitor>,
) -> LoaderResult<NotesProps> {
    let notes = state.notes.lock().unwrap().clone();
    let yours = session.get().map_or(0, |v| v.added);
    Ok(NotesProps { notes, yours })
}

/// What the form sends.
#[cfg(feature = "ssr")]
#[derive(Deserialize)]
struct NoteForm {
    note: String,
}

/// Runs for the form's submission: a note with no text is refused (422:
/// the page again, its loader's list with this message); otherwise it is
/// kept and the page shows the new list (`Done`).
#[action(Notes)]
async fn add_note(
    FormData(form): FormData<NoteForm>,
    State(state): State<AppState>,
    session: Session<Visitor>,
) -> ActionResult<String> {
    if form.note.trim().is_empty() {
        return Ok(ActionOutcome::Invalid("A note needs some text.".to_owned()));
    }
    state.notes.lock().unwrap().push(form.note);
    let added = session.get().map_or(0, |v| v.added) + 1;
    session.set(Visitor { added }).await?;
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
