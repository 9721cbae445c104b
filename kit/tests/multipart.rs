//! `multipart/form-data` bodies, without a socket: a page whose action
//! takes a `Multipart` argument, driven as a document submission (POST,
//! 303) and as a `<Form>` submission to the props URL; every limit (per
//! file, per field, parts, the body) as a 413 page or 413 JSON with nothing
//! kept, broken bodies as 400s, other types as 415; the parser streaming
//! over chunks and stopping at a limit; temporary files deleted; and
//! arbitrary bodies never failing the server (a property test).

#![cfg(feature = "testing")]

mod common;

use axum::body::Body;
use bytes::Bytes;
use futures::StreamExt;
use http::{header, Method, Request, StatusCode};
use leptos::prelude::*;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use server_props::{
    action,
    app::AppServer,
    loader,
    multipart::{Multipart, MultipartError, MultipartLimits, Storage},
    page,
    testing::{TestClient, TestResponse},
    ActionOutcome, ActionResult, LoaderContext, LoaderResult, Pages,
};
use std::{
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, LazyLock, Mutex,
    },
};

/// A file the test app stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Saved {
    field: String,
    name: String,
    content_type: Option<String>,
    bytes: Vec<u8>,
    note: String,
    /// Whether it came through a temporary file.
    temp: bool,
}

