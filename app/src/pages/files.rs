//! `/files`: file uploads. A form with a multiple file input and a note,
//! sent as `multipart/form-data` (one request with JavaScript, its
//! progress shown meanwhile; POST, 303, GET without); the files are kept in
//! the database and listed, each with a link that downloads it.
//!
//! `/files/:id` is a page whose loader answers the file's bytes as its own
//! response, rather than an axum route of the server's: the page table is
//! where the app's URLs and its database reads live, so the download gets
//! the kit's params (a non-number is the app's 404 page), the app's state,
//! the layout's guard and the cross-site and cache rules of every page, and
//! an unknown id is the same 404 page as any other.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;

/// The largest file `/files` takes: 1 MiB. A larger one is a 413, and
/// nothing of its submission is stored.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 200;

/// What `/files` shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilesProps {
    /// The stored files, newest first.
    pub files: Vec<StoredFile>,
}

/// One stored file, without its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    /// The row id: `/files/<id>` downloads it.
    pub id: i64,
    /// Its name, as the browser sent it (without a directory).
    pub name: String,
    /// Its size in bytes.
    pub size: i64,
    /// Its content type, as the browser sent it.
    pub content_type: String,
    /// The note sent with it.
    pub note: String,
}

/// The upload form's text fields (the files come beside them).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct UploadFields {
    /// A note kept with every file of the upload.
    #[serde(default)]
    pub note: String,
}

