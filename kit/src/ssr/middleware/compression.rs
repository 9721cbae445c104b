//! Compression of answers: brotli or gzip, as the request accepts.
//!
//! Documents and props answers are built whole in memory, so they are
//! compressed whole, in one call, with a `Content-Length`. An answer sent in
//! parts (a page with deferred props: no length until it ends) is compressed
//! part by part instead, each part flushed, so that the browser can show
//! each as soon as it arrives. Static files are compressed at build time
//! (`cargo leptos build --release --precompress` writes `.br` and `.gz`
//! beside each file, which [`AppServer`](crate::ssr::server::app::AppServer) serves as
//! they are); a static file without such a sibling is compressed here like
//! any other answer.
//!
//! [`Compression`] sits *inside* the shared cache, so the cache keeps the
//! compressed bytes and a compressed hit costs what an uncompressed one
//! does. Every answer it could compress says `Vary: Accept-Encoding` (also
//! when this request took it uncompressed: a cache must not hand those
//! bytes to a client that asked for brotli), and the shared cache keys
//! `Accept-Encoding` by what it accepts ([`Accepted::key`]), not by the
//! header's spelling, so every browser shares one entry.
//!
//! What is compressed: a `200`-class answer (not `206`) of a textual type
//! (HTML, JSON, CSS, JavaScript, SVG, XML, plain text) or WebAssembly, at
//! least [`Compression::min_bytes`] long and of a known length up to
//! [`Compression::max_bytes`] (or sent in parts), without a `Content-Encoding` of its own or
//! `Cache-Control: no-transform`. A compressed answer's `ETag` becomes weak
//! (`W/"…"`), as nginx does: the bytes differ from the identity answer's,
//! and `If-None-Match` compares weakly, so a revalidation still matches.
//!
//! ```
//! use server_props::compression::Compression;
//!
//! // Gzip level 1 when the client takes gzip, brotli quality 4 when it takes
//! // only brotli (the defaults); answers under 1 KiB stay as they are.
//! let layer = Compression::default().brotli_quality(4).gzip_level(1).min_bytes(1024);
//! # let _ = layer;
//! ```

use axum::body::{Body, HttpBody};
use futures::future::{BoxFuture, Either};
use http::{
    header::{
        ACCEPT_ENCODING, ACCEPT_RANGES, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH,
        CONTENT_TYPE, ETAG, VARY,
    },
    HeaderMap, HeaderValue, Request, Response, StatusCode,
};
use std::{
    convert::Infallible,
    io::Write,
    task::{Context, Poll},
};

/// An encoding the server can answer with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Brotli (`br`).
    Brotli,
    /// Gzip (`gzip`).
    Gzip,
    /// As is.
    Identity,
}

impl Encoding {
    /// The token in `Content-Encoding` (and in the shared cache's key).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
            Encoding::Identity => "identity",
        }
    }
}

/// The encodings a request accepts, of those the server offers: what an
/// answer may be sent in, and what the shared cache keys `Accept-Encoding`
/// by (so every browser, however it spells the header, shares one entry,
/// and no entry is ever handed to a client that cannot read it).
///
/// Only named codings count, with a quality above zero (`br;q=0` refuses
/// brotli); `x-gzip` is gzip; `*` is ignored, as tower-http's file service
/// ignores it.
///
/// ```
/// use http::{header::ACCEPT_ENCODING, HeaderMap, HeaderValue};
/// use server_props::compression::{Accepted, Encoding};
///
/// let with = |v: &'static str| {
///     let mut h = HeaderMap::new();
///     h.insert(ACCEPT_ENCODING, HeaderValue::from_static(v));
///     Accepted::from_headers(&h)
/// };
/// let browser = with("gzip, deflate, br, zstd");
/// assert_eq!((browser.brotli, browser.gzip), (true, true));
/// assert_eq!(browser.key(), "br,gzip");
/// assert_eq!(with("gzip, br;q=0").key(), "gzip");
/// assert_eq!(with("deflate, *").key(), "identity");
/// assert_eq!(Accepted::from_headers(&HeaderMap::new()).choose(Encoding::Gzip), Encoding::Identity);
/// assert_eq!(browser.choose(Encoding::Gzip), Encoding::Gzip);
/// assert_eq!(with("br").choose(Encoding::Gzip), Encoding::Brotli);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Accepted {
    /// `br` is accepted.
    pub brotli: bool,
    /// `gzip` (or `x-gzip`) is accepted.
    pub gzip: bool,
}

