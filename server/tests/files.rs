//! The reference app's `/files`, without a socket: uploads as a document
//! submission (multipart POST, 303, GET) and as a `<Form>` submission (one
//! request, the next props), the list and the downloads; a file over
//! 1 MiB, a body over the body limit and too many parts are 413s that
//! store nothing; broken bodies are 400s. On SQLite, and on PostgreSQL
//! under `make test-postgres`.

mod common;

use axum::body::{Body, Bytes};
use common::{TestApp, BUILD};
use http::{header, Method, Request, StatusCode};
use server_props::{protocol::props_url, testing::TestResponse};

/// A multipart body as a browser writes one.
#[derive(Clone, Debug)]
struct Multi {
    bytes: Vec<u8>,
}

const BOUNDARY: &str = "----WebKitFormBoundaryq3DLcR0m7kYpXb1e";

impl Multi {
    fn new() -> Self {
        Self { bytes: Vec::new() }
    }

    fn text(mut self, name: &str, value: &str) -> Self {
        self.part(
            &format!("form-data; name=\"{name}\""),
            None,
            value.as_bytes(),
        );
        self
    }

    fn file(mut self, file_name: &str, content_type: &str, data: &[u8]) -> Self {
        let disposition = format!("form-data; name=\"files\"; filename=\"{file_name}\"");
        self.part(&disposition, Some(content_type), data);
        self
    }

    fn part(&mut self, disposition: &str, content_type: Option<&str>, data: &[u8]) {
        let mut head = format!("--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n");
        if let Some(content_type) = content_type {
            head.push_str(&format!("Content-Type: {content_type}\r\n"));
        }
        head.push_str("\r\n");
        self.bytes.extend_from_slice(head.as_bytes());
        self.bytes.extend_from_slice(data);
        self.bytes.extend_from_slice(b"\r\n");
    }

    fn end(mut self) -> Vec<u8> {
        self.bytes
            .extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        self.bytes
    }
}

fn multipart_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

/// How the body is sent: whole with its length, or in chunks without one.
#[derive(Clone, Copy)]
enum Sending {
    Whole,
    Chunked,
}

fn post(uri: &str, content_type: &str, body: Vec<u8>, sending: Sending) -> Request<Body> {
    let builder = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ORIGIN, "http://localhost");
    match sending {
        Sending::Whole => builder
            .header(header::CONTENT_LENGTH, body.len())
            .body(Body::from(body)),
        Sending::Chunked => {
            let chunks: Vec<Result<Bytes, std::io::Error>> = body
                .chunks(16 * 1024)
                .map(|c| Ok(Bytes::copy_from_slice(c)))
                .collect();
            builder.body(Body::from_stream(futures::stream::iter(chunks)))
        }
    }
    .unwrap()
}

/// The same body posted to `/files` (a document) and to its props URL (a
/// `<Form>` submission).
async fn both(app: &TestApp, body: &[u8], sending: Sending) -> (TestResponse, TestResponse) {
    let doc = app
        .send(post("/files", &multipart_type(), body.to_vec(), sending))
        .await;
    let props = app
        .send(post(
            &props_url(BUILD, "/files"),
            &multipart_type(),
            body.to_vec(),
            sending,
        ))
        .await;
    (doc, props)
}

/// Every stored file: name, content type, size, note and bytes, by id.
async fn stored(app: &TestApp) -> Vec<(i64, String, String, i64, String, Vec<u8>)> {
    sqlx::query_as("SELECT id, name, content_type, size, note, data FROM files ORDER BY id")
        .fetch_all(&app.state.db)
        .await
        .expect("the files table")
}

fn assert_error_page(reply: &TestResponse, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert!(
        reply.html().contains(&format!("<h1>{status}</h1>")),
        "the app's error page: {}",
        reply.body
    );
}

fn assert_error_json(reply: &TestResponse, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.body);
    common::assert_props_answer(reply);
    assert_eq!(reply.json()["status"], status, "{}", reply.body);
}

