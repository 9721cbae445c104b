//! SIGTERM and SIGINT: the server stops accepting connections, finishes the
//! requests under way, and exits 0; with a drain period, `/health` fails
//! first while requests are still answered. Runs the real binary on a free
//! port.

#![cfg(unix)]

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    process::{Command, Stdio},
    thread,
    time::{Duration, Instant},
};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn connect(port: u16, deadline: Duration) -> Option<TcpStream> {
    let start = Instant::now();
    while start.elapsed() < deadline {
        if let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) {
            return Some(stream);
        }
        thread::sleep(Duration::from_millis(50));
    }
    None
}

fn graceful_shutdown_on(signal: &str) {
    let port = free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_server"))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_OUTPUT_NAME", "reference-app")
        .env("LEPTOS_SITE_ROOT", "target/site-does-not-exist")
        .env("DATABASE_URL", "sqlite::memory:")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let mut slow = connect(port, Duration::from_secs(30)).expect("the server listens");
    slow.write_all(b"GET /slow?ms=1500 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    thread::sleep(Duration::from_millis(300));
    let status = Command::new("kill")
        .args([signal, &server.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    thread::sleep(Duration::from_millis(300));
    // No new connections once shutting down…
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "a new connection was accepted during shutdown"
    );
    // …but the request under way gets its whole answer.
    let mut answer = String::new();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    slow.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("Slow 1500") || answer.contains("Slow <!>1500"),
        "{answer}"
    );
    exits_cleanly_within(&mut server, Duration::from_secs(10));
}

#[test]
fn sigterm_finishes_requests_under_way_then_exits() {
    graceful_shutdown_on("-TERM");
}

#[test]
fn sigint_finishes_requests_under_way_then_exits() {
    graceful_shutdown_on("-INT");
}

/// One `GET` on a connection of its own: the status line, or `None` when no
/// connection could be opened.
fn status_of(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    Some(answer.lines().next().unwrap_or_default().to_owned())
}

#[test]
fn sigterm_with_a_drain_period_fails_health_while_still_serving() {
    let port = free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_server"))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_OUTPUT_NAME", "reference-app")
        .env("LEPTOS_SITE_ROOT", "target/site-does-not-exist")
        .env("DATABASE_URL", "sqlite::memory:")
        .env("SERVER_PROPS_DRAIN_SECONDS", "2")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    drop(connect(port, Duration::from_secs(30)).expect("the server listens"));
    assert_eq!(status_of(port, "/health").unwrap(), "HTTP/1.1 200 OK");
    let signalled = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    thread::sleep(Duration::from_millis(200));
    // Draining: the balancer's check fails, every request is still answered.
    assert_eq!(
        status_of(port, "/health").unwrap(),
        "HTTP/1.1 503 Service Unavailable"
    );
    assert_eq!(status_of(port, "/bench/hello").unwrap(), "HTTP/1.1 200 OK");
    assert!(
        signalled.elapsed() < Duration::from_secs(2),
        "too slow to tell"
    );
    // Then no new connections, and a clean exit.
    exits_cleanly_within(&mut server, Duration::from_secs(15));
    assert!(
        signalled.elapsed() >= Duration::from_secs(2),
        "exited before the drain ended"
    );
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}

/// Waits for the server to exit, successfully, within `limit`.
fn exits_cleanly_within(server: &mut std::process::Child, limit: Duration) {
    let start = Instant::now();
    loop {
        if let Some(exit) = server.try_wait().unwrap() {
            assert!(exit.success(), "exit status {exit}");
            return;
        }
        assert!(start.elapsed() < limit, "the server did not exit");
        thread::sleep(Duration::from_millis(50));
    }
}
