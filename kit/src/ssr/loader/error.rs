//! How a loader (or an action) leaves early: [`LoaderError`], a failure
//! that knows its status, "not found" ([`NotFound`]), a redirect, or a
//! response of its own; and where it was made, for development mode.
//!
//! Its own module, below everything that reads a request or writes a
//! response, because each of those fails with it.

use super::panic::panic_message;
use crate::redirect::Redirect;
use axum::response::Response;
use http::StatusCode;
use std::{any::Any, borrow::Cow, fmt};

/// What a loader returns: its props, or an early exit.
pub type LoaderResult<P> = Result<P, LoaderError>;

/// "Not found": with `?` it leaves the loader and the app's 404 page is
/// shown (status 404). `option.ok_or(NotFound)?` reads as it should.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NotFound;

/// Everything a loader answers other than its props: a failure that knows
/// its status, "not found", a redirect, or a response of its own. Any error
/// type converts into it with `?` (as a 500), and so do [`NotFound`] and
/// [`Redirect`].
///
/// Like `anyhow::Error` it is not itself a `std::error::Error`, so that every
/// error type converts into it with `?`.
///
/// It remembers where it was made (the `?` that converted an error, the
/// constructor's caller, or the panic), which development mode shows in
/// the error overlay.
#[must_use]
pub struct LoaderError {
    pub(crate) kind: ErrorKind,
    pub(crate) location: Option<SourceLocation>,
}

/// Where in the source a [`LoaderError`] was made.
#[derive(Clone, Debug)]
pub(crate) enum SourceLocation {
    /// A `#[track_caller]` constructor's caller (the `?` for conversions).
    Code(&'static std::panic::Location<'static>),
    /// Where a panic happened, as the panic hook saw it.
    Panic(String),
}

impl SourceLocation {
    /// The caller, unless it is the standard library's code (a constructor
    /// passed by name to `map_err` sees `Result::map_err`) or the kit's own
    /// (its timeout, a bad redirect): the app's code is what the overlay
    /// points at, and no location beats a wrong one.
    #[track_caller]
    fn caller() -> Option<Self> {
        let location = std::panic::Location::caller();
        let file = location.file();
        // This file's path, less `ssr/loader/error.rs`: the kit's `src/`.
        let kit = file!()
            .strip_suffix("ssr/loader/error.rs")
            .unwrap_or(file!());
        // The standard library's sources: `/rustc/<commit>/library/…`, or
        // the `rust-src` component's copy when it is installed.
        let std = file.starts_with("/rustc/") || file.contains("/rustlib/src/rust/library/");
        (!std && !file.starts_with(kit)).then_some(Self::Code(location))
    }
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Code(location) => location.fmt(f),
            Self::Panic(location) => f.write_str(location),
        }
    }
}

pub(crate) enum ErrorKind {
    Failed {
        status: StatusCode,
        message: Cow<'static, str>,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
        /// Seconds for `Retry-After`.
        retry_after: Option<u64>,
        /// Headers the answer must carry (an extractor's `WWW-Authenticate`).
        headers: Option<Box<http::HeaderMap>>,
    },
    NotFound,
    Redirect(Redirect),
    Response(Box<Response>),
}

impl LoaderError {
    /// An error with a status (4xx or 5xx) and a message for the log.
    #[track_caller]
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        let status = if status.is_client_error() || status.is_server_error() {
            status
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        Self {
            kind: ErrorKind::Failed {
                status,
                message: message.into(),
                source: None,
                retry_after: None,
                headers: None,
            },
            location: SourceLocation::caller(),
        }
    }

