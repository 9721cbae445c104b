//! `multipart/form-data` bodies: what a form with a file input sends.
//!
//! A loader or an action takes a [`Multipart`] argument and reads its parts
//! one after the other ([`Multipart::next_part`]), or all of them at once
//! ([`Multipart::read`], [`Multipart::read_with`]): the text fields as a
//! serde type, read the way [`FormData`](crate::extract::FormData) reads a
//! URL-encoded body (an enum by its `intent` field), and the files, each kept
//! in memory or written to a temporary file as the caller chooses per part
//! ([`Storage`]).
//!
//! ```
//! use server_props::multipart::{Multipart, MultipartLimits, Storage};
//! use server_props::prelude::*;
//!
//! #[derive(serde::Deserialize)]
//! struct Upload {
//!     #[serde(default)]
//!     note: String,
//! }
//!
//! async fn upload(multipart: Multipart) -> Result<usize, LoaderError> {
//!     let form = multipart
//!         // Each file at most 1 MiB (a larger one is a 413).
//!         .with_limits(MultipartLimits::new().max_file_bytes(1024 * 1024))
//!         .read_with::<Upload, _>(|_part| Storage::Memory)
//!         .await?;
//!     let _note = form.fields.note;
//!     Ok(form.files.len())
//! }
//! ```
//!
//! **Why it is bounded.** Every input is: a text field is at most
//! [`MultipartLimits::max_field_bytes`], a file at most
//! [`MultipartLimits::max_file_bytes`], a body at most
//! [`MultipartLimits::max_parts`] parts, and the whole body at most the kit's
//! body limit ([`ServerPropsBuilder::max_body_bytes`](crate::ServerPropsBuilder::max_body_bytes)).
//! Over any of them is a 413; a body that does not parse (truncated, a
//! boundary other than its `Content-Type`'s, broken part headers) is a 400;
//! another content type is a 415. Each is a [`MultipartError`], which `?`
//! turns into a [`LoaderError`] with that status: the app's error page for
//! a document, the error JSON for a props request.
//!
//! **Nothing is kept of a refused body.** [`Multipart::read_with`] returns
//! the files only when the whole body was read; on an error, the files read
//! so far are dropped, and a temporary file is deleted when its
//! [`UploadedFile`] is dropped (or, if it is being written, when the write
//! fails). An app that stores the files once `read_with` returned stores
//! nothing of a body that went over a limit.
//!
//! **How the body is read.** Inside a loader, the kit hands the body over
//! once (as it does to [`FormData`](crate::extract::FormData) and
//! [`Json`](crate::extract::Json)), as it streams in under the kit's body
//! limit, and the parts are parsed as they arrive with [`multer`] (what
//! axum's own `Multipart` uses). [`Multipart::new`] and
//! [`Multipart::from_request`] take any stream of chunks (an axum
//! handler's body) the same way; the parser takes at most 64 KiB ahead of
//! what has been read, and no part is ever held whole unless the caller
//! asks ([`Part::bytes`], [`Storage::Memory`]).
//!
//! Temporary files need a runtime to write them without blocking: they
//! exist with the `tokio` feature (which `server` brings), so the request
//! pipeline alone (`ssr`) stays free of a runtime and of the file system.

use crate::ssr::{loader::error::LoaderError, request::body::is_length_limit};
use bytes::Bytes;
use futures::Stream;
use http::{header::CONTENT_TYPE, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use std::{fmt, marker::PhantomData};

/// The default most bytes of one file: 1 MiB (the default body limit, so by
/// default a file may be as large as the body allows).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The default most bytes of one text field: 64 KiB.
pub const DEFAULT_MAX_FIELD_BYTES: u64 = 64 * 1024;

/// The default most parts (text fields and files) of one body: 100.
pub const DEFAULT_MAX_PARTS: usize = 100;

/// The longest boundary RFC 2046 allows.
const MAX_BOUNDARY_LEN: usize = 70;

/// The most the parser takes from the body ahead of what the caller has
/// read of it (see [`ReadAhead`]).
const READ_AHEAD: usize = 64 * 1024;

/// How much of a multipart body one request may send, besides the kit's
/// body limit: per file, per text field, and how many parts.
///
/// A loader's [`Multipart`] starts with the limits the request carries as
/// an extension (an app-wide or per-route setting: `.layer(axum::Extension(limits))`),
/// else [`MultipartLimits::default()`]; [`Multipart::with_limits`] sets
/// them for one action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MultipartLimits {
    max_file_bytes: u64,
    max_field_bytes: u64,
    max_parts: usize,
}