impl Accepted {
    /// What `Accept-Encoding` in `headers` accepts.
    #[must_use]
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let (mut br, mut gzip) = (0.0_f32, 0.0_f32);
        for value in headers.get_all(ACCEPT_ENCODING) {
            let Ok(value) = value.to_str() else {
                continue;
            };
            for item in value.split(',') {
                let mut parts = item.split(';');
                let coding = parts.next().unwrap_or_default().trim();
                let q = parts
                    .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
                    .find_map(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                if coding.eq_ignore_ascii_case("br") {
                    br = br.max(q);
                } else if coding.eq_ignore_ascii_case("gzip")
                    || coding.eq_ignore_ascii_case("x-gzip")
                {
                    gzip = gzip.max(q);
                }
            }
        }
        Self {
            brotli: br > 0.0,
            gzip: gzip > 0.0,
        }
    }

    /// The shared cache's key for it.
    #[must_use]
    pub const fn key(self) -> &'static str {
        match (self.brotli, self.gzip) {
            (true, true) => "br,gzip",
            (true, false) => "br",
            (false, true) => "gzip",
            (false, false) => "identity",
        }
    }

    /// The encoding to compress in: `preferred` when it is accepted, else
    /// the other one accepted, else identity.
    #[must_use]
    pub const fn choose(self, preferred: Encoding) -> Encoding {
        match (preferred, self.brotli, self.gzip) {
            (Encoding::Brotli, true, _) | (_, true, false) => Encoding::Brotli,
            (_, _, true) => Encoding::Gzip,
            _ => Encoding::Identity,
        }
    }
}

/// A layer compressing answers as the request accepts (see the
/// [module](self)).
#[derive(Clone, Copy, Debug)]
#[must_use]
pub struct Compression {
    enabled: bool,
    prefer: Encoding,
    brotli_quality: u32,
    gzip_level: u32,
    min_bytes: usize,
    max_bytes: usize,
}

impl Default for Compression {
    /// On; gzip level 1 when the client takes gzip (brotli quality 4 when
    /// it takes only brotli); answers from 1 KiB to 4 MiB. On a 16 kB
    /// document gzip level 1 costs about a fifth of brotli quality 4's time
    /// for 1.5 times its bytes (`docs/performance.md`); build-time
    /// `.br` files are still preferred for static files.
    fn default() -> Self {
        Self {
            enabled: true,
            prefer: Encoding::Gzip,
            brotli_quality: 4,
            gzip_level: 1,
            min_bytes: 1024,
            max_bytes: 4 << 20,
        }
    }
}