    /// 400: the request's input is invalid (a query value that does not parse).
    #[track_caller]
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404 with a message for the log: the URL names nothing (a path
    /// parameter that does not parse). Like [`NotFound`], it shows the 404
    /// page.
    #[track_caller]
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 500 with a message.
    #[track_caller]
    pub fn internal(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// 503: something the loader needs (a database, an upstream API) is
    /// down for now; [`retry_after`](Self::retry_after) says when to come
    /// back.
    #[track_caller]
    pub fn unavailable(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }

    /// Sends this response as it is, instead of a page (a file, plain text).
    /// Client navigation to such a page becomes a document navigation.
    #[track_caller]
    pub fn response(response: Response) -> Self {
        Self {
            kind: ErrorKind::Response(Box::new(response)),
            location: SourceLocation::caller(),
        }
    }

    /// The same failure turning into another status (4xx or 5xx), keeping its
    /// message and source: `LoaderError::from(e).with_status(StatusCode::SERVICE_UNAVAILABLE)`.
    /// Not found, redirects and own responses are left as they are.
    pub fn with_status(mut self, new: StatusCode) -> Self {
        if let ErrorKind::Failed { status, .. } = &mut self.kind {
            *status = if new.is_client_error() || new.is_server_error() {
                new
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
        }
        self
    }

    /// Says when to try again (`Retry-After`, in whole seconds): for a 503
    /// or a 429.
    pub fn retry_after(mut self, after: std::time::Duration) -> Self {
        if let ErrorKind::Failed { retry_after, .. } = &mut self.kind {
            *retry_after = Some(after.as_secs());
        }
        self
    }

    /// A 500 for a panic in `what` (a loader, an action), located where the
    /// panic happened when the development panic hook saw it.
    pub(crate) fn panicked(what: &str, panic: &(dyn Any + Send)) -> Self {
        let message = panic_message(panic);
        let mut error = Self::internal(format!("{what} panicked: {message}"));
        error.location =
            crate::ssr::loader::panic::take_panic_location(message).map(SourceLocation::Panic);
        error
    }

    /// Makes a redirect a `303 See Other` (what answers a write).
    pub(crate) fn see_other_if_redirect(&mut self) {
        if let ErrorKind::Redirect(redirect) = &mut self.kind {
            redirect.status = crate::redirect::RedirectStatus::SeeOther;
        }
    }

    /// The status this turns into: the failure's, 404, the redirect's, or
    /// the own response's.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match &self.kind {
            ErrorKind::Failed { status, .. } => *status,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Redirect(r) => {
                StatusCode::from_u16(r.status.code()).expect("redirect codes are valid")
            }
            ErrorKind::Response(r) => r.status(),
        }
    }

    /// The message, for logs and development mode.
    #[must_use]
    pub fn message(&self) -> &str {
        match &self.kind {
            ErrorKind::Failed { message, .. } => message,
            ErrorKind::NotFound => "not found",
            ErrorKind::Redirect(_) => "redirect",
            ErrorKind::Response(_) => "own response",
        }
    }

    /// The redirect, when this is one.
    #[must_use]
    pub fn as_redirect(&self) -> Option<&Redirect> {
        match &self.kind {
            ErrorKind::Redirect(r) => Some(r),
            _ => None,
        }
    }

    /// Whether this is "not found" ([`NotFound`], not a 404 failure).
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self.kind, ErrorKind::NotFound)
    }
}

impl From<NotFound> for LoaderError {
    fn from(_: NotFound) -> Self {
        Self {
            kind: ErrorKind::NotFound,
            location: None,
        }
    }
}

impl From<Redirect> for LoaderError {
    fn from(redirect: Redirect) -> Self {
        Self {
            kind: ErrorKind::Redirect(redirect),
            location: None,
        }
    }
}

impl<E> From<E> for LoaderError
where
    E: std::error::Error + Send + Sync + 'static,
{
    /// `?` passes on the location of the `?` itself.
    #[track_caller]
    fn from(error: E) -> Self {
        Self {
            kind: ErrorKind::Failed {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                message: error.to_string().into(),
                source: Some(Box::new(error)),
                retry_after: None,
                headers: None,
            },
            location: SourceLocation::caller(),
        }
    }
}