impl Default for MultipartLimits {
    fn default() -> Self {
        Self::new()
    }
}

impl MultipartLimits {
    /// The defaults: [`DEFAULT_MAX_FILE_BYTES`], [`DEFAULT_MAX_FIELD_BYTES`],
    /// [`DEFAULT_MAX_PARTS`].
    #[must_use]
    pub const fn new() -> Self {
        Self {
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            max_field_bytes: DEFAULT_MAX_FIELD_BYTES,
            max_parts: DEFAULT_MAX_PARTS,
        }
    }

    /// The most bytes of one file (a part with a file name); more is a 413.
    #[must_use]
    pub const fn max_file_bytes(mut self, bytes: u64) -> Self {
        self.max_file_bytes = bytes;
        self
    }

    /// The most bytes of one text field (a part without a file name); more
    /// is a 413.
    #[must_use]
    pub const fn max_field_bytes(mut self, bytes: u64) -> Self {
        self.max_field_bytes = bytes;
        self
    }

    /// The most parts of one body, text fields and files together; more is
    /// a 413.
    #[must_use]
    pub const fn max_parts(mut self, parts: usize) -> Self {
        self.max_parts = parts;
        self
    }

    /// The most bytes of one file.
    #[must_use]
    pub const fn file_bytes(&self) -> u64 {
        self.max_file_bytes
    }

    /// The most bytes of one text field.
    #[must_use]
    pub const fn field_bytes(&self) -> u64 {
        self.max_field_bytes
    }

    /// The most parts of one body.
    #[must_use]
    pub const fn parts(&self) -> usize {
        self.max_parts
    }
}

/// Why a multipart body was refused, each with its status
/// ([`status`](Self::status)): 415 for another content type, 400 for a body
/// that does not parse, 413 over a limit, 500 when a temporary file could
/// not be written.
///
/// `?` turns it into a [`LoaderError`] with that status. Like
/// [`LoaderError`], it is deliberately not a `std::error::Error`: if it
/// were, `?` in a loader would take the kit's catch-all conversion, which
/// makes every error a 500.
#[non_exhaustive]
pub enum MultipartError {
    /// The body is not `multipart/form-data` (415).
    NotMultipart {
        /// The request's content type, as sent.
        content_type: String,
    },
    /// The content type names no boundary, or one no body can use (400).
    Boundary(String),
    /// The body does not parse as multipart: truncated, a boundary other
    /// than the content type's, broken part headers (400).
    Malformed(String),
    /// A text field is not UTF-8 (400).
    NotText {
        /// The field's name.
        field: String,
    },
    /// The text fields do not fit the type they are read as (400).
    Fields(String),
    /// The client broke off while sending (400).
    Read(String),
    /// A file is larger than [`MultipartLimits::max_file_bytes`] (413).
    FileTooLarge {
        /// The file's field name.
        field: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// A text field is larger than [`MultipartLimits::max_field_bytes`] (413).
    FieldTooLarge {
        /// The field's name.
        field: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The body has more parts than [`MultipartLimits::max_parts`] (413).
    TooManyParts {
        /// The limit.
        limit: usize,
    },
    /// The body is larger than the body limit (413).
    BodyTooLarge,
    /// A temporary file could not be written (500).
    Io(std::io::Error),
}

impl MultipartError {
    /// The status the error answers with.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotMultipart { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Boundary(_)
            | Self::Malformed(_)
            | Self::NotText { .. }
            | Self::Fields(_)
            | Self::Read(_) => StatusCode::BAD_REQUEST,
            Self::FileTooLarge { .. }
            | Self::FieldTooLarge { .. }
            | Self::TooManyParts { .. }
            | Self::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Io(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Whether the error is a limit (a 413).
    #[must_use]
    pub fn is_too_large(&self) -> bool {
        self.status() == StatusCode::PAYLOAD_TOO_LARGE
    }

    /// A parser error as the kit answers it: the body limit, a client that
    /// broke off, or a body that does not parse.
    fn from_multer(error: multer::Error) -> Self {
        match error {
            multer::Error::StreamSizeExceeded { .. } => Self::BodyTooLarge,
            multer::Error::StreamReadFailed(e) if is_length_limit(e.as_ref()) => Self::BodyTooLarge,
            multer::Error::StreamReadFailed(e) => Self::Read(e.to_string()),
            other => Self::Malformed(other.to_string()),
        }
    }
}

impl fmt::Display for MultipartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotMultipart { content_type } => {
                write!(
                    f,
                    "expected a multipart/form-data body, got {content_type:?}"
                )
            }
            Self::Boundary(e) => write!(f, "multipart boundary: {e}"),
            Self::Malformed(e) => write!(f, "malformed multipart body: {e}"),
            Self::NotText { field } => write!(f, "multipart field {field:?} is not UTF-8 text"),
            Self::Fields(e) => write!(f, "multipart fields: {e}"),
            Self::Read(e) => write!(f, "the request body could not be read: {e}"),
            Self::FileTooLarge { field, limit } => {
                write!(f, "a file of field {field:?} is larger than {limit} bytes")
            }
            Self::FieldTooLarge { field, limit } => {
                write!(f, "multipart field {field:?} is larger than {limit} bytes")
            }
            Self::TooManyParts { limit } => {
                write!(f, "the multipart body has more than {limit} parts")
            }
            Self::BodyTooLarge => f.write_str("the request body is larger than the body limit"),
            Self::Io(e) => write!(f, "a temporary file could not be written: {e}"),
        }
    }
}

