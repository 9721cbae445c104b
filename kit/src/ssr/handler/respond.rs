//! From a [`Decision`] to a response: the step both writers share.
//!
//! [`ServerProps::respond`] hands the decision to the writer of its format
//! ([`document`](super::document) or [`json`](super::json)), each of which
//! walks the outcomes once, top to bottom. What the two have in common
//! lives here, so a rule such as "a server error is never cacheable", "a
//! redirect must be a valid header value" or "the error page shows the
//! overlay's facts in development mode" is written once: [`Shown`] is what
//! an early exit shows, and [`ServerProps::page_error`] the one place an
//! error page's facts are made (a loader's failure and a render's panic
//! alike).

use super::{
    decision::{Decision, SERVER_TIMING},
    Format,
};
use crate::ssr::{
    loader::{
        error::{ErrorKind, LoaderError},
        ErasedLoader,
    },
    response::head::ResponseHead,
    server::builder::ServerProps,
};
use crate::{
    page::{DevError, PageError},
    pages::PageKind,
    protocol::DEFAULT_CACHE_CONTROL,
    redirect::{Redirect, RedirectStatus},
};
use axum::{body::Body, response::Response};
use http::{
    header::{CACHE_CONTROL, LOCATION, REFRESH},
    HeaderMap, HeaderName, HeaderValue, StatusCode,
};

/// What an early exit shows, the same in both formats.
pub(crate) enum Shown {
    /// A redirect, its destination checked as a `Location` value.
    Redirect(Redirect, HeaderValue),
    /// A loader's own response, sent as it is.
    Own(Box<Response>),
    /// The 404 page (a loader's "not found", or a 404 failure).
    NotFound,
    /// The error page, with its status.
    Error(StatusCode, PageError),
}

impl ServerProps {
    /// Writes a decision in `format`, with `Server-Timing` when enabled.
    pub(crate) async fn respond(&self, decision: Decision, format: Format) -> Response {
        super::trace::record_outcome(decision.outcome_name());
        let timing = decision.timing;
        let mut response = match format {
            Format::Document => self.write_document(decision).await,
            Format::Json => self.write_json(decision),
        };
        if self.inner.server_timing {
            if let Some(value) = timing.header() {
                // Before the render's, which was written first.
                let headers = response.headers_mut();
                let later: Vec<HeaderValue> =
                    headers.get_all(SERVER_TIMING).iter().cloned().collect();
                headers.remove(SERVER_TIMING);
                headers.append(SERVER_TIMING, value);
                for value in later {
                    headers.append(SERVER_TIMING, value);
                }
            }
        }
        response
    }

    /// The loader of the page at `index`, whose last props size sizes the
    /// next payload's buffer.
    pub(crate) fn loader_of(&self, page: Option<usize>) -> Option<&ErasedLoader> {
        page.and_then(|i| match &self.inner.pages.entries[i].kind {
            PageKind::Props(page) => Some(&page.loader),
            PageKind::Static(_) => None,
        })
    }

    /// What development mode's overlay names as the request (`None` outside
    /// development mode, which then shows no detail at all).
    pub(crate) fn dev_request(
        &self,
        method: &http::Method,
        url: &str,
        format: Format,
    ) -> Option<String> {
        self.inner.dev.then(|| match format {
            Format::Document => format!("{method} {url}"),
            Format::Json => format!("{method} {url} (props answer)"),
        })
    }

    /// What an early exit shows; logs a failure, and writes into `head`
    /// what the failure adds (`Retry-After`, an extractor's headers) and
    /// that a server error is never cached.
    pub(crate) fn shown(
        &self,
        page: Option<usize>,
        url: &str,
        request: Option<&str>,
        error: LoaderError,
        head: &ResponseHead,
    ) -> Shown {
        let error = match error.kind {
            ErrorKind::Redirect(redirect) => match HeaderValue::from_str(&redirect.destination) {
                Ok(location) => return Shown::Redirect(redirect, location),
                Err(_) => LoaderError::internal(format!(
                    "redirect destination {:?} is not a valid URL",
                    redirect.destination
                )),
            },
            ErrorKind::Response(response) => return Shown::Own(response),
            kind => LoaderError {
                kind,
                location: error.location,
            },
        };
        if !error.is_not_found() {
            log_error(url, &error);
        }
        if let ErrorKind::Failed {
            retry_after,
            headers,
            ..
        } = &error.kind
        {
            if let Some(seconds) = retry_after {
                head.insert_header(http::header::RETRY_AFTER, HeaderValue::from(*seconds));
            }
            for (name, value) in headers.iter().flat_map(|h| h.iter()) {
                head.append_header(name.clone(), value.clone());
            }
        }
        let status = error.status();
        uncacheable_if_server_error(status, head);
        if status == StatusCode::NOT_FOUND {
            return Shown::NotFound;
        }
        let location = error.location.as_ref().map(ToString::to_string);
        let page_error = self.page_error(status, error.to_string(), location, page, request);
        Shown::Error(status, page_error)
    }