impl Compression {
    /// No compression at all (a proxy in front compresses).
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }

    /// Whether it compresses anything.
    #[must_use]
    pub const fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// The encoding to compress in when the client takes both (default
    /// gzip: much cheaper on the fly; brotli for smaller bodies at more CPU).
    pub fn prefer(mut self, encoding: Encoding) -> Self {
        self.prefer = encoding;
        self
    }

    /// Brotli's quality, 0 to 11 (higher: smaller and slower).
    pub fn brotli_quality(mut self, quality: u32) -> Self {
        self.brotli_quality = quality.min(11);
        self
    }

    /// Gzip's level, 0 to 9.
    pub fn gzip_level(mut self, level: u32) -> Self {
        self.gzip_level = level.min(9);
        self
    }

    /// The smallest answer compressed: below it the headers cost more
    /// than the bytes saved.
    pub fn min_bytes(mut self, bytes: usize) -> Self {
        self.min_bytes = bytes;
        self
    }

    /// The largest answer compressed on the fly (larger ones, such as a
    /// debug build's wasm, go as they are; release assets come compressed
    /// from the build).
    pub fn max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// `body` in `encoding`.
    fn encode(&self, encoding: Encoding, body: &[u8]) -> Vec<u8> {
        // Writing into a Vec cannot fail.
        match encoding {
            Encoding::Brotli => {
                // A window no larger than the body: brotli allocates and
                // clears tables of the window's size on every call.
                let window = (usize::BITS - body.len().leading_zeros()).clamp(10, 22);
                let mut out = Vec::with_capacity(body.len() / 4 + 64);
                {
                    let mut writer = brotli::CompressorWriter::new(
                        &mut out,
                        body.len().clamp(4096, 64 * 1024),
                        self.brotli_quality,
                        window,
                    );
                    writer.write_all(body).expect("writing to a Vec");
                }
                out
            }
            Encoding::Gzip => {
                let mut encoder = flate2::write::GzEncoder::new(
                    Vec::with_capacity(body.len() / 4 + 64),
                    flate2::Compression::new(self.gzip_level),
                );
                encoder.write_all(body).expect("writing to a Vec");
                encoder.finish().expect("writing to a Vec")
            }
            Encoding::Identity => body.to_vec(),
        }
    }

    /// What to do with `response`, whatever the request accepts.
    fn plan(&self, response: &Response<Body>) -> Plan {
        let headers = response.headers();
        if headers.contains_key(CONTENT_ENCODING) {
            // Encoded already (a precompressed file chosen by this very
            // header, whatever its type or status): the choice depends on
            // `Accept-Encoding`.
            return Plan::Vary;
        }
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Plan::NotModified;
        }
        if !status.is_success()
            || status == StatusCode::NO_CONTENT
            || status == StatusCode::PARTIAL_CONTENT
        {
            return Plan::Leave;
        }
        if !headers.get(CONTENT_TYPE).is_some_and(is_compressible_type)
            || headers
                .get_all(CACHE_CONTROL)
                .iter()
                .any(|v| contains_token(v.as_bytes(), b"no-transform"))
        {
            return Plan::Leave;
        }
        // A file's body streams, but says its length in `Content-Length`.
        let length = response.body().size_hint().exact().or_else(|| {
            headers
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok()?.parse().ok())
        });
        match length {
            Some(length) if length >= self.min_bytes as u64 && length <= self.max_bytes as u64 => {
                Plan::Compress
            }
            Some(_) => Plan::Leave,
            None => Plan::CompressParts,
        }
    }
}

/// What [`CompressionService`] does with an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plan {
    /// Nothing.
    Leave,
    /// Only say that it depends on `Accept-Encoding`.
    Vary,
    /// Say so, and compress it when the request accepts an encoding.
    Compress,
    /// The same for an answer sent in parts: part by part.
    CompressParts,
    /// A `304`: it stands for the answer this request would have had, so
    /// it says what that answer would (`Vary`, the weak `ETag` of a
    /// compressed one).
    NotModified,
}

/// Whether a `Content-Type` names something worth compressing.
fn is_compressible_type(value: &HeaderValue) -> bool {
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let is = |t: &str| essence.eq_ignore_ascii_case(t);
    let ends = |t: &str| {
        essence.len() >= t.len()
            && essence.as_bytes()[essence.len() - t.len()..].eq_ignore_ascii_case(t.as_bytes())
    };
    essence
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("text/"))
        || is("application/json")
        || is("application/javascript")
        || is("application/wasm")
        || is("application/xml")
        || is("image/svg+xml")
        || ends("+json")
        || ends("+xml")
}

/// Whether a comma-separated header value holds `token` (any case).
fn contains_token(value: &[u8], token: &[u8]) -> bool {
    value
        .split(|b| *b == b',')
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(token))
}

/// Bodies larger than this are compressed on a blocking thread.
const BLOCKING_ABOVE: usize = 128 * 1024;

/// `"x"` becomes `W/"x"`: the compressed bytes are not the identity
/// answer's, though they stand for the same props.
fn weaken_etag(headers: &mut HeaderMap) {
    if let Some(etag) = headers.get(ETAG) {
        if !etag.as_bytes().starts_with(b"W/") {
            let mut weak = Vec::with_capacity(etag.len() + 2);
            weak.extend_from_slice(b"W/");
            weak.extend_from_slice(etag.as_bytes());
            if let Ok(weak) = HeaderValue::from_bytes(&weak) {
                headers.insert(ETAG, weak);
            }
        }
    }
}