impl fmt::Debug for MultipartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MultipartError({}: {self})", self.status().as_u16())
    }
}

impl From<MultipartError> for LoaderError {
    /// The error with its status (400, 413, 415; 500 for a temporary file
    /// that could not be written).
    #[track_caller]
    fn from(error: MultipartError) -> Self {
        let status = error.status();
        match error {
            MultipartError::Io(e) => LoaderError::from(e),
            other => LoaderError::new(status, other.to_string()),
        }
    }
}

/// The boundary of a `multipart/form-data` body, from the request's
/// `Content-Type` (`None` when it has none, or one that is not text).
///
/// # Errors
/// 415 for another content type; 400 when it names no boundary, or one
/// longer than RFC 2046's 70 characters.
pub fn boundary(content_type: Option<&str>) -> Result<String, MultipartError> {
    let content_type = content_type.unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("multipart/form-data") {
        return Err(MultipartError::NotMultipart {
            content_type: content_type.to_owned(),
        });
    }
    let boundary = multer::parse_boundary(content_type)
        .map_err(|e| MultipartError::Boundary(e.to_string()))?;
    if boundary.is_empty() || boundary.len() > MAX_BOUNDARY_LEN {
        return Err(MultipartError::Boundary(format!(
            "a boundary is 1 to {MAX_BOUNDARY_LEN} characters, this one {}",
            boundary.len()
        )));
    }
    Ok(boundary)
}

/// A `multipart/form-data` body, read part by part: a loader argument (see
/// the [module](self)).
///
/// Its parts come in the order the client sent them; each is read (or
/// skipped, by asking for the next one) before the next. A body is read
/// once: the reading methods take the `Multipart` or borrow it mutably.
pub struct Multipart {
    inner: multer::Multipart<'static>,
    limits: MultipartLimits,
    /// How many parts have been handed out.
    parts: usize,
}

impl fmt::Debug for Multipart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Multipart")
            .field("limits", &self.limits)
            .field("parts", &self.parts)
            .finish_non_exhaustive()
    }
}

impl Multipart {
    /// A body from a stream of chunks and its boundary ([`boundary`]). The
    /// stream is read as the parts are: bound it yourself (axum's
    /// `DefaultBodyLimit`, `http_body_util::Limited`), whose length error
    /// is then a 413.
    pub fn new<S, E>(stream: S, boundary: impl Into<String>, limits: MultipartLimits) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
    {
        Self {
            inner: multer::Multipart::new(ReadAhead::new(stream), boundary),
            limits,
            parts: 0,
        }
    }

    /// A request's body, for an axum handler outside the kit's loaders:
    /// its boundary from `headers`, its parts read as `body` streams in.
    ///
    /// # Errors
    /// 415 or 400 when `headers` name no multipart body ([`boundary`]).
    pub fn from_request(
        headers: &HeaderMap,
        body: axum::body::Body,
        limits: MultipartLimits,
    ) -> Result<Self, MultipartError> {
        let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let boundary = boundary(content_type)?;
        Ok(Self::new(body.into_data_stream(), boundary, limits))
    }

