//! Serving an app on a TCP listener with the limits a public server needs.
//!
//! `axum::serve` keeps hyper's defaults and does not expose its timers: a
//! client that sends its headers one byte a minute, or opens connections and
//! never sends anything, holds a connection (and its memory) for as long as
//! it likes. [`serve`] is the same accept loop with hyper's HTTP/1 connection
//! built here, so it can set:
//!
//! - a header-read timeout: the request line and headers must arrive within
//!   [`ServeConfig::header_read_timeout`] of the connection opening or of the
//!   previous response (an idle keep-alive connection is closed after it);
//! - a header size limit and a header count limit: over either, hyper answers
//!   `431 Request Header Fields Too Large` and closes the connection;
//! - a write timeout: a response that makes no progress for
//!   [`ServeConfig::write_timeout`] (a client that stopped reading, or reads
//!   a byte a minute) closes its connection;
//! - a cap on open connections ([`ServeConfig::max_connections`]): past it,
//!   the server stops accepting until one closes (the kernel's backlog holds
//!   the newcomers), so idle or slow sockets cannot take every file
//!   descriptor and all the memory;
//! - draining: when `shutdown` resolves, the server first *drains* for
//!   [`ServeConfig::drain`] (zero by default): it marks itself [`Draining`],
//!   so a health check ([`AppServer::health`](crate::ssr::server::app::AppServer::health))
//!   answers `503` and a balancer stops sending it new requests, while it
//!   still accepts connections and answers every request (each with
//!   `Connection: close`, so keep-alive clients move to another instance);
//! - graceful shutdown: then it stops accepting, lets the requests under way
//!   finish (for at most [`ServeConfig::shutdown_grace`], then closes the
//!   connections still open), and returns.
//!
//! Request bodies are limited by the router (a `RequestBodyLimitLayer` from
//! tower-http): the kit's pages read none.
//!
//! ```no_run
//! # async fn run(app: axum::Router) -> std::io::Result<()> {
//! use server_props::serve::{serve, ServeConfig};
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! serve(listener, app, &ServeConfig::default(), async {
//!     let _ = tokio::signal::ctrl_c().await;
//! })
//! .await;
//! # Ok(())
//! # }
//! ```

use axum::{response::Response, Router};
use http::{header::CONNECTION, HeaderValue};
use hyper::server::conn::http1;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use std::{
    future::Future,
    io,
    pin::{pin, Pin},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    task::{Context, Poll},
    time::Duration,
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::Semaphore,
    task::JoinSet,
    time::Sleep,
};
use tower::ServiceExt;

/// The limits [`serve`] applies to each connection.
#[derive(Clone, Debug)]
#[must_use]
pub struct ServeConfig {
    header_read_timeout: Duration,
    max_header_bytes: usize,
    max_headers: usize,
    shutdown_grace: Duration,
    write_timeout: Duration,
    max_connections: usize,
    drain: Duration,
    draining: Draining,
}

impl Default for ServeConfig {
    /// 10 s to send the headers, 64 KiB and 100 headers at most (browsers
    /// send under 2 KiB and 20), 30 s for requests under way at shutdown,
    /// 30 s for a response write to make progress, 10 000 open connections,
    /// no drain period.
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            max_header_bytes: 64 * 1024,
            max_headers: 100,
            shutdown_grace: Duration::from_secs(30),
            write_timeout: Duration::from_secs(30),
            max_connections: 10_000,
            drain: Duration::ZERO,
            draining: Draining::default(),
        }
    }
}

/// Whether the server is draining: set by [`serve`] the moment its
/// `shutdown` future resolves, before it stops accepting. A health check
/// reads it ([`AppServer::health`](crate::ssr::server::app::AppServer::health) does) and
/// fails, so a balancer takes the instance out of rotation while it still
/// answers. Clones share one state; [`ServeConfig::draining`] gives the one
/// `serve` sets.
#[derive(Clone, Debug, Default)]
pub struct Draining(Arc<DrainState>);

#[derive(Debug, Default)]
struct DrainState {
    started: AtomicBool,
    /// Wakes what waits for draining ([`Draining::started`]).
    notify: tokio::sync::Notify,
}

impl Draining {
    /// A state of its own, not draining.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether draining has started (it never stops).
    pub fn is_draining(&self) -> bool {
        self.0.started.load(Ordering::Relaxed)
    }

    /// Starts draining: what [`serve`] does on shutdown. Call it yourself to
    /// take an instance out of rotation without stopping it.
    pub fn start(&self) {
        self.0.started.store(true, Ordering::Relaxed);
        self.0.notify.notify_waiters();
    }

    /// Resolves once draining has started (at once if it has): an answer
    /// that would otherwise stay open, such as the development server's
    /// live stream, ends there, so shutdown does not wait for it.
    pub async fn started(&self) {
        let notified = self.0.notify.notified();
        let mut notified = pin!(notified);
        // Registered before the flag is read: a `start` in between wakes it.
        notified.as_mut().enable();
        if !self.is_draining() {
            notified.await;
        }
    }
}

impl ServeConfig {
    /// How long a client has to send a request's line and headers, counted
    /// from the connection opening or the end of the previous response.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// The most bytes the request line and headers may take (at least 8 KiB).
    pub fn max_header_bytes(mut self, bytes: usize) -> Self {
        self.max_header_bytes = bytes.max(MIN_HEADER_BYTES);
        self
    }

    /// The most header fields a request may have.
    pub fn max_headers(mut self, count: usize) -> Self {
        self.max_headers = count;
        self
    }

