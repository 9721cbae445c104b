//! Request bodies, read only when a loader asks: the limit (413), the
//! content type (415) and the client breaking off (400), each a
//! [`LoaderError`] with its status.

use crate::ssr::loader::error::LoaderError;
use axum::body::{Body, Bytes};
use http::{header::CONTENT_TYPE, HeaderMap, StatusCode};

/// The default most a loader may read of a body: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// What a loader expects the body to be.
#[derive(Clone, Copy, Debug)]
pub(crate) enum BodyKind {
    Form,
    Json,
}

/// Whether the request says its body is `multipart/form-data`.
pub(crate) fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("multipart/form-data"))
}

/// 415 unless the request says its body is of `kind`.
pub(crate) fn expect_content_type(headers: &HeaderMap, kind: BodyKind) -> Result<(), LoaderError> {
    let mime = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let fits = match kind {
        BodyKind::Form => mime == "application/x-www-form-urlencoded",
        BodyKind::Json => {
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        }
    };
    if fits {
        Ok(())
    } else {
        let wanted = match kind {
            BodyKind::Form => "application/x-www-form-urlencoded or multipart/form-data",
            BodyKind::Json => "application/json",
        };
        Err(LoaderError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("expected a body of type {wanted}, got {mime:?}"),
        ))
    }
}

/// Reads a whole body of at most `limit` bytes.
pub(crate) async fn read(body: Body, limit: usize) -> Result<Bytes, LoaderError> {
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => Ok(bytes),
        Err(e) if is_length_limit(&e) => Err(LoaderError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {limit} bytes"),
        )),
        Err(e) => Err(LoaderError::bad_request(format!(
            "the request body could not be read: {e}"
        ))),
    }
}

/// Whether a body error is a length limit (the kit's own, or a
/// `RequestBodyLimitLayer`'s further out); a multipart body's parser
/// reports it inside its own error.
pub(crate) fn is_length_limit(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        current = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn content_types_are_checked_by_kind() {
        let mut h = HeaderMap::new();
        assert_eq!(
            expect_content_type(&h, BodyKind::Form)
                .unwrap_err()
                .status(),
            415
        );
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("Application/X-WWW-Form-Urlencoded; charset=utf-8"),
        );
        assert!(expect_content_type(&h, BodyKind::Form).is_ok());
        assert_eq!(
            expect_content_type(&h, BodyKind::Json)
                .unwrap_err()
                .status(),
            415
        );
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/merge-patch+json"),
        );
        assert!(expect_content_type(&h, BodyKind::Json).is_ok());
    }

    #[tokio::test]
    async fn bodies_over_the_limit_are_413() {
        assert_eq!(
            read(Body::from("12345"), 4).await.unwrap_err().status(),
            413
        );
        assert_eq!(read(Body::from("1234"), 4).await.unwrap(), "1234");
    }
}