impl fmt::Display for LoaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Failed {
                status,
                message,
                source,
                ..
            } => {
                write!(f, "{message} ({status})")?;
                let mut source = source.as_deref().and_then(std::error::Error::source);
                while let Some(s) = source {
                    write!(f, ": {s}")?;
                    source = s.source();
                }
                Ok(())
            }
            ErrorKind::NotFound => f.write_str("not found"),
            ErrorKind::Redirect(r) => {
                write!(f, "redirect ({}) to {}", r.status.code(), r.destination)
            }
            ErrorKind::Response(r) => write!(f, "own response ({})", r.status()),
        }
    }
}

impl fmt::Debug for LoaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Failed {
                status,
                message,
                source,
                ..
            } => f
                .debug_struct("LoaderError")
                .field("status", status)
                .field("message", message)
                .field("source", source)
                .finish(),
            ErrorKind::NotFound => f.write_str("LoaderError(NotFound)"),
            ErrorKind::Redirect(r) => f.debug_tuple("LoaderError").field(r).finish(),
            ErrorKind::Response(r) => f.debug_tuple("LoaderError").field(r).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Boom;
    impl fmt::Display for Boom {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("boom")
        }
    }
    impl std::error::Error for Boom {}

    #[test]
    fn any_error_converts_to_a_500() {
        fn fails() -> Result<(), LoaderError> {
            Err(Boom)?;
            Ok(())
        }
        let e = fails().unwrap_err();
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(e.message(), "boom");
    }

    #[test]
    fn non_error_statuses_become_500() {
        assert_eq!(LoaderError::new(StatusCode::OK, "x").status(), 500);
        assert_eq!(LoaderError::bad_request("x").status(), 400);
        assert_eq!(LoaderError::not_found("x").status(), 404);
        assert_eq!(LoaderError::unavailable("x").status(), 503);
    }

    #[test]
    fn with_status_keeps_message_and_source() {
        let e = LoaderError::from(Boom).with_status(StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(e.status(), 503);
        assert_eq!(e.message(), "boom");
        assert!(matches!(
            e.kind,
            ErrorKind::Failed {
                source: Some(_),
                ..
            }
        ));
        assert_eq!(e.with_status(StatusCode::OK).status(), 500);
    }

    #[test]
    fn not_found_and_redirects_leave_through_question_marks() {
        fn find(id: u32) -> LoaderResult<u32> {
            let found = (id == 1).then_some(id).ok_or(NotFound)?;
            Ok(found)
        }
        fn moved() -> LoaderResult<()> {
            Err(Redirect::see_other("/new"))?
        }
        assert!(find(2).unwrap_err().is_not_found());
        assert_eq!(find(1).unwrap(), 1);
        let r = moved().unwrap_err();
        assert_eq!(r.status(), 303);
        assert_eq!(r.as_redirect().unwrap().destination, "/new");
        assert_eq!(LoaderError::from(NotFound).status(), 404);
    }

    #[test]
    fn errors_made_in_the_kit_or_the_standard_library_carry_no_location() {
        // This file is the kit's own source: its timeouts and bad redirects
        // must not point the overlay at the kit.
        assert!(LoaderError::internal("x").location.is_none());
        assert!(LoaderError::from(Boom).location.is_none());
        // A constructor passed by name to `map_err` is called from `core`.
        let failed: Result<(), Boom> = std::hint::black_box(Err(Boom));
        let mapped = failed.map_err(LoaderError::from).unwrap_err();
        assert!(mapped.location.is_none(), "{:?}", mapped.location);
        // The kit's `src/` is found from this file's own path: moving the
        // file must update `SourceLocation::caller`. (An app's code keeps
        // its location: `kit/tests/server.rs` checks one.)
        assert!(file!().ends_with("/src/ssr/loader/error.rs"), "{}", file!());
    }

    #[test]
    fn panic_messages_are_extracted() {
        let p: Box<dyn Any + Send> = Box::new("static");
        assert_eq!(panic_message(p.as_ref()), "static");
        let p: Box<dyn Any + Send> = Box::new(String::from("owned"));
        assert_eq!(panic_message(p.as_ref()), "owned");
    }
}