/// The test app's state: its stored files and where its temporary files go.
#[derive(Clone, Debug)]
pub struct Store {
    dir: PathBuf,
    saved: Arc<Mutex<Vec<Saved>>>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct UploadProps {
    names: Vec<String>,
}

#[page("/upload")]
pub fn UploadPage(props: UploadProps) -> impl IntoView {
    view! { <ul>{props.names.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul> }
}

#[loader(UploadPage)]
async fn load_upload(cx: &LoaderContext<Store>) -> LoaderResult<UploadProps> {
    let saved = cx.state().saved.lock().unwrap();
    Ok(UploadProps {
        names: saved.iter().map(|s| s.name.clone()).collect(),
    })
}

/// The text fields, read as a URL-encoded form is: an enum by `intent`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    #[serde(alias = "")]
    Add {
        #[serde(default)]
        note: String,
    },
    Clear,
}

#[action(UploadPage)]
async fn upload(multipart: Multipart, cx: &LoaderContext<Store>) -> ActionResult {
    let dir = cx.state().dir.clone();
    // The `big` field's files go to temporary files, the others stay in
    // memory: chosen per part.
    let form = multipart
        .read_with::<Intent, _>(|part| {
            if part.name() == "big" {
                Storage::TempFileIn(dir.clone())
            } else {
                Storage::Memory
            }
        })
        .await?;
    let note = match form.fields {
        Intent::Clear => {
            cx.state().saved.lock().unwrap().clear();
            return Ok(ActionOutcome::Done);
        }
        Intent::Add { note } => note,
    };
    let mut saved = Vec::new();
    for file in &form.files {
        if let Some(path) = file.path() {
            assert!(path.starts_with(&dir) && path.exists(), "{path:?}");
        }
        saved.push(Saved {
            field: file.field().to_owned(),
            name: file.file_name().to_owned(),
            content_type: file.content_type().map(str::to_owned),
            bytes: file.read().await?.to_vec(),
            note: note.clone(),
            temp: file.path().is_some(),
        });
    }
    cx.state().saved.lock().unwrap().extend(saved);
    Ok(ActionOutcome::Done)
}

/// A page whose action reads its form's text fields with `FormData`,
/// whichever of the two encodings the form was sent in.
#[page("/note")]
pub fn NotePage() -> impl IntoView {}

#[derive(Debug, Deserialize)]
pub struct NoteFields {
    note: String,
}

#[action(NotePage, no_loader)]
async fn add_note(
    server_props::extract::FormData(fields): server_props::extract::FormData<NoteFields>,
    axum::extract::State(store): axum::extract::State<Store>,
) -> ActionResult {
    store.saved.lock().unwrap().push(Saved {
        field: "note".into(),
        name: String::new(),
        content_type: None,
        bytes: Vec::new(),
        note: fields.note,
        temp: false,
    });
    Ok(ActionOutcome::Done)
}

static PAGES: LazyLock<Pages> =
    LazyLock::new(|| Pages::new().page::<UploadPage>().page::<NotePage>());

/// A fresh temporary directory of the test's own (the property test's is
/// the same one every run: its app is never dropped).
fn temp_dir(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let unique = match name {
        "proptest" => String::new(),
        _ => format!(
            "-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ),
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("multipart-{name}{unique}"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

struct App {
    client: TestClient,
    store: Store,
    build: String,
}

/// Its temporary directory goes with it (empty, unless a test failed).
impl Drop for App {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.store.dir);
    }
}

impl App {
    /// The app with a body limit and, as a request extension, multipart
    /// limits (none: the defaults).
    fn new(name: &str, max_body_bytes: usize, limits: Option<MultipartLimits>) -> Self {
        let store = Store {
            dir: temp_dir(name),
            saved: Arc::default(),
        };
        let mut server = AppServer::new(&PAGES, common::shell(&PAGES))
            .options(LeptosOptions::builder().output_name("app").build())
            .state(store.clone())
            .max_body_bytes(max_body_bytes);
        if let Some(limits) = limits {
            server = server.layer(move |router| router.layer(axum::Extension(limits)));
        }
        let app = server.build().unwrap();
        Self {
            build: app.props.build_id().to_owned(),
            client: TestClient::new(&app),
            store,
        }
    }

    fn saved(&self) -> Vec<Saved> {
        self.store.saved.lock().unwrap().clone()
    }

    fn props_uri(&self) -> String {
        server_props::protocol::props_url(&self.build, "/upload")
    }

    /// A POST of `body` to `uri` as a browser's form sends it.
    async fn post(&self, uri: &str, content_type: &str, body: impl Into<Sent>) -> TestResponse {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ORIGIN, "http://localhost");
        let body = match body.into() {
            Sent::Whole(bytes) => {
                request = request.header(header::CONTENT_LENGTH, bytes.len());
                Body::from(bytes)
            }
            // No length: the limit is met while reading.
            Sent::Chunked(bytes, size) => {
                let chunks: Vec<Result<Bytes, std::io::Error>> = bytes
                    .chunks(size)
                    .map(|c| Ok(Bytes::copy_from_slice(c)))
                    .collect();
                Body::from_stream(futures::stream::iter(chunks))
            }
        };
        self.client.send(request.body(body).unwrap()).await
    }

    /// The same multipart body as a document submission and as a `<Form>`
    /// submission.
    async fn both(&self, body: &Multi) -> (TestResponse, TestResponse) {
        let doc = self
            .post("/upload", &body.content_type(), body.bytes.clone())
            .await;
        let props = self
            .post(&self.props_uri(), &body.content_type(), body.bytes.clone())
            .await;
        (doc, props)
    }
}

enum Sent {
    Whole(Vec<u8>),
    Chunked(Vec<u8>, usize),
}

impl From<Vec<u8>> for Sent {
    fn from(bytes: Vec<u8>) -> Self {
        Self::Whole(bytes)
    }
}

impl From<&str> for Sent {
    fn from(text: &str) -> Self {
        Self::Whole(text.as_bytes().to_vec())
    }
}

/// A multipart body as a browser writes one.
#[derive(Clone, Debug)]
struct Multi {
    boundary: String,
    bytes: Vec<u8>,
}

impl Multi {
    fn new() -> Self {
        Self {
            boundary: "----formdata-test-7MA4YWxkTrZu0gW".to_owned(),
            bytes: Vec::new(),
        }
    }

    fn text(mut self, name: &str, value: &str) -> Self {
        self.open(&format!("form-data; name=\"{name}\""), None);
        self.bytes.extend_from_slice(value.as_bytes());
        self.bytes.extend_from_slice(b"\r\n");
        self
    }

    fn file(mut self, name: &str, file_name: &str, content_type: &str, data: &[u8]) -> Self {
        let disposition = format!("form-data; name=\"{name}\"; filename=\"{file_name}\"");
        self.open(&disposition, Some(content_type));
        self.bytes.extend_from_slice(data);
        self.bytes.extend_from_slice(b"\r\n");
        self
    }

    fn open(&mut self, disposition: &str, content_type: Option<&str>) {
        let mut head = format!(
            "--{}\r\nContent-Disposition: {disposition}\r\n",
            self.boundary
        );
        if let Some(content_type) = content_type {
            head.push_str(&format!("Content-Type: {content_type}\r\n"));
        }
        head.push_str("\r\n");
        self.bytes.extend_from_slice(head.as_bytes());
    }

    fn end(mut self) -> Self {
        self.bytes
            .extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        self
    }

    fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }
}

fn assert_error_json(reply: &TestResponse, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert!(reply.header("x-server-props").is_some(), "a props answer");
    assert_eq!(reply.json()["status"], status, "{}", reply.body);
    assert!(reply.json()["error"].is_string(), "{}", reply.body);
}

fn assert_error_page(reply: &TestResponse, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "{:?}",
        reply.headers
    );
    assert!(
        reply.body.contains(&status.to_string()),
        "the error page: {}",
        reply.body
    );
}

