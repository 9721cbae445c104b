//! The ceiling of the benchmark: the least work an axum server can do to
//! answer with the same bytes as the kit's responses.
//!
//! `ceiling <addr> <path>=<file>…` serves each file at its path, read once
//! at start-up, as `application/json` when the file name ends in `.json`
//! and `text/html` otherwise, on a single-threaded runtime (the server
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
    let usage = "usage: ceiling <addr> <path>=<file>…";
    let addr = args.next().ok_or(usage)?;
    let mut app = Router::new();
    for arg in args {
        let (path, file) = arg.split_once('=').ok_or(usage)?;
        let body: &'static [u8] = fs::read(file).map_err(|e| format!("{file}: {e}"))?.leak();
        let content_type = HeaderValue::from_static(if file.ends_with(".json") {
            "application/json"
        } else {
            "text/html; charset=utf-8"
        });
        app = app.route(
            path,
            get(move || async move { ([(CONTENT_TYPE, content_type)], body) }),
        );
    }
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