    /// The limits for the parts read from now on.
    #[must_use]
    pub fn with_limits(mut self, limits: MultipartLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The limits in force.
    #[must_use]
    pub fn limits(&self) -> &MultipartLimits {
        &self.limits
    }

    /// The next part, `None` after the last. What is left of the previous
    /// part is skipped (never held).
    ///
    /// # Errors
    /// 400 when the body does not parse, 413 over the body limit or with
    /// more parts than [`MultipartLimits::max_parts`].
    pub async fn next_part(&mut self) -> Result<Option<Part<'_>>, MultipartError> {
        let Some(field) = self
            .inner
            .next_field()
            .await
            .map_err(MultipartError::from_multer)?
        else {
            return Ok(None);
        };
        if self.parts >= self.limits.max_parts {
            return Err(MultipartError::TooManyParts {
                limit: self.limits.max_parts,
            });
        }
        self.parts += 1;
        let is_file = field.file_name().is_some();
        let limit = if is_file {
            self.limits.max_file_bytes
        } else {
            self.limits.max_field_bytes
        };
        Ok(Some(Part {
            field,
            is_file,
            limit,
            read: 0,
            _multipart: PhantomData,
        }))
    }

    /// Reads the whole body, every file in memory: the text fields as `T`
    /// (as [`FormData<T>`](crate::extract::FormData) reads a URL-encoded
    /// body), and the files.
    ///
    /// # Errors
    /// As [`read_with`](Self::read_with).
    pub async fn read<T: DeserializeOwned>(self) -> Result<MultipartForm<T>, MultipartError> {
        self.read_with(|_| Storage::Memory).await
    }

    /// Reads the text fields of a form as `T` (what `FormData<T>` takes from
    /// a `multipart/form-data` body): a file input left empty is skipped; a
    /// file is refused at its part's head, before its bytes are read.
    pub(crate) async fn read_fields<T: DeserializeOwned>(
        mut self,
    ) -> Result<T, crate::ssr::loader::error::LoaderError> {
        let mut text = Vec::new();
        while let Some(part) = self.next_part().await? {
            if part.is_file() {
                if part.file_name().is_some_and(|name| !name.is_empty()) {
                    return Err(crate::ssr::loader::error::LoaderError::bad_request(
                        format!(
                        "the form sends a file (field `{}`), which a form's fields cannot hold: \
                         read it with a `Multipart` argument",
                        part.name()
                    ),
                    ));
                }
                // An empty file input: nothing, but its part must be read.
                part.bytes().await?;
            } else {
                let name = part.name().to_owned();
                let value = part.text().await?;
                text.push((name, value));
            }
        }
        Ok(fields_of(&text)?)
    }