#[tokio::test]
async fn form_data_reads_the_text_fields_of_a_multipart_body() {
    let app = App::new("form-data", 1 << 20, None);
    let notes = |app: &App| -> Vec<String> { app.saved().into_iter().map(|s| s.note).collect() };
    // Text fields, and a file input left empty (what a browser sends).
    let body = Multi::new()
        .text("note", "héllo")
        .file("files", "", "application/octet-stream", b"")
        .end();
    let r = app
        .post("/note", &body.content_type(), body.bytes.clone())
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The same fields URL-encoded.
    let r = app
        .post("/note", "application/x-www-form-urlencoded", "note=plain")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(notes(&app), ["héllo", "plain"]);
    // A file is not a text field: 400, with the page, and nothing kept.
    let body = Multi::new()
        .text("note", "with a file")
        .file("files", "a.txt", "text/plain", b"abc")
        .end();
    let r = app
        .post("/note", &body.content_type(), body.bytes.clone())
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let uri = server_props::protocol::props_url(&app.build, "/note");
    let r = app
        .post(&uri, &body.content_type(), body.bytes.clone())
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"], "Bad Request");
    // Refused at the file's head, before its bytes: a 400, not a 413.
    let small = App::new(
        "form-data-small",
        1 << 20,
        Some(MultipartLimits::new().max_file_bytes(1024)),
    );
    let body = Multi::new()
        .text("note", "big")
        .file("files", "big.bin", "application/octet-stream", &[7; 8192])
        .end();
    let r = small
        .post("/note", &body.content_type(), body.bytes.clone())
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(small.saved().is_empty());
    // A missing field, a broken body, another type.
    let body = Multi::new().text("other", "x").end();
    let r = app
        .post("/note", &body.content_type(), body.bytes.clone())
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app
        .post("/note", "multipart/form-data; boundary=x", "--x\r\nbroken")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app
        .post("/note", "application/json", r#"{"note":"x"}"#)
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(notes(&app), ["héllo", "plain"]);
}

#[tokio::test]
async fn text_fields_and_files_arrive_in_one_body() {
    let app = App::new("both", 1 << 20, None);
    let big = vec![b'x'; 200_000];
    let body = Multi::new()
        .text("note", "two files ✓")
        .file("files", "a.txt", "text/plain", b"alpha")
        .file(
            "big",
            "C:\\fakepath\\b.bin",
            "application/octet-stream",
            &big,
        )
        .file("files", "", "application/octet-stream", b"")
        .end();
    let doc = app
        .post("/upload", &body.content_type(), body.bytes.clone())
        .await;
    assert_eq!(doc.status, StatusCode::SEE_OTHER, "{}", doc.body);
    assert_eq!(doc.location(), Some("/upload"));
    let saved = app.saved();
    assert_eq!(saved.len(), 2, "the empty file input is no file: {saved:?}");
    assert_eq!(
        saved[0],
        Saved {
            field: "files".into(),
            name: "a.txt".into(),
            content_type: Some("text/plain".into()),
            bytes: b"alpha".to_vec(),
            note: "two files ✓".into(),
            temp: false,
        }
    );
    assert_eq!(saved[1].name, "b.bin", "never a directory");
    assert_eq!(saved[1].bytes, big);
    assert!(
        saved[1].temp,
        "the part the action sent to a temporary file"
    );
    assert!(
        files_in(&app.store.dir).is_empty(),
        "temporary files are deleted once dropped"
    );

    // The same body as a `<Form>` submission: one request, the next props.
    let props = app
        .post(&app.props_uri(), &body.content_type(), body.bytes.clone())
        .await;
    assert_eq!(props.status, 200, "{}", props.body);
    assert_eq!(props.json()["url"], "/upload");
    assert_eq!(
        props.json()["props"]["names"],
        serde_json::json!(["a.txt", "b.bin", "a.txt", "b.bin"])
    );
    // Sent in small chunks, as a network delivers it: the same parts.
    let app = App::new("chunks", 1 << 20, None);
    let chunked = Sent::Chunked(body.bytes.clone(), 7);
    let doc = app.post("/upload", &body.content_type(), chunked).await;
    assert_eq!(doc.status, StatusCode::SEE_OTHER, "{}", doc.body);
    assert_eq!(app.saved()[1].bytes, big);
    // The fields read as an enum, by `intent`.
    let clear = Multi::new().text("intent", "clear").end();
    let (doc, _) = app.both(&clear).await;
    assert_eq!(doc.status, StatusCode::SEE_OTHER);
    assert!(app.saved().is_empty());
}

#[tokio::test]
async fn a_file_over_its_limit_is_413_and_nothing_is_kept() {
    let limits = MultipartLimits::new().max_file_bytes(1024);
    let app = App::new("file-limit", 1 << 20, Some(limits));
    // A file at the limit is fine.
    let at_limit = Multi::new()
        .file("files", "ok.txt", "text/plain", &[b'o'; 1024])
        .end();
    let (doc, props) = app.both(&at_limit).await;
    assert_eq!(doc.status, StatusCode::SEE_OTHER, "{}", doc.body);
    assert_eq!(props.status, 200, "{}", props.body);
    app.store.saved.lock().unwrap().clear();
    // One byte more, after a file written to a temporary file: a 413, the
    // earlier file is not kept and its temporary file is gone.
    let over = Multi::new()
        .text("note", "n")
        .file("big", "first.bin", "application/octet-stream", &[1; 900])
        .file("files", "over.txt", "text/plain", &[b'o'; 1025])
        .end();
    let (doc, props) = app.both(&over).await;
    assert_error_page(&doc, 413);
    assert_error_json(&props, 413);
    assert!(app.saved().is_empty());
    assert!(files_in(&app.store.dir).is_empty());
    // Over the limit inside the temporary file itself: deleted as well.
    let over = Multi::new()
        .file("big", "big.bin", "application/octet-stream", &[2; 5000])
        .end();
    let (doc, props) = app.both(&over).await;
    assert_error_page(&doc, 413);
    assert_error_json(&props, 413);
    assert!(files_in(&app.store.dir).is_empty());
    assert!(app.saved().is_empty());
}

#[tokio::test]
async fn a_field_over_its_limit_and_too_many_parts_are_413() {
    let app = App::new("parts", 1 << 20, None);
    let long = "x".repeat(64 * 1024 + 1);
    let (doc, props) = app.both(&Multi::new().text("note", &long).end()).await;
    assert_error_page(&doc, 413);
    assert_error_json(&props, 413);
    // 100 parts (the default most) pass; 101 do not.
    let mut body = Multi::new();
    for i in 0..99 {
        body = body.text(&format!("f{i}"), "v");
    }
    let hundred = body
        .clone()
        .file("files", "x.txt", "text/plain", b"x")
        .end();
    let (doc, _) = app.both(&hundred).await;
    assert_eq!(doc.status, StatusCode::SEE_OTHER, "{}", doc.body);
    app.store.saved.lock().unwrap().clear();
    let many = body
        .file("files", "x.txt", "text/plain", b"x")
        .text("one", "more")
        .end();
    let (doc, props) = app.both(&many).await;
    assert_error_page(&doc, 413);
    assert_error_json(&props, 413);
    assert!(app.saved().is_empty());
}

#[tokio::test]
async fn a_body_over_the_body_limit_is_413() {
    let app = App::new("body-limit", 4096, None);
    let body = Multi::new()
        .file("files", "a.bin", "application/octet-stream", &[7; 5000])
        .end();
    // Without a length, the kit meets the limit as it reads: its 413 page
    // and its 413 JSON.
    let doc = app
        .post(
            "/upload",
            &body.content_type(),
            Sent::Chunked(body.bytes.clone(), 1000),
        )
        .await;
    assert_error_page(&doc, 413);
    let props = app
        .post(
            &app.props_uri(),
            &body.content_type(),
            Sent::Chunked(body.bytes.clone(), 1000),
        )
        .await;
    assert_error_json(&props, 413);
    // With a length that says so, `AppServer`'s body limit refuses it
    // before the page runs.
    let (doc, props) = app.both(&body).await;
    assert_eq!(doc.status, 413);
    assert_eq!(props.status, 413);
    assert!(app.saved().is_empty());
    assert!(files_in(&app.store.dir).is_empty());
}

/// A body whose one text field holds a byte that is not UTF-8.
fn not_utf8(good: &Multi) -> Vec<u8> {
    let marked = Multi {
        bytes: Vec::new(),
        ..good.clone()
    }
    .text("note", "\u{1}")
    .end();
    marked
        .bytes
        .iter()
        .map(|&b| if b == 1 { 0xff } else { b })
        .collect()
}

#[tokio::test]
async fn broken_bodies_are_400_and_other_types_415() {
    let app = App::new("broken", 1 << 20, None);
    let good = Multi::new()
        .text("note", "n")
        .file("files", "a.txt", "text/plain", b"abc")
        .end();
    let ct = good.content_type();
    let cut = |n: usize| good.bytes[..good.bytes.len() - n].to_vec();
    let cases: Vec<(&str, String, Vec<u8>)> = vec![
        ("truncated", ct.clone(), cut(20)),
        ("no closing boundary", ct.clone(), cut(4)),
        (
            "a boundary the body lacks",
            "multipart/form-data; boundary=not-the-one".into(),
            good.bytes.clone(),
        ),
        (
            "no boundary",
            "multipart/form-data".into(),
            good.bytes.clone(),
        ),
        (
            "an empty boundary",
            "multipart/form-data; boundary=\"\"".into(),
            good.bytes.clone(),
        ),
        (
            "a boundary too long",
            format!("multipart/form-data; boundary={}", "b".repeat(71)),
            good.bytes.clone(),
        ),
        ("an empty body", ct.clone(), Vec::new()),
        ("garbage", ct.clone(), b"\x00\xffnot multipart".to_vec()),
        ("a text field not UTF-8", ct.clone(), not_utf8(&good)),
    ];
    for (what, content_type, bytes) in cases {
        let doc = app.post("/upload", &content_type, bytes.clone()).await;
        assert_eq!(doc.status, 400, "{what}: {}", doc.body);
        assert_error_page(&doc, 400);
        let props = app.post(&app.props_uri(), &content_type, bytes).await;
        assert_error_json(&props, 400);
        assert!(app.saved().is_empty(), "{what}");
    }
    // A URL-encoded body to a multipart action: 415.
    let doc = app
        .post("/upload", "application/x-www-form-urlencoded", "note=n")
        .await;
    assert_error_page(&doc, 415);
    let props = app.post(&app.props_uri(), "text/plain", "note").await;
    assert_error_json(&props, 415);
    // The good body still goes through.
    let (doc, _) = app.both(&good).await;
    assert_eq!(doc.status, StatusCode::SEE_OTHER);
}

/// A stream of one-byte chunks that counts how many were taken.
fn counted(
    bytes: Vec<u8>,
    taken: Arc<AtomicUsize>,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    futures::stream::iter(bytes).map(move |b| {
        taken.fetch_add(1, Ordering::SeqCst);
        Ok(Bytes::from(vec![b]))
    })
}

/// The most the parser takes from the body each time it is polled.
const STEP: usize = 64 * 1024;

#[tokio::test]
async fn the_parser_streams_and_stops_at_a_limit() {
    const FILE: usize = 400_000;
    let body = Multi::new()
        .text("note", "hello")
        .file("files", "a.bin", "application/octet-stream", &[3; FILE])
        .text("after", "never read")
        .end();
    let total = body.bytes.len();
    // Part by part, from a stream that always has more ready (a fast
    // client): the parser still takes only so much ahead.
    let taken = Arc::new(AtomicUsize::new(0));
    let mut multipart = Multipart::new(
        counted(body.bytes.clone(), taken.clone()),
        body.boundary.clone(),
        MultipartLimits::new(),
    );
    let part = multipart.next_part().await.unwrap().unwrap();
    assert_eq!((part.name(), part.is_file()), ("note", false));
    assert_eq!(part.text().await.unwrap(), "hello");
    let first = taken.load(Ordering::SeqCst);
    // Twice 64 KiB (the part's headers, its text), of 400 KB.
    assert!(
        first <= 2 * STEP,
        "{first} of {total} bytes read for the first part"
    );
    let mut part = multipart.next_part().await.unwrap().unwrap();
    assert_eq!(part.file_name(), Some("a.bin"));
    assert_eq!(part.content_type(), Some("application/octet-stream"));
    let (mut read, mut chunks) = (0, 0);
    while let Some(chunk) = part.chunk().await.unwrap() {
        // The first chunk is what was taken ahead, then one step each.
        if chunks > 0 {
            assert!(chunk.len() <= STEP, "a chunk of {}", chunk.len());
        }
        read += chunk.len();
        chunks += 1;
        let ahead = taken.load(Ordering::SeqCst) - read;
        assert!(ahead <= 4 * STEP, "{ahead} bytes taken ahead of the reader");
    }
    drop(part);
    assert_eq!(read, FILE);
    assert!(chunks >= 3, "the file arrives in pieces, never held whole");
    // The rest of a part is skipped when the next one is asked for.
    let after = multipart.next_part().await.unwrap().unwrap();
    assert_eq!(after.name(), "after");
    drop(after);
    assert!(multipart.next_part().await.unwrap().is_none());
    assert_eq!(taken.load(Ordering::SeqCst), total);

    // Over the file limit, reading stops there: the rest of the body is
    // never taken from the client.
    let taken = Arc::new(AtomicUsize::new(0));
    let multipart = Multipart::new(
        counted(body.bytes.clone(), taken.clone()),
        body.boundary.clone(),
        MultipartLimits::new().max_file_bytes(1000),
    );
    let error = multipart.read::<Vec<(String, String)>>().await.unwrap_err();
    assert!(
        matches!(error, MultipartError::FileTooLarge { ref field, limit: 1000 } if field == "files"),
        "{error}"
    );
    assert_eq!(error.status(), 413);
    let taken = taken.load(Ordering::SeqCst);
    assert!(taken <= 4 * STEP, "{taken} of {total} bytes read");

    // From an axum request, as a handler outside the loaders reads one.
    let mut headers = http::HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, body.content_type().parse().unwrap());
    let form = Multipart::from_request(
        &headers,
        Body::from(body.bytes.clone()),
        MultipartLimits::new(),
    )
    .unwrap()
    .read::<Vec<(String, String)>>()
    .await
    .unwrap();
    assert_eq!(
        form.fields,
        [
            ("note".to_owned(), "hello".to_owned()),
            ("after".to_owned(), "never read".to_owned())
        ]
    );
    assert_eq!(form.files[0].size(), FILE as u64);
    headers.insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
    let error =
        Multipart::from_request(&headers, Body::empty(), MultipartLimits::new()).unwrap_err();
    assert_eq!(error.status(), 415);
}

