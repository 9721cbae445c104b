//! What the kit's integration tests share: the smallest app shell and a
//! guard that counts how many loader futures were dropped.

#![allow(dead_code)]

use leptos::prelude::*;
use leptos_router::components::Router;
use server_props::{PageRoutes, Pages};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A shell rendering `pages` inside a router, with an empty `<head>`.
pub fn shell(pages: &'static Pages) -> impl Fn(LeptosOptions) -> AnyView + Send + Sync + 'static {
    move |_| {
        view! {
            <!DOCTYPE html>
            <html>
                <head></head>
                <body>
                    <Router>
                        <PageRoutes pages/>
                    </Router>
                </body>
            </html>
        }
        .into_any()
    }
}

/// Held by a loader; counts into its counter when the loader's future is
/// dropped, finished or not.
pub struct CountDrop(pub &'static AtomicUsize);

impl Drop for CountDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// An app served on a loopback port by the kit's accept loop, as
/// `AppServer` serves one: for what only a real connection shows.
#[cfg(feature = "server")]
pub struct Served {
    pub addr: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<()>,
}

#[cfg(feature = "server")]
impl Served {
    /// Serves `app` on a free loopback port.
    pub async fn start(app: axum::Router) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let config = server_props::serve::ServeConfig::default();
        let server = tokio::spawn(async move {
            server_props::serve::serve(listener, app, &config, async {
                let _ = stopped.await;
            })
            .await;
        });
        Self { addr, stop, server }
    }

    /// Stops serving and waits for the accept loop to end.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.server.await.unwrap();
    }
}
