//! The ceiling of the benchmark: the least work an axum server can do to
//! answer with the same bytes as the kit's responses.
//!
//! `ceiling <addr> <document file> <json file>` serves the first file as
//! `text/html` at `/doc` and the second as `application/json` at `/json`,
//! both read once at start-up, on a single-threaded runtime (the server
//! under test gets one core too).

#![forbid(unsafe_code)]

use axum::{
    http::{header::CONTENT_TYPE, HeaderValue},
    routing::get,
    Router,
};
use std::{env, error::Error, fs};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = env::args().skip(1);
    let (Some(addr), Some(doc), Some(json)) = (args.next(), args.next(), args.next()) else {
        return Err("usage: ceiling <addr> <document file> <json file>".into());
    };
    let doc: &'static [u8] = fs::read(&doc)?.leak();
    let json: &'static [u8] = fs::read(&json)?.leak();
    let html = HeaderValue::from_static("text/html; charset=utf-8");
    let app_json = HeaderValue::from_static("application/json");
    let app = Router::new()
        .route(
            "/doc",
            get(move || async move { ([(CONTENT_TYPE, html)], doc) }),
        )
        .route(
            "/json",
            get(move || async move { ([(CONTENT_TYPE, app_json)], json) }),
        );
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