#[tokio::test]
async fn the_page_lists_nothing_and_has_a_multipart_form() {
    let app = TestApp::new().await;
    let doc = app.get("/files").await;
    assert_eq!(doc.status, StatusCode::OK);
    let html = doc.html();
    assert!(
        html.contains(r#"<form method="post" enctype="multipart/form-data" class="upload">"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<input type="file" name="files" multiple"#),
        "{html}"
    );
    assert!(html.contains(r#"name="note""#), "{html}");
    assert!(doc.text().contains("No files yet."));
    let props = app.props("/files").await;
    common::assert_props_answer(&props);
    assert_eq!(props.json()["props"]["files"], serde_json::json!([]));
}

#[tokio::test]
async fn an_upload_without_javascript_stores_every_file_and_answers_303() {
    let app = TestApp::new().await;
    let binary: Vec<u8> = (0..=255).cycle().take(3000).collect();
    let body = Multi::new()
        .file("hello.txt", "text/plain", b"hello\n")
        // An old browser's path, and quotes escaped as curl escapes them.
        .file(
            "C:\\fakepath\\résumé \\\"1\\\".bin",
            "application/octet-stream",
            &binary,
        )
        .text("note", "  two files  ")
        .end();
    let reply = app
        .send(post("/files", &multipart_type(), body, Sending::Whole))
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), Some("/files"));

    let rows = stored(&app).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let (hello, bin) = (&rows[0], &rows[1]);
    assert_eq!(
        (
            hello.1.as_str(),
            hello.2.as_str(),
            hello.3,
            hello.4.as_str()
        ),
        ("hello.txt", "text/plain", 6, "two files")
    );
    assert_eq!(hello.5, b"hello\n");
    assert_eq!(bin.1, "résumé \"1\".bin", "the name without its directory");
    assert_eq!(bin.3, 3000);
    assert_eq!(bin.5, binary, "the bytes as sent");

    // The list: names, sizes in bytes, a download link per file.
    let doc = app.get("/files").await;
    let html = doc.html();
    assert!(
        html.contains(&format!(
            r#"<a href="/files/{}" download="">hello.txt</a>"#,
            hello.0
        )),
        "{html}"
    );
    assert!(html.contains(r#"<td class="size">3000</td>"#), "{html}");
    assert!(html.contains(r#"<td class="size">6</td>"#), "{html}");
    let props = app.props("/files").await.json();
    assert_eq!(props["props"]["files"][0]["name"], "résumé \"1\".bin");
    assert_eq!(props["props"]["files"][1]["size"], 6);

    // The downloads: the bytes, their type, their name (encoded).
    let download = app.get(&format!("/files/{}", hello.0)).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.body, "hello\n");
    assert_eq!(download.header("content-type"), Some("text/plain"));
    assert_eq!(
        download.header("content-disposition"),
        Some("attachment; filename=\"hello.txt\"; filename*=UTF-8''hello.txt")
    );
    let download = app.get(&format!("/files/{}", bin.0)).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(
        download.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(
        download.header("content-disposition"),
        Some(
            "attachment; filename=\"r_sum_ _1_.bin\"; \
             filename*=UTF-8''r%C3%A9sum%C3%A9%20%221%22.bin"
        )
    );
    assert_eq!(download.header("x-content-type-options"), Some("nosniff"));
    for missing in ["/files/999", "/files/abc", "/files/-1"] {
        let reply = app.get(missing).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{missing}");
        assert!(reply.text().contains("This page could not be found."));
    }
}

#[tokio::test]
async fn an_upload_with_javascript_is_one_request_with_the_next_props() {
    let app = TestApp::new().await;
    let body = Multi::new()
        .text("note", "from the form")
        .file("a.txt", "text/plain", b"aaa")
        .file("b.txt", "text/plain", b"bbbb")
        .end();
    let reply = app
        .send(post(
            &props_url(BUILD, "/files"),
            &multipart_type(),
            body,
            Sending::Whole,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    common::assert_props_answer(&reply);
    assert_eq!(reply.header("x-server-props-invalidate"), Some("files"));
    let json = reply.json();
    assert_eq!(json["url"], "/files");
    let files = json["props"]["files"].as_array().unwrap();
    let names: Vec<_> = files.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["b.txt", "a.txt"], "newest first");
    assert_eq!(files[0]["size"], 4);
    assert_eq!(files[0]["note"], "from the form");
    assert_eq!(stored(&app).await.len(), 2);
}

#[tokio::test]
async fn a_submission_without_a_file_is_a_422() {
    let app = TestApp::new().await;
    // What a browser sends for a file input left empty.
    let body = Multi::new()
        .file("", "application/octet-stream", b"")
        .text("note", "nothing")
        .end();
    let (doc, props) = both(&app, &body, Sending::Whole).await;
    assert_eq!(doc.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        doc.text().contains("Choose at least one file."),
        "{}",
        doc.body
    );
    assert_eq!(props.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(props.json()["actionData"], "Choose at least one file.");
    assert_eq!(props.json()["props"]["files"], serde_json::json!([]));
    assert!(stored(&app).await.is_empty());
}

#[tokio::test]
async fn a_file_over_1_mib_is_a_413_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let limit = usize::try_from(app::pages::MAX_FILE_BYTES).unwrap();
    // Exactly 1 MiB is taken.
    let body = Multi::new()
        .file("max.bin", "application/octet-stream", &vec![1; limit])
        .end();
    let reply = app
        .send(post("/files", &multipart_type(), body, Sending::Whole))
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    sqlx::query("DELETE FROM files")
        .execute(&app.state.db)
        .await
        .unwrap();
    // One byte more, after a file that fits: a 413, and neither is kept.
    let body = Multi::new()
        .text("note", "n")
        .file("small.txt", "text/plain", b"fits")
        .file("big.bin", "application/octet-stream", &vec![2; limit + 1])
        .end();
    let (doc, props) = both(&app, &body, Sending::Whole).await;
    assert_error_page(&doc, 413);
    assert_error_json(&props, 413);
    assert!(stored(&app).await.is_empty());
}

#[tokio::test]
async fn a_body_over_the_body_limit_is_a_413_and_nothing_is_stored() {
    let settings = server::Settings {
        max_body_bytes: 64 * 1024,
        ..server::Settings::default()
    };
    let app = TestApp::with_settings(|b| b, settings).await;
    let body = Multi::new()
        .file("a.bin", "application/octet-stream", &[3; 40 * 1024])
        .file("b.bin", "application/octet-stream", &[4; 40 * 1024])
        .end();
    // Streamed without a length: the kit meets the limit as it reads, and
    // answers with the app's error page, or the error JSON.
    let (doc, props) = both(&app, &body, Sending::Chunked).await;
    assert_error_page(&doc, 413);
    assert_error_json(&props, 413);
    // With a length over the limit, the server refuses it before any page
    // runs.
    let (doc, props) = both(&app, &body, Sending::Whole).await;
    assert_eq!(doc.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(props.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(stored(&app).await.is_empty());
}

#[tokio::test]
async fn too_many_parts_are_a_413_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let mut body = Multi::new().file("first.txt", "text/plain", b"first");
    for i in 0..150 {
        body = body.text(&format!("f{i}"), "x");
    }
    let (doc, props) = both(&app, &body.end(), Sending::Whole).await;
    assert_error_page(&doc, 413);
    assert_error_json(&props, 413);
    assert!(stored(&app).await.is_empty());
}

#[tokio::test]
async fn broken_bodies_are_400_and_other_types_415() {
    let app = TestApp::new().await;
    let good = Multi::new()
        .text("note", "n")
        .file("a.txt", "text/plain", b"abc")
        .end();
    let truncated = good[..good.len() - 30].to_vec();
    for (content_type, body) in [
        (multipart_type(), truncated),
        (
            "multipart/form-data; boundary=another-boundary".to_owned(),
            good.clone(),
        ),
        ("multipart/form-data".to_owned(), good.clone()),
        (multipart_type(), b"not multipart at all".to_vec()),
    ] {
        for uri in ["/files".to_owned(), props_url(BUILD, "/files")] {
            let reply = app
                .send(post(&uri, &content_type, body.clone(), Sending::Whole))
                .await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{content_type} {uri}"
            );
        }
    }
    let reply = app.client.post_form("/files", &[("note", "n")]).await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(stored(&app).await.is_empty());
    // The good body still goes through.
    let reply = app
        .send(post("/files", &multipart_type(), good, Sending::Whole))
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(stored(&app).await.len(), 1);
}