#[tokio::test]
async fn temporary_files_go_unless_persisted() {
    let dir = temp_dir("persist");
    let body = Multi::new()
        .file("a", "a.txt", "text/plain", b"kept")
        .file("b", "b.txt", "text/plain", b"dropped")
        .end();
    let store = dir.clone();
    let chunk = Ok::<_, std::io::Error>(Bytes::from(body.bytes.clone()));
    let form = Multipart::new(
        futures::stream::iter([chunk]),
        body.boundary.clone(),
        MultipartLimits::new(),
    )
    .read_with::<Vec<(String, String)>, _>(|_| Storage::TempFileIn(store.clone()))
    .await
    .unwrap();
    assert_eq!(files_in(&dir).len(), 2);
    let mut files = form.files.into_iter();
    let kept = files.next().unwrap();
    assert_eq!(kept.read().await.unwrap().as_ref(), b"kept");
    let to = dir.join("kept.txt");
    kept.persist(&to).await.unwrap();
    drop(files);
    assert_eq!(files_in(&dir), std::slice::from_ref(&to));
    assert_eq!(std::fs::read(&to).unwrap(), b"kept");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Bodies a client could send: a valid body's pieces (boundaries, part
/// headers, data), cut, repeated and mixed with random bytes.
fn hostile_body() -> impl Strategy<Value = Vec<u8>> {
    let piece = |s: &str| Just(s.as_bytes().to_vec());
    let pieces = prop_oneof![
        piece("--XyZ\r\n"),
        piece("--XyZ--\r\n"),
        piece("--XyZ"),
        piece("\r\n"),
        piece("Content-Disposition: form-data; name=\"note\"\r\n\r\n"),
        piece("Content-Disposition: form-data; name=\"big\"; filename=\"a\"\r\n\r\n"),
        piece(
            "Content-Disposition: form-data; name=\"files\"; filename=\"../x\"\r\n\
             Content-Type: text/plain\r\n\r\n"
        ),
        piece("Content-Disposition: form-data; name=\"intent\"\r\n\r\nclear\r\n"),
        piece("Content-Disposition: form-data; name=\"intent\"\r\n\r\nnope\r\n"),
        piece("Content-Disposition: form-data; name\r\n\r\n"),
        Just(b"Content-Disposition: form-data; filename=\"\xff\xfe\"\r\n\r\n".to_vec()),
        piece("X-Junk:\r\n\r\n"),
        proptest::collection::vec(any::<u8>(), 0..64),
        proptest::collection::vec(Just(b'a'), 0..3000),
    ];
    proptest::collection::vec(pieces, 0..24).prop_map(|pieces| pieces.concat())
}

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
});

static HOSTILE: LazyLock<App> = LazyLock::new(|| {
    let limits = MultipartLimits::new().max_file_bytes(2048).max_parts(16);
    App::new("proptest", 16 * 1024, Some(limits))
});

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        // The same cases every run (a failure is reproducible as it is).
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5e7e_f11e),
        ..ProptestConfig::default()
    })]

    /// No body, however broken, is a 5xx (a panic in the action would be
    /// one: the kit answers it with a 500), and none leaves a temporary
    /// file behind.
    #[test]
    fn arbitrary_bodies_never_fail_the_server(
        body in hostile_body(),
        chunk in 1usize..512,
        props in any::<bool>(),
    ) {
        let app = &*HOSTILE;
        let uri = if props { app.props_uri() } else { "/upload".to_owned() };
        let reply = RUNTIME.block_on(app.post(
            &uri,
            "multipart/form-data; boundary=XyZ",
            Sent::Chunked(body, chunk),
        ));
        prop_assert!(
            matches!(reply.status.as_u16(), 200 | 303 | 400 | 413),
            "{}: {}", reply.status, reply.body
        );
        prop_assert!(files_in(&app.store.dir).is_empty());
    }
}
