//! Props answers' `ETag`s and `304 Not Modified`: a content hash, the same
//! on every instance, so a browser's `If-None-Match` holds across a load
//! balancer. Used by the handler and by the shared cache, below both.

use axum::{body::Body, response::Response};
use http::{header::CONTENT_TYPE, HeaderValue, StatusCode};

/// A strong `ETag` of a props answer's body: FNV-1a (by words), 64 bits, the same on
/// every instance of the app (a content hash, not a random one), so a
/// browser's `If-None-Match` holds across a load balancer.
pub(crate) fn etag_of(body: &[u8]) -> HeaderValue {
    etag(content_hash(body), body.len() as u64)
}

/// `"<the hash in 16 hex digits>-<the length in hex>"`, written by hand
/// into one buffer (`format!` costs more than the hash on a small answer).
fn etag(hash: u64, len: u64) -> HeaderValue {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 2 + 16 + 1 + 16];
    out[0] = b'"';
    for i in 0..16 {
        out[1 + i] = HEX[((hash >> (60 - 4 * i)) & 0xf) as usize];
    }
    out[17] = b'-';
    let digits = (((64 - len.leading_zeros()) as usize).div_ceil(4)).max(1);
    for i in 0..digits {
        out[18 + i] = HEX[((len >> (4 * (digits - 1 - i))) & 0xf) as usize];
    }
    out[18 + digits] = b'"';
    HeaderValue::from_bytes(&out[..19 + digits]).expect("hex digits are a header value")
}

/// A 64-bit hash of `bytes` that is the same on every instance, every
/// platform and every Rust release (unlike `std`'s `DefaultHasher`):
/// FNV-1a over 8-byte little-endian words, then the tail's bytes. One
/// multiply per word keeps it cheap on every props answer.
pub(crate) fn content_hash(bytes: &[u8]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let word: [u8; 8] = word.try_into().expect("chunks of 8");
        hash = (hash ^ u64::from_le_bytes(word)).wrapping_mul(PRIME);
    }
    for byte in words.remainder() {
        hash = (hash ^ u64::from(*byte)).wrapping_mul(PRIME);
    }
    hash
}

/// Whether `If-None-Match` (any of its values, or `*`) names `etag`.
pub(crate) fn etag_matches(if_none_match: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(list) = if_none_match.to_str() else {
        return false;
    };
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    let bare = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    list.split(',')
        .any(|candidate| candidate.trim() == "*" || bare(candidate) == bare(etag))
}

/// `304 Not Modified` for a request whose `If-None-Match` names the
/// answer's `ETag`: the same headers, no body.
pub(crate) fn not_modified_if_matching(
    if_none_match: Option<&HeaderValue>,
    response: Response,
) -> Response {
    let matches = response.status() == StatusCode::OK
        && if_none_match
            .zip(response.headers().get(http::header::ETAG))
            .is_some_and(|(inm, etag)| etag_matches(inm, etag));
    if !matches {
        return response;
    }
    let (mut parts, _body) = response.into_parts();
    parts.status = StatusCode::NOT_MODIFIED;
    parts.headers.remove(CONTENT_TYPE);
    parts.headers.remove(http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_the_hash_and_the_length_in_hex() {
        for body in [&b""[..], b"a", &[7u8; 255], &[1u8; 4096], &[9u8; 65_537]] {
            let expected = format!("\"{:016x}-{:x}\"", content_hash(body), body.len());
            assert_eq!(etag_of(body), expected.as_str());
        }
        for (hash, len) in [(0, 0), (u64::MAX, u64::MAX), (1, 0xf), (1 << 60, 0x10)] {
            let expected = format!("\"{hash:016x}-{len:x}\"");
            assert_eq!(etag(hash, len), expected.as_str());
        }
    }

    #[test]
    fn the_content_hash_is_fixed() {
        // FNV-1a's offset basis for no bytes, and values computed once:
        // they must never change (build ids and ETags are compared across
        // instances built by different compilers).
        assert_eq!(content_hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(content_hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(content_hash(b"0123456789"), 0xc647_91d4_de5a_c544);
    }

    #[test]
    fn etags_are_content_hashes_and_match_lists() {
        let a = etag_of(b"{\"props\":1}");
        assert_eq!(a, etag_of(b"{\"props\":1}"));
        assert_ne!(a, etag_of(b"{\"props\":2}"));
        assert!(a.to_str().unwrap().starts_with('"'));
        let list = HeaderValue::from_str(&format!("\"x\", W/{}", a.to_str().unwrap())).unwrap();
        assert!(etag_matches(&list, &a));
        assert!(etag_matches(&HeaderValue::from_static("*"), &a));
        assert!(!etag_matches(&HeaderValue::from_static("\"x\""), &a));
    }
}