/// Adds `accept-encoding` to `Vary` unless it is there (or `*` is).
fn vary_on_accept_encoding(headers: &mut HeaderMap) {
    let present = headers.get_all(VARY).iter().any(|v| {
        contains_token(v.as_bytes(), b"accept-encoding") || contains_token(v.as_bytes(), b"*")
    });
    if !present {
        headers.append(VARY, HeaderValue::from_static("accept-encoding"));
    }
}

impl<S> tower::Layer<S> for Compression {
    type Service = CompressionService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CompressionService {
            inner,
            config: *self,
        }
    }
}

/// The service [`Compression`] makes.
#[derive(Clone, Debug)]
pub struct CompressionService<S> {
    inner: S,
    config: Compression,
}

impl<S> tower::Service<Request<Body>> for CompressionService<S>
where
    S: tower::Service<Request<Body>, Response = Response<Body>, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Either<S::Future, BoxFuture<'static, Result<Response<Body>, Infallible>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        if !self.config.enabled {
            return Either::Left(self.inner.call(request));
        }
        let config = self.config;
        let encoding = Accepted::from_headers(request.headers()).choose(config.prefer);
        let future = self.inner.call(request);
        Either::Right(Box::pin(async move {
            let Ok(mut response) = future.await;
            let plan = config.plan(&response);
            match plan {
                Plan::Leave => return Ok(response),
                Plan::NotModified => {
                    if encoding != Encoding::Identity
                        && response
                            .headers()
                            .get(CONTENT_TYPE)
                            .is_none_or(is_compressible_type)
                    {
                        vary_on_accept_encoding(response.headers_mut());
                        weaken_etag(response.headers_mut());
                    }
                    return Ok(response);
                }
                Plan::Vary | Plan::Compress | Plan::CompressParts => {
                    vary_on_accept_encoding(response.headers_mut());
                }
            }
            if plan == Plan::Vary || encoding == Encoding::Identity {
                return Ok(response);
            }
            if plan == Plan::CompressParts {
                let (mut parts, body) = response.into_parts();
                parts.headers.insert(
                    CONTENT_ENCODING,
                    HeaderValue::from_static(encoding.as_str()),
                );
                parts.headers.remove(CONTENT_LENGTH);
                parts.headers.remove(ACCEPT_RANGES);
                weaken_etag(&mut parts.headers);
                let body = Body::new(PartsEncoder::new(body, config.part_encoder(encoding)));
                return Ok(Response::from_parts(parts, body));
            }
            let (mut parts, body) = response.into_parts();
            let bytes = match axum::body::to_bytes(body, config.max_bytes).await {
                Ok(bytes) => bytes,
                Err(e) => {
                    // The app's body failed while being read: a gateway's
                    // error, never kept by a cache.
                    tracing::warn!("server_props: an answer's body failed: {e}");
                    let mut failed = Response::new(Body::empty());
                    *failed.status_mut() = StatusCode::BAD_GATEWAY;
                    failed.headers_mut().insert(
                        CACHE_CONTROL,
                        HeaderValue::from_static(crate::protocol::DEFAULT_CACHE_CONTROL),
                    );
                    return Ok(failed);
                }
            };
            // Large bodies (a static file) off the async workers.
            let compressed = if bytes.len() > BLOCKING_ABOVE {
                tokio::task::spawn_blocking(move || config.encode(encoding, &bytes))
                    .await
                    .expect("compression does not panic")
            } else {
                config.encode(encoding, &bytes)
            };
            parts.headers.insert(
                CONTENT_ENCODING,
                HeaderValue::from_static(encoding.as_str()),
            );
            parts
                .headers
                .insert(CONTENT_LENGTH, HeaderValue::from(compressed.len()));
            parts.headers.remove(ACCEPT_RANGES);
            weaken_etag(&mut parts.headers);
            Ok(Response::from_parts(parts, Body::from(compressed)))
        }))
    }
}

/// An encoder of an answer sent in parts.
enum PartEncoder {
    Brotli(Box<brotli::CompressorWriter<Vec<u8>>>),
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
}