    /// Reads the whole body: the text fields as `T`, and each file where
    /// `store` says (in memory, or a temporary file), asked once per file
    /// part before its bytes are read.
    ///
    /// A file input left empty sends a part with an empty file name and no
    /// bytes: it is not among the files.
    ///
    /// # Errors
    /// 400 when the body does not parse or its fields do not fit `T`, 413
    /// over a limit, 500 when a temporary file could not be written. On an
    /// error nothing read so far is kept: the files are dropped, their
    /// temporary files deleted.
    pub async fn read_with<T, F>(mut self, mut store: F) -> Result<MultipartForm<T>, MultipartError>
    where
        T: DeserializeOwned,
        F: FnMut(&Part<'_>) -> Storage,
    {
        let mut text = Vec::new();
        let mut files = Vec::new();
        while let Some(part) = self.next_part().await? {
            if part.is_file() {
                let storage = store(&part);
                let file = part.into_file(storage).await?;
                if !(file.file_name().is_empty() && file.size() == 0) {
                    files.push(file);
                }
            } else {
                let name = part.name().to_owned();
                let value = part.text().await?;
                text.push((name, value));
            }
        }
        let fields = fields_of(&text)?;
        Ok(MultipartForm { fields, files })
    }
}

/// A form's text fields as `T`, read as a URL-encoded body is: the same
/// serde rules, `intent` naming an enum's variant.
fn fields_of<T: DeserializeOwned>(text: &[(String, String)]) -> Result<T, MultipartError> {
    let mut encoded = form_urlencoded::Serializer::new(String::new());
    encoded.extend_pairs(text);
    crate::ssr::request::form_body::from_form(encoded.finish().as_bytes())
        .map_err(|e| MultipartError::Fields(e.to_string()))
}

/// The body as the parser takes it: at most [`READ_AHEAD`] bytes at a time.
///
/// `multer` takes every chunk a stream has ready before it parses any, so
/// a body that arrives faster than the caller reads it (a fast client, a
/// body in memory) would end up in its buffer whole. After `READ_AHEAD`
/// bytes in a row, this stream says "not ready" (and wakes its task at
/// once): the parser hands out what it has, and takes more only when it
/// is asked for more.
struct ReadAhead<S> {
    inner: std::pin::Pin<Box<S>>,
    /// Bytes handed over since the last "not ready".
    taken: usize,
}

impl<S> ReadAhead<S> {
    fn new(inner: S) -> Self {
        Self {
            inner: Box::pin(inner),
            taken: 0,
        }
    }
}

impl<S, E> Stream for ReadAhead<S>
where
    S: Stream<Item = Result<Bytes, E>>,
{
    type Item = Result<Bytes, E>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        if self.taken >= READ_AHEAD {
            self.taken = 0;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let next = self.inner.as_mut().poll_next(cx);
        match &next {
            Poll::Ready(Some(Ok(chunk))) => self.taken += chunk.len(),
            Poll::Pending => self.taken = 0,
            Poll::Ready(_) => {}
        }
        next
    }
}

/// A whole multipart body: its text fields as a serde type, and its files.
#[derive(Debug)]
pub struct MultipartForm<T> {
    /// The text fields (the parts without a file name).
    pub fields: T,
    /// The files, in the order they were sent.
    pub files: Vec<UploadedFile>,
}

/// Where a file part goes as it is read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Storage {
    /// In memory (at most [`MultipartLimits::max_file_bytes`]).
    Memory,
    /// A new file in the system's temporary directory, deleted when the
    /// [`UploadedFile`] is dropped unless [persisted](UploadedFile::persist).
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    TempFile,
    /// A new file in this directory, as [`TempFile`](Self::TempFile).
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    TempFileIn(std::path::PathBuf),
}

/// One part of a multipart body: a text field or a file, its bytes read as
/// they arrive.
///
/// It borrows its [`Multipart`], so the next part cannot be asked for
/// before this one is done with:
///
/// ```compile_fail,E0499
/// # async fn f(mut multipart: server_props::multipart::Multipart) {
/// let first = multipart.next_part().await;
/// let second = multipart.next_part().await; // `first` is still alive
/// drop((first, second));
/// # }
/// ```
pub struct Part<'a> {
    field: multer::Field<'static>,
    is_file: bool,
    /// The most bytes this part may have.
    limit: u64,
    /// How many bytes of it have been read.
    read: u64,
    _multipart: PhantomData<&'a mut Multipart>,
}

/// Holds the borrow of its [`Multipart`] until the part is dropped (a part
/// without drop code would let the borrow end at its last use, and the
/// parser refuses a next part while the previous one lives).
impl Drop for Part<'_> {
    fn drop(&mut self) {}
}

