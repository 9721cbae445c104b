//! When the browser aborts a props request (a newer navigation superseded
//! it), the connection closes and the loader's future is dropped on the
//! server: a slow loader stops working for nobody. Uses a real socket on
//! loopback, since that is where the disconnect happens.

#![cfg(feature = "server")]

mod common;

use axum::Router;
use leptos::prelude::*;
use server_props::{
    protocol::props_url, Loader, LoaderContext, LoaderResult, Page, Pages, ServerProps,
    ServerPropsRouter,
};
use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        LazyLock,
    },
    time::Duration,
};
use tokio::io::AsyncWriteExt;

static STARTED: AtomicUsize = AtomicUsize::new(0);
static FINISHED: AtomicUsize = AtomicUsize::new(0);
static DROPPED: AtomicUsize = AtomicUsize::new(0);

struct Slow;

impl Page for Slow {
    type Props = ();
    fn view(_: ()) -> impl IntoView {}
}

impl Loader for Slow {
    type Props = ();
    type State = ();
    type Params = ();
    async fn load(_: &mut LoaderContext<()>) -> LoaderResult<()> {
        let _guard = common::CountDrop(&DROPPED);
        STARTED.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(5)).await;
        FINISHED.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

static PAGES: LazyLock<Pages> = LazyLock::new(|| Pages::new().page_at::<Slow>("/slow"));

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_goes_away_drops_the_loader() {
    let options = LeptosOptions::builder().output_name("kit-test").build();
    let props = ServerProps::builder(&PAGES, options, common::shell(&PAGES))
        .build_id("b")
        .build();
    let served = common::Served::start(Router::new().server_props(&props)).await;
    let addr = served.addr;

    let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {addr}\r\n\r\n",
        props_url("b", "/slow")
    );
    client.write_all(request.as_bytes()).await.unwrap();
    for _ in 0..100 {
        if STARTED.load(Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(STARTED.load(Ordering::SeqCst), 1, "the loader started");
    drop(client);
    for _ in 0..100 {
        if DROPPED.load(Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        DROPPED.load(Ordering::SeqCst),
        1,
        "the loader's future was dropped"
    );
    assert_eq!(
        FINISHED.load(Ordering::SeqCst),
        0,
        "the loader did not run to the end"
    );
    served.stop().await;
}