    /// How long a write to a client may make no progress before its
    /// connection is closed (a client that stopped reading).
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// How many connections may be open at once (at least 1); past it, no
    /// new one is accepted until one closes.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.max(1);
        self
    }

    /// How long requests under way may run once shutdown starts; those
    /// still running then are cut off.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// How long the server drains once `shutdown` resolves, before it stops
    /// accepting (default zero: it stops at once). Meanwhile it is
    /// [`Draining`]: health checks fail, and every request is still served,
    /// with `Connection: close`. Behind a balancer, make it longer than the
    /// balancer takes to notice a failed health check (haproxy: `fall` ×
    /// `inter`; Kubernetes: the time an endpoint removal takes to reach
    /// every proxy, a few seconds).
    pub fn drain(mut self, drain: Duration) -> Self {
        self.drain = drain;
        self
    }

    /// The draining state [`serve`] sets with this configuration (and its
    /// clones): for a health check of the app's own.
    pub fn draining(&self) -> Draining {
        self.draining.clone()
    }

    fn http1(&self) -> http1::Builder {
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout)
            .max_header_size(self.max_header_bytes)
            .max_headers(self.max_headers);
        builder
    }
}

/// Below this, ordinary browser requests with cookies would be refused.
const MIN_HEADER_BYTES: usize = 8 * 1024;

/// Serves `app` on `listener` until `shutdown` resolves, drains for
/// [`ServeConfig::drain`], then finishes the requests under way (see the
/// [module docs](self)) and returns. Accept errors (too many open files, a
/// connection reset before it was accepted) are logged and retried, so it
/// never fails.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    config: &ServeConfig,
    shutdown: impl Future<Output = ()> + Send,
) {
    serve_until(listener, app, config, Box::pin(shutdown)).await;
}

/// [`serve`] for one type of shutdown signal: compiled once, in the kit.
/// Generic, the whole server (hyper's connections and tokio's tasks for
/// them, every layer's future) would be compiled again in each app's
/// binary, and on each rebuild of it during development.
async fn serve_until(
    listener: TcpListener,
    app: Router,
    config: &ServeConfig,
    shutdown: Pin<Box<dyn Future<Output = ()> + Send + '_>>,
) {
    let builder = config.http1();
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let slots = Arc::new(Semaphore::new(config.max_connections));
    let draining = config.draining();
    let app = {
        let draining = draining.clone();
        ServiceExt::<http::Request<hyper::body::Incoming>>::map_response(app, move |response| {
            close_when_draining(&draining, response)
        })
    };
    let drain = config.drain;
    // Resolves when accepting stops: after the signal and the drain period.
    let mut shutdown = pin!(async move {
        shutdown.await;
        draining.start();
        if !drain.is_zero() {
            tracing::info!(
                "draining for {drain:?}: health checks fail, requests are still answered"
            );
            tokio::time::sleep(drain).await;
        }
    });
    loop {
        // Forget the connections that have ended.
        while connections.try_join_next().is_some() {}
        // A free slot first: at the cap, newcomers wait in the backlog.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_error(&e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Responses are written whole; Nagle's algorithm would only delay them.
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        // No upgrades: the kit serves no WebSockets (cargo-leptos's live
        // reload has its own server).
        let stream = WriteTimeout::new(stream, config.write_timeout);
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        connections.spawn(async move {
            // A client that goes away mid-request is not the server's error.
            if let Err(e) = connection.await {
                tracing::debug!("connection closed: {e}");
            }
            drop(slot);
        });
    }
    drop(listener);
    let open = graceful.count();
    if open > 0 {
        tracing::info!("waiting for {open} open connection(s) to finish");
    }
    if tokio::time::timeout(config.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "requests still running after {:?}; closing them",
            config.shutdown_grace
        );
    }
    connections.shutdown().await;
}

/// While draining, every answer closes its connection: a keep-alive client
/// (a balancer's pool, a browser) opens its next one elsewhere, instead of
/// finding this one closed under it when the drain ends.
fn close_when_draining(draining: &Draining, mut response: Response) -> Response {
    if draining.is_draining() {
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// Connection errors concern one client: go on at once. Others (out of file
/// descriptors) would repeat at once: wait a little, as `axum::serve` does.
async fn accept_error(error: &io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!("accept failed: {error}; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// A connection whose writes must make progress: a write still pending
/// after the timeout fails with `TimedOut`, which ends the connection.
struct WriteTimeout {
    stream: TcpStream,
    timeout: Duration,
    /// Armed when a write goes pending (boxed: hyper needs an `Unpin`
    /// connection, and a write seldom waits); disarmed by any progress.
    deadline: Option<Pin<Box<Sleep>>>,
}

impl WriteTimeout {
    fn new(stream: TcpStream, timeout: Duration) -> Self {
        Self {
            stream,
            timeout,
            deadline: None,
        }
    }

    /// The result of a write-side poll, with the deadline kept in step.
    fn watch<T>(
        &mut self,
        cx: &mut Context<'_>,
        poll: impl FnOnce(Pin<&mut TcpStream>, &mut Context<'_>) -> Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match poll(Pin::new(&mut self.stream), cx) {
            Poll::Ready(result) => {
                self.deadline = None;
                Poll::Ready(result)
            }
            Poll::Pending => {
                let timeout = self.timeout;
                let deadline = self
                    .deadline
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                match deadline.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client read nothing for the write timeout",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncRead for WriteTimeout {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for WriteTimeout {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .watch(cx, |stream, cx| stream.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .watch(cx, |stream, cx| stream.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().watch(cx, |stream, cx| stream.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut()
            .watch(cx, |stream, cx| stream.poll_shutdown(cx))
    }
}