impl fmt::Debug for Part<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Part")
            .field("name", &self.name())
            .field("file_name", &self.file_name())
            .field("content_type", &self.content_type())
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl Part<'_> {
    /// The field's name (empty when the part names none).
    #[must_use]
    pub fn name(&self) -> &str {
        self.field.name().unwrap_or_default()
    }

    /// The file's name, for a file part: the last component of what the
    /// client sent (never a directory: `C:\fakepath\a.txt` and `../a.txt`
    /// are `a.txt`); empty for a file input left empty.
    #[must_use]
    pub fn file_name(&self) -> Option<&str> {
        self.field.file_name().map(base_name)
    }

    /// The part's content type, as the client sent it.
    #[must_use]
    pub fn content_type(&self) -> Option<&str> {
        self.field.content_type().map(AsRef::as_ref)
    }

    /// Whether the part is a file (its `Content-Disposition` has a file name).
    #[must_use]
    pub fn is_file(&self) -> bool {
        self.is_file
    }

    /// The most bytes this part may have: the file or the field limit.
    #[must_use]
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The next chunk of the part's bytes, `None` at its end.
    ///
    /// # Errors
    /// 413 past the part's limit, 400 when the body does not parse.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, MultipartError> {
        let Some(chunk) = self
            .field
            .chunk()
            .await
            .map_err(MultipartError::from_multer)?
        else {
            return Ok(None);
        };
        self.read += chunk.len() as u64;
        if self.read > self.limit {
            let field = self.name().to_owned();
            let limit = self.limit;
            return Err(if self.is_file {
                MultipartError::FileTooLarge { field, limit }
            } else {
                MultipartError::FieldTooLarge { field, limit }
            });
        }
        Ok(Some(chunk))
    }

    /// The part's bytes, whole (at most its limit).
    ///
    /// # Errors
    /// As [`chunk`](Self::chunk).
    pub async fn bytes(mut self) -> Result<Bytes, MultipartError> {
        let mut chunks = Vec::new();
        while let Some(chunk) = self.chunk().await? {
            chunks.push(chunk);
        }
        // Often the part's only chunk: no copy then.
        Ok(match chunks.len() {
            0 => Bytes::new(),
            1 => chunks.swap_remove(0),
            _ => chunks.concat().into(),
        })
    }

    /// The part's bytes as text.
    ///
    /// # Errors
    /// As [`chunk`](Self::chunk); 400 when they are not UTF-8.
    pub async fn text(self) -> Result<String, MultipartError> {
        let field = self.name().to_owned();
        let bytes = self.bytes().await?;
        String::from_utf8(bytes.into()).map_err(|_| MultipartError::NotText { field })
    }

    /// Reads the part into an [`UploadedFile`], kept where `storage` says.
    ///
    /// # Errors
    /// As [`chunk`](Self::chunk); 500 when a temporary file could not be
    /// written. The temporary file is deleted on any error.
    pub async fn into_file(self, storage: Storage) -> Result<UploadedFile, MultipartError> {
        let field = self.name().to_owned();
        let file_name = self.file_name().unwrap_or_default().to_owned();
        let content_type = self.content_type().map(str::to_owned);
        let (size, data) = match storage {
            Storage::Memory => {
                let bytes = self.bytes().await?;
                (bytes.len() as u64, FileData::Memory(bytes))
            }
            #[cfg(feature = "tokio")]
            Storage::TempFile => self.write_temp(std::env::temp_dir()).await?,
            #[cfg(feature = "tokio")]
            Storage::TempFileIn(dir) => self.write_temp(dir).await?,
        };
        Ok(UploadedFile {
            field,
            file_name,
            content_type,
            size,
            data,
        })
    }

    /// Streams the part into a new temporary file in `dir`.
    #[cfg(feature = "tokio")]
    async fn write_temp(
        mut self,
        dir: std::path::PathBuf,
    ) -> Result<(u64, FileData), MultipartError> {
        use tokio::io::AsyncWriteExt;
        let (temp, mut file) = temp::TempPath::create(&dir)
            .await
            .map_err(MultipartError::Io)?;
        // `temp` deletes the file if anything below fails.
        while let Some(chunk) = self.chunk().await? {
            file.write_all(&chunk).await.map_err(MultipartError::Io)?;
        }
        // Written before the handle goes (tokio's writes finish in the
        // background otherwise).
        file.flush().await.map_err(MultipartError::Io)?;
        Ok((self.read, FileData::Temp(temp)))
    }
}

/// The last component of a file name as a client sent it: browsers send
/// the name alone, but old ones sent a whole path, and a hostile client
/// sends anything.
fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or_default()
}

/// A file of a multipart body, in memory or in a temporary file.
#[derive(Debug)]
pub struct UploadedFile {
    field: String,
    file_name: String,
    content_type: Option<String>,
    size: u64,
    data: FileData,
}

#[derive(Debug)]
enum FileData {
    Memory(Bytes),
    #[cfg(feature = "tokio")]
    Temp(temp::TempPath),
}

