//! An action with every outcome, an intent enum and action data read by
//! its page; a page with an action and no loader; a page with a pending
//! view and a navigation policy.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_props::{prelude::*, Loader};

#[derive(Serialize, Deserialize, Default)]
pub struct NoteProps {
    text: String,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct NoteRefused {
    text: String,
    error: String,
}

#[page("/notes/:id")]
pub fn Note(props: NoteProps) -> impl IntoView {
    let refused = use_action_data::<Note>();
    view! {
        <Form><input name="text" value=props.text/><button name="intent" value="save">"Save"</button></Form>
        {move || refused.get().map(|r| format!("{}: {}", r.text, r.error))}
    }
}

#[loader(Note)]
async fn load_note(#[param] id: u32) -> LoaderResult<NoteProps> {
    Ok(NoteProps { text: id.to_string() })
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    Save { text: String },
    Delete,
    Away,
}

#[action(Note)]
async fn act_on_note(
    #[param] id: u32,
    FormData(intent): FormData<Intent>,
    head: &ResponseHead,
) -> ActionResult<NoteRefused> {
    head.invalidate(&format!("note:{id}"))?;
    match intent {
        Intent::Save { text } if text.is_empty() => Ok(ActionOutcome::Invalid(NoteRefused {
            text,
            error: "Text is required.".into(),
        })),
        Intent::Save { .. } => Ok(ActionOutcome::Done),
        Intent::Delete => Err(NotFound)?,
        Intent::Away => Ok(ActionOutcome::redirect("/")),
    }
}

/// A page with an action and no loader.
#[page("/contact")]
pub fn Contact() -> impl IntoView {
    let refused = use_action_data::<Contact>();
    move || refused.get()
}

#[action(Contact, no_loader)]
async fn contact(FormData(message): FormData<String>) -> ActionResult<String> {
    match message.is_empty() {
        true => Ok(ActionOutcome::Invalid("Say something.".into())),
        false => Ok(ActionOutcome::Done),
    }
}

#[derive(Deserialize)]
pub struct ReportParams {
    id: u32,
}

fn report_loading(params: ReportParams) -> impl IntoView {
    format!("Loading report {}…", params.id)
}

#[page(
    "/report/:id",
    pending = report_loading,
    navigation = Navigation::skeleton().min_display(std::time::Duration::from_millis(100)),
)]
pub fn Report(id: u32) -> impl IntoView {
    id
}

#[loader(Report)]
async fn load_report(#[param] id: u32) -> LoaderResult<u32> {
    Ok(id)
}

fn main() {
    let _ = Pages::new().page::<Note>().page::<Report>().page::<Contact>();
    assert!(<Note as Loader>::action().is_some());
    assert!(<Contact as Loader>::action().is_some());
    assert!(<Report as Loader>::action().is_none());
    assert!(<Report as Page>::NAVIGATION.pending_delay().is_some());
}
