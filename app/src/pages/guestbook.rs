//! `/guestbook`: a list, a form that adds to it with validation, and a
//! delete button per entry; one action dispatching two intents. A refused
//! entry comes back as the action's data ([`SignRefused`]: the error and
//! what was typed) beside the list the loader reads in the same request.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;

/// The longest message the guestbook keeps, in characters.
pub const MAX_MESSAGE_CHARS: usize = 500;

/// What `/guestbook` shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestbookProps {
    /// The entries, newest first.
    pub entries: Vec<Entry>,
}

/// What the action says of an entry it refuses: the page's action data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignRefused {
    /// What was submitted, shown again in the form.
    pub form: NewEntry,
    /// Why it was refused.
    pub error: String,
}

/// One entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The row id.
    pub id: i64,
    /// Who wrote it.
    pub name: String,
    /// What they wrote.
    pub message: String,
    /// When (RFC 3339, UTC).
    pub created_at: String,
}

/// The add form's fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEntry {
    /// Who writes (`Anonymous` when left empty).
    #[serde(default)]
    pub name: String,
    /// The message: required, at most 500 characters.
    #[serde(default)]
    pub message: String,
}

/// What a form on the page asks for, by its `intent` field.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuestbookIntent {
    /// Sign the guestbook (also a form with no `intent` field).
    #[serde(alias = "")]
    Add(NewEntry),
    /// Delete an entry.
    Delete {
        /// The entry's id.
        id: i64,
    },
}

/// The guestbook.
#[page("/guestbook")]
pub fn Guestbook(props: GuestbookProps) -> impl IntoView {
    let GuestbookProps { entries } = props;
    // The page is rendered again from each answer, so the values are read
    // once here.
    let refused = use_action_data::<Guestbook>().get_untracked();
    let (form, error) = match refused {
        Some(SignRefused { form, error }) => (form, Some(error)),
        None => (NewEntry::default(), None),
    };
    let submission = use_submission();
    // A submission from code rather than a form: the same single request.
    let submit = use_submit();
    let wave = move |_| {
        submit(
            "/guestbook",
            vec![
                ("intent".to_owned(), "add".to_owned()),
                ("name".to_owned(), "Guest".to_owned()),
                ("message".to_owned(), "Hello!".to_owned()),
            ],
        );
    };
    // The entry being added, shown until the answer replaces the list (and
    // gone if the submission fails).
    let pending = move || {
        submission
            .get()
            .filter(|s| {
                s.url.starts_with("/guestbook") && matches!(s.field("intent"), None | Some("add"))
            })
            .map(|s| {
                let name = s.field("name").unwrap_or_default().to_owned();
                let message = s.field("message").unwrap_or_default().to_owned();
                view! {
                    <li class="entry pending">
                        <strong class="name">{name}</strong> " " <span class="message">{message}</span>
                    </li>
                }
            })
    };
    view! {
        <Title text="Guestbook"/>
        <h1>"Guestbook"</h1>
        <Form attr:class="sign">
            <label>"Name " <input name="name" value=form.name maxlength="100"/></label>
            <label>"Message " <textarea name="message">{form.message}</textarea></label>
            {error.map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <button type="submit">"Sign"</button>
        </Form>
        <p><button type="button" class="wave" on:click=wave>"Just say hello"</button></p>
        <ul class="entries">
            {pending}
            {entries
                .into_iter()
                .map(|entry| {
                    view! {
                        <li class="entry" data-id=entry.id>
                            <strong class="name">{entry.name}</strong>
                            " "
                            <span class="message">{entry.message}</span>
                            " "
                            <time>{entry.created_at}</time>
                            <Form attr:class="delete">
                                <input type="hidden" name="id" value=entry.id/>
                                <button type="submit" name="intent" value="delete">
                                    "Delete"
                                </button>
                            </Form>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

#[cfg(feature = "ssr")]
async fn entries(db: &sqlx::AnyPool) -> Result<Vec<Entry>, LoaderError> {
    let rows: Vec<(i64, String, String, String)> =
        sqlx::query_as("SELECT id, name, message, created_at FROM guestbook ORDER BY id DESC")
            .fetch_all(db)
            .await
            .map_err(server_props::db::error)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, message, created_at)| Entry {
            id,
            name,
            message,
            created_at,
        })
        .collect())
}

#[loader(Guestbook)]
async fn load_guestbook(
    State(state): State<crate::state::AppState>,
    head: &ResponseHead,
) -> LoaderResult<GuestbookProps> {
    head.tag("guestbook")?;
    Ok(GuestbookProps {
        entries: entries(&state.db).await?,
    })
}

#[action(Guestbook)]
async fn guestbook_action(
    FormData(intent): FormData<GuestbookIntent>,
    State(state): State<crate::state::AppState>,
    head: &ResponseHead,
) -> ActionResult<SignRefused> {
    match intent {
        GuestbookIntent::Add(form) => {
            let error = if form.message.trim().is_empty() {
                Some("Message is required.")
            } else if form.message.chars().count() > MAX_MESSAGE_CHARS {
                Some("Message is too long.")
            } else if form.name.contains('\0') || form.message.contains('\0') {
                // No database text holds it (PostgreSQL refuses it).
                Some("A NUL character cannot be kept.")
            } else {
                None
            };
            if let Some(error) = error {
                // The list is the loader's: it runs in the same request.
                return Ok(ActionOutcome::Invalid(SignRefused {
                    form,
                    error: error.to_owned(),
                }));
            }
            let name = match form.name.trim() {
                "" => "Anonymous",
                name => name,
            };
            sqlx::query("INSERT INTO guestbook (name, message, created_at) VALUES ($1, $2, $3)")
                .bind(name)
                .bind(form.message.trim())
                .bind(super::now())
                .execute(&state.db)
                .await
                .map_err(server_props::db::error)?;
        }
        GuestbookIntent::Delete { id } => {
            let deleted = sqlx::query("DELETE FROM guestbook WHERE id = $1")
                .bind(id)
                .execute(&state.db)
                .await
                .map_err(server_props::db::error)?;
            if deleted.rows_affected() == 0 {
                Err(NotFound)?;
            }
        }
    }
    head.invalidate("guestbook")?;
    Ok(ActionOutcome::Done)
}