impl Compression {
    /// The encoder of an answer sent in parts (a window of 256 KiB: parts
    /// are small, and the encoder lives as long as the answer).
    fn part_encoder(&self, encoding: Encoding) -> PartEncoder {
        match encoding {
            Encoding::Brotli => PartEncoder::Brotli(Box::new(brotli::CompressorWriter::new(
                Vec::new(),
                4096,
                self.brotli_quality,
                18,
            ))),
            _ => PartEncoder::Gzip(flate2::write::GzEncoder::new(
                Vec::new(),
                flate2::Compression::new(self.gzip_level),
            )),
        }
    }
}

impl PartEncoder {
    /// Encodes one part and flushes: what it returns decodes to everything
    /// written so far.
    fn part(&mut self, data: &[u8]) -> Vec<u8> {
        // Writing into a Vec cannot fail.
        match self {
            Self::Brotli(writer) => {
                writer.write_all(data).expect("writing to a Vec");
                writer.flush().expect("writing to a Vec");
                std::mem::take(writer.get_mut())
            }
            Self::Gzip(encoder) => {
                encoder.write_all(data).expect("writing to a Vec");
                encoder.flush().expect("writing to a Vec");
                std::mem::take(encoder.get_mut())
            }
        }
    }

    /// The end of the stream.
    fn finish(self) -> Vec<u8> {
        match self {
            Self::Brotli(writer) => writer.into_inner(),
            Self::Gzip(encoder) => encoder.finish().expect("writing to a Vec"),
        }
    }
}

/// A body sent in parts, compressed part by part.
struct PartsEncoder {
    inner: Body,
    encoder: Option<PartEncoder>,
    /// The answer's trailers, sent after the stream's end.
    trailers: Option<HeaderMap>,
}

impl PartsEncoder {
    fn new(inner: Body, encoder: PartEncoder) -> Self {
        Self {
            inner,
            encoder: Some(encoder),
            trailers: None,
        }
    }
}

