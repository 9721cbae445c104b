//! libFuzzer drives hostile requests (method and target as raw bytes) into
//! the kit's routing, param/query decoding and props-URL parsing; any panic
//! or 5xx is a crash. The app and the check are the property tests' own
//! (`kit/tests/hostile`). Run with `make fuzz`.

#![no_main]

#[path = "../../kit/tests/common/mod.rs"]
mod common;
#[path = "../../kit/tests/hostile/mod.rs"]
mod hostile;

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
});

static APP: LazyLock<axum::Router> = LazyLock::new(hostile::app);

fuzz_target!(|data: &[u8]| {
    // The first line is the method, the rest the request target.
    let (method, target) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b"GET"[..], data),
    };
    if let Some(answer) = RUNTIME.block_on(hostile::answer(&APP, method, target)) {
        if let Err(e) = hostile::check(target, &answer) {
            panic!("{e}");
        }
    }
});