impl UploadedFile {
    /// The name of the form field it was sent as.
    #[must_use]
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The file's name as the client sent it, without any directory
    /// ([`Part::file_name`]). Still the client's word: escape it where it
    /// is shown, and never use it as a path.
    #[must_use]
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The content type the client sent for it, if any (the client's word
    /// too).
    #[must_use]
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// Its size in bytes.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Its bytes, when it is kept in memory.
    #[must_use]
    pub fn bytes(&self) -> Option<&Bytes> {
        match &self.data {
            FileData::Memory(bytes) => Some(bytes),
            #[cfg(feature = "tokio")]
            FileData::Temp(_) => None,
        }
    }

    /// Its temporary file, when it is kept in one.
    #[must_use]
    pub fn path(&self) -> Option<&std::path::Path> {
        match &self.data {
            FileData::Memory(_) => None,
            #[cfg(feature = "tokio")]
            FileData::Temp(temp) => Some(temp.path()),
        }
    }

    /// Its bytes, from memory or read from its temporary file.
    ///
    /// # Errors
    /// When the temporary file cannot be read.
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub async fn read(&self) -> std::io::Result<Bytes> {
        match &self.data {
            FileData::Memory(bytes) => Ok(bytes.clone()),
            FileData::Temp(temp) => tokio::fs::read(temp.path()).await.map(Bytes::from),
        }
    }

    /// Keeps the file at `to` (a new file, replacing one there): its
    /// temporary file is moved there (copied when `to` is on another file
    /// system), its bytes in memory written there.
    ///
    /// # Errors
    /// When the file cannot be written; the temporary file is deleted then
    /// too.
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub async fn persist(self, to: impl AsRef<std::path::Path>) -> std::io::Result<()> {
        let to = to.as_ref();
        match self.data {
            FileData::Memory(bytes) => tokio::fs::write(to, &bytes).await,
            FileData::Temp(temp) => temp.persist(to).await,
        }
    }
}

/// Temporary files that delete themselves (feature `tokio`).
#[cfg(feature = "tokio")]
mod temp {
    use std::{
        hash::{BuildHasher, Hasher},
        io,
        path::{Path, PathBuf},
        sync::atomic::{AtomicU64, Ordering},
    };

    /// A file the kit created; deleted when dropped unless persisted.
    #[derive(Debug)]
    pub(super) struct TempPath {
        path: PathBuf,
        keep: bool,
    }

    impl TempPath {
        /// A new file in `dir`, readable by this user only, with a name no
        /// other file has (`create_new`: never an existing file, nor a
        /// link an attacker left there).
        pub(super) async fn create(dir: &Path) -> io::Result<(Self, tokio::fs::File)> {
            static NEXT: AtomicU64 = AtomicU64::new(0);
            let mut tries = 0;
            loop {
                // The standard library's random hash keys make the name
                // unpredictable; the counter makes it unique here.
                let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
                hasher.write_u64(NEXT.fetch_add(1, Ordering::Relaxed));
                let name = format!(
                    "server-props-upload-{}-{:016x}",
                    std::process::id(),
                    hasher.finish()
                );
                let path = dir.join(name);
                let mut options = tokio::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                options.mode(0o600);
                match options.open(&path).await {
                    Ok(file) => return Ok((Self { path, keep: false }, file)),
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists && tries < 8 => {
                        tries += 1;
                    }
                    Err(e) => return Err(e),
                }
            }
        }

        pub(super) fn path(&self) -> &Path {
            &self.path
        }

        /// Moves the file to `to` (or copies it across file systems).
        pub(super) async fn persist(mut self, to: &Path) -> io::Result<()> {
            if tokio::fs::rename(&self.path, to).await.is_err() {
                tokio::fs::copy(&self.path, to).await?;
                // `self` deletes the temporary copy.
                return Ok(());
            }
            self.keep = true;
            Ok(())
        }
    }