impl HttpBody for PartsEncoder {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        loop {
            let Some(encoder) = this.encoder.as_mut() else {
                // Ended: the trailers, if any, then nothing.
                return Poll::Ready(
                    this.trailers
                        .take()
                        .map(|t| Ok(http_body::Frame::trailers(t))),
                );
            };
            match std::pin::Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => {
                        let out = encoder.part(&data);
                        if !out.is_empty() {
                            return Poll::Ready(Some(Ok(http_body::Frame::data(out.into()))));
                        }
                    }
                    Err(frame) => {
                        // Trailers come last: end the stream before them.
                        this.trailers = frame.into_trailers().ok();
                        let tail = this
                            .encoder
                            .take()
                            .map(PartEncoder::finish)
                            .unwrap_or_default();
                        return Poll::Ready(Some(Ok(http_body::Frame::data(tail.into()))));
                    }
                },
                Poll::Ready(None) => {
                    let tail = this
                        .encoder
                        .take()
                        .map(PartEncoder::finish)
                        .unwrap_or_default();
                    return Poll::Ready(Some(Ok(http_body::Frame::data(tail.into()))));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use tower::{Layer, ServiceExt};

    fn html(len: usize) -> String {
        let mut s = String::from("<!DOCTYPE html><html><body><ul>");
        let mut i = 0;
        while s.len() < len {
            s.push_str(&format!(
                "<li>item {i} with some text to make it realistic</li>"
            ));
            i += 1;
        }
        s
    }

    async fn answer(
        layer: Compression,
        accept: Option<&'static str>,
        response: Response<Body>,
    ) -> Response<Body> {
        let response = std::sync::Mutex::new(Some(response));
        let service = tower::service_fn(move |_req: Request<Body>| {
            let r = response.lock().unwrap().take().unwrap();
            async move { Ok::<_, Infallible>(r) }
        });
        let mut request = Request::new(Body::empty());
        if let Some(accept) = accept {
            request
                .headers_mut()
                .insert(ACCEPT_ENCODING, HeaderValue::from_static(accept));
        }
        layer.layer(service).oneshot(request).await.unwrap()
    }

    fn typed(body: String, content_type: &'static str) -> Response<Body> {
        let mut response = Response::new(Body::from(body));
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        response
    }

    async fn body(response: Response<Body>) -> Vec<u8> {
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec()
    }

    /// A body sent in parts, with a trailer.
    fn in_parts(parts: &[&'static str]) -> Response<Body> {
        let mut frames: Vec<Result<http_body::Frame<bytes::Bytes>, Infallible>> = parts
            .iter()
            .map(|p| {
                Ok(http_body::Frame::data(bytes::Bytes::from_static(
                    p.as_bytes(),
                )))
            })
            .collect();
        let mut trailers = HeaderMap::new();
        trailers.insert("server-timing", HeaderValue::from_static("deferred;dur=1"));
        frames.push(Ok(http_body::Frame::trailers(trailers)));
        let body = http_body_util::StreamBody::new(futures::stream::iter(frames));
        let mut response = Response::new(Body::new(body));
        response.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        response
    }

    #[tokio::test]
    async fn an_answer_sent_in_parts_is_compressed_part_by_part() {
        use http_body_util::BodyExt;
        let parts = [
            "<h1>Feed</h1><ul><li>Item 1</li>",
            "<li>Recommended 1</li>",
            "</ul></html>",
        ];
        for accept in ["br", "gzip"] {
            let r = answer(Compression::default(), Some(accept), in_parts(&parts)).await;
            assert_eq!(r.headers()[CONTENT_ENCODING], accept);
            assert_eq!(r.headers()[VARY], "accept-encoding");
            assert!(r.headers().get(CONTENT_LENGTH).is_none());
            let mut body = r.into_body();
            // Each part decodes as soon as it arrives: what came so far is
            // everything sent so far.
            let mut sent = String::new();
            let mut got: Vec<u8> = Vec::new();
            let mut trailer = None;
            let mut brotli = brotli::DecompressorWriter::new(Vec::new(), 4096);
            let mut gzip = flate2::write::GzDecoder::new(Vec::new());
            let mut i = 0;
            while let Some(frame) = body.frame().await {
                let frame = frame.unwrap();
                if let Some(t) = frame.trailers_ref() {
                    trailer = Some(t.clone());
                    continue;
                }
                let data = frame.into_data().unwrap();
                got.extend_from_slice(&data);
                let decoded = if accept == "br" {
                    brotli.write_all(&data).unwrap();
                    brotli.flush().unwrap();
                    brotli.get_ref().clone()
                } else {
                    gzip.write_all(&data).unwrap();
                    gzip.flush().unwrap();
                    gzip.get_ref().clone()
                };
                if let Some(part) = parts.get(i) {
                    sent.push_str(part);
                    i += 1;
                }
                assert_eq!(
                    String::from_utf8(decoded).unwrap(),
                    sent,
                    "{accept}: part {i}"
                );
            }
            assert_eq!(i, parts.len(), "{accept}: one frame per part");
            assert_eq!(
                trailer.unwrap()["server-timing"],
                "deferred;dur=1",
                "{accept}"
            );
            // And the whole decodes to the whole.
            let whole = if accept == "br" {
                let mut out = Vec::new();
                brotli::Decompressor::new(&got[..], 4096)
                    .read_to_end(&mut out)
                    .unwrap();
                out
            } else {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(&got[..])
                    .read_to_end(&mut out)
                    .unwrap();
                out
            };
            assert_eq!(
                String::from_utf8(whole).unwrap(),
                parts.concat(),
                "{accept}"
            );
        }
    }

    #[tokio::test]
    async fn compressed_and_identity_bodies_are_equal_once_decoded() {
        let page = html(17_000);
        for accept in ["br", "gzip", "gzip, deflate, br, zstd", "deflate"] {
            let mut response = typed(page.clone(), "text/html; charset=utf-8");
            response
                .headers_mut()
                .insert(ETAG, HeaderValue::from_static("\"abc-1\""));
            let r = answer(Compression::default(), Some(accept), response).await;
            assert_eq!(r.status(), 200);
            assert_eq!(r.headers()[VARY], "accept-encoding", "{accept}");
            let encoding = r
                .headers()
                .get(CONTENT_ENCODING)
                .map(|v| v.to_str().unwrap().to_owned());
            let length: Option<usize> = r
                .headers()
                .get(CONTENT_LENGTH)
                .map(|v| v.to_str().unwrap().parse().unwrap());
            assert_eq!(length.is_some(), encoding.is_some(), "{accept}");
            let etag = r.headers()[ETAG].clone();
            let bytes = body(r).await;
            assert_eq!(length.unwrap_or(bytes.len()), bytes.len());
            let mut decoded = Vec::new();
            match encoding.as_deref() {
                Some("br") => {
                    brotli::Decompressor::new(&bytes[..], 4096)
                        .read_to_end(&mut decoded)
                        .unwrap();
                }
                Some("gzip") => {
                    flate2::read::GzDecoder::new(&bytes[..])
                        .read_to_end(&mut decoded)
                        .unwrap();
                }
                None => decoded = bytes.clone(),
                Some(other) => panic!("{other}"),
            }
            assert_eq!(decoded, page.as_bytes(), "{accept}");
            match accept {
                "deflate" => {
                    assert_eq!(encoding, None);
                    assert_eq!(etag, "\"abc-1\"");
                }
                "br" => assert_eq!(encoding.as_deref(), Some("br")),
                // Both taken: gzip, the cheaper one on the fly.
                _ => assert_eq!(encoding.as_deref(), Some("gzip")),
            }
            if encoding.is_some() {
                assert_eq!(etag, "W/\"abc-1\"");
                assert!(bytes.len() * 4 < page.len(), "{accept}: {}", bytes.len());
            }
        }
    }

    #[tokio::test]
    async fn what_is_not_worth_compressing_goes_as_it_is() {
        // Small, not textual, already encoded, no-transform, partial.
        let cases: Vec<Response<Body>> = vec![
            typed(html(500), "text/html"),
            typed(html(5000), "image/png"),
            {
                let mut r = typed(html(5000), "text/css");
                r.headers_mut()
                    .insert(CONTENT_ENCODING, HeaderValue::from_static("br"));
                r
            },
            {
                let mut r = typed(html(5000), "application/json");
                r.headers_mut().insert(
                    CACHE_CONTROL,
                    HeaderValue::from_static("public, no-transform"),
                );
                r
            },
            {
                let mut r = typed(html(5000), "text/html");
                *r.status_mut() = StatusCode::PARTIAL_CONTENT;
                r
            },
            {
                let mut r = typed(html(5000), "text/html");
                *r.status_mut() = StatusCode::NOT_FOUND;
                r
            },
        ];
        for (i, response) in cases.into_iter().enumerate() {
            let r = answer(Compression::default(), Some("br, gzip"), response).await;
            let encoded = r.headers().get(CONTENT_ENCODING).cloned();
            assert!(
                encoded.is_none() || encoded.as_ref().unwrap() == "br" && i == 2,
                "case {i}"
            );
            // Only the answer encoded already depends on the request.
            assert_eq!(r.headers().get(VARY).is_some(), i == 2, "case {i}");
        }
        let r = answer(
            Compression::disabled(),
            Some("br"),
            typed(html(5000), "text/html"),
        )
        .await;
        assert!(r.headers().get(CONTENT_ENCODING).is_none());
    }

    #[tokio::test]
    async fn vary_is_added_once() {
        let mut response = typed(html(5000), "application/json");
        response
            .headers_mut()
            .insert(VARY, HeaderValue::from_static("Cookie, Accept-Encoding"));
        let r = answer(Compression::default(), None, response).await;
        assert_eq!(r.headers().get_all(VARY).iter().count(), 1);
    }

    #[test]
    fn quality_values_decide_what_is_accepted() {
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(ACCEPT_ENCODING, HeaderValue::from_static(v));
            Accepted::from_headers(&h).key()
        };
        assert_eq!(with("br"), "br");
        assert_eq!(with("BR;Q=1"), "br");
        assert_eq!(with("gzip;q=1, br;q=0.9"), "br,gzip");
        assert_eq!(with("x-gzip"), "gzip");
        assert_eq!(with("br, br;q=0"), "br");
        assert_eq!(with("*"), "identity");
        assert_eq!(with("gzip;q=0, br;q=0"), "identity");
        assert_eq!(with("identity"), "identity");
        assert_eq!(with("gzip;q=nonsense"), "gzip");
        assert_eq!(with(""), "identity");
    }
}
