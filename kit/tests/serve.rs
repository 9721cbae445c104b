//! `serve` on a real socket: slow and idle clients are cut off (slow to
//! send and slow to read), oversized heads get 431, connections beyond the
//! cap wait, shutdown lets the request under way finish, and a drain period
//! keeps answering (health failing) before the listener closes.

#![cfg(feature = "server")]

use axum::{routing::get, Router};
use server_props::serve::{serve, ServeConfig};
use std::time::{Duration, Instant};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::oneshot,
};

/// A server with a short header timeout; the sender stops it.
async fn start(config: ServeConfig) -> (std::net::SocketAddr, oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/", get(|| async { "hi" }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                "slow done"
            }),
        )
        // More than the socket buffers of both ends hold.
        .route("/big", get(|| async { vec![b'x'; BIG] }));
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        serve(listener, app, &config, async {
            let _ = stopped.await;
        })
        .await;
    });
    (addr, stop)
}

/// The size of `/big`'s answer.
const BIG: usize = 64 << 20;

fn short() -> ServeConfig {
    ServeConfig::default().header_read_timeout(Duration::from_millis(300))
}

/// Reads until the server closes the connection; what it sent.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out)).await;
    assert!(read.is_ok(), "the server never closed the connection");
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let (addr, _stop) = start(short()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let answer = read_to_close(&mut stream).await;
    assert!(!answer.contains("hi"), "{answer}");
    // Cut off by the timeout, not by the 10 s guard of the read.
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_its_response() {
    let (addr, _stop) = start(short()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("hi"), "{answer}");
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed() {
    let (addr, _stop) = start(short()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    assert_eq!(read_to_close(&mut stream).await, "");
}

#[tokio::test]
async fn oversized_heads_get_431() {
    let (addr, _stop) = start(
        ServeConfig::default()
            .max_header_bytes(16 * 1024)
            .max_headers(20),
    )
    .await;
    let big = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(20 * 1024)
    );
    let many: String = (0..30).map(|i| format!("X-H{i}: v\r\n")).collect();
    let many = format!("GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n");
    for head in [big, many] {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        let answer = read_to_close(&mut stream).await;
        assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    }
    // Within the limits, the same server answers.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let ok = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Ok: {}\r\n\r\n",
        "a".repeat(8 * 1024)
    );
    stream.write_all(ok.as_bytes()).await.unwrap();
    assert!(read_to_close(&mut stream).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn shutdown_finishes_the_request_under_way_and_refuses_new_ones() {
    let (addr, stop) = start(ServeConfig::default()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("slow done"), "{answer}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(TcpStream::connect(addr).await.is_err(), "still accepting");
}

#[tokio::test]
async fn shutdown_closes_what_outlives_the_grace_period() {
    let (addr, stop) =
        start(ServeConfig::default().shutdown_grace(Duration::from_millis(50))).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    stop.send(()).unwrap();
    // The 300 ms request is cut off after 50 ms: closed with no answer.
    assert_eq!(read_to_close(&mut stream).await, "");
}

#[tokio::test]
async fn a_client_that_stops_reading_is_disconnected_after_the_write_timeout() {
    let (addr, _stop) =
        start(ServeConfig::default().write_timeout(Duration::from_millis(300))).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    // Reads nothing while the server's writes stall...
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // ...then finds the answer cut short: the server gave up on it.
    let mut received = 0usize;
    let mut buf = vec![0; 1 << 16];
    let read_all = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received += n,
            }
        }
    })
    .await;
    assert!(read_all.is_ok(), "the server never closed the connection");
    assert!(received > 0, "the answer had started");
    assert!(received < BIG, "the whole answer arrived: {received}");
}

#[tokio::test]
async fn a_slow_but_steady_reader_is_never_cut_off() {
    // Each read is progress: the timeout counts from the last one. (A read
    // every 100 ms against a 1 s timeout: ten times the margin, so a busy
    // machine running other tests beside this one cannot fail it.)
    let (addr, _stop) = start(ServeConfig::default().write_timeout(Duration::from_secs(1))).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0; 256 << 10];
    let mut received = 0usize;
    // 3 s at up to 256 KiB per 100 ms: three times the timeout, far less
    // than the answer.
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("data keeps coming")
            .expect("the connection stays open");
        assert!(n > 0, "closed after {received} bytes");
        received += n;
    }
    assert!(received < BIG);
}

#[tokio::test]
async fn a_reader_that_keeps_up_gets_the_whole_answer() {
    let (addr, _stop) =
        start(ServeConfig::default().write_timeout(Duration::from_millis(300))).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::with_capacity(BIG + 1024);
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut out))
        .await
        .expect("in time")
        .unwrap();
    assert!(out.len() > BIG, "{}", out.len());
}

#[tokio::test]
async fn connections_past_the_cap_wait_for_a_free_slot() {
    let (addr, _stop) = start(
        ServeConfig::default()
            .max_connections(2)
            .header_read_timeout(Duration::from_secs(30)),
    )
    .await;
    // Two idle connections take both slots.
    let first = TcpStream::connect(addr).await.unwrap();
    let _second = TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // A third is queued by the kernel, and not served...
    let mut third = TcpStream::connect(addr).await.unwrap();
    third
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 64];
    let early = tokio::time::timeout(Duration::from_millis(400), third.read(&mut buf)).await;
    assert!(early.is_err(), "served past the cap");
    // ...until a slot frees.
    drop(first);
    let answer = read_to_close(&mut third).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// One request on a connection of its own: the whole answer, as text.
async fn get_once(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    read_to_close(&mut stream).await
}

#[tokio::test]
async fn a_draining_server_fails_its_health_check_but_answers_until_the_drain_ends() {
    let config = ServeConfig::default().drain(Duration::from_secs(2));
    let draining = config.draining();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route("/", get(|| async { "hi" })).route(
        "/health",
        get(move || {
            let draining = draining.clone();
            async move {
                if draining.is_draining() {
                    (http::StatusCode::SERVICE_UNAVAILABLE, "draining")
                } else {
                    (http::StatusCode::OK, "ok")
                }
            }
        }),
    );
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        serve(listener, app, &config, async {
            let _ = stopped.await;
        })
        .await;
    });
    assert!(get_once(addr, "/health").await.starts_with("HTTP/1.1 200"));
    // A keep-alive connection opened before the signal…
    let mut kept = TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = kept.read(&mut buf).await.unwrap();
    let first = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    assert!(
        !first.to_ascii_lowercase().contains("connection: close"),
        "{first}"
    );

    let signalled = Instant::now();
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Draining: the health check fails, new connections are still accepted
    // and answered…
    let health = get_once(addr, "/health").await;
    assert!(health.starts_with("HTTP/1.1 503"), "{health}");
    let page = get_once(addr, "/").await;
    assert!(
        page.starts_with("HTTP/1.1 200") && page.ends_with("hi"),
        "{page}"
    );
    // …and a keep-alive connection gets its answer with `Connection: close`.
    kept.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let second = read_to_close(&mut kept).await;
    assert!(second.starts_with("HTTP/1.1 200"), "{second}");
    assert!(
        second.to_ascii_lowercase().contains("connection: close"),
        "{second}"
    );
    assert!(
        signalled.elapsed() < Duration::from_secs(2),
        "the checks took longer than the drain: {:?}",
        signalled.elapsed()
    );
    // Once the drain period is over, the listener is closed and serve returns.
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("serve returns after the drain")
        .unwrap();
    assert!(signalled.elapsed() >= Duration::from_secs(2));
    assert!(TcpStream::connect(addr).await.is_err(), "still accepting");
}