/// The files page.
#[page("/files")]
pub fn Files(props: FilesProps) -> impl IntoView {
    let FilesProps { files } = props;
    // Why the upload was refused: the action's data (a plain message).
    let error = use_action_data::<Files>().get_untracked();
    let submission = use_submission();
    // While an upload is under way: what it sends, and how much is sent.
    let uploading = move || {
        let submission = submission.get().filter(|s| s.url.starts_with("/files"))?;
        let upload = submission.upload?;
        let names = submission
            .fields
            .iter()
            .filter(|(name, value)| name == "files" && !value.is_empty())
            .map(|(_, value)| value.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let total = upload
            .total
            .map_or_else(|| "?".to_owned(), |total| total.to_string());
        Some(view! {
            <p class="upload-progress" role="status" data-sent=upload.sent data-total=upload.total>
                <progress max=upload.total value=upload.total.map(|_| upload.sent)></progress>
                {format!(" Uploading {names}: {} of {total} bytes", upload.sent)}
            </p>
        })
    };
    let empty = files.is_empty();
    view! {
        <Title text="Files"/>
        <h1>"Files"</h1>
        <Form attr:class="upload" attr:enctype="multipart/form-data">
            <label>"Files " <input type="file" name="files" multiple/></label>
            <label>"Note " <input name="note" maxlength=MAX_NOTE_CHARS/></label>
            <p class="hint">"Each file at most 1 MiB."</p>
            {error.map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <button type="submit">"Upload"</button>
        </Form>
        {uploading}
        {empty.then(|| view! { <p class="empty">"No files yet."</p> })}
        <table class="files">
            <thead>
                <tr>
                    <th>"Name"</th>
                    <th>"Size (bytes)"</th>
                    <th>"Type"</th>
                    <th>"Note"</th>
                </tr>
            </thead>
            <tbody>
                {files
                    .into_iter()
                    .map(|file| {
                        view! {
                            <tr class="file" data-id=file.id>
                                <td class="name">
                                    // `download`: the browser saves it (by the
                                    // answer's file name) rather than the
                                    // router navigating to it.
                                    <a href=format!("/files/{}", file.id) download="">
                                        {file.name}
                                    </a>
                                </td>
                                <td class="size">{file.size}</td>
                                <td class="type">{file.content_type}</td>
                                <td class="note">{file.note}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// `/files/<id>`: the file itself. Its loader always answers with the
/// bytes (or the 404 page), so this view is never shown.
#[page("/files/:id")]
pub fn FileDownload(_: ()) -> impl IntoView {}

#[cfg(feature = "ssr")]
async fn stored(db: &sqlx::AnyPool) -> Result<Vec<StoredFile>, LoaderError> {
    let rows: Vec<(i64, String, i64, String, String)> =
        sqlx::query_as("SELECT id, name, size, content_type, note FROM files ORDER BY id DESC")
            .fetch_all(db)
            .await
            .map_err(server_props::db::error)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, size, content_type, note)| StoredFile {
            id,
            name,
            size,
            content_type,
            note,
        })
        .collect())
}

#[loader(Files)]
async fn load_files(
    State(state): State<crate::state::AppState>,
    head: &ResponseHead,
) -> LoaderResult<FilesProps> {
    head.tag("files")?;
    Ok(FilesProps {
        files: stored(&state.db).await?,
    })
}

/// Stores the upload's files, all or none: the whole body is read first
/// (a file over [`MAX_FILE_BYTES`] or a body over the body limit is a 413
/// before anything is written), then every file is written in one
/// transaction.
#[action(Files)]
async fn upload_files(
    multipart: Multipart,
    State(state): State<crate::state::AppState>,
    head: &ResponseHead,
) -> ActionResult<String> {
    use server_props::multipart::MultipartLimits;
    let upload = multipart
        .with_limits(MultipartLimits::new().max_file_bytes(MAX_FILE_BYTES))
        .read::<UploadFields>()
        .await?;
    let note = upload.fields.note.trim();
    let error = if upload.files.is_empty() {
        Some("Choose at least one file.")
    } else if note.chars().count() > MAX_NOTE_CHARS {
        Some("The note is too long.")
    } else {
        None
    };
    if let Some(error) = error {
        return Ok(ActionOutcome::Invalid(error.to_owned()));
    }
    let mut tx = state.db.begin().await.map_err(server_props::db::error)?;
    for file in &upload.files {
        let bytes = file.bytes().map(|b| b.to_vec()).unwrap_or_default();
        let name: String = match file.file_name() {
            "" => "file".to_owned(),
            name => name.chars().take(255).collect(),
        };
        sqlx::query(
            "INSERT INTO files (name, content_type, size, note, data, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(name)
        .bind(download::content_type(file.content_type()))
        .bind(i64::try_from(bytes.len()).unwrap_or(i64::MAX))
        .bind(note)
        .bind(bytes)
        .bind(super::now())
        .execute(&mut *tx)
        .await
        .map_err(server_props::db::error)?;
    }
    tx.commit().await.map_err(server_props::db::error)?;
    head.invalidate("files")?;
    Ok(ActionOutcome::Done)
}

#[loader(FileDownload)]
async fn download_file(
    #[param] id: i64,
    State(state): State<crate::state::AppState>,
) -> LoaderResult<()> {
    let row: Option<(String, String, Vec<u8>)> =
        sqlx::query_as("SELECT name, content_type, data FROM files WHERE id = $1")
            .bind(id)
            .fetch_optional(&state.db)
            .await
            .map_err(server_props::db::error)?;
    let (name, content_type, data) = row.ok_or(NotFound)?;
    Err(LoaderError::response(download::response(
        &name,
        &content_type,
        data,
    )))
}

/// A stored file as an answer: its bytes, its type, and a
/// `Content-Disposition` that saves it under its own name.
#[cfg(feature = "ssr")]
mod download {
    use axum::{
        http::{
            header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE},
            HeaderValue,
        },
        response::{IntoResponse, Response},
    };
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

    /// What the browser sent, if it is a header value; else the type of
    /// bytes with no type.
    pub(super) fn content_type(sent: Option<&str>) -> &str {
        sent.filter(|t| !t.is_empty() && HeaderValue::from_str(t).is_ok())
            .unwrap_or("application/octet-stream")
    }

    /// RFC 8187's `attr-char`s, which `filename*` keeps as they are.
    const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'!')
        .remove(b'#')
        .remove(b'$')
        .remove(b'&')
        .remove(b'+')
        .remove(b'-')
        .remove(b'.')
        .remove(b'^')
        .remove(b'_')
        .remove(b'`')
        .remove(b'|')
        .remove(b'~');

    /// `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): every
    /// browser reads `filename*`, the name percent-encoded as UTF-8; the
    /// quoted `filename` is its ASCII stand-in for any other client, with
    /// what a quoted string cannot hold (quotes, backslashes, controls,
    /// anything above ASCII) as `_`.
    pub(super) fn disposition(name: &str) -> String {
        let fallback: String = name
            .chars()
            .map(|c| {
                if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let encoded = utf8_percent_encode(name, ATTR_CHAR);
        format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
    }

    pub(super) fn response(name: &str, content_type: &str, data: Vec<u8>) -> Response {
        let content_type = HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream"));
        let disposition = HeaderValue::from_str(&disposition(name))
            .unwrap_or(HeaderValue::from_static("attachment"));
        (
            [
                (CONTENT_TYPE, content_type),
                (CONTENT_DISPOSITION, disposition),
                // The visitor's upload, not a page for a shared cache.
                (CACHE_CONTROL, HeaderValue::from_static("private, no-cache")),
            ],
            data,
        )
            .into_response()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn names_are_quoted_and_encoded() {
            assert_eq!(
                disposition("a b.txt"),
                "attachment; filename=\"a b.txt\"; filename*=UTF-8''a%20b.txt"
            );
            assert_eq!(
                disposition("résumé \"1\"\\.pdf\n"),
                "attachment; filename=\"r_sum_ _1__.pdf_\"; \
                 filename*=UTF-8''r%C3%A9sum%C3%A9%20%221%22%5C.pdf%0A"
            );
            assert!(HeaderValue::from_str(&disposition("a\u{0}\r\n😀")).is_ok());
            assert_eq!(content_type(Some("image/png")), "image/png");
            assert_eq!(content_type(Some("")), "application/octet-stream");
            assert_eq!(content_type(Some("a\nb")), "application/octet-stream");
            assert_eq!(content_type(None), "application/octet-stream");
        }
    }
}
