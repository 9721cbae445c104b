//! The edge build's page table, built natively (`cargo test -p app
//! --features edge`): a fault `Pages` finds while the table is made panics
//! here, at test time, instead of aborting the worker on its first request.

#![cfg(feature = "edge")]

use server_props::{Page, PageRuntime, ServerProps, ServerPropsRouter};

#[test]
fn the_edge_table_holds_the_edge_pages_and_mounts() {
    let paths: Vec<&str> = app::PAGES.paths().collect();
    assert_eq!(paths, ["/edge/hello"]);
    assert_eq!(<app::pages::EdgeHello as Page>::RUNTIME, PageRuntime::Edge);
    let options = leptos::config::LeptosOptions::builder()
        .output_name("reference-app")
        .build();
    let props = ServerProps::builder(&app::PAGES, options, app::shell)
        .build_id("edge-table")
        .build();
    assert!(props.answers("/edge/hello"));
    assert!(props.answers("/_props/edge-table/edge/hello.json"));
    assert!(!props.answers("/guestbook"));
    let _router: axum::Router = axum::Router::new().server_props(&props);
}