    /// An error page's facts: in development mode (`request` set) the
    /// message, and for a server error (not a 4xx the app chose) what the
    /// overlay shows.
    pub(crate) fn page_error(
        &self,
        status: StatusCode,
        message: String,
        location: Option<String>,
        page: Option<usize>,
        request: Option<&str>,
    ) -> PageError {
        let dev = request
            .filter(|_| status.is_server_error())
            .map(|request| DevError {
                message: message.clone(),
                location,
                page: page.map(|i| self.inner.pages.entries[i].pattern.as_str().to_owned()),
                request: request.to_owned(),
            });
        PageError::new(status.as_u16())
            .with_detail(request.map(|_| message))
            .with_dev(dev)
    }
}

/// A server error must not be cached as the loader asked for its page: back
/// to the kit's `private, no-store` default.
pub(crate) fn uncacheable_if_server_error(status: StatusCode, head: &ResponseHead) {
    if status.is_server_error() {
        head.insert_header(
            CACHE_CONTROL,
            HeaderValue::from_static(DEFAULT_CACHE_CONTROL),
        );
    }
}

fn log_error(url: &str, error: &LoaderError) {
    if error.status().is_server_error() {
        tracing::error!(
            path = url,
            status = error.status().as_u16(),
            "loader failed: {error}"
        );
    } else {
        tracing::info!(
            path = url,
            status = error.status().as_u16(),
            "loader rejected the request: {error}"
        );
    }
}

/// The headers a response starts from: what the loaders wrote, and `Vary`
/// by the credentials they read.
pub(crate) fn head_headers(head: ResponseHead) -> HeaderMap {
    head.into_headers()
}

/// A redirect document; `location` is the destination, already checked.
pub(crate) fn redirect_response(
    redirect: &Redirect,
    location: HeaderValue,
    head: ResponseHead,
) -> Response {
    let mut response = Response::new(Body::from(redirect.destination.clone()));
    *response.status_mut() =
        StatusCode::from_u16(redirect.status.code()).expect("redirect codes are valid");
    let headers = response.headers_mut();
    *headers = head_headers(head);
    if redirect.status == RedirectStatus::Permanent {
        if let Ok(v) = HeaderValue::from_str(&format!("0;url={}", redirect.destination)) {
            headers.insert(REFRESH, v);
        }
    }
    headers.insert(LOCATION, location);
    headers
        .entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static(DEFAULT_CACHE_CONTROL));
    response
}

/// A loader's own response, sent as is, plus the cookies and headers it set
/// through its response head (the response's own headers win, but for
/// `Set-Cookie` and `Vary`, which add up: what the loaders read still
/// keys the answer in a shared cache).
pub(crate) fn own_response(mut response: Response, head: ResponseHead) -> Response {
    let headers = response.headers_mut();
    let own: Vec<HeaderName> = headers.keys().cloned().collect();
    let mut current: Option<HeaderName> = None;
    for (name, value) in head_headers(head) {
        if let Some(name) = name {
            current = Some(name);
        }
        let Some(name) = current.clone() else {
            continue;
        };
        let adds_up = name == http::header::SET_COOKIE || name == http::header::VARY;
        if adds_up || !own.contains(&name) {
            headers.append(name, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::CONTENT_TYPE;

    fn redirect(r: &Redirect, head: ResponseHead) -> Response {
        redirect_response(r, HeaderValue::from_str(&r.destination).unwrap(), head)
    }

    #[test]
    fn redirects_map_to_status_location_and_refresh() {
        let r = redirect(&Redirect::permanent("/x"), ResponseHead::default());
        assert_eq!(r.status(), 308);
        assert_eq!(r.headers()[LOCATION], "/x");
        assert_eq!(r.headers()[REFRESH], "0;url=/x");
        let r = redirect(&Redirect::temporary("/y"), ResponseHead::default());
        assert_eq!(r.status(), 307);
        assert!(r.headers().get(REFRESH).is_none());
        assert_eq!(r.headers()[CACHE_CONTROL], DEFAULT_CACHE_CONTROL);
        for status in [
            RedirectStatus::MovedPermanently,
            RedirectStatus::Found,
            RedirectStatus::SeeOther,
        ] {
            let r = redirect(&Redirect::with_status(status, "/"), ResponseHead::default());
            assert_eq!(r.status().as_u16(), status.code());
        }
    }

    #[test]
    fn loader_cache_control_wins_over_the_default() {
        let head = ResponseHead::default();
        head.set_cache_control("public, max-age=3600").unwrap();
        let r = redirect(&Redirect::temporary("/"), head);
        assert_eq!(r.headers()[CACHE_CONTROL], "public, max-age=3600");
    }

    #[test]
    fn own_responses_keep_their_headers_and_gain_cookies() {
        let mut response = Response::new(Body::from("hi"));
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        let head = ResponseHead::default();
        head.insert_header(CONTENT_TYPE, HeaderValue::from_static("text/html"));
        head.set_cookie(&cookie::Cookie::new("a", "1")).unwrap();
        head.append_header(
            http::header::LINK,
            HeaderValue::from_static("</a>; rel=preload"),
        );
        head.append_header(
            http::header::LINK,
            HeaderValue::from_static("</b>; rel=preload"),
        );
        let r = own_response(response, head);
        assert_eq!(r.headers()[CONTENT_TYPE], "text/plain");
        assert_eq!(
            r.headers()[http::header::SET_COOKIE],
            "a=1; HttpOnly; SameSite=Lax; Path=/"
        );
        assert_eq!(r.headers().get_all(http::header::LINK).iter().count(), 2);
    }
}
