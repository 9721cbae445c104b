//! The shared cache's single flight under real concurrency: real time, a
//! multi-threaded runtime, the kit's own `serve` on a TCP socket, and one
//! OS thread per client. The other cache tests order their steps; this one
//! lets the scheduler interleave the lookups, the turns and the refresh as
//! it will, many times over: once with the memory store, and (feature
//! `redis`) with two instances on one redis-server, the clients taking
//! turns between them.

#![cfg(feature = "cache")]

use axum::{response::IntoResponse, routing::get, Router};
use http::HeaderValue;
use server_props::{
    cache::{CacheConfig, CacheLayer},
    serve::{serve, ServeConfig},
};
use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Barrier,
    },
    time::Duration,
};

/// How many clients ask at once, and how many stale windows are tried.
const CLIENTS: usize = 50;
const ROUNDS: usize = 5;

#[cfg(feature = "redis")]
#[path = "support/redis_server.rs"]
mod redis_server;

/// One `GET /` on its own connection; the `x-cache` verdict.
fn fetch(addr: SocketAddr) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: stress.test\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).expect("a reply");
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    reply
        .lines()
        .find_map(|l| l.strip_prefix("x-cache: "))
        .unwrap_or("none")
        .to_owned()
}

#[test]
fn one_stale_window_is_refreshed_once_under_real_concurrency() {
    stress(&[CacheLayer::new("stress", &CacheConfig::default())]);
}

#[cfg(feature = "redis")]
#[test]
fn one_stale_window_is_refreshed_once_across_instances_on_redis() {
    let server = redis_server::RedisServer::start();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config = runtime.block_on(async {
        CacheConfig::default().storage(
            server_props::cache::RedisStorage::builder(&server.url())
                .unwrap()
                .build(),
        )
    });
    stress(&[
        CacheLayer::new("stress", &config),
        CacheLayer::new("stress", &config),
    ]);
    drop(runtime);
}

/// Serves one app per cache (instances), and sends each round's clients to
/// them in turn.
fn stress(caches: &[CacheLayer]) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    let runs = Arc::new(AtomicU64::new(0));
    let app = |cache: &CacheLayer| {
        let runs = runs.clone();
        Router::new()
            .route(
                "/",
                get(move || {
                    let runs = runs.clone();
                    async move {
                        // Long enough for many lookups to see the stale entry
                        // while the refresh runs.
                        tokio::time::sleep(Duration::from_millis(30)).await;
                        let n = runs.fetch_add(1, Ordering::SeqCst) + 1;
                        let mut response = format!("run {n}").into_response();
                        response.headers_mut().insert(
                            "cache-control",
                            HeaderValue::from_static(
                                "public, s-maxage=2, stale-while-revalidate=60",
                            ),
                        );
                        response
                    }
                }),
            )
            .layer(cache.clone())
    };
    let mut addrs = Vec::new();
    let mut servers = Vec::new();
    for cache in caches {
        let app = app(cache);
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        addrs.push(listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = runtime.spawn(async move {
            serve(listener, app, &ServeConfig::default(), async {
                let _ = stopped.await;
            })
            .await;
        });
        servers.push((stop, server));
    }
    let addr = addrs[0];

    assert_eq!(fetch(addr), "MISS");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    for round in 0..ROUNDS {
        // Past `s-maxage`: the entry is stale (and servable for 60 s). The
        // refresh then keeps it fresh for 2 s, longer than a round takes.
        std::thread::sleep(Duration::from_millis(2100));
        let before = runs.load(Ordering::SeqCst);
        let barrier = Arc::new(Barrier::new(CLIENTS));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let barrier = barrier.clone();
                let addr = addrs[i % addrs.len()];
                std::thread::spawn(move || {
                    barrier.wait();
                    fetch(addr)
                })
            })
            .collect();
        let verdicts: Vec<String> = clients.into_iter().map(|c| c.join().unwrap()).collect();
        assert!(
            verdicts.iter().all(|v| v == "STALE" || v == "HIT"),
            "round {round}: {verdicts:?}"
        );
        assert!(verdicts.iter().any(|v| v == "STALE"), "round {round}");
        // The refresh finishes (30 ms of loader); a second one would have
        // started by then too.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while runs.load(Ordering::SeqCst) == before && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(
            runs.load(Ordering::SeqCst) - before,
            1,
            "round {round}: one stale window, one refresh ({verdicts:?})"
        );
        for &addr in &addrs {
            assert_eq!(fetch(addr), "HIT", "round {round}: the refresh was kept");
        }
    }
    for (stop, server) in servers {
        let _ = stop.send(());
        runtime.block_on(server).unwrap();
    }
}