    impl Drop for TempPath {
        fn drop(&mut self) {
            if !self.keep {
                // Gone already is fine; any other failure leaves a file in
                // the temporary directory, which the system cleans.
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// A body already in memory, handed to the parser in 64 KiB slices as
    /// a stream would hand it.
    fn buffered(body: Bytes, boundary: String, limits: MultipartLimits) -> Multipart {
        let slices = (0..body.len()).step_by(READ_AHEAD).map(move |start| {
            let end = body.len().min(start + READ_AHEAD);
            Ok::<_, std::convert::Infallible>(body.slice(start..end))
        });
        Multipart::new(futures::stream::iter(slices), boundary, limits)
    }

    use super::*;

    fn body(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, file, data) in parts {
            out.extend_from_slice(b"--XyZ\r\n");
            let disposition = match file {
                Some(f) => format!("form-data; name=\"{name}\"; filename=\"{f}\""),
                None => format!("form-data; name=\"{name}\""),
            };
            out.extend_from_slice(format!("Content-Disposition: {disposition}\r\n\r\n").as_bytes());
            out.extend_from_slice(data);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"--XyZ--\r\n");
        out
    }

    fn multipart(bytes: Vec<u8>, limits: MultipartLimits) -> Multipart {
        buffered(bytes.into(), "XyZ".to_owned(), limits)
    }

    #[test]
    fn the_boundary_comes_from_the_content_type() {
        assert_eq!(
            boundary(Some("multipart/form-data; boundary=abc")).unwrap(),
            "abc"
        );
        assert_eq!(
            boundary(Some("Multipart/Form-Data; boundary=\"a b\"")).unwrap(),
            "a b"
        );
        let e = boundary(Some("application/x-www-form-urlencoded")).unwrap_err();
        assert_eq!(e.status(), 415);
        assert_eq!(boundary(None).unwrap_err().status(), 415);
        let e = boundary(Some("multipart/form-data")).unwrap_err();
        assert_eq!(e.status(), 400, "{e}");
        let e = boundary(Some("multipart/form-data; boundary=")).unwrap_err();
        assert_eq!(e.status(), 400, "{e}");
        let long = format!("multipart/form-data; boundary={}", "b".repeat(71));
        assert_eq!(boundary(Some(&long)).unwrap_err().status(), 400);
    }

    #[test]
    fn file_names_lose_their_directories() {
        assert_eq!(base_name("a.txt"), "a.txt");
        assert_eq!(base_name("C:\\fakepath\\a.txt"), "a.txt");
        assert_eq!(base_name("../../etc/passwd"), "passwd");
        assert_eq!(base_name("dir/"), "");
    }

    #[tokio::test]
    async fn fields_and_files_are_read_with_their_limits() {
        #[derive(Debug, serde::Deserialize)]
        struct Note {
            note: String,
        }
        let bytes = body(&[
            ("note", None, b"hello"),
            ("files", Some("a.txt"), b"aaaa"),
            ("files", Some(""), b""),
        ]);
        let form = multipart(bytes.clone(), MultipartLimits::new())
            .read::<Note>()
            .await
            .unwrap();
        assert_eq!(form.fields.note, "hello");
        assert_eq!(form.files.len(), 1, "the empty file input is left out");
        assert_eq!(form.files[0].bytes().unwrap().as_ref(), b"aaaa");
        assert_eq!(form.files[0].field(), "files");
        let e = multipart(bytes.clone(), MultipartLimits::new().max_file_bytes(3))
            .read::<Note>()
            .await
            .unwrap_err();
        assert!(
            matches!(e, MultipartError::FileTooLarge { limit: 3, .. }),
            "{e}"
        );
        let e = multipart(bytes.clone(), MultipartLimits::new().max_field_bytes(4))
            .read::<Note>()
            .await
            .unwrap_err();
        assert!(matches!(e, MultipartError::FieldTooLarge { .. }), "{e}");
        let e = multipart(bytes, MultipartLimits::new().max_parts(2))
            .read::<Note>()
            .await
            .unwrap_err();
        assert!(
            matches!(e, MultipartError::TooManyParts { limit: 2 }),
            "{e}"
        );
        assert_eq!(LoaderError::from(e).status(), 413);
    }

    #[tokio::test]
    async fn broken_bodies_are_400() {
        let whole = body(&[("note", None, b"hello")]);
        let truncated = whole[..whole.len() - 12].to_vec();
        let e = multipart(truncated, MultipartLimits::new())
            .read::<Vec<(String, String)>>()
            .await
            .unwrap_err();
        assert_eq!(e.status(), 400, "{e}");
        let other = buffered(whole.into(), "other".to_owned(), MultipartLimits::new());
        let e = other.read::<Vec<(String, String)>>().await.unwrap_err();
        assert_eq!(e.status(), 400, "{e}");
        let e = multipart(body(&[("n", None, b"\xff")]), MultipartLimits::new())
            .read::<Vec<(String, String)>>()
            .await
            .unwrap_err();
        assert!(matches!(e, MultipartError::NotText { .. }), "{e}");
    }
}
